/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * MOBIKE (RFC 4555) and NAT mapping changes.
 *
 * Both ends announce MOBIKE_SUPPORTED in IKE_AUTH (connection key
 * `mobike`). The initiator follows the local addresses and links: when the
 * kernel would now reach the peer from another address (ours went away, or
 * the route changed), or reaches it only at one of the peer's
 * ADDITIONAL_*_ADDRESS, every message goes the new path and an
 * INFORMATIONAL with UPDATE_SA_ADDRESSES, NAT detection and COOKIE2 tells
 * the peer; its response moves the children (cg_sa_move, the core's one
 * move operation). Without a path the SA waits and checks again, and DPD
 * decides as always. The responder follows an authentic update at once
 * for the IKE SA, and moves the children after a return routability check
 * (COOKIE2 in an INFORMATIONAL of its own) when the peer's address changed,
 * and tells the peer its own addresses again when they change.
 *
 * A NAT's new mapping of the peer (the kernel's MAPPING event on ESP) is
 * followed only once an authentic IKE message came from there (RFC 7296
 * 2.23, nat.c); the event asks for one with a liveness check.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "create.h"
#include "ikesa.h"
#include "mobike.h"
#include "nat.h"

/* Without a path to the peer, the initiator looks again this often. */
#define MOBIKE_RETRY_MS 5000u

/*
 * Our addresses.
 */

/* Addresses worth announcing: not loopback, not IPv6 link-local, not unspecified (nor on lo: addrs_one). */
static bool addr_announce(const struct cg_addr *a)
{
	static const uint8_t loop6[16] = { [15] = 1 };

	if (cg_addr_is_any(a))
		return false;
	if (a->family == AF_INET)
		return a->u.bytes[0] != 127;
	return a->family == AF_INET6 && memcmp(a->u.bytes, loop6, 16) &&
	       !(a->u.bytes[0] == 0xfe && (a->u.bytes[1] & 0xc0) == 0x80);
}

struct addrs_out {
	const struct cg_addr *own;    /* the IKE SA's address: not additional */
	struct ike2_w *w;
	size_t n;
};

static bool addrs_one(void *ctx, const struct cg_addr *a, uint8_t prefixlen, int ifindex,
		      const char *ifname)
{
	struct addrs_out *o = ctx;

	(void)prefixlen;
	(void)ifindex;
	/* Addresses on lo are not on any path (often inside the tunnel's selectors). */
	if (!addr_announce(a) || cg_addr_equal(a, o->own) || !strcmp(ifname, "lo"))
		return true;
	ike2_w_notify(o->w, 0,
		      a->family == AF_INET ? IKE2_N_ADDITIONAL_IP4_ADDRESS
					   : IKE2_N_ADDITIONAL_IP6_ADDRESS,
		      NULL, 0, a->u.bytes, a->family == AF_INET ? 4 : 16);
	return ++o->n < IKE2_MOBIKE_ADDRS;
}

/* ADDITIONAL_IP4/IP6_ADDRESS for our other addresses, or NO_ADDITIONAL_ADDRESSES. */
static void write_addrs(struct ike2_sa *sa, struct ike2_w *w)
{
	struct addrs_out o = { .own = &sa->local, .w = w };

	cg_net_foreach_addr(sa->core, addrs_one, &o);
	if (!o.n)
		ike2_w_notify(w, 0, IKE2_N_NO_ADDITIONAL_ADDRESSES, NULL, 0, NULL, 0);
}

/* The peer's list, when msg carries one (any ADDITIONAL_* or NO_ADDITIONAL_ADDRESSES). */
static void read_addrs(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	struct cg_addr got[IKE2_MOBIKE_ADDRS];
	bool listed = ike2_chain_notify(&msg->pl, IKE2_N_NO_ADDITIONAL_ADDRESSES, NULL);
	size_t n = 0;

	for (size_t i = 0; i < msg->pl.n; i++) {
		struct ike2_notify nt;
		struct cg_addr a = { 0 };

		if (msg->pl.pl[i].type != IKE2_PL_NOTIFY || ike2_notify_parse(&msg->pl.pl[i], &nt))
			continue;
		if (nt.type == IKE2_N_ADDITIONAL_IP4_ADDRESS && nt.data_len == 4)
			a.family = AF_INET;
		else if (nt.type == IKE2_N_ADDITIONAL_IP6_ADDRESS && nt.data_len == 16)
			a.family = AF_INET6;
		else
			continue;
		listed = true;
		memcpy(a.u.bytes, nt.data, nt.data_len);
		if (n < IKE2_MOBIKE_ADDRS)
			got[n++] = a;
	}
	if (!listed)
		return;
	memcpy(sa->mobike.peer, got, n * sizeof(got[0]));
	sa->mobike.n_peer = n;
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_DEBUG, "peer lists %zu additional addresses", n);
}

