/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dead peer detection and what follows it: liveness checks only when the
 * peer has been quiet (no ESP in, no IKE message) for dpd_delay, dpd_action
 * (clear, trap, restart) on a dead peer, close_action when the peer deletes,
 * and keyingtries against a peer that never answers.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"

static struct ex_net net;
static struct tl_logcap cap[2];

/* ex_yaml with more keys in the child section. */
static char *yaml(int side, const struct ex_conf *c, const char *child_extra)
{
	char *base = ex_yaml(side, c), *at, *out = NULL;
	size_t head;

	if (!child_extra)
		return base;
	at = strstr(base, "        start_action:");
	cr_assert_not_null(at);
	at = strchr(at, '\n') + 1;
	head = (size_t)(at - base);
	cr_assert(asprintf(&out, "%.*s%s%s", (int)head, base, child_extra, at) > 0);
	free(base);
	return out;
}

static void start(const struct ex_conf *l, const char *l_child, const struct ex_conf *r,
		  const char *r_child)
{
	char *ly = yaml(EX_LEFT, l, l_child), *ry = yaml(EX_RIGHT, r, r_child);

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

static void ctl_ok(int side, const char *line)
{
	ex_ctl_ok(&net, side, line);
}

static bool established(int side)
{
	return ex_ctl_count(&net, side, "list-sas", "ESTABLISHED") == 1 &&
	       ex_ctl_count(&net, side, "list-sas", "INSTALLED") == 1;
}

/* The inbound SPI of a side's only child. */
static unsigned spi_in(int side)
{
	char *reply = ex_ctl(&net, side, "list-sas --json"), *at;
	unsigned spi = 0;

	at = strstr(reply, "\"spi-in\": \"");
	cr_assert_not_null(at, "%s", reply);
	cr_assert_eq(sscanf(at + 11, "%x", &spi), 1);
	free(reply);
	return spi;
}

/* ESP arrives on a side's child: the in-memory kernel's counters move. */
static void traffic_in(int side)
{
	char line[64];

	snprintf(line, sizeof(line), "kmem-traffic %08x 1500 1", spi_in(side));
	ctl_ok(side, line);
}

static enum ex_action drop_all(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	(void)n;
	(void)p;
	(void)ctx;
	return EX_DROP;
}

/* Distinct initiator SPIs of IKE_SA_INIT requests a side sent (attempts at establishing). */
static size_t init_attempts(int side)
{
	uint64_t spis[EX_LOG_MAX];
	size_t n = 0;

	for (size_t i = 0; i < net.n_log; i++) {
		const struct ex_pkt *p = &net.log[i];
		uint64_t spi;
		bool seen = false;

		if (p->from != side || ex_exchange(p) != 34 || ex_is_response(p))
			continue;
		memcpy(&spi, p->data + ex_marker_len(p), sizeof(spi));
		for (size_t k = 0; k < n; k++)
			seen |= spis[k] == spi;
		if (!seen)
			spis[n++] = spi;
	}
	return n;
}

TestSuite(dpd, .fini = stop, .timeout = 120);

Test(dpd, check_sent_when_idle)
{
	struct ex_conf l = { .conn_extra = "    dpd_delay: 30\n" };

	start(&l, NULL, &(struct ex_conf){ 0 }, NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert(established(EX_LEFT));
	ex_advance(&net, 29000, 1000);
	cr_assert_eq(ex_count(&net, EX_LEFT, 37, false), 0);
	ex_advance(&net, 1000, 1000);
	cr_assert_eq(ex_count(&net, EX_LEFT, 37, false), 1);
	cr_assert_eq(ex_count(&net, EX_RIGHT, 37, true), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "answering the peer's liveness check 2"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "liveness check 2 answered"), 1);
	ex_advance(&net, 60000, 1000);
	cr_assert_eq(ex_count(&net, EX_LEFT, 37, false), 3);
	cr_assert(established(EX_LEFT));
}

Test(dpd, no_check_while_esp_arrives)
{
	struct ex_conf l = { .conn_extra = "    dpd_delay: 30\n" };

	start(&l, NULL, &(struct ex_conf){ 0 }, NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert(established(EX_LEFT));
	/* Inbound ESP every 10 s for 2 minutes: no check goes out. */
	for (int i = 0; i < 12; i++) {
		traffic_in(EX_LEFT);
		ex_advance(&net, 10000, 1000);
	}
	cr_assert_eq(ex_count(&net, EX_LEFT, 37, false), 0);
	cr_assert_geq(tl_logcap_count(&cap[EX_LEFT], "ESP traffic from the peer"), 3);
	/* Quiet again: the next check is at most dpd_delay away. */
	ex_advance(&net, 30000, 1000);
	cr_assert_eq(ex_count(&net, EX_LEFT, 37, false), 1);
	cr_assert_eq(ex_count(&net, EX_RIGHT, 37, true), 1);
}

Test(dpd, outbound_esp_does_not_count)
{
	struct ex_conf l = { .conn_extra = "    dpd_delay: 30\n" };

	start(&l, NULL, &(struct ex_conf){ 0 }, NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	/* Traffic on the peer's inbound SA stands for our outbound: it proves nothing. */
	for (int i = 0; i < 3; i++) {
		traffic_in(EX_RIGHT);
		ex_advance(&net, 10000, 1000);
	}
	cr_assert_eq(ex_count(&net, EX_LEFT, 37, false), 1);
}

Test(dpd, no_check_while_the_peer_sends_ike_messages)
{
	/* The right end checks every 20 s: its requests reach the left within 30 s. */
	struct ex_conf l = { .conn_extra = "    dpd_delay: 30\n" };
	struct ex_conf r = { .conn_extra = "    dpd_delay: 20\n" };

	start(&l, NULL, &r, NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	ex_advance(&net, 120000, 1000);
	cr_assert_eq(ex_count(&net, EX_RIGHT, 37, false), 6);
	cr_assert_eq(ex_count(&net, EX_LEFT, 37, true), 6);
	cr_assert_eq(ex_count(&net, EX_LEFT, 37, false), 0);
	cr_assert_geq(tl_logcap_count(&cap[EX_LEFT], "IKE message from the peer"), 3);
}

/* Establishes, then the network dies until the left end declares the peer dead. */
static void kill_peer(const char *l_child)
{
	struct ex_conf l = { .conn_extra = "    dpd_delay: 30\n" };

	start(&l, l_child, &(struct ex_conf){ 0 }, NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert(established(EX_LEFT));
	cr_assert_eq(ex_count(&net, EX_LEFT, 34, false), 1);
	net.filter = drop_all;
	/* The check at 30 s, five retransmissions, given up 165 s later. */
	ex_advance(&net, 30000 + 170000, 1000);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "giving up after 5 retransmits of INFORMATIONAL"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "ESTABLISHED"), 0);
}

Test(dpd, dead_peer_clear)
{
	kill_peer("        dpd_action: clear\n");
	ex_advance(&net, 60000, 1000);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "direction"), 0);
	cr_assert_eq(ex_count(&net, EX_LEFT, 34, false), 1);
}

Test(dpd, dead_peer_trap)
{
	char *reply;

	kill_peer("        dpd_action: trap\n");
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
	/* No SA, but trap policies (in, out, fwd) wait for the next packet. */
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "protect"), 3);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "trap policies installed"), 1);
	cr_assert_eq(ex_count(&net, EX_LEFT, 34, false), 1);
	net.filter = NULL;
	reply = ex_ctl(&net, EX_LEFT, "kmem-packet out 2001:db8:1::5 2001:db8:2::9");
	cr_assert(strstr(reply, "acquire"), "%s", reply);
	free(reply);
	ex_run(&net);
	cr_assert_eq(init_attempts(EX_LEFT), 2);
	/* The peer still has the old SA; the new one comes up beside it. */
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "ESTABLISHED"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "INSTALLED"), 1);
}

