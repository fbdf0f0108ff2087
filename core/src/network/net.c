/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtnetlink (libmnl). Two sockets: one for requests, used under a lock,
 * and one subscribed to address and link changes, read on the fd watcher's
 * thread, which raises the bus events. Routes are in net_route.c,
 * addresses in net_addr.c.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_priv.h"

#define LINK_DOWN_STATE ((void *)(uintptr_t)1)
#define LINK_UP_STATE ((void *)(uintptr_t)2)

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

uint8_t rtnl_addr_bits(sa_family_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

/*
 * Requests. Every request asks for an ACK, so a reply ends with it (or with
 * NLMSG_DONE for a dump) and the receive loop knows when to stop.
 */
int rtnl_request(struct cg_rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
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

struct nlmsghdr *rtnl_msg(char *buf, uint16_t type, uint16_t flags, void **extra,
				 size_t extra_len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	*extra = mnl_nlmsg_put_extra_header(nlh, extra_len);
	return nlh;
}

void rtnl_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct cg_addr *a)
{
	mnl_attr_put(nlh, type, cg_addr_len(a), a->u.bytes);
}

/* Reads an address attribute whose length matches the family. */
bool rtnl_get_addr(const struct nlattr *attr, sa_family_t family, struct cg_addr *out)
{
	struct cg_addr a = { .family = family };

	if (!attr || mnl_attr_get_payload_len(attr) != cg_addr_len(&a))
		return false;
	memcpy(a.u.bytes, mnl_attr_get_payload(attr), cg_addr_len(&a));
	*out = a;
	return true;
}

int rtnl_collect_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= TB_SIZE)
		tb[type] = attr;
	return MNL_CB_OK;
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

	if (!rtnl_parse_addr(nlh, &a))
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
	if (ifi->ifi_index <= 0 || mnl_attr_parse(nlh, sizeof(*ifi), rtnl_collect_attr, tb) < 0)
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
	rtnl_routes_release_all(r);
	free(r->fake);
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
