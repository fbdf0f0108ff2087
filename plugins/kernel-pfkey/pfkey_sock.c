/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Requests to af_key and their answers. af_key answers on the requesting
 * socket, but that socket also sees every other key manager's SA and
 * policy changes (they are broadcast to all PF_KEY sockets): a reply is
 * recognised by our pid, our sequence number and the request's type.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pfkey.h"

/* Large enough that a burst of other daemons' notifications does not drop our replies. */
#define PFK_RCVBUF (4 << 20)

int pfk_socket_open(struct pfk *pfk)
{
	int size = PFK_RCVBUF;
	int fd = socket(PF_KEY, SOCK_RAW | SOCK_CLOEXEC, PF_KEY_V2);

	if (fd < 0) {
		int err = -errno;

		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR,
		       "cannot open a PF_KEY socket: %s%s", strerror(-err),
		       err == -EAFNOSUPPORT ? " (load the af_key module)" :
		       err == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
		return err;
	}
	/* SO_RCVBUFFORCE passes the rmem_max limit when we have CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Throws away what queued up while nobody was waiting (others' notifications). */
static void drain(int fd, struct pfk_buf *buf)
{
	while (recv(fd, buf->words, sizeof(buf->words), MSG_DONTWAIT) >= 0)
		;
}

/* Reads one datagram within the deadline; its length, or a negative errno. */
static ssize_t recv_until(int fd, struct pfk_buf *buf, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t n;
		int r;

		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = recv(fd, buf->words, sizeof(buf->words), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		return n;
	}
}

static bool is_dump(uint8_t type)
{
	return type == SADB_DUMP || type == SADB_X_SPDDUMP;
}

static bool is_reply(const struct pfk *pfk, const struct sadb_msg *req, const struct sadb_msg *m)
{
	if (m->sadb_msg_pid != pfk->pid || m->sadb_msg_type != req->sadb_msg_type)
		return false;
	/* Dumped entries carry their position, not our sequence number. */
	return is_dump(req->sadb_msg_type) || m->sadb_msg_seq == req->sadb_msg_seq;
}

int pfk_transact(struct pfk *pfk, int fd, pfk_reply_fn fn, void *ctx)
{
	struct sadb_msg req;
	uint64_t deadline;
	int err, result = 0;

	err = pfk_buf_finish(&pfk->req_buf);
	if (err)
		return err;
	memcpy(&req, pfk_buf_data(&pfk->req_buf), sizeof(req));
	drain(fd, &pfk->reply_buf);
	if (send(fd, pfk_buf_data(&pfk->req_buf), pfk->req_buf.len, 0) < 0)
		return -errno;
	deadline = now_ms() + PFK_REPLY_TIMEOUT_MS;
	for (;;) {
		struct pfk_msg msg;
		const char *why;
		ssize_t n = recv_until(fd, &pfk->reply_buf, deadline);

		if (n < 0) {
			cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR, "no answer from af_key to %s: %s",
			       pfk_msg_type_name(req.sadb_msg_type), strerror((int)-n));
			result = (int)n;
			break;
		}
		if ((size_t)n > sizeof(pfk->reply_buf.words)) {
			cg_log(pfk->core, CG_LOG_KNL, CG_LVL_WARN,
			       "dropping a PF_KEY message of %zd bytes: larger than %d", n, PFK_MSG_MAX);
			continue;
		}
		if (pfk_msg_parse(pfk->reply_buf.words, (size_t)n, &msg, &why)) {
			cg_log(pfk->core, CG_LOG_KNL, CG_LVL_WARN, "dropping a PF_KEY message: %s", why);
			continue;
		}
		if (!is_reply(pfk, &req, &msg.hdr))
			continue;
		if (msg.hdr.sadb_msg_errno) {
			result = -msg.hdr.sadb_msg_errno;
			break;
		}
		/* A dump is read to its end even after an error, or af_key stays busy with it. */
		if (fn && !result)
			result = fn(ctx, &msg);
		if (!is_dump(req.sadb_msg_type) || msg.hdr.sadb_msg_seq == 0)
			break;
		deadline = now_ms() + PFK_REPLY_TIMEOUT_MS;
	}
	return result;
}

void pfk_req_begin(struct pfk *pfk, uint8_t type, uint8_t satype)
{
	pthread_mutex_lock(&pfk->req_lock);
	/* Zero is what af_key puts in its own messages; never use it. */
	if (++pfk->next_seq == 0)
		pfk->next_seq = 1;
	pfk_buf_init(&pfk->req_buf, type, satype, pfk->next_seq, pfk->pid);
}

int pfk_req_end(struct pfk *pfk, pfk_reply_fn fn, void *ctx)
{
	int err = pfk_transact(pfk, pfk->req_fd, fn, ctx);

	/* Requests and replies (SADB_ADD, SADB_GET, dumps) carry keys. */
	pfk_buf_wipe(&pfk->req_buf);
	pfk_buf_wipe(&pfk->reply_buf);
	pthread_mutex_unlock(&pfk->req_lock);
	return err;
}
