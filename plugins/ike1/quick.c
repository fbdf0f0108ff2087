/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Quick Mode (RFC 2409 5.5), both roles, with and without PFS:
 *
 *   Q1  HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]
 *   Q2  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
 *   Q3  HDR*, HASH(3)
 *
 * IDci/IDcr are the traffic selectors, one on each side, narrowed by the
 * responder with the core's cg_ts_narrow. The IPsec SAs are installed
 * with the core's cg_child_install, so every kernel backend takes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ike1.h"

#define KEYMAT_MAX (2 * (36 + 64))
#define QM_TRIES CG_SA_RETRANSMIT_TRIES

static const struct cg_child_cfg *child_cfg(const struct ike1_sa *sa, const char *name)
{
	for (size_t i = 0; i < sa->conn->n_children; i++)
		if (!strcmp(sa->conn->children[i].name, name))
			return &sa->conn->children[i];
	return NULL;
}

/*
 * The ESP proposals of a child, with their PFS group. Extended sequence
 * numbers are not negotiated by this first IKEv1 version.
 */
static size_t esp_proposals(const struct cg_child_cfg *cc, struct cg_proposal *out, size_t max)
{
	size_t n = cg_conn_esp_proposals(cc, out, max);

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		for (size_t t = 0; t < out[i].n; t++)
			if (out[i].t[t].type != CG_TT_ESN)
				out[i].t[k++] = out[i].t[t];
		out[i].n = k;
	}
	return n;
}

/* Where a child's SAs live: the IKE hosts, or the selectors' hosts for transport_proxy. */
static int child_hosts(const struct ike1_sa *sa, bool proxy, const struct cg_ts *l,
		       const struct cg_ts *r, struct cg_addr *local, struct cg_addr *remote)
{
	struct cg_child_install ci = {
		.local = sa->local, .remote = sa->remote, .proxy = proxy,
		.local_ts = l, .n_local_ts = 1, .remote_ts = r, .n_remote_ts = 1,
	};

	return cg_child_sa_hosts(&ci, local, remote);
}

void ike1_qm_free(struct ike1_sa *sa, struct ike1_qm *qm)
{
	struct ike1_qm **pp = &sa->qms;

	while (*pp && *pp != qm)
		pp = &(*pp)->next;
	if (*pp)
		*pp = qm->next;
	cg_timer_cancel(sa->core, qm->timer);
	if (qm->spi_in) {
		const struct cg_child_cfg *cc = child_cfg(sa, qm->child);
		struct cg_kernel_sa_id id = { .spi = qm->spi_in, .proto = IPPROTO_ESP };

		if (!child_hosts(sa, cc && cc->mode == CG_CHILD_TRANSPORT_PROXY, &qm->local_ts,
				 &qm->remote_ts, &id.dst, &id.src))
			cg_kernel_del_sa(sa->core, &id);
	}
	if (qm->trapped)
		ike1_trap_done(sa->plugin, qm->reqid);
	cg_ke_free(qm->ke, &qm->ke_ctx);
	cg_chunk_free(&qm->ke_pub);
	cg_chunk_free(&qm->ni);
	cg_chunk_free(&qm->nr);
	cg_chunk_clear(&qm->shared);
	cg_chunk_free(&qm->sent);
	free(qm->child_sa);
	free(qm);
}

static struct ike1_qm *qm_by_mid(struct ike1_sa *sa, uint32_t mid)
{
	for (struct ike1_qm *qm = sa->qms; qm; qm = qm->next)
		if (qm->mid == mid)
			return qm;
	return NULL;
}

/*
 * Retransmission of Q1 (the initiator's; a repeated Q1 gets the stored Q2).
 */
struct qm_timer {
	uint32_t mid;
	unsigned tries;
};

static enum cg_sa_verdict qm_retransmit(struct cg_sa *entry, void *arg);

static void qm_arm(struct ike1_sa *sa, struct ike1_qm *qm)
{
	struct qm_timer t = { .mid = qm->mid, .tries = qm->tries };

	cg_sa_timer_add(sa->core, ike1_sa_local_spi(sa), cg_sa_retransmit_delay(qm->tries),
			qm_retransmit, &t, sizeof(t), &qm->timer);
}

static enum cg_sa_verdict qm_retransmit(struct cg_sa *entry, void *arg)
{
	const struct qm_timer *t = arg;
	struct ike1_sa *sa = cg_sa_data(entry);
	struct ike1_qm *qm = qm_by_mid(sa, t->mid);

	if (!qm || qm->tries != t->tries || !qm->initiator || qm->step != 1)
		return CG_SA_KEEP;
	qm->timer = 0;
	if (qm->tries >= QM_TRIES) {
		ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "Quick Mode for %s: no answer after %u "
			    "retransmits", qm->child, qm->tries);
		ike1_qm_free(sa, qm);
		return CG_SA_KEEP;
	}
	qm->tries++;
	ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "retransmit %u of Quick Mode %08x", qm->tries,
		    qm->mid);
	cg_ike_send(sa->core, &sa->local, &sa->remote, qm->sent.ptr, qm->sent.len);
	qm_arm(sa, qm);
	return CG_SA_KEEP;
}

/*
 * Writing.
 */

