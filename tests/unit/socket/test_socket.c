/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKE socket layer: dispatch by major version, the non-ESP marker, header
 * checks and once-per-peer logging through cg_ike_inject and the in-memory
 * transport; then the same over real UDP sockets on unprivileged ports.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

struct seen {
	int calls;
	struct cg_addr src, dst;
	uint8_t data[256];
	size_t len;
};

static void on_msg(void *ctx, const struct cg_packet *pkt)
{
	struct seen *s = ctx;

	s->calls++;
	s->src = pkt->src;
	s->dst = pkt->dst;
	s->len = pkt->len < sizeof(s->data) ? pkt->len : sizeof(s->data);
	memcpy(s->data, pkt->data, s->len);
}

/* An IKE header of the given major version; total length len (>= 28). */
static size_t ike_msg(uint8_t *buf, uint8_t major, size_t len)
{
	memset(buf, 0, len);
	for (int i = 0; i < 8; i++)
		buf[i] = (uint8_t)(0xa0 + i); /* initiator SPI */
	buf[16] = 33;                        /* next payload: SA */
	buf[17] = (uint8_t)(major << 4);
	buf[18] = 34;                        /* IKE_SA_INIT */
	buf[19] = 0x08;                      /* initiator */
	buf[24] = (uint8_t)(len >> 24);
	buf[25] = (uint8_t)(len >> 16);
	buf[26] = (uint8_t)(len >> 8);
	buf[27] = (uint8_t)len;
	return len;
}

static struct cg_addr addr(const char *s, uint16_t port)
{
	struct cg_addr a;

	cr_assert_eq(cg_addr_parse(s, &a), 0, "%s", s);
	a.port = port;
	return a;
}

static struct cg_core *core;
static struct seen v2;

static void setup(void)
{
	core = tl_core_new("sock", "daemon: { plugins: [] }\n", NULL, NULL, NULL);
	cr_assert_not_null(core);
	memset(&v2, 0, sizeof(v2));
	cr_assert_eq(cg_ike_register(core, 2, on_msg, &v2), 0);
}

static void teardown(void)
{
	cg_ike_unregister(core, 2);
	cg_core_destroy(core);
}

TestSuite(dispatch, .init = setup, .fini = teardown);

Test(dispatch, ike_port_message_reaches_its_version)
{
	struct cg_addr src = addr("192.0.2.1", 500), dst = addr("192.0.2.2", 500);
	uint8_t msg[64];
	size_t len = ike_msg(msg, 2, 40);

	cr_assert_eq(cg_ike_inject(core, &src, &dst, msg, len), 0);
	cr_assert_eq(v2.calls, 0, "dispatched in a job");
	tl_run(core);
	cr_assert_eq(v2.calls, 1);
	cr_assert_eq(v2.len, 40);
	cr_assert_arr_eq(v2.data, msg, 40);
	cr_assert(cg_addr_equal_port(&v2.src, &src));
	cr_assert(cg_addr_equal_port(&v2.dst, &dst));
}

Test(dispatch, nat_t_marker_is_stripped)
{
	struct cg_addr src = addr("2001:db8::1", 34567), dst = addr("2001:db8::2", 4500);
	uint8_t dgram[64] = { 0 };
	size_t len = ike_msg(dgram + 4, 2, 36);

	cr_assert_eq(cg_ike_port_nat_t(core), 4500);
	cr_assert_eq(cg_ike_inject(core, &src, &dst, dgram, len + 4), 0);
	tl_run(core);
	cr_assert_eq(v2.calls, 1);
	cr_assert_eq(v2.len, 36);
	cr_assert_arr_eq(v2.data, dgram + 4, 36);
}

Test(dispatch, nat_t_port_drops_keepalives_and_esp)
{
	struct cg_addr src = addr("192.0.2.1", 4500), dst = addr("192.0.2.2", 4500);
	uint8_t keepalive = 0xff, esp[64];

	cr_assert_eq(cg_ike_inject(core, &src, &dst, &keepalive, 1), -EINVAL);
	/* Without the marker it is ESP (a non-zero SPI), which the kernel should have taken. */
	ike_msg(esp, 2, 40);
	cr_assert_eq(cg_ike_inject(core, &src, &dst, esp, 40), -EINVAL);
	cr_assert_eq(cg_ike_inject(core, &src, &dst, esp, 3), -EINVAL);
	tl_run(core);
	cr_assert_eq(v2.calls, 0);
}

