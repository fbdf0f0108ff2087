/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the rtnetlink module (net.c: sockets, requests, the monitor),
 * its routes (net_route.c) and its addresses (net_addr.c).
 */
#ifndef CG_NET_PRIV_H
#define CG_NET_PRIV_H

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "core_priv.h"

#define RTNL_BUF_SIZE 32768
#define MAX3(a, b, c) ((a) > (b) ? ((a) > (c) ? (a) : (c)) : ((b) > (c) ? (b) : (c)))
/* Attribute tables are sized for the largest type of the three families we parse. */
#define TB_SIZE MAX3(IFA_MAX, RTA_MAX, IFLA_MAX)

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
	struct rtnl_held *routes;   /* net_route.c: the routes we installed, with their users */
	char *mon_buf;              /* read on the fd watcher's thread */
	bool running;               /* mon is on the fd watcher */
	/* cg_net_set_addrs (tests without rtnetlink): the addresses, under lock */
	bool faked;
	struct cg_addr *fake;
	size_t n_fake;
};

/* One local address as read from the kernel. */
struct rtnl_addr {
	struct cg_addr addr;
	uint8_t prefixlen;
	int ifindex;
	uint32_t flags;             /* IFA_F_* */
};

/* What a route lookup or a route dump entry told us. */
struct rtnl_route {
	bool found;
	uint8_t type;
	struct cg_addr prefsrc, gateway;
	int oif;
};

/* net.c */
/* Sends a request (an ACK is asked for) and runs cb on every reply until the ACK; 0 or -errno. */
int rtnl_request(struct cg_rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* Starts a message in buf with its family header of extra_len bytes at *extra. */
struct nlmsghdr *rtnl_msg(char *buf, uint16_t type, uint16_t flags, void **extra,
			  size_t extra_len);
void rtnl_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct cg_addr *a);
/* Reads an address attribute whose length matches the family. */
bool rtnl_get_addr(const struct nlattr *attr, sa_family_t family, struct cg_addr *out);
/* mnl_attr_parse callback filling a table of TB_SIZE + 1 attributes. */
int rtnl_collect_attr(const struct nlattr *attr, void *data);
/* 32 or 128. */
uint8_t rtnl_addr_bits(sa_family_t family);

/* net_route.c */
/* Looks up the route the kernel takes to dst. */
int rtnl_lookup(struct cg_rtnl *r, const struct cg_addr *dst, struct rtnl_route *rt);
/* Removes the routes and rules still held (at shutdown). */
void rtnl_routes_release_all(struct cg_rtnl *r);

/* net_addr.c: parses an RTM_NEWADDR/RTM_DELADDR message; false when it is not one we use. */
bool rtnl_parse_addr(const struct nlmsghdr *nlh, struct rtnl_addr *out);

#endif
