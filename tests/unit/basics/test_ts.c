/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include <criterion/criterion.h>

#include <cygnet/ts.h>

static struct cg_ts ts(const char *s)
{
	struct cg_ts t;
	const char *err = NULL;

	cr_assert_eq(cg_ts_parse(s, &t, &err), 0, "parse %s: %s", s, err ? err : "");
	return t;
}

static const char *str(const struct cg_ts *t)
{
	static char buf[CG_TS_STRLEN];

	return cg_ts_str(t, buf, sizeof(buf));
}

static void assert_round_trip(const char *in, const char *want)
{
	struct cg_ts t = ts(in), again;

	cr_assert_str_eq(str(&t), want, "'%s' printed as '%s'", in, str(&t));
	/* What is printed reads back as the same selector. */
	again = ts(want);
	cr_assert(cg_ts_equal(&t, &again), "'%s' does not read back", want);
}

Test(ts, swanctl_forms_round_trip)
{
	assert_round_trip("203.0.113.0/24", "203.0.113.0/24");
	assert_round_trip("2001:db8::/64[tcp/80]", "2001:db8::/64[tcp/80]");
	assert_round_trip("::/0[gre]", "::/0[gre]");
	assert_round_trip("198.51.100.0/25[udp/1024-2047]", "198.51.100.0/25[udp/1024-2047]");
	assert_round_trip("2001:db8::1", "2001:db8::1/128");
	assert_round_trip("%any6", "::/0");
	assert_round_trip("%any4[udp]", "0.0.0.0/0[udp]");
	assert_round_trip("192.0.2.1-192.0.2.9", "192.0.2.1..192.0.2.9");
	assert_round_trip("192.0.2.1..192.0.2.9[47]", "192.0.2.1..192.0.2.9[gre]");
	assert_round_trip("192.0.2.0/24[132]", "192.0.2.0/24[sctp]");
	assert_round_trip("192.0.2.0/24[200/5]", "192.0.2.0/24[200/5]");
	assert_round_trip("203.0.113.0/24[%any]", "203.0.113.0/24");
	assert_round_trip("203.0.113.0/24[tcp/%any]", "203.0.113.0/24[tcp]");
}

Test(ts, host_bits_are_masked)
{
	struct cg_ts t = ts("198.51.100.99/26");

	cr_assert_str_eq(str(&t), "198.51.100.64/26");
	t = ts("2001:db8::ff/120");
	cr_assert_str_eq(str(&t), "2001:db8::/120");
}

Test(ts, icmp_port_is_type_and_code)
{
	struct cg_ts t = ts("::/0[ipv6-icmp/34816]");

	cr_assert_eq(t.family, AF_INET6);
	cr_assert_eq(t.proto, CG_PROTO_ICMPV6);
	cr_assert_eq(t.from_port, cg_ts_icmp_port(136, 0));
	cr_assert_eq(t.to_port, cg_ts_icmp_port(136, 0));
	/* Type 136, any code, is a range over the low byte. */
	t = ts("::/0[icmpv6/34816-35071]");
	cr_assert_eq(t.from_port, 0x8800);
	cr_assert_eq(t.to_port, 0x88ff);
	cr_assert_str_eq(str(&t), "::/0[ipv6-icmp/34816-35071]");
	t = ts("0.0.0.0/0[icmp/2048]");
	cr_assert_eq(t.proto, CG_PROTO_ICMP);
	cr_assert_eq(t.from_port, cg_ts_icmp_port(8, 0));
	t = ts("::/0[mh]");
	cr_assert_eq(t.proto, CG_PROTO_MH);
}

Test(ts, service_names_for_tcp_and_udp)
{
	struct cg_ts t;

	/* Without /etc/services there is nothing to check. */
	if (cg_ts_parse("203.0.113.0/24[tcp/ssh]", &t, NULL))
		cr_skip_test("no services database");
	cr_assert_eq(t.from_port, 22);
	cr_assert_eq(t.to_port, 22);
}

