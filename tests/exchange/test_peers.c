/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Several peers behind one responder connection (remote id %any): the
 * INITIAL_CONTACT / `unique` cleanup finds the SAs of the one peer it is
 * about, by identity, and leaves the others alone; and another child of a
 * connection that is up comes with CREATE_CHILD_SA on its IKE SA.
 *
 * Left plays the peers: one connection per identity (peer-a, peer-b,
 * peer-c), each with its own subnet, and "two" (peer-d) with two children.
 * Right is the gateway: one connection for all of them.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "exnet.h"

enum { EXCH_SA_INIT = 34, EXCH_AUTH = 35, EXCH_CREATE_CHILD_SA = 36 };

#define PSK "a shared secret for the peers"

static const char left_yaml[] =
	"daemon:\n"
	"  plugins: [crypto-nettle, kernel-memory, ike2]\n"
	"connections:\n"
	"  a:\n"
	"    local_addrs: [2001:db8::1]\n"
	"    remote_addrs: [2001:db8::2]\n"
	"    local: { auth: psk, id: peer-a }\n"
	"    remote: { auth: psk, id: gw }\n"
	"    children:\n"
	"      a: { local_ts: [\"2001:db8:1:a::/64\"], remote_ts: [\"2001:db8:2::/64\"] }\n"
	"  b:\n"
	"    local_addrs: [2001:db8::1]\n"
	"    remote_addrs: [2001:db8::2]\n"
	"    local: { auth: psk, id: peer-b }\n"
	"    remote: { auth: psk, id: gw }\n"
	"    children:\n"
	"      b: { local_ts: [\"2001:db8:1:b::/64\"], remote_ts: [\"2001:db8:2::/64\"] }\n"
	"  c:\n"
	"    local_addrs: [2001:db8::1]\n"
	"    remote_addrs: [2001:db8::2]\n"
	"    local: { auth: psk, id: peer-c }\n"
	"    remote: { auth: psk, id: gw }\n"
	"    children:\n"
	"      c: { local_ts: [\"2001:db8:1:c::/64\"], remote_ts: [\"2001:db8:2::/64\"] }\n"
	"  two:\n"
	"    local_addrs: [2001:db8::1]\n"
	"    remote_addrs: [2001:db8::2]\n"
	"    local: { auth: psk, id: peer-d }\n"
	"    remote: { auth: psk, id: gw }\n"
	"    children:\n"
	"      d1: { local_ts: [\"2001:db8:1:d1::/64\"], remote_ts: [\"2001:db8:2::/64\"] }\n"
	"      d2:\n"
	"        local_ts: [\"2001:db8:1:d2::/64\"]\n"
	"        remote_ts: [\"2001:db8:2::/64\"]\n"
	"        esp_proposals: [aes128gcm16-x25519]\n"
	"      d3: { local_ts: [\"2001:db8:9::/64\"], remote_ts: [\"2001:db8:2::/64\"] }\n"
	"      d4:\n"
	"        local_ts: [\"2001:db8:1:d4::/64\"]\n"
	"        remote_ts: [\"2001:db8:2::/64\"]\n"
	"        start_action: trap\n"
	"secrets:\n"
	"  - { type: psk, ids: [peer-a, gw], secret: \"" PSK "\" }\n"
	"  - { type: psk, ids: [peer-b, gw], secret: \"" PSK "\" }\n"
	"  - { type: psk, ids: [peer-c, gw], secret: \"" PSK "\" }\n"
	"  - { type: psk, ids: [peer-d, gw], secret: \"" PSK "\" }\n";

static const char right_yaml[] =
	"daemon:\n"
	"  plugins: [crypto-nettle, kernel-memory, ike2]\n"
	"connections:\n"
	"  gw:\n"
	"    local_addrs: [2001:db8::2]\n"
	"    remote_addrs: [\"%any\"]\n"
	"    local: { auth: psk, id: gw }\n"
	"    remote: { auth: psk, id: \"%any\" }\n"
	"    unique: replace\n"
	"    children:\n"
	"      net:\n"
	"        local_ts: [\"2001:db8:2::/64\"]\n"
	"        remote_ts: [\"2001:db8:1::/48\"]\n"
	"        esp_proposals: [aes128gcm16-x25519, aes128gcm16]\n"
	"secrets:\n"
	"  - { type: psk, ids: [peer-a, gw], secret: \"" PSK "\" }\n"
	"  - { type: psk, ids: [peer-b, gw], secret: \"" PSK "\" }\n"
	"  - { type: psk, ids: [peer-c, gw], secret: \"" PSK "\" }\n"
	"  - { type: psk, ids: [peer-d, gw], secret: \"" PSK "\" }\n";

