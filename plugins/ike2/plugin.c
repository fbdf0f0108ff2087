/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ike2 plugin: registration for IKE major version 2, dispatch of
 * received messages to their IKE SA (message IDs, duplicate requests,
 * SK verification), start actions and trap policies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addchild.h"
#include "auth.h"
#include "child.h"
#include "contact.h"
#include "cookie.h"
#include "create.h"
#include "ctl.h"
#include "frag.h"
#include "ike2.h"
#include "ikesa.h"
#include "info.h"
#include "init.h"
#include "msg.h"
#include "nat.h"
#include "rekey.h"
#include "sk.h"

/* A message dropped before any IKE SA vouches for it: rate-limited (cg_log_refused). */
static void log_drop(struct ike2 *p, const struct cg_packet *pkt, const char *why)
{
	/* Exchange type at 18, flags at 19 (RFC 7296 3.1): the header may not have parsed. */
	bool init = pkt->len >= CG_IKE_HEADER_LEN && pkt->data[18] == IKE2_EXCH_SA_INIT &&
		    !(pkt->data[19] & IKE2_FLAG_R);
	char a[CG_ADDR_STRLEN];

	cg_log_refused(p->core, CG_LOG_ENC, init ? "IKE_SA_INIT" : "IKE messages", &pkt->src, why,
		       "message from %s dropped: %s", cg_addr_str(&pkt->src, a, sizeof(a)), why);
}

/* Answers a request with one notify (encrypted). */
static void respond_notify(struct ike2_sa *sa, const struct ike2_msg *msg, uint16_t type,
			   const uint8_t *data, size_t len)
{
	ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "answering %s request %u with %s",
		    ike2_exchange_name(msg->h.exchange), msg->h.mid, ike2_notify_name(type));
	ike2_sa_refuse(sa, msg, type, data, len);
}

static enum ike2_verdict dispatch_request(struct ike2_sa *sa, struct ike2_msg *msg)
{
	uint8_t critical;
	int err;

	if (sa->has_resp && msg->h.mid == sa->resp_mid && msg->h.mid + 1 == sa->mid_peer) {
		/* Of a fragmented request, only fragment 1 asks for the response (RFC 7383 2.6.1). */
		if (ike2_frag_number(msg) > 1)
			return IKE2_KEEP;
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO,
			    "request %u received again: retransmitting our response", msg->h.mid);
		/* With MOBIKE the peer may retransmit from its new path: answer there. */
		if (sa->mobike.supported)
			ike2_sa_transmit_via(sa, sa->resp, &msg->pkt->dst, &msg->pkt->src);
		else
			ike2_sa_transmit(sa, sa->resp);
		return IKE2_KEEP;
	}
	if (msg->h.mid != sa->mid_peer) {
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO,
			    "request with message ID %u dropped: expected %u", msg->h.mid,
			    sa->mid_peer);
		return IKE2_KEEP;
	}
	if (msg->h.exchange == IKE2_EXCH_SA_INIT)
		return IKE2_KEEP;
	err = ike2_sk_open(sa, msg);
	if (err == -EAGAIN)
		return IKE2_KEEP; /* a fragment, kept or dropped */
	if (err && err != -EPROTO) {
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "%s request %u dropped: %s",
			    ike2_exchange_name(msg->h.exchange), msg->h.mid,
			    err == -ENOMSG ? "no SK payload" : "integrity check failed");
		return IKE2_KEEP;
	}
	sa->mid_peer++;
	ike2_nat_update(sa, msg);
	sa->dpd.last_peer_ms = cg_now_ms(sa->core);
	if (err) {
		respond_notify(sa, msg, IKE2_N_INVALID_SYNTAX, NULL, 0);
		return sa->state == IKE2_ST_ESTABLISHED ? IKE2_KEEP : IKE2_DESTROY;
	}
	critical = ike2_chain_unknown_critical(&msg->pl);
	if (critical) {
		respond_notify(sa, msg, IKE2_N_UNSUPPORTED_CRITICAL_PAYLOAD, &critical, 1);
		return IKE2_KEEP;
	}
	switch (msg->h.exchange) {
	case IKE2_EXCH_AUTH:
		if (sa->state == IKE2_ST_INIT_DONE)
			return ike2_auth_request(sa, msg);
		break;
	case IKE2_EXCH_INFORMATIONAL:
		if (sa->state == IKE2_ST_ESTABLISHED || sa->state == IKE2_ST_DELETING)
			return ike2_info_request(sa, msg);
		break;
	case IKE2_EXCH_CREATE_CHILD_SA:
		if (sa->state == IKE2_ST_ESTABLISHED)
			return ike2_create_child_request(sa, msg);
		break;
	}
	respond_notify(sa, msg, IKE2_N_INVALID_SYNTAX, NULL, 0);
	return IKE2_KEEP;
}

