/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel events: XFRM's multicast groups are read on the core's fd watcher
 * and raise acquire, expire, migrate, mapping and policy-gone through the
 * core's upcalls. When the socket's queue overflows (ENOBUFS) the loss is
 * logged, the buffer grows, and SAs are checked for soft expires that were
 * lost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xfrm.h"

#define EV_GROUPS                                                                  \
	((1u << (XFRMNLGRP_ACQUIRE - 1)) | (1u << (XFRMNLGRP_EXPIRE - 1)) |        \
	 (1u << (XFRMNLGRP_POLICY - 1)) | (1u << (XFRMNLGRP_MIGRATE - 1)) |        \
	 (1u << (XFRMNLGRP_MAPPING - 1)))
#define XFRM_EV_BUF_SIZE (1u << 16)

static size_t payload_len(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload_len(nlh);
}

/* The first template of an acquire names the reqid and the endpoints' family. */
static const struct xfrm_user_tmpl *first_tmpl(const struct nlmsghdr *nlh, size_t hdr_len)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, hdr_len) {
		if (mnl_attr_get_type(attr) == XFRMA_TMPL &&
		    mnl_attr_get_payload_len(attr) >= sizeof(struct xfrm_user_tmpl))
			return mnl_attr_get_payload(attr);
	}
	return NULL;
}

/*
 * Netlink aligns messages to 4 bytes only: the structs with 64-bit fields
 * (lifetimes) are copied out before they are read, for a message that is
 * not the first of a datagram.
 */
static void on_acquire(struct knl *kn, const struct nlmsghdr *nlh)
{
	struct xfrm_user_acquire copy, *acq = &copy;
	const struct xfrm_user_tmpl *t;
	struct cg_kernel_acquire ev = { 0 };
	sa_family_t family;

	if (payload_len(nlh) < sizeof(*acq))
		return;
	memcpy(acq, mnl_nlmsg_get_payload(nlh), sizeof(*acq));
	t = first_tmpl(nlh, sizeof(*acq));
	family = t ? t->family : acq->sel.family;
	ev.reqid = t ? t->reqid : 0;
	ev.proto = acq->id.proto;
	xfrm_ts_from_sel(&acq->sel, &ev.src, &ev.dst);
	xfrm_ts_from_sel(&acq->policy.sel, &ev.policy_src, &ev.policy_dst);
	xfrm_addr_get(&acq->saddr, family, &ev.tmpl_src);
	xfrm_addr_get(&acq->id.daddr, family, &ev.tmpl_dst);
	cg_kernel_raise_acquire(kn->k, &ev);
}

static void on_expire(struct knl *kn, const struct nlmsghdr *nlh)
{
	struct xfrm_user_expire copy, *ue = &copy;
	const struct xfrm_usersa_info *s = &ue->state;
	struct cg_kernel_expire ev = { 0 };

	if (payload_len(nlh) < sizeof(*ue))
		return;
	memcpy(ue, mnl_nlmsg_get_payload(nlh), sizeof(*ue));
	xfrm_addr_get(&s->saddr, s->family, &ev.id.src);
	xfrm_addr_get(&s->id.daddr, s->family, &ev.id.dst);
	ev.id.spi = ntohl(s->id.spi);
	ev.id.proto = s->id.proto;
	ev.reqid = s->reqid;
	ev.hard = ue->hard;
	cg_kernel_raise_expire(kn->k, &ev);
}

static void on_mapping(struct knl *kn, const struct nlmsghdr *nlh)
{
	const struct xfrm_user_mapping *um = mnl_nlmsg_get_payload(nlh);
	struct cg_kernel_mapping ev = { 0 };

	if (payload_len(nlh) < sizeof(*um))
		return;
	xfrm_addr_get(&um->id.daddr, um->id.family, &ev.id.dst);
	xfrm_addr_get(&um->old_saddr, um->id.family, &ev.id.src);
	ev.id.spi = ntohl(um->id.spi);
	ev.id.proto = um->id.proto;
	ev.reqid = um->reqid;
	ev.old_src = ev.id.src;
	ev.old_src.port = ntohs(um->old_sport);
	xfrm_addr_get(&um->new_saddr, um->id.family, &ev.new_src);
	ev.new_src.port = ntohs(um->new_sport);
	cg_kernel_raise_mapping(kn->k, &ev);
}

