/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel registry over kernel-memory: records, child installs and their rollback, journal. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"

static const char yaml[] = "daemon: { plugins: [kernel-memory] }\n";

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Number of SAs and policies kernel-memory holds. */
static void kstate(struct cg_core *core, size_t *sas, size_t *pols)
{
	char *reply = tl_ctl(core, "kmem-dump --json");

	*sas = count(reply, "\"spi\"");
	*pols = count(reply, "\"priority\"");
	free(reply);
}

static struct cg_ts ts(const char *s)
{
	struct cg_ts t;
	const char *err;

	cr_assert_eq(cg_ts_parse(s, &t, &err), 0, "%s", s);
	return t;
}

static struct cg_addr addr(const char *s)
{
	struct cg_addr a;

	cr_assert_eq(cg_addr_parse(s, &a), 0);
	return a;
}

static uint8_t key[36];

/* A tunnel child 2001:db8:1::/64 <-> 2001:db8:2::/64 (and a second remote net). */
static void child(struct cg_child_install *ci, struct cg_ts *l, struct cg_ts *r, size_t nr)
{
	*l = ts("2001:db8:1::/64");
	r[0] = ts("2001:db8:2::/64");
	if (nr > 1)
		r[1] = ts("2001:db8:3::/64[tcp/443]");
	*ci = (struct cg_child_install){
		.local = addr("2001:db8::1"), .remote = addr("2001:db8::2"),
		.mode = CG_MODE_TUNNEL, .proto = IPPROTO_ESP, .reqid = 1,
		.spi_in = 0xc0000001, .spi_out = 0xc0000002,
		.encr_alg = CG_ENCR_AES_GCM_16, .encr_keylen = 256,
		.encr_key_in = CG_CHUNK(key, 36), .encr_key_out = CG_CHUNK(key, 36),
		.replay_window = 32, .local_ts = l, .n_local_ts = 1, .remote_ts = r,
		.n_remote_ts = nr, .policies = true,
	};
}

Test(kernel, child_install_and_uninstall)
{
	struct cg_core *core = tl_core_new("k", yaml, NULL, NULL, NULL);
	struct cg_child_install ci;
	struct cg_ts l, r[2];
	size_t sas, pols;

	cr_assert_not_null(core);
	cr_assert_str_eq(cg_kernel_name(core), "kernel-memory");
	child(&ci, &l, r, 2);
	cr_assert_eq(cg_child_install(core, &ci), 0);
	kstate(core, &sas, &pols);
	cr_assert_eq(sas, 2);
	cr_assert_eq(pols, 6, "in, out and fwd for each of two selector pairs");
	cr_assert_eq(cg_child_uninstall(core, &ci), 0);
	kstate(core, &sas, &pols);
	cr_assert_eq(sas + pols, 0);
	cg_core_destroy(core);
}

Test(kernel, failed_step_rolls_back_everything)
{
	struct cg_core *core = tl_core_new("k", yaml, NULL, NULL, NULL);
	struct cg_child_install ci;
	struct cg_ts l, r[2];
	size_t sas, pols;
	char *reply;

	cr_assert_not_null(core);
	child(&ci, &l, r, 2);
	/* The fifth policy fails: two SAs and four policies must go again. */
	reply = tl_ctl(core, "kmem-fail add_policy 12 1 4");
	free(reply);
	cr_assert_eq(cg_child_install(core, &ci), -ENOMEM);
	kstate(core, &sas, &pols);
	cr_assert_eq(sas, 0);
	cr_assert_eq(pols, 0);

	/* An outbound SA that fails leaves no inbound SA behind. */
	free(tl_ctl(core, "kmem-fail add_sa 17 1"));
	cr_assert_eq(cg_child_install(core, &ci), -EEXIST);
	kstate(core, &sas, &pols);
	cr_assert_eq(sas + pols, 0);

	/* Nothing is left over for the flush at shutdown either. */
	cr_assert_eq(cg_kernel_flush_installed(core), 0);
	cg_core_destroy(core);
}

Test(kernel, shutdown_removes_what_was_installed)
{
	struct cg_core *core = tl_core_new("k", yaml, NULL, NULL, NULL);
	struct cg_child_install ci;
	struct cg_ts l, r[2];
	size_t sas, pols;
	uint32_t spi;

	cr_assert_not_null(core);
	child(&ci, &l, r, 1);
	cr_assert_eq(cg_kernel_get_spi(core, &ci.remote, &ci.local, IPPROTO_ESP, 1, &spi), 0);
	ci.spi_in = spi;
	cr_assert_eq(cg_child_install(core, &ci), 0);
	kstate(core, &sas, &pols);
	cr_assert_eq(sas, 2, "the larval SA was completed, not duplicated");
	cr_assert_eq(pols, 3);
	cr_assert_eq(cg_kernel_flush_installed(core), 5);
	kstate(core, &sas, &pols);
	cr_assert_eq(sas + pols, 0);
	cg_core_destroy(core);
}

