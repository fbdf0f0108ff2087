/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plugin loader. For each name in daemon.plugins it opens NAME.so from
 * the plugin directory, reads the `cg_plugin` descriptor, checks the ABI,
 * orders the plugins so that every need is provided by an earlier plugin
 * (keeping the listed order otherwise), then checks and starts them.
 * Every refusal is one line naming the plugin and its config line.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_priv.h"

struct loaded {
	const struct cg_plugin *desc;
	void *handle;           /* dlopen handle */
	void *state;            /* from init() */
	bool started;
	const struct cg_cfg_node *node;
};

struct cg_loader {
	struct loaded *plugins; /* in load order */
	size_t n;
	char dir[PATH_MAX];
};

int cg_loader_init(struct cg_core *core)
{
	core->loader = calloc(1, sizeof(*core->loader));
	return core->loader ? 0 : -ENOMEM;
}

static bool exe_in_build_tree(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t blen = strlen(CG_BUILD_BIN_DIR);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	return !strncmp(exe, CG_BUILD_BIN_DIR, blen) && exe[blen] == '/';
}

const char *cg_loader_dir(struct cg_core *core, const struct cg_config *cfg)
{
	const char *env = getenv("CYGNET_PLUGIN_DIR");

	if (core->opts.plugin_dir)
		return core->opts.plugin_dir;
	if (env && *env)
		return env;
	if (cfg && cfg->daemon.plugin_dir)
		return cfg->daemon.plugin_dir;
	/* A daemon run from its build tree uses the plugins built beside it. */
	return exe_in_build_tree() ? CG_BUILD_PLUGIN_DIR : CG_INSTALL_PLUGIN_DIR;
}

