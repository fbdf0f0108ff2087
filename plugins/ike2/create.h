/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * create.c: CREATE_CHILD_SA for a child, both roles; the nonce and key
 * exchange each request of ours renews.
 */
#ifndef IKE2_CREATE_H
#define IKE2_CREATE_H

#include "ike2.h"
#include "msg.h"

struct ike2_sa;

/* Responder: a new or rekeyed CHILD_SA (an IKE SA rekey goes to rekey.c). */
enum ike2_verdict ike2_create_child_request(struct ike2_sa *sa, const struct ike2_msg *msg);
/* The response to our rekeying of a child. */
enum ike2_verdict ike2_create_rekey_response(struct ike2_sa *sa, const struct ike2_msg *msg);
/*
 * What one CREATE_CHILD_SA request of ours for a child says (RFC 7296
 * 1.3.1, 1.3.3); the nonce and key exchange are renewed on each send.
 */
struct ike2_create_req {
	uint32_t rekey_spi;           /* inbound SPI of the child rekeyed; 0: a new child */
	bool transport;               /* ask for transport mode */
	const struct cg_proposal *props;
	size_t n_props;
	uint32_t spi_in;              /* reserved for the new child */
	uint16_t ke_group;            /* PFS group, CG_KE_NONE without PFS */
	struct cg_chunk *nonce;       /* replaced by a new one */
	const struct cg_ke_alg **ke;  /* replaced, with *ke_ctx, by a new key exchange */
	void **ke_ctx;
	const struct cg_ts *tsi, *tsr;
	size_t n_tsi, n_tsr;
};
/* Sends [N(REKEY_SA)] [N(USE_TRANSPORT_MODE)] SA Ni [KEi] TSi TSr (REKEY_SA for a rekey). */
int ike2_create_send(struct ike2_sa *sa, const struct ike2_create_req *q);
/* Rekeys the child with this inbound SPI (queued while a request is out). */
int ike2_create_rekey_child(struct ike2_sa *sa, uint32_t spi_in);
/* Drops our rekeying in progress (releases its SPI and key exchange). */
void ike2_create_abandon(struct ike2_sa *sa);
/*
 * What a CREATE_CHILD_SA request needs each time it is sent: a new nonce
 * (the old one freed) and, unless group is CG_KE_NONE, a new key exchange
 * (the old one destroyed) with its public value in *pub.
 */
int ike2_create_offer_renew(struct ike2_sa *sa, uint16_t group, struct cg_chunk *nonce,
			    const struct cg_ke_alg **ke, void **ke_ctx, struct cg_chunk *pub);
/* The group an INVALID_KE_PAYLOAD in msg asks for when props offer it and it is not
 * current; CG_KE_NONE otherwise. */
uint16_t ike2_create_ke_retry_group(const struct ike2_msg *msg, const struct cg_proposal *props,
				    size_t n, uint16_t current);

#endif
