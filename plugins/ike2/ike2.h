/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ike2: the IKEv2 protocol (RFC 7296). Private declarations shared by the
 * plugin's modules:
 *
 *   msg.c     wire codec: header, payload chain, every payload type
 *   sk.c      SK payload encryption and integrity
 *   keys.c    SKEYSEED, prf+, child key material, AUTH octets
 *   ikesa.c   the IKE SA object, message IDs, retransmission, response cache
 *   init.c    IKE_SA_INIT, both roles
 *   auth.c    IKE_AUTH, both roles
 *   pubkey.c  certificates and signature authentication (RFC 7427)
 *   child.c   CHILD_SA negotiation (proposals, selectors) and kernel install
 *   create.c  CREATE_CHILD_SA: requests of ours for a child, the responder
 *   addchild.c another CHILD_SA on an established IKE SA
 *   info.c    INFORMATIONAL: delete and liveness
 *   conn.c    finding connections by address and identity
 *   plugin.c  descriptor, dispatch of received messages, start actions, traps
 *   rekey.c   IKE SA rekeying, rekey collisions (2.8.1, 2.8.2)
 *   nat.c     NAT detection, port 4500, keepalives
 *   cookie.c  the responder's COOKIE (2.6)
 *   contact.c INITIAL_CONTACT and the unique policy
 *   cp.c      configuration payload: virtual IPs from pools
 *   frag.c    IKE message fragmentation (RFC 7383): when to split, reassembly
 *   ctl.c     control commands
 *   dpd.c     liveness checks, dpd_action, close_action, keyingtries
 */
#ifndef IKE2_H
#define IKE2_H

#include <pthread.h>

#include <cygnet/cygnet.h>

/* Exchange types (RFC 7296 3.1). */
enum {
	IKE2_EXCH_SA_INIT = 34,
	IKE2_EXCH_AUTH = 35,
	IKE2_EXCH_CREATE_CHILD_SA = 36,
	IKE2_EXCH_INFORMATIONAL = 37,
};

/* Header flags. */
#define IKE2_FLAG_I 0x08 /* sent by the original initiator */
#define IKE2_FLAG_V 0x10
#define IKE2_FLAG_R 0x20 /* a response */

#define IKE2_VERSION 0x20 /* major 2, minor 0 */

/* Payload types (RFC 7296 3.2). */
enum {
	IKE2_PL_NONE = 0,
	IKE2_PL_SA = 33,
	IKE2_PL_KE = 34,
	IKE2_PL_IDI = 35,
	IKE2_PL_IDR = 36,
	IKE2_PL_CERT = 37,
	IKE2_PL_CERTREQ = 38,
	IKE2_PL_AUTH = 39,
	IKE2_PL_NONCE = 40,
	IKE2_PL_NOTIFY = 41,
	IKE2_PL_DELETE = 42,
	IKE2_PL_VENDOR = 43,
	IKE2_PL_TSI = 44,
	IKE2_PL_TSR = 45,
	IKE2_PL_SK = 46,
	IKE2_PL_CP = 47,
	IKE2_PL_EAP = 48,
	IKE2_PL_SKF = 53,
};

