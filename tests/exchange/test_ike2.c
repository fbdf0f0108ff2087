/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 between two cores: IKE_SA_INIT + IKE_AUTH with PSK, the first
 * CHILD_SA in tunnel and transport mode with narrowing, deletes both ways,
 * start actions and traps, the control commands.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"

struct child_events {
	uint32_t up, down;
	uint32_t spi_in, spi_out, reqid;
	uint32_t ike_up, ike_down;
};

static void on_event(void *ctx, const struct cg_event *ev)
{
	struct child_events *ce = ctx;

	switch (ev->type) {
	case CG_EV_CHILD_REKEYED:
	case CG_EV_CHILD_UP:
		if (ev->type == CG_EV_CHILD_UP)
			ce->up++;
		ce->spi_in = ev->u.child.spi_in;
		ce->spi_out = ev->u.child.spi_out;
		ce->reqid = ev->u.child.reqid;
		break;
	case CG_EV_CHILD_DOWN: ce->down++; break;
	case CG_EV_IKE_UP: ce->ike_up++; break;
	case CG_EV_IKE_DOWN: ce->ike_down++; break;
	default: break;
	}
}

static struct ex_net net;
static struct child_events ev[2];
static struct cg_bus_sub *subs[2];

static void start(const struct ex_conf *l, const struct ex_conf *r)
{
	char *ly = ex_yaml(EX_LEFT, l), *ry = ex_yaml(EX_RIGHT, r);

	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
	memset(ev, 0, sizeof(ev));
	for (int i = 0; i < 2; i++)
		cr_assert_eq(cg_bus_subscribe(net.core[i], CG_EV_ALL, CG_BUS_SYNC, on_event, &ev[i],
					      &subs[i]), 0);
}

static void stop(void)
{
	for (int i = 0; i < 2; i++)
		if (net.core[i])
			cg_bus_unsubscribe(net.core[i], subs[i]);
	ex_stop(&net);
}

static void initiate(void)
{
	char *reply = ex_ctl(&net, EX_LEFT, "initiate --child net");

	cr_assert(!strncmp(reply, "ok", 2), "%s", reply);
	free(reply);
}

static void assert_established(void)
{
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_up, 1, "side %d: IKE SA not up", i);
		cr_assert_eq(ev[i].up, 1, "side %d: CHILD_SA not up", i);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 1);
	}
	/* Each side's inbound SPI is the other's outbound one. */
	cr_assert_eq(ev[EX_LEFT].spi_in, ev[EX_RIGHT].spi_out);
	cr_assert_eq(ev[EX_LEFT].spi_out, ev[EX_RIGHT].spi_in);
	cr_assert_neq(ev[EX_LEFT].spi_in, 0);
}

TestSuite(ike2, .fini = stop, .timeout = 60);

Test(ike2, psk_tunnel_child_installed)
{
	char spi[16];

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	assert_established();
	cr_assert_eq(ex_count(&net, EX_LEFT, 34, false), 1);
	cr_assert_eq(ex_count(&net, EX_LEFT, 35, false), 1);
	for (int i = 0; i < 2; i++) {
		/* Two SAs and in/out/fwd policies, all in tunnel mode. */
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "tunnel"), 2 + 3);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "protect"), 3);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "AES_GCM_16"), 2);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "2001:db8:1::/64"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "2001:db8:2::/64"), 1);
	}
	snprintf(spi, sizeof(spi), "%08x", ev[EX_LEFT].spi_in);
	cr_assert_geq(ex_ctl_count(&net, EX_RIGHT, "kmem-dump", spi), 1);
	cr_assert_geq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", spi), 1);
}

Test(ike2, cbc_hmac_and_modp)
{
	struct ex_conf c = {
		.proposals = "aes256-sha256-modp2048", .esp = "aes256-sha256",
	};

	start(&c, &c);
	initiate();
	assert_established();
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "HMAC_SHA2_256_128"), 2);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "kmem-dump", "AES_CBC"), 2);
}

Test(ike2, transport_mode)
{
	struct ex_conf c = {
		.mode = "transport", .local_ts = "dynamic", .remote_ts = "dynamic",
	};

	start(&c, &c);
	initiate();
	assert_established();
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "transport"), 2 + 2);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "fwd"), 0);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "2001:db8::1/128"), 1);
	}
}

Test(ike2, transport_refused_falls_back_to_tunnel)
{
	struct ex_conf l = { .mode = "transport", .local_ts = "dynamic", .remote_ts = "dynamic" };
	struct ex_conf r = { .mode = "tunnel", .local_ts = "dynamic", .remote_ts = "dynamic" };

	start(&l, &r);
	initiate();
	assert_established();
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "transport"), 0);
}

