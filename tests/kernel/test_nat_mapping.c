/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A NAT mapping change seen by a live kernel: host A reaches host B through
 * a NAT router R (nftables SNAT of A's UDP 4500), with UDP-encapsulated ESP
 * installed by the backend on both hosts. When R's mapping moves to another
 * address and port, B's kernel authenticates ESP-in-UDP from a source its
 * inbound SA does not name and tells the key manager (XFRM_MSG_MAPPING, or
 * SADB_X_NAT_T_NEW_MAPPING to PF_KEY sockets registered for ESP); the
 * backend must raise that on the bus. The kernel does so only after the
 * packet authenticated, for an inbound SA with UDP encapsulation, when the
 * outer source address or UDP source port differs from the SA's source and
 * encap sport, once per packet unless the SA has a mapping rate limit
 * (XFRMA_MTIMER_THRESH, which kernel-netlink sets on inbound SAs with
 * encapsulation); esp4 and esp6 both check. Then B moves its SAs to the new
 * mapping (cg_child_move) and traffic passes both ways again.
 *
 *   A 192.0.2.1 (a0) -- (r0) 192.0.2.254  R  198.51.100.254, .253 (r1) -- (b0) 198.51.100.2 B
 *   (IPv6: 2001:db8:a::1, ::ff  R  2001:db8:b::fe, ::fd  B 2001:db8:b::2)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt.h"

#define PORT_OLD 40001
#define PORT_NEW 40002

/* One address family's plan of the three hosts. */
struct nat_plan {
	sa_family_t family;
	const char *nft;      /* nftables family */
	const char *ping;     /* ping's family option */
	int plen;             /* prefix length of both links */
	const char *a;        /* A on the A-R link */
	const char *r_in;     /* R on the A-R link, A's default route */
	const char *a_net;    /* the A-R link */
	const char *nat_old;  /* R's addresses on the R-B link: the first mapping */
	const char *nat_new;  /*   and the second */
	const char *b;        /* B */
	const char *nft_old, *nft_new; /* nat_old, nat_new as nftables writes them after "to" */
};

static const struct nat_plan plan4 = {
	.family = AF_INET, .nft = "ip", .ping = "-4", .plen = 24,
	.a = "192.0.2.1", .r_in = "192.0.2.254", .a_net = "192.0.2.0/24",
	.nat_old = "198.51.100.254", .nat_new = "198.51.100.253", .b = "198.51.100.2",
	.nft_old = "198.51.100.254", .nft_new = "198.51.100.253",
};

static const struct nat_plan plan6 = {
	.family = AF_INET6, .nft = "ip6", .ping = "-6", .plen = 64,
	.a = "2001:db8:a::1", .r_in = "2001:db8:a::ff", .a_net = "2001:db8:a::/64",
	.nat_old = "2001:db8:b::fe", .nat_new = "2001:db8:b::fd", .b = "2001:db8:b::2",
	.nft_old = "[2001:db8:b::fe]", .nft_new = "[2001:db8:b::fd]",
};

struct nat_net {
	const struct nat_plan *p;
	struct kt_peer r, b;
};

static void nat_net_up(struct nat_net *n, const struct nat_plan *p)
{
	const char *nodad = p->family == AF_INET6 ? "nodad" : "";

	n->p = p;
	cr_assert_eq(kt_sh("command -v nft >/dev/null && command -v conntrack >/dev/null"), 0,
		     "nft (package nftables) and conntrack (package conntrack) are needed: "
		     "run tools/deps.sh");
	/* Loaded on demand too; said here so a kernel without them fails plainly below. */
	kt_sh("modprobe -a nf_tables nf_nat nft_chain_nat nft_nat nf_conntrack_netlink "
	      ">/dev/null 2>&1");
	kt_peer_new_named(&n->r, "r");
	kt_peer_new_named(&n->b, "b");
	cr_assert_eq(kt_sh("ip link add a0 type veth peer name r0 netns %s && "
			   "ip -n %s link add r1 type veth peer name b0 netns %s",
			   n->r.name, n->r.name, n->b.name), 0, "cannot create veth pairs");
	cr_assert_eq(kt_sh("ip addr add %s/%d dev a0 %s && ip link set a0 up && "
			   "ip route add default via %s",
			   p->a, p->plen, nodad, p->r_in), 0);
	cr_assert_eq(kt_sh("ip -n %1$s addr add %2$s/%5$d dev r0 %6$s && "
			   "ip -n %1$s addr add %3$s/%5$d dev r1 %6$s && "
			   "ip -n %1$s addr add %4$s/%5$d dev r1 %6$s && "
			   "ip -n %1$s link set r0 up && ip -n %1$s link set r1 up && "
			   "ip netns exec %1$s sysctl -qw net.ipv4.ip_forward=1 "
			   "net.ipv6.conf.all.forwarding=1",
			   n->r.name, p->r_in, p->nat_old, p->nat_new, p->plen, nodad), 0);
	/* B knows nothing behind the NAT: A's address is reached through R. */
	cr_assert_eq(kt_sh("ip -n %1$s addr add %2$s/%3$d dev b0 %4$s && ip -n %1$s link set b0 up && "
			   "ip -n %1$s route add %5$s via %6$s",
			   n->b.name, p->b, p->plen, nodad, p->a_net, p->nat_old), 0);
	cr_assert_eq(kt_sh("ip netns exec %1$s nft add table %2$s cgnat && "
			   "ip netns exec %1$s nft 'add chain %2$s cgnat post "
			   "{ type nat hook postrouting priority 100; }' && "
			   "ip netns exec %1$s nft add rule %2$s cgnat post oifname r1 %2$s saddr %3$s "
			   "udp sport 4500 snat to %4$s:%5$d",
			   n->r.name, p->nft, p->a, p->nft_old, PORT_OLD), 0,
		     "cannot set up SNAT with nftables (modules nf_nat, nft_chain_nat, nft_nat?)");
	for (int i = 0; i < 50; i++) {
		if (kt_sh("ip link show a0 | grep -q LOWER_UP && "
			  "ip -n %s link show b0 | grep -q LOWER_UP", n->b.name) == 0)
			break;
		usleep(100 * 1000);
	}
}

/* R maps A's 4500 to a new address and port; existing connections are forgotten. */
static void nat_remap(struct nat_net *n)
{
	cr_assert_eq(kt_sh("ip netns exec %1$s nft flush chain %2$s cgnat post && "
			   "ip netns exec %1$s nft add rule %2$s cgnat post oifname r1 %2$s saddr %3$s "
			   "udp sport 4500 snat to %4$s:%5$d && "
			   "ip netns exec %1$s conntrack -F -f %6$s >/dev/null 2>&1",
			   n->r.name, n->p->nft, n->p->a, n->p->nft_new, PORT_NEW,
			   n->p->family == AF_INET6 ? "ipv6" : "ipv4"), 0,
		     "cannot change the SNAT mapping");
}

static void nat_net_down(struct nat_net *n)
{
	kt_peer_free(&n->b);
	kt_peer_free(&n->r);
}

static char *state_dump(struct nat_net *n)
{
	return kt_sh_out("echo '== A'; ip -s xfrm state; ip xfrm policy; "
			 "grep -v ' 0$' /proc/net/xfrm_stat; nstat -az 'Udp*' 'Ip*' | grep -v ' 0 '; "
			 "echo '== R'; ip netns exec %1$s conntrack -L -f %3$s 2>&1; "
			 "ip netns exec %1$s nft list ruleset; "
			 "ip netns exec %1$s nstat -az 'Udp*' 'Ip*' | grep -v ' 0 '; "
			 "echo '== B'; ip -n %2$s -s xfrm state; ip -n %2$s xfrm policy; "
			 "ip netns exec %2$s grep -v ' 0$' /proc/net/xfrm_stat; "
			 "ip netns exec %2$s nstat -az 'Udp*' 'Ip*' | grep -v ' 0 '",
			 n->r.name, n->b.name, n->p->family == AF_INET6 ? "ipv6" : "ipv4");
}

static bool spi_is(const struct cg_event *ev, const void *ctx)
{
	return ev->u.mapping.id.spi == *(const uint32_t *)ctx;
}

static bool addr_port_is(const struct cg_addr *a, const char *s, uint16_t port)
{
	struct cg_addr b = kt_addr(s);

	b.port = port;
	return cg_addr_equal_port(a, &b);
}

static void nat_mapping(const struct nat_plan *p)
{
	struct nat_net n;
	struct cg_core *a, *b;
	struct kt_child ca, cb;
	struct kt_events ev;
	struct cg_event got;
	const struct cg_kernel_mapping *m = &got.u.mapping;
	struct cg_kernel_sa_id b_in;
	struct cg_kernel_sa_stats st;
	uint64_t before;
	struct cg_addr new_remote;
	uint32_t reqid = 61;
	int err, fd_a, fd_b, host = p->family == AF_INET6 ? 128 : 32;
	char a_ts[64], b_ts[64], *dump;

	nat_net_up(&n, p);
	a = kt_core(NULL);
	fd_a = kt_natt_socket(a, p->family);
	kt_enter(&n.b);
	b = kt_core(NULL);
	fd_b = kt_natt_socket(b, p->family);
	kt_leave(&n.b);
	kt_events_start(&ev, b, CG_EV_BIT(CG_EV_KERNEL_MAPPING));

	/* A talks to B directly; B talks to A's public face, the NAT's mapping. */
	snprintf(a_ts, sizeof(a_ts), "%s/%d", p->a, host);
	snprintf(b_ts, sizeof(b_ts), "%s/%d", p->b, host);
	kt_child_fill(&ca, p->a, p->b, a_ts, b_ts, CG_MODE_TUNNEL, KT_ENCR, KT_INTEG, reqid);
	kt_child_fill(&cb, p->b, p->a, b_ts, a_ts, CG_MODE_TUNNEL, KT_ENCR, KT_INTEG, reqid);
	cb.ci.remote = kt_addr(p->nat_old);
	ca.ci.encap_local_port = ca.ci.encap_remote_port = 4500;
	cb.ci.encap_local_port = 4500;
	cb.ci.encap_remote_port = PORT_OLD;
	cr_assert_eq(cg_child_install(a, &ca.ci), 0);
	cr_assert_eq(cg_child_install(b, &cb.ci), 0);
	b_in = (struct cg_kernel_sa_id){ .src = cb.ci.remote, .dst = cb.ci.local,
					 .spi = cb.ci.spi_in, .proto = IPPROTO_ESP };

	/* Through the NAT as B's SAs expect it: ESP both ways, no mapping change. */
	if (kt_sh("ping %s -c 3 -i 0.2 -W 3 %s >/dev/null", p->ping, p->b)) {
		dump = state_dump(&n);
		cr_assert_fail("ping through ESP-in-UDP and the NAT failed:\n%s", dump);
	}
	cr_assert_eq(cg_kernel_query_sa(b, &b_in, &st), 0);
	cr_assert_geq(st.packets, 3, "B's inbound SA counted %llu packets",
		      (unsigned long long)st.packets);
	before = st.packets;
	usleep(200 * 1000);
	cr_assert_eq(kt_events_count(&ev, CG_EV_KERNEL_MAPPING, NULL, NULL), 0,
		     "a mapping event while the NAT kept its mapping");

	/*
	 * The NAT moves A to a new address and port. B's replies still go to
	 * the old mapping, which leads nowhere now: only A -> B matters.
	 */
	nat_remap(&n);
	kt_sh("ping %s -c 2 -i 0.2 -W 1 %s >/dev/null 2>&1", p->ping, p->b);
	if (!kt_events_wait(&ev, CG_EV_KERNEL_MAPPING, spi_is, &cb.ci.spi_in, 5000, &got)) {
		dump = state_dump(&n);
		cr_assert_fail("no mapping event from %s for SPI %08x:\n%s", kt_backend(),
			       cb.ci.spi_in, dump);
	}
	cr_assert_eq(cg_kernel_query_sa(b, &b_in, &st), 0);
	cr_assert_gt(st.packets, before, "B's SA did not accept ESP from the new mapping");
	cr_assert_eq(m->id.proto, IPPROTO_ESP);
	cr_assert_eq(m->id.spi, cb.ci.spi_in);
	cr_assert(addr_port_is(&m->id.dst, p->b, 0), "mapping names the wrong SA destination");
	cr_assert(addr_port_is(&m->id.src, p->nat_old, 0), "mapping names the wrong SA source");
	cr_assert_eq(m->reqid, reqid);
	cr_assert(addr_port_is(&m->old_src, p->nat_old, PORT_OLD), "old source is not %s:%d",
		  p->nat_old, PORT_OLD);
	cr_assert(addr_port_is(&m->new_src, p->nat_new, PORT_NEW), "new source is not %s:%d",
		  p->nat_new, PORT_NEW);
	/*
	 * Every event names the new mapping: one per packet through PF_KEY,
	 * one for both packets where the backend sets a rate limit
	 * (XFRMA_MTIMER_THRESH).
	 */
	usleep(200 * 1000);
	cr_assert_eq(kt_events_count(&ev, CG_EV_KERNEL_MAPPING, NULL, NULL),
		     kt_events_count(&ev, CG_EV_KERNEL_MAPPING, spi_is, &cb.ci.spi_in));
	if (kt_caps()->mapping_rate_limit)
		cr_assert_eq(kt_events_count(&ev, CG_EV_KERNEL_MAPPING, NULL, NULL), 1,
			     "%zu mapping events for one new mapping",
			     kt_events_count(&ev, CG_EV_KERNEL_MAPPING, NULL, NULL));
	pthread_mutex_lock(&ev.lock);
	for (size_t i = 0; i < ev.n; i++)
		cr_assert(addr_port_is(&ev.ev[i].u.mapping.new_src, p->nat_new, PORT_NEW));
	pthread_mutex_unlock(&ev.lock);

	/* B follows the new mapping (as IKE would after an authenticated message from it). */
	kt_enter(&n.b);
	new_remote = kt_addr(p->nat_new);
	err = cg_child_move(b, &cb.ci, &cb.ci.local, &new_remote, 4500, PORT_NEW);
	kt_leave(&n.b);
	if (kt_caps()->move_sa) {
		cr_assert_eq(err, 0);
		if (kt_sh("ping %s -c 2 -i 0.2 -W 3 %s >/dev/null", p->ping, p->b)) {
			dump = state_dump(&n);
			cr_assert_fail("no ping through the new mapping after the move:\n%s", dump);
		}
	} else {
		cr_assert_eq(err, -EXDEV);
	}

	kt_events_stop(&ev);
	cg_core_destroy(b);
	cg_core_destroy(a);
	close(fd_a);
	close(fd_b);
	nat_net_down(&n);
}

/* esp4: esp_input_done2 compares the outer source with the SA's address and encap sport. */
KT_TEST(nat_mapping_change_ipv4)
{
	nat_mapping(&plan4);
}

/* esp6 does the same for IPv6 outer headers (Linux 5.8 and later). */
KT_TEST(nat_mapping_change_ipv6)
{
	nat_mapping(&plan6);
}
