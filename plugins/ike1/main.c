/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Main Mode and Aggressive Mode with pre-shared keys (RFC 2409 5.4), both
 * roles:
 *
 *   I1  HDR, SA, VID            R1  HDR, SA, VID
 *   I2  HDR, KE, Ni             R2  HDR, KE, Nr
 *   I3  HDR*, IDii, HASH_I [N]  R3  HDR*, IDir, HASH_R
 *
 *   Aggressive Mode (aggressive: yes):
 *   I1  HDR, SA, KE, Ni, IDii, VID
 *                               R1  HDR, SA, KE, Nr, IDir, HASH_R, VID
 *   I2  HDR*, HASH_I [N]        (encrypted as charon sends it; clear accepted)
 *
 * The Main Mode responder picks its connection with cg_conn_select on I1
 * and checks it against the peer's identity with cg_conn_by_ids on I3. The
 * Aggressive Mode responder has the identity in I1 and answers only for a
 * connection with aggressive: yes: its answer carries a hash of the
 * pre-shared key that anyone may try to crack offline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ike1.h"

/* Vendor IDs as charon sends and recognises them. */
static const uint8_t vid_dpd[] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
};
static const uint8_t vid_nat_t_rfc[] = {
	0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45, 0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f,
};
static const uint8_t vid_nat_t_02[] = {
	0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8, 0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48,
};

#define PHASE1_LIFE_DEFAULT 10800

/* Logs the vendor IDs we know among the message's; the others are ignored. */
static void note_vids(struct ike1_sa *sa, const struct ike1_chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct ike1_pl *pl = &c->pl[i];
		const char *what = NULL;

		if (pl->type != IKE1_PL_VID)
			continue;
		if (pl->len == sizeof(vid_dpd) && !memcmp(pl->body, vid_dpd, pl->len))
			what = "DPD";
		else if (pl->len == sizeof(vid_nat_t_rfc) && !memcmp(pl->body, vid_nat_t_rfc, pl->len))
			what = "NAT-T (RFC 3947)";
		else if (pl->len == sizeof(vid_nat_t_02) && !memcmp(pl->body, vid_nat_t_02, pl->len))
			what = "NAT-T (draft 02)";
		if (what)
			ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_DEBUG, "peer sent the %s vendor ID", what);
	}
}

static uint64_t phase1_life(const struct cg_conn_cfg *conn)
{
	return conn->reauth_time ? conn->reauth_time
	       : conn->rekey_time ? conn->rekey_time : PHASE1_LIFE_DEFAULT;
}

/* The hash algorithm a proposal's integrity (or PRF) stands for. */
static uint16_t proposal_hash(const struct cg_proposal *p, size_t i)
{
	const struct cg_transform *t = &p->t[i];

	if (t->type == CG_TT_INTEG)
		return ike1_hash_from_integ(t->id);
	for (uint16_t h = IKE1_HASH_MD5; h <= IKE1_HASH_SHA2_512; h++)
		if (t->type == CG_TT_PRF && ike1_hash_to_prf(h) == t->id)
			return h;
	return 0;
}

/*
 * One transform per combination of encryption, hash and group of each
 * proposal; of the group only when group is not 0 (Aggressive Mode, whose
 * KE comes with the offer).
 */
static void write_p1_sa(struct ike1_sa *sa, struct ike1_w *w, uint16_t group)
{
	struct cg_proposal props[CG_CONN_MAX_PROPOSALS];
	size_t n = cg_conn_ike_proposals(sa->core, sa->conn, props, CG_ARRAY_SIZE(props));
	size_t sa_at = ike1_w_begin(w, IKE1_PL_SA), prop_at, last = 0;
	uint8_t num = 0, doi[8] = { 0, 0, 0, 1, 0, 0, 0, 1 };
	uint64_t life = phase1_life(sa->conn);
	bool integ;

	ike1_w_put(w, doi, sizeof(doi));
	prop_at = ike1_w_put(w, (uint8_t[]){ 0, 0, 0, 0, 1, IKE1_PROTO_ISAKMP, 0, 0 }, 8);
	for (size_t k = 0; k < n; k++) {
		const struct cg_proposal *p = &props[k];

		integ = cg_proposal_get(p, CG_TT_INTEG) != NULL;
		for (size_t e = 0; e < p->n; e++)
		for (size_t h = 0; h < p->n; h++)
		for (size_t g = 0; g < p->n && num < 64; g++) {
			const struct cg_transform *te = &p->t[e], *tg = &p->t[g];
			uint16_t hash = proposal_hash(p, h);
			size_t t_at;

			if (te->type != CG_TT_ENCR || !ike1_encr_to(te->id) || tg->type != CG_TT_KE ||
			    (group && tg->id != group) || (p->t[h].type != (integ ? CG_TT_INTEG : CG_TT_PRF)) || !hash)
				continue;
			last = t_at = ike1_w_put(w, (uint8_t[]){ IKE1_PL_T, 0, 0, 0, ++num, 1, 0, 0 }, 8);
			ike1_w_attr(w, IKE1_A_ENCR, ike1_encr_to(te->id), false);
			if (te->keylen)
				ike1_w_attr(w, IKE1_A_KEY_LENGTH, te->keylen, false);
			ike1_w_attr(w, IKE1_A_HASH, hash, false);
			ike1_w_attr(w, IKE1_A_AUTH, sa->auth_method, false);
			ike1_w_attr(w, IKE1_A_GROUP, tg->id, false);
			ike1_w_attr(w, IKE1_A_LIFE_TYPE, IKE1_LIFE_SECONDS, false);
			ike1_w_attr(w, IKE1_A_LIFE_DURATION, (uint32_t)life, life > 0xffff);
			if (!w->failed)
				cg_put16(w->buf + t_at + 2, (uint16_t)(w->len - t_at));
		}
	}
	if (w->failed || !num) {
		w->failed = true;
		return;
	}
	w->buf[last] = IKE1_PL_NONE;
	w->buf[prop_at + 7] = num;
	cg_put16(w->buf + prop_at + 2, (uint16_t)(w->len - prop_at));
	ike1_w_end(w, sa_at);
}

