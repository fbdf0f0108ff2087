/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rekeying the IKE SA (RFC 7296 1.3.2, 2.18) in both roles: a
 * CREATE_CHILD_SA with an IKE proposal carrying the new SPI, a nonce and a
 * KE payload. The new SA takes SKEYSEED from the old SK_d, inherits the
 * children and the old one is deleted by the rekey's initiator.
 *
 * Collisions (2.8.1, 2.8.2): when both ends rekey the same SA at once, both
 * exchanges complete; the one whose lowest nonce is the lowest of all four
 * lost, and the end that started it deletes what it made. Both ends see
 * the same four nonces, so both reach the same verdict.
 *
 * A child rekey crossing an IKE SA rekey (2.25): while one of them is out,
 * the other kind is refused with TEMPORARY_FAILURE, and the refused end
 * tries again after a short random delay, so one goes first and the other
 * follows on whatever IKE SA then carries the child.
 *
 * A replaced SA waits for the rekey initiator's delete; when none comes
 * within REKEY_RETIRE_MS, the end still holding it deletes it itself.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "child.h"
#include "contact.h"
#include "cp.h"
#include "create.h"
#include "ike2.h"
#include "ikesa.h"
#include "info.h"
#include "init.h"
#include "keys.h"
#include "msg.h"
#include "nat.h"
#include "rekey.h"

#define REKEY_MAX_RESTARTS 1
#define REKEY_BUSY_RETRY_MS 2000u     /* another request is out: try again soon */
#define REKEY_FAILED_RETRY_MS 60000u  /* the peer refused: try again later */
#define REKEY_RETIRE_MS 30000u        /* a replaced SA nobody deleted goes after this */

int ike2_rekey_nonce_cmp(struct cg_chunk a, struct cg_chunk b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int r = n ? memcmp(a.ptr, b.ptr, n) : 0;

	if (r)
		return r;
	return a.len < b.len ? -1 : a.len > b.len;
}

static struct cg_chunk nonce_min(struct cg_chunk a, struct cg_chunk b)
{
	return ike2_rekey_nonce_cmp(a, b) <= 0 ? a : b;
}

/*
 * The rekey timer.
 */

static enum cg_sa_verdict rekey_job(struct cg_sa *entry, void *arg);

/* After TEMPORARY_FAILURE: 1 to 3 s, random so both ends do not meet again. */
static uint64_t busy_delay(struct ike2_sa *sa)
{
	uint32_t r = 0;

	cg_random(sa->core, &r, sizeof(r));
	return REKEY_BUSY_RETRY_MS / 2 + r % REKEY_BUSY_RETRY_MS;
}

static void arm_in(struct ike2_sa *sa, uint64_t ms)
{
	if (sa->rekey_timer)
		cg_timer_cancel(sa->core, sa->rekey_timer);
	cg_sa_timer_add(sa->core, ike2_sa_local_spi(sa), ms, rekey_job, NULL, 0, &sa->rekey_timer);
}

void ike2_rekey_arm(struct ike2_sa *sa)
{
	uint64_t ms = sa->conn->rekey_time * 1000, jitter = 0;

	if (!ms)
		return;
	/* rand_time spreads the rekeys so both ends rarely start at once. */
	if (sa->conn->rand_time && !cg_random(sa->core, &jitter, sizeof(jitter)))
		ms -= jitter % (sa->conn->rand_time * 1000 + 1);
	arm_in(sa, ms ? ms : 1);
}

static enum cg_sa_verdict rekey_job(struct cg_sa *entry, void *arg)
{
	struct ike2_sa *sa = cg_sa_data(entry);

	(void)arg;
	sa->rekey_timer = 0;
	if (sa->state == IKE2_ST_ESTABLISHED && sa->rekeyed && sa->req.op != IKE2_OP_IKE_DELETE) {
		/* The rekey timer of a replaced SA retires it. */
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
			    "the peer never deleted this replaced IKE SA: deleting it");
		ike2_info_delete_ike(sa);
	} else if (sa->state == IKE2_ST_ESTABLISHED && !sa->rekeyed && !sa->ike_rekey.active) {
		if (sa->req.active || sa->rekey)
			arm_in(sa, REKEY_BUSY_RETRY_MS);
		else if (ike2_rekey_ike_start(sa))
			arm_in(sa, REKEY_FAILED_RETRY_MS);
	}
	return CG_SA_KEEP;
}

