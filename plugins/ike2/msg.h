/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * msg.c: the IKEv2 wire codec (RFC 7296 3): protocol numbers, the header,
 * the payload chain, a parser and a writer for each payload type, and the
 * parsed message the exchanges work on.
 */
#ifndef IKE2_MSG_H
#define IKE2_MSG_H

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
	IKE2_N_UNACCEPTABLE_ADDRESSES = 40,   /* RFC 4555 */
	IKE2_N_UNEXPECTED_NAT_DETECTED = 41,
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
	IKE2_N_MOBIKE_SUPPORTED = 16396,      /* RFC 4555 */
	IKE2_N_ADDITIONAL_IP4_ADDRESS = 16397,
	IKE2_N_ADDITIONAL_IP6_ADDRESS = 16398,
	IKE2_N_NO_ADDITIONAL_ADDRESSES = 16399,
	IKE2_N_UPDATE_SA_ADDRESSES = 16400,
	IKE2_N_COOKIE2 = 16401,
	IKE2_N_NO_NATS_ALLOWED = 16402,
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

/* Our nonces; limits of what one message may hold. */
#define IKE2_NONCE_LEN 32
#define IKE2_MAX_PAYLOADS 48
#define IKE2_MAX_PROPOSALS 16
#define IKE2_MAX_TS 16

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
/* The length field of the header at data; 0 when len is shorter than a header. */
uint32_t ike2_hdr_length(const uint8_t *data, size_t len);
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
/* A notify's SPI when it has 4 bytes (REKEY_SA: an ESP or AH SPI); false otherwise. */
bool ike2_notify_spi(const struct ike2_notify *n, uint32_t *spi);
/* The group an INVALID_KE_PAYLOAD notify asks for; CG_KE_NONE when its data is no group. */
uint16_t ike2_notify_ke_group(const struct ike2_notify *n);
/* SIGNATURE_HASH_ALGORITHMS (RFC 7427 4): bit n set for each listed hash algorithm n < 16. */
uint16_t ike2_notify_hashes(const struct ike2_notify *n);

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
/*
 * The data of AUTH method DIGITAL_SIGNATURE (RFC 7427 3): one length octet,
 * the AlgorithmIdentifier, the signature; borrowed. -EBADMSG when it does not fit.
 */
int ike2_auth_sig_parse(const struct ike2_auth *a, struct cg_chunk *alg_id,
			struct cg_chunk *sig);
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
/* SPI i (< n_spis) of a delete whose spi_size is 4. */
uint32_t ike2_delete_spi(const struct ike2_delete *d, size_t i);

/* CP payload (RFC 7296 3.15): configuration types. */
enum {
	IKE2_CFG_REQUEST = 1,
	IKE2_CFG_REPLY = 2,
	IKE2_CFG_SET = 3,
	IKE2_CFG_ACK = 4,
};

/* Configuration attributes (3.15.1), the INTERNAL_ ones. */
enum {
	IKE2_CFG_IP4_ADDRESS = 1,
	IKE2_CFG_IP4_NETMASK = 2,
	IKE2_CFG_IP4_DNS = 3,
	IKE2_CFG_IP6_ADDRESS = 8,
	IKE2_CFG_IP6_DNS = 10,
	IKE2_CFG_IP4_SUBNET = 13,
	IKE2_CFG_IP6_SUBNET = 15,
};

#define IKE2_CFG_MAX_ATTRS 32

struct ike2_cfg_attr {
	uint16_t type;                /* without the reserved bit */
	const uint8_t *value;         /* borrowed from the message */
	uint16_t len;
};

struct ike2_cfg {
	uint8_t type;                 /* IKE2_CFG_REQUEST ... */
	struct ike2_cfg_attr attrs[IKE2_CFG_MAX_ATTRS];
	size_t n;                     /* attributes kept; more are checked but dropped */
};
/*
 * Parses a CP payload; -EBADMSG when an attribute does not fit or an address
 * attribute is neither empty nor exactly one value.
 */
int ike2_cfg_parse(const struct ike2_pl *pl, struct ike2_cfg *cfg);
/* The address in a non-empty address attribute, of family (IPv6 forms end in a prefix length). */
struct cg_addr ike2_cfg_attr_addr(const struct ike2_cfg_attr *a, sa_family_t family);
/*
 * A non-empty INTERNAL_IP4_SUBNET (address and netmask) or _IP6_SUBNET
 * (address and prefix length); false for a netmask that is not contiguous.
 */
bool ike2_cfg_attr_subnet(const struct ike2_cfg_attr *a, struct cg_addr *net,
			  uint8_t *prefixlen);

/* SKF payload (RFC 7383 2.5): which fragment, and where its IV starts. */
struct ike2_skf {
	uint16_t num, total;
	const uint8_t *iv;            /* borrowed from the message */
};
int ike2_skf_parse(const struct ike2_pl *pl, struct ike2_skf *f);

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
/* N(SIGNATURE_HASH_ALGORITHMS) listing n hash algorithms (RFC 7427 4). */
void ike2_w_notify_hashes(struct ike2_w *w, const uint16_t *hashes, size_t n);
/* Writes an ID payload; *body_off receives the offset of its body (for AUTH). */
void ike2_w_id(struct ike2_w *w, uint8_t type, const struct cg_id *id, size_t *body_off);
void ike2_w_auth(struct ike2_w *w, uint8_t method, const uint8_t *data, size_t len);
/* A CERT or CERTREQ payload (type) with its encoding octet. */
void ike2_w_cert(struct ike2_w *w, uint8_t type, uint8_t encoding, const uint8_t *data,
		 size_t len);
void ike2_w_ts(struct ike2_w *w, uint8_t type, const struct cg_ts *ts, size_t n);
void ike2_w_delete(struct ike2_w *w, uint8_t proto, const uint32_t *spis, size_t n);
/* Starts a CP payload of a configuration type (end it with ike2_w_end); its offset. */
size_t ike2_w_cfg(struct ike2_w *w, uint8_t cfg_type);
void ike2_w_cfg_attr(struct ike2_w *w, uint16_t type, const void *value, uint16_t len);
/* An address attribute; with_prefix appends the prefix length (IPv6 forms). */
void ike2_w_cfg_addr(struct ike2_w *w, uint16_t type, const struct cg_addr *a, bool with_prefix,
		     uint8_t prefixlen);
/* INTERNAL_IP4_SUBNET (with a netmask) or INTERNAL_IP6_SUBNET, by net's family. */
void ike2_w_cfg_subnet(struct ike2_w *w, const struct cg_addr *net, uint8_t prefixlen);

const char *ike2_exchange_name(uint8_t exchange);
const char *ike2_notify_name(uint16_t type);
const char *ike2_payload_name(uint8_t type);

/* A parsed, authenticated message. */
struct ike2_msg {
	struct ike2_hdr h;
	/* pkt: the datagram; for a reassembled message, the one that completed it */
	const struct cg_packet *pkt;
	struct ike2_chain outer;
	struct ike2_chain pl;         /* the payloads that count (inner ones for SK messages) */
	uint8_t *plain;               /* decrypted SK contents (owned) */
};

#endif