static enum ike2_verdict dispatch_response(struct ike2_sa *sa, struct ike2_msg *msg)
{
	int err;

	if (!sa->req.active || msg->h.mid != sa->req.mid || msg->h.exchange != sa->req.exchange) {
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO,
			    "unexpected %s response %u dropped", ike2_exchange_name(msg->h.exchange),
			    msg->h.mid);
		return IKE2_KEEP;
	}
	if (sa->req.op == IKE2_OP_INIT) {
		msg->pl = msg->outer;
		return ike2_init_response(sa, msg);
	}
	err = ike2_sk_open(sa, msg);
	if (err == -EAGAIN)
		return IKE2_KEEP;
	if (err) {
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "%s response %u dropped: %s",
			    ike2_exchange_name(msg->h.exchange), msg->h.mid,
			    err == -EPROTO ? "malformed contents" : "integrity check failed");
		return IKE2_KEEP;
	}
	ike2_nat_update(sa, msg);
	sa->dpd.last_peer_ms = cg_now_ms(sa->core);
	/* The response goes where the request we sent says. */
	switch (sa->req.op) {
	case IKE2_OP_AUTH:
		return ike2_auth_response(sa, msg);
	case IKE2_OP_CHILD_ADD:
		return ike2_addchild_response(sa, msg);
	case IKE2_OP_CHILD_REKEY:
		return ike2_create_rekey_response(sa, msg);
	case IKE2_OP_IKE_REKEY:
		return ike2_rekey_ike_response(sa, msg);
	case IKE2_OP_CHILD_DELETE:
	case IKE2_OP_IKE_DELETE:
	case IKE2_OP_DPD:
		return ike2_info_response(sa, msg);
	case IKE2_OP_MOBIKE:
	case IKE2_OP_MOBIKE_CHECK:
	case IKE2_OP_MOBIKE_ADDRS:
		return ike2_mobike_response(sa, msg);
	default:
		ike2_sa_request_done(sa);
		ike2_sa_run_pending(sa);
		return IKE2_KEEP;
	}
}

/* A new IKE_SA_INIT request, or a retransmission of one we answered. */
static void recv_init_request(struct ike2 *p, struct ike2_msg *msg)
{
	struct cg_sa *entry = cg_sa_checkout_by_init(p->core, msg->h.spi_i, &msg->pkt->src);

	if (entry) {
		struct ike2_sa *sa = cg_sa_data(entry);

		if (sa->has_resp && sa->resp_mid == 0) {
			ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO,
				    "IKE_SA_INIT received again: retransmitting our response");
			cg_ike_send(p->core, &sa->local, &sa->remote, sa->resp.ptr, sa->resp.len);
		}
		cg_sa_checkin(p->core, entry);
		return;
	}
	/* Over a half-open limit the request is dropped before any state or DH. */
	switch (cg_sa_half_open_admit(p->core, &msg->pkt->src)) {
	case CG_HALF_OPEN_OK:
		break;
	case CG_HALF_OPEN_ADDRESS_FULL:
		log_drop(p, msg->pkt, "too many half-open IKE SAs from this address");
		return;
	case CG_HALF_OPEN_FULL:
		log_drop(p, msg->pkt, "too many half-open IKE SAs");
		return;
	}
	msg->pl = msg->outer;
	ike2_init_respond(p, msg);
}

