/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Another CHILD_SA on an established IKE SA (RFC 7296 1.3.1): what
 * `initiate --child NAME` and an acquire do when the child's connection is
 * up already, rather than opening a second IKE SA to the same peer.
 *
 * The child is prepared as for IKE_AUTH (sa->add: selectors, reserved SPI)
 * and asked for with CREATE_CHILD_SA: [N(USE_TRANSPORT_MODE)] SA Ni [KEi]
 * TSi TSr. While another exchange of ours is out, the request waits in the
 * IKE SA's queue. With PFS (a key exchange method in the first ESP proposal)
 * the KE payload goes along, and INVALID_KE_PAYLOAD naming another group we
 * offered is answered by one retry with that group.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addchild.h"
#include "child.h"
#include "create.h"
#include "ike2.h"
#include "ikesa.h"
#include "init.h"
#include "msg.h"

#define ADDCHILD_MAX_RESTARTS 1

/* (Re)sends the request for sa->add, with a fresh nonce and key exchange. */
static int addchild_send(struct ike2_sa *sa)
{
	struct ike2_pending_child *pc = sa->add;
	struct cg_ts tsi[IKE2_MAX_TS], tsr[IKE2_MAX_TS];

	return ike2_create_send(sa, &(struct ike2_create_req){
		.transport = pc->transport, .props = pc->props, .n_props = pc->n_props,
		.spi_in = pc->spi_in, .ke_group = pc->ke_group, .nonce = &pc->nonce, .ke = &pc->ke,
		.ke_ctx = &pc->ke_ctx,
		.tsi = tsi, .n_tsi = ike2_child_offer_ts(pc, true, tsi),
		.tsr = tsr, .n_tsr = ike2_child_offer_ts(pc, false, tsr),
	});
}

/* The IKE SA is up and has no exchange of ours in flight. */
static bool sa_idle(const struct ike2_sa *sa)
{
	return sa->state == IKE2_ST_ESTABLISHED && !sa->rekeyed && !sa->req.active &&
	       !sa->add && !sa->rekey && !sa->ike_rekey.active;
}

static int addchild_on(struct ike2_sa *sa, const struct cg_child_cfg *cc,
		       const struct cg_kernel_acquire *acq, uint32_t trap_reqid)
{
	struct ike2_pending_child *pc;
	int err = ike2_child_prepare(sa, cc, acq, trap_reqid, &sa->add);

	if (err)
		return err;
	pc = sa->add;
	/* Unlike IKE_AUTH, CREATE_CHILD_SA carries the PFS group of the proposals. */
	pc->n_props = ike2_child_proposals(cc, true, pc->props, IKE2_MAX_PROPOSALS);
	pc->ke_group = pc->n_props ? cg_proposal_ke(&pc->props[0]) : CG_KE_NONE;
	err = addchild_send(sa);
	if (err) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_ERROR, "creating CHILD_SA %s failed: %s", cc->name,
			    strerror(-err));
		/* The caller's trap bookkeeping is its own on failure. */
		pc->trapped = false;
		ike2_child_abandon(sa, &sa->add);
		return err;
	}
	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "creating CHILD_SA %s on the established IKE SA",
		    cc->name);
	return 0;
}

/* Another exchange of ours is out: the child waits its turn. */
static int addchild_queue(struct ike2_sa *sa, const char *child_name,
			  const struct cg_kernel_acquire *acq, uint32_t trap_reqid)
{
	struct ike2_work w = { .op = IKE2_OP_CHILD_ADD, .trap_reqid = trap_reqid };
	int err;

	snprintf(w.child, sizeof(w.child), "%s", child_name);
	if (acq) {
		w.has_acquire = true;
		w.acq = *acq;
	}
	err = ike2_sa_queue(sa, &w);
	if (!err)
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO,
			    "CHILD_SA %s queued behind the exchange under way", child_name);
	return err;
}

void ike2_addchild_run(struct ike2_sa *sa, const struct ike2_work *w)
{
	const struct cg_child_cfg *cc = ike2_child_cfg(sa, w->child);
	int err = cc ? addchild_on(sa, cc, w->has_acquire ? &w->acq : NULL, w->trap_reqid)
		     : -ENOENT;

	/* Nobody waits for the answer: the trap is released here. */
	if (err && w->trap_reqid)
		ike2_trap_done(sa->plugin, w->trap_reqid);
}

/* Our IKE SA still being established: a child can wait for it (ike2_addchild_join). */
static bool addchild_connecting(const struct ike2_sa *sa)
{
	return sa->initiator && !sa->down &&
	       (sa->state == IKE2_ST_INIT_SENT || sa->state == IKE2_ST_INIT_DONE ||
		sa->state == IKE2_ST_AUTH_SENT);
}

/* The child asked for, and what became of it on the first IKE SA that could take it. */
struct addchild_ask {
	const char *conn, *child;
	const struct cg_kernel_acquire *acq;
	uint32_t trap_reqid;
	bool join;                    /* also our IKE SA still being established */
	bool done;
	int err;
};

