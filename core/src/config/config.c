/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading a config: the tree is read, then every section is turned into
 * its typed form, collecting every error on the way. A config that loaded
 * is never changed again; it lives as long as someone holds a reference.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

/* The public struct with what only this file needs around it. */
struct config_obj {
	struct cg_config pub;
	atomic_int refs;
	struct cfg_tree *tree;
};

static struct config_obj *obj_of(struct cg_config *cfg)
{
	return (struct config_obj *)((char *)cfg - offsetof(struct config_obj, pub));
}

/* --- helpers for the section readers --- */

void cfg_error(struct cfg_ctx *ctx, const struct cg_cfg_node *node, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cg_cfg_error(ctx->errs, node, "%s", msg);
	ctx->bad = true;
}

void *cfg_nomem(struct cfg_ctx *ctx, const struct cg_cfg_node *node)
{
	cfg_error(ctx, node, "out of memory");
	ctx->nomem = true;
	return NULL;
}

bool cfg_get_word(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		  const struct cfg_word *words, int *out)
{
	const struct cg_cfg_node *val = cg_cfg_get(map, key);
	const char *names[16], *s = NULL, *hint;
	char choices[256] = "";
	size_t n = 0, used = 0;

	if (!val)
		return true;
	if (!cfg_ok(ctx, cg_cfg_get_str(map, key, &s, ctx->errs)))
		return false;
	for (; words[n].word && n < CG_ARRAY_SIZE(names) - 1; n++) {
		if (!strcmp(s, words[n].word)) {
			*out = words[n].value;
			return true;
		}
		names[n] = words[n].word;
	}
	names[n] = NULL;
	for (size_t i = 0; i < n && used < sizeof(choices); i++)
		used += (size_t)snprintf(choices + used, sizeof(choices) - used, "%s%s",
					 i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
	hint = cg_cfg_did_you_mean(s, names);
	if (hint)
		cfg_error(ctx, val, "'%s' must be %s, not '%s' (did you mean '%s'?)", key, choices, s,
			  hint);
	else
		cfg_error(ctx, val, "'%s' must be %s, not '%s'", key, choices, s);
	return false;
}

void cfg_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* name relative to the directory of the file node was read from. */
static char *path_from_node(const struct cg_cfg_node *node, const char *name)
{
	const char *file = cg_cfg_file(node), *slash = file ? strrchr(file, '/') : NULL;
	char *out;

	if (name[0] == '/' || name[0] == '\0' || !slash)
		return cg_strdup(name);
	if (asprintf(&out, "%.*s/%s", (int)(slash - file), file, name) < 0)
		return NULL;
	return out;
}

static bool get_strv(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		     bool paths, char ***v, size_t *n)
{
	const struct cg_cfg_node **items;
	int count = cg_cfg_get_list(map, key, &items, ctx->errs);

	if (count < 0)
		return cfg_ok(ctx, false);
	if (count == 0)
		return true;
	cfg_strv_free(*v, *n);
	*n = 0;
	*v = calloc((size_t)count, sizeof(**v));
	if (!*v) {
		free(items);
		cfg_nomem(ctx, map);
		return false;
	}
	for (int i = 0; i < count; i++) {
		const char *s = cg_cfg_scalar(items[i]);

		(*v)[i] = paths ? path_from_node(items[i], s) : cg_strdup(s);
		if (!(*v)[i]) {
			free(items);
			cfg_nomem(ctx, map);
			return false;
		}
		(*n)++;
	}
	free(items);
	return true;
}

bool cfg_get_strv(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		  char ***v, size_t *n)
{
	return get_strv(ctx, map, key, false, v, n);
}

bool cfg_get_paths(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		   char ***v, size_t *n)
{
	return get_strv(ctx, map, key, true, v, n);
}

static bool get_string(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		       bool path, char **out)
{
	const char *s = NULL;
	char *copy;

	if (!cfg_ok(ctx, cg_cfg_get_str(map, key, &s, ctx->errs)))
		return false;
	if (!s)
		return true;
	copy = path ? path_from_node(cg_cfg_get(map, key), s) : cg_strdup(s);
	if (!copy) {
		cfg_nomem(ctx, map);
		return false;
	}
	free(*out);
	*out = copy;
	return true;
}

bool cfg_get_path(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		  char **out)
{
	return get_string(ctx, map, key, true, out);
}

bool cfg_get_strdup(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		    char **out)
{
	return get_string(ctx, map, key, false, out);
}

/* --- the top level --- */

static const char *const core_sections[] = { "daemon", "connections", "secrets", "pools", NULL };

/* Every top-level key is a core section or the section of a listed plugin. */
static bool check_sections(struct cfg_ctx *ctx)
{
	const struct cg_cfg_node *root = ctx->cfg->root;
	const struct cg_daemon_cfg *d = &ctx->cfg->daemon;
	const char **known = calloc(CG_ARRAY_SIZE(core_sections) + d->n_plugins, sizeof(*known));
	size_t n = 0;
	bool ok = true;

	if (!known) {
		cfg_nomem(ctx, root);
		return false;
	}
	for (size_t i = 0; core_sections[i]; i++)
		known[n++] = core_sections[i];
	for (size_t i = 0; i < d->n_plugins; i++)
		known[n++] = d->plugins[i].name;
	for (size_t i = 0; i < cg_cfg_count(root); i++) {
		const char *key = cg_cfg_key_at(root, i), *hint;
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			found = !strcmp(key, known[j]);
		if (found)
			continue;
		hint = cg_cfg_did_you_mean(key, known);
		if (hint)
			cfg_error(ctx, cg_cfg_key_node_at(root, i),
				  "unknown section '%s' (did you mean '%s'?)", key, hint);
		else
			cfg_error(ctx, cg_cfg_key_node_at(root, i),
				  "unknown section '%s': not a core section (daemon, connections, "
				  "secrets, pools) and no plugin of that name is in daemon.plugins",
				  key);
		ok = false;
	}
	free(known);
	return ok;
}

static void config_free(struct config_obj *obj)
{
	struct cg_config *cfg = &obj->pub;

	cfg_free_secrets(cfg);
	cfg_free_conns(cfg);
	cfg_free_pools(cfg);
	cfg_free_daemon(&cfg->daemon);
	free(cfg->path);
	cfg_tree_free(obj->tree);
	free(obj);
}

/* Builds the typed config from a tree (taken); 0, -EINVAL or -ENOMEM. */
static int config_build(struct cfg_tree *tree, const char *path, struct cg_config **ret,
			struct cg_cfg_errors *errs)
{
	struct config_obj *obj = calloc(1, sizeof(*obj));
	struct cfg_ctx ctx = { .errs = errs };
	char *real;

	if (!obj) {
		cfg_tree_free(tree);
		return -ENOMEM;
	}
	atomic_init(&obj->refs, 1);
	obj->tree = tree;
	/* Reloads read the file again after the daemon changed to "/". */
	real = realpath(path, NULL);
	obj->pub.path = real ? real : cg_strdup(path);
	obj->pub.root = cfg_tree_root(tree);
	ctx.cfg = &obj->pub;
	if (!obj->pub.path) {
		config_free(obj);
		return -ENOMEM;
	}
	/* Each reader goes on after errors, so one run reports them all. */
	cfg_read_daemon(&ctx);
	check_sections(&ctx);
	cfg_read_pools(&ctx);
	cfg_read_conns(&ctx);
	cfg_read_secrets(&ctx);
	if (ctx.bad || ctx.nomem) {
		config_free(obj);
		return ctx.nomem ? -ENOMEM : -EINVAL;
	}
	*ret = &obj->pub;
	return 0;
}

static int config_load(const char *path, const char *text, struct cg_config **ret,
		       struct cg_cfg_errors *errs)
{
	struct cg_cfg_errors local = { 0 };
	struct cfg_tree *tree = NULL;
	int err;

	*ret = NULL;
	if (!errs)
		errs = &local;
	err = text ? cfg_tree_load_string(text, path, &tree, errs)
		   : cfg_tree_load_file(path, &tree, errs);
	if (!err)
		err = config_build(tree, path, ret, errs);
	cg_cfg_errors_free(&local);
	return err;
}

CG_EXPORT int cg_config_load(const char *path, struct cg_config **ret, struct cg_cfg_errors *errs)
{
	return config_load(path, NULL, ret, errs);
}

CG_EXPORT int cg_config_load_string(const char *text, const char *name, struct cg_config **ret,
				    struct cg_cfg_errors *errs)
{
	return config_load(name ? name : "<string>", text ? text : "", ret, errs);
}

CG_EXPORT struct cg_config *cg_config_ref(struct cg_config *cfg)
{
	if (cfg)
		atomic_fetch_add(&obj_of(cfg)->refs, 1);
	return cfg;
}

CG_EXPORT void cg_config_unref(struct cg_config *cfg)
{
	if (cfg && atomic_fetch_sub(&obj_of(cfg)->refs, 1) == 1)
		config_free(obj_of(cfg));
}

/* --- lookups --- */

CG_EXPORT const struct cg_cfg_node *cg_config_section(const struct cg_config *cfg,
						      const char *name)
{
	return cfg ? cg_cfg_get(cfg->root, name) : NULL;
}

CG_EXPORT const struct cg_conn_cfg *cg_config_conn(const struct cg_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->n_conns; i++)
		if (!strcmp(cfg->conns[i].name, name))
			return &cfg->conns[i];
	return NULL;
}

CG_EXPORT const struct cg_child_cfg *cg_config_child(const struct cg_config *cfg,
						     const char *name,
						     const struct cg_conn_cfg **conn)
{
	for (size_t i = 0; cfg && name && i < cfg->n_conns; i++) {
		const struct cg_conn_cfg *c = &cfg->conns[i];

		for (size_t j = 0; j < c->n_children; j++) {
			if (strcmp(c->children[j].name, name))
				continue;
			if (conn)
				*conn = c;
			return &c->children[j];
		}
	}
	return NULL;
}

CG_EXPORT const struct cg_pool_cfg *cg_config_pool(const struct cg_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->n_pools; i++)
		if (!strcmp(cfg->pools[i].name, name))
			return &cfg->pools[i];
	return NULL;
}
