/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel-pfkey against a real af_key (label "kernel": root and a kernel
 * with af_key and ESP, e.g. in the kernel lab). Each test runs in its own
 * network namespace.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cygnet/cygnet.h>

#include "testlib.h"

struct events {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cg_event ev[64];
	size_t n;
};

static struct cg_core *core;
static struct events evs = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
static struct cg_bus_sub *sub;

static void on_event(void *ctx, const struct cg_event *ev)
{
	pthread_mutex_lock(&evs.lock);
	if (evs.n < CG_ARRAY_SIZE(evs.ev))
		evs.ev[evs.n++] = *ev;
	pthread_cond_broadcast(&evs.cond);
	pthread_mutex_unlock(&evs.lock);
}

/* Waits up to ms for the index-th event of a type; copies it. */
static bool wait_event(enum cg_event_type type, unsigned ms, struct cg_event *out)
{
	struct timespec until;
	bool found = false;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&evs.lock);
	for (;;) {
		for (size_t i = 0; i < evs.n && !found; i++) {
			if (evs.ev[i].type == type) {
				*out = evs.ev[i];
				evs.ev[i].type = CG_EV_TYPE_COUNT; /* consumed */
				found = true;
			}
		}
		if (found || pthread_cond_timedwait(&evs.cond, &evs.lock, &until))
			break;
	}
	pthread_mutex_unlock(&evs.lock);
	return found;
}

static void lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	strcpy(ifr.ifr_name, "lo");
	ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
}

static void setup(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: needs root");
	lo_up();
	core = tl_core_new("pfkey", "daemon: { plugins: [kernel-pfkey], log: { knl: debug } }\n", NULL, NULL, NULL);
	cr_assert_not_null(core, "kernel-pfkey did not start (root? af_key?)");
	cr_assert_eq(cg_bus_subscribe(core, CG_EV_ALL, CG_BUS_SYNC, on_event, NULL, &sub), 0);
}

static void teardown(void)
{
	cg_bus_unsubscribe(core, sub);
	cg_core_destroy(core);
}

/* Generous: the kernel lab emulates its CPU and may share it. */
TestSuite(pfkey_live, .init = setup, .fini = teardown, .timeout = 240);

static struct cg_addr A(const char *s)
{
	struct cg_addr a;

	cr_assert_eq(cg_addr_parse(s, &a), 0, "%s", s);
	return a;
}

static struct cg_ts T(const char *s)
{
	struct cg_ts t;
	const char *err;

	cr_assert_eq(cg_ts_parse(s, &t, &err), 0, "%s", s);
	return t;
}

static uint8_t ekey[20] = "0123456789abcdefSALT";
static uint8_t ikey[64] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";

static struct cg_kernel_sa sa_template(const char *src, const char *dst, uint32_t spi,
				       enum cg_ipsec_mode mode)
{
	return (struct cg_kernel_sa){
		.id = { .src = A(src), .dst = A(dst), .spi = spi, .proto = IPPROTO_ESP },
		.mode = mode,
		.reqid = 11,
		.encr_alg = CG_ENCR_AES_CBC,
		.encr_keylen = 128,
		.encr_key = CG_CHUNK(ekey, 16),
		.integ_alg = CG_INTEG_HMAC_SHA2_512_256,
		.integ_key = CG_CHUNK(ikey, 64),
		.replay_window = 32,
	};
}

static void sa_round_trip(const char *src, const char *dst, enum cg_ipsec_mode mode)
{
	struct cg_kernel_sa sa = sa_template(src, dst, 0, mode);
	struct cg_kernel_sa_stats st;
	uint32_t spi = 0;

	cr_assert_eq(cg_kernel_get_spi(core, &sa.id.src, &sa.id.dst, IPPROTO_ESP, 11, &spi), 0);
	cr_assert_geq(spi, 0xc0000000u);
	sa.id.spi = spi;
	cr_assert_eq(cg_kernel_update_sa(core, &sa), 0, "update completing the reservation");
	cr_assert_eq(cg_kernel_query_sa(core, &sa.id, &st), 0);
	cr_assert_gt(st.add_time, 1000000000u);
	cr_assert_eq(st.bytes, 0);
	cr_assert_eq(cg_kernel_add_sa(core, &sa), -EEXIST);
	cr_assert_eq(cg_kernel_del_sa(core, &sa.id), 0);
	cr_assert_eq(cg_kernel_query_sa(core, &sa.id, &st), -ENOENT);
	cr_assert_eq(cg_kernel_update_sa(core, &sa), -ENOENT);
}

