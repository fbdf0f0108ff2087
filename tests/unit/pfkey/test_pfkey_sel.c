/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Selector encoding: neutral form -> af_key's form -> wire -> back, for
 * every shape af_key can hold, and a refusal for every shape it cannot.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include <cygnet/transform.h>

#include "pfkey_testmsg.h"

static struct cg_ts ts(const char *s)
{
	struct cg_ts t;
	const char *err = NULL;

	cr_assert_eq(cg_ts_parse(s, &t, &err), 0, "%s: %s", s, err);
	return t;
}

/* Encodes, sends through the wire format, decodes; returns the af_key form seen. */
static struct pfk_sel round_trip(const struct cg_ts *src, const struct cg_ts *dst,
				 struct cg_ts *back_src, struct cg_ts *back_dst)
{
	struct pfk_buf *b = calloc(1, sizeof(*b));
	struct pfk_sel sel, wire;
	struct pfk_msg msg;
	const char *why = NULL;

	cr_assert_eq(pfk_sel_from_ts(src, dst, &sel, &why), 0, "%s", why);
	pfk_buf_init(b, SADB_X_SPDADD, 0, 1, 1);
	pfk_put_sel(b, &sel);
	pfk_put_policy(b, IPSEC_POLICY_NONE, IPSEC_DIR_OUTBOUND, 0, 1000);
	cr_assert_eq(pfk_buf_finish(b), 0);
	cr_assert_eq(pfk_msg_parse(b->words, b->len, &msg, &why), 0, "%s", why);
	cr_assert_eq(pfk_get_sel(&msg, &wire, &why), 0, "%s", why);
	cr_assert(pfk_sel_equal(&sel, &wire));
	pfk_sel_to_ts(&wire, back_src, back_dst);
	free(b);
	return wire;
}

static void assert_same(const struct cg_ts *a, const struct cg_ts *b)
{
	char x[CG_TS_STRLEN], y[CG_TS_STRLEN];

	cr_assert(cg_ts_equal(a, b), "%s != %s", cg_ts_str(a, x, sizeof(x)),
		  cg_ts_str(b, y, sizeof(y)));
}

Test(pfkey_sel, prefixes_any_protocol)
{
	struct cg_ts s = ts("2001:db8:1::/48"), d = ts("::/0"), bs, bd;
	struct pfk_sel w = round_trip(&s, &d, &bs, &bd);

	cr_assert_eq(w.src_len, 48);
	cr_assert_eq(w.dst_len, 0);
	cr_assert_eq(w.proto, 0);
	assert_same(&s, &bs);
	assert_same(&d, &bd);
}

Test(pfkey_sel, exact_ports_each_side)
{
	struct cg_ts s = ts("198.51.100.0/25[tcp/1234]"), d = ts("198.51.100.137[tcp/80]"), bs, bd;
	struct pfk_sel w = round_trip(&s, &d, &bs, &bd);

	cr_assert_eq(w.proto, IPPROTO_TCP);
	cr_assert_eq(w.sport, 1234);
	cr_assert_eq(w.dport, 80);
	cr_assert_eq(w.dst_len, 32);
	assert_same(&s, &bs);
	assert_same(&d, &bd);

	s = ts("198.51.100.0/25[udp]");
	d = ts("198.51.100.128/25[udp/500]");
	w = round_trip(&s, &d, &bs, &bd);
	cr_assert_eq(w.sport, 0);
	cr_assert_eq(w.dport, 500);
	assert_same(&s, &bs);
	assert_same(&d, &bd);
}

/* Neighbour solicitation, any code: sport 135, dport 0 (af_key's "any"). */
Test(pfkey_sel, icmpv6_type_any_code)
{
	struct cg_ts s = ts("::/0[ipv6-icmp]"), bs, bd;
	struct pfk_sel w;

	s.from_port = cg_ts_icmp_port(135, 0);
	s.to_port = cg_ts_icmp_port(135, 0xff);
	w = round_trip(&s, &s, &bs, &bd);
	cr_assert_eq(w.proto, IPPROTO_ICMPV6);
	cr_assert_eq(w.sport, 135);
	cr_assert_eq(w.dport, 0);
	assert_same(&s, &bs);
	assert_same(&s, &bd);
}

