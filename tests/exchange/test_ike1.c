/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv1 between two cores: Main Mode and Aggressive Mode with a PSK and
 * Quick Mode, tunnel and transport, with and without PFS, deletes both
 * ways, retransmission and repeated messages, and hostile input (an
 * unauthenticated Delete, bad KE values, IDs of two families, Aggressive
 * Mode refused without aggressive: yes, out-of-order Aggressive Mode).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"

#define EXCH_MAIN 2
#define EXCH_AGGR 4
#define EXCH_INFO 5
#define EXCH_QUICK 32

struct events {
	uint32_t ike_up, ike_down, up, down;
	uint32_t spi_in, spi_out;
};

static void on_event(void *ctx, const struct cg_event *ev)
{
	struct events *e = ctx;

	switch (ev->type) {
	case CG_EV_IKE_UP: e->ike_up++; break;
	case CG_EV_IKE_DOWN: e->ike_down++; break;
	case CG_EV_CHILD_UP:
		e->up++;
		e->spi_in = ev->u.child.spi_in;
		e->spi_out = ev->u.child.spi_out;
		break;
	case CG_EV_CHILD_DOWN: e->down++; break;
	default: break;
	}
}

static struct ex_net net;
static struct events ev[2];

/* ex_yaml's config with ike1 (beside ike2 when both): IKEv1 proposals, version 1. */
static char *yaml_v1_with(int side, struct ex_conf c, bool both)
{
	char *y, *at, *out;
	const char *extra = c.conn_extra ? c.conn_extra : "";
	char conn_extra[512];

	snprintf(conn_extra, sizeof(conn_extra), "    version: 1\n%s", extra);
	c.conn_extra = conn_extra;
	if (!c.proposals)
		c.proposals = "aes128-sha256-modp2048";
	y = ex_yaml(side, &c);
	at = strstr(y, "ike2]");
	cr_assert_not_null(at);
	if (both) {
		cr_assert_geq(asprintf(&out, "%.*sike2, ike1%s", (int)(at - y), y, at + 4), 0);
	} else {
		memcpy(at, "ike1", 4);
		out = strdup(y);
	}
	free(y);
	return out;
}

static char *yaml_v1(int side, struct ex_conf c)
{
	return yaml_v1_with(side, c, false);
}

static void start(struct ex_conf l, struct ex_conf r)
{
	char *ly = yaml_v1(EX_LEFT, l), *ry = yaml_v1(EX_RIGHT, r);

	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
	memset(ev, 0, sizeof(ev));
	ex_watch(&net, on_event, &ev[0], &ev[1]);
}

static void stop(void)
{
	ex_stop(&net);
}

static void initiate(void)
{
	ex_ctl_ok(&net, EX_LEFT, "initiate --child net");
	ex_run(&net);
}

/* Messages one side sent of an exchange type. */
static size_t sent(int side, uint8_t exchange)
{
	size_t n = 0;

	for (size_t i = 0; i < net.n_log; i++)
		n += net.log[i].from == side && ex_exchange(&net.log[i]) == exchange;
	return n;
}

/* Both sides up with one child; kmem-dump names mode policies policies plus 2 SAs. */
static void assert_up_n(const char *mode, size_t policies)
{
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_up, 1, "side %d: ISAKMP SA not up", i);
		cr_assert_eq(ev[i].up, 1, "side %d: IPsec SA not up", i);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas --json", "\"version\": 1"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", mode), 2 + policies);
	}
	cr_assert_eq(ev[EX_LEFT].spi_in, ev[EX_RIGHT].spi_out);
	cr_assert_eq(ev[EX_LEFT].spi_out, ev[EX_RIGHT].spi_in);
	cr_assert_eq(ex_assert_keys_match(&net), 2);
}

static void assert_up(const char *mode)
{
	assert_up_n(mode, 3);
}

TestSuite(ike1, .fini = stop, .timeout = 60);

