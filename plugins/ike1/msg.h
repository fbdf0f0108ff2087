/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * msg.c: the ISAKMP codec (RFC 2408, RFC 2409, the IPsec DOI of RFC 2407):
 * the header, the payload chain, and the payloads Main and Quick Mode use,
 * each read with its bounds checked. Pure functions of bytes, no SA state.
 */
#ifndef IKE1_MSG_H
#define IKE1_MSG_H

#include <cygnet/cygnet.h>

/* Exchange types (RFC 2408 3.1). */
enum {
	IKE1_EXCH_MAIN = 2,          /* Identity Protection */
	IKE1_EXCH_AGGRESSIVE = 4,
	IKE1_EXCH_INFO = 5,
	IKE1_EXCH_QUICK = 32,
};

/* Header flags. */
#define IKE1_FLAG_E 0x01 /* encrypted */
#define IKE1_FLAG_C 0x02 /* commit */

/* Payload types (RFC 2408 3.1, RFC 3947). */
enum {
	IKE1_PL_NONE = 0,
	IKE1_PL_SA = 1,
	IKE1_PL_P = 2,
	IKE1_PL_T = 3,
	IKE1_PL_KE = 4,
	IKE1_PL_ID = 5,
	IKE1_PL_CERT = 6,
	IKE1_PL_CR = 7,
	IKE1_PL_HASH = 8,
	IKE1_PL_SIG = 9,
	IKE1_PL_NONCE = 10,
	IKE1_PL_N = 11,
	IKE1_PL_D = 12,
	IKE1_PL_VID = 13,
	IKE1_PL_NATD = 20,
	IKE1_PL_NATOA = 21,
};

/* Notify types (RFC 2408 3.14.1, RFC 2407 4.6.3). */
enum {
	IKE1_N_INVALID_PAYLOAD_TYPE = 1,
	IKE1_N_NO_PROPOSAL_CHOSEN = 14,
	IKE1_N_PAYLOAD_MALFORMED = 16,
	IKE1_N_INVALID_KEY_INFORMATION = 17,
	IKE1_N_INVALID_ID_INFORMATION = 18,
	IKE1_N_INVALID_HASH_INFORMATION = 23,
	IKE1_N_AUTHENTICATION_FAILED = 24,
	IKE1_N_RESPONDER_LIFETIME = 24576,
	IKE1_N_INITIAL_CONTACT = 24578,
};

/* Protocol IDs in proposals, notifies and deletes. */
#define IKE1_PROTO_ISAKMP 1
#define IKE1_PROTO_AH 2
#define IKE1_PROTO_ESP 3

/* Phase 1 attributes (RFC 2409 Appendix A). */
enum {
	IKE1_A_ENCR = 1,
	IKE1_A_HASH = 2,
	IKE1_A_AUTH = 3,
	IKE1_A_GROUP = 4,
	IKE1_A_LIFE_TYPE = 11,
	IKE1_A_LIFE_DURATION = 12,
	IKE1_A_KEY_LENGTH = 14,
};

/* Phase 1 values. */
#define IKE1_ENCR_3DES 5
#define IKE1_ENCR_AES_CBC 7
#define IKE1_HASH_MD5 1
#define IKE1_HASH_SHA1 2
#define IKE1_HASH_SHA2_256 4
#define IKE1_HASH_SHA2_384 5
#define IKE1_HASH_SHA2_512 6
#define IKE1_AUTH_PSK 1
#define IKE1_LIFE_SECONDS 1
#define IKE1_LIFE_KILOBYTES 2

/* IPsec DOI attributes (RFC 2407 4.5). */
enum {
	IKE1_QA_LIFE_TYPE = 1,
	IKE1_QA_LIFE_DURATION = 2,
	IKE1_QA_GROUP = 3,
	IKE1_QA_MODE = 4,
	IKE1_QA_AUTH = 5,
	IKE1_QA_KEY_LENGTH = 6,
};

#define IKE1_MODE_TUNNEL 1
#define IKE1_MODE_TRANSPORT 2

/* ID types (RFC 2407 4.6.2.1). */
enum {
	IKE1_ID_IPV4_ADDR = 1,
	IKE1_ID_FQDN = 2,
	IKE1_ID_USER_FQDN = 3,
	IKE1_ID_IPV4_SUBNET = 4,
	IKE1_ID_IPV6_ADDR = 5,
	IKE1_ID_IPV6_SUBNET = 6,
	IKE1_ID_IPV4_RANGE = 7,
	IKE1_ID_IPV6_RANGE = 8,
	IKE1_ID_DER_ASN1_DN = 9,
};

#define IKE1_MAX_PAYLOADS 32
#define IKE1_MAX_PROPOSALS 32

struct ike1_hdr {
	uint64_t ci, cr;  /* the cookies, read as big-endian numbers */
	uint8_t next;
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint32_t mid;
	uint32_t len;
};

/* One payload: its type and body (after the 4-byte generic header). */
struct ike1_pl {
	uint8_t type;
	const uint8_t *hdr;     /* the generic header */
	const uint8_t *body;
	size_t len;             /* of the body */
};

struct ike1_chain {
	struct ike1_pl pl[IKE1_MAX_PAYLOADS];
	size_t n;
	size_t used;            /* bytes the payloads cover (the rest is padding) */
};

