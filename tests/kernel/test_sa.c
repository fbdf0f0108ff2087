/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPI allocation, SA and policy round trips, SA shapes, error codes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kt.h"

static bool contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle);
}

KT_TEST(spi_allocation)
{
	struct cg_core *core = kt_core(NULL);
	uint32_t spi1 = 0, spi2 = 0;
	struct cg_kernel_sa sa;
	struct cg_addr src = kt_addr("2001:db8::2"), dst = kt_addr("2001:db8::1");
	char *out, want[32];

	cr_assert_eq(cg_kernel_get_spi(core, &src, &dst, IPPROTO_ESP, 7, &spi1), 0);
	cr_assert_eq(cg_kernel_get_spi(core, &src, &dst, IPPROTO_ESP, 7, &spi2), 0);
	cr_assert_geq(spi1, 0x100);
	cr_assert_geq(spi2, 0x100);
	cr_assert_neq(spi1, spi2, "two reservations got the same SPI %08x", spi1);

	/* Both reservations are larval SAs in the kernel. */
	out = kt_sh_out("ip xfrm state");
	snprintf(want, sizeof(want), "spi 0x%08x", spi1);
	cr_assert(contains(out, want), "reserved %s missing from:\n%s", want, out);
	free(out);

	/* update_sa completes a reservation into a full SA. */
	sa = kt_sa("2001:db8::2", "2001:db8::1", spi1, CG_MODE_TRANSPORT, 7);
	cr_assert_eq(cg_kernel_update_sa(core, &sa), 0);
	out = kt_sh_out("ip xfrm state get src 2001:db8::2 dst 2001:db8::1 proto esp spi 0x%08x",
			spi1);
	cr_assert(contains(out, "enc cbc(aes)"), "completed SA lacks its cipher:\n%s", out);
	cr_assert(contains(out, "auth-trunc hmac(sha512)"), "completed SA lacks its HMAC:\n%s", out);
	cr_assert(contains(out, "reqid 7"), "%s", out);
	free(out);

	/* update_sa of an SPI never reserved is refused as absent. */
	sa.id.spi = 0xc7777777;
	cr_assert_eq(cg_kernel_update_sa(core, &sa), -ENOENT);

	cr_assert_eq(cg_kernel_del_sa(core, &(struct cg_kernel_sa_id){ .src = src, .dst = dst,
			.spi = spi2, .proto = IPPROTO_ESP }), 0);
	cg_core_destroy(core);
	out = kt_sh_out("ip xfrm state");
	cr_assert_str_eq(out, "", "the core left SAs behind:\n%s", out);
	free(out);
}

/* An SA pair and in/out(/fwd) policies, read back from the kernel through the backend and ip. */
static void roundtrip(const char *l, const char *r, const char *lts, const char *rts,
		      enum cg_ipsec_mode mode)
{
	struct cg_core *core = kt_core(NULL);
	struct cg_kernel_sa out_sa = kt_sa(l, r, 0xc0010001, mode, 5);
	struct cg_kernel_sa in_sa = kt_sa(r, l, 0xc0010002, mode, 5);
	struct cg_kernel_sa_stats st;
	struct cg_kernel_policy_stats ps;
	struct cg_ts lt = kt_ts(lts), rt = kt_ts(rts);
	struct cg_kernel_policy pol = {
		.id = { .src = lt, .dst = rt, .dir = CG_DIR_OUT },
		.action = CG_POLICY_PROTECT,
		.priority = 2999,
		.proto = IPPROTO_ESP,
		.mode = mode,
		.reqid = 5,
		.tmpl_src = kt_addr(l),
		.tmpl_dst = kt_addr(r),
	};
	int ndirs = mode == CG_MODE_TUNNEL ? 3 : 2;
	char *out, want[160];
	time_t now = time(NULL);