static void ike2_recv(void *ctx, const struct cg_packet *pkt)
{
	struct ike2 *p = ctx;
	struct ike2_msg msg = { .pkt = pkt };
	enum ike2_verdict v;
	struct cg_sa *entry;
	struct ike2_sa *sa;
	bool response, from_initiator;
	uint64_t spi;

	if (ike2_hdr_parse(pkt->data, pkt->len, &msg.h)) {
		log_drop(p, pkt, "bad IKE header or length");
		return;
	}
	if (ike2_chain_parse(msg.h.next, pkt->data + CG_IKE_HEADER_LEN,
			     pkt->len - CG_IKE_HEADER_LEN, &msg.outer)) {
		log_drop(p, pkt, "bad payload lengths");
		return;
	}
	response = msg.h.flags & IKE2_FLAG_R;
	from_initiator = msg.h.flags & IKE2_FLAG_I;
	if (msg.h.exchange == IKE2_EXCH_SA_INIT && !response) {
		if (!from_initiator || msg.h.mid != 0 || msg.h.spi_r != 0 || !msg.h.spi_i)
			log_drop(p, pkt, "IKE_SA_INIT request with wrong flags, SPI or message ID");
		else
			recv_init_request(p, &msg);
		return;
	}
	spi = from_initiator ? msg.h.spi_r : msg.h.spi_i;
	entry = spi ? cg_sa_checkout_by_spi(p->core, spi) : NULL;
	if (!entry) {
		log_drop(p, pkt, "no IKE SA with this SPI");
		return;
	}
	sa = cg_sa_data(entry);
	if (sa->initiator == from_initiator ||
	    (from_initiator && msg.h.spi_i != sa->spi_i) ||
	    (!from_initiator && sa->state != IKE2_ST_INIT_SENT && msg.h.spi_r != sa->spi_r)) {
		cg_sa_checkin(p->core, entry);
		log_drop(p, pkt, "SPIs or initiator flag do not match the IKE SA");
		return;
	}
	v = response ? dispatch_response(sa, &msg) : dispatch_request(sa, &msg);
	free(msg.plain);
	if (v == IKE2_DESTROY) {
		ike2_sa_down(sa);
		cg_sa_checkin_destroy(p->core, entry);
	} else {
		cg_sa_checkin(p->core, entry);
	}
}

uint32_t ike2_next_child_id(struct ike2 *p)
{
	uint32_t id;

	pthread_mutex_lock(&p->lock);
	id = ++p->next_child_id;
	pthread_mutex_unlock(&p->lock);
	return id;
}

/*
 * Traps (start_action: trap).
 */

void ike2_trap_done(struct ike2 *p, uint32_t reqid)
{
	cg_traps_done(p->traps, reqid);
}

uint32_t ike2_trap_reqid(struct ike2 *p, const char *conn, const char *child)
{
	return cg_traps_reqid(p->traps, conn, child);
}

int ike2_trap_install(struct ike2 *p, const struct cg_conn_cfg *conn,
		      const struct cg_child_cfg *cc)
{
	return cg_traps_install(p->traps, conn, cc);
}

static void on_acquire(struct ike2 *p, const struct cg_kernel_acquire *acq)
{
	char conn[CG_NAME_MAX], child[CG_NAME_MAX];
	int err;

	if (!cg_traps_acquire(p->traps, acq, conn, child))
		return;
	cg_log(p->core, CG_LOG_CHD, CG_LVL_INFO, "acquire for reqid %u: initiating %s/%s",
	       acq->reqid, conn, child);
	/* A connection that is up gets the child on its IKE SA. */
	err = ike2_addchild_initiate(p, conn, child, acq, acq->reqid);
	if (err)
		ike2_trap_done(p, acq->reqid);
}

static void on_expire(struct ike2 *p, const struct cg_kernel_expire *ex)
{
	struct cg_sa *entry = cg_sa_checkout_by_reqid(p->core, ex->reqid);
	struct ike2_child *c = NULL;
	struct ike2_sa *sa;

	if (!entry)
		return;
	sa = cg_sa_data(entry);
	if (cg_sa_version(entry) == 2) {
		c = ike2_child_by_spi_in(sa, ex->id.spi);
		if (!c)
			c = ike2_child_by_spi_out(sa, ex->id.spi);
	}
	if (c && ex->hard) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "CHILD_SA %s{%u} reached its hard lifetime",
			    c->name, c->unique_id);
		ike2_info_delete_child(sa, c->spi_in);
	} else if (c) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "CHILD_SA %s{%u} reached its soft lifetime: rekeying",
			    c->name, c->unique_id);
		ike2_create_rekey_child(sa, c->spi_in);
	}
	cg_sa_checkin(p->core, entry);
}

static void on_event(void *ctx, const struct cg_event *ev)
{
	struct ike2 *p = ctx;

	char a[CG_ADDR_STRLEN], why[CG_ADDR_STRLEN + 16];

	if (ev->type == CG_EV_KERNEL_ACQUIRE) {
		on_acquire(p, &ev->u.acquire);
	} else if (ev->type == CG_EV_KERNEL_EXPIRE) {
		on_expire(p, &ev->u.expire);
	} else if (ev->type == CG_EV_KERNEL_MAPPING) {
		ike2_mobike_mapping(p, &ev->u.mapping);
	} else if (ev->type == CG_EV_ADDR_ADDED || ev->type == CG_EV_ADDR_REMOVED) {
		snprintf(why, sizeof(why), "address %s %s",
			 cg_addr_str(&ev->u.addr.addr, a, sizeof(a)),
			 ev->type == CG_EV_ADDR_ADDED ? "added" : "removed");
		ike2_mobike_roam(p, why);
	} else if (ev->type == CG_EV_LINK_UP || ev->type == CG_EV_LINK_DOWN) {
		ike2_mobike_roam(p, ev->type == CG_EV_LINK_UP ? "link up" : "link down");
	}
}

