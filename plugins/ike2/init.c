/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IKE_SA_INIT (RFC 7296 1.2): proposals, key exchange and nonces, with the
 * initiator's restarts on INVALID_KE_PAYLOAD and COOKIE (1.2, 2.6).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "child.h"
#include "contact.h"
#include "cookie.h"
#include "frag.h"
#include "ike2.h"
#include "ikesa.h"
#include "init.h"
#include "keys.h"
#include "move.h"
#include "msg.h"
#include "nat.h"
#include "pubkey.h"

#define INIT_MAX_RESTARTS 3

/* Looks up the algorithms of a chosen IKE proposal. */
int ike2_init_set_algorithms(struct ike2_sa *sa, const struct cg_proposal *sel)
{
	const struct cg_transform *encr = cg_proposal_get(sel, CG_TT_ENCR);
	const struct cg_transform *prf = cg_proposal_get(sel, CG_TT_PRF);
	const struct cg_transform *integ = cg_proposal_get(sel, CG_TT_INTEG);

	if (!encr || !prf)
		return -EINVAL;
	sa->proposal = *sel;
	sa->encr = cg_crypto_encr(sa->core, encr->id, encr->keylen);
	sa->prf = cg_crypto_prf(sa->core, prf->id);
	sa->integ = NULL;
	if (!cg_encr_is_aead(encr->id)) {
		if (!integ || integ->id == CG_INTEG_NONE)
			return -EINVAL;
		sa->integ = cg_crypto_integ(sa->core, integ->id);
		if (!sa->integ)
			return -ENOPROTOOPT;
	}
	return sa->encr && sa->prf ? 0 : -ENOPROTOOPT;
}

/* Takes the peer's KE data and derives every IKE SA key. */
static int ke_finish(struct ike2_sa *sa, const struct ike2_ke *ke)
{
	struct cg_chunk shared = CG_CHUNK_EMPTY;
	int err;

	err = cg_ke_shared(sa->ke, sa->ke_ctx, ke->data, ke->len, &shared);
	if (err)
		return err;
	err = ike2_keys_derive(sa, shared);
	cg_chunk_clear(&shared);
	cg_ke_free(sa->ke, &sa->ke_ctx);
	return err;
}

/* Sends (or sends again, after a restart) our IKE_SA_INIT request. */
static int init_send(struct ike2_sa *sa)
{
	struct cg_proposal props[IKE2_MAX_PROPOSALS];
	size_t n = cg_conn_ike_proposals(sa->core, sa->conn, props, IKE2_MAX_PROPOSALS);
	struct cg_chunk pub = CG_CHUNK_EMPTY;
	struct ike2_w w;
	int err;

	if (!n)
		return -ENOPROTOOPT;
	err = cg_ke_start(sa->core, sa->ke_group, &sa->ke, &sa->ke_ctx, &pub);
	if (err)
		return err;
	if (!sa->ni.len) {
		err = cg_nonce_new(sa->core, IKE2_NONCE_LEN, &sa->ni);
		if (err)
			goto out;
	}
	ike2_w_init(&w);
	ike2_sa_hdr(sa, &w, IKE2_EXCH_SA_INIT, false, 0, IKE2_PL_NONE);
	/* A cookie goes first (RFC 7296 2.6). */
	if (sa->cookie.len)
		ike2_w_notify(&w, 0, IKE2_N_COOKIE, NULL, 0, sa->cookie.ptr, sa->cookie.len);
	ike2_w_sa(&w, props, NULL, n, 0, 0);
	ike2_w_ke(&w, sa->ke_group, pub.ptr, pub.len);
	ike2_w_nonce(&w, sa->ni);
	ike2_pubkey_write_hashes(sa, &w);
	ike2_nat_write(sa, &w);
	ike2_frag_write_supported(sa, &w);
	ike2_w_finish(&w);
	if (w.failed) {
		ike2_w_free(&w);
		err = -ENOMEM;
		goto out;
	}
	cg_chunk_free(&sa->init_req);
	err = cg_chunk_dup(&sa->init_req, CG_CHUNK(w.buf, w.len));
	if (err) {
		ike2_w_free(&w);
		goto out;
	}
	sa->mid_next = 0;
	err = ike2_sa_send_request(sa, IKE2_OP_INIT, CG_CHUNK(w.buf, w.len));
out:
	cg_chunk_free(&pub);
	return err;
}

