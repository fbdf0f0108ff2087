/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel-netlink: private state and the pieces the backend is made of. */
#ifndef XFRM_H
#define XFRM_H

#include <pthread.h>
#include <stdatomic.h>

#include <libmnl/libmnl.h>
#include <linux/xfrm.h>

#include <cygnet/cygnet.h>

/* Longest kernel message (extended ack) kept for the log. */
#define XFRM_EXTACK_MAX 256

/* Default receive buffer of the event socket; grown after an overflow. */
#define XFRM_EV_RCVBUF_DEFAULT (1u << 20)
#define XFRM_EV_RCVBUF_MAX (64u << 20)

struct knl {
	struct cg_core *core;
	struct cg_kernel *k;

	/* Requests: one socket, one request in flight at a time. */
	pthread_mutex_t req_lock;
	struct mnl_socket *req;
	uint32_t req_portid;
	uint32_t seq;

	/* Events: multicast groups read on the core's fd watcher. */
	struct mnl_socket *ev;
	bool ev_watched;
	char *ev_buf;           /* XFRM_EV_BUF_SIZE bytes */
	unsigned ev_rcvbuf;     /* bytes, as configured or grown */
	atomic_uint overflows;  /* times the event queue overflowed */
};

/* Callback for the messages a request returns (replies, dump entries). */
typedef int (*xfrm_reply_fn)(const struct nlmsghdr *nlh, void *ctx);

/*
 * Sends the request in nlh (flags are added) and reads until the kernel's
 * ack or error. Replies go to fn (may be NULL). Returns 0 or the kernel's
 * negative errno, with its extended ack message in extack (may be NULL).
 */
int xfrm_request(struct knl *kn, struct nlmsghdr *nlh, bool dump, xfrm_reply_fn fn, void *ctx,
		 char *extack, size_t extack_len);
/*
 * Logs a failed request: expected outcomes (exists, absent) at debug level,
 * everything else as an error, with the kernel's own message when it gave one.
 */
void xfrm_log_failure(struct knl *kn, int err, const char *extack, const char *fmt, ...)
	CG_PRINTF(4, 5);

/* Conversions between the neutral forms and XFRM's (xfrm_conv.c). */
void xfrm_addr_put(const struct cg_addr *a, xfrm_address_t *x);
void xfrm_addr_get(const xfrm_address_t *x, sa_family_t family, struct cg_addr *a);
/* A selector from two neutral ones; -EINVAL with *why when XFRM cannot hold them. */
int xfrm_sel_from_ts(const struct cg_ts *src, const struct cg_ts *dst, struct xfrm_selector *sel,
		     const char **why);
/* Neutral selectors from a kernel selector (ICMP/MH type and code go to dst). */
void xfrm_ts_from_sel(const struct xfrm_selector *sel, struct cg_ts *src, struct cg_ts *dst);
/* A 16-bit inclusive range as XFRM's value and mask (host order); false when not aligned. */
bool xfrm_range_to_mask(uint16_t from, uint16_t to, uint16_t *value, uint16_t *mask);
/* The range a value and mask cover (the enclosing one when the mask has holes). */
void xfrm_mask_to_range(uint16_t value, uint16_t mask, uint16_t *from, uint16_t *to);

struct xfrm_alg {
	uint16_t id;          /* IANA transform ID */
	const char *name;     /* Linux crypto API name */
	uint16_t icv_bits;    /* AEAD ICV, or integrity truncation */
	bool aead;
};
/* The kernel's algorithm for an encryption or integrity transform, or NULL. */
const struct xfrm_alg *xfrm_encr_alg(uint16_t id);
const struct xfrm_alg *xfrm_integ_alg(uint16_t id);
/* Lifetimes: 0 means unlimited here, XFRM_INF in the kernel. */
void xfrm_lifetime_put(const struct cg_lifetime *lt, struct xfrm_lifetime_cfg *cfg);
uint8_t xfrm_mode_put(enum cg_ipsec_mode mode);
enum cg_ipsec_mode xfrm_mode_get(uint8_t mode);

/* SAs (xfrm_sa.c) and policies (xfrm_policy.c): the vtable entries. */
int xfrm_get_spi(struct cg_kernel *k, const struct cg_addr *src, const struct cg_addr *dst,
		 uint8_t proto, uint32_t reqid, uint32_t *spi);
int xfrm_add_sa(struct cg_kernel *k, const struct cg_kernel_sa *sa);
int xfrm_update_sa(struct cg_kernel *k, const struct cg_kernel_sa *sa);
int xfrm_del_sa(struct cg_kernel *k, const struct cg_kernel_sa_id *id);
int xfrm_query_sa(struct cg_kernel *k, const struct cg_kernel_sa_id *id,
		  struct cg_kernel_sa_stats *stats);
int xfrm_add_policy(struct cg_kernel *k, const struct cg_kernel_policy *pol, bool replace);
int xfrm_del_policy(struct cg_kernel *k, const struct cg_kernel_policy_id *id);
int xfrm_query_policy(struct cg_kernel *k, const struct cg_kernel_policy_id *id,
		      struct cg_kernel_policy_stats *stats);
int xfrm_bypass_socket(struct cg_kernel *k, int fd, sa_family_t family);
/* Moves a child's SAs and policies by XFRM_MSG_MIGRATE of each of its policies. */
int xfrm_move(struct cg_kernel *k, const struct cg_kernel_move *mv);

/*
 * After lost events: raises the soft expires the kernel may have sent
 * while the queue was full (SAs past a soft limit). Returns how many.
 */
int xfrm_resync_expires(struct knl *kn);

/* Events (xfrm_events.c). */
int xfrm_events_start(struct knl *kn);
void xfrm_events_stop(struct knl *kn);
/* Parses one event message and raises it; exposed for the unit tests. */
void xfrm_event_dispatch(struct knl *kn, const struct nlmsghdr *nlh);

#endif
