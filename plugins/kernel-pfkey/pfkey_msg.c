/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* PF_KEY v2 messages: the parser, the extension getters and the encoder. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "pfkey_msg.h"

#define WORD 8u

static size_t align8(size_t n)
{
	return (n + WORD - 1) & ~(size_t)(WORD - 1);
}

/* Smallest valid size of each known extension, in bytes. */
static const uint8_t ext_min_len[SADB_EXT_MAX + 1] = {
	[SADB_EXT_SA] = sizeof(struct sadb_sa),
	[SADB_EXT_LIFETIME_CURRENT] = sizeof(struct sadb_lifetime),
	[SADB_EXT_LIFETIME_HARD] = sizeof(struct sadb_lifetime),
	[SADB_EXT_LIFETIME_SOFT] = sizeof(struct sadb_lifetime),
	[SADB_EXT_ADDRESS_SRC] = sizeof(struct sadb_address),
	[SADB_EXT_ADDRESS_DST] = sizeof(struct sadb_address),
	[SADB_EXT_ADDRESS_PROXY] = sizeof(struct sadb_address),
	[SADB_EXT_KEY_AUTH] = sizeof(struct sadb_key),
	[SADB_EXT_KEY_ENCRYPT] = sizeof(struct sadb_key),
	[SADB_EXT_IDENTITY_SRC] = sizeof(struct sadb_ident),
	[SADB_EXT_IDENTITY_DST] = sizeof(struct sadb_ident),
	[SADB_EXT_SENSITIVITY] = sizeof(struct sadb_sens),
	[SADB_EXT_PROPOSAL] = sizeof(struct sadb_prop),
	[SADB_EXT_SUPPORTED_AUTH] = sizeof(struct sadb_supported),
	[SADB_EXT_SUPPORTED_ENCRYPT] = sizeof(struct sadb_supported),
	[SADB_EXT_SPIRANGE] = sizeof(struct sadb_spirange),
	[SADB_X_EXT_KMPRIVATE] = sizeof(struct sadb_x_kmprivate),
	[SADB_X_EXT_POLICY] = sizeof(struct sadb_x_policy),
	[SADB_X_EXT_SA2] = sizeof(struct sadb_x_sa2),
	[SADB_X_EXT_NAT_T_TYPE] = sizeof(struct sadb_x_nat_t_type),
	[SADB_X_EXT_NAT_T_SPORT] = sizeof(struct sadb_x_nat_t_port),
	[SADB_X_EXT_NAT_T_DPORT] = sizeof(struct sadb_x_nat_t_port),
	[SADB_X_EXT_NAT_T_OA] = sizeof(struct sadb_address),
	[SADB_X_EXT_SEC_CTX] = sizeof(struct sadb_x_sec_ctx),
	[SADB_X_EXT_KMADDRESS] = sizeof(struct sadb_x_kmaddress),
	[SADB_X_EXT_FILTER] = sizeof(struct sadb_x_filter),
};

const char *pfk_msg_type_name(uint8_t type)
{
	static const char *const names[SADB_MAX + 1] = {
		[SADB_GETSPI] = "SADB_GETSPI", [SADB_UPDATE] = "SADB_UPDATE",
		[SADB_ADD] = "SADB_ADD", [SADB_DELETE] = "SADB_DELETE",
		[SADB_GET] = "SADB_GET", [SADB_ACQUIRE] = "SADB_ACQUIRE",
		[SADB_REGISTER] = "SADB_REGISTER", [SADB_EXPIRE] = "SADB_EXPIRE",
		[SADB_FLUSH] = "SADB_FLUSH", [SADB_DUMP] = "SADB_DUMP",
		[SADB_X_PROMISC] = "SADB_X_PROMISC", [SADB_X_PCHANGE] = "SADB_X_PCHANGE",
		[SADB_X_SPDUPDATE] = "SADB_X_SPDUPDATE", [SADB_X_SPDADD] = "SADB_X_SPDADD",
		[SADB_X_SPDDELETE] = "SADB_X_SPDDELETE", [SADB_X_SPDGET] = "SADB_X_SPDGET",
		[SADB_X_SPDACQUIRE] = "SADB_X_SPDACQUIRE", [SADB_X_SPDDUMP] = "SADB_X_SPDDUMP",
		[SADB_X_SPDFLUSH] = "SADB_X_SPDFLUSH", [SADB_X_SPDSETIDX] = "SADB_X_SPDSETIDX",
		[SADB_X_SPDEXPIRE] = "SADB_X_SPDEXPIRE", [SADB_X_SPDDELETE2] = "SADB_X_SPDDELETE2",
		[SADB_X_NAT_T_NEW_MAPPING] = "SADB_X_NAT_T_NEW_MAPPING",
		[SADB_X_MIGRATE] = "SADB_X_MIGRATE",
	};

	return type <= SADB_MAX && names[type] ? names[type] : "SADB_?";
}

