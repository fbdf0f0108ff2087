/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cg-migrate: one migrate request, read from the command line, sent over XFRM or PF_KEY. */
#ifndef CG_MIGRATE_H
#define CG_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/xfrm.h>

/* XFRM_MAX_DEPTH in the kernel: templates per policy, entries per migrate. */
#define MAX_MOVES 6

struct request {
	struct xfrm_userpolicy_id pol;
	struct xfrm_user_migrate moves[MAX_MOVES];
	size_t n_moves;
	struct xfrm_user_kmaddress km;
	bool has_km;
};

/* Sends r as SADB_X_MIGRATE on a PF_KEY socket; 0 when the kernel applied it. */
int pfkey_migrate(const struct request *r);

#endif
