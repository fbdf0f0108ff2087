/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>

#include <criterion/criterion.h>

#include <cygnet/conn.h>
#include <cygnet/types.h>

static struct cg_addr addr(const char *s)
{
	struct cg_addr a;

	cr_assert_eq(cg_addr_parse(s, &a), 0, "parse %s", s);
	return a;
}

static void assert_round_trip(const char *in, const char *want)
{
	char buf[CG_ADDR_STRLEN];
	struct cg_addr a = addr(in);

	cr_assert_str_eq(cg_addr_str(&a, buf, sizeof(buf)), want);
}

Test(addr, text_round_trips)
{
	assert_round_trip("192.0.2.1", "192.0.2.1");
	assert_round_trip("2001:db8::1", "2001:db8::1");
	assert_round_trip("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
	assert_round_trip("::ffff:192.0.2.1", "::ffff:192.0.2.1");
	assert_round_trip("%any", "%any");
	assert_round_trip("%any4", "0.0.0.0");
	assert_round_trip("%any6", "::");
}

Test(addr, any_forms)
{
	struct cg_addr a = addr("%any"), a4 = addr("%any4"), a6 = addr("%any6");

	cr_assert_eq(a.family, AF_UNSPEC);
	cr_assert_eq(a4.family, AF_INET);
	cr_assert_eq(a6.family, AF_INET6);
	cr_assert(cg_addr_is_any(&a) && cg_addr_is_any(&a4) && cg_addr_is_any(&a6));
	cr_assert_not(cg_addr_is_any((struct cg_addr[]){ addr("::1") }));
	cr_assert_eq(cg_addr_len(&a), 0);
	cr_assert_eq(cg_addr_len(&a4), 4);
	cr_assert_eq(cg_addr_len(&a6), 16);
	a = cg_addr_any(AF_INET6);
	cr_assert(cg_addr_equal(&a, &a6));
}

Test(addr, malformed_is_refused)
{
	static const char *const bad[] = { "", "1.2.3", "1.2.3.256", "192.0.2.1/24",
					   " 192.0.2.1", "2001:db8::g", "2001:db8:::1",
					   "%anyx", "localhost" };
	struct cg_addr a;

	for (size_t i = 0; i < CG_ARRAY_SIZE(bad); i++)
		cr_assert_eq(cg_addr_parse(bad[i], &a), -EINVAL, "'%s' accepted", bad[i]);
	cr_assert_eq(cg_addr_parse(NULL, &a), -EINVAL);
}

Test(addr, short_buffer_is_truncated_and_terminated)
{
	char buf[6];
	struct cg_addr a = addr("2001:db8::1");

	cr_assert_str_eq(cg_addr_str(&a, buf, sizeof(buf)), "2001:");
}

Test(addr, equality_with_and_without_port)
{
	struct cg_addr a = addr("192.0.2.1"), b = addr("192.0.2.1"), c = addr("192.0.2.2");
	struct cg_addr v6 = addr("::"), v4 = addr("0.0.0.0");

	a.port = 500;
	b.port = 4500;
	cr_assert(cg_addr_equal(&a, &b));
	cr_assert_not(cg_addr_equal_port(&a, &b));
	b.port = 500;
	cr_assert(cg_addr_equal_port(&a, &b));
	cr_assert_not(cg_addr_equal(&a, &c));
	/* The same bytes in another family are another address. */
	cr_assert_not(cg_addr_equal(&v6, &v4));
}

Test(addr, sockaddr_round_trip_keeps_port)
{
	struct sockaddr_storage ss;
	struct cg_addr a = addr("2001:db8::7"), b;

	a.port = 4500;
	cr_assert_eq(cg_addr_to_sockaddr(&a, &ss), sizeof(struct sockaddr_in6));
	cr_assert_eq(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 4500);
	cr_assert_eq(cg_addr_from_sockaddr((struct sockaddr *)&ss, &b), 0);
	cr_assert(cg_addr_equal_port(&a, &b));

	a = addr("198.51.100.9");
	a.port = 500;
	cr_assert_eq(cg_addr_to_sockaddr(&a, &ss), sizeof(struct sockaddr_in));
	cr_assert_eq(((struct sockaddr_in *)&ss)->sin_addr.s_addr, inet_addr("198.51.100.9"));
	cr_assert_eq(cg_addr_from_sockaddr((struct sockaddr *)&ss, &b), 0);
	cr_assert(cg_addr_equal_port(&a, &b));

	a = cg_addr_any(AF_UNSPEC);
	cr_assert_eq(cg_addr_to_sockaddr(&a, &ss), 0);
	ss.ss_family = AF_UNIX;
	cr_assert_eq(cg_addr_from_sockaddr((struct sockaddr *)&ss, &b), -EAFNOSUPPORT);
}

Test(addr, mapped_v6_stays_v6)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct cg_addr a;

	inet_pton(AF_INET6, "::ffff:192.0.2.1", &sin6.sin6_addr);
	cr_assert_eq(cg_addr_from_sockaddr((struct sockaddr *)&sin6, &a), 0);
	cr_assert_eq(a.family, AF_INET6);
}

Test(addr, prefix_membership)
{
	struct cg_addr net = addr("2001:db8:a0::"), v4net = addr("198.51.100.64");

	cr_assert(cg_addr_in_prefix((struct cg_addr[]){ addr("2001:db8:af::1") }, &net, 44));
	cr_assert_not(cg_addr_in_prefix((struct cg_addr[]){ addr("2001:db8:b0::1") }, &net, 44));
	cr_assert(cg_addr_in_prefix((struct cg_addr[]){ addr("2001:db8:b0::1") }, &net, 40));
	cr_assert(cg_addr_in_prefix((struct cg_addr[]){ addr("198.51.100.127") }, &v4net, 26));
	cr_assert_not(cg_addr_in_prefix((struct cg_addr[]){ addr("198.51.100.128") }, &v4net, 26));
	cr_assert(cg_addr_in_prefix((struct cg_addr[]){ addr("203.0.113.1") }, &v4net, 0));
	cr_assert(cg_addr_in_prefix(&v4net, &v4net, 32));
	cr_assert_not(cg_addr_in_prefix(&v4net, &v4net, 33), "length beyond the family");
	cr_assert_not(cg_addr_in_prefix((struct cg_addr[]){ addr("::ffff:198.51.100.65") },
					&v4net, 26), "other family");
}

Test(addr, connection_address_lists)
{
	char *list[] = { "192.0.2.10-192.0.2.20", "2001:db8:5::/48", "203.0.113.7",
			 "gw.example" };
	struct cg_addr in_range = addr("192.0.2.15"), last = addr("192.0.2.20"),
		       past = addr("192.0.2.21"), in_prefix = addr("2001:db8:5:1::9"),
		       host = addr("203.0.113.7"), other = addr("198.51.100.1");
	char *any6[] = { "%any6" };

	cr_assert(cg_conn_addrs_match(list, 4, &in_range), "inside the range");
	cr_assert(cg_conn_addrs_match(list, 4, &last), "the range's last address");
	cr_assert_not(cg_conn_addrs_match(list, 4, &past), "past the range");
	cr_assert(cg_conn_addrs_match(list, 4, &in_prefix));
	cr_assert(cg_conn_addrs_match(list, 4, &host));
	cr_assert_not(cg_conn_addrs_match(list, 4, &other), "a DNS name matches nothing here");
	cr_assert(cg_conn_addrs_match(any6, 1, &in_prefix));
	cr_assert_not(cg_conn_addrs_match(any6, 1, &host));
}
