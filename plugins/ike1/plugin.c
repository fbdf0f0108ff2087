/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ike1 plugin: registration for IKE major version 1 with the core's
 * socket layer, dispatch of each message to its ISAKMP SA and exchange,
 * start actions, trap policies and the kernel's acquires and expires.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike1.h"

uint32_t ike1_next_child_id(struct ike1 *p)
{
	uint32_t id;

	pthread_mutex_lock(&p->lock);
	id = ++p->next_child_id;
	pthread_mutex_unlock(&p->lock);
	return id;
}

bool ike1_am_warn_once(struct ike1 *p, const char *conn)
{
	uint64_t h = cg_hash64(conn, strlen(conn), 0);
	bool first = true;

	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->n_am_warned && first; i++)
		first = p->am_warned[i] != h;
	/* Past the table's size the warning repeats rather than goes missing. */
	if (first && p->n_am_warned < CG_ARRAY_SIZE(p->am_warned))
		p->am_warned[p->n_am_warned++] = h;
	pthread_mutex_unlock(&p->lock);
	return first;
}

void ike1_trap_done(struct ike1 *p, uint32_t reqid)
{
	if (reqid)
		cg_traps_done(p->traps, reqid);
}

uint32_t ike1_trap_reqid(struct ike1 *p, const char *conn, const char *child)
{
	return cg_traps_reqid(p->traps, conn, child);
}

/* The established ISAKMP SA of a connection, checked out, or NULL. */
struct find_sa {
	const char *conn;
	uint32_t id;
};

static void find_established(void *ctx, struct cg_sa *entry)
{
	struct find_sa *f = ctx;
	struct ike1_sa *sa = cg_sa_data(entry);

	if (!f->id && sa->state == IKE1_ST_ESTABLISHED && !strcmp(sa->name, f->conn))
		f->id = cg_sa_unique_id(entry);
}

/* A child on the connection's ISAKMP SA when it is up, else a new Main Mode first. */
static int start_child(struct ike1 *p, const char *conn, const char *child,
		       const struct cg_kernel_acquire *acq, uint32_t trap_reqid)
{
	struct find_sa f = { .conn = conn };
	struct cg_sa *entry;
	int err;

	cg_sa_foreach(p->core, 1, find_established, &f);
	entry = f.id ? cg_sa_checkout_by_id(p->core, f.id) : NULL;
	if (!entry)
		return ike1_main_initiate(p, conn, child, acq, trap_reqid);
	err = ike1_quick_initiate(cg_sa_data(entry), child, acq, trap_reqid);
	cg_sa_checkin(p->core, entry);
	return err;
}

int ike1_initiate(struct ike1 *p, const char *conn, const char *child, bool new_sa)
{
	return new_sa ? ike1_main_initiate(p, conn, child, NULL, 0)
		      : start_child(p, conn, child, NULL, 0);
}

static void on_acquire(struct ike1 *p, const struct cg_kernel_acquire *acq)
{
	char conn[CG_NAME_MAX], child[CG_NAME_MAX];

	if (!cg_traps_acquire(p->traps, acq, conn, child))
		return;
	cg_log(p->core, CG_LOG_CHD, CG_LVL_INFO, "acquire for reqid %u: initiating %s/%s (IKEv1)",
	       acq->reqid, conn, child);
	if (start_child(p, conn, child, acq, acq->reqid))
		ike1_trap_done(p, acq->reqid);
}

/* A hard expire removes the child and tells the peer; rekeying is not done yet. */
static void on_expire(struct ike1 *p, const struct cg_kernel_expire *ex)
{
	struct cg_sa *entry = cg_sa_checkout_by_reqid(p->core, ex->reqid);
	struct ike1_sa *sa;
	struct ike1_child *c;

	if (!entry)
		return;
	sa = cg_sa_data(entry);
	if (cg_sa_version(entry) == 1 && ex->hard) {
		c = ike1_child_by_spi(sa, ex->id.spi, true);
		if (!c)
			c = ike1_child_by_spi(sa, ex->id.spi, false);
		if (c) {
			ike1_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "IPsec SA %s{%u} reached its hard "
				    "lifetime", c->name, c->unique_id);
			ike1_info_delete_child(sa, c);
		}
	}
	cg_sa_checkin(p->core, entry);
}

