/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the IKEv1 codec (plugins/ike1/msg.c) and its CBC
 * decryption (sa.c). Bit 0 of the first octet chooses what follows:
 *  - clear: a whole clear message (the first four of Main Mode): the
 *    header, the payload chain without padding, every payload's parser;
 *  - encrypted: one octet naming the first payload, then the payloads of
 *    a Quick Mode (bit 2 clear) or Informational message. They are
 *    encrypted under fixed keys with the exchange's IV (a hash of phase 1's
 *    last block and the message ID) as ike1_sa_encrypt sends them, and the
 *    message then goes the receive path's way: header, ike1_sa_decrypt,
 *    the payload chain with padding, every payload's parser. Bit 1 chooses
 *    the suite (AES-CBC-128 with SHA1, or AES-CBC-256 with SHA2-256).
 * One target for both keeps the bounded run of tools/test.sh short.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ike1.h"
#include "testlib.h"

#define FZ_MODE_ENC 0x01
#define FZ_MODE_SUITE 0x02
#define FZ_MODE_INFO 0x04
#define FZ_MID 0x01020304u

struct fz_suite {
	uint16_t encr, keylen, hash;
};

static const struct fz_suite fz_suites[2] = {
	{ CG_ENCR_AES_CBC, 128, IKE1_HASH_SHA1 },
	{ CG_ENCR_AES_CBC, 256, IKE1_HASH_SHA2_256 },
};

static struct cg_core *fz_core;
static const struct cg_encr_alg *fz_encr[2];

static void fz_ike1_init(void)
{
	if (fz_core)
		return;
	fz_core = tl_core_new("fuzz-ike1",
			      "daemon: { plugins: [crypto-nettle], log: { default: silent } }\n",
			      NULL, NULL, NULL);
	if (!fz_core)
		abort();
	for (size_t i = 0; i < CG_ARRAY_SIZE(fz_suites); i++) {
		fz_encr[i] = cg_crypto_encr(fz_core, fz_suites[i].encr, fz_suites[i].keylen);
		if (!fz_encr[i])
			abort();
	}
}

/* An ISAKMP SA with fixed keys, the same both ways, so what it encrypts it decrypts. */
static void fz_ike1_sa(struct ike1_sa *sa, size_t suite)
{
	static const uint8_t ekey[32] = "fuzz encryption key, fixed, 32B";
	static const uint8_t last[IKE1_BLOCK_MAX] = "phase 1 last CB";

	memset(sa, 0, sizeof(*sa));
	sa->core = fz_core;
	sa->ci = 0x0102030405060708ull;
	sa->cr = 0x1112131415161718ull;
	sa->encr = fz_encr[suite];
	sa->hash_alg = fz_suites[suite].hash;
	sa->bs = sa->encr->block_size;
	sa->ekey = CG_CHUNK((uint8_t *)ekey, sa->encr->key_size);
	memcpy(sa->iv, last, sizeof(sa->iv));
}

static void fz_ike1_id(const struct ike1_pl *pl)
{
	struct cg_id id;
	struct cg_ts ts;

	if (!ike1_id_to_id(pl, &id))
		cg_id_free(&id);
	ike1_id_to_ts(pl, &ts);
}

static void fz_ike1_delete(const struct ike1_pl *pl)
{
	struct ike1_delete d;
	uint32_t sum = 0;

	if (ike1_delete_parse(pl, &d) || d.spi_size != 4)
		return;
	/* As info.c reads the SPIs of an ESP delete. */
	for (size_t i = 0; i < d.n; i++)
		sum += cg_get32(d.spis + 4 * i);
	(void)sum;
}