/* Notify message types (RFC 7296 3.10.1 and IANA). */
enum {
	IKE2_N_UNSUPPORTED_CRITICAL_PAYLOAD = 1,
	IKE2_N_INVALID_IKE_SPI = 4,
	IKE2_N_INVALID_MAJOR_VERSION = 5,
	IKE2_N_INVALID_SYNTAX = 7,
	IKE2_N_INVALID_MESSAGE_ID = 9,
	IKE2_N_INVALID_SPI = 11,
	IKE2_N_NO_PROPOSAL_CHOSEN = 14,
	IKE2_N_INVALID_KE_PAYLOAD = 17,
	IKE2_N_AUTHENTICATION_FAILED = 24,
	IKE2_N_SINGLE_PAIR_REQUIRED = 34,
	IKE2_N_NO_ADDITIONAL_SAS = 35,
	IKE2_N_INTERNAL_ADDRESS_FAILURE = 36,
	IKE2_N_FAILED_CP_REQUIRED = 37,
	IKE2_N_TS_UNACCEPTABLE = 38,
	IKE2_N_INVALID_SELECTORS = 39,
	IKE2_N_TEMPORARY_FAILURE = 43,
	IKE2_N_CHILD_SA_NOT_FOUND = 44,
	IKE2_N_ERROR_MAX = 16383, /* types below this are errors */
	IKE2_N_INITIAL_CONTACT = 16384,
	IKE2_N_SET_WINDOW_SIZE = 16385,
	IKE2_N_ADDITIONAL_TS_POSSIBLE = 16386,
	IKE2_N_NAT_DETECTION_SOURCE_IP = 16388,
	IKE2_N_NAT_DETECTION_DESTINATION_IP = 16389,
	IKE2_N_COOKIE = 16390,
	IKE2_N_USE_TRANSPORT_MODE = 16391,
	IKE2_N_REKEY_SA = 16393,
	IKE2_N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	IKE2_N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED = 16430,
	IKE2_N_SIGNATURE_HASH_ALGORITHMS = 16431,
};

/* AUTH methods (RFC 7296 3.8, RFC 7427). */
enum {
	IKE2_AUTH_RSA = 1,
	IKE2_AUTH_PSK = 2,
	IKE2_AUTH_DSS = 3,
	IKE2_AUTH_ECDSA_256 = 9,  /* RFC 4754 */
	IKE2_AUTH_ECDSA_384 = 10,
	IKE2_AUTH_ECDSA_521 = 11,
	IKE2_AUTH_DIGITAL_SIGNATURE = 14,
};

/* Traffic selector types (RFC 7296 3.13.1). */
enum {
	IKE2_TS_IPV4_RANGE = 7,
	IKE2_TS_IPV6_RANGE = 8,
};

/* Retransmission defaults, as strongSwan's charon: 4 s, base 1.8, 5 retransmits. */
#define IKE2_RETRANSMIT_TIMEOUT_MS 4000u
#define IKE2_RETRANSMIT_BASE 1.8
#define IKE2_RETRANSMIT_TRIES 5u
/* A responder's half-open SA dies after this long. */
#define IKE2_HALF_OPEN_TIMEOUT_MS 30000u
/* keyingtries: the pause before the next attempt at establishing. */
#define IKE2_RETRY_DELAY_MS 2000u
#define IKE2_NONCE_LEN 32
#define IKE2_MAX_PAYLOADS 48
#define IKE2_MAX_PROPOSALS 16
#define IKE2_MAX_TS 16
/*
 * Reassembly limits per message (RFC 7383 2.6), and how long a half-done
 * set is kept: less than a half-open SA lives, so that a later
 * retransmission of the peer's still finds the SA.
 */
#define IKE2_FRAG_MAX 64u
#define IKE2_FRAG_MAX_BYTES 65536u
#define IKE2_FRAG_TIMEOUT_MS 20000u

/*
 * msg.c: the codec.
 */

struct ike2_hdr {
	uint64_t spi_i, spi_r; /* host order of the 8 wire bytes */
	uint8_t next;          /* first payload */
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint32_t mid;
	uint32_t length;
};

/* One payload of a chain; body is borrowed from the message. */
struct ike2_pl {
	uint8_t type;
	bool critical;
	uint8_t next;          /* the next payload field (for SK: the first inner payload) */
	const uint8_t *hdr;    /* the generic payload header */
	const uint8_t *body;   /* after the generic header */
	size_t len;            /* of body */
};

struct ike2_chain {
	struct ike2_pl pl[IKE2_MAX_PAYLOADS];
	size_t n;
};

