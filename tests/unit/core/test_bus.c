/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>
#include <stdatomic.h>

#include "testlib.h"

struct seen {
	atomic_int n;
	enum cg_event_type last;
	int last_ifindex;
};

static void on_event(void *ctx, const struct cg_event *ev)
{
	struct seen *s = ctx;

	s->last = ev->type;
	s->last_ifindex = ev->u.link.ifindex;
	atomic_fetch_add(&s->n, 1);
}

static struct cg_core *core;

static void setup(void)
{
	core = tl_core_new("bus", "daemon: { plugins: [] }\n", NULL, NULL, NULL);
	cr_assert_not_null(core);
}

static void teardown(void)
{
	cg_core_destroy(core);
}

TestSuite(bus, .init = setup, .fini = teardown);

Test(bus, sync_subscriber_runs_in_publish)
{
	struct seen s = { 0 };
	struct cg_bus_sub *sub;
	struct cg_event ev = { .type = CG_EV_LINK_UP, .u.link.ifindex = 3 };

	cr_assert_eq(cg_bus_subscribe(core, CG_EV_BIT(CG_EV_LINK_UP), CG_BUS_SYNC, on_event, &s,
				      &sub), 0);
	cr_assert_eq(cg_bus_publish(core, &ev), 0);
	cr_assert_eq(atomic_load(&s.n), 1);
	cr_assert_eq(s.last, CG_EV_LINK_UP);
	cr_assert_eq(s.last_ifindex, 3);
	cg_bus_unsubscribe(core, sub);
}

Test(bus, mask_filters_types)
{
	struct seen s = { 0 };
	struct cg_bus_sub *sub;
	struct cg_event up = { .type = CG_EV_LINK_UP }, down = { .type = CG_EV_LINK_DOWN };

	cg_bus_subscribe(core, CG_EV_BIT(CG_EV_LINK_DOWN), CG_BUS_SYNC, on_event, &s, &sub);
	cg_bus_publish(core, &up);
	cr_assert_eq(atomic_load(&s.n), 0);
	cg_bus_publish(core, &down);
	cr_assert_eq(atomic_load(&s.n), 1);
	cg_bus_unsubscribe(core, sub);
}

Test(bus, job_subscriber_gets_a_copy_later)
{
	struct seen s = { 0 };
	struct cg_bus_sub *sub;
	struct cg_event ev = { .type = CG_EV_LINK_UP, .u.link.ifindex = 9 };

	cg_bus_subscribe(core, CG_EV_ALL, CG_BUS_JOB, on_event, &s, &sub);
	cg_bus_publish(core, &ev);
	ev.u.link.ifindex = 10; /* the publisher's struct is not referenced */
	cr_assert_eq(atomic_load(&s.n), 0, "delivered in a job, not in publish");
	tl_run(core);
	cr_assert_eq(atomic_load(&s.n), 1);
	cr_assert_eq(s.last_ifindex, 9);
	cg_bus_unsubscribe(core, sub);
}

Test(bus, unsubscribe_drops_queued_deliveries)
{
	struct seen s = { 0 };
	struct cg_bus_sub *sub;
	struct cg_event ev = { .type = CG_EV_LINK_UP };

	cg_bus_subscribe(core, CG_EV_ALL, CG_BUS_JOB, on_event, &s, &sub);
	cg_bus_publish(core, &ev);
	cg_bus_publish(core, &ev);
	cg_bus_unsubscribe(core, sub);
	tl_run(core);
	cr_assert_eq(atomic_load(&s.n), 0);
}

Test(bus, several_subscribers_each_get_one)
{
	struct seen a = { 0 }, b = { 0 }, c = { 0 };
	struct cg_bus_sub *sa, *sb, *sc;
	struct cg_event ev = { .type = CG_EV_KERNEL_ACQUIRE };

	cg_bus_subscribe(core, CG_EV_ALL, CG_BUS_SYNC, on_event, &a, &sa);
	cg_bus_subscribe(core, CG_EV_BIT(CG_EV_KERNEL_ACQUIRE), CG_BUS_JOB, on_event, &b, &sb);
	cg_bus_subscribe(core, CG_EV_BIT(CG_EV_KERNEL_EXPIRE), CG_BUS_JOB, on_event, &c, &sc);
	cg_bus_publish(core, &ev);
	tl_run(core);
	cr_assert_eq(atomic_load(&a.n), 1);
	cr_assert_eq(atomic_load(&b.n), 1);
	cr_assert_eq(atomic_load(&c.n), 0);
	cr_assert_str_eq(cg_event_name(CG_EV_KERNEL_ACQUIRE), "kernel-acquire");
	cg_bus_unsubscribe(core, sa);
	cg_bus_unsubscribe(core, sb);
	cg_bus_unsubscribe(core, sc);
}
