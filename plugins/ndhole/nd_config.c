/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `ndhole:` section:
 *
 *   ndhole:
 *     enabled: true                 # false: no holes at all
 *     icmpv6: [nd]                  # names, groups or numbers 0..255
 *     mh: [return-routability]      # Mobility Header types (RFC 6275)
 *     icmp: []                      # IPv4 ICMP types
 *     check_interval: 10s           # how often missing holes are put back
 *
 * A group name stands for several types: "nd" is 133-137 (the default),
 * "mld" is 130-132 and 143, "return-routability" is HoTI/CoTI/HoT/CoT.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ndhole.h"

struct nd_name {
	const char *name;
	uint8_t proto;
	uint8_t first, last; /* a group covers first..last */
	uint8_t extra;       /* one more type of a group, 0 when none */
};

static const struct nd_name names[] = {
	{ "nd", CG_PROTO_ICMPV6, 133, 137, 0 },
	{ "mld", CG_PROTO_ICMPV6, 130, 132, 143 },
	{ "router-solicitation", CG_PROTO_ICMPV6, 133, 133, 0 },
	{ "router-advertisement", CG_PROTO_ICMPV6, 134, 134, 0 },
	{ "neighbor-solicitation", CG_PROTO_ICMPV6, 135, 135, 0 },
	{ "neighbor-advertisement", CG_PROTO_ICMPV6, 136, 136, 0 },
	{ "redirect", CG_PROTO_ICMPV6, 137, 137, 0 },
	{ "rs", CG_PROTO_ICMPV6, 133, 133, 0 },
	{ "ra", CG_PROTO_ICMPV6, 134, 134, 0 },
	{ "ns", CG_PROTO_ICMPV6, 135, 135, 0 },
	{ "na", CG_PROTO_ICMPV6, 136, 136, 0 },
	{ "mld-query", CG_PROTO_ICMPV6, 130, 130, 0 },
	{ "mld-report", CG_PROTO_ICMPV6, 131, 131, 0 },
	{ "mld-done", CG_PROTO_ICMPV6, 132, 132, 0 },
	{ "mldv2-report", CG_PROTO_ICMPV6, 143, 143, 0 },
	{ "packet-too-big", CG_PROTO_ICMPV6, 2, 2, 0 },
	{ "return-routability", CG_PROTO_MH, 1, 4, 0 },
	{ "brr", CG_PROTO_MH, 0, 0, 0 },
	{ "hoti", CG_PROTO_MH, 1, 1, 0 },
	{ "coti", CG_PROTO_MH, 2, 2, 0 },
	{ "hot", CG_PROTO_MH, 3, 3, 0 },
	{ "cot", CG_PROTO_MH, 4, 4, 0 },
	{ "bu", CG_PROTO_MH, 5, 5, 0 },
	{ "back", CG_PROTO_MH, 6, 6, 0 },
	{ "be", CG_PROTO_MH, 7, 7, 0 },
	{ "echo-reply", CG_PROTO_ICMP, 0, 0, 0 },
	{ "unreachable", CG_PROTO_ICMP, 3, 3, 0 },
	{ "echo-request", CG_PROTO_ICMP, 8, 8, 0 },
	{ "time-exceeded", CG_PROTO_ICMP, 11, 11, 0 },
};

const char *nd_type_name(uint8_t proto, uint8_t type)
{
	/* Singles come after the groups, and the first single per type is the long name. */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].proto == proto && names[i].first == type && names[i].last == type)
			return names[i].name;
	return NULL;
}

const char *nd_proto_label(uint8_t proto)
{
	switch (proto) {
	case CG_PROTO_ICMPV6:
		return "icmpv6";
	case CG_PROTO_MH:
		return "mh";
	default:
		return "icmp";
	}
}