/* Parses the fixed header; -EBADMSG for a short buffer or a length that does not match. */
int ike2_hdr_parse(const uint8_t *data, size_t len, struct ike2_hdr *h);
/*
 * Walks a payload chain starting with type first over data[0..len).
 * Stops after an SK or SKF payload (it must be last). -EBADMSG on any bad length,
 * a chain that does not end exactly at len, or too many payloads.
 */
int ike2_chain_parse(uint8_t first, const uint8_t *data, size_t len, struct ike2_chain *c);
/* The first payload of a type, or NULL. */
const struct ike2_pl *ike2_chain_find(const struct ike2_chain *c, uint8_t type);
/* A payload type this implementation understands. */
bool ike2_pl_known(uint8_t type);
/* The first critical payload of an unknown type (0 when none). */
uint8_t ike2_chain_unknown_critical(const struct ike2_chain *c);

struct ike2_prop {
	uint8_t num;
	uint8_t spi_size;
	uint64_t spi;          /* host order; 4-byte SPIs in the low bits */
	bool usable;           /* false: contains a transform type or attribute we do not know */
	struct cg_proposal p;
};
/* Parses an SA payload body into at most max proposals. */
int ike2_sa_parse(const struct ike2_pl *pl, struct ike2_prop *props, size_t max, size_t *n);

struct ike2_notify {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	size_t data_len;
};
int ike2_notify_parse(const struct ike2_pl *pl, struct ike2_notify *n);
/* Finds a notify of type in a chain; fills *n when not NULL. */
bool ike2_chain_notify(const struct ike2_chain *c, uint16_t type, struct ike2_notify *n);
/* The first error notify (type < 16384), or 0. */
uint16_t ike2_chain_error(const struct ike2_chain *c);

struct ike2_ke {
	uint16_t group;
	const uint8_t *data;
	size_t len;
};
int ike2_ke_parse(const struct ike2_pl *pl, struct ike2_ke *ke);
/* Nonce: 16..256 bytes (RFC 7296 3.9). */
int ike2_nonce_parse(const struct ike2_pl *pl, struct cg_chunk *nonce);
/* ID payload: fills an owned id. */
int ike2_id_parse(const struct ike2_pl *pl, struct cg_id *id);

struct ike2_auth {
	uint8_t method;
	const uint8_t *data;
	size_t len;
};
int ike2_auth_parse(const struct ike2_pl *pl, struct ike2_auth *a);
/* CERT and CERTREQ payloads: an encoding octet and its data (RFC 7296 3.6, 3.7). */
struct ike2_cert_pl {
	uint8_t encoding;
	const uint8_t *data;
	size_t len;
};
int ike2_cert_parse(const struct ike2_pl *pl, struct ike2_cert_pl *c);
int ike2_ts_parse(const struct ike2_pl *pl, struct cg_ts *ts, size_t max, size_t *n);

struct ike2_delete {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t n_spis;
	const uint8_t *spis;
};
int ike2_delete_parse(const struct ike2_pl *pl, struct ike2_delete *d);

/* A growing buffer that writes a payload chain and patches next-payload fields. */
struct ike2_w {
	uint8_t *buf;
	size_t len, cap;
	size_t next_at;   /* offset of the pending next-payload byte; SIZE_MAX: `first` */
	uint8_t first;    /* type of the first payload (for an SK body) */
	bool failed;      /* an allocation failed: the buffer is unusable */
};

void ike2_w_init(struct ike2_w *w);
void ike2_w_free(struct ike2_w *w);
void ike2_w_put(struct ike2_w *w, const void *data, size_t len);
void ike2_w_u8(struct ike2_w *w, uint8_t v);
void ike2_w_u16(struct ike2_w *w, uint16_t v);
void ike2_w_u32(struct ike2_w *w, uint32_t v);
void ike2_w_u64(struct ike2_w *w, uint64_t v);
/* Writes the IKE header (length patched by ike2_w_finish). */
void ike2_w_hdr(struct ike2_w *w, const struct ike2_hdr *h);
/* Patches the header's length field. */
void ike2_w_finish(struct ike2_w *w);
/* Starts a payload (links it into the chain); returns its offset for ike2_w_end. */
size_t ike2_w_begin(struct ike2_w *w, uint8_t type, bool critical);
void ike2_w_end(struct ike2_w *w, size_t start);

