/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nat.c: NAT detection, the NAT-T port, keepalives (RFC 7296 2.23). */
#ifndef IKE2_NAT_H
#define IKE2_NAT_H

#include "msg.h"

struct ike2_sa;

/* An IKE SA's NAT traversal state. */
struct ike2_nat {
	bool local, remote;           /* a NAT in front of us, in front of the peer */
	bool peer_natd;               /* the peer does NAT detection */
	cg_timer_id keepalive_timer;
};

/* Writes NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for an IKE_SA_INIT message. */
void ike2_nat_write(struct ike2_sa *sa, struct ike2_w *w);
/* Compares the peer's NAT detection notifies with the addresses msg came by. */
void ike2_nat_detect(struct ike2_sa *sa, const struct ike2_msg *msg);
/*
 * Initiator: moves to the NAT-T port after IKE_SA_INIT when a NAT was seen
 * (or encap), or for MOBIKE when the peer does NAT-T (a NAT may come with a move).
 */
void ike2_nat_float(struct ike2_sa *sa);
/*
 * Takes the peer's new address from an authentic message (2.23), and the
 * children follow: with NAT-T (with MOBIKE only when the kernel reported a
 * new mapping; else UPDATE_SA_ADDRESSES moves), and the NAT-T ports of
 * IKE_AUTH.
 */
void ike2_nat_update(struct ike2_sa *sa, const struct ike2_msg *msg);
/* UDP encapsulation ports for the SA's children (0 when none). */
void ike2_nat_encap_ports(const struct ike2_sa *sa, uint16_t *local, uint16_t *remote);
/* Starts NAT keepalives when we are behind a NAT. */
void ike2_nat_arm_keepalive(struct ike2_sa *sa);

#endif
