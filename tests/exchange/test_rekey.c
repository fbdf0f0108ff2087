/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE SA rekeying in both roles (by command and by rekey_time), rekey
 * collisions of IKE and child SAs resolved alike on both ends, and
 * INITIAL_CONTACT / `unique` replacing stale IKE SAs.
 */
#include <criterion/criterion.h>
#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"

enum { EXCH_CREATE_CHILD_SA = 36, EXCH_INFORMATIONAL = 37 };

struct events {
	uint32_t ike_up, ike_down, ike_rekeyed;
	uint32_t child_up, child_down, child_rekeyed;
	uint64_t spi_i, spi_r, old_spi_i, old_spi_r; /* host order */
	uint32_t spi_in, spi_out;
};

static void on_event(void *ctx, const struct cg_event *e)
{
	struct events *ev = ctx;

	switch (e->type) {
	case CG_EV_IKE_UP:
	case CG_EV_IKE_REKEYED:
		if (e->type == CG_EV_IKE_UP)
			ev->ike_up++;
		else
			ev->ike_rekeyed++;
		ev->spi_i = be64toh(e->u.ike.spi_i);
		ev->spi_r = be64toh(e->u.ike.spi_r);
		ev->old_spi_i = be64toh(e->u.ike.old_spi_i);
		ev->old_spi_r = be64toh(e->u.ike.old_spi_r);
		break;
	case CG_EV_IKE_DOWN: ev->ike_down++; break;
	case CG_EV_CHILD_UP:
	case CG_EV_CHILD_REKEYED:
		if (e->type == CG_EV_CHILD_UP)
			ev->child_up++;
		else
			ev->child_rekeyed++;
		ev->spi_in = e->u.child.spi_in;
		ev->spi_out = e->u.child.spi_out;
		break;
	case CG_EV_CHILD_DOWN: ev->child_down++; break;
	default: break;
	}
}

static struct ex_net net;
static struct events ev[2];
static struct cg_bus_sub *subs[2];

static void subscribe(int side)
{
	memset(&ev[side], 0, sizeof(ev[side]));
	cr_assert_eq(cg_bus_subscribe(net.core[side], CG_EV_ALL, CG_BUS_SYNC, on_event, &ev[side],
				      &subs[side]), 0);
}

static void start(const struct ex_conf *l, const struct ex_conf *r)
{
	char *ly = ex_yaml(EX_LEFT, l), *ry = ex_yaml(EX_RIGHT, r);

	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
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

static void initiate(void)
{
	ctl_ok(EX_LEFT, "initiate --child net");
}

/* Another IKE SA to the same peer (a child alone would go onto the first). */
static void initiate_new_ike(void)
{
	ctl_ok(EX_LEFT, "initiate --ike net --child net");
}

/* Runs a command without delivering what it sends (for simultaneous requests). */
static void ctl_quiet(int side, const char *line)
{
	char *reply = tl_ctl(net.core[side], line);

	cr_assert(!strncmp(reply, "ok", 2), "%s: %s", line, reply);
	free(reply);
}

static size_t count(int side, const char *cmd, const char *needle)
{
	return ex_ctl_count(&net, side, cmd, needle);
}

static void spi_text(uint64_t spi, char *buf, size_t len)
{
	snprintf(buf, len, "%016llx", (unsigned long long)spi);
}

/* One IKE SA and one child on each side, the peers' SPIs agreeing. */
static void assert_one_pair(void)
{
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(count(i, "list-sas", "ESTABLISHED"), 1, "side %d: IKE SAs", i);
		cr_assert_eq(count(i, "list-sas", "INSTALLED"), 1, "side %d: children", i);
		cr_assert_eq(count(i, "kmem-dump", "direction"), 2, "side %d: kernel SAs", i);
	}
	cr_assert_eq(ex_assert_keys_match(&net), 2, "the SAs do not pair up");
}

/* Both ends run the IKE SA with these SPIs. */
static void assert_ike_spis(uint64_t spi_i, uint64_t spi_r)
{
	char a[24], b[24];

	spi_text(spi_i, a, sizeof(a));
	spi_text(spi_r, b, sizeof(b));
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(count(i, "list-sas", a), 1, "side %d lacks %s", i, a);
		cr_assert_eq(count(i, "list-sas", b), 1, "side %d lacks %s", i, b);
	}
}