/* Typed payload writers. */
void ike2_w_sa(struct ike2_w *w, const struct cg_proposal *props, const uint8_t *nums, size_t n,
	       uint64_t spi, uint8_t spi_size);
void ike2_w_ke(struct ike2_w *w, uint16_t group, const uint8_t *pub, size_t len);
void ike2_w_nonce(struct ike2_w *w, struct cg_chunk nonce);
void ike2_w_notify(struct ike2_w *w, uint8_t proto, uint16_t type, const uint8_t *spi,
		   uint8_t spi_size, const uint8_t *data, size_t len);
/* Writes an ID payload; *body_off receives the offset of its body (for AUTH). */
void ike2_w_id(struct ike2_w *w, uint8_t type, const struct cg_id *id, size_t *body_off);
void ike2_w_auth(struct ike2_w *w, uint8_t method, const uint8_t *data, size_t len);
/* A CERT or CERTREQ payload (type) with its encoding octet. */
void ike2_w_cert(struct ike2_w *w, uint8_t type, uint8_t encoding, const uint8_t *data,
		 size_t len);
void ike2_w_ts(struct ike2_w *w, uint8_t type, const struct cg_ts *ts, size_t n);
void ike2_w_delete(struct ike2_w *w, uint8_t proto, const uint32_t *spis, size_t n);

const char *ike2_exchange_name(uint8_t exchange);
const char *ike2_notify_name(uint16_t type);
const char *ike2_payload_name(uint8_t type);

/*
 * The IKE SA and its children (ikesa.c, child.c).
 */

enum ike2_state {
	IKE2_ST_INIT_SENT = 0, /* initiator: IKE_SA_INIT request out */
	IKE2_ST_INIT_DONE,     /* responder: IKE_SA_INIT answered, half-open */
	IKE2_ST_AUTH_SENT,     /* initiator: IKE_AUTH request out */
	IKE2_ST_ESTABLISHED,
	IKE2_ST_DELETING,      /* our delete is out */
};

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
	enum ike2_op op;              /* CHILD_ADD, CHILD_REKEY, CHILD_DELETE or IKE_DELETE */
	uint32_t spi_in;              /* CHILD_REKEY, CHILD_DELETE: the child's inbound SPI */
	char child[CG_NAME_MAX];      /* CHILD_ADD: the child config */
	uint32_t trap_reqid;          /* CHILD_ADD: its trap policies' reqid, 0 when none */
	bool has_acquire;             /* CHILD_ADD: acq holds the triggering packet */
	struct cg_kernel_acquire acq;
};

/* One IPv4 and one IPv6 virtual IP per IKE SA. */
#define IKE2_MAX_VIPS 2

/* A virtual IP: ours as initiator, the peer's as responder. */
struct ike2_vip {
	struct cg_addr addr;
	uint8_t prefixlen;            /* as sent in INTERNAL_IP6_ADDRESS */
	char pool[CG_NAME_MAX];       /* responder: the pool it is leased from */
	bool installed;               /* initiator: we put it on an interface */
};

/* What the configuration payload settled for an IKE SA (cp.c). */
struct ike2_cp {
	struct ike2_vip vips[IKE2_MAX_VIPS];
	size_t n_vips;
	struct cg_addr dns[4];        /* initiator: DNS servers received */
	size_t n_dns;
	uint8_t dns_held;             /* bit i: dns[i] is with the resolver */
	struct cg_ts subnets[8];      /* initiator: INTERNAL_IP4/6_SUBNET received */
	size_t n_subnets;
};

