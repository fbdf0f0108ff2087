/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * NAT traversal (RFC 7296 2.23, RFC 3948): NAT_DETECTION_SOURCE_IP and
 * _DESTINATION_IP in IKE_SA_INIT, the move to the NAT-T port after it (the
 * socket layer adds and strips the non-ESP marker there), UDP-encapsulated
 * child SAs, the peer's address taken from authentic messages, and
 * keepalives from behind a NAT. `encap: true` fakes our source hash, so
 * the peer sees a NAT and both ends encapsulate.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha1.h>

#include "ikesa.h"
#include "msg.h"
#include "nat.h"

#define KEEPALIVE_INTERVAL_MS 20000u

/* SHA-1(SPIi | SPIr | IP | port) */
static void natd_hash(uint64_t spi_i, uint64_t spi_r, const struct cg_addr *a,
		      uint8_t out[SHA1_DIGEST_SIZE])
{
	uint64_t spis[2] = { htobe64(spi_i), htobe64(spi_r) };
	uint16_t port = htobe16(a->port);
	struct sha1_ctx ctx;

	sha1_init(&ctx);
	sha1_update(&ctx, sizeof(spis), (const uint8_t *)spis);
	sha1_update(&ctx, a->family == AF_INET ? 4 : 16, a->u.bytes);
	sha1_update(&ctx, sizeof(port), (const uint8_t *)&port);
	sha1_digest(&ctx, SHA1_DIGEST_SIZE, out);
}

/* Using UDP encapsulation: a NAT on either side, or forced. */
static bool sa_natt(const struct ike2_sa *sa)
{
	return sa->nat.local || sa->nat.remote || sa->conn->encap;
}

void ike2_nat_write(struct ike2_sa *sa, struct ike2_w *w)
{
	uint64_t spi_r = sa->state == IKE2_ST_INIT_SENT ? 0 : sa->spi_r;
	uint8_t src_hash[SHA1_DIGEST_SIZE], dst_hash[SHA1_DIGEST_SIZE];
	struct cg_addr local = sa->local;

	/* Not bound to an address: the one the kernel would send from. */
	if (cg_addr_is_any(&local)) {
		uint16_t port = local.port;

		if (!cg_net_source_for(sa->core, &sa->remote, &local))
			local.port = port;
		else
			local = sa->local;
	}
	if (sa->conn->encap)
		cg_random(sa->core, src_hash, sizeof(src_hash));
	else
		natd_hash(sa->spi_i, spi_r, &local, src_hash);
	natd_hash(sa->spi_i, spi_r, &sa->remote, dst_hash);
	ike2_w_notify(w, 0, IKE2_N_NAT_DETECTION_SOURCE_IP, NULL, 0, src_hash, sizeof(src_hash));
	ike2_w_notify(w, 0, IKE2_N_NAT_DETECTION_DESTINATION_IP, NULL, 0, dst_hash,
		      sizeof(dst_hash));
}

/* One of the notifies of type carries hash (there may be several source ones). */
static bool natd_match(const struct ike2_chain *c, uint16_t type, const uint8_t *hash,
		       bool *present)
{
	bool match = false;

	*present = false;
	for (size_t i = 0; i < c->n; i++) {
		struct ike2_notify n;

		if (c->pl[i].type != IKE2_PL_NOTIFY || ike2_notify_parse(&c->pl[i], &n) ||
		    n.type != type)
			continue;
		*present = true;
		match |= n.data_len == SHA1_DIGEST_SIZE && !memcmp(n.data, hash, SHA1_DIGEST_SIZE);
	}
	return match;
}

void ike2_nat_detect(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	uint8_t src_hash[SHA1_DIGEST_SIZE], dst_hash[SHA1_DIGEST_SIZE];
	bool has_src, has_dst, src_ok, dst_ok;

	natd_hash(msg->h.spi_i, msg->h.spi_r, &msg->pkt->src, src_hash);
	natd_hash(msg->h.spi_i, msg->h.spi_r, &msg->pkt->dst, dst_hash);
	src_ok = natd_match(&msg->pl, IKE2_N_NAT_DETECTION_SOURCE_IP, src_hash, &has_src);
	dst_ok = natd_match(&msg->pl, IKE2_N_NAT_DETECTION_DESTINATION_IP, dst_hash, &has_dst);
	if (!has_src || !has_dst)
		return; /* the peer does not do NAT detection */
	sa->nat.peer_natd = true;
	sa->nat.remote = !src_ok;
	sa->nat.local = !dst_ok;
	if (sa->nat.local || sa->nat.remote)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "NAT detected: %s%s%s",
			    sa->nat.local ? "we are behind a NAT" : "",
			    sa->nat.local && sa->nat.remote ? ", " : "",
			    sa->nat.remote ? "the peer is behind a NAT" : "");
}

void ike2_nat_float(struct ike2_sa *sa)
{
	uint16_t port = cg_ike_port_nat_t(sa->core);

	if ((!sa_natt(sa) && !(sa->conn->mobike && sa->nat.peer_natd)) || sa->local.port == port)
		return;
	sa->local.port = port;
	sa->remote.port = port;
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "switching to the NAT-T port %u", port);
}

void ike2_nat_update(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	bool auth = msg->h.exchange == IKE2_EXCH_AUTH;
	char a[CG_ADDR_STRLEN];

	if (!auth && (!sa_natt(sa) || (sa->mobike.supported && !sa->mobike.mapping)))
		return;
	/* IKE_AUTH: the initiator may have moved to the NAT-T port (MOBIKE), without a NAT. */
	if (auth && !sa_natt(sa) && (!cg_addr_equal(&sa->remote, &msg->pkt->src) ||
				     msg->pkt->src.port != cg_ike_port_nat_t(sa->core)))
		return;
	sa->local.port = msg->pkt->dst.port;
	if (!cg_addr_is_any(&msg->pkt->dst))
		sa->local = msg->pkt->dst;
	if (cg_addr_equal_port(&sa->remote, &msg->pkt->src))
		return;
	sa->remote = msg->pkt->src;
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "peer is now at %s[%u]",
		    cg_addr_str(&sa->remote, a, sizeof(a)), sa->remote.port);
	ike2_mobike_nat_moved(sa);
}

void ike2_nat_encap_ports(const struct ike2_sa *sa, uint16_t *local, uint16_t *remote)
{
	bool encap = sa_natt(sa);

	*local = encap ? sa->local.port : 0;
	*remote = encap ? sa->remote.port : 0;
}

static enum cg_sa_verdict keepalive_job(struct cg_sa *entry, void *arg)
{
	struct ike2_sa *sa = cg_sa_data(entry);

	(void)arg;
	sa->nat.keepalive_timer = 0;
	if (sa->state == IKE2_ST_ESTABLISHED && !sa->rekeyed) {
		/* One 0xff byte keeps the NAT's mapping for the peer's messages and ESP. */
		cg_ike_send_keepalive(sa->core, &sa->local, &sa->remote);
		ike2_nat_arm_keepalive(sa);
	}
	return CG_SA_KEEP;
}

void ike2_nat_arm_keepalive(struct ike2_sa *sa)
{
	if (!sa->nat.local || sa->nat.keepalive_timer)
		return;
	cg_sa_timer_add(sa->core, ike2_sa_local_spi(sa), KEEPALIVE_INTERVAL_MS, keepalive_job,
			NULL, 0, &sa->nat.keepalive_timer);
}
