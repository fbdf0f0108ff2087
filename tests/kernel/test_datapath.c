/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packets through the kernel: ESP between two namespaces with SAs and
 * policies installed by the backend, and ICMPv6 type/code selectors
 * checked with real echo and neighbour discovery packets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt.h"

#define A_ADDR "2001:db8:1::1"
#define B_ADDR "2001:db8:1::2"

struct esp_case {
	enum cg_ipsec_mode mode;
	uint16_t encr, integ;
	bool esn;
	bool natt;
	bool supported; /* false: the backend must refuse the child with -EOPNOTSUPP */
};

/* A child the backend cannot express is refused whole: nothing stays in the kernel. */
static void assert_child_refused(struct cg_core *core, struct kt_child *c)
{
	char *left;

	cr_assert_eq(cg_child_install(core, &c->ci), -EOPNOTSUPP,
		     "%s installed a child it cannot express", kt_backend());
	left = kt_sh_out("ip xfrm state; ip xfrm policy");
	cr_assert_str_eq(left, "", "a refused child left kernel state:\n%s", left);
	free(left);
}

static void esp_ping(const struct esp_case *t)
{
	const char *lts = A_ADDR "/128", *rts = B_ADDR "/128", *target = B_ADDR;
	struct cg_core *a, *b;
	struct kt_child ca, cb;
	struct kt_peer peer;
	struct cg_kernel_sa_id out_id, in_id;
	struct cg_kernel_sa_stats st;
	int fd_a = -1, fd_b = -1, rc;
	char *dump;

	kt_peer_new(&peer);
	kt_veth(&peer, A_ADDR, B_ADDR, 64);
	if (t->mode == CG_MODE_TUNNEL) {
		lts = "2001:db8:a::/64";
		rts = "2001:db8:b::/64";
		target = "2001:db8:b::1";
		cr_assert_eq(kt_sh("ip addr add 2001:db8:a::1/128 dev lo && "
				   "ip route add 2001:db8:b::/64 via " B_ADDR " src 2001:db8:a::1"), 0);
		cr_assert_eq(kt_sh("ip netns exec %s sh -c 'ip addr add 2001:db8:b::1/128 dev lo && "
				   "ip route add 2001:db8:a::/64 via " A_ADDR " src 2001:db8:b::1'",
				   peer.name), 0);
	}
	a = kt_core(NULL);
	if (t->natt)
		fd_a = kt_natt_socket(NULL, AF_INET6);
	kt_enter(&peer);
	b = kt_core(NULL);
	if (t->natt)
		fd_b = kt_natt_socket(NULL, AF_INET6);
	kt_leave(&peer);

	kt_child_fill(&ca, A_ADDR, B_ADDR, lts, rts, t->mode, t->encr, t->integ, 1);
	kt_child_fill(&cb, B_ADDR, A_ADDR, rts, lts, t->mode, t->encr, t->integ, 1);
	ca.ci.esn = cb.ci.esn = t->esn;
	if (t->esn)
		ca.ci.replay_window = cb.ci.replay_window = 128;
	if (t->natt) {
		ca.ci.encap_local_port = cb.ci.encap_local_port = 4500;
		ca.ci.encap_remote_port = cb.ci.encap_remote_port = 4500;
	}
	if (!t->supported) {
		assert_child_refused(a, &ca);
		cg_core_destroy(b);
		cg_core_destroy(a);
		kt_peer_free(&peer);
		return;
	}
	cr_assert_eq(cg_child_install(a, &ca.ci), 0);
	cr_assert_eq(cg_child_install(b, &cb.ci), 0);

	rc = kt_sh("ping -6 -c 3 -i 0.2 -W 3 %s >/dev/null", target);
	if (rc) {
		dump = kt_sh_out("ip -s xfrm state; ip xfrm policy; ip -6 route; cat /proc/net/xfrm_stat");
		cr_assert_fail("ping -6 %s through ESP failed; kernel state:\n%s", target, dump);
	}
	out_id = (struct cg_kernel_sa_id){ .src = ca.ci.local, .dst = ca.ci.remote,
					   .spi = ca.ci.spi_out, .proto = IPPROTO_ESP };
	in_id = (struct cg_kernel_sa_id){ .src = ca.ci.remote, .dst = ca.ci.local,
					  .spi = ca.ci.spi_in, .proto = IPPROTO_ESP };
	cr_assert_eq(cg_kernel_query_sa(a, &out_id, &st), 0);
	cr_assert_geq(st.packets, 3, "outbound SA counted %llu packets",
		      (unsigned long long)st.packets);
	cr_assert_gt(st.bytes, 0);
	cr_assert_neq(st.use_time, 0, "outbound SA has no last-use time");
	cr_assert_eq(cg_kernel_query_sa(a, &in_id, &st), 0);
	cr_assert_geq(st.packets, 3, "inbound SA counted %llu packets",
		      (unsigned long long)st.packets);

	cr_assert_eq(cg_child_uninstall(a, &ca.ci), 0);
	cg_core_destroy(b);
	cg_core_destroy(a);
	if (fd_a >= 0)
		close(fd_a);
	if (fd_b >= 0)
		close(fd_b);
	kt_peer_free(&peer);
}