Test(dpd, dead_peer_restart)
{
	kill_peer("        dpd_action: restart\n");
	/* A new IKE_SA_INIT right away; it goes through once the network is back. */
	cr_assert_eq(init_attempts(EX_LEFT), 2);
	net.filter = NULL;
	ex_advance(&net, 20000, 1000);
	cr_assert(established(EX_LEFT));
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "dpd_action for net: start"), 1);
}

Test(dpd, close_action_trap_on_child_delete)
{
	start(&(struct ex_conf){ 0 }, "        close_action: trap\n", &(struct ex_conf){ 0 }, NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert(established(EX_LEFT));
	ctl_ok(EX_RIGHT, "terminate --child net");
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "INSTALLED"), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "protect"), 3);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "close_action for net: trap"), 1);
}

Test(dpd, close_action_start_on_ike_delete)
{
	start(&(struct ex_conf){ 0 }, "        close_action: restart\n", &(struct ex_conf){ 0 }, NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert(established(EX_LEFT));
	ctl_ok(EX_RIGHT, "terminate --ike net");
	ex_run(&net);
	cr_assert_eq(init_attempts(EX_LEFT), 2);
	cr_assert(established(EX_LEFT));
	cr_assert(established(EX_RIGHT));
}

Test(dpd, close_action_none_leaves_nothing)
{
	start(&(struct ex_conf){ 0 }, NULL, &(struct ex_conf){ 0 }, NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	ctl_ok(EX_RIGHT, "terminate --ike net");
	ex_advance(&net, 10000, 1000);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "direction"), 0);
	cr_assert_eq(init_attempts(EX_LEFT), 1);
}

