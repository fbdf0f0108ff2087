/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for kernel-pfkey's parser: every datagram goes through the
 * parser and, when accepted, through every decoder the event thread and
 * the request path use. Built with libFuzzer under clang; the corpus
 * replay (replay_pfkey.c) runs the same entry point in the unit tests.
 */
#include <stddef.h>
#include <stdint.h>

#include "pfkey_conv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_kernel_policy_stats pstats;
	struct cg_kernel_sa_stats sstats;
	struct cg_kernel_policy_id id;
	struct cg_kernel_migrate mig;
	struct cg_kernel_expire exp;
	struct cg_kernel_acquire acq_ev;
	struct pfk_acquire acq;
	struct pfk_mapping map;
	struct pfk_policy pol;
	struct pfk_sel sel;
	struct cg_ts src, dst;
	struct cg_addr a, b;
	struct pfk_msg msg;
	const char *why;

	if (pfk_msg_parse(data, size, &msg, &why))
		return 0;
	pfk_decode_expire(&msg, &exp, &why);
	pfk_decode_migrate(&msg, &mig, &why);
	pfk_decode_mapping(&msg, &map, &why);
	pfk_decode_policy_id(&msg, &id, &why);
	pfk_decode_sa_stats(&msg, &sstats, &why);
	pfk_decode_policy_stats(&msg, &pstats, &why);
	pfk_get_policy(&msg, &pol, &why);
	pfk_get_kmaddress(&msg, &a, &b);
	if (!pfk_get_sel(&msg, &sel, &why))
		pfk_sel_to_ts(&sel, &src, &dst);
	/* The message serves as its own policy: the acquire path reads both. */
	if (!pfk_decode_acquire(&msg, &acq, &why))
		pfk_acquire_complete(&acq, &msg, &acq_ev, &why);
	return 0;
}
