/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Conversions between cygnet's neutral forms and what Linux af_key holds:
 * selectors, algorithms, modes, directions, and the kernel's event
 * messages decoded into the core's event structures. Every conversion
 * lives here once, and the unit tests run each both ways.
 */
#ifndef PFKEY_CONV_H
#define PFKEY_CONV_H

#include "pfkey_msg.h"

/*
 * A selector as af_key stores it: two prefixes, one protocol, and one
 * port per side that is either exact or 0 for "any" (af_key sets the port
 * mask to 0xffff for a non-zero port and to 0 otherwise). For ICMP and
 * ICMPv6 the type sits in sport and the code in dport, for the Mobility
 * Header the type in sport, as XFRM matches them.
 */
struct pfk_sel {
	sa_family_t family;
	uint8_t proto;           /* 0 for any */
	struct cg_addr src, dst; /* prefixes, ports zero */
	uint8_t src_len, dst_len;
	uint16_t sport, dport;   /* host byte order, 0 for any */
};

/*
 * Neutral selector pair to af_key's form. -EINVAL for an inconsistent
 * pair, -EOPNOTSUPP for one af_key cannot hold (a port range, an address
 * range that is not a prefix, ICMP type 0); *why says which.
 */
int pfk_sel_from_ts(const struct cg_ts *src, const struct cg_ts *dst, struct pfk_sel *out,
		    const char **why);
/* af_key's form back to the neutral pair; ICMP/MH ranges go on both sides. */
void pfk_sel_to_ts(const struct pfk_sel *sel, struct cg_ts *src, struct cg_ts *dst);
bool pfk_sel_equal(const struct pfk_sel *a, const struct pfk_sel *b);
/* ADDRESS_SRC and ADDRESS_DST for a selector. */
void pfk_put_sel(struct pfk_buf *b, const struct pfk_sel *sel);
/* Reads a selector from ADDRESS_SRC/DST; 0 or -EBADMSG. */
int pfk_get_sel(const struct pfk_msg *msg, struct pfk_sel *out, const char **why);

/*
 * IANA transform IDs to af_key's algorithm IDs; -EOPNOTSUPP when PF_KEY
 * has none (ChaCha20-Poly1305) or Linux gives it another meaning
 * (HMAC-SHA2-256 with a 96-bit ICV).
 */
int pfk_encr_alg(uint16_t encr, uint8_t *sadb);
int pfk_integ_alg(uint16_t integ, uint8_t *sadb);
/* IPPROTO_ESP/AH <-> SADB_SATYPE_ESP/AH; 0 for anything else. */
uint8_t pfk_satype(uint8_t proto);
uint8_t pfk_proto(uint8_t satype);
uint8_t pfk_mode(enum cg_ipsec_mode mode);
int pfk_mode_from(uint8_t mode, enum cg_ipsec_mode *out);
uint8_t pfk_dir(enum cg_dir dir);
int pfk_dir_from(uint8_t dir, enum cg_dir *out);

/* Event decoders: 0, or -EBADMSG with *why. */
int pfk_decode_expire(const struct pfk_msg *msg, struct cg_kernel_expire *ev, const char **why);
int pfk_decode_migrate(const struct pfk_msg *msg, struct cg_kernel_migrate *ev, const char **why);

/* What an SADB_ACQUIRE says by itself: endpoints, protocol, the policy's index. */
struct pfk_acquire {
	struct cg_addr src, dst;
	uint8_t proto;
	uint32_t policy_id;
};

int pfk_decode_acquire(const struct pfk_msg *msg, struct pfk_acquire *acq, const char **why);
/*
 * Completes an acquire from the trapping policy (an SADB_X_SPDGET reply):
 * reqid, selectors and template. af_key does not report the triggering
 * packet's ports, so src/dst are the endpoints narrowed to the policy's
 * protocol and ports in transport mode, and the policy's selectors in
 * tunnel mode (where the endpoints are the tunnel's).
 */
int pfk_acquire_complete(const struct pfk_acquire *acq, const struct pfk_msg *policy,
			 struct cg_kernel_acquire *ev, const char **why);

/* What an SADB_X_NAT_T_NEW_MAPPING says: the SA and its peer's old and new address. */
struct pfk_mapping {
	uint32_t spi;
	uint8_t proto;
	struct cg_addr old_src, new_src; /* with ports */
};

int pfk_decode_mapping(const struct pfk_msg *msg, struct pfk_mapping *map, const char **why);
/* The policy a SPD message (add, delete, get, dump) is about. */
int pfk_decode_policy_id(const struct pfk_msg *msg, struct cg_kernel_policy_id *id,
			 const char **why);
int pfk_decode_sa_stats(const struct pfk_msg *msg, struct cg_kernel_sa_stats *stats,
			const char **why);
int pfk_decode_policy_stats(const struct pfk_msg *msg, struct cg_kernel_policy_stats *stats,
			    const char **why);

#endif
