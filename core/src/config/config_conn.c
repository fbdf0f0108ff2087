/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The `connections` section, with its `local`/`remote` authentication and
 * its `children`. Keys, values and defaults follow swanctl.conf so that a
 * strongSwan user reads them at once; docs/config.md lists them all.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

/* strongSwan's defaults. */
#define IKE_REKEY_TIME (4 * 3600)
#define CHILD_REKEY_TIME 3600
#define REPLAY_WINDOW 32

static const char *const conn_keys[] = {
	"version", "local_addrs", "remote_addrs", "local_port", "remote_port", "proposals",
	"local", "remote", "vips", "pools", "dpd_delay", "dpd_timeout", "rekey_time",
	"reauth_time", "over_time", "rand_time", "keyingtries", "encap", "send_certreq",
	"mobike", "fragmentation", "fragment_size", "unique", "aggressive", "children", NULL,
};

static const char *const local_keys[] = { "auth", "id", "certs", "key", "send_cert", NULL };
static const char *const remote_keys[] = { "auth", "id", "certs", "cacerts", "crls", NULL };

static const char *const child_keys[] = {
	"mode", "local_ts", "remote_ts", "esp_proposals", "start_action", "close_action",
	"dpd_action", "rekey_time", "life_time", "rand_time", "rekey_bytes", "life_bytes",
	"rekey_packets", "life_packets", "replay_window", "priority", "policies", "reqid", NULL,
};

static const struct cfg_word auth_words[] = {
	{ "pubkey", CG_AUTH_PUBKEY }, { "psk", CG_AUTH_PSK }, { NULL, 0 },
};
static const struct cfg_word send_cert_words[] = {
	{ "ifasked", CG_SEND_CERT_IFASKED }, { "always", CG_SEND_CERT_ALWAYS },
	{ "never", CG_SEND_CERT_NEVER }, { NULL, 0 },
};
static const struct cfg_word frag_words[] = {
	{ "yes", CG_FRAG_YES }, { "no", CG_FRAG_NO }, { "accept", CG_FRAG_ACCEPT },
	{ "force", CG_FRAG_FORCE }, { NULL, 0 },
};
static const struct cfg_word unique_words[] = {
	{ "no", CG_UNIQUE_NO }, { "never", CG_UNIQUE_NEVER }, { "replace", CG_UNIQUE_REPLACE },
	{ "keep", CG_UNIQUE_KEEP }, { NULL, 0 },
};
static const struct cfg_word mode_words[] = {
	{ "tunnel", CG_CHILD_TUNNEL }, { "transport", CG_CHILD_TRANSPORT },
	{ "transport_proxy", CG_CHILD_TRANSPORT_PROXY }, { NULL, 0 },
};
static const struct cfg_word start_words[] = {
	{ "none", CG_START_NONE }, { "start", CG_START_START }, { "trap", CG_START_TRAP },
	{ NULL, 0 },
};
/* close_action and dpd_action: strongSwan's "clear" and "restart" read too. */
static const struct cfg_word close_words[] = {
	{ "none", CG_CLOSE_NONE }, { "clear", CG_CLOSE_NONE }, { "trap", CG_CLOSE_TRAP },
	{ "start", CG_CLOSE_START }, { "restart", CG_CLOSE_START }, { NULL, 0 },
};

/* --- small readers --- */

static bool read_uint(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		      uint64_t max, uint64_t *out)
{
	return cfg_ok(ctx, cg_cfg_get_uint(map, key, 0, max, out, ctx->errs));
}

