/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE message fragmentation (RFC 7383) between two cores: IKE_AUTH with
 * RSA certificate chains split into Encrypted Fragment payloads both ways;
 * lost, duplicated, reordered, corrupted and out-of-range fragments; a
 * half-done reassembly timing out; `fragmentation: no` and `accept`. The
 * assertions look at the datagrams on the wire. The last test writes the
 * wire as a pcap file and has tshark dissect it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exnet.h"
#include "pki_fixture.h"

#define EXCH_SA_INIT 34
#define EXCH_AUTH 35
#define EXCH_CREATE_CHILD_SA 36
#define EXCH_INFORMATIONAL 37
#define PL_SKF 53
#define N_FRAGMENTATION_SUPPORTED 16430

static const char *const side_name[2] = { "left", "right" };

static struct ex_net net;
static struct tl_logcap cap[2];

/* Root CA -> intermediate CA -> one RSA-2048 end entity per side. */
static struct {
	gnutls_x509_privkey_t root_key, mid_key, key[2];
	gnutls_x509_crt_t root, mid, crt[2];
	char *root_path, *mid_path, *cert_path[2], *key_path[2];
} pki;

static void make_pki(void)
{
	struct pf_cert_opts root = { .dn = "CN=cygnet root CA,O=cygnet,C=CH", .ca = true,
				     .serial = 1 };
	struct pf_cert_opts mid = { .dn = "CN=cygnet intermediate CA,O=cygnet,C=CH", .ca = true,
				    .serial = 2 };

	pki.root_key = pf_key(PF_RSA2048);
	pki.root = pf_cert(&root, pki.root_key, NULL, NULL);
	pki.root_path = pf_write_cert("root.pem", pki.root, GNUTLS_X509_FMT_PEM);
	pki.mid_key = pf_key(PF_RSA2048);
	pki.mid = pf_cert(&mid, pki.mid_key, pki.root, pki.root_key);
	pki.mid_path = pf_write_cert("mid.pem", pki.mid, GNUTLS_X509_FMT_PEM);
	for (int i = 0; i < 2; i++) {
		char dn[64], dns[64], file[64];
		struct pf_cert_opts o = { .dn = dn, .dns = dns, .serial = 10 + (unsigned)i };

		snprintf(dn, sizeof(dn), "CN=%s,O=cygnet,C=CH", side_name[i]);
		snprintf(dns, sizeof(dns), "%s.example", side_name[i]);
		pki.key[i] = pf_key(PF_RSA2048);
		pki.crt[i] = pf_cert(&o, pki.key[i], pki.mid, pki.mid_key);
		snprintf(file, sizeof(file), "%s.pem", side_name[i]);
		pki.cert_path[i] = pf_write_cert(file, pki.crt[i], GNUTLS_X509_FMT_PEM);
		snprintf(file, sizeof(file), "%s.key", side_name[i]);
		pki.key_path[i] = pf_write_key(file, pki.key[i], GNUTLS_X509_FMT_PEM, true);
	}
}

static void free_pki(void)
{
	if (!pki.root)
		return;
	for (int i = 0; i < 2; i++) {
		gnutls_x509_privkey_deinit(pki.key[i]);
		gnutls_x509_crt_deinit(pki.crt[i]);
		free(pki.cert_path[i]);
		free(pki.key_path[i]);
	}
	gnutls_x509_privkey_deinit(pki.root_key);
	gnutls_x509_privkey_deinit(pki.mid_key);
	gnutls_x509_crt_deinit(pki.root);
	gnutls_x509_crt_deinit(pki.mid);
	free(pki.root_path);
	free(pki.mid_path);
	memset(&pki, 0, sizeof(pki));
}