Test(dispatch, header_checks)
{
	struct cg_addr src = addr("192.0.2.1", 500), dst = addr("192.0.2.2", 500);
	struct tl_logcap cap;
	uint8_t msg[64];

	ike_msg(msg, 2, 28);
	cr_assert_eq(cg_ike_inject(core, &src, &dst, msg, 27), -EINVAL, "short");
	ike_msg(msg, 2, 60);
	cr_assert_eq(cg_ike_inject(core, &src, &dst, msg, 40), -EINVAL, "length beyond datagram");
	ike_msg(msg, 2, 40);
	msg[24] = msg[25] = msg[26] = 0;
	msg[27] = 20;
	cr_assert_eq(cg_ike_inject(core, &src, &dst, msg, 40), -EINVAL, "length below header");
	cr_assert_eq(cg_ike_inject(core, &src, &dst, NULL, 0), -EINVAL);
	tl_run(core);
	cr_assert_eq(v2.calls, 0);

	/* RFC 7296 3.1: a datagram longer than the header's length is dropped, not cut. */
	ike_msg(msg, 2, 32);
	tl_logcap_start(&cap, core, CG_LVL_DEBUG);
	cr_assert_eq(cg_ike_inject(core, &src, &dst, msg, 50), -EINVAL, "bytes past the length");
	cr_assert_eq(tl_logcap_count(&cap, "header length 32, datagram 50 bytes"), 1);
	tl_logcap_stop(&cap);
	cr_assert_eq(cg_ike_inject(core, &src, &dst, msg, 33), -EINVAL, "one byte past");
	tl_run(core);
	cr_assert_eq(v2.calls, 0);
	cr_assert_eq(cg_ike_inject(core, &src, &dst, msg, 32), 0);
	tl_run(core);
	cr_assert_eq(v2.calls, 1);
	cr_assert_eq(v2.len, 32);
}

Test(dispatch, unknown_version_logged_once_per_peer)
{
	struct cg_addr a = addr("192.0.2.1", 500), b = addr("2001:db8::7", 500);
	struct cg_addr dst = addr("192.0.2.2", 500), dst6 = addr("2001:db8::2", 500);
	struct tl_logcap cap;
	uint8_t msg[64];

	tl_logcap_start(&cap, core, CG_LVL_DEBUG);
	ike_msg(msg, 1, 40);
	for (int i = 0; i < 5; i++) {
		a.port = (uint16_t)(500 + i); /* a NAT may change the port: still one peer */
		cr_assert_eq(cg_ike_inject(core, &a, &dst, msg, 40), -EINVAL);
	}
	tl_run(core);
	cr_assert_eq(tl_logcap_count(&cap, "no IKEv1 protocol plugin"), 1);
	cr_assert_eq(tl_logcap_count(&cap, "192.0.2.1"), 1);
	cr_assert_eq(cg_ike_inject(core, &b, &dst6, msg, 40), -EINVAL);
	cr_assert_eq(cg_ike_inject(core, &b, &dst6, msg, 40), -EINVAL);
	cr_assert_eq(tl_logcap_count(&cap, "no IKEv1 protocol plugin"), 2);
	cr_assert_eq(tl_logcap_count(&cap, "2001:db8::7"), 1);
	cr_assert_eq(v2.calls, 0);
	tl_logcap_stop(&cap);
}

Test(dispatch, registry_rules)
{
	struct seen other = { 0 };
	struct cg_addr src = addr("192.0.2.1", 500), dst = addr("192.0.2.2", 500);
	uint8_t msg[64];

	cr_assert_eq(cg_ike_register(core, 2, on_msg, &other), -EEXIST);
	cr_assert_eq(cg_ike_register(core, 0, on_msg, &other), -EINVAL);
	cr_assert_eq(cg_ike_register(core, 16, on_msg, &other), -EINVAL);
	cr_assert_eq(cg_ike_register(core, 1, on_msg, &other), 0);
	ike_msg(msg, 1, 30);
	cr_assert_eq(cg_ike_inject(core, &src, &dst, msg, 30), 0);
	ike_msg(msg, 2, 30);
	cr_assert_eq(cg_ike_inject(core, &src, &dst, msg, 30), 0);
	/* Queued, then unregistered before the job runs: dropped, not delivered. */
	cg_ike_unregister(core, 1);
	tl_run(core);
	cr_assert_eq(other.calls, 0);
	cr_assert_eq(v2.calls, 1);
}

struct sent {
	int calls;
	struct cg_addr src, dst;
	uint8_t data[256];
	size_t len;
};

