/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>
#include <errno.h>

#include "testlib.h"

static const char yaml[] =
	"daemon: { plugins: [] }\n"
	"pools:\n"
	"  v6: { addrs: \"2001:db8:100::/126\" }\n"
	"  v4: { addrs: \"203.0.113.1-203.0.113.2\" }\n";

static struct cg_core *core;

static void setup(void)
{
	core = tl_core_new("pool", yaml, NULL, NULL, NULL);
	cr_assert_not_null(core);
}

static void teardown(void)
{
	cg_core_destroy(core);
}

TestSuite(pool, .init = setup, .fini = teardown);

static struct cg_id id(const char *s)
{
	struct cg_id i;

	cr_assert_eq(cg_id_parse(s, &i), 0);
	return i;
}

static void assert_addr(const struct cg_addr *a, const char *want)
{
	char buf[CG_ADDR_STRLEN];

	cr_assert_str_eq(cg_addr_str(a, buf, sizeof(buf)), want);
}

Test(pool, same_peer_gets_same_address_back)
{
	struct cg_id carol = id("carol@example.org"), dave = id("dave@example.org");
	struct cg_addr a, b, c;

	cr_assert_eq(cg_pool_acquire(core, "v4", &carol, NULL, &a), 0);
	assert_addr(&a, "203.0.113.1");
	cr_assert_eq(cg_pool_acquire(core, "v4", &dave, NULL, &b), 0);
	assert_addr(&b, "203.0.113.2");
	cr_assert_eq(cg_pool_online(core, "v4"), 2);
	cg_pool_release(core, "v4", &a);
	cr_assert_eq(cg_pool_online(core, "v4"), 1);
	cr_assert_eq(cg_pool_acquire(core, "v4", &carol, NULL, &c), 0);
	assert_addr(&c, "203.0.113.1");
	cg_id_free(&carol);
	cg_id_free(&dave);
}

Test(pool, exhausted_pool_and_wrong_family)
{
	struct cg_id p1 = id("p1"), p2 = id("p2"), p3 = id("p3");
	struct cg_addr a, want4;

	cr_assert_eq(cg_pool_acquire(core, "v4", &p1, NULL, &a), 0);
	cr_assert_eq(cg_pool_acquire(core, "v4", &p2, NULL, &a), 0);
	cr_assert_eq(cg_pool_acquire(core, "v4", &p3, NULL, &a), -ENOSPC);
	cg_addr_parse("203.0.113.1", &want4);
	cr_assert_eq(cg_pool_acquire(core, "v6", &p3, &want4, &a), -EAFNOSUPPORT);
	cr_assert_eq(cg_pool_acquire(core, "nope", &p3, NULL, &a), -ENOENT);
	cg_id_free(&p1);
	cg_id_free(&p2);
	cg_id_free(&p3);
}

Test(pool, v6_prefix_and_requested_address)
{
	struct cg_id p1 = id("p1"), p2 = id("p2");
	struct cg_addr a, req;

	cg_addr_parse("2001:db8:100::2", &req);
	cr_assert_eq(cg_pool_acquire(core, "v6", &p1, &req, &a), 0);
	assert_addr(&a, "2001:db8:100::2");
	cr_assert_eq(cg_pool_acquire(core, "v6", &p2, &req, &a), 0);
	cr_assert_neq(memcmp(&a, &req, sizeof(a)), 0, "a taken address goes to nobody else");
	cg_id_free(&p1);
	cg_id_free(&p2);
}
