/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IKE SA manager: four hash indexes under one mutex, and a condition
 * variable on which jobs wait for an SA another job has checked out. It
 * also counts half-open SAs, in all and per peer address, against the
 * daemon's half_open_limit and half_open_per_address. The reqid index
 * names every IKE SA with a child of the reqid (a fixed reqid can be
 * shared by the IKE SAs of many peers); each SA counts its children per
 * reqid, so a rekeyed child's successor keeps the entry.
 */
#include <errno.h>
#include <malloc.h>
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
	struct half_open_peer *peer; /* its address's half-open count while init_key is set */
	struct sa_reqid *reqids;
	size_t n_reqids;
};

/* A reqid of an SA's children, and how many children carry it. */
struct sa_reqid {
	uint32_t reqid;
	unsigned children;
};

/* Where the IKE SA of a reqid nobody has should run (cg_sa_hint_set). */
struct sa_hint {
	struct cg_sa_hint h;
	uint64_t set_ms;
};

/* The IKE SAs under one reqid in the index. */
struct reqid_sas {
	struct cg_sa **sas;
	size_t n, cap;
};

struct cg_samgr {
	pthread_mutex_t lock;
	pthread_cond_t returned;  /* an SA was checked in or removed */
	struct cg_hmap by_spi;
	struct cg_hmap by_id;
	struct cg_hmap by_init;
	struct cg_hmap by_reqid; /* reqid -> struct reqid_sas */
	uint32_t next_id;
	size_t half_open;
	struct cg_hmap by_addr;   /* half-open SAs per peer address: chains of half_open_peer */
	size_t half_open_peak;    /* most half-open SAs since memory was last trimmed */
	struct sa_hint hints[CG_SA_HINTS_MAX]; /* by age, oldest first */
	size_t n_hints;
};

/* Half-open SAs from one address (no port); shared keys are chained. */
struct half_open_peer {
	struct cg_addr addr;
	size_t n;
	struct half_open_peer *next;
};

/* Once a peak of this many half-open SAs has gone, freed memory goes back to the system. */
#define HALF_OPEN_TRIM_PEAK 256

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
	cg_hmap_init(&m->by_addr);
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
	for (size_t i = 0; i < m->by_reqid.cap; i++) {
		struct reqid_sas *set = m->by_reqid.vals[i];

		if (set && m->by_reqid.keys[i] && m->by_reqid.keys[i] != UINT64_MAX) {
			free(set->sas);
			free(set);
		}
	}
	cg_hmap_free(&m->by_spi);
	cg_hmap_free(&m->by_id);
	cg_hmap_free(&m->by_init);
	cg_hmap_free(&m->by_reqid);
	for (size_t i = 0; i < m->by_addr.cap; i++) {
		struct half_open_peer *hp = m->by_addr.vals[i], *next;

		for (; hp; hp = next) {
			next = hp->next;
			free(hp);
		}
	}
	cg_hmap_free(&m->by_addr);
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
	struct cg_samgr *m = core->ike_sas;
	struct reqid_sas *set;
	struct cg_sa *sa;

	if (!reqid)
		return NULL;
	pthread_mutex_lock(&m->lock);
	set = cg_hmap_get(&m->by_reqid, reqid);
	sa = checkout_locked(m, set && set->n ? set->sas[0] : NULL);
	pthread_mutex_unlock(&m->lock);
	return sa;
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

static uint64_t addr_key(const struct cg_addr *a)
{
	return cg_hash64(a->u.bytes, a->family == AF_INET ? 4 : 16, a->family);
}

static bool same_host(const struct cg_addr *a, const struct cg_addr *b)
{
	return a->family == b->family &&
	       !memcmp(a->u.bytes, b->u.bytes, a->family == AF_INET ? 4 : 16);
}

/* The half-open count of an address, NULL when it has none. Lock held. */
static struct half_open_peer *peer_find(struct cg_samgr *m, const struct cg_addr *a)
{
	struct half_open_peer *hp = cg_hmap_get(&m->by_addr, addr_key(a));