static void addchild_visit(void *ctx, struct cg_sa *entry)
{
	struct addchild_ask *a = ctx;
	struct ike2_sa *sa = cg_sa_data(entry);
	const struct cg_child_cfg *cc;

	if (a->done || strcmp(cg_sa_conn(entry), a->conn))
		return;
	cc = ike2_child_cfg(sa, a->child);
	if (sa->rekeyed || !cc ||
	    (sa->state != IKE2_ST_ESTABLISHED && !(a->join && addchild_connecting(sa))))
		return;
	a->done = true;
	a->err = sa_idle(sa) ? addchild_on(sa, cc, a->acq, a->trap_reqid)
			     : addchild_queue(sa, a->child, a->acq, a->trap_reqid);
}

int ike2_addchild_start(struct ike2 *p, const char *conn_name, const char *child_name,
			const struct cg_kernel_acquire *acq, uint32_t trap_reqid)
{
	struct addchild_ask a = { .conn = conn_name, .child = child_name, .acq = acq,
				  .trap_reqid = trap_reqid, .err = -ENOENT };

	if (child_name)
		cg_sa_foreach(p->core, 2, addchild_visit, &a);
	return a.err;
}

int ike2_addchild_initiate(struct ike2 *p, const char *conn_name, const char *child_name,
			   const struct cg_kernel_acquire *acq, uint32_t trap_reqid)
{
	int err = ike2_addchild_start(p, conn_name, child_name, acq, trap_reqid);

	return err == -ENOENT ? ike2_initiate(p, conn_name, child_name, acq, trap_reqid) : err;
}

/* INVALID_KE_PAYLOAD naming a group we offered: once more with that one. */
static bool addchild_retry_group(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	struct ike2_pending_child *pc = sa->add;
	uint16_t group;

	if (pc->restarts >= ADDCHILD_MAX_RESTARTS)
		return false;
	group = ike2_create_ke_retry_group(msg, pc->props, pc->n_props, pc->ke_group);
	if (!group)
		return false;
	pc->restarts++;
	pc->ke_group = group;
	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "peer wants %s for CHILD_SA %s: retrying",
		    cg_transform_name(CG_TT_KE, group), pc->name);
	return addchild_send(sa) == 0;
}

enum ike2_verdict ike2_addchild_response(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	struct ike2_pending_child *pc = sa->add;
	const struct ike2_pl *no_pl = ike2_chain_find(&msg->pl, IKE2_PL_NONCE);
	const struct ike2_pl *ke_pl = ike2_chain_find(&msg->pl, IKE2_PL_KE);
	struct cg_chunk nr = CG_CHUNK_EMPTY, shared = CG_CHUNK_EMPTY;
	struct ike2_ke peer;
	uint16_t error;

	ike2_sa_request_done(sa);
	if (addchild_retry_group(sa, msg))
		return IKE2_KEEP;
	error = ike2_chain_error(&msg->pl);
	if (error) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "CHILD_SA %s not established: %s", pc->name,
			    ike2_notify_name(error));
		goto err_abandon;
	}
	if (!no_pl || ike2_nonce_parse(no_pl, &nr)) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "CHILD_SA %s: no valid nonce in the response",
			    pc->name);
		goto err_abandon;
	}
	if (pc->ke_group && (!ke_pl || ike2_ke_parse(ke_pl, &peer) || peer.group != pc->ke_group ||
			     cg_ke_shared(pc->ke, pc->ke_ctx, peer.data, peer.len, &shared))) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "CHILD_SA %s: the key exchange failed",
			    pc->name);
		goto err_abandon;
	}
	/* Our nonce is used for the keys before completing frees pc. */
	ike2_child_complete_keyed(sa, &sa->add, msg, shared, pc->nonce, nr);
	cg_chunk_clear(&shared);
	cg_chunk_free(&nr);
	ike2_sa_run_pending(sa);
	return IKE2_KEEP;

err_abandon:
	cg_chunk_free(&nr);
	ike2_child_abandon(sa, &sa->add);
	ike2_sa_run_pending(sa);
	return IKE2_KEEP;
}

/*
 * start_action: start. The connection's children start together: the first
 * sets up the IKE SA, the others wait for it (queued, then CREATE_CHILD_SA)
 * rather than each starting an IKE SA of its own. Those would all say
 * INITIAL_CONTACT, and the peer would destroy each one, with its child,
 * when the next arrives.
 */
int ike2_addchild_join(struct ike2 *p, const char *conn_name, const char *child_name)
{
	/* Start jobs run on several workers: one at a time sees the others' IKE SA. */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct addchild_ask a = { .conn = conn_name, .child = child_name, .join = true,
				  .err = -ENOENT };

	pthread_mutex_lock(&lock);
	cg_sa_foreach(p->core, 2, addchild_visit, &a);
	if (a.err == -ENOENT)
		a.err = ike2_initiate(p, conn_name, child_name, NULL, 0);
	pthread_mutex_unlock(&lock);
	return a.err;
}
