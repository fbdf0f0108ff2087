/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shipped example config loads, as installed and with every example enabled. */
#include <errno.h>

#include "cfgtest.h"
#include "testlib.h"

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;

	cr_assert_not_null(f, "cannot open %s", path);
	cr_assert_eq(getdelim(&text, &len, '\0', f) > 0, true);
	fclose(f);
	return text;
}

/*
 * Removes the "#" of example lines: "#key: ..." and "#  indented: ..." at
 * the start of a line, "  #key: ..." further in. "# prose" stays.
 */
static char *enable_examples(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	const char *line = text;

	cr_assert_not_null(out);
	while (*line) {
		const char *end = strchrnul(line, '\n');
		size_t indent = strspn(line, " ");
		const char *hash = line + indent;
		bool example = hash < end && hash[0] == '#' && hash + 1 < end &&
			       ((hash[1] != ' ' && hash[1] != '#') ||
				(indent == 0 && hash + 2 < end && hash[1] == ' ' && hash[2] == ' '));

		for (const char *p = line; p < end; p++)
			if (!(example && p == hash))
				*o++ = *p;
		if (*end)
			*o++ = '\n';
		line = *end ? end + 1 : end;
	}
	*o = '\0';
	return out;
}

Test(example, loads_as_installed)
{
	char path[4096];
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg = NULL;
	int err = cg_config_load(tl_src_path("config/cygnet.yaml", path, sizeof(path)), &cfg, &errs);

	if (err)
		ct_dump(&errs);
	cr_assert_eq(err, 0);
	cr_assert_eq(cfg->daemon.n_plugins, 7);
	cr_assert_str_eq(cfg->daemon.plugins[3].name, "ike2");
	cr_assert_not(cfg->daemon.plugins[3].optional);
	cr_assert(cfg->daemon.plugins[6].optional);
	cr_assert_str_eq(cfg->daemon.control, "/run/cygnet/cygnetd.sock");
	cr_assert_not_null(cg_config_section(cfg, "ndhole"));
	cr_assert_eq(cfg->n_conns, 0, "the installed config starts no connection");
	cr_assert_eq(cfg->n_secrets, 0, "and ships no secret");
	cg_config_unref(cfg);
}

Test(example, every_example_is_valid)
{
	char src[4096];
	char *text = read_all(tl_src_path("config/cygnet.yaml", src, sizeof(src)));
	char *enabled = enable_examples(text), *dir = ct_mkdtemp(), *path;
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg = NULL;
	const struct cg_conn_cfg *c;
	int err;

	path = ct_write(dir, "cygnet.yaml", enabled);
	err = cg_config_load(path, &cfg, &errs);
	if (err)
		ct_dump(&errs);
	cr_assert_eq(err, 0);
	cr_assert_eq(cfg->n_conns, 3);
	cr_assert_eq(cfg->n_secrets, 2);
	cr_assert_eq(cfg->n_pools, 2);
	cr_assert_str_eq(cfg->daemon.log_file, "/var/log/cygnet.log");
	cr_assert_eq(cfg->daemon.log_levels[CG_LOG_KNL], CG_LVL_DEBUG);
	cr_assert_not_null(cg_config_section(cfg, "kernel-netlink"));
	c = cg_config_conn(cfg, "gateway");
	cr_assert_not_null(c);
	cr_assert_eq(c->n_pools, 2);
	cr_assert_eq(cg_config_child(cfg, "home", NULL)->start_action, CG_START_START);
	cr_assert_eq(cg_config_child(cfg, "host", NULL)->mode, CG_CHILD_TRANSPORT);
	cg_config_unref(cfg);
	free(path);
	free(enabled);
	free(text);
	ct_cleanup(dir, (const char *const[]){ "cygnet.yaml", NULL });
}
