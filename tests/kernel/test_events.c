/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel events on the bus: acquire, expire, migrate, policy gone, and lost events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt.h"

static bool reqid_is(const struct cg_event *ev, const void *ctx)
{
	uint32_t reqid = *(const uint32_t *)ctx;

	switch (ev->type) {
	case CG_EV_KERNEL_ACQUIRE:
		return ev->u.acquire.reqid == reqid;
	case CG_EV_KERNEL_EXPIRE:
		return ev->u.expire.reqid == reqid;
	default:
		return false;
	}
}

static bool addr_is(const struct cg_addr *a, const char *s)
{
	struct cg_addr b = kt_addr(s);

	return cg_addr_equal(a, &b);
}

KT_TEST(acquire_from_trap_policy)
{
	struct cg_core *core = kt_core(NULL);
	struct kt_events ev;
	struct kt_child c;
	struct cg_event got;
	uint32_t reqid = 21;
	const struct cg_kernel_acquire *a = &got.u.acquire;
	struct cg_ts want_src = kt_ts("2001:db8:8::/64"), want_dst = kt_ts("2001:db8:9::/64[udp/7000]");

	kt_dummy("2001:db8:8::1", "2001:db8:9::/64");
	kt_events_start(&ev, core, CG_EV_BIT(CG_EV_KERNEL_ACQUIRE));
	kt_child_fill(&c, "2001:db8:8::1", "2001:db8:9::1", "2001:db8:8::/64",
		      "2001:db8:9::/64[udp/7000]", CG_MODE_TUNNEL, KT_ENCR, KT_INTEG, reqid);
	c.ci.priority = CG_PRIO_TRAP;
	cr_assert_eq(cg_child_trap(core, &c.ci), 0);

	/* Traffic the trap does not cover raises nothing. */
	kt_send_udp("2001:db8:9::7", 7001);
	kt_send_udp("2001:db8:9::7", 7000);
	cr_assert(kt_events_wait(&ev, CG_EV_KERNEL_ACQUIRE, reqid_is, &reqid, 5000, &got),
		  "no acquire for reqid %u", reqid);
	cr_assert_eq(kt_events_count(&ev, CG_EV_KERNEL_ACQUIRE, NULL, NULL), 1);
	cr_assert_eq(a->proto, IPPROTO_ESP);
	want_src.proto = CG_PROTO_UDP;
	if (kt_caps()->acquire_packet_in_tunnel) {
		cr_assert(addr_is(&a->src.from, "2001:db8:8::1"));
		cr_assert(addr_is(&a->dst.from, "2001:db8:9::7"));
		cr_assert(addr_is(&a->dst.to, "2001:db8:9::7"), "the packet's selector is one host");
		cr_assert_eq(a->dst.proto, CG_PROTO_UDP);
		cr_assert_eq(a->dst.from_port, 7000);
		cr_assert_eq(a->dst.to_port, 7000);
	} else {
		/*
		 * af_key's acquire carries only the larval SA's addresses, which
		 * in tunnel mode are the template's endpoints: the packet's hosts
		 * are unknown, so the backend reports the trapping policy's
		 * selectors, which IKE then proposes as they are.
		 */
		cr_assert(cg_ts_equal(&a->src, &want_src), "acquire source is not the policy's");
		cr_assert(cg_ts_equal(&a->dst, &want_dst), "acquire destination is not the policy's");
	}
	cr_assert(cg_ts_equal(&a->policy_src, &want_src), "policy source selector differs");
	cr_assert(cg_ts_equal(&a->policy_dst, &want_dst), "policy destination selector differs");
	cr_assert(addr_is(&a->tmpl_src, "2001:db8:8::1"));
	cr_assert(addr_is(&a->tmpl_dst, "2001:db8:9::1"));
	kt_events_stop(&ev);
	cr_assert_eq(cg_child_untrap(core, &c.ci), 0);
	cg_core_destroy(core);
}