static bool add_hole(struct nd_cfg *cfg, uint8_t proto, uint8_t type)
{
	struct nd_hole hole = {
		.family = proto == CG_PROTO_ICMP ? AF_INET : AF_INET6,
		.proto = proto,
		.type = type,
	};

	for (size_t i = 0; i < cfg->n_holes; i++)
		if (cfg->holes[i].proto == proto && cfg->holes[i].type == type)
			return true; /* listed twice: one hole */
	if (cfg->n_holes == ND_MAX_HOLES)
		return false;
	cfg->holes[cfg->n_holes++] = hole;
	return true;
}

/* Adds what one list item names; false after reporting an error at it. */
static bool parse_item(const struct cg_cfg_node *item, uint8_t proto, struct nd_cfg *cfg,
		       struct cg_cfg_errors *errs)
{
	const char *candidates[sizeof(names) / sizeof(names[0]) + 1];
	const char *text = cg_cfg_scalar(item);
	size_t n = 0;
	uint64_t num;

	if (!text) {
		cg_cfg_error(errs, item, "expected a %s type (a name or a number 0..255)",
			     nd_proto_label(proto));
		return false;
	}
	if (text[0] >= '0' && text[0] <= '9') {
		if (!cg_cfg_uint(item, 0, 255, &num, errs))
			return false;
		return add_hole(cfg, proto, (uint8_t)num);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct nd_name *nm = &names[i];

		if (nm->proto != proto)
			continue;
		candidates[n++] = nm->name;
		if (strcmp(nm->name, text))
			continue;
		for (unsigned t = nm->first; t <= nm->last; t++)
			add_hole(cfg, proto, (uint8_t)t);
		if (nm->extra)
			add_hole(cfg, proto, nm->extra);
		return true;
	}
	candidates[n] = NULL;
	{
		const char *hint = cg_cfg_did_you_mean(text, candidates);

		if (hint)
			cg_cfg_error(errs, item, "unknown %s type '%s' (did you mean '%s'?)",
				     nd_proto_label(proto), text, hint);
		else
			cg_cfg_error(errs, item, "unknown %s type '%s': use a number 0..255 or "
				     "one of the names in docs/ndhole.md", nd_proto_label(proto), text);
	}
	return false;
}

static bool parse_list(const struct cg_cfg_node *section, const char *key, uint8_t proto,
		       struct nd_cfg *cfg, struct cg_cfg_errors *errs)
{
	const struct cg_cfg_node **items = NULL;
	int n = cg_cfg_get_list(section, key, &items, errs);
	bool ok = n >= 0;

	for (int i = 0; i < n; i++)
		ok = parse_item(items[i], proto, cfg, errs) && ok;
	free(items);
	return ok;
}

static void add_default_holes(struct nd_cfg *cfg)
{
	for (unsigned t = 133; t <= 137; t++)
		add_hole(cfg, CG_PROTO_ICMPV6, (uint8_t)t);
}

bool nd_cfg_parse(const struct cg_cfg_node *section, struct nd_cfg *cfg,
		  struct cg_cfg_errors *errs)
{
	static const char *const keys[] = { "enabled", "icmpv6", "mh", "icmp", "check_interval",
					    NULL };
	bool ok = true;

	*cfg = (struct nd_cfg){ .enabled = true, .check_secs = 10 };
	if (!section || cg_cfg_is_null(section)) {
		add_default_holes(cfg);
		return true;
	}
	ok = cg_cfg_check_keys(section, keys, "ndhole", errs);
	ok = cg_cfg_get_bool(section, "enabled", &cfg->enabled, errs) && ok;
	ok = cg_cfg_get_time(section, "check_interval", &cfg->check_secs, errs) && ok;
	if (cg_cfg_get(section, "icmpv6"))
		ok = parse_list(section, "icmpv6", CG_PROTO_ICMPV6, cfg, errs) && ok;
	else
		add_default_holes(cfg);
	ok = parse_list(section, "mh", CG_PROTO_MH, cfg, errs) && ok;
	ok = parse_list(section, "icmp", CG_PROTO_ICMP, cfg, errs) && ok;
	return ok;
}
