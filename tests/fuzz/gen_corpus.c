/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the seed corpora of the IKEv2 fuzz targets into $FZ_GEN_OUT
 * (tests/fuzz/corpus): ike2_msg gets every message of real exchanges
 * between two cores (IKE_SA_INIT with a KE retry, IKE_AUTH, child and IKE
 * rekeys, DPD, deletes); ike2_sk gets inner payload
 * chains written with the codec's writers, as the exchanges write them.
 * Not a unit test: run it by hand when a codec changes,
 *   FZ_GEN_OUT=$PWD/tests/fuzz/corpus build/bin/test_fuzz_corpus_gen
 * and commit what changed. gen_ike1.c writes the seeds of ike1.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"
#include "gen.h"
#include "msg.h"
#include "xfrm.h"

const char *gen_dir(void)
{
	const char *dir = getenv("FZ_GEN_OUT");

	if (!dir || !*dir)
		cr_skip_test("FZ_GEN_OUT is not set");
	return dir;
}

void gen_write(const char *sub, const char *name, const uint8_t *data, size_t len)
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

/* XFRM events, as the kernel sends them to the multicast groups. */

#define GEN_NL_MAX 2048

static struct nlmsghdr *gen_nl(char *buf, uint16_t type, size_t payload)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, GEN_NL_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	mnl_nlmsg_put_extra_header(nlh, payload);
	return nlh;
}

static void gen_xaddr(xfrm_address_t *x, const char *s)
{
	struct cg_addr a;

	cr_assert_eq(cg_addr_parse(s, &a), 0, "%s", s);
	xfrm_addr_put(&a, x);
}

static void gen_sel(struct xfrm_selector *sel, const char *src, const char *dst)
{
	struct cg_ts s, d;
	const char *why;

	cr_assert_eq(cg_ts_parse(src, &s, &why), 0);
	cr_assert_eq(cg_ts_parse(dst, &d, &why), 0);
	cr_assert_eq(xfrm_sel_from_ts(&s, &d, sel, &why), 0);
}

static void gen_nl_write(const char *name, const void *buf, size_t len)
{
	gen_write("xfrm", name, buf, len);
}

static size_t gen_acquire(char *buf)
{
	struct nlmsghdr *nlh = gen_nl(buf, XFRM_MSG_ACQUIRE, sizeof(struct xfrm_user_acquire));
	struct xfrm_user_acquire *acq = mnl_nlmsg_get_payload(nlh);
	struct xfrm_user_tmpl t = { .family = AF_INET6, .reqid = 7, .mode = XFRM_MODE_TUNNEL };

	gen_xaddr(&acq->id.daddr, "2001:db8::2");
	acq->id.proto = IPPROTO_ESP;
	gen_xaddr(&acq->saddr, "2001:db8::1");
	gen_sel(&acq->sel, "2001:db8:1::5[tcp/1024]", "2001:db8:2::9[tcp/80]");
	gen_sel(&acq->policy.sel, "2001:db8:1::/64", "2001:db8:2::/64");
	acq->policy.dir = XFRM_POLICY_OUT;
	t.id = acq->id;
	t.saddr = acq->saddr;
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), &t);
	return nlh->nlmsg_len;
}

static size_t gen_expire(char *buf, bool hard)
{
	struct nlmsghdr *nlh = gen_nl(buf, XFRM_MSG_EXPIRE, sizeof(struct xfrm_user_expire));
	struct xfrm_user_expire *ue = mnl_nlmsg_get_payload(nlh);

	gen_xaddr(&ue->state.id.daddr, "192.0.2.2");
	gen_xaddr(&ue->state.saddr, "192.0.2.1");
	ue->state.id.spi = htonl(0xc0000201);
	ue->state.id.proto = IPPROTO_ESP;
	ue->state.family = AF_INET;
	ue->state.reqid = 7;
	ue->state.mode = XFRM_MODE_TUNNEL;
	gen_sel(&ue->state.sel, "198.51.100.0/24", "203.0.113.0/24");
	ue->hard = hard;
	return nlh->nlmsg_len;
}

Test(fuzz_corpus_gen, xfrm)
{
	static char buf[GEN_NL_MAX], two[2 * GEN_NL_MAX];
	struct xfrm_user_kmaddress km = { .family = AF_INET6 };
	struct xfrm_user_migrate mig[2] = { 0 };
	struct xfrm_userpolicy_id *pid;
	struct xfrm_user_mapping *um;
	struct nlmsghdr *nlh;
	size_t n;

	gen_dir();
	gen_nl_write("acquire", buf, gen_acquire(buf));
	gen_nl_write("expire-soft", buf, gen_expire(buf, false));
	gen_nl_write("expire-hard", buf, gen_expire(buf, true));

	/* Two events in one datagram. */
	n = gen_acquire(two);
	memcpy(two + n, buf, gen_expire(buf, false));
	n += ((struct nlmsghdr *)buf)->nlmsg_len;
	gen_nl_write("acquire-expire", two, n);

	nlh = gen_nl(buf, XFRM_MSG_MAPPING, sizeof(*um));
	um = mnl_nlmsg_get_payload(nlh);
	gen_xaddr(&um->id.daddr, "192.0.2.1");
	um->id.spi = htonl(0xc0000202);
	um->id.proto = IPPROTO_ESP;
	um->id.family = AF_INET;
	um->reqid = 7;
	gen_xaddr(&um->old_saddr, "198.51.100.7");
	gen_xaddr(&um->new_saddr, "203.0.113.7");
	um->old_sport = htons(4500);
	um->new_sport = htons(31337);
	gen_nl_write("mapping", buf, nlh->nlmsg_len);

	nlh = gen_nl(buf, XFRM_MSG_MIGRATE, sizeof(*pid));
	pid = mnl_nlmsg_get_payload(nlh);
	gen_sel(&pid->sel, "2001:db8:1::/64", "2001:db8:2::/64");
	pid->dir = XFRM_POLICY_OUT;
	for (int i = 0; i < 2; i++) {
		gen_xaddr(&mig[i].old_saddr, "2001:db8::1");
		gen_xaddr(&mig[i].old_daddr, "2001:db8::2");
		gen_xaddr(&mig[i].new_saddr, "2001:db8::11");
		gen_xaddr(&mig[i].new_daddr, "2001:db8::2");
		mig[i].proto = i ? IPPROTO_AH : IPPROTO_ESP;
		mig[i].mode = XFRM_MODE_TUNNEL;
		mig[i].reqid = 7;
		mig[i].old_family = mig[i].new_family = AF_INET6;
	}
	gen_xaddr(&km.local, "2001:db8::11");
	gen_xaddr(&km.remote, "2001:db8::2");
	mnl_attr_put(nlh, XFRMA_KMADDRESS, sizeof(km), &km);
	mnl_attr_put(nlh, XFRMA_MIGRATE, sizeof(mig), mig);
	gen_nl_write("migrate-kmaddress", buf, nlh->nlmsg_len);

	nlh = gen_nl(buf, XFRM_MSG_DELPOLICY, sizeof(*pid));
	pid = mnl_nlmsg_get_payload(nlh);
	gen_sel(&pid->sel, "192.0.2.0/24[udp/53]", "198.51.100.0/24[udp]");
	pid->dir = XFRM_POLICY_FWD;
	gen_nl_write("delpolicy", buf, nlh->nlmsg_len);

	nlh = gen_nl(buf, XFRM_MSG_FLUSHPOLICY, 0);
	gen_nl_write("flushpolicy", buf, nlh->nlmsg_len);
}