/* One proposal payload: one transform per combination of encryption, integrity and group. */
static void write_proposal(struct ike1_w *w, const struct cg_proposal *p, uint8_t num, bool last,
			   uint32_t spi, uint8_t mode, uint64_t life)
{
	size_t at = ike1_w_put(w, (uint8_t[]){ last ? 0 : IKE1_PL_P, 0, 0, 0, num, IKE1_PROTO_ESP,
					       4, 0 }, 8);
	const struct cg_transform none = { 0 };
	size_t last_t = 0;
	uint8_t n = 0;

	ike1_w_put(w, (uint8_t[]){ spi >> 24, spi >> 16, spi >> 8, spi }, 4);
	for (size_t e = 0; e < p->n; e++)
	for (size_t i = 0; i <= p->n; i++)
	for (size_t g = 0; g <= p->n; g++) {
		const struct cg_transform *te = &p->t[e];
		const struct cg_transform *ti = i < p->n ? &p->t[i] : &none;
		const struct cg_transform *tg = g < p->n ? &p->t[g] : &none;
		size_t t_at;

		/* "none" stands in only when the proposal has no transform of the type. */
		if (te->type != CG_TT_ENCR ||
		    (i < p->n ? ti->type != CG_TT_INTEG : cg_proposal_get(p, CG_TT_INTEG) != NULL) ||
		    (g < p->n ? tg->type != CG_TT_KE : cg_proposal_get(p, CG_TT_KE) != NULL) ||
		    (ti->id && !ike1_qauth_from_integ(ti->id)) || n == 255)
			continue;
		last_t = t_at = ike1_w_put(w, (uint8_t[]){ IKE1_PL_T, 0, 0, 0, ++n,
							   (uint8_t)te->id, 0, 0 }, 8);
		if (life) {
			ike1_w_attr(w, IKE1_QA_LIFE_TYPE, IKE1_LIFE_SECONDS, false);
			ike1_w_attr(w, IKE1_QA_LIFE_DURATION, (uint32_t)life, life > 0xffff);
		}
		if (tg->id)
			ike1_w_attr(w, IKE1_QA_GROUP, tg->id, false);
		ike1_w_attr(w, IKE1_QA_MODE, mode, false);
		if (ti->id)
			ike1_w_attr(w, IKE1_QA_AUTH, ike1_qauth_from_integ(ti->id), false);
		if (te->keylen)
			ike1_w_attr(w, IKE1_QA_KEY_LENGTH, te->keylen, false);
		if (!w->failed)
			cg_put16(w->buf + t_at + 2, (uint16_t)(w->len - t_at));
	}
	if (w->failed || !n) {
		w->failed = true;
		return;
	}
	w->buf[last_t] = IKE1_PL_NONE;
	w->buf[at + 7] = n;
	cg_put16(w->buf + at + 2, (uint16_t)(w->len - at));
}

/* Starts an encrypted Quick Mode message: HDR* and a HASH payload to fill; the HASH's offset. */
static size_t qm_begin(struct ike1_sa *sa, struct ike1_w *w, uint32_t mid)
{
	size_t at;

	ike1_sa_hdr(sa, w, IKE1_EXCH_QUICK, 0, mid);
	at = ike1_w_begin(w, IKE1_PL_HASH);
	ike1_w_put(w, NULL, sa->prf->out_size);
	ike1_w_end(w, at);
	return at;
}

/* Fills HASH(1) or HASH(2): prf(SKEYID_a, M-ID [| Ni_b] | what follows the HASH). */
static int qm_hash(struct ike1_sa *sa, struct ike1_w *w, size_t hash_at, uint32_t mid,
		   struct cg_chunk ni)
{
	size_t rest = hash_at + 4 + sa->prf->out_size;
	uint8_t m[4];

	if (w->failed)
		return -ENOMEM;
	cg_put32(m, mid);
	return ike1_prf(sa->prf, sa->skeyid_a,
			(struct cg_chunk[]){ CG_CHUNK(m, 4), ni, CG_CHUNK(w->buf + rest, w->len - rest) },
			3, w->buf + hash_at + 4);
}

/* Encrypts with the exchange's IV and sends; the message stays in *kept when not NULL. */
static int qm_send(struct ike1_sa *sa, struct ike1_qm *qm, struct ike1_w *w, struct cg_chunk *kept)
{
	struct cg_chunk msg;
	int err = ike1_sa_encrypt(sa, w, qm->iv);

	msg = err ? CG_CHUNK_EMPTY : ike1_w_finish(w);
	if (!msg.len) {
		ike1_w_free(w);
		return -ENOMEM;
	}
	cg_ike_send(sa->core, &sa->local, &sa->remote, msg.ptr, msg.len);
	if (kept) {
		cg_chunk_free(kept);
		*kept = msg;
	} else {
		ike1_w_free(w);
	}
	return 0;
}

