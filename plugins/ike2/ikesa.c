/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IKE SA object: creation in the SA manager, message IDs, one
 * outstanding request with bit-identical retransmissions (RFC 7296 2.1,
 * strongSwan's timing), the cached last response for duplicate requests
 * (2.1), and teardown.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addchild.h"
#include "child.h"
#include "contact.h"
#include "cp.h"
#include "create.h"
#include "ctl.h"
#include "dpd.h"
#include "frag.h"
#include "ike2.h"
#include "ikesa.h"
#include "info.h"
#include "move.h"
#include "msg.h"
#include "rekey.h"
#include "sk.h"

/* Which request a retransmit timer was armed for. */
struct retransmit_timer {
	uint32_t mid;
	unsigned tries;
};

uint64_t ike2_sa_local_spi(const struct ike2_sa *sa)
{
	return sa->initiator ? sa->spi_i : sa->spi_r;
}

void ike2_sa_log(struct ike2_sa *sa, enum cg_subsys subsys, enum cg_level level,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cg_sa_logv(sa->core, sa->entry, sa->name, sa->spi_i, sa->spi_r, subsys, level, fmt, ap);
	va_end(ap);
}

static void pending_free(struct ike2_pending_child *pc)
{
	if (!pc)
		return;
	cg_ke_free(pc->ke, &pc->ke_ctx);
	cg_chunk_free(&pc->nonce);
	free(pc);
}

static void sa_free(void *data)
{
	struct ike2_sa *sa = data;
	struct ike2_child *c, *next;

	if (!sa)
		return;
	if (sa->req.active && sa->req.timer)
		cg_timer_cancel(sa->core, sa->req.timer);
	if (sa->half_open_timer)
		cg_timer_cancel(sa->core, sa->half_open_timer);
	if (sa->dpd.timer)
		cg_timer_cancel(sa->core, sa->dpd.timer);
	if (sa->rekey_timer)
		cg_timer_cancel(sa->core, sa->rekey_timer);
	if (sa->nat.keepalive_timer)
		cg_timer_cancel(sa->core, sa->nat.keepalive_timer);
	ike2_contact_forget(sa);
	ike2_rekey_ike_abandon(sa);
	ike2_mobike_stop(sa);
	ike2_frag_discard(sa, false);
	ike2_frag_discard(sa, true);
	cg_chunk_free(&sa->req.data);
	cg_chunk_free(&sa->resp);
	for (c = sa->children; c; c = next) {
		next = c->next;
		ike2_child_free(c);
	}
	cg_ke_free(sa->ke, &sa->ke_ctx);
	if (sa->rekey) {
		cg_ke_free(sa->rekey->ke, &sa->rekey->ke_ctx);
		cg_chunk_free(&sa->rekey->nonce);
		cg_chunk_free(&sa->rekey->nonce_r);
		cg_chunk_free(&sa->rekey->collided_nonce);
		free(sa->rekey);
	}
	pending_free(sa->pending);
	pending_free(sa->add);
	while (sa->queue) {
		struct ike2_work *w = sa->queue;

		sa->queue = w->next;
		free(w);
	}
	free(sa->cp);
	cg_chunk_clear(&sa->sk_e_out);
	cg_chunk_clear(&sa->sk_e_in);
	cg_chunk_clear(&sa->sk_a_out);
	cg_chunk_clear(&sa->sk_a_in);
	cg_chunk_clear(&sa->sk_d);
	cg_chunk_clear(&sa->sk_pi);
	cg_chunk_clear(&sa->sk_pr);
	cg_chunk_free(&sa->ni);
	cg_chunk_free(&sa->nr);
	cg_chunk_free(&sa->init_req);
	cg_chunk_free(&sa->init_resp);
	cg_chunk_free(&sa->cookie);
	cg_id_free(&sa->id_local);
	cg_id_free(&sa->id_remote);
	cg_config_unref(sa->cfg);
	free(sa);
}

const struct cg_sa_ops ike2_sa_ops = {
	.destroy = sa_free,
	.describe = ike2_ctl_sa_describe,
	.children = ike2_move_children,
	.move_ike = ike2_move_ike,
	.move_child = ike2_move_child,
	.restart = ike2_move_restart,
};

int ike2_sa_create(struct ike2 *p, bool initiator, struct cg_config *cfg,
		   const struct cg_conn_cfg *conn, const struct cg_addr *local,
		   const struct cg_addr *remote, uint64_t spi_i, struct ike2_sa **ret)
{
	struct ike2_sa *sa = calloc(1, sizeof(*sa));
	struct cg_sa *entry = NULL;
	uint64_t spi = 0;
	int err;

	if (!sa) {
		cg_config_unref(cfg);
		return -ENOMEM;
	}
	sa->plugin = p;
	sa->core = p->core;
	sa->cfg = cfg;
	sa->conn = conn;
	snprintf(sa->name, sizeof(sa->name), "%s", conn->name);
	sa->initiator = initiator;
	sa->state = initiator ? IKE2_ST_INIT_SENT : IKE2_ST_INIT_DONE;
	sa->local = *local;
	sa->remote = *remote;
	sa->dpd.last_peer_ms = cg_now_ms(p->core);
	err = cg_sa_add_role(p->core, 2, conn->name, sa, &ike2_sa_ops, initiator ? 0 : spi_i,
			     remote, &spi, &entry);
	if (err) {
		if (!entry)
			sa_free(sa);
		return err;
	}
	sa->entry = entry;
	sa->spi_i = initiator ? spi : spi_i;
	sa->spi_r = initiator ? 0 : spi;
	*ret = sa;
	return 0;
}

void ike2_sa_hdr(const struct ike2_sa *sa, struct ike2_w *w, uint8_t exchange, bool response,
		 uint32_t mid, uint8_t first)
{
	struct ike2_hdr h = {
		.spi_i = sa->spi_i,
		.spi_r = sa->state == IKE2_ST_INIT_SENT ? 0 : sa->spi_r,
		.next = first,
		.exchange = exchange,
		.flags = (sa->initiator ? IKE2_FLAG_I : 0) | (response ? IKE2_FLAG_R : 0),
		.mid = mid,
	};

	ike2_w_hdr(w, &h);
}

/* data is one message or several fragments back to back, each with its length in its header. */
int ike2_sa_transmit(struct ike2_sa *sa, struct cg_chunk data)
{
	return ike2_sa_transmit_via(sa, data, &sa->local, &sa->remote);
}

int ike2_sa_transmit_via(struct ike2_sa *sa, struct cg_chunk data, const struct cg_addr *local,
			 const struct cg_addr *remote)
{
	size_t off = 0;
	int err = 0;

	while (off < data.len) {
		size_t len = data.len - off;

		uint32_t mlen = ike2_hdr_length(data.ptr + off, len);

		if (mlen >= CG_IKE_HEADER_LEN && mlen <= len)
			len = mlen;
		err = cg_ike_send(sa->core, local, remote, data.ptr + off, len);
		if (err) {
			ike2_sa_log(sa, CG_LOG_NET, CG_LVL_WARN, "sending %zu bytes failed: %s", len,
				    strerror(-err));
			return err;
		}
		off += len;
	}
	return err;
}

static enum cg_sa_verdict retransmit_job(struct cg_sa *entry, void *arg);

static void arm_retransmit(struct ike2_sa *sa)
{
	struct retransmit_timer t = { .mid = sa->req.mid, .tries = sa->req.tries };

	cg_sa_timer_add(sa->core, ike2_sa_local_spi(sa), cg_sa_retransmit_delay(sa->req.tries),
			retransmit_job, &t, sizeof(t), &sa->req.timer);
}

static enum cg_sa_verdict retransmit_job(struct cg_sa *entry, void *arg)
{
	const struct retransmit_timer *t = arg;
	struct ike2_sa *sa = cg_sa_data(entry);

	if (!sa->req.active || sa->req.mid != t->mid || sa->req.tries != t->tries)
		return CG_SA_KEEP;
	if (sa->req.tries >= IKE2_RETRANSMIT_TRIES) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
			    "giving up after %u retransmits of %s request %u", sa->req.tries,
			    ike2_exchange_name(sa->req.exchange), sa->req.mid);
		sa->req.timer = 0;
		if (sa->state == IKE2_ST_ESTABLISHED) {
			/* The peer is dead: its children get their dpd_action. */
			ike2_dpd_down_action(sa, true);
		} else {
			ike2_dpd_retry_establish(sa);
			ike2_sa_down(sa);
		}
		return CG_SA_DESTROY;
	}
	sa->req.tries++;
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "retransmit %u of %s request %u", sa->req.tries,
		    ike2_exchange_name(sa->req.exchange), sa->req.mid);
	ike2_sa_transmit(sa, sa->req.data);
	arm_retransmit(sa);
	return CG_SA_KEEP;
}