Test(ts, dynamic_carries_only_protocol_and_ports)
{
	struct cg_ts t = ts("dynamic[tcp/443]");

	cr_assert_eq(t.family, AF_UNSPEC);
	cr_assert_eq(t.proto, CG_PROTO_TCP);
	cr_assert_eq(t.from_port, 443);
	cr_assert_str_eq(str(&t), "dynamic[tcp/443]");
	t = ts("dynamic");
	cr_assert(cg_ts_any_port(&t));
	cr_assert_eq(t.proto, 0);
}

Test(ts, malformed_is_refused_with_a_reason)
{
	static const char *const bad[] = {
		"", "192.0.2.0/33", "192.0.2.0/", "192.0.2.0/24x", "::/129", "192.0.2.0/24[foo]",
		"192.0.2.0/24[tcp/70000]", "192.0.2.0/24[tcp/90-80]", "192.0.2.9-192.0.2.1",
		"192.0.2.1-::1", "192.0.2.0/24[tcp", "192.0.2.0/24[tcp]x", "%any", "[%any/53]",
		"192.0.2.0/24[%any/53]", "192.0.2.0/24[tcp/-5]", "192.0.2.0/24[256]",
		"moon.example", "192.0.2.0/24[tcp/nosuchservice]",
	};
	struct cg_ts t;

	for (size_t i = 0; i < CG_ARRAY_SIZE(bad); i++) {
		const char *err = NULL;

		cr_assert_eq(cg_ts_parse(bad[i], &t, &err), -EINVAL, "'%s' accepted", bad[i]);
		cr_assert_not_null(err, "no reason for '%s'", bad[i]);
	}
	cr_assert_eq(cg_ts_parse(NULL, &t, NULL), -EINVAL);
}

Test(ts, protocol_names)
{
	cr_assert_eq(cg_proto_from_name("tcp"), 6);
	cr_assert_eq(cg_proto_from_name("UDP"), 17);
	cr_assert_eq(cg_proto_from_name("ipv6-icmp"), 58);
	cr_assert_eq(cg_proto_from_name("icmpv6"), 58);
	cr_assert_eq(cg_proto_from_name("mh"), 135);
	cr_assert_eq(cg_proto_from_name("47"), 47);
	cr_assert_eq(cg_proto_from_name("0"), 0);
	cr_assert_eq(cg_proto_from_name("256"), -1);
	cr_assert_eq(cg_proto_from_name("4x"), -1);
	cr_assert_eq(cg_proto_from_name("bogus"), -1);
	cr_assert_str_eq(cg_proto_name(47), "gre");
	cr_assert_str_eq(cg_proto_name(58), "ipv6-icmp");
	cr_assert_null(cg_proto_name(200));
}

Test(ts, prefixes_of_ranges)
{
	struct cg_ts t = ts("192.0.2.1-192.0.2.9");
	struct cg_addr net;
	uint8_t len;
	char buf[CG_ADDR_STRLEN];

	cr_assert_not(cg_ts_to_prefix(&t, &net, &len));
	cg_ts_enclosing_prefix(&t, &net, &len);
	cr_assert_str_eq(cg_addr_str(&net, buf, sizeof(buf)), "192.0.2.0");
	cr_assert_eq(len, 28);

	t = ts("192.0.2.128-192.0.2.255");
	cr_assert(cg_ts_to_prefix(&t, &net, &len));
	cr_assert_str_eq(cg_addr_str(&net, buf, sizeof(buf)), "192.0.2.128");
	cr_assert_eq(len, 25);

	t = ts("2001:db8::1-2001:db8::1");
	cr_assert(cg_ts_to_prefix(&t, &net, &len));
	cr_assert_eq(len, 128);

	t = ts("::/0");
	cg_ts_enclosing_prefix(&t, &net, &len);
	cr_assert_eq(len, 0);
	t = ts("2001:db8::/64");
	cg_ts_enclosing_prefix(&t, &net, &len);
	cr_assert_eq(len, 64);
	cr_assert_str_eq(cg_addr_str(&net, buf, sizeof(buf)), "2001:db8::");
}