static void on_event(void *ctx, const struct cg_event *ev)
{
	if (ev->type == CG_EV_KERNEL_ACQUIRE)
		on_acquire(ctx, &ev->u.acquire);
	else if (ev->type == CG_EV_KERNEL_EXPIRE)
		on_expire(ctx, &ev->u.expire);
}

/*
 * Receiving.
 */

static void log_drop(struct ike1 *p, const struct cg_packet *pkt, const char *why)
{
	char a[CG_ADDR_STRLEN];

	cg_log(p->core, CG_LOG_ENC, CG_LVL_INFO, "IKEv1 message from %s dropped: %s",
	       cg_addr_str(&pkt->src, a, sizeof(a)), why);
}

/* The SA a message belongs to, by our cookie, checked out; NULL when none. */
static struct cg_sa *lookup(struct ike1 *p, const struct ike1_hdr *h)
{
	struct cg_sa *entry = h->cr ? cg_sa_checkout_by_spi(p->core, h->cr) : NULL;
	struct ike1_sa *sa;

	if (entry) {
		sa = cg_sa_data(entry);
		if (cg_sa_version(entry) == 1 && !sa->initiator && sa->ci == h->ci)
			return entry;
		cg_sa_checkin(p->core, entry);
	}
	entry = cg_sa_checkout_by_spi(p->core, h->ci);
	if (!entry)
		return NULL;
	sa = cg_sa_data(entry);
	/* The responder's cookie is learnt from its first answer (main.c). */
	if (cg_sa_version(entry) == 1 && sa->initiator &&
	    (sa->cr == h->cr ||
	     ((sa->state == IKE1_ST_MM_SA_SENT || sa->state == IKE1_ST_AM_SENT) && h->cr)))
		return entry;
	cg_sa_checkin(p->core, entry);
	return NULL;
}

static void new_main_mode(struct ike1 *p, const struct cg_packet *pkt, const struct ike1_hdr *h)
{
	struct cg_sa *entry = cg_sa_checkout_by_init(p->core, h->ci, &pkt->src);
	struct ike1_chain c;

	if (entry) {
		if (cg_sa_version(entry) == 1)
			ike1_sa_repeat(cg_sa_data(entry), pkt->data, pkt->len);
		cg_sa_checkin(p->core, entry);
		return;
	}
	if (h->flags & IKE1_FLAG_E || h->mid ||
	    ike1_chain_parse(h->next, pkt->data + CG_IKE_HEADER_LEN, pkt->len - CG_IKE_HEADER_LEN,
			     false, &c)) {
		log_drop(p, pkt, "malformed first phase 1 message");
		return;
	}
	ike1_main_respond(p, pkt, h, &c);
}

static void ike1_recv(void *ctx, const struct cg_packet *pkt)
{
	struct ike1 *p = ctx;
	enum ike1_verdict v = IKE1_KEEP;
	struct cg_sa *entry;
	struct ike1_sa *sa;
	struct ike1_hdr h;

	if (ike1_hdr_parse(pkt->data, pkt->len, &h)) {
		log_drop(p, pkt, "bad ISAKMP header or length");
		return;
	}
	if ((h.exchange == IKE1_EXCH_MAIN || h.exchange == IKE1_EXCH_AGGRESSIVE) && !h.cr) {
		new_main_mode(p, pkt, &h);
		return;
	}
	entry = lookup(p, &h);
	if (!entry) {
		log_drop(p, pkt, "no ISAKMP SA with these cookies");
		return;
	}
	sa = cg_sa_data(entry);
	switch (h.exchange) {
	case IKE1_EXCH_MAIN:
	case IKE1_EXCH_AGGRESSIVE: v = ike1_main_recv(sa, pkt, &h); break;
	case IKE1_EXCH_QUICK: v = ike1_quick_recv(sa, pkt, &h); break;
	case IKE1_EXCH_INFO: v = ike1_info_recv(sa, pkt, &h); break;
	default:
		ike1_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "%s (%u) not supported: dropped",
			    ike1_exchange_name(h.exchange), h.exchange);
		break;
	}
	if (v == IKE1_DESTROY) {
		ike1_sa_down(sa);
		cg_sa_checkin_destroy(p->core, entry);
	} else {
		cg_sa_checkin(p->core, entry);
	}
}