	while (hp && !same_host(&hp->addr, a))
		hp = hp->next;
	return hp;
}

/* Counts one more half-open SA from a; NULL when out of memory. Lock held. */
static struct half_open_peer *peer_hold(struct cg_samgr *m, const struct cg_addr *a)
{
	struct half_open_peer *hp = peer_find(m, a);
	uint64_t key = addr_key(a);

	if (hp) {
		hp->n++;
		return hp;
	}
	hp = calloc(1, sizeof(*hp));
	if (!hp)
		return NULL;
	hp->addr.family = a->family;
	memcpy(hp->addr.u.bytes, a->u.bytes, sizeof(hp->addr.u.bytes));
	hp->n = 1;
	hp->next = cg_hmap_get(&m->by_addr, key);
	if (cg_hmap_put(&m->by_addr, key, hp)) {
		free(hp);
		return NULL;
	}
	return hp;
}

/* Counts one half-open SA less; the address is forgotten at zero. Lock held. */
static void peer_release(struct cg_samgr *m, struct half_open_peer *hp)
{
	uint64_t key = addr_key(&hp->addr);
	struct half_open_peer *head = cg_hmap_get(&m->by_addr, key);

	if (--hp->n)
		return;
	if (head == hp) {
		/* Replacing a present key does not allocate. */
		if (hp->next)
			cg_hmap_put(&m->by_addr, key, hp->next);
		else
			cg_hmap_del(&m->by_addr, key);
	} else {
		while (head->next != hp)
			head = head->next;
		head->next = hp->next;
	}
	free(hp);
}

/* Adds sa under reqid; 0 or -ENOMEM. Lock held. */
static int index_reqid(struct cg_samgr *m, struct cg_sa *sa, uint32_t reqid)
{
	struct reqid_sas *set = cg_hmap_get(&m->by_reqid, reqid);

	if (!set) {
		set = calloc(1, sizeof(*set));
		if (!set || cg_hmap_put(&m->by_reqid, reqid, set)) {
			free(set);
			return -ENOMEM;
		}
	}
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 2;
		struct cg_sa **grown = realloc(set->sas, cap * sizeof(*grown));

		if (!grown) {
			if (!set->n) {
				cg_hmap_del(&m->by_reqid, reqid);
				free(set);
			}
			return -ENOMEM;
		}
		set->sas = grown;
		set->cap = cap;
	}
	set->sas[set->n++] = sa;
	return 0;
}

/* Removes sa from under reqid, and the entry once no SA is left. Lock held. */
static void unindex_reqid(struct cg_samgr *m, struct cg_sa *sa, uint32_t reqid)
{
	struct reqid_sas *set = cg_hmap_get(&m->by_reqid, reqid);

	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		if (set->sas[i] == sa) {
			memmove(&set->sas[i], &set->sas[i + 1], (set->n - i - 1) * sizeof(*set->sas));
			set->n--;
			break;
		}
	}
	if (!set->n) {
		cg_hmap_del(&m->by_reqid, reqid);
		free(set->sas);
		free(set);
	}
}

static void unindex_init(struct cg_samgr *m, struct cg_sa *sa)
{
	if (!sa->init_key)
		return;
	if (cg_hmap_get(&m->by_init, sa->init_key) == sa)
		cg_hmap_del(&m->by_init, sa->init_key);
	sa->init_key = 0;
	if (sa->peer)
		peer_release(m, sa->peer);
	sa->peer = NULL;
	m->half_open--;
}

/*
 * After a flood of half-open SAs has gone, glibc keeps the freed heap
 * (many small blocks spread over its arenas) unless asked: give it back
 * once no half-open SA is left of a large peak.
 */