/* extra: more connection keys (fragmentation, fragment_size), indented by four. */
static char *frag_yaml(int side, const char *extra)
{
	const char *me = side ? "2001:db8::2" : "2001:db8::1";
	const char *peer = side ? "2001:db8::1" : "2001:db8::2";
	char *yaml;

	if (asprintf(&yaml,
		     "daemon:\n"
		     "  plugins: [crypto-nettle, pki-gnutls, kernel-memory, ike2]\n"
		     "connections:\n"
		     "  net:\n"
		     "    local_addrs: [%s]\n"
		     "    remote_addrs: [%s]\n"
		     "    proposals: [aes128gcm16-prfsha256-x25519]\n"
		     "    local: { auth: pubkey, id: %s.example, certs: [%s, %s], key: %s,"
		     " send_cert: always }\n"
		     "    remote: { auth: pubkey, id: %s.example, cacerts: [%s] }\n"
		     "%s"
		     "    children:\n"
		     "      net:\n"
		     "        local_ts: [%s]\n"
		     "        remote_ts: [%s]\n"
		     "        esp_proposals: [aes128gcm16]\n",
		     me, peer, side_name[side], pki.cert_path[side], pki.mid_path,
		     pki.key_path[side], side_name[!side], pki.root_path, extra ? extra : "",
		     side ? "2001:db8:2::/64" : "2001:db8:1::/64",
		     side ? "2001:db8:1::/64" : "2001:db8:2::/64") < 0)
		abort();
	return yaml;
}

static void start(const char *left_extra, const char *right_extra)
{
	char *ly, *ry;

	if (!pki.root)
		make_pki();
	ly = frag_yaml(EX_LEFT, left_extra);
	ry = frag_yaml(EX_RIGHT, right_extra);
	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
	for (int i = 0; i < 2; i++)
		tl_logcap_start(&cap[i], net.core[i], CG_LVL_DEBUG);
}

static void stop(void)
{
	for (int i = 0; i < 2; i++)
		tl_logcap_stop(&cap[i]);
	ex_stop(&net);
	net.filter = NULL;
}

static void fini(void)
{
	stop();
	free_pki();
	pf_cleanup();
}

static void initiate(void)
{
	ex_ctl_ok(&net, EX_LEFT, "initiate --child net");
}

static void assert_established(void)
{
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 1, "%s: no IKE SA",
			     side_name[i]);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 1, "%s: no child",
			     side_name[i]);
	}
}

/* Wire reading: the first payload, and Fragment Number / Total Fragments of an SKF message. */
static bool is_skf(const struct ex_pkt *p)
{
	size_t m = ex_marker_len(p);

	return p->len >= m + 36 && p->data[m + 16] == PL_SKF;
}

static uint16_t frag_num(const struct ex_pkt *p)
{
	size_t m = ex_marker_len(p);

	return (uint16_t)(p->data[m + 32] << 8 | p->data[m + 33]);
}

static uint16_t frag_total(const struct ex_pkt *p)
{
	size_t m = ex_marker_len(p);

	return (uint16_t)(p->data[m + 34] << 8 | p->data[m + 35]);
}

static bool is_msg(const struct ex_pkt *p, int from, uint8_t exchange, bool response)
{
	return p->from == from && ex_exchange(p) == exchange && ex_is_response(p) == response;
}

/* SKF messages side sent in an exchange; *max_len gets the largest datagram of the exchange. */
static size_t count_skf(int from, uint8_t exchange, bool response, size_t *max_len)
{
	size_t n = 0, max = 0;

	for (size_t i = 0; i < net.n_log; i++) {
		const struct ex_pkt *p = &net.log[i];

		if (!is_msg(p, from, exchange, response))
			continue;
		if (p->len > max)
			max = p->len;
		if (is_skf(p))
			n++;
	}
	if (max_len)
		*max_len = max;
	return n;
}

/*
 * The first transmission of a fragmented message: fragments 1..n, each
 * naming n as the total, each no larger than limit (the UDP payload).
 */