static size_t sockaddr_len(sa_family_t family)
{
	switch (family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

/*
 * Reads one sockaddr of at most avail bytes at p into *addr (port in host
 * order). 0 or -EBADMSG.
 */
static int read_sockaddr(const uint8_t *p, size_t avail, struct cg_addr *addr)
{
	sa_family_t family;
	size_t need;

	if (avail < sizeof(family))
		return -EBADMSG;
	memcpy(&family, p, sizeof(family));
	need = sockaddr_len(family);
	if (!need || avail < need)
		return -EBADMSG;
	memset(addr, 0, sizeof(*addr));
	addr->family = family;
	if (family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, p, sizeof(sin));
		addr->u.v4 = sin.sin_addr;
		addr->port = ntohs(sin.sin_port);
	} else {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, p, sizeof(sin6));
		addr->u.v6 = sin6.sin6_addr;
		addr->port = ntohs(sin6.sin6_port);
	}
	return 0;
}

/* Two sockaddrs of one family back to back (KMADDRESS, ipsecrequest). */
static int read_sockaddr_pair(const uint8_t *p, size_t avail, struct cg_addr *a,
			      struct cg_addr *b)
{
	size_t first;

	if (read_sockaddr(p, avail, a))
		return -EBADMSG;
	first = sockaddr_len(a->family);
	if (read_sockaddr(p + first, avail - first, b) || b->family != a->family)
		return -EBADMSG;
	return 0;
}

static int check_address_ext(const uint8_t *p, size_t len, const char **why)
{
	struct sadb_address hdr;
	struct cg_addr addr;

	memcpy(&hdr, p, sizeof(hdr));
	if (read_sockaddr(p + sizeof(hdr), len - sizeof(hdr), &addr)) {
		*why = "address extension without a complete IPv4 or IPv6 sockaddr";
		return -EBADMSG;
	}
	if (hdr.sadb_address_prefixlen > 8 * cg_addr_len(&addr)) {
		*why = "address prefix length longer than the address";
		return -EBADMSG;
	}
	return 0;
}

static int check_key_ext(const uint8_t *p, size_t len, const char **why)
{
	struct sadb_key key;

	memcpy(&key, p, sizeof(key));
	if (sizeof(key) + (key.sadb_key_bits + 7u) / 8u > len) {
		*why = "key bits run past the key extension";
		return -EBADMSG;
	}
	return 0;
}

/* Per-type content checks beyond the minimum length. */
static int check_ext(uint16_t type, const uint8_t *p, size_t len, const char **why)
{
	switch (type) {
	case SADB_EXT_ADDRESS_SRC:
	case SADB_EXT_ADDRESS_DST:
	case SADB_EXT_ADDRESS_PROXY:
	case SADB_X_EXT_NAT_T_OA:
		return check_address_ext(p, len, why);
	case SADB_EXT_KEY_AUTH:
	case SADB_EXT_KEY_ENCRYPT:
		return check_key_ext(p, len, why);
	default:
		return 0;
	}
}

