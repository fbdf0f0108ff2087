/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ndhole over the in-memory kernel: which packets the holes let through,
 * what stays protected, putting holes back, removing them, config errors.
 * The same behaviour on real kernels is checked by the seed 000 scenario.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define PLUGINS "daemon:\n  plugins: [kernel-memory, ndhole]\n"

static struct cg_cfg_errors errs;

static void fini(void)
{
	cg_cfg_errors_free(&errs);
}

TestSuite(ndhole, .fini = fini);

static bool errs_have(const char *needle)
{
	for (size_t i = 0; i < errs.n; i++)
		if (strstr(errs.lines[i], needle))
			return true;
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "error line: %s\n", errs.lines[i]);
	return false;
}

/* The verdict kmem gives a packet: "bypass", "protect", "acquire" or "no-policy". */
static char *verdict(struct cg_core *core, const char *dir, const char *src, const char *dst,
		     const char *proto, unsigned type, unsigned code)
{
	char line[256];
	char *reply, *v;
	unsigned port = type << 8 | code;

	snprintf(line, sizeof(line), "kmem-packet %s %s %s %s %u %u --json", dir, src, dst, proto,
		 port, port);
	reply = tl_ctl(core, line);
	cr_assert(!strncmp(reply, "ok\n", 3), "%s: %s", line, reply);
	v = strstr(reply, "\"verdict\":");
	cr_assert_not_null(v, "%s", reply);
	v += strlen("\"verdict\":");
	while (*v == ' ' || *v == '"')
		v++;
	v = strndup(v, strcspn(v, "\""));
	free(reply);
	return v;
}

static void assert_verdict(struct cg_core *core, const char *dir, const char *src,
			   const char *dst, const char *proto, unsigned type, unsigned code,
			   const char *want)
{
	char *v = verdict(core, dir, src, dst, proto, type, code);

	cr_assert_str_eq(v, want, "%s %s -> %s %s type %u code %u: %s, expected %s", dir, src, dst,
			 proto, type, code, v, want);
	free(v);
}

/* A host-to-host policy protecting everything, like seed 000's conn. */
static void protect_all(struct cg_core *core)
{
	const char *hosts[2] = { "2001:db8::1", "2001:db8::2" };
	enum cg_dir dirs[2] = { CG_DIR_OUT, CG_DIR_IN };

	for (int i = 0; i < 2; i++) {
		struct cg_addr a, b;
		struct cg_kernel_policy pol = { .action = CG_POLICY_PROTECT,
						.priority = CG_PRIO_PROTECT, .proto = IPPROTO_ESP,
						.mode = CG_MODE_TRANSPORT, .reqid = 7 };

		cr_assert_eq(cg_addr_parse(hosts[i], &a), 0);
		cr_assert_eq(cg_addr_parse(hosts[1 - i], &b), 0);
		pol.id.src = cg_ts_from_host(&a);
		pol.id.dst = cg_ts_from_host(&b);
		pol.id.dir = dirs[i];
		pol.tmpl_src = a;
		pol.tmpl_dst = b;
		cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0);
	}
}

Test(ndhole, nd_passes_in_the_clear_while_echo_stays_protected)
{
	struct cg_core *core = tl_core_new("nd", PLUGINS, NULL, &errs, NULL);

	cr_assert_not_null(core);
	protect_all(core);
	/* Neighbour solicitation and advertisement, either way, any code. */
	assert_verdict(core, "out", "2001:db8::1", "2001:db8::2", "ipv6-icmp", 135, 0, "bypass");
	assert_verdict(core, "in", "2001:db8::2", "2001:db8::1", "ipv6-icmp", 136, 0, "bypass");
	assert_verdict(core, "in", "2001:db8::2", "2001:db8::1", "ipv6-icmp", 136, 7, "bypass");
	assert_verdict(core, "out", "2001:db8::1", "2001:db8::2", "ipv6-icmp", 133, 0, "bypass");
	assert_verdict(core, "out", "2001:db8::1", "2001:db8::2", "ipv6-icmp", 137, 0, "bypass");
	/* DAD: from the unspecified address to a solicited-node group. */
	assert_verdict(core, "out", "::", "ff02::1:ff00:1", "ipv6-icmp", 135, 0, "bypass");
	assert_verdict(core, "fwd", "2001:db8::9", "2001:db8::1", "ipv6-icmp", 134, 0, "bypass");
	/* Echo request/reply and MLD (not enabled) stay under the protecting policy. */
	assert_verdict(core, "out", "2001:db8::1", "2001:db8::2", "ipv6-icmp", 128, 0, "acquire");
	assert_verdict(core, "in", "2001:db8::2", "2001:db8::1", "ipv6-icmp", 129, 0, "protect");
	assert_verdict(core, "in", "2001:db8::2", "2001:db8::1", "ipv6-icmp", 143, 0, "protect");
	assert_verdict(core, "in", "2001:db8::2", "2001:db8::1", "tcp", 0x12, 0x34, "protect");
	cg_core_destroy(core);
}

Test(ndhole, disabled_installs_nothing)
{
	struct cg_core *core = tl_core_new("nd", PLUGINS "ndhole: { enabled: false }\n", NULL,
					   &errs, NULL);

	cr_assert_not_null(core);
	protect_all(core);
	assert_verdict(core, "out", "2001:db8::1", "2001:db8::2", "ipv6-icmp", 135, 0, "acquire");
	cg_core_destroy(core);
}

