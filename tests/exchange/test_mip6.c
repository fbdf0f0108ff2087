/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a Mobile IPv6 node and its home agent need from the child SAs
 * (seeds 003 and 004): transport_proxy SAs between the home address and
 * the home agent while IKE runs from the care-of address.
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