/* Which policy a packet met, told by the kernel's last-use time; a trap tells by acquiring. */
KT_TEST(bypass_versus_protect_priority)
{
	struct cg_core *core = kt_core(NULL);
	struct kt_events ev;
	struct cg_event got;
	struct cg_kernel_policy_stats ps;
	uint32_t reqid = 11;
	struct cg_kernel_policy protect = {
		.id = { .src = kt_ts("2001:db8:8::/64"), .dst = kt_ts("2001:db8:9::/64"),
			.dir = CG_DIR_OUT },
		.action = CG_POLICY_PROTECT,
		.priority = CG_PRIO_PROTECT,
		.proto = IPPROTO_ESP,
		.mode = CG_MODE_TRANSPORT, /* endpoints from each packet: one acquire per host */
		.reqid = reqid,
	};
	struct cg_kernel_policy bypass = {
		.id = { .src = kt_ts("2001:db8:8::/64"), .dst = kt_ts("2001:db8:9::5/128"),
			.dir = CG_DIR_OUT },
		.action = CG_POLICY_BYPASS,
		.priority = CG_PRIO_BYPASS,
	};

	kt_dummy("2001:db8:8::1", "2001:db8:9::/64");
	kt_events_start(&ev, core, CG_EV_BIT(CG_EV_KERNEL_ACQUIRE));
	cr_assert_eq(cg_kernel_add_policy(core, &protect, false), 0);
	cr_assert_eq(cg_kernel_add_policy(core, &bypass, false), 0);

	kt_send_udp("2001:db8:9::5", 9);
	cr_assert_eq(cg_kernel_query_policy(core, &bypass.id, &ps), 0);
	cr_assert_neq(ps.use_time, 0, "the bypass policy did not see the packet");
	cr_assert_eq(cg_kernel_query_policy(core, &protect.id, &ps), 0);
	cr_assert_eq(ps.use_time, 0, "the protect policy won over a better bypass");

	kt_send_udp("2001:db8:9::6", 9);
	cr_assert(kt_events_wait(&ev, CG_EV_KERNEL_ACQUIRE, reqid_is, &reqid, 5000, &got));
	cr_assert(addr_is(&got.u.acquire.dst.from, "2001:db8:9::6"));
	cr_assert_eq(kt_events_count(&ev, CG_EV_KERNEL_ACQUIRE, NULL, NULL), 1,
		     "the bypassed host raised an acquire");

	/* A bypass with a worse (higher) priority loses to the protect policy. */
	bypass.priority = CG_PRIO_PROTECT + 100;
	cr_assert_eq(cg_kernel_add_policy(core, &bypass, true), 0);
	kt_send_udp("2001:db8:9::5", 9);
	for (int i = 0; i < 50 && kt_events_count(&ev, CG_EV_KERNEL_ACQUIRE, NULL, NULL) < 2; i++)
		usleep(100 * 1000);
	cr_assert_eq(kt_events_count(&ev, CG_EV_KERNEL_ACQUIRE, NULL, NULL), 2,
		     "the protect policy did not win over a worse bypass");
	kt_events_stop(&ev);
	cg_core_destroy(core);
}

KT_TEST(expire_soft_then_hard)
{
	struct cg_core *core = kt_core(NULL);
	uint32_t reqid = 41;
	struct cg_kernel_sa sa = kt_sa("2001:db8::1", "2001:db8::2", 0xc0040001, CG_MODE_TUNNEL, reqid);
	struct cg_kernel_sa_stats st;
	struct kt_events ev;
	struct cg_event soft, hard;

	sa.lifetime = (struct cg_lifetime){ .soft_secs = 1, .hard_secs = 3 };
	kt_events_start(&ev, core, CG_EV_BIT(CG_EV_KERNEL_EXPIRE));
	cr_assert_eq(cg_kernel_add_sa(core, &sa), 0);
	cr_assert(kt_events_wait(&ev, CG_EV_KERNEL_EXPIRE, reqid_is, &reqid, 4000, &soft),
		  "no soft expire");
	cr_assert_not(soft.u.expire.hard);
	cr_assert_eq(soft.u.expire.id.spi, sa.id.spi);
	cr_assert(addr_is(&soft.u.expire.id.dst, "2001:db8::2"));
	cr_assert(addr_is(&soft.u.expire.id.src, "2001:db8::1"));
	cr_assert_eq(soft.u.expire.id.proto, IPPROTO_ESP);
	cr_assert_eq(cg_kernel_query_sa(core, &sa.id, &st), 0, "a soft expire keeps the SA");
	for (int i = 0; i < 60 && kt_events_count(&ev, CG_EV_KERNEL_EXPIRE, NULL, NULL) < 2; i++)
		usleep(100 * 1000);
	cr_assert_eq(kt_events_count(&ev, CG_EV_KERNEL_EXPIRE, NULL, NULL), 2, "no hard expire");
	pthread_mutex_lock(&ev.lock);
	hard = ev.ev[1];
	pthread_mutex_unlock(&ev.lock);
	cr_assert(hard.u.expire.hard);
	cr_assert_eq(hard.u.expire.id.spi, sa.id.spi);
	cr_assert_eq(cg_kernel_query_sa(core, &sa.id, &st), -ENOENT, "a hard expire removes the SA");
	kt_events_stop(&ev);
	cg_core_destroy(core);
}

