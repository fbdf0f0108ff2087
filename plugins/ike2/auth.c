/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IKE_AUTH (RFC 7296 1.2, 2.15): identities, pre-shared key authentication,
 * and the first CHILD_SA riding along.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "child.h"
#include "contact.h"
#include "cp.h"
#include "ike2.h"
#include "ikesa.h"
#include "keys.h"
#include "msg.h"
#include "nat.h"
#include "pubkey.h"
#include "rekey.h"

#define AUTH_MAX 64

static const char *id_text(const struct cg_id *id, char *buf)
{
	return cg_id_str(id, buf, CG_ID_STRLEN);
}

/* Our AUTH value over the ID payload body we send. */
static int auth_compute(struct ike2_sa *sa, bool of_initiator, const struct cg_id *psk_a,
			const struct cg_id *psk_b, const uint8_t *id_body, size_t id_len,
			uint8_t *out)
{
	struct cg_chunk psk = CG_CHUNK_EMPTY;
	char a[CG_ID_STRLEN], b[CG_ID_STRLEN];
	int err;

	err = cg_cred_psk(sa->core, psk_a, psk_b, &psk);
	if (err) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "no pre-shared key for '%s' - '%s'",
			    id_text(psk_a, a), id_text(psk_b, b));
		return err;
	}
	err = ike2_keys_auth_psk(sa, of_initiator, psk, id_body, id_len, out);
	cg_chunk_clear(&psk);
	return err;
}

/* Checks the peer's AUTH payload against its ID payload; true when authentic. */
static bool auth_verify(struct ike2_sa *sa, const struct ike2_msg *msg,
			const struct ike2_pl *id_pl, const struct ike2_pl *auth_pl)
{
	bool of_initiator = !sa->initiator;
	uint8_t expected[AUTH_MAX];
	struct ike2_auth auth;

	if (ike2_auth_parse(auth_pl, &auth))
		return false;
	if (auth.method != IKE2_AUTH_PSK)
		return ike2_pubkey_verify(sa, &msg->pl, id_pl, &auth);
	if (sa->conn->remote.auth == CG_AUTH_PUBKEY) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
			    "peer authenticates with a pre-shared key, the connection wants pubkey");
		return false;
	}
	if (sa->prf->out_size > AUTH_MAX ||
	    auth_compute(sa, of_initiator, &sa->id_local, &sa->id_remote, id_pl->body, id_pl->len,
			 expected))
		return false;
	return cg_chunk_equal_ct(CG_CHUNK(expected, sa->prf->out_size),
				 CG_CHUNK(auth.data, auth.len));
}

/* Writes our ID and AUTH payloads. */
static int write_id_auth(struct ike2_sa *sa, struct ike2_w *w, uint8_t id_type)
{
	uint8_t auth[AUTH_MAX];
	size_t body;
	int err;

	/* A DN from the config has no DER yet. */
	err = ike2_pubkey_id_complete(sa->core, &sa->id_local);
	if (err)
		return err;
	if (sa->conn->local.auth == CG_AUTH_PUBKEY)
		return ike2_pubkey_write_id_auth(sa, w, id_type);
	ike2_w_id(w, id_type, &sa->id_local, &body);
	if (w->failed)
		return -ENOMEM;
	err = auth_compute(sa, sa->initiator, &sa->id_local, &sa->id_remote, w->buf + body,
			   w->len - body, auth);
	if (err)
		return err;
	ike2_w_auth(w, IKE2_AUTH_PSK, auth, sa->prf->out_size);
	cg_memwipe(auth, sizeof(auth));
	return 0;
}

int ike2_auth_send(struct ike2_sa *sa)
{
	struct ike2_w w;
	int err;

	cg_id_free(&sa->id_local);
	cg_id_free(&sa->id_remote);
	err = cg_conn_local_id(sa->conn, &sa->local, &sa->id_local);
	if (!err)
		err = cg_id_dup(&sa->conn->remote.id, &sa->id_remote);
	if (err)
		return err;
	ike2_w_init(&w);
	err = write_id_auth(sa, &w, IKE2_PL_IDI);
	if (err)
		goto out;
	if (sa->contact.initial)
		ike2_w_notify(&w, 0, IKE2_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	ike2_mobike_write_auth(sa, &w);
	ike2_pubkey_write_certreq(sa, &w);
	/* Name the responder's identity when we know it (IDr, RFC 7296 3.5). */
	if (!ike2_pubkey_id_is_pattern(&sa->id_remote) &&
	    !ike2_pubkey_id_complete(sa->core, &sa->id_remote))
		ike2_w_id(&w, IKE2_PL_IDR, &sa->id_remote, NULL);
	ike2_cp_write_request(sa, &w);
	if (sa->pending)
		ike2_child_write_request(sa, &w);
	err = ike2_sa_request(sa, IKE2_OP_AUTH, &w);
out:
	ike2_w_free(&w);
	return err;
}

static void auth_established(struct ike2_sa *sa)
{
	char a[CG_ID_STRLEN], b[CG_ID_STRLEN];

	sa->state = IKE2_ST_ESTABLISHED;
	sa->established_at = time(NULL);
	cg_sa_set_established(sa->entry);
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "IKE SA established between '%s' and '%s'",
		    id_text(&sa->id_local, a), id_text(&sa->id_remote, b));
	ike2_sa_publish(sa, CG_EV_IKE_UP);
	ike2_sa_arm_dpd(sa);
	ike2_rekey_arm(sa);
	ike2_nat_arm_keepalive(sa);
}

/* Responder: AUTHENTICATION_FAILED, after which the SA is gone (RFC 7296 2.21.2). */
static enum ike2_verdict auth_refuse(struct ike2_sa *sa, const struct ike2_msg *msg,
				     const char *why)
{
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "authentication failed: %s", why);
	ike2_sa_refuse(sa, msg, IKE2_N_AUTHENTICATION_FAILED, NULL, 0);
	return IKE2_DESTROY;
}