int ike1_quick_initiate(struct ike1_sa *sa, const char *child, const struct cg_kernel_acquire *acq,
			uint32_t trap_reqid)
{
	const struct cg_child_cfg *cc = child_cfg(sa, child);
	struct cg_ts lts[IKE1_MAX_TS], rts[IKE1_MAX_TS];
	struct cg_addr l, r;
	struct ike1_qm *qm;
	struct ike1_w w;
	size_t hash_at, sa_at;
	int err;

	if (!cc || sa->state != IKE1_ST_ESTABLISHED)
		return -ENOENT;
	qm = calloc(1, sizeof(*qm));
	if (!qm)
		return -ENOMEM;
	qm->initiator = true;
	snprintf(qm->child, sizeof(qm->child), "%s", cc->name);
	qm->trapped = trap_reqid != 0;
	qm->reqid = trap_reqid ? trap_reqid : cc->reqid ? cc->reqid : cg_kernel_new_reqid(sa->core);
	l = sa->local;
	r = sa->remote;
	l.port = r.port = 0;
	cg_conn_ts_resolve(cc->local_ts, cc->n_local_ts, &l, lts, IKE1_MAX_TS);
	cg_conn_ts_resolve(cc->remote_ts, cc->n_remote_ts, &r, rts, IKE1_MAX_TS);
	/* One selector on each side in IKEv1: the first, or the packet that raised the acquire. */
	qm->local_ts = acq ? acq->src : lts[0];
	qm->remote_ts = acq ? acq->dst : rts[0];
	if (acq && acq->src.proto == CG_PROTO_ANY) {
		qm->local_ts.from_port = qm->remote_ts.from_port = 0;
		qm->local_ts.to_port = qm->remote_ts.to_port = 0xffff;
	}
	qm->n_props = esp_proposals(cc, qm->props, IKE1_MAX_PROPOSALS);
	qm->group = qm->n_props ? cg_proposal_ke(&qm->props[0]) : 0;
	qm->next = sa->qms;
	sa->qms = qm;
	err = cg_random(sa->core, &qm->mid, sizeof(qm->mid));
	qm->mid |= 1;
	if (!err)
		err = child_hosts(sa, cc->mode == CG_CHILD_TRANSPORT_PROXY, &qm->local_ts,
				  &qm->remote_ts, &l, &r);
	if (!err)
		err = cg_kernel_get_spi(sa->core, &r, &l, IPPROTO_ESP, qm->reqid, &qm->spi_in);
	if (!err)
		err = cg_nonce_new(sa->core, IKE1_NONCE_LEN, &qm->ni);
	if (!err && qm->group)
		err = cg_ke_start(sa->core, qm->group, &qm->ke, &qm->ke_ctx, &qm->ke_pub);
	if (err || !qm->n_props) {
		ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_ERROR, "Quick Mode for %s not started: %s",
			    cc->name, err ? strerror(-err) : "no ESP proposal");
		ike1_qm_free(sa, qm);
		return err ? err : -ENOPROTOOPT;
	}
	hash_at = qm_begin(sa, &w, qm->mid);
	sa_at = ike1_w_begin(&w, IKE1_PL_SA);
	ike1_w_put(&w, (uint8_t[]){ 0, 0, 0, 1, 0, 0, 0, 1 }, 8);
	for (size_t i = 0; i < qm->n_props; i++)
		write_proposal(&w, &qm->props[i], (uint8_t)(i + 1), i + 1 == qm->n_props, qm->spi_in,
			       cc->mode == CG_CHILD_TUNNEL ? IKE1_MODE_TUNNEL : IKE1_MODE_TRANSPORT,
			       cc->life_time);
	ike1_w_end(&w, sa_at);
	ike1_w_payload(&w, IKE1_PL_NONCE, qm->ni.ptr, qm->ni.len);
	if (qm->group)
		ike1_w_payload(&w, IKE1_PL_KE, qm->ke_pub.ptr, qm->ke_pub.len);
	ike1_w_id_ts(&w, &qm->local_ts);
	ike1_w_id_ts(&w, &qm->remote_ts);
	ike1_sa_exchange_iv(sa, qm->mid, qm->iv);
	if (qm_hash(sa, &w, hash_at, qm->mid, CG_CHUNK_EMPTY) || qm_send(sa, qm, &w, &qm->sent)) {
		ike1_w_free(&w);
		ike1_qm_free(sa, qm);
		return -ENOMEM;
	}
	qm->step = 1;
	qm_arm(sa, qm);
	ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "Quick Mode %08x for %s started%s", qm->mid,
		    cc->name, qm->group ? " (PFS)" : "");
	return 0;
}

/*
 * Children.
 */

static void child_publish(struct ike1_sa *sa, const struct ike1_child *c, enum cg_event_type t)
{
	cg_sa_publish_child(sa->core, sa->entry, t, sa->name, c->name, c->unique_id, &c->ci,
			    &sa->local, &sa->remote);
}

/* The child's algorithms, lifetimes and options from the chosen proposal and its config. */
static void child_setup(struct ike1_child *c, const struct cg_proposal *sel,
			const struct cg_child_cfg *cc, uint64_t life)
{
	const struct cg_transform *encr = cg_proposal_get(sel, CG_TT_ENCR);
	const struct cg_transform *integ = cg_proposal_get(sel, CG_TT_INTEG);

	snprintf(c->name, sizeof(c->name), "%s", cc->name);
	c->ci.proto = IPPROTO_ESP;
	c->ci.local_ts = &c->local_ts;
	c->ci.n_local_ts = 1;
	c->ci.remote_ts = &c->remote_ts;
	c->ci.n_remote_ts = 1;
	c->ci.encr_alg = encr ? encr->id : CG_ENCR_NULL;
	c->ci.encr_keylen = encr && encr->keylen ? encr->keylen : cg_encr_default_keylen(c->ci.encr_alg);
	c->ci.integ_alg = integ ? integ->id : CG_INTEG_NONE;
	c->pfs_group = cg_proposal_ke(sel);
	c->ci.proxy = cc->mode == CG_CHILD_TRANSPORT_PROXY;
	c->ci.replay_window = cc->replay_window;
	c->ci.priority = cc->priority;
	c->ci.lifetime.soft_secs = cc->rekey_time;
	c->ci.lifetime.hard_secs = cc->life_time;
	c->ci.lifetime.soft_bytes = cc->rekey_bytes;
	c->ci.lifetime.hard_bytes = cc->life_bytes;
	c->ci.lifetime.soft_packets = cc->rekey_packets;
	c->ci.lifetime.hard_packets = cc->life_packets;
	/* A shorter lifetime the peer insists on (RESPONDER-LIFETIME, its offer) wins. */
	if (life && (!c->ci.lifetime.hard_secs || life < c->ci.lifetime.hard_secs)) {
		c->ci.lifetime.hard_secs = life;
		if (c->ci.lifetime.soft_secs >= life)
			c->ci.lifetime.soft_secs = life - life / 10;
	}
}

