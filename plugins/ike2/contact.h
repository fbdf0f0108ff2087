/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* contact.c: INITIAL_CONTACT (RFC 7296 2.4), the unique policy, the peer index. */
#ifndef IKE2_CONTACT_H
#define IKE2_CONTACT_H

#include <cygnet/cygnet.h>

struct ike2;
struct ike2_sa;
struct ike2_msg;
struct ike2_peer_entry;

/* An IKE SA's INITIAL_CONTACT and its place in the peer index. */
struct ike2_contact {
	bool initial;                 /* send INITIAL_CONTACT in our IKE_AUTH */
	struct ike2_peer_entry *entries[2]; /* in the peer index: by identity, by address */
};

/* Initiator: decides whether our IKE_AUTH carries INITIAL_CONTACT (no SA checked out). */
bool ike2_contact_first(struct ike2 *p, const struct cg_conn_cfg *conn,
			const struct cg_addr *local, const struct cg_addr *remote);
/*
 * After authentication: puts the SA into the peer index; INITIAL_CONTACT
 * received, unique policy; queues the cleanup.
 */
void ike2_contact_established(struct ike2_sa *sa, const struct ike2_msg *msg);
/* Takes the SA out of the peer index (it goes down). */
void ike2_contact_forget(struct ike2_sa *sa);
/* The SA moved to another peer address: its entry by address follows. */
void ike2_contact_moved(struct ike2_sa *sa);
/* The rekeyed SA sa takes old's place in the peer index. */
void ike2_contact_replace(struct ike2_sa *old, struct ike2_sa *sa);
/* The peer index, empty; and its end (after every SA went down). */
int ike2_contact_setup(struct ike2 *p);
void ike2_contact_cleanup(struct ike2 *p);

#endif
