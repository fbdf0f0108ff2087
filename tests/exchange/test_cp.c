/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration payload between two cores: the responder leases IPv4
 * and IPv6 virtual IPs from its pools and answers CFG_REPLY with them, DNS
 * servers and subnets; both sides use the addresses as the "dynamic"
 * selectors; leases go back when the IKE SA goes; the failures of RFC 7296
 * 3.15.4 (INTERNAL_ADDRESS_FAILURE, FAILED_CP_REQUIRED).
 *
 * The cores run without rtnetlink, so the initiator cannot put the address
 * on an interface here (it logs that and carries on); the kernel lab's
 * interop test covers the installation.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cygnet/pool.h>

#include "exconf.h"
#include "exnet.h"

#define POOLS                                                                          \
	"pools:\n"                                                                     \
	"  v4pool: { addrs: 203.0.113.0/24, dns: [192.0.2.153],\n"                     \
	"            subnets: [198.51.100.0/24] }\n"                                   \
	"  v6pool: { addrs: \"2001:db8:100::/120\", dns: [\"2001:db8::53\"],\n"         \
	"            subnets: [\"2001:db8:2::/64\"] }\n"                                \
	"  tiny: { addrs: \"2001:db8:100::9-2001:db8:100::9\" }\n"

struct counts {
	uint32_t ike_up, ike_down, child_up, child_down;
};

static void on_event(void *ctx, const struct cg_event *ev)
{
	struct counts *c = ctx;

	switch (ev->type) {
	case CG_EV_IKE_UP: c->ike_up++; break;
	case CG_EV_IKE_DOWN: c->ike_down++; break;
	case CG_EV_CHILD_UP: c->child_up++; break;
	case CG_EV_CHILD_DOWN: c->child_down++; break;
	default: break;
	}
}

static struct ex_net net;
static struct counts ev[2];
static struct cg_bus_sub *subs[2];
static struct tl_logcap logs[2];

static void start_with(const char *vips, const char *pools, const char *daemon_extra);

/* A roadwarrior (left) asking for vips, a gateway (right) with pools. */
static void start(const char *vips, const char *pools)
{
	start_with(vips, pools, NULL);
}

/* The same, with more `daemon:` keys for the roadwarrior. */
static void start_with(const char *vips, const char *pools, const char *daemon_extra)
{
	static const char plugins[] = "  plugins: [crypto-nettle, kernel-memory, ike2]\n";
	char extra_l[128] = "", extra_r[128] = "", *yaml[2], *full;
	struct ex_conf l = {
		.local_ts = "dynamic", .remote_ts = "2001:db8:2::/64, 198.51.100.0/24",
		.conn_extra = extra_l,
	};
	struct ex_conf r = {
		.local_ts = "2001:db8:2::/64, 198.51.100.0/24", .remote_ts = "dynamic",
		.conn_extra = extra_r,
	};

	if (vips)
		snprintf(extra_l, sizeof(extra_l), "    vips: [%s]\n", vips);
	if (pools)
		snprintf(extra_r, sizeof(extra_r), "    pools: [%s]\n", pools);
	yaml[EX_LEFT] = ex_yaml(EX_LEFT, &l);
	if (daemon_extra) {
		char *at = strstr(yaml[EX_LEFT], plugins), *with;

		cr_assert_not_null(at);
		at += strlen(plugins);
		cr_assert_geq(asprintf(&with, "%.*s%s%s", (int)(at - yaml[EX_LEFT]), yaml[EX_LEFT],
				       daemon_extra, at), 0);
		free(yaml[EX_LEFT]);
		yaml[EX_LEFT] = with;
	}
	yaml[EX_RIGHT] = ex_yaml(EX_RIGHT, &r);
	cr_assert_geq(asprintf(&full, "%s%s", yaml[EX_RIGHT], POOLS), 0);
	ex_start(&net, yaml[EX_LEFT], full);
	free(full);
	free(yaml[EX_LEFT]);
	free(yaml[EX_RIGHT]);
	memset(ev, 0, sizeof(ev));
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(cg_bus_subscribe(net.core[i], CG_EV_ALL, CG_BUS_SYNC, on_event, &ev[i],
					      &subs[i]), 0);
		tl_logcap_start(&logs[i], net.core[i], CG_LVL_DEBUG);
	}
}