static void migrate_entry(const struct xfrm_user_migrate *um, struct cg_kernel_migrate_entry *e)
{
	xfrm_addr_get(&um->old_saddr, um->old_family, &e->old_src);
	xfrm_addr_get(&um->old_daddr, um->old_family, &e->old_dst);
	xfrm_addr_get(&um->new_saddr, um->new_family, &e->new_src);
	xfrm_addr_get(&um->new_daddr, um->new_family, &e->new_dst);
	e->proto = um->proto;
	e->mode = xfrm_mode_get(um->mode);
	e->reqid = um->reqid;
}

static void on_migrate(struct knl *kn, const struct nlmsghdr *nlh)
{
	const struct xfrm_userpolicy_id *pid = mnl_nlmsg_get_payload(nlh);
	struct cg_kernel_migrate ev = { 0 };
	const struct nlattr *attr;
	size_t dropped = 0;

	if (payload_len(nlh) < sizeof(*pid))
		return;
	xfrm_ts_from_sel(&pid->sel, &ev.policy.src, &ev.policy.dst);
	ev.policy.dir = (enum cg_dir)pid->dir;
	/* The kernel sends one XFRMA_MIGRATE per entry; a request packs them in one. */
	mnl_attr_for_each(attr, nlh, sizeof(*pid)) {
		const uint8_t *p = mnl_attr_get_payload(attr);
		size_t len = mnl_attr_get_payload_len(attr);

		if (mnl_attr_get_type(attr) == XFRMA_KMADDRESS &&
		    len >= sizeof(struct xfrm_user_kmaddress)) {
			const struct xfrm_user_kmaddress *km = (const void *)p;

			ev.has_kmaddress = true;
			xfrm_addr_get(&km->local, km->family, &ev.km_local);
			xfrm_addr_get(&km->remote, km->family, &ev.km_remote);
		}
		if (mnl_attr_get_type(attr) != XFRMA_MIGRATE)
			continue;
		for (size_t off = 0; off + sizeof(struct xfrm_user_migrate) <= len;
		     off += sizeof(struct xfrm_user_migrate)) {
			if (ev.n_entries == CG_MIGRATE_MAX) {
				dropped++;
				continue;
			}
			migrate_entry((const void *)(p + off), &ev.entries[ev.n_entries++]);
		}
	}
	if (dropped)
		cg_log(kn->core, CG_LOG_KNL, CG_LVL_WARN,
		       "migrate message with %zu entries: only the first %d are delivered",
		       ev.n_entries + dropped, CG_MIGRATE_MAX);
	if (!ev.has_kmaddress)
		cg_log(kn->core, CG_LOG_KNL, CG_LVL_DEBUG, "migrate without KMADDRESS (%zu entries)",
		       ev.n_entries);
	cg_kernel_raise_migrate(kn->k, &ev);
}

static void on_policy_gone(struct knl *kn, const struct nlmsghdr *nlh)
{
	struct cg_kernel_policy_gone ev = { 0 };

	/* Our own deletions carry our portid: only other actors' count. */
	if (nlh->nlmsg_pid == kn->req_portid)
		return;
	if (nlh->nlmsg_type == XFRM_MSG_FLUSHPOLICY) {
		ev.flush = true;
	} else {
		const struct xfrm_userpolicy_id *pid = mnl_nlmsg_get_payload(nlh);

		if (payload_len(nlh) < sizeof(*pid))
			return;
		xfrm_ts_from_sel(&pid->sel, &ev.id.src, &ev.id.dst);
		ev.id.dir = (enum cg_dir)pid->dir;
		if (pid->dir > XFRM_POLICY_FWD)
			return; /* per-socket policies are not in the SPD */
	}
	cg_kernel_raise_policy_gone(kn->k, &ev);
}

