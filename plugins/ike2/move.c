/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SA manager's move hooks: the core's cg_sa_move chooses what moves
 * and follows the kernel; here the IKE SA and its children record their
 * new addresses. Every message after that (retransmits, rekeys, DPD,
 * deletes) goes out from sa->local to sa->remote.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>

#include "child.h"
#include "contact.h"
#include "ike2.h"
#include "ikesa.h"
#include "init.h"
#include "move.h"

void ike2_move_children(void *data, cg_sa_child_fn fn, void *ctx)
{
	struct ike2_sa *sa = data;

	for (struct ike2_child *c = sa->children; c; c = c->next) {
		struct cg_sa_child view = {
			.name = c->name, .reqid = c->reqid, .mode = c->mode, .proxy = c->proxy,
			.no_policies = !c->own_policies, .priority = c->priority,
			.proto = IPPROTO_ESP, .spi_in = c->spi_in, .spi_out = c->spi_out,
			.local = c->local, .remote = c->remote,
			.local_ts = c->local_ts, .n_local_ts = c->n_local_ts,
			.remote_ts = c->remote_ts, .n_remote_ts = c->n_remote_ts,
		};

		if (c->installed)
			fn(ctx, &view);
	}
}

/* a with port, or with old's port when port is 0. */
static struct cg_addr move_keep_port(const struct cg_addr *a, const struct cg_addr *old)
{
	struct cg_addr r = *a;

	if (!r.port)
		r.port = old->port;
	return r;
}

int ike2_move_ike(void *data, const struct cg_addr *local, const struct cg_addr *remote)
{
	struct ike2_sa *sa = data;
	struct cg_addr l = move_keep_port(local, &sa->local), r = move_keep_port(remote, &sa->remote);
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN];

	if (cg_addr_equal_port(&l, &sa->local) && cg_addr_equal_port(&r, &sa->remote))
		return 0;
	sa->local = l;
	sa->remote = r;
	ike2_contact_moved(sa);
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "IKE SA moved to %s[%u] - %s[%u]",
		    cg_addr_str(&l, a, sizeof(a)), l.port, cg_addr_str(&r, b, sizeof(b)), r.port);
	return 1;
}

int ike2_move_child(void *data, uint32_t spi_in, const struct cg_addr *local,
		    const struct cg_addr *remote)
{
	struct ike2_sa *sa = data;
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN];
	struct ike2_child *c = ike2_child_by_spi_in(sa, spi_in);

	if (!c)
		return -ENOENT;
	c->local = *local;
	c->remote = *remote;
	c->local.port = c->remote.port = 0;
	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "CHILD_SA %s{%u} moved to %s === %s", c->name,
		    c->unique_id, cg_addr_str(local, a, sizeof(a)), cg_addr_str(remote, b, sizeof(b)));
	return 0;
}

void ike2_move_hint(struct ike2 *p, const char *conn, uint32_t reqid, struct cg_addr *local,
		    struct cg_addr *remote)
{
	struct cg_addr l, r;
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN];

	if (!cg_sa_hint_get(p->core, reqid, &l, &r) || l.family != remote->family)
		return;
	l.port = local->port;
	r.port = remote->port;
	*local = l;
	*remote = r;
	cg_log(p->core, CG_LOG_IKE, CG_LVL_INFO,
	       "%s: reqid %u moved before its IKE SA existed: starting from %s to %s", conn, reqid,
	       cg_addr_str(&l, a, sizeof(a)), cg_addr_str(&r, b, sizeof(b)));
}

/* What an initiation needs to begin again: its connection, child and acquire. */
struct move_restart {
	char conn[CG_NAME_MAX], child[CG_NAME_MAX];
	struct cg_kernel_acquire acq;
	bool has_acquire;
	uint32_t trap_reqid;
	unsigned attempt;
};

static enum cg_sa_verdict move_restart_job(struct cg_sa *entry, void *arg)
{
	struct ike2_sa *sa = cg_sa_data(entry);
	struct move_restart *r = arg;
	struct ike2 *p = sa->plugin;
	int err;

	if (sa->down || sa->state == IKE2_ST_ESTABLISHED || !sa->pending)
		return CG_SA_KEEP; /* established meanwhile: a later MIGRATE moves it */
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
		    "reqid %u moved while establishing: starting again from the new address",
		    r->trap_reqid ? r->trap_reqid : sa->pending->reqid);
	/* The trap stays claimed: the new initiation carries it on. */
	sa->pending->trapped = false;
	ike2_sa_down(sa);
	err = ike2_initiate_try(p, r->conn, r->child, r->has_acquire ? &r->acq : NULL,
				r->trap_reqid, r->attempt);
	if (err && r->trap_reqid)
		ike2_trap_done(p, r->trap_reqid);
	return CG_SA_DESTROY;
}

int ike2_move_restart(void *data, uint32_t reqid)
{
	struct ike2_sa *sa = data;
	struct ike2_pending_child *pc = sa->pending;
	struct move_restart r = { .attempt = sa->dpd.keyingtry };

	if (!sa->initiator || sa->down || !pc || pc->reqid != reqid ||
	    (sa->state != IKE2_ST_INIT_SENT && sa->state != IKE2_ST_AUTH_SENT))
		return 0;
	snprintf(r.conn, sizeof(r.conn), "%s", sa->conn->name);
	snprintf(r.child, sizeof(r.child), "%s", pc->name);
	r.trap_reqid = pc->trapped ? pc->reqid : 0;
	r.has_acquire = pc->has_acquire;
	r.acq = (struct cg_kernel_acquire){ .reqid = reqid, .src = pc->acq_src, .dst = pc->acq_dst };
	return cg_sa_timer_add(sa->core, ike2_sa_local_spi(sa), 0, move_restart_job, &r, sizeof(r),
			       NULL) ? 0 : 1;
}