struct counts {
	uint32_t ike_up, ike_down, child_up, child_down;
};

static struct ex_net net;
static struct counts ev[2];
static struct cg_bus_sub *subs[2];

static void on_event(void *ctx, const struct cg_event *e)
{
	struct counts *c = ctx;

	switch (e->type) {
	case CG_EV_IKE_UP: c->ike_up++; break;
	case CG_EV_IKE_DOWN: c->ike_down++; break;
	case CG_EV_CHILD_UP: c->child_up++; break;
	case CG_EV_CHILD_DOWN: c->child_down++; break;
	default: break;
	}
}

static void subscribe(int side)
{
	memset(&ev[side], 0, sizeof(ev[side]));
	cr_assert_eq(cg_bus_subscribe(net.core[side], CG_EV_ALL, CG_BUS_SYNC, on_event, &ev[side],
				      &subs[side]), 0);
}

static void start(void)
{
	ex_start(&net, left_yaml, right_yaml);
	for (int i = 0; i < 2; i++)
		subscribe(i);
}

static void stop(void)
{
	for (int i = 0; i < 2; i++)
		if (net.core[i])
			cg_bus_unsubscribe(net.core[i], subs[i]);
	ex_stop(&net);
}

static void ctl_ok(int side, const char *line)
{
	ex_ctl_ok(&net, side, line);
}

static size_t count(int side, const char *cmd, const char *needle)
{
	return ex_ctl_count(&net, side, cmd, needle);
}

/* Right's IKE SAs with the peer that calls itself id. */
static size_t sas_of(const char *id)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "\"remote-id\": \"%s\"", id);
	return count(EX_RIGHT, "list-sas --json", needle);
}

static void three_peers(void)
{
	ctl_ok(EX_LEFT, "initiate --child a");
	ctl_ok(EX_LEFT, "initiate --child b");
	ctl_ok(EX_LEFT, "initiate --child c");
	cr_assert_eq(count(EX_RIGHT, "list-sas", "ESTABLISHED"), 3);
	cr_assert_eq(sas_of("peer-a"), 1);
	cr_assert_eq(sas_of("peer-b"), 1);
	cr_assert_eq(sas_of("peer-c"), 1);
}

TestSuite(peers, .fini = stop, .timeout = 60);

Test(peers, unique_replace_touches_only_the_duplicate_identity)
{
	start();
	three_peers();
	/* A second IKE SA of peer-b: right replaces the older one of peer-b only. */
	ctl_ok(EX_LEFT, "initiate --ike b --child b");
	cr_assert_eq(ev[EX_RIGHT].ike_up, 4);
	cr_assert_eq(ev[EX_RIGHT].ike_down, 1);
	cr_assert_eq(ev[EX_RIGHT].child_down, 1);
	cr_assert_eq(sas_of("peer-a"), 1);
	cr_assert_eq(sas_of("peer-b"), 1);
	cr_assert_eq(sas_of("peer-c"), 1);
	cr_assert_eq(count(EX_LEFT, "list-sas", "ESTABLISHED"), 3);
	cr_assert_eq(ev[EX_LEFT].ike_down, 1);
}

Test(peers, initial_contact_from_one_identity_keeps_the_others)
{
	start();
	three_peers();
	/* Left forgets everything; its first IKE SA as peer-c says INITIAL_CONTACT. */
	cg_bus_unsubscribe(net.core[EX_LEFT], subs[EX_LEFT]);
	ex_restart(&net, EX_LEFT, left_yaml);
	subscribe(EX_LEFT);
	memset(&ev[EX_RIGHT], 0, sizeof(ev[EX_RIGHT]));
	ctl_ok(EX_LEFT, "initiate --child c");
	cr_assert_eq(ev[EX_RIGHT].ike_up, 1);
	cr_assert_eq(ev[EX_RIGHT].ike_down, 1, "only peer-c's stale SA goes");
	cr_assert_eq(sas_of("peer-a"), 1);
	cr_assert_eq(sas_of("peer-b"), 1);
	cr_assert_eq(sas_of("peer-c"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "ESTABLISHED"), 3);
}

