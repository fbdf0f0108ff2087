/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The configuration payload in IKE_AUTH (RFC 7296 2.19, 3.15): virtual IPs.
 *
 * An initiator whose connection has `vips` sends CP(CFG_REQUEST) for an
 * IPv4 and/or IPv6 address (and DNS servers), puts the addresses it gets on
 * the interface towards the peer and uses them for its "dynamic" selectors.
 * A responder whose connection has `pools` leases addresses from the core's
 * pools and answers CP(CFG_REPLY) with them, the pools' DNS servers and
 * subnets; the leases go back when the IKE SA goes down.
 *
 * The initiator also routes its tunnel-mode children's remote selectors
 * from the virtual IP (the core's route table, 220) and hands the DNS
 * servers it got to the resolver, and takes both back when the child or
 * the IKE SA goes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "cp.h"
#include "ikesa.h"
#include "info.h"
#include "msg.h"

static int family_slot(sa_family_t family)
{
	return family == AF_INET6 ? 1 : 0;
}

static const char *family_name(sa_family_t family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/*
 * Initiator.
 */

void ike2_cp_write_request(struct ike2_sa *sa, struct ike2_w *w)
{
	const struct cg_conn_cfg *conn = sa->conn;
	bool asked[2] = { false, false };
	size_t start;

	if (!conn->n_vips)
		return;
	start = ike2_w_cfg(w, IKE2_CFG_REQUEST);
	/* One address per family; a fixed one asks for that address, 0.0.0.0 and :: for any. */
	for (size_t i = 0; i < conn->n_vips; i++) {
		const struct cg_addr *v = &conn->vips[i];
		bool v6 = v->family == AF_INET6;
		uint16_t type = v6 ? IKE2_CFG_IP6_ADDRESS : IKE2_CFG_IP4_ADDRESS;

		if (asked[v6])
			continue;
		asked[v6] = true;
		if (cg_addr_is_any(v))
			ike2_w_cfg_attr(w, type, NULL, 0);
		else
			ike2_w_cfg_addr(w, type, v, v6, 128);
	}
	if (asked[0])
		ike2_w_cfg_attr(w, IKE2_CFG_IP4_DNS, NULL, 0);
	if (asked[1])
		ike2_w_cfg_attr(w, IKE2_CFG_IP6_DNS, NULL, 0);
	ike2_w_end(w, start);
}

static bool requested_family(const struct ike2_sa *sa, sa_family_t family)
{
	for (size_t i = 0; i < sa->conn->n_vips; i++)
		if (sa->conn->vips[i].family == family)
			return true;
	return false;
}

/* What the SA has settled; an empty record when nothing was (most SAs use no CP). */
static const struct ike2_cp *cp_of(const struct ike2_sa *sa)
{
	static const struct ike2_cp none;

	return sa->cp ? sa->cp : &none;
}

/* The SA's record, created when first needed; NULL when out of memory. */
static struct ike2_cp *cp_get(struct ike2_sa *sa)
{
	if (!sa->cp)
		sa->cp = calloc(1, sizeof(*sa->cp));
	return sa->cp;
}

/* Only from reply_take, which created sa->cp. */
static void reply_add_vip(struct ike2_sa *sa, const struct cg_addr *addr, uint8_t prefixlen)
{
	struct ike2_cp *cp = sa->cp;
	char a[CG_ADDR_STRLEN];

	if (cg_addr_is_any(addr) || !requested_family(sa, addr->family))
		goto ignored;
	for (size_t i = 0; i < cp->n_vips; i++)
		if (cp->vips[i].addr.family == addr->family)
			goto ignored;
	cp->vips[cp->n_vips++] = (struct ike2_vip){ .addr = *addr, .prefixlen = prefixlen };
	return;
ignored:
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_DEBUG, "ignoring virtual IP %s we did not ask for",
		    cg_addr_str(addr, a, sizeof(a)));
}

static void reply_add_subnet(struct ike2_sa *sa, const struct cg_addr *net, uint8_t prefixlen)
{
	struct ike2_cp *cp = sa->cp;

	if (cp->n_subnets < CG_ARRAY_SIZE(cp->subnets))
		cp->subnets[cp->n_subnets++] = cg_ts_from_prefix(net, prefixlen);
}

/* Takes what a CFG_REPLY hands us: addresses, DNS servers, subnets. */
static void reply_take(struct ike2_sa *sa, const struct ike2_cfg *reply)
{
	struct ike2_cp *cp = cp_get(sa);

	if (!cp)
		return;

	for (size_t i = 0; i < reply->n; i++) {
		const struct ike2_cfg_attr *a = &reply->attrs[i];
		bool v4 = a->type == IKE2_CFG_IP4_ADDRESS || a->type == IKE2_CFG_IP4_DNS;
		struct cg_addr addr;
		uint8_t plen;

		if (!a->len)
			continue;
		switch (a->type) {
		case IKE2_CFG_IP4_ADDRESS:
		case IKE2_CFG_IP6_ADDRESS:
			addr = ike2_cfg_attr_addr(a, v4 ? AF_INET : AF_INET6);
			if (cp->n_vips < IKE2_MAX_VIPS)
				reply_add_vip(sa, &addr, v4 ? 32 : a->value[16]);
			break;
		case IKE2_CFG_IP4_DNS:
		case IKE2_CFG_IP6_DNS:
			addr = ike2_cfg_attr_addr(a, v4 ? AF_INET : AF_INET6);
			if (cp->n_dns < CG_ARRAY_SIZE(cp->dns))
				cp->dns[cp->n_dns++] = addr;
			break;
		case IKE2_CFG_IP4_SUBNET:
		case IKE2_CFG_IP6_SUBNET:
			if (ike2_cfg_attr_subnet(a, &addr, &plen))
				reply_add_subnet(sa, &addr, plen);
			break;
		default:
			break;
		}
	}
}

/*
 * Puts a virtual IP on the interface that reaches the peer. It goes there
 * as a host address: the pool's prefix on that interface would claim the
 * whole pool as on-link, next to the IPsec policies.
 */
static void vip_install(struct ike2_sa *sa, struct ike2_vip *v)
{
	char a[CG_ADDR_STRLEN];
	int err = cg_net_add_vip(sa->core, &v->addr, 0, &sa->remote, NULL);

	cg_addr_str(&v->addr, a, sizeof(a));
	if (!err) {
		v->installed = true;
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "installed virtual IP %s", a);
	} else if (err == -EEXIST) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
			    "virtual IP %s is already on an interface: leaving it there", a);
	} else {
		ike2_sa_log(sa, CG_LOG_IKE, err == -ENODEV ? CG_LVL_INFO : CG_LVL_WARN,
			    "virtual IP %s not installed: %s", a, strerror(-err));
	}
}

