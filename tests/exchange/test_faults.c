/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 under faults: lost, duplicated and altered messages, retransmission
 * timing, malformed input. Every case ends with the daemon still working.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"

static struct ex_net net;
static struct tl_logcap cap[2];

static void start(const struct ex_conf *l, const struct ex_conf *r)
{
	char *ly = ex_yaml(EX_LEFT, l), *ry = ex_yaml(EX_RIGHT, r);

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
}

static void initiate(void)
{
	free(ex_ctl(&net, EX_LEFT, "initiate --child net"));
}

static bool established(int side)
{
	return ex_ctl_count(&net, side, "list-sas", "ESTABLISHED") == 1 &&
	       ex_ctl_count(&net, side, "list-sas", "INSTALLED") == 1;
}

/* Filter state: act on the n-th message (counting from 1) matching exchange/response. */
struct pick {
	int from;
	uint8_t exchange;
	bool response;
	unsigned nth, seen;
	enum ex_action action;
	size_t flip_at;      /* when not 0: flip this byte (from the end if negative) */
	bool flip_from_end;
	bool always;         /* every match, not just the n-th */
};

static enum ex_action pick_filter(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	struct pick *k = ctx;

	if (p->from != k->from || ex_exchange(p) != k->exchange || ex_is_response(p) != k->response)
		return EX_DELIVER;
	if (++k->seen != k->nth && !k->always)
		return EX_DELIVER;
	if (k->flip_at) {
		size_t at = k->flip_from_end ? p->len - k->flip_at : k->flip_at;

		p->data[at] ^= 0x55;
	}
	return k->action;
}

TestSuite(faults, .fini = stop, .timeout = 60);

Test(faults, lost_init_request_is_retransmitted_after_4s)
{
	struct pick k = { .from = EX_LEFT, .exchange = 34, .nth = 1, .action = EX_DROP };

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	net.filter = pick_filter;
	net.filter_ctx = &k;
	initiate();
	cr_assert(!established(EX_LEFT));
	ex_advance(&net, 3900, 100);
	cr_assert_eq(ex_count(&net, EX_LEFT, 34, false), 1);
	ex_advance(&net, 200, 100);
	cr_assert_eq(ex_count(&net, EX_LEFT, 34, false), 2);
	cr_assert(established(EX_LEFT));
	cr_assert(established(EX_RIGHT));
	/* A retransmission is bit-identical. */
	cr_assert_eq(net.log[0].len, net.log[1].len);
	cr_assert_eq(memcmp(net.log[0].data, net.log[1].data, net.log[0].len), 0);
}

Test(faults, lost_auth_response_is_answered_from_cache)
{
	struct pick k = { .from = EX_RIGHT, .exchange = 35, .response = true, .nth = 1,
			  .action = EX_DROP };

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	net.filter = pick_filter;
	net.filter_ctx = &k;
	initiate();
	cr_assert(established(EX_RIGHT));
	cr_assert(!established(EX_LEFT));
	ex_advance(&net, 4000, 500);
	cr_assert(established(EX_LEFT));
	/* The responder answered the retransmitted request with its cached response. */
	cr_assert_eq(ex_count(&net, EX_RIGHT, 35, true), 2);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "received again"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "kmem-dump", "tunnel"), 5);
}

Test(faults, duplicated_requests_and_responses)
{
	struct pick k = { .from = EX_LEFT, .exchange = 35, .nth = 1, .action = EX_DUPLICATE };
	struct pick k2 = { .from = EX_LEFT, .exchange = 34, .nth = 1, .action = EX_DUPLICATE };

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	net.filter = pick_filter;
	net.filter_ctx = &k2;
	free(ex_ctl(&net, EX_LEFT, "initiate --child net"));
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 1);
	cr_assert(established(EX_LEFT));

	tl_logcap_stop(&cap[0]);
	tl_logcap_stop(&cap[1]);
	ex_stop(&net);
	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	net.filter = pick_filter;
	net.filter_ctx = &k;
	initiate();
	cr_assert(established(EX_LEFT));
	cr_assert(established(EX_RIGHT));
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "kmem-dump", "tunnel"), 5);
	/* The second response reached the initiator after it had moved on. */
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "unexpected IKE_AUTH response"), 1);
}

