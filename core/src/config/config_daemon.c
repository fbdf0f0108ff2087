/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The `daemon` section: plugins, logging, control socket, IKE ports. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

#define DEFAULT_CONTROL "/run/cygnet/cygnetd.sock"
#define DEFAULT_STATE_FILE "/run/cygnet/kernel.journal"
#define DEFAULT_ROUTE_TABLE 220
#define DEFAULT_RESOLV_CONF "/etc/resolv.conf"
#define DEFAULT_RESOLVCONF "/sbin/resolvconf"
#define PLUGIN_NAME_MAX 64
#define THREADS_MAX 1024
#define HALF_OPEN_LIMIT 2000
#define HALF_OPEN_PER_ADDRESS 20
#define HALF_OPEN_MAX 1000000

static const char *const daemon_keys[] = {
	"plugins", "plugin_dir", "log", "control", "threads",
	"port", "port_nat_t", "listen", "state_file", "route_table", "resolv_conf", "resolvconf",
	"half_open_limit", "half_open_per_address", NULL,
};

/* Plugin names become file names: no '/' or '.' may sneak in. */
static bool plugin_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > PLUGIN_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

static bool read_plugin(struct cfg_ctx *ctx, const struct cg_cfg_node *item,
			struct cg_plugin_cfg *pc)
{
	static const char *const keys[] = { "name", "optional", NULL };
	const char *name = NULL;

	pc->node = item;
	if (cg_cfg_kind(item) == CG_CFG_MAP) {
		if (!cfg_ok(ctx, cg_cfg_check_keys(item, keys, "a plugin entry", ctx->errs)) ||
		    !cfg_ok(ctx, cg_cfg_get_str(item, "name", &name, ctx->errs)) ||
		    !cfg_ok(ctx, cg_cfg_get_bool(item, "optional", &pc->optional, ctx->errs)))
			return false;
		if (!name) {
			cfg_error(ctx, item, "a plugin entry needs a name: { name: NAME, optional: yes }");
			return false;
		}
		pc->node = cg_cfg_get(item, "name");
	} else if (cg_cfg_kind(item) == CG_CFG_SCALAR && !cg_cfg_is_null(item)) {
		name = cg_cfg_scalar(item);
	} else {
		cfg_error(ctx, item, "a plugin is a name or { name: NAME, optional: yes }");
		return false;
	}
	if (!plugin_name_ok(name)) {
		cfg_error(ctx, pc->node, "'%s' is not a plugin name (letters, digits, '-' and '_')",
			  name);
		return false;
	}
	pc->name = cg_strdup(name);
	if (!pc->name) {
		cfg_nomem(ctx, item);
		return false;
	}
	return true;
}

static bool read_plugins(struct cfg_ctx *ctx, struct cg_daemon_cfg *d,
			 const struct cg_cfg_node *daemon)
{
	const struct cg_cfg_node *val = cg_cfg_get(daemon, "plugins");
	size_t n;
	bool ok = true;

	if (!val)
		return true;
	if (cg_cfg_kind(val) != CG_CFG_SEQ) {
		cfg_error(ctx, val, "'plugins' must be a list, e.g. [crypto-nettle, kernel-netlink, ike2]");
		return false;
	}
	n = cg_cfg_count(val);
	if (!n)
		return true;
	d->plugins = calloc(n, sizeof(*d->plugins));
	if (!d->plugins) {
		cfg_nomem(ctx, val);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		struct cg_plugin_cfg pc = { 0 };

		if (!read_plugin(ctx, cg_cfg_at(val, i), &pc)) {
			ok = false;
			continue;
		}
		d->plugins[d->n_plugins++] = pc;
	}
	return ok;
}

static bool read_level(struct cfg_ctx *ctx, const struct cg_cfg_node *node, int8_t *out)
{
	const char *s = cg_cfg_scalar(node);
	enum cg_level level;

	if (!s || cg_cfg_is_null(node) || cg_level_from_name(s, &level)) {
		cfg_error(ctx, node, "a log level is silent, error, warn, info, debug or trace "
			  "(or -1 to 4)%s%s%s", s ? ", not '" : "", s ? s : "", s ? "'" : "");
		return false;
	}
	*out = (int8_t)level;
	return true;
}