/* Hands the DNS servers we got to the resolver (core: resolvconf or resolv.conf). */
static void dns_install(struct ike2_sa *sa)
{
	struct ike2_cp *cp = sa->cp;
	char a[CG_ADDR_STRLEN];

	for (size_t i = 0; i < cp->n_dns; i++) {
		int err = cg_dns_add(sa->core, &cp->dns[i]);

		if (!err)
			cp->dns_held |= (uint8_t)(1u << i);
		else
			ike2_sa_log(sa, CG_LOG_IKE, err == -ENODEV ? CG_LVL_DEBUG : CG_LVL_WARN,
				    "DNS server %s not configured: %s",
				    cg_addr_str(&cp->dns[i], a, sizeof(a)), strerror(-err));
	}
}

static void dns_release(struct ike2_sa *sa)
{
	struct ike2_cp *cp = sa->cp;

	for (size_t i = 0; i < cp->n_dns; i++)
		if (cp->dns_held & (1u << i))
			cg_dns_del(sa->core, &cp->dns[i]);
	cp->dns_held = 0;
}

static void log_reply(struct ike2_sa *sa)
{
	const struct ike2_cp *cp = cp_of(sa);
	char a[CG_ADDR_STRLEN], t[CG_TS_STRLEN];

	for (size_t i = 0; i < cp->n_vips; i++)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "assigned virtual IP %s/%u",
			    cg_addr_str(&cp->vips[i].addr, a, sizeof(a)), cp->vips[i].prefixlen);
	for (size_t i = 0; i < cp->n_dns; i++)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "received DNS server %s",
			    cg_addr_str(&cp->dns[i], a, sizeof(a)));
	for (size_t i = 0; i < cp->n_subnets; i++)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "peer protects subnet %s",
			    cg_ts_str(&cp->subnets[i], t, sizeof(t)));
	for (int f = 0; f < 2; f++) {
		sa_family_t family = f ? AF_INET6 : AF_INET;
		bool got = false;

		for (size_t i = 0; i < cp->n_vips; i++)
			got |= cp->vips[i].addr.family == family;
		if (requested_family(sa, family) && !got)
			ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "no %s virtual IP assigned",
				    family_name(family));
	}
}