static bool strv_has(const char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

/* Names of the .so files in dir, for "did you mean". */
static char **available_plugins(const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **grown;

		if (len < 4 || strcmp(e->d_name + len - 3, ".so"))
			continue;
		grown = realloc(names, (n + 2) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[n] = strndup(e->d_name, len - 3);
		if (names[n])
			n++;
		names[n] = NULL;
	}
	closedir(d);
	return names;
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

/* Opens one plugin; 0, 1 when an optional plugin is absent, or -errno after an error line. */
static int loader_open(struct cg_core *core, const struct cg_plugin_cfg *pc, struct loaded *out,
		       struct cg_cfg_errors *errs)
{
	struct cg_loader *ld = core->loader;
	char path[PATH_MAX + 64];
	const struct cg_plugin *desc;
	void *h;

	snprintf(path, sizeof(path), "%s/%s.so", ld->dir, pc->name);
	if (strchr(pc->name, '/') || access(path, F_OK)) {
		char **avail;
		const char *hint;

		if (pc->optional) {
			cg_log(core, CG_LOG_LIB, CG_LVL_INFO,
			       "optional plugin '%s' is not installed (no %s), skipped", pc->name,
			       path);
			return 1;
		}
		avail = available_plugins(ld->dir);
		hint = avail ? cg_cfg_did_you_mean(pc->name, (const char *const *)avail) : NULL;
		if (hint)
			cg_cfg_error(errs, pc->node, "unknown plugin '%s': no %s (did you mean '%s'?)",
				     pc->name, path, hint);
		else
			cg_cfg_error(errs, pc->node, "unknown plugin '%s': no %s", pc->name, path);
		strv_free(avail);
		return -ENOENT;
	}
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		cg_cfg_error(errs, pc->node, "plugin '%s' cannot be loaded: %s", pc->name, dlerror());
		return -ENOEXEC;
	}
	desc = dlsym(h, CG_PLUGIN_SYMBOL);
	if (!desc) {
		cg_cfg_error(errs, pc->node, "plugin '%s': %s has no '%s' descriptor, it is not a "
			     "cygnet plugin", pc->name, path, CG_PLUGIN_SYMBOL);
		goto err_close;
	}
	if (desc->abi != CG_PLUGIN_ABI) {
		cg_cfg_error(errs, pc->node, "plugin '%s' was built for plugin ABI %u but this "
			     "cygnetd has ABI %u: rebuild the plugin against this version",
			     pc->name, desc->abi, CG_PLUGIN_ABI);
		goto err_close;
	}
	if (!desc->name || strcmp(desc->name, pc->name) || !desc->init) {
		cg_cfg_error(errs, pc->node, "plugin '%s': %s describes itself as '%s'%s", pc->name,
			     path, desc->name ? desc->name : "(no name)",
			     desc->init ? "" : " and has no init function");
		goto err_close;
	}
	*out = (struct loaded){ .desc = desc, .handle = h, .node = pc->node };
	return 0;

err_close:
	dlclose(h);
	return -EINVAL;
}

/* True when some plugin in list[0..n) provides feature. */
static bool provided(const struct loaded *list, size_t n, const char *feature)
{
	for (size_t i = 0; i < n; i++)
		if (strv_has(list[i].desc->provides, feature))
			return true;
	return false;
}

/*
 * A need written "?feature" only orders: when a listed plugin provides the
 * feature, this one starts after it; when none does, that is fine. ike2
 * uses it so that ndhole's bypass holes exist before any IPsec policy.
 */
static bool need_is_soft(const char *need)
{
	return need[0] == '?';
}

/* Whether need is satisfied by sorted[0..done) given every listed plugin. */
static bool need_met(const char *need, const struct loaded *sorted, size_t done,
		     const struct loaded *list, size_t n)
{
	if (need_is_soft(need))
		return !provided(list, n, need + 1) || provided(sorted, done, need + 1);
	return provided(sorted, done, need);
}

/*
 * Orders in place so that each plugin comes after the providers of its
 * needs; the listed order is kept where the needs allow. Reports unmet
 * needs and cycles.
 */
static int loader_order(struct loaded *list, size_t n, struct cg_cfg_errors *errs)
{
	struct loaded *sorted = calloc(n ? n : 1, sizeof(*sorted));
	bool *placed = calloc(n ? n : 1, sizeof(*placed));
	size_t done = 0;
	int err = 0;

	if (!sorted || !placed) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		for (const char *const *need = list[i].desc->needs; need && *need; need++) {
			if (need_is_soft(*need) || provided(list, n, *need))
				continue;
			cg_cfg_error(errs, list[i].node, "plugin '%s' needs '%s', which no listed "
				     "plugin provides", list[i].desc->name, *need);
			err = -ENOENT;
		}
	}
	if (err)
		goto out;
	while (done < n) {
		bool progress = false;

		for (size_t i = 0; i < n; i++) {
			bool ready = !placed[i];

			for (const char *const *need = list[i].desc->needs; ready && need && *need; need++)
				ready = need_met(*need, sorted, done, list, n);
			if (!ready)
				continue;
			sorted[done++] = list[i];
			placed[i] = true;
			progress = true;
			break; /* restart so earlier-listed plugins keep precedence */
		}
		if (!progress) {
			for (size_t i = 0; i < n; i++)
				if (!placed[i])
					cg_cfg_error(errs, list[i].node, "plugin '%s' is part of a "
						     "cycle of needs", list[i].desc->name);
			err = -ELOOP;
			goto out;
		}
	}
	memcpy(list, sorted, n * sizeof(*list));
out:
	free(sorted);
	free(placed);
	return err;
}

static int loader_check_one(struct loaded *p, const struct cg_config *cfg,
			    struct cg_cfg_errors *errs)
{
	size_t before = errs->n;
	int err;

	if (!p->desc->check)
		return 0;
	err = p->desc->check(cg_config_section(cfg, p->desc->name), errs);
	if (err && errs->n == before)
		cg_cfg_error(errs, p->node, "plugin '%s' rejects its configuration: %s",
			     p->desc->name, strerror(-err));
	return err ? err : (errs->n > before ? -EINVAL : 0);
}

int cg_loader_check(struct cg_core *core, const struct cg_config *cfg, struct cg_cfg_errors *errs)
{
	struct cg_loader *ld = core->loader;
	int ret = 0;

	for (size_t i = 0; i < ld->n; i++) {
		int err = loader_check_one(&ld->plugins[i], cfg, errs);

		if (err)
			ret = err;
	}
	return ret;
}

