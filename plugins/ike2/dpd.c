/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dead peers and closed SAs: whether a liveness check is needed (inbound
 * ESP or IKE traffic within dpd_delay makes it unnecessary), what happens to
 * the children when the peer is declared dead (dpd_action) or closes them
 * (close_action), and further attempts at establishing (keyingtries).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addchild.h"
#include "child.h"
#include "dpd.h"
#include "ike2.h"
#include "ikesa.h"
#include "init.h"

/*
 * Liveness.
 */

/* The inbound SA's counters moved since the last look (the snapshot is updated). */
static bool child_inbound_moved(struct ike2_sa *sa, struct ike2_child *c)
{
	struct cg_kernel_sa_id id;
	struct cg_kernel_sa_stats st;
	bool moved;

	if (!c->installed || ike2_child_sa_id(sa, c, true, &id) ||
	    cg_kernel_query_sa(sa->core, &id, &st))
		return false;
	moved = st.packets != c->seen_packets_in || st.bytes != c->seen_bytes_in ||
		st.use_time != c->seen_use_in;
	c->seen_packets_in = st.packets;
	c->seen_bytes_in = st.bytes;
	c->seen_use_in = st.use_time;
	return moved;
}

uint64_t ike2_dpd_wait(struct ike2_sa *sa)
{
	uint64_t now = cg_now_ms(sa->core), delay = sa->conn->dpd_delay * 1000, idle;
	bool esp = false;

	for (struct ike2_child *c = sa->children; c; c = c->next)
		esp |= child_inbound_moved(sa, c);
	if (esp)
		sa->dpd.last_peer_ms = now;
	idle = now >= sa->dpd.last_peer_ms ? now - sa->dpd.last_peer_ms : 0;
	if (idle >= delay)
		return 0;
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_DEBUG,
		    "%s from the peer %llu ms ago: no liveness check needed yet",
		    esp ? "ESP traffic" : "IKE message", (unsigned long long)idle);
	return delay - idle;
}

/*
 * dpd_action and close_action.
 */

struct initiate_job {
	struct ike2 *p;
	char conn[CG_NAME_MAX];
	char child[CG_NAME_MAX];
	bool has_child;
	bool has_acquire;
	struct cg_kernel_acquire acq;
	uint32_t trap_reqid;
	unsigned attempt;
};

static void initiate_job_run(void *arg)
{
	struct initiate_job *j = arg;
	const char *child = j->has_child ? j->child : NULL;
	const struct cg_kernel_acquire *acq = j->has_acquire ? &j->acq : NULL;
	int err;

	/* A child whose IKE SA is still up comes back by CREATE_CHILD_SA on it. */
	if (j->attempt <= 1)
		err = ike2_addchild_initiate(j->p, j->conn, child, acq, j->trap_reqid);
	else
		err = ike2_initiate_try(j->p, j->conn, child, acq, j->trap_reqid, j->attempt);

	if (err) {
		cg_log(j->p->core, CG_LOG_IKE, CG_LVL_ERROR, "%s%s%s: initiating failed: %s",
		       j->conn, j->has_child ? "/" : "", j->has_child ? j->child : "",
		       strerror(-err));
		if (j->trap_reqid)
			ike2_trap_done(j->p, j->trap_reqid);
	}
}

/* Initiates conn (with child) from a job, after delay_ms. */
static int queue_initiate(struct ike2 *p, const char *conn, const char *child,
			  const struct cg_kernel_acquire *acq, uint32_t trap_reqid,
			  unsigned attempt, uint64_t delay_ms)
{
	struct initiate_job *j = calloc(1, sizeof(*j));
	int err;

	if (!j)
		return -ENOMEM;
	j->p = p;
	snprintf(j->conn, sizeof(j->conn), "%s", conn);
	if (child) {
		j->has_child = true;
		snprintf(j->child, sizeof(j->child), "%s", child);
	}
	if (acq) {
		j->has_acquire = true;
		j->acq = *acq;
	}
	j->trap_reqid = trap_reqid;
	j->attempt = attempt;
	if (delay_ms)
		err = cg_timer_add(p->core, delay_ms, initiate_job_run, j, free, NULL);
	else
		err = cg_job_queue(p->core, initiate_job_run, j, free);
	return err;
}