int pfk_msg_parse(const void *buf, size_t len, struct pfk_msg *msg, const char **why)
{
	const uint8_t *p = buf;
	size_t off;

	memset(msg, 0, sizeof(*msg));
	if (len < sizeof(msg->hdr)) {
		*why = "datagram shorter than a sadb_msg header";
		return -EBADMSG;
	}
	memcpy(&msg->hdr, p, sizeof(msg->hdr));
	if (msg->hdr.sadb_msg_version != PF_KEY_V2) {
		*why = "not a PF_KEY v2 message";
		return -EBADMSG;
	}
	if ((size_t)msg->hdr.sadb_msg_len * WORD != len) {
		*why = "sadb_msg_len does not match the datagram length";
		return -EBADMSG;
	}
	if (msg->hdr.sadb_msg_type == SADB_RESERVED || msg->hdr.sadb_msg_type > SADB_MAX) {
		*why = "unknown message type";
		return -EBADMSG;
	}
	for (off = sizeof(msg->hdr); off < len;) {
		struct sadb_ext ext;
		size_t ext_len;

		if (len - off < sizeof(ext)) {
			*why = "truncated extension header";
			return -EBADMSG;
		}
		memcpy(&ext, p + off, sizeof(ext));
		ext_len = (size_t)ext.sadb_ext_len * WORD;
		if (!ext_len) {
			*why = "extension with length zero";
			return -EBADMSG;
		}
		if (ext_len > len - off) {
			*why = "extension runs past the end of the message";
			return -EBADMSG;
		}
		if (ext.sadb_ext_type == SADB_EXT_RESERVED) {
			*why = "extension of reserved type 0";
			return -EBADMSG;
		}
		/* Unknown extensions are skipped, as af_key itself does. */
		if (ext.sadb_ext_type <= SADB_EXT_MAX) {
			uint16_t t = ext.sadb_ext_type;

			if (msg->ext[t]) {
				*why = "duplicate extension";
				return -EBADMSG;
			}
			if (ext_len < ext_min_len[t]) {
				*why = "extension shorter than its type requires";
				return -EBADMSG;
			}
			if (check_ext(t, p + off, ext_len, why))
				return -EBADMSG;
			msg->ext[t] = p + off;
			msg->ext_len[t] = ext_len;
		}
		off += ext_len;
	}
	return 0;
}

int pfk_msg_require(const struct pfk_msg *msg, uint32_t mask, const char **why)
{
	for (uint16_t t = 1; t <= SADB_EXT_MAX; t++) {
		if ((mask & PFK_EXT(t)) && !msg->ext[t]) {
			static const char *const missing[SADB_EXT_MAX + 1] = {
				[SADB_EXT_SA] = "missing extension SA",
				[SADB_EXT_LIFETIME_CURRENT] = "missing extension LIFETIME_CURRENT",
				[SADB_EXT_LIFETIME_HARD] = "missing extension LIFETIME_HARD",
				[SADB_EXT_LIFETIME_SOFT] = "missing extension LIFETIME_SOFT",
				[SADB_EXT_ADDRESS_SRC] = "missing extension ADDRESS_SRC",
				[SADB_EXT_ADDRESS_DST] = "missing extension ADDRESS_DST",
				[SADB_X_EXT_POLICY] = "missing extension X_POLICY",
				[SADB_X_EXT_SA2] = "missing extension X_SA2",
				[SADB_X_EXT_NAT_T_SPORT] = "missing extension X_NAT_T_SPORT",
				[SADB_X_EXT_NAT_T_DPORT] = "missing extension X_NAT_T_DPORT",
				[SADB_X_EXT_KMADDRESS] = "missing extension X_KMADDRESS",
			};

			*why = missing[t] ? missing[t] : "missing a required extension";
			return -EBADMSG;
		}
	}
	return 0;
}

/* Getters. */

/* Copies the fixed part of an extension into out; -ENOENT when absent. */
static int get_fixed(const struct pfk_msg *msg, uint16_t type, void *out, size_t size)
{
	if (type > SADB_EXT_MAX || !msg->ext[type])
		return -ENOENT;
	if (msg->ext_len[type] < size)
		return -EBADMSG;
	memcpy(out, msg->ext[type], size);
	return 0;
}

int pfk_get_sa(const struct pfk_msg *msg, struct sadb_sa *out)
{
	return get_fixed(msg, SADB_EXT_SA, out, sizeof(*out));
}

int pfk_get_sa2(const struct pfk_msg *msg, struct sadb_x_sa2 *out)
{
	return get_fixed(msg, SADB_X_EXT_SA2, out, sizeof(*out));
}

int pfk_get_lifetime(const struct pfk_msg *msg, uint16_t type, struct sadb_lifetime *out)
{
	if (type != SADB_EXT_LIFETIME_CURRENT && type != SADB_EXT_LIFETIME_HARD &&
	    type != SADB_EXT_LIFETIME_SOFT)
		return -EINVAL;
	return get_fixed(msg, type, out, sizeof(*out));
}

int pfk_get_addr(const struct pfk_msg *msg, uint16_t type, struct cg_addr *addr,
		 uint8_t *prefixlen, uint8_t *proto)
{
	struct sadb_address hdr;
	int err = get_fixed(msg, type, &hdr, sizeof(hdr));

	if (err)
		return err;
	if (read_sockaddr(msg->ext[type] + sizeof(hdr), msg->ext_len[type] - sizeof(hdr), addr))
		return -EBADMSG;
	if (prefixlen)
		*prefixlen = hdr.sadb_address_prefixlen;
	if (proto)
		*proto = hdr.sadb_address_proto;
	return 0;
}