/* KEYMAT for both SAs, then the install; trap policies of the reqid carry the SAs. */
static int child_install(struct ike1_sa *sa, struct ike1_child *c, const struct cg_child_cfg *cc,
			 struct cg_chunk shared, struct cg_chunk ni, struct cg_chunk nr)
{
	const struct cg_integ_alg *ia = c->ci.integ_alg ? cg_crypto_integ(sa->core, c->ci.integ_alg) : NULL;
	size_t ek = cg_encr_key_size(c->ci.encr_alg, c->ci.encr_keylen), ak = ia ? ia->key_size : 0;
	uint8_t kin[KEYMAT_MAX], kout[KEYMAT_MAX];
	struct cg_child_install ci;
	int err;

	if (c->ci.integ_alg && !ia)
		return -ENOPROTOOPT;
	if (ek + ak > sizeof(kin))
		return -EINVAL;
	err = ike1_keys_keymat(sa, shared, IKE1_PROTO_ESP, c->ci.spi_in, ni, nr, kin, ek + ak);
	if (!err)
		err = ike1_keys_keymat(sa, shared, IKE1_PROTO_ESP, c->ci.spi_out, ni, nr, kout, ek + ak);
	if (err)
		goto out;
	c->ci.policies = cc->policies;
	err = child_hosts(sa, c->ci.proxy, &c->local_ts, &c->remote_ts, &c->ci.local, &c->ci.remote);
	if (err)
		goto out;
	ci = c->ci;
	/* Encryption key first, then the integrity key, in each SA's KEYMAT. */
	ci.encr_key_in = CG_CHUNK(kin, ek);
	ci.integ_key_in = CG_CHUNK(kin + ek, ak);
	ci.encr_key_out = CG_CHUNK(kout, ek);
	ci.integ_key_out = CG_CHUNK(kout + ek, ak);
	err = cg_child_install(sa->core, &ci);
	if (err == -EEXIST) {
		ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_DEBUG,
			    "policies for reqid %u exist (trap): installing the SAs only", c->ci.reqid);
		c->ci.policies = false;
		ci.policies = false;
		err = cg_child_install(sa->core, &ci);
	}
out:
	cg_memwipe(kin, sizeof(kin));
	cg_memwipe(kout, sizeof(kout));
	return err;
}

static void child_adopt(struct ike1_sa *sa, struct ike1_child *c)
{
	char l[CG_TS_STRLEN], r[CG_TS_STRLEN];

	c->installed_at = time(NULL);
	c->unique_id = ike1_next_child_id(sa->plugin);
	cg_sa_add_reqid(sa->entry, c->ci.reqid);
	c->next = sa->children;
	sa->children = c;
	ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO,
		    "IPsec SA %s{%u} established with SPIs %08x_i %08x_o and TS %s === %s (%s%s)",
		    c->name, c->unique_id, c->ci.spi_in, c->ci.spi_out,
		    cg_ts_str(&c->local_ts, l, sizeof(l)), cg_ts_str(&c->remote_ts, r, sizeof(r)),
		    cg_mode_name(c->ci.mode), c->pfs_group ? ", PFS" : "");
	child_publish(sa, c, CG_EV_CHILD_UP);
}

void ike1_child_destroy(struct ike1_sa *sa, struct ike1_child *c)
{
	int err = cg_child_uninstall(sa->core, &c->ci);

	if (err)
		ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "removing IPsec SA %s{%u}: %s", c->name,
			    c->unique_id, strerror(-err));
	cg_sa_del_reqid(sa->entry, c->ci.reqid);
	ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "IPsec SA %s{%u} with SPIs %08x_i %08x_o deleted",
		    c->name, c->unique_id, c->ci.spi_in, c->ci.spi_out);
	child_publish(sa, c, CG_EV_CHILD_DOWN);
	free(c);
}

struct ike1_child *ike1_child_by_spi(struct ike1_sa *sa, uint32_t spi, bool inbound)
{
	for (struct ike1_child *c = sa->children; c; c = c->next)
		if ((inbound ? c->ci.spi_in : c->ci.spi_out) == spi)
			return c;
	return NULL;
}

/*
 * Receiving.
 */

/* What a Quick Mode message carries, read and checked. */
struct qm_msg {
	struct ike1_chain c;
	const struct ike1_pl *sa_pl, *nonce, *ke, *idci, *idcr;
	struct cg_ts tsi, tsr;
	bool has_ids;
};

/* Reads the payloads after HASH; IDs must be two selectors of one family. 0 or a notify type. */
static uint16_t qm_read(struct qm_msg *m)
{
	size_t n_id = ike1_chain_count(&m->c, IKE1_PL_ID);

	m->sa_pl = ike1_chain_find(&m->c, IKE1_PL_SA);
	m->nonce = ike1_chain_find(&m->c, IKE1_PL_NONCE);
	m->ke = ike1_chain_find(&m->c, IKE1_PL_KE);
	if (!m->sa_pl || !m->nonce || m->nonce->len < 8 || m->nonce->len > 256 ||
	    ike1_chain_count(&m->c, IKE1_PL_SA) != 1 || ike1_chain_count(&m->c, IKE1_PL_KE) > 1)
		return IKE1_N_PAYLOAD_MALFORMED;
	if (n_id != 0 && n_id != 2)
		return IKE1_N_INVALID_ID_INFORMATION;
	m->has_ids = n_id == 2;
	if (!m->has_ids)
		return 0;
	for (size_t i = 0; i < m->c.n; i++) {
		if (m->c.pl[i].type != IKE1_PL_ID)
			continue;
		if (!m->idci)
			m->idci = &m->c.pl[i];
		else
			m->idcr = &m->c.pl[i];
	}
	if (ike1_id_to_ts(m->idci, &m->tsi) || ike1_id_to_ts(m->idcr, &m->tsr) ||
	    m->tsi.family != m->tsr.family)
		return IKE1_N_INVALID_ID_INFORMATION;
	return 0;
}