static const char *action_name(enum cg_close_action a)
{
	switch (a) {
	case CG_CLOSE_TRAP:
		return "trap";
	case CG_CLOSE_START:
		return "start";
	default:
		return "none";
	}
}

/* Carries out an action for a child config whose CHILD_SA is gone. */
static void child_action(struct ike2_sa *sa, const char *child, enum cg_close_action act,
			 const char *why)
{
	const struct cg_child_cfg *cc = ike2_child_cfg(sa, child);
	uint32_t trap;
	int err = 0;

	if (!cc || act == CG_CLOSE_NONE)
		return;
	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "%s %s: %s", why, child, action_name(act));
	trap = ike2_trap_reqid(sa->plugin, sa->conn->name, cc->name);
	if (act == CG_CLOSE_TRAP) {
		if (!trap)
			err = ike2_trap_install(sa->plugin, sa->conn, cc);
	} else {
		err = queue_initiate(sa->plugin, sa->conn->name, cc->name, NULL, trap, 1, 0);
	}
	if (err)
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_ERROR, "%s for %s failed: %s", action_name(act),
			    child, strerror(-err));
}

void ike2_dpd_down_action(struct ike2_sa *sa, bool dpd)
{
	struct {
		char name[CG_NAME_MAX];
		enum cg_close_action act;
	} todo[16];
	size_t n = 0;

	for (struct ike2_child *c = sa->children; c && !sa->rekeyed; c = c->next) {
		const struct cg_child_cfg *cc = ike2_child_cfg(sa, c->name);
		bool seen = false;

		if (!cc)
			continue;
		for (size_t i = 0; i < n; i++)
			seen |= !strcmp(todo[i].name, c->name);
		if (seen || n == CG_ARRAY_SIZE(todo))
			continue;
		snprintf(todo[n].name, sizeof(todo[n].name), "%s", c->name);
		todo[n++].act = dpd ? cc->dpd_action : cc->close_action;
	}
	ike2_sa_down(sa);
	for (size_t i = 0; i < n; i++)
		child_action(sa, todo[i].name, todo[i].act,
			     dpd ? "peer is dead: dpd_action for" : "peer closed the IKE SA: close_action for");
}

void ike2_dpd_child_closed(struct ike2_sa *sa, const char *name)
{
	const struct cg_child_cfg *cc = ike2_child_cfg(sa, name);

	if (cc)
		child_action(sa, name, cc->close_action, "peer closed CHILD_SA: close_action for");
}

/*
 * keyingtries.
 */

bool ike2_dpd_retry_establish(struct ike2_sa *sa)
{
	struct ike2_pending_child *pc = sa->pending;
	struct cg_kernel_acquire acq = { 0 };
	uint32_t tries = sa->conn->keyingtries;
	unsigned next = (sa->dpd.keyingtry ? sa->dpd.keyingtry : 1) + 1;
	uint32_t trap = 0;
	int err;

	if (!sa->initiator || sa->rekeyed ||
	    (sa->state != IKE2_ST_INIT_SENT && sa->state != IKE2_ST_AUTH_SENT))
		return false;
	if (tries && next > tries) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
			    "establishing failed, peer not responding after %u attempts", tries);
		return false;
	}
	if (pc && pc->has_acquire) {
		acq.reqid = pc->reqid;
		acq.src = pc->acq_src;
		acq.dst = pc->acq_dst;
	}
	if (pc && pc->trapped)
		trap = pc->reqid;
	err = queue_initiate(sa->plugin, sa->name, pc ? pc->name : NULL,
			     pc && pc->has_acquire ? &acq : NULL, trap, next, IKE2_RETRY_DELAY_MS);
	if (err) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "cannot retry establishing: %s",
			    strerror(-err));
		return false;
	}
	if (tries)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
			    "peer not responding, trying again in %u ms (attempt %u of %u)",
			    IKE2_RETRY_DELAY_MS, next, tries);
	else
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
			    "peer not responding, trying again in %u ms (attempt %u, no limit)",
			    IKE2_RETRY_DELAY_MS, next);
	/* The trap stays "initiating" until the next attempt is done with it. */
	if (pc)
		pc->trapped = false;
	return true;
}