static void trim_after_flood(struct cg_samgr *m)
{
	bool trim;

	pthread_mutex_lock(&m->lock);
	trim = !m->half_open && m->half_open_peak >= HALF_OPEN_TRIM_PEAK;
	if (trim)
		m->half_open_peak = 0;
	pthread_mutex_unlock(&m->lock);
#ifdef __GLIBC__
	if (trim)
		malloc_trim(0);
#endif
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
		unindex_reqid(m, sa, sa->reqids[i].reqid);
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
	sa_free(copy ? copy : sa);
	trim_after_flood(m);
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
	sa->peer = peer_hold(m, remote);
	err = sa->peer ? cg_hmap_put(&m->by_init, key, sa) : -ENOMEM;
	if (!err) {
		sa->init_key = key;
		m->half_open++;
		if (m->half_open > m->half_open_peak)
			m->half_open_peak = m->half_open;
	} else if (sa->peer) {
		peer_release(m, sa->peer);
		sa->peer = NULL;
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
	trim_after_flood(m);
}

/* Drops the hints older than CG_SA_HINT_SECS, and reqid's (0: none). Lock held. */
static void hints_prune(struct cg_samgr *m, uint64_t now, uint32_t reqid)
{
	size_t k = 0;

	for (size_t i = 0; i < m->n_hints; i++)
		if (m->hints[i].h.reqid != reqid &&
		    now - m->hints[i].set_ms < CG_SA_HINT_SECS * 1000ULL)
			m->hints[k++] = m->hints[i];
	m->n_hints = k;
}

CG_EXPORT void cg_sa_hint_set(struct cg_core *core, uint32_t reqid, const struct cg_addr *local,
			      const struct cg_addr *remote)
{
	struct cg_samgr *m = core->ike_sas;
	uint64_t now = cg_now_ms(core);

	if (!reqid)
		return;
	pthread_mutex_lock(&m->lock);
	hints_prune(m, now, reqid);
	if (m->n_hints == CG_SA_HINTS_MAX)
		memmove(&m->hints[0], &m->hints[1], --m->n_hints * sizeof(m->hints[0]));
	m->hints[m->n_hints++] = (struct sa_hint){
		.h = { .reqid = reqid, .local = *local, .remote = *remote }, .set_ms = now,
	};
	m->hints[m->n_hints - 1].h.local.port = m->hints[m->n_hints - 1].h.remote.port = 0;
	pthread_mutex_unlock(&m->lock);
}

CG_EXPORT bool cg_sa_hint_get(struct cg_core *core, uint32_t reqid, struct cg_addr *local,
			      struct cg_addr *remote)
{
	struct cg_samgr *m = core->ike_sas;
	bool found = false;

	pthread_mutex_lock(&m->lock);
	hints_prune(m, cg_now_ms(core), 0);
	for (size_t i = 0; reqid && i < m->n_hints && !found; i++) {
		found = m->hints[i].h.reqid == reqid;
		if (found) {
			*local = m->hints[i].h.local;
			*remote = m->hints[i].h.remote;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return found;
}

CG_EXPORT int cg_sa_restart(struct cg_sa *sa, uint32_t reqid)
{
	return sa->ops && sa->ops->restart ? sa->ops->restart(sa->data, reqid) : 0;
}

CG_EXPORT size_t cg_sa_hints(struct cg_core *core, struct cg_sa_hint *out, size_t max)
{
	struct cg_samgr *m = core->ike_sas;
	uint64_t now = cg_now_ms(core);
	size_t n = 0;

	pthread_mutex_lock(&m->lock);
	hints_prune(m, now, 0);
	for (; n < m->n_hints && n < max; n++) {
		out[n] = m->hints[n].h;
		out[n].expires = CG_SA_HINT_SECS - (uint32_t)((now - m->hints[n].set_ms) / 1000);
	}
	pthread_mutex_unlock(&m->lock);
	return n;
}

CG_EXPORT int cg_sa_add_reqid(struct cg_sa *sa, uint32_t reqid)
{
	struct cg_samgr *m = sa->mgr;
	struct sa_reqid *grown;
	int err;

	if (!reqid)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < sa->n_reqids; i++) {
		if (sa->reqids[i].reqid == reqid) {
			sa->reqids[i].children++;
			pthread_mutex_unlock(&m->lock);
			return 0;
		}
	}
	grown = realloc(sa->reqids, (sa->n_reqids + 1) * sizeof(*grown));
	if (grown)
		sa->reqids = grown;
	err = grown ? index_reqid(m, sa, reqid) : -ENOMEM;
	if (!err)
		sa->reqids[sa->n_reqids++] = (struct sa_reqid){ .reqid = reqid, .children = 1 };
	/* An IKE SA has the reqid now: a MIGRATE finds it, the hint has served. */
	for (size_t i = 0; !err && i < m->n_hints; i++)
		if (m->hints[i].h.reqid == reqid)
			memmove(&m->hints[i], &m->hints[i + 1], (--m->n_hints - i) * sizeof(m->hints[0]));
	pthread_mutex_unlock(&m->lock);
	return err;
}

CG_EXPORT void cg_sa_del_reqid(struct cg_sa *sa, uint32_t reqid)
{
	struct cg_samgr *m = sa->mgr;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < sa->n_reqids; i++) {
		if (sa->reqids[i].reqid != reqid)
			continue;
		if (!--sa->reqids[i].children) {
			sa->reqids[i] = sa->reqids[--sa->n_reqids];
			unindex_reqid(m, sa, reqid);
		}
		break;
	}
	pthread_mutex_unlock(&m->lock);
}

/* Checks out each SA whose unique id is in ids[0..n) in turn and calls fn; frees ids. */
static void foreach_ids(struct cg_core *core, uint32_t *ids, size_t n, cg_sa_iter_fn fn,
			void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		struct cg_sa *sa = cg_sa_checkout_by_id(core, ids[i]);

		if (!sa)
			continue;
		fn(ctx, sa);
		cg_sa_checkin(core, sa);
	}
	free(ids);
}

