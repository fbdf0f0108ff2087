/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include <cygnet/transform.h>

static struct cg_proposal prop(const char *s, uint8_t protocol)
{
	struct cg_proposal p;
	const char *err = NULL;

	cr_assert_eq(cg_proposal_parse(s, protocol, &p, &err), 0, "%s: %s", s, err ? err : "");
	return p;
}

static const char *str(const struct cg_proposal *p)
{
	static char buf[512];

	return cg_proposal_str(p, buf, sizeof(buf));
}

static void assert_parsed(const char *s, uint8_t protocol, const char *want)
{
	struct cg_proposal p = prop(s, protocol);

	cr_assert_eq(p.protocol, protocol);
	cr_assert_str_eq(str(&p), want, "'%s' gave %s", s, str(&p));
}

Test(proposal, ike_keywords)
{
	assert_parsed("aes128gcm16-prfsha256-x25519", CG_PROTO_IKE,
		      "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519");
	/* Integrity implies the PRF when none is written. */
	assert_parsed("aes256-sha256-modp2048", CG_PROTO_IKE,
		      "AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	assert_parsed("aes128-aes256-sha1-sha384-ecp256-curve448", CG_PROTO_IKE,
		      "AES_CBC_128/AES_CBC_256/HMAC_SHA1_96/HMAC_SHA2_384_192/PRF_HMAC_SHA1/"
		      "PRF_HMAC_SHA2_384/ECP_256/CURVE_448");
	assert_parsed("aes256-sha512-prfsha256-modp4096", CG_PROTO_IKE,
		      "AES_CBC_256/HMAC_SHA2_512_256/PRF_HMAC_SHA2_256/MODP_4096");
	assert_parsed("chacha20poly1305-prfsha512-x448-modp3072", CG_PROTO_IKE,
		      "CHACHA20_POLY1305/PRF_HMAC_SHA2_512/CURVE_448/MODP_3072");
	assert_parsed("AES256GCM16-PRFSHA384-ECP384", CG_PROTO_IKE,
		      "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");
}

Test(proposal, esp_keywords)
{
	assert_parsed("aes128gcm16-x25519-esn", CG_PROTO_ESP, "AES_GCM_16_128/CURVE_25519/EXT_SEQ");
	/* Without esn/noesn, ESP proposes no ESN. */
	assert_parsed("aes128-sha1", CG_PROTO_ESP, "AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ");
	assert_parsed("aes256gcm16-esn-noesn", CG_PROTO_ESP, "AES_GCM_16_256/EXT_SEQ/NO_EXT_SEQ");
	assert_parsed("sha256", CG_PROTO_AH, "HMAC_SHA2_256_128/NO_EXT_SEQ");
}

Test(proposal, transform_values)
{
	struct cg_proposal p = prop("aes256-sha256-modp2048", CG_PROTO_IKE);
	const struct cg_transform *t = cg_proposal_get(&p, CG_TT_ENCR);

	cr_assert_eq(t->id, 12);
	cr_assert_eq(t->keylen, 256);
	cr_assert_eq(cg_proposal_get(&p, CG_TT_INTEG)->id, 12);
	cr_assert_eq(cg_proposal_get(&p, CG_TT_PRF)->id, 5);
	cr_assert_eq(cg_proposal_ke(&p), 14);
	cr_assert_null(cg_proposal_get(&p, CG_TT_ESN));

	p = prop("chacha20poly1305-prfsha256-x25519", CG_PROTO_IKE);
	cr_assert_eq(cg_proposal_get(&p, CG_TT_ENCR)->id, 28);
	cr_assert_eq(cg_proposal_get(&p, CG_TT_ENCR)->keylen, 0, "the ID fixes the key length");
	cr_assert_eq(cg_proposal_ke(&p), 31);
	cr_assert(cg_proposal_has_ke(&p, CG_KE_CURVE25519));
	cr_assert_not(cg_proposal_has_ke(&p, CG_KE_MODP_2048));

	p = prop("aes128gcm16", CG_PROTO_ESP);
	cr_assert_eq(cg_proposal_ke(&p), CG_KE_NONE);
	cr_assert(cg_proposal_has_ke(&p, CG_KE_NONE), "no KE transform means NONE");
	cr_assert_eq(cg_proposal_get(&p, CG_TT_ESN)->id, CG_ESN_NO);
}

Test(proposal, duplicates_collapse)
{
	struct cg_proposal p = prop("aes128-aes-sha1-sha-modp2048", CG_PROTO_IKE);

	cr_assert_str_eq(str(&p), "AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048");
}

