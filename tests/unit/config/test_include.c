/* SPDX-License-Identifier: GPL-2.0-or-later */
/* include: relative paths, nesting, globs, merging, and every way it can go wrong. */
#include <errno.h>
#include <sys/stat.h>

#include "cfgtest.h"

static char *dir;

static void setup(void)
{
	dir = ct_mkdtemp();
}

TestSuite(include, .init = setup);

static char *sub(const char *name)
{
	char *path;

	cr_assert_geq(asprintf(&path, "%s/%s", dir, name), 0);
	return path;
}

Test(include, relative_to_the_including_file_and_nested)
{
	char *conf_d = sub("conf.d"), *main_path, *pools_path;
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;
	const struct cg_cfg_node *addrs;

	cr_assert_eq(mkdir(conf_d, 0700), 0);
	main_path = ct_write(dir, "main.yaml", "daemon: { plugins: [] }\ninclude: conf.d/pools.yaml\n");
	pools_path = ct_write(dir, "conf.d/pools.yaml",
			      "pools:\n  p: { addrs: 192.0.2.0/24 }\ninclude: [more.yaml]\n");
	free(ct_write(dir, "conf.d/more.yaml",
		      "secrets:\n  - { type: psk, ids: [a, b], secret: x }\n"));

	cr_assert_eq(cg_config_load(main_path, &cfg, &errs), 0);
	cr_assert_eq(cfg->n_pools, 1);
	cr_assert_eq(cfg->n_secrets, 1);
	addrs = cg_cfg_get(cg_cfg_get(cg_config_section(cfg, "pools"), "p"), "addrs");
	cr_assert_str_eq(cg_cfg_file(addrs), pools_path);
	cr_assert_eq(cg_cfg_line(addrs), 2);
	cr_assert_eq(cg_cfg_col(addrs), 15);
	cr_assert_null(cg_config_section(cfg, "include"), "include is not a section");
	cg_config_unref(cfg);
	free(main_path);
	free(pools_path);
	{
		static const char *const names[] = { "conf.d/more.yaml", "conf.d/pools.yaml",
						     "conf.d", "main.yaml", NULL };
		free(conf_d);
		ct_cleanup(dir, names);
	}
}

Test(include, missing_file_is_an_error_at_the_include_line)
{
	char *main_path = ct_write(dir, "main.yaml", "daemon: {}\ninclude:\n  - nope.yaml\n");
	char *want;
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(cg_config_load(main_path, &cfg, &errs), -EINVAL);
	cr_assert_geq(asprintf(&want, "%s:3:5: cannot include '%s/nope.yaml': No such file or "
			       "directory", main_path, dir), 0);
	ct_assert_error(&errs, want);
	cr_assert_eq(errs.n, 1);
	free(want);
	free(main_path);
	cg_cfg_errors_free(&errs);
	ct_cleanup(dir, (const char *const[]){ "main.yaml", NULL });
}

Test(include, cycle_is_detected_and_named)
{
	char *a = ct_write(dir, "a.yaml", "daemon: {}\ninclude: b.yaml\n");
	char *b = ct_write(dir, "b.yaml", "pools: {}\ninclude: a.yaml\n");
	char *want;
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(cg_config_load(a, &cfg, &errs), -EINVAL);
	cr_assert_geq(asprintf(&want, "%s:2:10: include cycle: %s -> %s -> %s/a.yaml", b, a, b,
			       dir), 0);
	ct_assert_error(&errs, want);
	cr_assert_eq(errs.n, 1);
	free(want);
	free(a);
	free(b);
	cg_cfg_errors_free(&errs);
	ct_cleanup(dir, (const char *const[]){ "a.yaml", "b.yaml", NULL });
}

Test(include, a_file_including_itself)
{
	char *a = ct_write(dir, "a.yaml", "include: a.yaml\n");
	char *want;
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(cg_config_load(a, &cfg, &errs), -EINVAL);
	cr_assert_geq(asprintf(&want, "%s:1:10: include cycle: %s -> %s/a.yaml", a, a, dir), 0);
	ct_assert_error(&errs, want);
	free(want);
	free(a);
	cg_cfg_errors_free(&errs);
	ct_cleanup(dir, (const char *const[]){ "a.yaml", NULL });
}

Test(include, glob_reads_matches_in_order_and_merges_maps)
{
	char *conns = sub("conns"), *main_path;
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(mkdir(conns, 0700), 0);
	main_path = ct_write(dir, "main.yaml",
			     "connections:\n"
			     "  first: { local: { auth: psk }, remote: { auth: psk } }\n"
			     "  include: conns/*.yaml\n"
			     "include: empty.d/*.yaml\n"
			     "secrets:\n"
			     "  - { type: psk, secret: one }\n");
	free(ct_write(dir, "conns/20-b.yaml",
		      "third: { local: { auth: psk }, remote: { auth: psk } }\n"));
	free(ct_write(dir, "conns/10-a.yaml",
		      "second: { local: { auth: psk }, remote: { auth: psk } }\n"));
	free(ct_write(dir, "conns/secrets.txt", "not: yaml: at all: [\n"));

	cr_assert_eq(cg_config_load(main_path, &cfg, &errs), 0, "%s", errs.n ? errs.lines[0] : "");
	cr_assert_eq(cfg->n_conns, 3);
	cr_assert_str_eq(cfg->conns[0].name, "first");
	cr_assert_str_eq(cfg->conns[1].name, "second");
	cr_assert_str_eq(cfg->conns[2].name, "third");
	cg_config_unref(cfg);
	free(main_path);
	free(conns);
	ct_cleanup(dir, (const char *const[]){ "conns/20-b.yaml", "conns/10-a.yaml",
					      "conns/secrets.txt", "conns", "main.yaml", NULL });
}