/*
 * Start actions and life cycle.
 */

static void start_one(void *ctx, const char *conn, const char *child)
{
	struct ike1 *p = ctx;
	int err = ike1_initiate(p, conn, child, false);

	if (err)
		cg_log(p->core, CG_LOG_IKE, CG_LVL_ERROR, "%s/%s: IKEv1 start failed: %s", conn,
		       child, strerror(-err));
}

static void trap_one(void *ctx, const struct cg_conn_cfg *conn, const struct cg_child_cfg *cc)
{
	struct ike1 *p = ctx;

	cg_traps_install(p->traps, conn, cc);
}

struct ids {
	uint32_t v[256];
	size_t n;
};

static void collect(void *ctx, struct cg_sa *sa)
{
	struct ids *l = ctx;

	if (l->n < CG_ARRAY_SIZE(l->v))
		l->v[l->n++] = cg_sa_unique_id(sa);
}

static void ike1_destroy(void *state)
{
	struct ike1 *p = state;
	struct ids l = { 0 };

	if (!p)
		return;
	cg_bus_unsubscribe(p->core, p->sub);
	ike1_ctl_unregister(p);
	cg_ike_unregister(p->core, 1);
	/* Every ISAKMP SA goes, established peers told, before the plugin's code does. */
	do {
		l.n = 0;
		cg_sa_foreach(p->core, 1, collect, &l);
		for (size_t i = 0; i < l.n; i++) {
			struct cg_sa *entry = cg_sa_checkout_by_id(p->core, l.v[i]);

			if (!entry)
				continue;
			ike1_info_delete_sa(cg_sa_data(entry));
			ike1_sa_down(cg_sa_data(entry));
			cg_sa_checkin_destroy(p->core, entry);
		}
	} while (l.n == CG_ARRAY_SIZE(l.v));
	cg_traps_free(p->traps);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int ike1_init(struct cg_core *core, void **state)
{
	struct ike1 *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	p->core = core;
	pthread_mutex_init(&p->lock, NULL);
	p->traps = cg_traps_new(core);
	err = p->traps ? cg_ike_register(core, 1, ike1_recv, p) : -ENOMEM;
	if (err) {
		cg_log(core, CG_LOG_IKE, CG_LVL_ERROR, "cannot register for IKEv1: %s",
		       strerror(-err));
		goto err_free;
	}
	err = cg_bus_subscribe(core, CG_EV_BIT(CG_EV_KERNEL_ACQUIRE) | CG_EV_BIT(CG_EV_KERNEL_EXPIRE),
			       CG_BUS_JOB, on_event, p, &p->sub);
	if (!err)
		err = ike1_ctl_register(p);
	if (err) {
		cg_bus_unsubscribe(core, p->sub);
		cg_ike_unregister(core, 1);
		goto err_free;
	}
	cg_conn_start_actions(core, 1, trap_one, start_one, p);
	*state = p;
	return 0;

err_free:
	cg_traps_free(p->traps);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return err;
}

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "ike1",
	.provides = (const char *const[]){ "ike:1", NULL },
	.needs = (const char *const[]){ "kernel", "?bypass", NULL },
	.init = ike1_init,
	.destroy = ike1_destroy,
};
