/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MOBIKE (RFC 4555) over kernel-memory: the initiator (left) moves from
 * 2001:db8::1 to 2001:db8::11 when its local addresses change (the core's
 * address table is set with cg_net_set_addrs, which raises the address
 * events rtnetlink would), the responder follows after a return
 * routability check, and the children move with their SPIs. Also `mobike:
 * no`, a forged and a late update, no path for a while, a move during a
 * rekey, and a NAT's new mapping.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "exconf.h"
#include "exnet.h"

enum { EXCH_AUTH = 35, EXCH_CREATE_CHILD_SA = 36, EXCH_INFORMATIONAL = 37 };

#define OLD "2001:db8::1"
#define NEW "2001:db8::11"
#define NEWER "2001:db8::12"
#define RIGHT "2001:db8::2"

static struct ex_net net;
static struct tl_logcap cap[2];

/* Side's local addresses from now on (NULL: none). */
static void set_addrs(int side, const char *a)
{
	struct cg_addr addr;

	if (a)
		cr_assert_eq(cg_addr_parse(a, &addr), 0);
	cr_assert_eq(cg_net_set_addrs(net.core[side], &addr, a ? 1 : 0), 0);
	ex_run(&net);
}

static void start(const struct ex_conf *l, const struct ex_conf *r)
{
	char *ly = ex_yaml(EX_LEFT, l), *ry = ex_yaml(EX_RIGHT, r);

	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
	for (int i = 0; i < 2; i++)
		tl_logcap_start(&cap[i], net.core[i], CG_LVL_DEBUG);
	set_addrs(EX_LEFT, OLD);
	set_addrs(EX_RIGHT, RIGHT);
	ex_add_addr(&net, EX_LEFT, NEW);
	ex_ctl_ok(&net, EX_LEFT, "initiate --child net");
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "INSTALLED"), 1);
}

static void stop(void)
{
	for (int i = 0; i < 2; i++)
		tl_logcap_stop(&cap[i]);
	ex_stop(&net);
	net.filter = NULL;
}

TestSuite(mobike, .fini = stop, .timeout = 120);

static size_t count(int side, const char *cmd, const char *needle)
{
	return ex_ctl_count(&net, side, cmd, needle);
}

/* Requests of an exchange a side sent from index `from` of the log on. */
static size_t requests(int side, uint8_t exchange, size_t from)
{
	size_t n = 0;

	for (size_t i = from; i < net.n_log; i++)
		n += net.log[i].from == side && ex_exchange(&net.log[i]) == exchange &&
		     !ex_is_response(&net.log[i]);
	return n;
}

/* One side's SPIs as list-sas shows them ("c1000101 c1000102"). */
static void spis(int side, char *buf, size_t len)
{
	char *out = ex_ctl(&net, side, "list-sas"), in[9] = "", o[9] = "";
	const char *at = strstr(out, "spi-in");

	cr_assert_not_null(at);
	sscanf(at, "spi-in%*[^0-9a-f]%8[0-9a-f]", in);
	at = strstr(out, "spi-out");
	cr_assert_not_null(at);
	sscanf(at, "spi-out%*[^0-9a-f]%8[0-9a-f]", o);
	snprintf(buf, len, "%s %s", in, o);
	free(out);
}

/* Both sides' IKE SA and children between at and RIGHT, SPIs as before, keys matching. */
static void assert_at(const char *at)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "local-host: %s\n", at);
	cr_assert_eq(count(EX_LEFT, "list-sas", needle), 1, "left's IKE SA is not at %s", at);
	snprintf(needle, sizeof(needle), "remote-host: %s\n", at);
	cr_assert_eq(count(EX_RIGHT, "list-sas", needle), 1, "right's IKE SA is not at %s", at);
	snprintf(needle, sizeof(needle), "outer-local: %s\n", at);
	cr_assert_eq(count(EX_LEFT, "list-sas", needle), 1, "left's child is not at %s", at);
	snprintf(needle, sizeof(needle), "outer-remote: %s\n", at);
	cr_assert_eq(count(EX_RIGHT, "list-sas", needle), 1, "right's child is not at %s", at);
	/* Each side's two SAs and three policy templates name it (kernel-memory moved them). */
	snprintf(needle, sizeof(needle), "%s\n", at);
	cr_assert_eq(count(EX_LEFT, "kmem-dump", needle), 5);
	cr_assert_eq(count(EX_RIGHT, "kmem-dump", needle), 5);
	cr_assert_eq(ex_assert_keys_match(&net), 2);
}

