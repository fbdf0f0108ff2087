/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Typed getters, the unknown-key check and its "did you mean" hint. */
#include <errno.h>

#include "cfgtest.h"

static const char yaml[] =
	"daemon: { plugins: [t] }\n"
	"t:\n"
	"  name: moon\n"
	"  quoted: \"\"\n"
	"  empty:\n"
	"  list: [a, b]\n"
	"  map: { k: v }\n"
	"  yes1: yes\n"
	"  no1: Off\n"
	"  bool_bad: maybe\n"
	"  num: 42\n"
	"  big: 99999999999999999999999\n"
	"  neg: -1\n"
	"  hex: 0x10\n"
	"  t_plain: 30\n"
	"  t_s: 30s\n"
	"  t_m: 5m\n"
	"  t_h: 1h\n"
	"  t_d: 2d\n"
	"  t_w: 1w\n"
	"  t_ms: 5ms\n"
	"  t_unit: m\n"
	"  one: single\n"
	"  nested: [a, [b], { c: d }, ~]\n"
	"  nums: [1, x]\n";

static struct cg_config *cfg;
static const struct cg_cfg_node *t;
static struct cg_cfg_errors errs;

static void setup(void)
{
	cr_assert_eq(ct_load(yaml, &cfg, &errs), 0);
	t = cg_config_section(cfg, "t");
	cr_assert_not_null(t);
}

static void teardown(void)
{
	cg_config_unref(cfg);
	cg_cfg_errors_free(&errs);
}

TestSuite(getters, .init = setup, .fini = teardown);

Test(getters, strings)
{
	const char *s = "unchanged";

	cr_assert(cg_cfg_get_str(t, "absent", &s, &errs));
	cr_assert_str_eq(s, "unchanged");
	cr_assert(cg_cfg_get_str(t, "name", &s, &errs));
	cr_assert_str_eq(s, "moon");
	cr_assert(cg_cfg_get_str(t, "quoted", &s, &errs));
	cr_assert_str_eq(s, "");
	cr_assert_eq(errs.n, 0);
	cr_assert_not(cg_cfg_get_str(t, "empty", &s, &errs));
	cr_assert_not(cg_cfg_get_str(t, "list", &s, &errs));
	cr_assert_not(cg_cfg_get_str(t, "map", &s, &errs));
	cr_assert_str_eq(s, "");
	ct_assert_error(&errs, "test.yaml:5:9: 'empty' needs a value");
	ct_assert_error(&errs, "test.yaml:6:9: 'list' must be a single value, not a list");
	ct_assert_error(&errs, "test.yaml:7:8: 'map' must be a single value, not a map");
	cr_assert_eq(errs.n, 3);
}

Test(getters, booleans)
{
	bool b = false;

	cr_assert(cg_cfg_get_bool(t, "yes1", &b, &errs));
	cr_assert(b);
	cr_assert(cg_cfg_get_bool(t, "no1", &b, &errs));
	cr_assert_not(b);
	cr_assert(cg_cfg_get_bool(t, "absent", &b, &errs));
	cr_assert_not(b);
	cr_assert_not(cg_cfg_get_bool(t, "bool_bad", &b, &errs));
	ct_assert_error(&errs, "test.yaml:10:13: 'bool_bad' must be yes or no, not 'maybe'");
	cr_assert_eq(errs.n, 1);
}

Test(getters, unsigned_numbers)
{
	uint64_t v = 7;

	cr_assert(cg_cfg_get_uint(t, "num", 0, 100, &v, &errs));
	cr_assert_eq(v, 42);
	cr_assert(cg_cfg_get_uint(t, "absent", 0, 100, &v, &errs));
	cr_assert_eq(v, 42);
	cr_assert_not(cg_cfg_get_uint(t, "num", 0, 41, &v, &errs));
	cr_assert_not(cg_cfg_get_uint(t, "num", 43, 50, &v, &errs));
	cr_assert_not(cg_cfg_get_uint(t, "big", 0, UINT64_MAX, &v, &errs));
	cr_assert_not(cg_cfg_get_uint(t, "neg", 0, 100, &v, &errs));
	cr_assert_not(cg_cfg_get_uint(t, "hex", 0, 100, &v, &errs));
	cr_assert_eq(v, 42);
	ct_assert_error(&errs, "test.yaml:11:8: 'num' must be a number from 0 to 41, not '42'");
	ct_assert_error(&errs, "test.yaml:11:8: 'num' must be a number from 43 to 50, not '42'");
	ct_assert_error(&errs, "test.yaml:12:8: 'big' must be a number from 0 to "
			"18446744073709551615, not '99999999999999999999999'");
	ct_assert_error(&errs, "test.yaml:13:8: 'neg' must be a number from 0 to 100, not '-1'");
	ct_assert_error(&errs, "test.yaml:14:8: 'hex' must be a number from 0 to 100, not '0x10'");
	cr_assert_eq(errs.n, 5);
}