/* Decrypts and checks HASH(1) or HASH(2) (ni set) of a Quick Mode message into m. */
static int qm_open(struct ike1_sa *sa, const struct cg_packet *pkt, const struct ike1_hdr *h,
		   uint8_t *iv, struct cg_chunk ni, struct qm_msg *m, uint8_t **plain)
{
	const struct ike1_pl *hash;
	uint8_t want[64], m_id[4];
	size_t rest;

	memset(m, 0, sizeof(*m));
	if (ike1_sa_decrypt(sa, pkt->data, pkt->len, iv, plain) ||
	    ike1_chain_parse(h->next, *plain, pkt->len - CG_IKE_HEADER_LEN, true, &m->c) ||
	    !m->c.n || m->c.pl[0].type != IKE1_PL_HASH || m->c.pl[0].len != sa->prf->out_size)
		return -EBADMSG;
	hash = &m->c.pl[0];
	rest = (size_t)(hash->body + hash->len - *plain);
	cg_put32(m_id, h->mid);
	if (ike1_prf(sa->prf, sa->skeyid_a,
		     (struct cg_chunk[]){ CG_CHUNK(m_id, 4), ni,
					  CG_CHUNK(*plain + rest, m->c.used - rest) },
		     3, want) ||
	    !cg_chunk_equal_ct(CG_CHUNK(hash->body, hash->len), CG_CHUNK(want, sa->prf->out_size)))
		return -EACCES;
	return 0;
}

/* Sends an Informational with one notify about a Quick Mode (inside the ISAKMP SA). */
struct qm_refusal {
	uint16_t type;
	uint32_t spi;
};

static void write_refusal(struct ike1_sa *sa, struct ike1_w *w, const void *arg)
{
	const struct qm_refusal *r = arg;
	uint8_t spi[4];

	(void)sa;
	cg_put32(spi, r->spi);
	ike1_w_notify(w, IKE1_PROTO_ESP, r->type, spi, 4, NULL, 0);
}

static void qm_refuse(struct ike1_sa *sa, uint16_t type, uint32_t spi, const char *why)
{
	struct qm_refusal r = { .type = type, .spi = spi };

	ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "Quick Mode refused: %s, answering %s", why,
		    ike1_notify_name(type));
	ike1_sa_info(sa, write_refusal, &r);
}

/* The child config whose selectors hold the peer's IDs, narrowed into c. */
static const struct cg_child_cfg *match_child(struct ike1_sa *sa, const struct qm_msg *m,
					      struct ike1_child *c)
{
	struct cg_addr l = sa->local, r = sa->remote;
	struct cg_ts tsi = m->tsi, tsr = m->tsr;

	l.port = r.port = 0;
	if (!m->has_ids) {
		tsi = cg_ts_from_host(&r);
		tsr = cg_ts_from_host(&l);
	}
	for (size_t i = 0; i < sa->conn->n_children; i++) {
		const struct cg_child_cfg *cc = &sa->conn->children[i];
		struct cg_ts local[IKE1_MAX_TS], remote[IKE1_MAX_TS], nl[IKE1_MAX_TS], nr[IKE1_MAX_TS];
		size_t n_l = cg_conn_ts_resolve(cc->local_ts, cc->n_local_ts, &l, local, IKE1_MAX_TS);
		size_t n_r = cg_conn_ts_resolve(cc->remote_ts, cc->n_remote_ts, &r, remote,
						IKE1_MAX_TS);

		/* Their IDci is our remote side, their IDcr our local side. */
		if (cg_ts_narrow(&tsi, 1, remote, n_r, nr, IKE1_MAX_TS) &&
		    cg_ts_narrow(&tsr, 1, local, n_l, nl, IKE1_MAX_TS)) {
			c->remote_ts = nr[0];
			c->local_ts = nl[0];
			return cc;
		}
	}
	return NULL;
}

/* Their usable ESP offers, with their index. */
static size_t theirs_esp(const struct ike1_offer *o, size_t n, struct cg_proposal *out, size_t *idx)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!o[i].usable || (o[i].mode != IKE1_MODE_TUNNEL && o[i].mode != IKE1_MODE_TRANSPORT))
			continue;
		out[k] = o[i].p;
		idx[k++] = i;
	}
	return k;
}

/* The peer's PFS value: the group's length and a value it accepts; shared into *shared. */
static int qm_ke(struct ike1_sa *sa, struct ike1_qm *qm, const struct ike1_pl *ke_pl,
		 struct cg_chunk *shared)
{
	int err = 0;

	if (!qm->ke_ctx)
		err = cg_ke_start(sa->core, qm->group, &qm->ke, &qm->ke_ctx, &qm->ke_pub);
	if (err)
		return err;
	if (!ke_pl || ke_pl->len != qm->ke->public_size) {
		ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "Quick Mode KE of %zu bytes refused: %s "
			    "needs %zu", ke_pl ? ke_pl->len : 0, qm->ke->name, qm->ke->public_size);
		return -EINVAL;
	}
	return cg_ke_shared(qm->ke, qm->ke_ctx, ke_pl->body, ke_pl->len, shared);
}

