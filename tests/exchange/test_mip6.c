/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a Mobile IPv6 node and its home agent need from the child SAs
 * (seeds 003 and 004): transport_proxy SAs between the home address and
 * the home agent while IKE runs from the care-of address; children whose
 * policies the Mobile IPv6 daemon owns (`policies: no`, a fixed `reqid`),
 * brought up by acquires from those policies, which cygnet never removes.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"

static struct ex_net net;

/* Home address and home agent, as the selectors name them; IKE runs between 2001:db8::1 and ::2. */
#define HOA "2001:db8:1::10"
#define HA "2001:db8:1::1"

static void stop(void)
{
	ex_stop(&net);
}

TestSuite(mip6, .fini = stop, .timeout = 60);

static void start(const struct ex_conf *l, const struct ex_conf *r)
{
	char *ly = ex_yaml(EX_LEFT, l), *ry = ex_yaml(EX_RIGHT, r);

	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
}

static void start_proxy(const char *mn_ts, const char *ha_ts)
{
	struct ex_conf mn = { .mode = "transport_proxy", .local_ts = mn_ts, .remote_ts = "\"" HA "/128[mh]\"" };
	struct ex_conf ha = { .mode = "transport_proxy", .local_ts = "\"" HA "/128[mh]\"", .remote_ts = ha_ts };

	start(&mn, &ha);
}

static void ctl_ok(int side, const char *line)
{
	char *reply = ex_ctl(&net, side, line);

	cr_assert(!strncmp(reply, "ok", 2), "%s: %s", line, reply);
	free(reply);
}

/* Number of SAs in one side's kernel from src to dst. */
static size_t sas_between(int side, const char *src, const char *dst)
{
	char needle[128];

	snprintf(needle, sizeof(needle), "src: %s\n    dst: %s\n    spi:", src, dst);
	return ex_ctl_count(&net, side, "kmem-dump", needle);
}

static void assert_proxy_sas(void)
{
	for (int i = 0; i < 2; i++) {
		/* One SA each way between home address and home agent, none on the IKE addresses. */
		cr_assert_eq(sas_between(i, HOA, HA), 1, "side %d", i);
		cr_assert_eq(sas_between(i, HA, HOA), 1, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "direction"), 2, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "dst: 2001:db8::"), 0, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "TRANSPORT_PROXY"), 1, "side %d", i);
	}
}

Test(mip6, transport_proxy_sas_between_home_address_and_home_agent)
{
	char *reply;

	start_proxy("\"" HOA "/128[mh]\"", "\"" HOA "/128[mh]\"");
	ctl_ok(EX_LEFT, "initiate --child net");
	assert_proxy_sas();
	/* The IKE SA stays between the outer addresses. */
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "2001:db8::2"), 1);
	/* A Binding Update from the home address meets the policy whose SA is now keyed. */
	reply = ex_ctl(&net, EX_LEFT, "kmem-packet out " HOA " " HA " mh 1280 0");
	cr_assert(strstr(reply, "verdict: protect"), "%s", reply);
	free(reply);
	/* A rekey reserves and installs the new SAs in the same place, and removes the old. */
	ctl_ok(EX_LEFT, "rekey --child net");
	ex_run(&net);
	assert_proxy_sas();
	ctl_ok(EX_RIGHT, "terminate --child net");
	ex_run(&net);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "spi:"), 0, "side %d", i);
}

Test(mip6, transport_proxy_trap_acquire)
{
	struct ex_conf mn = { .mode = "transport_proxy", .local_ts = "\"" HOA "/128[mh]\"",
			      .remote_ts = "\"" HA "/128[mh]\"", .start_action = "trap" };
	struct ex_conf ha = { .mode = "transport_proxy", .local_ts = "\"" HA "/128[mh]\"",
			      .remote_ts = "\"2001:db8:1::/64[mh]\"" };
	char *reply;

	start(&mn, &ha);
	ex_run(&net);
	reply = ex_ctl(&net, EX_LEFT, "kmem-packet out " HOA " " HA " mh 1280 0");
	cr_assert(strstr(reply, "acquire"), "%s", reply);
	free(reply);
	ex_run(&net);
	/* The home agent narrowed its /64 to the home address the node proposed. */
	assert_proxy_sas();
}

Test(mip6, transport_proxy_selectors_not_one_host)
{
	/* The node proposes a whole prefix: its SAs would have no home address. */
	char *reply;

	start_proxy("\"2001:db8:1::/64[mh]\"", "\"2001:db8:1::/64[mh]\"");
	reply = ex_ctl(&net, EX_LEFT, "initiate --child net");
	cr_assert(strstr(reply, "failed"), "%s", reply);
	free(reply);
	ex_run(&net);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 0, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "spi:"), 0, "side %d", i);
	}
}

