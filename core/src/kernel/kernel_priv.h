/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the kernel backend registry (kernel.c) and the record of what was installed (journal.c). */
#ifndef CG_KERNEL_PRIV_H
#define CG_KERNEL_PRIV_H

#include "core_priv.h"

struct cg_kernel {
	struct cg_core *core;
	const struct cg_kernel_ops *ops;
	void *priv;
};

struct cg_kreg {
	pthread_mutex_t lock;    /* guards active and the record */
	struct cg_kernel *active;
	struct cg_hmap recs;     /* journal.c: hash of line -> its record */
	char *journal_path;
	int journal_fd;
	int lock_fd;             /* <state_file>.lock, held while the core runs */
	size_t journal_lines;
	atomic_uint next_reqid;
};

/* journal.c. Each takes the registry's lock itself. */
void cg_journal_init(struct cg_kreg *kr);
void cg_journal_fini(struct cg_kreg *kr);
/* Records an SA or a policy (a policy once per user) that is now in the kernel. */
void cg_journal_record_sa(struct cg_core *core, const struct cg_kernel_sa_id *id);
void cg_journal_record_policy(struct cg_core *core, const struct cg_kernel_policy_id *id);
/* Replaces an SA's record by one at its new addresses, when the old one is recorded. */
void cg_journal_move_sa(struct cg_core *core, const struct cg_kernel_sa_id *from,
			const struct cg_kernel_sa_id *to);
/* Drops an SA from the record (deleted, or gone by a hard expire). */
void cg_journal_forget_sa(struct cg_core *core, const struct cg_kernel_sa_id *id);
/* True when the policy is in the record (so another user shares it). */
bool cg_journal_has_policy(struct cg_core *core, const struct cg_kernel_policy_id *id);
/*
 * Drops one user of a policy: 1 when it must now leave the kernel, 0 when
 * others still use it, -ENOENT when it is not in the record (never ours).
 */
int cg_journal_release_policy(struct cg_core *core, const struct cg_kernel_policy_id *id);
/* Removes leftovers listed in the journal by a previous, crashed run; opens a fresh journal. */
int cg_journal_clean(struct cg_core *core);
/* Removes every recorded object through k (policies first); how many, or -ENOMEM. */
int cg_journal_flush(struct cg_core *core, struct cg_kernel *k);

#endif