struct ike2;

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
	uint16_t peer_sig_hashes;     /* bit n: the peer announced hash algorithm n (RFC 7427) */
	bool peer_certreq;            /* the peer sent a CERTREQ */

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
	cg_timer_id dpd_timer;
	uint64_t last_peer_ms;        /* cg_now_ms of the last authentic message or ESP seen */
	unsigned keyingtry;           /* initiator: which attempt at establishing this is */

	/* IKE SA rekeying (rekey.c) */
	struct ike2_ike_rekey ike_rekey;
	cg_timer_id rekey_timer;
	bool rekeyed;                 /* replaced by another IKE SA: no IKE_DOWN when it goes */

	/* NAT traversal (nat.c) */
	bool nat_local, nat_remote;   /* a NAT in front of us, in front of the peer */
	cg_timer_id keepalive_timer;

	/* INITIAL_CONTACT (contact.c) */
	bool initial_contact;         /* send it in our IKE_AUTH */
	struct ike2_peer_entry *peer_entries[2]; /* in the peer index: by identity, by address */

	/* Configuration payload (cp.c): NULL until one leases or brings something */
	struct ike2_cp *cp;

	/* Fragmentation (frag.c) */
	bool frag_peer;               /* the peer sent IKEV2_FRAGMENTATION_SUPPORTED */
	struct ike2_frags *frags[2];  /* reassembly of a request [0] and a response [1] */
	uint32_t frags_gen;           /* numbers reassembly sets for their timers */
};

/* Outcome of handling a message: keep the SA or destroy it after check-in. */
enum ike2_verdict {
	IKE2_KEEP = 0,
	IKE2_DESTROY = 1,
};

/* A parsed, authenticated message. */
struct ike2_msg {
	struct ike2_hdr h;
	/* pkt: the datagram; for a reassembled message, the one that completed it */
	const struct cg_packet *pkt;
	struct ike2_chain outer;
	struct ike2_chain pl;         /* the payloads that count (inner ones for SK messages) */
	uint8_t *plain;               /* decrypted SK contents (owned) */
};

struct ike2_trap;
struct ike2_peer_entry;

/* Plugin state. */
struct ike2 {
	struct cg_core *core;
	struct cg_bus_sub *sub;
	pthread_mutex_t lock;         /* guards traps and next_child_id */
	struct ike2_trap *traps;
	uint32_t next_child_id;
	unsigned ctl_mask;            /* control commands this plugin registered */
	uint64_t cookie_threshold;    /* half-open SAs from which COOKIEs are demanded */
	uint8_t cookie_secret[32];
	pthread_mutex_t peers_lock;   /* guards peers */
	struct cg_hmap peers;         /* contact.c: established SAs by peer */
};

/* ikesa.c */
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
/* Sends a message, or all the fragments of one, as kept for retransmission. */
int ike2_sa_transmit(struct ike2_sa *sa, struct cg_chunk data);
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

/* sk.c */
/*
 * Wraps inner payloads in an SK payload and completes the message in *out
 * (allocated). When it would be larger than ike2_frag_limit allows, *out
 * holds SKF messages instead, one after the other (each with its length in
 * its header): send them with ike2_sa_transmit.
 */
int ike2_sk_seal(struct ike2_sa *sa, const struct ike2_hdr *h, struct ike2_w *inner,
		 struct cg_chunk *out);
/*
 * Verifies and decrypts the SK payload of msg; fills msg->pl with the inner
 * chain. An SKF payload goes to reassembly: -EAGAIN when the fragment was
 * taken or dropped (and logged), 0 once the message is whole.
 */
int ike2_sk_open(struct ike2_sa *sa, struct ike2_msg *msg);
/*
 * Checks the ICV of pkt and decrypts what follows the IV at iv (inside pkt)
 * up to the ICV; *plain (allocated) gets the contents without padding.
 * -EBADMSG for a bad ICV or padding.
 */
int ike2_sk_decrypt(struct ike2_sa *sa, const struct cg_packet *pkt, const uint8_t *iv,
		    uint8_t **plain, size_t *plain_len);