/* Takes the chosen transform: algorithms looked up, the PRF's hash, the lifetime. */
static int take_offer(struct ike1_sa *sa, const struct cg_proposal *sel, uint64_t life)
{
	const struct cg_transform *e = cg_proposal_get(sel, CG_TT_ENCR);
	const struct cg_transform *i = cg_proposal_get(sel, CG_TT_INTEG);
	const struct cg_transform *f = cg_proposal_get(sel, CG_TT_PRF);

	if (!e || !i || !f || !cg_proposal_ke(sel))
		return -EINVAL;
	sa->proposal = *sel;
	sa->hash_alg = ike1_hash_from_integ(i->id);
	sa->encr = cg_crypto_encr(sa->core, e->id, e->keylen);
	sa->prf = cg_crypto_prf(sa->core, f->id);
	sa->life_secs = life;
	if (!sa->encr || !sa->prf || !sa->hash_alg || sa->encr->block_size > IKE1_BLOCK_MAX ||
	    sa->encr->icv_size)
		return -ENOPROTOOPT;
	sa->bs = sa->encr->block_size;
	return 0;
}

static int save_sai_b(struct ike1_sa *sa, const struct ike1_w *w, size_t sa_at)
{
	if (w->failed)
		return -ENOMEM;
	return cg_chunk_dup(&sa->sai_b, CG_CHUNK(w->buf + sa_at + 4, cg_get16(w->buf + sa_at + 2) - 4));
}

static int write_aggr_first(struct ike1_sa *sa, struct ike1_w *w);

int ike1_main_initiate(struct ike1 *p, const char *conn_name, const char *child,
		       const struct cg_kernel_acquire *acq, uint32_t trap_reqid)
{
	struct cg_config *cfg = cg_core_config(p->core);
	const struct cg_conn_cfg *conn = cfg ? cg_config_conn(cfg, conn_name) : NULL;
	struct cg_addr local, remote;
	struct ike1_sa *sa;
	struct ike1_w w;
	struct cg_chunk msg;
	int err;

	if (!conn || conn->version != 1) {
		cg_config_unref(cfg);
		return -ENOENT;
	}
	err = cg_conn_endpoints(p->core, conn, &local, &remote);
	if (!err)
		err = ike1_sa_create(p, true, cfg, conn, &local, &remote, 0, &sa);
	else
		cg_config_unref(cfg);
	if (err)
		return err;
	if (child)
		snprintf(sa->pending_child, sizeof(sa->pending_child), "%s", child);
	sa->pending_trap = trap_reqid;
	if (acq) {
		sa->pending_acq = true;
		sa->acq = *acq;
	}
	ike1_sa_hdr(sa, &w, sa->exchange, 0, 0);
	if (sa->exchange == IKE1_EXCH_AGGRESSIVE) {
		err = write_aggr_first(sa, &w);
	} else {
		write_p1_sa(sa, &w, 0);
		err = save_sai_b(sa, &w, CG_IKE_HEADER_LEN);
	}
	ike1_w_payload(&w, IKE1_PL_VID, vid_dpd, sizeof(vid_dpd));
	msg = ike1_w_finish(&w);
	if (err || !msg.len) {
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "no IKEv1 proposal to offer (AES-CBC or "
			    "3DES with a hash and a group)");
		ike1_w_free(&w);
		ike1_trap_done(p, trap_reqid);
		cg_sa_checkin_destroy(p->core, sa->entry);
		return -ENOPROTOOPT;
	}
	ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "initiating %s to %s",
		    ike1_exchange_name(sa->exchange), cg_addr_str(&remote, (char[CG_ADDR_STRLEN]){ 0 }, CG_ADDR_STRLEN));
	ike1_sa_send_p1(sa, msg, true);
	cg_sa_checkin(p->core, sa->entry);
	return 0;
}

