/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Encrypted payload (RFC 7296 3.14; AEAD ciphers per RFC 5282 and
 * RFC 7634): IV, ciphertext with padding, and the integrity checksum.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike2.h"

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

int ike2_sk_seal(struct ike2_sa *sa, const struct ike2_hdr *h, struct ike2_w *inner,
		 struct cg_chunk *out)
{
	size_t block = sa->encr->block_size ? sa->encr->block_size : 1;
	size_t iv_len = sa->encr->iv_size, icv = icv_size(sa);
	size_t pad = block - (inner->len + 1) % block;
	size_t plain_len, sk_start, ct_start;
	struct ike2_hdr hh = *h;
	struct sk_ctx ctx;
	struct ike2_w w;
	uint8_t *ct;
	int err;

	if (pad == block)
		pad = 0;
	if (inner->failed)
		return -ENOMEM;
	plain_len = inner->len + pad + 1;
	hh.next = IKE2_PL_SK;
	ike2_w_init(&w);
	ike2_w_hdr(&w, &hh);
	sk_start = ike2_w_begin(&w, IKE2_PL_SK, false);
	/* The SK header's next field names the first inner payload. */
	if (!w.failed)
		w.buf[sk_start] = inner->first;
	ike2_w_put(&w, NULL, iv_len);
	ct_start = w.len;
	ike2_w_put(&w, inner->buf, inner->len);
	ike2_w_put(&w, NULL, pad);
	ike2_w_u8(&w, (uint8_t)pad);
	ike2_w_put(&w, NULL, icv);
	ike2_w_end(&w, sk_start);
	ike2_w_finish(&w);
	if (w.failed) {
		ike2_w_free(&w);
		return -ENOMEM;
	}
	err = sk_iv(sa, w.buf + ct_start - iv_len);
	if (err)
		goto err_free;
	ct = w.buf + ct_start;
	err = sk_ctx_open(sa, sa->sk_e_out, sa->sk_a_out, &ctx);
	if (!err && sa->integ) {
		err = sa->encr->encrypt(ctx.encr, ct - iv_len, NULL, 0, ct, plain_len, NULL);
		if (!err)
			err = sa->integ->sign(ctx.integ, w.buf, ct_start + plain_len, ct + plain_len);
	} else if (!err) {
		/* AEAD: the header through the SK payload header is authenticated. */
		err = sa->encr->encrypt(ctx.encr, ct - iv_len, w.buf, sk_start + 4, ct, plain_len,
					ct + plain_len);
	}
	sk_ctx_done(sa, &ctx);
	if (err)
		goto err_free;
	*out = CG_CHUNK(w.buf, w.len);
	return 0;

err_free:
	ike2_w_free(&w);
	return err;
}

int ike2_sk_open(struct ike2_sa *sa, struct ike2_msg *msg)
{
	const struct ike2_pl *sk = ike2_chain_find(&msg->outer, IKE2_PL_SK);
	size_t iv_len, icv = icv_size(sa), ct_len, block, inner_len;
	const uint8_t *raw = msg->pkt->data;
	struct sk_ctx ctx = { 0 };
	size_t aad_len, pad;
	uint8_t *plain;
	int err;

	if (!sa->sk_e_in.len)
		return -ENOKEY;
	if (!sk)
		return -ENOMSG;
	iv_len = sa->encr->iv_size;
	block = sa->encr->block_size ? sa->encr->block_size : 1;
	if (sk->len < iv_len + icv + 1)
		return -EBADMSG;
	ct_len = sk->len - iv_len - icv;
	if (ct_len % block)
		return -EBADMSG;
	aad_len = (size_t)(sk->body - raw);
	plain = malloc(ct_len);
	if (!plain)
		return -ENOMEM;
	memcpy(plain, sk->body + iv_len, ct_len);
	err = sk_ctx_open(sa, sa->sk_e_in, sa->sk_a_in, &ctx);
	if (err)
		goto err_free;
	if (sa->integ) {
		uint8_t mac[64];

		if (icv > sizeof(mac)) {
			err = -EINVAL;
			goto err_free;
		}
		err = sa->integ->sign(ctx.integ, raw, msg->pkt->len - icv, mac);
		if (err)
			goto err_free;
		if (!cg_chunk_equal_ct(CG_CHUNK(mac, icv), CG_CHUNK(raw + msg->pkt->len - icv, icv))) {
			err = -EBADMSG;
			goto err_free;
		}
		err = sa->encr->decrypt(ctx.encr, sk->body, NULL, 0, plain, ct_len, NULL);
	} else {
		err = sa->encr->decrypt(ctx.encr, sk->body, raw, aad_len, plain, ct_len,
					sk->body + iv_len + ct_len);
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
	inner_len = ct_len - pad - 1;
	/* Authentic but malformed inside: -EPROTO tells it apart from a bad ICV. */
	if (ike2_chain_parse(sk->next, plain, inner_len, &msg->pl)) {
		err = -EPROTO;
		goto err_free;
	}
	msg->plain = plain;
	return 0;

err_free:
	sk_ctx_done(sa, &ctx);
	free(plain);
	return err;
}
