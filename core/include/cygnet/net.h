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
 * Installs a route to dst in cygnet's routing table (220, as strongSwan),
 * with preferred source src, so traffic to a remote subnet leaves with a
 * virtual IP. Removes it with cg_net_del_route.
 */
CG_EXPORT int cg_net_add_route(struct cg_core *core, const struct cg_addr *dst, uint8_t prefixlen,
			       const struct cg_addr *src, const struct cg_addr *gateway);
CG_EXPORT int cg_net_del_route(struct cg_core *core, const struct cg_addr *dst, uint8_t prefixlen,
			       const struct cg_addr *src, const struct cg_addr *gateway);

/* Every local address (fn returns false to stop). */
typedef bool (*cg_net_addr_fn)(void *ctx, const struct cg_addr *addr, uint8_t prefixlen,
			       int ifindex, const char *ifname);
CG_EXPORT int cg_net_foreach_addr(struct cg_core *core, cg_net_addr_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