static void run_migrate(bool with_km)
{
	cr_assert_eq(kt_sh("%s --sel 2001:db8:1::/64 2001:db8:2::/64 --dir out --reqid 31 "
			   "--move 2001:db8::1 2001:db8::2 2001:db8::11 2001:db8::2 "
			   "--mode transport --reqid 32 "
			   "--move 2001:db8::5 2001:db8::6 2001:db8::15 2001:db8::6 %s",
			   CG_MIGRATE_TOOL, with_km ? "--km 2001:db8::11 2001:db8::2" : ""), 0,
		     "cg-migrate failed");
}

KT_TEST(migrate_with_kmaddress)
{
	struct cg_core *core = kt_core(NULL);
	struct cg_kernel_sa sa = kt_sa("2001:db8::1", "2001:db8::2", 0xc0050001, CG_MODE_TUNNEL, 31);
	struct cg_kernel_policy pol = {
		.id = { .src = kt_ts("2001:db8:1::/64"), .dst = kt_ts("2001:db8:2::/64"),
			.dir = CG_DIR_OUT },
		.action = CG_POLICY_PROTECT,
		.priority = CG_PRIO_PROTECT,
		.proto = IPPROTO_ESP,
		.mode = CG_MODE_TUNNEL,
		.reqid = 31,
		.tmpl_src = kt_addr("2001:db8::1"),
		.tmpl_dst = kt_addr("2001:db8::2"),
	};
	struct cg_kernel_sa_stats st;
	struct kt_events ev;
	struct cg_event got;
	const struct cg_kernel_migrate *m = &got.u.migrate;
	char *out;

	kt_events_start(&ev, core, CG_EV_BIT(CG_EV_KERNEL_MIGRATE));
	cr_assert_eq(cg_kernel_add_sa(core, &sa), 0);
	cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0);
	run_migrate(true);
	cr_assert(kt_events_wait(&ev, CG_EV_KERNEL_MIGRATE, NULL, NULL, 3000, &got), "no migrate event");
	cr_assert(m->has_kmaddress);
	cr_assert(addr_is(&m->km_local, "2001:db8::11"));
	cr_assert(addr_is(&m->km_remote, "2001:db8::2"));
	cr_assert_eq(m->policy.dir, CG_DIR_OUT);
	cr_assert(cg_ts_equal(&m->policy.src, &pol.id.src));
	cr_assert(cg_ts_equal(&m->policy.dst, &pol.id.dst));
	cr_assert_eq(m->n_entries, 2, "every migrate entry is delivered");
	cr_assert(addr_is(&m->entries[0].old_src, "2001:db8::1"));
	cr_assert(addr_is(&m->entries[0].old_dst, "2001:db8::2"));
	cr_assert(addr_is(&m->entries[0].new_src, "2001:db8::11"));
	cr_assert(addr_is(&m->entries[0].new_dst, "2001:db8::2"));
	cr_assert_eq(m->entries[0].reqid, 31);
	cr_assert_eq(m->entries[0].mode, CG_MODE_TUNNEL);
	cr_assert_eq(m->entries[0].proto, IPPROTO_ESP);
	cr_assert(addr_is(&m->entries[1].new_src, "2001:db8::15"));
	cr_assert_eq(m->entries[1].reqid, 32);
	cr_assert_eq(m->entries[1].mode, CG_MODE_TRANSPORT);

	/* The kernel moved the SA and the policy's template. */
	sa.id.src = kt_addr("2001:db8::11");
	cr_assert_eq(cg_kernel_query_sa(core, &sa.id, &st), 0);
	out = kt_sh_out("ip xfrm state");
	cr_assert(strstr(out, "src 2001:db8::11 dst 2001:db8::2"), "SA not moved:\n%s", out);
	cr_assert_null(strstr(out, "src 2001:db8::1 dst"), "old SA remains:\n%s", out);
	free(out);
	out = kt_sh_out("ip xfrm policy");
	cr_assert(strstr(out, "tmpl src 2001:db8::11 dst 2001:db8::2"), "template not moved:\n%s", out);
	free(out);

	/* A migrate without KMADDRESS (older Mobile IPv6 daemons) is delivered, flagged. */
	cr_assert_eq(kt_sh("%s --sel 2001:db8:1::/64 2001:db8:2::/64 --dir out --reqid 31 "
			   "--move 2001:db8::11 2001:db8::2 2001:db8::1 2001:db8::2", CG_MIGRATE_TOOL), 0);
	for (int i = 0; i < 30 && kt_events_count(&ev, CG_EV_KERNEL_MIGRATE, NULL, NULL) < 2; i++)
		usleep(100 * 1000);
	cr_assert_eq(kt_events_count(&ev, CG_EV_KERNEL_MIGRATE, NULL, NULL), 2);
	pthread_mutex_lock(&ev.lock);
	got = ev.ev[1];
	pthread_mutex_unlock(&ev.lock);
	cr_assert_not(m->has_kmaddress);
	cr_assert_eq(m->n_entries, 1);
	cr_assert(addr_is(&m->entries[0].new_src, "2001:db8::1"));
	kt_events_stop(&ev);
	cg_core_destroy(core);
}