/*
 * Start actions.
 */

static void start_one(void *ctx, const char *conn, const char *child)
{
	struct ike2 *p = ctx;
	int err = ike2_addchild_join(p, conn, child);

	if (err)
		cg_log(p->core, CG_LOG_IKE, CG_LVL_ERROR, "%s/%s: start failed: %s", conn, child,
		       strerror(-err));
}

static void trap_one(void *ctx, const struct cg_conn_cfg *conn, const struct cg_child_cfg *cc)
{
	ike2_trap_install(ctx, conn, cc);
}

static void start_actions(struct ike2 *p)
{
	cg_conn_start_actions(p->core, 2, trap_one, start_one, p);
}

/*
 * Plugin life cycle.
 */

struct id_list {
	uint32_t *ids;
	size_t n, cap;
};

static void collect_id(void *ctx, struct cg_sa *sa)
{
	struct id_list *l = ctx;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		uint32_t *grown = realloc(l->ids, cap * sizeof(*grown));

		if (!grown)
			return;
		l->ids = grown;
		l->cap = cap;
	}
	l->ids[l->n++] = cg_sa_unique_id(sa);
}

/* Deletes every IKE SA (telling established peers) before the plugin's code goes away. */
static void sas_remove(struct ike2 *p)
{
	struct id_list l = { 0 };

	cg_sa_foreach(p->core, 2, collect_id, &l);
	for (size_t i = 0; i < l.n; i++) {
		struct cg_sa *entry = cg_sa_checkout_by_id(p->core, l.ids[i]);
		struct ike2_sa *sa;

		if (!entry)
			continue;
		sa = cg_sa_data(entry);
		if (sa->state == IKE2_ST_ESTABLISHED && !sa->req.active)
			ike2_info_delete_ike(sa);
		ike2_sa_down(sa);
		cg_sa_checkin_destroy(p->core, entry);
	}
	free(l.ids);
}

static void ike2_destroy(void *state)
{
	struct ike2 *p = state;

	if (!p)
		return;
	cg_bus_unsubscribe(p->core, p->sub);
	ike2_ctl_unregister(p);
	cg_ike_unregister(p->core, 2);
	sas_remove(p);
	cg_traps_free(p->traps);
	ike2_contact_cleanup(p);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int ike2_init(struct cg_core *core, void **state)
{
	struct ike2 *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	p->core = core;
	pthread_mutex_init(&p->lock, NULL);
	p->traps = cg_traps_new(core);
	err = p->traps ? ike2_contact_setup(p) : -ENOMEM;
	if (err) {
		cg_traps_free(p->traps);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return err;
	}
	err = ike2_cookie_setup(p);
	if (!err)
		err = cg_ike_register(core, 2, ike2_recv, p);
	if (err) {
		cg_log(core, CG_LOG_IKE, CG_LVL_ERROR, "cannot register for IKEv2: %s",
		       strerror(-err));
		goto err_free;
	}
	err = cg_bus_subscribe(core,
			       CG_EV_BIT(CG_EV_KERNEL_ACQUIRE) | CG_EV_BIT(CG_EV_KERNEL_EXPIRE) |
				       CG_EV_BIT(CG_EV_KERNEL_MAPPING) | CG_EV_BIT(CG_EV_ADDR_ADDED) |
				       CG_EV_BIT(CG_EV_ADDR_REMOVED) | CG_EV_BIT(CG_EV_LINK_UP) |
				       CG_EV_BIT(CG_EV_LINK_DOWN),
			       CG_BUS_JOB, on_event, p, &p->sub);
	if (err)
		goto err_unregister;
	err = ike2_ctl_register(p);
	if (err)
		goto err_unsubscribe;
	start_actions(p);
	*state = p;
	return 0;

err_unsubscribe:
	cg_bus_unsubscribe(core, p->sub);
err_unregister:
	cg_ike_unregister(core, 2);
err_free:
	cg_traps_free(p->traps);
	ike2_contact_cleanup(p);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return err;
}

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "ike2",
	.provides = (const char *const[]){ "ike:2", NULL },
	.needs = (const char *const[]){ "kernel", "?bypass", NULL },
	.check = ike2_cookie_config_check,
	.init = ike2_init,
	.destroy = ike2_destroy,
};