/*
 * Negotiation in IKE_AUTH.
 */

void ike2_mobike_write_auth(struct ike2_sa *sa, struct ike2_w *w)
{
	if (!sa->conn->mobike)
		return;
	ike2_w_notify(w, 0, IKE2_N_MOBIKE_SUPPORTED, NULL, 0, NULL, 0);
	write_addrs(sa, w);
}

void ike2_mobike_auth_request(struct ike2_sa *sa, const struct ike2_msg *msg, struct ike2_w *w)
{
	if (!sa->conn->mobike || !ike2_chain_notify(&msg->pl, IKE2_N_MOBIKE_SUPPORTED, NULL))
		return;
	sa->mobike.supported = true;
	read_addrs(sa, msg);
	ike2_mobike_write_auth(sa, w);
}

void ike2_mobike_auth_response(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	if (!sa->conn->mobike || !ike2_chain_notify(&msg->pl, IKE2_N_MOBIKE_SUPPORTED, NULL))
		return;
	sa->mobike.supported = true;
	sa->mobike.mover = true;
	read_addrs(sa, msg);
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "peer supports MOBIKE");
}

/*
 * Moving the children.
 */

/* Children the backend could not move (PF_KEY) are rekeyed at the new addresses. */
static void rekey_unmoved(struct ike2_sa *sa)
{
	uint32_t *spis;
	size_t n = 0, max = 0;

	for (struct ike2_child *c = sa->children; c; c = c->next)
		max++;
	spis = calloc(max ? max : 1, sizeof(*spis));
	if (!spis) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "no memory to rekey the unmoved CHILD_SAs");
		return;
	}
	/* Collected first: a rekey may change the list. */
	for (struct ike2_child *c = sa->children; c; c = c->next)
		if (c->installed && !c->proxy &&
		    (!cg_addr_equal(&c->local, &sa->local) || !cg_addr_equal(&c->remote, &sa->remote))) {
			c->stranded = true;
			spis[n++] = c->spi_in;
		}
	for (size_t i = 0; i < n; i++)
		ike2_create_rekey_child(sa, spis[i]);
	free(spis);
}

/* The children follow the IKE SA's addresses and NAT-T ports; why goes to the log. */
static void move_children(struct ike2_sa *sa, const char *why)
{
	struct cg_sa_move mv = {
		.move_ike = true, .local = sa->local, .remote = sa->remote, .reencap = true,
	};
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN];
	struct cg_sa_moved done;
	int err;

	ike2_nat_encap_ports(sa, &mv.encap_local_port, &mv.encap_remote_port);
	err = cg_sa_move(sa->core, sa->entry, &mv, &done);
	if (err) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "moving the CHILD_SAs (%s) failed: %s",
			    why, strerror(-err));
		return;
	}
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
		    "%zu CHILD_SAs moved to %s[%u] - %s[%u] (%s)%s", done.children,
		    cg_addr_str(&sa->local, a, sizeof(a)), sa->local.port,
		    cg_addr_str(&sa->remote, b, sizeof(b)), sa->remote.port, why,
		    done.rekey ? ": the kernel backend cannot move SAs, the rest are rekeyed there"
			       : "");
	if (done.rekey)
		rekey_unmoved(sa);
}

/* Our COOKIE2 came back in a response (RFC 4555 3.5, 3.6). */
static bool cookie2_ok(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	struct ike2_notify n;

	return ike2_chain_notify(&msg->pl, IKE2_N_COOKIE2, &n) &&
	       n.data_len == IKE2_COOKIE2_LEN && !memcmp(n.data, sa->mobike.cookie2, n.data_len);
}

