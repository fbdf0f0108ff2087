/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trap policies of start_action: trap children, for both IKE versions: one
 * set per protocol plugin, each trap with its reqid and whether an acquire
 * is being negotiated, so a second acquire waits for the first.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cygnet/bus.h>
#include <cygnet/conn.h>
#include <cygnet/kernel.h>
#include <cygnet/log.h>

#define TRAP_MAX_TS 16

struct trap {
	struct trap *next;
	char conn[CG_NAME_MAX];
	char child[CG_NAME_MAX];
	bool initiating;              /* an acquire started a negotiation */
	struct cg_child_install ci;   /* selectors point into local/remote */
	struct cg_ts local[TRAP_MAX_TS], remote[TRAP_MAX_TS];
};

struct cg_traps {
	struct cg_core *core;
	pthread_mutex_t lock;
	struct trap *list;
};

CG_EXPORT struct cg_traps *cg_traps_new(struct cg_core *core)
{
	struct cg_traps *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->core = core;
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

CG_EXPORT void cg_traps_free(struct cg_traps *t)
{
	if (!t)
		return;
	while (t->list) {
		struct trap *x = t->list;

		t->list = x->next;
		if (x->ci.policies)
			cg_child_untrap(t->core, &x->ci);
		free(x);
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

CG_EXPORT void cg_traps_done(struct cg_traps *t, uint32_t reqid)
{
	pthread_mutex_lock(&t->lock);
	for (struct trap *x = t->list; x; x = x->next)
		if (x->ci.reqid == reqid)
			x->initiating = false;
	pthread_mutex_unlock(&t->lock);
}

CG_EXPORT uint32_t cg_traps_reqid(struct cg_traps *t, const char *conn, const char *child)
{
	uint32_t reqid = 0;

	pthread_mutex_lock(&t->lock);
	for (struct trap *x = t->list; x && !reqid; x = x->next)
		if (!strcmp(x->conn, conn) && !strcmp(x->child, child))
			reqid = x->ci.reqid;
	pthread_mutex_unlock(&t->lock);
	return reqid;
}

CG_EXPORT int cg_traps_install(struct cg_traps *t, const struct cg_conn_cfg *conn,
			       const struct cg_child_cfg *cc)
{
	struct trap *x = calloc(1, sizeof(*x));
	struct cg_addr local, remote;
	int err;

	if (!x)
		return -ENOMEM;
	err = cg_conn_endpoints(t->core, conn, &local, &remote);
	if (err)
		goto err_free;
	local.port = remote.port = 0;
	snprintf(x->conn, sizeof(x->conn), "%s", conn->name);
	snprintf(x->child, sizeof(x->child), "%s", cc->name);
	x->ci.local = local;
	x->ci.remote = remote;
	x->ci.mode = cc->mode == CG_CHILD_TUNNEL ? CG_MODE_TUNNEL : CG_MODE_TRANSPORT;
	x->ci.proxy = cc->mode == CG_CHILD_TRANSPORT_PROXY;
	x->ci.proto = IPPROTO_ESP;
	x->ci.reqid = cc->reqid ? cc->reqid : cg_kernel_new_reqid(t->core);
	x->ci.n_local_ts = cg_conn_ts_resolve(cc->local_ts, cc->n_local_ts, &local, x->local,
					      TRAP_MAX_TS);
	x->ci.n_remote_ts = cg_conn_ts_resolve(cc->remote_ts, cc->n_remote_ts, &remote,
					       x->remote, TRAP_MAX_TS);
	x->ci.local_ts = x->local;
	x->ci.remote_ts = x->remote;
	/* policies: no: another daemon's policies raise the acquires. */
	x->ci.policies = cc->policies;
	x->ci.priority = cc->priority ? cc->priority
				      : cg_policy_priority(CG_PRIO_TRAP, &x->local[0], &x->remote[0]);
	err = x->ci.policies ? cg_child_trap(t->core, &x->ci) : 0;
	if (err)
		goto err_free;
	cg_log(t->core, CG_LOG_CHD, CG_LVL_INFO, x->ci.policies
	       ? "%s/%s: trap policies installed (reqid %u)"
	       : "%s/%s: waiting for acquires from policies of another daemon (reqid %u)",
	       conn->name, cc->name, x->ci.reqid);
	pthread_mutex_lock(&t->lock);
	x->next = t->list;
	t->list = x;
	pthread_mutex_unlock(&t->lock);
	return 0;

err_free:
	cg_log(t->core, CG_LOG_CHD, CG_LVL_ERROR, "%s/%s: installing trap policies failed: %s",
	       conn->name, cc->name, strerror(-err));
	free(x);
	return err;
}

/* The packet of an acquire lies within the trap's selectors. */
static bool trap_covers(const struct trap *x, const struct cg_kernel_acquire *acq)
{
	bool src = false, dst = false;

	for (size_t i = 0; i < x->ci.n_local_ts && !src; i++)
		src = cg_ts_is_subset(&acq->src, &x->ci.local_ts[i]);
	for (size_t i = 0; i < x->ci.n_remote_ts && !dst; i++)
		dst = cg_ts_is_subset(&acq->dst, &x->ci.remote_ts[i]);
	return src && dst;
}

/*
 * The trap an acquire belongs to: by reqid; else, for a child whose
 * policies another daemon owns, by selector, and the trap takes that
 * policy's reqid so the SAs match its template. Caller holds the lock.
 */
static struct trap *trap_for_acquire(struct cg_traps *t, const struct cg_kernel_acquire *acq)
{
	struct trap *x;

	for (x = t->list; x; x = x->next)
		if (x->ci.reqid == acq->reqid)
			return x;
	for (x = t->list; x; x = x->next) {
		if (x->ci.policies || !trap_covers(x, acq))
			continue;
		cg_log(t->core, CG_LOG_CHD, CG_LVL_INFO, "%s/%s: acquire with reqid %u matches its "
		       "selectors: using that reqid (was %u)", x->conn, x->child, acq->reqid,
		       x->ci.reqid);
		x->ci.reqid = acq->reqid;
		return x;
	}
	return NULL;
}

CG_EXPORT bool cg_traps_acquire(struct cg_traps *t, const struct cg_kernel_acquire *acq,
				char *conn, char *child)
{
	struct trap *x;
	bool start = false;

	pthread_mutex_lock(&t->lock);
	x = trap_for_acquire(t, acq);
	if (x && !x->initiating) {
		x->initiating = start = true;
		snprintf(conn, CG_NAME_MAX, "%s", x->conn);
		snprintf(child, CG_NAME_MAX, "%s", x->child);
	}
	pthread_mutex_unlock(&t->lock);
	return start;
}