/* Usable phase 1 offers of the peer as proposals, with their offer index. */
static size_t p1_theirs(const struct ike1_offer *offers, size_t n, struct cg_proposal *out,
			size_t *idx)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!offers[i].usable || offers[i].auth != IKE1_AUTH_PSK)
			continue;
		out[k] = offers[i].p;
		idx[k++] = i;
	}
	return k;
}

/* R1: the SA with the chosen transform as the initiator sent it. */
static void write_p1_answer(struct ike1_w *w, const struct ike1_offer *o)
{
	size_t sa_at = ike1_w_begin(w, IKE1_PL_SA), t_at;
	uint8_t head[8] = { 0, 0, 0, 1, 0, 0, 0, 1 };

	ike1_w_put(w, head, 8);
	ike1_w_put(w, (uint8_t[]){ 0, 0, 0, (uint8_t)(8 + o->raw_len), o->proposal_num,
				   IKE1_PROTO_ISAKMP, 0, 1 }, 8);
	t_at = ike1_w_put(w, o->raw, o->raw_len);
	if (!w->failed)
		w->buf[t_at] = IKE1_PL_NONE;
	ike1_w_end(w, sa_at);
}

static const struct cg_conn_cfg *aggr_conn(struct ike1 *p, const struct cg_config *cfg,
					   const struct cg_packet *pkt, const struct ike1_chain *c,
					   const struct cg_proposal *sel,
					   const struct cg_conn_cfg *conn);
static int aggr_answer(struct ike1_sa *sa, const struct ike1_chain *c, struct ike1_w *w);

void ike1_main_respond(struct ike1 *p, const struct cg_packet *pkt, const struct ike1_hdr *h,
		       const struct ike1_chain *c)
{
	bool aggr = h->exchange == IKE1_EXCH_AGGRESSIVE;
	const char *mode = ike1_exchange_name(h->exchange);
	const struct ike1_pl *sa_pl = ike1_chain_find(c, IKE1_PL_SA);
	struct ike1_offer offers[IKE1_MAX_PROPOSALS];
	struct cg_proposal theirs[IKE1_MAX_PROPOSALS], sel;
	size_t idx[IKE1_MAX_PROPOSALS], n, n_theirs, chosen;
	const struct cg_conn_cfg *conn;
	struct cg_config *cfg;
	struct ike1_sa *sa;
	struct ike1_w w;
	struct cg_chunk msg;
	char a[CG_ADDR_STRLEN];

	cg_addr_str(&pkt->src, a, sizeof(a));
	if (!sa_pl || ike1_chain_count(c, IKE1_PL_SA) != 1 ||
	    ike1_sa_parse(sa_pl, false, offers, IKE1_MAX_PROPOSALS, &n)) {
		cg_log(p->core, CG_LOG_ENC, CG_LVL_INFO, "%s from %s dropped: malformed SA", mode, a);
		return;
	}
	n_theirs = p1_theirs(offers, n, theirs, idx);
	cfg = cg_core_config(p->core);
	conn = cfg ? cg_conn_select(p->core, cfg, 1, &pkt->dst, &pkt->src, theirs, n_theirs, &sel,
				    &chosen) : NULL;
	if (!conn) {
		cg_log(p->core, CG_LOG_IKE, CG_LVL_INFO, "%s from %s: no connection accepts "
		       "its proposals (NO-PROPOSAL-CHOSEN)", mode, a);
		cg_config_unref(cfg);
		return;
	}
	if (aggr && !(conn = aggr_conn(p, cfg, pkt, c, &sel, conn))) {
		cg_config_unref(cfg);
		return;
	}
	if (ike1_sa_create(p, false, cfg, conn, &pkt->dst, &pkt->src, h->ci, &sa))
		return;
	if (aggr) {
		sa->exchange = IKE1_EXCH_AGGRESSIVE;
		sa->state = IKE1_ST_AM_ANSWERED;
	}
	note_vids(sa, c);
	if (take_offer(sa, &sel, offers[idx[chosen]].life_secs) ||
	    cg_chunk_dup(&sa->sai_b, CG_CHUNK(sa_pl->body, sa_pl->len))) {
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "chosen algorithms are not available");
		cg_sa_checkin_destroy(p->core, sa->entry);
		return;
	}
	ike1_sa_hdr(sa, &w, h->exchange, 0, 0);
	write_p1_answer(&w, &offers[idx[chosen]]);
	if (aggr && aggr_answer(sa, c, &w))
		w.failed = true;
	ike1_w_payload(&w, IKE1_PL_VID, vid_dpd, sizeof(vid_dpd));
	msg = ike1_w_finish(&w);
	if (!msg.len) {
		ike1_w_free(&w);
		cg_sa_checkin_destroy(p->core, sa->entry);
		return;
	}
	ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "%s from %s: %s", mode, a,
		    cg_proposal_str(&sel, (char[256]){ 0 }, 256));
	if (aggr && ike1_am_warn_once(p, sa->name))
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "answering Aggressive Mode with a pre-shared "
			    "key: HASH_R goes to anyone who asks and lets them try to crack the key "
			    "offline (logged once per connection)");
	ike1_sa_answered(sa, pkt->data, pkt->len, msg);
	/* The Aggressive Mode answer goes again until HASH_I comes. */
	ike1_sa_send_p1(sa, msg, aggr);
	cg_sa_checkin(p->core, sa->entry);
}

