/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mobility: follows Mobile IPv6 moves. A Mobile IPv6 daemon (umip) asks
 * the kernel to migrate policies and SAs to a new care-of address; the
 * kernel moves them and reports a MIGRATE (with KMADDRESS, the IKE
 * endpoints after the move) to every key manager. This plugin moves
 * cygnet's own records to match, with the core's cg_sa_move, and never
 * asks the kernel to move anything a second time.
 *
 * Matching, per entry of the message: children of the entry's reqid, in
 * every IKE SA that has one (a fixed reqid may be shared); when the reqid
 * is 0, or several children carry it, the migrated policy's selector,
 * protocol and direction decide. A reqid nobody has yet leaves a hint
 * (its KMADDRESS) for the initiation that comes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cygnet/cygnet.h>

/* Why a MIGRATE changed nothing. */
enum mob_ignore {
	MOB_IGN_UNKNOWN_REQID, /* no IKE SA has a child of its reqid */
	MOB_IGN_NO_MATCH,      /* no child matched its selectors */
	MOB_IGN_UNCHANGED,     /* everything was there already (a repeat) */
	MOB_IGN_FAILED,        /* the move failed */
	MOB_IGN_COUNT,
};

static const char *const mob_ignore_names[MOB_IGN_COUNT] = {
	[MOB_IGN_UNKNOWN_REQID] = "unknown-reqid",
	[MOB_IGN_NO_MATCH] = "no-match",
	[MOB_IGN_UNCHANGED] = "unchanged",
	[MOB_IGN_FAILED] = "failed",
};

struct mobility {
	struct cg_core *core;
	struct cg_bus_sub *sub;
	pthread_mutex_t lock; /* guards the counters */
	uint64_t seen, applied, ike_kept, remembered, restarted;
	uint64_t ignored[MOB_IGN_COUNT];
};

/* One MIGRATE applied to one IKE SA. */
struct mob_job {
	struct mobility *mob;
	const struct cg_kernel_migrate *m;
	uint32_t reqid;        /* 0: match by selector alone */
	size_t with_reqid;     /* children of any IKE SA with that reqid */
	size_t matched;        /* children the message names */
	struct cg_sa_moved moved;
	int err;
};

/* Ports aside (PF_KEY's migrate selectors carry none), sel lies within one of ts. */
static bool mob_sel_in(const struct cg_ts *sel, const struct cg_ts *ts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cg_ts s = *sel, t = ts[i];

		s.from_port = t.from_port = 0;
		s.to_port = t.to_port = 0xffff;
		if (cg_ts_is_subset(&s, &t))
			return true;
	}
	return false;
}

/* The migrated policy is one of c's: outbound from its local selectors, else towards them. */
static bool mob_sel_match(const struct cg_kernel_migrate *m, const struct cg_sa_child *c)
{
	bool out = m->policy.dir == CG_DIR_OUT;
	const struct cg_ts *l = out ? &m->policy.src : &m->policy.dst;
	const struct cg_ts *r = out ? &m->policy.dst : &m->policy.src;

	return mob_sel_in(l, c->local_ts, c->n_local_ts) &&
	       mob_sel_in(r, c->remote_ts, c->n_remote_ts);
}

/* The entry of m that names child c, or NULL. */
static const struct cg_kernel_migrate_entry *mob_entry(const struct mob_job *j,
						       const struct cg_sa_child *c)
{
	for (size_t i = 0; i < j->m->n_entries; i++) {
		const struct cg_kernel_migrate_entry *e = &j->m->entries[i];

		if (e->proto != c->proto || e->reqid != j->reqid)
			continue;
		if (j->reqid && c->reqid != j->reqid)
			continue;
		if ((!j->reqid || j->with_reqid > 1) && !mob_sel_match(j->m, c))
			continue;
		return e;
	}
	return NULL;
}

static void mob_count_reqid(void *ctx, const struct cg_sa_child *c)
{
	struct mob_job *j = ctx;

	if (j->reqid && c->reqid == j->reqid)
		j->with_reqid++;
}

static void mob_count_match(void *ctx, const struct cg_sa_child *c)
{
	struct mob_job *j = ctx;

	if (mob_entry(j, c))
		j->matched++;
}

/*
 * Where child c moves. Tunnel SAs follow the entry's new endpoints;
 * transport_proxy SAs stay between home address and home agent, and
 * entries without addresses (umip's transport entries carry ::) move
 * nothing.
 */
static bool mob_pick(void *ctx, const struct cg_sa_child *c, struct cg_addr *local,
		     struct cg_addr *remote)
{
	struct mob_job *j = ctx;
	const struct cg_kernel_migrate_entry *e = mob_entry(j, c);
	bool out = j->m->policy.dir == CG_DIR_OUT;

