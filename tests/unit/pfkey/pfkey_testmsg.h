/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages shaped exactly as Linux af_key sends them, built with the
 * plugin's encoder, for the parser tests and the fuzz corpus replay.
 */
#ifndef PFKEY_TESTMSG_H
#define PFKEY_TESTMSG_H

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "pfkey_conv.h"

static inline struct cg_addr tm_addr(const char *s)
{
	struct cg_addr a;

	cg_addr_parse(s, &a);
	return a;
}

/* SADB_EXPIRE for ESP SA 0xc0001234, 2001:db8::2 -> 2001:db8::1, reqid 7. */
static inline void tm_expire(struct pfk_buf *b, bool hard)
{
	struct cg_addr src = tm_addr("2001:db8::2"), dst = tm_addr("2001:db8::1");

	pfk_buf_init(b, SADB_EXPIRE, SADB_SATYPE_ESP, 0, 0);
	pfk_put_sa(b, 0xc0001234, 32, SADB_X_AALG_SHA2_256HMAC, SADB_X_EALG_AESCBC);
	pfk_put_lifetime(b, hard ? SADB_EXT_LIFETIME_HARD : SADB_EXT_LIFETIME_SOFT, 0, 0, 60, 0);
	pfk_put_lifetime(b, SADB_EXT_LIFETIME_CURRENT, 5, 500, 1700000000, 0);
	pfk_put_addr(b, SADB_EXT_ADDRESS_SRC, &src, 0, 128, 0);
	pfk_put_addr(b, SADB_EXT_ADDRESS_DST, &dst, 0, 128, 0);
	pfk_put_sa2(b, IPSEC_MODE_TRANSPORT, 7);
	pfk_buf_finish(b);
}

/*
 * SADB_X_MIGRATE for out policy 2001:db8:1::/64 -> 2001:db8:2::/64 with
 * two bundles (tunnel ESP reqid 9, transport AH reqid 10) and KMADDRESS.
 */
static inline void tm_migrate(struct pfk_buf *b, bool with_km)
{
	struct pfk_request rq = { .proto = IPPROTO_ESP, .mode = IPSEC_MODE_TUNNEL,
				  .level = IPSEC_LEVEL_UNIQUE, .reqid = 9, .has_addrs = true };
	struct cg_addr s = tm_addr("2001:db8:1::"), d = tm_addr("2001:db8:2::");

	pfk_buf_init(b, SADB_X_MIGRATE, SADB_SATYPE_ESP, 0, 0);
	if (with_km) {
		struct cg_addr l = tm_addr("2001:db8::11"), r = tm_addr("2001:db8::2");

		pfk_put_kmaddress(b, &l, &r);
	}
	pfk_put_addr(b, SADB_EXT_ADDRESS_SRC, &s, 0, 64, 0);
	pfk_put_addr(b, SADB_EXT_ADDRESS_DST, &d, 0, 64, 0);
	pfk_put_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0, 0);
	rq.src = tm_addr("2001:db8::1");
	rq.dst = tm_addr("2001:db8::2");
	pfk_put_request(b, &rq);
	rq.src = tm_addr("2001:db8::11");
	pfk_put_request(b, &rq);
	rq = (struct pfk_request){ .proto = IPPROTO_AH, .mode = IPSEC_MODE_TRANSPORT,
				   .level = IPSEC_LEVEL_UNIQUE, .reqid = 10, .has_addrs = true };
	rq.src = tm_addr("192.0.2.1");
	rq.dst = tm_addr("192.0.2.2");
	pfk_put_request(b, &rq);
	rq.src = tm_addr("198.51.100.1");
	pfk_put_request(b, &rq);
	pfk_buf_finish(b);
}

/* SADB_ACQUIRE for ESP from 2001:db8::1 to 2001:db8::2 caught by policy index 0x49. */
static inline void tm_acquire(struct pfk_buf *b)
{
	struct cg_addr src = tm_addr("2001:db8::1"), dst = tm_addr("2001:db8::2");

	pfk_buf_init(b, SADB_ACQUIRE, SADB_SATYPE_ESP, 1, 0);
	pfk_put_addr(b, SADB_EXT_ADDRESS_SRC, &src, 0, 128, 0);
	pfk_put_addr(b, SADB_EXT_ADDRESS_DST, &dst, 0, 128, 0);
	pfk_put_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0x49, 3500);
	pfk_buf_finish(b);
}

/* The SADB_X_SPDGET answer for that policy: udp/4500 to a /64, transport ESP reqid 3. */
static inline void tm_policy(struct pfk_buf *b, bool tunnel)
{
	struct cg_addr src = tm_addr("2001:db8::"), dst = tm_addr("2001:db8:2::");
	struct pfk_request rq = { .proto = IPPROTO_ESP, .mode = IPSEC_MODE_TRANSPORT,
				  .level = IPSEC_LEVEL_UNIQUE, .reqid = 3 };

	pfk_buf_init(b, SADB_X_SPDGET, 0, 5, 42);
	pfk_put_addr(b, SADB_EXT_ADDRESS_SRC, &src, 0, 64, IPPROTO_UDP);
	pfk_put_addr(b, SADB_EXT_ADDRESS_DST, &dst, 4500, 64, IPPROTO_UDP);
	pfk_put_lifetime(b, SADB_EXT_LIFETIME_CURRENT, 0, 0, 1700000000, 1700000100);
	pfk_put_policy(b, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, 0x49, 3500);
	if (tunnel) {
		rq.mode = IPSEC_MODE_TUNNEL;
		rq.has_addrs = true;
		rq.src = tm_addr("192.0.2.1");
		rq.dst = tm_addr("192.0.2.2");
	}
	pfk_put_request(b, &rq);
	pfk_buf_finish(b);
}

/* SADB_X_NAT_T_NEW_MAPPING: SA 0xc0000042 moved from 198.51.100.7:4500 to 198.51.100.7:31000. */
static inline void tm_mapping(struct pfk_buf *b)
{
	struct cg_addr a = tm_addr("198.51.100.7");

	/* Laid out as af_key does: SA, SRC, SPORT (old), DST, DPORT (new). */
	pfk_buf_init(b, SADB_X_NAT_T_NEW_MAPPING, SADB_SATYPE_ESP, 0, 0);
	pfk_put_sa(b, 0xc0000042, 0, 0, 0);
	pfk_put_addr(b, SADB_EXT_ADDRESS_SRC, &a, 0, 32, 0);
	pfk_put_natt_port(b, SADB_X_EXT_NAT_T_SPORT, 4500);
	pfk_put_addr(b, SADB_EXT_ADDRESS_DST, &a, 0, 32, 0);
	pfk_put_natt_port(b, SADB_X_EXT_NAT_T_DPORT, 31000);
	pfk_buf_finish(b);
}

#endif