/* The peer's KE: the group's length, and a value the group accepts; g^xy into sa->gxy. */
static int take_ke(struct ike1_sa *sa, const struct ike1_pl *ke_pl)
{
	int err;

	if (!ke_pl || ke_pl->len != sa->ke->public_size) {
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "KE payload of %zu bytes refused: %s needs %zu",
			    ke_pl ? ke_pl->len : 0, sa->ke->name, sa->ke->public_size);
		return -EINVAL;
	}
	err = cg_ke_shared(sa->ke, sa->ke_ctx, ke_pl->body, ke_pl->len, &sa->gxy);
	if (err)
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "the peer's %s public value is invalid",
			    sa->ke->name);
	else
		err = cg_chunk_dup(sa->initiator ? &sa->gxr : &sa->gxi,
				   CG_CHUNK(ke_pl->body, ke_pl->len));
	return err;
}

static int take_nonce(struct ike1_sa *sa, const struct ike1_pl *n_pl)
{
	/* RFC 2409 5: nonces of 8 to 256 bytes. */
	if (!n_pl || n_pl->len < 8 || n_pl->len > 256)
		return -EINVAL;
	return cg_chunk_dup(sa->initiator ? &sa->nr : &sa->ni, CG_CHUNK(n_pl->body, n_pl->len));
}

/* Our KE and nonce, into the message. */
static int write_ke_nonce(struct ike1_sa *sa, struct ike1_w *w)
{
	struct cg_chunk *pub = sa->initiator ? &sa->gxi : &sa->gxr;
	struct cg_chunk *nonce = sa->initiator ? &sa->ni : &sa->nr;
	int err = 0;

	if (!sa->ke_ctx)
		err = cg_ke_start(sa->core, cg_proposal_ke(&sa->proposal), &sa->ke, &sa->ke_ctx, pub);
	if (!err && !nonce->len)
		err = cg_nonce_new(sa->core, IKE1_NONCE_LEN, nonce);
	if (err)
		return err;
	ike1_w_payload(w, IKE1_PL_KE, pub->ptr, pub->len);
	ike1_w_payload(w, IKE1_PL_NONCE, nonce->ptr, nonce->len);
	return 0;
}

static int derive(struct ike1_sa *sa)
{
	struct cg_chunk psk = CG_CHUNK_EMPTY;
	struct cg_id us = { 0 };
	int err = cg_conn_local_id(sa->conn, &sa->local, &us);

	if (!err)
		err = cg_cred_psk(sa->core, &us, &sa->conn->remote.id, &psk);
	cg_id_free(&us);
	if (err) {
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "no pre-shared key for this connection");
		return err;
	}
	err = ike1_keys_derive(sa, psk);
	cg_chunk_clear(&psk);
	return err;
}

/* IDx and HASH_x of our side (HASH over our ID payload's body) into w. */
static int write_id_hash(struct ike1_sa *sa, struct ike1_w *w)
{
	uint8_t hash[64];
	size_t id_at = w->len;

	if (cg_conn_local_id(sa->conn, &sa->local, &sa->id_local))
		return -EINVAL;
	ike1_w_id(w, &sa->id_local);
	if (w->failed || ike1_keys_hash_p1(sa, sa->initiator,
					   CG_CHUNK(w->buf + id_at + 4, w->len - id_at - 4), hash))
		return -ENOMEM;
	ike1_w_payload(w, IKE1_PL_HASH, hash, sa->prf->out_size);
	return w->failed ? -ENOMEM : 0;
}

/*
 * Our last phase 1 message, encrypted with the phase 1 IV: Main Mode's I3
 * or R3 (IDx, HASH_x), Aggressive Mode's I2 (HASH_I over I1's IDii); the
 * initiator adds INITIAL-CONTACT.
 */
static struct cg_chunk write_auth(struct ike1_sa *sa)
{
	uint8_t hash[64], spi[16];
	struct ike1_w w;
	int err;

	ike1_sa_hdr(sa, &w, sa->exchange, 0, 0);
	if (sa->exchange == IKE1_EXCH_MAIN) {
		err = write_id_hash(sa, &w);
	} else {
		err = ike1_keys_hash_p1(sa, true, sa->idi_b, hash);
		if (!err)
			ike1_w_payload(&w, IKE1_PL_HASH, hash, sa->prf->out_size);
	}
	if (!err && sa->initiator && sa->conn->unique != CG_UNIQUE_NEVER) {
		cg_put64(spi, sa->ci);
		cg_put64(spi + 8, sa->cr);
		ike1_w_notify(&w, IKE1_PROTO_ISAKMP, IKE1_N_INITIAL_CONTACT, spi, 16, NULL, 0);
	}
	if (err || ike1_sa_encrypt(sa, &w, sa->iv)) {
		ike1_w_free(&w);
		return CG_CHUNK_EMPTY;
	}
	return ike1_w_finish(&w);
}