Test(mip6, transport_proxy_responder_refuses_a_prefix)
{
	struct ex_conf mn = { .mode = "transport", .local_ts = "\"2001:db8:1::/64[mh]\"",
			      .remote_ts = "\"" HA "/128[mh]\"" };
	struct ex_conf ha = { .mode = "transport_proxy", .local_ts = "\"" HA "/128[mh]\"",
			      .remote_ts = "\"2001:db8:1::/64[mh]\"" };

	start(&mn, &ha);
	ctl_ok(EX_LEFT, "initiate --child net");
	ex_run(&net);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 0, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "spi:"), 0, "side %d", i);
	}
}

Test(mip6, policies_no_installs_the_sas_only)
{
	struct ex_conf c = { .child_extra = "        policies: no\n" };

	start(&c, &c);
	ctl_ok(EX_LEFT, "initiate --child net");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 1, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "direction"), 2, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "dir:"), 0, "side %d", i);
	}
}

/* The Mobile IPv6 daemon's MH policies (umip's `IPsecPolicy Mh UseESP REQID`). */
static void foreign_mh_policies(int side, unsigned reqid)
{
	char line[160];

	snprintf(line, sizeof(line), "kmem-policy %s/128[mh] %s/128[mh] out %u", HOA, HA, reqid);
	ctl_ok(side, line);
	snprintf(line, sizeof(line), "kmem-policy %s/128[mh] %s/128[mh] in %u", HA, HOA, reqid);
	ctl_ok(side, line);
}

/* A Binding Update meets the foreign policy: an acquire with its reqid, then the child comes up. */
static void bring_up_by_bu(void)
{
	char *reply = ex_ctl(&net, EX_LEFT, "kmem-packet out " HOA " " HA " mh 1280 0");

	cr_assert(strstr(reply, "acquire"), "%s", reply);
	free(reply);
	ex_run(&net);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "INSTALLED"), 1);
	reply = ex_ctl(&net, EX_LEFT, "kmem-packet out " HOA " " HA " mh 1280 0");
	cr_assert(strstr(reply, "verdict: protect"), "%s", reply);
	free(reply);
}

static void assert_foreign_policies_stay(unsigned reqid)
{
	char needle[32];

	snprintf(needle, sizeof(needle), "reqid: %u", reqid);
	ctl_ok(EX_LEFT, "terminate --ike net");
	ex_run(&net);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "direction"), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "protect"), 2);
	/* What a shutdown does: everything cygnetd installed goes, the daemon's policies stay. */
	cg_kernel_flush_installed(net.core[EX_LEFT]);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "protect"), 2);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", needle), 2);
}

/* A mobile node whose MH child waits for acquires, and its home agent. */
static void start_mn_trap(const char *child_extra)
{
	struct ex_conf mn = { .mode = "transport_proxy", .local_ts = "\"" HOA "/128[mh]\"",
			      .remote_ts = "\"" HA "/128[mh]\"", .start_action = "trap",
			      .child_extra = child_extra };
	struct ex_conf ha = { .mode = "transport_proxy", .local_ts = "\"" HA "/128[mh]\"",
			      .remote_ts = "\"" HOA "/128[mh]\"" };

	start(&mn, &ha);
	ex_run(&net);
}

Test(mip6, acquire_from_a_foreign_policy_with_the_fixed_reqid)
{
	start_mn_trap("        policies: no\n        reqid: 7\n");
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "dir:"), 0, "cygnet installed policies");
	foreign_mh_policies(EX_LEFT, 7);
	bring_up_by_bu();
	/* Both SAs carry the daemon's reqid: its policies' templates find them. */
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "reqid: 7"), 2 + 2);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "reqid: 7"), 1);
	assert_foreign_policies_stay(7);
}

Test(mip6, acquire_from_a_foreign_policy_matched_by_selector)
{
	start_mn_trap("        policies: no\n");
	foreign_mh_policies(EX_LEFT, 9);
	bring_up_by_bu();
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "reqid: 9"), 2 + 2);
	assert_foreign_policies_stay(9);
}

Test(mip6, allocated_reqids_skip_fixed_ones)
{
	struct ex_conf c = { .child_extra = "        reqid: 1\n" };
	struct ex_conf r = { .child_extra = "        reqid: 2\n" };

	start(&c, &r);
	cr_assert_eq(cg_kernel_new_reqid(net.core[EX_LEFT]), 2);
	cr_assert_eq(cg_kernel_new_reqid(net.core[EX_RIGHT]), 1);
	cr_assert_eq(cg_kernel_new_reqid(net.core[EX_RIGHT]), 3);
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "reqid: 1"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "reqid: 2"), 1);
}