	if (!e || c->proxy || cg_addr_is_any(&e->new_src) || cg_addr_is_any(&e->new_dst))
		return false;
	*local = out ? e->new_src : e->new_dst;
	*remote = out ? e->new_dst : e->new_src;
	return true;
}

/* Applies the message to one checked-out IKE SA. */
static void mob_apply(struct mob_job *j, struct cg_sa *sa)
{
	const struct cg_kernel_migrate *m = j->m;
	struct cg_sa_move mv = {
		.move_ike = m->has_kmaddress,
		.local = m->km_local,
		.remote = m->km_remote,
		.pick = mob_pick,
		.ctx = j,
		.kernel_moved = true, /* the kernel moved its SAs before it told us */
	};
	struct cg_sa_moved moved;
	int err;

	j->matched = 0;
	cg_sa_children(sa, mob_count_match, j);
	if (!j->matched)
		return;
	err = cg_sa_move(j->mob->core, sa, &mv, &moved);
	if (err) {
		cg_log(j->mob->core, CG_LOG_MOB, CG_LVL_WARN, "moving IKE SA %s[%u] failed: %s",
		       cg_sa_conn(sa), cg_sa_unique_id(sa), strerror(-err));
		j->err = err;
		return;
	}
	if (!m->has_kmaddress)
		cg_log(j->mob->core, CG_LOG_MOB, CG_LVL_INFO,
		       "MIGRATE without KMADDRESS: IKE SA %s[%u] stays where it is, its children moved",
		       cg_sa_conn(sa), cg_sa_unique_id(sa));
	j->moved.ike |= moved.ike;
	j->moved.children += moved.children;
}

static void mob_foreach_count(void *ctx, struct cg_sa *sa)
{
	cg_sa_children(sa, mob_count_reqid, ctx);
}

static void mob_foreach(void *ctx, struct cg_sa *sa)
{
	struct mob_job *j = ctx;
	size_t before = j->matched;

	mob_apply(j, sa);
	j->matched += before;
}

/* Applies the message for one reqid (0: by selector, over every IKE SA); how many children it named. */
static size_t mob_apply_reqid(struct mob_job *j, uint32_t reqid)
{
	j->reqid = reqid;
	j->matched = 0;
	j->with_reqid = 0;
	/* A reqid several children share (a home agent's fixed one): selectors decide. */
	cg_sa_foreach_reqid(j->mob->core, reqid, mob_foreach_count, j);
	if (reqid)
		cg_sa_foreach_reqid(j->mob->core, reqid, mob_foreach, j);
	else
		cg_sa_foreach(j->mob->core, 0, mob_foreach, j);
	return j->matched;
}

static void mob_restart(void *ctx, struct cg_sa *sa)
{
	struct mob_job *j = ctx;

	j->matched += cg_sa_restart(sa, j->reqid) > 0;
}

/*
 * A reqid no IKE SA has a child of: its KMADDRESS is remembered for the
 * next initiation, and an initiator still establishing it starts again
 * from there.
 */
static void mob_remember(struct mob_job *j, uint32_t reqid)
{
	struct mobility *mob = j->mob;
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN];

	cg_sa_hint_set(mob->core, reqid, &j->m->km_local, &j->m->km_remote);
	j->reqid = reqid;
	j->matched = 0;
	cg_sa_foreach(mob->core, 0, mob_restart, j);
	cg_log(mob->core, CG_LOG_MOB, CG_LVL_INFO,
	       "MIGRATE for reqid %u, which no IKE SA has yet: %s === %s remembered for its "
	       "initiation%s", reqid, cg_addr_str(&j->m->km_local, a, sizeof(a)),
	       cg_addr_str(&j->m->km_remote, b, sizeof(b)),
	       j->matched ? ", which starts again from there" : "");
	pthread_mutex_lock(&mob->lock);
	mob->remembered++;
	mob->restarted += j->matched;
	pthread_mutex_unlock(&mob->lock);
}

static void mob_count(struct mobility *mob, bool applied, enum mob_ignore why, bool ike_kept)
{
	pthread_mutex_lock(&mob->lock);
	mob->seen++;
	if (applied)
		mob->applied++;
	else
		mob->ignored[why]++;
	if (ike_kept)
		mob->ike_kept++;
	pthread_mutex_unlock(&mob->lock);
}