/* `log: debug` sets every subsystem; a map sets the default, subsystems and a file. */
static bool read_log(struct cfg_ctx *ctx, struct cg_daemon_cfg *d, const struct cg_cfg_node *log)
{
	const char *keys[CG_LOG_SUBSYS_COUNT + 3] = { "default", "file" };
	bool ok;

	if (cg_cfg_kind(log) == CG_CFG_SCALAR)
		return read_level(ctx, log, &d->log_default);
	for (int i = 0; i < CG_LOG_SUBSYS_COUNT; i++)
		keys[2 + i] = cg_subsys_name((enum cg_subsys)i);
	ok = cfg_ok(ctx, cg_cfg_check_keys(log, keys, "daemon.log", ctx->errs));
	if (cg_cfg_kind(log) != CG_CFG_MAP)
		return false;
	ok &= cfg_get_path(ctx, log, "file", &d->log_file);
	for (size_t i = 0; i < cg_cfg_count(log); i++) {
		const char *key = cg_cfg_key_at(log, i);
		int subsys = cg_subsys_from_name(key);

		if (!strcmp(key, "default"))
			ok &= read_level(ctx, cg_cfg_at(log, i), &d->log_default);
		else if (subsys >= 0)
			ok &= read_level(ctx, cg_cfg_at(log, i), &d->log_levels[subsys]);
	}
	return ok;
}

static bool read_listen(struct cfg_ctx *ctx, struct cg_daemon_cfg *d,
			const struct cg_cfg_node *daemon)
{
	const struct cg_cfg_node **items;
	int n = cg_cfg_get_list(daemon, "listen", &items, ctx->errs);
	bool ok = true;

	if (n < 0)
		return cfg_ok(ctx, false);
	for (int i = 0; i < n; i++) {
		struct cg_addr a;

		if (cg_addr_parse(cg_cfg_scalar(items[i]), &a)) {
			cfg_error(ctx, items[i], "'%s' is not an IP address", cg_cfg_scalar(items[i]));
			ok = false;
		}
	}
	free(items);
	return ok && cfg_get_strv(ctx, daemon, "listen", &d->listen, &d->n_listen);
}

/* The kernel's own tables (default, main, local) are not ours to fill. */
static bool read_route_table(struct cfg_ctx *ctx, struct cg_daemon_cfg *d,
			     const struct cg_cfg_node *daemon)
{
	uint64_t table = d->route_table;

	if (!cfg_ok(ctx, cg_cfg_get_uint(daemon, "route_table", 0, UINT32_MAX, &table, ctx->errs)))
		return false;
	if (table >= 253 && table <= 255) {
		cfg_error(ctx, cg_cfg_get(daemon, "route_table"),
			  "route_table %llu is one of the kernel's own tables (253 default, 254 main, "
			  "255 local): pick another, e.g. 220, or 0 for no routes",
			  (unsigned long long)table);
		return false;
	}
	d->route_table = (uint32_t)table;
	return true;
}

/* resolv_conf must name a file; resolvconf may be "" (never run it). */
static bool read_resolver(struct cfg_ctx *ctx, struct cg_daemon_cfg *d,
			  const struct cg_cfg_node *daemon)
{
	bool ok = cfg_get_path(ctx, daemon, "resolv_conf", &d->resolv_conf);

	ok &= cfg_get_path(ctx, daemon, "resolvconf", &d->resolvconf);
	if (ok && (!d->resolv_conf || !*d->resolv_conf)) {
		cfg_error(ctx, cg_cfg_get(daemon, "resolv_conf"),
			  "resolv_conf needs a file name, e.g. /etc/resolv.conf");
		return false;
	}
	if (d->resolvconf && !*d->resolvconf) {
		free(d->resolvconf);
		d->resolvconf = NULL;
	}
	return ok;
}