enum ike2_verdict ike2_auth_request(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	const struct ike2_pl *idi_pl = ike2_chain_find(&msg->pl, IKE2_PL_IDI);
	const struct ike2_pl *idr_pl = ike2_chain_find(&msg->pl, IKE2_PL_IDR);
	const struct ike2_pl *auth_pl = ike2_chain_find(&msg->pl, IKE2_PL_AUTH);
	const struct cg_conn_cfg *conn;
	struct cg_id idr = { 0 };
	char a[CG_ID_STRLEN];
	struct ike2_w w;
	int err;

	if (sa->state != IKE2_ST_INIT_DONE)
		return IKE2_KEEP;
	if (!idi_pl || !auth_pl || ike2_id_parse(idi_pl, &sa->id_remote) ||
	    (idr_pl && ike2_id_parse(idr_pl, &idr)))
		return auth_refuse(sa, msg, "IDi or AUTH missing or malformed");
	ike2_pubkey_id_complete(sa->core, &sa->id_remote);
	ike2_pubkey_id_complete(sa->core, &idr);
	ike2_pubkey_note_peer(sa, &msg->pl);
	/* Only a connection that takes the proposal of IKE_SA_INIT can carry on this SA. */
	conn = cg_conn_by_ids(sa->core, sa->cfg, 2, &sa->local, &sa->remote, &sa->proposal,
			      &sa->id_remote, idr_pl ? &idr : NULL, sa->conn);
	cg_id_free(&idr);
	if (!conn)
		return auth_refuse(sa, msg, "no connection matches the peer identity");
	if (conn != sa->conn) {
		sa->conn = conn;
		snprintf(sa->name, sizeof(sa->name), "%s", conn->name);
	}
	cg_id_free(&sa->id_local);
	if (cg_conn_local_id(conn, &sa->local, &sa->id_local))
		return auth_refuse(sa, msg, "no local identity");
	if (!auth_verify(sa, msg, idi_pl, auth_pl))
		return auth_refuse(sa, msg, id_text(&sa->id_remote, a));

	ike2_w_init(&w);
	err = write_id_auth(sa, &w, IKE2_PL_IDR);
	if (err) {
		ike2_w_free(&w);
		return auth_refuse(sa, msg, "cannot compute our AUTH");
	}
	if (sa->half_open_timer) {
		cg_timer_cancel(sa->core, sa->half_open_timer);
		sa->half_open_timer = 0;
	}
	auth_established(sa);
	ike2_contact_established(sa, msg);
	ike2_mobike_auth_request(sa, msg, &w);
	/* Virtual IPs first: they are the child's "dynamic" remote selectors. */
	if (ike2_cp_respond(sa, msg, &w) && ike2_chain_find(&msg->pl, IKE2_PL_SA))
		ike2_child_respond(sa, msg, &(struct ike2_child_answer){ .ni = sa->ni, .nr = sa->nr },
				   &w);
	ike2_sa_send_sk(sa, IKE2_EXCH_AUTH, true, msg->h.mid, &w);
	ike2_w_free(&w);
	return IKE2_KEEP;
}

/*
 * Initiator: the responder did not authenticate. Tell it in an INFORMATIONAL
 * of its own (RFC 7296 2.21.2), then forget the SA without waiting.
 */
static enum ike2_verdict auth_reject_responder(struct ike2_sa *sa)
{
	struct ike2_w w;

	ike2_w_init(&w);
	ike2_w_notify(&w, 0, IKE2_N_AUTHENTICATION_FAILED, NULL, 0, NULL, 0);
	ike2_sa_request(sa, IKE2_OP_AUTH_FAILED, &w);
	ike2_w_free(&w);
	return IKE2_DESTROY;
}

enum ike2_verdict ike2_auth_response(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	const struct ike2_pl *idr_pl = ike2_chain_find(&msg->pl, IKE2_PL_IDR);
	const struct ike2_pl *auth_pl = ike2_chain_find(&msg->pl, IKE2_PL_AUTH);
	char a[CG_ID_STRLEN];
	struct cg_id idr = { 0 };
	uint16_t error;

	if (sa->state != IKE2_ST_AUTH_SENT)
		return IKE2_KEEP;
	ike2_sa_request_done(sa);
	if (!auth_pl || !idr_pl) {
		error = ike2_chain_error(&msg->pl);
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "IKE_AUTH failed: %s",
			    error ? ike2_notify_name(error) : "no IDr or AUTH in the response");
		return IKE2_DESTROY;
	}
	if (ike2_id_parse(idr_pl, &idr) || ike2_pubkey_id_complete(sa->core, &idr)) {
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_WARN, "malformed IDr");
		return IKE2_DESTROY;
	}
	if (!cg_id_matches(&idr, &sa->conn->remote.id)) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "peer identity '%s' is not the configured one",
			    id_text(&idr, a));
		cg_id_free(&idr);
		return auth_reject_responder(sa);
	}
	cg_id_free(&sa->id_remote);
	sa->id_remote = idr;
	if (!auth_verify(sa, msg, idr_pl, auth_pl)) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "authentication of '%s' failed",
			    id_text(&sa->id_remote, a));
		return auth_reject_responder(sa);
	}
	auth_established(sa);
	ike2_contact_established(sa, msg);
	ike2_mobike_auth_response(sa, msg);
	if (!ike2_cp_complete(sa, msg))
		return IKE2_KEEP;
	if (sa->pending)
		ike2_child_complete(sa, msg);
	ike2_sa_run_pending(sa);
	return IKE2_KEEP;
}