static void expire(int side, uint32_t spi, bool deliver)
{
	char line[64];

	snprintf(line, sizeof(line), "kmem-expire %08x soft", spi);
	if (deliver)
		ctl_ok(side, line);
	else
		ctl_quiet(side, line);
}

TestSuite(rekey, .fini = stop, .timeout = 60);

static void rekey_by(int side)
{
	uint64_t spi_i, spi_r;
	uint32_t child_in;
	char old[24];

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	assert_one_pair();
	spi_i = ev[EX_LEFT].spi_i;
	spi_r = ev[EX_LEFT].spi_r;
	child_in = ev[EX_LEFT].spi_in;
	ctl_ok(side, "rekey --ike net");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_rekeyed, 1, "side %d: no IKE_REKEYED", i);
		cr_assert_eq(ev[i].ike_down, 0, "side %d: IKE_DOWN on a rekey", i);
		cr_assert_eq(ev[i].child_down, 0, "side %d: the child went down", i);
		cr_assert_eq(ev[i].old_spi_i, spi_i);
		cr_assert_eq(ev[i].old_spi_r, spi_r);
	}
	cr_assert_eq(ev[EX_LEFT].spi_i, ev[EX_RIGHT].spi_i);
	cr_assert_eq(ev[EX_LEFT].spi_r, ev[EX_RIGHT].spi_r);
	cr_assert_neq(ev[EX_LEFT].spi_i, spi_i);
	cr_assert_neq(ev[EX_LEFT].spi_r, spi_r);
	cr_assert_eq(ex_count(&net, side, EXCH_CREATE_CHILD_SA, false), 1);
	cr_assert_eq(ex_count(&net, side, EXCH_INFORMATIONAL, false), 1, "old SA deleted");
	assert_one_pair();
	assert_ike_spis(ev[EX_LEFT].spi_i, ev[EX_LEFT].spi_r);
	spi_text(spi_i, old, sizeof(old));
	cr_assert_eq(count(EX_LEFT, "list-sas", old), 0, "the old IKE SA is still listed");

	/*
	 * The new IKE SA carries the children: a child rekey runs on it, with
	 * keys from its SK_d, and both ends take the new child.
	 */
	expire(!side, ev[!side].spi_in, true);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(ev[i].child_rekeyed, 1, "side %d: child not rekeyed", i);
	cr_assert_neq(ev[EX_LEFT].spi_in, child_in);
	cr_assert_eq(ev[EX_LEFT].spi_in, ev[EX_RIGHT].spi_out);
	cr_assert_eq(ev[EX_LEFT].spi_out, ev[EX_RIGHT].spi_in);
	assert_one_pair();
	/* And the new SA still answers requests: a child delete goes through. */
	ctl_ok(EX_LEFT, "terminate --child net");
	for (int i = 0; i < 2; i++)
		cr_assert_eq(count(i, "kmem-dump", "direction"), 0, "side %d", i);
}

Test(rekey, ike_rekey_by_initiator)
{
	rekey_by(EX_LEFT);
}

Test(rekey, ike_rekey_by_responder)
{
	rekey_by(EX_RIGHT);
}

Test(rekey, rekey_time_drives_repeated_rekeys)
{
	struct ex_conf l = { .conn_extra = "    rekey_time: 0\n" };
	struct ex_conf r = { .conn_extra = "    rekey_time: 100\n    rand_time: 20\n" };

	start(&l, &r);
	initiate();
	/* Between 80 and 100 s after establishment; then again on the new SA. */
	ex_advance(&net, 79000, 1000);
	cr_assert_eq(ev[EX_RIGHT].ike_rekeyed, 0, "rekeyed before rekey_time - rand_time");
	ex_advance(&net, 21000, 1000);
	cr_assert_eq(ev[EX_RIGHT].ike_rekeyed, 1);
	cr_assert_eq(ev[EX_LEFT].ike_rekeyed, 1);
	ex_advance(&net, 100000, 1000);
	cr_assert_eq(ev[EX_RIGHT].ike_rekeyed, 2);
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_CREATE_CHILD_SA, false), 0,
		     "rekey_time 0 must not rekey");
	assert_one_pair();
	assert_ike_spis(ev[EX_LEFT].spi_i, ev[EX_LEFT].spi_r);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(ev[i].ike_down + ev[i].child_down, 0);
}