CG_EXPORT void cg_sa_foreach_reqid(struct cg_core *core, uint32_t reqid, cg_sa_iter_fn fn,
				   void *ctx)
{
	struct cg_samgr *m = core->ike_sas;
	struct reqid_sas *set;
	uint32_t *ids = NULL;
	size_t n = 0;

	if (!reqid)
		return;
	pthread_mutex_lock(&m->lock);
	set = cg_hmap_get(&m->by_reqid, reqid);
	if (set && set->n)
		ids = calloc(set->n, sizeof(*ids));
	for (size_t i = 0; ids && i < set->n; i++)
		ids[n++] = set->sas[i]->unique_id;
	pthread_mutex_unlock(&m->lock);
	foreach_ids(core, ids, n, fn, ctx);
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
	foreach_ids(core, ids, n, fn, ctx);
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

CG_EXPORT size_t cg_sa_count_half_open_from(struct cg_core *core, const struct cg_addr *remote)
{
	struct cg_samgr *m = core->ike_sas;
	struct half_open_peer *hp;
	size_t n;

	pthread_mutex_lock(&m->lock);
	hp = peer_find(m, remote);
	n = hp ? hp->n : 0;
	pthread_mutex_unlock(&m->lock);
	return n;
}

CG_EXPORT enum cg_half_open cg_sa_half_open_admit(struct cg_core *core,
						  const struct cg_addr *remote)
{
	struct cg_samgr *m = core->ike_sas;
	uint32_t all = 0, per = 0;
	struct half_open_peer *hp;
	enum cg_half_open v = CG_HALF_OPEN_OK;

	pthread_mutex_lock(&core->cfg_lock);
	if (core->cfg) {
		all = core->cfg->daemon.half_open_limit;
		per = core->cfg->daemon.half_open_per_address;
	}
	pthread_mutex_unlock(&core->cfg_lock);
	pthread_mutex_lock(&m->lock);
	hp = per ? peer_find(m, remote) : NULL;
	if (hp && hp->n >= per)
		v = CG_HALF_OPEN_ADDRESS_FULL;
	else if (all && m->half_open >= all)
		v = CG_HALF_OPEN_FULL;
	pthread_mutex_unlock(&m->lock);
	return v;
}