/*
 * RESPONDER-LIFETIME (RFC 2407 4.6.3.1) when our lifetime is shorter than
 * the one offered (or none was): the initiator takes ours, as charon does.
 */
static void write_responder_lifetime(struct ike1_w *w, const struct ike1_offer *o,
				     const struct ike1_child *c)
{
	uint64_t life = c->ci.lifetime.hard_secs;
	uint8_t spi[4], attrs[12];
	size_t n = 8;

	if (!life || (o->life_secs && o->life_secs <= life))
		return;
	cg_put32(spi, c->ci.spi_in);
	cg_put16(attrs, 0x8000 | IKE1_QA_LIFE_TYPE);
	cg_put16(attrs + 2, IKE1_LIFE_SECONDS);
	if (life <= 0xffff) {
		cg_put16(attrs + 4, 0x8000 | IKE1_QA_LIFE_DURATION);
		cg_put16(attrs + 6, (uint16_t)life);
	} else {
		cg_put16(attrs + 4, IKE1_QA_LIFE_DURATION);
		cg_put16(attrs + 6, 4);
		cg_put32(attrs + 8, (uint32_t)life);
		n = 12;
	}
	ike1_w_notify(w, IKE1_PROTO_ESP, IKE1_N_RESPONDER_LIFETIME, spi, 4, attrs, n);
}

/* Q2: HASH(2), the chosen SA with our SPI, Nr, [KE], the narrowed IDs when IDs came. */
static int answer_q1(struct ike1_sa *sa, struct ike1_qm *qm, const struct qm_msg *m,
		     const struct ike1_offer *o, struct ike1_child *c)
{
	size_t hash_at, sa_at, t_at;
	struct ike1_w w;

	hash_at = qm_begin(sa, &w, qm->mid);
	sa_at = ike1_w_begin(&w, IKE1_PL_SA);
	ike1_w_put(&w, (uint8_t[]){ 0, 0, 0, 1, 0, 0, 0, 1 }, 8);
	ike1_w_put(&w, (uint8_t[]){ 0, 0, 0, (uint8_t)(12 + o->raw_len), o->proposal_num,
				    IKE1_PROTO_ESP, 4, 1 }, 8);
	ike1_w_put(&w, (uint8_t[]){ c->ci.spi_in >> 24, c->ci.spi_in >> 16, c->ci.spi_in >> 8, c->ci.spi_in }, 4);
	t_at = ike1_w_put(&w, o->raw, o->raw_len);
	if (!w.failed)
		w.buf[t_at] = IKE1_PL_NONE;
	ike1_w_end(&w, sa_at);
	write_responder_lifetime(&w, o, c);
	ike1_w_payload(&w, IKE1_PL_NONCE, qm->nr.ptr, qm->nr.len);
	if (qm->group)
		ike1_w_payload(&w, IKE1_PL_KE, qm->ke_pub.ptr, qm->ke_pub.len);
	if (m->has_ids) {
		ike1_w_id_ts(&w, &c->remote_ts);
		ike1_w_id_ts(&w, &c->local_ts);
	}
	if (qm_hash(sa, &w, hash_at, qm->mid, qm->ni)) {
		ike1_w_free(&w);
		return -ENOMEM;
	}
	return qm_send(sa, qm, &w, &qm->sent);
}