Test(proposal, defaults)
{
	struct cg_proposal ike = prop("default", CG_PROTO_IKE), esp = prop("default", CG_PROTO_ESP);

	cr_assert_neq(cg_proposal_ke(&ike), CG_KE_NONE);
	cr_assert_not_null(cg_proposal_get(&ike, CG_TT_PRF));
	cr_assert_not_null(cg_proposal_get(&esp, CG_TT_ENCR));
	cr_assert_not_null(cg_proposal_get(&esp, CG_TT_ESN));
	cr_assert_null(cg_proposal_get(&esp, CG_TT_PRF));
}

static void assert_refused(const char *s, uint8_t protocol, const char *needle)
{
	struct cg_proposal p;
	const char *err = NULL;

	cr_assert_eq(cg_proposal_parse(s, protocol, &p, &err), -EINVAL, "'%s' accepted", s);
	cr_assert_not_null(err);
	cr_assert(strstr(err, needle), "'%s': '%s' does not mention '%s'", s, err, needle);
}

Test(proposal, shape_errors_name_the_problem)
{
	assert_refused("aes128-sha257-modp2048", CG_PROTO_IKE, "'sha257'");
	assert_refused("aes128--sha1-modp2048", CG_PROTO_IKE, "empty");
	assert_refused("", CG_PROTO_IKE, "empty");
	assert_refused("aes128gcm16-x25519", CG_PROTO_IKE, "PRF");
	assert_refused("aes128-sha256", CG_PROTO_IKE, "key exchange");
	assert_refused("aes128-prfsha256-x25519", CG_PROTO_IKE, "integrity");
	assert_refused("aes128gcm16-sha256-prfsha256-x25519", CG_PROTO_IKE, "AEAD");
	assert_refused("aes128-aes128gcm16-sha256-x25519", CG_PROTO_IKE, "AEAD");
	assert_refused("sha256-prfsha256-x25519", CG_PROTO_IKE, "encryption");
	assert_refused("aes128gcm16-prfsha256-x25519-esn", CG_PROTO_IKE, "ESP");
	assert_refused("aes128gcm16-prfsha256", CG_PROTO_ESP, "PRF");
	assert_refused("aes128", CG_PROTO_ESP, "integrity");
	assert_refused("aes128-sha256", CG_PROTO_AH, "AH");
	assert_refused("aes128-sha256", 7, "IKE, ESP or AH");
}

Test(proposal, too_many_transforms)
{
	char s[1024] = "aes128gcm16-prfsha256";
	static const char *const more[] = { "-aes192gcm16", "-aes256gcm16", "-aes128gcm12",
					    "-aes192gcm12", "-aes256gcm12", "-aes128gcm8",
					    "-aes192gcm8", "-aes256gcm8", "-chacha20poly1305",
					    "-prfsha1", "-prfsha384", "-prfsha512", "-prfmd5",
					    "-prfaesxcbc", "-modp1024", "-modp2048", "-modp3072",
					    "-modp4096", "-ecp256", "-ecp384", "-ecp521", "-x25519",
					    "-x448", "-null", "-3des", "-aes128ctr", "-aes256ctr",
					    "-aes192ctr", "-aes128", "-aes192", "-aes256" };

	for (size_t i = 0; i < CG_ARRAY_SIZE(more); i++)
		strcat(s, more[i]);
	assert_refused(s, CG_PROTO_IKE, "too many");
}

Test(proposal, names)
{
	cr_assert_str_eq(cg_transform_name(CG_TT_ENCR, 20), "AES_GCM_16");
	cr_assert_str_eq(cg_transform_name(CG_TT_KE, 14), "MODP_2048");
	cr_assert_str_eq(cg_transform_name(CG_TT_KE, 31), "CURVE_25519");
	cr_assert_str_eq(cg_transform_name(CG_TT_INTEG, 14), "HMAC_SHA2_512_256");
	cr_assert_str_eq(cg_transform_name(CG_TT_PRF, 7), "PRF_HMAC_SHA2_512");
	cr_assert_str_eq(cg_transform_name(CG_TT_ESN, 1), "EXT_SEQ");
	cr_assert_str_eq(cg_transform_name(CG_TT_ENCR, 999), "UNKNOWN");
	cr_assert(cg_encr_is_aead(CG_ENCR_AES_GCM_16));
	cr_assert(cg_encr_is_aead(CG_ENCR_CHACHA20_POLY1305));
	cr_assert_not(cg_encr_is_aead(CG_ENCR_AES_CBC));
}

Test(proposal, str_of_unknown_and_short_buffers)
{
	struct cg_proposal p = { .protocol = CG_PROTO_IKE, .n = 2 };
	char buf[8];

	p.t[0] = (struct cg_transform){ CG_TT_ENCR, 12, 128 };
	p.t[1] = (struct cg_transform){ CG_TT_KE, 4242, 0 };
	cr_assert_str_eq(str(&p), "AES_CBC_128/TYPE4_4242");
	cr_assert_str_eq(cg_proposal_str(&p, buf, sizeof(buf)), "AES_CBC");
}