Test(ndhole, mld_and_mobility_header_when_asked)
{
	struct cg_core *core = tl_core_new("nd", PLUGINS
					   "ndhole:\n  icmpv6: [nd, mld]\n  mh: [return-routability]\n",
					   NULL, &errs, NULL);

	cr_assert_not_null(core);
	protect_all(core);
	assert_verdict(core, "in", "2001:db8::2", "2001:db8::1", "ipv6-icmp", 143, 0, "bypass");
	assert_verdict(core, "in", "2001:db8::2", "2001:db8::1", "ipv6-icmp", 130, 0, "bypass");
	assert_verdict(core, "in", "2001:db8::2", "2001:db8::1", "ipv6-icmp", 135, 0, "bypass");
	/* HoTI (1) and CoT (4) in the clear, a Binding Update (5) protected. */
	assert_verdict(core, "out", "2001:db8::1", "2001:db8::2", "mh", 1, 0, "bypass");
	assert_verdict(core, "in", "2001:db8::2", "2001:db8::1", "mh", 4, 0, "bypass");
	assert_verdict(core, "in", "2001:db8::2", "2001:db8::1", "mh", 5, 0, "protect");
	cg_core_destroy(core);
}

Test(ndhole, holes_come_back_after_a_flush)
{
	struct cg_core *core = tl_core_new("nd", PLUGINS, NULL, &errs, NULL);
	struct tl_logcap cap;
	char *reply;

	cr_assert_not_null(core);
	tl_logcap_start(&cap, core, CG_LVL_WARN);
	/* A flush the backend reports on the bus. */
	free(tl_ctl(core, "kmem-flush-policies"));
	tl_run(core);
	assert_verdict(core, "out", "2001:db8::1", "2001:db8::2", "ipv6-icmp", 135, 0, "bypass");
	cr_assert_eq(tl_logcap_count(&cap, "was removed from the kernel: put back"), 15);
	/* A flush nobody reports: the periodic check finds it. */
	free(tl_ctl(core, "kmem-flush-policies quiet"));
	tl_run(core);
	assert_verdict(core, "out", "2001:db8::1", "2001:db8::2", "ipv6-icmp", 135, 0, "no-policy");
	cg_sched_advance(cg_core_sched(core), 10 * 1000);
	tl_run(core);
	assert_verdict(core, "out", "2001:db8::1", "2001:db8::2", "ipv6-icmp", 135, 0, "bypass");
	reply = tl_ctl(core, "list-holes --json");
	cr_assert(strstr(reply, "\"reinstalled\": 30") || strstr(reply, "\"reinstalled\":30"),
		  "%s", reply);
	free(reply);
	tl_logcap_stop(&cap);
	cg_core_destroy(core);
}

Test(ndhole, list_holes_shows_each_direction)
{
	struct cg_core *core = tl_core_new("nd", PLUGINS "ndhole: { icmpv6: [ns] }\n", NULL,
					   &errs, NULL);
	char *reply;

	cr_assert_not_null(core);
	reply = tl_ctl(core, "list-holes --json");
	cr_assert(!strncmp(reply, "ok\n", 3), "%s", reply);
	cr_assert(strstr(reply, "neighbor-solicitation"), "%s", reply);
	cr_assert(strstr(reply, "::/0[ipv6-icmp/34560-34815]"), "%s", reply);
	cr_assert(strstr(reply, "\"in\"") && strstr(reply, "\"out\"") && strstr(reply, "\"fwd\""),
		  "%s", reply);
	cr_assert_null(strstr(reply, "router"), "only the listed type: %s", reply);
	free(reply);
	reply = tl_ctl(core, "status");
	cr_assert(strstr(reply, "ndhole") && strstr(reply, "neighbor-solicitation"),
		  "status lists the holes: %s", reply);
	free(reply);
	cg_core_destroy(core);
}

Test(ndhole, shutdown_removes_every_hole)
{
	struct cg_core *core = tl_core_new("nd", PLUGINS, NULL, &errs, NULL);
	struct tl_logcap cap;

	cr_assert_not_null(core);
	tl_logcap_start(&cap, core, CG_LVL_INFO);
	cg_core_destroy(core);
	/* ndhole stops before the backend; the backend then finds nothing of ours left. */
	cr_assert_eq(tl_logcap_count(&cap, "kernel objects installed by cygnetd"), 0);
	cap.core = NULL; /* gone: nothing to unregister from */
	tl_logcap_stop(&cap);
}

Test(ndhole, bad_values_are_config_errors_with_their_line)
{
	struct cg_core *core = tl_core_new("nd", PLUGINS
					   "ndhole:\n"
					   "  icmpv6: [135, 256, neighbour-solicitation]\n"
					   "  mh: [hotti]\n"
					   "  icmp6: [1]\n", NULL, &errs, NULL);

	cr_assert_null(core);
	cr_assert(errs_have("test.yaml:4:17: "), "256 is reported at its column");
	cr_assert(errs_have("test.yaml:4:22: unknown icmpv6 type 'neighbour-solicitation' (did "
			    "you mean 'neighbor-solicitation'?)"));
	cr_assert(errs_have("test.yaml:5:8: unknown mh type 'hotti' (did you mean 'hoti'?)"));
	cr_assert(errs_have("test.yaml:6:3: unknown key 'icmp6'"));
}

Test(ndhole, starts_before_the_ike_plugin_whatever_the_list_order)
{
	struct cg_core *core = tl_core_new("nd", "daemon:\n  plugins: [kernel-memory, crypto-nettle, ike2, ndhole]\n",
					   NULL, &errs, NULL);
	const char *name;

	for (size_t i = 0; !core && i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.lines[i]);
	cr_assert_not_null(core);
	cr_assert(cg_core_plugin_at(core, 2, &name, NULL));
	cr_assert_str_eq(name, "ndhole", "the holes must exist before IKE installs policies");
	cr_assert(cg_core_plugin_at(core, 3, &name, NULL));
	cr_assert_str_eq(name, "ike2");
	cg_core_destroy(core);
}
