/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loader's order and every refusal, with real small plugins (plugins/tp-*.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

static struct cg_cfg_errors errs;

static void fini(void)
{
	cg_cfg_errors_free(&errs);
}

TestSuite(loader, .fini = fini);

/* Starts a core with the given plugin list; returns it or NULL (errors in errs). */
static struct cg_core *start(const char *plugins, const char *extra)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml), "daemon:\n  plugins: %s\n%s", plugins, extra ? extra : "");
	return tl_core_new("loader", yaml, CG_TEST_TP_DIR, &errs, NULL);
}

static bool errs_have(const char *needle)
{
	for (size_t i = 0; i < errs.n; i++)
		if (strstr(errs.lines[i], needle))
			return true;
	return false;
}

Test(loader, orders_by_needs_and_stops_in_reverse)
{
	struct cg_core *core = start("[tp-top, tp-base, tp-mid]", NULL);
	const char *name;
	const char *const *provides;
	struct tl_logcap cap;

	cr_assert_not_null(core);
	cr_assert(cg_core_plugin_at(core, 0, &name, &provides));
	cr_assert_str_eq(name, "tp-base");
	cr_assert_str_eq(provides[0], "base");
	cr_assert(cg_core_plugin_at(core, 1, &name, NULL));
	cr_assert_str_eq(name, "tp-mid");
	cr_assert(cg_core_plugin_at(core, 2, &name, NULL));
	cr_assert_str_eq(name, "tp-top");
	cr_assert_not(cg_core_plugin_at(core, 3, &name, NULL));
	cr_assert(cg_core_has_feature(core, "mid"));
	cr_assert_not(cg_core_has_feature(core, "nothing"));

	tl_logcap_start(&cap, core, CG_LVL_INFO);
	cg_core_destroy(core);
	/* The capture's core is gone: read what it kept without touching the core. */
	cr_assert_eq(cap.n >= 3, true);
	{
		int top = -1, mid = -1, base = -1;

		for (size_t i = 0; i < cap.n; i++) {
			if (strstr(cap.lines[i], "tp-stop tp-top"))
				top = (int)i;
			if (strstr(cap.lines[i], "tp-stop tp-mid"))
				mid = (int)i;
			if (strstr(cap.lines[i], "tp-stop tp-base"))
				base = (int)i;
		}
		cr_assert(top >= 0 && mid > top && base > mid, "stopped in reverse order");
	}
	cap.core = NULL;
	tl_logcap_stop(&cap);
}

Test(loader, soft_need_orders_only_when_provided)
{
	struct cg_core *core = start("[tp-soft, tp-base, tp-mid]", NULL);
	const char *name;

	cr_assert_not_null(core);
	cr_assert(cg_core_plugin_at(core, 2, &name, NULL));
	cr_assert_str_eq(name, "tp-soft", "tp-soft waits for the listed provider of ?mid");
	cg_core_destroy(core);

	core = start("[tp-soft, tp-base]", NULL);
	cr_assert_not_null(core, "a soft need nobody provides is no error");
	cr_assert(cg_core_plugin_at(core, 1, &name, NULL));
	cr_assert_str_eq(name, "tp-soft");
	cg_core_destroy(core);
}

Test(loader, unknown_name_is_refused_with_a_hint)
{
	cr_assert_null(start("[tp-base, tp-mdi]", NULL));
	cr_assert(errs_have("test.yaml:2:"), "the error names the config line");
	cr_assert(errs_have("unknown plugin 'tp-mdi'"));
	cr_assert(errs_have("did you mean 'tp-mid'?"));
}

Test(loader, missing_optional_plugin_is_skipped)
{
	struct cg_core *core = start("[tp-base, {name: tp-absent, optional: true}, tp-mid]", NULL);
	const char *name;

	cr_assert_not_null(core);
	cr_assert(cg_core_plugin_at(core, 1, &name, NULL));
	cr_assert_str_eq(name, "tp-mid");
	cg_core_destroy(core);
}

Test(loader, wrong_abi_is_refused)
{
	cr_assert_null(start("[tp-badabi]", NULL));
	cr_assert(errs_have("plugin 'tp-badabi' was built for plugin ABI 9999"));
}

Test(loader, shared_object_without_descriptor_is_refused)
{
	cr_assert_null(start("[tp-nosym]", NULL));
	cr_assert(errs_have("it is not a cygnet plugin"));
}

Test(loader, unmet_need_is_refused)
{
	cr_assert_null(start("[tp-orphan]", NULL));
	cr_assert(errs_have("plugin 'tp-orphan' needs 'nothing-provides-this'"));
}

Test(loader, failing_init_is_refused)
{
	cr_assert_null(start("[tp-base, tp-failinit]", NULL));
	cr_assert(errs_have("plugin 'tp-failinit' failed to start: Input/output error"));
}

Test(loader, misnamed_descriptor_is_refused)
{
	cr_assert_null(start("[tp-misnamed]", NULL));
	cr_assert(errs_have("describes itself as 'other-name'"));
}

Test(loader, cycle_is_refused)
{
	cr_assert_null(start("[tp-cycle-a, tp-cycle-b]", NULL));
	cr_assert(errs_have("cycle of needs"));
}

Test(loader, duplicate_is_refused)
{
	cr_assert_null(start("[tp-base, tp-base]", NULL));
	cr_assert(errs_have("listed twice"));
}

Test(loader, plugin_checks_its_own_section)
{
	struct cg_core *core = start("[tp-checked]", "tp-checked: { level: 3 }\n");

	cr_assert_not_null(core);
	cg_core_destroy(core);
	cr_assert_null(start("[tp-checked]", "tp-checked: { level: 30 }\n"));
	cr_assert(errs_have("test.yaml:3:"));
	cr_assert_null(start("[tp-checked]", "tp-checked: { levle: 3 }\n"));
	cr_assert(errs_have("did you mean 'level'?"));
}
