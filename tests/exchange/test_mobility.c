/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mobility plugin over kernel-memory: a MIGRATE (raised with
 * kmem-migrate, which moves the in-memory SAs first, as the kernel does)
 * moves cygnet's records, and every IKE message after it uses the new
 * addresses. The left side is the mobile node, moving from 2001:db8::1 to
 * the care-of address 2001:db8::11; the right side is its home agent.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"

enum { EXCH_CREATE_CHILD_SA = 36, EXCH_INFORMATIONAL = 37 };

#define MN_OLD "2001:db8::1"
#define MN_NEW "2001:db8::11"
#define HA "2001:db8::2"

static struct ex_net net;
static struct tl_logcap cap[2];

/* ex_yaml with the mobility plugin loaded. */
static char *yaml(int side, const struct ex_conf *c)
{
	char *base = ex_yaml(side, c), *out = NULL;
	const char *list = "kernel-memory, ike2]";
	char *at = strstr(base, list);

	cr_assert_not_null(at);
	cr_assert(asprintf(&out, "%.*skernel-memory, ike2, mobility]%s", (int)(at - base), base,
			   at + strlen(list)) > 0);
	free(base);
	return out;
}

/* Starts both sides from their configs (freed), the mobile node with its care-of address. */
static void launch(char *ly, char *ry)
{
	ex_start(&net, ly, ry);
	ex_add_addr(&net, EX_LEFT, MN_NEW);
	free(ly);
	free(ry);
	for (int i = 0; i < 2; i++)
		tl_logcap_start(&cap[i], net.core[i], CG_LVL_DEBUG);
}

static void start_both(const struct ex_conf *l, const struct ex_conf *r)
{
	launch(yaml(EX_LEFT, l), yaml(EX_RIGHT, r));
	ex_ctl_ok(&net, EX_LEFT, "initiate --child net");
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "INSTALLED"), 1);
}

static void start(const struct ex_conf *l)
{
	start_both(l, &(struct ex_conf){ 0 });
}

static void stop(void)
{
	for (int i = 0; i < 2; i++)
		tl_logcap_stop(&cap[i]);
	ex_stop(&net);
}

TestSuite(mobility, .fini = stop, .timeout = 120);

/* A number field of a side's only child ("reqid", "spi-in"), from list-sas --json. */
static unsigned child_field(int side, const char *key, int base)
{
	char *reply = ex_ctl(&net, side, "list-sas --json"), *at;
	char needle[32];
	unsigned v = 0;

	snprintf(needle, sizeof(needle), "\"%s\": ", key);
	at = strstr(reply, needle);
	cr_assert_not_null(at, "%s", reply);
	at += strlen(needle);
	if (*at == '"')
		at++;
	cr_assert_eq(sscanf(at, base == 16 ? "%x" : "%u", &v), 1);
	free(reply);
	return v;
}

/*
 * Both ends hear of the move, as umip's MIGRATEs for the payload tunnel
 * (out policy) tell them; reqid -1 takes the child's own. km: with
 * KMADDRESS.
 */
static void migrate(int side, long reqid, bool km)
{
	unsigned r = reqid < 0 ? child_field(side, "reqid", 10) : (unsigned)reqid;
	char line[320];

	if (side == EX_LEFT)
		snprintf(line, sizeof(line),
			 "kmem-migrate 2001:db8:1::/64 2001:db8:2::/64 out " MN_OLD " " HA " " MN_NEW
			 " " HA " %u%s", r, km ? " " MN_NEW " " HA : "");
	else
		snprintf(line, sizeof(line),
			 "kmem-migrate 2001:db8:2::/64 2001:db8:1::/64 out " HA " " MN_OLD " " HA
			 " " MN_NEW " %u%s", r, km ? " " HA " " MN_NEW : "");
	ex_ctl_ok(&net, side, line);
	ex_run(&net);
}

static void move_both(void)
{
	migrate(EX_LEFT, -1, true);
	migrate(EX_RIGHT, -1, true);
}

