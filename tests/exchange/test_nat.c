/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NAT traversal and cookies: NAT detection when the network rewrites the
 * initiator's address and port, the move to port 4500, UDP-encapsulated
 * child SAs, keepalives, `encap: true`; the responder's COOKIE above its
 * half-open threshold.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"

enum { EXCH_SA_INIT = 34, EXCH_AUTH = 35, N_COOKIE = 16390 };

#define NAT_PUBLIC "2001:db8::99"
#define NAT_PORT_OFFSET 40000

static struct ex_net net;

static void stop(void)
{
	ex_stop(&net);
}

/* Left sits behind a NAT: its address becomes NAT_PUBLIC, port p becomes p + 40000. */
static enum ex_action nat_filter(struct ex_net *n, struct ex_pkt *pkt, void *ctx)
{
	struct cg_addr pub;

	(void)ctx;
	cg_addr_parse(NAT_PUBLIC, &pub);
	if (pkt->from == EX_LEFT) {
		pub.port = pkt->src.port + NAT_PORT_OFFSET;
		pkt->src = pub;
	} else if (cg_addr_equal(&pkt->dst, &pub)) {
		uint16_t port = pkt->dst.port - NAT_PORT_OFFSET;

		pkt->dst = n->addr[EX_LEFT];
		pkt->dst.port = port;
	}
	return EX_DELIVER;
}

static char *yaml_with(int side, const struct ex_conf *c, const char *from, const char *to,
		       const char *tail)
{
	char *y = ex_yaml(side, c), *out, *at;

	at = from ? strstr(y, from) : NULL;
	if (from)
		cr_assert_not_null(at);
	if (asprintf(&out, "%.*s%s%s%s", at ? (int)(at - y) : (int)strlen(y), y, at ? to : "",
		     at ? at + strlen(from) : "", tail ? tail : "") < 0)
		abort();
	free(y);
	return out;
}

static void start_nat(const struct ex_conf *l, const struct ex_conf *r, bool nat)
{
	char *ly = ex_yaml(EX_LEFT, l);
	/* Right takes the peer from anywhere in the prefix: the NAT's address. */
	char *ry = yaml_with(EX_RIGHT, r, "remote_addrs: [2001:db8::1]",
			     "remote_addrs: [2001:db8::/64]", NULL);

	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
	if (nat)
		net.filter = nat_filter;
}

static void initiate(void)
{
	char *reply = ex_ctl(&net, EX_LEFT, "initiate --child net");

	cr_assert(!strncmp(reply, "ok", 2), "%s", reply);
	free(reply);
}

static size_t count(int side, const char *cmd, const char *needle)
{
	return ex_ctl_count(&net, side, cmd, needle);
}

/* Messages of an exchange a side sent with these ports. */
static size_t sent_with_ports(int side, uint8_t exchange, uint16_t sport, uint16_t dport)
{
	size_t n = 0;

	for (size_t i = 0; i < net.n_log; i++) {
		const struct ex_pkt *p = &net.log[i];

		if (p->from == side && ex_exchange(p) == exchange && p->src.port == sport &&
		    p->dst.port == dport)
			n++;
	}
	return n;
}

static size_t keepalives(int side)
{
	size_t n = 0;

	for (size_t i = 0; i < net.n_log; i++)
		n += net.log[i].from == side && net.log[i].len == 1 && net.log[i].data[0] == 0xff;
	return n;
}

TestSuite(nat, .fini = stop, .timeout = 60);

Test(nat, detected_behind_a_rewriting_network)
{
	char encap[64];

	start_nat(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 }, true);
	initiate();
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(count(i, "list-sas", "ESTABLISHED"), 1, "side %d", i);
		cr_assert_eq(count(i, "list-sas", "INSTALLED"), 1, "side %d", i);
	}
	/* IKE_SA_INIT on 500; IKE_AUTH both ways on 4500 (behind the marker). */
	cr_assert_eq(sent_with_ports(EX_LEFT, EXCH_SA_INIT, 500, 500), 1);
	cr_assert_eq(sent_with_ports(EX_LEFT, EXCH_AUTH, 4500, 4500), 1);
	cr_assert_eq(sent_with_ports(EX_RIGHT, EXCH_AUTH, 4500, 4500 + NAT_PORT_OFFSET), 1);
	/* UDP-encapsulated SAs with the ports each side sees. */
	cr_assert_eq(count(EX_LEFT, "kmem-dump", "encap_sport"), 2);
	cr_assert_eq(count(EX_RIGHT, "kmem-dump", "encap_sport"), 2);
	snprintf(encap, sizeof(encap), "%u", 4500 + NAT_PORT_OFFSET);
	cr_assert_eq(count(EX_RIGHT, "kmem-dump", encap), 2, "right encapsulates to the NAT's port");
	cr_assert_eq(count(EX_LEFT, "kmem-dump", encap), 0);
	/* Left, behind the NAT, keeps the mapping alive every 20 s; right does not. */
	ex_advance(&net, 41000, 1000);
	cr_assert_eq(keepalives(EX_LEFT), 2);
	cr_assert_eq(keepalives(EX_RIGHT), 0);
	/* A child rekey over NAT-T keeps the encapsulation. */
	{
		char *dump = tl_ctl(net.core[EX_LEFT], "list-sas"), line[64];
		const char *at = strstr(dump, "spi-in");
		char spi[9] = "";

		cr_assert_not_null(at);
		sscanf(at, "spi-in%*[^0-9a-f]%8[0-9a-f]", spi);
		free(dump);
		snprintf(line, sizeof(line), "kmem-expire %s soft", spi);
		free(ex_ctl(&net, EX_LEFT, line));
	}
	cr_assert_eq(count(EX_RIGHT, "kmem-dump", "direction"), 2);
	cr_assert_eq(count(EX_RIGHT, "kmem-dump", encap), 2);
}

