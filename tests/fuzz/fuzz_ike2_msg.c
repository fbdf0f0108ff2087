/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the IKEv2 codec (plugins/ike2/msg.c) on clear messages:
 * the header and the payload chain as the receive path parses them, then
 * every payload through the parser of its type.
 */
#include "fuzz.h"
#include "fz_ike2.h"

static bool fz_ike2_msg_seed_ok(const uint8_t *data, size_t size)
{
	struct ike2_chain c;
	struct ike2_hdr h;

	return !ike2_hdr_parse(data, size, &h) &&
	       !ike2_chain_parse(h.next, data + CG_IKE_HEADER_LEN, size - CG_IKE_HEADER_LEN, &c);
}

const struct fz_target fz_target = {
	.min_seeds = 8,
	.seed_ok = fz_ike2_msg_seed_ok,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike2_chain c;
	struct ike2_hdr h;

	ike2_hdr_length(data, size);
	if (ike2_hdr_parse(data, size, &h))
		return 0;
	ike2_exchange_name(h.exchange);
	if (ike2_chain_parse(h.next, data + CG_IKE_HEADER_LEN, size - CG_IKE_HEADER_LEN, &c))
		return 0;
	fz_ike2_payloads(&c);
	return 0;
}
