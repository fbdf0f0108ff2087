/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Routes through rtnetlink.
 *
 * Routes for virtual IPs go into daemon.route_table (220 by default),
 * reached through a policy rule of priority 220 that this module adds on
 * first use and removes when it stops, as strongSwan does; so
 * `ip route show table 220` reads the same. Routes are counted: several
 * children may need the same one, and it goes when the last lets it go
 * (and at the latest when this module stops).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net_priv.h"

#define RTNL_RULE_PRIORITY 220

/* A route of ours in the table, and how many asked for it. */
struct rtnl_held {
	struct rtnl_held *next;
	struct cg_addr dst;         /* masked, port 0 */
	uint8_t prefixlen;
	uint8_t type;               /* RTN_UNICAST, or RTN_THROW for an exclusion */
	struct cg_addr src, gateway;
	unsigned users;
};

static int rule_slot(sa_family_t family)
{
	return family == AF_INET6 ? 1 : 0;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_route *rt = data;
	const struct nlattr *tb[TB_SIZE + 1] = { 0 };
	const struct rtmsg *rtm;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*rtm), rtnl_collect_attr, tb) < 0)
		return MNL_CB_OK;
	rt->found = true;
	rt->type = rtm->rtm_type;
	rtnl_get_addr(tb[RTA_PREFSRC], rtm->rtm_family, &rt->prefsrc);
	rtnl_get_addr(tb[RTA_GATEWAY], rtm->rtm_family, &rt->gateway);
	if (tb[RTA_OIF] && mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) == 0)
		rt->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	return MNL_CB_OK;
}

/* Asks the kernel which route it would use to reach dst. */
/* cg_net_set_addrs: every destination is reached from the first address of its family. */
static int fake_lookup(struct cg_rtnl *r, const struct cg_addr *dst, struct rtnl_route *rt)
{
	memset(rt, 0, sizeof(*rt));
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; !rt->found && i < r->n_fake; i++) {
		if (r->fake[i].family != dst->family)
			continue;
		rt->found = true;
		rt->type = RTN_UNICAST;
		rt->prefsrc = r->fake[i];
	}
	pthread_mutex_unlock(&r->lock);
	return rt->found ? 0 : -EHOSTUNREACH;
}

int rtnl_lookup(struct cg_rtnl *r, const struct cg_addr *dst, struct rtnl_route *rt)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = rtnl_msg(buf, RTM_GETROUTE, 0, (void **)&rtm, sizeof(*rtm));
	int err;

	if (r && r->faked)
		return fake_lookup(r, dst, rt);

	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = rtnl_addr_bits(dst->family);
	rtnl_put_addr(nlh, RTA_DST, dst);
	memset(rt, 0, sizeof(*rt));
	err = rtnl_request(r, nlh, route_cb, rt);
	if (!err && !rt->found)
		err = -EHOSTUNREACH;
	return err;
}

CG_EXPORT int cg_net_source_for(struct cg_core *core, const struct cg_addr *dst,
				struct cg_addr *src)
{
	struct rtnl_route rt;
	int err;

	if (!dst || (dst->family != AF_INET && dst->family != AF_INET6) || !src)
		return -EINVAL;
	err = rtnl_lookup(core->rtnl, dst, &rt);
	if (err)
		return err;
	if (rt.prefsrc.family != dst->family)
		return -EADDRNOTAVAIL;
	*src = rt.prefsrc;
	return 0;
}

/* The main table's default route, for routes whose destination is everything. */
struct default_route {
	sa_family_t family;
	struct rtnl_route rt;
};

static int default_route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct default_route *d = data;
	const struct rtmsg *rtm;
	struct rtnl_route rt = { 0 };

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (d->rt.found || rtm->rtm_family != d->family || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	route_cb(nlh, &rt);
	d->rt = rt;
	return MNL_CB_OK;
}

static int rtnl_default_route(struct cg_rtnl *r, sa_family_t family, struct rtnl_route *rt)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = rtnl_msg(buf, RTM_GETROUTE, NLM_F_DUMP, (void **)&rtm, sizeof(*rtm));
	struct default_route d = { .family = family };
	int err;

	rtm->rtm_family = family;
	err = rtnl_request(r, nlh, default_route_cb, &d);
	if (!err && !d.rt.found)
		err = -ENETUNREACH;
	*rt = d.rt;
	return err;
}

/* Clears the host bits: the kernel refuses a route prefix with them set. */
static struct cg_addr addr_mask(const struct cg_addr *a, uint8_t prefixlen)
{
	struct cg_addr m = *a;
	size_t len = cg_addr_len(a);

