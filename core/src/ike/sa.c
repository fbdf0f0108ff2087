/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IKE SA manager: four hash indexes under one mutex, and a condition
 * variable on which jobs wait for an SA another job has checked out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

struct cg_sa {
	struct cg_samgr *mgr;
	uint8_t version;
	uint64_t local_spi;
	uint32_t unique_id;
	char conn[CG_NAME_MAX];
	void *data;
	const struct cg_sa_ops *ops;
	bool checked_out;
	bool removed;
	unsigned waiters;      /* jobs waiting for this SA */
	uint64_t init_key;     /* 0 when not in the half-open index */
	uint32_t *reqids;
	size_t n_reqids;
};

struct cg_samgr {
	pthread_mutex_t lock;
	pthread_cond_t returned;  /* an SA was checked in or removed */
	struct cg_hmap by_spi;
	struct cg_hmap by_id;
	struct cg_hmap by_init;
	struct cg_hmap by_reqid;
	uint32_t next_id;
	size_t half_open;
};

int cg_samgr_init(struct cg_core *core)
{
	struct cg_samgr *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->returned, NULL);
	cg_hmap_init(&m->by_spi);
	cg_hmap_init(&m->by_id);
	cg_hmap_init(&m->by_init);
	cg_hmap_init(&m->by_reqid);
	m->next_id = 1;
	core->ike_sas = m;
	return 0;
}

static void sa_free(struct cg_sa *sa)
{
	if (sa->ops && sa->ops->destroy)
		sa->ops->destroy(sa->data);
	free(sa->reqids);
	free(sa);
}

void cg_samgr_fini(struct cg_core *core)
{
	struct cg_samgr *m = core->ike_sas;

	if (!m)
		return;
	for (size_t i = 0; i < m->by_id.cap; i++)
		if (m->by_id.vals[i])
			sa_free(m->by_id.vals[i]);
	cg_hmap_free(&m->by_spi);
	cg_hmap_free(&m->by_id);
	cg_hmap_free(&m->by_init);
	cg_hmap_free(&m->by_reqid);
	pthread_cond_destroy(&m->returned);
	pthread_mutex_destroy(&m->lock);
	free(m);
	core->ike_sas = NULL;
}

static uint64_t init_key(uint64_t spi_i, const struct cg_addr *remote)
{
	uint8_t buf[8 + 18];

	memcpy(buf, &spi_i, 8);
	memcpy(buf + 8, remote->u.bytes, 16);
	memcpy(buf + 24, &remote->port, 2);
	return cg_hash64(buf, sizeof(buf), remote->family);
}

CG_EXPORT int cg_sa_add(struct cg_core *core, uint8_t version, uint64_t local_spi,
			const char *conn_name, void *data, const struct cg_sa_ops *ops,
			struct cg_sa **ret)
{
	struct cg_samgr *m = core->ike_sas;
	struct cg_sa *sa;
	int err;

	if (!local_spi || local_spi == UINT64_MAX)
		return -EINVAL;
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	sa->mgr = core->ike_sas;
	sa->version = version;
	sa->local_spi = local_spi;
	snprintf(sa->conn, sizeof(sa->conn), "%s", conn_name ? conn_name : "");
	sa->data = data;
	sa->ops = ops;
	sa->checked_out = true;

	pthread_mutex_lock(&m->lock);
	if (cg_hmap_get(&m->by_spi, local_spi)) {
		err = -EEXIST;
		goto err_unlock;
	}
	do {
		sa->unique_id = m->next_id++;
	} while (!sa->unique_id || cg_hmap_get(&m->by_id, sa->unique_id));
	err = cg_hmap_put(&m->by_spi, local_spi, sa);
	if (err)
		goto err_unlock;
	err = cg_hmap_put(&m->by_id, sa->unique_id, sa);
	if (err) {
		cg_hmap_del(&m->by_spi, local_spi);
		goto err_unlock;
	}
	pthread_mutex_unlock(&m->lock);
	*ret = sa;
	return 0;

err_unlock:
	pthread_mutex_unlock(&m->lock);
	free(sa);
	return err;
}

/* Waits until sa is free and takes it; NULL when it was removed meanwhile. Lock held. */
static struct cg_sa *checkout_locked(struct cg_samgr *m, struct cg_sa *sa)
{
	if (!sa)
		return NULL;
	sa->waiters++;
	while (sa->checked_out && !sa->removed)
		pthread_cond_wait(&m->returned, &m->lock);
	sa->waiters--;
	if (sa->removed) {
		/* The remover left the struct for us: the last waiter frees it. */
		if (!sa->waiters)
			free(sa);
		return NULL;
	}
	sa->checked_out = true;
	return sa;
}

static struct cg_sa *checkout_from(struct cg_core *core, struct cg_hmap *map, uint64_t key)
{
	struct cg_samgr *m = core->ike_sas;
	struct cg_sa *sa;

	if (!key || key == UINT64_MAX)
		return NULL;
	pthread_mutex_lock(&m->lock);
	sa = checkout_locked(m, cg_hmap_get(map, key));
	pthread_mutex_unlock(&m->lock);
	return sa;
}

