/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Encrypted payload (RFC 7296 3.14; AEAD ciphers per RFC 5282 and
 * RFC 7634): IV, ciphertext with padding, and the integrity checksum.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "ikesa.h"
#include "msg.h"
#include "sk.h"

static size_t icv_size(const struct ike2_sa *sa)
{
	return sa->integ ? sa->integ->out_size : sa->encr->icv_size;
}

/* A fresh IV: a counter for AEADs (nonces must never repeat), random for CBC. */
static int sk_iv(struct ike2_sa *sa, uint8_t *iv)
{
	size_t n = sa->encr->iv_size;

	if (sa->integ)
		return cg_random(sa->core, iv, n);
	memset(iv, 0, n);
	sa->iv_counter++;
	for (size_t i = 0; i < n && i < 8; i++)
		iv[n - 1 - i] = (uint8_t)(sa->iv_counter >> (8 * i));
	return 0;
}

/* Cipher contexts for one message; they are wiped by sk_ctx_done. */
struct sk_ctx {
	void *encr, *integ;
};

static int sk_ctx_open(struct ike2_sa *sa, struct cg_chunk sk_e, struct cg_chunk sk_a,
		       struct sk_ctx *ctx)
{
	int err;

	*ctx = (struct sk_ctx){ 0 };
	err = sa->encr->create(sa->encr, sk_e.ptr, &ctx->encr);
	if (!err && sa->integ)
		err = sa->integ->create(sa->integ, sk_a.ptr, &ctx->integ);
	return err;
}

static void sk_ctx_done(struct ike2_sa *sa, struct sk_ctx *ctx)
{
	if (ctx->encr)
		sa->encr->destroy(ctx->encr);
	if (ctx->integ)
		sa->integ->destroy(ctx->integ);
	*ctx = (struct sk_ctx){ 0 };
}

/* Bytes of an SK (or SKF) message carrying len bytes of payloads. */
static size_t sk_size(const struct ike2_sa *sa, size_t len, bool fragment)
{
	size_t block = sa->encr->block_size ? sa->encr->block_size : 1;
	size_t padded = (len + 1 + block - 1) / block * block;

	return CG_IKE_HEADER_LEN + 4 + (fragment ? 4 : 0) + sa->encr->iv_size + padded +
	       icv_size(sa);
}

/*
 * Encrypts data into one message: an SK payload when total is 0, otherwise
 * fragment num of total in an SKF payload (RFC 7383 2.5; its Fragment
 * Number and Total Fragments are authenticated with the header).
 */
static int sk_seal_one(struct ike2_sa *sa, struct sk_ctx *ctx, const struct ike2_hdr *h,
		       uint8_t first, uint16_t num, uint16_t total, const uint8_t *data,
		       size_t len, struct cg_chunk *out)
{
	size_t block = sa->encr->block_size ? sa->encr->block_size : 1;
	size_t iv_len = sa->encr->iv_size, icv = icv_size(sa);
	size_t pad = block - (len + 1) % block;
	size_t plain_len, pl_start, aad_len, ct_start;
	uint8_t type = total ? IKE2_PL_SKF : IKE2_PL_SK;
	struct ike2_hdr hh = *h;
	struct ike2_w w;
	uint8_t *ct;
	int err;

	if (pad == block)
		pad = 0;
	plain_len = len + pad + 1;
	hh.next = type;
	ike2_w_init(&w);
	ike2_w_hdr(&w, &hh);
	pl_start = ike2_w_begin(&w, type, false);
	/* The next field names the first inner payload (only fragment 1 has one). */
	if (!w.failed)
		w.buf[pl_start] = first;
	if (total) {
		ike2_w_u16(&w, num);
		ike2_w_u16(&w, total);
	}
	aad_len = w.len;
	ike2_w_put(&w, NULL, iv_len);
	ct_start = w.len;
	ike2_w_put(&w, data, len);
	ike2_w_put(&w, NULL, pad);
	ike2_w_u8(&w, (uint8_t)pad);
	ike2_w_put(&w, NULL, icv);
	ike2_w_end(&w, pl_start);
	ike2_w_finish(&w);
	if (w.failed) {
		ike2_w_free(&w);
		return -ENOMEM;
	}
	err = sk_iv(sa, w.buf + ct_start - iv_len);
	if (err)
		goto err_free;
	ct = w.buf + ct_start;
	if (sa->integ) {
		err = sa->encr->encrypt(ctx->encr, ct - iv_len, NULL, 0, ct, plain_len, NULL);
		if (!err)
			err = sa->integ->sign(ctx->integ, w.buf, ct_start + plain_len, ct + plain_len);
	} else {
		/* AEAD: the header through the SK/SKF payload header is authenticated. */
		err = sa->encr->encrypt(ctx->encr, ct - iv_len, w.buf, aad_len, ct, plain_len,
					ct + plain_len);
	}
	if (err)
		goto err_free;
	*out = CG_CHUNK(w.buf, w.len);
	return 0;

err_free:
	ike2_w_free(&w);
	return err;
}

