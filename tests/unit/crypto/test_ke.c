/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Elliptic-curve key exchange: RFC 5903 section 8 (ECP groups 19 and 20),
 * RFC 7748 sections 5.2 and 6 (X25519, X448), invalid peer values, and a
 * round trip through every registered method.
 */
#include "cn_test.h"

/* Sets a private value, checks our public value, then the secret with the peer's. */
static void ke_kat(uint16_t id, const char *priv_hex, const char *pub_hex, const char *peer_hex,
		   const char *shared_hex)
{
	const struct cg_ke_alg *ke = find_ke(id);
	size_t plen, peer_len;
	uint8_t *priv = hex(priv_hex, &plen), *peer = hex(peer_hex, &peer_len);
	uint8_t out[133];
	void *ctx;

	cr_assert_eq(ke->create(ke, &ctx), 0);
	cr_assert_eq(cn_ke_set_private(ke, ctx, priv, plen), 0);
	if (pub_hex) {
		cr_assert_eq(ke->get_public(ctx, out), 0);
		assert_hex(out, ke->public_size, pub_hex, "public value");
	}
	cr_assert_eq(peer_len, ke->public_size);
	cr_assert_eq(ke->set_peer(ctx, peer, peer_len), 0, "%s: peer value refused", ke->name);
	cr_assert_eq(ke->get_shared(ctx, out), 0);
	assert_hex(out, ke->shared_size, shared_hex, "shared secret");
	ke->destroy(ctx);
	free(priv);
	free(peer);
}

#define P256_I "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"
#define P256_GI                                                                                   \
	"DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"                        \
	"5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3"
#define P256_R "C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53"
#define P256_GR                                                                                   \
	"D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"                        \
	"56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB"
#define P256_GIRX "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"

Test(ecp, rfc5903_256)
{
	ke_kat(CG_KE_ECP_256, P256_I, P256_GI, P256_GR, P256_GIRX);
	ke_kat(CG_KE_ECP_256, P256_R, P256_GR, P256_GI, P256_GIRX);
}

#define P384_I                                                                                    \
	"099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655"                        \
	"E35B538041E649EE3FAEF896783AB194"
#define P384_GI                                                                                   \
	"667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6"                        \
	"DE3AC808ACB4BDB4C88732AEE95F41AA"                                                        \
	"9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38E"                        \
	"EB9FCFF3C2C947DAE69B4C634573A81C"
#define P384_R                                                                                    \
	"41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942"                        \
	"E0308312916B8ED2960E4BD55A7448FC"
#define P384_GR                                                                                   \
	"E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D"                        \
	"0D1AC43A0336DEF96FDA41D0774A3571"                                                        \
	"DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FF"                        \
	"F83FA40142209DFF5EAAD96DB9E6386C"
#define P384_GIRX                                                                                 \
	"11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4"                        \
	"D603135569B9E9D09CF5D4A270F59746"

Test(ecp, rfc5903_384)
{
	ke_kat(CG_KE_ECP_384, P384_I, P384_GI, P384_GR, P384_GIRX);
	ke_kat(CG_KE_ECP_384, P384_R, P384_GR, P384_GI, P384_GIRX);
}

/* A peer value must be a point on the curve, with coordinates below p, of the right length. */
Test(ecp, refuses_invalid_points)
{
	const uint16_t ids[] = { CG_KE_ECP_256, CG_KE_ECP_384 };
	const char *valid[] = { P256_GR, P384_GR };

	for (size_t i = 0; i < CG_ARRAY_SIZE(ids); i++) {
		const struct cg_ke_alg *ke = find_ke(ids[i]);
		size_t len;
		uint8_t *pt = hex(valid[i], &len), bad[97], out[48];
		void *ctx;

		cr_assert_eq(ke->create(ke, &ctx), 0);
		memcpy(bad, pt, len);
		bad[len - 1] ^= 0x01; /* y changed: off the curve */
		cr_assert_eq(ke->set_peer(ctx, bad, len), -EINVAL, "%s: point off the curve", ke->name);
		cr_assert_eq(ke->get_shared(ctx, out), -EINVAL);
		memset(bad, 0, len);
		cr_assert_eq(ke->set_peer(ctx, bad, len), -EINVAL, "%s: (0, 0)", ke->name);
		memset(bad, 0xff, len);
		cr_assert_eq(ke->set_peer(ctx, bad, len), -EINVAL, "%s: coordinates >= p", ke->name);
		cr_assert_eq(ke->set_peer(ctx, pt, len - 1), -EINVAL, "%s: short", ke->name);
		cr_assert_eq(ke->set_peer(ctx, pt, len / 2), -EINVAL, "%s: x only", ke->name);
		/* An uncompressed SEC1 point (04 || x || y) is not the IKE encoding. */
		bad[0] = 0x04;
		memcpy(bad + 1, pt, len);
		cr_assert_eq(ke->set_peer(ctx, bad, len + 1), -EINVAL, "%s: SEC1 form", ke->name);
		cr_assert_eq(ke->set_peer(ctx, pt, len), 0, "%s: the valid point", ke->name);
		cr_assert_eq(ke->get_shared(ctx, out), 0);
		ke->destroy(ctx);
		free(pt);
	}
}

