/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one place where cygnet's neutral forms become XFRM's and back:
 * addresses, selectors (ports, ICMP type/code, MH type), algorithms,
 * lifetimes and modes.
 *
 * XFRM matches a selector's ports as value and mask, and for ICMP and
 * ICMPv6 it compares the message type against sport and the code against
 * dport (the kernel's xfrm_flowi_sport/dport); for the Mobility Header the
 * MH type against sport. The neutral form keeps type << 8 | code in one
 * 16-bit range, so "type 135, any code" is 0x8700..0x87ff and becomes
 * sport 135/0xff, dport 0/0.
 */
#include <errno.h>
#include <string.h>

#include "xfrm.h"

void xfrm_addr_put(const struct cg_addr *a, xfrm_address_t *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a->u.bytes, cg_addr_len(a));
}

void xfrm_addr_get(const xfrm_address_t *x, sa_family_t family, struct cg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family != AF_INET && family != AF_INET6)
		return;
	a->family = family;
	memcpy(a->u.bytes, x, family == AF_INET ? 4 : 16);
}

bool xfrm_range_to_mask(uint16_t from, uint16_t to, uint16_t *value, uint16_t *mask)
{
	uint32_t size = (uint32_t)to - from + 1;

	if (to < from || (size & (size - 1)) || (from & (size - 1)))
		return false;
	*mask = (uint16_t)~(size - 1);
	*value = from & *mask;
	return true;
}

void xfrm_mask_to_range(uint16_t value, uint16_t mask, uint16_t *from, uint16_t *to)
{
	/* Only the leading run of mask bits is a prefix; a foreign mask with holes widens. */
	uint16_t prefix = 0;

	for (int bit = 15; bit >= 0 && (mask & (1u << bit)); bit--)
		prefix |= (uint16_t)(1u << bit);
	*from = value & prefix;
	*to = *from | (uint16_t)~prefix;
}

static bool proto_has_ports(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_UDPLITE:
		return true;
	}
	return false;
}

static bool proto_is_icmp(uint8_t proto)
{
	return proto == CG_PROTO_ICMP || proto == CG_PROTO_ICMPV6;
}

/* One port selector of a port-carrying protocol. */
static int ports_put(const struct cg_ts *ts, __be16 *port, __be16 *mask, const char **why)
{
	uint16_t v, m;

	if (!xfrm_range_to_mask(ts->from_port, ts->to_port, &v, &m)) {
		*why = "port range is not a power-of-two aligned block (XFRM matches ports by mask)";
		return -EINVAL;
	}
	*port = htons(v);
	*mask = htons(m);
	return 0;
}

/*
 * ICMP/ICMPv6 and MH: the message range is what both selectors allow (one
 * of them is usually "any"); its high byte goes to sport, low byte to dport.
 */
static int icmp_put(const struct cg_ts *src, const struct cg_ts *dst, struct xfrm_selector *sel,
		    const char **why)
{
	uint16_t from = src->from_port > dst->from_port ? src->from_port : dst->from_port;
	uint16_t to = src->to_port < dst->to_port ? src->to_port : dst->to_port;
	uint16_t v, m;

	if (from > to) {
		*why = "the source and destination type/code ranges do not overlap";
		return -EINVAL;
	}
	if (sel->proto == CG_PROTO_MH) {
		/* The MH type is in the high byte; the low byte carries nothing. */
		from &= 0xff00;
		to |= 0x00ff;
	}
	if (!xfrm_range_to_mask(from, to, &v, &m)) {
		*why = "type/code range is not one type with a code range of aligned size";
		return -EINVAL;
	}
	sel->sport = htons(v >> 8);
	sel->sport_mask = htons(m >> 8);
	if (sel->proto != CG_PROTO_MH) {
		sel->dport = htons(v & 0xff);
		sel->dport_mask = htons(m & 0xff);
	}
	return 0;
}

int xfrm_sel_from_ts(const struct cg_ts *src, const struct cg_ts *dst, struct xfrm_selector *sel,
		     const char **why)
{
	struct cg_addr snet, dnet;
	uint8_t slen, dlen;

	memset(sel, 0, sizeof(*sel));
	if ((src->family != AF_INET && src->family != AF_INET6) || src->family != dst->family) {
		*why = "selector address families differ or are unset";
		return -EINVAL;
	}
	if (src->proto != dst->proto) {
		*why = "source and destination selectors name different protocols";
		return -EINVAL;
	}
	if (!cg_ts_to_prefix(src, &snet, &slen) || !cg_ts_to_prefix(dst, &dnet, &dlen)) {
		*why = "address range is not a single prefix (XFRM selectors are prefixes)";
		return -EINVAL;
	}
	sel->family = src->family;
	xfrm_addr_put(&snet, &sel->saddr);
	xfrm_addr_put(&dnet, &sel->daddr);
	sel->prefixlen_s = slen;
	sel->prefixlen_d = dlen;
	sel->proto = src->proto;
	if (proto_is_icmp(src->proto) || src->proto == CG_PROTO_MH)
		return icmp_put(src, dst, sel, why);
	if (proto_has_ports(src->proto))
		return ports_put(src, &sel->sport, &sel->sport_mask, why) ?:
		       ports_put(dst, &sel->dport, &sel->dport_mask, why);
	if (!cg_ts_any_port(src) || !cg_ts_any_port(dst)) {
		*why = "ports given for a protocol that has none";
		return -EINVAL;
	}
	return 0;
}

