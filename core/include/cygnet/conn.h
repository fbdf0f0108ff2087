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