Test(ike1, main_mode_psk_quick_mode_tunnel)
{
	start((struct ex_conf){ 0 }, (struct ex_conf){ 0 });
	initiate();
	assert_up("tunnel");
	/* Main Mode is three messages each way, Quick Mode two and one. */
	cr_assert_eq(sent(EX_LEFT, EXCH_MAIN), 3);
	cr_assert_eq(sent(EX_RIGHT, EXCH_MAIN), 3);
	cr_assert_eq(sent(EX_LEFT, EXCH_QUICK), 2);
	cr_assert_eq(sent(EX_RIGHT, EXCH_QUICK), 1);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "AES_GCM_16"), 2);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "2001:db8:1::/64"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "2001:db8:2::/64"), 1);
	}
}

Test(ike1, transport_mode_cbc_hmac)
{
	struct ex_conf c = { .mode = "transport", .esp = "aes256-sha256",
			     .local_ts = "dynamic", .remote_ts = "dynamic" };

	start(c, c);
	initiate();
	assert_up_n("transport", 2);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "AES_CBC"), 2);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "HMAC_SHA2_256_128"), 2);
}

Test(ike1, quick_mode_with_pfs)
{
	struct ex_conf c = { .esp = "aes128-sha256-modp2048" };

	start(c, c);
	initiate();
	assert_up("tunnel");
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "MODP_2048"), 2);
}

Test(ike1, pfs_mismatch_is_no_proposal_chosen)
{
	start((struct ex_conf){ .esp = "aes128-sha256-modp2048" },
	      (struct ex_conf){ .esp = "aes128-sha256" });
	initiate();
	cr_assert_eq(ev[EX_LEFT].ike_up, 1);
	cr_assert_eq(ev[EX_LEFT].up + ev[EX_RIGHT].up, 0);
	/* The refusal travels in an Informational inside the ISAKMP SA. */
	cr_assert_eq(sent(EX_RIGHT, EXCH_INFO), 1);
}

Test(ike1, responder_narrows_the_ids)
{
	start((struct ex_conf){ .local_ts = "2001:db8:1::/48", .remote_ts = "2001:db8:2::/48" },
	      (struct ex_conf){ 0 });
	initiate();
	assert_up("tunnel");
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "2001:db8:1::/64"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "2001:db8:2::/64"), 1);
}

Test(ike1, delete_child_from_the_initiator)
{
	start((struct ex_conf){ 0 }, (struct ex_conf){ 0 });
	initiate();
	ex_ctl_ok(&net, EX_LEFT, "terminate --child net");
	ex_run(&net);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].down, 1, "side %d: IPsec SA still up", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "tunnel"), 0);
		cr_assert_eq(ev[i].ike_down, 0);
	}
}

Test(ike1, delete_isakmp_sa_from_the_responder)
{
	start((struct ex_conf){ 0 }, (struct ex_conf){ 0 });
	initiate();
	ex_ctl_ok(&net, EX_RIGHT, "terminate --ike net");
	ex_run(&net);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].down, 1, "side %d", i);
		cr_assert_eq(ev[i].ike_down, 1, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 0);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "tunnel"), 0);
	}
}

static int drops_left;
static uint8_t drop_exchange;
static int drop_from;

static enum ex_action drop_first(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	(void)n;
	(void)ctx;
	if (drops_left && p->from == drop_from && ex_exchange(p) == drop_exchange) {
		drops_left--;
		return EX_DROP;
	}
	return EX_DELIVER;
}

Test(ike1, lost_answer_is_retransmitted)
{
	start((struct ex_conf){ 0 }, (struct ex_conf){ 0 });
	/* The responder's first Main Mode answer is lost: the initiator sends I1 again after 4 s. */
	drops_left = 1;
	drop_exchange = EXCH_MAIN;
	drop_from = EX_RIGHT;
	net.filter = drop_first;
	initiate();
	cr_assert_eq(ev[EX_LEFT].ike_up, 0);
	ex_advance(&net, 4100, 100);
	assert_up("tunnel");
	cr_assert_eq(sent(EX_LEFT, EXCH_MAIN), 4);
	/* The responder answered the repeated I1 with its stored R1: one SA on each side. */
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 1);
}