/* Splits inner into SKF messages of at most limit bytes, one after the other in *out. */
static int sk_seal_fragments(struct ike2_sa *sa, struct sk_ctx *ctx, const struct ike2_hdr *h,
			     const struct ike2_w *inner, size_t limit, struct cg_chunk *out)
{
	size_t block = sa->encr->block_size ? sa->encr->block_size : 1;
	size_t overhead = sk_size(sa, 0, true) - block, room, per, total;
	struct ike2_w train;
	int err = 0;

	/* The plaintext of a fragment (payloads and pad length octet) fills whole blocks. */
	room = limit > overhead ? (limit - overhead) / block * block : 0;
	if (room < 2)
		return -EMSGSIZE;
	per = room - 1;
	total = (inner->len + per - 1) / per;
	if (total > IKE2_FRAG_MAX)
		return -EMSGSIZE;
	ike2_w_init(&train);
	for (size_t i = 0; i < total && !err; i++) {
		size_t off = i * per, len = inner->len - off < per ? inner->len - off : per;
		struct cg_chunk one;

		err = sk_seal_one(sa, ctx, h, i ? IKE2_PL_NONE : inner->first, (uint16_t)(i + 1),
				  (uint16_t)total, inner->buf + off, len, &one);
		if (err)
			break;
		ike2_w_put(&train, one.ptr, one.len);
		cg_chunk_free(&one);
		if (train.failed)
			err = -ENOMEM;
	}
	if (err) {
		ike2_w_free(&train);
		return err;
	}
	*out = CG_CHUNK(train.buf, train.len);
	return 0;
}

int ike2_sk_seal(struct ike2_sa *sa, const struct ike2_hdr *h, struct ike2_w *inner,
		 struct cg_chunk *out)
{
	size_t limit = ike2_frag_limit(sa);
	struct sk_ctx ctx;
	int err = -EMSGSIZE;

	if (inner->failed)
		return -ENOMEM;
	/* One set of cipher contexts for the message, however many fragments it takes. */
	err = sk_ctx_open(sa, sa->sk_e_out, sa->sk_a_out, &ctx);
	if (err)
		goto out;
	err = -EMSGSIZE;
	if (limit && inner->len && sk_size(sa, inner->len, false) > limit) {
		err = sk_seal_fragments(sa, &ctx, h, inner, limit, out);
		/* More fragments than a receiver keeps: whole, and IP fragments it. */
		if (err == -EMSGSIZE)
			ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_WARN,
				    "a %zu-byte message needs more than %u fragments: sent whole",
				    sk_size(sa, inner->len, false), IKE2_FRAG_MAX);
	}
	if (err == -EMSGSIZE)
		err = sk_seal_one(sa, &ctx, h, inner->first, 0, 0, inner->buf, inner->len, out);
out:
	sk_ctx_done(sa, &ctx);
	return err;
}

int ike2_sk_decrypt(struct ike2_sa *sa, const struct cg_packet *pkt, const uint8_t *iv,
		    uint8_t **plain_out, size_t *plain_len)
{
	const uint8_t *raw = pkt->data;
	size_t iv_len = sa->encr->iv_size, icv = icv_size(sa), ct_len, block, aad_len, pad;
	struct sk_ctx ctx = { 0 };
	uint8_t *plain;
	int err;

	block = sa->encr->block_size ? sa->encr->block_size : 1;
	if (iv < raw || iv > raw + pkt->len)
		return -EINVAL;
	aad_len = (size_t)(iv - raw);
	if (pkt->len - aad_len < iv_len + icv + 1)
		return -EBADMSG;
	ct_len = pkt->len - aad_len - iv_len - icv;
	if (ct_len % block)
		return -EBADMSG;
	plain = malloc(ct_len);
	if (!plain)
		return -ENOMEM;
	memcpy(plain, iv + iv_len, ct_len);
	err = sk_ctx_open(sa, sa->sk_e_in, sa->sk_a_in, &ctx);
	if (err)
		goto err_free;
	if (sa->integ) {
		uint8_t mac[64];

		if (icv > sizeof(mac)) {
			err = -EINVAL;
			goto err_free;
		}
		err = sa->integ->sign(ctx.integ, raw, pkt->len - icv, mac);
		if (err)
			goto err_free;
		if (!cg_chunk_equal_ct(CG_CHUNK(mac, icv), CG_CHUNK(raw + pkt->len - icv, icv))) {
			err = -EBADMSG;
			goto err_free;
		}
		err = sa->encr->decrypt(ctx.encr, iv, NULL, 0, plain, ct_len, NULL);
	} else {
		err = sa->encr->decrypt(ctx.encr, iv, raw, aad_len, plain, ct_len,
					iv + iv_len + ct_len);
	}
	sk_ctx_done(sa, &ctx);
	if (err) {
		err = -EBADMSG;
		goto err_free;
	}
	pad = plain[ct_len - 1];
	if (pad + 1 > ct_len) {
		err = -EBADMSG;
		goto err_free;
	}
	*plain_out = plain;
	*plain_len = ct_len - pad - 1;
	return 0;

err_free:
	sk_ctx_done(sa, &ctx);
	free(plain);
	return err;
}

int ike2_sk_open(struct ike2_sa *sa, struct ike2_msg *msg)
{
	const struct ike2_pl *sk = ike2_chain_find(&msg->outer, IKE2_PL_SK);
	const struct ike2_pl *skf;
	uint8_t *plain;
	size_t len;
	int err;

	if (!sa->sk_e_in.len)
		return -ENOKEY;
	if (!sk) {
		skf = ike2_chain_find(&msg->outer, IKE2_PL_SKF);
		return skf ? ike2_frag_open(sa, msg, skf) : -ENOMSG;
	}
	err = ike2_sk_decrypt(sa, msg->pkt, sk->body, &plain, &len);
	if (err)
		return err;
	/* Authentic but malformed inside: -EPROTO tells it apart from a bad ICV. */
	if (ike2_chain_parse(sk->next, plain, len, &msg->pl)) {
		free(plain);
		return -EPROTO;
	}
	msg->plain = plain;
	return 0;
}