Test(ts, constructors)
{
	struct cg_addr a;
	struct cg_ts t;

	cg_addr_parse("2001:db8::5", &a);
	a.port = 500;
	t = cg_ts_from_host(&a);
	cr_assert_str_eq(str(&t), "2001:db8::5/128");
	cr_assert(cg_ts_any_port(&t));
	cr_assert_eq(t.from.port, 0, "the endpoint's port is not a selector port");
	t = cg_ts_from_prefix(&a, 48);
	cr_assert_str_eq(str(&t), "2001:db8::/48");
}

static void assert_narrowed(const char *a, const char *b, const char *want)
{
	struct cg_ts ta = ts(a), tb = ts(b), out, out2;

	cr_assert(cg_ts_intersect(&ta, &tb, &out), "%s and %s do not intersect", a, b);
	cr_assert_str_eq(str(&out), want, "%s and %s gave %s", a, b, str(&out));
	/* Narrowing is symmetric. */
	cr_assert(cg_ts_intersect(&tb, &ta, &out2));
	cr_assert(cg_ts_equal(&out, &out2));
	cr_assert(cg_ts_is_subset(&out, &ta) && cg_ts_is_subset(&out, &tb));
}

static void assert_disjoint(const char *a, const char *b)
{
	struct cg_ts ta = ts(a), tb = ts(b), out;

	cr_assert_not(cg_ts_intersect(&ta, &tb, &out), "%s and %s intersect", a, b);
}

/* RFC 7296 2.9: the responder narrows what the initiator asked for to its policy. */
Test(ts, narrowing_to_the_responder_policy)
{
	/* Initiator asks for everything; the policy allows one subnet. */
	assert_narrowed("0.0.0.0/0", "198.51.100.0/24", "198.51.100.0/24");
	/* A protocol and port on one side narrow the other's "any". */
	assert_narrowed("0.0.0.0/0", "203.0.113.0/24[tcp/80]", "203.0.113.0/24[tcp/80]");
	assert_narrowed("2001:db8::/32[tcp]", "2001:db8:1::/48[%any]", "2001:db8:1::/48[tcp]");
	/* Port ranges overlap in part. */
	assert_narrowed("203.0.113.0/24[udp/1000-2000]", "203.0.113.0/24[udp/1500-3000]",
			"203.0.113.0/24[udp/1500-2000]");
	/* Address ranges overlap in part: the result may not be a prefix. */
	assert_narrowed("198.51.100.0/25", "198.51.100.64-198.51.100.133", "198.51.100.64/26");
	assert_narrowed("198.51.100.0/25", "198.51.100.100-198.51.100.133",
			"198.51.100.100..198.51.100.127");
	/* ICMPv6 "type 136, any code" against "type 136 code 0". */
	assert_narrowed("::/0[ipv6-icmp/34816-35071]", "2001:db8::/64[ipv6-icmp/34816]",
			"2001:db8::/64[ipv6-icmp/34816]");
	/* A host inside a subnet. */
	assert_narrowed("2001:db8::/64", "2001:db8::1", "2001:db8::1/128");
}

Test(ts, nothing_in_common)
{
	assert_disjoint("192.0.2.0/24", "198.51.100.0/24");
	assert_disjoint("192.0.2.0/24", "::/0");
	assert_disjoint("203.0.113.0/24[tcp]", "203.0.113.0/24[udp]");
	assert_disjoint("203.0.113.0/24[tcp/80]", "203.0.113.0/24[tcp/443]");
	assert_disjoint("::/0[ipv6-icmp/34816]", "::/0[ipv6-icmp/34560]");
}

Test(ts, subsets)
{
	struct cg_ts all = ts("::/0"), web = ts("2001:db8::/64[tcp/443]"),
		     net = ts("2001:db8::/64"), v4 = ts("0.0.0.0/0");

	cr_assert(cg_ts_is_subset(&web, &all));
	cr_assert(cg_ts_is_subset(&web, &net));
	cr_assert(cg_ts_is_subset(&net, &net));
	cr_assert_not(cg_ts_is_subset(&net, &web), "wider ports and protocols");
	cr_assert_not(cg_ts_is_subset(&all, &net));
	cr_assert_not(cg_ts_is_subset(&v4, &all), "other family");
}