Test(faults, gives_up_after_five_retransmits)
{
	struct pick k = { .from = EX_LEFT, .exchange = 34, .always = true, .action = EX_DROP };
	static const uint64_t expect[] = { 0, 4000, 11200, 24160, 47488, 89478 };

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	net.filter = pick_filter;
	net.filter_ctx = &k;
	initiate();
	ex_advance(&net, 165000, 1);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 1);
	ex_advance(&net, 100, 1);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
	cr_assert_eq(net.n_log, 6);
	for (size_t i = 0; i < 6; i++)
		cr_assert(net.sent_at[i] - net.sent_at[0] >= expect[i] &&
			  net.sent_at[i] - net.sent_at[0] <= expect[i] + 2,
			  "send %zu at %llu", i, (unsigned long long)(net.sent_at[i] - net.sent_at[0]));
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "giving up after 5 retransmits"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "larval"), 0);
}

Test(faults, half_open_sa_expires)
{
	struct pick k = { .from = EX_LEFT, .exchange = 35, .always = true, .action = EX_DROP };

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	net.filter = pick_filter;
	net.filter_ctx = &k;
	initiate();
	cr_assert_eq(cg_sa_count_half_open(net.core[EX_RIGHT]), 1);
	ex_advance(&net, 31000, 1000);
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 0);
}

Test(faults, bad_icv_is_dropped_and_retransmit_succeeds)
{
	/* Flip a byte of the ICV of the first IKE_AUTH request. */
	struct pick k = { .from = EX_LEFT, .exchange = 35, .nth = 1, .action = EX_DELIVER,
			  .flip_at = 3, .flip_from_end = true };

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	net.filter = pick_filter;
	net.filter_ctx = &k;
	initiate();
	cr_assert(!established(EX_RIGHT));
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "integrity check failed"), 1);
	ex_advance(&net, 4000, 500);
	cr_assert(established(EX_LEFT));
	cr_assert(established(EX_RIGHT));
}

Test(faults, bad_icv_with_cbc_hmac)
{
	struct ex_conf c = { .proposals = "aes128-sha256-x25519", .esp = "aes128-sha256" };
	struct pick k = { .from = EX_RIGHT, .exchange = 35, .response = true, .nth = 1,
			  .action = EX_DELIVER, .flip_at = 1, .flip_from_end = true };

	start(&c, &c);
	net.filter = pick_filter;
	net.filter_ctx = &k;
	initiate();
	cr_assert(!established(EX_LEFT));
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "integrity check failed"), 1);
	ex_advance(&net, 4000, 500);
	cr_assert(established(EX_LEFT));
}

/* A hand-made IKE_SA_INIT request: header plus the given payload bytes. */
static size_t make_init(uint8_t *buf, uint8_t first, const uint8_t *body, size_t len,
			uint32_t total_override)
{
	uint32_t total = total_override ? total_override : (uint32_t)(28 + len);

	memset(buf, 0, 28);
	memcpy(buf, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	buf[16] = first;
	buf[17] = 0x20;
	buf[18] = 34;
	buf[19] = 0x08;
	buf[24] = total >> 24;
	buf[25] = total >> 16;
	buf[26] = total >> 8;
	buf[27] = total;
	if (len)
		memcpy(buf + 28, body, len);
	return 28 + len;
}

Test(faults, unknown_critical_payload_in_init)
{
	static const uint8_t body[] = { 0, 0x80, 0, 8, 1, 2, 3, 4 };
	uint8_t msg[64], data[8];
	size_t len = 0;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	ex_inject(&net, EX_LEFT, msg, make_init(msg, 200, body, sizeof(body), 0));
	cr_assert_eq(net.n_log, 1);
	cr_assert(ex_has_notify(&net.log[0], 1, data, &len));
	cr_assert_eq(len, 1);
	cr_assert_eq(data[0], 200);
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 0);
	/* Unknown but not critical: ignored, and the message lacks SA/KE/Ni. */
	{
		static const uint8_t soft[] = { 0, 0x00, 0, 8, 1, 2, 3, 4 };

		ex_inject(&net, EX_LEFT, msg, make_init(msg, 200, soft, sizeof(soft), 0));
		cr_assert_eq(net.n_log, 2);
		cr_assert(ex_has_notify(&net.log[1], 7, NULL, NULL));
	}
	initiate();
	cr_assert(established(EX_RIGHT));
}