/* Responder, Q1: negotiates, installs and answers. */
static void respond_q1(struct ike1_sa *sa, const struct cg_packet *pkt, const struct ike1_hdr *h)
{
	struct ike1_offer offers[IKE1_MAX_PROPOSALS];
	struct cg_proposal ours[IKE1_MAX_PROPOSALS], theirs[IKE1_MAX_PROPOSALS], sel;
	size_t idx[IKE1_MAX_PROPOSALS], n, n_ours, n_theirs, chosen;
	const struct cg_child_cfg *cc;
	const struct ike1_offer *o;
	struct cg_chunk shared = CG_CHUNK_EMPTY;
	struct ike1_child *c = NULL;
	struct ike1_qm *qm = calloc(1, sizeof(*qm));
	uint8_t *plain = NULL;
	struct qm_msg m;
	uint16_t refusal;
	bool ok = false;
	int err;

	if (!qm)
		return;
	qm->mid = h->mid;
	ike1_sa_exchange_iv(sa, h->mid, qm->iv);
	err = qm_open(sa, pkt, h, qm->iv, CG_CHUNK_EMPTY, &m, &plain);
	if (err) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "Quick Mode %08x dropped: %s", h->mid,
			    err == -EACCES ? "HASH(1) does not match" : "malformed");
		free(plain);
		free(qm);
		return;
	}
	qm->next = sa->qms;
	sa->qms = qm;
	qm->step = 1;
	refusal = qm_read(&m);
	if (refusal) {
		qm_refuse(sa, refusal, 0, "malformed SA, nonce or IDs");
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (!c || ike1_sa_parse(m.sa_pl, true, offers, IKE1_MAX_PROPOSALS, &n) ||
	    cg_chunk_dup(&qm->ni, CG_CHUNK(m.nonce->body, m.nonce->len))) {
		qm_refuse(sa, IKE1_N_PAYLOAD_MALFORMED, 0, "malformed SA");
		goto out;
	}
	cc = match_child(sa, &m, c);
	if (!cc) {
		qm_refuse(sa, IKE1_N_INVALID_ID_INFORMATION, 0, "the IDs match no child");
		goto out;
	}
	n_theirs = theirs_esp(offers, n, theirs, idx);
	n_ours = esp_proposals(cc, ours, IKE1_MAX_PROPOSALS);
	if (!cg_proposal_select(ours, n_ours, theirs, n_theirs, true, &sel, &chosen)) {
		qm_refuse(sa, IKE1_N_NO_PROPOSAL_CHOSEN, offers[0].spi, "no acceptable ESP proposal");
		goto out;
	}
	o = &offers[idx[chosen]];
	snprintf(qm->child, sizeof(qm->child), "%s", cc->name);
	qm->local_ts = c->local_ts;
	qm->remote_ts = c->remote_ts;
	qm->group = cg_proposal_ke(&sel);
	if (qm->group && qm_ke(sa, qm, m.ke, &shared)) {
		qm_refuse(sa, IKE1_N_INVALID_KEY_INFORMATION, o->spi, "bad PFS key exchange");
		goto out;
	}
	child_setup(c, &sel, cc, o->life_secs);
	c->ci.mode = o->mode == IKE1_MODE_TRANSPORT && cc->mode != CG_CHILD_TUNNEL ? CG_MODE_TRANSPORT
										 : CG_MODE_TUNNEL;
	if (o->mode == IKE1_MODE_TRANSPORT && c->ci.mode != CG_MODE_TRANSPORT) {
		qm_refuse(sa, IKE1_N_NO_PROPOSAL_CHOSEN, o->spi, "transport mode not configured");
		goto out;
	}
	c->ci.spi_out = o->spi;
	c->ci.reqid = ike1_trap_reqid(sa->plugin, sa->name, cc->name);
	if (!c->ci.reqid)
		c->ci.reqid = cc->reqid ? cc->reqid : cg_kernel_new_reqid(sa->core);
	qm->reqid = c->ci.reqid;
	err = child_hosts(sa, c->ci.proxy, &c->local_ts, &c->remote_ts, &c->ci.local, &c->ci.remote);
	if (!err)
		err = cg_kernel_get_spi(sa->core, &c->ci.remote, &c->ci.local, IPPROTO_ESP, c->ci.reqid,
					&c->ci.spi_in);
	if (!err)
		err = cg_nonce_new(sa->core, IKE1_NONCE_LEN, &qm->nr);
	if (!err)
		err = child_install(sa, c, cc, shared, qm->ni, qm->nr);
	if (err) {
		qm_refuse(sa, IKE1_N_NO_PROPOSAL_CHOSEN, o->spi, strerror(-err));
		if (c->ci.spi_in)
			qm->spi_in = c->ci.spi_in; /* released with the exchange */
		goto out;
	}
	if (answer_q1(sa, qm, &m, o, c)) {
		ike1_child_destroy(sa, c);
		c = NULL;
		goto out;
	}
	ike1_sa_answered(sa, pkt->data, pkt->len, qm->sent);
	child_adopt(sa, c);
	c = NULL;
	ok = true;
out:
	if (!ok)
		ike1_qm_free(sa, qm);
	free(c);
	free(plain);
	cg_chunk_clear(&shared);
}

/* RESPONDER-LIFETIME (RFC 2407 4.6.3.1): the lifetime in seconds the responder wants, or 0. */
static uint64_t responder_lifetime(const struct qm_msg *m)
{
	uint64_t secs = 0, type = 0;
	struct ike1_notify n;

	for (size_t i = 0; i < m->c.n; i++) {
		const uint8_t *p;
		size_t len;

		if (m->c.pl[i].type != IKE1_PL_N || ike1_notify_parse(&m->c.pl[i], &n) ||
		    n.type != IKE1_N_RESPONDER_LIFETIME)
			continue;
		for (p = n.data, len = n.len; len >= 4;) {
			uint16_t t = cg_get16(p) & 0x7fff;
			uint64_t v = 0;
			size_t step = 4;

			if (p[0] & 0x80) {
				v = cg_get16(p + 2);
			} else {
				size_t vl = cg_get16(p + 2);

				if (!vl || vl > 8 || vl > len - 4)
					break;
				for (size_t k = 0; k < vl; k++)
					v = v << 8 | p[4 + k];
				step += vl;
			}
			if (t == IKE1_QA_LIFE_TYPE)
				type = v;
			else if (t == IKE1_QA_LIFE_DURATION && type == IKE1_LIFE_SECONDS)
				secs = v;
			p += step;
			len -= step;
		}
	}
	return secs;
}

