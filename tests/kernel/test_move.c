/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Moving a child's SAs and policies to new outer addresses (cg_child_move,
 * the kernel op behind MOBIKE): on kernel-netlink the SAs keep their SPIs
 * and carry traffic from the new address; PF_KEY cannot change an SA's
 * addresses, answers -EXDEV, and only the policies' templates move (the
 * SAs wait for a rekey at the new addresses).
 *
 *   A 2001:db8:1::1, then ::3 (veth0) -- (veth1) 2001:db8:1::2 B
 *   inner: 2001:db8:a::1 (A's lo) === 2001:db8:b::1 (B's lo), tunnel mode
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt.h"

#define A_OLD "2001:db8:1::1"
#define A_NEW "2001:db8:1::3"
#define B_ADDR "2001:db8:1::2"

static struct cg_kernel_sa_id sa_id(const char *src, const char *dst, uint32_t spi)
{
	return (struct cg_kernel_sa_id){ .src = kt_addr(src), .dst = kt_addr(dst), .spi = spi,
					 .proto = IPPROTO_ESP };
}

static void assert_ping(const char *what)
{
	char *dump;

	if (kt_sh("ping -6 -c 2 -i 0.2 -W 3 -I 2001:db8:a::1 2001:db8:b::1 >/dev/null")) {
		dump = kt_sh_out("ip -s xfrm state; ip xfrm policy; ip -6 addr; ip -6 route");
		cr_assert_fail("ping through ESP %s failed; kernel state:\n%s", what, dump);
	}
}

static bool sa_there(struct cg_core *core, const char *src, const char *dst, uint32_t spi)
{
	struct cg_kernel_sa_id id = sa_id(src, dst, spi);
	struct cg_kernel_sa_stats st;

	return cg_kernel_query_sa(core, &id, &st) == 0;
}