static void stop(void)
{
	for (int i = 0; i < 2; i++) {
		if (!net.core[i])
			continue;
		tl_logcap_stop(&logs[i]);
		cg_bus_unsubscribe(net.core[i], subs[i]);
	}
	ex_stop(&net);
}

static void ctl_ok(int side, const char *line)
{
	ex_ctl_ok(&net, side, line);
}

static size_t list_count(int side, const char *needle)
{
	return ex_ctl_count(&net, side, "list-sas --json", needle);
}

static size_t kmem_count(int side, const char *needle)
{
	return ex_ctl_count(&net, side, "kmem-dump", needle);
}

TestSuite(cp, .fini = stop, .timeout = 60);

Test(cp, assigns_ipv6_and_ipv4_with_dns_and_subnets)
{
	start("0.0.0.0, \"::\"", "v4pool, v6pool");
	ctl_ok(EX_LEFT, "initiate --child net");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_up, 1, "side %d", i);
		cr_assert_eq(ev[i].child_up, 1, "side %d", i);
	}
	/* The first address of each pool, shown on both sides. */
	cr_assert_eq(list_count(EX_LEFT, "local-vips"), 1);
	cr_assert_eq(list_count(EX_RIGHT, "remote-vips"), 1);
	cr_assert_eq(list_count(EX_LEFT, "remote-vips"), 0);
	for (int i = 0; i < 2; i++) {
		/* In the vips list and as the selector of the child. */
		cr_assert_eq(list_count(i, "2001:db8:100::1/128"), 1, "side %d", i);
		cr_assert_eq(list_count(i, "203.0.113.1/32"), 1, "side %d", i);
		cr_assert_eq(list_count(i, "\"2001:db8:100::1\""), 1, "side %d", i);
		cr_assert_eq(list_count(i, "\"203.0.113.1\""), 1, "side %d", i);
		/* Policies from the virtual IPs to the subnets behind the gateway. */
		cr_assert_geq(kmem_count(i, "2001:db8:100::1/128"), 3, "side %d", i);
		cr_assert_geq(kmem_count(i, "203.0.113.1/32"), 3, "side %d", i);
		/* The IKE addresses are not selectors any more. */
		cr_assert_eq(list_count(i, "2001:db8::1/128"), 0, "side %d", i);
	}
	/* Traffic from the virtual IP is protected, from the IKE address it is not. */
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-packet out 2001:db8:100::1 2001:db8:2::5",
				  "verdict: protect"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-packet out 203.0.113.1 198.51.100.34",
				  "verdict: protect"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-packet out 2001:db8::1 2001:db8:2::5",
				  "verdict: protect"), 0);
	/* DNS servers and split-include subnets reached the initiator. */
	cr_assert_eq(list_count(EX_LEFT, "\"2001:db8::53\""), 1);
	cr_assert_eq(list_count(EX_LEFT, "\"192.0.2.153\""), 1);
	cr_assert_eq(list_count(EX_LEFT, "\"subnets\": [\n        \"198.51.100.0/24\",\n"
					 "        \"2001:db8:2::/64\"\n      ]"), 1);
	cr_assert_eq(list_count(EX_RIGHT, "\"subnets\""), 0);
	cr_assert_eq(cg_pool_online(net.core[EX_RIGHT], "v6pool"), 1);
	cr_assert_eq(cg_pool_online(net.core[EX_RIGHT], "v4pool"), 1);
	/* No rtnetlink in this process: said once per address, and the SA carries on. */
	cr_assert_eq(tl_logcap_count(&logs[EX_LEFT], "not installed"), 2);
	cr_assert_eq(tl_logcap_count(&logs[EX_RIGHT], "assigning virtual IP 2001:db8:100::1"), 1);
}