	for (size_t i = 0; i < len; i++) {
		unsigned bit = 8 * (unsigned)i;
		unsigned keep = prefixlen >= bit + 8 ? 8 : prefixlen > bit ? prefixlen - bit : 0;

		m.u.bytes[i] &= (uint8_t)(0xff00 >> keep);
	}
	m.port = 0;
	return m;
}

/*
 * Without a gateway, the route takes the next hop the main table has for
 * dst (its default route when dst is everything).
 */
static int rtnl_next_hop(struct cg_rtnl *r, const struct cg_addr *net, uint8_t prefixlen,
			 struct rtnl_route *hop)
{
	if (prefixlen == 0)
		return rtnl_default_route(r, net->family, hop);
	return rtnl_lookup(r, net, hop);
}

static int rtnl_ensure_rule(struct cg_rtnl *r, sa_family_t family);

/* A table number for the one-byte header fields: larger ones go in an attribute only. */
static uint8_t table_byte(uint32_t table)
{
	return table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
}

static int rtnl_route_change(struct cg_rtnl *r, uint16_t type, uint16_t flags, uint8_t rtn,
			     const struct cg_addr *net, uint8_t prefixlen,
			     const struct cg_addr *src, const struct cg_addr *gateway)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtnl_route hop = { 0 };
	struct rtmsg *rtm;
	struct nlmsghdr *nlh;
	int err;

	if (gateway && !cg_addr_is_any(gateway)) {
		hop.gateway = *gateway;
	} else if (type == RTM_NEWROUTE && rtn == RTN_UNICAST) {
		err = rtnl_next_hop(r, net, prefixlen, &hop);
		if (err)
			return err;
	}
	nlh = rtnl_msg(buf, type, flags, (void **)&rtm, sizeof(*rtm));
	rtm->rtm_family = net->family;
	rtm->rtm_dst_len = prefixlen;
	rtm->rtm_table = table_byte(r->table);
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = rtn;
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	if (prefixlen)
		rtnl_put_addr(nlh, RTA_DST, net);
	if (rtn == RTN_UNICAST) {
		if (src && src->family == net->family && !cg_addr_is_any(src))
			rtnl_put_addr(nlh, RTA_PREFSRC, src);
		if (hop.gateway.family == net->family)
			rtnl_put_addr(nlh, RTA_GATEWAY, &hop.gateway);
		if (hop.oif)
			mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)hop.oif);
	}
	if (type == RTM_NEWROUTE && (err = rtnl_ensure_rule(r, net->family)))
		return err;
	return rtnl_request(r, nlh, NULL, NULL);
}

static struct rtnl_held **held_find(struct cg_rtnl *r, const struct cg_addr *net,
				    uint8_t prefixlen, uint8_t rtn)
{
	struct rtnl_held **pp = &r->routes;

	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->type == rtn && (*pp)->prefixlen == prefixlen &&
		    cg_addr_equal(&(*pp)->dst, net))
			return pp;
	return pp;
}

/* Checks what every route call needs; fills the masked destination. */
static int route_args(struct cg_core *core, const struct cg_addr *dst, uint8_t prefixlen,
		      struct cg_addr *net)
{
	struct cg_rtnl *r = core->rtnl;

	if (!dst || (dst->family != AF_INET && dst->family != AF_INET6) ||
	    prefixlen > rtnl_addr_bits(dst->family))
		return -EINVAL;
	if (!r || !r->req)
		return -ENODEV;
	if (!r->table)
		return -EOPNOTSUPP;
	*net = addr_mask(dst, prefixlen);
	return 0;
}

/* One more user of a route; installs it for the first. */
static int route_hold(struct cg_core *core, uint8_t rtn, const struct cg_addr *dst,
		      uint8_t prefixlen, const struct cg_addr *src, const struct cg_addr *gateway)
{
	struct cg_rtnl *r = core->rtnl;
	struct rtnl_held **pp, *h;
	struct cg_addr net;
	int err = route_args(core, dst, prefixlen, &net);

	if (err)
		return err;
	pthread_mutex_lock(&r->routes_lock);
	pp = held_find(r, &net, prefixlen, rtn);
	if (*pp) {
		(*pp)->users++;
		pthread_mutex_unlock(&r->routes_lock);
		return 0;
	}
	h = calloc(1, sizeof(*h));
	err = h ? rtnl_route_change(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, rtn, &net,
				    prefixlen, src, gateway)
		: -ENOMEM;
	if (!err) {
		*h = (struct rtnl_held){ .dst = net, .prefixlen = prefixlen, .type = rtn, .users = 1 };
		if (src)
			h->src = *src;
		if (gateway)
			h->gateway = *gateway;
		*pp = h;
		h = NULL;
	}
	pthread_mutex_unlock(&r->routes_lock);
	free(h);
	return err;
}