static uint8_t op_exchange(enum ike2_op op)
{
	switch (op) {
	case IKE2_OP_INIT:
		return IKE2_EXCH_SA_INIT;
	case IKE2_OP_AUTH:
		return IKE2_EXCH_AUTH;
	case IKE2_OP_CHILD_ADD:
	case IKE2_OP_CHILD_REKEY:
	case IKE2_OP_IKE_REKEY:
		return IKE2_EXCH_CREATE_CHILD_SA;
	default:
		return IKE2_EXCH_INFORMATIONAL;
	}
}

int ike2_sa_send_request(struct ike2_sa *sa, enum ike2_op op, struct cg_chunk data)
{
	if (sa->req.active) {
		cg_chunk_free(&data);
		return -EBUSY;
	}
	sa->req = (struct ike2_request){
		.active = true, .op = op, .exchange = op_exchange(op), .mid = sa->mid_next,
		.data = data,
	};
	sa->mid_next++;
	ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_DEBUG, "sending %s request %u (%zu bytes)",
		    ike2_exchange_name(sa->req.exchange), sa->req.mid, data.len);
	ike2_sa_transmit(sa, data);
	arm_retransmit(sa);
	return 0;
}

void ike2_sa_request_done(struct ike2_sa *sa)
{
	if (sa->req.active && sa->req.timer)
		cg_timer_cancel(sa->core, sa->req.timer);
	cg_chunk_free(&sa->req.data);
	sa->req = (struct ike2_request){ 0 };
	ike2_frag_discard(sa, true);
}

