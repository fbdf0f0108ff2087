/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HMAC as PRF and as truncated integrity algorithm: RFC 4231 test cases 1,
 * 2 and 6 (SHA-2; RFC 4868 2.7 uses the same vectors, truncated) and
 * RFC 2202 test cases 1 and 2 (SHA-1).
 */
#include "cn_test.h"

struct hmac_case {
	const char *key;  /* hex */
	const char *data; /* hex */
	const char *sha1, *sha256, *sha384, *sha512;
};

static const struct hmac_case cases[] = {
	{
		/* RFC 4231 4.2 / RFC 2202 case 1: "Hi There" */
		.key = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		.data = "4869205468657265",
		.sha1 = "b617318655057264e28bc0b6fb378c8ef146be00",
		.sha256 = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
		.sha384 = "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
			  "faea9ea9076ede7f4af152e8b2fa9cb6",
		.sha512 = "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
			  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
	},
	{
		/* RFC 4231 4.3 / RFC 2202 case 2: key "Jefe", "what do ya want for nothing?" */
		.key = "4a656665",
		.data = "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		.sha1 = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
		.sha256 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		.sha384 = "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
			  "8e2240ca5e69e2c78b3239ecfab21649",
		.sha512 = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
			  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	},
	{
		/* RFC 4231 4.7: a 131-byte key, longer than the hash block */
		.key = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		       "aaaaaa",
		.data = "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
			"65204b6579202d2048617368204b6579204669727374",
		.sha256 = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
		.sha384 = "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
			  "0c2ef6ab4030fe8296248df163f44952",
		.sha512 = "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
			  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
	},
};

static const char *case_value(const struct hmac_case *c, uint16_t prf)
{
	switch (prf) {
	case CG_PRF_HMAC_SHA1:
		return c->sha1;
	case CG_PRF_HMAC_SHA2_256:
		return c->sha256;
	case CG_PRF_HMAC_SHA2_384:
		return c->sha384;
	default:
		return c->sha512;
	}
}

static void prf_check(uint16_t id)
{
	const struct cg_prf_alg *prf = find_prf(id);

	cr_assert_eq(prf->key_size, prf->out_size);
	for (size_t i = 0; i < CG_ARRAY_SIZE(cases); i++) {
		const char *want = case_value(&cases[i], id);
		size_t klen, dlen;
		uint8_t *key, *data, out[64];
		void *ctx;

		if (!want)
			continue;
		key = hex(cases[i].key, &klen);
		data = hex(cases[i].data, &dlen);
		cr_assert_eq(prf->create(prf, key, klen, &ctx), 0);
		cr_assert_eq(prf->compute(ctx, data, dlen, out), 0);
		assert_hex(out, prf->out_size, want, prf->name);
		/* The context is reusable, and the incremental form gives the same. */
		cr_assert_eq(prf->update(ctx, data, 3), 0);
		cr_assert_eq(prf->update(ctx, data + 3, dlen - 3), 0);
		cr_assert_eq(prf->digest(ctx, out), 0);
		assert_hex(out, prf->out_size, want, "incremental");
		prf->destroy(ctx);
		free(key);
		free(data);
	}
}

Test(prf, hmac_sha1_rfc2202) { prf_check(CG_PRF_HMAC_SHA1); }
Test(prf, hmac_sha256_rfc4231) { prf_check(CG_PRF_HMAC_SHA2_256); }
Test(prf, hmac_sha384_rfc4231) { prf_check(CG_PRF_HMAC_SHA2_384); }
Test(prf, hmac_sha512_rfc4231) { prf_check(CG_PRF_HMAC_SHA2_512); }

/* Integrity: the first out_size bytes of the HMAC, with a key of key_size bytes. */
static void integ_check(uint16_t id, uint16_t prf_id, size_t key_size, size_t out_size)
{
	const struct cg_integ_alg *integ = find_integ(id);
	size_t klen, dlen;
	uint8_t *key = hex(cases[0].key, &klen), *data = hex(cases[0].data, &dlen), out[64];
	uint8_t full_key[64];
	void *ctx;

	cr_assert_eq(integ->key_size, key_size);
	cr_assert_eq(integ->out_size, out_size);
	const struct cg_prf_alg *prf = find_prf(prf_id);
	uint8_t ref[64];
	void *pctx;

	/* Case 1's 20-byte key fits HMAC-SHA1-96 exactly (RFC 2404 uses RFC 2202's vectors). */
	if (key_size == klen) {
		uint8_t *want = hex(case_value(&cases[0], prf_id), NULL);

		cr_assert_eq(integ->create(integ, key, &ctx), 0);
		cr_assert_eq(integ->sign(ctx, data, dlen, out), 0);
		cr_assert(!memcmp(out, want, out_size), "%s", integ->name);
		free(want);
		integ->destroy(ctx);
	}
	/* With any key of the right size: the PRF's output, truncated. */

	cr_assert_eq(cn_random(full_key, key_size), 0);
	cr_assert_eq(integ->create(integ, full_key, &ctx), 0);
	cr_assert_eq(prf->create(prf, full_key, key_size, &pctx), 0);
	cr_assert_eq(integ->sign(ctx, data, dlen, out), 0);
	cr_assert_eq(prf->compute(pctx, data, dlen, ref), 0);
	cr_assert(!memcmp(out, ref, out_size), "%s is the truncated HMAC", integ->name);
	integ->destroy(ctx);
	prf->destroy(pctx);
	free(key);
	free(data);
}

Test(integ, hmac_sha1_96) { integ_check(CG_INTEG_HMAC_SHA1_96, CG_PRF_HMAC_SHA1, 20, 12); }
Test(integ, hmac_sha2_256_128)
{
	integ_check(CG_INTEG_HMAC_SHA2_256_128, CG_PRF_HMAC_SHA2_256, 32, 16);
}
Test(integ, hmac_sha2_384_192)
{
	integ_check(CG_INTEG_HMAC_SHA2_384_192, CG_PRF_HMAC_SHA2_384, 48, 24);
}
Test(integ, hmac_sha2_512_256)
{
	integ_check(CG_INTEG_HMAC_SHA2_512_256, CG_PRF_HMAC_SHA2_512, 64, 32);
}

/* RFC 4868 2.7.2.1, test case AUTH256-1: a 32-byte key of 0x0b. */
Test(integ, rfc4868_auth256_1)
{
	const struct cg_integ_alg *integ = find_integ(CG_INTEG_HMAC_SHA2_256_128);
	uint8_t key[32], out[16];
	size_t dlen;
	uint8_t *data = hex(cases[0].data, &dlen);
	void *ctx;

	memset(key, 0x0b, sizeof(key));
	cr_assert_eq(integ->create(integ, key, &ctx), 0);
	cr_assert_eq(integ->sign(ctx, data, dlen, out), 0);
	assert_hex(out, sizeof(out), "198a607eb44bfbc69903a0f1cf2bbdc5", "AUTH256-1");
	integ->destroy(ctx);
	free(data);
}