static uint16_t assert_fragmented(int from, uint8_t exchange, bool response, size_t limit)
{
	uint16_t total = 0, next = 1;

	for (size_t i = 0; i < net.n_log && (!total || next <= total); i++) {
		const struct ex_pkt *p = &net.log[i];

		if (!is_msg(p, from, exchange, response))
			continue;
		cr_assert(is_skf(p), "%s sent an unfragmented %s", side_name[from],
			  response ? "response" : "request");
		if (!total)
			total = frag_total(p);
		cr_assert_eq(frag_total(p), total);
		cr_assert_eq(frag_num(p), next, "fragment %u where %u was due", frag_num(p), next);
		cr_assert_leq(p->len, limit, "a %zu-byte fragment, limit %zu", p->len, limit);
		next++;
	}
	cr_assert_geq(total, 2, "%s: %u fragments", side_name[from], total);
	cr_assert_eq(next, total + 1, "only %u of %u fragments sent", next - 1, total);
	return total;
}

/* UDP payload limit for fragment_size over IPv6: 40 bytes IP, 8 bytes UDP. */
#define LIMIT(fragment_size) ((fragment_size) - 48)

TestSuite(frag, .fini = fini, .timeout = 120);

Test(frag, ike_auth_fragmented_both_ways_at_the_ipv6_default)
{
	size_t max;

	start(NULL, NULL);
	initiate();
	assert_established();
	/* Both announce support; IKE_SA_INIT itself is never fragmented. */
	for (int i = 0; i < 2; i++) {
		const struct ex_pkt *init = NULL;

		for (size_t k = 0; k < net.n_log && !init; k++)
			if (is_msg(&net.log[k], i, EXCH_SA_INIT, i == EX_RIGHT))
				init = &net.log[k];
		cr_assert_not_null(init);
		cr_assert(ex_has_notify(init, N_FRAGMENTATION_SUPPORTED, NULL, NULL));
		cr_assert_eq(count_skf(i, EXCH_SA_INIT, i == EX_RIGHT, NULL), 0);
	}
	/* Two RSA certificates and an RSA signature do not fit 1280 bytes of IPv6. */
	assert_fragmented(EX_LEFT, EXCH_AUTH, false, LIMIT(1280));
	assert_fragmented(EX_RIGHT, EXCH_AUTH, true, LIMIT(1280));
	count_skf(EX_LEFT, EXCH_AUTH, false, &max);
	cr_assert_gt(max, LIMIT(1280) - 100, "fragments of %zu bytes do not fill the room", max);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "IKE_AUTH 1 reassembled from"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "IKE_AUTH 1 reassembled from"), 1);
}

Test(frag, fragment_size_setting)
{
	uint16_t req, resp;

	start("    fragment_size: 576\n", "    fragment_size: 600\n");
	initiate();
	assert_established();
	req = assert_fragmented(EX_LEFT, EXCH_AUTH, false, LIMIT(576));
	resp = assert_fragmented(EX_RIGHT, EXCH_AUTH, true, LIMIT(600));
	cr_assert_geq(req, 4, "%u fragments", req);
	cr_assert_geq(resp, 4, "%u fragments", resp);
	/* Small messages still go in one SK payload (an IKE SA rekeying here). */
	free(ex_ctl(&net, EX_LEFT, "rekey --ike net"));
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_CREATE_CHILD_SA, false), 1);
	cr_assert_eq(count_skf(EX_LEFT, EXCH_CREATE_CHILD_SA, false, NULL), 0);
	cr_assert_eq(count_skf(EX_RIGHT, EXCH_CREATE_CHILD_SA, true, NULL), 0);
	assert_established();
}

/* Filters: act on the first transmission of one fragment of an exchange. */
struct frag_pick {
	int from;
	uint8_t exchange;
	bool response;
	uint16_t num;             /* the fragment to act on */
	enum ex_action action;
	int corrupt;              /* 1: flip an ICV bit; 2: Fragment Number = total + 1; 3: 0 */
	bool only_first;          /* act on the first transmission only */
	bool stash;               /* keep an unaltered copy */
	int hits;
	uint8_t *kept;
	size_t kept_len;
};

