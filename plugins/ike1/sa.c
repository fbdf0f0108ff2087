/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ISAKMP SA object: creation in the core's SA manager, log lines and
 * events, CBC encryption with IKEv1's IV rules (RFC 2409 appendix B),
 * phase 1 retransmission on the core's schedule, and answering a repeated
 * message with the answer stored for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike1.h"

uint64_t ike1_sa_local_spi(const struct ike1_sa *sa)
{
	return sa->initiator ? sa->ci : sa->cr;
}

void ike1_sa_log(struct ike1_sa *sa, enum cg_subsys subsys, enum cg_level level,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cg_sa_logv(sa->core, sa->entry, sa->name, sa->ci, sa->cr, subsys, level, fmt, ap);
	va_end(ap);
}

void ike1_sa_publish(struct ike1_sa *sa, enum cg_event_type type)
{
	cg_sa_publish(sa->core, sa->entry, type, sa->name, sa->ci, sa->cr, &sa->local, &sa->remote);
}

static void sa_free(struct ike1_sa *sa)
{
	while (sa->qms)
		ike1_qm_free(sa, sa->qms);
	cg_ke_free(sa->ke, &sa->ke_ctx);
	cg_chunk_free(&sa->sai_b);
	cg_chunk_free(&sa->idi_b);
	cg_chunk_free(&sa->gxi);
	cg_chunk_free(&sa->gxr);
	cg_chunk_free(&sa->ni);
	cg_chunk_free(&sa->nr);
	cg_chunk_clear(&sa->gxy);
	cg_chunk_clear(&sa->skeyid);
	cg_chunk_clear(&sa->skeyid_d);
	cg_chunk_clear(&sa->skeyid_a);
	cg_chunk_clear(&sa->skeyid_e);
	cg_chunk_clear(&sa->ekey);
	cg_chunk_free(&sa->sent);
	cg_chunk_free(&sa->last_reply);
	cg_id_free(&sa->id_local);
	cg_id_free(&sa->id_remote);
	cg_config_unref(sa->cfg);
	free(sa);
}

static void sa_destroy(void *data)
{
	struct ike1_sa *sa = data;

	cg_timer_cancel(sa->core, sa->timer);
	sa_free(sa);
}

static enum cg_sa_verdict half_open_job(struct cg_sa *entry, void *arg)
{
	struct ike1_sa *sa = cg_sa_data(entry);

	(void)arg;
	if (sa->state == IKE1_ST_ESTABLISHED || sa->state == IKE1_ST_DELETING)
		return CG_SA_KEEP;
	ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "phase 1 not completed in time: removed");
	ike1_sa_down(sa);
	return CG_SA_DESTROY;
}

int ike1_sa_create(struct ike1 *p, bool initiator, struct cg_config *cfg,
		   const struct cg_conn_cfg *conn, const struct cg_addr *local,
		   const struct cg_addr *remote, uint64_t ci, struct ike1_sa **ret)
{
	struct ike1_sa *sa = calloc(1, sizeof(*sa));
	struct cg_sa *entry = NULL;
	uint64_t spi = 0;
	int err;

	if (!sa) {
		cg_config_unref(cfg);
		return -ENOMEM;
	}
	sa->plugin = p;
	sa->core = p->core;
	sa->cfg = cfg;
	sa->conn = conn;
	snprintf(sa->name, sizeof(sa->name), "%s", conn->name);
	sa->initiator = initiator;
	/* The initiator's exchange is the connection's; a responder's the peer's (main.c). */
	sa->exchange = initiator && conn->aggressive ? IKE1_EXCH_AGGRESSIVE : IKE1_EXCH_MAIN;
	sa->auth_method = IKE1_AUTH_PSK;
	if (sa->exchange == IKE1_EXCH_AGGRESSIVE)
		sa->state = IKE1_ST_AM_SENT;
	else
		sa->state = initiator ? IKE1_ST_MM_SA_SENT : IKE1_ST_MM_SA_ANSWERED;
	sa->local = *local;
	sa->remote = *remote;
	err = cg_sa_add_role(p->core, 1, conn->name, sa, &ike1_sa_ops, initiator ? 0 : ci, remote,
			     &spi, &entry);
	if (err) {
		if (!entry)
			sa_free(sa);
		return err;
	}
	sa->entry = entry;
	sa->ci = initiator ? spi : ci;
	sa->cr = initiator ? 0 : spi;
	cg_sa_timer_add(p->core, spi, IKE1_HALF_OPEN_TIMEOUT_MS, half_open_job, NULL, 0, NULL);
	*ret = sa;
	return 0;
}