int ike2_initiate(struct ike2 *p, const char *conn_name, const char *child_name,
		  const struct cg_kernel_acquire *acq, uint32_t trap_reqid)
{
	return ike2_initiate_try(p, conn_name, child_name, acq, trap_reqid, 1);
}

int ike2_initiate_try(struct ike2 *p, const char *conn_name, const char *child_name,
		      const struct cg_kernel_acquire *acq, uint32_t trap_reqid, unsigned attempt)
{
	struct cg_config *cfg = cg_core_config(p->core);
	const struct cg_conn_cfg *conn = cfg ? cg_config_conn(cfg, conn_name) : NULL;
	const struct cg_child_cfg *cc = NULL;
	struct cg_proposal props[1];
	struct cg_addr local, remote;
	struct ike2_sa *sa;
	char tries[16] = "unlimited";
	bool first;
	int err;

	if (!conn) {
		cg_config_unref(cfg);
		return -ENOENT;
	}
	for (size_t i = 0; child_name && i < conn->n_children; i++)
		if (!strcmp(conn->children[i].name, child_name))
			cc = &conn->children[i];
	if (child_name && !cc) {
		cg_config_unref(cfg);
		return -ENOENT;
	}
	err = cg_conn_endpoints(p->core, conn, &local, &remote);
	if (err) {
		cg_log(p->core, CG_LOG_IKE, CG_LVL_ERROR, "%s: no remote address to initiate to",
		       conn->name);
		cg_config_unref(cfg);
		return err;
	}
	/* umip may have moved this reqid before its IKE SA existed. */
	if (trap_reqid || (cc && cc->reqid))
		ike2_move_hint(p, conn->name, trap_reqid ? trap_reqid : cc->reqid, &local, &remote);
	if (!cg_conn_ike_proposals(p->core, conn, props, 1)) {
		cg_log(p->core, CG_LOG_IKE, CG_LVL_ERROR,
		       "%s: no IKE proposal the loaded crypto plugins support", conn->name);
		cg_config_unref(cfg);
		return -ENOPROTOOPT;
	}
	/* Before our SA exists: the check looks at every other one. */
	first = ike2_contact_first(p, conn, &local, &remote);
	err = ike2_sa_create(p, true, cfg, conn, &local, &remote, 0, &sa);
	if (err)
		return err;
	sa->contact.initial = first;
	sa->dpd.keyingtry = attempt;
	sa->ke_group = cg_proposal_ke(&props[0]);
	if (cc)
		err = ike2_child_prepare(sa, cc, acq, trap_reqid, &sa->pending);
	if (!err)
		err = init_send(sa);
	if (err) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "initiating failed: %s", strerror(-err));
		ike2_sa_down(sa);
		cg_sa_checkin_destroy(p->core, sa->entry);
		return err;
	}
	if (conn->keyingtries)
		snprintf(tries, sizeof(tries), "%u", conn->keyingtries);
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "initiating IKE SA to %s%s%s (attempt %u of %s)",
		    cg_addr_str(&remote, (char[CG_ADDR_STRLEN]){ 0 }, CG_ADDR_STRLEN),
		    cc ? " with child " : "", cc ? cc->name : "", attempt, tries);
	cg_sa_checkin(p->core, sa->entry);
	return 0;
}