Test(mobike, negotiated_and_on_the_nat_t_port)
{
	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "peer supports MOBIKE"), 1);
	cr_assert_eq(count(EX_LEFT, "list-sas", "mobike: true"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "mobike: true"), 1);
	/* As charon: the initiator moves to 4500 in IKE_AUTH, NAT or not. */
	cr_assert_eq(count(EX_LEFT, "list-sas", "local-port: 4500"), 1);
	cr_assert_eq(count(EX_LEFT, "kmem-dump", "encap_sport"), 0);
}

Test(mobike, initiator_moves_responder_follows)
{
	char before[2][32], after[2][32];
	size_t mark;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	spis(EX_LEFT, before[0], sizeof(before[0]));
	spis(EX_RIGHT, before[1], sizeof(before[1]));
	mark = net.n_log;
	set_addrs(EX_LEFT, NEW);
	assert_at(NEW);
	spis(EX_LEFT, after[0], sizeof(after[0]));
	spis(EX_RIGHT, after[1], sizeof(after[1]));
	cr_assert_str_eq(before[0], after[0], "left's SPIs changed");
	cr_assert_str_eq(before[1], after[1], "right's SPIs changed");
	/* One update from the new address, one return routability check back to it. */
	cr_assert_eq(requests(EX_LEFT, EXCH_INFORMATIONAL, mark), 1);
	cr_assert_eq(requests(EX_RIGHT, EXCH_INFORMATIONAL, mark), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "UPDATE_SA_ADDRESSES from " NEW "[4500]"), 1);
	/* Moving, the update and the children say why. */
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "(address " OLD " removed)"), 3);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "checking the return routability"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "1 CHILD_SAs moved to"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "1 CHILD_SAs moved to"), 1);
	/* Nothing goes to the old address any more: a rekey and a delete at the new one. */
	mark = net.n_log;
	ex_ctl_ok(&net, EX_LEFT, "rekey --child net");
	cr_assert_eq(count(EX_RIGHT, "list-sas", "INSTALLED"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "outer-remote: " NEW "\n"), 1);
	for (size_t i = mark; i < net.n_log; i++) {
		char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN];

		cr_assert(strcmp(cg_addr_str(&net.log[i].src, a, sizeof(a)), OLD) &&
			  strcmp(cg_addr_str(&net.log[i].dst, b, sizeof(b)), OLD),
			  "message %zu still uses the old address", i);
	}
}

/*
 * A backend that cannot move SAs (PF_KEY answers -EXDEV; kernel-memory is
 * told to here): the policies move, the children are rekeyed at the new
 * addresses, the old SAs deleted where they were.
 */
Test(mobike, backend_without_move_rekeys_the_children)
{
	char before[32], after[32];

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	spis(EX_LEFT, before, sizeof(before));
	ex_ctl_ok(&net, EX_LEFT, "kmem-fail move 18");
	ex_ctl_ok(&net, EX_RIGHT, "kmem-fail move 18");
	set_addrs(EX_LEFT, NEW);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "the kernel backend cannot move SAs"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "the kernel backend cannot move SAs"), 1);
	cr_assert_eq(count(EX_LEFT, "list-sas", "INSTALLED"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "INSTALLED"), 1);
	spis(EX_LEFT, after, sizeof(after));
	cr_assert_str_neq(before, after, "the child was not rekeyed");
	assert_at(NEW);
	cr_assert_eq(count(EX_LEFT, "kmem-dump", OLD "\n"), 0, "something is left at " OLD);
}

/* The responder's addresses change: it sends its new list, the initiator keeps it. */
Test(mobike, responder_addresses_kept_current)
{
	struct cg_addr addrs[2];
	size_t mark;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "peer lists 0 additional addresses"), 1);
	mark = net.n_log;
	cr_assert_eq(cg_addr_parse(RIGHT, &addrs[0]), 0);
	cr_assert_eq(cg_addr_parse("2001:db8::22", &addrs[1]), 0);
	cr_assert_eq(cg_net_set_addrs(net.core[EX_RIGHT], addrs, 2), 0);
	ex_run(&net);
	cr_assert_eq(requests(EX_RIGHT, EXCH_INFORMATIONAL, mark), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "peer lists 1 additional addresses"), 1);
	/* Back to one address: the list is empty again. */
	set_addrs(EX_RIGHT, RIGHT);
	cr_assert_eq(requests(EX_RIGHT, EXCH_INFORMATIONAL, mark), 2);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "peer lists 0 additional addresses"), 2);
	/* The initiator's own list went with its update only: nothing moved. */
	cr_assert_eq(requests(EX_LEFT, EXCH_INFORMATIONAL, mark), 0);
}

Test(mobike, mobike_no_sends_no_update)
{
	size_t mark;

	start(&(struct ex_conf){ .conn_extra = "    mobike: no\n" }, &(struct ex_conf){ 0 });
	cr_assert_eq(count(EX_LEFT, "list-sas", "mobike: false"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "mobike: false"), 1);
	mark = net.n_log;
	set_addrs(EX_LEFT, NEW);
	cr_assert_eq(requests(EX_LEFT, EXCH_INFORMATIONAL, mark), 0);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "UPDATE_SA_ADDRESSES"), 0);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "remote-host: " OLD "\n"), 1);
}