int ike2_sa_send_response(struct ike2_sa *sa, uint32_t mid, struct cg_chunk data)
{
	cg_chunk_free(&sa->resp);
	sa->resp = data;
	sa->resp_mid = mid;
	sa->has_resp = true;
	ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_DEBUG, "sending response %u (%zu bytes)", mid,
		    data.len);
	return ike2_sa_transmit(sa, data);
}

/* Seals inner into a message of ours in *data. */
static int sa_seal(struct ike2_sa *sa, uint8_t exchange, bool response, uint32_t mid,
		   struct ike2_w *inner, struct cg_chunk *data)
{
	struct ike2_hdr h = {
		.spi_i = sa->spi_i,
		.spi_r = sa->spi_r,
		.exchange = exchange,
		.flags = (sa->initiator ? IKE2_FLAG_I : 0) | (response ? IKE2_FLAG_R : 0),
		.mid = mid,
	};
	int err = ike2_sk_seal(sa, &h, inner, data);

	if (err)
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_ERROR, "encrypting %s failed: %s",
			    ike2_exchange_name(exchange), strerror(-err));
	return err;
}

int ike2_sa_send_sk(struct ike2_sa *sa, uint8_t exchange, bool response, uint32_t mid,
		    struct ike2_w *inner)
{
	struct cg_chunk data;
	int err;

	/* A request says what it is: ike2_sa_request. */
	if (!response)
		return -EINVAL;
	err = sa_seal(sa, exchange, true, mid, inner, &data);
	return err ? err : ike2_sa_send_response(sa, mid, data);
}

int ike2_sa_request(struct ike2_sa *sa, enum ike2_op op, struct ike2_w *inner)
{
	struct cg_chunk data;
	int err;

	if (sa->req.active)
		return -EBUSY;
	err = sa_seal(sa, op_exchange(op), false, sa->mid_next, inner, &data);
	return err ? err : ike2_sa_send_request(sa, op, data);
}

static bool work_same(const struct ike2_work *a, const struct ike2_work *b)
{
	return a->op == b->op && (a->op == IKE2_OP_IKE_DELETE || a->op == IKE2_OP_MOBIKE ||
				  a->op == IKE2_OP_MOBIKE_CHECK || a->op == IKE2_OP_MOBIKE_ADDRS ||
				  ((a->op == IKE2_OP_CHILD_REKEY || a->op == IKE2_OP_CHILD_DELETE) &&
				   a->spi_in == b->spi_in));
}

int ike2_sa_queue(struct ike2_sa *sa, const struct ike2_work *w)
{
	struct ike2_work **at = &sa->queue, *copy;

	for (struct ike2_work *q = sa->queue; q; q = q->next)
		if (work_same(q, w))
			return 0;
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *w;
	if (w->op != IKE2_OP_IKE_DELETE)
		while (*at)
			at = &(*at)->next;
	copy->next = *at;
	*at = copy;
	return 0;
}

void ike2_sa_queue_move(struct ike2_sa *from, struct ike2_sa *to)
{
	struct ike2_work **at = &to->queue, **keep = &from->queue;

	while (*at)
		at = &(*at)->next;
	while (*keep) {
		struct ike2_work *w = *keep;

		/* A delete of the old IKE SA stays with it. */
		if (w->op == IKE2_OP_IKE_DELETE) {
			keep = &w->next;
			continue;
		}
		*keep = w->next;
		w->next = NULL;
		*at = w;
		at = &w->next;
	}
}