CG_EXPORT struct cg_sa *cg_sa_checkout_by_spi(struct cg_core *core, uint64_t local_spi)
{
	return checkout_from(core, &core->ike_sas->by_spi, local_spi);
}

CG_EXPORT struct cg_sa *cg_sa_checkout_by_init(struct cg_core *core, uint64_t spi_i,
					       const struct cg_addr *remote)
{
	return checkout_from(core, &core->ike_sas->by_init, init_key(spi_i, remote));
}

CG_EXPORT struct cg_sa *cg_sa_checkout_by_id(struct cg_core *core, uint32_t unique_id)
{
	return checkout_from(core, &core->ike_sas->by_id, unique_id);
}

CG_EXPORT struct cg_sa *cg_sa_checkout_by_reqid(struct cg_core *core, uint32_t reqid)
{
	return checkout_from(core, &core->ike_sas->by_reqid, reqid);
}

CG_EXPORT void cg_sa_checkin(struct cg_core *core, struct cg_sa *sa)
{
	struct cg_samgr *m = core->ike_sas;

	pthread_mutex_lock(&m->lock);
	sa->checked_out = false;
	if (sa->waiters)
		pthread_cond_broadcast(&m->returned);
	pthread_mutex_unlock(&m->lock);
}

static void unindex_init(struct cg_samgr *m, struct cg_sa *sa)
{
	if (!sa->init_key)
		return;
	if (cg_hmap_get(&m->by_init, sa->init_key) == sa)
		cg_hmap_del(&m->by_init, sa->init_key);
	sa->init_key = 0;
	m->half_open--;
}