Test(ike2, gre_selectors_in_transport_mode)
{
	struct ex_conf c = {
		.mode = "transport", .local_ts = "\"dynamic[gre]\"",
		.remote_ts = "\"dynamic[gre]\"",
	};

	start(&c, &c);
	initiate();
	assert_established();
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "[gre]"), 2);
}

Test(ike2, responder_narrows_selectors)
{
	struct ex_conf l = { .local_ts = "2001:db8:1::/48", .remote_ts = "2001:db8:2::/48" };
	struct ex_conf r = { .local_ts = "2001:db8:2:5::/64", .remote_ts = "2001:db8:1:7::/64" };

	start(&l, &r);
	initiate();
	assert_established();
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "2001:db8:2:5::/64"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "2001:db8:1:7::/64"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "/48"), 0);
	}
}

Test(ike2, disjoint_selectors_give_ts_unacceptable)
{
	struct ex_conf r = { .local_ts = "2001:db8:9::/64", .remote_ts = "2001:db8:1::/64" };

	start(&(struct ex_conf){ 0 }, &r);
	initiate();
	/* The IKE SA stands; no child on either side, nothing in either kernel. */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_up, 1);
		cr_assert_eq(ev[i].up, 0);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "spi: "), 0);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump --json", "\"spi\""), 0);
	}
}

Test(ike2, start_action_start)
{
	struct ex_conf l = { .start_action = "start" };

	start(&l, &(struct ex_conf){ 0 });
	ex_run(&net);
	assert_established();
}

/*
 * Two children with start_action: start share one IKE SA: the second waits
 * for the first one's IKE SA. Two IKE SAs would both say INITIAL_CONTACT and
 * the peer would destroy the first, with its child, when the second came.
 */
Test(ike2, start_action_start_two_children_one_ike_sa)
{
	struct ex_conf l = { .start_action = "start",
			     .child_extra = "      more:\n"
					    "        local_ts: [2001:db8:1:1::/64]\n"
					    "        remote_ts: [2001:db8:2:1::/64]\n"
					    "        start_action: start\n" };
	struct ex_conf r = { .child_extra = "      more:\n"
					    "        local_ts: [2001:db8:2:1::/64]\n"
					    "        remote_ts: [2001:db8:1:1::/64]\n" };

	start(&l, &r);
	ex_run(&net);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 1, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 2, "side %d", i);
	}
}

Test(ike2, trap_acquire_negotiates)
{
	struct ex_conf l = { .start_action = "trap" };
	char *reply;

	start(&l, &(struct ex_conf){ 0 });
	ex_run(&net);
	cr_assert_eq(ev[EX_LEFT].ike_up, 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "protect"), 3);
	reply = ex_ctl(&net, EX_LEFT, "kmem-packet out 2001:db8:1::5 2001:db8:2::9");
	cr_assert(strstr(reply, "acquire"), "%s", reply);
	free(reply);
	ex_run(&net);
	assert_established();
	/* The trap policies carry the SAs: still three policies, now with two SAs. */
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "protect"), 3);
	reply = ex_ctl(&net, EX_LEFT, "kmem-packet out 2001:db8:1::5 2001:db8:2::9");
	cr_assert(strstr(reply, "protect"), "%s", reply);
	free(reply);
}

Test(ike2, terminate_child_from_initiator)
{
	char *reply;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	assert_established();
	reply = ex_ctl(&net, EX_LEFT, "terminate --child net");
	cr_assert(!strncmp(reply, "ok", 2), "%s", reply);
	free(reply);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].down, 1, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 0);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "protect"), 0);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "tunnel"), 0);
	}
	cr_assert_eq(ex_count(&net, EX_RIGHT, 37, true), 1);
}

Test(ike2, terminate_ike_from_responder)
{
	char *reply;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	assert_established();
	reply = ex_ctl(&net, EX_RIGHT, "terminate --ike net");
	cr_assert(!strncmp(reply, "ok", 2), "%s", reply);
	free(reply);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_down, 1, "side %d", i);
		cr_assert_eq(ev[i].down, 1, "side %d", i);
		cr_assert_eq(cg_sa_count(net.core[i]), 0);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "tunnel"), 0);
	}
}

Test(ike2, terminate_unknown_is_an_error)
{
	char *reply;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	reply = ex_ctl(&net, EX_LEFT, "terminate --ike nosuch");
	cr_assert(!strncmp(reply, "error", 5), "%s", reply);
	free(reply);
	reply = ex_ctl(&net, EX_LEFT, "initiate --child nosuch");
	cr_assert(!strncmp(reply, "error", 5), "%s", reply);
	free(reply);
}

