/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtual IPs with real routes: the exchange of test_cp.c, with rtnetlink
 * on, in a network namespace of the test's own (root; label "kernel").
 * The roadwarrior puts its addresses on a link and routes the children's
 * remote selectors from them in table 220; the routes go with the child,
 * the rule with the core; a default route keeps the peer out of it.
 */
#include <criterion/criterion.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exconf.h"
#include "exnet.h"

#define POOLS                                                                  \
	"pools:\n"                                                             \
	"  v4pool: { addrs: 203.0.113.0/24 }\n"                                \
	"  v6pool: { addrs: \"2001:db8:100::/120\", dns: [\"2001:db8::53\"] }\n"

static struct ex_net net;

static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void start(const char *remote_ts, const char *mode)
{
	struct ex_conf l = {
		.local_ts = "dynamic", .remote_ts = remote_ts, .mode = mode,
		.conn_extra = "    vips: [0.0.0.0, \"::\"]\n",
	};
	struct ex_conf r = {
		.local_ts = remote_ts, .remote_ts = "dynamic", .mode = mode,
		.conn_extra = "    pools: [v4pool, v6pool]\n",
	};
	char *ly, *ry, *full;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		cr_skip_test("needs root (CAP_NET_ADMIN) for a network namespace");
	sh("ip link add d0 type dummy 2>/dev/null || "
	   "{ ip link add d0 type veth peer name d0p && ip link set d0p up; }");
	sh("ip link set lo up && ip link set d0 up && ip addr add 192.0.2.1/24 dev d0 && "
	   "ip -6 addr add 2001:db8::1/64 dev d0 nodad && ip route add default via 192.0.2.254 && "
	   "ip -6 route add default via 2001:db8::fe");
	tl_use_rtnetlink = true;
	ly = ex_yaml(EX_LEFT, &l);
	ry = ex_yaml(EX_RIGHT, &r);
	cr_assert_geq(asprintf(&full, "%s%s", ry, POOLS), 0);
	ex_start(&net, ly, full);
	free(full);
	free(ly);
	free(ry);
}

static void stop(void)
{
	ex_stop(&net);
}

static void ctl_ok(int side, const char *line)
{
	ex_ctl_ok(&net, side, line);
}

static void expect_source(const char *dst_s, const char *want_s)
{
	struct cg_addr dst, want, src;
	char buf[CG_ADDR_STRLEN];

	cr_assert_eq(cg_addr_parse(dst_s, &dst), 0);
	cr_assert_eq(cg_addr_parse(want_s, &want), 0);
	cr_assert_eq(cg_net_source_for(net.core[EX_LEFT], &dst, &src), 0);
	cr_assert(cg_addr_equal(&src, &want), "source for %s is %s, not %s", dst_s,
		  cg_addr_str(&src, buf, sizeof(buf)), want_s);
}

TestSuite(cp_root, .fini = stop, .timeout = 60);

Test(cp_root, routes_from_the_virtual_ips_follow_the_child)
{
	start("\"2001:db8:2::/64\", 198.51.100.0/24", NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	sh("ip -6 route show table 220 | grep -q '2001:db8:2::/64 via 2001:db8::fe dev d0 .*src 2001:db8:100::1'");
	sh("ip route show table 220 | "
	   "grep -q '198.51.100.0/24 via 192.0.2.254 dev d0 .*src 203.0.113.1'");
	sh("ip -6 rule | grep -q '^220:.*lookup 220'");
	sh("ip rule | grep -q '^220:.*lookup 220'");
	/* No `ping -I` needed: traffic to the subnets leaves from the virtual IPs. */
	expect_source("2001:db8:2::5", "2001:db8:100::1");
	expect_source("198.51.100.34", "203.0.113.1");
	expect_source("2001:db8:77::1", "2001:db8::1");
	/* An IKE SA rekey: the children move over, their routes stay. */
	ctl_ok(EX_LEFT, "rekey --ike net");
	sh("ip -6 route show table 220 | grep -q '2001:db8:2::/64'");
	ctl_ok(EX_LEFT, "terminate --child net");
	sh("! ip -6 route show table 220 | grep -q '2001:db8:2::/64'");
	sh("! ip route show table 220 | grep -q '198.51.100.0/24'");
	expect_source("2001:db8:2::5", "2001:db8::1");
	/* Another child on the same IKE SA brings them back; the IKE SA going takes them. */
	ctl_ok(EX_LEFT, "initiate --child net");
	sh("ip -6 route show table 220 | grep -q '2001:db8:2::/64'");
	ctl_ok(EX_LEFT, "terminate --ike net");
	sh("! ip -6 route show table 220 | grep -q '2001:db8:2::/64'");
	sh("! ip -6 addr show dev d0 | grep -q 2001:db8:100::1");
	/* The rule stays for the core's lifetime, and goes with it. */
	sh("ip -6 rule | grep -q 'lookup 220'");
	stop();
	memset(&net, 0, sizeof(net));
	sh("! ip -6 rule | grep -q 'lookup 220'");
	sh("! ip rule | grep -q 'lookup 220'");
}

Test(cp_root, a_default_route_keeps_the_peer_out)
{
	start("\"::/0\", 0.0.0.0/0", NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	sh("ip -6 route show table 220 | grep -q '^default via 2001:db8::fe dev d0 .*src 2001:db8:100::1'");
	sh("ip -6 route show table 220 | grep -q '^throw 2001:db8::2 '");
	expect_source("2001:db8:77::1", "2001:db8:100::1");
	/* IKE to the peer leaves from the address it always did. */
	expect_source("2001:db8::2", "2001:db8::1");
	ctl_ok(EX_LEFT, "terminate --ike net");
	sh("! ip -6 route show table 220 | grep -q throw");
	sh("! ip -6 route show table 220 | grep -q default");
}

Test(cp_root, transport_mode_gets_no_route)
{
	start("\"2001:db8:2::/64\"", "transport");
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas --json", "\"mode\": \"transport\""), 1);
	sh("! ip -6 route show table 220 | grep -q '2001:db8:2::/64'");
}