/* Messages logged from index `from` on that went from or to the mobile node's old address. */
static size_t to_old_address(size_t from)
{
	struct cg_addr old;
	size_t n = 0;

	cr_assert_eq(cg_addr_parse(MN_OLD, &old), 0);
	for (size_t i = from; i < net.n_log; i++)
		n += cg_addr_equal(&net.log[i].src, &old) || cg_addr_equal(&net.log[i].dst, &old);
	return n;
}

static size_t status(int side, const char *needle)
{
	return ex_ctl_count(&net, side, "status", needle);
}

Test(mobility, reqid_moves_ike_and_children)
{
	start(&(struct ex_conf){ 0 });
	move_both();
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "local-host: " MN_NEW), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "remote-host: " MN_NEW), 1);
	/* MOBIKE took the IKE SA to the NAT-T port in IKE_AUTH. */
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "IKE SA moved to " MN_NEW "[4500]"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "moved to " MN_NEW " === " HA), 1);
	cr_assert_eq(status(EX_LEFT, "applied: 1"), 1);
	/* The child's counters are read where its SAs now are. */
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "packets-in"), 1);
}

Test(mobility, rekey_and_delete_at_new_addresses)
{
	size_t mark;

	start(&(struct ex_conf){ 0 });
	move_both();
	mark = net.n_log;
	ex_ctl_ok(&net, EX_LEFT, "rekey --child net");
	ex_run(&net);
	ex_ctl_ok(&net, EX_RIGHT, "rekey --ike net");
	ex_run(&net);
	cr_assert_geq(ex_count(&net, EX_LEFT, EXCH_CREATE_CHILD_SA, false), 1);
	cr_assert_geq(ex_count(&net, EX_RIGHT, EXCH_CREATE_CHILD_SA, false), 1);
	cr_assert_gt(net.n_log, mark);
	cr_assert_eq(to_old_address(mark), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "INSTALLED"), 1);
	cr_assert_eq(ex_assert_keys_match(&net), 2);
	/* The replaced child's SAs left the kernel from where they were: two SAs each side. */
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 2);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "kmem-dump", "spi: "), 2);
	ex_ctl_ok(&net, EX_LEFT, "terminate --ike net");
	ex_run(&net);
	cr_assert_eq(to_old_address(mark), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "kmem-dump", "spi: "), 0);
}

Test(mobility, dpd_at_new_addresses)
{
	size_t mark;

	start(&(struct ex_conf){ .conn_extra = "    dpd_delay: 30\n" });
	move_both();
	mark = net.n_log;
	/* ESP arriving on the moved SA counts as liveness: no check. */
	for (int i = 0; i < 6; i++) {
		char line[64];

		snprintf(line, sizeof(line), "kmem-traffic %08x 1500 1",
			 child_field(EX_LEFT, "spi-in", 16));
		ex_ctl_ok(&net, EX_LEFT, line);
		ex_advance(&net, 10000, 1000);
	}
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_INFORMATIONAL, false), 0);
	/* Quiet: the check goes to the new address and is answered. */
	ex_advance(&net, 30000, 1000);
	cr_assert_eq(ex_count(&net, EX_LEFT, EXCH_INFORMATIONAL, false), 1);
	cr_assert_eq(ex_count(&net, EX_RIGHT, EXCH_INFORMATIONAL, true), 1);
	cr_assert_eq(to_old_address(mark), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "ESTABLISHED"), 1);
}

Test(mobility, same_migrate_twice_changes_nothing)
{
	start(&(struct ex_conf){ 0 });
	migrate(EX_LEFT, -1, true);
	migrate(EX_LEFT, -1, true);
	cr_assert_eq(status(EX_LEFT, "migrations-seen: 2"), 1);
	cr_assert_eq(status(EX_LEFT, "applied: 1"), 1);
	cr_assert_eq(status(EX_LEFT, "unchanged: 1"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "IKE SA moved"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "CHILD_SA net{"), 2); /* established, moved */
}

Test(mobility, selector_match_when_reqid_is_0)
{
	start(&(struct ex_conf){ 0 });
	migrate(EX_LEFT, 0, true);
	cr_assert_eq(status(EX_LEFT, "applied: 1"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "local-host: " MN_NEW), 1);
}