KT_TEST(esp_ping_tunnel_aes_gcm)
{
	esp_ping(&(struct esp_case){ .mode = CG_MODE_TUNNEL, .encr = CG_ENCR_AES_GCM_16,
				     .supported = kt_caps()->aead });
}

KT_TEST(esp_ping_transport_chacha20)
{
	esp_ping(&(struct esp_case){ .mode = CG_MODE_TRANSPORT, .encr = CG_ENCR_CHACHA20_POLY1305,
				     .supported = kt_caps()->aead });
}

KT_TEST(esp_ping_transport_cbc_sha256_esn)
{
	esp_ping(&(struct esp_case){ .mode = CG_MODE_TRANSPORT, .encr = CG_ENCR_AES_CBC,
				     .integ = CG_INTEG_HMAC_SHA2_256_128, .esn = true,
				     .supported = kt_caps()->esn && kt_caps()->sha256_128 });
}

KT_TEST(esp_ping_tunnel_cbc_sha512)
{
	esp_ping(&(struct esp_case){ .mode = CG_MODE_TUNNEL, .encr = KT_ENCR, .integ = KT_INTEG,
				     .supported = true });
}

KT_TEST(esp_ping_transport_cbc_sha384)
{
	esp_ping(&(struct esp_case){ .mode = CG_MODE_TRANSPORT, .encr = CG_ENCR_AES_CBC,
				     .integ = CG_INTEG_HMAC_SHA2_384_192, .supported = true });
}

KT_TEST(esp_ping_tunnel_udp_encap)
{
	esp_ping(&(struct esp_case){ .mode = CG_MODE_TUNNEL, .encr = KT_ENCR, .integ = KT_INTEG,
				     .natt = true, .supported = true });
}

struct icmp_pol {
	const char *src, *dst;
	enum cg_dir dir;
	enum cg_policy_action action;
	uint32_t priority;
	struct cg_kernel_policy_id id;
};

static void add_icmp_policy(struct cg_core *core, struct icmp_pol *p)
{
	struct cg_kernel_policy pol = {
		.id = { .src = kt_ts(p->src), .dst = kt_ts(p->dst), .dir = p->dir },
		.action = p->action,
		.priority = p->priority,
	};

	p->id = pol.id;
	cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0, "%s === %s", p->src, p->dst);
}

static uint64_t last_use(struct cg_core *core, const struct icmp_pol *p)
{
	struct cg_kernel_policy_stats ps;

	cr_assert_eq(cg_kernel_query_policy(core, &p->id, &ps), 0);
	return ps.use_time;
}

/*
 * Everything is dropped except what the ICMPv6 selectors let through; a
 * ping only works when echo and neighbour discovery are encoded right, and
 * each policy's last-use time tells whether a packet met it.
 */
