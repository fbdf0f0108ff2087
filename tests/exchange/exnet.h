/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An in-memory network between two cores for exchange tests: every message
 * a core sends is queued; ex_run() delivers the queue (through an optional
 * filter that may drop, duplicate or alter a message) and runs both cores'
 * jobs until nothing moves.
 */
#ifndef EXNET_H
#define EXNET_H

#include "testlib.h"

#define EX_LEFT 0
#define EX_RIGHT 1

enum ex_action {
	EX_DELIVER = 0,
	EX_DROP,
	EX_DUPLICATE,
};

struct ex_pkt {
	int from;               /* EX_LEFT or EX_RIGHT */
	struct cg_addr src, dst;
	uint8_t *data;
	size_t len;
};

struct ex_net;
/* Decides what happens to a message; may change pkt->data in place. */
typedef enum ex_action (*ex_filter_fn)(struct ex_net *net, struct ex_pkt *pkt, void *ctx);

#define EX_LOG_MAX 256

struct ex_side {
	struct ex_net *net;
	int idx;
};

struct ex_net {
	struct ex_side side[2];
	struct cg_core *core[2];
	struct cg_addr addr[2];
	struct cg_addr moved[2];        /* a second address of each side (ex_add_addr), or unset */
	struct ex_pkt *queue;
	size_t n_queue, cap_queue;
	ex_filter_fn filter;
	void *filter_ctx;
	/* Every message ever sent, in order (copies). */
	struct ex_pkt log[EX_LOG_MAX];
	size_t n_log;
	uint64_t sent_at[EX_LOG_MAX];   /* virtual time of each send, ms */
	struct cg_bus_sub *subs[2];     /* ex_watch's, removed by ex_stop */
};

/* Starts two cores from YAML texts, wired together. Aborts the test on failure. */
void ex_start(struct ex_net *net, const char *left_yaml, const char *right_yaml);
void ex_stop(struct ex_net *net);
/* Calls fn for every event of each side, synchronously, with ctx[side]; ex_stop ends it. */
void ex_watch(struct ex_net *net, cg_bus_fn fn, void *ctx_left, void *ctx_right);
/* The same for one side (again after ex_restart, which ends it for that side). */
void ex_watch_side(struct ex_net *net, int side, cg_bus_fn fn, void *ctx);
/* Replaces one side's core by a fresh one (a reboot); what it sent while stopping is lost. */
void ex_restart(struct ex_net *net, int side, const char *yaml);
/* Gives a side a second address (a care-of address after a move); messages to it reach that side. */
void ex_add_addr(struct ex_net *net, int side, const char *addr);
/* Delivers and runs until quiet; returns the number of messages delivered. */
size_t ex_run(struct ex_net *net);
/* Advances both cores' virtual clocks by ms (in steps of step_ms), running in between. */
void ex_advance(struct ex_net *net, uint64_t ms, uint64_t step_ms);
/* Runs a control command on one side; returns the reply (free it). */
char *ex_ctl(struct ex_net *net, int side, const char *line);
/* Runs a command on one side and asserts that it answered ok. */
void ex_ctl_ok(struct ex_net *net, int side, const char *line);
/* Occurrences of needle in the reply to a command. */
size_t ex_ctl_count(struct ex_net *net, int side, const char *line, const char *needle);
/* Messages in the log sent by side with the given exchange type and response flag. */
size_t ex_count(const struct ex_net *net, int side, uint8_t exchange, bool response);
/*
 * Asserts that for every outbound SA of one side, the other side's inbound
 * SA with that SPI holds the same keys (kmem-dump's key_check); returns the
 * number of such pairs.
 */
size_t ex_assert_keys_match(struct ex_net *net);
/* Injects raw bytes as if sent by side (to port 4500 when they start with the non-ESP marker). */
void ex_inject(struct ex_net *net, int from, const uint8_t *data, size_t len);

/*
 * Writes every logged message to path as a pcap file (raw IP: IPv6 and UDP
 * headers around each message, the send times from the virtual clocks);
 * -errno on failure, -EINVAL for a message that is not over IPv6.
 */
int ex_write_pcap(const struct ex_net *net, const char *path);

/* Wire helpers; messages to or from port 4500 start after the non-ESP marker. */
size_t ex_marker_len(const struct ex_pkt *p);
uint8_t ex_exchange(const struct ex_pkt *p);
bool ex_is_response(const struct ex_pkt *p);
/* Finds a notify of type in an unencrypted message. */
bool ex_has_notify(const struct ex_pkt *p, uint16_t type, uint8_t *data, size_t *len);

#endif
