/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ikesa.c: the IKE SA object: its state, message IDs, our request in
 * flight and its retransmission, the queue of work waiting for it, the
 * response cache.
 */
#ifndef IKE2_IKESA_H
#define IKE2_IKESA_H

#include "ike2.h"
#include "msg.h"
/* For the state each feature keeps in the IKE SA: */
#include "contact.h"
#include "dpd.h"
#include "frag.h"
#include "mobike.h"
#include "nat.h"
#include "pubkey.h"
#include "rekey.h"

struct ike2_child;
struct ike2_pending_child;
struct ike2_cp;

/* Retransmits before giving up (the schedule is the core's cg_sa_retransmit_delay). */
#define IKE2_RETRANSMIT_TRIES CG_SA_RETRANSMIT_TRIES
/* A responder's half-open SA dies after this long. */
#define IKE2_HALF_OPEN_TIMEOUT_MS 30000u

enum ike2_state {
	IKE2_ST_INIT_SENT = 0, /* initiator: IKE_SA_INIT request out */
	IKE2_ST_INIT_DONE,     /* responder: IKE_SA_INIT answered, half-open */
	IKE2_ST_AUTH_SENT,     /* initiator: IKE_AUTH request out */
	IKE2_ST_ESTABLISHED,
	IKE2_ST_DELETING,      /* our delete is out */
};

/* What a request of ours does; its response goes where this says. */
enum ike2_op {
	IKE2_OP_NONE = 0,
	IKE2_OP_INIT,                 /* IKE_SA_INIT */
	IKE2_OP_AUTH,                 /* IKE_AUTH (with the child in sa->pending) */
	IKE2_OP_AUTH_FAILED,          /* INFORMATIONAL telling the responder it failed */
	IKE2_OP_CHILD_ADD,            /* CREATE_CHILD_SA for sa->add */
	IKE2_OP_CHILD_REKEY,          /* CREATE_CHILD_SA for sa->rekey */
	IKE2_OP_IKE_REKEY,            /* CREATE_CHILD_SA for sa->ike_rekey */
	IKE2_OP_CHILD_DELETE,         /* INFORMATIONAL with a delete for a child */
	IKE2_OP_IKE_DELETE,           /* INFORMATIONAL with a delete for the IKE SA */
	IKE2_OP_DPD,                  /* an empty INFORMATIONAL (liveness check) */
	IKE2_OP_MOBIKE,               /* INFORMATIONAL with UPDATE_SA_ADDRESSES (mobike.c) */
	IKE2_OP_MOBIKE_CHECK,         /* INFORMATIONAL with COOKIE2: return routability */
	IKE2_OP_MOBIKE_ADDRS,         /* INFORMATIONAL with our current address list */
};

struct ike2_request {
	bool active;
	enum ike2_op op;
	uint8_t exchange;             /* of op */
	uint32_t mid;
	struct cg_chunk data;         /* the message as sent, for bit-identical retransmits */
	unsigned tries;               /* retransmissions done */
	cg_timer_id timer;
};

/*
 * Work that waits for the request slot (one request of ours at a time):
 * what it is and what it needs, in order of arrival (ike2_sa_queue).
 */
struct ike2_work {
	struct ike2_work *next;
	enum ike2_op op;              /* CHILD_ADD, CHILD_REKEY, CHILD_DELETE, IKE_DELETE, MOBIKE(_CHECK) */
	uint32_t spi_in;              /* CHILD_REKEY, CHILD_DELETE: the child's inbound SPI */
	char child[CG_NAME_MAX];      /* CHILD_ADD: the child config */
	uint32_t trap_reqid;          /* CHILD_ADD: its trap policies' reqid, 0 when none */
	bool has_acquire;             /* CHILD_ADD: acq holds the triggering packet */
	struct cg_kernel_acquire acq;
};

struct ike2_sa {
	struct ike2 *plugin;
	struct cg_core *core;
	struct cg_sa *entry;          /* the SA manager's record */
	struct cg_config *cfg;        /* reference: conn points into it */
	const struct cg_conn_cfg *conn;
	char name[CG_NAME_MAX];
	enum ike2_state state;
	bool initiator;
	uint64_t spi_i, spi_r;
	struct cg_addr local, remote; /* with ports */

	/* IKE_SA_INIT */
	struct cg_proposal proposal;  /* chosen */
	uint16_t ke_group;
	const struct cg_ke_alg *ke;
	void *ke_ctx;
	struct cg_chunk ni, nr;
	struct cg_chunk init_req, init_resp; /* the raw messages, signed by AUTH */
	struct cg_chunk cookie;
	unsigned init_retries;        /* INVALID_KE_PAYLOAD and COOKIE restarts */

	/* Keys */
	const struct cg_prf_alg *prf;
	const struct cg_encr_alg *encr;
	const struct cg_integ_alg *integ; /* NULL with an AEAD */
	struct cg_chunk sk_d, sk_pi, sk_pr;
	/*
	 * SK_e and SK_a by direction, as bytes: sk.c sets up cipher contexts per
	 * message (an AEAD context with its key tables is kilobytes, and messages
	 * on an established SA are rare).
	 */
	struct cg_chunk sk_e_out, sk_e_in, sk_a_out, sk_a_in;
	uint64_t iv_counter;          /* AEAD nonces: never repeat under one key */

