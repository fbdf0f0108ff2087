/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crypto-nettle loaded as cygnetd loads it: every transform is found in the registry. */
#include <string.h>

#include <criterion/criterion.h>

#include "testlib.h"

static const char yaml[] = "daemon: { plugins: [crypto-nettle] }\n";

Test(crypto_plugin, registers_every_transform)
{
	struct cg_core *core = tl_core_new("c", yaml, NULL, NULL, NULL);
	const struct {
		uint16_t id, keylen;
		const char *name;
	} encr[] = {
		{ CG_ENCR_AES_CBC, 128, "AES_CBC_128" },
		{ CG_ENCR_AES_CBC, 192, "AES_CBC_192" },
		{ CG_ENCR_AES_CBC, 256, "AES_CBC_256" },
		{ CG_ENCR_AES_CBC, 0, "AES_CBC_128" },
		{ CG_ENCR_AES_GCM_16, 128, "AES_GCM_16_128" },
		{ CG_ENCR_AES_GCM_16, 256, "AES_GCM_16_256" },
		{ CG_ENCR_CHACHA20_POLY1305, 0, "CHACHA20_POLY1305" },
	};
	const uint16_t integ[] = { CG_INTEG_HMAC_SHA1_96, CG_INTEG_HMAC_SHA2_256_128,
				   CG_INTEG_HMAC_SHA2_384_192, CG_INTEG_HMAC_SHA2_512_256 };
	const uint16_t prf[] = { CG_PRF_HMAC_SHA1, CG_PRF_HMAC_SHA2_256, CG_PRF_HMAC_SHA2_384,
				 CG_PRF_HMAC_SHA2_512 };
	const uint16_t ke[] = { CG_KE_MODP_2048, CG_KE_MODP_3072, CG_KE_MODP_4096, CG_KE_ECP_256,
				CG_KE_ECP_384,   CG_KE_CURVE25519, CG_KE_CURVE448 };

	cr_assert_not_null(core);
	for (size_t i = 0; i < CG_ARRAY_SIZE(encr); i++) {
		const struct cg_encr_alg *a = cg_crypto_encr(core, encr[i].id, encr[i].keylen);

		cr_assert_not_null(a, "%s missing", encr[i].name);
		cr_assert_str_eq(a->name, encr[i].name);
	}
	cr_assert_null(cg_crypto_encr(core, CG_ENCR_AES_CBC, 100));
	cr_assert_null(cg_crypto_encr(core, CG_ENCR_3DES, 0), "3DES is not provided");
	for (size_t i = 0; i < CG_ARRAY_SIZE(integ); i++)
		cr_assert_not_null(cg_crypto_integ(core, integ[i]), "integrity %u", integ[i]);
	for (size_t i = 0; i < CG_ARRAY_SIZE(prf); i++)
		cr_assert_not_null(cg_crypto_prf(core, prf[i]), "PRF %u", prf[i]);
	for (size_t i = 0; i < CG_ARRAY_SIZE(ke); i++)
		cr_assert_not_null(cg_crypto_ke(core, ke[i]), "KE %u", ke[i]);
	cr_assert_null(cg_crypto_ke(core, CG_KE_MODP_1024), "MODP-1024 is not provided");
	cg_core_destroy(core);
}

Test(crypto_plugin, proposals_and_random)
{
	struct cg_core *core = tl_core_new("c", yaml, NULL, NULL, NULL);
	const char *props[] = { "aes128gcm16-prfsha256-x25519", "aes256gcm16-prfsha384-ecp384",
				"aes256-sha256-modp2048", "chacha20poly1305-prfsha512-x448",
				"aes192-sha1-modp4096", "aes128-sha512-ecp256" };
	uint8_t a[32] = { 0 }, b[32] = { 0 };

	cr_assert_not_null(core);
	for (size_t i = 0; i < CG_ARRAY_SIZE(props); i++) {
		struct cg_proposal p;
		const char *err = NULL, *missing = NULL;

		cr_assert_eq(cg_proposal_parse(props[i], CG_PROTO_IKE, &p, &err), 0, "%s: %s",
			     props[i], err);
		cr_assert(cg_crypto_supports(core, &p, &missing), "%s: %s missing", props[i],
			  missing);
	}
	cr_assert_eq(cg_random(core, a, sizeof(a)), 0);
	cr_assert_eq(cg_random(core, b, sizeof(b)), 0);
	cr_assert(memcmp(a, b, sizeof(a)));
	cg_core_destroy(core);
}

/* prf+ over the plugin's PRF: T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02). */
Test(crypto_plugin, prf_plus_chains_blocks)
{
	struct cg_core *core = tl_core_new("c", yaml, NULL, NULL, NULL);
	const struct cg_prf_alg *prf;
	uint8_t key[32], seed[40], out[80], t1[32], t2[32], buf[32 + 40 + 1];
	void *ctx;

	cr_assert_not_null(core);
	prf = cg_crypto_prf(core, CG_PRF_HMAC_SHA2_256);
	cr_assert_not_null(prf);
	cr_assert_eq(cg_random(core, key, sizeof(key)), 0);
	cr_assert_eq(cg_random(core, seed, sizeof(seed)), 0);
	cr_assert_eq(cg_prf_plus(prf, CG_CHUNK(key, sizeof(key)), CG_CHUNK(seed, sizeof(seed)), out,
				 sizeof(out)), 0);
	cr_assert_eq(prf->create(prf, key, sizeof(key), &ctx), 0);
	memcpy(buf, seed, sizeof(seed));
	buf[sizeof(seed)] = 1;
	cr_assert_eq(prf->compute(ctx, buf, sizeof(seed) + 1, t1), 0);
	memcpy(buf, t1, 32);
	memcpy(buf + 32, seed, sizeof(seed));
	buf[32 + sizeof(seed)] = 2;
	cr_assert_eq(prf->compute(ctx, buf, sizeof(buf), t2), 0);
	cr_assert(!memcmp(out, t1, 32));
	cr_assert(!memcmp(out + 32, t2, 32));
	prf->destroy(ctx);
	cg_core_destroy(core);
}

/* No globals: two cores load the plugin side by side and unload in any order. */
Test(crypto_plugin, two_cores)
{
	struct cg_core *a = tl_core_new("a", yaml, NULL, NULL, NULL);
	struct cg_core *b = tl_core_new("b", yaml, NULL, NULL, NULL);

	cr_assert_not_null(a);
	cr_assert_not_null(b);
	cr_assert_not_null(cg_crypto_ke(a, CG_KE_CURVE25519));
	cg_core_destroy(a);
	cr_assert_not_null(cg_crypto_ke(b, CG_KE_CURVE25519));
	cg_core_destroy(b);
}
