/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ISAKMP codec: header and payload chain bounds, SA payloads with TV
 * and TLV attributes, phase 2 IDs as selectors both ways, Notify and
 * Delete bounds.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <cygnet/bytes.h>

#include "msg.h"

static struct ike1_pl pl(uint8_t type, const uint8_t *body, size_t len)
{
	return (struct ike1_pl){ .type = type, .body = body, .len = len };
}

Test(ike1_msg, header_length_and_version)
{
	uint8_t m[28] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ike1_hdr h;

	m[17] = 0x10;
	m[18] = IKE1_EXCH_MAIN;
	cg_put32(m + 24, 28);
	cr_assert_eq(ike1_hdr_parse(m, 28, &h), 0);
	cr_assert_eq(h.ci, 0x0102030405060708ull);
	cr_assert_eq(ike1_hdr_parse(m, 27, &h), -EINVAL);
	cg_put32(m + 24, 29);
	cr_assert_eq(ike1_hdr_parse(m, 28, &h), -EINVAL);
	cg_put32(m + 24, 28);
	m[17] = 0x20;
	cr_assert_eq(ike1_hdr_parse(m, 28, &h), -EINVAL, "IKEv2 is not IKEv1");
	m[17] = 0x10;
	memset(m, 0, 8);
	cr_assert_eq(ike1_hdr_parse(m, 28, &h), -EINVAL, "an initiator cookie of 0");
}

Test(ike1_msg, chain_bounds)
{
	/* VID (4 + 2) then NONCE (4 + 4). */
	uint8_t d[] = { IKE1_PL_NONCE, 0, 0, 6, 0xaa, 0xbb, 0, 0, 0, 8, 1, 2, 3, 4, 0, 0 };
	struct ike1_chain c;

	cr_assert_eq(ike1_chain_parse(IKE1_PL_VID, d, 14, false, &c), 0);
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.pl[1].type, IKE1_PL_NONCE);
	cr_assert_eq(c.pl[1].len, 4);
	cr_assert_eq(ike1_chain_parse(IKE1_PL_VID, d, 16, false, &c), -EINVAL, "trailing bytes");
	cr_assert_eq(ike1_chain_parse(IKE1_PL_VID, d, 16, true, &c), 0, "padding after decryption");
	cr_assert_eq(c.used, 14);
	cr_assert_eq(ike1_chain_parse(IKE1_PL_VID, d, 13, true, &c), -EINVAL, "cut payload");
	d[3] = 3;
	cr_assert_eq(ike1_chain_parse(IKE1_PL_VID, d, 14, false, &c), -EINVAL, "length below 4");
}

/* SA body: DOI, situation, one proposal with one transform of attrs. */
static size_t sa_body(uint8_t *b, bool phase2, const uint8_t *attrs, size_t alen)
{
	size_t spi = phase2 ? 4 : 0, off = 8;

	memset(b, 0, 64);
	cg_put32(b, 1);
	cg_put32(b + 4, 1);
	b[off + 4] = 1;
	b[off + 5] = phase2 ? IKE1_PROTO_ESP : IKE1_PROTO_ISAKMP;
	b[off + 6] = (uint8_t)spi;
	b[off + 7] = 1;
	if (phase2)
		cg_put32(b + off + 8, 0xc0ffee01);
	cg_put16(b + off + 2, (uint16_t)(8 + spi + 8 + alen));
	off += 8 + spi;
	b[off + 4] = 1;
	b[off + 5] = phase2 ? CG_ENCR_AES_CBC : 1;
	cg_put16(b + off + 2, (uint16_t)(8 + alen));
	memcpy(b + off + 8, attrs, alen);
	return off + 8 + alen;
}

