/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The YAML tree: positions, scalars, aliases, and how bad YAML is reported. */
#include <errno.h>
#include <time.h>

#include "cfgtest.h"

static void assert_pos(const struct cg_cfg_node *n, unsigned line, unsigned col)
{
	cr_assert_not_null(n);
	cr_assert_str_eq(cg_cfg_file(n), "test.yaml");
	cr_assert_eq(cg_cfg_line(n), line, "line %u, want %u", cg_cfg_line(n), line);
	cr_assert_eq(cg_cfg_col(n), col, "col %u, want %u", cg_cfg_col(n), col);
}

Test(tree, every_node_knows_its_line_and_column)
{
	static const char yaml[] =
		"daemon:\n"
		"  plugins: [kernel-memory, ike2]\n"
		"  log: { default: info, knl: debug }\n"
		"pools:\n"
		"  v6:\n"
		"    addrs: \"2001:db8::/120\"\n";
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;
	const struct cg_cfg_node *daemon, *plugins, *log;

	cr_assert_eq(ct_load(yaml, &cfg, &errs), 0);
	assert_pos(cfg->root, 1, 1);
	daemon = cg_config_section(cfg, "daemon");
	assert_pos(daemon, 2, 3);
	cr_assert_eq(cg_cfg_kind(daemon), CG_CFG_MAP);
	assert_pos(cg_cfg_key_node_at(daemon, 0), 2, 3);
	cr_assert_str_eq(cg_cfg_key_at(daemon, 0), "plugins");
	plugins = cg_cfg_get(daemon, "plugins");
	assert_pos(plugins, 2, 12);
	cr_assert_eq(cg_cfg_kind(plugins), CG_CFG_SEQ);
	cr_assert_eq(cg_cfg_count(plugins), 2);
	assert_pos(cg_cfg_at(plugins, 1), 2, 28);
	cr_assert_str_eq(cg_cfg_scalar(cg_cfg_at(plugins, 1)), "ike2");
	log = cg_cfg_get(daemon, "log");
	assert_pos(log, 3, 8);
	assert_pos(cg_cfg_get(log, "knl"), 3, 30);
	assert_pos(cg_cfg_key_node_at(log, 1), 3, 25);
	assert_pos(cg_cfg_get(cg_cfg_get(cg_config_section(cfg, "pools"), "v6"), "addrs"), 6, 12);
	/* The typed sections point back at their nodes too. */
	assert_pos(cfg->daemon.plugins[1].node, 2, 28);
	assert_pos(cfg->pools[0].node, 6, 5);
	cg_config_unref(cfg);
	cg_cfg_errors_free(&errs);
}

Test(tree, scalars_nulls_and_quotes)
{
	static const char yaml[] =
		"pools:\n"
		"  p: { addrs: 192.0.2.0/24 }\n"
		"ike2: { a: ~, b: null, c: , d: \"\", e: 'null', f: \"x: y\", g: [] }\n"
		"daemon: { plugins: [ike2] }\n";
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;
	const struct cg_cfg_node *s;

	cr_assert_eq(ct_load(yaml, &cfg, &errs), 0);
	s = cg_config_section(cfg, "ike2");
	cr_assert(cg_cfg_is_null(cg_cfg_get(s, "a")));
	cr_assert(cg_cfg_is_null(cg_cfg_get(s, "b")));
	cr_assert(cg_cfg_is_null(cg_cfg_get(s, "c")));
	cr_assert_not(cg_cfg_is_null(cg_cfg_get(s, "d")), "a quoted empty string is a value");
	cr_assert_not(cg_cfg_is_null(cg_cfg_get(s, "e")), "a quoted 'null' is text");
	cr_assert_str_eq(cg_cfg_scalar(cg_cfg_get(s, "e")), "null");
	cr_assert_str_eq(cg_cfg_scalar(cg_cfg_get(s, "f")), "x: y");
	cr_assert_eq(cg_cfg_kind(cg_cfg_get(s, "g")), CG_CFG_SEQ);
	cr_assert_eq(cg_cfg_count(cg_cfg_get(s, "g")), 0);
	cr_assert_null(cg_cfg_scalar(cg_cfg_get(s, "g")));
	cr_assert_null(cg_cfg_get(s, "absent"));
	cr_assert_null(cg_cfg_get(cg_cfg_get(s, "f"), "x"), "a scalar has no keys");
	cr_assert_null(cg_cfg_at(s, 99));
	cr_assert_null(cg_cfg_key_at(cg_cfg_get(s, "g"), 0));
	cg_config_unref(cfg);
}