Test(kernel, shared_policy_is_refcounted)
{
	struct cg_core *core = tl_core_new("k", yaml, NULL, NULL, NULL);
	struct cg_kernel_policy pol = {
		.id = { .src = ts("::/0[ipv6-icmp/34816-35071]"), .dst = ts("::/0[ipv6-icmp]"),
			.dir = CG_DIR_OUT },
		.action = CG_POLICY_BYPASS, .priority = CG_PRIO_NDHOLE,
	};
	size_t sas, pols;

	cr_assert_not_null(core);
	cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0);
	cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0, "a second user shares it");
	cr_assert_eq(cg_kernel_del_policy(core, &pol.id), 0);
	kstate(core, &sas, &pols);
	cr_assert_eq(pols, 1, "still used once");
	cr_assert_eq(cg_kernel_del_policy(core, &pol.id), 0);
	kstate(core, &sas, &pols);
	cr_assert_eq(pols, 0);
	cg_core_destroy(core);
}

Test(kernel, narrower_selectors_get_lower_priority)
{
	struct cg_ts any = ts("::/0"), net = ts("2001:db8::/64"), host = ts("2001:db8::1/128");
	struct cg_ts gre = ts("2001:db8::1/128[gre]"), v4 = ts("192.0.2.1/32");
	uint32_t p_any = cg_policy_priority(CG_PRIO_PROTECT, &any, &any);
	uint32_t p_net = cg_policy_priority(CG_PRIO_PROTECT, &net, &net);
	uint32_t p_host = cg_policy_priority(CG_PRIO_PROTECT, &host, &host);
	uint32_t p_gre = cg_policy_priority(CG_PRIO_PROTECT, &gre, &gre);
	uint32_t p_v4 = cg_policy_priority(CG_PRIO_PROTECT, &v4, &v4);

	cr_assert_gt(p_any, p_net);
	cr_assert_gt(p_net, p_host);
	cr_assert_gt(p_host, p_gre);
	cr_assert_eq(p_v4, p_host, "a v4 host weighs what a v6 host does");
	cr_assert_gt(p_gre, CG_PRIO_BYPASS, "protecting policies never beat bypass holes");
}

Test(kernel, journal_cleans_leftovers_of_a_crash)
{
	struct cg_core_opts opts = { .name = "j", .manual = true, .no_sockets = true,
				     .no_rtnetlink = true, .no_control = true,
				     .foreground = true, .plugin_dir = CG_TEST_PLUGIN_DIR };
	char path[] = "/tmp/cygnet-journal-XXXXXX";
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;
	struct cg_core *core;
	struct tl_logcap cap;
	FILE *f;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	/* What a crashed daemon left: two objects added, one of them deleted again. */
	f = fopen(path, "w");
	fputs("+ sa 2001:db8::2 2001:db8::1 c0000001 50\n"
	      "+ sa 2001:db8::1 2001:db8::2 c0000002 50\n"
	      "- sa 2001:db8::1 2001:db8::2 c0000002 50\n"
	      "+ pol out 0 2001:db8:1:: 2001:db8:1::ffff 0 65535 :: ffff:: 0 65535\n"
	      "garbage line\n", f);
	fclose(f);
	opts.state_file = path;
	cr_assert_eq(cg_config_load_string(yaml, "test.yaml", &cfg, &errs), 0);
	cr_assert_eq(cg_core_create(&opts, cfg, &core), 0);
	tl_logcap_start(&cap, core, CG_LVL_INFO);
	cr_assert_eq(cg_core_start(core, &errs), 0);
	cr_assert_eq(tl_logcap_count(&cap, "removed 2 kernel objects left by a previous run"), 1);
	tl_logcap_stop(&cap);
	/* The journal starts afresh and records what this run installs. */
	{
		struct cg_kernel_sa sa = { .id = { .src = addr("192.0.2.1"), .dst = addr("192.0.2.2"),
						   .spi = 0x1234, .proto = IPPROTO_ESP },
					   .mode = CG_MODE_TRANSPORT, .reqid = 9,
					   .encr_alg = CG_ENCR_AES_GCM_16, .encr_keylen = 128,
					   .encr_key = CG_CHUNK(key, 20) };
		char line[256] = "";

		cr_assert_eq(cg_kernel_add_sa(core, &sa), 0);
		f = fopen(path, "r");
		cr_assert(fgets(line, sizeof(line), f));
		fclose(f);
		cr_assert_str_eq(line, "+ sa 192.0.2.1 192.0.2.2 00001234 50\n");
	}
	cg_core_destroy(core);
	f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	cr_assert_eq(ftell(f), 0, "a clean shutdown leaves an empty journal");
	fclose(f);
	unlink(path);
	cg_cfg_errors_free(&errs);
}