/* An update whose integrity check fails moves nothing, wherever it came from. */
Test(mobike, forged_update_ignored)
{
	struct cg_addr src, dst;
	uint8_t copy[2048];
	size_t mark, len, m;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	mark = net.n_log;
	set_addrs(EX_LEFT, NEW);
	assert_at(NEW);
	/* The update again as message 3 (right expects 3 next), from elsewhere, ICV broken. */
	for (; mark < net.n_log; mark++)
		if (net.log[mark].from == EX_LEFT && !ex_is_response(&net.log[mark]) &&
		    ex_exchange(&net.log[mark]) == EXCH_INFORMATIONAL)
			break;
	cr_assert_lt(mark, net.n_log);
	len = net.log[mark].len;
	m = ex_marker_len(&net.log[mark]);
	memcpy(copy, net.log[mark].data, len);
	copy[m + 23] = 3;
	copy[len - 1] ^= 0x5a;
	cg_addr_parse("2001:db8::66", &src);
	cg_addr_parse(RIGHT, &dst);
	src.port = dst.port = 4500;
	cg_ike_inject(net.core[EX_RIGHT], &src, &dst, copy, len);
	ex_run(&net);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "request 3 dropped: integrity check failed"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "remote-host: " NEW "\n"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "outer-remote: " NEW "\n"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "2001:db8::66"), 0);
}

/* Keeps a copy of the first UPDATE_SA_ADDRESSES left sends (the first INFORMATIONAL request). */
struct keep {
	uint8_t data[2048];
	size_t len;
	struct cg_addr src, dst;
};

static enum ex_action keep_update(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	struct keep *k = ctx;

	(void)n;
	if (!k->len && p->from == EX_LEFT && !ex_is_response(p) &&
	    ex_exchange(p) == EXCH_INFORMATIONAL && p->len <= sizeof(k->data)) {
		memcpy(k->data, p->data, p->len);
		k->len = p->len;
		k->src = p->src;
		k->dst = p->dst;
	}
	return EX_DELIVER;
}

Test(mobike, late_old_update_ignored)
{
	struct keep k = { 0 };
	struct cg_addr newer;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	net.filter = keep_update;
	net.filter_ctx = &k;
	set_addrs(EX_LEFT, NEW);
	assert_at(NEW);
	cr_assert_neq(k.len, 0);
	/* Then on to a third address. */
	cr_assert_eq(cg_addr_parse(NEWER, &newer), 0);
	net.moved[EX_LEFT] = newer;
	set_addrs(EX_LEFT, NEWER);
	assert_at(NEWER);
	/* The first update arrives late, from the address it named: nothing moves back. */
	cg_ike_inject(net.core[EX_RIGHT], &k.src, &k.dst, k.data, k.len);
	ex_run(&net);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "request with message ID 2 dropped"), 1);
	assert_at(NEWER);
}

Test(mobike, no_path_then_it_returns)
{
	size_t mark;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	mark = net.n_log;
	set_addrs(EX_LEFT, NULL);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "no path to the peer (address " OLD
						   " removed)"), 1);
	/* A minute without a path: no update, no teardown, looked at again and again. */
	ex_advance(&net, 60000, 1000);
	cr_assert_eq(requests(EX_LEFT, EXCH_INFORMATIONAL, mark), 0);
	cr_assert_geq(tl_logcap_count(&cap[EX_LEFT], "no path to the peer (looking again)"), 10);
	cr_assert_eq(count(EX_LEFT, "list-sas", "ESTABLISHED"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "INSTALLED"), 1);
	set_addrs(EX_LEFT, NEW);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "(path back)"), 3);
	assert_at(NEW);
}

Test(mobike, waits_for_a_rekey_in_flight)
{
	struct cg_addr addr;
	size_t mark = 0, rekey_resp = 0, update = 0;
	char *reply;

	start(&(struct ex_conf){ 0 }, &(struct ex_conf){ 0 });
	mark = net.n_log;
	/* The rekey request is out when the address goes: the update waits for its response. */
	reply = tl_ctl(net.core[EX_LEFT], "rekey --child net");
	free(reply);
	cr_assert_eq(cg_addr_parse(NEW, &addr), 0);
	cr_assert_eq(cg_net_set_addrs(net.core[EX_LEFT], &addr, 1), 0);
	ex_run(&net);
	for (size_t i = mark; i < net.n_log; i++) {
		if (net.log[i].from == EX_RIGHT && ex_is_response(&net.log[i]) &&
		    ex_exchange(&net.log[i]) == EXCH_CREATE_CHILD_SA)
			rekey_resp = i;
		if (net.log[i].from == EX_LEFT && !ex_is_response(&net.log[i]) &&
		    ex_exchange(&net.log[i]) == EXCH_INFORMATIONAL && !update)
			update = i;
	}
	cr_assert(rekey_resp && update > rekey_resp, "the update did not wait for the rekey");
	cr_assert_eq(count(EX_LEFT, "list-sas", "INSTALLED"), 1);
	assert_at(NEW);
}