Test(pfkey_live, sa_ipv6_transport)
{
	sa_round_trip("2001:db8::2", "2001:db8::1", CG_MODE_TRANSPORT);
}

Test(pfkey_live, sa_ipv4_tunnel_with_natt_and_lifetimes)
{
	struct cg_kernel_sa sa = sa_template("192.0.2.2", "192.0.2.1", 0xc0000101, CG_MODE_TUNNEL);
	struct cg_kernel_sa_stats st;

	sa.encap_sport = 4500;
	sa.encap_dport = 31000;
	sa.lifetime = (struct cg_lifetime){ .soft_bytes = 1000000, .hard_bytes = 2000000,
					    .soft_secs = 3000, .hard_secs = 3600 };
	cr_assert_eq(cg_kernel_add_sa(core, &sa), 0);
	cr_assert_eq(cg_kernel_query_sa(core, &sa.id, &st), 0);
	sa_round_trip("192.0.2.2", "192.0.2.1", CG_MODE_TUNNEL);
}

/* af_key only knows cipher+integrity algorithms: an AEAD is refused, not mangled. */
Test(pfkey_live, aes_gcm_refused_or_installed)
{
	struct cg_kernel_sa sa = sa_template("2001:db8::2", "2001:db8::1", 0xc0000102,
					     CG_MODE_TRANSPORT);
	struct cg_kernel_sa_stats st;
	int err;

	sa.encr_alg = CG_ENCR_AES_GCM_16;
	sa.encr_key = CG_CHUNK(ekey, 20);
	sa.integ_alg = CG_INTEG_NONE;
	sa.integ_key = CG_CHUNK_EMPTY;
	err = cg_kernel_add_sa(core, &sa);
	cr_log_info("AES-GCM over PF_KEY: %s", err ? strerror(-err) : "installed");
	cr_assert(err == 0 || err == -EOPNOTSUPP, "unexpected %d", err);
	cr_assert_eq(cg_kernel_query_sa(core, &sa.id, &st), err ? -ENOENT : 0);
}

/* Linux af_key would install HMAC-SHA2-256 with a 96-bit ICV: refused rather than mismatched. */
Test(pfkey_live, hmac_sha256_128_refused)
{
	struct cg_kernel_sa sa = sa_template("2001:db8::2", "2001:db8::1", 0xc0000103,
					     CG_MODE_TRANSPORT);
	struct cg_kernel_sa_stats st;

	sa.integ_alg = CG_INTEG_HMAC_SHA2_256_128;
	sa.integ_key = CG_CHUNK(ikey, 32);
	cr_assert_eq(cg_kernel_add_sa(core, &sa), -EOPNOTSUPP);
	cr_assert_eq(cg_kernel_query_sa(core, &sa.id, &st), -ENOENT);
	sa.integ_alg = CG_INTEG_HMAC_SHA2_384_192;
	sa.integ_key = CG_CHUNK(ikey, 48);
	cr_assert_eq(cg_kernel_add_sa(core, &sa), 0);
}

static struct cg_kernel_policy protect(const char *src, const char *dst, enum cg_dir dir,
				       uint32_t prio)
{
	return (struct cg_kernel_policy){
		.id = { .src = T(src), .dst = T(dst), .dir = dir },
		.action = CG_POLICY_PROTECT,
		.priority = prio,
		.proto = IPPROTO_ESP,
		.mode = CG_MODE_TRANSPORT,
		.reqid = 11,
	};
}

