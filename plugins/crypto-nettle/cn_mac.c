/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * HMAC for integrity (RFC 2404, RFC 4868: truncated outputs) and as PRF
 * (RFC 2104, RFC 4868: full outputs), over nettle's generic HMAC and the
 * SHA-1 and SHA-2 hash descriptors.
 */
#include <errno.h>
#include <stdlib.h>

#include <nettle/hmac.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "cn.h"

union cn_hash_ctx {
	struct sha1_ctx sha1;
	struct sha256_ctx sha256;
	struct sha512_ctx sha512; /* SHA-384 too */
};

struct cn_hmac {
	const struct nettle_hash *hash;
	size_t out_size;
	union cn_hash_ctx outer, inner, state;
};

static int hmac_create(const struct nettle_hash *hash, size_t out_size, const uint8_t *key,
		       size_t key_len, void **ctx)
{
	struct cn_hmac *h;

	if (hash->context_size > sizeof(h->state) || out_size > hash->digest_size)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->hash = hash;
	h->out_size = out_size;
	hmac_set_key(&h->outer, &h->inner, &h->state, hash, key_len, key);
	*ctx = h;
	return 0;
}

static void hmac_destroy(void *ctx)
{
	struct cn_hmac *h = ctx;

	if (!h)
		return;
	cg_memwipe(h, sizeof(*h));
	free(h);
}

static int hmac_update_data(void *ctx, const uint8_t *data, size_t len)
{
	struct cn_hmac *h = ctx;

	hmac_update(&h->state, h->hash, len, data);
	return 0;
}

/* Writes the (truncated) MAC and rearms the context for the next message. */
static int hmac_finish(void *ctx, uint8_t *out)
{
	struct cn_hmac *h = ctx;

	hmac_digest(&h->outer, &h->inner, &h->state, h->hash, h->out_size, out);
	return 0;
}

static int hmac_once(void *ctx, const uint8_t *data, size_t len, uint8_t *out)
{
	hmac_update_data(ctx, data, len);
	return hmac_finish(ctx, out);
}

static const struct nettle_hash *hash_of_integ(uint16_t id)
{
	switch (id) {
	case CG_INTEG_HMAC_SHA1_96:
		return &nettle_sha1;
	case CG_INTEG_HMAC_SHA2_256_128:
		return &nettle_sha256;
	case CG_INTEG_HMAC_SHA2_384_192:
		return &nettle_sha384;
	case CG_INTEG_HMAC_SHA2_512_256:
		return &nettle_sha512;
	}
	return NULL;
}

static const struct nettle_hash *hash_of_prf(uint16_t id)
{
	switch (id) {
	case CG_PRF_HMAC_SHA1:
		return &nettle_sha1;
	case CG_PRF_HMAC_SHA2_256:
		return &nettle_sha256;
	case CG_PRF_HMAC_SHA2_384:
		return &nettle_sha384;
	case CG_PRF_HMAC_SHA2_512:
		return &nettle_sha512;
	}
	return NULL;
}

static int integ_create(const struct cg_integ_alg *alg, const uint8_t *key, void **ctx)
{
	const struct nettle_hash *hash = hash_of_integ(alg->id);

	if (!hash)
		return -EINVAL;
	return hmac_create(hash, alg->out_size, key, alg->key_size, ctx);
}

static int prf_create(const struct cg_prf_alg *alg, const uint8_t *key, size_t key_len, void **ctx)
{
	const struct nettle_hash *hash = hash_of_prf(alg->id);

	if (!hash)
		return -EINVAL;
	return hmac_create(hash, alg->out_size, key, key_len, ctx);
}

/* RFC 4868 2.1.1 / RFC 2404: the key is as long as the hash output. */
#define CN_INTEG(ident, label, keybytes, outbytes)                                                \
	{                                                                                          \
		.id = ident, .name = label, .key_size = keybytes, .out_size = outbytes,            \
		.create = integ_create, .sign = hmac_once, .destroy = hmac_destroy,                \
	}

static const struct cg_integ_alg hmac_sha1_96 =
	CN_INTEG(CG_INTEG_HMAC_SHA1_96, "HMAC_SHA1_96", 20, 12);
static const struct cg_integ_alg hmac_sha256_128 =
	CN_INTEG(CG_INTEG_HMAC_SHA2_256_128, "HMAC_SHA2_256_128", 32, 16);
static const struct cg_integ_alg hmac_sha384_192 =
	CN_INTEG(CG_INTEG_HMAC_SHA2_384_192, "HMAC_SHA2_384_192", 48, 24);
static const struct cg_integ_alg hmac_sha512_256 =
	CN_INTEG(CG_INTEG_HMAC_SHA2_512_256, "HMAC_SHA2_512_256", 64, 32);

const struct cg_integ_alg *const cn_integ_algs[] = {
	&hmac_sha256_128, &hmac_sha384_192, &hmac_sha512_256, &hmac_sha1_96, NULL,
};

/* RFC 7296 2.14: the preferred key size of an HMAC PRF is its output size. */
#define CN_PRF(ident, label, bytes)                                                               \
	{                                                                                          \
		.id = ident, .name = label, .key_size = bytes, .out_size = bytes,                  \
		.create = prf_create, .compute = hmac_once, .update = hmac_update_data,            \
		.digest = hmac_finish, .destroy = hmac_destroy,                                    \
	}

static const struct cg_prf_alg prf_hmac_sha1 = CN_PRF(CG_PRF_HMAC_SHA1, "PRF_HMAC_SHA1", 20);
static const struct cg_prf_alg prf_hmac_sha256 =
	CN_PRF(CG_PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256", 32);
static const struct cg_prf_alg prf_hmac_sha384 =
	CN_PRF(CG_PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384", 48);
static const struct cg_prf_alg prf_hmac_sha512 =
	CN_PRF(CG_PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512", 64);

const struct cg_prf_alg *const cn_prf_algs[] = {
	&prf_hmac_sha256, &prf_hmac_sha384, &prf_hmac_sha512, &prf_hmac_sha1, NULL,
};