/* frag.c */
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

/* keys.c */
/* Derives SKEYSEED and the IKE SA keys; sets up the SK contexts. */
int ike2_keys_derive(struct ike2_sa *sa, struct cg_chunk shared);
/* The same for a rekeyed IKE SA: SKEYSEED = prf_old(SK_d old, g^ir | Ni | Nr) (2.18). */
int ike2_keys_derive_rekey(struct ike2_sa *sa, const struct cg_prf_alg *old_prf,
			   struct cg_chunk old_sk_d, struct cg_chunk shared);
/* Child key material: prf+(SK_d, [g^ir |] Ni | Nr), len bytes into out. */
int ike2_keys_child(struct ike2_sa *sa, struct cg_chunk shared, struct cg_chunk ni,
		    struct cg_chunk nr, uint8_t *out, size_t len);
/* AUTH for PSK (RFC 7296 2.15); out holds prf->out_size bytes. */
int ike2_auth_psk(struct ike2_sa *sa, bool of_initiator, struct cg_chunk psk,
		  const uint8_t *id_body, size_t id_len, uint8_t *out);
/* Bytes of ESP integrity key material for an algorithm (encryption: cg_encr_key_size). */
size_t ike2_esp_integ_keysize(uint16_t alg);

/* init.c */
/* Looks up the algorithms of a chosen IKE proposal. */
int ike2_sa_set_algorithms(struct ike2_sa *sa, const struct cg_proposal *sel);
int ike2_initiate(struct ike2 *p, const char *conn_name, const char *child_name,
		  const struct cg_kernel_acquire *acq, uint32_t trap_reqid);
/* The same as attempt number attempt (keyingtries; 1 is the first). */
int ike2_initiate_try(struct ike2 *p, const char *conn_name, const char *child_name,
		      const struct cg_kernel_acquire *acq, uint32_t trap_reqid, unsigned attempt);
void ike2_init_respond(struct ike2 *p, const struct ike2_msg *msg);
enum ike2_verdict ike2_init_response(struct ike2_sa *sa, const struct ike2_msg *msg);

/* pubkey.c */
/* Fills in a DN identity's missing half: DER from its text, or text from its DER. */
int ike2_id_complete(struct cg_core *core, struct cg_id *id);
/* %any or a wildcard ("*.example.org", "CN=*"): something to match, not to send. */
bool ike2_id_is_pattern(const struct cg_id *id);
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

/* auth.c */
int ike2_auth_send(struct ike2_sa *sa);
enum ike2_verdict ike2_auth_request(struct ike2_sa *sa, const struct ike2_msg *msg);
enum ike2_verdict ike2_auth_response(struct ike2_sa *sa, const struct ike2_msg *msg);

/* child.c */
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
/* Where c's inbound or outbound SA lives (cg_child_sa_hosts); -EINVAL, id untouched, if nowhere. */
int ike2_child_sa_id(const struct ike2_sa *sa, const struct ike2_child *c, bool inbound,
		     struct cg_kernel_sa_id *id);
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
/* Intersections of their selectors with ours, widest kept; the count. */
size_t ike2_ts_narrow(const struct cg_ts *theirs, size_t n_theirs, const struct cg_ts *ours,
		      size_t n_ours, struct cg_ts *out);
/* Each selector got lies within one sent (or within first, when has_first). */
bool ike2_ts_within(const struct cg_ts *got, size_t n_got, const struct cg_ts *sent,
		    size_t n_sent, const struct cg_ts *first, bool has_first);
/* Resolves config selectors ("dynamic" becomes addr). */
size_t ike2_ts_resolve(const struct cg_ts_cfg *cfg, size_t n, const struct cg_addr *addr,
		       struct cg_ts *out, size_t max);