/* One job per message (CG_BUS_JOB). */
static void mob_on_migrate(void *ctx, const struct cg_event *ev)
{
	struct mobility *mob = ctx;
	const struct cg_kernel_migrate *m = &ev->u.migrate;
	struct mob_job j = { .mob = mob, .m = m };
	size_t named = 0, unknown = 0;
	char a[CG_TS_STRLEN], b[CG_TS_STRLEN];
	enum mob_ignore why;

	cg_log(mob->core, CG_LOG_MOB, CG_LVL_DEBUG, "MIGRATE %s === %s %s, %zu entries%s",
	       cg_ts_str(&m->policy.src, a, sizeof(a)), cg_ts_str(&m->policy.dst, b, sizeof(b)),
	       cg_dir_name(m->policy.dir), m->n_entries,
	       m->has_kmaddress ? "" : ", no KMADDRESS");
	for (size_t i = 0; i < m->n_entries; i++) {
		uint32_t reqid = m->entries[i].reqid;
		bool repeat = false;
		size_t n;

		for (size_t k = 0; k < i; k++)
			repeat |= m->entries[k].reqid == reqid;
		if (repeat)
			continue;
		n = mob_apply_reqid(&j, reqid);
		named += n;
		unknown += reqid && !n;
		if (reqid && !n && !j.with_reqid && m->has_kmaddress)
			mob_remember(&j, reqid);
	}
	if (j.moved.ike || j.moved.children) {
		mob_count(mob, true, 0, !m->has_kmaddress);
		return;
	}
	why = j.err ? MOB_IGN_FAILED
	      : named ? MOB_IGN_UNCHANGED
	      : unknown ? MOB_IGN_UNKNOWN_REQID : MOB_IGN_NO_MATCH;
	cg_log(mob->core, CG_LOG_MOB, CG_LVL_DEBUG, "MIGRATE ignored: %s", mob_ignore_names[why]);
	mob_count(mob, false, why, false);
}

/* The remembered KMADDRESS pairs, per reqid. */
static void mob_status_hints(struct cg_core *core, struct cg_out *out)
{
	struct cg_sa_hint *h = calloc(CG_SA_HINTS_MAX, sizeof(*h));
	size_t n = h ? cg_sa_hints(core, h, CG_SA_HINTS_MAX) : 0;
	char a[CG_ADDR_STRLEN];

	cg_out_arr_begin(out, "remembered");
	for (size_t i = 0; i < n; i++) {
		cg_out_obj_begin(out, NULL);
		cg_out_uint(out, "reqid", h[i].reqid);
		cg_out_str(out, "local", cg_addr_str(&h[i].local, a, sizeof(a)));
		cg_out_str(out, "remote", cg_addr_str(&h[i].remote, a, sizeof(a)));
		cg_out_uint(out, "expires", h[i].expires);
		cg_out_obj_end(out);
	}
	cg_out_arr_end(out);
	free(h);
}

static void mob_status(void *ctx, struct cg_core *core, struct cg_out *out)
{
	struct mobility *mob = ctx;

	pthread_mutex_lock(&mob->lock);
	cg_out_uint(out, "migrations-seen", mob->seen);
	cg_out_uint(out, "applied", mob->applied);
	cg_out_uint(out, "ike-kept-no-kmaddress", mob->ike_kept);
	cg_out_uint(out, "kmaddress-remembered", mob->remembered);
	cg_out_uint(out, "initiations-restarted", mob->restarted);
	cg_out_obj_begin(out, "ignored");
	for (int i = 0; i < MOB_IGN_COUNT; i++)
		cg_out_uint(out, mob_ignore_names[i], mob->ignored[i]);
	cg_out_obj_end(out);
	pthread_mutex_unlock(&mob->lock);
	mob_status_hints(core, out);
}

static void mob_destroy(void *state)
{
	struct mobility *mob = state;

	if (!mob)
		return;
	cg_control_remove_status(mob->core, "mobility");
	cg_bus_unsubscribe(mob->core, mob->sub);
	pthread_mutex_destroy(&mob->lock);
	free(mob);
}

static int mob_init(struct cg_core *core, void **state)
{
	struct mobility *mob = calloc(1, sizeof(*mob));
	int err;

	if (!mob)
		return -ENOMEM;
	mob->core = core;
	pthread_mutex_init(&mob->lock, NULL);
	err = cg_bus_subscribe(core, CG_EV_BIT(CG_EV_KERNEL_MIGRATE), CG_BUS_JOB, mob_on_migrate,
			       mob, &mob->sub);
	if (err)
		goto err_free;
	err = cg_control_add_status(core, "mobility", mob_status, mob);
	if (err)
		goto err_unsubscribe;
	*state = mob;
	return 0;

err_unsubscribe:
	cg_bus_unsubscribe(core, mob->sub);
err_free:
	pthread_mutex_destroy(&mob->lock);
	free(mob);
	return err;
}

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "mobility",
	.provides = (const char *const[]){ "mobility", NULL },
	.needs = (const char *const[]){ "kernel", NULL },
	.init = mob_init,
	.destroy = mob_destroy,
};