Test(pfkey_live, policy_round_trip_and_replace)
{
	struct cg_kernel_policy pol = protect("2001:db8::1[tcp]", "2001:db8::2[tcp/22]", CG_DIR_OUT, 3000);
	struct cg_kernel_policy foreign = protect("2001:db8::5", "2001:db8::6", CG_DIR_OUT, 3000);
	struct cg_kernel_policy_stats st;

	cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0);
	cr_assert_eq(cg_kernel_query_policy(core, &pol.id, &st), 0);
	cr_assert_eq(st.priority, 3000);
	cr_assert_eq(st.index & 7, 1, "an out policy's index ends in 1, got %u", st.index);
	pol.priority = 2900;
	cr_assert_eq(cg_kernel_add_policy(core, &pol, true), 0);
	cr_assert_eq(cg_kernel_query_policy(core, &pol.id, &st), 0);
	cr_assert_eq(st.priority, 2900);
	/* Same selector, other direction: another policy. */
	pol.id.dir = CG_DIR_IN;
	cr_assert_eq(cg_kernel_query_policy(core, &pol.id, &st), -ENOENT);
	pol.id.dir = CG_DIR_OUT;
	/* The core counts two users now: the second removal reaches the kernel. */
	cr_assert_eq(cg_kernel_del_policy(core, &pol.id), 0);
	cr_assert_eq(cg_kernel_query_policy(core, &pol.id, &st), 0);
	cr_assert_eq(cg_kernel_del_policy(core, &pol.id), 0);
	cr_assert_eq(cg_kernel_query_policy(core, &pol.id, &st), -ENOENT);

	/* Someone else's policy with our selector: EEXIST, unless we replace it. */
	cr_assert_eq(system("ip -6 xfrm policy add src 2001:db8::5/128 dst 2001:db8::6/128 "
			    "dir out priority 5"), 0);
	cr_assert_eq(cg_kernel_add_policy(core, &foreign, false), -EEXIST);
	cr_assert_eq(cg_kernel_query_policy(core, &foreign.id, &st), 0);
	cr_assert_eq(st.priority, 5);
	cr_assert_eq(cg_kernel_add_policy(core, &foreign, true), 0);
	cr_assert_eq(cg_kernel_query_policy(core, &foreign.id, &st), 0);
	cr_assert_eq(st.priority, 3000);
}

Test(pfkey_live, tunnel_policy_ipv4_fwd)
{
	struct cg_kernel_policy pol = protect("198.51.100.0/25", "198.51.100.128/25", CG_DIR_FWD,
					      3000);
	struct cg_kernel_policy_stats st;

	pol.mode = CG_MODE_TUNNEL;
	pol.tmpl_src = A("192.0.2.2");
	pol.tmpl_dst = A("192.0.2.1");
	cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0);
	cr_assert_eq(cg_kernel_query_policy(core, &pol.id, &st), 0);
	cr_assert_eq(st.index & 7, 2);
	pol.reqid = 20000;
	pol.id.dir = CG_DIR_IN;
	cr_assert_eq(cg_kernel_add_policy(core, &pol, false), -ERANGE);
}

/* Sends one ICMPv6 echo request to ::1; the result of sendto. */
static int ping6_lo(void)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct icmp6_hdr echo = { .icmp6_type = ICMP6_ECHO_REQUEST };
	int fd = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6), r;

	cr_assert_geq(fd, 0);
	r = (int)sendto(fd, &echo, sizeof(echo), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to));
	r = r < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * The ICMPv6 type reaches the kernel where XFRM matches it: a trap policy
 * for echo requests (type 128) raises an acquire for a ping; a bypass for
 * type 128 at a better priority lets the ping through without one; a
 * bypass for type 129 does not.
 */
