/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control commands the core answers itself: help, status, list-conns
 * and reload. The IKE commands (list-sas, initiate, terminate) belong to the
 * IKE protocol plugins, which register them; the helpers both IKE versions
 * build them with are at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_priv.h"

/* JSON gets command and usage apart; people read the usage lines alone. */
static void help_one(void *ctx, const char *name, const char *usage)
{
	struct cg_out *out = ctx;

	if (!cg_out_json(out)) {
		cg_out_str(out, NULL, usage);
		return;
	}
	cg_out_obj_begin(out, NULL);
	cg_out_str(out, "command", name);
	cg_out_str(out, "usage", usage);
	cg_out_obj_end(out);
}

static int cmd_help(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	cg_out_arr_begin(out, "commands");
	cg_ctl_foreach_command(core, help_one, out);
	cg_out_arr_end(out);
	cg_out_str(out, "options", "--json: the reply body as JSON");
	return 0;
}

static void status_plugins(struct cg_core *core, struct cg_out *out)
{
	const char *const *provides;
	const char *name;

	cg_out_arr_begin(out, "plugins");
	for (size_t i = 0; cg_core_plugin_at(core, i, &name, &provides); i++) {
		cg_out_obj_begin(out, NULL);
		cg_out_str(out, "name", name);
		cg_out_arr_begin(out, "provides");
		for (size_t j = 0; provides && provides[j]; j++)
			cg_out_str(out, NULL, provides[j]);
		cg_out_arr_end(out);
		cg_out_obj_end(out);
	}
	cg_out_arr_end(out);
}