Test(cp, json_lists_the_virtual_ips)
{
	start("\"::\"", "v6pool");
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(list_count(EX_LEFT, "\"local-vips\": [\n        \"2001:db8:100::1\"\n"), 1);
	cr_assert_eq(list_count(EX_RIGHT, "\"remote-vips\": [\n        \"2001:db8:100::1\"\n"), 1);
	cr_assert_eq(list_count(EX_RIGHT, "\"dns\""), 0);
}

Test(cp, requested_address_is_honoured)
{
	start("\"2001:db8:100::7\"", "v6pool");
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(ev[EX_LEFT].child_up, 1);
	cr_assert_eq(list_count(EX_LEFT, "2001:db8:100::7/128"), 1);
	cr_assert_eq(list_count(EX_RIGHT, "2001:db8:100::7/128"), 1);
}

Test(cp, lease_returns_on_delete_and_comes_back)
{
	start("\"::\"", "v6pool");
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(cg_pool_online(net.core[EX_RIGHT], "v6pool"), 1);
	ctl_ok(EX_LEFT, "terminate --ike net");
	cr_assert_eq(ev[EX_RIGHT].ike_down, 1);
	cr_assert_eq(cg_pool_online(net.core[EX_RIGHT], "v6pool"), 0);
	cr_assert_eq(tl_logcap_count(&logs[EX_RIGHT], "returned to pool 'v6pool'"), 1);
	/* The same identity gets the same address again. */
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(ev[EX_LEFT].child_up, 2);
	cr_assert_eq(list_count(EX_LEFT, "2001:db8:100::1/128"), 1);
	/* A delete from the gateway's side returns it too. */
	ctl_ok(EX_RIGHT, "terminate --ike net");
	cr_assert_eq(ev[EX_LEFT].ike_down, 2);
	cr_assert_eq(cg_pool_online(net.core[EX_RIGHT], "v6pool"), 0);
	cr_assert_eq(list_count(EX_LEFT, "vips"), 0);
}

Test(cp, only_ipv6_pool_assigns_ipv6_only)
{
	start("0.0.0.0, \"::\"", "v6pool");
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(ev[EX_LEFT].child_up, 1);
	cr_assert_eq(list_count(EX_LEFT, "2001:db8:100::1/128"), 1);
	/* Without an IPv4 address no IPv4 traffic is protected. */
	cr_assert_eq(list_count(EX_LEFT, "0.0.0.0"), 0);
	cr_assert_eq(list_count(EX_LEFT, "\"local-vips\": [\n        \"2001:db8:100::1\"\n      ]"), 1);
	cr_assert_eq(kmem_count(EX_LEFT, "198.51.100.0/24"), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-packet out 203.0.113.1 198.51.100.34",
				  "verdict: protect"), 0);
	cr_assert_eq(tl_logcap_count(&logs[EX_LEFT], "no IPv4 virtual IP assigned"), 1);
}

Test(cp, exhausted_pool_gives_internal_address_failure)
{
	struct cg_addr taken;
	struct cg_id other;

	start("\"::\"", "tiny");
	cr_assert_eq(cg_id_parse("someone-else", &other), 0);
	cr_assert_eq(cg_pool_acquire(net.core[EX_RIGHT], "tiny", &other, NULL, &taken), 0);
	cg_id_free(&other);
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(tl_logcap_count(&logs[EX_RIGHT], "pool exhausted"), 1);
	cr_assert_eq(tl_logcap_count(&logs[EX_RIGHT], "answering INTERNAL_ADDRESS_FAILURE"), 1);
	cr_assert_eq(tl_logcap_count(&logs[EX_LEFT], "no virtual IP assigned (INTERNAL_ADDRESS_FAILURE)"), 1);
	/* No child anywhere; the initiator deleted the IKE SA it could not use. */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].child_up, 0, "side %d", i);
		cr_assert_eq(cg_sa_count(net.core[i]), 0, "side %d", i);
		cr_assert_eq(kmem_count(i, "direction"), 0, "side %d", i);
		cr_assert_eq(kmem_count(i, "spi"), 0, "side %d", i);
	}
	cr_assert_eq(cg_pool_online(net.core[EX_RIGHT], "tiny"), 1);
}