Test(pfkey_live, icmpv6_type_selector_matches_packets)
{
	struct cg_kernel_policy trap = protect("::1[ipv6-icmp]", "::1[ipv6-icmp]", CG_DIR_OUT, 3500);
	struct cg_kernel_policy hole;
	struct cg_event ev;

	trap.id.src.from_port = trap.id.dst.from_port = cg_ts_icmp_port(128, 0);
	trap.id.src.to_port = trap.id.dst.to_port = cg_ts_icmp_port(128, 0xff);
	trap.reqid = 77;
	hole = trap;
	hole.action = CG_POLICY_BYPASS;
	hole.priority = CG_PRIO_NDHOLE;
	hole.id.src.from_port = hole.id.dst.from_port = cg_ts_icmp_port(129, 0);
	hole.id.src.to_port = hole.id.dst.to_port = cg_ts_icmp_port(129, 0xff);
	cr_assert_eq(cg_kernel_add_policy(core, &trap, false), 0);
	cr_assert_eq(cg_kernel_add_policy(core, &hole, false), 0);
	ping6_lo();
	cr_assert(wait_event(CG_EV_KERNEL_ACQUIRE, 3000, &ev), "no acquire for the echo request");
	cr_assert_eq(ev.u.acquire.reqid, 77);
	cr_assert_eq(ev.u.acquire.policy_src.proto, IPPROTO_ICMPV6);
	cr_assert_eq(ev.u.acquire.policy_dst.from_port, cg_ts_icmp_port(128, 0));
	cr_assert_eq(ev.u.acquire.policy_dst.to_port, cg_ts_icmp_port(128, 0xff));
	cr_assert_eq(ev.u.acquire.proto, IPPROTO_ESP);

	/* Now a hole for type 128 itself: the ping leaves in the clear. */
	cr_assert_eq(cg_kernel_del_policy(core, &hole.id), 0);
	hole.id.src.from_port = hole.id.dst.from_port = cg_ts_icmp_port(128, 0);
	hole.id.src.to_port = hole.id.dst.to_port = cg_ts_icmp_port(128, 0xff);
	/* Same selector as the trap: it takes the trap's place. */
	cr_assert_eq(cg_kernel_add_policy(core, &hole, true), 0);
	cr_assert_eq(ping6_lo(), 0);
	cr_assert_not(wait_event(CG_EV_KERNEL_ACQUIRE, 1000, &ev), "acquire despite the hole");
}

/* IPv4 over a dummy link: Linux exempts IPv4 loopback from IPsec policies. */
Test(pfkey_live, acquire_from_udp_trap)
{
	struct cg_kernel_policy trap = protect("192.0.2.1", "192.0.2.2[udp/7777]", CG_DIR_OUT, 3500);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7777) };
	struct cg_addr peer = A("192.0.2.2");
	struct cg_event ev;
	int fd;

	cr_assert_eq(system("ip link add cgd0 type dummy && ip link set cgd0 up && "
			    "ip addr add 192.0.2.1/24 dev cgd0"), 0);
	to.sin_addr = peer.u.v4;
	trap.id.src.proto = IPPROTO_UDP;
	trap.reqid = 33;
	cr_assert_eq(cg_kernel_add_policy(core, &trap, false), 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(fd, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	cr_assert(wait_event(CG_EV_KERNEL_ACQUIRE, 5000, &ev), "no acquire");
	cr_assert_eq(ev.u.acquire.reqid, 33);
	cr_assert(cg_addr_equal(&ev.u.acquire.dst.from, &peer));
	cr_assert_eq(ev.u.acquire.dst.proto, IPPROTO_UDP);
	cr_assert_eq(ev.u.acquire.dst.from_port, 7777);
	cr_assert_eq(ev.u.acquire.tmpl_dst.family, AF_UNSPEC);
}

Test(pfkey_live, soft_then_hard_expire)
{
	struct cg_kernel_sa sa = sa_template("2001:db8::2", "2001:db8::1", 0xc0000201,
					     CG_MODE_TRANSPORT);
	struct cg_event ev;

	sa.reqid = 44;
	sa.lifetime.soft_secs = 1;
	sa.lifetime.hard_secs = 3;
	cr_assert_eq(cg_kernel_add_sa(core, &sa), 0);
	cr_assert(wait_event(CG_EV_KERNEL_EXPIRE, 8000, &ev), "no soft expire");
	cr_assert_not(ev.u.expire.hard);
	cr_assert_eq(ev.u.expire.id.spi, 0xc0000201);
	cr_assert_eq(ev.u.expire.reqid, 44);
	cr_assert(wait_event(CG_EV_KERNEL_EXPIRE, 8000, &ev), "no hard expire");
	cr_assert(ev.u.expire.hard);
	cr_assert_eq(cg_kernel_del_sa(core, &sa.id), -ENOENT);
}

/* Someone else deleting our policy is reported; our own deletions are not. */
Test(pfkey_live, policy_gone_when_deleted_by_another)
{
	struct cg_kernel_policy pol = protect("2001:db8::1", "2001:db8::9", CG_DIR_IN, 3000);
	struct cg_event ev;

	cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0);
	cr_assert_eq(system("ip -6 xfrm policy delete src 2001:db8::1/128 dst 2001:db8::9/128 "
			    "dir in"), 0);
	cr_assert(wait_event(CG_EV_KERNEL_POLICY_GONE, 3000, &ev), "no policy-gone event");
	cr_assert_not(ev.u.policy_gone.flush);
	cr_assert_eq(ev.u.policy_gone.id.dir, CG_DIR_IN);
	cr_assert(cg_ts_equal(&ev.u.policy_gone.id.dst, &pol.id.dst));
	pol.id.dst = T("2001:db8::10");
	cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0);
	cr_assert_eq(cg_kernel_del_policy(core, &pol.id), 0);
	cr_assert_not(wait_event(CG_EV_KERNEL_POLICY_GONE, 500, &ev));
}