/* An unprotected IKE_SA_INIT error response; no state is kept for it. */
static void init_reject(struct ike2 *p, const struct ike2_msg *msg, uint16_t type,
			const uint8_t *data, size_t len)
{
	struct ike2_hdr h = {
		.spi_i = msg->h.spi_i, .exchange = IKE2_EXCH_SA_INIT,
		.flags = IKE2_FLAG_R, .mid = 0,
	};
	struct ike2_w w;
	char a[CG_ADDR_STRLEN];

	cg_log_refused(p->core, CG_LOG_IKE, "IKE_SA_INIT", &msg->pkt->src, ike2_notify_name(type),
		       "IKE_SA_INIT from %s refused: %s",
		       cg_addr_str(&msg->pkt->src, a, sizeof(a)), ike2_notify_name(type));
	ike2_w_init(&w);
	ike2_w_hdr(&w, &h);
	ike2_w_notify(&w, 0, type, NULL, 0, data, len);
	ike2_w_finish(&w);
	if (!w.failed)
		cg_ike_send(p->core, &msg->pkt->dst, &msg->pkt->src, w.buf, w.len);
	ike2_w_free(&w);
}

static enum cg_sa_verdict half_open_job(struct cg_sa *entry, void *arg)
{
	struct ike2_sa *sa = cg_sa_data(entry);

	(void)arg;
	sa->half_open_timer = 0;
	if (sa->state != IKE2_ST_INIT_DONE)
		return CG_SA_KEEP;
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "half-open IKE SA timed out");
	ike2_sa_down(sa);
	return CG_SA_DESTROY;
}

static void arm_half_open(struct ike2_sa *sa)
{
	cg_sa_timer_add(sa->core, sa->spi_r, IKE2_HALF_OPEN_TIMEOUT_MS, half_open_job, NULL, 0,
			&sa->half_open_timer);
}

/* The usable IKE proposals of an SA payload, as a plain array with their numbers. */
static size_t their_proposals(const struct ike2_prop *props, size_t n, struct cg_proposal *out,
			      uint8_t *nums)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!props[i].usable || props[i].p.protocol != CG_PROTO_IKE)
			continue;
		nums[k] = props[i].num;
		out[k++] = props[i].p;
	}
	return k;
}

/* Responder: builds and sends our IKE_SA_INIT response on a fresh SA. */
static int init_answer(struct ike2_sa *sa, const struct ike2_msg *msg, uint8_t num,
		       const struct ike2_ke *ke)
{
	struct cg_chunk pub = CG_CHUNK_EMPTY;
	struct ike2_w w;
	int err;

	err = cg_ke_start(sa->core, sa->ke_group, &sa->ke, &sa->ke_ctx, &pub);
	if (!err)
		err = cg_nonce_new(sa->core, IKE2_NONCE_LEN, &sa->nr);
	if (!err)
		err = ke_finish(sa, ke);
	if (err)
		goto out;
	ike2_w_init(&w);
	ike2_sa_hdr(sa, &w, IKE2_EXCH_SA_INIT, true, 0, IKE2_PL_NONE);
	ike2_w_sa(&w, &sa->proposal, &num, 1, 0, 0);
	ike2_w_ke(&w, sa->ke_group, pub.ptr, pub.len);
	ike2_w_nonce(&w, sa->nr);
	if (ike2_chain_notify(&msg->pl, IKE2_N_NAT_DETECTION_SOURCE_IP, NULL))
		ike2_nat_write(sa, &w);
	ike2_pubkey_write_hashes(sa, &w);
	ike2_frag_write_supported(sa, &w);
	ike2_pubkey_write_certreq(sa, &w);
	ike2_w_finish(&w);
	err = w.failed ? -ENOMEM : 0;
	if (!err)
		err = cg_chunk_dup(&sa->init_resp, CG_CHUNK(w.buf, w.len));
	if (!err)
		err = cg_chunk_dup(&sa->init_req, CG_CHUNK(msg->pkt->data, msg->pkt->len));
	if (err) {
		ike2_w_free(&w);
		goto out;
	}
	sa->mid_peer = 1;
	ike2_sa_send_response(sa, 0, CG_CHUNK(w.buf, w.len));
out:
	cg_chunk_free(&pub);
	return err;
}