	if (mode == CG_MODE_TRANSPORT) {
		out_sa.has_sel = in_sa.has_sel = true;
		out_sa.sel_src = in_sa.sel_dst = lt;
		out_sa.sel_dst = in_sa.sel_src = rt;
	}
	cr_assert_eq(cg_kernel_add_sa(core, &out_sa), 0);
	cr_assert_eq(cg_kernel_add_sa(core, &in_sa), 0);
	cr_assert_eq(cg_kernel_add_sa(core, &out_sa), -EEXIST);
	cr_assert_eq(cg_kernel_query_sa(core, &out_sa.id, &st), 0);
	cr_assert_eq(st.bytes, 0);
	cr_assert_eq(st.packets, 0);
	cr_assert_eq(st.use_time, 0);
	cr_assert(st.add_time >= (uint64_t)now - 5 && st.add_time <= (uint64_t)now + 5,
		  "add_time %llu, now %lld", (unsigned long long)st.add_time, (long long)now);

	for (int d = 0; d < ndirs; d++) {
		struct cg_kernel_policy p = pol;

		p.id.dir = (enum cg_dir)d;
		if (d != CG_DIR_OUT) {
			p.id.src = rt;
			p.id.dst = lt;
			p.tmpl_src = kt_addr(r);
			p.tmpl_dst = kt_addr(l);
		}
		cr_assert_eq(cg_kernel_add_policy(core, &p, false), 0, "dir %d", d);
		cr_assert_eq(cg_kernel_query_policy(core, &p.id, &ps), 0);
		cr_assert_eq(ps.priority, 2999);
		cr_assert_eq(ps.index % 8, (uint32_t)d, "XFRM numbers policies by direction");
		cr_assert_eq(ps.use_time, 0);
		/* Replacing changes the priority in place. */
		p.priority = 2000;
		cr_assert_eq(cg_kernel_add_policy(core, &p, true), 0);
		cr_assert_eq(cg_kernel_query_policy(core, &p.id, &ps), 0);
		cr_assert_eq(ps.priority, 2000);
	}
	out = kt_sh_out("ip xfrm policy");
	snprintf(want, sizeof(want), "src %s dst %s", lts, rts);
	cr_assert(contains(out, want), "missing '%s' in:\n%s", want, out);
	/*
	 * af_key reads a template's endpoints in tunnel mode only; in
	 * transport mode XFRM takes them from each packet either way.
	 */
	if (mode == CG_MODE_TUNNEL || kt_caps()->transport_tmpl_addrs)
		snprintf(want, sizeof(want), "tmpl src %s dst %s", l, r);
	else
		snprintf(want, sizeof(want), "tmpl src %s dst %s", lt.family == AF_INET6 ? "::" :
			 "0.0.0.0", lt.family == AF_INET6 ? "::" : "0.0.0.0");
	cr_assert(contains(out, want), "missing '%s' in:\n%s", want, out);
	snprintf(want, sizeof(want), "reqid 5 mode %s", cg_mode_name(mode));
	cr_assert(contains(out, want), "missing '%s' in:\n%s", want, out);
	cr_assert(contains(out, "priority 2000"), "%s", out);
	free(out);
	out = kt_sh_out("ip xfrm state get src %s dst %s proto esp spi 0xc0010001", l, r);
	snprintf(want, sizeof(want), "reqid 5 mode %s", cg_mode_name(mode));
	cr_assert(contains(out, want), "missing '%s' in:\n%s", want, out);
	if (mode == CG_MODE_TRANSPORT) {
		/* Without an SA selector of its own the backend's SA selects anything. */
		if (kt_caps()->sa_selector)
			snprintf(want, sizeof(want), "sel src %s dst %s", lts, rts);
		else
			snprintf(want, sizeof(want), "sel src %s dst %s", lt.family == AF_INET6 ?
				 "::/0" : "0.0.0.0/0", lt.family == AF_INET6 ? "::/0" : "0.0.0.0/0");
		cr_assert(contains(out, want), "missing '%s' in:\n%s", want, out);
	}
	free(out);