/* The Mobile IPv6 move of seed 004: XFRM_MSG_MIGRATE with KMADDRESS reaches us as SADB_X_MIGRATE. */
Test(pfkey_live, migrate_with_kmaddress)
{
	struct cg_kernel_policy pol = protect("2001:db8:71::/64", "2001:db8:72::/64", CG_DIR_OUT, 3000);
	struct cg_event ev;
	struct cg_addr a;
	char cmd[1024];

	pol.mode = CG_MODE_TUNNEL;
	pol.reqid = 55;
	pol.tmpl_src = A("2001:db8:70::1");
	pol.tmpl_dst = A("2001:db8:70::2");
	cr_assert_eq(cg_kernel_add_policy(core, &pol, false), 0);
	snprintf(cmd, sizeof(cmd),
		 "%s/cg-migrate --sel 2001:db8:71::/64 2001:db8:72::/64 --dir out "
		 "--mode tunnel --reqid 55 --move 2001:db8:70::1 2001:db8:70::2 2001:db8:70::11 "
		 "2001:db8:70::2 --km 2001:db8:70::11 2001:db8:70::2", CG_TEST_BIN_DIR);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert(wait_event(CG_EV_KERNEL_MIGRATE, 3000, &ev), "no migrate event");
	cr_assert_eq(ev.u.migrate.policy.dir, CG_DIR_OUT);
	cr_assert(ev.u.migrate.has_kmaddress);
	a = A("2001:db8:70::11");
	cr_assert(cg_addr_equal(&ev.u.migrate.km_local, &a));
	cr_assert_eq(ev.u.migrate.n_entries, 1);
	cr_assert_eq(ev.u.migrate.entries[0].reqid, 55);
	cr_assert_eq(ev.u.migrate.entries[0].mode, CG_MODE_TUNNEL);
	cr_assert(cg_addr_equal(&ev.u.migrate.entries[0].new_src, &a));
	a = A("2001:db8:71::");
	cr_assert(cg_addr_equal(&ev.u.migrate.policy.src.from, &a));
	pol.id.dir = CG_DIR_OUT;
	cg_kernel_del_policy(core, &pol.id);
}

Test(pfkey_live, bypass_socket)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	cr_assert_eq(cg_kernel_bypass_socket(core, fd, AF_INET6), 0);
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_eq(cg_kernel_bypass_socket(core, fd, AF_INET), 0);
	close(fd);
}

/* Installs one neighbour-discovery bypass (type, in and out) through the backend. */
static void nd_hole(uint8_t type)
{
	const enum cg_dir dirs[] = { CG_DIR_IN, CG_DIR_OUT };

	for (size_t i = 0; i < CG_ARRAY_SIZE(dirs); i++) {
		struct cg_kernel_policy hole = {
			.id = { .src = T("::/0[ipv6-icmp]"), .dst = T("::/0[ipv6-icmp]"), .dir = dirs[i] },
			.action = CG_POLICY_BYPASS,
			.priority = CG_PRIO_NDHOLE,
		};

		hole.id.src.from_port = hole.id.dst.from_port = cg_ts_icmp_port(type, 0);
		hole.id.src.to_port = hole.id.dst.to_port = cg_ts_icmp_port(type, 0xff);
		cr_assert_eq(cg_kernel_add_policy(core, &hole, false), 0);
	}
}

