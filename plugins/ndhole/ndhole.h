/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ndhole: bypass policies ("holes") for the messages IPv6 needs in the
 * clear: neighbour discovery (RFC 4861), optionally MLD and chosen Mobility
 * Header types, and chosen ICMP types for IPv4. Installed through the
 * core's kernel interface only, so every backend gets the same holes.
 */
#ifndef NDHOLE_H
#define NDHOLE_H

#include <pthread.h>

#include <cygnet/cygnet.h>

/* One hole: a protocol and a message type, any code, any address. */
struct nd_hole {
	sa_family_t family;
	uint8_t proto; /* CG_PROTO_ICMPV6, CG_PROTO_MH or CG_PROTO_ICMP */
	uint8_t type;
};

#define ND_MAX_HOLES 256

struct nd_cfg {
	bool enabled;
	uint64_t check_secs; /* how often the holes are verified; 0 = never */
	struct nd_hole holes[ND_MAX_HOLES];
	size_t n_holes;
};

/* nd_config.c */
/* Reads the ndhole section (NULL: defaults). false with errs filled on any error. */
bool nd_cfg_parse(const struct cg_cfg_node *section, struct nd_cfg *cfg,
		  struct cg_cfg_errors *errs);
/* "neighbor-solicitation" for (ICMPv6, 135), or NULL when the type has no name. */
const char *nd_type_name(uint8_t proto, uint8_t type);
/* "ipv6-icmp", "mh" or "icmp". */
const char *nd_proto_label(uint8_t proto);

struct ndhole {
	struct cg_core *core;
	pthread_mutex_t lock;
	struct nd_cfg cfg;          /* holes in force */
	bool installed;
	struct cg_bus_sub *sub;
	cg_timer_id check_timer;
	uint64_t reinstalls;        /* times a missing hole was put back */
};

/* ndhole.c */
/* The three policies (in, out, fwd) of a hole, one at a time. */
void nd_hole_policy(const struct nd_hole *hole, enum cg_dir dir, struct cg_kernel_policy *pol);

/* nd_ctl.c */
int nd_ctl_register(struct ndhole *nd);
void nd_ctl_unregister(struct ndhole *nd);

#endif