void ike1_sa_hdr(struct ike1_sa *sa, struct ike1_w *w, uint8_t exchange, uint8_t flags,
		 uint32_t mid)
{
	struct ike1_hdr h = {
		.ci = sa->ci, .cr = sa->cr, .exchange = exchange, .flags = flags, .mid = mid,
	};

	ike1_w_init(w, &h);
}

/*
 * CBC over the payloads: zero padding up to the block size (as charon
 * pads; a receiver reads the payload chain and ignores the padding).
 */
int ike1_sa_encrypt(struct ike1_sa *sa, struct ike1_w *w, uint8_t *iv)
{
	size_t body = w->len - w->body_at, pad = (sa->bs - body % sa->bs) % sa->bs;
	void *ctx;
	int err;

	if (pad)
		ike1_w_put(w, NULL, pad);
	if (w->failed || w->len == w->body_at)
		return -ENOMEM;
	w->buf[19] |= IKE1_FLAG_E;
	err = sa->encr->create(sa->encr, sa->ekey.ptr, &ctx);
	if (err)
		return err;
	err = sa->encr->encrypt(ctx, iv, NULL, 0, w->buf + w->body_at, w->len - w->body_at, NULL);
	sa->encr->destroy(ctx);
	if (!err)
		memcpy(iv, w->buf + w->len - sa->bs, sa->bs);
	return err;
}

int ike1_sa_decrypt(struct ike1_sa *sa, const uint8_t *msg, size_t len, uint8_t *iv,
		    uint8_t **plain)
{
	size_t body = len - CG_IKE_HEADER_LEN;
	uint8_t *p;
	void *ctx;
	int err;

	*plain = NULL;
	if (!sa->encr || len <= CG_IKE_HEADER_LEN || body % sa->bs || !(msg[19] & IKE1_FLAG_E))
		return -EINVAL;
	p = malloc(body);
	if (!p)
		return -ENOMEM;
	memcpy(p, msg + CG_IKE_HEADER_LEN, body);
	err = sa->encr->create(sa->encr, sa->ekey.ptr, &ctx);
	if (err) {
		free(p);
		return err;
	}
	err = sa->encr->decrypt(ctx, iv, NULL, 0, p, body, NULL);
	sa->encr->destroy(ctx);
	if (err) {
		free(p);
		return err;
	}
	memcpy(iv, msg + len - sa->bs, sa->bs);
	*plain = p;
	return 0;
}

void ike1_sa_exchange_iv(struct ike1_sa *sa, uint32_t mid, uint8_t *iv)
{
	uint8_t m[4], out[64];

	cg_put32(m, mid);
	ike1_hash(sa->hash_alg, (struct cg_chunk[]){ CG_CHUNK(sa->iv, sa->bs), CG_CHUNK(m, 4) },
		  2, out);
	memcpy(iv, out, sa->bs);
}

/* Which send a retransmit timer was armed for. */
struct rt_timer {
	unsigned tries;
	uint64_t sent_hash;
};

static enum cg_sa_verdict retransmit_job(struct cg_sa *entry, void *arg);

static void arm_retransmit(struct ike1_sa *sa)
{
	struct rt_timer t = { .tries = sa->tries, .sent_hash = cg_hash64(sa->sent.ptr, sa->sent.len, 0) };

	cg_sa_timer_add(sa->core, ike1_sa_local_spi(sa), cg_sa_retransmit_delay(sa->tries),
			retransmit_job, &t, sizeof(t), &sa->timer);
}

static enum cg_sa_verdict retransmit_job(struct cg_sa *entry, void *arg)
{
	const struct rt_timer *t = arg;
	struct ike1_sa *sa = cg_sa_data(entry);

	if (!sa->awaiting || sa->tries != t->tries ||
	    cg_hash64(sa->sent.ptr, sa->sent.len, 0) != t->sent_hash)
		return CG_SA_KEEP;
	if (sa->tries >= CG_SA_RETRANSMIT_TRIES) {
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "giving up after %u retransmits of %s",
			    sa->tries, ike1_exchange_name(sa->exchange));
		sa->timer = 0;
		ike1_sa_down(sa);
		return CG_SA_DESTROY;
	}
	sa->tries++;
	ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "retransmit %u of %s message", sa->tries,
		    ike1_exchange_name(sa->exchange));
	cg_ike_send(sa->core, &sa->local, &sa->remote, sa->sent.ptr, sa->sent.len);
	arm_retransmit(sa);
	return CG_SA_KEEP;
}

