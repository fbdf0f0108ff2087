/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Traffic selectors in the one neutral form every part of cygnet uses:
 * protocol, port range, address range (RFC 7296 3.13.1).
 *
 * For ICMP (1) and ICMPv6 (58) the 16-bit "port" is type << 8 | code, and
 * for the Mobility Header (135) the MH type sits in the high byte, as in
 * RFC 4301 4.4.1.1 and RFC 7296. "Type 136, any code" is therefore the range
 * 0x8800..0x88ff. Kernel backends convert this form to their own encoding
 * in exactly one place each.
 */
#ifndef CYGNET_TS_H
#define CYGNET_TS_H

#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CG_PROTO_ANY 0
#define CG_PROTO_ICMP 1
#define CG_PROTO_TCP 6
#define CG_PROTO_UDP 17
#define CG_PROTO_GRE 47
#define CG_PROTO_ICMPV6 58
#define CG_PROTO_MH 135

/* Longest text cg_ts_str writes. */
#define CG_TS_STRLEN 128

struct cg_ts {
	sa_family_t family; /* AF_INET or AF_INET6 */
	uint8_t proto;      /* IP protocol, CG_PROTO_ANY for all */
	uint16_t from_port; /* inclusive; for ICMP/ICMPv6/MH see above */
	uint16_t to_port;   /* inclusive; 0..65535 means any */
	struct cg_addr from; /* first address of the range */
	struct cg_addr to;   /* last address of the range */
};

/* A selector covering a whole prefix (all protocols and ports). */
CG_EXPORT struct cg_ts cg_ts_from_prefix(const struct cg_addr *net, uint8_t prefixlen);
/* A selector for exactly one host address. */
CG_EXPORT struct cg_ts cg_ts_from_host(const struct cg_addr *host);
/*
 * Parses swanctl selector syntax: "192.0.2.0/24", "2001:db8::1", "::/0[gre]",
 * "198.51.100.0/25[tcp/80]", "198.51.100.0/25[udp/1024-2047]", "%any6",
 * "192.0.2.1-192.0.2.9". For ICMP/ICMPv6/MH the port is the raw 16-bit value:
 * "::/0[ipv6-icmp/34816]" is type 136 code 0, as in Libreswan's protoport.
 * "dynamic" is not a selector: callers handle it. 0 or -EINVAL with *err
 * pointing at a static message.
 */
CG_EXPORT int cg_ts_parse(const char *s, struct cg_ts *out, const char **err);
/* Formats as "2001:db8::/64[gre]" (prefix when exact, else "a..b"). */
CG_EXPORT const char *cg_ts_str(const struct cg_ts *ts, char *buf, size_t len);
/* If the address range is exactly one prefix, stores it and returns true. */
CG_EXPORT bool cg_ts_to_prefix(const struct cg_ts *ts, struct cg_addr *net, uint8_t *prefixlen);
/* The smallest prefix that contains the range (what a kernel selector can hold). */
CG_EXPORT void cg_ts_enclosing_prefix(const struct cg_ts *ts, struct cg_addr *net, uint8_t *prefixlen);
/* Intersection of two selectors (RFC 7296 narrowing); false when empty. */
CG_EXPORT bool cg_ts_intersect(const struct cg_ts *a, const struct cg_ts *b, struct cg_ts *out);
/*
 * Narrowing (RFC 7296 2.9, and IKEv1 Quick Mode IDs alike): the
 * intersections of their selectors with ours, the widest kept (one inside
 * another adds nothing), at most max into out; the count, 0 when none overlap.
 */
CG_EXPORT size_t cg_ts_narrow(const struct cg_ts *theirs, size_t n_theirs, const struct cg_ts *ours,
			      size_t n_ours, struct cg_ts *out, size_t max);
/*
 * Each selector the responder chose (got) lies within one we sent (or
 * within first, when has_first); false as well when got is empty.
 */
CG_EXPORT bool cg_ts_within(const struct cg_ts *got, size_t n_got, const struct cg_ts *sent,
			    size_t n_sent, const struct cg_ts *first, bool has_first);
/* a is wholly contained in b. */
CG_EXPORT bool cg_ts_is_subset(const struct cg_ts *a, const struct cg_ts *b);
CG_EXPORT bool cg_ts_equal(const struct cg_ts *a, const struct cg_ts *b);
/* The range covers every port (0..65535). */
CG_EXPORT bool cg_ts_any_port(const struct cg_ts *ts);
/* Protocol number for "tcp", "ipv6-icmp", "gre", "47", ...; -1 when unknown. */
CG_EXPORT int cg_proto_from_name(const char *name);
/* Name of a protocol number ("gre"), or NULL when it has none. */
CG_EXPORT const char *cg_proto_name(uint8_t proto);

/* ICMP-style helpers: port = type << 8 | code. */
static inline uint16_t cg_ts_icmp_port(uint8_t type, uint8_t code)
{
	return (uint16_t)(type << 8 | code);
}

#ifdef __cplusplus
}
#endif
#endif