bool ike2_cp_complete(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	const struct ike2_pl *pl = ike2_chain_find(&msg->pl, IKE2_PL_CP);
	struct ike2_cfg reply;
	uint16_t error;

	if (!sa->conn->n_vips)
		return true;
	if (pl && ike2_cfg_parse(pl, &reply))
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_WARN, "malformed CP payload in the response");
	else if (pl && reply.type == IKE2_CFG_REPLY)
		reply_take(sa, &reply);
	if (!cp_of(sa)->n_vips) {
		/* We asked for an address and have none (2.19): give the SA up. */
		error = ike2_chain_error(&msg->pl);
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "no virtual IP assigned (%s): deleting the IKE SA",
			    error ? ike2_notify_name(error) : "no CFG_REPLY");
		ike2_child_abandon(sa, &sa->pending);
		ike2_info_delete_ike(sa);
		return false;
	}
	log_reply(sa);
	for (size_t i = 0; i < cp_of(sa)->n_vips; i++)
		vip_install(sa, &sa->cp->vips[i]);
	dns_install(sa);
	return true;
}

/*
 * Responder.
 */

/* Leases an address of family for the peer from the first of the connection's pools that has one. */
static bool lease_one(struct ike2_sa *sa, sa_family_t family, const struct cg_addr *requested)
{
	struct ike2_cp *cp = cp_get(sa);

	if (!cp)
		return false;
	for (size_t i = 0; i < sa->conn->n_pools && cp->n_vips < IKE2_MAX_VIPS; i++) {
		const char *name = sa->conn->pools[i];
		const struct cg_pool_cfg *pc = cg_config_pool(sa->cfg, name);
		struct ike2_vip *v = &cp->vips[cp->n_vips];
		int err;

		if (!pc || pc->first.family != family)
			continue;
		err = cg_pool_acquire(sa->core, name, &sa->id_remote, requested, &v->addr);
		if (err) {
			ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "no address from pool '%s': %s", name,
				    err == -ENOSPC ? "pool exhausted" : strerror(-err));
			continue;
		}
		v->prefixlen = family == AF_INET ? 32 : pc->prefixlen;
		v->installed = false;
		snprintf(v->pool, sizeof(v->pool), "%s", name);
		cp->n_vips++;
		return true;
	}
	return false;
}

static void reply_write(struct ike2_sa *sa, struct ike2_w *w)
{
	const struct ike2_cp *cp = cp_of(sa);
	char a[CG_ADDR_STRLEN];
	size_t start = ike2_w_cfg(w, IKE2_CFG_REPLY);

	for (size_t i = 0; i < cp->n_vips; i++) {
		const struct ike2_vip *v = &cp->vips[i];
		const struct cg_pool_cfg *pc = cg_config_pool(sa->cfg, v->pool);
		bool v6 = v->addr.family == AF_INET6;

		ike2_w_cfg_addr(w, v6 ? IKE2_CFG_IP6_ADDRESS : IKE2_CFG_IP4_ADDRESS, &v->addr, v6,
				v->prefixlen);
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "assigning virtual IP %s from pool '%s'",
			    cg_addr_str(&v->addr, a, sizeof(a)), v->pool);
		for (size_t d = 0; pc && d < pc->n_dns; d++) {
			bool dns6 = pc->dns[d].family == AF_INET6;

			ike2_w_cfg_addr(w, dns6 ? IKE2_CFG_IP6_DNS : IKE2_CFG_IP4_DNS, &pc->dns[d],
					false, 0);
		}
		/* Split include: the subnets behind us that the pool's clients reach. */
		for (size_t s = 0; pc && s < pc->n_subnets; s++) {
			struct cg_addr net;
			uint8_t plen;

			cg_ts_enclosing_prefix(&pc->subnets[s], &net, &plen);
			ike2_w_cfg_subnet(w, &net, plen);
		}
	}
	ike2_w_end(w, start);
}

