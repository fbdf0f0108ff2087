/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

const char *tl_src_path(const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", CG_TEST_SRC_DIR, rel);
	return buf;
}

bool tl_use_rtnetlink;
bool tl_use_resolver;

struct cg_core *tl_core_new(const char *name, const char *yaml, const char *plugin_dir,
			    struct cg_cfg_errors *errs, int *err_out)
{
	struct cg_core_opts opts = {
		.name = name,
		.manual = true,
		.no_sockets = true,
		.no_rtnetlink = !tl_use_rtnetlink,
		.no_resolver = !tl_use_resolver,
		.no_control = true,
		.foreground = true,
		.plugin_dir = plugin_dir ? plugin_dir : CG_TEST_PLUGIN_DIR,
		.state_file = "",
	};
	struct cg_cfg_errors local = { 0 };
	struct cg_config *cfg = NULL;
	struct cg_core *core = NULL;
	int err;

	if (!errs)
		errs = &local;
	err = cg_config_load_string(yaml, "test.yaml", &cfg, errs);
	if (err)
		goto out;
	err = cg_core_create(&opts, cfg, &core);
	if (err)
		goto out;
	err = cg_core_start(core, errs);
	if (err) {
		cg_core_destroy(core);
		core = NULL;
	}
out:
	for (size_t i = 0; err && errs == &local && i < local.n; i++)
		fprintf(stderr, "%s\n", local.lines[i]);
	cg_cfg_errors_free(&local);
	if (err_out)
		*err_out = err;
	return core;
}

size_t tl_run(struct cg_core *core)
{
	size_t total = 0, n;

	while ((n = cg_proc_run_pending(cg_core_proc(core))))
		total += n;
	return total;
}

char *tl_ctl(struct cg_core *core, const char *line)
{
	char *reply = NULL;

	cg_control_run(core, line, strlen(line), &reply);
	return reply ? reply : strdup("");
}

static void logcap_fn(void *ctx, enum cg_subsys subsys, enum cg_level level, const char *line)
{
	struct tl_logcap *cap = ctx;

	pthread_mutex_lock(&cap->lock);
	if (cap->n < cap->max)
		cap->lines[cap->n++] = strdup(line);
	pthread_mutex_unlock(&cap->lock);
}

void tl_logcap_start(struct tl_logcap *cap, struct cg_core *core, enum cg_level level)
{
	memset(cap, 0, sizeof(*cap));
	cap->core = core;
	cap->max = 100000;
	cap->lines = calloc(cap->max, sizeof(*cap->lines));
	pthread_mutex_init(&cap->lock, NULL);
	cg_log_add_listener(core, level, logcap_fn, cap);
}

void tl_logcap_stop(struct tl_logcap *cap)
{
	if (cap->core)
		cg_log_remove_listener(cap->core, logcap_fn, cap);
	for (size_t i = 0; i < cap->n; i++)
		free(cap->lines[i]);
	free(cap->lines);
	pthread_mutex_destroy(&cap->lock);
	memset(cap, 0, sizeof(*cap));
}

size_t tl_logcap_count(struct tl_logcap *cap, const char *needle)
{
	size_t n = 0;

	pthread_mutex_lock(&cap->lock);
	for (size_t i = 0; i < cap->n; i++)
		if (strstr(cap->lines[i], needle))
			n++;
	pthread_mutex_unlock(&cap->lock);
	return n;
}

char *tl_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	return text;
}

char *tl_tmpfile(const char *content, const char *suffix)
{
	char path[] = "/tmp/cygnet-test-XXXXXX";
	char *full;
	int fd = mkstemp(path);
	FILE *f;

	if (fd < 0)
		return NULL;
	close(fd);
	if (asprintf(&full, "%s%s", path, suffix ? suffix : "") < 0)
		return NULL;
	if (suffix && *suffix)
		rename(path, full);
	f = fopen(full, "w");
	if (f) {
		fputs(content, f);
		fclose(f);
	}
	return full;
}
