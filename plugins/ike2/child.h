/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * child.c: CHILD_SA negotiation (proposals, traffic selectors), the
 * child object and its kernel install, for IKE_AUTH and CREATE_CHILD_SA.
 */
#ifndef IKE2_CHILD_H
#define IKE2_CHILD_H

#include "msg.h"

struct ike2_sa;

struct ike2_child {
	struct ike2_child *next;
	char name[CG_NAME_MAX];
	uint32_t unique_id;
	uint32_t reqid;
	uint32_t spi_in, spi_out;     /* host order */
	enum cg_ipsec_mode mode;
	bool proxy;
	uint16_t encr_alg, encr_keylen, integ_alg;
	bool esn;
	struct cg_ts *local_ts, *remote_ts; /* exactly n of each, one allocation (ike2_child_set_ts) */
	size_t n_local_ts, n_remote_ts;
	bool installed;
	bool own_policies;            /* false: trap policies of the same reqid carry it */
	uint32_t priority;
	uint32_t replay_window;
	struct cg_lifetime lifetime;
	int64_t installed_at;         /* unix time */
	/* Inbound SA counters at the last liveness decision (dpd.c). */
	uint64_t seen_packets_in, seen_bytes_in, seen_use_in;
	uint16_t routed;              /* cp.c: bit i, remote_ts[i] has a route from a virtual IP */
	uint16_t excluded;            /* bit i, that route made us exclude route_peer */
	struct cg_addr route_peer;    /* the peer's address kept out of the routes */
	struct cg_addr local, remote; /* outer addresses of its SAs, no ports (move.c) */
	bool stranded; /* its SAs could not follow the IKE SA (PF_KEY): it is being rekeyed there */
};

/* A child the initiator negotiates with IKE_AUTH (or an acquire asked for). */
struct ike2_pending_child {
	char name[CG_NAME_MAX];
	uint32_t reqid;
	uint32_t spi_in;              /* reserved inbound SPI */
	bool trapped;                 /* trap policies with this reqid exist */
	bool has_acquire;             /* the triggering packet's selectors go first */
	struct cg_ts acq_src, acq_dst;
	struct cg_ts local_ts[IKE2_MAX_TS], remote_ts[IKE2_MAX_TS];
	size_t n_local_ts, n_remote_ts;
	struct cg_proposal props[IKE2_MAX_PROPOSALS];
	size_t n_props;
	bool transport;
	/* With CREATE_CHILD_SA on an established IKE SA (addchild.c): */
	struct cg_chunk nonce;        /* our Ni */
	uint16_t ke_group;            /* PFS group, CG_KE_NONE without PFS */
	const struct cg_ke_alg *ke;
	void *ke_ctx;
	unsigned restarts;            /* INVALID_KE_PAYLOAD retries */
};

/* Prepares *ret (allocated) for child cfg: selectors, proposals, reserved SPI. */
int ike2_child_prepare(struct ike2_sa *sa, const struct cg_child_cfg *cc,
		       const struct cg_kernel_acquire *acq, uint32_t trap_reqid,
		       struct ike2_pending_child **ret);
/* Writes [N(USE_TRANSPORT_MODE)] SA TSi TSr for the child of our IKE_AUTH. */
void ike2_child_write_request(struct ike2_sa *sa, struct ike2_w *w);
/* What a responder's child negotiation takes from its exchange (IKE_AUTH or CREATE_CHILD_SA). */
struct ike2_child_answer {
	const struct ike2_child *old; /* the child a CREATE_CHILD_SA rekeys; NULL: a new one */
	bool create;                  /* CREATE_CHILD_SA: PFS counts, Nr [KEr] go in the answer */
	struct cg_chunk ni, nr;       /* the exchange's nonces (nr ours) */
};
/*
 * Responder, for both exchanges: negotiates a child from SA/TSi/TSr in msg,
 * installs and adopts it, and writes [N(USE_TRANSPORT_MODE)] SA [Nr [KEr]]
 * TSi TSr into w, or the error notify. The child (the SA's), or NULL.
 */
struct ike2_child *ike2_child_respond(struct ike2_sa *sa, const struct ike2_msg *msg,
				      const struct ike2_child_answer *a, struct ike2_w *w);
