/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* frag.c: IKE message fragmentation (RFC 7383): when to split, reassembly. */
#ifndef IKE2_FRAG_H
#define IKE2_FRAG_H

#include "msg.h"

struct ike2_sa;
struct ike2_frags;

/* An IKE SA's fragmentation state. */
struct ike2_frag {
	bool peer;                    /* the peer sent IKEV2_FRAGMENTATION_SUPPORTED */
	struct ike2_frags *sets[2];   /* reassembly of a request [0] and a response [1] */
	uint32_t gen;                 /* numbers reassembly sets for their timers */
};

/*
 * Reassembly limits per message (RFC 7383 2.6), and how long a half-done
 * set is kept: less than a half-open SA lives, so that a later
 * retransmission of the peer's still finds the SA.
 */
#define IKE2_FRAG_MAX 64u
#define IKE2_FRAG_MAX_BYTES 65536u
#define IKE2_FRAG_TIMEOUT_MS 20000u

/* N(IKEV2_FRAGMENTATION_SUPPORTED) for IKE_SA_INIT, when the connection allows it. */
void ike2_frag_write_supported(struct ike2_sa *sa, struct ike2_w *w);
/* Notes the peer's IKEV2_FRAGMENTATION_SUPPORTED in its IKE_SA_INIT. */
void ike2_frag_note_peer(struct ike2_sa *sa, const struct ike2_chain *c);
/* Largest IKE message we send unfragmented on this SA; 0: never fragment. */
size_t ike2_frag_limit(const struct ike2_sa *sa);
/* The Fragment Number of an SKF message, 0 for anything else. */
uint16_t ike2_frag_number(const struct ike2_msg *msg);
/* Takes one fragment (the SKF payload skf of msg); see ike2_sk_open for the result. */
int ike2_frag_open(struct ike2_sa *sa, struct ike2_msg *msg, const struct ike2_pl *skf);
/* Drops a half-done reassembly of a request (response false) or a response. */
void ike2_frag_discard(struct ike2_sa *sa, bool response);

#endif
