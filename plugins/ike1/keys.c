/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IKEv1 keys (RFC 2409 5 and appendix B): SKEYID for pre-shared keys,
 * SKEYID_d/a/e, the encryption key extended when SKEYID_e is short, the
 * phase 1 IV, HASH_I/HASH_R and KEYMAT for the IPsec SAs.
 */
#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include <nettle/nettle-meta.h>

#include "ike1.h"

#define KEY_MAX 64

static const struct nettle_hash *nettle_for(uint16_t hash_alg)
{
	switch (hash_alg) {
	case IKE1_HASH_MD5: return &nettle_md5;
	case IKE1_HASH_SHA1: return &nettle_sha1;
	case IKE1_HASH_SHA2_256: return &nettle_sha256;
	case IKE1_HASH_SHA2_384: return &nettle_sha384;
	case IKE1_HASH_SHA2_512: return &nettle_sha512;
	}
	return NULL;
}

size_t ike1_hash(uint16_t hash_alg, const struct cg_chunk *parts, size_t n, uint8_t *out)
{
	const struct nettle_hash *h = nettle_for(hash_alg);
	alignas(max_align_t) uint8_t ctx[512];

	if (!h || h->context_size > sizeof(ctx))
		return 0;
	h->init(ctx);
	for (size_t i = 0; i < n; i++)
		h->update(ctx, parts[i].len, parts[i].ptr);
	h->digest(ctx, h->digest_size, out);
	return h->digest_size;
}

int ike1_prf(const struct cg_prf_alg *prf, struct cg_chunk key, const struct cg_chunk *parts,
	     size_t n, uint8_t *out)
{
	void *ctx;
	int err = prf->create(prf, key.ptr, key.len, &ctx);

	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++)
		err = prf->update(ctx, parts[i].ptr, parts[i].len);
	if (!err)
		err = prf->digest(ctx, out);
	prf->destroy(ctx);
	return err;
}

/* *dst = prf(key, parts) as a new chunk. */
static int prf_chunk(const struct cg_prf_alg *prf, struct cg_chunk key,
		     const struct cg_chunk *parts, size_t n, struct cg_chunk *dst)
{
	int err = cg_chunk_alloc(dst, prf->out_size);

	if (!err)
		err = ike1_prf(prf, key, parts, n, dst->ptr);
	return err;
}

/* Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1) (appendix B). */
static int encr_key(struct ike1_sa *sa)
{
	size_t need = sa->encr->key_size, have = 0;
	uint8_t block[KEY_MAX], zero = 0;
	struct cg_chunk prev = CG_CHUNK(&zero, 1);
	int err = cg_chunk_alloc(&sa->ekey, need);

	if (err)
		return err;
	if (sa->skeyid_e.len >= need) {
		memcpy(sa->ekey.ptr, sa->skeyid_e.ptr, need);
		return 0;
	}
	while (have < need && !err) {
		size_t take = need - have < sa->prf->out_size ? need - have : sa->prf->out_size;

		/* prf reads prev before it writes block: prev may be block. */
		err = ike1_prf(sa->prf, sa->skeyid_e, &prev, 1, block);
		memcpy(sa->ekey.ptr + have, block, take);
		have += take;
		prev = CG_CHUNK(block, sa->prf->out_size);
	}
	cg_memwipe(block, sizeof(block));
	return err;
}

int ike1_keys_derive(struct ike1_sa *sa, struct cg_chunk psk)
{
	uint8_t ck[16], n0 = 0, n1 = 1, n2 = 2, iv[KEY_MAX];
	struct cg_chunk cookies = CG_CHUNK(ck, 16);
	struct cg_chunk nonces[] = { sa->ni, sa->nr };
	struct cg_chunk pubs[] = { sa->gxi, sa->gxr };
	int err;

	cg_put64(ck, sa->ci);
	cg_put64(ck + 8, sa->cr);
	if (sa->prf->out_size > KEY_MAX)
		return -EINVAL;
	/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b) */
	err = prf_chunk(sa->prf, psk, nonces, 2, &sa->skeyid);
	if (!err)
		err = prf_chunk(sa->prf, sa->skeyid,
				(struct cg_chunk[]){ sa->gxy, cookies, CG_CHUNK(&n0, 1) }, 3,
				&sa->skeyid_d);
	if (!err)
		err = prf_chunk(sa->prf, sa->skeyid,
				(struct cg_chunk[]){ sa->skeyid_d, sa->gxy, cookies, CG_CHUNK(&n1, 1) },
				4, &sa->skeyid_a);
	if (!err)
		err = prf_chunk(sa->prf, sa->skeyid,
				(struct cg_chunk[]){ sa->skeyid_a, sa->gxy, cookies, CG_CHUNK(&n2, 1) },
				4, &sa->skeyid_e);
	if (!err)
		err = encr_key(sa);
	/* The first IV: hash(g^xi | g^xr), cut to the block size. */
	if (!err && ike1_hash(sa->hash_alg, pubs, 2, iv) < sa->bs)
		err = -EINVAL;
	if (!err)
		memcpy(sa->iv, iv, sa->bs);
	return err;
}

int ike1_keys_hash_p1(struct ike1_sa *sa, bool of_initiator, struct cg_chunk id_body,
		      uint8_t *out)
{
	uint8_t ci[8], cr[8];

	cg_put64(ci, sa->ci);
	cg_put64(cr, sa->cr);
	/*
	 * HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
	 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
	 */
	struct cg_chunk parts[] = {
		of_initiator ? sa->gxi : sa->gxr, of_initiator ? sa->gxr : sa->gxi,
		CG_CHUNK(of_initiator ? ci : cr, 8), CG_CHUNK(of_initiator ? cr : ci, 8),
		sa->sai_b, id_body,
	};

	return ike1_prf(sa->prf, sa->skeyid, parts, CG_ARRAY_SIZE(parts), out);
}

int ike1_keys_keymat(struct ike1_sa *sa, struct cg_chunk shared, uint8_t proto, uint32_t spi,
		     struct cg_chunk ni, struct cg_chunk nr, uint8_t *out, size_t len)
{
	uint8_t spib[4], block[KEY_MAX];
	size_t have = 0, os = sa->prf->out_size;
	int err = 0;

	cg_put32(spib, spi);
	/*
	 * KEYMAT = K1 | K2 | ..., K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
	 * Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b).
	 */
	while (have < len && !err) {
		struct cg_chunk parts[] = {
			have ? CG_CHUNK(block, os) : CG_CHUNK_EMPTY, shared, CG_CHUNK(&proto, 1),
			CG_CHUNK(spib, 4), ni, nr,
		};
		size_t take = len - have < os ? len - have : os;

		err = ike1_prf(sa->prf, sa->skeyid_d, parts, CG_ARRAY_SIZE(parts), block);
		memcpy(out + have, block, take);
		have += take;
	}
	cg_memwipe(block, sizeof(block));
	return err;
}