static void stop_timers(struct ike2_sa *sa)
{
	cg_timer_id *timers[] = { &sa->rekey_timer, &sa->dpd.timer, &sa->nat.keepalive_timer };

	for (size_t i = 0; i < CG_ARRAY_SIZE(timers); i++) {
		if (*timers[i])
			cg_timer_cancel(sa->core, *timers[i]);
		*timers[i] = 0;
	}
}

/*
 * The new IKE SA.
 */

/* A new SA object for the rekey of old, in the SA manager (checked out); NULL on failure. */
static struct ike2_sa *successor_new(struct ike2_sa *old, bool initiator, uint64_t spi_i,
				     uint64_t spi_r)
{
	struct ike2_sa *sa = calloc(1, sizeof(*sa));
	int err = -ENOMEM;

	if (!sa)
		return NULL;
	sa->plugin = old->plugin;
	sa->core = old->core;
	sa->cfg = cg_config_ref(old->cfg);
	sa->conn = old->conn;
	snprintf(sa->name, sizeof(sa->name), "%s", old->name);
	sa->initiator = initiator;
	sa->state = IKE2_ST_ESTABLISHED;
	sa->local = old->local;
	sa->remote = old->remote;
	sa->nat.local = old->nat.local;
	sa->nat.remote = old->nat.remote;
	sa->frag.peer = old->frag.peer; /* negotiated once for the IKE SA and its successors */
	ike2_mobike_inherit(sa, old);
	sa->spi_i = spi_i;
	sa->spi_r = spi_r;
	if (cg_id_dup(&old->id_local, &sa->id_local) || cg_id_dup(&old->id_remote, &sa->id_remote))
		goto err_free;
	if (initiator)
		err = cg_sa_add(sa->core, 2, spi_i, sa->name, sa, &ike2_sa_ops, &sa->entry);
	else
		err = cg_sa_add_new(sa->core, 2, sa->name, sa, &ike2_sa_ops, &sa->spi_r, &sa->entry);
	if (err)
		goto err_free;
	return sa;

err_free:
	ike2_sa_log(old, CG_LOG_IKE, CG_LVL_ERROR, "cannot create the rekeyed IKE SA: %s",
		    strerror(-err));
	ike2_sa_ops.destroy(sa);
	return NULL;
}

static void successor_drop(struct ike2_sa *sa)
{
	ike2_sa_down(sa);
	cg_sa_checkin_destroy(sa->core, sa->entry);
}

/* Algorithms, nonces and keys of the new SA. Takes ni and nr. */
static int successor_keys(struct ike2_sa *sa, const struct ike2_sa *old,
			  const struct cg_proposal *sel, struct cg_chunk *ni, struct cg_chunk *nr,
			  struct cg_chunk shared)
{
	int err = ike2_init_set_algorithms(sa, sel);

	sa->ke_group = cg_proposal_ke(sel);
	sa->ni = *ni;
	sa->nr = *nr;
	*ni = *nr = CG_CHUNK_EMPTY;
	if (!err)
		err = ike2_keys_derive_rekey(sa, old->prf, old->sk_d, shared);
	if (!err) {
		sa->established_at = time(NULL);
		cg_sa_set_established(sa->entry);
	}
	return err;
}