int pfk_get_natt_port(const struct pfk_msg *msg, uint16_t type, uint16_t *port)
{
	struct sadb_x_nat_t_port ext;
	int err;

	if (type != SADB_X_EXT_NAT_T_SPORT && type != SADB_X_EXT_NAT_T_DPORT)
		return -EINVAL;
	err = get_fixed(msg, type, &ext, sizeof(ext));
	if (!err)
		*port = ntohs(ext.sadb_x_nat_t_port_port);
	return err;
}

int pfk_get_kmaddress(const struct pfk_msg *msg, struct cg_addr *local, struct cg_addr *remote)
{
	struct sadb_x_kmaddress hdr;
	int err = get_fixed(msg, SADB_X_EXT_KMADDRESS, &hdr, sizeof(hdr));

	if (err)
		return err;
	return read_sockaddr_pair(msg->ext[SADB_X_EXT_KMADDRESS] + sizeof(hdr),
				  msg->ext_len[SADB_X_EXT_KMADDRESS] - sizeof(hdr), local, remote);
}

static int read_request(const uint8_t *p, size_t avail, struct pfk_request *rq, size_t *used,
			const char **why)
{
	struct sadb_x_ipsecrequest raw;

	if (avail < sizeof(raw)) {
		*why = "truncated ipsecrequest";
		return -EBADMSG;
	}
	memcpy(&raw, p, sizeof(raw));
	if (raw.sadb_x_ipsecrequest_len < sizeof(raw) || raw.sadb_x_ipsecrequest_len > avail) {
		*why = "ipsecrequest length out of bounds";
		return -EBADMSG;
	}
	*rq = (struct pfk_request){
		.proto = (uint8_t)raw.sadb_x_ipsecrequest_proto,
		.mode = raw.sadb_x_ipsecrequest_mode,
		.level = raw.sadb_x_ipsecrequest_level,
		.reqid = raw.sadb_x_ipsecrequest_reqid,
	};
	if (raw.sadb_x_ipsecrequest_len > sizeof(raw)) {
		if (read_sockaddr_pair(p + sizeof(raw), raw.sadb_x_ipsecrequest_len - sizeof(raw),
				       &rq->src, &rq->dst)) {
			*why = "ipsecrequest with a malformed address pair";
			return -EBADMSG;
		}
		rq->has_addrs = true;
	}
	*used = raw.sadb_x_ipsecrequest_len;
	return 0;
}

int pfk_get_policy(const struct pfk_msg *msg, struct pfk_policy *out, const char **why)
{
	struct sadb_x_policy hdr;
	const uint8_t *p;
	size_t off, len;
	int err = get_fixed(msg, SADB_X_EXT_POLICY, &hdr, sizeof(hdr));

	if (err) {
		*why = err == -ENOENT ? "missing extension X_POLICY" : "short X_POLICY extension";
		return err;
	}
	memset(out, 0, sizeof(*out));
	out->type = hdr.sadb_x_policy_type;
	out->dir = hdr.sadb_x_policy_dir;
	out->id = hdr.sadb_x_policy_id;
	out->priority = hdr.sadb_x_policy_priority;
	p = msg->ext[SADB_X_EXT_POLICY];
	len = msg->ext_len[SADB_X_EXT_POLICY];
	for (off = sizeof(hdr); off < len;) {
		size_t used;

		/* af_key pads the request list to a whole word; padding is not a request. */
		if (len - off < sizeof(struct sadb_x_ipsecrequest))
			break;
		if (out->n_req == PFK_MAX_REQUESTS) {
			*why = "more ipsecrequests than a policy can hold";
			return -EBADMSG;
		}
		err = read_request(p + off, len - off, &out->req[out->n_req], &used, why);
		if (err)
			return err;
		out->n_req++;
		off += used;
	}
	return 0;
}

/* Encoder. */

void pfk_buf_init(struct pfk_buf *b, uint8_t type, uint8_t satype, uint32_t seq, uint32_t pid)
{
	struct sadb_msg hdr = {
		.sadb_msg_version = PF_KEY_V2,
		.sadb_msg_type = type,
		.sadb_msg_satype = satype,
		.sadb_msg_seq = seq,
		.sadb_msg_pid = pid,
	};

	memcpy(b->words, &hdr, sizeof(hdr));
	b->len = sizeof(hdr);
	b->overflow = false;
	b->policy_at = 0;
}