static int cmd_status(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	time_t started = (time_t)cg_core_started_at(core), now = time(NULL);
	struct cg_config *cfg = cg_core_config(core);
	char when[32];
	struct tm tm;

	cg_out_str(out, "version", cg_version());
	if (*cg_core_name(core))
		cg_out_str(out, "name", cg_core_name(core));
	gmtime_r(&started, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cg_out_str(out, "started", when);
	cg_out_uint(out, "uptime", now > started ? (uint64_t)(now - started) : 0);
	if (cfg && cfg->path)
		cg_out_str(out, "config", cfg->path);
	cg_out_uint(out, "connections", cfg ? cfg->n_conns : 0);
	cg_out_str(out, "kernel", cg_kernel_name(core));
	cg_out_uint(out, "ike_sas", cg_sa_count(core));
	cg_out_uint(out, "ike_sas_half_open", cg_sa_count_half_open(core));
	status_plugins(core, out);
	cg_ctl_status_sections(core, out);
	cg_config_unref(cfg);
	return 0;
}

/*
 * list-conns.
 */

static void out_strv(struct cg_out *out, const char *key, char *const *v, size_t n)
{
	cg_out_arr_begin(out, key);
	for (size_t i = 0; i < n; i++)
		cg_out_str(out, NULL, v[i]);
	cg_out_arr_end(out);
}

static void out_proposals(struct cg_out *out, const char *key, const struct cg_proposal *p,
			  size_t n)
{
	char buf[512];

	cg_out_arr_begin(out, key);
	for (size_t i = 0; i < n; i++)
		cg_out_str(out, NULL, cg_proposal_str(&p[i], buf, sizeof(buf)));
	cg_out_arr_end(out);
}

/* "dynamic" keeps only the protocol and ports of the selector. */
static const char *ts_cfg_str(const struct cg_ts_cfg *t, char *buf, size_t len)
{
	const struct cg_ts *ts = &t->ts;

	if (!t->dynamic)
		return cg_ts_str(ts, buf, len);
	if (ts->proto == CG_PROTO_ANY)
		snprintf(buf, len, "dynamic");
	else if (cg_ts_any_port(ts))
		snprintf(buf, len, "dynamic[%s]", cg_proto_name(ts->proto));
	else if (ts->from_port == ts->to_port)
		snprintf(buf, len, "dynamic[%s/%u]", cg_proto_name(ts->proto), ts->from_port);
	else
		snprintf(buf, len, "dynamic[%s/%u-%u]", cg_proto_name(ts->proto), ts->from_port,
			 ts->to_port);
	return buf;
}

static void out_ts(struct cg_out *out, const char *key, const struct cg_ts_cfg *ts, size_t n)
{
	char buf[CG_TS_STRLEN];

	cg_out_arr_begin(out, key);
	for (size_t i = 0; i < n; i++)
		cg_out_str(out, NULL, ts_cfg_str(&ts[i], buf, sizeof(buf)));
	cg_out_arr_end(out);
}

static const char *auth_name(enum cg_auth_method m)
{
	switch (m) {
	case CG_AUTH_PSK:
		return "psk";
	case CG_AUTH_PUBKEY:
		return "pubkey";
	case CG_AUTH_NONE:
		break;
	}
	return "none";
}

static void out_auth(struct cg_out *out, const char *key, const struct cg_auth_cfg *auth)
{
	char id[CG_ID_STRLEN];

	cg_out_obj_begin(out, key);
	cg_out_str(out, "auth", auth_name(auth->auth));
	cg_out_str(out, "id", auth->id_given ? cg_id_str(&auth->id, id, sizeof(id)) : "%any");
	if (auth->n_certs)
		out_strv(out, "certs", auth->certs, auth->n_certs);
	if (auth->n_cacerts)
		out_strv(out, "cacerts", auth->cacerts, auth->n_cacerts);
	cg_out_obj_end(out);
}

static const char *child_mode_name(enum cg_child_mode mode)
{
	switch (mode) {
	case CG_CHILD_TRANSPORT:
		return "transport";
	case CG_CHILD_TRANSPORT_PROXY:
		return "transport_proxy";
	case CG_CHILD_TUNNEL:
		break;
	}
	return "tunnel";
}

static const char *start_action_name(enum cg_start_action a)
{
	switch (a) {
	case CG_START_START:
		return "start";
	case CG_START_TRAP:
		return "trap";
	case CG_START_NONE:
		break;
	}
	return "none";
}

static void out_child(struct cg_out *out, const struct cg_child_cfg *child)
{
	cg_out_obj_begin(out, NULL);
	cg_out_str(out, "name", child->name);
	cg_out_str(out, "mode", child_mode_name(child->mode));
	cg_out_str(out, "start_action", start_action_name(child->start_action));
	out_ts(out, "local_ts", child->local_ts, child->n_local_ts);
	out_ts(out, "remote_ts", child->remote_ts, child->n_remote_ts);
	out_proposals(out, "esp_proposals", child->esp_proposals, child->n_esp_proposals);
	cg_out_obj_end(out);
}

static void out_conn(struct cg_out *out, const struct cg_conn_cfg *conn)
{
	char addr[CG_ADDR_STRLEN];

	cg_out_obj_begin(out, NULL);
	cg_out_str(out, "name", conn->name);
	if (conn->version)
		cg_out_uint(out, "version", conn->version);
	else
		cg_out_str(out, "version", "any");
	out_strv(out, "local_addrs", conn->local_addrs, conn->n_local_addrs);
	out_strv(out, "remote_addrs", conn->remote_addrs, conn->n_remote_addrs);
	out_proposals(out, "proposals", conn->proposals, conn->n_proposals);
	out_auth(out, "local", &conn->local);
	out_auth(out, "remote", &conn->remote);
	if (conn->n_vips) {
		cg_out_arr_begin(out, "vips");
		for (size_t i = 0; i < conn->n_vips; i++)
			cg_out_str(out, NULL, cg_addr_str(&conn->vips[i], addr, sizeof(addr)));
		cg_out_arr_end(out);
	}
	if (conn->n_pools)
		out_strv(out, "pools", conn->pools, conn->n_pools);
	cg_out_arr_begin(out, "children");
	for (size_t i = 0; i < conn->n_children; i++)
		out_child(out, &conn->children[i]);
	cg_out_arr_end(out);
	cg_out_obj_end(out);
}

static int cmd_list_conns(void *ctx, struct cg_core *core, int argc, char **argv,
			  struct cg_out *out)
{
	struct cg_config *cfg = cg_core_config(core);
	const char *only = argc > 1 ? argv[1] : NULL;
	bool found = false;

	if (argc > 2) {
		cg_config_unref(cfg);
		cg_out_error(out, "usage: list-conns [NAME]");
		return -EINVAL;
	}
	cg_out_arr_begin(out, "connections");
	for (size_t i = 0; cfg && i < cfg->n_conns; i++) {
		if (only && strcmp(only, cfg->conns[i].name))
			continue;
		out_conn(out, &cfg->conns[i]);
		found = true;
	}
	cg_out_arr_end(out);
	cg_config_unref(cfg);
	if (only && !found) {
		cg_out_error(out, "no connection named '%s'", only);
		return -ENOENT;
	}
	return 0;
}

static int cmd_reload(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;
	int err = cg_core_reload_file(core, &errs);

	if (err) {
		cg_out_error(out, "reload failed, the running configuration stays: %s",
			     errs.n ? errs.lines[0] : strerror(-err));
		cg_out_arr_begin(out, "errors");
		for (size_t i = 0; i < errs.n; i++)
			cg_out_str(out, NULL, errs.lines[i]);
		cg_out_arr_end(out);
		cg_cfg_errors_free(&errs);
		return err;
	}
	cg_cfg_errors_free(&errs);
	cfg = cg_core_config(core);
	cg_out_str(out, "result", "configuration reloaded");
	cg_out_uint(out, "connections", cfg ? cfg->n_conns : 0);
	cg_config_unref(cfg);
	return 0;
}

static const struct {
	const char *name;
	const char *usage;
	cg_ctl_fn fn;
} builtins[] = {
	{ "help", "help: list the commands", cmd_help },
	{ "status", "status: version, uptime, loaded plugins and what they provide", cmd_status },
	{ "list-conns", "list-conns [NAME]: the configured connections", cmd_list_conns },
	{ "reload", "reload: read the configuration file again", cmd_reload },
};

int cg_ctl_register_builtins(struct cg_core *core)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(builtins); i++) {
		int err = cg_control_register(core, builtins[i].name, builtins[i].usage,
					      builtins[i].fn, NULL);

		if (err)
			return err;
	}
	return 0;
}