int cg_loader_load(struct cg_core *core, const struct cg_config *cfg, struct cg_cfg_errors *errs)
{
	struct cg_loader *ld = core->loader;
	const struct cg_daemon_cfg *d = &cfg->daemon;
	int err = 0;

	snprintf(ld->dir, sizeof(ld->dir), "%s", cg_loader_dir(core, cfg));
	ld->plugins = calloc(d->n_plugins ? d->n_plugins : 1, sizeof(*ld->plugins));
	if (!ld->plugins)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_plugins; i++) {
		bool dup = false;
		int rc;

		for (size_t j = 0; j < i; j++)
			dup |= !strcmp(d->plugins[j].name, d->plugins[i].name);
		if (dup) {
			cg_cfg_error(errs, d->plugins[i].node, "plugin '%s' is listed twice",
				     d->plugins[i].name);
			err = -EINVAL;
			continue;
		}
		rc = loader_open(core, &d->plugins[i], &ld->plugins[ld->n], errs);
		if (rc < 0)
			err = rc;
		else if (rc == 0)
			ld->n++;
	}
	if (err)
		goto err_unload;
	err = loader_order(ld->plugins, ld->n, errs);
	if (err)
		goto err_unload;
	err = cg_loader_check(core, cfg, errs);
	if (err || core->opts.check_only)
		goto out;
	for (size_t i = 0; i < ld->n; i++) {
		struct loaded *p = &ld->plugins[i];

		err = p->desc->init(core, &p->state);
		if (err) {
			cg_cfg_error(errs, p->node, "plugin '%s' failed to start: %s", p->desc->name,
				     strerror(err < 0 ? -err : err));
			err = err < 0 ? err : -err;
			goto err_unload;
		}
		p->started = true;
		cg_log(core, CG_LOG_LIB, CG_LVL_DEBUG, "plugin '%s' started", p->desc->name);
	}
out:
	return err;

err_unload:
	cg_loader_unload(core);
	cg_loader_fini_handles(core);
	return err;
}

void cg_loader_reload(struct cg_core *core)
{
	struct cg_loader *ld = core->loader;

	for (size_t i = 0; i < ld->n; i++) {
		struct loaded *p = &ld->plugins[i];
		int err;

		if (!p->started || !p->desc->reload)
			continue;
		err = p->desc->reload(p->state, core);
		if (err)
			cg_log(core, CG_LOG_LIB, CG_LVL_ERROR, "plugin '%s' failed to reload: %s",
			       p->desc->name, strerror(-err));
	}
}

void cg_loader_unload(struct cg_core *core)
{
	struct cg_loader *ld = core->loader;

	if (!ld)
		return;
	for (size_t i = ld->n; i-- > 0;) {
		struct loaded *p = &ld->plugins[i];

		if (!p->started)
			continue;
		if (p->desc->destroy)
			p->desc->destroy(p->state);
		p->started = false;
		p->state = NULL;
		cg_log(core, CG_LOG_LIB, CG_LVL_DEBUG, "plugin '%s' stopped", p->desc->name);
	}
}

void cg_loader_fini_handles(struct cg_core *core)
{
	struct cg_loader *ld = core->loader;

	if (!ld)
		return;
	for (size_t i = ld->n; i-- > 0;)
		dlclose(ld->plugins[i].handle);
	free(ld->plugins);
	ld->plugins = NULL;
	ld->n = 0;
}

void cg_loader_fini(struct cg_core *core)
{
	cg_loader_unload(core);
	cg_loader_fini_handles(core);
	free(core->loader);
	core->loader = NULL;
}

CG_EXPORT bool cg_core_plugin_at(struct cg_core *core, size_t i, const char **name,
				 const char *const **provides)
{
	struct cg_loader *ld = core->loader;

	if (!ld || i >= ld->n)
		return false;
	if (name)
		*name = ld->plugins[i].desc->name;
	if (provides)
		*provides = ld->plugins[i].desc->provides;
	return true;
}

CG_EXPORT bool cg_core_has_feature(struct cg_core *core, const char *feature)
{
	struct cg_loader *ld = core->loader;

	for (size_t i = 0; ld && i < ld->n; i++)
		if (ld->plugins[i].started && strv_has(ld->plugins[i].desc->provides, feature))
			return true;
	return false;
}
