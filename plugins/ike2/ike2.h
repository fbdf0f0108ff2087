/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ike2: the IKEv2 protocol (RFC 7296). The plugin state and what every
 * exchange shares; each feature has its own header beside its .c file
 * (msg.h the codec, ikesa.h the IKE SA object).
 */
#ifndef IKE2_H
#define IKE2_H

#include <pthread.h>
#include <cygnet/cygnet.h>

/* Outcome of handling a message: keep the SA or destroy it after check-in. */
enum ike2_verdict {
	IKE2_KEEP = 0,
	IKE2_DESTROY = 1,
};

struct ike2_peer_entry;

/* Plugin state. */
struct ike2 {
	struct cg_core *core;
	struct cg_bus_sub *sub;
	pthread_mutex_t lock;         /* guards next_child_id */
	struct cg_traps *traps;       /* start_action: trap children */
	uint32_t next_child_id;
	unsigned ctl_mask;            /* control commands this plugin registered */
	uint64_t cookie_threshold;    /* half-open SAs from which COOKIEs are demanded */
	uint8_t cookie_secret[32];
	pthread_mutex_t peers_lock;   /* guards peers */
	struct cg_hmap peers;         /* contact.c: established SAs by peer */
};

/* plugin.c */
uint32_t ike2_next_child_id(struct ike2 *p);
/* A trapped child was negotiated (or failed): acquires for reqid trigger again. */
void ike2_trap_done(struct ike2 *p, uint32_t reqid);
/* The reqid of the trap policies installed for conn/child, 0 when none. */
uint32_t ike2_trap_reqid(struct ike2 *p, const char *conn, const char *child);
/* Installs trap policies for a child config (start_action, close_action, dpd_action: trap). */
int ike2_trap_install(struct ike2 *p, const struct cg_conn_cfg *conn,
		      const struct cg_child_cfg *cc);

#endif