Test(ike2, invalid_ke_payload_retry)
{
	struct ex_conf l = { .proposals = "aes128gcm16-prfsha256-ecp256-x25519" };
	struct ex_conf r = { .proposals = "aes128gcm16-prfsha256-x25519" };

	start(&l, &r);
	initiate();
	assert_established();
	cr_assert_eq(ex_count(&net, EX_LEFT, 34, false), 2);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "CURVE_25519"), 1);
}

Test(ike2, no_proposal_chosen)
{
	struct ex_conf l = { .proposals = "aes256-sha256-modp2048" };

	start(&l, &(struct ex_conf){ 0 });
	initiate();
	cr_assert_eq(ev[EX_LEFT].ike_up, 0);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
	cr_assert_eq(cg_sa_count(net.core[EX_RIGHT]), 0);
	cr_assert(ex_has_notify(&net.log[net.n_log - 1], 14, NULL, NULL));
}

Test(ike2, wrong_psk_fails_authentication)
{
	struct ex_conf l = { .psk = "not the same secret" };

	start(&l, &(struct ex_conf){ 0 });
	initiate();
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_up, 0);
		cr_assert_eq(cg_sa_count(net.core[i]), 0, "side %d keeps an SA", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "spi: "), 0);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "larval"), 0);
	}
}

Test(ike2, unexpected_peer_identity_is_refused)
{
	struct ex_conf l = { .remote_id = "someone-else" };

	start(&l, &(struct ex_conf){ 0 });
	initiate();
	cr_assert_eq(ev[EX_LEFT].ike_up, 0);
	cr_assert_eq(cg_sa_count(net.core[EX_LEFT]), 0);
}

static void expire(int side, const char *how)
{
	char line[64], *reply;

	snprintf(line, sizeof(line), "kmem-expire %08x %s", ev[side].spi_in, how);
	reply = ex_ctl(&net, side, line);
	cr_assert(!strncmp(reply, "ok", 2), "%s", reply);
	free(reply);
	ex_run(&net);
}

static void assert_one_child_pair(void)
{
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 1, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "direction"), 2, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "protect"), 3, "side %d", i);
	}
}

Test(ike2, child_rekey_on_soft_expire)
{
	uint32_t old_in, old_out;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	assert_established();
	old_in = ev[EX_LEFT].spi_in;
	old_out = ev[EX_LEFT].spi_out;
	expire(EX_LEFT, "soft");
	cr_assert_eq(ex_count(&net, EX_LEFT, 36, false), 1);
	cr_assert_eq(ex_count(&net, EX_RIGHT, 36, true), 1);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(ev[i].down, 1, "side %d: old child not removed", i);
	cr_assert_neq(ev[EX_LEFT].spi_in, old_in);
	cr_assert_neq(ev[EX_LEFT].spi_out, old_out);
	cr_assert_eq(ev[EX_LEFT].spi_in, ev[EX_RIGHT].spi_out);
	cr_assert_eq(ev[EX_LEFT].spi_out, ev[EX_RIGHT].spi_in);
	assert_one_child_pair();
	/* The policies stayed in place through the rekey. */
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "2001:db8:2::/64"), 1);
}

Test(ike2, child_rekey_by_the_ike_responder_with_pfs)
{
	struct ex_conf c = { .esp = "aes128gcm16-x25519" };

	start(&c, &c);
	initiate();
	assert_established();
	expire(EX_RIGHT, "soft");
	cr_assert_eq(ex_count(&net, EX_RIGHT, 36, false), 1);
	cr_assert_eq(ev[EX_RIGHT].down, 1);
	cr_assert_eq(ev[EX_LEFT].spi_in, ev[EX_RIGHT].spi_out);
	assert_one_child_pair();
}

Test(ike2, child_rekey_invalid_ke_retry)
{
	struct ex_conf l = { .esp = "aes128gcm16-ecp256-x25519" };
	struct ex_conf r = { .esp = "aes128gcm16-x25519" };

	start(&l, &r);
	initiate();
	assert_established();
	expire(EX_LEFT, "soft");
	cr_assert_eq(ex_count(&net, EX_LEFT, 36, false), 2);
	cr_assert_eq(ev[EX_LEFT].spi_in, ev[EX_RIGHT].spi_out);
	assert_one_child_pair();
}

Test(ike2, hard_expire_deletes_the_child)
{
	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	assert_established();
	expire(EX_LEFT, "hard");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].down, 1, "side %d", i);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 0);
		cr_assert_eq(ex_ctl_count(&net, i, "kmem-dump", "direction"), 0);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 1);
	}
}
