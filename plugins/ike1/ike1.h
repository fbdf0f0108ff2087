/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ike1: IKEv1 (RFC 2409) on the core: Main and Aggressive Mode with pre-shared keys,
 * Quick Mode with and without PFS, Informational deletes. The plugin
 * state, the phase 1 SA (an ISAKMP SA in the core's SA manager) and its
 * Quick Mode exchanges and children.
 */
#ifndef IKE1_H
#define IKE1_H

#include <pthread.h>
#include <cygnet/cygnet.h>

#include "msg.h"

#define IKE1_MAX_TS 16
#define IKE1_NONCE_LEN 32
#define IKE1_BLOCK_MAX 16
/* A responder's phase 1 that does not complete dies after this long. */
#define IKE1_HALF_OPEN_TIMEOUT_MS 30000u

enum ike1_verdict {
	IKE1_KEEP = 0,
	IKE1_DESTROY = 1,
};

struct ike1 {
	struct cg_core *core;
	struct cg_bus_sub *sub;
	pthread_mutex_t lock;         /* guards next_child_id and am_warned */
	struct cg_traps *traps;       /* start_action: trap children */
	uint32_t next_child_id;
	unsigned ctl_mask;
	uint64_t am_warned[64];       /* connections warned about Aggressive Mode PSK (name hashes) */
	size_t n_am_warned;
};

/* Phase 1 states; the exchange type is a field so Aggressive Mode fits beside Main Mode. */
enum ike1_state {
	IKE1_ST_MM_SA_SENT = 0,       /* initiator: SA out */
	IKE1_ST_MM_SA_ANSWERED,       /* responder: SA answered */
	IKE1_ST_MM_KE_SENT,           /* initiator: KE Ni out */
	IKE1_ST_MM_KE_ANSWERED,       /* responder: KE Nr answered */
	IKE1_ST_MM_ID_SENT,           /* initiator: IDii HASH_I out */
	IKE1_ST_AM_SENT,              /* Aggressive Mode initiator: SA KE Ni IDii out */
	IKE1_ST_AM_ANSWERED,          /* Aggressive Mode responder: SA KE Nr IDir HASH_R answered */
	IKE1_ST_ESTABLISHED,
	IKE1_ST_DELETING,
};

/*
 * One IPsec SA pair negotiated by Quick Mode: what the core installs (ci,
 * keys left empty; its selectors point at local_ts and remote_ts) and ours.
 */
struct ike1_child {
	struct ike1_child *next;
	char name[CG_NAME_MAX];
	uint32_t unique_id;
	struct cg_child_install ci;
	uint16_t pfs_group;
	struct cg_ts local_ts, remote_ts;
	int64_t installed_at;
};

/* A Quick Mode exchange in progress (or just answered). */
struct ike1_qm {
	struct ike1_qm *next;
	uint32_t mid;
	bool initiator;
	int step;                     /* messages of this exchange handled so far */
	uint8_t iv[IKE1_BLOCK_MAX];   /* CBC IV for its next message */
	char child[CG_NAME_MAX];
	uint32_t reqid;
	bool trapped;
	uint32_t spi_in;
	struct cg_ts local_ts, remote_ts;
	struct cg_proposal props[IKE1_MAX_PROPOSALS];
	size_t n_props;
	uint16_t group;               /* PFS group, 0 without */
	const struct cg_ke_alg *ke;
	void *ke_ctx;
	struct cg_chunk ke_pub;
	struct cg_chunk ni, nr;
	struct ike1_child *child_sa;  /* responder: negotiated, installed once HASH(3) arrives */
	struct cg_chunk shared;       /* responder: g^xy of PFS until then */
	struct cg_chunk sent;         /* our last message, for retransmits */
	unsigned tries;
	cg_timer_id timer;
};

struct ike1_sa {
	struct ike1 *plugin;
	struct cg_core *core;
	struct cg_sa *entry;
	struct cg_config *cfg;
	const struct cg_conn_cfg *conn;
	char name[CG_NAME_MAX];
	enum ike1_state state;
	uint8_t exchange;             /* phase 1 exchange type: Main or Aggressive Mode */
	uint16_t auth_method;         /* IKE1_AUTH_PSK for now */
	bool initiator;
	uint64_t ci, cr;              /* cookies */
	struct cg_addr local, remote; /* with ports */

	/* Phase 1 negotiation */
	struct cg_chunk sai_b;        /* the initiator's SA payload body, hashed by HASH_I/R */
	struct cg_chunk idi_b;        /* Aggressive Mode: IDii's body, hashed by HASH_I */
	struct cg_proposal proposal;  /* chosen: ENCR, INTEG, PRF, KE */
	uint16_t hash_alg;            /* IKE1_HASH_* */
	uint64_t life_secs;
	const struct cg_ke_alg *ke;
	void *ke_ctx;
	struct cg_chunk gxi, gxr;     /* public values */
	struct cg_chunk ni, nr;
	struct cg_chunk gxy;

	/* Keys (RFC 2409 5) */
	const struct cg_prf_alg *prf;
	const struct cg_encr_alg *encr;
	struct cg_chunk skeyid, skeyid_d, skeyid_a, skeyid_e, ekey;
	uint8_t iv[IKE1_BLOCK_MAX];   /* phase 1: the running IV; then its last block */
	size_t bs;

	struct cg_id id_local, id_remote;
	bool initial_contact;         /* the peer sent INITIAL-CONTACT */

	/* Phase 1 retransmission and duplicates */
	struct cg_chunk sent;         /* our last phase 1 message */
	bool awaiting;                /* a reply to it is due: retransmit */
	unsigned tries;
	cg_timer_id timer;
	uint64_t last_in;             /* hash of the last message we answered */
	struct cg_chunk last_reply;   /* and our answer, sent again for a repeat */
	uint64_t seen;                /* hash of the last message received */

	/* The child Quick Mode negotiates once phase 1 is up (initiator) */
	char pending_child[CG_NAME_MAX];
	uint32_t pending_trap;
	bool pending_acq;
	struct cg_kernel_acquire acq;

	struct ike1_qm *qms;
	struct ike1_child *children;
	int64_t established_at;
	bool down;
};

/* plugin.c */
uint32_t ike1_next_child_id(struct ike1 *p);
/* True the first time a connection of this name asks (the Aggressive Mode PSK warning). */
bool ike1_am_warn_once(struct ike1 *p, const char *conn);
void ike1_trap_done(struct ike1 *p, uint32_t reqid);
uint32_t ike1_trap_reqid(struct ike1 *p, const char *conn, const char *child);

/* sa.c: the SA object, sending, encryption and retransmission. */
int ike1_sa_create(struct ike1 *p, bool initiator, struct cg_config *cfg,
		   const struct cg_conn_cfg *conn, const struct cg_addr *local,
		   const struct cg_addr *remote, uint64_t ci, struct ike1_sa **ret);
uint64_t ike1_sa_local_spi(const struct ike1_sa *sa);
void ike1_sa_log(struct ike1_sa *sa, enum cg_subsys subsys, enum cg_level level,
		 const char *fmt, ...) CG_PRINTF(4, 5);
void ike1_sa_publish(struct ike1_sa *sa, enum cg_event_type type);
/* Starts a message of this SA. */
void ike1_sa_hdr(struct ike1_sa *sa, struct ike1_w *w, uint8_t exchange, uint8_t flags,
		 uint32_t mid);
/*
 * Encrypts the payloads of w in place with the CBC IV iv (updated to the
 * last ciphertext block, as the next message of the exchange needs).
 */
int ike1_sa_encrypt(struct ike1_sa *sa, struct ike1_w *w, uint8_t *iv);
/* Decrypts a message body (a copy in *plain, freed by the caller) with iv, updated likewise. */
int ike1_sa_decrypt(struct ike1_sa *sa, const uint8_t *msg, size_t len, uint8_t *iv,
		    uint8_t **plain);
/* The IV of a phase 2 or Informational exchange: hash(last phase 1 block | M-ID). */
void ike1_sa_exchange_iv(struct ike1_sa *sa, uint32_t mid, uint8_t *iv);
/* Sends a phase 1 message (takes data); await: retransmit until the peer answers. */
void ike1_sa_send_p1(struct ike1_sa *sa, struct cg_chunk data, bool await);
/* Remembers that msg (raw) was answered by reply (copied), for repeats. */
void ike1_sa_answered(struct ike1_sa *sa, const uint8_t *msg, size_t len, struct cg_chunk reply);
/*
 * A repeat of the message we answered last (the answer goes again) or of
 * the last message received (nothing to do): true, and the message is done.
 */
bool ike1_sa_repeat(struct ike1_sa *sa, const uint8_t *msg, size_t len);
/* Phase 1 is over: stop retransmitting. */
void ike1_sa_p1_done(struct ike1_sa *sa);
/* Sends an encrypted Informational with one Notify or Delete (built by fn into w). */
int ike1_sa_info(struct ike1_sa *sa, void (*fn)(struct ike1_sa *, struct ike1_w *, const void *),
		 const void *arg);
void ike1_sa_down(struct ike1_sa *sa);
extern const struct cg_sa_ops ike1_sa_ops;

/* keys.c (RFC 2409 5, 5.5) */
/* hash(parts) with the phase 1 hash algorithm (not keyed); its length, 0 on error. */
size_t ike1_hash(uint16_t hash_alg, const struct cg_chunk *parts, size_t n, uint8_t *out);
/* prf(key, parts) into out (prf->out_size bytes). */
int ike1_prf(const struct cg_prf_alg *prf, struct cg_chunk key, const struct cg_chunk *parts,
	     size_t n, uint8_t *out);
/* SKEYID from the PSK, SKEYID_d/a/e, the encryption key and the first IV. */
int ike1_keys_derive(struct ike1_sa *sa, struct cg_chunk psk);
/* HASH_I (ours: initiator's view when initiator is true) over id_body (ID payload body). */
int ike1_keys_hash_p1(struct ike1_sa *sa, bool of_initiator, struct cg_chunk id_body,
		      uint8_t *out);
/* KEYMAT for one SA of a child (RFC 2409 5.5), with the extension, len bytes. */
int ike1_keys_keymat(struct ike1_sa *sa, struct cg_chunk shared, uint8_t proto, uint32_t spi,
		     struct cg_chunk ni, struct cg_chunk nr, uint8_t *out, size_t len);

/* main.c: Main Mode and Aggressive Mode (by the connection's aggressive key) */
int ike1_main_initiate(struct ike1 *p, const char *conn, const char *child,
		       const struct cg_kernel_acquire *acq, uint32_t trap_reqid);
void ike1_main_respond(struct ike1 *p, const struct cg_packet *pkt, const struct ike1_hdr *h,
		       const struct ike1_chain *c);
enum ike1_verdict ike1_main_recv(struct ike1_sa *sa, const struct cg_packet *pkt,
				 const struct ike1_hdr *h);

/* quick.c: Quick Mode and the children */
int ike1_quick_initiate(struct ike1_sa *sa, const char *child, const struct cg_kernel_acquire *acq,
			uint32_t trap_reqid);
enum ike1_verdict ike1_quick_recv(struct ike1_sa *sa, const struct cg_packet *pkt,
				  const struct ike1_hdr *h);
void ike1_qm_free(struct ike1_sa *sa, struct ike1_qm *qm);
struct ike1_child *ike1_child_by_spi(struct ike1_sa *sa, uint32_t spi, bool inbound);
void ike1_child_destroy(struct ike1_sa *sa, struct ike1_child *c);
void ike1_child_describe(struct ike1_sa *sa, struct ike1_child *c, struct cg_out *out);

/* info.c: Informational exchanges */
enum ike1_verdict ike1_info_recv(struct ike1_sa *sa, const struct cg_packet *pkt,
				 const struct ike1_hdr *h);
/* Deletes a child: tells the peer, removes it. */
void ike1_info_delete_child(struct ike1_sa *sa, struct ike1_child *c);
/* Tells the peer the ISAKMP SA (and its children) goes. */
void ike1_info_delete_sa(struct ike1_sa *sa);

/* plugin.c: a child on the connection's ISAKMP SA when up (or a new one: new_sa) */
int ike1_initiate(struct ike1 *p, const char *conn, const char *child, bool new_sa);

/* ctl.c */
int ike1_ctl_register(struct ike1 *p);
void ike1_ctl_unregister(struct ike1 *p);
void ike1_ctl_describe(void *data, struct cg_out *out);

#endif