Test(getters, times)
{
	static const struct {
		const char *key;
		uint64_t secs;
	} good[] = { { "t_plain", 30 }, { "t_s", 30 }, { "t_m", 300 }, { "t_h", 3600 },
		     { "t_d", 172800 } };
	uint64_t secs = 0;

	for (size_t i = 0; i < CG_ARRAY_SIZE(good); i++) {
		cr_assert(cg_cfg_get_time(t, good[i].key, &secs, &errs), "%s", good[i].key);
		cr_assert_eq(secs, good[i].secs, "%s", good[i].key);
	}
	cr_assert_not(cg_cfg_get_time(t, "t_w", &secs, &errs));
	cr_assert_not(cg_cfg_get_time(t, "t_ms", &secs, &errs));
	cr_assert_not(cg_cfg_get_time(t, "t_unit", &secs, &errs));
	cr_assert_not(cg_cfg_get_time(t, "list", &secs, &errs));
	cr_assert_eq(secs, 172800, "a failed read leaves the value alone");
	ct_assert_error(&errs, "test.yaml:20:8: 't_w' must be a time such as 30s, 5m, 1h or 1d, "
			"not '1w'");
	ct_assert_error(&errs, "test.yaml:21:9: 't_ms' must be a time such as 30s, 5m, 1h or 1d, "
			"not '5ms'");
	ct_assert_error(&errs, "test.yaml:22:11: 't_unit' must be a time such as 30s, 5m, 1h or "
			"1d, not 'm'");
	cr_assert_eq(errs.n, 4);
}

Test(getters, lists)
{
	const struct cg_cfg_node **items = (const struct cg_cfg_node **)&items;
	uint64_t v;

	cr_assert_eq(cg_cfg_get_list(t, "absent", &items, &errs), 0);
	cr_assert_null(items);
	cr_assert_eq(cg_cfg_get_list(t, "one", &items, &errs), 1);
	cr_assert_str_eq(cg_cfg_scalar(items[0]), "single");
	free(items);
	cr_assert_eq(cg_cfg_get_list(t, "list", &items, &errs), 2);
	cr_assert_str_eq(cg_cfg_scalar(items[1]), "b");
	free(items);
	cr_assert_eq(errs.n, 0);
	cr_assert_eq(cg_cfg_get_list(t, "map", &items, &errs), -1);
	cr_assert_null(items);
	cr_assert_eq(cg_cfg_get_list(t, "nested", &items, &errs), -1);
	cr_assert_null(items);
	ct_assert_error(&errs, "test.yaml:7:8: 'map' must be a value or a list of values, not a map");
	ct_assert_error(&errs, "test.yaml:24:15: items of 'nested' must be single values, not a "
			"list");
	ct_assert_error(&errs, "test.yaml:24:20: items of 'nested' must be single values, not a "
			"map");
	ct_assert_error(&errs, "test.yaml:24:30: an empty item in 'nested'");
	cr_assert_eq(errs.n, 4);

	cr_assert(cg_cfg_uint(cg_cfg_at(cg_cfg_get(t, "nums"), 0), 0, 9, &v, &errs));
	cr_assert_eq(v, 1);
	cr_assert_not(cg_cfg_uint(cg_cfg_at(cg_cfg_get(t, "nums"), 1), 0, 9, &v, &errs));
	cr_assert_not(cg_cfg_uint(cg_cfg_get(t, "map"), 0, 9, &v, &errs));
	ct_assert_error(&errs, "test.yaml:25:13: expected a number from 0 to 9, not 'x'");
	ct_assert_error(&errs, "test.yaml:7:8: expected a number, not a map");
}

