/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel-pfkey: the backend's state, shared by its files. */
#ifndef PFKEY_H
#define PFKEY_H

#include <pthread.h>

#include <cygnet/cygnet.h>

#include "pfkey_conv.h"

/* How long a request waits for af_key's answer before giving up. */
#define PFK_REPLY_TIMEOUT_MS 5000

struct pfk {
	struct cg_core *core;
	struct cg_kernel *k;
	uint32_t pid;             /* sadb_msg_pid of our requests */

	/* Requests: one at a time on one socket. */
	pthread_mutex_t req_lock;
	int req_fd;
	uint32_t next_seq;
	struct pfk_buf req_buf;   /* the request being sent */
	struct pfk_buf reply_buf; /* the datagram being read */

	/* Events: a registered socket read on the core's fd watcher. */
	int ev_fd;
	bool ev_watched;
	struct pfk_buf ev_buf;
};

/*
 * Called for each reply to a request; msg and its datagram are valid only
 * during the call. Returns 0, or a negative errno that ends the request.
 */
typedef int (*pfk_reply_fn)(void *ctx, const struct pfk_msg *msg);

/* Opens a PF_KEY socket with a large receive buffer; the fd or a negative errno. */
int pfk_socket_open(struct pfk *pfk);
/*
 * Sends pfk->req_buf (begun with pfk_req_begin) and waits for af_key's
 * answer: one reply, or for SADB_DUMP/SADB_X_SPDDUMP every message of the
 * dump. The kernel's errno comes back negated. Caller holds req_lock.
 */
int pfk_transact(struct pfk *pfk, int fd, pfk_reply_fn fn, void *ctx);
/* Starts a request in pfk->req_buf; takes req_lock (released by pfk_req_end). */
void pfk_req_begin(struct pfk *pfk, uint8_t type, uint8_t satype);
/* Sends the request begun with pfk_req_begin, wipes the buffers and unlocks. */
int pfk_req_end(struct pfk *pfk, pfk_reply_fn fn, void *ctx);

/* Event thread. */
int pfk_events_start(struct pfk *pfk);
void pfk_events_stop(struct pfk *pfk);

#endif