static int capture_send(void *ctx, const struct cg_addr *src, const struct cg_addr *dst,
			const uint8_t *data, size_t len)
{
	struct sent *s = ctx;

	s->calls++;
	s->src = *src;
	s->dst = *dst;
	s->len = len;
	memcpy(s->data, data, len < sizeof(s->data) ? len : sizeof(s->data));
	return 0;
}

Test(dispatch, send_adds_marker_on_nat_t_only)
{
	struct sent out = { 0 };
	struct cg_addr src = addr("192.0.2.2", 500), dst = addr("192.0.2.1", 500);
	struct cg_addr any = { .family = AF_UNSPEC };
	uint8_t msg[64];
	size_t len = ike_msg(msg, 2, 40);

	cg_ike_set_transport(core, capture_send, &out);
	cr_assert_eq(cg_ike_send(core, &src, &dst, msg, len), 0);
	cr_assert_eq(out.len, 40);
	cr_assert_arr_eq(out.data, msg, 40);

	src.port = 4500;
	dst.port = 4500;
	cr_assert_eq(cg_ike_send(core, &src, &dst, msg, len), 0);
	cr_assert_eq(out.len, 44);
	cr_assert_arr_eq(out.data, "\0\0\0\0", 4);
	cr_assert_arr_eq(out.data + 4, msg, 40);

	/* %any with no port: the port follows the destination's. */
	cr_assert_eq(cg_ike_send(core, &any, &dst, msg, len), 0);
	cr_assert_eq(out.src.port, 4500);
	cr_assert_eq(out.len, 44);

	cr_assert_eq(cg_ike_send_keepalive(core, &src, &dst), 0);
	cr_assert_eq(out.len, 1);
	cr_assert_eq(out.data[0], 0xff);
	cr_assert_eq(out.src.port, 4500);
	cr_assert_eq(out.calls, 4);

	cr_assert_eq(cg_ike_send(core, &src, &dst, msg, 10), -EINVAL, "not an IKE message");
	cr_assert_eq(cg_ike_send(core, &src, &any, msg, len), -EINVAL, "no destination");
	cg_ike_set_transport(core, NULL, NULL);
	cr_assert_eq(cg_ike_send(core, &src, &dst, msg, len), -ENOTCONN,
		     "no sockets, no transport");
}

/* A core listening on loopback at port and nat_t: 0 or cg_core_start's error. */
static int core_start_on(uint16_t port, uint16_t nat_t, struct cg_core **ret)
{
	struct cg_core_opts opts = {
		.name = "udp", .manual = true, .no_rtnetlink = true, .no_control = true,
		.foreground = true, .plugin_dir = CG_TEST_PLUGIN_DIR, .state_file = "",
	};
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;
	struct cg_core *c;
	char yaml[128];
	int err;

	snprintf(yaml, sizeof(yaml),
		 "daemon: { plugins: [], listen: [127.0.0.1, '::1'], port: %u, port_nat_t: %u }\n",
		 port, nat_t);
	cr_assert_eq(cg_config_load_string(yaml, "udp.yaml", &cfg, &errs), 0, "%s",
		     errs.n ? errs.lines[0] : "");
	cr_assert_eq(cg_core_create(&opts, cfg, &c), 0);
	err = cg_core_start(c, &errs);
	cg_cfg_errors_free(&errs);
	if (err)
		cg_core_destroy(c);
	else
		*ret = c;
	return err;
}

/*
 * Real sockets on loopback. The ports come from the config; a random pair
 * is tried until one is free, since other tests may run at the same time.
 */
static struct cg_core *core_on_ports(uint16_t *port, uint16_t *nat_t)
{
	struct cg_core *c;

	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int attempt = 0; attempt < 20; attempt++) {
		*port = (uint16_t)(20000 + rand() % 40000);
		*nat_t = (uint16_t)(*port + 1);
		if (core_start_on(*port, *nat_t, &c) == 0)
			return c;
	}
	cr_assert_fail("no free UDP port pair");
	return NULL;
}

static int udp_peer(sa_family_t family, struct cg_addr *bound)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct cg_addr any = addr(family == AF_INET ? "127.0.0.1" : "::1", 0);
	int fd = socket(family, SOCK_DGRAM, 0);

	cr_assert_geq(fd, 0);
	len = cg_addr_to_sockaddr(&any, &ss);
	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	cg_addr_from_sockaddr((struct sockaddr *)&ss, bound);
	return fd;
}

static void peer_send(int fd, const struct cg_addr *to, const void *data, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = cg_addr_to_sockaddr(to, &ss);

	cr_assert_eq(sendto(fd, data, len, 0, (struct sockaddr *)&ss, sl), (ssize_t)len);
}

