/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the decrypted payload chain: the input's payloads are
 * sealed in an SK payload under fixed keys (ike2_sk_seal), and the message
 * then goes the receive path's way: header, outer chain, ike2_sk_open
 * (ICV, decryption, padding, inner chain), and every inner payload through
 * its parser. Input: one octet choosing the suite (bit 0: AES-CBC-256 with
 * HMAC-SHA2-256-128, else AES-GCM-16-256), one octet naming the first inner
 * payload, then the inner payloads. Bit 1 of the first octet changes the
 * last octet of the sealed message (the ICV): the message must be dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fz_ike2.h"
#include "ikesa.h"
#include "sk.h"
#include "testlib.h"

struct fz_suite {
	const struct cg_encr_alg *encr;
	const struct cg_integ_alg *integ;
};

static struct cg_core *fz_core;
static struct fz_suite fz_suites[2];
static const struct cg_conn_cfg fz_conn; /* no fragmentation: one SK message */

static void fz_sk_init(void)
{
	if (fz_core)
		return;
	fz_core = tl_core_new("fuzz-sk",
			      "daemon: { plugins: [crypto-nettle], log: { default: silent } }\n",
			      NULL, NULL, NULL);
	if (!fz_core)
		abort();
	fz_suites[0].encr = cg_crypto_encr(fz_core, CG_ENCR_AES_GCM_16, 256);
	fz_suites[1].encr = cg_crypto_encr(fz_core, CG_ENCR_AES_CBC, 256);
	fz_suites[1].integ = cg_crypto_integ(fz_core, CG_INTEG_HMAC_SHA2_256_128);
	if (!fz_suites[0].encr || !fz_suites[1].encr || !fz_suites[1].integ)
		abort();
}

/* An SA with fixed keys, the same both ways, so what it seals it opens. */
static void fz_sk_sa(struct ike2_sa *sa, const struct fz_suite *s)
{
	static const uint8_t key_e[64] = "fuzz encryption key, fixed, long enough for any suite";
	static const uint8_t key_a[64] = "fuzz integrity key, fixed, long enough for any suite";

	memset(sa, 0, sizeof(*sa));
	sa->core = fz_core;
	sa->conn = &fz_conn;
	sa->spi_i = 0x0102030405060708ull;
	sa->spi_r = 0x1112131415161718ull;
	sa->encr = s->encr;
	sa->integ = s->integ;
	sa->sk_e_in = sa->sk_e_out = CG_CHUNK(key_e, s->encr->key_size);
	if (s->integ)
		sa->sk_a_in = sa->sk_a_out = CG_CHUNK(key_a, s->integ->key_size);
}

static bool fz_ike2_sk_seed_ok(const uint8_t *data, size_t size)
{
	struct ike2_chain c;

	return size >= 2 && !ike2_chain_parse(data[1], data + 2, size - 2, &c);
}

const struct fz_target fz_target = {
	.min_seeds = 6,
	.seed_ok = fz_ike2_sk_seed_ok,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike2_hdr h = { .version = IKE2_VERSION, .exchange = IKE2_EXCH_AUTH,
			      .flags = IKE2_FLAG_I, .mid = 1 };
	struct cg_packet pkt = { 0 };
	struct ike2_msg msg = { 0 };
	struct cg_chunk out;
	struct ike2_sa sa;
	struct ike2_w w;

	if (size < 2)
		return 0;
	fz_sk_init();
	fz_sk_sa(&sa, &fz_suites[data[0] & 1]);
	h.spi_i = sa.spi_i;
	h.spi_r = sa.spi_r;
	ike2_w_init(&w);
	w.first = data[1];
	ike2_w_put(&w, data + 2, size - 2);
	if (ike2_sk_seal(&sa, &h, &w, &out)) {
		ike2_w_free(&w);
		return 0;
	}
	ike2_w_free(&w);
	if (data[0] & 2)
		out.ptr[out.len - 1] ^= 1;
	pkt.data = out.ptr;
	pkt.len = out.len;
	msg.pkt = &pkt;
	if (!ike2_hdr_parse(pkt.data, pkt.len, &msg.h) &&
	    !ike2_chain_parse(msg.h.next, pkt.data + CG_IKE_HEADER_LEN, pkt.len - CG_IKE_HEADER_LEN,
			      &msg.outer) &&
	    !ike2_sk_open(&sa, &msg)) {
		if (data[0] & 2)
			abort(); /* a message with a bad ICV was taken */
		fz_ike2_payloads(&msg.pl);
	}
	free(msg.plain);
	cg_chunk_free(&out);
	return 0;
}