Test(getters, unknown_keys_with_a_hint_when_one_is_close)
{
	static const char *const allowed[] = { "name", "quoted", "empty", "list", "map", NULL };
	static const char *const most[] = { "name", "quoted", "empty", "list", "map", "yes1", "no1",
					    "bool_bad", "num", "big", "neg", "hex", "t_plain",
					    "t_s", "t_m", "t_h", "t_d", "t_w", "t_ms", "t_unit",
					    "one", "nested", "nums", NULL };
	static const char *const exact[] = { "nam", "nums", NULL };

	cr_assert(cg_cfg_check_keys(t, most, "t", &errs));
	cr_assert_eq(errs.n, 0);
	cr_assert_not(cg_cfg_check_keys(t, allowed, "t", &errs));
	cr_assert_eq(errs.n, 18);
	ct_assert_error(&errs, "test.yaml:8:3: unknown key 'yes1' in t");
	/* Two edits from "name", but three letters are too few for a guess. */
	ct_assert_error(&errs, "test.yaml:11:3: unknown key 'num' in t");
	ct_assert_error(&errs, "test.yaml:25:3: unknown key 'nums' in t (did you mean 'name'?)");
	cg_cfg_errors_free(&errs);
	cr_assert_not(cg_cfg_check_keys(cg_cfg_get(t, "list"), exact, "t.list", &errs));
	ct_assert_error(&errs, "test.yaml:6:9: t.list must be a map of keys, not a list");
	cr_assert(cg_cfg_check_keys(NULL, exact, "nothing", &errs));
}

Test(getters, did_you_mean)
{
	static const char *const keys[] = { "local_addrs", "remote_addrs", "proposals", "local",
					    "remote", "version", "children", "id", NULL };

	cr_assert_str_eq(cg_cfg_did_you_mean("proposal", keys), "proposals");
	cr_assert_str_eq(cg_cfg_did_you_mean("lcoal", keys), "local", "a swap is one edit");
	cr_assert_str_eq(cg_cfg_did_you_mean("Remote_Addr", keys), "remote_addrs");
	cr_assert_str_eq(cg_cfg_did_you_mean("childern", keys), "children");
	cr_assert_str_eq(cg_cfg_did_you_mean("ids", keys), "id");
	cr_assert_str_eq(cg_cfg_did_you_mean("ip", keys), "id");
	cr_assert_null(cg_cfg_did_you_mean("vip", keys), "short words get one edit, not two");
	cr_assert_null(cg_cfg_did_you_mean("mobility", keys));
	cr_assert_null(cg_cfg_did_you_mean("x", NULL));
	cr_assert_str_eq(cg_cfg_did_you_mean("locl_addrs", keys), "local_addrs",
			 "the closest wins over a farther one");
}

Test(getters, error_lines)
{
	cg_cfg_error(&errs, cg_cfg_get(t, "num"), "value %d is odd", 42);
	cg_cfg_error(&errs, NULL, "no place: %s", "here");
	cr_assert_eq(errs.n, 2);
	cr_assert_str_eq(errs.lines[0], "test.yaml:11:8: value 42 is odd");
	cr_assert_str_eq(errs.lines[1], "no place: here");
}

Test(getters, error_list_is_bounded)
{
	for (int i = 0; i < 5000; i++)
		cg_cfg_error(&errs, NULL, "error %d", i);
	cr_assert_eq(errs.n, 1001);
	cr_assert_str_eq(errs.lines[999], "error 999");
	cr_assert_str_eq(errs.lines[1000], "too many errors: the rest are not shown");
}

/* A quoted value cannot forge another error line or send a terminal escape. */
Test(getters, error_lines_escape_control_characters)
{
	ct_assert_load_error("daemon:\n  log:\n    default: \"info\\nfake.yaml:1:1: injected\\e[31m\"\n",
			     "test.yaml:3:14: a log level is silent, error, warn, info, debug or "
			     "trace (or -1 to 4), not 'info\\nfake.yaml:1:1: injected\\x1b[31m'");
	cg_cfg_error(&errs, NULL, "tab\there, back\\slash kept, del\x7f");
	cr_assert_eq(errs.n, 1);
	cr_assert_str_eq(errs.lines[0], "tab\\there, back\\slash kept, del\\x7f");
}