Test(tree, bad_yaml_reports_libyaml_problem_at_its_position)
{
	ct_assert_load_error("daemon:\n  plugins: [a]\n   log: x\n",
			     "test.yaml:3:4: did not find expected key (while parsing a block "
			     "mapping that starts at line 2, column 3)");
	ct_assert_load_error("daemon:\n  control: \"/run/x\n",
			     "test.yaml:3:1: found unexpected end of stream (while scanning a "
			     "quoted scalar that starts at line 2, column 12)");
	ct_assert_load_error("daemon:\n  plugins: [a, b\n",
			     "test.yaml:3:1: did not find expected ',' or ']' (while parsing a "
			     "flow sequence that starts at line 2, column 12)");
	/* Encoding errors come as an offset; the line and column are worked out from it. */
	ct_assert_load_error("a: b\nc: \xff\n", "test.yaml:2:4: invalid leading UTF-8 octet");
}

Test(tree, a_key_twice_is_an_error)
{
	ct_assert_load_error("daemon: {}\npools: {}\ndaemon: {}\n",
			     "test.yaml:3:1: 'daemon' is given twice in this map (first at line 1)");
}

Test(tree, keys_must_be_scalars)
{
	ct_assert_load_error("? [a, b]\n: c\n", "test.yaml:1:3: a key must be a plain name, not a list");
}

Test(tree, one_document_per_file)
{
	ct_assert_load_error("daemon: {}\n---\npools: {}\n",
			     "test.yaml:2:1: a second YAML document: a config file holds one (use "
			     "include: to split it)");
}

Test(tree, top_level_must_be_a_map)
{
	ct_assert_load_error("- a\n- b\n", "test.yaml:1:1: the top level must be a map of keys, "
			     "not a list");
	ct_assert_load_error("just text\n", "test.yaml:1:1: the top level must be a map of keys, "
			     "not a single value");
}

Test(tree, empty_file_is_an_empty_config)
{
	struct cg_config *cfg;

	cr_assert_eq(ct_load("", &cfg, NULL), 0);
	cr_assert_eq(cg_cfg_kind(cfg->root), CG_CFG_MAP);
	cr_assert_eq(cg_cfg_count(cfg->root), 0);
	cg_config_unref(cfg);
	cr_assert_eq(ct_load("# only a comment\n", &cfg, NULL), 0);
	cg_config_unref(cfg);
}

Test(tree, aliases_copy_the_anchored_node)
{
	static const char yaml[] =
		"daemon: { plugins: [ike2] }\n"
		"ike2:\n"
		"  base: &ts [192.0.2.0/24, 198.51.100.0/24]\n"
		"  again: *ts\n";
	struct cg_config *cfg;
	const struct cg_cfg_node *again;

	cr_assert_eq(ct_load(yaml, &cfg, NULL), 0);
	again = cg_cfg_get(cg_config_section(cfg, "ike2"), "again");
	cr_assert_eq(cg_cfg_kind(again), CG_CFG_SEQ);
	cr_assert_eq(cg_cfg_count(again), 2);
	cr_assert_str_eq(cg_cfg_scalar(cg_cfg_at(again, 1)), "198.51.100.0/24");
	/* A copy keeps the position of what it copies: errors point at the text. */
	cr_assert_eq(cg_cfg_line(cg_cfg_at(again, 1)), 3);
	cr_assert_eq(cg_cfg_col(cg_cfg_at(again, 1)), 28);
	cg_config_unref(cfg);
}

Test(tree, unknown_alias)
{
	ct_assert_load_error("daemon:\n  plugins: *nope\n",
			     "test.yaml:2:12: unknown alias '*nope': no anchor '&nope' before it in "
			     "this file");
}

