/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Virtual IP pools (the config's `pools`). A peer identity gets the same
 * address back while the daemon runs, as strongSwan's pools do.
 */
#ifndef CYGNET_POOL_H
#define CYGNET_POOL_H

#include <cygnet/id.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;

/*
 * Leases an address of the pool's family to peer. requested (may be NULL
 * or %any) is honoured when free. -ENOENT for an unknown pool, -EAFNOSUPPORT
 * when the pool is of the other family, -ENOSPC when it is exhausted.
 */
CG_EXPORT int cg_pool_acquire(struct cg_core *core, const char *pool, const struct cg_id *peer,
			      const struct cg_addr *requested, struct cg_addr *out);
/* Returns a lease (the address stays reserved for the same peer). */
CG_EXPORT void cg_pool_release(struct cg_core *core, const char *pool, const struct cg_addr *addr);
/* Leases in use. */
CG_EXPORT size_t cg_pool_online(struct cg_core *core, const char *pool);

#ifdef __cplusplus
}
#endif
#endif
