/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cp.c: the configuration payload (RFC 7296 2.19): virtual IPs from pools. */
#ifndef IKE2_CP_H
#define IKE2_CP_H

#include "msg.h"

struct ike2_sa;
struct ike2_child;

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

#endif
