/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Policies: NEWPOLICY/UPDPOLICY, DELPOLICY, GETPOLICY, and per-socket bypass. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/udp.h>

#include "xfrm.h"

static const char *policy_str(const struct cg_kernel_policy_id *id, char *buf, size_t len)
{
	char src[CG_TS_STRLEN], dst[CG_TS_STRLEN];

	snprintf(buf, len, "policy %s === %s %s", cg_ts_str(&id->src, src, sizeof(src)),
		 cg_ts_str(&id->dst, dst, sizeof(dst)), cg_dir_name(id->dir));
	return buf;
}

static uint8_t dir_put(enum cg_dir dir)
{
	switch (dir) {
	case CG_DIR_IN:
		return XFRM_POLICY_IN;
	case CG_DIR_OUT:
		return XFRM_POLICY_OUT;
	case CG_DIR_FWD:
		return XFRM_POLICY_FWD;
	}
	return XFRM_POLICY_MAX;
}

static void tmpl_put(const struct cg_kernel_policy *pol, sa_family_t sel_family,
		     struct xfrm_user_tmpl *t)
{
	memset(t, 0, sizeof(*t));
	/* Transport templates may leave the endpoints open; they take the selector's family. */
	t->family = pol->tmpl_dst.family != AF_UNSPEC ? pol->tmpl_dst.family : sel_family;
	if (pol->tmpl_dst.family == t->family)
		xfrm_addr_put(&pol->tmpl_dst, &t->id.daddr);
	if (pol->tmpl_src.family == t->family)
		xfrm_addr_put(&pol->tmpl_src, &t->saddr);
	t->id.proto = pol->proto;
	t->reqid = pol->reqid;
	t->mode = xfrm_mode_put(pol->mode);
	t->share = XFRM_SHARE_ANY;
	t->optional = pol->optional;
	t->aalgos = t->ealgos = t->calgos = ~0u;
}

int xfrm_add_policy(struct cg_kernel *k, const struct cg_kernel_policy *pol, bool replace)
{
	struct knl *kn = cg_kernel_priv(k);
	char buf[MNL_SOCKET_BUFFER_SIZE], extack[XFRM_EXTACK_MAX], what[2 * CG_TS_STRLEN + 32];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userpolicy_info *info;
	struct xfrm_user_tmpl tmpl;
	const char *why = NULL;
	int err;

	nlh->nlmsg_type = replace ? XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY;
	info = mnl_nlmsg_put_extra_header(nlh, sizeof(*info));
	err = xfrm_sel_from_ts(&pol->id.src, &pol->id.dst, &info->sel, &why);
	if (!err && dir_put(pol->id.dir) == XFRM_POLICY_MAX) {
		why = "unknown direction";
		err = -EINVAL;
	}
	if (err) {
		cg_log(kn->core, CG_LOG_KNL, CG_LVL_ERROR, "cannot install %s: %s",
		       policy_str(&pol->id, what, sizeof(what)), why);
		return err;
	}
	xfrm_lifetime_put(&(struct cg_lifetime){ 0 }, &info->lft);
	info->priority = pol->priority;
	info->dir = dir_put(pol->id.dir);
	info->share = XFRM_SHARE_ANY;
	info->action = pol->action == CG_POLICY_DROP ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW;
	if (pol->action == CG_POLICY_PROTECT) {
		tmpl_put(pol, info->sel.family, &tmpl);
		mnl_attr_put(nlh, XFRMA_TMPL, sizeof(tmpl), &tmpl);
	}
	err = xfrm_request(kn, nlh, false, NULL, NULL, extack, sizeof(extack));
	if (err)
		xfrm_log_failure(kn, err, extack, "%s %s (priority %u, reqid %u)",
				 replace ? "replacing" : "adding",
				 policy_str(&pol->id, what, sizeof(what)), pol->priority, pol->reqid);
	return err;
}

/* A policy id message; -EINVAL (logged) when the selector has no XFRM form. */
static int policy_id_msg(struct knl *kn, char *buf, uint16_t type,
			 const struct cg_kernel_policy_id *id, struct nlmsghdr **ret)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userpolicy_id *pid;
	char what[2 * CG_TS_STRLEN + 32];
	const char *why = NULL;
	int err;

	nlh->nlmsg_type = type;
	pid = mnl_nlmsg_put_extra_header(nlh, sizeof(*pid));
	err = xfrm_sel_from_ts(&id->src, &id->dst, &pid->sel, &why);
	if (err) {
		cg_log(kn->core, CG_LOG_KNL, CG_LVL_ERROR, "no XFRM form for %s: %s",
		       policy_str(id, what, sizeof(what)), why);
		return err;
	}
	pid->dir = dir_put(id->dir);
	*ret = nlh;
	return 0;
}

int xfrm_del_policy(struct cg_kernel *k, const struct cg_kernel_policy_id *id)
{
	struct knl *kn = cg_kernel_priv(k);
	char buf[MNL_SOCKET_BUFFER_SIZE], extack[XFRM_EXTACK_MAX], what[2 * CG_TS_STRLEN + 32];
	struct nlmsghdr *nlh;
	int err = policy_id_msg(kn, buf, XFRM_MSG_DELPOLICY, id, &nlh);

	if (err)
		return err;
	err = xfrm_request(kn, nlh, false, NULL, NULL, extack, sizeof(extack));
	if (err == -ESRCH)
		err = -ENOENT;
	if (err)
		xfrm_log_failure(kn, err, extack, "deleting %s", policy_str(id, what, sizeof(what)));
	return err;
}

struct pol_stats_reply {
	struct cg_kernel_policy_stats *stats;
	bool found;
};