/* Initiator: completes the child of our IKE_AUTH from its response. */
void ike2_child_complete(struct ike2_sa *sa, const struct ike2_msg *msg);
/*
 * Completes *pc with the key material of its exchange ([g^ir], Ni, Nr) and
 * drops it (ike2_child_abandon).
 */
void ike2_child_complete_keyed(struct ike2_sa *sa, struct ike2_pending_child **pc,
			       const struct ike2_msg *msg, struct cg_chunk shared,
			       struct cg_chunk ni, struct cg_chunk nr);
/* Selectors a prepared child offers on our side or the peer's, the acquire's packet first
 * (out holds IKE2_MAX_TS); their count. */
size_t ike2_child_offer_ts(const struct ike2_pending_child *pc, bool local, struct cg_ts *out);
/* Drops a prepared child (releases its SPI and trap); *pc becomes NULL. */
void ike2_child_abandon(struct ike2_sa *sa, struct ike2_pending_child **pc);
/* Takes a negotiated, installed child into the IKE SA: id, list, log line, event t. */
void ike2_child_adopt(struct ike2_sa *sa, struct ike2_child *c, enum cg_event_type t);
/* Gives a child copies of exactly these selectors (replacing any it had). */
int ike2_child_set_ts(struct ike2_child *c, const struct cg_ts *local, size_t n_local,
		      const struct cg_ts *remote, size_t n_remote);
/* Frees a child object and its selectors (nothing in the kernel). */
void ike2_child_free(struct ike2_child *c);
/* Removes a child from the kernel and frees it (publishes CHILD_DOWN). */
void ike2_child_destroy(struct ike2_sa *sa, struct ike2_child *c);
struct ike2_child *ike2_child_by_spi_out(struct ike2_sa *sa, uint32_t spi);
struct ike2_child *ike2_child_by_spi_in(struct ike2_sa *sa, uint32_t spi);
/*
 * Gives next, the successor of a rekeyed child, the outer addresses it is
 * installed at: the old child's (a MIGRATE without KMADDRESS moves children,
 * not the IKE SA), or the IKE SA's when the old child is stranded (left
 * unset: the install takes the IKE SA's).
 */
void ike2_child_successor_at(const struct ike2_child *old, struct ike2_child *next);
/* Where c's inbound or outbound SA lives (cg_child_sa_hosts); -EINVAL, id untouched, if nowhere. */
int ike2_child_sa_id(const struct ike2_sa *sa, const struct ike2_child *c, bool inbound,
		     struct cg_kernel_sa_id *id);
/* Another child of the same name and reqid exists: c was rekeyed. */
bool ike2_child_replaced(struct ike2_sa *sa, const struct ike2_child *c);
void ike2_child_describe(struct ike2_sa *sa, struct ike2_child *c, struct cg_out *out);
/* ESP proposals of a child config (KE transforms only when keep_ke: PFS). */
size_t ike2_child_proposals(const struct cg_child_cfg *cc, bool keep_ke, struct cg_proposal *out,
			    size_t max);
const struct cg_child_cfg *ike2_child_cfg(const struct ike2_sa *sa, const char *name);
/* The child config whose selectors overlap TSi/TSr; fills c's narrowed selectors. */
const struct cg_child_cfg *ike2_child_match(struct ike2_sa *sa, const struct cg_ts *tsi,
					    size_t n_tsi, const struct cg_ts *tsr, size_t n_tsr,
					    struct ike2_child *c);
/* Algorithms, lifetimes and options of a child from the chosen proposal and its config. */
void ike2_child_setup(struct ike2_child *c, const struct cg_proposal *sel,
		      const struct cg_child_cfg *cc);
/*
 * Derives keys from ([shared |] ni | nr) and installs the child in the
 * kernel. initiator: we started the exchange that makes the child, which
 * decides the order of its keys (2.17), whatever our role in the IKE SA.
 */
int ike2_child_install(struct ike2_sa *sa, struct ike2_child *c, bool initiator,
		       struct cg_chunk shared, struct cg_chunk ni, struct cg_chunk nr);
void ike2_child_publish(struct ike2_sa *sa, const struct ike2_child *c, enum cg_event_type t);
void ike2_child_log_up(struct ike2_sa *sa, const struct ike2_child *c);

#endif