	/* Identities */
	struct cg_id id_local, id_remote;
	struct ike2_pubkey_peer pubkey; /* what the peer said of signatures (pubkey.c) */

	/* Message IDs */
	uint32_t mid_next;            /* our next request */
	uint32_t mid_peer;            /* the peer's next request */
	struct ike2_request req;
	bool has_resp;
	uint32_t resp_mid;
	struct cg_chunk resp;         /* our last response, for duplicate requests */

	struct ike2_child *children;
	struct ike2_pending_child *pending; /* the child of our IKE_AUTH; NULL when none */
	struct ike2_pending_child *add; /* our CREATE_CHILD_SA for a new child; NULL when none */
	struct ike2_rekey *rekey;     /* our child rekeying in progress, NULL when none */
	struct ike2_work *queue;      /* work waiting for the request slot, oldest first */

	int64_t established_at;       /* unix time */
	cg_timer_id half_open_timer;
	bool down;                    /* ike2_sa_down ran */

	/* IKE SA rekeying (rekey.c) */
	struct ike2_ike_rekey ike_rekey;
	cg_timer_id rekey_timer;
	bool rekeyed;                 /* replaced by another IKE SA: no IKE_DOWN when it goes */

	/* Features, each with the state its module keeps */
	struct ike2_dpd dpd;          /* liveness and keyingtries (dpd.c) */
	struct ike2_nat nat;          /* NAT traversal (nat.c) */
	struct ike2_contact contact;  /* INITIAL_CONTACT and the peer index (contact.c) */
	struct ike2_frag frag;        /* fragmentation (frag.c) */
	struct ike2_mobike mobike;    /* MOBIKE (mobike.c) */
	struct ike2_cp *cp;           /* configuration payload (cp.c); NULL until it settles something */
};

int ike2_sa_create(struct ike2 *p, bool initiator, struct cg_config *cfg,
		   const struct cg_conn_cfg *conn, const struct cg_addr *local,
		   const struct cg_addr *remote, uint64_t spi_i, struct ike2_sa **ret);
uint64_t ike2_sa_local_spi(const struct ike2_sa *sa);
/* Writes the header of a message of ours on this SA. */
void ike2_sa_hdr(const struct ike2_sa *sa, struct ike2_w *w, uint8_t exchange, bool response,
		 uint32_t mid, uint8_t first);
/* Sends a new request for op (takes data), with retransmission. */
int ike2_sa_send_request(struct ike2_sa *sa, enum ike2_op op, struct cg_chunk data);
/* Builds and sends an encrypted request for op with the given inner payloads. */
int ike2_sa_request(struct ike2_sa *sa, enum ike2_op op, struct ike2_w *inner);
/* Sends a response and keeps it for duplicate requests (takes data). */
int ike2_sa_send_response(struct ike2_sa *sa, uint32_t mid, struct cg_chunk data);
/* Builds and sends an encrypted response with the given inner payloads (requests: ike2_sa_request). */
int ike2_sa_send_sk(struct ike2_sa *sa, uint8_t exchange, bool response, uint32_t mid,
		    struct ike2_w *inner);
/*
 * Answers the request msg with one notify (encrypted, in msg's exchange),
 * usually the error that refuses it; data borrowed, e.g. the group
 * INVALID_KE_PAYLOAD asks for. The caller logs why.
 */
int ike2_sa_refuse(struct ike2_sa *sa, const struct ike2_msg *msg, uint16_t type,
		   const uint8_t *data, size_t len);
/* The same with the group an INVALID_KE_PAYLOAD asks for (none when group is 0). */
int ike2_sa_refuse_group(struct ike2_sa *sa, const struct ike2_msg *msg, uint16_t type,
			 uint16_t group);
/* Sends a message, or all the fragments of one, as kept for retransmission. */
int ike2_sa_transmit(struct ike2_sa *sa, struct cg_chunk data);
/* The same between other addresses (a response to where its request came from). */
int ike2_sa_transmit_via(struct ike2_sa *sa, struct cg_chunk data, const struct cg_addr *local,
			 const struct cg_addr *remote);
/* The request in flight got its response: stop retransmitting. */
void ike2_sa_request_done(struct ike2_sa *sa);
/*
 * Queues a copy of w until the request slot is free (an IKE delete goes
 * first; the same child rekey or delete is queued once).
 */
int ike2_sa_queue(struct ike2_sa *sa, const struct ike2_work *w);
/* Hands the queued work of from (but a delete of from) to to, after to's own. */
void ike2_sa_queue_move(struct ike2_sa *from, struct ike2_sa *to);
/* Runs queued work, oldest first, until a request is out or nothing is left. */
void ike2_sa_run_pending(struct ike2_sa *sa);
/* Starts the periodic liveness check when the connection sets dpd_delay. */
void ike2_sa_arm_dpd(struct ike2_sa *sa);
/* Publishes an IKE SA event. */
void ike2_sa_publish(struct ike2_sa *sa, enum cg_event_type type);
/* Formats "name[id] spi_i_spi_r" prefix for log lines. */
void ike2_sa_log(struct ike2_sa *sa, enum cg_subsys subsys, enum cg_level level,
		 const char *fmt, ...) CG_PRINTF(4, 5);
extern const struct cg_sa_ops ike2_sa_ops;
/* Tears down children and SA state; the caller checks it in destroyed. */
void ike2_sa_down(struct ike2_sa *sa);

#endif
