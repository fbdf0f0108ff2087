/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtual IPs, table-220 routes (counted, with the peer excluded, in a
 * table of the config's choosing) and the address/link events, on a dummy
 * link in a network namespace of the test's own (root; label "kernel").
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

struct events {
	pthread_mutex_t lock;
	struct cg_event last[CG_EV_TYPE_COUNT];
	int count[CG_EV_TYPE_COUNT];
};

static struct cg_core *core;
static struct events evs = { .lock = PTHREAD_MUTEX_INITIALIZER };
static struct cg_bus_sub *sub;

static void on_event(void *ctx, const struct cg_event *ev)
{
	pthread_mutex_lock(&evs.lock);
	evs.last[ev->type] = *ev;
	evs.count[ev->type]++;
	pthread_mutex_unlock(&evs.lock);
}

static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void setup(void)
{
	struct cg_core_opts opts = {
		.name = "netroot", .manual = true, .no_sockets = true, .no_control = true,
		.foreground = true, .plugin_dir = CG_TEST_PLUGIN_DIR, .state_file = "",
	};
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0)
		cr_skip_test("needs root (CAP_NET_ADMIN) for a network namespace");
	/* A dummy link, or a veth pair where the kernel has no dummy driver. */
	sh("ip link add d0 type dummy 2>/dev/null || "
	   "{ ip link add d0 type veth peer name d0p && ip link set d0p up; }");
	sh("ip link set lo up && ip link set d0 up && "
	   "ip addr add 192.0.2.1/24 dev d0 && ip -6 addr add 2001:db8::1/64 dev d0 nodad && "
	   "ip route add default via 192.0.2.254 && ip -6 route add default via 2001:db8::fe");
	cr_assert_eq(cg_config_load_string("daemon: { plugins: [] }\n", "r.yaml", &cfg, &errs), 0);
	cr_assert_eq(cg_core_create(&opts, cfg, &core), 0);
	cr_assert_eq(cg_core_start(core, &errs), 0);
	cg_cfg_errors_free(&errs);
	cr_assert_eq(cg_bus_subscribe(core, CG_EV_ALL, CG_BUS_SYNC, on_event, NULL, &sub), 0);
}

static void teardown(void)
{
	if (!core)
		return;
	cg_bus_unsubscribe(core, sub);
	cg_core_destroy(core);
}

TestSuite(net_root, .init = setup, .fini = teardown, .timeout = 60);

static struct cg_addr addr(const char *s)
{
	struct cg_addr a;

	cr_assert_eq(cg_addr_parse(s, &a), 0, "%s", s);
	return a;
}

/* Waits for the monitor thread to publish `want` events of a type. */
static struct cg_event wait_event(enum cg_event_type type, int want)
{
	struct cg_event ev;
	int n = 0;

	for (int i = 0; i < 300; i++) {
		pthread_mutex_lock(&evs.lock);
		n = evs.count[type];
		ev = evs.last[type];
		pthread_mutex_unlock(&evs.lock);
		if (n >= want)
			return ev;
		usleep(10000);
	}
	cr_assert_fail("no %s event (%d of %d)", cg_event_name(type), n, want);
	return ev;
}

static void expect_source(const char *dst_s, const char *want_s)
{
	struct cg_addr dst = addr(dst_s), want = addr(want_s), src;
	char buf[CG_ADDR_STRLEN];

	cr_assert_eq(cg_net_source_for(core, &dst, &src), 0);
	cr_assert(cg_addr_equal(&src, &want), "source for %s is %s, not %s", dst_s,
		  cg_addr_str(&src, buf, sizeof(buf)), want_s);
}

Test(net_root, source_and_locality)
{
	struct cg_addr local = addr("192.0.2.1"), remote = addr("198.51.100.7");

	expect_source("198.51.100.7", "192.0.2.1");
	expect_source("2001:db8:1::9", "2001:db8::1");
	cr_assert(cg_net_is_local(core, &local));
	cr_assert_not(cg_net_is_local(core, &remote));
}