	for (int d = 0; d < ndirs; d++) {
		struct cg_kernel_policy_id id = { .src = d == CG_DIR_OUT ? lt : rt,
						  .dst = d == CG_DIR_OUT ? rt : lt,
						  .dir = (enum cg_dir)d };

		/* The core counted the replacing add as a second user: two deletes remove it. */
		cr_assert_eq(cg_kernel_del_policy(core, &id), 0);
		cr_assert_eq(cg_kernel_query_policy(core, &id, &ps), 0);
		cr_assert_eq(cg_kernel_del_policy(core, &id), 0);
		cr_assert_eq(cg_kernel_query_policy(core, &id, &ps), -ENOENT);
		cr_assert_eq(cg_kernel_del_policy(core, &id), -ENOENT);
	}
	cr_assert_eq(cg_kernel_del_sa(core, &out_sa.id), 0);
	cr_assert_eq(cg_kernel_del_sa(core, &in_sa.id), 0);
	cr_assert_eq(cg_kernel_del_sa(core, &in_sa.id), -ENOENT);
	cr_assert_eq(cg_kernel_query_sa(core, &in_sa.id, &st), -ENOENT);
	out = kt_sh_out("ip xfrm state; ip xfrm policy");
	cr_assert_str_eq(out, "", "left behind:\n%s", out);
	free(out);
	cg_core_destroy(core);
}

KT_TEST(roundtrip_ipv6_tunnel)
{
	roundtrip("2001:db8::1", "2001:db8::2", "2001:db8:1::/64", "2001:db8:2::/64",
		  CG_MODE_TUNNEL);
}

KT_TEST(roundtrip_ipv6_transport)
{
	roundtrip("2001:db8::1", "2001:db8::2", "2001:db8::1/128", "2001:db8::2/128",
		  CG_MODE_TRANSPORT);
}

KT_TEST(roundtrip_ipv4_tunnel)
{
	roundtrip("192.0.2.1", "192.0.2.2", "198.51.100.0/25", "198.51.100.128/25",
		  CG_MODE_TUNNEL);
}

KT_TEST(roundtrip_ipv4_transport)
{
	roundtrip("192.0.2.1", "192.0.2.2", "192.0.2.1/32", "192.0.2.2/32", CG_MODE_TRANSPORT);
}

/* Selectors with protocols and ports, and ICMPv6/MH types, as the kernel shows them. */
KT_TEST(selector_encoding)
{
	struct cg_core *core = kt_core(NULL);
	const struct kt_caps *caps = kt_caps();
	/*
	 * shown: what ip shows. Where the backend cannot hold a selector
	 * (refused with -EOPNOTSUPP) or holds code 0 as "any code", it says
	 * so; nothing is silently widened otherwise.
	 */
	const struct {
		const char *src, *dst, *shown;
		int err;
	} cases[] = {
		{ "2001:db8:1::/64[tcp/443]", "2001:db8:2::/64[tcp]", "proto tcp sport 443", 0 },
		{ "198.51.100.0/25[udp]", "198.51.100.128/25[udp/1024-2047]", "proto udp dport 1024",
		  caps->port_ranges ? 0 : -EOPNOTSUPP },
		/* type 128 any code: sport carries the type, no code */
		{ "::/0[ipv6-icmp]", "::/0[ipv6-icmp/32768-33023]", "proto ipv6-icmp type 128 ", 0 },
		/* type 135 code 0 */
		{ "::/0[ipv6-icmp]", "::/0[ipv6-icmp/34560]",
		  caps->icmp_code_0 ? "proto ipv6-icmp type 135 code 0" : "proto ipv6-icmp type 135 ", 0 },
		{ "0.0.0.0/0[icmp/2048]", "0.0.0.0/0[icmp]",
		  caps->icmp_code_0 ? "proto icmp type 8 code 0" : "proto icmp type 8 ", 0 },
		/* type 128 code 5: one code of a type */
		{ "::/0[ipv6-icmp]", "::/0[ipv6-icmp/32773]", "proto ipv6-icmp type 128 code 5", 0 },
		/* MH type 5 (binding update) */
		{ "::/0[135]", "::/0[135/1280-1535]", "type 5", 0 },
	};

	for (size_t i = 0; i < CG_ARRAY_SIZE(cases); i++) {
		struct cg_kernel_policy pol = {
			.id = { .src = kt_ts(cases[i].src), .dst = kt_ts(cases[i].dst),
				.dir = CG_DIR_OUT },
			.action = CG_POLICY_BYPASS,
			.priority = CG_PRIO_BYPASS,
		};
		struct cg_kernel_policy_stats ps;
		char *out;

		if (cases[i].err) {
			cr_assert_eq(cg_kernel_add_policy(core, &pol, false), cases[i].err, "%s",
				     cases[i].dst);
			out = kt_sh_out("ip xfrm policy");
			cr_assert_str_eq(out, "", "a refused selector reached the kernel:\n%s", out);
			free(out);
			continue;
		}
		cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0, "%s", cases[i].dst);
		cr_assert_eq(cg_kernel_query_policy(core, &pol.id, &ps), 0, "%s", cases[i].dst);
		out = kt_sh_out("ip xfrm policy");
		cr_assert(contains(out, cases[i].shown), "%s === %s: '%s' not in:\n%s",
			  cases[i].src, cases[i].dst, cases[i].shown, out);
		if (!caps->icmp_code_0 && strstr(cases[i].shown, "type") &&
		    !strstr(cases[i].shown, "code"))
			cr_assert_not(contains(out, "code"), "%s: a code appeared:\n%s",
				      cases[i].dst, out);
		free(out);
		cr_assert_eq(cg_kernel_del_policy(core, &pol.id), 0);
	}
	/* Another daemon's policy with the same selector is not replaced unless asked. */
	cr_assert_eq(kt_sh("ip xfrm policy add src 2001:db8:77::/64 dst 2001:db8:78::/64 dir out "
			   "priority 5"), 0);
	{
		struct cg_kernel_policy pol = {
			.id = { .src = kt_ts("2001:db8:77::/64"), .dst = kt_ts("2001:db8:78::/64"),
				.dir = CG_DIR_OUT },
			.action = CG_POLICY_BYPASS,
			.priority = 6,
		};
		struct cg_kernel_policy_stats ps;

		cr_assert_eq(cg_kernel_add_policy(core, &pol, false), -EEXIST);
		cr_assert_eq(cg_kernel_query_policy(core, &pol.id, &ps), 0);
		cr_assert_eq(ps.priority, 5);
		cr_assert_eq(cg_kernel_add_policy(core, &pol, true), 0);
		cr_assert_eq(cg_kernel_query_policy(core, &pol.id, &ps), 0);
		cr_assert_eq(ps.priority, 6);
	}
	cg_core_destroy(core);
}

