/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Key derivation (RFC 7296 2.13, 2.14, 2.17) and the PSK AUTH value (2.15).
 * Key material lives in wiped chunks and is never logged.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ikesa.h"
#include "keys.h"

#define PRF_MAX 64
#define KEY_PAD "Key Pad for IKEv2"

/* out = prf(key, data); out must hold prf->out_size bytes. */
static int prf_once(const struct cg_prf_alg *prf, struct cg_chunk key, struct cg_chunk data,
		    uint8_t *out)
{
	void *ctx;
	int err = prf->create(prf, key.ptr, key.len, &ctx);

	if (err)
		return err;
	err = prf->compute(ctx, data.ptr, data.len, out);
	prf->destroy(ctx);
	return err;
}

static int concat(struct cg_chunk *out, const struct cg_chunk *parts, size_t n)
{
	size_t len = 0, off = 0;
	int err;

	for (size_t i = 0; i < n; i++)
		len += parts[i].len;
	err = cg_chunk_alloc(out, len);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (parts[i].len)
			memcpy(out->ptr + off, parts[i].ptr, parts[i].len);
		off += parts[i].len;
	}
	return 0;
}

/* Keeps SK_a and SK_e by direction; sk.c keys its contexts from them. */
static int sk_keep(struct ike2_sa *sa, const uint8_t *ai, const uint8_t *ar,
		   const uint8_t *ei, const uint8_t *er)
{
	const uint8_t *e_out = sa->initiator ? ei : er, *e_in = sa->initiator ? er : ei;
	const uint8_t *a_out = sa->initiator ? ai : ar, *a_in = sa->initiator ? ar : ai;
	size_t e = sa->encr->key_size, a = sa->integ ? sa->integ->key_size : 0;
	int err;

	err = cg_chunk_dup(&sa->sk_e_out, CG_CHUNK(e_out, e));
	if (!err)
		err = cg_chunk_dup(&sa->sk_e_in, CG_CHUNK(e_in, e));
	if (!err && a)
		err = cg_chunk_dup(&sa->sk_a_out, CG_CHUNK(a_out, a));
	if (!err && a)
		err = cg_chunk_dup(&sa->sk_a_in, CG_CHUNK(a_in, a));
	return err;
}

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
static int keys_expand(struct ike2_sa *sa, struct cg_chunk skeyseed)
{
	const struct cg_prf_alg *prf = sa->prf;
	size_t d = prf->key_size, a = sa->integ ? sa->integ->key_size : 0;
	size_t e = sa->encr->key_size, total = 3 * d + 2 * a + 2 * e;
	uint64_t spis[2] = { htobe64(sa->spi_i), htobe64(sa->spi_r) };
	struct cg_chunk seed = CG_CHUNK_EMPTY, km = CG_CHUNK_EMPTY;
	const uint8_t *p;
	int err;

	err = concat(&seed, (struct cg_chunk[]){ sa->ni, sa->nr, CG_CHUNK(spis, sizeof(spis)) }, 3);
	if (!err)
		err = cg_chunk_alloc(&km, total);
	if (!err)
		err = cg_prf_plus(prf, skeyseed, seed, km.ptr, km.len);
	if (err)
		goto out;
	p = km.ptr;
	err = cg_chunk_dup(&sa->sk_d, CG_CHUNK(p, d));
	if (!err)
		err = cg_chunk_dup(&sa->sk_pi, CG_CHUNK(p + d + 2 * a + 2 * e, d));
	if (!err)
		err = cg_chunk_dup(&sa->sk_pr, CG_CHUNK(p + 2 * d + 2 * a + 2 * e, d));
	if (!err)
		err = sk_keep(sa, p + d, p + d + a, p + d + 2 * a, p + d + 2 * a + e);
out:
	cg_chunk_clear(&km);
	cg_chunk_clear(&seed);
	return err;
}

