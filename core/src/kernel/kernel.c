/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel backend registry: one active backend, reached by every
 * cg_kernel_* call, whose installs and removals are recorded in the
 * journal (journal.c), and whose events go out on the bus.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_priv.h"

int cg_kernel_init(struct cg_core *core)
{
	struct cg_kreg *kr = calloc(1, sizeof(*kr));

	if (!kr)
		return -ENOMEM;
	pthread_mutex_init(&kr->lock, NULL);
	cg_journal_init(kr);
	atomic_init(&kr->next_reqid, 1);
	core->kernel = kr;
	return 0;
}

void cg_kernel_fini(struct cg_core *core)
{
	struct cg_kreg *kr = core->kernel;

	if (!kr)
		return;
	cg_journal_fini(kr);
	pthread_mutex_destroy(&kr->lock);
	free(kr);
	core->kernel = NULL;
}

/* Backend side. */

CG_EXPORT int cg_kernel_register(struct cg_core *core, const struct cg_kernel_ops *ops, void *priv,
				 struct cg_kernel **ret)
{
	struct cg_kreg *kr = core->kernel;
	struct cg_kernel *k;

	pthread_mutex_lock(&kr->lock);
	if (kr->active) {
		cg_log(core, CG_LOG_KNL, CG_LVL_ERROR,
		       "kernel backend '%s' refused: '%s' is already active (load only one)",
		       ops->name, kr->active->ops->name);
		pthread_mutex_unlock(&kr->lock);
		return -EEXIST;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		pthread_mutex_unlock(&kr->lock);
		return -ENOMEM;
	}
	*k = (struct cg_kernel){ .core = core, .ops = ops, .priv = priv };
	kr->active = k;
	pthread_mutex_unlock(&kr->lock);
	*ret = k;
	cg_log(core, CG_LOG_KNL, CG_LVL_DEBUG, "kernel backend '%s' registered", ops->name);
	/*
	 * Clean up after a crashed run now, before any plugin started after
	 * the backend (ndhole, IKE) installs something the old journal also
	 * names, and so that everything they install is journaled.
	 */
	cg_journal_clean(core);
	return 0;
}

CG_EXPORT void cg_kernel_unregister(struct cg_kernel *k)
{
	struct cg_core *core;
	struct cg_kreg *kr;
	int n;

	if (!k)
		return;
	core = k->core;
	kr = core->kernel;
	/* Users of the kernel stopped before their backend: remove what they left. */
	n = cg_journal_flush(core, k);
	if (n)
		cg_log(core, CG_LOG_KNL, CG_LVL_INFO, "removed %d kernel objects installed by cygnetd",
		       n);
	pthread_mutex_lock(&kr->lock);
	if (kr->active == k)
		kr->active = NULL;
	pthread_mutex_unlock(&kr->lock);
	free(k);
}

CG_EXPORT void *cg_kernel_priv(const struct cg_kernel *k)
{
	return k->priv;
}

CG_EXPORT struct cg_core *cg_kernel_core(const struct cg_kernel *k)
{
	return k->core;
}

static void kernel_raise(struct cg_kernel *k, enum cg_event_type type, const void *payload,
			 size_t len)
{
	struct cg_event ev = { .type = type };

	memcpy(&ev.u, payload, len);
	cg_bus_publish(k->core, &ev);
}

CG_EXPORT void cg_kernel_raise_acquire(struct cg_kernel *k, const struct cg_kernel_acquire *ev)
{
	kernel_raise(k, CG_EV_KERNEL_ACQUIRE, ev, sizeof(*ev));
}

CG_EXPORT void cg_kernel_raise_expire(struct cg_kernel *k, const struct cg_kernel_expire *ev)
{
	/* A hard expire removed the SA: it leaves our record too. */
	if (ev->hard)
		cg_journal_forget_sa(k->core, &ev->id);
	kernel_raise(k, CG_EV_KERNEL_EXPIRE, ev, sizeof(*ev));
}

CG_EXPORT void cg_kernel_raise_migrate(struct cg_kernel *k, const struct cg_kernel_migrate *ev)
{
	kernel_raise(k, CG_EV_KERNEL_MIGRATE, ev, sizeof(*ev));
}