Test(mobility, selectors_of_another_child_do_not_match)
{
	start(&(struct ex_conf){ 0 });
	ex_ctl_ok(&net, EX_LEFT, "kmem-migrate 2001:db8:7::/64 2001:db8:2::/64 out " MN_OLD " " HA
			      " " MN_NEW " " HA " 0 " MN_NEW " " HA);
	ex_run(&net);
	cr_assert_eq(status(EX_LEFT, "no-match: 1"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "local-host: " MN_OLD), 1);
}

Test(mobility, unknown_reqid_is_ignored)
{
	start(&(struct ex_conf){ 0 });
	migrate(EX_LEFT, 999, true);
	cr_assert_eq(status(EX_LEFT, "unknown-reqid: 1"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "local-host: " MN_OLD), 1);
}

Test(mobility, no_kmaddress_moves_children_only)
{
	start(&(struct ex_conf){ 0 });
	migrate(EX_LEFT, -1, false);
	cr_assert_eq(status(EX_LEFT, "applied: 1"), 1);
	cr_assert_eq(status(EX_LEFT, "ike-kept-no-kmaddress: 1"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "without KMADDRESS: IKE SA net"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "local-host: " MN_OLD), 1);
	/* The child's counters are read where the kernel moved its SAs. */
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "packets-in"), 1);
	/* The children's SAs are deleted where the kernel moved them. */
	ex_ctl_ok(&net, EX_LEFT, "terminate --child net");
	ex_run(&net);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 0);
}

/* A shutdown (or the cleanup after a crash) removes the moved SAs from their new place. */
Test(mobility, install_record_follows_the_move)
{
	start(&(struct ex_conf){ 0 });
	migrate(EX_LEFT, -1, true);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 2);
	cr_assert_geq(cg_kernel_flush_installed(net.core[EX_LEFT]), 2);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "protect"), 0);
}

/* A rekeyed child keeps its reqid in the SA manager's index, so a later MIGRATE finds it. */
Test(mobility, migrate_after_a_child_rekey)
{
	start(&(struct ex_conf){ 0 });
	ex_ctl_ok(&net, EX_LEFT, "rekey --child net");
	ex_run(&net);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "INSTALLED"), 1);
	migrate(EX_LEFT, -1, true);
	cr_assert_eq(status(EX_LEFT, "applied: 1"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "local-host: " MN_NEW), 1);
}

/* After a MIGRATE without KMADDRESS, a rekeyed child lives where its predecessor was moved. */
Test(mobility, child_rekey_after_no_kmaddress_stays_moved)
{
	start(&(struct ex_conf){ 0 });
	migrate(EX_LEFT, -1, false);
	migrate(EX_RIGHT, -1, false);
	ex_ctl_ok(&net, EX_LEFT, "rekey --child net");
	ex_run(&net);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "INSTALLED"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "local-host: " MN_OLD), 1);
	for (int side = EX_LEFT; side <= EX_RIGHT; side++) {
		cr_assert_eq(ex_ctl_count(&net, side, "kmem-dump", "spi: "), 2);
		cr_assert_eq(ex_ctl_count(&net, side, "kmem-dump",
					  "src: " MN_NEW "\n    dst: " HA "\n    spi:"), 1);
		cr_assert_eq(ex_ctl_count(&net, side, "kmem-dump",
					  "src: " HA "\n    dst: " MN_NEW "\n    spi:"), 1);
	}
	ex_ctl_ok(&net, EX_LEFT, "terminate --ike net");
	ex_run(&net);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "kmem-dump", "spi: "), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "kmem-dump", "spi: "), 0);
}

/*
 * The home agent's connection accepts any identity, so its IKE SAs are
 * also known by the peer's address: after the move, that address is the
 * new one, and a new IKE SA to the old address is a first contact.
 */
Test(mobility, peer_index_by_address_follows_the_move)
{
	start_both(&(struct ex_conf){ 0 }, &(struct ex_conf){ .remote_id = "\"%any\"" });
	move_both();
	ex_ctl_ok(&net, EX_RIGHT, "initiate --ike net");
	ex_run(&net);
	cr_assert_geq(tl_logcap_count(&cap[EX_LEFT], "peer sent INITIAL_CONTACT"), 1);
}

