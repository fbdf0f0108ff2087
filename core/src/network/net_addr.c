/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Local addresses through rtnetlink: reading them, and adding and removing virtual IPs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net_priv.h"

struct rtnl_addrs {
	struct rtnl_addr *v;
	size_t n, cap;
	int err;
};

bool rtnl_parse_addr(const struct nlmsghdr *nlh, struct rtnl_addr *out)
{
	const struct nlattr *tb[TB_SIZE + 1] = { 0 };
	const struct ifaddrmsg *ifa;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return false;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return false;
	if (mnl_attr_parse(nlh, sizeof(*ifa), rtnl_collect_attr, tb) < 0)
		return false;
	memset(out, 0, sizeof(*out));
	/* IFA_LOCAL is our end on point-to-point links, where IFA_ADDRESS is the peer. */
	if (!rtnl_get_addr(tb[IFA_LOCAL], ifa->ifa_family, &out->addr) &&
	    !rtnl_get_addr(tb[IFA_ADDRESS], ifa->ifa_family, &out->addr))
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

	if (nlh->nlmsg_type != RTM_NEWADDR || !rtnl_parse_addr(nlh, &a))
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
/* The addresses of cg_net_set_addrs as a dump would give them. */
static int fake_addrs(struct cg_rtnl *r, sa_family_t family, struct rtnl_addrs *list)
{
	int err = 0;

	pthread_mutex_lock(&r->lock);
	list->v = calloc(r->n_fake ? r->n_fake : 1, sizeof(*list->v));
	if (!list->v)
		err = -ENOMEM;
	for (size_t i = 0; !err && i < r->n_fake; i++)
		if (family == AF_UNSPEC || r->fake[i].family == family)
			list->v[list->n++] = (struct rtnl_addr){
				.addr = r->fake[i],
				.prefixlen = (uint8_t)rtnl_addr_bits(r->fake[i].family),
			};
	pthread_mutex_unlock(&r->lock);
	return err;
}

static int rtnl_addrs(struct cg_rtnl *r, sa_family_t family, struct rtnl_addrs *list)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh = rtnl_msg(buf, RTM_GETADDR, NLM_F_DUMP, (void **)&ifa, sizeof(*ifa));
	int err;

	memset(list, 0, sizeof(*list));
	if (r && r->faked)
		return fake_addrs(r, family, list);
	ifa->ifa_family = family;
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
	rtnl_put_addr(nlh, IFA_LOCAL, addr);
	rtnl_put_addr(nlh, IFA_ADDRESS, addr);
	return rtnl_request(r, nlh, NULL, NULL);
}

static uint8_t vip_prefixlen(const struct cg_addr *vip, uint8_t prefixlen)
{
	uint8_t host = rtnl_addr_bits(vip->family);

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

static bool addr_in(const struct cg_addr *a, const struct cg_addr *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cg_addr_equal(a, &list[i]))
			return true;
	return false;
}

/* Raises ADDR_ADDED or _REMOVED for each address of a missing from b. */
static void fake_publish(struct cg_rtnl *r, enum cg_event_type type, const struct cg_addr *a,
			 size_t na, const struct cg_addr *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		struct cg_event ev = { .type = type };

		if (addr_in(&a[i], b, nb))
			continue;
		ev.u.addr.addr = a[i];
		ev.u.addr.prefixlen = (uint8_t)rtnl_addr_bits(a[i].family);
		cg_bus_publish(r->core, &ev);
	}
}

CG_EXPORT int cg_net_set_addrs(struct cg_core *core, const struct cg_addr *addrs, size_t n)
{
	struct cg_rtnl *r = core->rtnl;
	struct cg_addr *copy = calloc(n ? n : 1, sizeof(*copy)), *old;
	size_t n_old;

	if (!r || !copy) {
		free(copy);
		return r ? -ENOMEM : -ENODEV;
	}
	for (size_t i = 0; i < n; i++) {
		copy[i] = addrs[i];
		copy[i].port = 0;
	}
	pthread_mutex_lock(&r->lock);
	old = r->fake;
	n_old = r->n_fake;
	r->fake = copy;
	r->n_fake = n;
	r->faked = true;
	pthread_mutex_unlock(&r->lock);
	fake_publish(r, CG_EV_ADDR_REMOVED, old, n_old, copy, n);
	fake_publish(r, CG_EV_ADDR_ADDED, copy, n, old, n_old);
	free(old);
	return 0;
}
