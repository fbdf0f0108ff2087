/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Addresses and routes through rtnetlink (libmnl). Two sockets: one for
 * requests, used under a lock, and one subscribed to address and link
 * changes, read on the fd watcher's thread, which raises the bus events.
 *
 * Routes for virtual IPs go into daemon.route_table (220 by default),
 * reached through a policy rule of priority 220 that this module adds on
 * first use and removes when it stops, as strongSwan does; so
 * `ip route show table 220` reads the same. Routes are counted: several
 * children may need the same one, and it goes when the last lets it go
 * (and at the latest when this module stops).
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_priv.h"

#define RTNL_RULE_PRIORITY 220
#define RTNL_BUF_SIZE 32768

#define LINK_DOWN_STATE ((void *)(uintptr_t)1)
#define LINK_UP_STATE ((void *)(uintptr_t)2)

struct cg_rtnl {
	struct cg_core *core;
	pthread_mutex_t req_lock;   /* guards req and seq: one request at a time */
	pthread_mutex_t lock;       /* guards links and rule_added */
	struct mnl_socket *req;
	uint32_t seq;
	struct mnl_socket *mon;
	struct cg_hmap links;       /* ifindex -> LINK_UP_STATE / LINK_DOWN_STATE */
	bool rule_added[2];         /* our rule to the table for IPv4, IPv6 */
	uint32_t table;             /* daemon.route_table when started; 0 = no routes */
	pthread_mutex_t routes_lock; /* guards routes; held across their requests */
	struct rtnl_held *routes;   /* the routes we installed, with their users */
	char *mon_buf;              /* read on the fd watcher's thread */
	bool running;               /* mon is on the fd watcher */
};

/* A route of ours in the table, and how many asked for it. */
struct rtnl_held {
	struct rtnl_held *next;
	struct cg_addr dst;         /* masked, port 0 */
	uint8_t prefixlen;
	uint8_t type;               /* RTN_UNICAST, or RTN_THROW for an exclusion */
	struct cg_addr src, gateway;
	unsigned users;
};

/* One local address as read from the kernel. */
struct rtnl_addr {
	struct cg_addr addr;
	uint8_t prefixlen;
	int ifindex;
	uint32_t flags;             /* IFA_F_* */
};

struct rtnl_addrs {
	struct rtnl_addr *v;
	size_t n, cap;
	int err;
};

/* What a route lookup or a route dump entry told us. */
struct rtnl_route {
	bool found;
	uint8_t type;
	struct cg_addr prefsrc, gateway;
	int oif;
};

int cg_rtnl_init(struct cg_core *core)
{
	struct cg_rtnl *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->core = core;
	pthread_mutex_init(&r->req_lock, NULL);
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->routes_lock, NULL);
	cg_hmap_init(&r->links);
	core->rtnl = r;
	return 0;
}

static int rule_slot(sa_family_t family)
{
	return family == AF_INET6 ? 1 : 0;
}

static uint8_t addr_bits(sa_family_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

/*
 * Requests. Every request asks for an ACK, so a reply ends with it (or with
 * NLMSG_DONE for a dump) and the receive loop knows when to stop.
 */
static int rtnl_request(struct cg_rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char *buf;
	uint32_t portid;
	ssize_t n;
	int ret;

	if (!r || !r->req)
		return -ENODEV;
	buf = malloc(RTNL_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	pthread_mutex_lock(&r->req_lock);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++r->seq;
	portid = mnl_socket_get_portid(r->req);
	if (mnl_socket_sendto(r->req, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(r->req, buf, RTNL_BUF_SIZE);
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb, data);
	} while (ret > MNL_CB_STOP);
	ret = ret < 0 ? -errno : 0;
out:
	pthread_mutex_unlock(&r->req_lock);
	free(buf);
	return ret;
}

static struct nlmsghdr *rtnl_msg(char *buf, uint16_t type, uint16_t flags, void **extra,
				 size_t extra_len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	*extra = mnl_nlmsg_put_extra_header(nlh, extra_len);
	return nlh;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const struct cg_addr *a)
{
	mnl_attr_put(nlh, type, cg_addr_len(a), a->u.bytes);
}

/* Reads an address attribute whose length matches the family. */
static bool get_addr(const struct nlattr *attr, sa_family_t family, struct cg_addr *out)
{
	struct cg_addr a = { .family = family };

	if (!attr || mnl_attr_get_payload_len(attr) != cg_addr_len(&a))
		return false;
	memcpy(a.u.bytes, mnl_attr_get_payload(attr), cg_addr_len(&a));
	*out = a;
	return true;
}

#define MAX3(a, b, c) ((a) > (b) ? ((a) > (c) ? (a) : (c)) : ((b) > (c) ? (b) : (c)))
/* Attribute tables are sized for the largest type of the three families we parse. */
#define TB_SIZE MAX3(IFA_MAX, RTA_MAX, IFLA_MAX)

static int collect_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= TB_SIZE)
		tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * Routes.
 */

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_route *rt = data;
	const struct nlattr *tb[TB_SIZE + 1] = { 0 };
	const struct rtmsg *rtm;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*rtm), collect_attr, tb) < 0)
		return MNL_CB_OK;
	rt->found = true;
	rt->type = rtm->rtm_type;
	get_addr(tb[RTA_PREFSRC], rtm->rtm_family, &rt->prefsrc);
	get_addr(tb[RTA_GATEWAY], rtm->rtm_family, &rt->gateway);
	if (tb[RTA_OIF] && mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) == 0)
		rt->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	return MNL_CB_OK;
}