/* The SA is not in the kernel (a refusal left nothing behind). */
static void assert_no_sa(const char *src, const char *dst, uint32_t spi)
{
	cr_assert_neq(kt_sh("ip xfrm state get src %s dst %s proto esp spi 0x%08x >/dev/null 2>&1",
			    src, dst, spi), 0, "SA %08x is in the kernel", spi);
}

/* Adding sa fails with -EOPNOTSUPP, logged, and leaves nothing in the kernel. */
static void assert_refused(struct cg_core *core, const struct cg_kernel_sa *sa, const char *what)
{
	char src[CG_ADDR_STRLEN], dst[CG_ADDR_STRLEN];
	struct tl_logcap cap;

	tl_logcap_start(&cap, core, CG_LVL_ERROR);
	cr_assert_eq(cg_kernel_add_sa(core, sa), -EOPNOTSUPP, "%s: %s did not refuse it", what,
		     kt_backend());
	cr_assert_geq(tl_logcap_count(&cap, strerror(EOPNOTSUPP)), 1, "%s: refusal not logged",
		      what);
	tl_logcap_stop(&cap);
	assert_no_sa(cg_addr_str(&sa->id.src, src, sizeof(src)),
		     cg_addr_str(&sa->id.dst, dst, sizeof(dst)), sa->id.spi);
}

/*
 * AEADs, cipher+integrity, ESN and replay window, NAT-T, lifetimes,
 * transport_proxy. What the backend cannot express must be refused with
 * -EOPNOTSUPP, never installed as something else.
 */
