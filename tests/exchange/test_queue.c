/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Work queued behind an exchange under way: more children, child rekeys
 * and child deletes than any fixed number, asked for while a request is
 * out or while the IKE SA is being rekeyed, all done at both ends.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exnet.h"

#define N_CHILDREN 12

struct events {
	uint32_t ike_rekeyed, ike_down;
	uint32_t child_up, child_rekeyed, child_down;
};

static void on_event(void *ctx, const struct cg_event *e)
{
	struct events *ev = ctx;

	switch (e->type) {
	case CG_EV_IKE_REKEYED: ev->ike_rekeyed++; break;
	case CG_EV_IKE_DOWN: ev->ike_down++; break;
	case CG_EV_CHILD_UP: ev->child_up++; break;
	case CG_EV_CHILD_REKEYED: ev->child_rekeyed++; break;
	case CG_EV_CHILD_DOWN: ev->child_down++; break;
	default: break;
	}
}

static struct ex_net net;
static struct events ev[2];
static struct cg_bus_sub *subs[2];

/* One connection with N_CHILDREN children c0.., each its own pair of subnets. */
static char *queue_yaml(int side)
{
	const char *me = side ? "2001:db8::2" : "2001:db8::1";
	const char *peer = side ? "2001:db8::1" : "2001:db8::2";
	const char *my_id = side ? "right" : "left";
	const char *peer_id = side ? "left" : "right";
	char *yaml = NULL, *children = strdup(""), *next;

	cr_assert(children);
	for (int i = 0; i < N_CHILDREN; i++) {
		cr_assert(asprintf(&next,
				   "%s"
				   "      c%d:\n"
				   "        local_ts: [2001:db8:%d:%x::/64]\n"
				   "        remote_ts: [2001:db8:%d:%x::/64]\n"
				   "        esp_proposals: [aes128gcm16]\n",
				   children, i, side ? 2 : 1, i, side ? 1 : 2, i) >= 0);
		free(children);
		children = next;
	}
	cr_assert(asprintf(&yaml,
			   "daemon:\n"
			   "  plugins: [crypto-nettle, kernel-memory, ike2]\n"
			   "connections:\n"
			   "  net:\n"
			   "    local_addrs: [%s]\n"
			   "    remote_addrs: [%s]\n"
			   "    proposals: [aes128gcm16-prfsha256-x25519]\n"
			   "    local: { auth: psk, id: %s }\n"
			   "    remote: { auth: psk, id: %s }\n"
			   "    children:\n"
			   "%s"
			   "secrets:\n"
			   "  - { type: psk, ids: [%s, %s], secret: \"a shared secret\" }\n",
			   me, peer, my_id, peer_id, children, my_id, peer_id) >= 0);
	free(children);
	return yaml;
}

static void start(void)
{
	char *ly = queue_yaml(EX_LEFT), *ry = queue_yaml(EX_RIGHT);

	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
	for (int i = 0; i < 2; i++) {
		memset(&ev[i], 0, sizeof(ev[i]));
		cr_assert_eq(cg_bus_subscribe(net.core[i], CG_EV_ALL, CG_BUS_SYNC, on_event, &ev[i],
					      &subs[i]), 0);
	}
}

static void stop(void)
{
	for (int i = 0; i < 2; i++)
		if (net.core[i])
			cg_bus_unsubscribe(net.core[i], subs[i]);
	ex_stop(&net);
}

/* Runs a command without delivering what it sends: the request stays out. */
static void ctl_quiet(int side, const char *line)
{
	char *reply = tl_ctl(net.core[side], line);

	cr_assert(!strncmp(reply, "ok", 2), "%s: %s", line, reply);
	free(reply);
}

/* "<verb> --child c<n>" */
static void ctl_quiet_child(int side, const char *verb, int n)
{
	char line[64];

	snprintf(line, sizeof(line), "%s --child c%d", verb, n);
	ctl_quiet(side, line);
}

static size_t count(int side, const char *cmd, const char *needle)
{
	return ex_ctl_count(&net, side, cmd, needle);
}

/* Both ends hold one IKE SA with n children whose kernel SAs pair up. */
static void assert_children(size_t n)
{
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(count(i, "list-sas", "ESTABLISHED"), 1, "side %d: IKE SAs", i);
		cr_assert_eq(count(i, "list-sas", "INSTALLED"), n, "side %d: children", i);
		cr_assert_eq(count(i, "kmem-dump", "direction"), 2 * n, "side %d: kernel SAs", i);
	}
	cr_assert_eq(ex_assert_keys_match(&net), 2 * n, "the SAs do not pair up");
}

/* All children up, one exchange after the other. */
static void establish_all(void)
{
	char line[64];

	start();
	for (int i = 0; i < N_CHILDREN; i++) {
		snprintf(line, sizeof(line), "initiate --child c%d", i);
		ex_ctl_ok(&net, EX_LEFT, line);
	}
	assert_children(N_CHILDREN);
}

TestSuite(queue, .fini = stop, .timeout = 60);

Test(queue, children_asked_for_while_one_is_under_way)
{
	start();
	ex_ctl_ok(&net, EX_LEFT, "initiate --child c0");
	assert_children(1);
	ctl_quiet_child(EX_LEFT, "rekey", 0);
	for (int i = 1; i < N_CHILDREN; i++)
		ctl_quiet_child(EX_LEFT, "initiate", i);
	ex_run(&net);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].child_up, N_CHILDREN, "side %d: children up", i);
		cr_assert_eq(ev[i].child_rekeyed, 1, "side %d: child rekeyed", i);
	}
	assert_children(N_CHILDREN);
}

Test(queue, child_rekeys_during_an_ike_rekey)
{
	establish_all();
	ctl_quiet(EX_LEFT, "rekey --ike net");
	for (int i = 0; i < N_CHILDREN; i++)
		ctl_quiet_child(EX_LEFT, "rekey", i);
	ex_run(&net);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_rekeyed, 1, "side %d: IKE SA not rekeyed", i);
		cr_assert_eq(ev[i].child_rekeyed, N_CHILDREN, "side %d: children rekeyed", i);
		cr_assert_eq(ev[i].child_down, N_CHILDREN, "side %d: replaced children", i);
		cr_assert_eq(ev[i].ike_down, 0, "side %d: IKE_DOWN", i);
	}
	assert_children(N_CHILDREN);
}

Test(queue, child_deletes_during_an_ike_rekey)
{
	establish_all();
	ctl_quiet(EX_LEFT, "rekey --ike net");
	for (int i = 0; i < N_CHILDREN; i++)
		ctl_quiet_child(EX_LEFT, "terminate", i);
	ex_run(&net);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_rekeyed, 1, "side %d: IKE SA not rekeyed", i);
		cr_assert_eq(ev[i].child_down, N_CHILDREN, "side %d: children deleted", i);
		cr_assert_eq(ev[i].ike_down, 0, "side %d: IKE_DOWN", i);
	}
	assert_children(0);
}