Test(cp, wrong_family_pool_gives_internal_address_failure)
{
	start("0.0.0.0", "v6pool");
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(tl_logcap_count(&logs[EX_LEFT], "INTERNAL_ADDRESS_FAILURE"), 1);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].child_up, 0, "side %d", i);
		cr_assert_eq(cg_sa_count(net.core[i]), 0, "side %d", i);
	}
}

Test(cp, responder_without_pools_refuses_the_request)
{
	start("\"::\"", NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(tl_logcap_count(&logs[EX_RIGHT], "has no pools"), 1);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].child_up, 0, "side %d", i);
		cr_assert_eq(cg_sa_count(net.core[i]), 0, "side %d", i);
	}
}

Test(cp, pools_without_request_give_failed_cp_required)
{
	start(NULL, "v6pool");
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(tl_logcap_count(&logs[EX_RIGHT], "answering FAILED_CP_REQUIRED"), 1);
	cr_assert_eq(tl_logcap_count(&logs[EX_LEFT], "FAILED_CP_REQUIRED"), 1);
	/* The IKE SA stands (2.21.1); only the child is refused, no lease is taken. */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_up, 1, "side %d", i);
		cr_assert_eq(ev[i].child_up, 0, "side %d", i);
		cr_assert_eq(list_count(i, "ESTABLISHED"), 1, "side %d", i);
	}
	cr_assert_eq(cg_pool_online(net.core[EX_RIGHT], "v6pool"), 0);
}

Test(cp, child_rekey_keeps_the_virtual_ip)
{
	char line[64], *reply, *at;
	unsigned spi;

	start("\"::\"", "v6pool");
	ctl_ok(EX_LEFT, "initiate --child net");
	reply = ex_ctl(&net, EX_LEFT, "list-sas --json");
	at = strstr(reply, "\"spi-in\": \"");
	cr_assert_not_null(at, "%s", reply);
	cr_assert_eq(sscanf(at + 11, "%x", &spi), 1);
	free(reply);
	snprintf(line, sizeof(line), "kmem-expire %08x soft", spi);
	ctl_ok(EX_LEFT, line);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(list_count(i, "INSTALLED"), 1, "side %d", i);
		cr_assert_eq(list_count(i, "2001:db8:100::1/128"), 1, "side %d", i);
	}
	cr_assert_eq(cg_pool_online(net.core[EX_RIGHT], "v6pool"), 1);
}

Test(cp, ike_rekey_keeps_the_virtual_ip_and_its_lease)
{
	start("\"::\"", "v6pool");
	ctl_ok(EX_LEFT, "initiate --child net");
	ctl_ok(EX_LEFT, "rekey --ike net");
	/* The lease and the address move to the new IKE SA; nothing is given back. */
	cr_assert_eq(cg_pool_online(net.core[EX_RIGHT], "v6pool"), 1);
	cr_assert_eq(tl_logcap_count(&logs[EX_RIGHT], "returned to pool"), 0);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(list_count(i, "2001:db8:100::1/128"), 1, "side %d", i);
	ctl_ok(EX_LEFT, "terminate --ike net");
	cr_assert_eq(cg_pool_online(net.core[EX_RIGHT], "v6pool"), 0);
}

/*
 * DNS servers to the resolver: a file of the test's own, as resolv_conf,
 * and a stand-in for resolvconf(8) that records how it was called.
 */

static const char resolv_before[] = "# the admin's own\nsearch example.org\nnameserver 192.0.2.53\n";