/* The children move from old to sa, which takes over from here on. */
static void adopt(struct ike2_sa *old, struct ike2_sa *sa)
{
	struct cg_event ev = { .type = CG_EV_IKE_REKEYED };

	for (struct ike2_child *c = old->children; c; c = c->next) {
		cg_sa_del_reqid(old->entry, c->reqid);
		cg_sa_add_reqid(sa->entry, c->reqid);
	}
	if (sa->children) {
		struct ike2_child *last = sa->children;

		while (last->next)
			last = last->next;
		last->next = old->children;
	} else {
		sa->children = old->children;
	}
	old->children = NULL;
	/* Virtual IPs and their pool leases belong to the IKE SA: keep them. */
	ike2_cp_move(old, sa);
	/* Work still queued on old is sa's to do now. */
	ike2_sa_queue_move(old, sa);
	ike2_contact_replace(old, sa);
	old->rekeyed = true;
	sa->rekeyed = false;
	stop_timers(old);
	arm_in(old, REKEY_RETIRE_MS);
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "IKE SA rekeyed, replacing %016llx_i %016llx_r",
		    (unsigned long long)old->spi_i, (unsigned long long)old->spi_r);
	snprintf(ev.u.ike.conn, sizeof(ev.u.ike.conn), "%s", sa->name);
	ev.u.ike.unique_id = cg_sa_unique_id(sa->entry);
	ev.u.ike.spi_i = htobe64(sa->spi_i);
	ev.u.ike.spi_r = htobe64(sa->spi_r);
	ev.u.ike.old_spi_i = htobe64(old->spi_i);
	ev.u.ike.old_spi_r = htobe64(old->spi_r);
	ev.u.ike.local = sa->local;
	ev.u.ike.remote = sa->remote;
	ev.u.ike.version = 2;
	cg_bus_publish(sa->core, &ev);
	ike2_rekey_arm(sa);
	ike2_sa_arm_dpd(sa);
	ike2_nat_arm_keepalive(sa);
	ike2_sa_run_pending(sa);
}

/*
 * Initiator.
 */

void ike2_rekey_ike_abandon(struct ike2_sa *sa)
{
	struct ike2_ike_rekey *r = &sa->ike_rekey;

	cg_ke_free(r->ke, &r->ke_ctx);
	cg_chunk_free(&r->nonce);
	cg_chunk_free(&r->collided_nonce);
	memset(r, 0, sizeof(*r));
}

static int rekey_send(struct ike2_sa *sa)
{
	struct ike2_ike_rekey *r = &sa->ike_rekey;
	struct cg_proposal props[IKE2_MAX_PROPOSALS];
	size_t n = cg_conn_ike_proposals(sa->core, sa->conn, props, IKE2_MAX_PROPOSALS);
	struct cg_chunk pub = CG_CHUNK_EMPTY;
	struct ike2_w w;
	int err;

	if (!n)
		return -ENOPROTOOPT;
	if (!r->spi) {
		err = cg_sa_new_spi(sa->core, &r->spi);
		if (err)
			return err;
	}
	if (!r->ke_group)
		return -ENOPROTOOPT;
	err = ike2_create_offer_renew(sa, r->ke_group, &r->nonce, &r->ke, &r->ke_ctx, &pub);
	if (err)
		return err;
	ike2_w_init(&w);
	ike2_w_sa(&w, props, NULL, n, r->spi, 8);
	ike2_w_nonce(&w, r->nonce);
	ike2_w_ke(&w, r->ke_group, pub.ptr, pub.len);
	err = ike2_sa_request(sa, IKE2_OP_IKE_REKEY, &w);
	ike2_w_free(&w);
	cg_chunk_free(&pub);
	return err;
}

int ike2_rekey_ike_start(struct ike2_sa *sa)
{
	struct ike2_ike_rekey *r = &sa->ike_rekey;
	int err;

	if (sa->state != IKE2_ST_ESTABLISHED || sa->rekeyed)
		return -ENOENT;
	if (r->active)
		return 0;
	if (sa->req.active || sa->rekey)
		return -EBUSY;
	memset(r, 0, sizeof(*r));
	r->active = true;
	r->ke_group = sa->ke_group;
	err = rekey_send(sa);
	if (err) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "rekeying the IKE SA failed: %s",
			    strerror(-err));
		ike2_rekey_ike_abandon(sa);
		return err;
	}
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "rekeying the IKE SA");
	return 0;
}

/* INVALID_KE_PAYLOAD: once more with the group the responder names, if we offered it. */
static bool rekey_retry_group(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	struct ike2_ike_rekey *r = &sa->ike_rekey;
	struct cg_proposal props[IKE2_MAX_PROPOSALS];
	size_t n = cg_conn_ike_proposals(sa->core, sa->conn, props, IKE2_MAX_PROPOSALS);
	uint16_t group;

	if (r->restarts >= REKEY_MAX_RESTARTS)
		return false;
	group = ike2_create_ke_retry_group(msg, props, n, r->ke_group);
	if (!group)
		return false;
	r->restarts++;
	r->ke_group = group;
	return rekey_send(sa) == 0;
}

