/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtnetlink queries that need no privileges, checked against loopback. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "testlib.h"

static struct cg_core *core;

static void setup(void)
{
	struct cg_core_opts opts = {
		.name = "net", .manual = true, .no_sockets = true, .no_control = true,
		.foreground = true, .plugin_dir = CG_TEST_PLUGIN_DIR, .state_file = "",
	};
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(cg_config_load_string("daemon: { plugins: [] }\n", "n.yaml", &cfg, &errs), 0);
	cr_assert_eq(cg_core_create(&opts, cfg, &core), 0);
	cr_assert_eq(cg_core_start(core, &errs), 0);
	cg_cfg_errors_free(&errs);
}

static void teardown(void)
{
	cg_core_destroy(core);
}

TestSuite(net, .init = setup, .fini = teardown);

static struct cg_addr addr(const char *s)
{
	struct cg_addr a;

	cr_assert_eq(cg_addr_parse(s, &a), 0);
	return a;
}

Test(net, source_for_loopback)
{
	struct cg_addr dst = addr("127.0.0.2"), src;

	cr_assert_eq(cg_net_source_for(core, &dst, &src), 0);
	cr_assert_eq(src.family, AF_INET);
	cr_assert(cg_addr_equal(&src, &(struct cg_addr){ 0 }) == false);
	dst = addr("127.0.0.1");
	cr_assert(cg_addr_equal(&src, &dst), "loopback traffic leaves from 127.0.0.1");
	dst = addr("%any");
	cr_assert_eq(cg_net_source_for(core, &dst, &src), -EINVAL);
}

Test(net, is_local)
{
	struct cg_addr lo = addr("127.0.0.1"), doc = addr("192.0.2.253");

	cr_assert(cg_net_is_local(core, &lo));
	cr_assert_not(cg_net_is_local(core, &doc));
}

struct found {
	bool lo;
	int n;
};

static bool on_addr(void *ctx, const struct cg_addr *a, uint8_t prefixlen, int ifindex,
		    const char *ifname)
{
	struct found *f = ctx;
	struct cg_addr lo;

	cg_addr_parse("127.0.0.1", &lo);
	f->n++;
	if (cg_addr_equal(a, &lo)) {
		f->lo = true;
		cr_assert_eq(prefixlen, 8);
		cr_assert_str_eq(ifname, "lo");
		cr_assert_gt(ifindex, 0);
	}
	return true;
}

static bool stop_at_first(void *ctx, const struct cg_addr *a, uint8_t prefixlen, int ifindex,
			  const char *ifname)
{
	(*(int *)ctx)++;
	return false;
}

Test(net, foreach_addr)
{
	struct found f = { 0 };
	int calls = 0;

	cr_assert_eq(cg_net_foreach_addr(core, on_addr, &f), 0);
	cr_assert(f.lo, "127.0.0.1 on lo listed");
	cr_assert_eq(cg_net_foreach_addr(core, stop_at_first, &calls), 0);
	cr_assert_eq(calls, 1, "false stops the walk");
}

Test(net, disabled_without_rtnetlink)
{
	struct cg_core *off = tl_core_new("off", "daemon: { plugins: [] }\n", NULL, NULL, NULL);
	struct cg_addr lo = addr("127.0.0.1"), src;

	cr_assert_not_null(off);
	cr_assert_eq(cg_net_source_for(off, &lo, &src), -ENODEV);
	cr_assert_not(cg_net_is_local(off, &lo));
	cr_assert_eq(cg_net_add_vip(off, &lo, 32, NULL, "lo"), -ENODEV);
	cg_core_destroy(off);
}