static bool respond_refuse(struct ike2_sa *sa, struct ike2_w *w, uint16_t type, const char *why)
{
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "%s: answering %s, no CHILD_SA", why,
		    ike2_notify_name(type));
	ike2_w_notify(w, 0, type, NULL, 0, NULL, 0);
	return false;
}

bool ike2_cp_respond(struct ike2_sa *sa, const struct ike2_msg *msg, struct ike2_w *w)
{
	const struct ike2_pl *pl = ike2_chain_find(&msg->pl, IKE2_PL_CP);
	struct cg_addr want[2];
	bool asked[2] = { false, false };
	struct ike2_cfg req;

	if (pl && ike2_cfg_parse(pl, &req))
		return respond_refuse(sa, w, IKE2_N_INVALID_SYNTAX, "malformed CP payload");
	for (size_t i = 0; pl && req.type == IKE2_CFG_REQUEST && i < req.n; i++) {
		const struct ike2_cfg_attr *a = &req.attrs[i];
		sa_family_t family = a->type == IKE2_CFG_IP6_ADDRESS ? AF_INET6 : AF_INET;
		int slot = family_slot(family);

		if ((a->type != IKE2_CFG_IP4_ADDRESS && a->type != IKE2_CFG_IP6_ADDRESS) ||
		    asked[slot])
			continue;
		asked[slot] = true;
		want[slot] = a->len ? ike2_cfg_attr_addr(a, family) : cg_addr_any(family);
	}
	if (!asked[0] && !asked[1]) {
		/* A connection that hands out addresses expects its peers to take one (3.10.1). */
		if (sa->conn->n_pools)
			return respond_refuse(sa, w, IKE2_N_FAILED_CP_REQUIRED,
					      "the peer asked for no virtual IP");
		return true;
	}
	if (!sa->conn->n_pools)
		return respond_refuse(sa, w, IKE2_N_INTERNAL_ADDRESS_FAILURE,
				      "the peer asks for a virtual IP, the connection has no pools");
	/* Families we have no pool for are left out; failure only when none is left (3.15.4). */
	for (int slot = 0; slot < 2; slot++)
		if (asked[slot])
			lease_one(sa, slot ? AF_INET6 : AF_INET, &want[slot]);
	if (!cp_of(sa)->n_vips)
		return respond_refuse(sa, w, IKE2_N_INTERNAL_ADDRESS_FAILURE,
				      "no virtual IP to assign");
	reply_write(sa, w);
	return true;
}

/*
 * Selectors and teardown.
 */

/*
 * The hosts "dynamic" stands for on one side, when virtual IPs decide it:
 * the assigned addresses, or before the assignment (initiator) the whole
 * range of each family asked for, for the responder to narrow.
 */
static size_t dynamic_hosts(const struct ike2_sa *sa, bool local, struct cg_ts *out)
{
	const struct ike2_cp *cp = cp_of(sa);
	bool asked[2] = { false, false };
	size_t n = 0;

	if (local != sa->initiator)
		return 0;
	for (size_t i = 0; i < cp->n_vips; i++)
		out[n++] = cg_ts_from_host(&cp->vips[i].addr);
	if (n || !local)
		return n;
	for (size_t i = 0; i < sa->conn->n_vips; i++) {
		struct cg_addr any = cg_addr_any(sa->conn->vips[i].family);
		int slot = family_slot(any.family);

		if (!asked[slot]) {
			asked[slot] = true;
			out[n++] = cg_ts_from_prefix(&any, 0);
		}
	}
	return n;
}