void ike1_sa_send_p1(struct ike1_sa *sa, struct cg_chunk data, bool await)
{
	cg_timer_cancel(sa->core, sa->timer);
	sa->timer = 0;
	cg_chunk_free(&sa->sent);
	sa->sent = data;
	sa->awaiting = await;
	sa->tries = 0;
	cg_ike_send(sa->core, &sa->local, &sa->remote, data.ptr, data.len);
	if (await)
		arm_retransmit(sa);
}

void ike1_sa_p1_done(struct ike1_sa *sa)
{
	sa->awaiting = false;
	cg_timer_cancel(sa->core, sa->timer);
	sa->timer = 0;
}

void ike1_sa_answered(struct ike1_sa *sa, const uint8_t *msg, size_t len, struct cg_chunk reply)
{
	cg_chunk_free(&sa->last_reply);
	sa->last_in = cg_hash64(msg, len, 0);
	if (cg_chunk_dup(&sa->last_reply, reply))
		sa->last_in = 0;
}

bool ike1_sa_repeat(struct ike1_sa *sa, const uint8_t *msg, size_t len)
{
	uint64_t h = cg_hash64(msg, len, 0);

	/* A copy of the last message we took, which needs no answer: nothing to do again. */
	if (h == sa->seen && h != sa->last_in) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_DEBUG, "%s message received again: ignored",
			    ike1_exchange_name(msg[18]));
		return true;
	}
	sa->seen = h;
	if (!sa->last_in || sa->last_in != h)
		return false;
	ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "%s message received again: sending our answer again",
		    ike1_exchange_name(msg[18]));
	cg_ike_send(sa->core, &sa->local, &sa->remote, sa->last_reply.ptr, sa->last_reply.len);
	return true;
}

/* HASH(1) of an Informational: prf(SKEYID_a, M-ID | N/D), written into the HASH payload. */
int ike1_sa_info(struct ike1_sa *sa, void (*fn)(struct ike1_sa *, struct ike1_w *, const void *),
		 const void *arg)
{
	uint8_t iv[IKE1_BLOCK_MAX], m[4];
	struct ike1_w w;
	struct cg_chunk msg;
	size_t hash_at, rest;
	uint32_t mid;
	int err;

	if (!sa->encr || cg_random(sa->core, &mid, sizeof(mid)))
		return -EINVAL;
	mid |= 1;
	cg_put32(m, mid);
	ike1_sa_hdr(sa, &w, IKE1_EXCH_INFO, 0, mid);
	hash_at = ike1_w_begin(&w, IKE1_PL_HASH);
	ike1_w_put(&w, NULL, sa->prf->out_size);
	ike1_w_end(&w, hash_at);
	rest = w.len;
	fn(sa, &w, arg);
	err = w.failed ? -ENOMEM : 0;
	if (!err)
		err = ike1_prf(sa->prf, sa->skeyid_a,
			       (struct cg_chunk[]){ CG_CHUNK(m, 4), CG_CHUNK(w.buf + rest, w.len - rest) },
			       2, w.buf + hash_at + 4);
	ike1_sa_exchange_iv(sa, mid, iv);
	if (!err)
		err = ike1_sa_encrypt(sa, &w, iv);
	msg = ike1_w_finish(&w);
	if (!err && msg.len)
		err = cg_ike_send(sa->core, &sa->local, &sa->remote, msg.ptr, msg.len);
	ike1_w_free(&w);
	return err;
}

void ike1_sa_down(struct ike1_sa *sa)
{
	bool was_up = sa->state == IKE1_ST_ESTABLISHED || sa->state == IKE1_ST_DELETING;

	if (sa->down)
		return;
	sa->down = true;
	ike1_sa_p1_done(sa);
	while (sa->children) {
		struct ike1_child *c = sa->children;

		sa->children = c->next;
		ike1_child_destroy(sa, c);
	}
	while (sa->qms)
		ike1_qm_free(sa, sa->qms);
	if (was_up) {
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "ISAKMP SA deleted");
		ike1_sa_publish(sa, CG_EV_IKE_DOWN);
	}
}

const struct cg_sa_ops ike1_sa_ops = {
	.destroy = sa_destroy,
	.describe = ike1_ctl_describe,
};
