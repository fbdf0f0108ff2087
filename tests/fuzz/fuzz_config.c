/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the configuration: the YAML reader and the config's own
 * checks (cg_config_load_string), then, for a config they accept, what
 * `cygnetd --check` does next: a check-only core that loads the plugins
 * named in it and lets them check their sections (no plugin is started).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "testlib.h"

static bool fz_config_seed_ok(const uint8_t *data, size_t size)
{
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg = NULL;
	char *text = strndup((const char *)data, size);
	int err = text ? cg_config_load_string(text, "fuzz.yaml", &cfg, &errs) : -1;

	cg_config_unref(cfg);
	cg_cfg_errors_free(&errs);
	free(text);
	return !err;
}

const struct fz_target fz_target = {
	.min_seeds = 6,
	.seed_ok = fz_config_seed_ok,
	.stride = 13,
};

/* cygnetd --check without a daemon: the plugins are the build tree's. */
static void fz_config_check(struct cg_config *cfg, struct cg_cfg_errors *errs)
{
	struct cg_core_opts opts = {
		.name = "fuzz",
		.manual = true,
		.no_sockets = true,
		.no_rtnetlink = true,
		.no_resolver = true,
		.no_control = true,
		.foreground = true,
		.check_only = true,
		.plugin_dir = CG_TEST_PLUGIN_DIR,
		.state_file = "",
	};
	struct cg_core *core;

	if (cg_core_create(&opts, cfg, &core))
		return;
	cg_core_start(core, errs);
	cg_core_destroy(core);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg = NULL;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!cg_config_load_string(text, "fuzz.yaml", &cfg, &errs))
		fz_config_check(cfg, &errs);
	cg_cfg_errors_free(&errs);
	free(text);
	return 0;
}