static int pol_stats_cb(const struct nlmsghdr *nlh, void *ctx)
{
	struct pol_stats_reply *r = ctx;
	const struct xfrm_userpolicy_info *info = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY || mnl_nlmsg_get_payload_len(nlh) < sizeof(*info))
		return -EBADMSG;
	r->found = true;
	r->stats->add_time = info->curlft.add_time;
	r->stats->use_time = info->curlft.use_time;
	r->stats->priority = info->priority;
	r->stats->index = info->index;
	return 0;
}

int xfrm_query_policy(struct cg_kernel *k, const struct cg_kernel_policy_id *id,
		      struct cg_kernel_policy_stats *stats)
{
	struct knl *kn = cg_kernel_priv(k);
	char buf[MNL_SOCKET_BUFFER_SIZE], extack[XFRM_EXTACK_MAX], what[2 * CG_TS_STRLEN + 32];
	struct pol_stats_reply r = { .stats = stats };
	struct nlmsghdr *nlh;
	int err;

	memset(stats, 0, sizeof(*stats));
	err = policy_id_msg(kn, buf, XFRM_MSG_GETPOLICY, id, &nlh);
	if (err)
		return err;
	err = xfrm_request(kn, nlh, false, pol_stats_cb, &r, extack, sizeof(extack));
	if (err == -ESRCH)
		err = -ENOENT;
	if (!err && !r.found)
		err = -ENOENT;
	if (err)
		xfrm_log_failure(kn, err, extack, "querying %s", policy_str(id, what, sizeof(what)));
	return err;
}

/* One MIGRATE entry: the SA and template of a policy's direction, from where to where. */
static void move_entry(const struct cg_kernel_move *mv, bool outbound, struct xfrm_user_migrate *m)
{
	const struct cg_addr *os = outbound ? &mv->old_local : &mv->old_remote;
	const struct cg_addr *od = outbound ? &mv->old_remote : &mv->old_local;
	const struct cg_addr *ns = outbound ? &mv->local : &mv->remote;
	const struct cg_addr *nd = outbound ? &mv->remote : &mv->local;

	memset(m, 0, sizeof(*m));
	xfrm_addr_put(os, &m->old_saddr);
	xfrm_addr_put(od, &m->old_daddr);
	xfrm_addr_put(ns, &m->new_saddr);
	xfrm_addr_put(nd, &m->new_daddr);
	m->old_family = od->family;
	m->new_family = nd->family;
	m->proto = mv->proto;
	m->mode = xfrm_mode_put(mv->mode);
	m->reqid = mv->reqid;
}

/*
 * XFRM_MSG_MIGRATE of one of our policies: the kernel moves the SA of the
 * policy's direction (found by old addresses, reqid, mode and protocol;
 * none when an earlier policy of that direction moved it already) and the
 * policy's template, and applies the encapsulation to the moved SA.
 */
static int move_policy(struct knl *kn, const struct cg_kernel_move *mv,
		       const struct cg_kernel_policy_id *id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], extack[XFRM_EXTACK_MAX], what[2 * CG_TS_STRLEN + 32];
	bool outbound = id->dir == CG_DIR_OUT;
	uint16_t sport = outbound ? mv->encap_local_port : mv->encap_remote_port;
	uint16_t dport = outbound ? mv->encap_remote_port : mv->encap_local_port;
	struct xfrm_encap_tmpl encap = {
		.encap_type = UDP_ENCAP_ESPINUDP,
		.encap_sport = htons(sport),
		.encap_dport = htons(dport),
	};
	struct xfrm_user_migrate m;
	struct nlmsghdr *nlh;
	int err = policy_id_msg(kn, buf, XFRM_MSG_MIGRATE, id, &nlh);

	if (err)
		return err;
	move_entry(mv, outbound, &m);
	mnl_attr_put(nlh, XFRMA_MIGRATE, sizeof(m), &m);
	if (sport || dport)
		mnl_attr_put(nlh, XFRMA_ENCAP, sizeof(encap), &encap);
	err = xfrm_request(kn, nlh, false, NULL, NULL, extack, sizeof(extack));
	if (err == -ESRCH)
		err = -ENOENT;
	if (err)
		xfrm_log_failure(kn, err, extack, "migrating %s (reqid %u)",
				 policy_str(id, what, sizeof(what)), mv->reqid);
	return err;
}

int xfrm_move(struct cg_kernel *k, const struct cg_kernel_move *mv)
{
	struct knl *kn = cg_kernel_priv(k);
	int err = 0;

	/* MIGRATE finds SAs through a policy: a child without policies cannot move here. */
	if (!mv->n_policies) {
		cg_log(kn->core, CG_LOG_KNL, CG_LVL_ERROR,
		       "cannot move the SAs of reqid %u: XFRM_MSG_MIGRATE needs their policies",
		       mv->reqid);
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; !err && i < mv->n_policies; i++)
		err = move_policy(kn, mv, &mv->policies[i].id);
	return err;
}

int xfrm_bypass_socket(struct cg_kernel *k, int fd, sa_family_t family)
{
	struct knl *kn = cg_kernel_priv(k);
	struct xfrm_userpolicy_info pol = { .action = XFRM_POLICY_ALLOW, .sel.family = family };
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opt = family == AF_INET6 ? IPV6_XFRM_POLICY : IP_XFRM_POLICY;

	/* A per-socket "allow" in both directions takes the socket out of every SPD lookup. */
	for (int dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		pol.dir = (uint8_t)dir;
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0) {
			int err = -errno;

			cg_log(kn->core, CG_LOG_KNL, CG_LVL_ERROR,
			       "cannot exempt socket %d from IPsec policies: %s", fd, strerror(errno));
			return err;
		}
	}
	return 0;
}