Test(x25519, rfc7748_6_1)
{
	ke_kat(CG_KE_CURVE25519, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	       "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	       "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	       "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	ke_kat(CG_KE_CURVE25519, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	       "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	       "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	       "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

Test(x25519, rfc7748_5_2)
{
	ke_kat(CG_KE_CURVE25519, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	       NULL, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	       "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	/* The u-coordinate's top bit is set: it must be ignored. */
	ke_kat(CG_KE_CURVE25519, "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	       NULL, "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	       "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

Test(x448, rfc7748_6_2)
{
	ke_kat(CG_KE_CURVE448,
	       "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d"
	       "d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
	       "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c"
	       "22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
	       "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430"
	       "27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
	       "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b"
	       "b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d");
}

/* Small-order points give an all-zero secret, which RFC 7748 section 6 says to refuse. */
static void refuse_low_order(uint16_t id, const char *point_hex)
{
	const struct cg_ke_alg *ke = find_ke(id);
	size_t len;
	uint8_t *pt = hex(point_hex, &len), out[56];
	void *ctx;

	cr_assert_eq(ke->create(ke, &ctx), 0);
	cr_assert_eq(ke->set_peer(ctx, pt, len), -EINVAL, "%s: low-order point %s", ke->name,
		     point_hex);
	cr_assert_eq(ke->get_shared(ctx, out), -EINVAL);
	ke->destroy(ctx);
	free(pt);
}

Test(x25519, refuses_low_order_points_and_bad_lengths)
{
	const struct cg_ke_alg *ke = find_ke(CG_KE_CURVE25519);
	uint8_t buf[33] = { 9 };
	void *ctx;

	refuse_low_order(CG_KE_CURVE25519, "0000000000000000000000000000000000000000000000000000000000000000");
	refuse_low_order(CG_KE_CURVE25519, "0100000000000000000000000000000000000000000000000000000000000000");
	/* A point of order 8. */
	refuse_low_order(CG_KE_CURVE25519, "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
	/* p itself (reduces to 0) and p + 1 (reduces to 1). */
	refuse_low_order(CG_KE_CURVE25519, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
	refuse_low_order(CG_KE_CURVE25519, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
	cr_assert_eq(ke->create(ke, &ctx), 0);
	cr_assert_eq(ke->set_peer(ctx, buf, 31), -EINVAL);
	cr_assert_eq(ke->set_peer(ctx, buf, 33), -EINVAL);
	cr_assert_eq(ke->set_peer(ctx, buf, 32), 0, "the base point is a valid peer value");
	ke->destroy(ctx);
}

Test(x448, refuses_low_order_points_and_bad_lengths)
{
	const struct cg_ke_alg *ke = find_ke(CG_KE_CURVE448);
	uint8_t buf[57] = { 5 };
	void *ctx;

	refuse_low_order(CG_KE_CURVE448, "00000000000000000000000000000000000000000000000000000000"
					 "00000000000000000000000000000000000000000000000000000000");
	refuse_low_order(CG_KE_CURVE448, "01000000000000000000000000000000000000000000000000000000"
					 "00000000000000000000000000000000000000000000000000000000");
	cr_assert_eq(ke->create(ke, &ctx), 0);
	cr_assert_eq(ke->set_peer(ctx, buf, 55), -EINVAL);
	cr_assert_eq(ke->set_peer(ctx, buf, 57), -EINVAL);
	cr_assert_eq(ke->set_peer(ctx, buf, 56), 0);
	ke->destroy(ctx);
}

/* Two fresh contexts of each method reach the same secret, and fresh keys differ. */
Test(ke, round_trip_every_method)
{
	for (size_t i = 0; cn_ke_algs[i]; i++) {
		const struct cg_ke_alg *ke = cn_ke_algs[i];
		uint8_t pa[512], pb[512], sa[512], sb[512];
		void *a, *b;

		cr_assert_eq(ke->create(ke, &a), 0, "%s", ke->name);
		cr_assert_eq(ke->create(ke, &b), 0);
		cr_assert_eq(ke->get_public(a, pa), 0);
		cr_assert_eq(ke->get_public(b, pb), 0);
		cr_assert(memcmp(pa, pb, ke->public_size), "%s: two keys are equal", ke->name);
		cr_assert_eq(ke->set_peer(a, pb, ke->public_size), 0, "%s", ke->name);
		cr_assert_eq(ke->set_peer(b, pa, ke->public_size), 0, "%s", ke->name);
		cr_assert_eq(ke->get_shared(a, sa), 0);
		cr_assert_eq(ke->get_shared(b, sb), 0);
		cr_assert(!memcmp(sa, sb, ke->shared_size), "%s: secrets differ", ke->name);
		ke->destroy(a);
		ke->destroy(b);
	}
}

Test(rng, getrandom_fills_buffers)
{
	uint8_t a[64] = { 0 }, b[64] = { 0 };

	cr_assert_eq(cn_rng.bytes(cn_rng.priv, a, sizeof(a)), 0);
	cr_assert_eq(cn_rng.bytes(cn_rng.priv, b, sizeof(b)), 0);
	cr_assert(memcmp(a, b, sizeof(a)), "two draws of 64 bytes are equal");
	cr_assert_eq(cn_rng.bytes(cn_rng.priv, a, 0), 0);
}