/* Runs jobs until the handler has been called `want` times (the receive thread queues them). */
static void wait_calls(struct cg_core *c, const struct seen *s, int want)
{
	for (int i = 0; i < 400 && s->calls < want; i++) {
		tl_run(c);
		if (s->calls < want)
			usleep(5000);
	}
	cr_assert_eq(s->calls, want);
}

static void roundtrip(struct cg_core *c, struct seen *s, const char *local, uint16_t port,
		      bool nat_t)
{
	struct cg_addr dst = addr(local, port), peer;
	int fd = udp_peer(dst.family, &peer);
	uint8_t dgram[128] = { 0 }, back[128];
	size_t off = nat_t ? 4 : 0, len = ike_msg(dgram + off, 2, 48);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int before = s->calls;
	ssize_t n;

	peer_send(fd, &dst, dgram, off + len);
	wait_calls(c, s, before + 1);
	cr_assert_eq(s->len, 48);
	cr_assert_arr_eq(s->data, dgram + off, 48);
	cr_assert(cg_addr_equal_port(&s->src, &peer), "the peer with its port");
	cr_assert(cg_addr_equal_port(&s->dst, &dst), "the local address from PKTINFO");

	/* The answer leaves from the port it came in on, with the marker on NAT-T. */
	cr_assert_eq(cg_ike_send(c, &s->dst, &s->src, s->data, s->len), 0);
	cr_assert_eq(poll(&pfd, 1, 2000), 1);
	n = recv(fd, back, sizeof(back), 0);
	cr_assert_eq(n, (ssize_t)(off + 48));
	if (nat_t)
		cr_assert_arr_eq(back, "\0\0\0\0", 4);
	cr_assert_arr_eq(back + off, dgram + off, 48);
	close(fd);
}

Test(udp, loopback_ike_and_nat_t_ports, .timeout = 60)
{
	uint16_t port, nat_t;
	struct cg_core *c = core_on_ports(&port, &nat_t);
	struct seen s = { 0 };

	cr_assert_eq(cg_ike_port(c), port);
	cr_assert_eq(cg_ike_port_nat_t(c), nat_t);
	cr_assert_eq(cg_ike_register(c, 2, on_msg, &s), 0);
	roundtrip(c, &s, "127.0.0.1", port, false);
	roundtrip(c, &s, "127.0.0.1", nat_t, true);
	roundtrip(c, &s, "::1", port, false);
	roundtrip(c, &s, "::1", nat_t, true);
	cg_ike_unregister(c, 2);
	cg_core_destroy(c);
}

Test(udp, unknown_version_over_the_wire_logged_once, .timeout = 60)
{
	uint16_t port, nat_t;
	struct cg_core *c = core_on_ports(&port, &nat_t);
	struct cg_addr dst = addr("127.0.0.1", port), peer;
	int fd = udp_peer(AF_INET, &peer);
	struct seen s = { 0 };
	struct tl_logcap cap;
	uint8_t msg[64];

	tl_logcap_start(&cap, c, CG_LVL_DEBUG);
	cr_assert_eq(cg_ike_register(c, 2, on_msg, &s), 0);
	ike_msg(msg, 1, 40);
	for (int i = 0; i < 3; i++)
		peer_send(fd, &dst, msg, 40);
	ike_msg(msg, 2, 40);
	peer_send(fd, &dst, msg, 40); /* after the others: when it arrives, they have too */
	wait_calls(c, &s, 1);
	cr_assert_eq(tl_logcap_count(&cap, "no IKEv1 protocol plugin"), 1);
	tl_logcap_stop(&cap);
	close(fd);
	cg_ike_unregister(c, 2);
	cg_core_destroy(c);
}

Test(udp, second_core_cannot_share_the_ike_ports, .timeout = 60)
{
	uint16_t port, nat_t;
	struct cg_core *c = core_on_ports(&port, &nat_t), *other = NULL;
	struct seen s = { 0 };

	cr_assert_neq(core_start_on(port, nat_t, &other), 0,
		      "a second daemon must not bind the ports the first one listens on");
	/* The first one still gets its traffic. */
	cr_assert_eq(cg_ike_register(c, 2, on_msg, &s), 0);
	roundtrip(c, &s, "127.0.0.1", port, false);
	cg_ike_unregister(c, 2);
	cg_core_destroy(c);
	/* Its ports are free again at once: a restart binds them. */
	cr_assert_eq(core_start_on(port, nat_t, &c), 0);
	cg_core_destroy(c);
}