void ike2_init_respond(struct ike2 *p, const struct ike2_msg *msg)
{
	const struct ike2_pl *sa_pl = ike2_chain_find(&msg->pl, IKE2_PL_SA);
	const struct ike2_pl *ke_pl = ike2_chain_find(&msg->pl, IKE2_PL_KE);
	const struct ike2_pl *no_pl = ike2_chain_find(&msg->pl, IKE2_PL_NONCE);
	struct cg_proposal theirs[IKE2_MAX_PROPOSALS], sel;
	struct ike2_prop props[IKE2_MAX_PROPOSALS];
	uint8_t nums[IKE2_MAX_PROPOSALS], critical;
	size_t n_props, n_theirs, idx;
	const struct cg_conn_cfg *conn;
	struct cg_config *cfg;
	struct cg_chunk ni;
	struct ike2_sa *sa;
	struct ike2_ke ke;
	int err;

	critical = ike2_chain_unknown_critical(&msg->pl);
	if (critical) {
		init_reject(p, msg, IKE2_N_UNSUPPORTED_CRITICAL_PAYLOAD, &critical, 1);
		return;
	}
	if (!sa_pl || !ke_pl || !no_pl || ike2_sa_parse(sa_pl, props, IKE2_MAX_PROPOSALS, &n_props) ||
	    ike2_ke_parse(ke_pl, &ke) || ike2_nonce_parse(no_pl, &ni)) {
		init_reject(p, msg, IKE2_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (!ike2_cookie_admit(p, msg)) {
		cg_chunk_free(&ni);
		return;
	}
	cfg = cg_core_config(p->core);
	n_theirs = their_proposals(props, n_props, theirs, nums);
	/* Every connection between these addresses may take the proposal; IKE_AUTH picks among them. */
	conn = cfg ? cg_conn_select(p->core, cfg, 2, &msg->pkt->dst, &msg->pkt->src, theirs, n_theirs,
				    &sel, &idx) : NULL;
	if (!conn) {
		init_reject(p, msg, IKE2_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		goto err_unref;
	}
	if (cg_proposal_ke(&sel) != ke.group) {
		uint8_t group[2];

		cg_put16(group, cg_proposal_ke(&sel));
		init_reject(p, msg, IKE2_N_INVALID_KE_PAYLOAD, group, sizeof(group));
		goto err_unref;
	}
	err = ike2_sa_create(p, false, cfg, conn, &msg->pkt->dst, &msg->pkt->src, msg->h.spi_i, &sa);
	cfg = NULL; /* the SA holds the reference now (or dropped it) */
	if (err)
		goto err_nonce;
	sa->ni = ni;
	ni = CG_CHUNK_EMPTY;
	sa->ke_group = ke.group;
	ike2_nat_detect(sa, msg);
	ike2_pubkey_note_peer(sa, &msg->pl);
	ike2_frag_note_peer(sa, &msg->pl);
	err = ike2_init_set_algorithms(sa, &sel);
	if (!err)
		err = init_answer(sa, msg, nums[idx], &ke);
	if (err) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "IKE_SA_INIT failed: %s", strerror(-err));
		if (err == -EINVAL)
			init_reject(p, msg, IKE2_N_INVALID_SYNTAX, NULL, 0);
		cg_sa_checkin_destroy(p->core, sa->entry);
		return;
	}
	arm_half_open(sa);
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "IKE_SA_INIT from %s answered",
		    cg_addr_str(&sa->remote, (char[CG_ADDR_STRLEN]){ 0 }, CG_ADDR_STRLEN));
	cg_sa_checkin(p->core, sa->entry);
	return;

err_unref:
	cg_config_unref(cfg);
err_nonce:
	cg_chunk_free(&ni);
}

/* Restarts IKE_SA_INIT after INVALID_KE_PAYLOAD or COOKIE. */
static enum ike2_verdict init_restart(struct ike2_sa *sa, const char *why)
{
	int err;

	if (++sa->init_retries > INIT_MAX_RESTARTS) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "too many IKE_SA_INIT restarts");
		return IKE2_DESTROY;
	}
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "restarting IKE_SA_INIT: %s", why);
	ike2_sa_request_done(sa);
	err = init_send(sa);
	return err ? IKE2_DESTROY : IKE2_KEEP;
}

