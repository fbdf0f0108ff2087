/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The events: the registered PF_KEY socket is read on the core's fd watcher
 * and the kernel's messages become the same upcalls kernel-netlink makes,
 * so the IKE and mobility logic never learns which backend it runs on.
 *
 * af_key's messages say less than XFRM's: an acquire names the trapping
 * policy only by its index and a NAT mapping names its SA without the
 * SA's destination. The missing parts are read back from the kernel on
 * the request socket before the event goes up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pfkey.h"

static void reject(struct pfk *pfk, const struct pfk_msg *msg, const char *why)
{
	cg_log(pfk->core, CG_LOG_KNL, CG_LVL_WARN, "dropping %s from af_key: %s",
	       pfk_msg_type_name(msg->hdr.sadb_msg_type), why);
}

struct acquire_ctx {
	const struct pfk_acquire *acq;
	struct cg_kernel_acquire *ev;
	const char *why;
};

static int acquire_policy_reply(void *ctx, const struct pfk_msg *msg)
{
	struct acquire_ctx *c = ctx;

	return pfk_acquire_complete(c->acq, msg, c->ev, &c->why);
}

static void handle_acquire(struct pfk *pfk, const struct pfk_msg *msg)
{
	struct cg_kernel_acquire ev;
	struct pfk_acquire acq;
	struct acquire_ctx c = { .acq = &acq, .ev = &ev, .why = NULL };
	const char *why;
	int err;

	if (pfk_decode_acquire(msg, &acq, &why)) {
		reject(pfk, msg, why);
		return;
	}
	/* The policy's index names its direction; af_key ignores ours. */
	pfk_req_begin(pfk, SADB_X_SPDGET, SADB_SATYPE_UNSPEC);
	pfk_put_policy(&pfk->req_buf, IPSEC_POLICY_IPSEC, IPSEC_DIR_OUTBOUND, acq.policy_id, 0);
	err = pfk_req_end(pfk, acquire_policy_reply, &c);
	if (err) {
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_WARN,
		       "dropping SADB_ACQUIRE: cannot read its policy %u: %s", acq.policy_id,
		       c.why ? c.why : strerror(-err));
		return;
	}
	cg_log(pfk->core, CG_LOG_KNL, CG_LVL_DEBUG, "acquire for reqid %u (policy %u)", ev.reqid,
	       acq.policy_id);
	cg_kernel_raise_acquire(pfk->k, &ev);
}

static void handle_expire(struct pfk *pfk, const struct pfk_msg *msg)
{
	struct cg_kernel_expire ev;
	const char *why;

	if (pfk_decode_expire(msg, &ev, &why)) {
		reject(pfk, msg, why);
		return;
	}
	cg_log(pfk->core, CG_LOG_KNL, CG_LVL_DEBUG, "%s expire of SA %08x (reqid %u)",
	       ev.hard ? "hard" : "soft", ev.id.spi, ev.reqid);
	cg_kernel_raise_expire(pfk->k, &ev);
}

static void handle_migrate(struct pfk *pfk, const struct pfk_msg *msg)
{
	struct cg_kernel_migrate ev;
	const char *why;

	if (pfk_decode_migrate(msg, &ev, &why)) {
		reject(pfk, msg, why);
		return;
	}
	cg_log(pfk->core, CG_LOG_KNL, CG_LVL_DEBUG, "migrate of %zu SA bundle(s)%s", ev.n_entries,
	       ev.has_kmaddress ? " with KMADDRESS" : "");
	cg_kernel_raise_migrate(pfk->k, &ev);
}

struct sa_search {
	uint32_t spi;
	const struct cg_addr *src;
	bool found;
	struct cg_kernel_sa_id id;
	uint32_t reqid;
};

static int sa_search_reply(void *ctx, const struct pfk_msg *msg)
{
	struct sa_search *s = ctx;
	struct cg_kernel_sa_id id;
	struct sadb_x_sa2 sa2;
	struct sadb_sa sa;

	if (s->found || pfk_get_sa(msg, &sa) || ntohl(sa.sadb_sa_spi) != s->spi ||
	    pfk_get_addr(msg, SADB_EXT_ADDRESS_SRC, &id.src, NULL, NULL) ||
	    pfk_get_addr(msg, SADB_EXT_ADDRESS_DST, &id.dst, NULL, NULL) ||
	    !cg_addr_equal(&id.src, s->src))
		return 0;
	id.src.port = id.dst.port = 0;
	id.spi = s->spi;
	id.proto = IPPROTO_ESP;
	s->id = id;
	s->reqid = pfk_get_sa2(msg, &sa2) ? 0 : sa2.sadb_x_sa2_reqid;
	s->found = true;
	return 0;
}