static enum ex_action pick_filter(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	struct frag_pick *f = ctx;
	size_t m = ex_marker_len(p);

	(void)n;
	if (!is_msg(p, f->from, f->exchange, f->response) || !is_skf(p) || frag_num(p) != f->num)
		return EX_DELIVER;
	if (f->only_first && f->hits)
		return EX_DELIVER;
	f->hits++;
	if (f->stash && !f->kept) {
		f->kept = malloc(p->len);
		memcpy(f->kept, p->data, p->len);
		f->kept_len = p->len;
	}
	if (f->corrupt == 1) {
		p->data[p->len - 1] ^= 0x01;
	} else if (f->corrupt == 2) {
		uint16_t bad = (uint16_t)(frag_total(p) + 1);

		p->data[m + 32] = (uint8_t)(bad >> 8);
		p->data[m + 33] = (uint8_t)bad;
	} else if (f->corrupt == 3) {
		p->data[m + 32] = p->data[m + 33] = 0;
	}
	return f->action;
}

/* The fragments of the n-th transmission (0: first) of a message, one after the other. */
static const struct ex_pkt *transmission(int from, uint8_t exchange, bool response, int nth,
					 uint16_t *total)
{
	int seen = -1;

	for (size_t i = 0; i < net.n_log; i++) {
		const struct ex_pkt *p = &net.log[i];

		if (is_msg(p, from, exchange, response) && is_skf(p) && frag_num(p) == 1 &&
		    ++seen == nth) {
			*total = frag_total(p);
			cr_assert_leq(i + *total, net.n_log);
			return p;
		}
	}
	cr_assert_fail("no transmission %d", nth);
	return NULL;
}

Test(frag, lost_request_fragment_is_recovered_by_retransmission)
{
	struct frag_pick pick = {
		.from = EX_LEFT, .exchange = EXCH_AUTH, .num = 2, .action = EX_DROP,
		.only_first = true,
	};
	const struct ex_pkt *first, *again;
	uint16_t total, total2;

	start("    fragment_size: 576\n", "    fragment_size: 576\n");
	net.filter = pick_filter;
	net.filter_ctx = &pick;
	initiate();
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "ESTABLISHED"), 0);
	cr_assert_eq(count_skf(EX_RIGHT, EXCH_AUTH, true, NULL), 0, "answered half a request");
	ex_advance(&net, 4100, 100);
	assert_established();
	/* The retransmission is every fragment again, bit for bit. */
	first = transmission(EX_LEFT, EXCH_AUTH, false, 0, &total);
	again = transmission(EX_LEFT, EXCH_AUTH, false, 1, &total2);
	cr_assert_eq(total, total2);
	for (uint16_t i = 0; i < total; i++) {
		cr_assert_eq(first[i].len, again[i].len);
		cr_assert_arr_eq(first[i].data, again[i].data, first[i].len);
	}
	cr_assert_eq(count_skf(EX_LEFT, EXCH_AUTH, false, NULL), 2u * total);
	/*
	 * Fragment 1 came again while the set was open; fragment 2 completed it;
	 * the rest belong to a request already answered and are ignored.
	 */
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "received again"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "retransmitting our response"), 0);
	cr_assert_eq(count_skf(EX_RIGHT, EXCH_AUTH, true, NULL),
		     ex_count(&net, EX_RIGHT, EXCH_AUTH, true));
}

Test(frag, lost_response_fragment_resent_once_per_retransmitted_request)
{
	struct frag_pick pick = {
		.from = EX_RIGHT, .exchange = EXCH_AUTH, .response = true, .num = 1,
		.action = EX_DROP, .only_first = true,
	};
	uint16_t req_total, resp_total;

	start("    fragment_size: 576\n", "    fragment_size: 576\n");
	net.filter = pick_filter;
	net.filter_ctx = &pick;
	initiate();
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "ESTABLISHED"), 0);
	ex_advance(&net, 4100, 100);
	assert_established();
	transmission(EX_LEFT, EXCH_AUTH, false, 0, &req_total);
	transmission(EX_RIGHT, EXCH_AUTH, true, 0, &resp_total);
	/*
	 * All request fragments came again, but only fragment 1 makes the
	 * responder send its response (all fragments) again (RFC 7383 2.6.1).
	 */
	cr_assert_eq(count_skf(EX_LEFT, EXCH_AUTH, false, NULL), 2u * req_total);
	cr_assert_eq(count_skf(EX_RIGHT, EXCH_AUTH, true, NULL), 2u * resp_total);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "retransmitting our response"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "IKE_AUTH 1 reassembled from"), 1);
}

