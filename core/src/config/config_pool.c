/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The `pools` section: virtual IP ranges handed out to peers, with DNS and subnets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

static const char *const pool_keys[] = { "addrs", "dns", "subnets", NULL };

/* Adds delta (+1 or -1) to an address, carrying across its bytes. */
static void addr_step(struct cg_addr *a, int delta)
{
	for (size_t i = cg_addr_len(a); i-- > 0;) {
		uint8_t before = a->u.bytes[i];

		a->u.bytes[i] = (uint8_t)(before + delta);
		if ((delta > 0 && before != 0xff) || (delta < 0 && before != 0x00))
			return;
	}
}

/*
 * "203.0.113.0/24" hands out 203.0.113.1 to 203.0.113.254: the network address
 * (and in IPv4 the broadcast address) go to nobody, as on a real subnet.
 * "203.0.113.1-203.0.113.9" and single addresses are used exactly as written.
 */
static bool read_addrs(struct cfg_ctx *ctx, const struct cg_cfg_node *pool, struct cg_pool_cfg *pc)
{
	const struct cg_cfg_node *val = cg_cfg_get(pool, "addrs");
	const char *s = NULL, *why = NULL;
	struct cg_addr net;
	struct cg_ts ts;
	uint8_t bits, plen;

	if (!val) {
		cfg_error(ctx, pool, "pool '%s' needs 'addrs' (a prefix such as 203.0.113.0/24 or "
			  "a range such as 203.0.113.1-203.0.113.9)", pc->name);
		return false;
	}
	if (!cfg_ok(ctx, cg_cfg_get_str(pool, "addrs", &s, ctx->errs)))
		return false;
	if (cg_ts_parse(s, &ts, &why) || ts.proto != CG_PROTO_ANY || !cg_ts_any_port(&ts)) {
		cfg_error(ctx, val, "'addrs' must be a prefix such as 203.0.113.0/24 or a range "
			  "such as 203.0.113.1-203.0.113.9, not '%s'%s%s", s, why ? ": " : "",
			  why ? why : "");
		return false;
	}
	pc->first = ts.from;
	pc->last = ts.to;
	bits = (uint8_t)(cg_addr_len(&ts.from) * 8);
	pc->prefixlen = bits;
	if (strchr(s, '/') && cg_ts_to_prefix(&ts, &net, &plen)) {
		pc->prefixlen = plen;
		if (plen + 1 < bits) {
			addr_step(&pc->first, 1);
			if (ts.family == AF_INET)
				addr_step(&pc->last, -1);
		}
	}
	return true;
}

static bool read_dns(struct cfg_ctx *ctx, const struct cg_cfg_node *pool, struct cg_pool_cfg *pc)
{
	const struct cg_cfg_node **items;
	int n = cg_cfg_get_list(pool, "dns", &items, ctx->errs);
	bool ok = true;

	if (n <= 0)
		return cfg_ok(ctx, n == 0);
	pc->dns = calloc((size_t)n, sizeof(*pc->dns));
	if (!pc->dns) {
		free(items);
		cfg_nomem(ctx, pool);
		return false;
	}
	for (int i = 0; i < n; i++) {
		const char *s = cg_cfg_scalar(items[i]);

		if (cg_addr_parse(s, &pc->dns[pc->n_dns]) ||
		    pc->dns[pc->n_dns].family == AF_UNSPEC) {
			cfg_error(ctx, items[i], "'%s' is not an IP address (dns lists DNS servers)", s);
			ok = false;
			continue;
		}
		pc->n_dns++;
	}
	free(items);
	return ok;
}

static bool read_subnets(struct cfg_ctx *ctx, const struct cg_cfg_node *pool,
			 struct cg_pool_cfg *pc)
{
	const struct cg_cfg_node **items;
	int n = cg_cfg_get_list(pool, "subnets", &items, ctx->errs);
	bool ok = true;

	if (n <= 0)
		return cfg_ok(ctx, n == 0);
	pc->subnets = calloc((size_t)n, sizeof(*pc->subnets));
	if (!pc->subnets) {
		free(items);
		cfg_nomem(ctx, pool);
		return false;
	}
	for (int i = 0; i < n; i++) {
		const char *s = cg_cfg_scalar(items[i]), *why = NULL;

		if (cg_ts_parse(s, &pc->subnets[pc->n_subnets], &why)) {
			cfg_error(ctx, items[i], "'%s' is not a subnet such as 198.51.100.0/24: %s",
				  s, why ? why : "invalid");
			ok = false;
			continue;
		}
		pc->n_subnets++;
	}
	free(items);
	return ok;
}

static bool read_pool(struct cfg_ctx *ctx, const char *name, const struct cg_cfg_node *pool,
		      struct cg_pool_cfg *pc)
{
	char where[128];
	bool ok;

	snprintf(where, sizeof(where), "pools.%s", name);
	pc->node = pool;
	pc->name = cg_strdup(name);
	if (!pc->name) {
		cfg_nomem(ctx, pool);
		return false;
	}
	if (!cfg_ok(ctx, cg_cfg_check_keys(pool, pool_keys, where, ctx->errs)) &&
	    cg_cfg_kind(pool) != CG_CFG_MAP)
		return false;
	ok = read_addrs(ctx, pool, pc);
	ok &= read_dns(ctx, pool, pc);
	ok &= read_subnets(ctx, pool, pc);
	return ok;
}

bool cfg_read_pools(struct cfg_ctx *ctx)
{
	struct cg_config *cfg = ctx->cfg;
	const struct cg_cfg_node *pools = cg_config_section(cfg, "pools");
	size_t n = cg_cfg_count(pools);
	bool ok = true;

	if (!pools || cg_cfg_is_null(pools))
		return true;
	if (cg_cfg_kind(pools) != CG_CFG_MAP) {
		cfg_error(ctx, pools, "'pools' must be a map of pool names, e.g. "
			  "pools: { v6pool: { addrs: 2001:db8:100::/120 } }");
		return false;
	}
	if (!n)
		return true;
	cfg->pools = calloc(n, sizeof(*cfg->pools));
	if (!cfg->pools) {
		cfg_nomem(ctx, pools);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		ok &= read_pool(ctx, cg_cfg_key_at(pools, i), cg_cfg_at(pools, i),
				&cfg->pools[cfg->n_pools++]);
	return ok;
}

void cfg_free_pools(struct cg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_pools; i++) {
		free(cfg->pools[i].name);
		free(cfg->pools[i].dns);
		free(cfg->pools[i].subnets);
	}
	free(cfg->pools);
}