static void ts_prefix(struct cg_ts *ts, sa_family_t family, const xfrm_address_t *x, uint8_t len)
{
	struct cg_addr net;

	xfrm_addr_get(x, family, &net);
	*ts = cg_ts_from_prefix(&net, len);
}

void xfrm_ts_from_sel(const struct xfrm_selector *sel, struct cg_ts *src, struct cg_ts *dst)
{
	uint16_t v = 0, m = 0;

	ts_prefix(src, sel->family, &sel->saddr, sel->prefixlen_s);
	ts_prefix(dst, sel->family, &sel->daddr, sel->prefixlen_d);
	src->proto = dst->proto = sel->proto;
	if (proto_is_icmp(sel->proto) || sel->proto == CG_PROTO_MH) {
		/* Other tools write 0xffff for "exact"; only the low byte carries the value. */
		uint16_t tmask = ntohs(sel->sport_mask), cmask = ntohs(sel->dport_mask);

		if (tmask > 0xff)
			tmask = 0xff;
		if (cmask > 0xff)
			cmask = 0xff;
		if (sel->proto == CG_PROTO_MH)
			cmask = 0;
		v = (uint16_t)((ntohs(sel->sport) & 0xff) << 8 | (ntohs(sel->dport) & 0xff));
		m = (uint16_t)(tmask << 8 | (tmask == 0xff ? cmask : 0));
		xfrm_mask_to_range(v, m, &dst->from_port, &dst->to_port);
		return;
	}
	if (proto_has_ports(sel->proto)) {
		xfrm_mask_to_range(ntohs(sel->sport), ntohs(sel->sport_mask), &src->from_port,
				   &src->to_port);
		xfrm_mask_to_range(ntohs(sel->dport), ntohs(sel->dport_mask), &dst->from_port,
				   &dst->to_port);
	}
}

static const struct xfrm_alg encr_algs[] = {
	{ CG_ENCR_AES_GCM_16, "rfc4106(gcm(aes))", 128, true },
	{ CG_ENCR_AES_GCM_12, "rfc4106(gcm(aes))", 96, true },
	{ CG_ENCR_AES_GCM_8, "rfc4106(gcm(aes))", 64, true },
	{ CG_ENCR_CHACHA20_POLY1305, "rfc7539esp(chacha20,poly1305)", 128, true },
	{ CG_ENCR_AES_CBC, "cbc(aes)", 0, false },
	{ CG_ENCR_AES_CTR, "rfc3686(ctr(aes))", 0, false },
	{ CG_ENCR_3DES, "cbc(des3_ede)", 0, false },
	{ CG_ENCR_NULL, "ecb(cipher_null)", 0, false },
};

static const struct xfrm_alg integ_algs[] = {
	{ CG_INTEG_HMAC_SHA2_256_128, "hmac(sha256)", 128, false },
	{ CG_INTEG_HMAC_SHA2_384_192, "hmac(sha384)", 192, false },
	{ CG_INTEG_HMAC_SHA2_512_256, "hmac(sha512)", 256, false },
	{ CG_INTEG_HMAC_SHA1_96, "hmac(sha1)", 96, false },
	{ CG_INTEG_HMAC_MD5_96, "hmac(md5)", 96, false },
	{ CG_INTEG_AES_XCBC_96, "xcbc(aes)", 96, false },
};

const struct xfrm_alg *xfrm_encr_alg(uint16_t id)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(encr_algs); i++)
		if (encr_algs[i].id == id)
			return &encr_algs[i];
	return NULL;
}

const struct xfrm_alg *xfrm_integ_alg(uint16_t id)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(integ_algs); i++)
		if (integ_algs[i].id == id)
			return &integ_algs[i];
	return NULL;
}

static uint64_t limit(uint64_t v)
{
	return v ? v : XFRM_INF;
}

void xfrm_lifetime_put(const struct cg_lifetime *lt, struct xfrm_lifetime_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->soft_byte_limit = limit(lt->soft_bytes);
	cfg->hard_byte_limit = limit(lt->hard_bytes);
	cfg->soft_packet_limit = limit(lt->soft_packets);
	cfg->hard_packet_limit = limit(lt->hard_packets);
	cfg->soft_add_expires_seconds = lt->soft_secs;
	cfg->hard_add_expires_seconds = lt->hard_secs;
}

uint8_t xfrm_mode_put(enum cg_ipsec_mode mode)
{
	return mode == CG_MODE_TUNNEL ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
}

enum cg_ipsec_mode xfrm_mode_get(uint8_t mode)
{
	return mode == XFRM_MODE_TUNNEL ? CG_MODE_TUNNEL : CG_MODE_TRANSPORT;
}