Test(ike1, lost_quick_mode_answer_is_retransmitted)
{
	start((struct ex_conf){ 0 }, (struct ex_conf){ 0 });
	drops_left = 1;
	drop_exchange = EXCH_QUICK;
	drop_from = EX_RIGHT;
	net.filter = drop_first;
	initiate();
	cr_assert_eq(ev[EX_LEFT].up, 0);
	ex_advance(&net, 4100, 100);
	assert_up("tunnel");
	/* Q1 twice, Q2 twice (the stored answer), Q3 once. */
	cr_assert_eq(sent(EX_LEFT, EXCH_QUICK), 3);
	cr_assert_eq(sent(EX_RIGHT, EXCH_QUICK), 2);
}

static enum ex_action duplicate_all(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	(void)n;
	(void)ctx;
	(void)p;
	return EX_DUPLICATE;
}

/* Every message delivered twice: one SA on each side all the same. */
static void replay_all(struct ex_conf c)
{
	start(c, c);
	net.filter = duplicate_all;
	initiate();
	assert_up("tunnel");
	for (int i = 0; i < 2; i++)
		cr_assert_eq(cg_sa_count(net.core[i]), 1);
}

Test(ike1, replayed_messages_change_nothing)
{
	replay_all((struct ex_conf){ 0 });
}

Test(ike1, unauthenticated_delete_is_ignored)
{
	uint8_t msg[28 + 8 + 16 + 4];
	const struct ex_pkt *r1 = NULL;

	start((struct ex_conf){ 0 }, (struct ex_conf){ 0 });
	initiate();
	for (size_t i = 0; i < net.n_log && !r1; i++)
		if (net.log[i].from == EX_RIGHT)
			r1 = &net.log[i];
	cr_assert_not_null(r1);
	/* HDR (cookies of the SA, Informational, not encrypted), D(ISAKMP, the cookies). */
	memset(msg, 0, sizeof(msg));
	memcpy(msg, r1->data, 16);
	msg[16] = 12;
	msg[17] = 0x10;
	msg[18] = EXCH_INFO;
	cg_put32(msg + 20, 0x12345678);
	cg_put32(msg + 24, sizeof(msg));
	cg_put16(msg + 30, 4 + 8 + 16);
	cg_put32(msg + 32, 1);
	msg[36] = 1;
	msg[37] = 16;
	cg_put16(msg + 38, 1);
	memcpy(msg + 40, r1->data, 16);
	ex_inject(&net, EX_LEFT, msg, sizeof(msg));
	ex_inject(&net, EX_RIGHT, msg, sizeof(msg));
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_down, 0);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 1);
	}
}

/* Rewrites the KE payload of the initiator's I2: its bytes, or its length. */
static int ke_mode;

static enum ex_action bad_ke(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	uint8_t *ke;
	size_t len;

	(void)n;
	(void)ctx;
	/* I2 is the initiator's second Main Mode message: HDR, KE, NONCE. */
	if (p->from != EX_LEFT || ex_exchange(p) != EXCH_MAIN || p->data[16] != 4)
		return EX_DELIVER;
	ke = p->data + 28;
	len = cg_get16(ke + 2) - 4;
	switch (ke_mode) {
	case 0: /* empty */
	case 1: { /* 16 bytes short */
		size_t cut = ke_mode == 0 ? len : 16;

		memmove(ke + 4 + len - cut, ke + 4 + len, p->len - (28 + 4 + len));
		p->len -= cut;
		cg_put16(ke + 2, (uint16_t)(4 + len - cut));
		cg_put32(p->data + 24, (uint32_t)p->len);
		break;
	}
	case 2: memset(ke + 4, 0, len); break;                          /* 0 */
	case 3: memset(ke + 4, 0, len); ke[4 + len - 1] = 1; break;     /* 1 */
	case 4: memset(ke + 4, 0xff, len); ke[4 + len - 1] = 0xfe; break; /* p - 1 */
	}
	return EX_DELIVER;
}