CG_EXPORT void cg_kernel_raise_mapping(struct cg_kernel *k, const struct cg_kernel_mapping *ev)
{
	kernel_raise(k, CG_EV_KERNEL_MAPPING, ev, sizeof(*ev));
}

CG_EXPORT void cg_kernel_raise_policy_gone(struct cg_kernel *k,
					   const struct cg_kernel_policy_gone *ev)
{
	kernel_raise(k, CG_EV_KERNEL_POLICY_GONE, ev, sizeof(*ev));
}

/* User side. */

static struct cg_kernel *active(struct cg_core *core)
{
	struct cg_kreg *kr = core->kernel;
	struct cg_kernel *k;

	pthread_mutex_lock(&kr->lock);
	k = kr->active;
	pthread_mutex_unlock(&kr->lock);
	return k;
}

CG_EXPORT bool cg_kernel_available(struct cg_core *core)
{
	return active(core) != NULL;
}

CG_EXPORT const char *cg_kernel_name(struct cg_core *core)
{
	struct cg_kernel *k = active(core);

	return k ? k->ops->name : "none";
}

CG_EXPORT int cg_kernel_get_spi(struct cg_core *core, const struct cg_addr *src,
				const struct cg_addr *dst, uint8_t proto, uint32_t reqid,
				uint32_t *spi)
{
	struct cg_kernel *k = active(core);
	struct cg_kernel_sa_id id;
	int err;

	if (!k)
		return -ENODEV;
	err = k->ops->get_spi(k, src, dst, proto, reqid, spi);
	if (err)
		return err;
	/* The larval SA is ours too until it is completed or deleted. */
	id = (struct cg_kernel_sa_id){ .src = *src, .dst = *dst, .spi = *spi, .proto = proto };
	cg_journal_record_sa(core, &id);
	return 0;
}

CG_EXPORT int cg_kernel_add_sa(struct cg_core *core, const struct cg_kernel_sa *sa)
{
	struct cg_kernel *k = active(core);
	int err;

	if (!k)
		return -ENODEV;
	err = k->ops->add_sa(k, sa);
	if (!err)
		cg_journal_record_sa(core, &sa->id);
	return err;
}

CG_EXPORT int cg_kernel_update_sa(struct cg_core *core, const struct cg_kernel_sa *sa)
{
	struct cg_kernel *k = active(core);
	int err;

	if (!k)
		return -ENODEV;
	err = k->ops->update_sa(k, sa);
	if (!err)
		cg_journal_record_sa(core, &sa->id); /* no-op when already recorded */
	return err;
}

CG_EXPORT int cg_kernel_del_sa(struct cg_core *core, const struct cg_kernel_sa_id *id)
{
	struct cg_kernel *k = active(core);

	if (!k)
		return -ENODEV;
	cg_journal_forget_sa(core, id);
	return k->ops->del_sa(k, id);
}

void cg_kernel_sa_moved(struct cg_core *core, const struct cg_kernel_sa_id *from,
			const struct cg_kernel_sa_id *to)
{
	cg_journal_move_sa(core, from, to);
}

CG_EXPORT int cg_kernel_query_sa(struct cg_core *core, const struct cg_kernel_sa_id *id,
				 struct cg_kernel_sa_stats *stats)
{
	struct cg_kernel *k = active(core);

	return k ? k->ops->query_sa(k, id, stats) : -ENODEV;
}

CG_EXPORT int cg_kernel_add_policy(struct cg_core *core, const struct cg_kernel_policy *pol,
				   bool replace)
{
	struct cg_kernel *k = active(core);
	int err;

	if (!k)
		return -ENODEV;
	/* A second user of one of our policies shares it (and may update it). */
	err = k->ops->add_policy(k, pol, replace || cg_journal_has_policy(core, &pol->id));
	if (!err)
		cg_journal_record_policy(core, &pol->id);
	return err;
}