/* info.c */
enum ike2_verdict ike2_info_request(struct ike2_sa *sa, const struct ike2_msg *msg);
enum ike2_verdict ike2_info_response(struct ike2_sa *sa, const struct ike2_msg *msg);
/* Sends a delete for the IKE SA (or queues it). */
int ike2_info_delete_ike(struct ike2_sa *sa);
/* Sends a delete for a child (by inbound SPI) and removes it. */
int ike2_info_delete_child(struct ike2_sa *sa, uint32_t spi_in);

/* create.c */
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
int ike2_offer_renew(struct ike2_sa *sa, uint16_t group, struct cg_chunk *nonce,
		     const struct cg_ke_alg **ke, void **ke_ctx, struct cg_chunk *pub);
/* The group an INVALID_KE_PAYLOAD in msg asks for when props offer it and it is not
 * current; CG_KE_NONE otherwise. */
uint16_t ike2_ke_retry_group(const struct ike2_msg *msg, const struct cg_proposal *props,
			     size_t n, uint16_t current);

/* addchild.c */
/*
 * Negotiates child_name of conn_name with CREATE_CHILD_SA on an established
 * IKE SA of that connection, queued behind an exchange under way; -ENOENT
 * when none is established (initiate a new IKE SA then).
 */
int ike2_addchild_start(struct ike2 *p, const char *conn_name, const char *child_name,
			const struct cg_kernel_acquire *acq, uint32_t trap_reqid);
/* The child on its connection's established IKE SA if there is one, else a new IKE SA. */
int ike2_initiate_child(struct ike2 *p, const char *conn_name, const char *child_name,
			const struct cg_kernel_acquire *acq, uint32_t trap_reqid);
/* Queued work of kind IKE2_OP_CHILD_ADD: sends its request now. */
void ike2_addchild_run(struct ike2_sa *sa, const struct ike2_work *w);
/* The response to our CREATE_CHILD_SA for a new child. */
enum ike2_verdict ike2_addchild_response(struct ike2_sa *sa, const struct ike2_msg *msg);
/* rekey.c */
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
int ike2_nonce_cmp(struct cg_chunk a, struct cg_chunk b);
/* The `rekey` control command. */
int ike2_ctl_rekey(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out);

/* nat.c */
/* Writes NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for an IKE_SA_INIT message. */
void ike2_nat_write(struct ike2_sa *sa, struct ike2_w *w);
/* Compares the peer's NAT detection notifies with the addresses msg came by. */
void ike2_nat_detect(struct ike2_sa *sa, const struct ike2_msg *msg);
/* Initiator: moves to the NAT-T port after IKE_SA_INIT when a NAT was seen (or encap). */
void ike2_nat_float(struct ike2_sa *sa);
/* Takes the peer's new address from an authentic message (2.23). */
void ike2_nat_update(struct ike2_sa *sa, const struct ike2_msg *msg);
/* UDP encapsulation ports for the SA's children (0 when none). */
void ike2_nat_encap_ports(const struct ike2_sa *sa, uint16_t *local, uint16_t *remote);
/* Starts NAT keepalives when we are behind a NAT. */
void ike2_nat_arm_keepalive(struct ike2_sa *sa);

/* cookie.c */
int ike2_cookie_setup(struct ike2 *p);
/* Plugin section `ike2:` (cookie_threshold). */
int ike2_config_check(const struct cg_cfg_node *section, struct cg_cfg_errors *errs);
/*
 * Responder: true when msg may create state. Otherwise a COOKIE was sent
 * (above the threshold, without a valid cookie in msg).
 */
bool ike2_cookie_admit(struct ike2 *p, const struct ike2_msg *msg);

/* contact.c */
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
/* The rekeyed SA sa takes old's place in the peer index. */
void ike2_contact_replace(struct ike2_sa *old, struct ike2_sa *sa);
/* The peer index, empty; and its end (after every SA went down). */
int ike2_contact_setup(struct ike2 *p);
void ike2_contact_cleanup(struct ike2 *p);