/* Asks the kernel which route it would use to reach dst. */
static int rtnl_lookup(struct cg_rtnl *r, const struct cg_addr *dst, struct rtnl_route *rt)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = rtnl_msg(buf, RTM_GETROUTE, 0, (void **)&rtm, sizeof(*rtm));
	int err;

	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = addr_bits(dst->family);
	put_addr(nlh, RTA_DST, dst);
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
		put_addr(nlh, RTA_DST, net);
	if (rtn == RTN_UNICAST) {
		if (src && src->family == net->family && !cg_addr_is_any(src))
			put_addr(nlh, RTA_PREFSRC, src);
		if (hop.gateway.family == net->family)
			put_addr(nlh, RTA_GATEWAY, &hop.gateway);
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
	    prefixlen > addr_bits(dst->family))
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
	return route_hold(core, RTN_THROW, host, host ? addr_bits(host->family) : 0, NULL, NULL);
}

CG_EXPORT int cg_net_del_exclusion(struct cg_core *core, const struct cg_addr *host)
{
	return route_release(core, RTN_THROW, host, host ? addr_bits(host->family) : 0, NULL,
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

/*
 * Addresses.
 */

static bool parse_addr(const struct nlmsghdr *nlh, struct rtnl_addr *out)
{
	const struct nlattr *tb[TB_SIZE + 1] = { 0 };
	const struct ifaddrmsg *ifa;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return false;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return false;
	if (mnl_attr_parse(nlh, sizeof(*ifa), collect_attr, tb) < 0)
		return false;
	memset(out, 0, sizeof(*out));
	/* IFA_LOCAL is our end on point-to-point links, where IFA_ADDRESS is the peer. */
	if (!get_addr(tb[IFA_LOCAL], ifa->ifa_family, &out->addr) &&
	    !get_addr(tb[IFA_ADDRESS], ifa->ifa_family, &out->addr))
		return false;
	out->prefixlen = ifa->ifa_prefixlen;
	out->ifindex = (int)ifa->ifa_index;
	out->flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS] && mnl_attr_validate(tb[IFA_FLAGS], MNL_TYPE_U32) == 0)
		out->flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	return true;
}

static int addrs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_addrs *list = data;
	struct rtnl_addr a;

	if (nlh->nlmsg_type != RTM_NEWADDR || !parse_addr(nlh, &a))
		return MNL_CB_OK;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		struct rtnl_addr *v = realloc(list->v, cap * sizeof(*v));

		if (!v) {
			list->err = -ENOMEM;
			return MNL_CB_OK;
		}
		list->v = v;
		list->cap = cap;
	}
	list->v[list->n++] = a;
	return MNL_CB_OK;
}

/* Reads every local address of a family (AF_UNSPEC: all); free list->v. */
static int rtnl_addrs(struct cg_rtnl *r, sa_family_t family, struct rtnl_addrs *list)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh = rtnl_msg(buf, RTM_GETADDR, NLM_F_DUMP, (void **)&ifa, sizeof(*ifa));
	int err;

	ifa->ifa_family = family;
	memset(list, 0, sizeof(*list));
	err = rtnl_request(r, nlh, addrs_cb, list);
	if (!err)
		err = list->err;
	if (err) {
		free(list->v);
		memset(list, 0, sizeof(*list));
	}
	return err;
}

static const struct rtnl_addr *addrs_find(const struct rtnl_addrs *list, const struct cg_addr *a)
{
	for (size_t i = 0; i < list->n; i++)
		if (cg_addr_equal(&list->v[i].addr, a))
			return &list->v[i];
	return NULL;
}

CG_EXPORT bool cg_net_is_local(struct cg_core *core, const struct cg_addr *addr)
{
	struct rtnl_addrs list;
	bool local;

	if (!addr || (addr->family != AF_INET && addr->family != AF_INET6))
		return false;
	if (rtnl_addrs(core->rtnl, addr->family, &list))
		return false;
	local = addrs_find(&list, addr) != NULL;
	free(list.v);
	return local;
}