Test(peers, rekeyed_sa_takes_the_place_of_the_old_one)
{
	start();
	three_peers();
	ctl_ok(EX_RIGHT, "rekey --ike gw");
	cr_assert_eq(count(EX_RIGHT, "list-sas", "ESTABLISHED"), 3);
	/* The index now knows the successor: a duplicate of it is still found. */
	memset(&ev[EX_RIGHT], 0, sizeof(ev[EX_RIGHT]));
	ctl_ok(EX_LEFT, "initiate --ike a --child a");
	ctl_ok(EX_LEFT, "initiate --ike b --child b");
	ctl_ok(EX_LEFT, "initiate --ike c --child c");
	cr_assert_eq(ev[EX_RIGHT].ike_down, 3);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "ESTABLISHED"), 3);
}

Test(peers, second_child_goes_onto_the_established_ike_sa)
{
	start();
	ctl_ok(EX_LEFT, "initiate --child d1");
	/* d2 asks for PFS (x25519): the exchange carries a KE payload. */
	ctl_ok(EX_LEFT, "initiate --child d2");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(count(i, "list-sas", "ESTABLISHED"), 1, "side %d", i);
		cr_assert_eq(count(i, "list-sas", "INSTALLED"), 2, "side %d", i);
		cr_assert_eq(ev[i].ike_up, 1, "side %d", i);
		cr_assert_eq(ev[i].child_up, 2, "side %d", i);
	}
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_SA_INIT, false), 1);
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_AUTH, false), 1);
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_CREATE_CHILD_SA, false), 1);
	cr_assert_eq(ex_count(&net, EX_RIGHT, EXCH_CREATE_CHILD_SA, true), 1);
	cr_assert_eq(count(EX_LEFT, "list-sas", "2001:db8:1:d2::/64"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "2001:db8:1:d2::/64"), 1);
	/* Both children carry traffic in the in-memory kernel. */
	cr_assert_eq(count(EX_LEFT, "kmem-packet out 2001:db8:1:d1::1 2001:db8:2::1",
			   "verdict: protect"), 1);
	cr_assert_eq(count(EX_LEFT, "kmem-packet out 2001:db8:1:d2::1 2001:db8:2::1",
			   "verdict: protect"), 1);
}

Test(peers, refused_extra_child_leaves_the_ike_sa_up)
{
	char *reply;

	start();
	ctl_ok(EX_LEFT, "initiate --child d1");
	/* d3's subnet is not one right serves: TS_UNACCEPTABLE, nothing installed. */
	reply = ex_ctl(&net, EX_LEFT, "initiate --child d3");
	free(reply);
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_SA_INIT, false), 1);
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_CREATE_CHILD_SA, false), 1);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(count(i, "list-sas", "ESTABLISHED"), 1, "side %d", i);
		cr_assert_eq(count(i, "list-sas", "INSTALLED"), 1, "side %d", i);
	}
	/* The SPI reserved for d3 went back: only d1's two SAs in the kernel. */
	cr_assert_eq(count(EX_LEFT, "kmem-dump", "direction"), 2);
	/* The IKE SA still works for another child. */
	ctl_ok(EX_LEFT, "initiate --child d2");
	cr_assert_eq(count(EX_LEFT, "list-sas", "INSTALLED"), 2);
}

Test(peers, initiate_with_ike_opens_a_new_ike_sa)
{
	start();
	ctl_ok(EX_LEFT, "initiate --child d1");
	ctl_ok(EX_LEFT, "initiate --ike two --child d2");
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_SA_INIT, false), 2);
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_CREATE_CHILD_SA, false), 0);
}

Test(peers, acquire_for_a_trapped_child_uses_the_established_ike_sa)
{
	char *reply;

	start();
	ctl_ok(EX_LEFT, "initiate --child d1");
	reply = ex_ctl(&net, EX_LEFT, "kmem-packet out 2001:db8:1:d4::5 2001:db8:2::9");
	cr_assert(strstr(reply, "acquire"), "%s", reply);
	free(reply);
	ex_run(&net);
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_SA_INIT, false), 1);
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_CREATE_CHILD_SA, false), 1);
	cr_assert_eq(count(EX_LEFT, "list-sas", "INSTALLED"), 2);
	reply = ex_ctl(&net, EX_LEFT, "kmem-packet out 2001:db8:1:d4::5 2001:db8:2::9");
	cr_assert(strstr(reply, "protect"), "%s", reply);
	free(reply);
}