Test(ike1, bad_ke_values_are_refused)
{
	for (ke_mode = 0; ke_mode <= 4; ke_mode++) {
		start((struct ex_conf){ 0 }, (struct ex_conf){ 0 });
		net.filter = bad_ke;
		initiate();
		cr_assert_eq(ev[EX_RIGHT].ike_up, 0, "KE case %d accepted", ke_mode);
		/* The responder dropped its SA; it never answered I2. */
		cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 0, "KE case %d", ke_mode);
		cr_assert_eq(sent(EX_RIGHT, EXCH_MAIN), 1, "KE case %d", ke_mode);
		stop();
	}
}

Test(ike1, ids_of_two_families_are_refused)
{
	start((struct ex_conf){ .local_ts = "192.0.2.0/24", .remote_ts = "2001:db8:2::/64" },
	      (struct ex_conf){ 0 });
	initiate();
	cr_assert_eq(ev[EX_RIGHT].ike_up, 1);
	cr_assert_eq(ev[EX_LEFT].up + ev[EX_RIGHT].up, 0);
	cr_assert_eq(sent(EX_RIGHT, EXCH_INFO), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "kmem-dump", "tunnel"), 0);
}

Test(ike1, wrong_psk_fails)
{
	start((struct ex_conf){ .psk = "one secret" }, (struct ex_conf){ .psk = "another one" });
	initiate();
	cr_assert_eq(ev[EX_LEFT].ike_up + ev[EX_RIGHT].ike_up, 0);
	/* I3 does not decrypt: dropped, as a forgery would be; both SAs die half-open. */
	ex_advance(&net, 31000, 1000);
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 0);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
}

Test(ike1, start_action_trap_negotiates_on_acquire)
{
	struct ex_conf l = { .start_action = "trap" };

	start(l, (struct ex_conf){ 0 });
	ex_run(&net);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "protect"), 3);
	ex_ctl_ok(&net, EX_LEFT, "kmem-packet out 2001:db8:1::5 2001:db8:2::7");
	ex_run(&net);
	cr_assert_eq(ev[EX_LEFT].up, 1);
	cr_assert_eq(ev[EX_RIGHT].up, 1);
	cr_assert_eq(ex_assert_keys_match(&net), 2);
}

Test(ike1, beside_ike2_in_one_daemon)
{
	char *ly = yaml_v1_with(EX_LEFT, (struct ex_conf){ 0 }, true);
	char *ry = yaml_v1(EX_RIGHT, (struct ex_conf){ 0 });

	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
	memset(ev, 0, sizeof(ev));
	ex_watch(&net, on_event, &ev[0], &ev[1]);
	/* ike2 loaded first owns the commands: they reach ike1 for a version 1 connection. */
	initiate();
	assert_up("tunnel");
	cr_assert_eq(sent(EX_LEFT, EXCH_MAIN), 3);
	ex_ctl_ok(&net, EX_LEFT, "terminate --ike net");
	ex_run(&net);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_down, 1, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "tunnel"), 0);
	}
}

Test(ike1, responder_lifetime_is_honoured)
{
	/* The initiator offers 3600 s; the responder wants 600 s and says so. */
	start((struct ex_conf){ .child_extra = "        rekey_time: 300\n        life_time: 3600\n" },
	      (struct ex_conf){ .child_extra = "        rekey_time: 300\n        life_time: 600\n" });
	initiate();
	assert_up("tunnel");
	for (int i = 0; i < 2; i++)
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "life-time: 600") +
			     ex_ctl_count(&net, i, "list-sas", "life-time: 599"), 1, "side %d", i);
}

Test(ike1, initial_contact_replaces_the_old_isakmp_sa)
{
	char *ly = yaml_v1(EX_LEFT, (struct ex_conf){ 0 });

	start((struct ex_conf){ 0 }, (struct ex_conf){ 0 });
	initiate();
	assert_up("tunnel");
	/* The initiator reboots and connects again: its INITIAL-CONTACT clears the old SAs. */
	ex_restart(&net, EX_LEFT, ly);
	free(ly);
	ex_watch_side(&net, EX_LEFT, on_event, &ev[EX_LEFT]);
	initiate();
	cr_assert_eq(ev[EX_RIGHT].ike_up, 2);
	cr_assert_eq(ev[EX_RIGHT].ike_down, 1);
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "INSTALLED"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "kmem-dump", "tunnel"), 2 + 3);
}

