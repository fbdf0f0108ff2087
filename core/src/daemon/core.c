/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The core's life cycle. Modules are set up in a fixed order and torn down
 * in the reverse one; plugins start after the registries they fill and
 * stop before them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_priv.h"

struct module {
	const char *name;
	int (*init)(struct cg_core *core);
	void (*fini)(struct cg_core *core);
};

/* Set up in this order, torn down in reverse. */
static const struct module modules[] = {
	{ "fd watcher", cg_watch_init, cg_watch_fini },
	{ "log limiter", cg_log_limit_init, cg_log_limit_fini },
	{ "bus", cg_bus_init, cg_bus_fini },
	{ "kernel", cg_kernel_init, cg_kernel_fini },
	{ "crypto", cg_crypto_init, cg_crypto_fini },
	{ "credentials", cg_cred_init, cg_cred_fini },
	{ "IKE SA manager", cg_samgr_init, cg_samgr_fini },
	{ "pools", cg_pools_init, cg_pools_fini },
	{ "rtnetlink", cg_rtnl_init, cg_rtnl_fini },
	{ "dns", cg_dns_init, cg_dns_fini },
	{ "sockets", cg_sockets_init, cg_sockets_fini },
	{ "control", cg_ctl_init, cg_ctl_fini },
	{ "loader", cg_loader_init, NULL },
};

CG_EXPORT const char *cg_version(void)
{
	return CG_VERSION;
}

int64_t cg_core_started_at(const struct cg_core *core)
{
	return core->started_at;
}

CG_EXPORT int cg_core_create(const struct cg_core_opts *opts, struct cg_config *cfg,
			     struct cg_core **ret)
{
	struct cg_core *core = calloc(1, sizeof(*core));
	unsigned threads;
	size_t i;
	int err;

	if (!core) {
		cg_config_unref(cfg);
		return -ENOMEM;
	}
	if (opts)
		core->opts = *opts;
	snprintf(core->name, sizeof(core->name), "%s", core->opts.name ? core->opts.name : "");
	core->opts.name = core->name;
	pthread_mutex_init(&core->cfg_lock, NULL);
	core->cfg = cfg;
	atomic_init(&core->stopping, false);
	core->started_at = time(NULL);

	err = cg_log_init(core);
	if (err)
		goto err_free;
	if (cfg)
		cg_log_configure(core, cfg);
	threads = cfg && cfg->daemon.threads ? cfg->daemon.threads : cg_ncpus();
	err = cg_proc_create(core->opts.manual ? 0 : threads, &core->proc);
	if (err)
		goto err_log;
	err = cg_sched_create(core->proc, core->opts.manual, &core->sched);
	if (err)
		goto err_proc;
	for (i = 0; i < CG_ARRAY_SIZE(modules); i++) {
		err = modules[i].init(core);
		if (err) {
			cg_log(core, CG_LOG_DMN, CG_LVL_ERROR, "cannot set up %s: %s", modules[i].name,
			       strerror(-err));
			goto err_modules;
		}
	}
	*ret = core;
	return 0;

err_modules:
	while (i-- > 0)
		if (modules[i].fini)
			modules[i].fini(core);
	cg_sched_destroy(core->sched);
err_proc:
	cg_proc_destroy(core->proc);
err_log:
	cg_log_fini(core);
err_free:
	cg_config_unref(core->cfg);
	pthread_mutex_destroy(&core->cfg_lock);
	free(core);
	return err;
}

CG_EXPORT int cg_core_start(struct cg_core *core, struct cg_cfg_errors *errs)
{
	struct cg_config *cfg = core->cfg;
	int err;

	if (!cfg)
		return -EINVAL;
	if (!core->opts.check_only) {
		/* Before the journal replay a backend's registration does. */
		err = cg_journal_lock(core, errs);
		if (err)
			return err;
		err = cg_rtnl_start(core, cfg);
		if (err && err != -ENODEV)
			cg_log(core, CG_LOG_DMN, CG_LVL_WARN, "no address monitoring: %s",
			       strerror(-err));
	}
	err = cg_loader_load(core, cfg, errs);
	if (err || core->opts.check_only)
		return err;
	err = cg_sockets_start(core, cfg);
	if (err) {
		cg_cfg_error(errs, NULL, "cannot open the IKE sockets: %s", strerror(-err));
		goto err_unload;
	}
	err = cg_ctl_start(core, cfg);
	if (err) {
		cg_cfg_error(errs, NULL, "cannot open the control socket: %s", strerror(-err));
		goto err_unload;
	}
	cg_log(core, CG_LOG_DMN, CG_LVL_INFO, "cygnetd %s started: %zu connections, kernel %s",
	       CG_VERSION, cfg->n_conns, cg_kernel_name(core));
	return 0;

err_unload:
	cg_loader_unload(core);
	return err;
}

