/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Informational exchanges (RFC 2408 4.8, RFC 2409 5.7): Delete payloads
 * for the ISAKMP SA and for IPsec SAs, sent and honoured, and notifies
 * logged. Only a message inside an established ISAKMP SA, encrypted and
 * with a valid HASH(1), is acted on: anything else is dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike1.h"

static void delete_peer_child(struct ike1_sa *sa, uint32_t spi)
{
	struct ike1_child **pp = &sa->children, *c;

	/*
	 * The SPI is the peer's inbound one, our outbound SA; like charon, take
	 * one of our inbound SPIs as well (a peer whose install failed sends that).
	 */
	while (*pp && (*pp)->ci.spi_out != spi)
		pp = &(*pp)->next;
	if (!*pp)
		for (pp = &sa->children; *pp && (*pp)->ci.spi_in != spi;)
			pp = &(*pp)->next;
	c = *pp;
	if (!c) {
		ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_DEBUG, "Delete for unknown SPI %08x ignored", spi);
		return;
	}
	*pp = c->next;
	ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "peer deleted IPsec SA %s{%u}", c->name,
		    c->unique_id);
	ike1_child_destroy(sa, c);
}

/* One Delete: true when it deletes the ISAKMP SA itself. */
static bool honour_delete(struct ike1_sa *sa, const struct ike1_pl *pl)
{
	struct ike1_delete d;
	uint8_t ck[16];

	if (ike1_delete_parse(pl, &d))
		return false;
	cg_put64(ck, sa->ci);
	cg_put64(ck + 8, sa->cr);
	if (d.proto == IKE1_PROTO_ISAKMP && d.spi_size == 16) {
		for (size_t i = 0; i < d.n; i++)
			if (!memcmp(d.spis + 16 * i, ck, 16))
				return true;
		return false;
	}
	if (d.proto == IKE1_PROTO_ESP && d.spi_size == 4)
		for (size_t i = 0; i < d.n; i++)
			delete_peer_child(sa, cg_get32(d.spis + 4 * i));
	return false;
}

enum ike1_verdict ike1_info_recv(struct ike1_sa *sa, const struct cg_packet *pkt,
				 const struct ike1_hdr *h)
{
	uint8_t *plain = NULL, iv[IKE1_BLOCK_MAX], want[64], m_id[4];
	const struct ike1_pl *hash;
	struct ike1_chain c;
	struct ike1_notify n;
	bool gone = false;
	size_t rest;

	if ((sa->state != IKE1_ST_ESTABLISHED && sa->state != IKE1_ST_DELETING) ||
	    !(h->flags & IKE1_FLAG_E) || !h->mid) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "unauthenticated Informational dropped");
		return IKE1_KEEP;
	}
	ike1_sa_exchange_iv(sa, h->mid, iv);
	if (ike1_sa_decrypt(sa, pkt->data, pkt->len, iv, &plain) ||
	    ike1_chain_parse(h->next, plain, pkt->len - CG_IKE_HEADER_LEN, true, &c) || !c.n ||
	    c.pl[0].type != IKE1_PL_HASH || c.pl[0].len != sa->prf->out_size) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "Informational without a valid HASH dropped");
		free(plain);
		return IKE1_KEEP;
	}
	hash = &c.pl[0];
	rest = (size_t)(hash->body + hash->len - plain);
	cg_put32(m_id, h->mid);
	if (ike1_prf(sa->prf, sa->skeyid_a,
		     (struct cg_chunk[]){ CG_CHUNK(m_id, 4), CG_CHUNK(plain + rest, c.used - rest) },
		     2, want) ||
	    !cg_chunk_equal_ct(CG_CHUNK(hash->body, hash->len), CG_CHUNK(want, sa->prf->out_size))) {
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "Informational with a wrong HASH dropped");
		free(plain);
		return IKE1_KEEP;
	}
	for (size_t i = 1; i < c.n; i++) {
		if (c.pl[i].type == IKE1_PL_D)
			gone |= honour_delete(sa, &c.pl[i]);
		else if (c.pl[i].type == IKE1_PL_N && !ike1_notify_parse(&c.pl[i], &n))
			ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "peer notified %s (%u)",
				    ike1_notify_name(n.type), n.type);
	}
	free(plain);
	if (!gone)
		return IKE1_KEEP;
	ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "peer deleted the ISAKMP SA");
	ike1_sa_down(sa);
	return IKE1_DESTROY;
}

static void write_delete_child(struct ike1_sa *sa, struct ike1_w *w, const void *arg)
{
	const struct ike1_child *c = arg;
	uint8_t spi[4];

	(void)sa;
	cg_put32(spi, c->ci.spi_in);
	ike1_w_delete(w, IKE1_PROTO_ESP, spi, 4);
}

static void write_delete_sa(struct ike1_sa *sa, struct ike1_w *w, const void *arg)
{
	uint8_t ck[16];

	(void)arg;
	cg_put64(ck, sa->ci);
	cg_put64(ck + 8, sa->cr);
	ike1_w_delete(w, IKE1_PROTO_ISAKMP, ck, 16);
}

void ike1_info_delete_child(struct ike1_sa *sa, struct ike1_child *c)
{
	struct ike1_child **pp = &sa->children;

	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (!*pp)
		return;
	*pp = c->next;
	if (ike1_sa_info(sa, write_delete_child, c))
		ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "sending the Delete for %s{%u} failed",
			    c->name, c->unique_id);
	ike1_child_destroy(sa, c);
}

void ike1_info_delete_sa(struct ike1_sa *sa)
{
	if (sa->state != IKE1_ST_ESTABLISHED)
		return;
	while (sa->children)
		ike1_info_delete_child(sa, sa->children);
	sa->state = IKE1_ST_DELETING;
	if (ike1_sa_info(sa, write_delete_sa, NULL))
		ike1_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "sending the ISAKMP Delete failed");
}
