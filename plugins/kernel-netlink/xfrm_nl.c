/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Requests to the kernel over NETLINK_XFRM: one request in flight, read
 * until the ack, with the kernel's extended ack message kept for the log.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xfrm.h"

struct req_ctx {
	xfrm_reply_fn fn;
	void *ctx;
	int err;                /* the kernel's errno, negative */
	char *extack;
	size_t extack_len;
};

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct req_ctx *rc = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && rc->extack &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(rc->extack, rc->extack_len, "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* NLMSG_ERROR: the ack (error 0) ends the request, anything else fails it. */
static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *rc = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		rc->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	rc->err = e->error < 0 ? e->error : -e->error;
	/* The kernel's message follows the echoed request (only its header when capped). */
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
		if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
			mnl_attr_parse_payload((const char *)e + off,
					       nlh->nlmsg_len - mnl_nlmsg_size(off),
					       extack_attr_cb, rc);
	}
	return MNL_CB_ERROR;
}

static int on_done(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_STOP;
}

static int on_noop(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

static int on_reply(const struct nlmsghdr *nlh, void *data)
{
	struct req_ctx *rc = data;

	if (!rc->fn)
		return MNL_CB_OK;
	rc->err = rc->fn(nlh, rc->ctx);
	return rc->err ? MNL_CB_ERROR : MNL_CB_OK;
}

/* Not const: mnl_cb_run2 takes a mutable array, though it only reads it. */
static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = on_noop,
	[NLMSG_ERROR] = on_error,
	[NLMSG_DONE] = on_done,
	[NLMSG_OVERRUN] = on_noop,
};

int xfrm_request(struct knl *kn, struct nlmsghdr *nlh, bool dump, xfrm_reply_fn fn, void *ctx,
		 char *extack, size_t extack_len)
{
	struct req_ctx rc = { .fn = fn, .ctx = ctx, .extack = extack, .extack_len = extack_len };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret = MNL_CB_OK;
	ssize_t n;

	if (extack && extack_len)
		extack[0] = '\0';
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
	pthread_mutex_lock(&kn->req_lock);
	nlh->nlmsg_seq = ++kn->seq;
	/* Our portid in the request tags the kernel's notifications about it as ours. */
	nlh->nlmsg_pid = kn->req_portid;
	if (mnl_socket_sendto(kn->req, nlh, nlh->nlmsg_len) < 0) {
		rc.err = -errno;
		goto out;
	}
	do {
		n = mnl_socket_recvfrom(kn->req, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc.err = -errno;
			break;
		}
		ret = mnl_cb_run2(buf, (size_t)n, nlh->nlmsg_seq, kn->req_portid, on_reply, &rc,
				  ctl_cbs, CG_ARRAY_SIZE(ctl_cbs));
		if (ret < 0 && !rc.err)
			rc.err = errno ? -errno : -EPROTO;
	} while (ret > MNL_CB_STOP);
out:
	pthread_mutex_unlock(&kn->req_lock);
	/* Requests may carry keys; the buffers that held them are wiped by the caller. */
	cg_memwipe(buf, sizeof(buf));
	return rc.err;
}

void xfrm_log_failure(struct knl *kn, int err, const char *extack, const char *fmt, ...)
{
	/* The caller decides what "exists" or "absent" mean; they are answers, not faults. */
	enum cg_level lvl = (err == -EEXIST || err == -ENOENT) ? CG_LVL_DEBUG : CG_LVL_ERROR;
	char what[256];
	va_list ap;

	if (!cg_log_enabled(kn->core, CG_LOG_KNL, lvl))
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (extack && *extack)
		cg_log(kn->core, CG_LOG_KNL, lvl, "%s failed: %s (kernel: %s)", what, strerror(-err),
		       extack);
	else
		cg_log(kn->core, CG_LOG_KNL, lvl, "%s failed: %s", what, strerror(-err));
}
