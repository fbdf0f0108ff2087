/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DNS servers a peer handed us (INTERNAL_IP4_DNS, INTERNAL_IP6_DNS), given
 * to the system resolver and taken back. With resolvconf(8) (daemon.resolvconf,
 * /sbin/resolvconf, when it exists) the servers go in as the interface record
 * "lo.cygnet"; otherwise they are written at the top of daemon.resolv_conf
 * (/etc/resolv.conf), each line marked with a trailing "# cygnet" comment,
 * and exactly the marked lines are removed again. Servers are counted: each
 * add needs a del; what is left goes when the core stops.
 */
#ifndef CYGNET_DNS_H
#define CYGNET_DNS_H

#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;

/* The trailing comment that marks our lines in resolv_conf. */
#define CG_DNS_MARK "# cygnet"
/* The resolvconf(8) record our servers go in. */
#define CG_DNS_RESOLVCONF_IFACE "lo.cygnet"

/* One more user of server; the resolver learns it with the first. */
CG_EXPORT int cg_dns_add(struct cg_core *core, const struct cg_addr *server);
/* One user less; the resolver forgets server with the last. -ENOENT when not held. */
CG_EXPORT int cg_dns_del(struct cg_core *core, const struct cg_addr *server);

#ifdef __cplusplus
}
#endif
#endif