void xfrm_event_dispatch(struct knl *kn, const struct nlmsghdr *nlh)
{
	switch (nlh->nlmsg_type) {
	case XFRM_MSG_ACQUIRE:
		on_acquire(kn, nlh);
		break;
	case XFRM_MSG_EXPIRE:
		on_expire(kn, nlh);
		break;
	case XFRM_MSG_MIGRATE:
		on_migrate(kn, nlh);
		break;
	case XFRM_MSG_MAPPING:
		on_mapping(kn, nlh);
		break;
	case XFRM_MSG_DELPOLICY:
	case XFRM_MSG_FLUSHPOLICY:
		on_policy_gone(kn, nlh);
		break;
	}
}

static int ev_cb(const struct nlmsghdr *nlh, void *data)
{
	xfrm_event_dispatch(data, nlh);
	return MNL_CB_OK;
}

static int set_rcvbuf(struct knl *kn, unsigned bytes)
{
	int fd = mnl_socket_get_fd(kn->ev), val = (int)bytes;

	/* SO_RCVBUFFORCE passes net.core.rmem_max as root; otherwise take what is allowed. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &val, sizeof(val)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &val, sizeof(val)))
		return -errno;
	kn->ev_rcvbuf = bytes;
	return 0;
}

static void ev_overflow(struct knl *kn)
{
	unsigned n = atomic_fetch_add(&kn->overflows, 1) + 1;
	unsigned grown = kn->ev_rcvbuf * 2;
	int raised;

	if (grown > XFRM_EV_RCVBUF_MAX)
		grown = XFRM_EV_RCVBUF_MAX;
	if (grown > kn->ev_rcvbuf)
		set_rcvbuf(kn, grown);
	cg_log(kn->core, CG_LOG_KNL, CG_LVL_WARN,
	       "kernel events were lost: the XFRM event queue overflowed (%u time%s); "
	       "receive buffer now %u bytes; checking SAs for missed expires",
	       n, n == 1 ? "" : "s", kn->ev_rcvbuf);
	raised = xfrm_resync_expires(kn);
	if (raised > 0)
		cg_log(kn->core, CG_LOG_KNL, CG_LVL_INFO, "raised %d soft expires missed in the overflow",
		       raised);
}

/* The core's fd watcher calls this while the event socket is readable. */
static void ev_readable(int fd, void *arg)
{
	struct knl *kn = arg;
	ssize_t n = recv(fd, kn->ev_buf, XFRM_EV_BUF_SIZE, MSG_DONTWAIT);

	if (n < 0) {
		if (errno == ENOBUFS)
			ev_overflow(kn);
		else if (errno != EINTR && errno != EAGAIN)
			cg_log(kn->core, CG_LOG_KNL, CG_LVL_ERROR,
			       "reading kernel events failed: %s", strerror(errno));
		return;
	}
	mnl_cb_run(kn->ev_buf, (size_t)n, 0, 0, ev_cb, kn);
}

int xfrm_events_start(struct knl *kn)
{
	int err;

	kn->ev = mnl_socket_open(NETLINK_XFRM);
	if (!kn->ev)
		return -errno;
	if (mnl_socket_bind(kn->ev, EV_GROUPS, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto err_close;
	}
	set_rcvbuf(kn, kn->ev_rcvbuf ? kn->ev_rcvbuf : XFRM_EV_RCVBUF_DEFAULT);
	kn->ev_buf = malloc(XFRM_EV_BUF_SIZE);
	if (!kn->ev_buf) {
		err = -ENOMEM;
		goto err_close;
	}
	err = cg_watch_add(kn->core, mnl_socket_get_fd(kn->ev), ev_readable, kn);
	if (err)
		goto err_free_buf;
	kn->ev_watched = true;
	return 0;

err_free_buf:
	free(kn->ev_buf);
	kn->ev_buf = NULL;
err_close:
	mnl_socket_close(kn->ev);
	kn->ev = NULL;
	return err;
}

void xfrm_events_stop(struct knl *kn)
{
	if (kn->ev_watched) {
		cg_watch_del(kn->core, mnl_socket_get_fd(kn->ev));
		kn->ev_watched = false;
	}
	free(kn->ev_buf);
	kn->ev_buf = NULL;
	if (kn->ev)
		mnl_socket_close(kn->ev);
	kn->ev = NULL;
}