CG_EXPORT struct cg_config *cg_core_config(struct cg_core *core)
{
	struct cg_config *cfg;

	pthread_mutex_lock(&core->cfg_lock);
	cfg = core->cfg ? cg_config_ref(core->cfg) : NULL;
	pthread_mutex_unlock(&core->cfg_lock);
	return cfg;
}

static bool same_plugins(const struct cg_config *a, const struct cg_config *b)
{
	if (a->daemon.n_plugins != b->daemon.n_plugins)
		return false;
	for (size_t i = 0; i < a->daemon.n_plugins; i++)
		if (strcmp(a->daemon.plugins[i].name, b->daemon.plugins[i].name))
			return false;
	return true;
}

CG_EXPORT int cg_core_reload(struct cg_core *core, struct cg_config *cfg,
			     struct cg_cfg_errors *errs)
{
	struct cg_config *old;
	struct cg_event ev = { .type = CG_EV_CONFIG_RELOADED };
	int err;

	err = cg_loader_check(core, cfg, errs);
	if (err) {
		cg_config_unref(cfg);
		return err;
	}
	pthread_mutex_lock(&core->cfg_lock);
	old = core->cfg;
	core->cfg = cfg;
	pthread_mutex_unlock(&core->cfg_lock);
	if (old && !same_plugins(old, cfg))
		cg_log(core, CG_LOG_CFG, CG_LVL_WARN,
		       "daemon.plugins changed: the plugin list takes effect on restart");
	cg_log_configure(core, cfg);
	cg_cred_reload(core);
	cg_loader_reload(core);
	cg_config_unref(old);
	cg_bus_publish(core, &ev);
	cg_log(core, CG_LOG_CFG, CG_LVL_INFO, "configuration reloaded: %zu connections",
	       cfg->n_conns);
	return 0;
}

int cg_core_reload_file(struct cg_core *core, struct cg_cfg_errors *errs)
{
	struct cg_config *cur = cg_core_config(core), *cfg = NULL;
	char *path = cur ? cg_strdup(cur->path) : NULL;
	int err;

	cg_config_unref(cur);
	if (!path)
		return -ENOENT;
	err = cg_config_load(path, &cfg, errs);
	free(path);
	if (err) {
		for (size_t i = 0; i < errs->n; i++)
			cg_log(core, CG_LOG_CFG, CG_LVL_ERROR, "%s", errs->lines[i]);
		cg_log(core, CG_LOG_CFG, CG_LVL_ERROR,
		       "reload failed: the running configuration stays in force");
		return err;
	}
	return cg_core_reload(core, cfg, errs);
}

CG_EXPORT void cg_core_destroy(struct cg_core *core)
{
	if (!core)
		return;
	atomic_store(&core->stopping, true);
	cg_ctl_fini(core);
	core->ctl = NULL;
	/* No timer fires from here on; plugins cancel theirs while they stop. */
	cg_sched_halt(core->sched);
	cg_proc_drain(core->proc);
	/* Plugins stop first (they may still send and remove their kernel state). */
	cg_loader_unload(core);
	cg_proc_drain(core->proc);
	cg_sockets_fini(core);
	core->sockets = NULL;
	/* Timers and jobs left by plugins run or are freed while their code is loaded. */
	cg_sched_destroy(core->sched);
	core->sched = NULL;
	cg_proc_destroy(core->proc);
	core->proc = NULL;
	cg_loader_fini(core);
	for (size_t i = CG_ARRAY_SIZE(modules); i-- > 0;)
		if (modules[i].fini)
			modules[i].fini(core);
	cg_log_fini(core);
	cg_config_unref(core->cfg);
	pthread_mutex_destroy(&core->cfg_lock);
	free(core);
}

CG_EXPORT struct cg_proc *cg_core_proc(struct cg_core *core)
{
	return core->proc;
}

CG_EXPORT struct cg_sched *cg_core_sched(struct cg_core *core)
{
	return core->sched;
}

CG_EXPORT const char *cg_core_name(const struct cg_core *core)
{
	return core->name;
}

CG_EXPORT void cg_core_request_stop(struct cg_core *core)
{
	atomic_store(&core->stopping, true);
}

CG_EXPORT bool cg_core_stopping(const struct cg_core *core)
{
	return atomic_load(&core->stopping);
}