int ike2_keys_derive(struct ike2_sa *sa, struct cg_chunk shared)
{
	const struct cg_prf_alg *prf = sa->prf;
	struct cg_chunk nonces = CG_CHUNK_EMPTY;
	uint8_t skeyseed[PRF_MAX];
	int err;

	if (prf->out_size > PRF_MAX)
		return -EINVAL;
	err = concat(&nonces, (struct cg_chunk[]){ sa->ni, sa->nr }, 2);
	if (err)
		return err;
	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	err = prf_once(prf, nonces, shared, skeyseed);
	if (!err)
		err = keys_expand(sa, CG_CHUNK(skeyseed, prf->out_size));
	cg_memwipe(skeyseed, sizeof(skeyseed));
	cg_chunk_clear(&nonces);
	return err;
}

int ike2_keys_derive_rekey(struct ike2_sa *sa, const struct cg_prf_alg *old_prf,
			   struct cg_chunk old_sk_d, struct cg_chunk shared)
{
	struct cg_chunk data = CG_CHUNK_EMPTY;
	uint8_t skeyseed[PRF_MAX];
	int err;

	if (old_prf->out_size > PRF_MAX || sa->prf->out_size > PRF_MAX)
		return -EINVAL;
	/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's PRF (2.18) */
	err = concat(&data, (struct cg_chunk[]){ shared, sa->ni, sa->nr }, 3);
	if (err)
		return err;
	err = prf_once(old_prf, old_sk_d, data, skeyseed);
	if (!err)
		err = keys_expand(sa, CG_CHUNK(skeyseed, old_prf->out_size));
	cg_memwipe(skeyseed, sizeof(skeyseed));
	cg_chunk_clear(&data);
	return err;
}

int ike2_keys_child(struct ike2_sa *sa, struct cg_chunk shared, struct cg_chunk ni,
		    struct cg_chunk nr, uint8_t *out, size_t len)
{
	struct cg_chunk seed;
	int err;

	/* KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) */
	err = concat(&seed, (struct cg_chunk[]){ shared, ni, nr }, 3);
	if (err)
		return err;
	err = cg_prf_plus(sa->prf, sa->sk_d, seed, out, len);
	cg_chunk_clear(&seed);
	return err;
}

int ike2_keys_auth_psk(struct ike2_sa *sa, bool of_initiator, struct cg_chunk psk,
		       const uint8_t *id_body, size_t id_len, uint8_t *out)
{
	const struct cg_prf_alg *prf = sa->prf;
	struct cg_chunk octets = CG_CHUNK_EMPTY;
	uint8_t maced_id[PRF_MAX], pad_key[PRF_MAX];
	int err;

	if (prf->out_size > PRF_MAX)
		return -EINVAL;
	/* MACedIDFor{I,R} = prf(SK_p{i,r}, RestOf{Init,Resp}IDPayload) */
	err = prf_once(prf, of_initiator ? sa->sk_pi : sa->sk_pr, CG_CHUNK(id_body, id_len),
		       maced_id);
	if (err)
		return err;
	/* {Initiator,Responder}SignedOctets = RealMessage{1,2} | Nonce{R,I}Data | MACedID */
	err = concat(&octets, (struct cg_chunk[]){
		of_initiator ? sa->init_req : sa->init_resp,
		of_initiator ? sa->nr : sa->ni,
		CG_CHUNK(maced_id, prf->out_size) }, 3);
	if (err)
		return err;
	/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) */
	err = prf_once(prf, psk, CG_CHUNK(KEY_PAD, strlen(KEY_PAD)), pad_key);
	if (!err)
		err = prf_once(prf, CG_CHUNK(pad_key, prf->out_size), octets, out);
	cg_memwipe(pad_key, sizeof(pad_key));
	cg_chunk_free(&octets);
	return err;
}

size_t ike2_keys_esp_integ_size(uint16_t alg)
{
	switch (alg) {
	case CG_INTEG_HMAC_MD5_96: return 16;
	case CG_INTEG_HMAC_SHA1_96: return 20;
	case CG_INTEG_AES_XCBC_96: return 16;
	case CG_INTEG_HMAC_SHA2_256_128: return 32;
	case CG_INTEG_HMAC_SHA2_384_192: return 48;
	case CG_INTEG_HMAC_SHA2_512_256: return 64;
	default: return 0;
	}
}