CG_EXPORT int cg_net_foreach_addr(struct cg_core *core, cg_net_addr_fn fn, void *ctx)
{
	struct rtnl_addrs list;
	char ifname[IF_NAMESIZE];
	int err;

	if (!fn)
		return -EINVAL;
	/* Collected first: fn may call back into this module. */
	err = rtnl_addrs(core->rtnl, AF_UNSPEC, &list);
	if (err)
		return err;
	for (size_t i = 0; i < list.n; i++) {
		if (!if_indextoname((unsigned)list.v[i].ifindex, ifname))
			ifname[0] = '\0';
		if (!fn(ctx, &list.v[i].addr, list.v[i].prefixlen, list.v[i].ifindex, ifname))
			break;
	}
	free(list.v);
	return 0;
}

static int rtnl_addr_change(struct cg_rtnl *r, uint16_t type, uint16_t flags,
			    const struct cg_addr *addr, uint8_t prefixlen, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh = rtnl_msg(buf, type, flags, (void **)&ifa, sizeof(*ifa));

	ifa->ifa_family = addr->family;
	ifa->ifa_prefixlen = prefixlen;
	ifa->ifa_index = (unsigned)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	/* A virtual IP is ours by assignment: duplicate address detection would only delay it. */
	if (addr->family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	put_addr(nlh, IFA_LOCAL, addr);
	put_addr(nlh, IFA_ADDRESS, addr);
	return rtnl_request(r, nlh, NULL, NULL);
}

static uint8_t vip_prefixlen(const struct cg_addr *vip, uint8_t prefixlen)
{
	uint8_t host = addr_bits(vip->family);

	return prefixlen && prefixlen <= host ? prefixlen : host;
}

CG_EXPORT int cg_net_add_vip(struct cg_core *core, const struct cg_addr *vip, uint8_t prefixlen,
			     const struct cg_addr *via, const char *ifname)
{
	struct cg_rtnl *r = core->rtnl;
	struct rtnl_route rt;
	int ifindex, err;

	if (!vip || (vip->family != AF_INET && vip->family != AF_INET6) || cg_addr_is_any(vip))
		return -EINVAL;
	if (!r || !r->req)
		return -ENODEV;
	if (ifname && *ifname) {
		ifindex = (int)if_nametoindex(ifname);
		if (!ifindex)
			return -ENODEV;
	} else if (via && via->family != AF_UNSPEC) {
		err = rtnl_lookup(r, via, &rt);
		if (err)
			return err;
		if (!rt.oif)
			return -ENODEV;
		ifindex = rt.oif;
	} else {
		return -EINVAL;
	}
	return rtnl_addr_change(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, vip,
				vip_prefixlen(vip, prefixlen), ifindex);
}

CG_EXPORT int cg_net_del_vip(struct cg_core *core, const struct cg_addr *vip, uint8_t prefixlen)
{
	struct cg_rtnl *r = core->rtnl;
	const struct rtnl_addr *found;
	struct rtnl_addrs list;
	int ifindex, err;

	if (!vip || (vip->family != AF_INET && vip->family != AF_INET6))
		return -EINVAL;
	err = rtnl_addrs(r, vip->family, &list);
	if (err)
		return err;
	found = addrs_find(&list, vip);
	ifindex = found ? found->ifindex : 0;
	free(list.v);
	if (!ifindex)
		return -ENOENT;
	return rtnl_addr_change(r, RTM_DELADDR, 0, vip, vip_prefixlen(vip, prefixlen), ifindex);
}

/*
 * The monitor.
 */

static void publish_addr(struct cg_rtnl *r, const struct nlmsghdr *nlh)
{
	struct cg_event ev = {
		.type = nlh->nlmsg_type == RTM_NEWADDR ? CG_EV_ADDR_ADDED : CG_EV_ADDR_REMOVED,
	};
	struct rtnl_addr a;

	if (!parse_addr(nlh, &a))
		return;
	ev.u.addr.addr = a.addr;
	ev.u.addr.prefixlen = a.prefixlen;
	ev.u.addr.ifindex = a.ifindex;
	ev.u.addr.tentative = (a.flags & IFA_F_TENTATIVE) != 0;
	if (!if_indextoname((unsigned)a.ifindex, ev.u.addr.ifname))
		ev.u.addr.ifname[0] = '\0';
	cg_bus_publish(r->core, &ev);
}

/*
 * Records a link's state; true when it changed. The kernel sends
 * RTM_NEWLINK for many reasons, so only a change of IFF_UP is an event.
 */
static bool links_update(struct cg_rtnl *r, int ifindex, bool up, bool gone)
{
	void *state = up ? LINK_UP_STATE : LINK_DOWN_STATE, *old;

	pthread_mutex_lock(&r->lock);
	old = gone ? cg_hmap_del(&r->links, (uint64_t)ifindex)
		   : cg_hmap_get(&r->links, (uint64_t)ifindex);
	if (!gone)
		cg_hmap_put(&r->links, (uint64_t)ifindex, state);
	pthread_mutex_unlock(&r->lock);
	if (gone)
		return old == LINK_UP_STATE;
	return old != state && (old || up);
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cg_rtnl *r = data;
	const struct nlattr *tb[TB_SIZE + 1] = { 0 };
	const struct ifinfomsg *ifi;
	bool gone = nlh->nlmsg_type == RTM_DELLINK;
	struct cg_event ev = { 0 };

	if ((nlh->nlmsg_type != RTM_NEWLINK && !gone) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index <= 0 || mnl_attr_parse(nlh, sizeof(*ifi), collect_attr, tb) < 0)
		return MNL_CB_OK;
	ev.u.link.ifindex = ifi->ifi_index;
	ev.u.link.up = !gone && (ifi->ifi_flags & IFF_UP);
	if (tb[IFLA_IFNAME] && mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) == 0)
		snprintf(ev.u.link.ifname, sizeof(ev.u.link.ifname), "%s",
			 mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (!links_update(r, ifi->ifi_index, ev.u.link.up, gone) || !r->running)
		return MNL_CB_OK;
	ev.type = ev.u.link.up ? CG_EV_LINK_UP : CG_EV_LINK_DOWN;
	cg_bus_publish(r->core, &ev);
	return MNL_CB_OK;
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cg_rtnl *r = data;

	/* While the core shuts down, the processor that job subscribers need may be gone. */
	if (cg_core_stopping(r->core))
		return MNL_CB_STOP;
	switch (nlh->nlmsg_type) {
	case RTM_NEWADDR:
	case RTM_DELADDR:
		publish_addr(r, nlh);
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		link_cb(nlh, r);
		break;
	}
	return MNL_CB_OK;
}

/* Learns the current link states, so the monitor reports changes only. */
static int rtnl_read_links(struct cg_rtnl *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = rtnl_msg(buf, RTM_GETLINK, NLM_F_DUMP, (void **)&ifi, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	return rtnl_request(r, nlh, link_cb, r);
}

/* The watcher's callback for the monitor socket. */
static void monitor_readable(int fd, void *arg)
{
	struct cg_rtnl *r = arg;
	ssize_t n = recv(fd, r->mon_buf, RTNL_BUF_SIZE, MSG_DONTWAIT);

	if (n < 0) {
		if (errno == ENOBUFS)
			cg_log(r->core, CG_LOG_KNL, CG_LVL_WARN,
			       "rtnetlink monitor overrun: some address events were lost");
		return;
	}
	mnl_cb_run(r->mon_buf, (size_t)n, 0, 0, monitor_cb, r);
}

static struct mnl_socket *rtnl_open(unsigned groups)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

int cg_rtnl_start(struct cg_core *core, const struct cg_config *cfg)
{
	struct cg_rtnl *r = core->rtnl;
	int err;

	if (core->opts.no_rtnetlink || r->req)
		return 0;
	r->table = cfg->daemon.route_table;
	r->req = rtnl_open(0);
	if (!r->req)
		return -errno;
	r->mon = rtnl_open(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR);
	if (!r->mon) {
		err = -errno;
		goto err_close_req;
	}
	err = rtnl_read_links(r);
	if (err)
		goto err_close_mon;
	r->mon_buf = malloc(RTNL_BUF_SIZE);
	if (!r->mon_buf) {
		err = -ENOMEM;
		goto err_close_mon;
	}
	r->running = true;
	err = cg_watch_add(core, mnl_socket_get_fd(r->mon), monitor_readable, r);
	if (err)
		goto err_free_buf;
	return 0;

err_free_buf:
	r->running = false;
	free(r->mon_buf);
	r->mon_buf = NULL;
err_close_mon:
	mnl_socket_close(r->mon);
	r->mon = NULL;
err_close_req:
	mnl_socket_close(r->req);
	r->req = NULL;
	return err;
}

void cg_rtnl_fini(struct cg_core *core)
{
	struct cg_rtnl *r = core->rtnl;

	if (!r)
		return;
	if (r->running) {
		cg_watch_del(core, mnl_socket_get_fd(r->mon));
		r->running = false;
	}
	/* What the plugins did not let go of (they normally have). */
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
	free(r->mon_buf);
	if (r->mon)
		mnl_socket_close(r->mon);
	if (r->req)
		mnl_socket_close(r->req);
	cg_hmap_free(&r->links);
	pthread_mutex_destroy(&r->routes_lock);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->req_lock);
	free(r);
	core->rtnl = NULL;
}