/* cp.c */
/* Initiator: CP(CFG_REQUEST) for the connection's vips (nothing when it has none). */
void ike2_cp_write_request(struct ike2_sa *sa, struct ike2_w *w);
/*
 * Responder: leases addresses for a CFG_REQUEST and writes CP(CFG_REPLY),
 * or the error notify; false when no child may be created.
 */
bool ike2_cp_respond(struct ike2_sa *sa, const struct ike2_msg *msg, struct ike2_w *w);
/*
 * Initiator: takes the CFG_REPLY and installs the addresses. False when we
 * asked for addresses and got none: the pending child is dropped and the
 * IKE SA is being deleted.
 */
bool ike2_cp_complete(struct ike2_sa *sa, const struct ike2_msg *msg);
/* Selectors of one side; "dynamic" is that side's virtual IPs when it has (or asks for) them. */
size_t ike2_cp_ts_resolve(const struct ike2_sa *sa, bool local, const struct cg_ts_cfg *cfg,
			  size_t n, struct cg_ts *out, size_t max);
/* Hands the virtual IPs to the SA that replaces from (IKE SA rekeying). */
void ike2_cp_move(struct ike2_sa *from, struct ike2_sa *to);
/* Removes the addresses we installed and returns the leases (IKE SA down). */
void ike2_cp_release(struct ike2_sa *sa);
/*
 * Initiator with virtual IPs, tunnel mode: routes to the child's remote
 * selectors from the virtual IP (up), or removes them (down).
 */
void ike2_cp_routes(struct ike2_sa *sa, struct ike2_child *c, bool up);
/* list-sas: local-vips or remote-vips, dns, subnets. */
void ike2_cp_describe(const struct ike2_sa *sa, struct cg_out *out);

/* conn.c */
/* Our identity for a conn: the configured one or our IP address. */
int ike2_conn_local_id(const struct cg_conn_cfg *conn, const struct cg_addr *local,
		       struct cg_id *id);
/* Endpoints for initiating conn; ports filled in. */
int ike2_conn_endpoints(struct ike2 *p, const struct cg_conn_cfg *conn, struct cg_addr *local,
			struct cg_addr *remote);
/* cg_conn_ike_proposals with the plugin's core. */
size_t ike2_conn_ike_proposals(struct ike2 *p, const struct cg_conn_cfg *conn,
			       struct cg_proposal *out, size_t max);

/* plugin.c */
uint32_t ike2_next_child_id(struct ike2 *p);
/* A trapped child was negotiated (or failed): acquires for reqid trigger again. */
void ike2_trap_done(struct ike2 *p, uint32_t reqid);
/* The reqid of the trap policies installed for conn/child, 0 when none. */
uint32_t ike2_trap_reqid(struct ike2 *p, const char *conn, const char *child);
/* Installs trap policies for a child config (start_action, close_action, dpd_action: trap). */
int ike2_trap_install(struct ike2 *p, const struct cg_conn_cfg *conn,
		      const struct cg_child_cfg *cc);

/* dpd.c */
/* 0: a liveness check is due; else ms until one may be (inbound IKE or ESP seen lately). */
uint64_t ike2_dpd_wait(struct ike2_sa *sa);
/* Tears the SA down, then applies its children's dpd_action (dpd) or close_action. */
void ike2_sa_down_action(struct ike2_sa *sa, bool dpd);
/* Another child of the same name and reqid exists: c was rekeyed. */
bool ike2_child_replaced(struct ike2_sa *sa, const struct ike2_child *c);
/* The peer deleted the child name: its close_action. */
void ike2_child_closed(struct ike2_sa *sa, const char *name);
/* Initiator: establishing timed out; schedules the next attempt when keyingtries allows. */
bool ike2_retry_establish(struct ike2_sa *sa);

/* ctl.c */
int ike2_ctl_register(struct ike2 *p);
void ike2_ctl_unregister(struct ike2 *p);
void ike2_sa_describe(void *data, struct cg_out *out);

#endif
