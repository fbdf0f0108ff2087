/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IKE socket layer. The core owns UDP 500 and 4500 (IPv6 and IPv4),
 * learns the local address of every datagram, strips the non-ESP marker on
 * 4500, checks the common ISAKMP/IKE header and hands the message, in a
 * job, to the handler registered for its major version. A message for a
 * version nobody handles is dropped and logged once per peer.
 *
 * Tests replace the sockets by an in-memory transport: cg_ike_set_transport
 * and cg_ike_inject.
 */
#ifndef CYGNET_IKE_H
#define CYGNET_IKE_H

#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;

/* Fixed ISAKMP/IKE header size (RFC 7296 3.1, RFC 2408 3.1). */
#define CG_IKE_HEADER_LEN 28
/* Largest datagram the socket layer accepts. */
#define CG_IKE_MAX_DATAGRAM 65535

struct cg_packet {
	struct cg_addr src;   /* the peer, with port */
	struct cg_addr dst;   /* our local address (from PKTINFO), with port */
	int ifindex;          /* receiving interface, 0 when unknown */
	const uint8_t *data;  /* the IKE message, non-ESP marker removed */
	size_t len;
};

/* A protocol handler; called in a job. pkt is borrowed for the call. */
typedef void (*cg_ike_recv_fn)(void *ctx, const struct cg_packet *pkt);

/* Registers the handler for an IKE major version (1 or 2); -EEXIST when taken. */
CG_EXPORT int cg_ike_register(struct cg_core *core, uint8_t major, cg_ike_recv_fn fn, void *ctx);
CG_EXPORT void cg_ike_unregister(struct cg_core *core, uint8_t major);
/*
 * Sends an IKE message from src to dst (ports included; src may be %any
 * with only a port). To or from the NAT-T port the non-ESP marker is added.
 * 0 or a negative errno.
 */
CG_EXPORT int cg_ike_send(struct cg_core *core, const struct cg_addr *src,
			  const struct cg_addr *dst, const uint8_t *data, size_t len);
/* Sends a NAT-T keepalive (one 0xff byte) from the NAT-T port. */
CG_EXPORT int cg_ike_send_keepalive(struct cg_core *core, const struct cg_addr *src,
				    const struct cg_addr *dst);
/* The configured IKE and NAT-T ports. */
CG_EXPORT uint16_t cg_ike_port(const struct cg_core *core);
CG_EXPORT uint16_t cg_ike_port_nat_t(const struct cg_core *core);

/* In-memory transport for tests: sends go to fn instead of sockets. */
typedef int (*cg_ike_send_fn)(void *ctx, const struct cg_addr *src, const struct cg_addr *dst,
			      const uint8_t *data, size_t len);
CG_EXPORT void cg_ike_set_transport(struct cg_core *core, cg_ike_send_fn fn, void *ctx);
/*
 * Delivers a UDP payload as if received from src on dst (ports included):
 * on the NAT-T port the non-ESP marker is expected and stripped. Queues
 * the dispatch job; 0, or -EINVAL for a datagram the layer drops.
 */
CG_EXPORT int cg_ike_inject(struct cg_core *core, const struct cg_addr *src,
			    const struct cg_addr *dst, const uint8_t *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