CG_EXPORT int cg_kernel_del_policy(struct cg_core *core, const struct cg_kernel_policy_id *id)
{
	struct cg_kernel *k = active(core);
	int last;

	if (!k)
		return -ENODEV;
	last = cg_journal_release_policy(core, id);
	return last > 0 ? k->ops->del_policy(k, id) : last;
}

CG_EXPORT int cg_kernel_query_policy(struct cg_core *core, const struct cg_kernel_policy_id *id,
				     struct cg_kernel_policy_stats *stats)
{
	struct cg_kernel *k = active(core);

	return k ? k->ops->query_policy(k, id, stats) : -ENODEV;
}

CG_EXPORT int cg_kernel_bypass_socket(struct cg_core *core, int fd, sa_family_t family)
{
	struct cg_kernel *k = active(core);

	if (!k)
		return -ENODEV;
	return k->ops->bypass_socket ? k->ops->bypass_socket(k, fd, family) : -EOPNOTSUPP;
}

/* The SA of a move in one direction, before (old) or after it. */
static struct cg_kernel_sa_id move_sa_id(const struct cg_kernel_move *mv, bool inbound, bool old)
{
	const struct cg_addr *l = old ? &mv->old_local : &mv->local;
	const struct cg_addr *r = old ? &mv->old_remote : &mv->remote;

	return (struct cg_kernel_sa_id){
		.src = inbound ? *r : *l,
		.dst = inbound ? *l : *r,
		.spi = inbound ? mv->spi_in : mv->spi_out,
		.proto = mv->proto,
	};
}

/*
 * PF_KEY cannot move SAs: the policies' templates move (replaced in place:
 * the same policies, so the install record keeps its count), the SAs wait
 * for a rekey.
 */
static int move_policies(struct cg_kernel *k, const struct cg_kernel_move *mv)
{
	int err = 0;

	for (size_t i = 0; !err && i < mv->n_policies; i++)
		err = k->ops->add_policy(k, &mv->policies[i], true);
	return err ? err : -EXDEV;
}

CG_EXPORT int cg_kernel_move(struct cg_core *core, const struct cg_kernel_move *mv)
{
	struct cg_kernel *k = active(core);
	int err;

	if (!k)
		return -ENODEV;
	err = k->ops->move ? k->ops->move(k, mv) : -EOPNOTSUPP;
	if (err == -EXDEV)
		return move_policies(k, mv);
	for (int in = 0; !err && in <= 1; in++) {
		struct cg_kernel_sa_id from = move_sa_id(mv, in, true), to = move_sa_id(mv, in, false);

		if (from.spi)
			cg_journal_move_sa(core, &from, &to);
	}
	return err;
}

CG_EXPORT int cg_kernel_flush_installed(struct cg_core *core)
{
	struct cg_kernel *k = active(core);

	return k ? cg_journal_flush(core, k) : -ENODEV;
}

/* A child of the loaded config fixes this reqid (`reqid: N`). */
static bool reqid_fixed(struct cg_core *core, uint32_t reqid)
{
	struct cg_config *cfg;
	bool fixed = false;

	if (reqid > CG_REQID_FIXED_MAX)
		return false;
	cfg = cg_core_config(core);
	for (size_t i = 0; cfg && i < cfg->n_conns && !fixed; i++)
		for (size_t j = 0; j < cfg->conns[i].n_children && !fixed; j++)
			fixed = cfg->conns[i].children[j].reqid == reqid;
	cg_config_unref(cfg);
	return fixed;
}

CG_EXPORT uint32_t cg_kernel_new_reqid(struct cg_core *core)
{
	uint32_t reqid;

	do
		reqid = atomic_fetch_add(&core->kernel->next_reqid, 1);
	while (reqid_fixed(core, reqid));
	return reqid;
}

CG_EXPORT const char *cg_dir_name(enum cg_dir dir)
{
	switch (dir) {
	case CG_DIR_IN:
		return "in";
	case CG_DIR_OUT:
		return "out";
	case CG_DIR_FWD:
		return "fwd";
	}
	return "?";
}

CG_EXPORT const char *cg_mode_name(enum cg_ipsec_mode mode)
{
	return mode == CG_MODE_TUNNEL ? "tunnel" : "transport";
}
