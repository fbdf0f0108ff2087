/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kernel-netlink's one conversion place: neutral selectors and algorithms to XFRM and back. */
#include <errno.h>
#include <criterion/criterion.h>
#include <string.h>

#include "xfrm.h"

static struct cg_ts ts(const char *s)
{
	struct cg_ts t;
	const char *err = NULL;

	cr_assert_eq(cg_ts_parse(s, &t, &err), 0, "%s: %s", s, err ? err : "");
	return t;
}

static struct xfrm_selector encode(const char *src, const char *dst)
{
	struct cg_ts s = ts(src), d = ts(dst);
	struct xfrm_selector sel;
	const char *why = NULL;

	cr_assert_eq(xfrm_sel_from_ts(&s, &d, &sel, &why), 0, "%s === %s: %s", src, dst,
		     why ? why : "");
	return sel;
}

static int refuse(const char *src, const char *dst)
{
	struct cg_ts s = ts(src), d = ts(dst);
	struct xfrm_selector sel;
	const char *why = NULL;
	int err = xfrm_sel_from_ts(&s, &d, &sel, &why);

	cr_assert(err == 0 || why, "a refusal must say why");
	return err;
}

Test(xfrm_encoding, icmpv6_type_in_sport_code_in_dport)
{
	/* type 135 code 0 */
	struct xfrm_selector sel = encode("::/0[ipv6-icmp]", "::/0[ipv6-icmp/34560]");

	cr_assert_eq(sel.proto, IPPROTO_ICMPV6);
	cr_assert_eq(ntohs(sel.sport), 135);
	cr_assert_eq(ntohs(sel.sport_mask), 0xff);
	cr_assert_eq(ntohs(sel.dport), 0);
	cr_assert_eq(ntohs(sel.dport_mask), 0xff);
}

Test(xfrm_encoding, icmp_any_code)
{
	/* type 128, codes 0..255: the code is not matched at all */
	struct xfrm_selector sel = encode("::/0[ipv6-icmp]", "::/0[ipv6-icmp/32768-33023]");

	cr_assert_eq(ntohs(sel.sport), 128);
	cr_assert_eq(ntohs(sel.sport_mask), 0xff);
	cr_assert_eq(sel.dport_mask, 0);
	/* IPv4 echo request, written on the source side */
	sel = encode("0.0.0.0/0[icmp/2048]", "0.0.0.0/0[icmp]");
	cr_assert_eq(ntohs(sel.sport), 8);
	cr_assert_eq(ntohs(sel.dport), 0);
	cr_assert_eq(ntohs(sel.dport_mask), 0xff);
	/* any type at all */
	sel = encode("::/0[ipv6-icmp]", "::/0[ipv6-icmp]");
	cr_assert_eq(sel.sport_mask, 0);
	cr_assert_eq(sel.dport_mask, 0);
}

Test(xfrm_encoding, icmp_roundtrip)
{
	static const char *const dsts[] = {
		"::/0[ipv6-icmp/34560]", "::/0[ipv6-icmp/32768-33023]", "::/0[ipv6-icmp/32773]",
		"::/0[ipv6-icmp]", "::/0[ipv6-icmp/32768-36863]", /* types 128..143, any code */
	};

	for (size_t i = 0; i < CG_ARRAY_SIZE(dsts); i++) {
		struct xfrm_selector sel = encode("::/0[ipv6-icmp]", dsts[i]);
		struct cg_ts s, d, want_d = ts(dsts[i]), want_s = ts("::/0[ipv6-icmp]");

		xfrm_ts_from_sel(&sel, &s, &d);
		cr_assert(cg_ts_equal(&d, &want_d), "%s: came back as %u-%u", dsts[i], d.from_port,
			  d.to_port);
		cr_assert(cg_ts_equal(&s, &want_s), "%s: source changed", dsts[i]);
	}
}

Test(xfrm_encoding, mh_type)
{
	/* MH type 5 (binding update) in the high byte */
	struct xfrm_selector sel = encode("::/0[135]", "::/0[135/1280-1535]");
	struct cg_ts s, d;

	cr_assert_eq(ntohs(sel.sport), 5);
	cr_assert_eq(ntohs(sel.sport_mask), 0xff);
	cr_assert_eq(sel.dport_mask, 0);
	xfrm_ts_from_sel(&sel, &s, &d);
	cr_assert_eq(d.from_port, 1280);
	cr_assert_eq(d.to_port, 1535);
}