static bool slow_subscriber_called;

/* A subscriber that takes its time, so the kernel's queue fills behind it. */
static void slow_fn(void *ctx, const struct cg_event *ev)
{
	slow_subscriber_called = true;
	usleep(20 * 1000);
}

/* Another actor's policy deletion is reported; our own is not. */
KT_TEST(policy_gone)
{
	struct cg_core *core = kt_core(NULL);
	struct kt_events ev;
	struct cg_event got;
	struct cg_kernel_policy mine = {
		.id = { .src = kt_ts("198.51.100.0/25"), .dst = kt_ts("198.51.100.128/25"),
			.dir = CG_DIR_OUT },
		.action = CG_POLICY_BYPASS,
		.priority = CG_PRIO_BYPASS,
	};
	struct cg_ts want = kt_ts("203.0.113.1/32");

	kt_events_start(&ev, core, CG_EV_BIT(CG_EV_KERNEL_POLICY_GONE));
	cr_assert_eq(cg_kernel_add_policy(core, &mine, false), 0);
	cr_assert_eq(cg_kernel_del_policy(core, &mine.id), 0);
	cr_assert_eq(kt_sh("ip xfrm policy add src 203.0.113.1/32 dst 203.0.113.128/25 dir in "
			   "priority 7"), 0);
	cr_assert_eq(kt_sh("ip xfrm policy delete src 203.0.113.1/32 dst 203.0.113.128/25 dir in"), 0);
	cr_assert(kt_events_wait(&ev, CG_EV_KERNEL_POLICY_GONE, NULL, NULL, 3000, &got),
		  "another actor's deletion was not reported");
	cr_assert_not(got.u.policy_gone.flush);
	cr_assert_eq(got.u.policy_gone.id.dir, CG_DIR_IN);
	cr_assert(cg_ts_equal(&got.u.policy_gone.id.src, &want));
	usleep(300 * 1000);
	cr_assert_eq(kt_events_count(&ev, CG_EV_KERNEL_POLICY_GONE, NULL, NULL), 1,
		     "our own deletion was reported as gone");
	kt_events_stop(&ev);
	cg_core_destroy(core);
}