/* A phase 1 or phase 2 choice read from an SA payload: one transform of one proposal. */
struct ike1_offer {
	struct cg_proposal p;   /* one transform of each type */
	uint8_t proposal_num, transform_num;
	uint32_t spi;           /* phase 2 */
	uint16_t auth;          /* phase 1 authentication method */
	uint8_t mode;           /* phase 2 encapsulation mode, 0 when absent */
	uint64_t life_secs, life_kb;
	const uint8_t *raw;     /* the transform payload (with header), for the answer */
	size_t raw_len;
	bool usable;            /* every attribute understood */
};

/* Parses and checks the header: length matches len, version 1.x. 0 or -EINVAL. */
int ike1_hdr_parse(const uint8_t *data, size_t len, struct ike1_hdr *h);
/*
 * Parses the payload chain starting with type first. Trailing bytes after
 * the last payload are refused unless padding (a decrypted body) is allowed.
 */
int ike1_chain_parse(uint8_t first, const uint8_t *data, size_t len, bool padding,
		     struct ike1_chain *c);
/* The first payload of a type, or NULL; ike1_chain_count counts them. */
const struct ike1_pl *ike1_chain_find(const struct ike1_chain *c, uint8_t type);
size_t ike1_chain_count(const struct ike1_chain *c, uint8_t type);

/*
 * Phase 1 SA payload (DOI IPsec, SIT_IDENTITY_ONLY, one ISAKMP proposal):
 * each transform as an offer. 0 or -EINVAL for a malformed payload.
 */
int ike1_sa_parse(const struct ike1_pl *pl, bool phase2, struct ike1_offer *out, size_t max,
		  size_t *n);

/* Notify: protocol, SPI and type; data after the SPI. */
struct ike1_notify {
	uint8_t proto;
	uint16_t type;
	const uint8_t *spi;
	size_t spi_len;
	const uint8_t *data;
	size_t len;
};
int ike1_notify_parse(const struct ike1_pl *pl, struct ike1_notify *n);

/* Delete: protocol, SPI size and the SPIs. */
struct ike1_delete {
	uint8_t proto;
	uint8_t spi_size;
	uint16_t n;
	const uint8_t *spis;
};
int ike1_delete_parse(const struct ike1_pl *pl, struct ike1_delete *d);

/* A phase 2 ID as a selector (address, subnet or range; protocol and port). -EINVAL otherwise. */
int ike1_id_to_ts(const struct ike1_pl *pl, struct cg_ts *ts);
/* A phase 1 ID as an identity. */
int ike1_id_to_id(const struct ike1_pl *pl, struct cg_id *id);

/* The message writer: a growable buffer with payload chaining. */
struct ike1_w {
	uint8_t *buf;
	size_t len, cap;
	size_t next_at;         /* offset of the "next payload" byte to fill */
	size_t body_at;         /* where the payloads start (after the header) */
	bool failed;
};

void ike1_w_init(struct ike1_w *w, const struct ike1_hdr *h);
void ike1_w_free(struct ike1_w *w);
/* Appends len bytes (or zeros when data is NULL); their offset. */
size_t ike1_w_put(struct ike1_w *w, const void *data, size_t len);
/* Starts a payload of type: chains it and writes the generic header; its offset. */
size_t ike1_w_begin(struct ike1_w *w, uint8_t type);
/* Ends the payload started at off: fills its length. */
void ike1_w_end(struct ike1_w *w, size_t off);
/* A whole payload of type with body. */
void ike1_w_payload(struct ike1_w *w, uint8_t type, const void *body, size_t len);
/* One attribute: TV when the value fits 16 bits and tlv is false, else TLV (4 bytes). */
void ike1_w_attr(struct ike1_w *w, uint16_t type, uint32_t value, bool tlv);
/* Notify payload. */
void ike1_w_notify(struct ike1_w *w, uint8_t proto, uint16_t type, const void *spi,
		   size_t spi_len, const void *data, size_t len);
/* Delete payload with one SPI. */
void ike1_w_delete(struct ike1_w *w, uint8_t proto, const void *spi, size_t spi_len);
/* Phase 2 ID for a selector (an address for a single host, a subnet or a range). */
void ike1_w_id_ts(struct ike1_w *w, const struct cg_ts *ts);
/* Phase 1 ID (protocol and port 0, as charon sends it). */
void ike1_w_id(struct ike1_w *w, const struct cg_id *id);
/* Fills the header's length field; the message as a chunk (owned by w). */
struct cg_chunk ike1_w_finish(struct ike1_w *w);

/* Phase 1 transform IDs to cygnet's IKEv2-numbered ones and back; 0 when unknown. */
uint16_t ike1_encr_from(uint16_t v1);
uint16_t ike1_encr_to(uint16_t v2);
uint16_t ike1_hash_to_prf(uint16_t hash);
uint16_t ike1_hash_to_integ(uint16_t hash);
uint16_t ike1_hash_from_integ(uint16_t integ);
/* IPsec DOI authentication algorithm to/from IKEv2 integrity IDs; 0 when unknown. */
uint16_t ike1_qauth_to_integ(uint16_t a);
uint16_t ike1_qauth_from_integ(uint16_t integ);

const char *ike1_exchange_name(uint8_t exchange);
const char *ike1_notify_name(uint16_t type);

#endif