/* Our last phase 1 message sent (no answer comes), and sent again for a repeat of pkt. */
static int send_auth(struct ike1_sa *sa, const struct cg_packet *pkt)
{
	struct cg_chunk msg = write_auth(sa);

	if (!msg.len)
		return -ENOMEM;
	ike1_sa_answered(sa, pkt->data, pkt->len, msg);
	ike1_sa_send_p1(sa, msg, false);
	return 0;
}

/* The peer's HASH payload: HASH_I or HASH_R (the peer's) over their ID payload's body. */
static int check_hash(struct ike1_sa *sa, const struct ike1_pl *hash_pl, struct cg_chunk id_body)
{
	uint8_t want[64];

	if (!hash_pl || hash_pl->len != sa->prf->out_size ||
	    ike1_keys_hash_p1(sa, !sa->initiator, id_body, want))
		return -EBADMSG;
	if (!cg_chunk_equal_ct(CG_CHUNK(hash_pl->body, hash_pl->len),
			       CG_CHUNK(want, sa->prf->out_size)))
		return -EACCES;
	return 0;
}

/* The peer's ID and HASH: their hash checks out over their ID payload. */
static int check_auth(struct ike1_sa *sa, const struct ike1_chain *c)
{
	const struct ike1_pl *id_pl = ike1_chain_find(c, IKE1_PL_ID);
	int err;

	if (!id_pl || id_pl->len < 4)
		return -EBADMSG;
	err = check_hash(sa, ike1_chain_find(c, IKE1_PL_HASH), CG_CHUNK(id_pl->body, id_pl->len));
	if (err)
		return err;
	return ike1_id_to_id(id_pl, &sa->id_remote) ? -EBADMSG : 0;
}

static void established(struct ike1_sa *sa)
{
	char id[CG_ID_STRLEN];

	sa->state = IKE1_ST_ESTABLISHED;
	sa->established_at = time(NULL);
	cg_sa_set_established(sa->entry);
	ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "ISAKMP SA established (%s, PSK) with %s",
		    ike1_exchange_name(sa->exchange), cg_id_str(&sa->id_remote, id, sizeof(id)));
	ike1_sa_publish(sa, CG_EV_IKE_UP);
	/* The DH private value is of no more use. */
	cg_ke_free(sa->ke, &sa->ke_ctx);
}

/* Deletes the other ISAKMP SAs of the peer's identity on this connection (INITIAL-CONTACT). */
struct contact {
	struct ike1_sa *self;
	uint32_t ids[64];
	size_t n;
};

static void contact_collect(void *ctx, struct cg_sa *entry)
{
	struct contact *k = ctx;
	struct ike1_sa *o = cg_sa_data(entry);

	if (o != k->self && o->state == IKE1_ST_ESTABLISHED && !strcmp(o->name, k->self->name) &&
	    cg_id_equal(&o->id_remote, &k->self->id_remote) && k->n < CG_ARRAY_SIZE(k->ids))
		k->ids[k->n++] = cg_sa_unique_id(entry);
}

static void initial_contact(struct ike1_sa *sa)
{
	struct contact k = { .self = sa };

	cg_sa_checkin(sa->core, sa->entry);
	cg_sa_foreach(sa->core, 1, contact_collect, &k);
	for (size_t i = 0; i < k.n; i++) {
		struct cg_sa *entry = cg_sa_checkout_by_id(sa->core, k.ids[i]);

		if (!entry)
			continue;
		ike1_sa_log(cg_sa_data(entry), CG_LOG_IKE, CG_LVL_INFO,
			    "replaced: the peer sent INITIAL-CONTACT on a new ISAKMP SA");
		ike1_sa_down(cg_sa_data(entry));
		cg_sa_checkin_destroy(sa->core, entry);
	}
	cg_sa_checkout_by_spi(sa->core, ike1_sa_local_spi(sa));
}

static void log_auth_failed(struct ike1_sa *sa, int err)
{
	ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "authentication of the peer failed: %s",
		    err == -EACCES ? "HASH_I does not match (wrong pre-shared key?)"
				   : "no valid ID and HASH");
}

/* INITIAL-CONTACT among the payloads of the peer's last phase 1 message. */
static void note_initial_contact(struct ike1_sa *sa, const struct ike1_chain *c)
{
	struct ike1_notify n;

	for (size_t i = 0; i < c->n; i++)
		if (c->pl[i].type == IKE1_PL_N && !ike1_notify_parse(&c->pl[i], &n) &&
		    n.type == IKE1_N_INITIAL_CONTACT && sa->conn->unique != CG_UNIQUE_NEVER)
			sa->initial_contact = true;
}

/* The responder's phase 1 is up: INITIAL-CONTACT acted on. */
static void responder_up(struct ike1_sa *sa, const struct ike1_chain *c)
{
	note_initial_contact(sa, c);
	established(sa);
	if (sa->initial_contact)
		initial_contact(sa);
}

