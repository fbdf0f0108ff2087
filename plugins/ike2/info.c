/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * INFORMATIONAL exchanges (RFC 7296 1.4): deleting IKE and child SAs in
 * both directions, and empty requests (liveness checks).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "dpd.h"
#include "ike2.h"
#include "ikesa.h"
#include "info.h"
#include "msg.h"

#define DELETE_MAX 64

static void child_unlink(struct ike2_sa *sa, struct ike2_child *c)
{
	for (struct ike2_child **pp = &sa->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			return;
		}
}

/* Removes the children the peer deleted; collects our inbound SPIs for the answer. */
static size_t delete_children(struct ike2_sa *sa, const struct ike2_delete *d, uint32_t *spis)
{
	size_t n = 0;

	for (uint16_t i = 0; i < d->n_spis && n < DELETE_MAX; i++) {
		uint32_t spi = ike2_delete_spi(d, i);
		struct ike2_child *c = ike2_child_by_spi_out(sa, spi);
		char name[CG_NAME_MAX];
		bool closed;

		if (!c) {
			ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_DEBUG, "DELETE for unknown SPI %08x", spi);
			continue;
		}
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "peer deletes CHILD_SA %s{%u}", c->name,
			    c->unique_id);
		spis[n++] = c->spi_in;
		/* A child the peer replaced by rekeying is not closed. */
		closed = !ike2_child_replaced(sa, c);
		snprintf(name, sizeof(name), "%s", c->name);
		child_unlink(sa, c);
		ike2_child_destroy(sa, c);
		if (closed)
			ike2_dpd_child_closed(sa, name);
	}
	return n;
}

enum ike2_verdict ike2_info_request(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	uint32_t spis[DELETE_MAX];
	bool delete_ike = false, closed = false, moved;
	size_t n_spis = 0;
	struct ike2_w w;

	for (size_t i = 0; i < msg->pl.n; i++) {
		struct ike2_delete d;

		if (msg->pl.pl[i].type != IKE2_PL_DELETE)
			continue;
		if (ike2_delete_parse(&msg->pl.pl[i], &d)) {
			ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_WARN, "malformed DELETE payload ignored");
			continue;
		}
		if (d.proto == CG_PROTO_IKE)
			delete_ike = closed = true;
		else if ((d.proto == CG_PROTO_ESP || d.proto == CG_PROTO_AH) && d.spi_size == 4)
			n_spis += delete_children(sa, &d, spis + n_spis);
	}
	/* The initiator refused our AUTH after we established (RFC 7296 2.21.2). */
	if (ike2_chain_notify(&msg->pl, IKE2_N_AUTHENTICATION_FAILED, NULL)) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "peer refused our authentication");
		delete_ike = true;
	}
	if (!msg->pl.n)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_DEBUG, "answering the peer's liveness check %u",
			    msg->h.mid);
	ike2_w_init(&w);
	if (!delete_ike && n_spis)
		ike2_w_delete(&w, CG_PROTO_ESP, spis, n_spis);
	moved = !delete_ike && ike2_mobike_info_request(sa, msg, &w);
	ike2_sa_send_sk(sa, IKE2_EXCH_INFORMATIONAL, true, msg->h.mid, &w);
	ike2_w_free(&w);
	if (moved)
		ike2_mobike_updated(sa);
	if (delete_ike) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "peer deletes the IKE SA");
		if (closed)
			ike2_dpd_down_action(sa, false);
		else
			ike2_sa_down(sa);
		return IKE2_DESTROY;
	}
	return IKE2_KEEP;
}

enum ike2_verdict ike2_info_response(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	bool delete_ike = sa->req.op == IKE2_OP_IKE_DELETE;

	if (sa->req.op == IKE2_OP_DPD)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_DEBUG, "liveness check %u answered", sa->req.mid);
	ike2_sa_request_done(sa);
	if (delete_ike) {
		ike2_sa_down(sa);
		return IKE2_DESTROY;
	}
	ike2_sa_run_pending(sa);
	return IKE2_KEEP;
}

int ike2_info_delete_ike(struct ike2_sa *sa)
{
	struct ike2_w w;
	int err;

	if (sa->req.active)
		return ike2_sa_queue(sa, &(struct ike2_work){ .op = IKE2_OP_IKE_DELETE });
	ike2_w_init(&w);
	ike2_w_delete(&w, CG_PROTO_IKE, NULL, 0);
	err = ike2_sa_request(sa, IKE2_OP_IKE_DELETE, &w);
	ike2_w_free(&w);
	if (err)
		return err;
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "deleting the IKE SA");
	sa->state = IKE2_ST_DELETING;
	return 0;
}

int ike2_info_delete_child(struct ike2_sa *sa, uint32_t spi_in)
{
	struct ike2_child *c = ike2_child_by_spi_in(sa, spi_in);
	struct ike2_w w;
	int err;

	if (!c)
		return -ENOENT;
	if (sa->req.active)
		return ike2_sa_queue(sa, &(struct ike2_work){ .op = IKE2_OP_CHILD_DELETE,
							      .spi_in = spi_in });
	ike2_w_init(&w);
	ike2_w_delete(&w, CG_PROTO_ESP, &spi_in, 1);
	err = ike2_sa_request(sa, IKE2_OP_CHILD_DELETE, &w);
	ike2_w_free(&w);
	if (err)
		return err;
	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "deleting CHILD_SA %s{%u}", c->name, c->unique_id);
	child_unlink(sa, c);
	ike2_child_destroy(sa, c);
	return 0;
}
