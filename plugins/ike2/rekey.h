/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rekey.c: rekeying the IKE SA and the state of our child and IKE SA
 * rekeys (RFC 7296 1.3.2, 1.3.3, 2.8), with their collisions.
 */
#ifndef IKE2_REKEY_H
#define IKE2_REKEY_H

#include "ike2.h"
#include "msg.h"

struct ike2_sa;

/* Our CREATE_CHILD_SA rekeying one child (RFC 7296 1.3.3). */
struct ike2_rekey {
	char name[CG_NAME_MAX];
	uint32_t old_spi_in;          /* the child being replaced */
	uint32_t reqid;
	uint32_t spi_in;              /* reserved for the new child */
	struct cg_chunk nonce;
	uint16_t ke_group;            /* PFS group, CG_KE_NONE without PFS */
	const struct cg_ke_alg *ke;
	void *ke_ctx;
	struct cg_proposal props[IKE2_MAX_PROPOSALS];
	size_t n_props;
	unsigned restarts;            /* INVALID_KE_PAYLOAD retries */
	struct cg_chunk nonce_r;      /* the responder's nonce, for a collision */
	uint32_t collided_spi_in;     /* the child the peer's colliding rekey created */
	struct cg_chunk collided_nonce; /* lowest nonce of that exchange */
};

/* Our CREATE_CHILD_SA rekeying the IKE SA (RFC 7296 1.3.2, 2.18). */
struct ike2_ike_rekey {
	bool active;
	uint64_t spi;                 /* our SPI for the new IKE SA */
	struct cg_chunk nonce;
	uint16_t ke_group;
	const struct cg_ke_alg *ke;
	void *ke_ctx;
	unsigned restarts;
	uint64_t collided_spi;        /* our SPI of the SA a colliding rekey of the peer made */
	struct cg_chunk collided_nonce; /* lowest nonce of that exchange */
};

/* Arms the IKE SA's rekey timer from the connection's rekey_time and rand_time. */
void ike2_rekey_arm(struct ike2_sa *sa);
/* Starts rekeying the IKE SA now. */
int ike2_rekey_ike_start(struct ike2_sa *sa);
/* Responder: a CREATE_CHILD_SA request that rekeys the IKE SA. */
enum ike2_verdict ike2_rekey_ike_respond(struct ike2_sa *sa, const struct ike2_msg *msg,
					 const struct ike2_prop *props, size_t n_props,
					 struct cg_chunk ni);
enum ike2_verdict ike2_rekey_ike_response(struct ike2_sa *sa, const struct ike2_msg *msg);
void ike2_rekey_ike_abandon(struct ike2_sa *sa);
/* Child rekey collision: notes the peer's exchange, and whether ours lost (2.8.1). */
void ike2_rekey_child_collision(struct ike2_sa *sa, uint32_t new_spi_in, struct cg_chunk ni,
				struct cg_chunk nr);
bool ike2_rekey_child_lost(struct ike2_sa *sa);
/* After TEMPORARY_FAILURE: rekeys the child again after a short random delay. */
void ike2_rekey_child_later(struct ike2_sa *sa, uint32_t reqid, uint32_t spi_in);
/* Lowest nonce of an exchange; compares two of them (memcmp order, shorter first). */
int ike2_rekey_nonce_cmp(struct cg_chunk a, struct cg_chunk b);
/* The `rekey` control command. */
int ike2_rekey_ctl(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out);

#endif