#define NAT_A "2001:db8::99"
#define NAT_B "2001:db8::98"

/*
 * Left sits behind a NAT that maps it to pub, port + offset; after a
 * rebinding the old mapping still leads in (old_pub, old_offset).
 */
struct nat {
	const char *pub, *old_pub;
	uint16_t offset, old_offset;
};

static bool nat_in(struct ex_net *n, struct ex_pkt *p, const char *pub, uint16_t offset)
{
	struct cg_addr a;

	if (!pub || cg_addr_parse(pub, &a) || !cg_addr_equal(&p->dst, &a))
		return false;
	a = n->addr[EX_LEFT];
	a.port = p->dst.port - offset;
	p->dst = a;
	return true;
}

static enum ex_action nat_filter(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	struct nat *nat = ctx;
	struct cg_addr pub;

	if (p->from == EX_LEFT) {
		cg_addr_parse(nat->pub, &pub);
		pub.port = p->src.port + nat->offset;
		p->src = pub;
	} else if (!nat_in(n, p, nat->pub, nat->offset)) {
		nat_in(n, p, nat->old_pub, nat->old_offset);
	}
	return EX_DELIVER;
}

Test(mobike, nat_mapping_change_followed_after_ike)
{
	struct nat nat = { .pub = NAT_A, .offset = 30000 };
	char *ry = ex_yaml(EX_RIGHT, &(struct ex_conf){ 0 }), *ly, *at, *fixed = NULL, spi[9] = "";
	char *dump, cmd[96];

	/* Right takes the peer from anywhere in the prefix: the NAT's address. */
	at = strstr(ry, "remote_addrs: [2001:db8::1]");
	cr_assert_not_null(at);
	cr_assert(asprintf(&fixed, "%.*sremote_addrs: [2001:db8::/64]%s", (int)(at - ry), ry,
			   at + strlen("remote_addrs: [2001:db8::1]")) > 0);
	ly = ex_yaml(EX_LEFT, &(struct ex_conf){ 0 });
	ex_start(&net, ly, fixed);
	free(ly);
	free(ry);
	free(fixed);
	for (int i = 0; i < 2; i++)
		tl_logcap_start(&cap[i], net.core[i], CG_LVL_DEBUG);
	net.filter = nat_filter;
	net.filter_ctx = &nat;
	ex_ctl_ok(&net, EX_LEFT, "initiate --child net");
	cr_assert_eq(count(EX_RIGHT, "list-sas", "mobike: true"), 1);
	cr_assert_eq(count(EX_RIGHT, "kmem-dump", "34500"), 2);
	dump = ex_ctl(&net, EX_RIGHT, "list-sas");
	at = strstr(dump, "spi-in");
	cr_assert_not_null(at);
	sscanf(at, "spi-in%*[^0-9a-f]%8[0-9a-f]", spi);
	free(dump);
	/*
	 * The NAT rebinds and the kernel reports ESP from the new mapping. The
	 * event alone moves nothing: right asks with a liveness check (lost
	 * here), and only an authentic answer from the new mapping moves.
	 */
	net.filter = NULL;
	snprintf(cmd, sizeof(cmd), "kmem-mapping %s " NAT_B " 35500", spi);
	free(ex_ctl(&net, EX_RIGHT, cmd));
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "NAT mapping of the peer's ESP"), 1);
	cr_assert_eq(count(EX_RIGHT, "kmem-dump", "34500"), 2);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "remote-host: " NAT_A "\n"), 1);
	/* The check's retransmission reaches left by the old mapping, the answer comes by the new. */
	nat = (struct nat){ .pub = NAT_B, .offset = 31000, .old_pub = NAT_A, .old_offset = 30000 };
	net.filter = nat_filter;
	ex_advance(&net, 10000, 1000);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "remote-host: " NAT_B "\n"), 1);
	cr_assert_eq(count(EX_RIGHT, "list-sas", "remote-port: 35500"), 1);
	cr_assert_eq(count(EX_RIGHT, "kmem-dump", "35500"), 2, "the SAs' encapsulation did not follow");
	cr_assert_eq(count(EX_RIGHT, "kmem-dump", NAT_B "\n"), 5);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "NAT mapping changed, confirmed by IKE"), 1);
	cr_assert_eq(ex_assert_keys_match(&net), 2);
}