Test(dpd, rekey_by_the_peer_is_no_close)
{
	char line[64];

	start(&(struct ex_conf){ 0 }, "        close_action: start\n", &(struct ex_conf){ 0 }, NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	/* The right end rekeys and deletes the old child: not a close. */
	snprintf(line, sizeof(line), "kmem-expire %08x soft", spi_in(EX_RIGHT));
	ctl_ok(EX_RIGHT, line);
	ex_run(&net);
	cr_assert(established(EX_LEFT));
	cr_assert_eq(ex_count(&net, EX_RIGHT, 36, false), 1);
	cr_assert_eq(init_attempts(EX_LEFT), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "close_action"), 0);
}

Test(dpd, keyingtries_three_against_a_dead_peer)
{
	struct ex_conf l = { .conn_extra = "    keyingtries: 3\n" };

	start(&l, NULL, &(struct ex_conf){ 0 }, NULL);
	net.filter = drop_all;
	free(ex_ctl(&net, EX_LEFT, "initiate --child net"));
	/* Each attempt: the request, five retransmissions, 165 s; then 2 s to the next. */
	ex_advance(&net, 3 * 170000, 1000);
	cr_assert_eq(init_attempts(EX_LEFT), 3);
	cr_assert_eq(ex_count(&net, EX_LEFT, 34, false), 18);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "attempt 2 of 3"), 2);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "attempt 3 of 3"), 2);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "establishing failed, peer not responding"), 1);
	ex_advance(&net, 600000, 1000);
	cr_assert_eq(init_attempts(EX_LEFT), 3);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 0);
}

Test(dpd, keyingtries_default_is_one_attempt)
{
	start(&(struct ex_conf){ 0 }, NULL, &(struct ex_conf){ 0 }, NULL);
	net.filter = drop_all;
	free(ex_ctl(&net, EX_LEFT, "initiate --child net"));
	ex_advance(&net, 400000, 1000);
	cr_assert_eq(init_attempts(EX_LEFT), 1);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
}

Test(dpd, keyingtries_retry_then_establish)
{
	struct ex_conf l = { .conn_extra = "    keyingtries: 0\n" };

	start(&l, NULL, &(struct ex_conf){ 0 }, NULL);
	net.filter = drop_all;
	free(ex_ctl(&net, EX_LEFT, "initiate --child net"));
	ex_advance(&net, 2 * 170000, 1000);
	cr_assert_eq(init_attempts(EX_LEFT), 3);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "no limit"), 2);
	net.filter = NULL;
	ex_advance(&net, 170000, 1000);
	cr_assert(established(EX_LEFT));
	cr_assert(established(EX_RIGHT));
}

/* keyingtries: 3 against a peer that answers with an error: one attempt only. */
static void no_retry_after_error(const struct ex_conf *r, uint8_t failing_exchange)
{
	struct ex_conf l = { .conn_extra = "    keyingtries: 3\n" };

	start(&l, NULL, r, NULL);
	free(ex_ctl(&net, EX_LEFT, "initiate --child net"));
	ex_advance(&net, 400000, 1000);
	cr_assert_eq(init_attempts(EX_LEFT), 1);
	cr_assert_eq(ex_count(&net, EX_LEFT, failing_exchange, false), 1);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
}

Test(dpd, keyingtries_no_retry_on_no_proposal_chosen)
{
	no_retry_after_error(&(struct ex_conf){ .proposals = "aes256-sha384-modp3072" }, 34);
}

Test(dpd, keyingtries_no_retry_on_authentication_failed)
{
	no_retry_after_error(&(struct ex_conf){ .psk = "another secret" }, 35);
}

/* The IKE SA is still up: the child comes back by CREATE_CHILD_SA on it. */
Test(dpd, close_action_start_on_child_delete_uses_the_ike_sa)
{
	start(&(struct ex_conf){ 0 }, "        close_action: start\n", &(struct ex_conf){ 0 }, NULL);
	ctl_ok(EX_LEFT, "initiate --child net");
	cr_assert(established(EX_LEFT));
	ctl_ok(EX_RIGHT, "terminate --child net");
	ex_advance(&net, 2000, 100);
	cr_assert(established(EX_LEFT));
	cr_assert(established(EX_RIGHT));
	cr_assert_eq(init_attempts(EX_LEFT), 1, "a new IKE SA was made for the child");
	cr_assert_eq(ex_count(&net, EX_LEFT, 36, false), 1, "no CREATE_CHILD_SA from the left");
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "close_action for net: start"), 1);
}
