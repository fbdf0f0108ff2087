/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dpd.c: liveness checks, dpd_action, close_action, keyingtries. */
#ifndef IKE2_DPD_H
#define IKE2_DPD_H

#include <cygnet/cygnet.h>

struct ike2_sa;
struct ike2_child;

/* An IKE SA's liveness and establishing attempts. */
struct ike2_dpd {
	cg_timer_id timer;
	uint64_t last_peer_ms;        /* cg_now_ms of the last authentic message or ESP seen */
	unsigned keyingtry;           /* initiator: which attempt at establishing this is */
};

/* keyingtries: the pause before the next attempt at establishing. */
#define IKE2_RETRY_DELAY_MS 2000u

/* 0: a liveness check is due; else ms until one may be (inbound IKE or ESP seen lately). */
uint64_t ike2_dpd_wait(struct ike2_sa *sa);
/* Tears the SA down, then applies its children's dpd_action (dpd) or close_action. */
void ike2_dpd_down_action(struct ike2_sa *sa, bool dpd);
/* The peer deleted the child name: its close_action. */
void ike2_dpd_child_closed(struct ike2_sa *sa, const char *name);
/* Initiator: establishing timed out; schedules the next attempt when keyingtries allows. */
bool ike2_dpd_retry_establish(struct ike2_sa *sa);

#endif