static bool read_half_open(struct cfg_ctx *ctx, struct cg_daemon_cfg *d,
			   const struct cg_cfg_node *daemon)
{
	uint64_t all = d->half_open_limit, per = d->half_open_per_address;
	bool ok;

	ok = cfg_ok(ctx, cg_cfg_get_uint(daemon, "half_open_limit", 0, HALF_OPEN_MAX, &all,
					 ctx->errs));
	ok &= cfg_ok(ctx, cg_cfg_get_uint(daemon, "half_open_per_address", 0, HALF_OPEN_MAX, &per,
					  ctx->errs));
	d->half_open_limit = (uint32_t)all;
	d->half_open_per_address = (uint32_t)per;
	return ok;
}

static bool set_defaults(struct cfg_ctx *ctx, struct cg_daemon_cfg *d)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(d->log_levels); i++)
		d->log_levels[i] = -2;
	d->log_default = CG_LVL_INFO;
	d->port = 500;
	d->port_nat_t = 4500;
	d->control = cg_strdup(DEFAULT_CONTROL);
	d->state_file = cg_strdup(DEFAULT_STATE_FILE);
	d->route_table = DEFAULT_ROUTE_TABLE;
	d->resolv_conf = cg_strdup(DEFAULT_RESOLV_CONF);
	d->resolvconf = cg_strdup(DEFAULT_RESOLVCONF);
	d->half_open_limit = HALF_OPEN_LIMIT;
	d->half_open_per_address = HALF_OPEN_PER_ADDRESS;
	if (d->control && d->state_file && d->resolv_conf && d->resolvconf)
		return true;
	cfg_nomem(ctx, NULL);
	return false;
}

bool cfg_read_daemon(struct cfg_ctx *ctx)
{
	struct cg_daemon_cfg *d = &ctx->cfg->daemon;
	const struct cg_cfg_node *daemon = cg_config_section(ctx->cfg, "daemon");
	bool ok = set_defaults(ctx, d);
	uint64_t threads = 0, port = d->port, nat_t = d->port_nat_t;

	if (!daemon || cg_cfg_is_null(daemon))
		return ok;
	if (!cfg_ok(ctx, cg_cfg_check_keys(daemon, daemon_keys, "daemon", ctx->errs)) &&
	    cg_cfg_kind(daemon) != CG_CFG_MAP)
		return false;
	ok &= read_plugins(ctx, d, daemon);
	ok &= cfg_get_path(ctx, daemon, "plugin_dir", &d->plugin_dir);
	if (cg_cfg_get(daemon, "log"))
		ok &= read_log(ctx, d, cg_cfg_get(daemon, "log"));
	ok &= cfg_get_path(ctx, daemon, "control", &d->control);
	ok &= cfg_ok(ctx, cg_cfg_get_uint(daemon, "threads", 0, THREADS_MAX, &threads, ctx->errs));
	ok &= cfg_ok(ctx, cg_cfg_get_uint(daemon, "port", 1, 65535, &port, ctx->errs));
	ok &= cfg_ok(ctx, cg_cfg_get_uint(daemon, "port_nat_t", 1, 65535, &nat_t, ctx->errs));
	ok &= read_listen(ctx, d, daemon);
	ok &= cfg_get_path(ctx, daemon, "state_file", &d->state_file);
	ok &= read_route_table(ctx, d, daemon);
	ok &= read_resolver(ctx, d, daemon);
	ok &= read_half_open(ctx, d, daemon);
	d->threads = (uint32_t)threads;
	d->port = (uint16_t)port;
	d->port_nat_t = (uint16_t)nat_t;
	if (ok && d->port == d->port_nat_t) {
		cfg_error(ctx, cg_cfg_get(daemon, "port_nat_t") ? cg_cfg_get(daemon, "port_nat_t")
								   : cg_cfg_get(daemon, "port"),
			  "'port' and 'port_nat_t' must differ (both are %u)", d->port);
		ok = false;
	}
	return ok;
}

void cfg_free_daemon(struct cg_daemon_cfg *d)
{
	for (size_t i = 0; i < d->n_plugins; i++)
		free(d->plugins[i].name);
	free(d->plugins);
	free(d->plugin_dir);
	free(d->log_file);
	free(d->control);
	cfg_strv_free(d->listen, d->n_listen);
	free(d->state_file);
	free(d->resolv_conf);
	free(d->resolvconf);
}