/* Destination unreachable, port unreachable: type 1 in sport, code 4 in dport. */
Test(pfkey_sel, icmpv6_type_and_code)
{
	struct cg_ts s = ts("2001:db8::/64[ipv6-icmp]"), d = ts("::/0[ipv6-icmp]"), bs, bd;
	struct pfk_sel w;

	s.from_port = s.to_port = d.from_port = d.to_port = cg_ts_icmp_port(1, 4);
	w = round_trip(&s, &d, &bs, &bd);
	cr_assert_eq(w.sport, 1);
	cr_assert_eq(w.dport, 4);
	assert_same(&s, &bs);
	assert_same(&d, &bd);
}

/* The type on one end only (the other "any") is the packet's type for both. */
Test(pfkey_sel, icmp_type_from_one_end)
{
	struct cg_ts s = ts("0.0.0.0/0[icmp]"), d = ts("192.0.2.0/24[icmp]"), bs, bd;
	struct pfk_sel w;

	d.from_port = cg_ts_icmp_port(8, 0);
	d.to_port = cg_ts_icmp_port(8, 0xff);
	w = round_trip(&s, &d, &bs, &bd);
	cr_assert_eq(w.sport, 8);
	cr_assert_eq(w.dport, 0);
	cr_assert_eq(bs.from_port, d.from_port);
	cr_assert_eq(bs.to_port, d.to_port);
	assert_same(&d, &bd);
}

/* Code 0 exactly is af_key's "any code": it widens to the whole type. */
Test(pfkey_sel, icmp_code_zero_widens_to_any_code)
{
	struct cg_ts s = ts("::/0[ipv6-icmp/34816]"), bs, bd; /* 136 << 8 | 0 */
	struct pfk_sel w = round_trip(&s, &s, &bs, &bd);

	cr_assert_eq(w.sport, 136);
	cr_assert_eq(w.dport, 0);
	cr_assert_eq(bs.from_port, 0x8800);
	cr_assert_eq(bs.to_port, 0x88ff);
}

Test(pfkey_sel, mobility_header_type)
{
	struct cg_ts s = ts("2001:db8::1"), bs, bd;
	struct pfk_sel w;

	s.proto = CG_PROTO_MH;
	s.from_port = 5 << 8;
	s.to_port = 5 << 8 | 0xff;
	w = round_trip(&s, &s, &bs, &bd);
	cr_assert_eq(w.proto, CG_PROTO_MH);
	cr_assert_eq(w.sport, 5);
	cr_assert_eq(w.dport, 0);
	assert_same(&s, &bs);
	assert_same(&s, &bd);
}

Test(pfkey_sel, any_icmp_keeps_ports_zero)
{
	struct cg_ts s = ts("::/0[ipv6-icmp]"), bs, bd;
	struct pfk_sel w = round_trip(&s, &s, &bs, &bd);

	cr_assert_eq(w.sport, 0);
	cr_assert_eq(w.dport, 0);
	assert_same(&s, &bs);
}

static void expect_refused(const struct cg_ts *s, const struct cg_ts *d, int err,
			   const char *needle)
{
	struct pfk_sel sel;
	const char *why = NULL;

	cr_assert_eq(pfk_sel_from_ts(s, d, &sel, &why), err, "expected %d", err);
	cr_assert(why && strstr(why, needle), "reason \"%s\" lacks \"%s\"", why, needle);
}

Test(pfkey_sel, refuses_what_af_key_cannot_hold)
{
	struct cg_ts s = ts("203.0.113.0/24[tcp/1024-2047]"), d = ts("203.0.113.0/24[tcp]");

	expect_refused(&s, &d, -EOPNOTSUPP, "range");
	s = ts("192.0.2.1-192.0.2.9");
	d = ts("203.0.113.0/24");
	expect_refused(&s, &d, -EOPNOTSUPP, "prefixes");
	/* Echo reply is ICMP type 0: indistinguishable from "any type". */
	s = ts("0.0.0.0/0[icmp]");
	s.from_port = 0;
	s.to_port = 0xff;
	expect_refused(&s, &s, -EOPNOTSUPP, "type 0");
	s = ts("::/0[ipv6-icmp]");
	s.from_port = cg_ts_icmp_port(133, 0);
	s.to_port = cg_ts_icmp_port(137, 0xff);
	expect_refused(&s, &s, -EOPNOTSUPP, "range of types");
	s.from_port = cg_ts_icmp_port(1, 2);
	s.to_port = cg_ts_icmp_port(1, 4);
	expect_refused(&s, &s, -EOPNOTSUPP, "range of codes");
	s = ts("::/0");
	d = ts("0.0.0.0/0");
	expect_refused(&s, &d, -EINVAL, "families");
	s = ts("::/0[tcp]");
	d = ts("::/0[udp]");
	expect_refused(&s, &d, -EINVAL, "protocols");
	s = ts("::/0[gre]");
	s.from_port = s.to_port = 7;
	expect_refused(&s, &s, -EOPNOTSUPP, "without ports");
}