/*
 * ESP data path: our side installed through af_key (AES-CBC + HMAC-SHA2-512,
 * transport), the peer namespace configured with `ip xfrm`; a ping must
 * pass through ESP and be counted on both our SAs. Neighbour discovery
 * goes around the policies through ICMPv6 type selectors on both sides.
 */
Test(pfkey_live, esp_datapath_cbc_sha512)
{
	struct cg_kernel_sa out = sa_template("2001:db8:e::1", "2001:db8:e::2", 0xc0e00001,
					      CG_MODE_TRANSPORT);
	struct cg_kernel_sa in = sa_template("2001:db8:e::2", "2001:db8:e::1", 0xc0e00002,
					     CG_MODE_TRANSPORT);
	struct cg_kernel_policy pout = protect("2001:db8:e::1", "2001:db8:e::2", CG_DIR_OUT, 3000);
	struct cg_kernel_policy pin = protect("2001:db8:e::2", "2001:db8:e::1", CG_DIR_IN, 3000);
	struct cg_kernel_sa_stats st;
	char ns[32], cmd[2048];
	const char *keys = "enc 'cbc(aes)' 0x30313233343536373839616263646566 "
			   "auth-trunc 'hmac(sha512)' "
			   "0x3031323334353637383961626364656630313233343536373839616263646566"
			   "3031323334353637383961626364656630313233343536373839616263646500 256";

	snprintf(ns, sizeof(ns), "cgpf%d", (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "ip netns add %1$s && ip link add v0 type veth peer name v1 netns %1$s && "
		 "ip addr add 2001:db8:e::1/64 dev v0 nodad && ip link set v0 up && "
		 "ip -n %1$s link set lo up && ip -n %1$s addr add 2001:db8:e::2/64 dev v1 nodad && "
		 "ip -n %1$s link set v1 up && "
		 "ip -n %1$s xfrm state add src 2001:db8:e::1 dst 2001:db8:e::2 proto esp "
		 "spi 0xc0e00001 reqid 11 mode transport %2$s && "
		 "ip -n %1$s xfrm state add src 2001:db8:e::2 dst 2001:db8:e::1 proto esp "
		 "spi 0xc0e00002 reqid 11 mode transport %2$s && "
		 "ip -n %1$s xfrm policy add src 2001:db8:e::2 dst 2001:db8:e::1 dir out priority 3000 "
		 "tmpl proto esp mode transport reqid 11 && "
		 "ip -n %1$s xfrm policy add src 2001:db8:e::1 dst 2001:db8:e::2 dir in priority 3000 "
		 "tmpl proto esp mode transport reqid 11 && "
		 "for t in 135 136; do for d in in out; do ip -n %1$s xfrm policy add src ::/0 dst ::/0 "
		 "proto ipv6-icmp type $t dir $d priority 1000 || exit 1; done; done",
		 ns, keys);
	cr_assert_eq(system(cmd), 0, "peer setup failed");
	nd_hole(135);
	nd_hole(136);
	cr_assert_eq(cg_kernel_add_sa(core, &out), 0);
	cr_assert_eq(cg_kernel_add_sa(core, &in), 0);
	cr_assert_eq(cg_kernel_add_policy(core, &pout, false), 0);
	cr_assert_eq(cg_kernel_add_policy(core, &pin, false), 0);
	if (system("ping -6 -c 3 -i 0.3 -W 5 2001:db8:e::2")) {
		snprintf(cmd, sizeof(cmd), "ip -s xfrm state; ip xfrm policy; ip -6 neigh; "
			 "ip -n %1$s -s xfrm state; ip -n %1$s xfrm policy; ip -n %1$s -6 neigh", ns);
		cr_assert_eq(system(cmd), 0);
		cr_assert_fail("no ping through ESP");
	}
	cr_assert_eq(cg_kernel_query_sa(core, &out.id, &st), 0);
	cr_assert_geq(st.packets, 3, "outbound SA counted %llu packets", (unsigned long long)st.packets);
	cr_assert_gt(st.use_time, 0);
	cr_assert_eq(cg_kernel_query_sa(core, &in.id, &st), 0);
	cr_assert_geq(st.packets, 3, "inbound SA counted %llu packets", (unsigned long long)st.packets);
	snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
	system(cmd);
}