static bool read_u32(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		     uint32_t *out)
{
	uint64_t v = *out;

	if (!read_uint(ctx, map, key, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool read_port(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		      uint16_t *out)
{
	uint64_t v = *out;

	if (!cfg_ok(ctx, cg_cfg_get_uint(map, key, 1, 65535, &v, ctx->errs)))
		return false;
	*out = (uint16_t)v;
	return true;
}

static bool read_time(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		      uint64_t *out)
{
	return cfg_ok(ctx, cg_cfg_get_time(map, key, out, ctx->errs));
}

/* A DNS name: dot-separated labels of letters, digits and '-', not all-numeric at the end. */
static bool is_hostname(const char *s)
{
	const char *last = s;
	size_t label = 0;

	if (!*s || strlen(s) > 253)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (!label)
				return false;
			label = 0;
			last = p + 1;
		} else if (isalnum((unsigned char)*p) || *p == '-') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return strspn(last, "0123456789") != strlen(last);
}

/* "%any", an address, a prefix or range, or a DNS name (resolved when used). */
static bool ike_addr_ok(const char *s)
{
	struct cg_addr a;
	struct cg_ts ts;
	const char *why;

	if (!cg_addr_parse(s, &a))
		return true;
	if (strpbrk(s, "/-") && !cg_ts_parse(s, &ts, &why) && ts.proto == CG_PROTO_ANY &&
	    cg_ts_any_port(&ts))
		return true;
	return is_hostname(s);
}

static bool read_ike_addrs(struct cfg_ctx *ctx, const struct cg_cfg_node *conn, const char *key,
			   char ***v, size_t *n)
{
	const struct cg_cfg_node **items;
	int count = cg_cfg_get_list(conn, key, &items, ctx->errs);
	bool ok = true;

	if (count < 0)
		return cfg_ok(ctx, false);
	for (int i = 0; i < count; i++) {
		if (!ike_addr_ok(cg_cfg_scalar(items[i]))) {
			cfg_error(ctx, items[i], "'%s' is not an address, prefix, range, DNS name "
				  "or %%any", cg_cfg_scalar(items[i]));
			ok = false;
		}
	}
	free(items);
	if (!ok)
		return false;
	if (count == 0) {
		/* Absent means from and to anywhere. */
		*v = calloc(1, sizeof(**v));
		if (!*v || !((*v)[0] = cg_strdup("%any"))) {
			cfg_nomem(ctx, conn);
			return false;
		}
		*n = 1;
		return true;
	}
	return cfg_get_strv(ctx, conn, key, v, n);
}

/* Fills the list item at out from its node; says what is wrong itself. */
typedef bool read_item_fn(struct cfg_ctx *ctx, const struct cg_cfg_node *item,
			  const void *arg, void *out);

/*
 * Reads the list under key into *out, items of size bytes each filled by
 * read_item (with arg); *n counts those it took. An absent or empty list
 * gives *n 0 and, with room_for_default, one zeroed item for the caller's
 * default (else *out stays NULL). False when any item was refused.
 */
static bool read_list(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		      size_t size, read_item_fn *read_item, const void *arg,
		      bool room_for_default, void **out, size_t *n)
{
	const struct cg_cfg_node **items;
	int count = cg_cfg_get_list(map, key, &items, ctx->errs);
	bool ok = true;

	if (count < 0)
		return cfg_ok(ctx, false);
	if (count == 0 && !room_for_default)
		return true;
	*out = calloc(count ? (size_t)count : 1, size);
	if (!*out) {
		free(items);
		cfg_nomem(ctx, map);
		return false;
	}
	for (int i = 0; i < count; i++) {
		if (!read_item(ctx, items[i], arg, (char *)*out + *n * size)) {
			ok = false;
			continue;
		}
		(*n)++;
	}
	free(items);
	return ok;
}

static bool read_proposal_item(struct cfg_ctx *ctx, const struct cg_cfg_node *item,
			       const void *arg, void *out)
{
	uint8_t protocol = *(const uint8_t *)arg;
	const char *s = cg_cfg_scalar(item), *why = NULL;

	if (!cg_proposal_parse(s, protocol, out, &why))
		return true;
	cfg_error(ctx, item, "'%s' is not %s proposal: %s", s,
		  protocol == CG_PROTO_IKE ? "an IKE" : "an ESP", why ? why : "invalid");
	return false;
}

/* Reads a proposal list for protocol; "default" when absent. */
static bool read_proposals(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
			   uint8_t protocol, struct cg_proposal **out, size_t *n)
{
	const char *why = NULL;
	void *list = NULL;
	bool ok;

	ok = read_list(ctx, map, key, sizeof(**out), read_proposal_item, &protocol, true, &list,
		       n);
	*out = list;
	if (!ok || *n)
		return ok;
	if (cg_proposal_parse("default", protocol, &(*out)[0], &why)) {
		cfg_error(ctx, map, "the default %s proposal cannot be built: %s",
			  protocol == CG_PROTO_IKE ? "IKE" : "ESP", why ? why : "unknown");
		return false;
	}
	*n = 1;
	return true;
}

/* --- local and remote --- */

static bool read_id(struct cfg_ctx *ctx, const struct cg_cfg_node *side, struct cg_auth_cfg *a)
{
	const char *s = NULL;

	if (!cfg_ok(ctx, cg_cfg_get_str(side, "id", &s, ctx->errs)))
		return false;
	if (!s) {
		if (!cg_id_parse("%any", &a->id))
			return true;
		cfg_nomem(ctx, side);
		return false;
	}
	if (cg_id_parse(s, &a->id)) {
		cfg_error(ctx, cg_cfg_get(side, "id"), "'%s' is not an identity (e.g. moon.example, "
			  "@moon, user@example.org, 2001:db8::1, \"C=CH, CN=moon\")", s);
		return false;
	}
	a->id_given = true;
	return true;
}

static bool read_auth(struct cfg_ctx *ctx, const struct cg_cfg_node *conn, const char *conn_name,
		      bool local, struct cg_auth_cfg *a)
{
	const char *side_name = local ? "local" : "remote";
	const struct cg_cfg_node *side = cg_cfg_get(conn, side_name);
	char where[160];
	int auth = CG_AUTH_PUBKEY, send_cert = CG_SEND_CERT_IFASKED;
	bool ok;

	snprintf(where, sizeof(where), "connections.%s.%s", conn_name, side_name);
	a->node = side;
	if (side && !cfg_ok(ctx, cg_cfg_check_keys(side, local ? local_keys : remote_keys, where,
						    ctx->errs)) && cg_cfg_kind(side) != CG_CFG_MAP) {
		cg_id_parse("%any", &a->id);
		return false;
	}
	ok = cfg_get_word(ctx, side, "auth", auth_words, &auth);
	ok &= read_id(ctx, side, a);
	ok &= cfg_get_paths(ctx, side, "certs", &a->certs, &a->n_certs);
	ok &= cfg_get_paths(ctx, side, "cacerts", &a->cacerts, &a->n_cacerts);
	ok &= cfg_get_paths(ctx, side, "crls", &a->crls, &a->n_crls);
	ok &= cfg_get_path(ctx, side, "key", &a->key);
	ok &= cfg_get_word(ctx, side, "send_cert", send_cert_words, &send_cert);
	a->auth = (enum cg_auth_method)auth;
	a->send_cert = (enum cg_send_cert)send_cert;
	if (!ok || a->auth != CG_AUTH_PUBKEY)
		return ok;
	/* Without these, pubkey authentication can never succeed. */
	if (local && !a->n_certs) {
		cfg_error(ctx, side ? side : conn, "%s: auth is pubkey (the default) but no 'certs' "
			  "are given; add certs: [FILE] or use auth: psk", where);
		return false;
	}
	if (!local && !a->n_certs && !a->n_cacerts) {
		cfg_error(ctx, side ? side : conn, "%s: auth is pubkey (the default) but neither "
			  "'cacerts' (trusted CAs) nor 'certs' (the peer's certificates) are given; "
			  "add one or use auth: psk", where);
		return false;
	}
	return true;
}

/* --- children --- */

/* "dynamic", "dynamic[proto/port]" or a selector for cg_ts_parse. */
static bool parse_ts(const char *s, struct cg_ts_cfg *t, const char **why)
{
	static const char dyn[] = "dynamic";
	char buf[256];

	if (strncmp(s, dyn, sizeof(dyn) - 1) || (s[sizeof(dyn) - 1] && s[sizeof(dyn) - 1] != '['))
		return !cg_ts_parse(s, &t->ts, why);
	t->dynamic = true;
	if (!s[sizeof(dyn) - 1]) {
		t->ts.to_port = 65535;
		return true;
	}
	/* Only protocol and ports matter: borrow the parser with a stand-in address. */
	if ((size_t)snprintf(buf, sizeof(buf), "::/0%s", s + sizeof(dyn) - 1) >= sizeof(buf)) {
		*why = "too long";
		return false;
	}
	if (cg_ts_parse(buf, &t->ts, why))
		return false;
	t->ts.family = AF_UNSPEC;
	memset(&t->ts.from, 0, sizeof(t->ts.from));
	memset(&t->ts.to, 0, sizeof(t->ts.to));
	return true;
}

static bool read_ts_item(struct cfg_ctx *ctx, const struct cg_cfg_node *item, const void *arg,
			 void *out)
{
	const char *s = cg_cfg_scalar(item), *why = NULL;
	struct cg_ts_cfg *t = out;

	(void)arg;
	t->node = item;
	if (parse_ts(s, t, &why))
		return true;
	cfg_error(ctx, item, "'%s' is not a traffic selector (dynamic, 198.51.100.0/24, "
		  "2001:db8::/64[tcp/443], ...): %s", s, why ? why : "invalid");
	return false;
}

/* Reads a selector list (local_ts, remote_ts); "dynamic" when absent. */
static bool read_ts(struct cfg_ctx *ctx, const struct cg_cfg_node *child, const char *key,
		    struct cg_ts_cfg **out, size_t *n)
{
	void *list = NULL;
	bool ok;

	ok = read_list(ctx, child, key, sizeof(**out), read_ts_item, NULL, true, &list, n);
	*out = list;
	if (!ok || *n)
		return ok;
	(*out)[0] = (struct cg_ts_cfg){ .dynamic = true, .ts.to_port = 65535, .node = child };
	*n = 1;
	return true;
}

/* Fills a life limit from its rekey limit when absent: 10% more, as strongSwan does. */
static bool child_life(struct cfg_ctx *ctx, const struct cg_cfg_node *child, const char *rekey_key,
		       const char *life_key, uint64_t rekey, uint64_t *life)
{
	if (!cg_cfg_get(child, life_key)) {
		*life = rekey > UINT64_MAX / 11 * 10 ? UINT64_MAX : rekey + rekey / 10;
		return true;
	}
	if (rekey && *life && *life <= rekey) {
		cfg_error(ctx, cg_cfg_get(child, life_key), "'%s' (%llu) must be more than '%s' "
			  "(%llu)", life_key, (unsigned long long)*life, rekey_key,
			  (unsigned long long)rekey);
		return false;
	}
	return true;
}

static bool read_child_limits(struct cfg_ctx *ctx, const struct cg_cfg_node *node,
			      struct cg_child_cfg *c)
{
	bool ok;

	c->rekey_time = CHILD_REKEY_TIME;
	ok = read_time(ctx, node, "rekey_time", &c->rekey_time);
	ok &= read_time(ctx, node, "life_time", &c->life_time);
	ok &= read_time(ctx, node, "rand_time", &c->rand_time);
	ok &= read_uint(ctx, node, "rekey_bytes", UINT64_MAX, &c->rekey_bytes);
	ok &= read_uint(ctx, node, "life_bytes", UINT64_MAX, &c->life_bytes);
	ok &= read_uint(ctx, node, "rekey_packets", UINT64_MAX, &c->rekey_packets);
	ok &= read_uint(ctx, node, "life_packets", UINT64_MAX, &c->life_packets);
	if (!ok)
		return false;
	ok = child_life(ctx, node, "rekey_time", "life_time", c->rekey_time, &c->life_time);
	ok &= child_life(ctx, node, "rekey_bytes", "life_bytes", c->rekey_bytes, &c->life_bytes);
	ok &= child_life(ctx, node, "rekey_packets", "life_packets", c->rekey_packets,
			 &c->life_packets);
	if (!ok)
		return false;
	if (!cg_cfg_get(node, "rand_time"))
		c->rand_time = c->rekey_time ? c->life_time - c->rekey_time : 0;
	else if (c->rekey_time && c->rand_time >= c->rekey_time) {
		cfg_error(ctx, cg_cfg_get(node, "rand_time"), "'rand_time' must be less than "
			  "'rekey_time'");
		return false;
	}
	return true;
}

static bool read_child(struct cfg_ctx *ctx, const char *conn_name, const char *name,
		       const struct cg_cfg_node *node, struct cg_child_cfg *c)
{
	int mode = CG_CHILD_TUNNEL, start = CG_START_NONE, close = CG_CLOSE_NONE;
	int dpd = CG_CLOSE_NONE;
	uint64_t reqid = 0;
	char where[192];
	bool ok;

	snprintf(where, sizeof(where), "connections.%s.children.%s", conn_name, name);
	c->node = node;
	c->name = cg_strdup(name);
	if (!c->name) {
		cfg_nomem(ctx, node);
		return false;
	}
	c->replay_window = REPLAY_WINDOW;
	if (!cfg_ok(ctx, cg_cfg_check_keys(node, child_keys, where, ctx->errs)) &&
	    cg_cfg_kind(node) != CG_CFG_MAP)
		return false;
	ok = cfg_get_word(ctx, node, "mode", mode_words, &mode);
	ok &= read_ts(ctx, node, "local_ts", &c->local_ts, &c->n_local_ts);
	ok &= read_ts(ctx, node, "remote_ts", &c->remote_ts, &c->n_remote_ts);
	ok &= read_proposals(ctx, node, "esp_proposals", CG_PROTO_ESP, &c->esp_proposals,
			     &c->n_esp_proposals);
	ok &= cfg_get_word(ctx, node, "start_action", start_words, &start);
	ok &= cfg_get_word(ctx, node, "close_action", close_words, &close);
	ok &= cfg_get_word(ctx, node, "dpd_action", close_words, &dpd);
	ok &= read_child_limits(ctx, node, c);
	ok &= read_u32(ctx, node, "replay_window", &c->replay_window);
	ok &= read_u32(ctx, node, "priority", &c->priority);
	c->policies = true;
	ok &= cfg_ok(ctx, cg_cfg_get_bool(node, "policies", &c->policies, ctx->errs));
	ok &= cfg_ok(ctx, cg_cfg_get_uint(node, "reqid", 1, CG_REQID_FIXED_MAX, &reqid, ctx->errs));
	c->reqid = (uint32_t)reqid;
	c->mode = (enum cg_child_mode)mode;
	c->start_action = (enum cg_start_action)start;
	c->close_action = (enum cg_close_action)close;
	c->dpd_action = (enum cg_close_action)dpd;
	return ok;
}

static bool read_children(struct cfg_ctx *ctx, const struct cg_cfg_node *conn,
			  struct cg_conn_cfg *c)
{
	const struct cg_cfg_node *children = cg_cfg_get(conn, "children");
	size_t n = cg_cfg_count(children);
	bool ok = true;

	if (!children || cg_cfg_is_null(children))
		return true;
	if (cg_cfg_kind(children) != CG_CFG_MAP) {
		cfg_error(ctx, children, "'children' must be a map of child names, e.g. "
			  "children: { net: { remote_ts: [198.51.100.0/24] } }");
		return false;
	}
	if (!n)
		return true;
	c->children = calloc(n, sizeof(*c->children));
	if (!c->children) {
		cfg_nomem(ctx, children);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		ok &= read_child(ctx, c->name, cg_cfg_key_at(children, i), cg_cfg_at(children, i),
				 &c->children[c->n_children++]);
	return ok;
}

/* --- connections --- */

static bool read_vip_item(struct cfg_ctx *ctx, const struct cg_cfg_node *item, const void *arg,
			  void *out)
{
	const char *s = cg_cfg_scalar(item);
	struct cg_addr *a = out;

	(void)arg;
	if (!cg_addr_parse(s, a) && a->family != AF_UNSPEC)
		return true;
	cfg_error(ctx, item, "'%s' is not a virtual IP: use 0.0.0.0 or :: to ask for any "
		  "address, or a fixed one", s);
	return false;
}

static bool read_vips(struct cfg_ctx *ctx, const struct cg_cfg_node *conn, struct cg_conn_cfg *c)
{
	void *list = NULL;
	bool ok;

	ok = read_list(ctx, conn, "vips", sizeof(*c->vips), read_vip_item, NULL, false, &list,
		       &c->n_vips);
	c->vips = list;
	return ok;
}

static bool read_pool_names(struct cfg_ctx *ctx, const struct cg_cfg_node *conn,
			    struct cg_conn_cfg *c)
{
	const struct cg_config *cfg = ctx->cfg;
	const struct cg_cfg_node **items;
	const char **names;
	int n = cg_cfg_get_list(conn, "pools", &items, ctx->errs);
	bool ok = true;

	if (n <= 0)
		return cfg_ok(ctx, n == 0);
	names = calloc(cfg->n_pools + 1, sizeof(*names));
	if (!names) {
		free(items);
		cfg_nomem(ctx, conn);
		return false;
	}
	for (size_t i = 0; i < cfg->n_pools; i++)
		names[i] = cfg->pools[i].name;
	for (int i = 0; i < n; i++) {
		const char *s = cg_cfg_scalar(items[i]), *hint;

		if (cg_config_pool(cfg, s))
			continue;
		hint = cg_cfg_did_you_mean(s, names);
		if (hint)
			cfg_error(ctx, items[i], "unknown pool '%s' (did you mean '%s'?)", s, hint);
		else
			cfg_error(ctx, items[i], "unknown pool '%s': define it under 'pools'", s);
		ok = false;
	}
	free(names);
	free(items);
	return ok && cfg_get_strv(ctx, conn, "pools", &c->pools, &c->n_pools);
}

static bool read_conn_times(struct cfg_ctx *ctx, const struct cg_cfg_node *node,
			    struct cg_conn_cfg *c)
{
	uint64_t longest;
	bool ok;

	c->rekey_time = IKE_REKEY_TIME;
	ok = read_time(ctx, node, "dpd_delay", &c->dpd_delay);
	ok &= read_time(ctx, node, "dpd_timeout", &c->dpd_timeout);
	ok &= read_time(ctx, node, "rekey_time", &c->rekey_time);
	ok &= read_time(ctx, node, "reauth_time", &c->reauth_time);
	ok &= read_time(ctx, node, "over_time", &c->over_time);
	ok &= read_time(ctx, node, "rand_time", &c->rand_time);
	if (!ok)
		return false;
	/* swanctl.conf: 10% of the longer of rekey and reauth time; rand_time as over_time. */
	longest = c->rekey_time > c->reauth_time ? c->rekey_time : c->reauth_time;
	if (!cg_cfg_get(node, "over_time"))
		c->over_time = longest / 10;
	if (!cg_cfg_get(node, "rand_time"))
		c->rand_time = c->over_time;
	if (c->rekey_time && c->rand_time >= c->rekey_time) {
		cfg_error(ctx, cg_cfg_get(node, "rand_time") ? cg_cfg_get(node, "rand_time") : node,
			  "'rand_time' must be less than 'rekey_time'");
		return false;
	}
	return true;
}

/* IKEv1 Aggressive Mode (aggressive: yes): an IKEv1 key, refused on a connection of version 2. */
static bool read_aggressive(struct cfg_ctx *ctx, const struct cg_cfg_node *node, uint64_t version,
			    bool *aggressive)
{
	if (!cfg_ok(ctx, cg_cfg_get_bool(node, "aggressive", aggressive, ctx->errs)))
		return false;
	if (*aggressive && version != 1) {
		cfg_error(ctx, cg_cfg_get(node, "aggressive"),
			  "'aggressive' is an IKEv1 key: it needs version: 1");
		return false;
	}
	return true;
}

static bool read_conn(struct cfg_ctx *ctx, const char *name, const struct cg_cfg_node *node,
		      struct cg_conn_cfg *c)
{
	uint64_t version = 0, fragment_size = 0;
	int frag = CG_FRAG_YES, unique = CG_UNIQUE_NO;
	char where[160];
	bool ok;

	snprintf(where, sizeof(where), "connections.%s", name);
	c->node = node;
	c->name = cg_strdup(name);
	if (!c->name) {
		cfg_nomem(ctx, node);
		return false;
	}
	c->local_port = c->remote_port = ctx->cfg->daemon.port;
	c->keyingtries = 1;
	c->send_certreq = true;
	c->mobike = true;
	if (!cfg_ok(ctx, cg_cfg_check_keys(node, conn_keys, where, ctx->errs)) &&
	    cg_cfg_kind(node) != CG_CFG_MAP)
		return false;
	ok = read_uint(ctx, node, "version", 2, &version);
	ok &= read_ike_addrs(ctx, node, "local_addrs", &c->local_addrs, &c->n_local_addrs);
	ok &= read_ike_addrs(ctx, node, "remote_addrs", &c->remote_addrs, &c->n_remote_addrs);
	ok &= read_port(ctx, node, "local_port", &c->local_port);
	ok &= read_port(ctx, node, "remote_port", &c->remote_port);
	ok &= read_proposals(ctx, node, "proposals", CG_PROTO_IKE, &c->proposals, &c->n_proposals);
	ok &= read_auth(ctx, node, name, true, &c->local);
	ok &= read_auth(ctx, node, name, false, &c->remote);
	ok &= read_vips(ctx, node, c);
	ok &= read_pool_names(ctx, node, c);
	ok &= read_conn_times(ctx, node, c);
	ok &= read_u32(ctx, node, "keyingtries", &c->keyingtries);
	ok &= cfg_ok(ctx, cg_cfg_get_bool(node, "encap", &c->encap, ctx->errs));
	ok &= cfg_ok(ctx, cg_cfg_get_bool(node, "send_certreq", &c->send_certreq, ctx->errs));
	ok &= cfg_ok(ctx, cg_cfg_get_bool(node, "mobike", &c->mobike, ctx->errs));
	ok &= cfg_get_word(ctx, node, "fragmentation", frag_words, &frag);
	ok &= cfg_ok(ctx, cg_cfg_get_uint(node, "fragment_size", CG_FRAGMENT_SIZE_MIN, 65535,
					  &fragment_size, ctx->errs));
	ok &= cfg_get_word(ctx, node, "unique", unique_words, &unique);
	ok &= read_aggressive(ctx, node, version, &c->aggressive);
	ok &= read_children(ctx, node, c);
	c->version = (uint8_t)version;
	c->fragmentation = (enum cg_fragmentation)frag;
	c->fragment_size = (uint16_t)fragment_size;
	c->unique = (enum cg_unique)unique;
	return ok;
}

struct child_ref {
	const struct cg_child_cfg *child;
	const struct cg_conn_cfg *conn;
	size_t order; /* position in the config, so the first definition sorts first */
};

static int child_ref_cmp(const void *a, const void *b)
{
	const struct child_ref *x = a, *y = b;
	int c = strcmp(x->child->name, y->child->name);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* `cygnetctl initiate --child NAME` needs child names unique across connections. */
static bool check_child_names(struct cfg_ctx *ctx)
{
	const struct cg_config *cfg = ctx->cfg;
	struct child_ref *refs;
	size_t n = 0;
	bool ok = true;

	for (size_t i = 0; i < cfg->n_conns; i++)
		n += cfg->conns[i].n_children;
	if (n < 2)
		return true;
	refs = calloc(n, sizeof(*refs));
	if (!refs) {
		cfg_nomem(ctx, NULL);
		return false;
	}
	n = 0;
	for (size_t i = 0; i < cfg->n_conns; i++) {
		for (size_t j = 0; j < cfg->conns[i].n_children; j++) {
			refs[n] = (struct child_ref){ &cfg->conns[i].children[j], &cfg->conns[i], n };
			n++;
		}
	}
	qsort(refs, n, sizeof(*refs), child_ref_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct child_ref *first = &refs[i - 1], *dup = &refs[i];

		if (strcmp(first->child->name, dup->child->name))
			continue;
		cfg_error(ctx, dup->child->node, "child '%s' is also defined in connection '%s' "
			  "(line %u): child names must be unique", dup->child->name,
			  first->conn->name, cg_cfg_line(first->child->node));
		ok = false;
	}
	free(refs);
	return ok;
}

/* The child of all connections at flat index k (connections in order, then their children). */
static const struct cg_child_cfg *child_at(const struct cg_config *cfg, size_t k)
{
	for (size_t i = 0; i < cfg->n_conns; k -= cfg->conns[i++].n_children)
		if (k < cfg->conns[i].n_children)
			return &cfg->conns[i].children[k];
	return NULL;
}

/* A fixed reqid ties a child to another daemon's policies: two children cannot share one. */
static bool check_fixed_reqids(struct cfg_ctx *ctx)
{
	const struct cg_config *cfg = ctx->cfg;
	const struct cg_child_cfg *c, *first;
	bool ok = true;

	for (size_t k = 0; (c = child_at(cfg, k)); k++) {
		for (size_t j = 0; c->reqid && j < k; j++) {
			first = child_at(cfg, j);
			if (first->reqid != c->reqid)
				continue;
			cfg_error(ctx, cg_cfg_get(c->node, "reqid"), "reqid %u is also fixed for child "
				  "'%s' (line %u): each child needs its own", c->reqid, first->name,
				  cg_cfg_line(cg_cfg_get(first->node, "reqid")));
			ok = false;
			break;
		}
	}
	return ok;
}

bool cfg_read_conns(struct cfg_ctx *ctx)
{
	struct cg_config *cfg = ctx->cfg;
	const struct cg_cfg_node *conns = cg_config_section(cfg, "connections");
	size_t n = cg_cfg_count(conns);
	bool ok = true;

	if (!conns || cg_cfg_is_null(conns))
		return true;
	if (cg_cfg_kind(conns) != CG_CFG_MAP) {
		cfg_error(ctx, conns, "'connections' must be a map of connection names, e.g. "
			  "connections: { moon-sun: { remote_addrs: [2001:db8::2], ... } }");
		return false;
	}
	if (!n)
		return true;
	cfg->conns = calloc(n, sizeof(*cfg->conns));
	if (!cfg->conns) {
		cfg_nomem(ctx, conns);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		ok &= read_conn(ctx, cg_cfg_key_at(conns, i), cg_cfg_at(conns, i),
				&cfg->conns[cfg->n_conns++]);
	ok &= check_child_names(ctx);
	ok &= check_fixed_reqids(ctx);
	return ok;
}

static void free_auth(struct cg_auth_cfg *a)
{
	cg_id_free(&a->id);
	cfg_strv_free(a->certs, a->n_certs);
	cfg_strv_free(a->cacerts, a->n_cacerts);
	cfg_strv_free(a->crls, a->n_crls);
	free(a->key);
}

void cfg_free_conns(struct cg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_conns; i++) {
		struct cg_conn_cfg *c = &cfg->conns[i];

		for (size_t j = 0; j < c->n_children; j++) {
			free(c->children[j].name);
			free(c->children[j].local_ts);
			free(c->children[j].remote_ts);
			free(c->children[j].esp_proposals);
		}
		free(c->children);
		free(c->name);
		cfg_strv_free(c->local_addrs, c->n_local_addrs);
		cfg_strv_free(c->remote_addrs, c->n_remote_addrs);
		free(c->proposals);
		free_auth(&c->local);
		free_auth(&c->remote);
		free(c->vips);
		cfg_strv_free(c->pools, c->n_pools);
	}
	free(cfg->conns);
}