/*
 * For the IKE plugins' commands (list-sas, initiate, terminate).
 */

CG_EXPORT const char *cg_ctl_arg(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

static void list_one(void *ctx, struct cg_sa *entry)
{
	cg_sa_describe(entry, ctx);
}

CG_EXPORT int cg_ctl_list_sas(void *ctx, struct cg_core *core, int argc, char **argv,
			      struct cg_out *out)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	cg_out_arr_begin(out, "ike-sas");
	cg_sa_foreach(core, 0, list_one, out);
	cg_out_arr_end(out);
	return 0;
}

CG_EXPORT bool cg_ctl_term_ike(const struct cg_ctl_term *t, const char *name, uint32_t id)
{
	return (t->ike && !strcmp(name, t->ike)) || (t->ike_id > 0 && id == (uint32_t)t->ike_id);
}

CG_EXPORT bool cg_ctl_term_child(const struct cg_ctl_term *t, const char *name, uint32_t id)
{
	return (t->child && !strcmp(name, t->child)) ||
	       (t->child_id > 0 && id == (uint32_t)t->child_id);
}

CG_EXPORT int cg_ctl_ike_add(struct cg_core *core, uint8_t version, cg_ctl_initiate_fn initiate,
			     const struct cg_ctl_terminator *tm, void *ctx)
{
	struct cg_ctl *ctl = core->ctl;
	int err = 0;

	if (!ctl || version < 1 || version > 2)
		return -EINVAL;
	pthread_mutex_lock(&ctl->lock);
	if (ctl->ike[version].initiate)
		err = -EEXIST;
	else
		ctl->ike[version] = (struct ctl_ike){ .initiate = initiate, .tm = tm, .ctx = ctx };
	pthread_mutex_unlock(&ctl->lock);
	return err;
}

CG_EXPORT void cg_ctl_ike_remove(struct cg_core *core, uint8_t version)
{
	struct cg_ctl *ctl = core->ctl;

	if (!ctl || version < 1 || version > 2)
		return;
	pthread_mutex_lock(&ctl->lock);
	ctl->ike[version].initiate = NULL;
	while (ctl->ike[version].in_flight)
		pthread_cond_wait(&ctl->idle, &ctl->lock);
	ctl->ike[version] = (struct ctl_ike){ 0 };
	pthread_mutex_unlock(&ctl->lock);
}

/* A version's hooks, marked in use (ike_put ends that); false when none. */
static bool ike_get(struct cg_ctl *ctl, uint8_t version, struct ctl_ike *copy)
{
	bool ok;

	pthread_mutex_lock(&ctl->lock);
	ok = ctl->ike[version].initiate != NULL;
	if (ok) {
		ctl->ike[version].in_flight++;
		*copy = ctl->ike[version];
	}
	pthread_mutex_unlock(&ctl->lock);
	return ok;
}