/* The mobile node's payload child is trapped on umip's fixed reqid 7; the home agent takes any address. */
static void start_trapped(void)
{
	char *ly = yaml(EX_LEFT, &(struct ex_conf){ .start_action = "trap",
						    .child_extra = "        reqid: 7\n" });
	char *ry = yaml(EX_RIGHT, &(struct ex_conf){ 0 }), *at = strstr(ry, "[" MN_OLD "]");

	cr_assert_not_null(at);
	memcpy(at, "[\"%any\"]      ", strlen("[" MN_OLD "]"));
	launch(ly, ry);
}

static void migrate_reqid7(void)
{
	ex_ctl_ok(&net, EX_LEFT, "kmem-migrate 2001:db8:1::/64 2001:db8:2::/64 out " MN_OLD " " HA
				 " " MN_NEW " " HA " 7 " MN_NEW " " HA);
}

static void acquire(void)
{
	char *reply = ex_ctl(&net, EX_LEFT, "kmem-packet out 2001:db8:1::5 2001:db8:2::9");

	cr_assert(strstr(reply, "acquire"), "%s", reply);
	free(reply);
	ex_run(&net);
}

static void assert_up_at_new_address(size_t mark)
{
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "ESTABLISHED"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "INSTALLED"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "local-host: " MN_NEW), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "remote-host: " MN_NEW), 1);
	cr_assert_eq(to_old_address(mark), 0);
	/* The hint served: an IKE SA has the reqid now. */
	cr_assert_eq(status(EX_LEFT, "reqid: 7"), 0);
}

/* umip moved before any IKE SA existed (seed 003): the next acquire starts from the KMADDRESS. */
Test(mobility, unknown_reqid_remembered_for_the_next_acquire)
{
	size_t mark;

	start_trapped();
	migrate_reqid7();
	ex_run(&net);
	cr_assert_eq(status(EX_LEFT, "unknown-reqid: 1"), 1);
	cr_assert_eq(status(EX_LEFT, "kmaddress-remembered: 1"), 1);
	cr_assert_eq(status(EX_LEFT, "reqid: 7"), 1);
	cr_assert_eq(status(EX_LEFT, "local: " MN_NEW), 1);
	mark = net.n_log;
	acquire();
	assert_up_at_new_address(mark);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "moved before its IKE SA existed"), 1);
}

/* A MIGRATE without KMADDRESS leaves nothing to remember. */
Test(mobility, unknown_reqid_without_kmaddress_is_not_remembered)
{
	start_trapped();
	ex_ctl_ok(&net, EX_LEFT, "kmem-migrate 2001:db8:1::/64 2001:db8:2::/64 out " MN_OLD " " HA
				 " " MN_NEW " " HA " 7");
	ex_run(&net);
	cr_assert_eq(status(EX_LEFT, "kmaddress-remembered: 0"), 1);
	acquire();
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "local-host: " MN_OLD), 1);
}

static uint8_t drop_exchange;
static bool dropped;

/* Drops the mobile node's first request of exchange drop_exchange. */
static enum ex_action drop_first(struct ex_net *n, struct ex_pkt *pkt, void *ctx)
{
	(void)n;
	(void)ctx;
	if (dropped || pkt->from != EX_LEFT || ex_is_response(pkt) ||
	    ex_exchange(pkt) != drop_exchange)
		return EX_DELIVER;
	dropped = true;
	return EX_DROP;
}

/* A MIGRATE while the first exchanges are under way: the initiator starts again from CoA. */
static void migrate_while_establishing(uint8_t exchange)
{
	size_t mark;

	start_trapped();
	drop_exchange = exchange;
	dropped = false;
	net.filter = drop_first;
	acquire();
	cr_assert(dropped);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "ESTABLISHED"), 0);
	mark = net.n_log;
	migrate_reqid7();
	ex_advance(&net, 100, 10); /* the restart is a job of the SA's own, from a timer */
	cr_assert_eq(status(EX_LEFT, "initiations-restarted: 1"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "starting again from the new address"), 1);
	assert_up_at_new_address(mark);
}

Test(mobility, migrate_during_ike_sa_init_restarts_from_the_new_address)
{
	migrate_while_establishing(34);
}

Test(mobility, migrate_during_ike_auth_restarts_from_the_new_address)
{
	migrate_while_establishing(35);
}
