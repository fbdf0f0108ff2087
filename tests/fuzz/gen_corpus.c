/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the seed corpora of the IKEv2 fuzz targets into $FZ_GEN_OUT
 * (tests/fuzz/corpus): ike2_msg gets every message of real exchanges
 * between two cores (IKE_SA_INIT with a KE retry, IKE_AUTH, child and IKE
 * rekeys, DPD, deletes); ike2_sk gets inner payload
 * chains written with the codec's writers, as the exchanges write them.
 * Not a unit test: run it by hand when the codec changes,
 *   FZ_GEN_OUT=$PWD/tests/fuzz/corpus build/bin/test_fuzz_corpus_gen
 * and commit what changed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"
#include "msg.h"

static const char *gen_dir(void)
{
	const char *dir = getenv("FZ_GEN_OUT");

	if (!dir || !*dir)
		cr_skip_test("FZ_GEN_OUT is not set");
	return dir;
}

static void gen_write(const char *sub, const char *name, const uint8_t *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", gen_dir(), sub, name);
	f = fopen(path, "wb");
	cr_assert_not_null(f, "cannot write %s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Every message the exchanges sent, without the non-ESP marker. */
static void gen_log(const struct ex_net *net, const char *prefix)
{
	for (size_t i = 0; i < net->n_log; i++) {
		const struct ex_pkt *p = &net->log[i];
		size_t off = ex_marker_len(p);
		char name[128];

		snprintf(name, sizeof(name), "%s-%02zu-%s-%s", prefix, i,
			 ike2_exchange_name(ex_exchange(p)), ex_is_response(p) ? "resp" : "req");
		for (char *c = name; *c; c++)
			if (*c == ' ' || *c == '/')
				*c = '_';
		gen_write("ike2_msg", name, p->data + off, p->len - off);
	}
}

static void gen_exchanges(const char *prefix, struct ex_conf *l, struct ex_conf *r)
{
	char *yaml[2] = { ex_yaml(EX_LEFT, l), ex_yaml(EX_RIGHT, r) };
	struct ex_net net;

	ex_start(&net, yaml[EX_LEFT], yaml[EX_RIGHT]);
	ex_ctl_ok(&net, EX_LEFT, "initiate --child net");
	ex_run(&net);
	ex_ctl_ok(&net, EX_LEFT, "rekey --child net");
	ex_run(&net);
	ex_ctl_ok(&net, EX_RIGHT, "rekey --ike net");
	ex_run(&net);
	ex_advance(&net, 40000, 10000);
	ex_ctl_ok(&net, EX_LEFT, "terminate --child net");
	ex_run(&net);
	ex_ctl_ok(&net, EX_LEFT, "terminate --ike net");
	ex_run(&net);
	gen_log(&net, prefix);
	ex_stop(&net);
	free(yaml[0]);
	free(yaml[1]);
}

Test(fuzz_corpus_gen, ike2_msg)
{
	struct ex_conf gcm = { .conn_extra = "    dpd_delay: 30\n" };
	struct ex_conf cbc = {
		.proposals = "aes256-sha256-modp2048, aes128gcm16-prfsha256-ecp256",
		.esp = "aes256-sha256-esn",
		.local_ts = "'2001:db8:1::/64[tcp]', 192.0.2.0/24", .remote_ts = "'2001:db8:2::/64[tcp]'",
	};
	struct ex_conf cbc_r = cbc, ke_l = { .proposals = "aes128gcm16-prfsha256-ecp256, "
							 "aes128gcm16-prfsha256-x25519" };
	struct ex_conf ke_r = { .proposals = "aes128gcm16-prfsha256-x25519" };

	cbc_r.local_ts = cbc.remote_ts;
	cbc_r.remote_ts = cbc.local_ts;
	gen_dir();
	gen_exchanges("gcm", &gcm, &gcm);
	gen_exchanges("cbc", &cbc, &cbc_r);
	/* The responder prefers another group: INVALID_KE_PAYLOAD and a retry. */
	gen_exchanges("ke", &ke_l, &ke_r);
}

/* [suite][first payload][inner payloads]: the input of fuzz_ike2_sk. */
static void gen_sk(const char *name, uint8_t suite, struct ike2_w *w)
{
	uint8_t *buf = malloc(w->len + 2);

	cr_assert(!w->failed);
	cr_assert_not_null(buf);
	buf[0] = suite;
	buf[1] = w->len ? w->first : IKE2_PL_NONE;
	memcpy(buf + 2, w->buf, w->len);
	gen_write("ike2_sk", name, buf, w->len + 2);
	free(buf);
	ike2_w_free(w);
	ike2_w_init(w);
}

static void gen_id(struct ike2_w *w, uint8_t type, const char *s)
{
	struct cg_id id;

	cr_assert_eq(cg_id_parse(s, &id), 0);
	ike2_w_id(w, type, &id, NULL);
	cg_id_free(&id);
}

static void gen_sa(struct ike2_w *w, const char *proposal, uint8_t protocol, uint64_t spi,
		   uint8_t spi_size)
{
	static const uint8_t nums[] = { 1 };
	struct cg_proposal p;
	const char *err;

	cr_assert_eq(cg_proposal_parse(proposal, protocol, &p, &err), 0, "%s", proposal);
	ike2_w_sa(w, &p, nums, 1, spi, spi_size);
}

static void gen_ts(struct ike2_w *w, uint8_t type, const char *a, const char *b)
{
	struct cg_ts ts[2];
	const char *err;

	cr_assert_eq(cg_ts_parse(a, &ts[0], &err), 0);
	cr_assert_eq(cg_ts_parse(b, &ts[1], &err), 0);
	ike2_w_ts(w, type, ts, 2);
}

static void gen_addr(struct ike2_w *w, uint16_t type, const char *s, bool prefix, uint8_t len)
{
	struct cg_addr a;

	cr_assert_eq(cg_addr_parse(s, &a), 0);
	ike2_w_cfg_addr(w, type, &a, prefix, len);
}

Test(fuzz_corpus_gen, ike2_sk)
{
	static const uint16_t hashes[] = { 2, 3, 4 };
	uint8_t bytes[300], spi[4] = { 0xc0, 0x00, 0x02, 0x01 }, group[2] = { 0, 31 };
	uint32_t spis[] = { 0xc0000201, 0xc0000202 };
	struct ike2_w w;
	size_t cp;

	gen_dir();
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 7 + 3);
	ike2_w_init(&w);

	/* IKE_AUTH request: IDi, N(INITIAL_CONTACT), IDr, AUTH, CP, SA, TSi, TSr. */
	gen_id(&w, IKE2_PL_IDI, "left");
	ike2_w_notify(&w, 0, IKE2_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	gen_id(&w, IKE2_PL_IDR, "right@example.org");
	ike2_w_auth(&w, IKE2_AUTH_PSK, bytes, 32);
	cp = ike2_w_cfg(&w, IKE2_CFG_REQUEST);
	ike2_w_cfg_attr(&w, IKE2_CFG_IP4_ADDRESS, NULL, 0);
	ike2_w_cfg_attr(&w, IKE2_CFG_IP6_ADDRESS, NULL, 0);
	ike2_w_cfg_attr(&w, IKE2_CFG_IP6_DNS, NULL, 0);
	ike2_w_end(&w, cp);
	gen_sa(&w, "aes128gcm16-esn", CG_PROTO_ESP, 0xc0000201, 4);
	gen_ts(&w, IKE2_PL_TSI, "2001:db8:1::/64", "192.0.2.0/24");
	gen_ts(&w, IKE2_PL_TSR, "2001:db8:2::/64[tcp/80]", "198.51.100.0/25[udp/1024-2047]");
	ike2_w_notify(&w, 0, IKE2_N_ESP_TFC_PADDING_NOT_SUPPORTED, NULL, 0, NULL, 0);
	gen_sk("auth-req", 0, &w);

	/* IKE_AUTH response with a certificate, a signature and a CP reply. */
	gen_id(&w, IKE2_PL_IDR, "C=CH, O=cygnet, CN=right");
	ike2_w_cert(&w, IKE2_PL_CERT, 4, bytes, 200);
	bytes[0] = 15;
	ike2_w_auth(&w, IKE2_AUTH_DIGITAL_SIGNATURE, bytes, 80);
	cp = ike2_w_cfg(&w, IKE2_CFG_REPLY);
	gen_addr(&w, IKE2_CFG_IP4_ADDRESS, "203.0.113.7", false, 0);
	gen_addr(&w, IKE2_CFG_IP6_ADDRESS, "2001:db8:100::7", true, 128);
	gen_addr(&w, IKE2_CFG_IP4_DNS, "192.0.2.153", false, 0);
	{
		struct cg_addr net;

		cr_assert_eq(cg_addr_parse("198.51.100.0", &net), 0);
		ike2_w_cfg_subnet(&w, &net, 24);
		cr_assert_eq(cg_addr_parse("2001:db8:2::", &net), 0);
		ike2_w_cfg_subnet(&w, &net, 64);
	}
	ike2_w_end(&w, cp);
	gen_sa(&w, "aes256-sha256", CG_PROTO_ESP, 0xc0000202, 4);
	gen_ts(&w, IKE2_PL_TSI, "203.0.113.7", "2001:db8:100::7");
	gen_ts(&w, IKE2_PL_TSR, "198.51.100.0/24", "2001:db8:2::/64");
	ike2_w_notify(&w, 0, IKE2_N_USE_TRANSPORT_MODE, NULL, 0, NULL, 0);
	gen_sk("auth-resp-cert", 1, &w);

	/* CREATE_CHILD_SA rekeying a child, with a KE. */
	ike2_w_notify(&w, CG_PROTO_ESP, IKE2_N_REKEY_SA, spi, 4, NULL, 0);
	gen_sa(&w, "aes128gcm16-x25519", CG_PROTO_ESP, 0xc0000203, 4);
	ike2_w_nonce(&w, CG_CHUNK(bytes, 32));
	ike2_w_ke(&w, 31, bytes, 32);
	gen_ts(&w, IKE2_PL_TSI, "2001:db8:1::/64", "::/0[ipv6-icmp/34816]");
	gen_ts(&w, IKE2_PL_TSR, "2001:db8:2::/64", "192.0.2.1-192.0.2.9");
	gen_sk("create-child-rekey", 0, &w);

	/* CREATE_CHILD_SA rekeying the IKE SA. */
	gen_sa(&w, "aes256-sha384-prfsha384-modp3072", CG_PROTO_IKE, 0x2122232425262728ull, 8);
	ike2_w_nonce(&w, CG_CHUNK(bytes, 48));
	ike2_w_ke(&w, 15, bytes, 256);
	gen_sk("create-ike-rekey", 1, &w);

	/* INFORMATIONAL: deletes of children and of the IKE SA. */
	ike2_w_delete(&w, CG_PROTO_ESP, spis, 2);
	gen_sk("delete-esp", 0, &w);
	ike2_w_delete(&w, CG_PROTO_IKE, NULL, 0);
	gen_sk("delete-ike", 1, &w);

	/* Error and status notifies, a vendor ID payload and a CERTREQ. */
	ike2_w_notify(&w, 0, IKE2_N_TS_UNACCEPTABLE, NULL, 0, NULL, 0);
	ike2_w_notify(&w, 0, IKE2_N_INVALID_KE_PAYLOAD, NULL, 0, group, 2);
	ike2_w_notify_hashes(&w, hashes, 3);
	ike2_w_cert(&w, IKE2_PL_CERTREQ, 4, bytes, 40);
	cp = ike2_w_begin(&w, IKE2_PL_VENDOR, false);
	ike2_w_put(&w, bytes, 16);
	ike2_w_end(&w, cp);
	gen_sk("notifies", 0, &w);

	/* DPD: an empty INFORMATIONAL; and a bad ICV. */
	gen_sk("empty", 1, &w);
	ike2_w_notify(&w, 0, IKE2_N_AUTHENTICATION_FAILED, NULL, 0, NULL, 0);
	gen_sk("bad-icv", 2, &w);
}