CG_EXPORT void cg_sa_checkin_destroy(struct cg_core *core, struct cg_sa *sa)
{
	struct cg_samgr *m = core->ike_sas;
	struct cg_sa *copy = NULL;

	pthread_mutex_lock(&m->lock);
	cg_hmap_del(&m->by_spi, sa->local_spi);
	cg_hmap_del(&m->by_id, sa->unique_id);
	unindex_init(m, sa);
	for (size_t i = 0; i < sa->n_reqids; i++)
		if (cg_hmap_get(&m->by_reqid, sa->reqids[i]) == sa)
			cg_hmap_del(&m->by_reqid, sa->reqids[i]);
	if (sa->waiters) {
		/* Waiters hold the pointer: leave them a husk that says "removed". */
		copy = malloc(sizeof(*copy));
		if (copy) {
			*copy = *sa;
			sa->removed = true;
			sa->reqids = NULL;
			sa->ops = NULL;
			pthread_cond_broadcast(&m->returned);
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (copy) {
		sa_free(copy);
		return;
	}
	sa_free(sa);
}

const struct cg_sa_ops *cg_sa_ops_of(const struct cg_sa *sa)
{
	return sa->ops;
}

CG_EXPORT int cg_sa_add_role(struct cg_core *core, uint8_t version, const char *conn_name,
			     void *data, const struct cg_sa_ops *ops, uint64_t spi_i,
			     const struct cg_addr *remote, uint64_t *spi, struct cg_sa **ret)
{
	int err = cg_sa_add_new(core, version, conn_name, data, ops, spi, ret);

	if (err) {
		cg_log(core, CG_LOG_IKE, CG_LVL_ERROR, "%s: cannot create an IKE SA: %s", conn_name,
		       strerror(-err));
		return err;
	}
	err = spi_i ? cg_sa_set_init_key(*ret, spi_i, remote) : 0;
	if (err)
		cg_sa_checkin_destroy(core, *ret);
	return err;
}

CG_EXPORT void cg_sa_logv(struct cg_core *core, const struct cg_sa *entry, const char *name,
			  uint64_t spi_i, uint64_t spi_r, enum cg_subsys subsys,
			  enum cg_level level, const char *fmt, va_list ap)
{
	char line[512];

	if (!cg_log_enabled(core, subsys, level))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	cg_log(core, subsys, level, "%s[%u] %016llx_i %016llx_r: %s", name,
	       entry ? entry->unique_id : 0, (unsigned long long)spi_i,
	       (unsigned long long)spi_r, line);
}

CG_EXPORT void cg_sa_publish(struct cg_core *core, const struct cg_sa *entry,
			     enum cg_event_type type, const char *name, uint64_t spi_i,
			     uint64_t spi_r, const struct cg_addr *local, const struct cg_addr *remote)
{
	struct cg_event ev = { .type = type };

	snprintf(ev.u.ike.conn, sizeof(ev.u.ike.conn), "%s", name);
	ev.u.ike.unique_id = entry->unique_id;
	ev.u.ike.spi_i = htobe64(spi_i);
	ev.u.ike.spi_r = htobe64(spi_r);
	ev.u.ike.local = *local;
	ev.u.ike.remote = *remote;
	ev.u.ike.version = entry->version;
	cg_bus_publish(core, &ev);
}

CG_EXPORT void cg_sa_publish_child(struct cg_core *core, const struct cg_sa *entry,
				   enum cg_event_type type, const char *conn, const char *child,
				   uint32_t unique_id, const struct cg_child_install *ci,
				   const struct cg_addr *local, const struct cg_addr *remote)
{
	struct cg_event ev = { .type = type };

	snprintf(ev.u.child.conn, sizeof(ev.u.child.conn), "%s", conn);
	snprintf(ev.u.child.child, sizeof(ev.u.child.child), "%s", child);
	ev.u.child.unique_id = unique_id;
	ev.u.child.ike_unique_id = entry->unique_id;
	ev.u.child.reqid = ci->reqid;
	ev.u.child.spi_in = ci->spi_in;
	ev.u.child.spi_out = ci->spi_out;
	ev.u.child.local = *local;
	ev.u.child.remote = *remote;
	cg_bus_publish(core, &ev);
}

CG_EXPORT void cg_sa_describe(struct cg_sa *sa, struct cg_out *out)
{
	if (sa->ops && sa->ops->describe)
		sa->ops->describe(sa->data, out);
}

CG_EXPORT void *cg_sa_data(const struct cg_sa *sa)
{
	return sa->data;
}

CG_EXPORT uint32_t cg_sa_unique_id(const struct cg_sa *sa)
{
	return sa->unique_id;
}

CG_EXPORT uint8_t cg_sa_version(const struct cg_sa *sa)
{
	return sa->version;
}

CG_EXPORT const char *cg_sa_conn(const struct cg_sa *sa)
{
	return sa->conn;
}

CG_EXPORT int cg_sa_set_init_key(struct cg_sa *sa, uint64_t spi_i, const struct cg_addr *remote)
{
	struct cg_samgr *m = sa->mgr;
	uint64_t key = init_key(spi_i, remote);
	int err;

	pthread_mutex_lock(&m->lock);
	if (cg_hmap_get(&m->by_init, key)) {
		pthread_mutex_unlock(&m->lock);
		return -EEXIST;
	}
	unindex_init(m, sa);
	err = cg_hmap_put(&m->by_init, key, sa);
	if (!err) {
		sa->init_key = key;
		m->half_open++;
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

CG_EXPORT void cg_sa_set_established(struct cg_sa *sa)
{
	struct cg_samgr *m = sa->mgr;

	pthread_mutex_lock(&m->lock);
	unindex_init(m, sa);
	pthread_mutex_unlock(&m->lock);
}

CG_EXPORT int cg_sa_add_reqid(struct cg_sa *sa, uint32_t reqid)
{
	struct cg_samgr *m = sa->mgr;
	uint32_t *grown;
	int err;

	if (!reqid)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < sa->n_reqids; i++) {
		if (sa->reqids[i] == reqid) {
			pthread_mutex_unlock(&m->lock);
			return 0;
		}
	}
	grown = realloc(sa->reqids, (sa->n_reqids + 1) * sizeof(*grown));
	err = grown ? cg_hmap_put(&m->by_reqid, reqid, sa) : -ENOMEM;
	if (grown)
		sa->reqids = grown;
	if (!err)
		sa->reqids[sa->n_reqids++] = reqid;
	pthread_mutex_unlock(&m->lock);
	return err;
}

CG_EXPORT void cg_sa_del_reqid(struct cg_sa *sa, uint32_t reqid)
{
	struct cg_samgr *m = sa->mgr;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < sa->n_reqids; i++) {
		if (sa->reqids[i] != reqid)
			continue;
		sa->reqids[i] = sa->reqids[--sa->n_reqids];
		if (cg_hmap_get(&m->by_reqid, reqid) == sa)
			cg_hmap_del(&m->by_reqid, reqid);
		break;
	}
	pthread_mutex_unlock(&m->lock);
}

CG_EXPORT void cg_sa_foreach(struct cg_core *core, uint8_t version, cg_sa_iter_fn fn, void *ctx)
{
	struct cg_samgr *m = core->ike_sas;
	uint32_t *ids;
	size_t n = 0;

	pthread_mutex_lock(&m->lock);
	ids = calloc(m->by_id.used ? m->by_id.used : 1, sizeof(*ids));
	for (size_t i = 0; ids && i < m->by_id.cap; i++) {
		struct cg_sa *sa = m->by_id.vals[i];

		if (sa && (!version || sa->version == version))
			ids[n++] = sa->unique_id;
	}
	pthread_mutex_unlock(&m->lock);
	for (size_t i = 0; i < n; i++) {
		struct cg_sa *sa = cg_sa_checkout_by_id(core, ids[i]);

		if (!sa)
			continue;
		fn(ctx, sa);
		cg_sa_checkin(core, sa);
	}
	free(ids);
}

CG_EXPORT size_t cg_sa_count(struct cg_core *core)
{
	struct cg_samgr *m = core->ike_sas;
	size_t n;

	pthread_mutex_lock(&m->lock);
	n = m->by_id.used;
	pthread_mutex_unlock(&m->lock);
	return n;
}

CG_EXPORT size_t cg_sa_count_half_open(struct cg_core *core)
{
	struct cg_samgr *m = core->ike_sas;
	size_t n;

	pthread_mutex_lock(&m->lock);
	n = m->half_open;
	pthread_mutex_unlock(&m->lock);
	return n;
}
