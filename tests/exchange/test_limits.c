/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an unauthenticated peer can cost the responder: half-open IKE SAs
 * limited per address and in all while a legitimate initiator is still
 * served, the counts given back when they expire, and a bounded number of
 * log lines however many messages are refused.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"

enum { EXCH_SA_INIT = 34 };

static struct ex_net net;
static struct tl_logcap cap, info;
/* Left's first IKE_SA_INIT request, sent again from elsewhere with other SPIs. */
static uint8_t tmpl[1024];
static size_t tmpl_len;
static uint32_t flood_seq;

static void stop(void)
{
	tl_logcap_stop(&cap);
	tl_logcap_stop(&info);
	ex_stop(&net);
}

TestSuite(limits, .fini = stop, .timeout = 60);

/* Right accepts peers from the whole prefix, with cookies off and these daemon keys. */
static void start(const char *daemon_keys)
{
	char *ly = ex_yaml(EX_LEFT, &(struct ex_conf){ 0 });
	char *ry = ex_yaml(EX_RIGHT, &(struct ex_conf){ 0 }), *out;
	const char *from = "remote_addrs: [2001:db8::1]", *at = strstr(ry, from);
	const char *plugins = "  plugins: [crypto-nettle, kernel-memory, ike2]\n";
	const char *pl = strstr(ry, plugins);

	cr_assert(at && pl && pl < at);
	if (asprintf(&out, "%.*s%s%s%.*sremote_addrs: [2001:db8::/32]%s"
		     "ike2:\n  cookie_threshold: 0\n",
		     (int)(pl - ry), ry, plugins, daemon_keys, (int)(at - pl - strlen(plugins)),
		     pl + strlen(plugins), at + strlen(from)) < 0)
		abort();
	ex_start(&net, ly, out);
	free(ly);
	free(ry);
	free(out);
	tl_logcap_start(&cap, net.core[EX_RIGHT], CG_LVL_DEBUG);
	tl_logcap_start(&info, net.core[EX_RIGHT], CG_LVL_INFO);
}

static bool initiate(void)
{
	char *reply = ex_ctl(&net, EX_LEFT, "initiate --child net");
	bool ok = !strncmp(reply, "ok", 2);

	free(reply);
	ex_run(&net);
	return ok && ex_ctl_count(&net, EX_LEFT, "list-sas", "ESTABLISHED") > 0;
}

/* Takes left's IKE_SA_INIT request from the log as the flood's template. */
static void take_template(void)
{
	for (size_t i = 0; i < net.n_log && !tmpl_len; i++) {
		const struct ex_pkt *p = &net.log[i];

		if (p->from == EX_LEFT && ex_exchange(p) == EXCH_SA_INIT && !ex_is_response(p) &&
		    p->len <= sizeof(tmpl)) {
			memcpy(tmpl, p->data, p->len);
			tmpl_len = p->len;
		}
	}
	cr_assert_neq(tmpl_len, 0);
}

/* n fresh IKE_SA_INIT requests to right from 2001:db8:f::ADDR, each with its own SPIi. */
static void flood_from(unsigned addr, unsigned n)
{
	struct cg_addr src, dst = net.addr[EX_RIGHT];
	char text[64];

	snprintf(text, sizeof(text), "2001:db8:f::%x", addr);
	cr_assert_eq(cg_addr_parse(text, &src), 0);
	src.port = 500;
	dst.port = 500;
	for (unsigned i = 0; i < n; i++) {
		flood_seq++;
		memcpy(tmpl, "flood", 5);
		memcpy(tmpl + 4, &flood_seq, sizeof(flood_seq));
		cg_ike_inject(net.core[EX_RIGHT], &src, &dst, tmpl, tmpl_len);
	}
	ex_run(&net);
}

static size_t half_open_from(unsigned addr)
{
	struct cg_addr a;
	char text[64];

	snprintf(text, sizeof(text), "2001:db8:f::%x", addr);
	cr_assert_eq(cg_addr_parse(text, &a), 0);
	return cg_sa_count_half_open_from(net.core[EX_RIGHT], &a);
}