Test(net_root, vip_and_route_ipv4)
{
	struct cg_addr vip = addr("203.0.113.99"), via = addr("198.51.100.7");
	struct cg_addr net = addr("198.51.100.0");
	struct cg_event ev;
	int added = evs.count[CG_EV_ADDR_ADDED], removed = evs.count[CG_EV_ADDR_REMOVED];

	cr_assert_eq(cg_net_add_vip(core, &vip, 32, &via, NULL), 0);
	ev = wait_event(CG_EV_ADDR_ADDED, added + 1);
	cr_assert(cg_addr_equal(&ev.u.addr.addr, &vip));
	cr_assert_str_eq(ev.u.addr.ifname, "d0", "on the link that reaches the peer");
	cr_assert(cg_net_is_local(core, &vip));
	cr_assert_eq(cg_net_add_vip(core, &vip, 32, &via, NULL), -EEXIST);

	/* Traffic to the remote subnet now leaves with the virtual IP. */
	cr_assert_eq(cg_net_add_route(core, &net, 24, &vip, NULL), 0);
	expect_source("198.51.100.7", "203.0.113.99");
	sh("ip route show table 220 | grep -q '198.51.100.0/24 via 192.0.2.254 dev d0'");
	sh("ip rule | grep -q 'lookup 220'");
	cr_assert_eq(cg_net_del_route(core, &net, 24, &vip, NULL), 0);
	expect_source("198.51.100.7", "192.0.2.1");

	cr_assert_eq(cg_net_del_vip(core, &vip, 32), 0);
	ev = wait_event(CG_EV_ADDR_REMOVED, removed + 1);
	cr_assert(cg_addr_equal(&ev.u.addr.addr, &vip));
	cr_assert_not(cg_net_is_local(core, &vip));
	cr_assert_eq(cg_net_del_vip(core, &vip, 32), -ENOENT);
}

Test(net_root, vip_and_default_route_ipv6)
{
	struct cg_addr vip = addr("2001:db8:ff::5"), any = addr("::");

	cr_assert_eq(cg_net_add_vip(core, &vip, 128, NULL, "d0"), 0);
	cr_assert(cg_net_is_local(core, &vip), "added without duplicate address detection");
	cr_assert_eq(cg_net_add_route(core, &any, 0, &vip, NULL), 0);
	expect_source("2001:db8:77::1", "2001:db8:ff::5");
	cr_assert_eq(cg_net_del_route(core, &any, 0, &vip, NULL), 0);
	expect_source("2001:db8:77::1", "2001:db8::1");
	cr_assert_eq(cg_net_del_vip(core, &vip, 128), 0);
}

Test(net_root, link_events_on_changes_only)
{
	struct cg_event ev;
	int down = evs.count[CG_EV_LINK_DOWN], up = evs.count[CG_EV_LINK_UP];

	sh("ip link set d0 down");
	ev = wait_event(CG_EV_LINK_DOWN, down + 1);
	cr_assert_str_eq(ev.u.link.ifname, "d0");
	cr_assert_not(ev.u.link.up);
	sh("ip link set d0 mtu 1400"); /* a NEWLINK that changes nothing we report */
	sh("ip link set d0 up");
	ev = wait_event(CG_EV_LINK_UP, up + 1);
	cr_assert(ev.u.link.up);
	usleep(100000);
	cr_assert_eq(evs.count[CG_EV_LINK_DOWN], down + 1, "one event per change");
}