Test(ike1_msg, phase1_transform_with_tlv_lifetime)
{
	const uint8_t attrs[] = {
		0x80, 1, 0, IKE1_ENCR_AES_CBC, 0x80, 14, 0, 128, 0x80, 2, 0, IKE1_HASH_SHA2_256,
		0x80, 3, 0, IKE1_AUTH_PSK, 0x80, 4, 0, 14, 0x80, 11, 0, 1,
		0, 12, 0, 4, 0, 1, 0x51, 0x80,
	};
	uint8_t b[96];
	struct ike1_offer o;
	size_t n, len = sa_body(b, false, attrs, sizeof(attrs));
	struct ike1_pl p = pl(IKE1_PL_SA, b, len);

	cr_assert_eq(ike1_sa_parse(&p, false, &o, 1, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert(o.usable);
	cr_assert_eq(o.auth, IKE1_AUTH_PSK);
	cr_assert_eq(o.life_secs, 86400);
	cr_assert_eq(cg_proposal_get(&o.p, CG_TT_ENCR)->keylen, 128);
	cr_assert_eq(cg_proposal_get(&o.p, CG_TT_PRF)->id, CG_PRF_HMAC_SHA2_256);
	cr_assert_eq(cg_proposal_ke(&o.p), CG_KE_MODP_2048);
	/* A TLV whose length runs past the transform. */
	b[len - 5] = 9;
	cr_assert_eq(ike1_sa_parse(&p, false, &o, 1, &n), 0);
	cr_assert_not(o.usable);
	/* A proposal longer than the payload. */
	p.len = len - 1;
	cr_assert_eq(ike1_sa_parse(&p, false, &o, 1, &n), -EINVAL);
}

Test(ike1_msg, phase2_transform)
{
	const uint8_t attrs[] = {
		0x80, IKE1_QA_MODE, 0, IKE1_MODE_TRANSPORT, 0x80, IKE1_QA_AUTH, 0, 5,
		0x80, IKE1_QA_KEY_LENGTH, 1, 0, 0x80, IKE1_QA_GROUP, 0, 14,
	};
	uint8_t b[96];
	struct ike1_offer o;
	size_t n, len = sa_body(b, true, attrs, sizeof(attrs));
	struct ike1_pl p = pl(IKE1_PL_SA, b, len);

	cr_assert_eq(ike1_sa_parse(&p, true, &o, 1, &n), 0);
	cr_assert(o.usable);
	cr_assert_eq(o.spi, 0xc0ffee01);
	cr_assert_eq(o.mode, IKE1_MODE_TRANSPORT);
	cr_assert_eq(cg_proposal_get(&o.p, CG_TT_INTEG)->id, CG_INTEG_HMAC_SHA2_256_128);
	cr_assert_eq(cg_proposal_get(&o.p, CG_TT_ENCR)->keylen, 256);
	cr_assert_eq(cg_proposal_ke(&o.p), CG_KE_MODP_2048);
	cr_assert_eq(ike1_sa_parse(&p, false, &o, 1, &n), -EINVAL, "an SPI in phase 1");
}

/* Writes a selector as an ID and reads it back. */
static void id_roundtrip(const char *s, uint8_t want_type)
{
	struct ike1_hdr h = { .ci = 1 };
	struct cg_ts ts, back;
	struct ike1_w w;
	struct ike1_chain c;
	const char *err;

	cr_assert_eq(cg_ts_parse(s, &ts, &err), 0, "%s", s);
	ike1_w_init(&w, &h);
	ike1_w_id_ts(&w, &ts);
	cr_assert_not(w.failed);
	cr_assert_eq(ike1_chain_parse(IKE1_PL_ID, w.buf + 28, w.len - 28, false, &c), 0);
	cr_assert_eq(c.pl[0].body[0], want_type, "%s", s);
	cr_assert_eq(ike1_id_to_ts(&c.pl[0], &back), 0, "%s", s);
	cr_assert(cg_ts_equal(&ts, &back), "%s", s);
	ike1_w_free(&w);
}

Test(ike1_msg, ids_as_selectors)
{
	id_roundtrip("192.0.2.7", IKE1_ID_IPV4_ADDR);
	id_roundtrip("2001:db8::1", IKE1_ID_IPV6_ADDR);
	id_roundtrip("198.51.100.0/24", IKE1_ID_IPV4_SUBNET);
	id_roundtrip("2001:db8:1::/64[tcp/80]", IKE1_ID_IPV6_SUBNET);
	id_roundtrip("192.0.2.1-192.0.2.9", IKE1_ID_IPV4_RANGE);
	id_roundtrip("2001:db8::1-2001:db8::9[udp/500]", IKE1_ID_IPV6_RANGE);
}

Test(ike1_msg, bad_ids_are_refused)
{
	/* A subnet with a mask that is not contiguous, a range upside down, FQDN, short. */
	uint8_t mask[] = { IKE1_ID_IPV4_SUBNET, 0, 0, 0, 192, 0, 2, 0, 255, 0, 255, 0 };
	uint8_t range[] = { IKE1_ID_IPV4_RANGE, 0, 0, 0, 192, 0, 2, 9, 192, 0, 2, 1 };
	uint8_t fqdn[] = { IKE1_ID_FQDN, 0, 0, 0, 'a', '.', 'b' };
	uint8_t v6short[] = { IKE1_ID_IPV6_ADDR, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8 };
	struct ike1_pl p;
	struct cg_ts ts;

	p = pl(IKE1_PL_ID, mask, sizeof(mask));
	cr_assert_eq(ike1_id_to_ts(&p, &ts), -EINVAL);
	p = pl(IKE1_PL_ID, range, sizeof(range));
	cr_assert_eq(ike1_id_to_ts(&p, &ts), -EINVAL);
	p = pl(IKE1_PL_ID, fqdn, sizeof(fqdn));
	cr_assert_eq(ike1_id_to_ts(&p, &ts), -EINVAL);
	p = pl(IKE1_PL_ID, v6short, sizeof(v6short));
	cr_assert_eq(ike1_id_to_ts(&p, &ts), -EINVAL);
	p = pl(IKE1_PL_ID, v6short, 3);
	cr_assert_eq(ike1_id_to_ts(&p, &ts), -EINVAL);
}

Test(ike1_msg, notify_and_delete_bounds)
{
	uint8_t n[] = { 0, 0, 0, 1, IKE1_PROTO_ISAKMP, 16, 0x60, 0x02, 1, 2 };
	uint8_t d[] = { 0, 0, 0, 1, IKE1_PROTO_ESP, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ike1_notify nt;
	struct ike1_delete dl;
	struct ike1_pl p = pl(IKE1_PL_N, n, sizeof(n));

	cr_assert_eq(ike1_notify_parse(&p, &nt), -EINVAL, "an SPI longer than the payload");
	n[5] = 2;
	cr_assert_eq(ike1_notify_parse(&p, &nt), 0);
	cr_assert_eq(nt.type, IKE1_N_INITIAL_CONTACT);
	p = pl(IKE1_PL_D, d, sizeof(d));
	cr_assert_eq(ike1_delete_parse(&p, &dl), 0);
	cr_assert_eq(dl.n, 2);
	d[7] = 3;
	cr_assert_eq(ike1_delete_parse(&p, &dl), -EINVAL, "more SPIs than bytes");
}