static int write_cookie2(struct ike2_sa *sa, struct ike2_w *w)
{
	int err = cg_random(sa->core, sa->mobike.cookie2, sizeof(sa->mobike.cookie2));

	if (!err)
		ike2_w_notify(w, 0, IKE2_N_COOKIE2, NULL, 0, sa->mobike.cookie2,
			      sizeof(sa->mobike.cookie2));
	return err;
}

/*
 * Initiator.
 */

/* Sends (or queues, behind the request in flight) UPDATE_SA_ADDRESSES from the current path. */
static int send_update(struct ike2_sa *sa)
{
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN];
	struct ike2_w w;
	int err;

	if (sa->req.active)
		return ike2_sa_queue(sa, &(struct ike2_work){ .op = IKE2_OP_MOBIKE });
	ike2_w_init(&w);
	ike2_w_notify(&w, 0, IKE2_N_UPDATE_SA_ADDRESSES, NULL, 0, NULL, 0);
	ike2_nat_write(sa, &w);
	err = write_cookie2(sa, &w);
	write_addrs(sa, &w);
	if (!err)
		err = ike2_sa_request(sa, IKE2_OP_MOBIKE, &w);
	ike2_w_free(&w);
	if (err)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "sending UPDATE_SA_ADDRESSES failed: %s",
			    strerror(-err));
	else
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
			    "MOBIKE: UPDATE_SA_ADDRESSES from %s[%u] to %s[%u] (%s)",
			    cg_addr_str(&sa->local, a, sizeof(a)), sa->local.port,
			    cg_addr_str(&sa->remote, b, sizeof(b)), sa->remote.port, sa->mobike.why);
	return err;
}

/* A path to the peer: our source toward its address, or toward one of its additional ones. */
static bool find_path(struct ike2_sa *sa, struct cg_addr *local, struct cg_addr *remote)
{
	struct cg_addr cand[1 + IKE2_MOBIKE_ADDRS];
	size_t n = 0;

	cand[n++] = sa->remote;
	for (size_t i = 0; i < sa->mobike.n_peer; i++) {
		cand[n] = sa->mobike.peer[i];
		cand[n++].port = sa->remote.port;
	}
	for (size_t i = 0; i < n; i++) {
		if (cg_net_source_for(sa->core, &cand[i], local))
			continue;
		local->port = sa->local.port;
		*remote = cand[i];
		return true;
	}
	return false;
}

static enum cg_sa_verdict retry_job(struct cg_sa *entry, void *arg);

static void roam_sa(struct ike2_sa *sa, const char *why)
{
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN], c[CG_ADDR_STRLEN];
	struct cg_addr local, remote;

	if (!sa->mobike.mover || !sa->mobike.supported || sa->state != IKE2_ST_ESTABLISHED ||
	    sa->rekeyed)
		return;
	if (!find_path(sa, &local, &remote)) {
		ike2_sa_log(sa, CG_LOG_IKE, sa->mobike.lost ? CG_LVL_DEBUG : CG_LVL_INFO,
			    "MOBIKE: no path to the peer (%s): waiting for one", why);
		sa->mobike.lost = true;
		if (!sa->mobike.retry_timer)
			cg_sa_timer_add(sa->core, ike2_sa_local_spi(sa), MOBIKE_RETRY_MS, retry_job,
					NULL, 0, &sa->mobike.retry_timer);
		return;
	}
	if (cg_addr_equal(&local, &sa->local) && cg_addr_equal(&remote, &sa->remote) &&
	    !sa->mobike.lost)
		return;
	snprintf(sa->mobike.why, sizeof(sa->mobike.why), "%s", sa->mobike.lost ? "path back" : why);
	sa->mobike.lost = false;
	/* Every message from now on, retransmits of one in flight too, takes the new path. */
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "MOBIKE: moving from %s to %s[%u] - %s[%u] (%s)",
		    cg_addr_str(&sa->local, a, sizeof(a)), cg_addr_str(&local, b, sizeof(b)),
		    local.port, cg_addr_str(&remote, c, sizeof(c)), remote.port, sa->mobike.why);
	sa->local = local;
	sa->remote = remote;
	send_update(sa);
}

