/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mobike.c: MOBIKE (RFC 4555) and following a NAT's new mapping. */
#ifndef IKE2_MOBIKE_H
#define IKE2_MOBIKE_H

#include "msg.h"

struct ike2;
struct ike2_sa;

/* The peer's additional addresses kept, at most. */
#define IKE2_MOBIKE_ADDRS 8
#define IKE2_COOKIE2_LEN 16

/* An IKE SA's MOBIKE state. */
struct ike2_mobike {
	bool supported;               /* both ends sent MOBIKE_SUPPORTED */
	bool mover;                   /* we initiated the first IKE SA: we move, the peer follows */
	bool lost;                    /* initiator: no path to the peer; retrying */
	cg_timer_id retry_timer;
	char why[64];                 /* initiator: why the pending update moves, for the log */
	uint8_t cookie2[IKE2_COOKIE2_LEN]; /* of our UPDATE or return routability check */
	bool update_seen;             /* responder: an UPDATE_SA_ADDRESSES was taken */
	uint32_t update_mid;          /*   the newest one's message ID */
	bool check;                   /* responder: the peer's address changed: check it first */
	bool mapping;                 /* the kernel saw the peer's ESP from a new NAT mapping */
	struct cg_addr peer[IKE2_MOBIKE_ADDRS]; /* the peer's ADDITIONAL_* addresses */
	size_t n_peer;
};

/* IKE_AUTH request (initiator): MOBIKE_SUPPORTED and our addresses, when the connection says so. */
void ike2_mobike_write_auth(struct ike2_sa *sa, struct ike2_w *w);
/* Responder in IKE_AUTH: takes the peer's offer and answers it in w. */
void ike2_mobike_auth_request(struct ike2_sa *sa, const struct ike2_msg *msg, struct ike2_w *w);
/* Initiator: the IKE_AUTH response says whether the responder does MOBIKE. */
void ike2_mobike_auth_response(struct ike2_sa *sa, const struct ike2_msg *msg);
/*
 * An INFORMATIONAL request of the peer: its addresses, an echo of COOKIE2
 * and an UPDATE_SA_ADDRESSES (the IKE SA follows at once, NAT detection
 * goes into the response w). True when ike2_mobike_updated must run after
 * the response went out.
 */
bool ike2_mobike_info_request(struct ike2_sa *sa, const struct ike2_msg *msg, struct ike2_w *w);
/* After answering an update: the children follow, after a return routability check when the peer's address changed. */
void ike2_mobike_updated(struct ike2_sa *sa);
/* The response to our IKE2_OP_MOBIKE or IKE2_OP_MOBIKE_CHECK. */
enum ike2_verdict ike2_mobike_response(struct ike2_sa *sa, const struct ike2_msg *msg);
/* Runs queued MOBIKE work (op is IKE2_OP_MOBIKE, _CHECK or _ADDRS). */
void ike2_mobike_run(struct ike2_sa *sa, int op);
/*
 * Local addresses or links changed: every IKE SA we initiated with MOBIKE
 * checks its path; the others tell the peer our current addresses.
 */
void ike2_mobike_roam(struct ike2 *p, const char *why);
/* The kernel saw ESP of a child of reqid from a new NAT mapping. */
void ike2_mobike_mapping(struct ike2 *p, const struct cg_kernel_mapping *m);
/* The peer's address changed in an authentic message (RFC 7296 2.23): the children follow. */
void ike2_mobike_nat_moved(struct ike2_sa *sa);
/* A rekeyed IKE SA keeps what MOBIKE negotiated and who moves. */
void ike2_mobike_inherit(struct ike2_sa *sa, const struct ike2_sa *old);
/* Stops the retry timer (the SA goes). */
void ike2_mobike_stop(struct ike2_sa *sa);

#endif