KT_TEST(move_tunnel_child_to_new_address)
{
	const char *lts = "2001:db8:a::/64", *rts = "2001:db8:b::/64";
	struct cg_addr a_new = kt_addr(A_NEW), b_addr = kt_addr(B_ADDR);
	struct cg_core *a, *b;
	struct kt_child ca, cb;
	struct kt_peer peer;
	char *pol;
	int err;

	kt_peer_new(&peer);
	kt_veth(&peer, A_OLD, B_ADDR, 64);
	cr_assert_eq(kt_sh("ip addr add 2001:db8:a::1/128 dev lo && "
			   "ip route add 2001:db8:b::/64 via " B_ADDR " src 2001:db8:a::1"), 0);
	cr_assert_eq(kt_sh("ip netns exec %s sh -c 'ip addr add 2001:db8:b::1/128 dev lo && "
			   "ip route add 2001:db8:a::/64 via " A_OLD " src 2001:db8:b::1'",
			   peer.name), 0);
	a = kt_core(NULL);
	kt_enter(&peer);
	b = kt_core(NULL);
	kt_leave(&peer);
	kt_child_fill(&ca, A_OLD, B_ADDR, lts, rts, CG_MODE_TUNNEL, KT_ENCR, KT_INTEG, 7);
	kt_child_fill(&cb, B_ADDR, A_OLD, rts, lts, CG_MODE_TUNNEL, KT_ENCR, KT_INTEG, 7);
	cr_assert_eq(cg_child_install(a, &ca.ci), 0);
	cr_assert_eq(cg_child_install(b, &cb.ci), 0);
	assert_ping("before the move");

	/* A gets a new address and loses the old one; both ends move the child. */
	cr_assert_eq(kt_sh("ip addr add " A_NEW "/64 dev veth0 nodad && "
			   "ip addr del " A_OLD "/64 dev veth0"), 0);
	cr_assert_eq(kt_sh("ip netns exec %s ip route replace 2001:db8:a::/64 via " A_NEW
			   " src 2001:db8:b::1", peer.name), 0);
	err = cg_child_move(a, &ca.ci, &a_new, &b_addr, 0, 0);
	if (!kt_caps()->move_sa) {
		cr_assert_eq(err, -EXDEV, "%s moved SAs it cannot move: %d", kt_backend(), err);
		cr_assert(sa_there(a, A_OLD, B_ADDR, ca.ci.spi_out), "the SAs left their place");
		cr_assert(sa_there(a, B_ADDR, A_OLD, ca.ci.spi_in));
		pol = kt_sh_out("ip xfrm policy | grep -c 'tmpl src " A_NEW " dst " B_ADDR "'");
		cr_assert_str_eq(pol, "1\n", "the out policy's template did not move");
		free(pol);
		goto out;
	}
	cr_assert_eq(err, 0);
	kt_enter(&peer);
	cr_assert_eq(cg_child_move(b, &cb.ci, &b_addr, &a_new, 0, 0), 0);
	kt_leave(&peer);

	/*
	 * Same SPIs at the new addresses, none left at the old ones (XFRM looks
	 * an SA up by destination and SPI: the outbound one by its listing).
	 */
	cr_assert(sa_there(a, A_NEW, B_ADDR, ca.ci.spi_out), "outbound SA not at " A_NEW);
	cr_assert(sa_there(a, B_ADDR, A_NEW, ca.ci.spi_in), "inbound SA not at " A_NEW);
	cr_assert(!sa_there(a, B_ADDR, A_OLD, ca.ci.spi_in), "inbound SA left at " A_OLD);
	pol = kt_sh_out("ip xfrm state | grep -c '^src " A_NEW " dst " B_ADDR "$\\|^src "
			B_ADDR " dst " A_NEW "$'; ip xfrm state | grep -c " A_OLD);
	cr_assert_str_eq(pol, "2\n0\n", "SAs not moved to " A_NEW ":\n%s", pol);
	free(pol);
	pol = kt_sh_out("ip xfrm policy | grep -c 'tmpl src .* dst " A_NEW "\\|tmpl src " A_NEW
			" '");
	cr_assert_str_eq(pol, "3\n", "not every template moved:\n%s", pol);
	free(pol);
	assert_ping("after the move");

	/* The install record followed: uninstalling at the new place leaves nothing. */
	ca.ci.local = a_new;
	cr_assert_eq(cg_child_uninstall(a, &ca.ci), 0);
	pol = kt_sh_out("ip xfrm state; ip xfrm policy");
	cr_assert_str_eq(pol, "", "state left after uninstalling the moved child:\n%s", pol);
	free(pol);
out:
	cg_core_destroy(b);
	cg_core_destroy(a);
	kt_peer_free(&peer);
}

/* A move to the addresses it has already changes only the encapsulation (a NAT's new port). */
KT_TEST(move_changes_encap_ports)
{
	struct cg_addr a = kt_addr(A_OLD), b = kt_addr("2001:db8:2::2");
	struct cg_core *core;
	struct kt_child c;
	char *state;
	int err;

	kt_dummy(A_OLD, "2001:db8:2::/64");
	core = kt_core(NULL);
	kt_child_fill(&c, A_OLD, "2001:db8:2::2", A_OLD "/128", "2001:db8:2::2/128", CG_MODE_TUNNEL,
		      KT_ENCR, KT_INTEG, 9);
	c.ci.encap_local_port = c.ci.encap_remote_port = 4500;
	cr_assert_eq(cg_child_install(core, &c.ci), 0);
	err = cg_child_move(core, &c.ci, &a, &b, 4500, 40123);
	if (!kt_caps()->move_sa) {
		cr_assert_eq(err, -EXDEV);
		goto out;
	}
	cr_assert_eq(err, 0);
	state = kt_sh_out("ip xfrm state | grep -c 'encap type espinudp sport 4500 dport 40123'");
	cr_assert_str_eq(state, "1\n", "outbound SA without the new port");
	free(state);
	state = kt_sh_out("ip xfrm state | grep -c 'encap type espinudp sport 40123 dport 4500'");
	cr_assert_str_eq(state, "1\n", "inbound SA without the new port");
	free(state);
	cr_assert(sa_there(core, A_OLD, "2001:db8:2::2", c.ci.spi_out));
	cr_assert(sa_there(core, "2001:db8:2::2", A_OLD, c.ci.spi_in));
out:
	cr_assert_eq(cg_child_uninstall(core, &c.ci), 0);
	cg_core_destroy(core);
}
