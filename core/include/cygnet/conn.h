/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Choosing the connection as responder, for both IKE versions. The first
 * message brings addresses and proposals: every connection whose addresses
 * match is a candidate, in config order, and the first one that accepts a
 * proposal of the peer fixes the IKE proposal. Once the identities are
 * known, the connection is the best one for them among the candidates that
 * accept that proposal.
 */
#ifndef CYGNET_CONN_H
#define CYGNET_CONN_H

#include <cygnet/config.h>
#include <cygnet/id.h>
#include <cygnet/kernel.h>
#include <cygnet/transform.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;

/* The most IKE proposals one connection offers. */
#define CG_CONN_MAX_PROPOSALS 16

/* Reads a config address list entry (address or prefix); false when it is neither. */
CG_EXPORT bool cg_conn_addr(const char *s, struct cg_addr *addr, uint8_t *prefix);
/*
 * The address list matches a: an address, prefix or range "first-last" of
 * the list holds it (empty lists and %any match everything; DNS names never
 * match here).
 */
CG_EXPORT bool cg_conn_addrs_match(char *const *list, size_t n, const struct cg_addr *a);
/* The IKE proposals of conn the loaded crypto can run into out; "default" when it names none. */
CG_EXPORT size_t cg_conn_ike_proposals(struct cg_core *core, const struct cg_conn_cfg *conn,
				       struct cg_proposal *out, size_t max);
/* Our identity for conn: the configured one, else our IP address local. */
CG_EXPORT int cg_conn_local_id(const struct cg_conn_cfg *conn, const struct cg_addr *local,
			       struct cg_id *id);
/*
 * Endpoints for initiating conn, ports filled in: the first remote address
 * that resolves, and the local address of its family (or the source the
 * routes choose, or %any). -EDESTADDRREQ when no remote address resolves.
 */
CG_EXPORT int cg_conn_endpoints(struct cg_core *core, const struct cg_conn_cfg *conn,
				struct cg_addr *local, struct cg_addr *remote);
/* A child's configured selectors, "dynamic" (and none at all) resolved to addr; the count. */
CG_EXPORT size_t cg_conn_ts_resolve(const struct cg_ts_cfg *cfg, size_t n,
				     const struct cg_addr *addr, struct cg_ts *out, size_t max);
/* A child's ESP proposals (cygnet's default when it names none), copied into out; the count. */
CG_EXPORT size_t cg_conn_esp_proposals(const struct cg_child_cfg *cc, struct cg_proposal *out,
				       size_t max);
/*
 * Trap policies (start_action: trap, and close or DPD actions that trap
 * again), one set per IKE protocol plugin (trap.c). cg_traps_free removes
 * the policies of every trap.
 */
struct cg_traps;
CG_EXPORT struct cg_traps *cg_traps_new(struct cg_core *core);
CG_EXPORT void cg_traps_free(struct cg_traps *t);
/* Installs the trap policies of child cc of conn (all its selectors; none with policies: no). */
CG_EXPORT int cg_traps_install(struct cg_traps *t, const struct cg_conn_cfg *conn,
			       const struct cg_child_cfg *cc);
/*
 * An acquire: true when it belongs to a trap that is not negotiating yet,
 * which now is; its connection and child names (CG_NAME_MAX each) copied.
 */
CG_EXPORT bool cg_traps_acquire(struct cg_traps *t, const struct cg_kernel_acquire *acq,
				char *conn, char *child);
/* The negotiation for reqid ended (well or not): acquires start one again. */
CG_EXPORT void cg_traps_done(struct cg_traps *t, uint32_t reqid);
/* The reqid of the trap of conn/child, 0 when none. */
CG_EXPORT uint32_t cg_traps_reqid(struct cg_traps *t, const char *conn, const char *child);
/*
 * Start actions (a plugin's init): for every child of the connections an
 * IKE version starts (version 2 starts those of version 0, "either", too),
 * trap is called at once for start_action: trap, and start in a job for
 * start_action: start. ctx must outlive the jobs (the plugin's state).
 */
typedef void (*cg_conn_trap_fn)(void *ctx, const struct cg_conn_cfg *conn,
				const struct cg_child_cfg *cc);
typedef void (*cg_conn_start_fn)(void *ctx, const char *conn, const char *child);
CG_EXPORT void cg_conn_start_actions(struct cg_core *core, uint8_t version, cg_conn_trap_fn trap,
				     cg_conn_start_fn start, void *ctx);
/*
 * Responder, first message of IKE version (1 or 2) between local and remote:
 * the first connection whose addresses match and whose proposals accept one
 * of theirs (RFC 7296 2.7, ours preferred). *sel is the chosen proposal,
 * *their_index the peer's proposal it came from. NULL when none accepts.
 */
CG_EXPORT const struct cg_conn_cfg *
cg_conn_select(struct cg_core *core, const struct cg_config *cfg, uint8_t version,
	       const struct cg_addr *local, const struct cg_addr *remote,
	       const struct cg_proposal *theirs, size_t n_theirs, struct cg_proposal *sel,
	       size_t *their_index);
/*
 * Responder, identities known: among the connections cg_conn_select would
 * have accepted the chosen proposal with, the best one for the peer's
 * identity (and ours as the peer names it, when us is not NULL). An exact
 * remote id beats a wildcard; current (the connection so far) breaks ties.
 * NULL when none matches.
 */
CG_EXPORT const struct cg_conn_cfg *
cg_conn_by_ids(struct cg_core *core, const struct cg_config *cfg, uint8_t version,
	       const struct cg_addr *local, const struct cg_addr *remote,
	       const struct cg_proposal *chosen, const struct cg_id *peer, const struct cg_id *us,
	       const struct cg_conn_cfg *current);

#ifdef __cplusplus
}
#endif
#endif