static void ike_put(struct cg_ctl *ctl, uint8_t version)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->ike[version].in_flight--;
	pthread_cond_broadcast(&ctl->idle);
	pthread_mutex_unlock(&ctl->lock);
}

CG_EXPORT int cg_ctl_ike_initiate(struct cg_core *core, uint8_t version, const char *conn,
				  const char *child, bool new_sa)
{
	struct ctl_ike h;
	int err;

	if (!core->ctl || version < 1 || version > 2 || !ike_get(core->ctl, version, &h))
		return -EPROTONOSUPPORT;
	err = h.initiate(h.ctx, conn, child, new_sa);
	ike_put(core->ctl, version);
	return err;
}

CG_EXPORT uint8_t cg_ctl_ike_version(struct cg_core *core, const char *conn)
{
	struct cg_config *cfg = cg_core_config(core);
	const struct cg_conn_cfg *c = cfg ? cg_config_conn(cfg, conn) : NULL;
	uint8_t version = c && c->version == 1 ? 1 : 2;

	cg_config_unref(cfg);
	return version;
}

struct term_hits {
	const struct cg_ctl_term *t;
	const struct cg_ctl_terminator *tm;
	uint32_t ids[64];
	size_t n;
};

static void term_collect(void *ctx, struct cg_sa *entry)
{
	struct term_hits *h = ctx;

	if (h->n < CG_ARRAY_SIZE(h->ids) && h->tm->named(h->t, entry))
		h->ids[h->n++] = cg_sa_unique_id(entry);
}

CG_EXPORT int cg_ctl_terminate(struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	const char *ike_id = cg_ctl_arg(argc, argv, "--ike-id");
	const char *child_id = cg_ctl_arg(argc, argv, "--child-id");
	struct cg_ctl_term t = {
		.ike = cg_ctl_arg(argc, argv, "--ike"), .child = cg_ctl_arg(argc, argv, "--child"),
		.ike_id = ike_id ? atol(ike_id) : 0, .child_id = child_id ? atol(child_id) : 0,
	};
	size_t n = 0;

	if (!t.ike && !t.child && t.ike_id <= 0 && t.child_id <= 0) {
		cg_out_error(out, "usage: terminate --ike NAME | --ike-id N | --child NAME | --child-id N");
		return -EINVAL;
	}
	cg_out_arr_begin(out, "terminated");
	for (uint8_t v = 1; v <= 2; v++) {
		struct term_hits h = { .t = &t };
		struct ctl_ike ike;

		if (!core->ctl || !ike_get(core->ctl, v, &ike))
			continue;
		h.tm = ike.tm;
		cg_sa_foreach(core, v, term_collect, &h);
		for (size_t i = 0; i < h.n; i++) {
			struct cg_sa *entry = cg_sa_checkout_by_id(core, h.ids[i]);

			if (entry)
				n += ike.tm->run(ike.ctx, &t, entry, out);
		}
		ike_put(core->ctl, v);
	}
	cg_out_arr_end(out);
	if (!n) {
		cg_out_error(out, "nothing matched");
		return -ENOENT;
	}
	return 0;
}

CG_EXPORT int cg_control_register_set(struct cg_core *core, const struct cg_ctl_cmd *cmds,
				      size_t n, void *ctx, unsigned *mask)
{
	for (size_t i = 0; i < n; i++) {
		int err = cg_control_register(core, cmds[i].name, cmds[i].usage, cmds[i].fn, ctx);

		if (!err) {
			*mask |= 1u << i;
		} else if (err == -EEXIST) {
			cg_log(core, CG_LOG_CTL, CG_LVL_DEBUG, "'%s' is provided elsewhere",
			       cmds[i].name);
		} else {
			cg_control_unregister_set(core, cmds, n, mask);
			return err;
		}
	}
	return 0;
}

CG_EXPORT void cg_control_unregister_set(struct cg_core *core, const struct cg_ctl_cmd *cmds,
					 size_t n, unsigned *mask)
{
	for (size_t i = 0; i < n; i++)
		if (*mask & (1u << i))
			cg_control_unregister(core, cmds[i].name);
	*mask = 0;
}