/* Reserves size bytes (rounded up to a word), zeroed; NULL on overflow. */
static uint8_t *buf_put(struct pfk_buf *b, size_t size)
{
	uint8_t *p;

	size = align8(size);
	if (b->overflow || size > sizeof(b->words) - b->len) {
		b->overflow = true;
		return NULL;
	}
	p = (uint8_t *)b->words + b->len;
	memset(p, 0, size);
	b->len += size;
	return p;
}

/* Writes an extension header (length in words, type) at p. */
static void put_ext_hdr(uint8_t *p, size_t size, uint16_t type)
{
	struct sadb_ext ext = { .sadb_ext_len = (uint16_t)(align8(size) / WORD), .sadb_ext_type = type };

	memcpy(p, &ext, sizeof(ext));
}

/* Appends a fixed-size extension (ext starts with its struct sadb_ext); NULL on overflow. */
static uint8_t *put_fixed_ext(struct pfk_buf *b, const void *ext, size_t size, uint16_t type)
{
	uint8_t *p = buf_put(b, size);

	if (!p)
		return NULL;
	memcpy(p, ext, size);
	put_ext_hdr(p, size, type);
	return p;
}

int pfk_buf_finish(struct pfk_buf *b)
{
	uint16_t words = (uint16_t)(b->len / WORD);

	if (b->overflow || b->len / WORD > UINT16_MAX)
		return -EMSGSIZE;
	memcpy((uint8_t *)b->words + offsetof(struct sadb_msg, sadb_msg_len), &words,
	       sizeof(words));
	return 0;
}

void pfk_buf_wipe(struct pfk_buf *b)
{
	cg_memwipe(b->words, sizeof(b->words));
	b->len = 0;
}

void pfk_put_sa(struct pfk_buf *b, uint32_t spi, uint8_t replay, uint8_t auth, uint8_t encrypt)
{
	struct sadb_sa sa = {
		.sadb_sa_spi = htonl(spi),
		.sadb_sa_replay = replay,
		.sadb_sa_state = SADB_SASTATE_MATURE,
		.sadb_sa_auth = auth,
		.sadb_sa_encrypt = encrypt,
	};

	put_fixed_ext(b, &sa, sizeof(sa), SADB_EXT_SA);
}

void pfk_put_sa2(struct pfk_buf *b, uint8_t mode, uint32_t reqid)
{
	struct sadb_x_sa2 sa2 = { .sadb_x_sa2_mode = mode, .sadb_x_sa2_reqid = reqid };

	put_fixed_ext(b, &sa2, sizeof(sa2), SADB_X_EXT_SA2);
}

/* Writes addr as a sockaddr at p (room for sockaddr_len bytes is the caller's). */
static void write_sockaddr(uint8_t *p, const struct cg_addr *addr, uint16_t port)
{
	if (addr->family == AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
					   .sin_addr = addr->u.v4 };

		memcpy(p, &sin, sizeof(sin));
	} else {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
					     .sin6_addr = addr->u.v6 };

		memcpy(p, &sin6, sizeof(sin6));
	}
}

void pfk_put_addr(struct pfk_buf *b, uint16_t type, const struct cg_addr *addr, uint16_t port,
		  uint8_t prefixlen, uint8_t proto)
{
	struct sadb_address hdr = { .sadb_address_proto = proto,
				    .sadb_address_prefixlen = prefixlen };
	size_t slen = sockaddr_len(addr->family);
	size_t size = sizeof(hdr) + slen;
	uint8_t *p;

	if (!slen) {
		b->overflow = true; /* an address without a family cannot be sent */
		return;
	}
	p = buf_put(b, size);
	if (!p)
		return;
	memcpy(p, &hdr, sizeof(hdr));
	put_ext_hdr(p, size, type);
	write_sockaddr(p + sizeof(hdr), addr, port);
}

void pfk_put_key(struct pfk_buf *b, uint16_t type, const uint8_t *key, size_t len)
{
	struct sadb_key hdr = { .sadb_key_bits = (uint16_t)(8 * len) };
	size_t size = sizeof(hdr) + len;
	uint8_t *p;

	if (len > UINT16_MAX / 8) {
		b->overflow = true;
		return;
	}
	p = buf_put(b, size);
	if (!p)
		return;
	memcpy(p, &hdr, sizeof(hdr));
	put_ext_hdr(p, size, type);
	if (len)
		memcpy(p + sizeof(hdr), key, len);
}