Test(rekey, ike_rekey_with_another_group_retries)
{
	/* Right prefers another group for the new SA: INVALID_KE_PAYLOAD, then success. */
	struct ex_conf l = { .proposals = "aes128gcm16-prfsha256-x25519-modp2048" };
	struct ex_conf r = { .proposals = "aes128gcm16-prfsha256-x25519-modp2048" };

	start(&l, &r);
	initiate();
	ctl_ok(EX_LEFT, "rekey --ike net");
	cr_assert_eq(ev[EX_LEFT].ike_rekeyed, 1);
	assert_one_pair();
}

Test(rekey, simultaneous_ike_rekey_collision)
{
	uint64_t spi_i;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	spi_i = ev[EX_LEFT].spi_i;
	ctl_quiet(EX_LEFT, "rekey --ike net");
	ctl_quiet(EX_RIGHT, "rekey --ike net");
	ex_run(&net);
	/* Both exchanges ran to completion... */
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_CREATE_CHILD_SA, true), 1);
	cr_assert_eq(ex_count(&net, EX_RIGHT, EXCH_CREATE_CHILD_SA, true), 1);
	/* ...and both ends kept the same one of the two new SAs, with the child. */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_rekeyed, 1, "side %d", i);
		cr_assert_eq(ev[i].ike_down, 0, "side %d", i);
		cr_assert_eq(ev[i].child_down, 0, "side %d", i);
	}
	cr_assert_eq(ev[EX_LEFT].spi_i, ev[EX_RIGHT].spi_i);
	cr_assert_eq(ev[EX_LEFT].spi_r, ev[EX_RIGHT].spi_r);
	cr_assert_neq(ev[EX_LEFT].spi_i, spi_i);
	assert_one_pair();
	assert_ike_spis(ev[EX_LEFT].spi_i, ev[EX_LEFT].spi_r);
	/* The survivor works: rekey its child. */
	expire(EX_LEFT, ev[EX_LEFT].spi_in, true);
	cr_assert_eq(ev[EX_RIGHT].child_rekeyed, 1);
	assert_one_pair();
}

Test(rekey, simultaneous_child_rekey_collision)
{
	uint32_t old_in, old_out;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	old_in = ev[EX_LEFT].spi_in;
	old_out = ev[EX_LEFT].spi_out;
	expire(EX_LEFT, old_in, false);
	expire(EX_RIGHT, old_out, false);
	ex_run(&net);
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_CREATE_CHILD_SA, false), 1);
	cr_assert_eq(ex_count(&net, EX_RIGHT, EXCH_CREATE_CHILD_SA, false), 1);
	/* Two new children were made; one survives, the same on both ends. */
	assert_one_pair();
	for (int i = 0; i < 2; i++) {
		char l[16], r[16];
		char *dump = tl_ctl(net.core[i], "list-sas");

		snprintf(l, sizeof(l), "%08x", old_in);
		snprintf(r, sizeof(r), "%08x", old_out);
		cr_assert_null(strstr(dump, l), "side %d kept the old child", i);
		cr_assert_null(strstr(dump, r), "side %d kept the old child", i);
		free(dump);
	}
	{
		char *l = tl_ctl(net.core[EX_LEFT], "list-sas"), *r = tl_ctl(net.core[EX_RIGHT], "list-sas");
		const char *in = strstr(l, "spi-in"), *out = strstr(r, "spi-out");
		char spi_l[9] = "", spi_r[9] = "";

		cr_assert(in && out);
		sscanf(in, "spi-in%*[^0-9a-f]%8[0-9a-f]", spi_l);
		sscanf(out, "spi-out%*[^0-9a-f]%8[0-9a-f]", spi_r);
		cr_assert_str_eq(spi_l, spi_r, "left receives on %s, right sends on %s", spi_l, spi_r);
		free(l);
		free(r);
	}
}

/*
 * INITIAL_CONTACT and unique.
 */

static void reboot_left(const struct ex_conf *l)
{
	char *ly = ex_yaml(EX_LEFT, l);

	cg_bus_unsubscribe(net.core[EX_LEFT], subs[EX_LEFT]);
	ex_restart(&net, EX_LEFT, ly);
	free(ly);
	subscribe(EX_LEFT);
}

Test(rekey, initial_contact_replaces_a_stale_sa)
{
	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	/*
	 * The in-memory kernel hands out SPIs in order from the same start:
	 * move on once, so the rebooted side's first SPI is not the stale one.
	 */
	initiate();
	ctl_ok(EX_LEFT, "terminate --ike net");
	initiate();
	memset(&ev[EX_RIGHT], 0, sizeof(ev[EX_RIGHT]));
	reboot_left(&(struct ex_conf){ 0 });
	cr_assert_eq(count(EX_LEFT, "list-sas", "ESTABLISHED"), 0);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "ESTABLISHED"), 1);
	initiate();
	/* Right dropped what it had with the rebooted peer, children included. */
	cr_assert_eq(ev[EX_RIGHT].ike_down, 1);
	cr_assert_eq(ev[EX_RIGHT].child_down, 1);
	assert_one_pair();
}