Test(include, sections_merge_lists_join_and_scalars_conflict)
{
	char *main_path = ct_write(dir, "main.yaml",
				   "daemon:\n"
				   "  threads: 2\n"
				   "secrets:\n"
				   "  - { type: psk, ids: [a], secret: one }\n"
				   "include: more.yaml\n");
	char *more = ct_write(dir, "more.yaml",
			      "daemon:\n"
			      "  port_nat_t: 4501\n"
			      "secrets:\n"
			      "  - { type: psk, ids: [b], secret: two }\n");
	char *want;
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(cg_config_load(main_path, &cfg, &errs), 0);
	cr_assert_eq(cfg->daemon.threads, 2);
	cr_assert_eq(cfg->daemon.port_nat_t, 4501);
	cr_assert_eq(cfg->n_secrets, 2);
	cr_assert_eq(cfg->secrets[1].secret.len, 3);
	cr_assert_eq(memcmp(cfg->secrets[1].secret.ptr, "two", 3), 0);
	cg_config_unref(cfg);

	free(ct_write(dir, "more.yaml", "daemon:\n  threads: 3\n"));
	cr_assert_eq(cg_config_load(main_path, &cfg, &errs), -EINVAL);
	cr_assert_geq(asprintf(&want, "%s:2:3: 'threads' is already set at %s:2:3", more,
			       main_path), 0);
	ct_assert_error(&errs, want);
	free(want);
	free(main_path);
	free(more);
	cg_cfg_errors_free(&errs);
	ct_cleanup(dir, (const char *const[]){ "main.yaml", "more.yaml", NULL });
}

Test(include, errors_inside_an_included_file_point_into_it)
{
	char *main_path = ct_write(dir, "main.yaml", "daemon: {}\ninclude: bad.yaml\n");
	char *bad = ct_write(dir, "bad.yaml", "pools:\n  p: [\n");
	char *list = NULL, *want;
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(cg_config_load(main_path, &cfg, &errs), -EINVAL);
	cr_assert_geq(asprintf(&want, "%s:3:1: did not find expected node content (while parsing "
			       "a flow node that starts at line 3, column 1)", bad), 0);
	ct_assert_error(&errs, want);
	free(want);
	cg_cfg_errors_free(&errs);

	free(ct_write(dir, "bad.yaml", "- a\n"));
	cr_assert_eq(cg_config_load(main_path, &cfg, &errs), -EINVAL);
	cr_assert_geq(asprintf(&want, "%s:1:1: an included file must be a map of keys, not a list",
			       bad), 0);
	ct_assert_error(&errs, want);
	free(want);
	cg_cfg_errors_free(&errs);

	list = ct_write(dir, "main.yaml", "daemon: {}\ninclude: { a: b }\n");
	cr_assert_eq(cg_config_load(main_path, &cfg, &errs), -EINVAL);
	cr_assert_geq(asprintf(&want, "%s:2:10: include: expected a file name or a list of file "
			       "names", main_path), 0);
	ct_assert_error(&errs, want);
	free(want);
	free(list);
	free(main_path);
	free(bad);
	cg_cfg_errors_free(&errs);
	ct_cleanup(dir, (const char *const[]){ "main.yaml", "bad.yaml", NULL });
}

Test(include, a_directory_is_not_a_file)
{
	char *d = sub("d"), *main_path, *want;
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(mkdir(d, 0700), 0);
	main_path = ct_write(dir, "main.yaml", "include: d\n");
	cr_assert_eq(cg_config_load(main_path, &cfg, &errs), -EINVAL);
	cr_assert_geq(asprintf(&want, "%s:1:10: cannot include '%s': Is a directory", main_path, d),
		      0);
	ct_assert_error(&errs, want);
	free(want);
	free(main_path);
	free(d);
	cg_cfg_errors_free(&errs);
	ct_cleanup(dir, (const char *const[]){ "main.yaml", "d", NULL });
}

Test(include, main_file_that_cannot_be_read)
{
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg = (struct cg_config *)1;
	char *missing = sub("missing.yaml");

	cr_assert_eq(cg_config_load(missing, &cfg, &errs), -ENOENT);
	cr_assert_null(cfg);
	cr_assert_eq(errs.n, 0, "the caller words this one");
	free(missing);
	ct_cleanup(dir, NULL);
}

/* A FIFO would block the open until a writer comes: it is refused at once. */
Test(include, a_fifo_is_refused_without_blocking, .timeout = 5)
{
	char *fifo = sub("fifo"), *main_path, *want;
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(mkfifo(fifo, 0600), 0);
	main_path = ct_write(dir, "main.yaml", "include: fifo\n");
	cr_assert_eq(cg_config_load(main_path, &cfg, &errs), -EINVAL);
	cr_assert_geq(asprintf(&want, "%s:1:10: cannot include '%s': not a regular file of at most "
			       "16 MiB", main_path, fifo), 0);
	ct_assert_error(&errs, want);
	cr_assert_eq(errs.n, 1);
	free(want);
	cg_cfg_errors_free(&errs);

	cr_assert_eq(cg_config_load(fifo, &cfg, &errs), -EINVAL);
	cr_assert_null(cfg);
	cr_assert_geq(asprintf(&want, "%s: not a regular file of at most 16 MiB", fifo), 0);
	ct_assert_error(&errs, want);
	cr_assert_eq(errs.n, 1);
	free(want);
	free(main_path);
	free(fifo);
	cg_cfg_errors_free(&errs);
	ct_cleanup(dir, (const char *const[]){ "main.yaml", "fifo", NULL });
}