static int journal_core_start(const char *path, struct cg_core **ret, struct cg_cfg_errors *errs)
{
	struct cg_core_opts opts = { .name = "j", .manual = true, .no_sockets = true,
				     .no_rtnetlink = true, .no_control = true,
				     .foreground = true, .plugin_dir = CG_TEST_PLUGIN_DIR,
				     .state_file = path };
	struct cg_config *cfg;
	int err;

	cr_assert_eq(cg_config_load_string(yaml, "test.yaml", &cfg, errs), 0);
	cr_assert_eq(cg_core_create(&opts, cfg, ret), 0);
	err = cg_core_start(*ret, errs);
	if (err) {
		cg_core_destroy(*ret);
		*ret = NULL;
	}
	return err;
}

Test(kernel, second_instance_leaves_the_journal_alone)
{
	char dir[] = "/tmp/cygnet-lock-XXXXXX", path[64], lockp[80], *before, *after;
	struct cg_kernel_sa sa = { .id = { .src = addr("192.0.2.1"), .dst = addr("192.0.2.2"),
					   .spi = 0x1234, .proto = IPPROTO_ESP },
				   .mode = CG_MODE_TRANSPORT, .reqid = 9,
				   .encr_alg = CG_ENCR_AES_GCM_16, .encr_keylen = 128,
				   .encr_key = CG_CHUNK(key, 20) };
	struct cg_cfg_errors errs = { 0 };
	struct cg_core *first, *second;
	char want[64];

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/journal", dir);
	snprintf(lockp, sizeof(lockp), "%s.lock", path);
	cr_assert_eq(journal_core_start(path, &first, &errs), 0);
	cr_assert_eq(cg_kernel_add_sa(first, &sa), 0);
	before = tl_slurp(path);
	cr_assert(before && strstr(before, "+ sa 192.0.2.1 192.0.2.2 00001234 50"));

	cr_assert_eq(journal_core_start(path, &second, &errs), -EBUSY);
	cr_assert_eq(errs.n, 1);
	snprintf(want, sizeof(want), "another cygnetd (pid %d) is running", (int)getpid());
	cr_assert(strstr(errs.lines[0], want), "%s", errs.lines[0]);
	after = tl_slurp(path);
	cr_assert_str_eq(after, before, "the running instance's journal is untouched");
	free(after);
	cg_cfg_errors_free(&errs);

	/* Once the first one stopped, the next start takes the lock. */
	cg_core_destroy(first);
	cr_assert_eq(journal_core_start(path, &second, &errs), 0);
	cg_core_destroy(second);
	free(before);
	unlink(path);
	unlink(lockp);
	rmdir(dir);
	cg_cfg_errors_free(&errs);
}

Test(kernel, foreign_policy_is_never_deleted)
{
	struct cg_core *core = tl_core_new("k", yaml, NULL, NULL, NULL);
	struct cg_kernel_policy_id id = {
		.src = ts("2001:db8:1::10/128[mh]"), .dst = ts("2001:db8:1::1/128[mh]"),
		.dir = CG_DIR_OUT,
	};
	size_t sas, pols;
	char *reply;

	cr_assert_not_null(core);
	/* A Mobile IPv6 daemon's policy, which the core never installed. */
	reply = tl_ctl(core, "kmem-policy 2001:db8:1::10/128[mh] 2001:db8:1::1/128[mh] out 1");
	cr_assert(!strncmp(reply, "ok", 2), "%s", reply);
	free(reply);
	cr_assert_eq(cg_kernel_del_policy(core, &id), -ENOENT);
	cr_assert_eq(cg_kernel_flush_installed(core), 0);
	kstate(core, &sas, &pols);
	cr_assert_eq(pols, 1, "another daemon's policy was removed");
	cg_core_destroy(core);
}