KT_TEST(policy_gone_and_lost_events)
{
	struct cg_core *core;
	struct tl_logcap cap;
	struct kt_events ev;
	struct cg_bus_sub *slow;
	struct cg_event got;
	struct kt_child c;
	uint32_t reqid = 51;
	struct cg_kernel_policy mine = {
		.id = { .src = kt_ts("198.51.100.0/25"), .dst = kt_ts("198.51.100.128/25"),
			.dir = CG_DIR_OUT },
		.action = CG_POLICY_BYPASS,
		.priority = CG_PRIO_BYPASS,
	};
	struct cg_ts want = kt_ts("203.0.113.1/32");
	char add[64], del[64];
	FILE *f;

	/* PF_KEY has its own socket buffer and no such setting: this case is netlink's. */
	if (strcmp(kt_backend(), "kernel-netlink"))
		cr_skip_test("the event buffer size is a kernel-netlink setting");
	core = kt_core("kernel-netlink: { receive_buffer: 4096 }\n");
	tl_logcap_start(&cap, core, CG_LVL_WARN);
	kt_events_start(&ev, core, CG_EV_BIT(CG_EV_KERNEL_POLICY_GONE) | CG_EV_BIT(CG_EV_KERNEL_ACQUIRE));

	/* Our own deletions are not reported; another actor's are. */
	cr_assert_eq(cg_kernel_add_policy(core, &mine, false), 0);
	cr_assert_eq(cg_kernel_del_policy(core, &mine.id), 0);
	cr_assert_eq(kt_sh("ip xfrm policy add src 203.0.113.1/32 dst 203.0.113.128/25 dir in "
			   "priority 7"), 0);
	cr_assert_eq(kt_sh("ip xfrm policy delete src 203.0.113.1/32 dst 203.0.113.128/25 dir in"), 0);
	cr_assert(kt_events_wait(&ev, CG_EV_KERNEL_POLICY_GONE, NULL, NULL, 3000, &got));
	cr_assert_not(got.u.policy_gone.flush);
	cr_assert_eq(got.u.policy_gone.id.dir, CG_DIR_IN);
	cr_assert(cg_ts_equal(&got.u.policy_gone.id.src, &want));
	cr_assert_eq(kt_events_count(&ev, CG_EV_KERNEL_POLICY_GONE, NULL, NULL), 1,
		     "our own deletion was reported as gone");

	/* Hundreds of foreign deletions behind a slow subscriber overflow the queue. */
	cr_assert_eq(cg_bus_subscribe(core, CG_EV_BIT(CG_EV_KERNEL_POLICY_GONE), CG_BUS_SYNC, slow_fn,
				      NULL, &slow), 0);
	snprintf(add, sizeof(add), "/tmp/cgk%d.add", (int)getpid());
	snprintf(del, sizeof(del), "/tmp/cgk%d.del", (int)getpid());
	f = fopen(add, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 400; i++)
		fprintf(f, "xfrm policy add src 2001:db8:7::%d:%d/128 dst 2001:db8:6::/64 "
			"dir out priority 9\n", i / 200, i % 200);
	fclose(f);
	f = fopen(del, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 400; i++)
		fprintf(f, "xfrm policy delete src 2001:db8:7::%d:%d/128 dst 2001:db8:6::/64 "
			"dir out\n", i / 200, i % 200);
	fclose(f);
	cr_assert_eq(kt_sh("ip -batch %s && ip -batch %s", add, del), 0);
	unlink(add);
	unlink(del);
	for (int i = 0; i < 100 && !tl_logcap_count(&cap, "kernel events were lost"); i++)
		usleep(100 * 1000);
	cr_assert(slow_subscriber_called);
	cr_assert_geq(tl_logcap_count(&cap, "kernel events were lost"), 1,
		      "an overflow of the event queue went unreported");
	cg_bus_unsubscribe(core, slow);

	/* Recovered: events flow again. */
	kt_dummy("2001:db8:8::1", "2001:db8:9::/64");
	kt_child_fill(&c, "2001:db8:8::1", "2001:db8:9::1", "2001:db8:8::/64", "2001:db8:9::/64",
		      CG_MODE_TUNNEL, KT_ENCR, KT_INTEG, reqid);
	cr_assert_eq(cg_child_trap(core, &c.ci), 0);
	kt_send_udp("2001:db8:9::7", 7000);
	cr_assert(kt_events_wait(&ev, CG_EV_KERNEL_ACQUIRE, reqid_is, &reqid, 5000, &got),
		  "no events after the overflow");
	kt_events_stop(&ev);
	tl_logcap_stop(&cap);
	cg_core_destroy(core);
}
