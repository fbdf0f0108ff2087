/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Addresses and routes through rtnetlink, owned by the core so every kernel
 * backend (netlink, PF_KEY, ...) shares it. The core publishes
 * CG_EV_ADDR_ADDED/REMOVED and CG_EV_LINK_UP/DOWN on the bus.
 */
#ifndef CYGNET_NET_H
#define CYGNET_NET_H

#include <cygnet/ts.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;

/* The source address the kernel would use to reach dst (RTM_GETROUTE). */
CG_EXPORT int cg_net_source_for(struct cg_core *core, const struct cg_addr *dst,
				struct cg_addr *src);
/* True when addr is configured on a local interface. */
CG_EXPORT bool cg_net_is_local(struct cg_core *core, const struct cg_addr *addr);
/* Adds/removes a virtual IP on the interface that reaches `via` (or ifname). */
CG_EXPORT int cg_net_add_vip(struct cg_core *core, const struct cg_addr *vip, uint8_t prefixlen,
			     const struct cg_addr *via, const char *ifname);
CG_EXPORT int cg_net_del_vip(struct cg_core *core, const struct cg_addr *vip, uint8_t prefixlen);
/*
 * Installs a route to dst in cygnet's routing table (daemon.route_table,
 * 220 as strongSwan), with preferred source src, so traffic to a remote
 * subnet leaves with a virtual IP; without a gateway it takes the next hop
 * the main table has for dst. The first route adds the rule "from all
 * lookup TABLE" (priority 220), removed when the core stops. Routes are
 * counted: each add needs a del, and the route goes with the last one.
 * -EOPNOTSUPP when route_table is 0, -ENODEV without rtnetlink.
 */
CG_EXPORT int cg_net_add_route(struct cg_core *core, const struct cg_addr *dst, uint8_t prefixlen,
			       const struct cg_addr *src, const struct cg_addr *gateway);
CG_EXPORT int cg_net_del_route(struct cg_core *core, const struct cg_addr *dst, uint8_t prefixlen,
			       const struct cg_addr *src, const struct cg_addr *gateway);
/*
 * Keeps host out of cygnet's table (a "throw" route: lookups for it go on
 * to the main table), for a peer inside the subnets routed to it. Counted
 * like routes.
 */
CG_EXPORT int cg_net_add_exclusion(struct cg_core *core, const struct cg_addr *host);
CG_EXPORT int cg_net_del_exclusion(struct cg_core *core, const struct cg_addr *host);
/* The table routes go to; 0 when routes are off or rtnetlink is not running. */
CG_EXPORT uint32_t cg_net_route_table(struct cg_core *core);

/* Every local address (fn returns false to stop). */
typedef bool (*cg_net_addr_fn)(void *ctx, const struct cg_addr *addr, uint8_t prefixlen,
			       int ifindex, const char *ifname);
CG_EXPORT int cg_net_foreach_addr(struct cg_core *core, cg_net_addr_fn fn, void *ctx);

/*
 * For tests without rtnetlink: from now on the local addresses are these
 * (copied, ports dropped), every destination is reached from the first of
 * its family, and CG_EV_ADDR_ADDED/REMOVED are raised for what changed, as
 * rtnetlink would. -ENODEV before the core's network module exists.
 */
CG_EXPORT int cg_net_set_addrs(struct cg_core *core, const struct cg_addr *addrs, size_t n);

#ifdef __cplusplus
}
#endif
#endif