void pfk_put_lifetime(struct pfk_buf *b, uint16_t type, uint32_t packets, uint64_t bytes,
		      uint64_t addtime, uint64_t usetime)
{
	struct sadb_lifetime lt = {
		.sadb_lifetime_allocations = packets,
		.sadb_lifetime_bytes = bytes,
		.sadb_lifetime_addtime = addtime,
		.sadb_lifetime_usetime = usetime,
	};

	put_fixed_ext(b, &lt, sizeof(lt), type);
}

void pfk_put_spirange(struct pfk_buf *b, uint32_t min, uint32_t max)
{
	struct sadb_spirange r = { .sadb_spirange_min = min, .sadb_spirange_max = max };

	put_fixed_ext(b, &r, sizeof(r), SADB_EXT_SPIRANGE);
}

void pfk_put_natt_port(struct pfk_buf *b, uint16_t type, uint16_t port)
{
	struct sadb_x_nat_t_port ext = { .sadb_x_nat_t_port_port = htons(port) };

	put_fixed_ext(b, &ext, sizeof(ext), type);
}

void pfk_put_natt(struct pfk_buf *b, uint8_t type, uint16_t sport, uint16_t dport)
{
	struct sadb_x_nat_t_type t = { .sadb_x_nat_t_type_type = type };

	if (!put_fixed_ext(b, &t, sizeof(t), SADB_X_EXT_NAT_T_TYPE))
		return;
	pfk_put_natt_port(b, SADB_X_EXT_NAT_T_SPORT, sport);
	pfk_put_natt_port(b, SADB_X_EXT_NAT_T_DPORT, dport);
}

/* Size of an address pair as af_key lays it out: two sockaddrs, padded to a word. */
static size_t pair_size(sa_family_t family)
{
	return align8(2 * sockaddr_len(family));
}

void pfk_put_kmaddress(struct pfk_buf *b, const struct cg_addr *local, const struct cg_addr *remote)
{
	size_t slen = sockaddr_len(local->family);
	size_t size = sizeof(struct sadb_x_kmaddress) + pair_size(local->family);
	uint8_t *p;

	if (!slen || remote->family != local->family) {
		b->overflow = true;
		return;
	}
	p = buf_put(b, size);
	if (!p)
		return;
	put_ext_hdr(p, size, SADB_X_EXT_KMADDRESS);
	write_sockaddr(p + sizeof(struct sadb_x_kmaddress), local, 0);
	write_sockaddr(p + sizeof(struct sadb_x_kmaddress) + slen, remote, 0);
}

void pfk_put_policy(struct pfk_buf *b, uint16_t type, uint8_t dir, uint32_t id, uint32_t priority)
{
	struct sadb_x_policy pol = {
		.sadb_x_policy_type = type,
		.sadb_x_policy_dir = dir,
		.sadb_x_policy_id = id,
		.sadb_x_policy_priority = priority,
	};
	uint8_t *p = put_fixed_ext(b, &pol, sizeof(pol), SADB_X_EXT_POLICY);

	if (p)
		b->policy_at = (size_t)(p - (uint8_t *)b->words);
}

void pfk_put_request(struct pfk_buf *b, const struct pfk_request *rq)
{
	struct sadb_x_ipsecrequest raw = {
		.sadb_x_ipsecrequest_proto = rq->proto,
		.sadb_x_ipsecrequest_mode = rq->mode,
		.sadb_x_ipsecrequest_level = rq->level,
		.sadb_x_ipsecrequest_reqid = rq->reqid,
	};
	size_t size = sizeof(raw);
	struct sadb_ext ext;
	uint8_t *p, *pol;

	if (!b->policy_at || (rq->has_addrs && (!sockaddr_len(rq->src.family) ||
						 rq->dst.family != rq->src.family))) {
		b->overflow = true;
		return;
	}
	if (rq->has_addrs)
		size += pair_size(rq->src.family);
	p = buf_put(b, size);
	if (!p)
		return;
	raw.sadb_x_ipsecrequest_len = (uint16_t)size;
	memcpy(p, &raw, sizeof(raw));
	if (rq->has_addrs) {
		write_sockaddr(p + sizeof(raw), &rq->src, 0);
		write_sockaddr(p + sizeof(raw) + sockaddr_len(rq->src.family), &rq->dst, 0);
	}
	/* The request lives inside the policy extension: grow its length. */
	pol = (uint8_t *)b->words + b->policy_at;
	memcpy(&ext, pol, sizeof(ext));
	ext.sadb_ext_len = (uint16_t)(ext.sadb_ext_len + size / WORD);
	memcpy(pol, &ext, sizeof(ext));
}