static void handle_mapping(struct pfk *pfk, const struct pfk_msg *msg)
{
	struct cg_kernel_mapping ev;
	struct pfk_mapping map;
	struct sa_search s;
	const char *why;
	int err;

	if (pfk_decode_mapping(msg, &map, &why)) {
		reject(pfk, msg, why);
		return;
	}
	/* The message lacks the SA's destination and reqid: find the SA among the ESP SAs. */
	s = (struct sa_search){ .spi = map.spi, .src = &map.old_src };
	pfk_req_begin(pfk, SADB_DUMP, SADB_SATYPE_ESP);
	err = pfk_req_end(pfk, sa_search_reply, &s);
	if (err || !s.found) {
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_WARN,
		       "dropping SADB_X_NAT_T_NEW_MAPPING: SA %08x not found (%s)", map.spi,
		       err ? strerror(-err) : "no such SA");
		return;
	}
	ev = (struct cg_kernel_mapping){
		.id = s.id,
		.reqid = s.reqid,
		.old_src = map.old_src,
		.new_src = map.new_src,
	};
	cg_log(pfk->core, CG_LOG_KNL, CG_LVL_DEBUG, "NAT mapping of SA %08x changed", map.spi);
	cg_kernel_raise_mapping(pfk->k, &ev);
}

static void handle_policy_gone(struct pfk *pfk, const struct pfk_msg *msg)
{
	struct cg_kernel_policy_gone ev = { .flush = msg->hdr.sadb_msg_type == SADB_X_SPDFLUSH };
	const char *why;

	/* Our own deletions come back too; only others' are news. */
	if (msg->hdr.sadb_msg_pid == pfk->pid)
		return;
	if (!ev.flush && pfk_decode_policy_id(msg, &ev.id, &why)) {
		reject(pfk, msg, why);
		return;
	}
	cg_kernel_raise_policy_gone(pfk->k, &ev);
}

static void dispatch(struct pfk *pfk, const struct pfk_msg *msg)
{
	if (msg->hdr.sadb_msg_errno)
		return;
	switch (msg->hdr.sadb_msg_type) {
	case SADB_ACQUIRE:
		handle_acquire(pfk, msg);
		break;
	case SADB_EXPIRE:
		handle_expire(pfk, msg);
		break;
	case SADB_X_MIGRATE:
		handle_migrate(pfk, msg);
		break;
	case SADB_X_NAT_T_NEW_MAPPING:
		handle_mapping(pfk, msg);
		break;
	case SADB_X_SPDDELETE:
	case SADB_X_SPDDELETE2:
	case SADB_X_SPDFLUSH:
		handle_policy_gone(pfk, msg);
		break;
	default:
		/* SA and policy changes broadcast to every PF_KEY socket: not events here. */
		break;
	}
}

static void read_event(struct pfk *pfk)
{
	ssize_t n = recv(pfk->ev_fd, pfk->ev_buf.words, sizeof(pfk->ev_buf.words),
			 MSG_DONTWAIT | MSG_TRUNC);
	struct pfk_msg msg;
	const char *why;

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			cg_log(pfk->core, CG_LOG_KNL, CG_LVL_WARN, "reading PF_KEY events: %s",
			       strerror(errno));
		return;
	}
	if ((size_t)n > sizeof(pfk->ev_buf.words)) {
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_WARN,
		       "dropping a PF_KEY message of %zd bytes: larger than %d", n, PFK_MSG_MAX);
		n = sizeof(pfk->ev_buf.words);
	} else if (pfk_msg_parse(pfk->ev_buf.words, (size_t)n, &msg, &why)) {
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_WARN, "dropping a PF_KEY message: %s", why);
	} else {
		dispatch(pfk, &msg);
	}
	/* Every SADB_ADD anyone makes is broadcast here with its keys. */
	cg_memwipe(pfk->ev_buf.words, (size_t)n);
}

/* The core's fd watcher calls this while the event socket is readable. */
static void event_readable(int fd, void *arg)
{
	(void)fd;
	read_event(arg);
}

int pfk_events_start(struct pfk *pfk)
{
	int err = cg_watch_add(pfk->core, pfk->ev_fd, event_readable, pfk);

	if (!err)
		pfk->ev_watched = true;
	return err;
}

void pfk_events_stop(struct pfk *pfk)
{
	if (!pfk->ev_watched)
		return;
	cg_watch_del(pfk->core, pfk->ev_fd);
	pfk->ev_watched = false;
}