Test(faults, bad_lengths_are_dropped)
{
	static const uint8_t body[] = { 0, 0, 0, 200, 1, 2, 3, 4 };  /* payload longer than message */
	static const uint8_t tiny[] = { 0, 0, 0, 2 };                /* payload shorter than its header */
	uint8_t msg[64];

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	ex_inject(&net, EX_LEFT, msg, make_init(msg, 33, body, sizeof(body), 0));
	ex_inject(&net, EX_LEFT, msg, make_init(msg, 33, tiny, sizeof(tiny), 0));
	/* Header length larger than the datagram, and shorter than the header. */
	ex_inject(&net, EX_LEFT, msg, make_init(msg, 0, NULL, 0, 60));
	ex_inject(&net, EX_LEFT, msg, make_init(msg, 0, NULL, 0, 20));
	ex_inject(&net, EX_LEFT, msg, 17);
	cr_assert_eq(net.n_log, 0);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "bad payload lengths"), 2);
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 0);
	initiate();
	cr_assert(established(EX_RIGHT));
}

Test(faults, malformed_sa_payload_gets_invalid_syntax)
{
	/* SA with a proposal whose length overruns the payload, KE, Ni. */
	uint8_t body[4 + 8 + 8 + 4 + 16];
	uint8_t msg[128];
	size_t off = 0;

	memset(body, 0, sizeof(body));
	body[off++] = 34; body[off++] = 0; body[off++] = 0; body[off++] = 12;
	body[off++] = 0; body[off++] = 0; body[off++] = 0; body[off++] = 40; /* proposal: 40 > 8 */
	body[off++] = 1; body[off++] = 1; body[off++] = 0; body[off++] = 0;
	body[off++] = 40; body[off++] = 0; body[off++] = 0; body[off++] = 8;  /* KE */
	body[off++] = 0; body[off++] = 31; body[off++] = 0; body[off++] = 0;
	body[off++] = 0; body[off++] = 0; body[off++] = 0; body[off++] = 20;  /* Ni */
	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	ex_inject(&net, EX_LEFT, msg, make_init(msg, 33, body, off + 16, 0));
	cr_assert_eq(net.n_log, 1);
	cr_assert(ex_has_notify(&net.log[0], 7, NULL, NULL));
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 0);
}

Test(faults, unknown_spi_and_replayed_ids_are_dropped)
{
	uint8_t copy[2048];
	size_t len;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	cr_assert(established(EX_RIGHT));
	/* The IKE_AUTH request again, with a responder SPI nobody has. */
	len = net.log[2].len;
	cr_assert_eq(ex_exchange(&net.log[2]), 35);
	memcpy(copy, net.log[2].data, len);
	copy[ex_marker_len(&net.log[2]) + 8] ^= 0xff;
	ex_inject(&net, EX_LEFT, copy, len);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "no IKE SA with this SPI"), 1);
	/* An old message ID on the established SA (IKE_AUTH replayed, not the last one). */
	free(ex_ctl(&net, EX_LEFT, "terminate --child net"));
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "INSTALLED"), 0);
	memcpy(copy, net.log[2].data, len);
	ex_inject(&net, EX_LEFT, copy, len);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "message ID 1 dropped: expected 3"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "ESTABLISHED"), 1);
}

Test(faults, kernel_failure_leaves_no_child)
{
	char *reply;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	/* The inbound policy fails after the outbound one went in. */
	reply = ex_ctl(&net, EX_RIGHT, "kmem-fail add_policy 12 1 1");
	cr_assert(!strncmp(reply, "ok", 2), "%s", reply);
	free(reply);
	initiate();
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "ESTABLISHED"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "INSTALLED"), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "kmem-dump", "spi: "), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "INSTALLED"), 0);
}

Test(faults, dpd_checks_liveness_and_detects_a_dead_peer)
{
	struct ex_conf l = { .conn_extra = "    dpd_delay: 30\n" };
	struct pick k = { .from = EX_RIGHT, .exchange = 37, .response = true, .always = true,
			  .action = EX_DROP };

	start(&l, &(struct ex_conf){ 0 });
	initiate();
	cr_assert(established(EX_LEFT));
	ex_advance(&net, 30000, 1000);
	cr_assert_eq(ex_count(&net, EX_LEFT, 37, false), 1);
	cr_assert_eq(ex_count(&net, EX_RIGHT, 37, true), 1);
	cr_assert(established(EX_LEFT));
	/* The peer's answers are lost: the check is retransmitted, then the SA goes
	 * (165 s after the check, plus the 1 s steps the retransmissions round up to). */
	net.filter = pick_filter;
	net.filter_ctx = &k;
	ex_advance(&net, 30000 + 170000, 1000);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "direction"), 0);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "giving up after 5 retransmits of INFORMATIONAL"), 1);
}