static enum ike1_verdict responder_auth(struct ike1_sa *sa, const struct cg_packet *pkt,
					const struct ike1_chain *c)
{
	const struct cg_conn_cfg *conn;
	int err = check_auth(sa, c);

	if (err) {
		log_auth_failed(sa, err);
		return IKE1_DESTROY;
	}
	conn = cg_conn_by_ids(sa->core, sa->cfg, 1, &sa->local, &sa->remote, &sa->proposal,
			      &sa->id_remote, NULL, sa->conn);
	if (conn != sa->conn) {
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "the peer's identity does not match "
			    "connection %s", sa->name);
		return IKE1_DESTROY;
	}
	if (send_auth(sa, pkt))
		return IKE1_DESTROY;
	responder_up(sa, c);
	return IKE1_KEEP;
}

/* Aggressive Mode I2 at the responder: HASH_I over the IDii of I1. */
static enum ike1_verdict responder_aggr_auth(struct ike1_sa *sa, const struct ike1_chain *c)
{
	const struct ike1_pl *hash_pl = ike1_chain_find(c, IKE1_PL_HASH);
	int err;

	/* Not I2 at all (a copy of I1 or R1 with our cookies, say): dropped, I2 may still come. */
	if (!hash_pl || ike1_chain_find(c, IKE1_PL_SA) || ike1_chain_find(c, IKE1_PL_KE)) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "Aggressive Mode message that is no I2 "
			    "dropped");
		return IKE1_KEEP;
	}
	err = check_hash(sa, hash_pl, sa->idi_b);
	if (err) {
		log_auth_failed(sa, err);
		return IKE1_DESTROY;
	}
	ike1_sa_p1_done(sa);
	responder_up(sa, c);
	return IKE1_KEEP;
}

/* The responder's ID and HASH_R, and its ID is the one configured. */
static int initiator_check(struct ike1_sa *sa, const struct ike1_chain *c)
{
	char id[CG_ID_STRLEN];
	int err = check_auth(sa, c);

	if (!err && !cg_id_matches(&sa->id_remote, &sa->conn->remote.id))
		err = -EPERM;
	if (err)
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "authentication of the responder failed: %s",
			    err == -EACCES ? "HASH_R does not match"
			    : err == -EPERM ? cg_id_str(&sa->id_remote, id, sizeof(id))
					    : "no valid ID and HASH");
	return err;
}

/* The initiator's phase 1 is up: the pending child's Quick Mode starts. */
static void initiator_up(struct ike1_sa *sa)
{
	ike1_sa_p1_done(sa);
	established(sa);
	if (sa->pending_child[0] && ike1_quick_initiate(sa, sa->pending_child,
							 sa->pending_acq ? &sa->acq : NULL,
							 sa->pending_trap))
		ike1_trap_done(sa->plugin, sa->pending_trap);
	sa->pending_child[0] = '\0';
}

static enum ike1_verdict initiator_auth(struct ike1_sa *sa, const struct ike1_chain *c)
{
	if (initiator_check(sa, c))
		return IKE1_DESTROY;
	initiator_up(sa);
	return IKE1_KEEP;
}

/*
 * R1 at the initiator: the transform the responder chose must be one we
 * offered (of group, when not 0). Anything else is dropped (the cookies
 * are no secret): the real answer may still come.
 */
static int take_answer_sa(struct ike1_sa *sa, const struct ike1_chain *c, uint16_t group)
{
	const struct ike1_pl *sa_pl = ike1_chain_find(c, IKE1_PL_SA);
	struct cg_proposal ours[CG_CONN_MAX_PROPOSALS], sel;
	struct ike1_offer o;
	size_t n, n_ours, idx;

	if (!sa_pl || ike1_sa_parse(sa_pl, false, &o, 1, &n) || n != 1 || !o.usable ||
	    o.auth != sa->auth_method) {
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "%s answer without a usable SA dropped",
			    ike1_exchange_name(sa->exchange));
		return -EINVAL;
	}
	n_ours = cg_conn_ike_proposals(sa->core, sa->conn, ours, CG_ARRAY_SIZE(ours));
	if ((group && cg_proposal_ke(&o.p) != group) ||
	    !cg_proposal_select(ours, n_ours, &o.p, 1, true, &sel, &idx) || sel.n != o.p.n ||
	    take_offer(sa, &sel, o.life_secs)) {
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "responder chose a transform we did not "
			    "offer: dropped");
		return -EINVAL;
	}
	return 0;
}

static enum ike1_verdict initiator_sa(struct ike1_sa *sa, const struct ike1_hdr *h,
				      const struct ike1_chain *c)
{
	struct ike1_w w;

	if (take_answer_sa(sa, c, 0))
		return IKE1_KEEP;
	sa->cr = h->cr;
	note_vids(sa, c);
	ike1_sa_hdr(sa, &w, IKE1_EXCH_MAIN, 0, 0);
	if (write_ke_nonce(sa, &w) || !ike1_w_finish(&w).len) {
		ike1_w_free(&w);
		return IKE1_DESTROY;
	}
	sa->state = IKE1_ST_MM_KE_SENT;
	ike1_sa_send_p1(sa, ike1_w_finish(&w), true);
	return IKE1_KEEP;
}