Test(limits, per_address_limit_keeps_the_rest_served)
{
	start("  half_open_per_address: 3\n");
	cr_assert(initiate());
	take_template();
	flood_from(1, 10);
	cr_assert_eq(half_open_from(1), 3);
	cr_assert_eq(cg_sa_count_half_open(net.core[EX_RIGHT]), 3);
	cr_assert_eq(tl_logcap_count(&cap, "too many half-open IKE SAs from this address"), 7);
	flood_from(2, 2);
	cr_assert_eq(half_open_from(2), 2);
	/* A legitimate initiator, from its own address, during the flood. */
	ex_ctl_ok(&net, EX_LEFT, "terminate --ike net");
	ex_run(&net);
	cr_assert(initiate());
	/* Expired half-open SAs give their address's count back. */
	ex_advance(&net, 31000, 1000);
	cr_assert_eq(cg_sa_count_half_open(net.core[EX_RIGHT]), 0);
	cr_assert_eq(half_open_from(1), 0);
	flood_from(1, 1);
	cr_assert_eq(half_open_from(1), 1);
}

Test(limits, global_limit)
{
	start("  half_open_limit: 4\n  half_open_per_address: 0\n");
	cr_assert(initiate());
	take_template();
	for (unsigned a = 1; a <= 6; a++)
		flood_from(a, 2);
	cr_assert_eq(cg_sa_count_half_open(net.core[EX_RIGHT]), 4);
	cr_assert_eq(tl_logcap_count(&cap, "too many half-open IKE SAs"), 8);
	/* Full: a newcomer waits until the half-open SAs time out. */
	ex_ctl_ok(&net, EX_LEFT, "terminate --ike net");
	ex_run(&net);
	cr_assert(!initiate());
	cr_assert_eq(cg_sa_count_half_open(net.core[EX_RIGHT]), 4);
	ex_advance(&net, 31000, 1000);
	cr_assert_eq(cg_sa_count_half_open(net.core[EX_RIGHT]), 0);
	ex_advance(&net, 60000, 5000);
	cr_assert(initiate());
}

Test(limits, defaults_bound_a_flood)
{
	start("");
	cr_assert(initiate());
	take_template();
	for (unsigned a = 1; a <= 50; a++)
		flood_from(a, 30);
	cr_assert_eq(cg_sa_count_half_open(net.core[EX_RIGHT]), 50 * 20);
	ex_ctl_ok(&net, EX_LEFT, "terminate --ike net");
	ex_run(&net);
	cr_assert(initiate());
}

Test(limits, refusals_are_summarised)
{
	start("  half_open_per_address: 2\n");
	cr_assert(initiate());
	take_template();
	for (unsigned a = 1; a <= 40; a++)
		flood_from(a, 50);
	cr_assert_eq(cg_sa_count_half_open(net.core[EX_RIGHT]), 80);
	/* 1920 drops: ten lines at INFO, each one at DEBUG. */
	cr_assert_eq(tl_logcap_count(&info, "dropped: too many half-open"), 10);
	cr_assert_eq(tl_logcap_count(&cap, "dropped: too many half-open"), 1920);
	cr_assert_eq(tl_logcap_count(&info, "refused"), 0);
	ex_advance(&net, 10000, 1000);
	cr_assert_eq(tl_logcap_count(&info, "refused 1920 IKE_SA_INIT from 40 addresses in the last "
					     "10 s: 1920 too many half-open IKE SAs from this "
					     "address"), 1);
	/* Quiet again: nothing more to sum up, and the next refusal is logged in full. */
	ex_advance(&net, 15000, 1000);
	cr_assert_eq(tl_logcap_count(&info, "refused"), 1);
	cr_assert_eq(half_open_from(1), 2);
	flood_from(1, 1);
	cr_assert_eq(tl_logcap_count(&info, "dropped: too many half-open"), 11);
}