/* Initiator, Q2: the responder's choice, checked; install; HASH(3). */
static void complete_q2(struct ike1_sa *sa, struct ike1_qm *qm, const struct cg_packet *pkt,
			const struct ike1_hdr *h)
{
	const struct cg_child_cfg *cc = child_cfg(sa, qm->child);
	struct cg_chunk shared = CG_CHUNK_EMPTY;
	struct ike1_child *c = NULL;
	struct cg_proposal sel;
	struct ike1_offer o;
	uint8_t *plain = NULL, iv[IKE1_BLOCK_MAX], m_id[4], zero = 0;
	struct qm_msg m;
	struct ike1_w w;
	size_t hash_at, n, idx;
	const char *why = NULL;
	uint64_t life;
	int err;

	memcpy(iv, qm->iv, sizeof(iv));
	err = qm_open(sa, pkt, h, iv, qm->ni, &m, &plain);
	if (err) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "Quick Mode %08x answer dropped: %s", h->mid,
			    err == -EACCES ? "HASH(2) does not match" : "malformed");
		free(plain);
		return;
	}
	memcpy(qm->iv, iv, sizeof(iv));
	c = calloc(1, sizeof(*c));
	if (!c || !cc || qm_read(&m) || ike1_sa_parse(m.sa_pl, true, &o, 1, &n) || n != 1 ||
	    !o.usable || cg_chunk_dup(&qm->nr, CG_CHUNK(m.nonce->body, m.nonce->len)))
		why = "malformed answer";
	else if (!cg_proposal_select(qm->props, qm->n_props, &o.p, 1, true, &sel, &idx) ||
		 sel.n != o.p.n)
		why = "the responder chose an ESP proposal we did not offer";
	else if (m.has_ids && (!cg_ts_within(&m.tsi, 1, &qm->local_ts, 1, NULL, false) ||
			       !cg_ts_within(&m.tsr, 1, &qm->remote_ts, 1, NULL, false)))
		why = "the responder widened the IDs";
	else if (qm->group && qm_ke(sa, qm, m.ke, &shared))
		why = "bad PFS key exchange";
	if (why) {
		ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "Quick Mode for %s failed: %s", qm->child, why);
		ike1_qm_free(sa, qm);
		goto out;
	}
	life = responder_lifetime(&m);
	child_setup(c, &sel, cc, life && (!o.life_secs || life < o.life_secs) ? life : o.life_secs);
	c->ci.mode = o.mode == IKE1_MODE_TRANSPORT ? CG_MODE_TRANSPORT : CG_MODE_TUNNEL;
	c->ci.reqid = qm->reqid;
	c->ci.spi_in = qm->spi_in;
	c->ci.spi_out = o.spi;
	c->local_ts = m.has_ids ? m.tsi : qm->local_ts;
	c->remote_ts = m.has_ids ? m.tsr : qm->remote_ts;
	err = child_install(sa, c, cc, shared, qm->ni, qm->nr);
	if (err) {
		ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_ERROR, "installing IPsec SA %s failed: %s",
			    c->name, strerror(-err));
		ike1_qm_free(sa, qm);
		goto out;
	}
	qm->spi_in = 0; /* the child owns it now */
	/* HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	ike1_sa_hdr(sa, &w, IKE1_EXCH_QUICK, 0, qm->mid);
	hash_at = ike1_w_begin(&w, IKE1_PL_HASH);
	ike1_w_put(&w, NULL, sa->prf->out_size);
	ike1_w_end(&w, hash_at);
	cg_put32(m_id, qm->mid);
	if (!w.failed)
		ike1_prf(sa->prf, sa->skeyid_a,
			 (struct cg_chunk[]){ CG_CHUNK(&zero, 1), CG_CHUNK(m_id, 4), qm->ni, qm->nr },
			 4, w.buf + hash_at + 4);
	if (!qm_send(sa, qm, &w, &qm->sent))
		ike1_sa_answered(sa, pkt->data, pkt->len, qm->sent);
	child_adopt(sa, c);
	c = NULL;
	ike1_qm_free(sa, qm);
out:
	free(c);
	free(plain);
	cg_chunk_clear(&shared);
}

/* Responder, Q3: HASH(3) closes the exchange. */
static void complete_q3(struct ike1_sa *sa, struct ike1_qm *qm, const struct cg_packet *pkt,
			const struct ike1_hdr *h)
{
	uint8_t *plain = NULL, iv[IKE1_BLOCK_MAX], want[64], m_id[4], zero = 0;
	struct ike1_chain c;
	int err;

	memcpy(iv, qm->iv, sizeof(iv));
	err = ike1_sa_decrypt(sa, pkt->data, pkt->len, iv, &plain);
	if (!err)
		err = ike1_chain_parse(h->next, plain, pkt->len - CG_IKE_HEADER_LEN, true, &c);
	cg_put32(m_id, qm->mid);
	if (!err && (!c.n || c.pl[0].type != IKE1_PL_HASH || c.pl[0].len != sa->prf->out_size ||
		     ike1_prf(sa->prf, sa->skeyid_a,
			      (struct cg_chunk[]){ CG_CHUNK(&zero, 1), CG_CHUNK(m_id, 4), qm->ni,
						   qm->nr }, 4, want) ||
		     !cg_chunk_equal_ct(CG_CHUNK(c.pl[0].body, c.pl[0].len),
					CG_CHUNK(want, sa->prf->out_size))))
		err = -EACCES;
	free(plain);
	if (err) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "Quick Mode %08x: bad HASH(3) dropped",
			    qm->mid);
		return;
	}
	ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_DEBUG, "Quick Mode %08x complete", qm->mid);
	ike1_qm_free(sa, qm);
}

enum ike1_verdict ike1_quick_recv(struct ike1_sa *sa, const struct cg_packet *pkt,
				  const struct ike1_hdr *h)
{
	struct ike1_qm *qm;

	if (ike1_sa_repeat(sa, pkt->data, pkt->len))
		return IKE1_KEEP;
	if (sa->state != IKE1_ST_ESTABLISHED || !(h->flags & IKE1_FLAG_E) || !h->mid) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "Quick Mode message dropped: %s",
			    sa->state != IKE1_ST_ESTABLISHED ? "phase 1 not complete"
							     : "not encrypted or message ID 0");
		return IKE1_KEEP;
	}
	qm = qm_by_mid(sa, h->mid);
	if (!qm)
		respond_q1(sa, pkt, h);
	else if (qm->initiator && qm->step == 1)
		complete_q2(sa, qm, pkt, h);
	else if (!qm->initiator && qm->step == 1)
		complete_q3(sa, qm, pkt, h);
	return IKE1_KEEP;
}

void ike1_child_describe(struct ike1_sa *sa, struct ike1_child *c, struct cg_out *out)
{
	cg_child_describe(sa->core, out, &(struct cg_child_view){
		.name = c->name, .unique_id = c->unique_id, .installed = true, .ci = &c->ci,
		.pfs_group = c->pfs_group, .installed_at = c->installed_at,
	});
}