static enum cg_sa_verdict retry_job(struct cg_sa *entry, void *arg)
{
	struct ike2_sa *sa = cg_sa_data(entry);

	(void)arg;
	sa->mobike.retry_timer = 0;
	if (sa->mobike.lost)
		roam_sa(sa, "looking again");
	return CG_SA_KEEP;
}

/* The responder's addresses changed: an INFORMATIONAL with the new list (RFC 4555 3.6). */
static int send_addrs(struct ike2_sa *sa)
{
	struct ike2_w w;
	int err;

	if (sa->req.active)
		return ike2_sa_queue(sa, &(struct ike2_work){ .op = IKE2_OP_MOBIKE_ADDRS });
	ike2_w_init(&w);
	write_addrs(sa, &w);
	err = ike2_sa_request(sa, IKE2_OP_MOBIKE_ADDRS, &w);
	ike2_w_free(&w);
	if (!err)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "MOBIKE: telling the peer our addresses");
	return err;
}

static void roam_visit(void *ctx, struct cg_sa *entry)
{
	struct ike2_sa *sa = cg_sa_data(entry);

	if (sa->mobike.supported && !sa->mobike.mover && sa->state == IKE2_ST_ESTABLISHED &&
	    !sa->rekeyed)
		send_addrs(sa);
	else
		roam_sa(sa, ctx);
}

void ike2_mobike_roam(struct ike2 *p, const char *why)
{
	cg_sa_foreach(p->core, 2, roam_visit, (void *)why);
}

void ike2_mobike_inherit(struct ike2_sa *sa, const struct ike2_sa *old)
{
	sa->mobike.supported = old->mobike.supported;
	sa->mobike.mover = old->mobike.mover;
	memcpy(sa->mobike.peer, old->mobike.peer, sizeof(sa->mobike.peer));
	sa->mobike.n_peer = old->mobike.n_peer;
}

void ike2_mobike_stop(struct ike2_sa *sa)
{
	if (sa->mobike.retry_timer)
		cg_timer_cancel(sa->core, sa->mobike.retry_timer);
	sa->mobike.retry_timer = 0;
}

/*
 * Responder.
 */

/* Return routability: an INFORMATIONAL with COOKIE2 to the peer's new address (RFC 4555 3.6). */
static int send_check(struct ike2_sa *sa)
{
	struct ike2_w w;
	int err;

	if (sa->req.active)
		return ike2_sa_queue(sa, &(struct ike2_work){ .op = IKE2_OP_MOBIKE_CHECK });
	ike2_w_init(&w);
	err = write_cookie2(sa, &w);
	if (!err)
		err = ike2_sa_request(sa, IKE2_OP_MOBIKE_CHECK, &w);
	ike2_w_free(&w);
	if (!err)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
			    "MOBIKE: checking the return routability of the peer's new address");
	return err;
}

bool ike2_mobike_info_request(struct ike2_sa *sa, const struct ike2_msg *msg, struct ike2_w *w)
{
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN], c[CG_ADDR_STRLEN];
	struct ike2_notify cookie2;
	struct cg_addr old = sa->remote;

	if (!sa->mobike.supported)
		return false;
	read_addrs(sa, msg);
	if (ike2_chain_notify(&msg->pl, IKE2_N_COOKIE2, &cookie2) && cookie2.data_len >= 8 &&
	    cookie2.data_len <= 64)
		ike2_w_notify(w, 0, IKE2_N_COOKIE2, NULL, 0, cookie2.data, cookie2.data_len);
	if (!ike2_chain_notify(&msg->pl, IKE2_N_UPDATE_SA_ADDRESSES, NULL))
		return false;
	if (sa->mobike.mover) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
			    "UPDATE_SA_ADDRESSES from the responder ignored (only the initiator moves)");
		return false;
	}
	if (sa->mobike.update_seen && (int32_t)(msg->h.mid - sa->mobike.update_mid) <= 0) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
			    "UPDATE_SA_ADDRESSES %u ignored: %u was newer", msg->h.mid,
			    sa->mobike.update_mid);
		return false;
	}
	sa->mobike.update_seen = true;
	sa->mobike.update_mid = msg->h.mid;
	ike2_nat_detect(sa, msg);
	if (!cg_addr_is_any(&msg->pkt->dst))
		sa->local = msg->pkt->dst;
	sa->remote = msg->pkt->src;
	ike2_nat_write(sa, w);
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
		    "MOBIKE: peer moved from %s to %s[%u] (UPDATE_SA_ADDRESSES %u), we are at %s[%u]",
		    cg_addr_str(&old, a, sizeof(a)), cg_addr_str(&sa->remote, b, sizeof(b)),
		    sa->remote.port, msg->h.mid, cg_addr_str(&sa->local, c, sizeof(c)),
		    sa->local.port);
	sa->mobike.check = !cg_addr_equal(&old, &sa->remote);
	return true;
}