size_t ike2_cp_ts_resolve(const struct ike2_sa *sa, bool local, const struct cg_ts_cfg *cfg,
			  size_t n, struct cg_ts *out, size_t max)
{
	struct cg_ts hosts[IKE2_MAX_VIPS];
	size_t n_hosts = dynamic_hosts(sa, local, hosts), k = 0;

	if (!n_hosts)
		return cg_conn_ts_resolve(cfg, n, local ? &sa->local : &sa->remote, out, max);
	if (!n) {
		for (size_t h = 0; h < n_hosts && k < max; h++)
			out[k++] = hosts[h];
		return k;
	}
	for (size_t i = 0; i < n && k < max; i++) {
		if (!cfg[i].dynamic) {
			out[k++] = cfg[i].ts;
			continue;
		}
		for (size_t h = 0; h < n_hosts && k < max; h++) {
			struct cg_ts ts = hosts[h];

			ts.proto = cfg[i].ts.proto;
			ts.from_port = cfg[i].ts.from_port;
			ts.to_port = cfg[i].ts.to_port;
			out[k++] = ts;
		}
	}
	return k;
}

void ike2_cp_move(struct ike2_sa *from, struct ike2_sa *to)
{
	free(to->cp);
	to->cp = from->cp;
	from->cp = NULL;
}

void ike2_cp_release(struct ike2_sa *sa)
{
	struct ike2_cp *cp = sa->cp;
	char a[CG_ADDR_STRLEN];

	if (!cp)
		return;
	dns_release(sa);
	for (size_t i = 0; i < cp->n_vips; i++) {
		struct ike2_vip *v = &cp->vips[i];
		int err;

		cg_addr_str(&v->addr, a, sizeof(a));
		if (v->pool[0]) {
			cg_pool_release(sa->core, v->pool, &v->addr);
			ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "lease of %s returned to pool '%s'", a,
				    v->pool);
		}
		if (v->installed) {
			err = cg_net_del_vip(sa->core, &v->addr, 0);
			if (err)
				ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "removing virtual IP %s: %s", a,
					    strerror(-err));
			else
				ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "removed virtual IP %s", a);
			v->installed = false;
		}
	}
	cp->n_vips = 0;
}

/*
 * Routes. A remote selector gets a route in the core's table, from the
 * virtual IP of its family, when that address is one of the child's local
 * selectors (traffic from it is what the child protects). The route covers
 * the selector's enclosing prefix (ports and protocols aside). When it also
 * covers the peer's own address, the peer is excluded from the table (a
 * throw route), so IKE and ESP to it, and the source address chosen for
 * it, keep following the main table.
 */

/* The virtual IP of ts's family that the child's local selectors hold, or NULL. */
static const struct cg_addr *route_source(const struct ike2_sa *sa, const struct ike2_child *c,
					  sa_family_t family)
{
	const struct ike2_cp *cp = cp_of(sa);

	for (size_t v = 0; v < cp->n_vips; v++) {
		struct cg_ts host = cg_ts_from_host(&cp->vips[v].addr);

		if (cp->vips[v].addr.family != family)
			continue;
		for (size_t i = 0; i < c->n_local_ts; i++) {
			struct cg_ts ts = c->local_ts[i];

			ts.proto = CG_PROTO_ANY;
			ts.from_port = 0;
			ts.to_port = 0xffff;
			if (cg_ts_is_subset(&host, &ts))
				return &cp->vips[v].addr;
		}
	}
	return NULL;
}

static bool prefix_holds(const struct cg_addr *net, uint8_t plen, const struct cg_addr *a)
{
	struct cg_ts p = cg_ts_from_prefix(net, plen), h = cg_ts_from_host(a);

	return a->family == net->family && cg_ts_is_subset(&h, &p);
}