/*
 * Aggressive Mode.
 */

#define AGGR "    aggressive: yes\n"

/* The n-th (from 0) message of an exchange type one side sent, or NULL. */
static const struct ex_pkt *nth_sent(int side, uint8_t exchange, size_t n)
{
	for (size_t i = 0; i < net.n_log; i++)
		if (net.log[i].from == side && ex_exchange(&net.log[i]) == exchange && !n--)
			return &net.log[i];
	return NULL;
}

static void assert_aggressive_up(int initiator)
{
	const struct ex_pkt *i2;

	assert_up("tunnel");
	/* I1 and I2 from the initiator, R1 from the responder; no Main Mode. */
	cr_assert_eq(sent(initiator, EXCH_AGGR), 2);
	cr_assert_eq(sent(!initiator, EXCH_AGGR), 1);
	cr_assert_eq(sent(EX_LEFT, EXCH_MAIN) + sent(EX_RIGHT, EXCH_MAIN), 0);
	cr_assert_eq(sent(initiator, EXCH_QUICK), 2);
	cr_assert_eq(sent(!initiator, EXCH_QUICK), 1);
	/* I2 (HASH_I) goes encrypted, as charon sends it; I1 and R1 in clear. */
	i2 = nth_sent(initiator, EXCH_AGGR, 1);
	cr_assert_not_null(i2);
	cr_assert(i2->data[19] & 1);
	cr_assert_not(nth_sent(initiator, EXCH_AGGR, 0)->data[19] & 1);
	cr_assert_not(nth_sent(!initiator, EXCH_AGGR, 0)->data[19] & 1);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 1);
}

Test(ike1, aggressive_mode_psk_quick_mode)
{
	start((struct ex_conf){ .conn_extra = AGGR }, (struct ex_conf){ .conn_extra = AGGR });
	initiate();
	assert_aggressive_up(EX_LEFT);
}

Test(ike1, aggressive_mode_initiated_by_the_other_side)
{
	/* The left side only answers Aggressive Mode; the right one initiates it. */
	start((struct ex_conf){ .conn_extra = AGGR }, (struct ex_conf){ .conn_extra = AGGR });
	ex_ctl_ok(&net, EX_RIGHT, "initiate --child net");
	ex_run(&net);
	assert_aggressive_up(EX_RIGHT);
}

Test(ike1, aggressive_mode_refused_without_aggressive_yes)
{
	/* The responder's connection is Main Mode only: no answer, no hash to crack. */
	start((struct ex_conf){ .conn_extra = AGGR }, (struct ex_conf){ 0 });
	initiate();
	ex_advance(&net, 10000, 500);
	cr_assert_geq(sent(EX_LEFT, EXCH_AGGR), 2, "the initiator retransmits I1");
	for (size_t i = 0; i < net.n_log; i++)
		cr_assert_neq(net.log[i].from, EX_RIGHT, "the responder sent something");
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 0);
	cr_assert_eq(ev[EX_LEFT].ike_up + ev[EX_RIGHT].ike_up, 0);
}

Test(ike1, aggressive_yes_still_answers_main_mode)
{
	start((struct ex_conf){ 0 }, (struct ex_conf){ .conn_extra = AGGR });
	initiate();
	assert_up("tunnel");
	cr_assert_eq(sent(EX_RIGHT, EXCH_MAIN), 3);
	cr_assert_eq(sent(EX_LEFT, EXCH_AGGR) + sent(EX_RIGHT, EXCH_AGGR), 0);
}

static enum ex_action drop_aggressive_i2(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	(void)n;
	(void)ctx;
	if (drops_left && p->from == EX_LEFT && ex_exchange(p) == EXCH_AGGR && (p->data[19] & 1)) {
		drops_left--;
		return EX_DROP;
	}
	return EX_DELIVER;
}

