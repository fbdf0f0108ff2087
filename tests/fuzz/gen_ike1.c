/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the seeds of the ike1 fuzz target into $FZ_GEN_OUT/ike1 (see
 * fuzz_ike1.c for the input's form): the clear messages of Main Mode
 * between two cores, and the payloads of encrypted Quick Mode and
 * Informational messages written with the codec's writers, as the
 * exchanges write them. Run by hand with the other generators:
 *   FZ_GEN_OUT=$PWD/tests/fuzz/corpus build/bin/test_fuzz_corpus_gen
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"
#include "gen.h"
#include "ike1.h"

/* The target's first octet (fuzz_ike1.c). */
#define GEN_CLEAR 0x00
#define GEN_QUICK 0x01
#define GEN_INFO 0x05

/* [mode][message]: the clear messages of the exchange, without the non-ESP marker. */
static void gen_ike1_log(const struct ex_net *net, const char *prefix)
{
	for (size_t i = 0; i < net->n_log; i++) {
		const struct ex_pkt *p = &net->log[i];
		size_t off = ex_marker_len(p), len = p->len - off;
		uint8_t buf[2048];
		char name[64];

		if (len < CG_IKE_HEADER_LEN || p->data[off + 19] & IKE1_FLAG_E || len >= sizeof(buf))
			continue;
		buf[0] = GEN_CLEAR;
		memcpy(buf + 1, p->data + off, len);
		snprintf(name, sizeof(name), "%s-%02zu-%s", prefix, i,
			 p->from == EX_LEFT ? "initiator" : "responder");
		gen_write("ike1", name, buf, len + 1);
	}
}

/* Main Mode (and the Quick Mode after it) with ike1 on both sides. */
static void gen_ike1_exchange(const char *prefix, struct ex_conf l, struct ex_conf r)
{
	struct ex_conf *c[2] = { &l, &r };
	char *yaml[2];
	struct ex_net net;

	for (int side = 0; side < 2; side++) {
		char *at;

		c[side]->conn_extra = "    version: 1\n    rekey_time: 100000\n";
		yaml[side] = ex_yaml(side, c[side]);
		at = strstr(yaml[side], "ike2]");
		cr_assert_not_null(at);
		memcpy(at, "ike1", 4);
	}
	ex_start(&net, yaml[EX_LEFT], yaml[EX_RIGHT]);
	ex_ctl_ok(&net, EX_LEFT, "initiate --child net");
	ex_run(&net);
	gen_ike1_log(&net, prefix);
	ex_stop(&net);
	free(yaml[0]);
	free(yaml[1]);
}

/* [mode][first payload][payloads]: an encrypted message's payloads. */
static void gen_ike1_enc(const char *name, uint8_t mode, struct ike1_w *w)
{
	size_t len = w->len - w->body_at;
	uint8_t *buf = malloc(len + 2);

	cr_assert(!w->failed);
	cr_assert_not_null(buf);
	buf[0] = mode;
	buf[1] = w->buf[16];
	memcpy(buf + 2, w->buf + w->body_at, len);
	gen_write("ike1", name, buf, len + 2);
	free(buf);
	ike1_w_free(w);
}

static void gen_ike1_begin(struct ike1_w *w, uint8_t exchange, size_t hash_len)
{
	struct ike1_hdr h = { .ci = 1, .exchange = exchange };
	uint8_t hash[64];

	for (size_t i = 0; i < sizeof(hash); i++)
		hash[i] = (uint8_t)(i * 5 + 1);
	ike1_w_init(w, &h);
	ike1_w_payload(w, IKE1_PL_HASH, hash, hash_len);
}

/* A phase 2 SA payload: one ESP proposal with its transforms, each AES-CBC (12) with keylen. */
static void gen_ike1_sa(struct ike1_w *w, uint32_t spi, const uint16_t *keylens, size_t n,
			uint16_t group)
{
	size_t sa = ike1_w_begin(w, IKE1_PL_SA), p;

	ike1_w_put(w, (uint8_t[]){ 0, 0, 0, 1, 0, 0, 0, 1 }, 8);
	p = ike1_w_put(w, (uint8_t[]){ 0, 0, 0, 0, 1, IKE1_PROTO_ESP, 4, (uint8_t)n }, 8);
	ike1_w_put(w, (uint8_t[]){ spi >> 24, spi >> 16, spi >> 8, spi }, 4);
	for (size_t i = 0; i < n; i++) {
		size_t t = ike1_w_put(w, (uint8_t[]){ i + 1 < n ? IKE1_PL_T : 0, 0, 0, 0,
						      (uint8_t)(i + 1), 12, 0, 0 }, 8);

		ike1_w_attr(w, IKE1_QA_LIFE_TYPE, IKE1_LIFE_SECONDS, false);
		ike1_w_attr(w, IKE1_QA_LIFE_DURATION, 100000, true);
		if (group)
			ike1_w_attr(w, IKE1_QA_GROUP, group, false);
		ike1_w_attr(w, IKE1_QA_MODE, IKE1_MODE_TUNNEL, false);
		ike1_w_attr(w, IKE1_QA_AUTH, 5, false);
		ike1_w_attr(w, IKE1_QA_KEY_LENGTH, keylens[i], false);
		cg_put16(w->buf + t + 2, (uint16_t)(w->len - t));
	}
	cg_put16(w->buf + p + 2, (uint16_t)(w->len - p));
	ike1_w_end(w, sa);
}

static void gen_ike1_ts(struct ike1_w *w, const char *s)
{
	struct cg_ts ts;
	const char *err;

	cr_assert_eq(cg_ts_parse(s, &ts, &err), 0, "%s", s);
	ike1_w_id_ts(w, &ts);
}

static void gen_ike1_id(struct ike1_w *w, const char *s)
{
	struct cg_id id;

	cr_assert_eq(cg_id_parse(s, &id), 0, "%s", s);
	ike1_w_id(w, &id);
	cg_id_free(&id);
}

Test(fuzz_corpus_gen, ike1)
{
	static const uint16_t keylens[] = { 128, 256 };
	uint8_t bytes[256], spi[4] = { 0xc0, 0x00, 0x02, 0x01 }, ck[16], life[8];
	struct ike1_w w;

	gen_dir();
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(ck); i++)
		ck[i] = (uint8_t)(0x10 + i);
	gen_ike1_exchange("mm", (struct ex_conf){ .proposals = "aes128-sha256-modp2048" },
			  (struct ex_conf){ .proposals = "aes128-sha256-modp2048" });
	gen_ike1_exchange("mm2", (struct ex_conf){ .proposals = "aes256-sha1-modp3072, "
								"aes128-sha512-modp2048" },
			  (struct ex_conf){ .proposals = "aes128-sha512-modp2048" });

	/* Quick Mode 1 with PFS: HASH(1), SA, Ni, KE, IDci, IDcr. */
	gen_ike1_begin(&w, IKE1_EXCH_QUICK, 20);
	gen_ike1_sa(&w, 0xc0000201, keylens, 2, 14);
	ike1_w_payload(&w, IKE1_PL_NONCE, bytes, 32);
	ike1_w_payload(&w, IKE1_PL_KE, bytes, 256);
	gen_ike1_ts(&w, "2001:db8:1::/64");
	gen_ike1_ts(&w, "2001:db8:2::/64[tcp/80]");
	gen_ike1_enc("qm1-pfs", GEN_QUICK, &w);

	/* Quick Mode 2 without PFS: hosts and a range, RESPONDER-LIFETIME. */
	gen_ike1_begin(&w, IKE1_EXCH_QUICK, 32);
	gen_ike1_sa(&w, 0xc0000202, keylens + 1, 1, 0);
	ike1_w_payload(&w, IKE1_PL_NONCE, bytes, 16);
	gen_ike1_ts(&w, "192.0.2.7");
	gen_ike1_ts(&w, "198.51.100.1-198.51.100.9[udp]");
	cg_put16(life, 0x8000 | IKE1_QA_LIFE_TYPE);
	cg_put16(life + 2, IKE1_LIFE_SECONDS);
	cg_put16(life + 4, 0x8000 | IKE1_QA_LIFE_DURATION);
	cg_put16(life + 6, 3600);
	ike1_w_notify(&w, IKE1_PROTO_ESP, IKE1_N_RESPONDER_LIFETIME, spi, 4, life, sizeof(life));
	gen_ike1_enc("qm2-lifetime", GEN_QUICK | 0x02, &w);

	/* Quick Mode 3: HASH(3) alone. */
	gen_ike1_begin(&w, IKE1_EXCH_QUICK, 20);
	gen_ike1_enc("qm3", GEN_QUICK, &w);

	/* Main Mode 5 as its payloads: IDii, HASH_I, INITIAL-CONTACT. */
	ike1_w_init(&w, &(struct ike1_hdr){ .ci = 1, .exchange = IKE1_EXCH_MAIN });
	gen_ike1_id(&w, "left@example.org");
	ike1_w_payload(&w, IKE1_PL_HASH, bytes, 32);
	ike1_w_notify(&w, IKE1_PROTO_ISAKMP, IKE1_N_INITIAL_CONTACT, ck, 16, NULL, 0);
	gen_ike1_enc("mm5-id-hash", GEN_QUICK | 0x02, &w);

	/* Informational: a refusal, deletes of a child and of the ISAKMP SA. */
	gen_ike1_begin(&w, IKE1_EXCH_INFO, 20);
	ike1_w_notify(&w, IKE1_PROTO_ESP, IKE1_N_NO_PROPOSAL_CHOSEN, spi, 4, NULL, 0);
	gen_ike1_enc("info-refusal", GEN_INFO, &w);
	gen_ike1_begin(&w, IKE1_EXCH_INFO, 20);
	ike1_w_delete(&w, IKE1_PROTO_ESP, spi, 4);
	gen_ike1_enc("info-delete-esp", GEN_INFO, &w);
	gen_ike1_begin(&w, IKE1_EXCH_INFO, 32);
	ike1_w_delete(&w, IKE1_PROTO_ISAKMP, ck, 16);
	gen_ike1_enc("info-delete-isakmp", GEN_INFO | 0x02, &w);
}