Test(pfkey_sel, disjoint_icmp_types_are_an_error)
{
	struct cg_ts s = ts("::/0[ipv6-icmp]"), d = ts("::/0[ipv6-icmp]");

	s.from_port = s.to_port = cg_ts_icmp_port(135, 0);
	d.from_port = d.to_port = cg_ts_icmp_port(136, 0);
	expect_refused(&s, &d, -EINVAL, "disjoint");
}

Test(pfkey_sel, protocol_any_is_written_as_255)
{
	struct pfk_buf *b = calloc(1, sizeof(*b));
	struct cg_ts s = ts("192.0.2.0/24");
	struct pfk_sel sel;
	struct pfk_msg msg;
	const char *why;
	uint8_t proto = 0;

	cr_assert_eq(pfk_sel_from_ts(&s, &s, &sel, &why), 0);
	pfk_buf_init(b, SADB_X_SPDADD, 0, 1, 1);
	pfk_put_sel(b, &sel);
	cr_assert_eq(pfk_buf_finish(b), 0);
	cr_assert_eq(pfk_msg_parse(b->words, b->len, &msg, &why), 0);
	cr_assert_eq(pfk_get_addr(&msg, SADB_EXT_ADDRESS_SRC, &(struct cg_addr){ 0 }, NULL, &proto), 0);
	cr_assert_eq(proto, IPSEC_PROTO_ANY);
	free(b);
}

Test(pfkey_sel, algorithms)
{
	uint8_t id;

	cr_assert_eq(pfk_encr_alg(CG_ENCR_AES_CBC, &id), 0);
	cr_assert_eq(id, SADB_X_EALG_AESCBC);
	cr_assert_eq(pfk_encr_alg(CG_ENCR_AES_GCM_16, &id), 0);
	cr_assert_eq(id, SADB_X_EALG_AES_GCM_ICV16);
	cr_assert_eq(pfk_encr_alg(CG_ENCR_CHACHA20_POLY1305, &id), -EOPNOTSUPP);
	/* Linux's SADB_X_AALG_SHA2_256HMAC has a 96-bit ICV: not RFC 4868's algorithm. */
	cr_assert_eq(pfk_integ_alg(CG_INTEG_HMAC_SHA2_256_128, &id), -EOPNOTSUPP);
	cr_assert_eq(pfk_integ_alg(CG_INTEG_HMAC_SHA2_384_192, &id), 0);
	cr_assert_eq(id, SADB_X_AALG_SHA2_384HMAC);
	cr_assert_eq(pfk_integ_alg(CG_INTEG_HMAC_SHA2_512_256, &id), 0);
	cr_assert_eq(id, SADB_X_AALG_SHA2_512HMAC);
	cr_assert_eq(pfk_integ_alg(99, &id), -EOPNOTSUPP);
	cr_assert_eq(pfk_satype(IPPROTO_ESP), SADB_SATYPE_ESP);
	cr_assert_eq(pfk_proto(SADB_SATYPE_AH), IPPROTO_AH);
	cr_assert_eq(pfk_proto(SADB_X_SATYPE_IPCOMP), 0);
}

Test(pfkey_sel, modes_and_directions_both_ways)
{
	enum cg_ipsec_mode m;
	enum cg_dir d;

	cr_assert_eq(pfk_mode_from(pfk_mode(CG_MODE_TUNNEL), &m), 0);
	cr_assert_eq(m, CG_MODE_TUNNEL);
	cr_assert_eq(pfk_mode_from(pfk_mode(CG_MODE_TRANSPORT), &m), 0);
	cr_assert_eq(m, CG_MODE_TRANSPORT);
	cr_assert_eq(pfk_mode_from(IPSEC_MODE_BEET, &m), -EBADMSG);
	for (enum cg_dir dir = CG_DIR_IN; dir <= CG_DIR_FWD; dir++) {
		cr_assert_eq(pfk_dir_from(pfk_dir(dir), &d), 0);
		cr_assert_eq(d, dir);
	}
	cr_assert_eq(pfk_dir_from(0, &d), -EBADMSG);
}