/* Starts one piece of queued work; an error means it is done with (and logged). */
static void run_work(struct ike2_sa *sa, struct ike2_work *w)
{
	switch (w->op) {
	case IKE2_OP_IKE_DELETE:
		ike2_info_delete_ike(sa);
		break;
	case IKE2_OP_CHILD_REKEY:
		ike2_create_rekey_child(sa, w->spi_in);
		break;
	case IKE2_OP_CHILD_DELETE:
		ike2_info_delete_child(sa, w->spi_in);
		break;
	case IKE2_OP_CHILD_ADD:
		ike2_addchild_run(sa, w);
		break;
	case IKE2_OP_MOBIKE:
	case IKE2_OP_MOBIKE_CHECK:
	case IKE2_OP_MOBIKE_ADDRS:
		ike2_mobike_run(sa, w->op);
		break;
	default:
		break;
	}
}

/* Drops the queued work; a child an acquire asked for lets its trap trigger again. */
static void queue_drop(struct ike2_sa *sa)
{
	while (sa->queue) {
		struct ike2_work *w = sa->queue;

		sa->queue = w->next;
		if (w->op == IKE2_OP_CHILD_ADD && w->trap_reqid)
			ike2_trap_done(sa->plugin, w->trap_reqid);
		free(w);
	}
}

int ike2_sa_refuse(struct ike2_sa *sa, const struct ike2_msg *msg, uint16_t type,
		   const uint8_t *data, size_t len)
{
	struct ike2_w w;
	int err;

	ike2_w_init(&w);
	ike2_w_notify(&w, 0, type, NULL, 0, data, len);
	err = ike2_sa_send_sk(sa, msg->h.exchange, true, msg->h.mid, &w);
	ike2_w_free(&w);
	return err;
}

int ike2_sa_refuse_group(struct ike2_sa *sa, const struct ike2_msg *msg, uint16_t type,
			 uint16_t group)
{
	uint8_t data[2];

	cg_put16(data, group);
	return ike2_sa_refuse(sa, msg, type, data, group ? sizeof(data) : 0);
}

void ike2_sa_run_pending(struct ike2_sa *sa)
{
	while (sa->queue && !sa->req.active && sa->state == IKE2_ST_ESTABLISHED) {
		struct ike2_work *w = sa->queue;

		sa->queue = w->next;
		run_work(sa, w);
		free(w);
	}
}

static void dpd_arm(struct ike2_sa *sa, uint64_t delay_ms);

static enum cg_sa_verdict dpd_job(struct cg_sa *entry, void *arg)
{
	struct ike2_sa *sa = cg_sa_data(entry);
	struct ike2_w w;
	uint64_t wait;

	(void)arg;
	sa->dpd.timer = 0;
	if (sa->state == IKE2_ST_ESTABLISHED) {
		/* Nothing to check while the peer was heard from within dpd_delay. */
		wait = ike2_dpd_wait(sa);
		/* An empty INFORMATIONAL; an unanswered one ends the SA like any request. */
		if (!wait && !sa->req.active) {
			ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_DEBUG, "sending a liveness check");
			ike2_w_init(&w);
			ike2_sa_request(sa, IKE2_OP_DPD, &w);
			ike2_w_free(&w);
		}
		dpd_arm(sa, wait ? wait : sa->conn->dpd_delay * 1000);
	}
	return CG_SA_KEEP;
}

void ike2_sa_arm_dpd(struct ike2_sa *sa)
{
	dpd_arm(sa, sa->conn->dpd_delay * 1000);
}

static void dpd_arm(struct ike2_sa *sa, uint64_t delay_ms)
{
	if (!sa->conn->dpd_delay || sa->dpd.timer)
		return;
	cg_sa_timer_add(sa->core, ike2_sa_local_spi(sa), delay_ms, dpd_job, NULL, 0,
			&sa->dpd.timer);
}

void ike2_sa_publish(struct ike2_sa *sa, enum cg_event_type type)
{
	cg_sa_publish(sa->core, sa->entry, type, sa->name, sa->spi_i, sa->spi_r, &sa->local, &sa->remote);
}

void ike2_sa_down(struct ike2_sa *sa)
{
	if (sa->down)
		return;
	sa->down = true;
	ike2_contact_forget(sa);
	while (sa->children) {
		struct ike2_child *c = sa->children;

		sa->children = c->next;
		ike2_child_destroy(sa, c);
	}
	ike2_child_abandon(sa, &sa->pending);
	ike2_child_abandon(sa, &sa->add);
	queue_drop(sa);
	ike2_create_abandon(sa);
	ike2_cp_release(sa);
	ike2_rekey_ike_abandon(sa);
	ike2_mobike_stop(sa);
	if (sa->rekeyed) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "replaced IKE SA deleted");
	} else if (sa->state == IKE2_ST_ESTABLISHED || sa->state == IKE2_ST_DELETING) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "IKE SA deleted");
		ike2_sa_publish(sa, CG_EV_IKE_DOWN);
	}
	ike2_sa_request_done(sa);
}