/* Without MOBIKE (which moves to port 4500 in IKE_AUTH, as charon does: test_mobike.c). */
Test(nat, no_nat_stays_on_500)
{
	start_nat(&(struct ex_conf){ .conn_extra = "    mobike: no\n" }, &(struct ex_conf){ 0 },
		  false);
	initiate();
	cr_assert_eq(count(EX_RIGHT, "list-sas", "INSTALLED"), 1);
	cr_assert_eq(sent_with_ports(EX_LEFT, EXCH_AUTH, 500, 500), 1);
	cr_assert_eq(count(EX_LEFT, "kmem-dump", "encap_sport"), 0);
	cr_assert_eq(count(EX_RIGHT, "kmem-dump", "encap_sport"), 0);
	ex_advance(&net, 41000, 1000);
	cr_assert_eq(keepalives(EX_LEFT), 0);
}

Test(nat, encap_forces_udp_encapsulation)
{
	struct ex_conf l = { .conn_extra = "    encap: true\n" };

	start_nat(&l, &(struct ex_conf){ 0 }, false);
	initiate();
	cr_assert_eq(count(EX_RIGHT, "list-sas", "INSTALLED"), 1);
	cr_assert_eq(sent_with_ports(EX_LEFT, EXCH_AUTH, 4500, 4500), 1);
	cr_assert_eq(sent_with_ports(EX_RIGHT, EXCH_AUTH, 4500, 4500), 1);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(count(i, "kmem-dump", "encap_sport"), 2, "side %d", i);
}

/*
 * COOKIE.
 */

static bool drop_left_auth;

static enum ex_action cookie_filter(struct ex_net *n, struct ex_pkt *pkt, void *ctx)
{
	(void)n;
	(void)ctx;
	return drop_left_auth && pkt->from == EX_LEFT && ex_exchange(pkt) == EXCH_AUTH ? EX_DROP
										      : EX_DELIVER;
}

static size_t init_with_cookie(int side, bool response)
{
	size_t n = 0;

	for (size_t i = 0; i < net.n_log; i++) {
		const struct ex_pkt *p = &net.log[i];

		n += p->from == side && ex_exchange(p) == EXCH_SA_INIT &&
		     ex_is_response(p) == response && ex_has_notify(p, N_COOKIE, NULL, NULL);
	}
	return n;
}

static void start_cookie(unsigned threshold)
{
	char tail[64], *ly = ex_yaml(EX_LEFT, &(struct ex_conf){ 0 }), *ry;

	snprintf(tail, sizeof(tail), "ike2:\n  cookie_threshold: %u\n", threshold);
	ry = yaml_with(EX_RIGHT, &(struct ex_conf){ 0 }, NULL, NULL, tail);
	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
	net.filter = cookie_filter;
}

Test(nat, cookie_demanded_above_the_threshold)
{
	start_cookie(1);
	/* A first negotiation stays half-open at right. */
	drop_left_auth = true;
	initiate();
	drop_left_auth = false;
	cr_assert_eq(init_with_cookie(EX_RIGHT, true), 0, "no cookie below the threshold");
	/* The next one must come back with a cookie, and then succeeds. */
	initiate();
	cr_assert_eq(init_with_cookie(EX_RIGHT, true), 1);
	cr_assert_eq(init_with_cookie(EX_LEFT, false), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "ESTABLISHED"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "INSTALLED"), 1);
}

Test(nat, no_cookie_below_the_threshold)
{
	start_cookie(2);
	drop_left_auth = true;
	initiate();
	drop_left_auth = false;
	initiate();
	cr_assert_eq(init_with_cookie(EX_RIGHT, true), 0);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "ESTABLISHED"), 1);
}

Test(nat, forged_cookie_is_refused)
{
	uint8_t msg[512];
	size_t len = 0;

	start_cookie(1);
	drop_left_auth = true;
	initiate();
	/* Replay left's IKE_SA_INIT with a made-up cookie in front. */
	for (size_t i = 0; i < net.n_log && !len; i++)
		if (net.log[i].from == EX_LEFT && ex_exchange(&net.log[i]) == EXCH_SA_INIT &&
		    net.log[i].len + 12 <= sizeof(msg)) {
			const struct ex_pkt *p = &net.log[i];
			uint8_t note[12] = { p->data[16], 0, 0, 12, 0, 0, 0x40, 0x06, 1, 2, 3, 4 };

			memcpy(msg, p->data, 28);
			msg[16] = 41; /* first payload: the notify */
			memcpy(msg + 28, note, sizeof(note));
			memcpy(msg + 40, p->data + 28, p->len - 28);
			len = p->len + 12;
			msg[24] = (uint8_t)(len >> 24);
			msg[25] = (uint8_t)(len >> 16);
			msg[26] = (uint8_t)(len >> 8);
			msg[27] = (uint8_t)len;
			msg[0] ^= 0x55; /* another SPIi: not a retransmission */
		}
	cr_assert_neq(len, 0);
	ex_inject(&net, EX_LEFT, msg, len);
	cr_assert_eq(init_with_cookie(EX_RIGHT, true), 1, "the forged cookie was accepted");
	cr_assert_eq(count(EX_RIGHT, "list-sas", "CONNECTING"), 1);
}
