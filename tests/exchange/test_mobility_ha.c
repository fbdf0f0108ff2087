/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A home agent serving several mobile nodes, over kernel-memory. Left
 * plays the mobile nodes (one connection per identity, all at
 * 2001:db8::1, each with its home address); right is the home agent.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "exnet.h"

#define PSK "a shared secret for the mobile nodes"
#define HOA_A "2001:db8:1::a"
#define HOA_B "2001:db8:1::b"
#define MN_OLD "2001:db8::1"
#define MN_NEW "2001:db8::11"
#define HA "2001:db8::2"

#define MN_CONN(name, id, hoa)                                                               \
	"  " name ":\n"                                                                      \
	"    local_addrs: [" MN_OLD "]\n"                                                \
	"    remote_addrs: [" HA "]\n"                                                   \
	"    local: { auth: psk, id: " id " }\n"                                             \
	"    remote: { auth: psk, id: ha }\n"                                                \
	"    children:\n"                                                                    \
	"      " name ": { local_ts: [\"" hoa "/128\"], remote_ts: [\"2001:db8:2::/64\"] }\n"

#define SECRETS                                                                              \
	"secrets:\n"                                                                         \
	"  - { type: psk, ids: [peer-a, ha], secret: \"" PSK "\" }\n"                        \
	"  - { type: psk, ids: [peer-b, ha], secret: \"" PSK "\" }\n"

static const char mn_yaml[] =
	"daemon:\n"
	"  plugins: [crypto-nettle, kernel-memory, ike2]\n"
	"connections:\n"
	MN_CONN("a", "peer-a", HOA_A)
	MN_CONN("b", "peer-b", HOA_B)
	MN_CONN("b_claims_a", "peer-b", HOA_A)
	SECRETS;

#define HA_CONN(name, child, id, hoa, reqid)                                                 \
	"  " name ":\n"                                                                      \
	"    local_addrs: [" HA "]\n"                                                    \
	"    remote_addrs: [\"%any\"]\n"                                                  \
	"    local: { auth: psk, id: ha }\n"                                                 \
	"    remote: { auth: psk, id: " id " }\n"                                            \
	"    children:\n"                                                                    \
	"      " child ":\n"                                                                 \
	"        reqid: " reqid "\n"                                                         \
	"        local_ts: [\"2001:db8:2::/64\"]\n"                                          \
	"        remote_ts: [\"" hoa "/128\"]\n"

/*
 * RFC 4877: one connection per mobile node, chosen by its authenticated
 * identity, whose remote selector is that node's home address and nothing
 * else (umip's per-node policies: one reqid each).
 */
static const char ha_per_node_yaml[] =
	"daemon:\n"
	"  plugins: [crypto-nettle, kernel-memory, ike2, mobility]\n"
	"connections:\n"
	HA_CONN("mn_a", "home_a", "peer-a", HOA_A, "5")
	HA_CONN("mn_b", "home_b", "peer-b", HOA_B, "6")
	SECRETS;

/* One connection for every mobile node, its child on umip's fixed reqid. */
static const char ha_shared_yaml[] =
	"daemon:\n"
	"  plugins: [crypto-nettle, kernel-memory, ike2, mobility]\n"
	"connections:\n"
	"  mns:\n"
	"    local_addrs: [" HA "]\n"
	"    remote_addrs: [\"%any\"]\n"
	"    local: { auth: psk, id: ha }\n"
	"    remote: { auth: psk, id: \"%any\" }\n"
	"    children:\n"
	"      home:\n"
	"        reqid: 5\n"
	"        local_ts: [\"2001:db8:2::/64\"]\n"
	"        remote_ts: [\"2001:db8:1::/64\"]\n"
	SECRETS;

static struct ex_net net;

static void stop(void)
{
	ex_stop(&net);
}

TestSuite(mobility_ha, .fini = stop, .timeout = 60);

/* Right's IKE SAs with the peer that calls itself id and is at host. */
static size_t sas_of(const char *id, const char *host)
{
	char *reply = ex_ctl(&net, EX_RIGHT, "list-sas --json"), *at = reply;
	char needle[64], where[64];
	size_t n = 0;

	snprintf(needle, sizeof(needle), "\"remote-id\": \"%s\"", id);
	snprintf(where, sizeof(where), "\"remote-host\": \"%s\"", host);
	/* remote-host comes before remote-id in each IKE SA's object. */
	while ((at = strstr(at, where))) {
		char *next = strstr(at + 1, "\"remote-host\"");
		char *id_at = strstr(at, needle);

		n += id_at && (!next || id_at < next);
		at++;
	}
	free(reply);
	return n;
}

static void both_up(void)
{
	ex_ctl_ok(&net, EX_LEFT, "initiate --child a");
	ex_ctl_ok(&net, EX_LEFT, "initiate --child b");
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "INSTALLED"), 2);
}

/*
 * Both nodes' children carry reqid 5 on the home agent: a MIGRATE for
 * node A's home address moves node A's IKE SA, whichever IKE SA came up
 * last, and leaves node B's where it is.
 */
Test(mobility_ha, shared_reqid_moves_the_node_the_selectors_name)
{
	ex_start(&net, mn_yaml, ha_shared_yaml);
	both_up();
	ex_ctl_ok(&net, EX_RIGHT, "kmem-migrate 2001:db8:2::/64 " HOA_A "/128 out " HA " " MN_OLD
				  " " HA " " MN_NEW " 5 " HA " " MN_NEW);
	ex_run(&net);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "status", "applied: 1"), 1);
	cr_assert_eq(sas_of("peer-a", MN_NEW), 1);
	cr_assert_eq(sas_of("peer-b", MN_OLD), 1);
	cr_assert_eq(sas_of("peer-a", MN_OLD) + sas_of("peer-b", MN_NEW), 0);
}

/*
 * Node B, authenticated as peer-b, proposes node A's home address: the
 * connection its identity selects holds only B's, so the child is
 * refused (TS_UNACCEPTABLE); node A gets its own, and B its own.
 */
Test(mobility_ha, a_node_cannot_claim_another_home_address)
{
	struct tl_logcap cap;
	char *reply;

	ex_start(&net, mn_yaml, ha_per_node_yaml);
	tl_logcap_start(&cap, net.core[EX_LEFT], CG_LVL_INFO);
	ex_ctl_ok(&net, EX_LEFT, "initiate --child b_claims_a");
	ex_run(&net);
	cr_assert_eq(ex_ctl_count(&net, EX_RIGHT, "list-sas", "INSTALLED"), 0);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "INSTALLED"), 0);
	reply = ex_ctl(&net, EX_RIGHT, "kmem-dump");
	cr_assert_null(strstr(reply, "spi: "), "%s", reply);
	free(reply);
	cr_assert_eq(tl_logcap_count(&cap, "not established: TS_UNACCEPTABLE"), 1);
	tl_logcap_stop(&cap);
	both_up();
	cr_assert_eq(sas_of("peer-a", MN_OLD), 1);
	reply = ex_ctl(&net, EX_RIGHT, "list-sas");
	cr_assert_not_null(strstr(reply, HOA_A "/128"), "%s", reply);
	cr_assert_not_null(strstr(reply, HOA_B "/128"), "%s", reply);
	free(reply);
}