/* The new SA from the responder's answer; NULL when the answer is unusable. */
static struct ike2_sa *rekey_complete(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	struct ike2_ike_rekey *r = &sa->ike_rekey;
	const struct ike2_pl *sa_pl = ike2_chain_find(&msg->pl, IKE2_PL_SA);
	const struct ike2_pl *no_pl = ike2_chain_find(&msg->pl, IKE2_PL_NONCE);
	const struct ike2_pl *ke_pl = ike2_chain_find(&msg->pl, IKE2_PL_KE);
	struct cg_chunk ni = CG_CHUNK_EMPTY, nr = CG_CHUNK_EMPTY, shared = CG_CHUNK_EMPTY;
	struct cg_proposal ours[IKE2_MAX_PROPOSALS], sel;
	struct ike2_sa *nsa = NULL;
	struct ike2_prop prop;
	struct ike2_ke peer;
	size_t n_ours, n_props, idx;
	int err = -EBADMSG;

	n_ours = cg_conn_ike_proposals(sa->core, sa->conn, ours, IKE2_MAX_PROPOSALS);
	if (!sa_pl || !no_pl || !ke_pl || ike2_sa_parse(sa_pl, &prop, 1, &n_props) ||
	    n_props != 1 || !prop.usable || prop.p.protocol != CG_PROTO_IKE ||
	    prop.spi_size != 8 || !prop.spi || ike2_nonce_parse(no_pl, &nr) ||
	    ike2_ke_parse(ke_pl, &peer))
		goto out;
	if (!cg_proposal_select(ours, n_ours, &prop.p, 1, true, &sel, &idx) ||
	    prop.p.n != sel.n || cg_proposal_ke(&sel) != r->ke_group || peer.group != r->ke_group)
		goto out;
	err = cg_ke_shared(r->ke, r->ke_ctx, peer.data, peer.len, &shared);
	if (err)
		goto out;
	nsa = successor_new(sa, true, r->spi, prop.spi);
	if (!nsa) {
		err = -ENOMEM;
		goto out;
	}
	err = cg_chunk_dup(&ni, r->nonce);
	if (!err)
		err = successor_keys(nsa, sa, &sel, &ni, &nr, shared);
	cg_chunk_free(&ni);
	if (err) {
		successor_drop(nsa);
		nsa = NULL;
	}
out:
	cg_chunk_clear(&shared);
	cg_chunk_free(&nr);
	if (err)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "IKE SA rekey response unusable: %s",
			    err == -EBADMSG ? "malformed or not what we offered" : strerror(-err));
	return nsa;
}

/* Both ends rekeyed: keeps the SA of the exchange with the higher lowest nonce. */
static void resolve_collision(struct ike2_sa *sa, struct ike2_sa *nsa)
{
	struct ike2_ike_rekey *r = &sa->ike_rekey;
	struct cg_chunk ours = nonce_min(nsa->ni, nsa->nr);
	struct cg_sa *entry;

	if (ike2_rekey_nonce_cmp(ours, r->collided_nonce) > 0) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
			    "IKE SA rekey collision: ours wins, the peer deletes its SA");
		adopt(sa, nsa);
		ike2_info_delete_ike(sa);
		return;
	}
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
		    "IKE SA rekey collision: the peer's wins, deleting ours");
	nsa->rekeyed = true;
	ike2_info_delete_ike(nsa);
	/* The winner lives on the peer's new SA; the peer deletes this old one. */
	entry = cg_sa_checkout_by_spi(sa->core, r->collided_spi);
	if (entry) {
		adopt(sa, cg_sa_data(entry));
		cg_sa_checkin(sa->core, entry);
	}
	sa->rekeyed = true;
	stop_timers(sa);
	arm_in(sa, REKEY_RETIRE_MS);
}