Test(tree, deep_nesting_is_refused)
{
	char yaml[512] = "a: ";
	size_t n = strlen(yaml);

	for (int i = 0; i < 100; i++)
		yaml[n++] = '[';
	for (int i = 0; i < 100; i++)
		yaml[n++] = ']';
	yaml[n] = '\0';
	ct_assert_load_error(yaml, "test.yaml:1:68: the configuration nests deeper than 64 levels");
}

Test(tree, alias_expansion_is_bounded)
{
	static const char yaml[] =
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n";
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(ct_load(yaml, &cfg, &errs), -EINVAL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(errs.n, 1);
	cr_assert(strstr(errs.lines[0], "more than 500000 nodes"), "%s", errs.lines[0]);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 10);
	cg_cfg_errors_free(&errs);
}

Test(tree, errors_are_collected_not_only_the_first)
{
	static const char yaml[] =
		"daemon:\n"
		"  threads: many\n"
		"  prot: 500\n"
		"connections:\n"
		"  a:\n"
		"    rekey_time: soon\n"
		"    local: { auth: psk }\n"
		"    remote: { auth: psk }\n"
		"    children:\n"
		"      c: { mode: tunel }\n";
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(ct_load(yaml, &cfg, &errs), -EINVAL);
	ct_assert_error(&errs, "test.yaml:2:12: 'threads' must be a number from 0 to 1024, not 'many'");
	ct_assert_error(&errs, "test.yaml:3:3: unknown key 'prot' in daemon (did you mean 'port'?)");
	ct_assert_error(&errs, "test.yaml:6:17: 'rekey_time' must be a time such as 30s, 5m, 1h "
			"or 1d, not 'soon'");
	ct_assert_error(&errs, "test.yaml:10:18: 'mode' must be tunnel, transport or "
			"transport_proxy, not 'tunel' (did you mean 'tunnel'?)");
	cr_assert_eq(errs.n, 4);
	cg_cfg_errors_free(&errs);
}

Test(tree, errors_without_a_list_are_dropped_safely)
{
	struct cg_config *cfg;

	cr_assert_eq(cg_config_load_string("daemon: [", "x.yaml", &cfg, NULL), -EINVAL);
	cr_assert_null(cfg);
	cg_cfg_error(NULL, NULL, "nothing happens");
	cg_cfg_errors_free(NULL);
	cg_config_unref(NULL);
}

/* A small deterministic generator, so a failure can be replayed. */
static uint32_t next_random(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

Test(tree, mangled_configs_fail_cleanly)
{
	static const char base[] =
		"daemon: { plugins: [a, {name: b, optional: yes}], log: { default: info } }\n"
		"connections:\n"
		"  c:\n"
		"    remote_addrs: [2001:db8::2]\n"
		"    local: &l { auth: psk, id: moon }\n"
		"    remote: *l\n"
		"    children: { net: { remote_ts: [\"198.51.100.0/24[tcp/80]\"], rekey_time: 1h } }\n"
		"secrets:\n"
		"  - { type: psk, ids: [moon], secret: 0x0102 }\n"
		"pools: { p: { addrs: \"203.0.113.0/24\" } }\n";
	static const char alphabet[] = "{}[],:-&*!|>'\"#%@ \n\t0a~";
	uint32_t state = 0x2545f491;
	char text[sizeof(base)];

	for (int round = 0; round < 3000; round++) {
		struct cg_cfg_errors errs = { 0 };
		struct cg_config *cfg = NULL;
		int edits = 1 + (int)(next_random(&state) % 4), err;

		memcpy(text, base, sizeof(base));
		for (int i = 0; i < edits; i++)
			text[next_random(&state) % (sizeof(base) - 1)] =
				alphabet[next_random(&state) % (sizeof(alphabet) - 1)];
		err = ct_load(text, &cfg, &errs);
		cr_assert(err == 0 || err == -EINVAL, "round %d: %d", round, err);
		cr_assert_eq(err == 0, cfg != NULL);
		cr_assert_eq(err == 0, errs.n == 0, "round %d: a failure always says why", round);
		for (size_t i = 0; i < errs.n; i++)
			cr_assert(!strncmp(errs.lines[i], "test.yaml:", 10), "%s", errs.lines[i]);
		cg_config_unref(cfg);
		cg_cfg_errors_free(&errs);
	}
}