static enum ike2_verdict init_notifies(struct ike2_sa *sa, const struct ike2_msg *msg,
				       bool *handled)
{
	struct ike2_notify n;
	uint16_t error;

	*handled = true;
	if (ike2_chain_notify(&msg->pl, IKE2_N_COOKIE, &n) && n.data_len >= 1 &&
	    n.data_len <= 64) {
		cg_chunk_free(&sa->cookie);
		if (cg_chunk_dup(&sa->cookie, CG_CHUNK(n.data, n.data_len)))
			return IKE2_DESTROY;
		return init_restart(sa, "the responder asks for a cookie");
	}
	if (ike2_chain_notify(&msg->pl, IKE2_N_INVALID_KE_PAYLOAD, &n)) {
		struct cg_proposal props[IKE2_MAX_PROPOSALS];
		size_t np = cg_conn_ike_proposals(sa->core, sa->conn, props, IKE2_MAX_PROPOSALS);
		uint16_t group = ike2_notify_ke_group(&n);

		if (!cg_ke_retry_group(props, np, group, sa->ke_group)) {
			ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
				    "INVALID_KE_PAYLOAD asks for group %u, which we did not offer",
				    group);
			return IKE2_DESTROY;
		}
		sa->ke_group = group;
		return init_restart(sa, cg_transform_name(CG_TT_KE, group));
	}
	error = ike2_chain_error(&msg->pl);
	if (error) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "IKE_SA_INIT failed: peer sent %s",
			    ike2_notify_name(error));
		return IKE2_DESTROY;
	}
	*handled = false;
	return IKE2_KEEP;
}

enum ike2_verdict ike2_init_response(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	const struct ike2_pl *sa_pl = ike2_chain_find(&msg->pl, IKE2_PL_SA);
	const struct ike2_pl *ke_pl = ike2_chain_find(&msg->pl, IKE2_PL_KE);
	const struct ike2_pl *no_pl = ike2_chain_find(&msg->pl, IKE2_PL_NONCE);
	struct cg_proposal ours[IKE2_MAX_PROPOSALS], sel;
	struct ike2_prop prop;
	size_t n_ours, n_props, idx;
	enum ike2_verdict v;
	struct ike2_ke ke;
	bool handled;
	int err;

	if (sa->state != IKE2_ST_INIT_SENT)
		return IKE2_KEEP;
	v = init_notifies(sa, msg, &handled);
	if (handled)
		return v;
	n_ours = cg_conn_ike_proposals(sa->core, sa->conn, ours, IKE2_MAX_PROPOSALS);
	if (!sa_pl || !ke_pl || !no_pl || ike2_sa_parse(sa_pl, &prop, 1, &n_props) ||
	    n_props != 1 || ike2_ke_parse(ke_pl, &ke) || ike2_nonce_parse(no_pl, &sa->nr) ||
	    !msg->h.spi_r) {
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_WARN, "malformed IKE_SA_INIT response");
		return IKE2_DESTROY;
	}
	/* The peer must have picked one of ours, unchanged. */
	if (!prop.usable || !cg_proposal_select(ours, n_ours, &prop.p, 1, true, &sel, &idx) ||
	    prop.p.n != sel.n || ke.group != sa->ke_group || cg_proposal_ke(&sel) != ke.group) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
			    "IKE_SA_INIT response picked a proposal we did not offer");
		return IKE2_DESTROY;
	}
	sa->spi_r = msg->h.spi_r;
	ike2_pubkey_note_peer(sa, &msg->pl);
	ike2_frag_note_peer(sa, &msg->pl);
	err = ike2_init_set_algorithms(sa, &sel);
	if (!err)
		err = cg_chunk_dup(&sa->init_resp, CG_CHUNK(msg->pkt->data, msg->pkt->len));
	if (!err)
		err = ke_finish(sa, &ke);
	if (err) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "IKE_SA_INIT key exchange failed: %s",
			    strerror(-err));
		return IKE2_DESTROY;
	}
	ike2_sa_request_done(sa);
	ike2_nat_detect(sa, msg);
	ike2_nat_float(sa);
	sa->state = IKE2_ST_AUTH_SENT;
	err = ike2_auth_send(sa);
	if (err) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "sending IKE_AUTH failed: %s",
			    strerror(-err));
		return IKE2_DESTROY;
	}
	return IKE2_KEEP;
}