enum ike2_verdict ike2_rekey_ike_response(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	struct ike2_sa *nsa;
	uint16_t error;

	ike2_sa_request_done(sa);
	if (rekey_retry_group(sa, msg))
		return IKE2_KEEP;
	error = ike2_chain_error(&msg->pl);
	nsa = error ? NULL : rekey_complete(sa, msg);
	if (!nsa) {
		if (error)
			ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "rekeying the IKE SA failed: %s",
				    ike2_notify_name(error));
		ike2_rekey_ike_abandon(sa);
		if (!sa->rekeyed)
			arm_in(sa, error == IKE2_N_TEMPORARY_FAILURE ? busy_delay(sa)
								     : REKEY_FAILED_RETRY_MS);
		ike2_sa_run_pending(sa);
		return IKE2_KEEP;
	}
	if (sa->ike_rekey.collided_spi) {
		resolve_collision(sa, nsa);
	} else {
		adopt(sa, nsa);
		ike2_info_delete_ike(sa);
	}
	ike2_rekey_ike_abandon(sa);
	cg_sa_checkin(sa->core, nsa->entry);
	return IKE2_KEEP;
}

/*
 * Responder.
 */

static enum ike2_verdict refuse(struct ike2_sa *sa, const struct ike2_msg *msg, uint16_t type,
				uint16_t group, const char *why)
{
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "IKE SA rekey refused: %s, answering %s", why,
		    ike2_notify_name(type));
	ike2_sa_refuse_group(sa, msg, type, group);
	return IKE2_KEEP;
}

/* Their usable IKE proposals with an 8-byte SPI. */
static size_t ike_theirs(const struct ike2_prop *props, size_t n, struct cg_proposal *out,
			 uint8_t *nums, uint64_t *spis)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!props[i].usable || props[i].p.protocol != CG_PROTO_IKE ||
		    props[i].spi_size != 8 || !props[i].spi)
			continue;
		out[k] = props[i].p;
		nums[k] = props[i].num;
		spis[k++] = props[i].spi;
	}
	return k;
}

/* Writes SA, Nr and KE for the new SA into a response. */
static int respond_write(struct ike2_sa *sa, const struct ike2_msg *msg,
			 const struct ike2_sa *nsa, uint8_t num, struct cg_chunk pub)
{
	struct ike2_w w;
	int err;

	ike2_w_init(&w);
	ike2_w_sa(&w, &nsa->proposal, &num, 1, nsa->spi_r, 8);
	ike2_w_nonce(&w, nsa->nr);
	ike2_w_ke(&w, nsa->ke_group, pub.ptr, pub.len);
	err = ike2_sa_send_sk(sa, IKE2_EXCH_CREATE_CHILD_SA, true, msg->h.mid, &w);
	ike2_w_free(&w);
	return err;
}

enum ike2_verdict ike2_rekey_ike_respond(struct ike2_sa *sa, const struct ike2_msg *msg,
					 const struct ike2_prop *props, size_t n_props,
					 struct cg_chunk ni)
{
	const struct ike2_pl *ke_pl = ike2_chain_find(&msg->pl, IKE2_PL_KE);
	struct cg_proposal ours[IKE2_MAX_PROPOSALS], theirs[IKE2_MAX_PROPOSALS], sel;
	struct cg_chunk pub = CG_CHUNK_EMPTY, shared = CG_CHUNK_EMPTY;
	struct cg_chunk my_ni = CG_CHUNK_EMPTY, nr = CG_CHUNK_EMPTY;
	size_t n_ours, n_theirs, idx;
	uint8_t nums[IKE2_MAX_PROPOSALS];
	uint64_t spis[IKE2_MAX_PROPOSALS];
	const struct cg_ke_alg *ke;
	struct ike2_sa *nsa;
	void *ke_ctx = NULL;
	struct ike2_ke peer;
	uint16_t group;
	int err;