/* Every payload of c through the parser of its type, as the exchanges meet them. */
static void fz_ike1_payloads(const struct ike1_chain *c, bool phase2)
{
	struct ike1_offer offers[IKE1_MAX_PROPOSALS];
	struct ike1_notify n;
	size_t n_offers;

	for (size_t i = 0; i < c->n; i++) {
		const struct ike1_pl *pl = &c->pl[i];

		switch (pl->type) {
		case IKE1_PL_SA:
			ike1_sa_parse(pl, phase2, offers, IKE1_MAX_PROPOSALS, &n_offers);
			break;
		case IKE1_PL_ID:
			fz_ike1_id(pl);
			break;
		case IKE1_PL_N:
			if (!ike1_notify_parse(pl, &n))
				ike1_notify_name(n.type);
			break;
		case IKE1_PL_D:
			fz_ike1_delete(pl);
			break;
		}
	}
	/* KE, HASH, NONCE and VID are bodies the exchanges take whole. */
	ike1_chain_find(c, IKE1_PL_HASH);
	ike1_chain_count(c, IKE1_PL_NONCE);
}

static int fz_ike1_clear(const uint8_t *data, size_t size)
{
	struct ike1_chain c;
	struct ike1_hdr h;

	if (ike1_hdr_parse(data, size, &h))
		return -1;
	ike1_exchange_name(h.exchange);
	if (ike1_chain_parse(h.next, data + CG_IKE_HEADER_LEN, size - CG_IKE_HEADER_LEN, false,
			     &c))
		return -1;
	fz_ike1_payloads(&c, h.exchange == IKE1_EXCH_QUICK);
	return 0;
}

static int fz_ike1_enc(uint8_t mode, const uint8_t *data, size_t size)
{
	uint8_t exchange = mode & FZ_MODE_INFO ? IKE1_EXCH_INFO : IKE1_EXCH_QUICK;
	uint8_t iv_out[IKE1_BLOCK_MAX], iv_in[IKE1_BLOCK_MAX], *plain = NULL;
	struct cg_chunk msg;
	struct ike1_chain c;
	struct ike1_sa sa;
	struct ike1_hdr h;
	struct ike1_w w;
	int ret = -1;

	if (size < 1)
		return -1;
	fz_ike1_init();
	fz_ike1_sa(&sa, mode & FZ_MODE_SUITE ? 1 : 0);
	h = (struct ike1_hdr){ .ci = sa.ci, .cr = sa.cr, .exchange = exchange, .mid = FZ_MID };
	ike1_w_init(&w, &h);
	ike1_w_put(&w, data + 1, size - 1);
	if (!w.failed)
		w.buf[16] = data[0];
	ike1_sa_exchange_iv(&sa, FZ_MID, iv_out);
	memcpy(iv_in, iv_out, sizeof(iv_in));
	if (ike1_sa_encrypt(&sa, &w, iv_out))
		goto out;
	msg = ike1_w_finish(&w);
	if (!msg.len || ike1_hdr_parse(msg.ptr, msg.len, &h))
		goto out;
	if (ike1_sa_decrypt(&sa, msg.ptr, msg.len, iv_in, &plain))
		abort(); /* what was encrypted does not decrypt */
	/* The next message's IV is the last ciphertext block, both ways. */
	if (memcmp(iv_in, iv_out, sa.bs))
		abort();
	if (ike1_chain_parse(h.next, plain, msg.len - CG_IKE_HEADER_LEN, true, &c))
		goto out;
	fz_ike1_payloads(&c, exchange == IKE1_EXCH_QUICK);
	ret = 0;
out:
	free(plain);
	ike1_w_free(&w);
	return ret;
}

static bool fz_ike1_seed_ok(const uint8_t *data, size_t size)
{
	if (size < 1)
		return false;
	if (data[0] & FZ_MODE_ENC)
		return !fz_ike1_enc(data[0], data + 1, size - 1);
	return !fz_ike1_clear(data + 1, size - 1);
}

const struct fz_target fz_target = {
	.min_seeds = 8,
	.seed_ok = fz_ike1_seed_ok,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_ike1_seed_ok(data, size);
	return 0;
}