/* One user less; removes the route with the last (one we never held: at once). */
static int route_release(struct cg_core *core, uint8_t rtn, const struct cg_addr *dst,
			 uint8_t prefixlen, const struct cg_addr *src, const struct cg_addr *gateway)
{
	struct cg_rtnl *r = core->rtnl;
	struct rtnl_held **pp, *h = NULL;
	struct cg_addr net;
	int err = route_args(core, dst, prefixlen, &net);

	if (err)
		return err;
	pthread_mutex_lock(&r->routes_lock);
	pp = held_find(r, &net, prefixlen, rtn);
	if (*pp && --(*pp)->users) {
		pthread_mutex_unlock(&r->routes_lock);
		return 0;
	}
	if (*pp) {
		h = *pp;
		*pp = h->next;
		src = &h->src;
		gateway = &h->gateway;
	}
	err = rtnl_route_change(r, RTM_DELROUTE, 0, rtn, &net, prefixlen, src, gateway);
	pthread_mutex_unlock(&r->routes_lock);
	free(h);
	return err;
}

CG_EXPORT int cg_net_add_route(struct cg_core *core, const struct cg_addr *dst, uint8_t prefixlen,
			       const struct cg_addr *src, const struct cg_addr *gateway)
{
	return route_hold(core, RTN_UNICAST, dst, prefixlen, src, gateway);
}

CG_EXPORT int cg_net_del_route(struct cg_core *core, const struct cg_addr *dst, uint8_t prefixlen,
			       const struct cg_addr *src, const struct cg_addr *gateway)
{
	return route_release(core, RTN_UNICAST, dst, prefixlen, src, gateway);
}

CG_EXPORT int cg_net_add_exclusion(struct cg_core *core, const struct cg_addr *host)
{
	return route_hold(core, RTN_THROW, host, host ? rtnl_addr_bits(host->family) : 0, NULL, NULL);
}

CG_EXPORT int cg_net_del_exclusion(struct cg_core *core, const struct cg_addr *host)
{
	return route_release(core, RTN_THROW, host, host ? rtnl_addr_bits(host->family) : 0, NULL,
			     NULL);
}

CG_EXPORT uint32_t cg_net_route_table(struct cg_core *core)
{
	return core->rtnl && core->rtnl->req ? core->rtnl->table : 0;
}

static int rtnl_rule_change(struct cg_rtnl *r, uint16_t type, uint16_t flags, sa_family_t family)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct fib_rule_hdr *frh;
	struct nlmsghdr *nlh = rtnl_msg(buf, type, flags, (void **)&frh, sizeof(*frh));

	frh->family = family;
	frh->table = table_byte(r->table);
	frh->action = FR_ACT_TO_TBL;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, RTNL_RULE_PRIORITY);
	mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	return rtnl_request(r, nlh, NULL, NULL);
}

/* Adds "from all lookup TABLE" once; a rule already there (a previous run) is fine. */
static int rtnl_ensure_rule(struct cg_rtnl *r, sa_family_t family)
{
	int slot = rule_slot(family), err;
	bool have;

	pthread_mutex_lock(&r->lock);
	have = r->rule_added[slot];
	pthread_mutex_unlock(&r->lock);
	if (have)
		return 0;
	err = rtnl_rule_change(r, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, family);
	if (err == -EEXIST)
		return 0;
	if (err) {
		cg_log(r->core, CG_LOG_KNL, CG_LVL_ERROR,
		       "cannot add the rule for routing table %u: %s", r->table, strerror(-err));
		return err;
	}
	pthread_mutex_lock(&r->lock);
	r->rule_added[slot] = true;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* What the plugins did not let go of (they normally have). */
void rtnl_routes_release_all(struct cg_rtnl *r)
{
	while (r->routes) {
		struct rtnl_held *h = r->routes;

		r->routes = h->next;
		rtnl_route_change(r, RTM_DELROUTE, 0, h->type, &h->dst, h->prefixlen, &h->src,
				  &h->gateway);
		free(h);
	}
	for (int slot = 0; slot < 2; slot++)
		if (r->rule_added[slot])
			rtnl_rule_change(r, RTM_DELRULE, 0, slot ? AF_INET6 : AF_INET);
}