Test(net_root, routes_are_counted_and_the_rule_goes_at_the_end)
{
	struct cg_addr vip = addr("203.0.113.99"), net = addr("198.51.100.0");

	cr_assert_eq(cg_net_route_table(core), 220);
	cr_assert_eq(cg_net_add_vip(core, &vip, 32, NULL, "d0"), 0);
	cr_assert_eq(cg_net_add_route(core, &net, 24, &vip, NULL), 0);
	cr_assert_eq(cg_net_add_route(core, &net, 24, &vip, NULL), 0, "a second user");
	cr_assert_eq(cg_net_del_route(core, &net, 24, &vip, NULL), 0);
	sh("ip route show table 220 | grep -q '198.51.100.0/24 via 192.0.2.254 dev d0'");
	cr_assert_eq(cg_net_del_route(core, &net, 24, &vip, NULL), 0);
	sh("! ip route show table 220 | grep -q 198.51.100.0");
	/* One left over at the end goes with the core, and so does the rule. */
	cr_assert_eq(cg_net_add_route(core, &net, 24, &vip, NULL), 0);
	sh("ip rule | grep -q '^220:.*lookup 220'");
	cg_bus_unsubscribe(core, sub);
	cg_core_destroy(core);
	core = NULL;
	sh("! ip route show table 220 | grep -q 198.51.100.0");
	sh("! ip rule | grep -q 'lookup 220'");
}

Test(net_root, the_peer_stays_out_of_a_default_route)
{
	struct cg_addr vip = addr("203.0.113.99"), any = addr("0.0.0.0");
	struct cg_addr peer = addr("198.51.100.7");

	cr_assert_eq(cg_net_add_vip(core, &vip, 32, NULL, "d0"), 0);
	cr_assert_eq(cg_net_add_exclusion(core, &peer), 0);
	cr_assert_eq(cg_net_add_route(core, &any, 0, &vip, NULL), 0);
	sh("ip route show table 220 | grep -q '^throw 198.51.100.7'");
	/* Everything leaves with the virtual IP but the peer, which IKE must reach as before. */
	expect_source("203.0.113.1", "203.0.113.99");
	expect_source("198.51.100.7", "192.0.2.1");
	cr_assert_eq(cg_net_del_route(core, &any, 0, &vip, NULL), 0);
	cr_assert_eq(cg_net_del_exclusion(core, &peer), 0);
	sh("! ip route show table 220 | grep -q 198.51.100.7");
	cr_assert_eq(cg_net_del_vip(core, &vip, 32), 0);
}

/* A second core in the same namespace with a table of its own, or none. */
static struct cg_core *core_with(const char *yaml)
{
	struct cg_core_opts opts = {
		.name = "table", .manual = true, .no_sockets = true, .no_control = true,
		.foreground = true, .plugin_dir = CG_TEST_PLUGIN_DIR, .state_file = "",
	};
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;
	struct cg_core *c;

	cr_assert_eq(cg_config_load_string(yaml, "t.yaml", &cfg, &errs), 0);
	cr_assert_eq(cg_core_create(&opts, cfg, &c), 0);
	cr_assert_eq(cg_core_start(c, &errs), 0);
	cg_cfg_errors_free(&errs);
	return c;
}

Test(net_root, route_table_from_the_config)
{
	struct cg_addr vip = addr("2001:db8:ff::5"), net = addr("2001:db8:77::");
	struct cg_core *c = core_with("daemon: { plugins: [], route_table: 1234 }\n");

	cr_assert_eq(cg_net_route_table(c), 1234);
	cr_assert_eq(cg_net_add_vip(c, &vip, 128, NULL, "d0"), 0);
	cr_assert_eq(cg_net_add_route(c, &net, 48, &vip, NULL), 0);
	sh("ip -6 route show table 1234 | grep -q '2001:db8:77::/48 via 2001:db8::fe dev d0'");
	sh("ip -6 rule | grep -q '^220:.*lookup 1234'");
	cg_core_destroy(c);
	sh("! ip -6 rule | grep -q 'lookup 1234'");
	c = core_with("daemon: { plugins: [], route_table: 0 }\n");
	cr_assert_eq(cg_net_route_table(c), 0);
	cr_assert_eq(cg_net_add_route(c, &net, 48, &vip, NULL), -EOPNOTSUPP);
	cg_core_destroy(c);
}