	if (sa->req.op == IKE2_OP_IKE_DELETE)
		return refuse(sa, msg, IKE2_N_TEMPORARY_FAILURE, 0, "the IKE SA is being deleted");
	if (sa->req.op == IKE2_OP_CHILD_REKEY || sa->req.op == IKE2_OP_CHILD_ADD)
		return refuse(sa, msg, IKE2_N_TEMPORARY_FAILURE, 0,
			      "a CHILD_SA exchange of ours is under way");
	n_ours = cg_conn_ike_proposals(sa->core, sa->conn, ours, IKE2_MAX_PROPOSALS);
	n_theirs = ike_theirs(props, n_props, theirs, nums, spis);
	if (!cg_proposal_select(ours, n_ours, theirs, n_theirs, true, &sel, &idx) ||
	    !cg_proposal_ke(&sel))
		return refuse(sa, msg, IKE2_N_NO_PROPOSAL_CHOSEN, 0, "no acceptable IKE proposal");
	group = cg_proposal_ke(&sel);
	if (!ke_pl || ike2_ke_parse(ke_pl, &peer) || peer.group != group)
		return refuse(sa, msg, IKE2_N_INVALID_KE_PAYLOAD, group, "another key exchange");
	if (cg_ke_start(sa->core, group, &ke, &ke_ctx, &pub))
		return refuse(sa, msg, IKE2_N_NO_PROPOSAL_CHOSEN, 0, "key exchange unavailable");
	err = cg_ke_shared(ke, ke_ctx, peer.data, peer.len, &shared);
	cg_ke_free(ke, &ke_ctx);
	nsa = err ? NULL : successor_new(sa, false, spis[idx], 0);
	if (!nsa) {
		cg_chunk_free(&pub);
		cg_chunk_clear(&shared);
		return refuse(sa, msg, IKE2_N_NO_PROPOSAL_CHOSEN, 0, "key exchange failed");
	}
	err = cg_chunk_dup(&my_ni, ni);
	if (!err)
		err = cg_nonce_new(sa->core, IKE2_NONCE_LEN, &nr);
	if (!err)
		err = successor_keys(nsa, sa, &sel, &my_ni, &nr, shared);
	cg_chunk_clear(&shared);
	cg_chunk_free(&my_ni);
	cg_chunk_free(&nr);
	if (!err)
		err = respond_write(sa, msg, nsa, nums[idx], pub);
	cg_chunk_free(&pub);
	if (err) {
		successor_drop(nsa);
		return refuse(sa, msg, IKE2_N_NO_PROPOSAL_CHOSEN, 0, strerror(-err));
	}
	if (sa->ike_rekey.active) {
		/* A collision: our own rekey's answer decides which new SA lives. */
		struct ike2_ike_rekey *r = &sa->ike_rekey;

		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "IKE SA rekey collision");
		r->collided_spi = nsa->spi_r;
		cg_chunk_free(&r->collided_nonce);
		cg_chunk_dup(&r->collided_nonce, nonce_min(nsa->ni, nsa->nr));
		nsa->rekeyed = true;
	} else {
		adopt(sa, nsa);
	}
	cg_sa_checkin(sa->core, nsa->entry);
	return IKE2_KEEP;
}

/*
 * Child rekey collisions (2.8.1).
 */

void ike2_rekey_child_collision(struct ike2_sa *sa, uint32_t new_spi_in, struct cg_chunk ni,
				struct cg_chunk nr)
{
	struct ike2_rekey *r = sa->rekey;

	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "CHILD_SA %s rekey collision", r->name);
	r->collided_spi_in = new_spi_in;
	cg_chunk_free(&r->collided_nonce);
	cg_chunk_dup(&r->collided_nonce, nonce_min(ni, nr));
}

struct child_retry {
	struct ike2 *p;
	uint32_t reqid;
	uint32_t spi_in;
};

/* Looks the child up by reqid: an IKE rekey meanwhile may have moved it. */
static void child_retry_job(void *arg)
{
	struct child_retry *t = arg;
	struct cg_sa *entry = cg_sa_checkout_by_reqid(t->p->core, t->reqid);

	if (!entry)
		return;
	if (cg_sa_version(entry) == 2) {
		struct ike2_sa *sa = cg_sa_data(entry);

		/* A child that went meanwhile is -ENOENT there. */
		if (!sa->rekeyed)
			ike2_create_rekey_child(sa, t->spi_in);
	}
	cg_sa_checkin(t->p->core, entry);
}