static void route_add(struct ike2_sa *sa, struct ike2_child *c, size_t i)
{
	const struct cg_addr *src = route_source(sa, c, c->remote_ts[i].family);
	char n[CG_ADDR_STRLEN], a[CG_ADDR_STRLEN];
	struct cg_addr net;
	uint8_t plen;
	int err;

	if (!src)
		return;
	cg_ts_enclosing_prefix(&c->remote_ts[i], &net, &plen);
	cg_addr_str(&net, n, sizeof(n));
	cg_addr_str(src, a, sizeof(a));
	if (prefix_holds(&net, plen, &sa->remote)) {
		struct cg_addr peer = sa->remote;

		peer.port = 0;
		err = cg_net_add_exclusion(sa->core, &peer);
		if (err) {
			/* Without it the route would take IKE itself into the tunnel. */
			ike2_sa_log(sa, CG_LOG_KNL, CG_LVL_WARN,
				    "no route to %s/%u: cannot keep the peer out of it: %s", n, plen,
				    strerror(-err));
			return;
		}
		c->excluded |= (uint16_t)(1u << i);
		c->route_peer = peer;
	}
	err = cg_net_add_route(sa->core, &net, plen, src, NULL);
	if (err) {
		ike2_sa_log(sa, CG_LOG_KNL, err == -ENODEV ? CG_LVL_INFO : CG_LVL_WARN,
			    "no route to %s/%u from %s: %s", n, plen, a, strerror(-err));
		if (c->excluded & (1u << i))
			cg_net_del_exclusion(sa->core, &c->route_peer);
		c->excluded &= (uint16_t)~(1u << i);
		return;
	}
	c->routed |= (uint16_t)(1u << i);
	ike2_sa_log(sa, CG_LOG_KNL, CG_LVL_INFO, "route to %s/%u from %s in table %u%s", n, plen, a,
		    cg_net_route_table(sa->core),
		    c->excluded & (1u << i) ? " (the peer's own address excluded)" : "");
}

static void route_del(struct ike2_sa *sa, struct ike2_child *c, size_t i)
{
	const struct cg_addr *src = route_source(sa, c, c->remote_ts[i].family);
	char n[CG_ADDR_STRLEN];
	struct cg_addr net;
	uint8_t plen;
	int err;

	cg_ts_enclosing_prefix(&c->remote_ts[i], &net, &plen);
	err = cg_net_del_route(sa->core, &net, plen, src, NULL);
	if (err)
		ike2_sa_log(sa, CG_LOG_KNL, CG_LVL_WARN, "removing the route to %s/%u: %s",
			    cg_addr_str(&net, n, sizeof(n)), plen, strerror(-err));
	if (c->excluded & (1u << i))
		cg_net_del_exclusion(sa->core, &c->route_peer);
}

void ike2_cp_routes(struct ike2_sa *sa, struct ike2_child *c, bool up)
{
	if (!up) {
		for (size_t i = 0; i < c->n_remote_ts && i < 16; i++)
			if (c->routed & (1u << i))
				route_del(sa, c, i);
		c->routed = c->excluded = 0;
		return;
	}
	if (!sa->initiator || !cp_of(sa)->n_vips || c->mode != CG_MODE_TUNNEL ||
	    !cg_net_route_table(sa->core))
		return;
	for (size_t i = 0; i < c->n_remote_ts && i < 16; i++)
		route_add(sa, c, i);
}

static void describe_addrs(struct cg_out *out, const char *key, const struct cg_addr *addrs,
			   size_t n)
{
	char a[CG_ADDR_STRLEN];

	cg_out_arr_begin(out, key);
	for (size_t i = 0; i < n; i++)
		cg_out_str(out, NULL, cg_addr_str(&addrs[i], a, sizeof(a)));
	cg_out_arr_end(out);
}

void ike2_cp_describe(const struct ike2_sa *sa, struct cg_out *out)
{
	const struct ike2_cp *cp = cp_of(sa);
	struct cg_addr vips[IKE2_MAX_VIPS];
	char t[CG_TS_STRLEN];

	if (!cp->n_vips)
		return;
	for (size_t i = 0; i < cp->n_vips; i++)
		vips[i] = cp->vips[i].addr;
	describe_addrs(out, sa->initiator ? "local-vips" : "remote-vips", vips, cp->n_vips);
	if (cp->n_dns)
		describe_addrs(out, "dns", cp->dns, cp->n_dns);
	if (cp->n_subnets) {
		cg_out_arr_begin(out, "subnets");
		for (size_t i = 0; i < cp->n_subnets; i++)
			cg_out_str(out, NULL, cg_ts_str(&cp->subnets[i], t, sizeof(t)));
		cg_out_arr_end(out);
	}
}