/* A copy of pkt with the cookies of ck and another exchange type (0: its own), injected. */
static void inject_as(int from, const struct ex_pkt *pkt, const struct ex_pkt *ck, uint8_t exch)
{
	uint8_t *m = malloc(pkt->len);

	cr_assert_not_null(m);
	memcpy(m, pkt->data, pkt->len);
	memcpy(m, ck->data, 16);
	if (exch)
		m[18] = exch;
	ex_inject(&net, from, m, pkt->len);
	free(m);
}

Test(ike1, aggressive_mode_out_of_order_messages_are_dropped)
{
	const struct ex_pkt *i1, *r1, *i2;

	/* I2 is lost: the responder waits in its half-open state for HASH_I. */
	start((struct ex_conf){ .conn_extra = AGGR }, (struct ex_conf){ .conn_extra = AGGR });
	drops_left = 1;
	net.filter = drop_aggressive_i2;
	initiate();
	cr_assert_eq(ev[EX_LEFT].ike_up, 1);
	cr_assert_eq(ev[EX_RIGHT].ike_up, 0);
	i1 = nth_sent(EX_LEFT, EXCH_AGGR, 0);
	r1 = nth_sent(EX_RIGHT, EXCH_AGGR, 0);
	i2 = nth_sent(EX_LEFT, EXCH_AGGR, 1);
	cr_assert(i1 && r1 && i2);
	/* I1 with both cookies, in place of I2; I1 and I2 as Main Mode; R1 to the initiator's
	 * established SA as a Main Mode message; a Quick Mode before phase 1 is complete. */
	inject_as(EX_LEFT, i1, r1, 0);
	inject_as(EX_LEFT, i1, r1, EXCH_MAIN);
	inject_as(EX_LEFT, i2, r1, EXCH_MAIN);
	inject_as(EX_RIGHT, r1, r1, EXCH_MAIN);
	inject_as(EX_LEFT, i2, r1, EXCH_QUICK);
	cr_assert_eq(ev[EX_RIGHT].ike_up, 0);
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 1, "the half-open SA survives");
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 1);
	/*
	 * The responder sends R1 again after 4 s, the initiator answers with its
	 * stored I2; Q1, dropped until then, goes again at 11.2 s.
	 */
	net.filter = NULL;
	ex_advance(&net, 4100, 100);
	cr_assert_eq(ev[EX_RIGHT].ike_up, 1);
	ex_advance(&net, 7500, 100);
	assert_up("tunnel");
	/* Repeats after the fact change nothing; a replayed I1 is a new half-open SA that dies. */
	inject_as(EX_RIGHT, r1, r1, 0);
	inject_as(EX_LEFT, i2, i2, 0);
	inject_as(EX_LEFT, r1, r1, 0);
	inject_as(EX_LEFT, i1, i1, 0);
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 2);
	ex_advance(&net, 31000, 1000);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 1, "side %d", i);
		cr_assert_eq(ev[i].ike_up, 1, "side %d", i);
		cr_assert_eq(ev[i].ike_down, 0, "side %d", i);
		cr_assert_eq(cg_sa_count(net.core[i]), 1, "side %d", i);
	}
}

Test(ike1, aggressive_mode_replayed_messages_change_nothing)
{
	replay_all((struct ex_conf){ .conn_extra = AGGR });
}

Test(ike1, aggressive_mode_wrong_psk_fails)
{
	start((struct ex_conf){ .conn_extra = AGGR, .psk = "one secret" },
	      (struct ex_conf){ .conn_extra = AGGR, .psk = "another one" });
	initiate();
	/* HASH_R does not match: the initiator gives up at once and sends no I2. */
	cr_assert_eq(ev[EX_LEFT].ike_up + ev[EX_RIGHT].ike_up, 0);
	cr_assert_eq(sent(EX_LEFT, EXCH_AGGR), 1);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
	ex_advance(&net, 31000, 1000);
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 0);
	cr_assert_eq(ev[EX_LEFT].ike_up + ev[EX_RIGHT].ike_up, 0);
}