void ike2_mobike_updated(struct ike2_sa *sa)
{
	ike2_nat_arm_keepalive(sa);
	if (!sa->mobike.check) {
		move_children(sa, "peer's UPDATE_SA_ADDRESSES");
		return;
	}
	sa->mobike.check = false;
	send_check(sa);
}

/*
 * Responses to our requests.
 */

enum ike2_verdict ike2_mobike_response(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	bool update = sa->req.op == IKE2_OP_MOBIKE;
	uint16_t error = ike2_chain_error(&msg->pl);

	if (sa->req.op == IKE2_OP_MOBIKE_ADDRS) {
		ike2_sa_request_done(sa);
		ike2_sa_run_pending(sa);
		return IKE2_KEEP;
	}
	if (!error && !cookie2_ok(sa, msg)) {
		/* RFC 4555 3.5: a response without our COOKIE2 is not the answer. */
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
			    "response %u without our COOKIE2 ignored", msg->h.mid);
		return IKE2_KEEP;
	}
	ike2_sa_request_done(sa);
	if (error) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "peer refused %s: %s",
			    update ? "UPDATE_SA_ADDRESSES" : "the return routability check",
			    ike2_notify_name(error));
	} else if (update) {
		read_addrs(sa, msg);
		ike2_nat_detect(sa, msg);
		ike2_nat_arm_keepalive(sa);
		move_children(sa, sa->mobike.why);
	} else {
		move_children(sa, "return routability of the peer's new address checked");
	}
	ike2_sa_run_pending(sa);
	return IKE2_KEEP;
}

void ike2_mobike_run(struct ike2_sa *sa, int op)
{
	if (op == IKE2_OP_MOBIKE)
		send_update(sa);
	else if (op == IKE2_OP_MOBIKE_CHECK)
		send_check(sa);
	else
		send_addrs(sa);
}

/*
 * NAT mappings.
 */

void ike2_mobike_mapping(struct ike2 *p, const struct cg_kernel_mapping *m)
{
	struct cg_sa *entry = cg_sa_checkout_by_reqid(p->core, m->reqid);
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN];
	struct ike2_sa *sa;
	struct ike2_w w;

	if (!entry)
		return;
	sa = cg_sa_data(entry);
	if (cg_sa_version(entry) == 2 && sa->state == IKE2_ST_ESTABLISHED) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
			    "NAT mapping of the peer's ESP (SPI %08x) moved from %s[%u] to %s[%u]: "
			    "following once an authentic IKE message comes from there", m->id.spi,
			    cg_addr_str(&m->old_src, a, sizeof(a)), m->old_src.port,
			    cg_addr_str(&m->new_src, b, sizeof(b)), m->new_src.port);
		sa->mobike.mapping = true;
		/* A liveness check: its response, or the peer's next request, comes by the new mapping. */
		if (!sa->req.active) {
			ike2_w_init(&w);
			ike2_sa_request(sa, IKE2_OP_DPD, &w);
			ike2_w_free(&w);
		}
	}
	cg_sa_checkin(p->core, entry);
}

void ike2_mobike_nat_moved(struct ike2_sa *sa)
{
	if (sa->state != IKE2_ST_ESTABLISHED)
		return;
	move_children(sa, sa->mobike.mapping ? "NAT mapping changed, confirmed by IKE"
					     : "peer's address changed behind a NAT");
	sa->mobike.mapping = false;
}
