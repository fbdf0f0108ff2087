/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for kernel-pfkey's parser: every datagram goes through the
 * parser and, when accepted, through every decoder the event thread and
 * the request path use.
 */
#include <string.h>

#include "fuzz.h"
#include "pfkey_conv.h"

static bool fz_pfkey_seed_ok(const uint8_t *data, size_t size)
{
	struct pfk_msg msg;
	const char *why;

	return !pfk_msg_parse(data, size, &msg, &why);
}

/* A header that agrees with the shortened length reaches the extension walk. */
static size_t fz_pfkey_more(uint8_t *m, size_t size, size_t i)
{
	uint16_t words;

	if (size < sizeof(struct sadb_msg) + 8 || i < sizeof(struct sadb_msg))
		return 0;
	words = (uint16_t)((size - 8) / 8);
	memcpy(m + offsetof(struct sadb_msg, sadb_msg_len), &words, sizeof(words));
	return size - 8;
}

const struct fz_target fz_target = {
	.min_seeds = 5,
	.seed_ok = fz_pfkey_seed_ok,
	.more = fz_pfkey_more,
};

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