Test(cp, dns_servers_go_to_resolv_conf_and_come_back_out)
{
	char *path = tl_tmpfile(resolv_before, ".resolv"), extra[256], *now;

	tl_use_resolver = true;
	snprintf(extra, sizeof(extra), "  resolv_conf: %s\n  resolvconf: /nonexistent/resolvconf\n",
		 path);
	start_with("0.0.0.0, \"::\"", "v4pool, v6pool", extra);
	ctl_ok(EX_LEFT, "initiate --child net");
	now = tl_slurp(path);
	/* Ours first (asked first), marked; the admin's lines as they were, after them. */
	cr_assert_str_eq(now, "nameserver 192.0.2.153 # cygnet\n"
			      "nameserver 2001:db8::53 # cygnet\n"
			      "# the admin's own\nsearch example.org\nnameserver 192.0.2.53\n",
			 "%s", now);
	free(now);
	/* The IKE SA going takes exactly our lines out again. */
	ctl_ok(EX_LEFT, "terminate --ike net");
	cr_assert_eq(ev[EX_LEFT].ike_down, 1);
	now = tl_slurp(path);
	cr_assert_str_eq(now, resolv_before, "%s", now);
	free(now);
	/* The gateway side received none and wrote nothing anywhere. */
	cr_assert_eq(tl_logcap_count(&logs[EX_RIGHT], "DNS server"), 0);
	unlink(path);
	free(path);
}

Test(cp, dns_servers_shared_by_two_sas_stay_until_both_go)
{
	char *path = tl_tmpfile("", ".resolv"), extra[256], *now;

	tl_use_resolver = true;
	snprintf(extra, sizeof(extra), "  resolv_conf: %s\n  resolvconf: \"\"\n", path);
	start_with("\"::\"", "v6pool", extra);
	ctl_ok(EX_LEFT, "initiate --child net");
	ctl_ok(EX_LEFT, "initiate --ike net --child net");
	cr_assert_eq(ev[EX_LEFT].ike_up, 2);
	now = tl_slurp(path);
	cr_assert_str_eq(now, "nameserver 2001:db8::53 # cygnet\n", "once, for both: %s", now);
	free(now);
	ctl_ok(EX_LEFT, "terminate --ike-id 1");
	now = tl_slurp(path);
	cr_assert_str_eq(now, "nameserver 2001:db8::53 # cygnet\n", "still used: %s", now);
	free(now);
	ctl_ok(EX_LEFT, "terminate --ike net");
	now = tl_slurp(path);
	cr_assert_str_eq(now, "", "%s", now);
	free(now);
	unlink(path);
	free(path);
}

Test(cp, dns_servers_go_to_resolvconf_when_it_exists)
{
	char *log = tl_tmpfile("", ".log"), *script, *path, extra[256], *now, *expect;
	char body[512];

	snprintf(body, sizeof(body), "#!/bin/sh\n{ echo \"args: $*\"; cat; } >>%s\n", log);
	script = tl_tmpfile(body, ".sh");
	path = tl_tmpfile(resolv_before, ".resolv");
	cr_assert_eq(chmod(script, 0700), 0);
	tl_use_resolver = true;
	snprintf(extra, sizeof(extra), "  resolv_conf: %s\n  resolvconf: %s\n", path, script);
	start_with("0.0.0.0", "v4pool", extra);
	ctl_ok(EX_LEFT, "initiate --child net");
	ctl_ok(EX_LEFT, "terminate --ike net");
	now = tl_slurp(log);
	cr_assert_geq(asprintf(&expect, "args: -a %s\nnameserver 192.0.2.153\nargs: -d %s\n",
			       CG_DNS_RESOLVCONF_IFACE, CG_DNS_RESOLVCONF_IFACE), 0);
	cr_assert_str_eq(now, expect, "%s", now);
	free(expect);
	free(now);
	/* With resolvconf there, the file is not touched. */
	now = tl_slurp(path);
	cr_assert_str_eq(now, resolv_before);
	free(now);
	unlink(log);
	unlink(script);
	unlink(path);
	free(log);
	free(script);
	free(path);
}

Test(cp, dns_servers_leave_the_system_alone_by_default_in_tests)
{
	start("0.0.0.0", "v4pool");
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert_eq(tl_logcap_count(&logs[EX_LEFT], "added to"), 0);
	cr_assert_eq(list_count(EX_LEFT, "\"192.0.2.153\""), 1, "still shown by list-sas");
}