KT_TEST(sa_shapes)
{
	const struct kt_caps *caps = kt_caps();
	struct cg_core *core = kt_core(NULL);
	uint8_t k20[20] = { 7 }, k36[36] = { 8 }, k32[32] = { 9 }, k16[16] = { 10 }, k48[48] = { 11 };
	struct cg_kernel_sa sa;
	char *out;

	/* Cipher + integrity with lifetimes: every backend. */
	sa = kt_sa("2001:db8::1", "2001:db8::2", 0xc0020005, CG_MODE_TUNNEL, 9);
	sa.lifetime = (struct cg_lifetime){ .soft_bytes = 1000000, .hard_bytes = 2000000,
					    .soft_packets = 1000, .hard_packets = 2000,
					    .soft_secs = 100, .hard_secs = 200 };
	cr_assert_eq(cg_kernel_add_sa(core, &sa), 0);
	out = kt_sh_out("ip -s xfrm state get src 2001:db8::1 dst 2001:db8::2 proto esp spi 0xc0020005");
	cr_assert(contains(out, "enc cbc(aes)"), "%s", out);
	cr_assert(contains(out, "auth-trunc hmac(sha512)"), "%s", out);
	cr_assert(contains(out, "replay-window 32"), "%s", out);
	cr_assert(contains(out, "soft 1000000(bytes), hard 2000000(bytes)"), "%s", out);
	cr_assert(contains(out, "soft 1000(packets), hard 2000(packets)"), "%s", out);
	cr_assert(contains(out, "add: soft 100(sec), hard 200(sec)"), "%s", out);
	free(out);

	/* An AEAD with ESN and a window of 128. */
	sa = kt_sa("2001:db8::1", "2001:db8::2", 0xc0020001, CG_MODE_TUNNEL, 9);
	sa.encr_alg = CG_ENCR_CHACHA20_POLY1305;
	sa.encr_keylen = 256;
	sa.encr_key = CG_CHUNK(k36, 36);
	sa.integ_alg = CG_INTEG_NONE;
	sa.integ_key = CG_CHUNK_EMPTY;
	sa.esn = true;
	sa.replay_window = 128;
	sa.lifetime = (struct cg_lifetime){ .soft_bytes = 1000000, .hard_bytes = 2000000,
					    .soft_packets = 1000, .hard_packets = 2000,
					    .soft_secs = 100, .hard_secs = 200 };
	if (caps->aead && caps->esn) {
		cr_assert_eq(cg_kernel_add_sa(core, &sa), 0);
		out = kt_sh_out("ip -s xfrm state get src 2001:db8::1 dst 2001:db8::2 proto esp "
				"spi 0xc0020001");
		cr_assert(contains(out, "rfc7539esp(chacha20,poly1305)"), "%s", out);
		cr_assert(contains(out, "esn"), "%s", out);
		cr_assert(contains(out, "replay_window 128"), "%s", out);
		cr_assert(contains(out, "add: soft 100(sec), hard 200(sec)"), "%s", out);
		free(out);
	} else {
		assert_refused(core, &sa, "ChaCha20-Poly1305 with ESN");
		sa.esn = false;
		sa.replay_window = 32;
		assert_refused(core, &sa, "ChaCha20-Poly1305");
	}
	if (!caps->esn) {
		/* ESN with a cipher the backend does hold. */
		sa = kt_sa("2001:db8::1", "2001:db8::2", 0xc0020006, CG_MODE_TUNNEL, 9);
		sa.esn = true;
		assert_refused(core, &sa, "ESN");
	}

	/* Cipher + integrity with UDP encapsulation (NAT-T), IPv4. */
	sa = kt_sa("192.0.2.1", "192.0.2.2", 0xc0020002, CG_MODE_TUNNEL, 9);
	sa.integ_alg = CG_INTEG_HMAC_SHA2_256_128;
	sa.integ_key = CG_CHUNK(k32, 32);
	sa.encap_sport = 4500;
	sa.encap_dport = 4501;
	if (!caps->sha256_128) {
		/* af_key would install a 96-bit ICV: refused, then SHA-384 instead. */
		assert_refused(core, &sa, "HMAC-SHA2-256-128");
		sa.integ_alg = CG_INTEG_HMAC_SHA2_384_192;
		sa.integ_key = CG_CHUNK(k48, 48);
	}
	cr_assert_eq(cg_kernel_add_sa(core, &sa), 0);
	out = kt_sh_out("ip xfrm state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 0xc0020002");
	cr_assert(contains(out, "enc cbc(aes)"), "%s", out);
	if (caps->sha256_128) {
		cr_assert(contains(out, "auth-trunc hmac(sha256)"), "%s", out);
		cr_assert(contains(out, " 128"), "%s", out);
	} else {
		cr_assert(contains(out, "auth-trunc hmac(sha384)"), "%s", out);
		cr_assert(contains(out, " 192"), "%s", out);
	}
	cr_assert(contains(out, "encap type espinudp sport 4500 dport 4501"), "%s", out);
	free(out);

	/* AES-GCM with a 128-bit key on a transport_proxy-shaped SA. */
	sa = kt_sa("2001:db8:c0a::1", "2001:db8::2", 0xc0020003, CG_MODE_TRANSPORT, 9);
	sa.encr_alg = CG_ENCR_AES_GCM_16;
	sa.encr_key = CG_CHUNK(k20, 20);
	sa.integ_alg = CG_INTEG_NONE;
	sa.integ_key = CG_CHUNK_EMPTY;
	sa.has_sel = true;
	sa.sel_src = kt_ts("2001:db8:40::1/128");
	sa.sel_dst = kt_ts("2001:db8::2/128");
	if (!caps->aead) {
		assert_refused(core, &sa, "AES-GCM");
		sa.encr_alg = KT_ENCR;
		sa.encr_key = CG_CHUNK(k16, 16);
		sa.integ_alg = KT_INTEG;
		sa.integ_key = kt_sa("::1", "::2", 1, CG_MODE_TUNNEL, 1).integ_key;
	}
	cr_assert_eq(cg_kernel_add_sa(core, &sa), 0);
	out = kt_sh_out("ip xfrm state get src 2001:db8:c0a::1 dst 2001:db8::2 proto esp spi 0xc0020003");
	if (caps->sa_selector)
		cr_assert(contains(out, "sel src 2001:db8:40::1/128 dst 2001:db8::2/128"), "%s", out);
	else /* af_key keeps no SA selector: the policies select the traffic */
		cr_assert(contains(out, "sel src ::/0 dst ::/0"), "%s", out);
	cr_assert(contains(out, "mode transport"), "%s", out);
	free(out);

	/* A key that does not fit the algorithm is refused before the kernel sees it. */
	sa.id.spi = 0xc0020004;
	sa.encr_keylen = 256;
	sa.encr_key = CG_CHUNK(k16, 16);
	cr_assert_eq(cg_kernel_add_sa(core, &sa), -EINVAL);
	assert_no_sa("2001:db8:c0a::1", "2001:db8::2", 0xc0020004);
	if (caps->aead) {
		/* So is an AEAD with an integrity algorithm. */
		sa.encr_alg = CG_ENCR_AES_GCM_16;
		sa.encr_keylen = 128;
		sa.encr_key = CG_CHUNK(k20, 20);
		sa.integ_alg = CG_INTEG_HMAC_SHA2_256_128;
		sa.integ_key = CG_CHUNK(k32, 32);
		cr_assert_eq(cg_kernel_add_sa(core, &sa), -EINVAL);
	}
	cg_core_destroy(core);
}

/* Kernel refusals come back as negative errnos and are logged with the kernel's words. */
KT_TEST(errors_logged)
{
	struct cg_core *core = kt_core(NULL);
	struct tl_logcap cap;
	struct cg_kernel_sa sa = kt_sa("2001:db8::1", "2001:db8::2", 0xc0030001, CG_MODE_TUNNEL, 3);
	char want[128];
	int err;

	tl_logcap_start(&cap, core, CG_LVL_WARN);
	cr_assert_eq(cg_kernel_del_sa(core, &sa.id), -ENOENT);
	/* A protocol with no SA type behind it (IPPROTO_UDP) makes the kernel refuse. */
	sa.id.proto = IPPROTO_UDP;
	err = cg_kernel_add_sa(core, &sa);
	cr_assert_lt(err, 0);
	snprintf(want, sizeof(want), "failed: %s", strerror(-err));
	cr_assert_geq(tl_logcap_count(&cap, want), 1, "the kernel's refusal was not logged ('%s')",
		      want);
	tl_logcap_stop(&cap);
	cg_core_destroy(core);
}
