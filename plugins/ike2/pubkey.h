/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pubkey.c: certificates and signature authentication (RFC 7427), and
 * DN identities.
 */
#ifndef IKE2_PUBKEY_H
#define IKE2_PUBKEY_H

#include "msg.h"

struct ike2_sa;

/* What the peer of an IKE SA said of signature authentication. */
struct ike2_pubkey_peer {
	uint16_t sig_hashes;          /* bit n: the peer announced hash algorithm n (RFC 7427) */
	bool certreq;                 /* the peer sent a CERTREQ */
};

/* Fills in a DN identity's missing half: DER from its text, or text from its DER. */
int ike2_pubkey_id_complete(struct cg_core *core, struct cg_id *id);
/* %any or a wildcard ("*.example.org", "CN=*"): something to match, not to send. */
bool ike2_pubkey_id_is_pattern(const struct cg_id *id);
/* N(SIGNATURE_HASH_ALGORITHMS) for IKE_SA_INIT, when a PKI backend is loaded. */
void ike2_pubkey_write_hashes(struct ike2_sa *sa, struct ike2_w *w);
/* Notes the peer's SIGNATURE_HASH_ALGORITHMS and CERTREQ in a message. */
void ike2_pubkey_note_peer(struct ike2_sa *sa, const struct ike2_chain *c);
/* CERTREQ naming the keys of remote.cacerts (when send_certreq and remote auth pubkey). */
void ike2_pubkey_write_certreq(struct ike2_sa *sa, struct ike2_w *w);
/* Writes our ID (from the certificate when none is configured), CERT(s) and signature AUTH. */
int ike2_pubkey_write_id_auth(struct ike2_sa *sa, struct ike2_w *w, uint8_t id_type);
/* The peer's certificate is trusted, holds its identity, and its AUTH signature verifies. */
bool ike2_pubkey_verify(struct ike2_sa *sa, const struct ike2_chain *c,
			const struct ike2_pl *id_pl, const struct ike2_auth *auth);

#endif