static enum ex_action dup_filter(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	(void)n;
	(void)ctx;
	return is_skf(p) ? EX_DUPLICATE : EX_DELIVER;
}

Test(frag, duplicated_fragments_are_ignored)
{
	uint16_t req_total, resp_total;

	start("    fragment_size: 576\n", "    fragment_size: 576\n");
	net.filter = dup_filter;
	initiate();
	assert_established();
	transmission(EX_LEFT, EXCH_AUTH, false, 0, &req_total);
	transmission(EX_RIGHT, EXCH_AUTH, true, 0, &resp_total);
	/* One response, processed once; nobody retransmitted. */
	cr_assert_eq(count_skf(EX_LEFT, EXCH_AUTH, false, NULL), req_total);
	cr_assert_eq(count_skf(EX_RIGHT, EXCH_AUTH, true, NULL), resp_total);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "reassembled from"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "reassembled from"), 1);
	/* Every duplicate but that of the completing fragment was seen during reassembly. */
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "received again"), req_total - 1u);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "received again"), resp_total - 1u);
}

Test(frag, fragment_1_arriving_last_completes_the_message)
{
	struct frag_pick pick = {
		.from = EX_LEFT, .exchange = EXCH_AUTH, .num = 1, .action = EX_DROP,
		.only_first = true, .stash = true,
	};

	start("    fragment_size: 576\n", "    fragment_size: 576\n");
	net.filter = pick_filter;
	net.filter_ctx = &pick;
	initiate();
	cr_assert_eq(count_skf(EX_RIGHT, EXCH_AUTH, true, NULL), 0);
	cr_assert_not_null(pick.kept);
	ex_inject(&net, EX_LEFT, pick.kept, pick.kept_len);
	free(pick.kept);
	assert_established();
	/* No retransmission was needed. */
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_AUTH, false),
		     count_skf(EX_LEFT, EXCH_AUTH, false, NULL));
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "retransmit"), 0);
}

/* A fragment altered in flight is dropped; the reassembly goes on with the good copy. */
static void altered_fragment(int corrupt, const char *why)
{
	struct frag_pick pick = {
		.from = EX_LEFT, .exchange = EXCH_AUTH, .num = 2, .action = EX_DELIVER,
		.corrupt = corrupt, .only_first = true, .stash = true,
	};
	uint16_t total;

	start("    fragment_size: 576\n", "    fragment_size: 576\n");
	net.filter = pick_filter;
	net.filter_ctx = &pick;
	initiate();
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], why), 1, "responder did not say '%s'", why);
	cr_assert_eq(count_skf(EX_RIGHT, EXCH_AUTH, true, NULL), 0);
	cr_assert_not_null(pick.kept);
	ex_inject(&net, EX_LEFT, pick.kept, pick.kept_len);
	free(pick.kept);
	assert_established();
	transmission(EX_LEFT, EXCH_AUTH, false, 0, &total);
	/* The other fragments were kept: no retransmission. */
	cr_assert_eq(count_skf(EX_LEFT, EXCH_AUTH, false, NULL), total);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "retransmit"), 0);
}

Test(frag, bad_icv_fragment_dropped_reassembly_survives)
{
	altered_fragment(1, "dropped: integrity check failed");
}

Test(frag, fragment_number_beyond_total_dropped)
{
	altered_fragment(2, "dropped: fragment number out of range");
}

Test(frag, fragment_number_zero_dropped)
{
	altered_fragment(3, "dropped: fragment number out of range");
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "fragment 0 of "), 1);
}