void ike2_rekey_child_later(struct ike2_sa *sa, uint32_t reqid, uint32_t spi_in)
{
	struct child_retry *t = malloc(sizeof(*t));
	cg_timer_id id;

	if (!t)
		return;
	*t = (struct child_retry){ .p = sa->plugin, .reqid = reqid, .spi_in = spi_in };
	cg_timer_add(sa->core, busy_delay(sa), child_retry_job, t, free, &id);
}

bool ike2_rekey_child_lost(struct ike2_sa *sa)
{
	struct ike2_rekey *r = sa->rekey;

	if (!r || !r->collided_spi_in || !r->nonce_r.len || !r->collided_nonce.len ||
	    !ike2_child_by_spi_in(sa, r->collided_spi_in))
		return false;
	return ike2_rekey_nonce_cmp(nonce_min(r->nonce, r->nonce_r), r->collided_nonce) < 0;
}

/*
 * The `rekey` control command.
 */

/* What the command asks to rekey, and how many rekeys it started. */
struct rekey_match {
	const char *name;             /* IKE SA (connection) or child name */
	long id;                      /* IKE SA or child unique id */
	bool child;
	struct cg_out *out;
	size_t started;
};

static const char *arg_after(int argc, char **argv, const char *key)
{
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], key))
			return argv[i + 1];
	return NULL;
}

/* Starts one rekey (spi_in 0: the IKE SA's); 0 when it started or waits its turn. */
static int rekey_one(struct ike2_sa *sa, uint32_t spi_in, struct cg_out *out)
{
	const struct ike2_child *c = spi_in ? ike2_child_by_spi_in(sa, spi_in) : NULL;
	int err;

	if (spi_in) {
		if (!c)
			return -ENOENT;
		err = ike2_create_rekey_child(sa, spi_in);
		if (!err)
			cg_out_strf(out, NULL, "CHILD_SA %s{%u}", c->name, c->unique_id);
		return err;
	}
	err = ike2_rekey_ike_start(sa);
	if (err == -EBUSY) {
		arm_in(sa, REKEY_BUSY_RETRY_MS / 4);
		err = 0;
	}
	if (!err)
		cg_out_strf(out, NULL, "IKE SA %s[%u]", sa->name, cg_sa_unique_id(sa->entry));
	return err;
}

/* Rekeys the IKE SA entry, or its children, when they match. */
static void rekey_visit(void *ctx, struct cg_sa *entry)
{
	struct rekey_match *m = ctx;
	struct ike2_sa *sa = cg_sa_data(entry);

	if (sa->state != IKE2_ST_ESTABLISHED || sa->rekeyed)
		return;
	if (!m->child) {
		if (((m->name && !strcmp(sa->name, m->name)) ||
		     (m->id > 0 && cg_sa_unique_id(entry) == (uint32_t)m->id)) &&
		    !rekey_one(sa, 0, m->out))
			m->started++;
		return;
	}
	for (const struct ike2_child *c = sa->children; c; c = c->next)
		if (((m->name && !strcmp(c->name, m->name)) ||
		     (m->id > 0 && c->unique_id == (uint32_t)m->id)) &&
		    !rekey_one(sa, c->spi_in, m->out))
			m->started++;
}

int ike2_rekey_ctl(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	const char *ike_id = arg_after(argc, argv, "--ike-id");
	const char *child_id = arg_after(argc, argv, "--child-id");
	const char *child = arg_after(argc, argv, "--child");
	struct rekey_match m = { .name = arg_after(argc, argv, "--ike"),
				 .id = ike_id ? atol(ike_id) : 0, .out = out };

	(void)ctx;
	if (child || child_id) {
		m = (struct rekey_match){ .name = child, .id = child_id ? atol(child_id) : 0,
					  .child = true, .out = out };
	}
	if (!m.name && m.id <= 0) {
		cg_out_error(out, "usage: rekey --ike NAME | --ike-id N | --child NAME | --child-id N");
		return -EINVAL;
	}
	cg_out_arr_begin(out, "rekeying");
	cg_sa_foreach(core, 2, rekey_visit, &m);
	cg_out_arr_end(out);
	if (!m.started) {
		cg_out_error(out, m.child ? "no installed CHILD_SA matched"
					  : "no established IKE SA matched");
		return -ENOENT;
	}
	return 0;
}