Test(proposal, select_prefers_the_peer_order_by_default)
{
	struct cg_proposal ours[] = { prop("aes256gcm16-prfsha384-ecp384", CG_PROTO_IKE),
				      prop("aes128gcm16-prfsha256-x25519-ecp256", CG_PROTO_IKE) };
	struct cg_proposal theirs[] = { prop("aes128gcm16-prfsha256-ecp256-x25519", CG_PROTO_IKE),
					prop("aes256gcm16-prfsha384-ecp384", CG_PROTO_IKE) };
	struct cg_proposal out;
	size_t idx = 99;

	cr_assert(cg_proposal_select(ours, 2, theirs, 2, false, &out, &idx));
	cr_assert_eq(idx, 0);
	/* One of each type, in the peer's order of preference. */
	cr_assert_str_eq(str(&out), "AES_GCM_16_128/PRF_HMAC_SHA2_256/ECP_256");

	cr_assert(cg_proposal_select(ours, 2, theirs, 2, true, &out, &idx));
	cr_assert_eq(idx, 1);
	cr_assert_str_eq(str(&out), "AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384");

	/* Our order of transforms when we prefer ours. */
	cr_assert(cg_proposal_select(&ours[1], 1, theirs, 1, true, &out, &idx));
	cr_assert_str_eq(str(&out), "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519");
}

Test(proposal, select_needs_every_type_to_match)
{
	struct cg_proposal ours = prop("aes128-sha256-modp2048", CG_PROTO_IKE);
	struct cg_proposal keylen = prop("aes256-sha256-modp2048", CG_PROTO_IKE);
	struct cg_proposal ke = prop("aes128-sha256-modp3072", CG_PROTO_IKE);
	struct cg_proposal integ = prop("aes128-sha1-prfsha256-modp2048", CG_PROTO_IKE);
	struct cg_proposal esp = prop("aes128-sha256-modp2048", CG_PROTO_ESP);
	struct cg_proposal theirs[] = { keylen, ke, integ, esp }, out;
	size_t idx;

	cr_assert_not(cg_proposal_select(&ours, 1, theirs, CG_ARRAY_SIZE(theirs), false, &out,
					 &idx));
	cr_assert_not(cg_proposal_select(&ours, 1, theirs, 0, false, &out, &idx));
	cr_assert(cg_proposal_select(&ours, 1, &ours, 1, false, NULL, NULL));
}

Test(proposal, select_for_esp_with_and_without_pfs)
{
	struct cg_proposal nopfs = prop("aes128gcm16", CG_PROTO_ESP);
	struct cg_proposal pfs = prop("aes128gcm16-x25519", CG_PROTO_ESP);
	struct cg_proposal esn = prop("aes128gcm16-esn", CG_PROTO_ESP);
	struct cg_proposal either = prop("aes128gcm16-esn-noesn", CG_PROTO_ESP);
	struct cg_proposal out;

	/* A peer that insists on PFS does not get a child SA without it, nor the other way. */
	cr_assert_not(cg_proposal_select(&nopfs, 1, &pfs, 1, false, &out, NULL));
	cr_assert_not(cg_proposal_select(&pfs, 1, &nopfs, 1, false, &out, NULL));
	cr_assert(cg_proposal_select(&pfs, 1, &pfs, 1, false, &out, NULL));
	cr_assert_str_eq(str(&out), "AES_GCM_16_128/CURVE_25519/NO_EXT_SEQ");
	cr_assert_not(cg_proposal_select(&nopfs, 1, &esn, 1, false, &out, NULL));
	cr_assert(cg_proposal_select(&either, 1, &esn, 1, false, &out, NULL));
	cr_assert_str_eq(str(&out), "AES_GCM_16_128/EXT_SEQ");
}

Test(proposal, select_accepts_explicit_integ_none_with_aead)
{
	struct cg_proposal ours = prop("aes256gcm16-prfsha256-x25519", CG_PROTO_IKE);
	struct cg_proposal theirs = ours, out;

	/* Some peers send INTEG NONE next to an AEAD; the reply echoes it. */
	theirs.t[theirs.n++] = (struct cg_transform){ .type = CG_TT_INTEG, .id = CG_INTEG_NONE };
	cr_assert(cg_proposal_select(&ours, 1, &theirs, 1, false, &out, NULL));
	cr_assert_str_eq(str(&out), "AES_GCM_16_256/NONE/PRF_HMAC_SHA2_256/CURVE_25519");
	cr_assert_not_null(cg_proposal_get(&out, CG_TT_INTEG));
}