static enum ike1_verdict responder_ke(struct ike1_sa *sa, const struct cg_packet *pkt,
				      const struct ike1_chain *c)
{
	struct ike1_w w;
	struct cg_chunk msg;

	ike1_sa_hdr(sa, &w, IKE1_EXCH_MAIN, 0, 0);
	/* Our own value first: its group tells the length theirs must have. */
	if (write_ke_nonce(sa, &w) || take_ke(sa, ike1_chain_find(c, IKE1_PL_KE)) ||
	    take_nonce(sa, ike1_chain_find(c, IKE1_PL_NONCE)) || derive(sa)) {
		ike1_w_free(&w);
		return IKE1_DESTROY;
	}
	msg = ike1_w_finish(&w);
	if (!msg.len) {
		ike1_w_free(&w);
		return IKE1_DESTROY;
	}
	sa->state = IKE1_ST_MM_KE_ANSWERED;
	ike1_sa_answered(sa, pkt->data, pkt->len, msg);
	ike1_sa_send_p1(sa, msg, false);
	return IKE1_KEEP;
}

static enum ike1_verdict initiator_ke(struct ike1_sa *sa, const struct ike1_chain *c)
{
	struct cg_chunk msg;

	if (take_ke(sa, ike1_chain_find(c, IKE1_PL_KE)) ||
	    take_nonce(sa, ike1_chain_find(c, IKE1_PL_NONCE)) || derive(sa))
		return IKE1_DESTROY;
	msg = write_auth(sa);
	if (!msg.len)
		return IKE1_DESTROY;
	sa->state = IKE1_ST_MM_ID_SENT;
	ike1_sa_send_p1(sa, msg, true);
	return IKE1_KEEP;
}

/*
 * Aggressive Mode.
 */

/* I1 after the header: SA of the first proposal's group, KE, Ni and IDii (kept for HASH_I). */
static int write_aggr_first(struct ike1_sa *sa, struct ike1_w *w)
{
	struct cg_proposal props[CG_CONN_MAX_PROPOSALS];
	size_t n = cg_conn_ike_proposals(sa->core, sa->conn, props, CG_ARRAY_SIZE(props)), id_at;
	int err;

	if (!n)
		return -ENOPROTOOPT;
	/* The KE goes with the offer: one group only, the first proposal's. */
	sa->proposal = props[0];
	write_p1_sa(sa, w, cg_proposal_ke(&props[0]));
	err = save_sai_b(sa, w, CG_IKE_HEADER_LEN);
	if (!err)
		err = write_ke_nonce(sa, w);
	if (!err)
		err = cg_conn_local_id(sa->conn, &sa->local, &sa->id_local);
	if (err)
		return err;
	id_at = w->len;
	ike1_w_id(w, &sa->id_local);
	if (w->failed)
		return -ENOMEM;
	return cg_chunk_dup(&sa->idi_b, CG_CHUNK(w->buf + id_at + 4, w->len - id_at - 4));
}

/*
 * The responder's connection: the best for the peer's IDii among those
 * that accept the proposal, answered only when it has aggressive: yes (a
 * Main Mode connection gets no HASH_R to crack offline). NULL: refused.
 */
static const struct cg_conn_cfg *aggr_conn(struct ike1 *p, const struct cg_config *cfg,
					   const struct cg_packet *pkt, const struct ike1_chain *c,
					   const struct cg_proposal *sel,
					   const struct cg_conn_cfg *conn)
{
	const struct ike1_pl *id_pl = ike1_chain_find(c, IKE1_PL_ID);
	struct cg_id peer = { 0 };
	char a[CG_ADDR_STRLEN], id[CG_ID_STRLEN];

	cg_addr_str(&pkt->src, a, sizeof(a));
	if (!id_pl || ike1_chain_count(c, IKE1_PL_ID) != 1 || ike1_id_to_id(id_pl, &peer)) {
		cg_log(p->core, CG_LOG_ENC, CG_LVL_INFO, "Aggressive Mode from %s dropped: no "
		       "valid IDii", a);
		cg_id_free(&peer);
		return NULL;
	}
	conn = cg_conn_by_ids(p->core, cfg, 1, &pkt->dst, &pkt->src, sel, &peer, NULL, conn);
	if (!conn || !conn->aggressive)
		cg_log(p->core, CG_LOG_IKE, CG_LVL_WARN, "Aggressive Mode from %s (%s) refused "
		       "unanswered: %s%s", a, cg_id_str(&peer, id, sizeof(id)),
		       conn ? conn->name : "no connection for this identity",
		       conn ? " has aggressive: no" : "");
	cg_id_free(&peer);
	return conn && conn->aggressive ? conn : NULL;
}

