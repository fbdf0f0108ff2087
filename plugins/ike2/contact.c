/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * INITIAL_CONTACT (RFC 7296 2.4) and the connection's `unique` policy.
 *
 * Our first IKE_AUTH to a peer (no IKE SA with the same identities) says
 * INITIAL_CONTACT. When a peer says it, it has lost its state (a reboot),
 * so every other IKE SA between the same identities is stale: it is
 * destroyed with its children, without a delete the peer could not read.
 * `unique: replace` deletes the older SAs (with a delete), `keep` deletes
 * the new one, `never` ignores INITIAL_CONTACT.
 *
 * The cleanup runs in its own job, which checks out one SA at a time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike2.h"

#define CONTACT_MAX_SAS 64

enum contact_action {
	CONTACT_DESTROY_OTHERS = 0, /* INITIAL_CONTACT */
	CONTACT_REPLACE_OTHERS,     /* unique: replace */
	CONTACT_KEEP_OTHERS,        /* unique: keep */
};

struct contact_job {
	struct ike2 *p;
	uint32_t self;              /* the new SA's unique id */
	enum contact_action action;
	struct cg_id local, remote;
	struct cg_addr remote_addr; /* for an initiator without a configured remote id */
	bool by_addr;
	uint32_t ids[CONTACT_MAX_SAS];
	size_t n;
};

static bool same_peer(const struct contact_job *j, const struct ike2_sa *sa)
{
	if (sa->rekeyed || sa->state == IKE2_ST_DELETING)
		return false;
	if (j->by_addr)
		return sa->state == IKE2_ST_ESTABLISHED && cg_addr_equal(&sa->remote, &j->remote_addr) &&
		       cg_id_equal(&sa->id_local, &j->local);
	return sa->state == IKE2_ST_ESTABLISHED && cg_id_equal(&sa->id_local, &j->local) &&
	       cg_id_equal(&sa->id_remote, &j->remote);
}

static void collect(void *ctx, struct cg_sa *entry)
{
	struct contact_job *j = ctx;

	if (cg_sa_unique_id(entry) != j->self && same_peer(j, cg_sa_data(entry)) &&
	    j->n < CG_ARRAY_SIZE(j->ids))
		j->ids[j->n++] = cg_sa_unique_id(entry);
}

bool ike2_contact_first(struct ike2 *p, const struct cg_conn_cfg *conn,
			const struct cg_addr *local, const struct cg_addr *remote)
{
	struct contact_job j = { .p = p, .remote_addr = *remote };

	if (conn->unique == CG_UNIQUE_NEVER || ike2_conn_local_id(conn, local, &j.local))
		return false;
	j.by_addr = conn->remote.id.type == CG_ID_ANY;
	if (!j.by_addr)
		j.remote = conn->remote.id;
	cg_sa_foreach(p->core, 2, collect, &j);
	cg_id_free(&j.local);
	return j.n == 0;
}

static void contact_job_free(void *arg)
{
	struct contact_job *j = arg;

	cg_id_free(&j->local);
	cg_id_free(&j->remote);
	free(j);
}

/* Removes one other SA as the action says; false when it was gone or not a match. */
static bool remove_other(struct contact_job *j, uint32_t id)
{
	struct cg_sa *entry = cg_sa_checkout_by_id(j->p->core, id);
	struct ike2_sa *sa;

	if (!entry)
		return false;
	sa = cg_sa_data(entry);
	if (!same_peer(j, sa)) {
		cg_sa_checkin(j->p->core, entry);
		return false;
	}
	if (j->action == CONTACT_REPLACE_OTHERS && !ike2_info_delete_ike(sa)) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "replaced by a new IKE SA (unique: replace)");
		cg_sa_checkin(j->p->core, entry);
		return true;
	}
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "destroying a stale IKE SA: the peer %s",
		    j->action == CONTACT_DESTROY_OTHERS ? "sent INITIAL_CONTACT"
							: "has a new IKE SA");
	ike2_sa_down(sa);
	cg_sa_checkin_destroy(j->p->core, entry);
	return true;
}

static void contact_job_run(void *arg)
{
	struct contact_job *j = arg;
	struct cg_sa *entry;

	cg_sa_foreach(j->p->core, 2, collect, j);
	if (j->action != CONTACT_KEEP_OTHERS) {
		for (size_t i = 0; i < j->n; i++)
			remove_other(j, j->ids[i]);
		return;
	}
	if (!j->n)
		return;
	/* unique: keep. The older SA stays, the new one goes. */
	entry = cg_sa_checkout_by_id(j->p->core, j->self);
	if (!entry)
		return;
	ike2_sa_log(cg_sa_data(entry), CG_LOG_IKE, CG_LVL_INFO,
		    "an IKE SA with these identities exists (unique: keep): deleting the new one");
	if (ike2_info_delete_ike(cg_sa_data(entry))) {
		ike2_sa_down(cg_sa_data(entry));
		cg_sa_checkin_destroy(j->p->core, entry);
		return;
	}
	cg_sa_checkin(j->p->core, entry);
}

void ike2_contact_established(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	bool contact = msg && ike2_chain_notify(&msg->pl, IKE2_N_INITIAL_CONTACT, NULL);
	struct contact_job *j;

	if (contact && sa->conn->unique != CG_UNIQUE_NEVER)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "peer sent INITIAL_CONTACT");
	else if (sa->conn->unique != CG_UNIQUE_REPLACE && sa->conn->unique != CG_UNIQUE_KEEP)
		return;
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->p = sa->plugin;
	j->self = cg_sa_unique_id(sa->entry);
	j->action = contact && sa->conn->unique != CG_UNIQUE_NEVER ? CONTACT_DESTROY_OTHERS
		    : sa->conn->unique == CG_UNIQUE_REPLACE      ? CONTACT_REPLACE_OTHERS
								 : CONTACT_KEEP_OTHERS;
	if (cg_id_dup(&sa->id_local, &j->local) || cg_id_dup(&sa->id_remote, &j->remote)) {
		contact_job_free(j);
		return;
	}
	cg_job_queue(sa->core, contact_job_run, j, contact_job_free);
}
