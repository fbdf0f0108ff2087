/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <nettle/hmac.h>

#include "testlib.h"

static struct cg_core *core;

static void setup(void)
{
	struct cg_core_opts opts = {
		.name = "crypto",
		.manual = true,
		.no_sockets = true,
		.no_rtnetlink = true,
		.no_control = true,
		.foreground = true,
		.state_file = "",
	};

	cr_assert_eq(cg_core_create(&opts, NULL, &core), 0);
}

static void teardown(void)
{
	cg_core_destroy(core);
}

TestSuite(crypto, .init = setup, .fini = teardown);

/* Descriptors with no working code: the registry only stores and finds them. */
static const struct cg_encr_alg aes128 = { .id = CG_ENCR_AES_CBC, .keylen = 128, .name = "a128" };
static const struct cg_encr_alg aes256 = { .id = CG_ENCR_AES_CBC, .keylen = 256, .name = "a256" };
static const struct cg_encr_alg chacha = { .id = CG_ENCR_CHACHA20_POLY1305, .keylen = 256,
					   .name = "chacha" };
static const struct cg_integ_alg sha256 = { .id = CG_INTEG_HMAC_SHA2_256_128, .name = "i256" };
static const struct cg_ke_alg x25519 = { .id = CG_KE_CURVE25519, .name = "x25519" };

Test(crypto, lookup_by_id_and_key_length)
{
	/* Registered longest first, so "shortest" is not just "first". */
	cr_assert_eq(cg_crypto_register_encr(core, &aes256), 0);
	cr_assert_eq(cg_crypto_register_encr(core, &aes128), 0);
	cr_assert_eq(cg_crypto_register_encr(core, &chacha), 0);

	cr_assert_eq(cg_crypto_encr(core, CG_ENCR_AES_CBC, 256), &aes256);
	cr_assert_eq(cg_crypto_encr(core, CG_ENCR_AES_CBC, 128), &aes128);
	cr_assert_eq(cg_crypto_encr(core, CG_ENCR_AES_CBC, 0), &aes128, "default is AES-128");
	cr_assert_null(cg_crypto_encr(core, CG_ENCR_AES_CBC, 192));
	cr_assert_eq(cg_crypto_encr(core, CG_ENCR_CHACHA20_POLY1305, 0), &chacha);
	cr_assert_null(cg_crypto_encr(core, CG_ENCR_AES_GCM_16, 0));
	cr_assert_null(cg_crypto_integ(core, CG_INTEG_HMAC_SHA2_256_128));
	cr_assert_null(cg_crypto_prf(core, CG_PRF_HMAC_SHA2_256));
	cr_assert_null(cg_crypto_ke(core, CG_KE_CURVE25519));
}

Test(crypto, second_provider_is_refused)
{
	struct cg_encr_alg other = aes128;

	cr_assert_eq(cg_crypto_register_encr(core, &aes128), 0);
	cr_assert_eq(cg_crypto_register_encr(core, &other), -EEXIST);
	cr_assert_eq(cg_crypto_encr(core, CG_ENCR_AES_CBC, 128), &aes128);
	cr_assert_eq(cg_crypto_register_encr(core, NULL), -EINVAL);
}

Test(crypto, unregister_removes_every_registration_of_a_descriptor)
{
	cr_assert_eq(cg_crypto_register_integ(core, &sha256), 0);
	cr_assert_eq(cg_crypto_register_ke(core, &x25519), 0);
	cr_assert_eq(cg_crypto_integ(core, CG_INTEG_HMAC_SHA2_256_128), &sha256);
	cg_crypto_unregister(core, &sha256);
	cr_assert_null(cg_crypto_integ(core, CG_INTEG_HMAC_SHA2_256_128));
	cr_assert_eq(cg_crypto_ke(core, CG_KE_CURVE25519), &x25519);
	/* It can come back (a plugin reloaded). */
	cr_assert_eq(cg_crypto_register_integ(core, &sha256), 0);
	cr_assert_eq(cg_crypto_integ(core, CG_INTEG_HMAC_SHA2_256_128), &sha256);
}

Test(crypto, supports_names_what_is_missing)
{
	struct cg_proposal p;
	const char *missing = NULL;

	cr_assert_eq(cg_proposal_parse("aes128-sha256-x25519", CG_PROTO_IKE, &p, NULL), 0);
	cg_crypto_register_encr(core, &aes128);
	cg_crypto_register_integ(core, &sha256);
	cg_crypto_register_ke(core, &x25519);
	cr_assert_not(cg_crypto_supports(core, &p, &missing));
	cr_assert_str_eq(missing, "PRF_HMAC_SHA2_256");

	cr_assert_eq(cg_proposal_parse("aes128gcm16-esn", CG_PROTO_ESP, &p, NULL), 0);
	cr_assert_not(cg_crypto_supports(core, &p, &missing));
	cr_assert_str_eq(missing, "AES_GCM_16");

	/* ESN and "none" need no algorithm. */
	cr_assert_eq(cg_proposal_parse("aes128-sha256-noesn", CG_PROTO_ESP, &p, NULL), 0);
	cr_assert(cg_crypto_supports(core, &p, &missing));
}

static int counting_rng(void *priv, uint8_t *out, size_t len)
{
	unsigned *calls = priv;

	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(i + 1);
	(*calls)++;
	return 0;
}

