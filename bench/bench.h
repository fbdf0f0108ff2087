/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the benchmarks share: a clock, a comparison for qsort, a core to measure in. */
#ifndef CG_BENCH_H
#define CG_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Monotonic milliseconds. */
static inline double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* qsort order of doubles, smallest first. */
static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#ifdef CG_BENCH_PLUGIN_DIR
#include <cygnet/cygnet.h>

/*
 * A started core in manual mode (no sockets, control socket or rtnetlink)
 * from a YAML text; state_file overrides the config's when not NULL.
 * Exits, saying why as `who`, when it cannot start.
 */
static inline struct cg_core *bench_core_start(const char *who, const char *yaml,
					       const char *state_file)
{
	struct cg_core_opts opts = {
		.name = "bench", .manual = true, .no_sockets = true, .no_rtnetlink = true,
		.no_control = true, .foreground = true, .plugin_dir = CG_BENCH_PLUGIN_DIR,
		.state_file = state_file,
	};
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg = NULL;
	struct cg_core *core = NULL;
	int err = cg_config_load_string(yaml, "bench.yaml", &cfg, &errs);

	if (!err)
		err = cg_core_create(&opts, cfg, &core);
	if (!err)
		err = cg_core_start(core, &errs);
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.lines[i]);
	cg_cfg_errors_free(&errs);
	if (err) {
		fprintf(stderr, "%s: cannot start the core: %s\n", who, strerror(-err));
		exit(1);
	}
	return core;
}
#endif

#endif