Test(rekey, no_initial_contact_to_a_known_peer)
{
	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	initiate_new_ike();
	/* The second IKE SA did not claim a reboot: right keeps both. */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(count(i, "list-sas", "ESTABLISHED"), 2, "side %d", i);
		cr_assert_eq(ev[i].ike_down, 0, "side %d", i);
	}
}

Test(rekey, unique_replace_deletes_the_older_sa)
{
	struct ex_conf r = { .conn_extra = "    unique: replace\n" };

	start(&(struct ex_conf){ 0 }, &r);
	initiate();
	initiate_new_ike();
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(count(i, "list-sas", "ESTABLISHED"), 1, "side %d", i);
		cr_assert_eq(ev[i].ike_down, 1, "side %d", i);
	}
	assert_one_pair();
}

Test(rekey, unique_keep_deletes_the_newer_sa)
{
	struct ex_conf r = { .conn_extra = "    unique: keep\n" };
	uint64_t first_i, first_r;

	start(&(struct ex_conf){ 0 }, &r);
	initiate();
	first_i = ev[EX_LEFT].spi_i;
	first_r = ev[EX_LEFT].spi_r;
	initiate_new_ike();
	for (int i = 0; i < 2; i++)
		cr_assert_eq(count(i, "list-sas", "ESTABLISHED"), 1, "side %d", i);
	assert_ike_spis(first_i, first_r);
}

/*
 * A child rekey crossing an IKE SA rekey (RFC 7296 2.25): each end refuses
 * the other's request with TEMPORARY_FAILURE while its own is out, then
 * both try again after a short random delay and both rekeys complete.
 */
Test(rekey, child_rekey_crossing_ike_rekey)
{
	uint64_t spi_i = 0;
	uint32_t old_in;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	spi_i = ev[EX_LEFT].spi_i;
	old_in = ev[EX_LEFT].spi_in;
	expire(EX_LEFT, old_in, false);
	ctl_quiet(EX_RIGHT, "rekey --ike net");
	ex_run(&net);
	/* Neither went through on the first try. */
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_rekeyed, 0, "side %d rekeyed the IKE SA during a child rekey", i);
		cr_assert_eq(ev[i].child_rekeyed, 0, "side %d rekeyed a child during an IKE rekey", i);
	}
	ex_advance(&net, 30000, 10);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_rekeyed, 1, "side %d: IKE SA not rekeyed", i);
		cr_assert_eq(ev[i].child_rekeyed, 1, "side %d: child not rekeyed", i);
		cr_assert_eq(ev[i].ike_down, 0, "side %d lost the IKE SA", i);
		/* Only the replaced child went. */
		cr_assert_eq(ev[i].child_down, 1, "side %d", i);
	}
	cr_assert_neq(ev[EX_LEFT].spi_i, spi_i);
	cr_assert_neq(ev[EX_LEFT].spi_in, old_in);
	cr_assert_eq(ev[EX_LEFT].spi_in, ev[EX_RIGHT].spi_out);
	cr_assert_eq(ev[EX_LEFT].spi_out, ev[EX_RIGHT].spi_in);
	assert_one_pair();
	assert_ike_spis(ev[EX_LEFT].spi_i, ev[EX_LEFT].spi_r);
	/* The child lives on the new IKE SA: deleting it there works on both ends. */
	ctl_ok(EX_RIGHT, "terminate --child net");
	for (int i = 0; i < 2; i++)
		cr_assert_eq(count(i, "kmem-dump", "direction"), 0, "side %d", i);
}

static enum ex_action drop_left_informational(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	(void)n;
	(void)ctx;
	return p->from == EX_LEFT && ex_exchange(p) == EXCH_INFORMATIONAL && !ex_is_response(p)
		       ? EX_DROP
		       : EX_DELIVER;
}

/*
 * The rekey's initiator deletes the old IKE SA. When that delete never
 * comes, the responder removes the old SA itself after a while instead of
 * keeping it for ever.
 */