Test(crypto, random_needs_a_provider)
{
	unsigned calls = 0;
	struct cg_rng rng = { .name = "counting", .bytes = counting_rng, .priv = &calls };
	uint8_t buf[4] = { 0 };

	cr_assert_eq(cg_random(core, buf, sizeof(buf)), -ENODEV);
	cr_assert_eq(cg_crypto_register_rng(core, &rng), 0);
	cr_assert_eq(cg_random(core, buf, sizeof(buf)), 0);
	cr_assert_eq(calls, 1);
	cr_assert_eq(buf[3], 4);
	cg_crypto_unregister(core, &rng);
	cr_assert_eq(cg_random(core, buf, sizeof(buf)), -ENODEV);
}

/* HMAC-SHA-256 as a PRF, the way a crypto plugin would wrap it. */
struct tprf_ctx {
	struct hmac_sha256_ctx h;
};

static int tprf_create(const struct cg_prf_alg *alg, const uint8_t *key, size_t key_len,
		       void **ctx)
{
	struct tprf_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	hmac_sha256_set_key(&c->h, key_len, key);
	*ctx = c;
	return 0;
}

static int tprf_update(void *ctx, const uint8_t *data, size_t len)
{
	struct tprf_ctx *c = ctx;

	hmac_sha256_update(&c->h, len, data);
	return 0;
}

static int tprf_digest(void *ctx, uint8_t *out)
{
	struct tprf_ctx *c = ctx;

	hmac_sha256_digest(&c->h, SHA256_DIGEST_SIZE, out);
	return 0;
}

static int tprf_compute(void *ctx, const uint8_t *data, size_t len, uint8_t *out)
{
	tprf_update(ctx, data, len);
	return tprf_digest(ctx, out);
}

static void tprf_destroy(void *ctx)
{
	free(ctx);
}

static const struct cg_prf_alg prf_incremental = {
	.id = CG_PRF_HMAC_SHA2_256,
	.name = "HMAC-SHA-256",
	.key_size = 32,
	.out_size = 32,
	.create = tprf_create,
	.compute = tprf_compute,
	.update = tprf_update,
	.digest = tprf_digest,
	.destroy = tprf_destroy,
};

/* The same PRF without update/digest: prf+ must take the one-shot path. */
static const struct cg_prf_alg prf_oneshot = {
	.id = CG_PRF_HMAC_SHA2_256,
	.name = "HMAC-SHA-256 (one-shot)",
	.key_size = 32,
	.out_size = 32,
	.create = tprf_create,
	.compute = tprf_compute,
	.destroy = tprf_destroy,
};

static struct cg_chunk unhex(const char *s)
{
	struct cg_chunk c;

	cr_assert_eq(cg_chunk_alloc(&c, strlen(s) / 2), 0);
	for (size_t i = 0; i < c.len; i++) {
		unsigned b;

		sscanf(s + 2 * i, "%2x", &b);
		c.ptr[i] = (uint8_t)b;
	}
	return c;
}

/*
 * prf+ is HKDF-Expand (RFC 5869 2.3) with the PRF as HMAC: T(n) = prf(K,
 * T(n-1) | S | n). RFC 5869 A.1 and A.3 give PRK, info and OKM for SHA-256.
 */
static void assert_hkdf_vector(const struct cg_prf_alg *prf, const char *prk, const char *info,
			       const char *okm)
{
	struct cg_chunk k = unhex(prk), s = unhex(info), want = unhex(okm);
	uint8_t out[128];

	cr_assert_eq(cg_prf_plus(prf, k, s, out, want.len), 0);
	cr_assert_eq(memcmp(out, want.ptr, want.len), 0, "%s: prf+ differs from RFC 5869",
		     prf->name);
	cg_chunk_free(&k);
	cg_chunk_free(&s);
	cg_chunk_free(&want);
}

Test(crypto, prf_plus_matches_rfc5869)
{
	static const char prk1[] = "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5";
	static const char okm1[] = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
				   "34007208d5b887185865";
	static const char prk3[] = "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04";
	static const char okm3[] = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
				   "9d201395faa4b61a96c8";

	assert_hkdf_vector(&prf_incremental, prk1, "f0f1f2f3f4f5f6f7f8f9", okm1);
	assert_hkdf_vector(&prf_oneshot, prk1, "f0f1f2f3f4f5f6f7f8f9", okm1);
	assert_hkdf_vector(&prf_incremental, prk3, "", okm3);
	assert_hkdf_vector(&prf_oneshot, prk3, "", okm3);
}

Test(crypto, prf_plus_output_is_a_prefix_of_longer_output)
{
	uint8_t a[100], b[40];
	struct cg_chunk key = CG_CHUNK("key", 3), seed = CG_CHUNK("Ni | Nr", 7);

	cr_assert_eq(cg_prf_plus(&prf_incremental, key, seed, a, sizeof(a)), 0);
	cr_assert_eq(cg_prf_plus(&prf_oneshot, key, seed, b, sizeof(b)), 0);
	cr_assert_eq(memcmp(a, b, sizeof(b)), 0);
}

Test(crypto, prf_plus_stops_at_255_rounds)
{
	size_t max = 255 * 32;
	uint8_t *out = malloc(max + 1);
	struct cg_chunk key = CG_CHUNK("k", 1);

	cr_assert_eq(cg_prf_plus(&prf_incremental, key, CG_CHUNK_EMPTY, out, max), 0);
	cr_assert_eq(cg_prf_plus(&prf_incremental, key, CG_CHUNK_EMPTY, out, max + 1), -EINVAL);
	free(out);
}