KT_TEST(icmpv6_type_code_selectors)
{
	enum { ECHO_WRONG_CODE, ECHO_OUT, NS_OUT, NA_OUT, ALL_OUT, REPLY_IN, NS_IN, NA_IN, ALL_IN, N };
	struct icmp_pol p[N] = {
		/* type 128 code 5 never occurs: dropping it must not drop pings */
		[ECHO_WRONG_CODE] = { "::/0[ipv6-icmp]", "::/0[ipv6-icmp/32773]", CG_DIR_OUT,
				      CG_POLICY_DROP, 100 },
		/* type 128, any code */
		[ECHO_OUT] = { "::/0[ipv6-icmp]", "::/0[ipv6-icmp/32768-33023]", CG_DIR_OUT,
			       CG_POLICY_BYPASS, 200 },
		/* type 135 code 0 (neighbour solicitation), 136 code 0 (advertisement) */
		[NS_OUT] = { "::/0[ipv6-icmp]", "::/0[ipv6-icmp/34560]", CG_DIR_OUT,
			     CG_POLICY_BYPASS, 200 },
		[NA_OUT] = { "::/0[ipv6-icmp]", "::/0[ipv6-icmp/34816]", CG_DIR_OUT,
			     CG_POLICY_BYPASS, 200 },
		[ALL_OUT] = { "::/0", "::/0", CG_DIR_OUT, CG_POLICY_DROP, 1000 },
		/* type 129 (echo reply), any code, written on the source side */
		[REPLY_IN] = { "::/0[ipv6-icmp/33024-33279]", "::/0[ipv6-icmp]", CG_DIR_IN,
			       CG_POLICY_BYPASS, 200 },
		[NS_IN] = { "::/0[ipv6-icmp]", "::/0[ipv6-icmp/34560]", CG_DIR_IN,
			    CG_POLICY_BYPASS, 200 },
		[NA_IN] = { "::/0[ipv6-icmp]", "::/0[ipv6-icmp/34816]", CG_DIR_IN,
			    CG_POLICY_BYPASS, 200 },
		[ALL_IN] = { "::/0", "::/0", CG_DIR_IN, CG_POLICY_DROP, 1000 },
	};
	struct kt_peer peer;
	struct cg_core *core;
	char *dump;

	kt_peer_new(&peer);
	kt_veth(&peer, A_ADDR, B_ADDR, 64);
	core = kt_core(NULL);
	for (int i = 0; i < N; i++)
		add_icmp_policy(core, &p[i]);

	/* With a source given, ping skips its UDP probe for one (the catch-all drops UDP). */
	if (kt_sh("ping -6 -I " A_ADDR " -c 2 -i 0.2 -W 3 " B_ADDR " >/dev/null")) {
		dump = kt_sh_out("ip -s xfrm policy; ip -6 neigh");
		cr_assert_fail("ping through ICMPv6 selectors failed:\n%s", dump);
	}
	cr_assert_neq(last_use(core, &p[ECHO_OUT]), 0, "echo request did not meet type 128");
	cr_assert_eq(last_use(core, &p[ECHO_WRONG_CODE]), 0, "type 128 code 5 matched code 0");
	cr_assert_neq(last_use(core, &p[NS_OUT]), 0, "neighbour solicitation did not meet 135/0");
	cr_assert_neq(last_use(core, &p[REPLY_IN]), 0, "echo reply did not meet type 129");
	cr_assert_neq(last_use(core, &p[NA_IN]), 0, "neighbour advertisement did not meet 136/0");

	/* Without the echo selector the catch-all drop applies: the selectors did the work. */
	cr_assert_eq(cg_kernel_del_policy(core, &p[ECHO_OUT].id), 0);
	cr_assert_neq(kt_sh("ping -6 -I " A_ADDR " -c 1 -W 1 " B_ADDR " >/dev/null 2>&1"), 0,
		      "ping passed without its selector");
	cg_core_destroy(core);
	kt_peer_free(&peer);
}