Test(rekey, old_ike_sa_goes_when_the_peer_never_deletes_it)
{
	char old[24];

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	spi_text(ev[EX_RIGHT].spi_r, old, sizeof(old));
	net.filter = drop_left_informational;
	ctl_ok(EX_LEFT, "rekey --ike net");
	cr_assert_eq(ev[EX_RIGHT].ike_rekeyed, 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", old), 1, "the old SA should wait for the delete");
	ex_advance(&net, 20000, 100);
	cr_assert_eq(count(EX_RIGHT, "list-sas", old), 1, "the old SA went too early");
	ex_advance(&net, 20000, 100);
	cr_assert_eq(count(EX_RIGHT, "list-sas", old), 0, "the old SA outlived its successor's start");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_down + ev[i].child_down, 0, "side %d lost an SA", i);
		cr_assert_eq(count(i, "list-sas", "ESTABLISHED"), 1, "side %d", i);
	}
	net.filter = NULL;
	assert_one_pair();
	/* The survivor works: rekey its child. */
	expire(EX_LEFT, ev[EX_LEFT].spi_in, true);
	cr_assert_eq(ev[EX_RIGHT].child_rekeyed, 1);
	assert_one_pair();
}

/* A child rekey that waited behind our IKE SA rekey runs on the new IKE SA. */
Test(rekey, child_rekey_queued_behind_ike_rekey_runs_on_the_new_sa)
{
	uint32_t old_in;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	old_in = ev[EX_LEFT].spi_in;
	ctl_quiet(EX_LEFT, "rekey --ike net");
	expire(EX_LEFT, old_in, false);
	ex_run(&net);
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].ike_rekeyed, 1, "side %d: IKE SA not rekeyed", i);
		cr_assert_eq(ev[i].child_rekeyed, 1, "side %d: the queued child rekey was lost", i);
		cr_assert_eq(ev[i].ike_down, 0, "side %d", i);
	}
	cr_assert_neq(ev[EX_LEFT].spi_in, old_in);
	cr_assert_eq(ev[EX_LEFT].spi_in, ev[EX_RIGHT].spi_out);
	assert_one_pair();
	assert_ike_spis(ev[EX_LEFT].spi_i, ev[EX_LEFT].spi_r);
}

Test(rekey, rekey_child_by_command)
{
	uint32_t old_in;
	char *reply;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	old_in = ev[EX_LEFT].spi_in;
	reply = ex_ctl(&net, EX_RIGHT, "rekey --child nosuch");
	cr_assert_null(strstr(reply, "ok"), "%s", reply);
	cr_assert_not_null(strstr(reply, "no installed CHILD_SA matched"), "%s", reply);
	free(reply);
	cr_assert_eq(ex_count(&net, EX_RIGHT, EXCH_CREATE_CHILD_SA, false), 0);
	ctl_ok(EX_RIGHT, "rekey --child net");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ev[i].child_rekeyed, 1, "side %d: child not rekeyed", i);
		cr_assert_eq(ev[i].ike_rekeyed, 0, "side %d: the IKE SA was rekeyed", i);
	}
	cr_assert_eq(ex_count(&net, EX_RIGHT, EXCH_CREATE_CHILD_SA, false), 1);
	cr_assert_neq(ev[EX_LEFT].spi_in, old_in);
	cr_assert_eq(ev[EX_LEFT].spi_in, ev[EX_RIGHT].spi_out);
	assert_one_pair();
}

/*
 * Keys of a child are taken in the order of the exchange that made it
 * (2.17), whichever end holds which role in the IKE SA: children rekeyed
 * by either end, before and after the IKE SA's responder rekeyed the IKE
 * SA, keep keys that agree on both ends. (That the order is the exchange's
 * and not the IKE SA's shows only against another implementation: the
 * charon interop test rekeys a child from the responder of an IKE SA.)
 */
Test(rekey, child_keys_follow_the_exchange_roles)
{
	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	initiate();
	assert_one_pair();
	ctl_ok(EX_RIGHT, "rekey --child net");
	assert_one_pair();
	ctl_ok(EX_LEFT, "rekey --child net");
	assert_one_pair();
	ctl_ok(EX_RIGHT, "rekey --ike net");
	ctl_ok(EX_LEFT, "rekey --child net");
	assert_one_pair();
	ctl_ok(EX_RIGHT, "rekey --child net");
	assert_one_pair();
	for (int i = 0; i < 2; i++)
		cr_assert_eq(ev[i].child_rekeyed, 4, "side %d", i);
}
