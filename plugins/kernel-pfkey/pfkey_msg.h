/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PF_KEY v2 wire format (RFC 2367 with the Linux/KAME extensions): one
 * parser and one encoder. Nothing here touches a socket or the core, so
 * the unit tests and the fuzz target drive it directly.
 *
 * The parser checks every length before it is used and rejects with a
 * static reason (for the caller's log line); the getters copy fields out
 * of the borrowed datagram, so nothing is ever read through a misaligned
 * pointer.
 */
#ifndef PFKEY_MSG_H
#define PFKEY_MSG_H

#include <linux/ipsec.h>
#include <linux/pfkeyv2.h>

#include <cygnet/kernel.h>

/* Largest datagram we build or read (af_key's own messages stay far below). */
#define PFK_MSG_MAX 65536

/* A parsed message: a copy of the header and where each extension lies. */
struct pfk_msg {
	struct sadb_msg hdr;
	const uint8_t *ext[SADB_EXT_MAX + 1]; /* borrowed from the datagram; NULL when absent */
	size_t ext_len[SADB_EXT_MAX + 1];     /* bytes, header included */
};

/* Mask bit for an extension type, for pfk_msg_require. */
#define PFK_EXT(t) (UINT32_C(1) << (t))

/*
 * Parses one datagram. Borrows buf for as long as msg is used. 0, or
 * -EBADMSG with *why naming the first problem found.
 */
int pfk_msg_parse(const void *buf, size_t len, struct pfk_msg *msg, const char **why);
/* 0 when every extension in mask is present; else -EBADMSG, *why names one. */
int pfk_msg_require(const struct pfk_msg *msg, uint32_t mask, const char **why);
/* "SADB_ACQUIRE", ...; "SADB_?" for unknown types. */
const char *pfk_msg_type_name(uint8_t type);

/* Getters: 0, -ENOENT when the extension is absent, -EBADMSG when malformed. */
int pfk_get_sa(const struct pfk_msg *msg, struct sadb_sa *out);
int pfk_get_sa2(const struct pfk_msg *msg, struct sadb_x_sa2 *out);
int pfk_get_lifetime(const struct pfk_msg *msg, uint16_t type, struct sadb_lifetime *out);
/* An address extension; addr->port carries sin_port in host order. */
int pfk_get_addr(const struct pfk_msg *msg, uint16_t type, struct cg_addr *addr,
		 uint8_t *prefixlen, uint8_t *proto);
/* A NAT-T port extension, host byte order. */
int pfk_get_natt_port(const struct pfk_msg *msg, uint16_t type, uint16_t *port);
/* KMADDRESS: the key manager's local and remote addresses. */
int pfk_get_kmaddress(const struct pfk_msg *msg, struct cg_addr *local, struct cg_addr *remote);

/* One sadb_x_ipsecrequest, decoded. */
struct pfk_request {
	uint8_t proto;      /* IPPROTO_ESP, IPPROTO_AH, ... */
	uint8_t mode;       /* IPSEC_MODE_* */
	uint8_t level;      /* IPSEC_LEVEL_* */
	uint32_t reqid;
	bool has_addrs;     /* an address pair follows (tunnel mode, migrate) */
	struct cg_addr src, dst;
};

#define PFK_MAX_REQUESTS (2 * CG_MIGRATE_MAX)

/* The policy extension with its requests. */
struct pfk_policy {
	uint16_t type;      /* IPSEC_POLICY_* */
	uint8_t dir;        /* IPSEC_DIR_* */
	uint32_t id;        /* the kernel's policy index */
	uint32_t priority;
	size_t n_req;
	struct pfk_request req[PFK_MAX_REQUESTS];
};

int pfk_get_policy(const struct pfk_msg *msg, struct pfk_policy *out, const char **why);

/*
 * Encoder. Extensions are appended in call order; pfk_buf_finish writes
 * the length into the header. Overflow is sticky and reported there.
 */
struct pfk_buf {
	uint64_t words[PFK_MSG_MAX / 8]; /* 8-byte aligned, as PF_KEY counts in words */
	size_t len;                      /* bytes used */
	bool overflow;
	size_t policy_at;                /* offset of the open policy extension, 0 when none */
};

void pfk_buf_init(struct pfk_buf *b, uint8_t type, uint8_t satype, uint32_t seq, uint32_t pid);
/* Sets sadb_msg_len; 0, or -EMSGSIZE when something did not fit. */
int pfk_buf_finish(struct pfk_buf *b);
/* The message bytes (valid after pfk_buf_finish). */
static inline const uint8_t *pfk_buf_data(const struct pfk_buf *b)
{
	return (const uint8_t *)b->words;
}
/* Wipes the buffer (it held key material). */
void pfk_buf_wipe(struct pfk_buf *b);

void pfk_put_sa(struct pfk_buf *b, uint32_t spi, uint8_t replay, uint8_t auth, uint8_t encrypt);
void pfk_put_sa2(struct pfk_buf *b, uint8_t mode, uint32_t reqid);
void pfk_put_addr(struct pfk_buf *b, uint16_t type, const struct cg_addr *addr, uint16_t port,
		  uint8_t prefixlen, uint8_t proto);
/* A key extension of len bytes (copied; bits = 8 * len). */
void pfk_put_key(struct pfk_buf *b, uint16_t type, const uint8_t *key, size_t len);
void pfk_put_lifetime(struct pfk_buf *b, uint16_t type, uint32_t packets, uint64_t bytes,
		      uint64_t addtime, uint64_t usetime);
void pfk_put_spirange(struct pfk_buf *b, uint32_t min, uint32_t max);
/* NAT-T: encapsulation type (UDP_ENCAP_ESPINUDP) and ports in host order. */
void pfk_put_natt(struct pfk_buf *b, uint8_t type, uint16_t sport, uint16_t dport);
/* One NAT-T port extension (SPORT or DPORT), host byte order. */
void pfk_put_natt_port(struct pfk_buf *b, uint16_t type, uint16_t port);
void pfk_put_kmaddress(struct pfk_buf *b, const struct cg_addr *local, const struct cg_addr *remote);
/* Opens a policy extension; requests added next belong to it. */
void pfk_put_policy(struct pfk_buf *b, uint16_t type, uint8_t dir, uint32_t id, uint32_t priority);
/* Appends a request to the open policy, with its address pair when rq->has_addrs. */
void pfk_put_request(struct pfk_buf *b, const struct pfk_request *rq);

#endif