static enum ex_action too_many_filter(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	size_t m = ex_marker_len(p);

	(void)n;
	(void)ctx;
	/* 200 fragments: more than a receiver keeps for one message. */
	if (is_skf(p) && frag_num(p) == 1 && !ex_is_response(p)) {
		p->data[m + 34] = 0;
		p->data[m + 35] = 200;
	}
	return EX_DELIVER;
}

Test(frag, too_many_fragments_dropped)
{
	start("    fragment_size: 576\n", "    fragment_size: 576\n");
	net.filter = too_many_filter;
	net.filter_ctx = NULL;
	initiate();
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "of 200 of IKE_AUTH request 1 dropped: too many"),
		     1);
	cr_assert_eq(count_skf(EX_RIGHT, EXCH_AUTH, true, NULL), 0);
}

static enum ex_action only_first_filter(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	bool *open = ctx;

	(void)n;
	if (*open || !is_skf(p) || ex_is_response(p))
		return EX_DELIVER;
	return frag_num(p) == 1 ? EX_DELIVER : EX_DROP;
}

Test(frag, half_done_reassembly_times_out)
{
	bool open = false;
	uint16_t total;

	start("    fragment_size: 576\n", "    fragment_size: 576\n");
	net.filter = only_first_filter;
	net.filter_ctx = &open;
	initiate();
	transmission(EX_LEFT, EXCH_AUTH, false, 0, &total);
	/* Retransmissions at 4 and 11.2 s bring fragment 1 again, and nothing else. */
	ex_advance(&net, 19000, 500);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "discarded"), 0);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "received again"), 2);
	ex_advance(&net, 1500, 500);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "request 1: 1 of "), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "fragments after 20 s, discarded"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "ESTABLISHED"), 0);
	/* The next retransmission (at 24.2 s) brings the whole message into a fresh set. */
	open = true;
	ex_advance(&net, 4000, 500);
	assert_established();
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "received again"), 2);
}

static bool init_announces(int side)
{
	for (size_t k = 0; k < net.n_log; k++)
		if (is_msg(&net.log[k], side, EXCH_SA_INIT, side == EX_RIGHT))
			return ex_has_notify(&net.log[k], N_FRAGMENTATION_SUPPORTED, NULL, NULL);
	cr_assert_fail("no IKE_SA_INIT from %s", side_name[side]);
	return false;
}

/* Whole messages both ways although the one big_side sends is larger than the limit. */
static void assert_no_fragments(int big_side)
{
	size_t max;

	assert_established();
	for (int i = 0; i < 2; i++)
		cr_assert_eq(count_skf(i, EXCH_AUTH, i == EX_RIGHT, NULL), 0);
	count_skf(big_side, EXCH_AUTH, big_side == EX_RIGHT, &max);
	cr_assert_gt(max, LIMIT(576), "the IKE_AUTH message (%zu bytes) was small anyway", max);
}

Test(frag, fragmentation_no_and_accept)
{
	/* The responder says no: it does not answer the announcement; nobody fragments. */
	start("    fragment_size: 576\n", "    fragmentation: no\n    fragment_size: 576\n");
	initiate();
	cr_assert(init_announces(EX_LEFT));
	cr_assert_not(init_announces(EX_RIGHT));
	assert_no_fragments(EX_LEFT);
	stop();

	/* The initiator says no: it does not announce, and the responder does not answer. */
	start("    fragmentation: no\n    fragment_size: 576\n", "    fragment_size: 576\n");
	initiate();
	cr_assert_not(init_announces(EX_LEFT));
	cr_assert_not(init_announces(EX_RIGHT));
	assert_no_fragments(EX_RIGHT);
	stop();

	/* accept: announce and take fragments, but send whole messages. */
	start("    fragment_size: 576\n", "    fragmentation: accept\n    fragment_size: 576\n");
	initiate();
	assert_established();
	cr_assert(init_announces(EX_RIGHT));
	assert_fragmented(EX_LEFT, EXCH_AUTH, false, LIMIT(576));
	cr_assert_eq(count_skf(EX_RIGHT, EXCH_AUTH, true, NULL), 0);
}