Test(xfrm_encoding, tcp_udp_ports)
{
	struct xfrm_selector sel = encode("198.51.100.0/25[tcp/443]", "198.51.100.128/25[tcp]");
	struct cg_ts s, d;

	cr_assert_eq(sel.family, AF_INET);
	cr_assert_eq(sel.prefixlen_s, 25);
	cr_assert_eq(ntohs(sel.sport), 443);
	cr_assert_eq(ntohs(sel.sport_mask), 0xffff);
	cr_assert_eq(sel.dport_mask, 0);
	xfrm_ts_from_sel(&sel, &s, &d);
	cr_assert_eq(s.from_port, 443);
	cr_assert_eq(s.to_port, 443);
	cr_assert_eq(d.from_port, 0);
	cr_assert_eq(d.to_port, 65535);

	sel = encode("2001:db8::/32[udp]", "2001:db8:1::/48[udp/1024-2047]");
	cr_assert_eq(ntohs(sel.dport), 1024);
	cr_assert_eq(ntohs(sel.dport_mask), 0xfc00);
	xfrm_ts_from_sel(&sel, &s, &d);
	cr_assert_eq(d.from_port, 1024);
	cr_assert_eq(d.to_port, 2047);
	cr_assert_eq(d.proto, IPPROTO_UDP);
}

Test(xfrm_encoding, refusals)
{
	/* XFRM matches ports by mask: an unaligned range cannot be held */
	cr_assert_eq(refuse("203.0.113.0/24", "203.0.113.0/24[tcp/1000-2000]"), -EINVAL);
	/* ICMP ranges that do not overlap */
	cr_assert_eq(refuse("::/0[ipv6-icmp/34560]", "::/0[ipv6-icmp/34816]"), -EINVAL);
	/* families differ */
	cr_assert_eq(refuse("203.0.113.0/24", "::/0"), -EINVAL);
	/* address ranges that are not one prefix */
	cr_assert_eq(refuse("192.0.2.1-192.0.2.9", "203.0.113.0/24"), -EINVAL);
}

Test(xfrm_encoding, foreign_masks)
{
	uint16_t from, to, v, m;

	xfrm_mask_to_range(0x1234, 0xffff, &from, &to);
	cr_assert(from == 0x1234 && to == 0x1234);
	xfrm_mask_to_range(0, 0, &from, &to);
	cr_assert(from == 0 && to == 0xffff);
	/* a mask with holes widens to its leading run */
	xfrm_mask_to_range(0x1200, 0xff0f, &from, &to);
	cr_assert(from == 0x1200 && to == 0x12ff);
	cr_assert(xfrm_range_to_mask(0, 65535, &v, &m) && v == 0 && m == 0);
	cr_assert(xfrm_range_to_mask(80, 80, &v, &m) && v == 80 && m == 0xffff);
	cr_assert_not(xfrm_range_to_mask(81, 82, &v, &m));
}

Test(xfrm_encoding, algorithms)
{
	const struct xfrm_alg *a = xfrm_encr_alg(CG_ENCR_AES_GCM_16);

	cr_assert_str_eq(a->name, "rfc4106(gcm(aes))");
	cr_assert(a->aead);
	cr_assert_eq(a->icv_bits, 128);
	cr_assert_eq(cg_encr_salt_bits(a->id), 32);
	cr_assert_eq(xfrm_encr_alg(CG_ENCR_AES_GCM_8)->icv_bits, 64);
	cr_assert_str_eq(xfrm_encr_alg(CG_ENCR_CHACHA20_POLY1305)->name,
			 "rfc7539esp(chacha20,poly1305)");
	cr_assert_not(xfrm_encr_alg(CG_ENCR_AES_CBC)->aead);
	cr_assert_eq(xfrm_integ_alg(CG_INTEG_HMAC_SHA2_256_128)->icv_bits, 128);
	cr_assert_eq(xfrm_integ_alg(CG_INTEG_HMAC_SHA2_512_256)->icv_bits, 256);
	cr_assert_null(xfrm_encr_alg(9999));
	cr_assert_null(xfrm_integ_alg(CG_INTEG_NONE));
}

Test(xfrm_encoding, lifetimes)
{
	struct xfrm_lifetime_cfg cfg;

	xfrm_lifetime_put(&(struct cg_lifetime){ .soft_bytes = 5, .hard_secs = 60 }, &cfg);
	cr_assert_eq(cfg.soft_byte_limit, 5);
	cr_assert_eq(cfg.hard_byte_limit, XFRM_INF);
	cr_assert_eq(cfg.soft_packet_limit, XFRM_INF);
	cr_assert_eq(cfg.hard_add_expires_seconds, 60);
	cr_assert_eq(cfg.soft_add_expires_seconds, 0);
}