/* R1 after the SA: our KE and Nr, the peer's KE, Ni and IDii taken, the keys, IDir and HASH_R. */
static int aggr_answer(struct ike1_sa *sa, const struct ike1_chain *c, struct ike1_w *w)
{
	const struct ike1_pl *id_pl = ike1_chain_find(c, IKE1_PL_ID);

	/* Our own value first: its group tells the length theirs must have. */
	if (write_ke_nonce(sa, w) || take_ke(sa, ike1_chain_find(c, IKE1_PL_KE)) ||
	    take_nonce(sa, ike1_chain_find(c, IKE1_PL_NONCE)) ||
	    ike1_id_to_id(id_pl, &sa->id_remote) ||
	    cg_chunk_dup(&sa->idi_b, CG_CHUNK(id_pl->body, id_pl->len)) || derive(sa))
		return -EINVAL;
	return write_id_hash(sa, w);
}

/* R1 at the initiator: the responder authenticated, then HASH_I (encrypted) and phase 1 is up. */
static enum ike1_verdict initiator_aggr(struct ike1_sa *sa, const struct cg_packet *pkt,
					const struct ike1_hdr *h, const struct ike1_chain *c)
{
	if (take_answer_sa(sa, c, cg_proposal_ke(&sa->proposal)))
		return IKE1_KEEP;
	sa->cr = h->cr;
	note_vids(sa, c);
	if (take_ke(sa, ike1_chain_find(c, IKE1_PL_KE)) ||
	    take_nonce(sa, ike1_chain_find(c, IKE1_PL_NONCE)) || derive(sa) ||
	    initiator_check(sa, c) || send_auth(sa, pkt))
		return IKE1_DESTROY;
	/* A repeated R1 (our I2 lost) gets I2 again. */
	initiator_up(sa);
	return IKE1_KEEP;
}

/* Whether the next phase 1 message may be encrypted (enc true) or clear (false). */
static bool p1_enc_ok(const struct ike1_sa *sa, bool enc)
{
	switch (sa->state) {
	case IKE1_ST_MM_KE_ANSWERED:
	case IKE1_ST_MM_ID_SENT:
		return enc;
	case IKE1_ST_AM_ANSWERED:
		/* Aggressive Mode I2: charon encrypts it, RFC 2409 leaves it open. */
		return true;
	default:
		return !enc;
	}
}

enum ike1_verdict ike1_main_recv(struct ike1_sa *sa, const struct cg_packet *pkt,
				 const struct ike1_hdr *h)
{
	bool encrypted = h->flags & IKE1_FLAG_E;
	uint8_t *plain = NULL, iv[IKE1_BLOCK_MAX];
	struct ike1_chain c;
	enum ike1_verdict v = IKE1_KEEP;
	int err;

	if (ike1_sa_repeat(sa, pkt->data, pkt->len))
		return IKE1_KEEP;
	/* The SA's own exchange, in phase 1, encrypted where the next message must be. */
	if (h->exchange != sa->exchange || h->mid != 0 || !p1_enc_ok(sa, encrypted) ||
	    sa->state >= IKE1_ST_ESTABLISHED) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "unexpected %s message dropped",
			    ike1_exchange_name(h->exchange));
		return IKE1_KEEP;
	}
	if (encrypted) {
		/* Decrypt with a copy of the IV: a forged message must not move it. */
		memcpy(iv, sa->iv, sizeof(iv));
		err = ike1_sa_decrypt(sa, pkt->data, pkt->len, iv, &plain);
		err = err ? err : ike1_chain_parse(h->next, plain, pkt->len - CG_IKE_HEADER_LEN, true, &c);
	} else {
		err = ike1_chain_parse(h->next, pkt->data + CG_IKE_HEADER_LEN,
				       pkt->len - CG_IKE_HEADER_LEN, false, &c);
	}
	if (err) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "%s message dropped: %s",
			    ike1_exchange_name(h->exchange), encrypted ? "it does not decrypt to payloads (wrong pre-shared key?)"
				      : "malformed payloads");
		free(plain);
		return IKE1_KEEP;
	}
	if (encrypted)
		memcpy(sa->iv, iv, sizeof(iv));
	switch (sa->state) {
	case IKE1_ST_MM_SA_SENT: v = initiator_sa(sa, h, &c); break;
	case IKE1_ST_MM_SA_ANSWERED: v = responder_ke(sa, pkt, &c); break;
	case IKE1_ST_MM_KE_SENT: v = initiator_ke(sa, &c); break;
	case IKE1_ST_MM_KE_ANSWERED: v = responder_auth(sa, pkt, &c); break;
	case IKE1_ST_MM_ID_SENT: v = initiator_auth(sa, &c); break;
	case IKE1_ST_AM_SENT: v = initiator_aggr(sa, pkt, h, &c); break;
	case IKE1_ST_AM_ANSWERED: v = responder_aggr_auth(sa, &c); break;
	default: break;
	}
	free(plain);
	return v;
}