Test(frag, force_fragments_without_the_peers_announcement)
{
	/* Right does not take part; left fragments all the same, and right drops them. */
	start("    fragmentation: force\n    fragment_size: 576\n",
	      "    fragmentation: no\n    fragment_size: 576\n");
	initiate();
	cr_assert_not(init_announces(EX_RIGHT));
	assert_fragmented(EX_LEFT, EXCH_AUTH, false, LIMIT(576));
	cr_assert_geq(tl_logcap_count(&cap[EX_RIGHT], "dropped: fragmentation is off"), 2);
	cr_assert_eq(ex_count(&net, EX_RIGHT, EXCH_AUTH, true), 0);
}

/* Lines of `tshark -r path -V` containing needle; -1 when tshark did not run. */
static long tshark_count(const char *path, const char *needle, char **first_line)
{
	char cmd[512], line[4096];
	long n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tshark -n -r '%s' -V 2>&1", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		if (!strstr(line, needle))
			continue;
		if (!n && first_line)
			*first_line = strdup(line);
		n++;
	}
	return pclose(p) == 0 ? n : -1;
}

static bool have_tshark(void)
{
	return system("tshark --version >/dev/null 2>&1") == 0;
}

/*
 * The bytes on the wire, as a pcap file, dissected by Wireshark's IKEv2
 * dissector: IKE_SA_INIT, a fragmented IKE_AUTH, CREATE_CHILD_SA and an
 * INFORMATIONAL delete, nothing malformed, the SKF payloads recognised.
 */
Test(frag, tshark_dissects_the_wire)
{
	static const char *const exchanges[] = {
		"Exchange type: IKE_SA_INIT (34)", "Exchange type: IKE_AUTH (35)",
		"Exchange type: CREATE_CHILD_SA (36)", "Exchange type: INFORMATIONAL (37)",
	};
	char path[64], *bad = NULL;
	size_t skf = 0;
	long n;
	int fd;

	if (!have_tshark())
		cr_skip_test("tshark is not installed");
	start("    fragment_size: 576\n", "    fragment_size: 576\n");
	initiate();
	assert_established();
	free(ex_ctl(&net, EX_LEFT, "rekey --ike net"));
	free(ex_ctl(&net, EX_RIGHT, "terminate --child net"));
	free(ex_ctl(&net, EX_LEFT, "terminate --ike net"));
	for (int i = 0; i < 2; i++)
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 0);
	cr_assert_geq(ex_count(&net, EX_LEFT, EXCH_CREATE_CHILD_SA, false), 1);
	cr_assert_geq(ex_count(&net, EX_RIGHT, EXCH_INFORMATIONAL, false), 1);
	for (int i = 0; i < 2; i++)
		skf += count_skf(i, EXCH_AUTH, i == EX_RIGHT, NULL);
	cr_assert_geq(skf, 8);

	snprintf(path, sizeof(path), "/tmp/cygnet-frag-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(ex_write_pcap(&net, path), 0);

	n = tshark_count(path, "Malformed", &bad);
	cr_assert_eq(n, 0, "tshark: %s", bad ? bad : "did not run");
	n = tshark_count(path, "Expert Info (Error", &bad);
	cr_assert_eq(n, 0, "tshark: %s", bad ? bad : "did not run");
	for (size_t i = 0; i < 4; i++)
		cr_assert_geq(tshark_count(path, exchanges[i], NULL), 2, "no '%s'", exchanges[i]);
	/* Every datagram is IKEv2; the SKF ones are dissected as such, with their numbers. */
	cr_assert_eq(tshark_count(path, "Internet Security Association and Key Management Protocol",
				  NULL), (long)net.n_log);
	cr_assert_eq(tshark_count(path, "Payload: Encrypted and Authenticated Fragment (53)", NULL),
		     (long)skf);
	cr_assert_eq(tshark_count(path, "Total Fragments: ", NULL), (long)skf);
	unlink(path);
}
