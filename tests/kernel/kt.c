/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <netinet/udp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kt.h"

const char *kt_backend(void)
{
	const char *b = getenv("CG_KERNEL_BACKEND");

	return b && *b ? b : "kernel-netlink";
}

const struct kt_caps *kt_caps(void)
{
	static const struct kt_caps all = {
		.aead = true,
		.esn = true,
		.sha256_128 = true,
		.port_ranges = true,
		.icmp_code_0 = true,
		.sa_selector = true,
		.transport_tmpl_addrs = true,
		.acquire_packet_in_tunnel = true,
		.move_sa = true,
		.mapping_rate_limit = true,
	};
	static const struct kt_caps pfkey = { 0 };

	return strcmp(kt_backend(), "kernel-pfkey") ? &all : &pfkey;
}

size_t kt_integ_key_len(uint16_t integ)
{
	switch (integ) {
	case CG_INTEG_HMAC_MD5_96:
	case CG_INTEG_AES_XCBC_96:
		return 16;
	case CG_INTEG_HMAC_SHA1_96:
		return 20;
	case CG_INTEG_HMAC_SHA2_256_128:
		return 32;
	case CG_INTEG_HMAC_SHA2_384_192:
		return 48;
	case CG_INTEG_HMAC_SHA2_512_256:
		return 64;
	default:
		return 0;
	}
}

struct cg_kernel_sa kt_sa(const char *src, const char *dst, uint32_t spi,
			  enum cg_ipsec_mode mode, uint32_t reqid)
{
	static const uint8_t encr_key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const uint8_t integ_key[64] = { 0x42, 0x43, 0x44, 0x45 };

	return (struct cg_kernel_sa){
		.id = { .src = kt_addr(src), .dst = kt_addr(dst), .spi = spi, .proto = IPPROTO_ESP },
		.mode = mode,
		.reqid = reqid,
		.encr_alg = KT_ENCR,
		.encr_keylen = 128,
		.encr_key = CG_CHUNK(encr_key, sizeof(encr_key)),
		.integ_alg = KT_INTEG,
		.integ_key = CG_CHUNK(integ_key, kt_integ_key_len(KT_INTEG)),
		.replay_window = 32,
	};
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

int kt_sh(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int st;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	cr_assert_not_null(cmd);
	st = system(cmd);
	free(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *kt_sh_out(const char *fmt, ...)
{
	char *cmd, *out = NULL;
	size_t len = 0;
	va_list ap;
	FILE *f, *mem;
	char buf[4096];
	size_t n;

	va_start(ap, fmt);
	cmd = vformat(fmt, ap);
	va_end(ap);
	cr_assert_not_null(cmd);
	f = popen(cmd, "r");
	cr_assert_not_null(f, "cannot run %s", cmd);
	mem = open_memstream(&out, &len);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	pclose(f);
	fclose(mem);
	free(cmd);
	return out;
}

/* What a kernel test needs, said plainly when it is missing. */
static void require(bool ok, const char *what)
{
	if (ok)
		return;
	fprintf(stderr,
		"kernel conformance suite: %s.\n"
		"Run it as root on a kernel with XFRM, ESP (esp4/esp6), veth and dummy, e.g.\n"
		"  ../shared/kernel-lab/lab -t 600 -- tests/run-root-tests BUILD_DIR\n",
		what);
	cr_assert_fail("%s", what);
}

void kt_setup(void)
{
	require(geteuid() == 0, "not root: network namespaces and XFRM need root");
	require(unshare(CLONE_NEWNET) == 0, "cannot create a network namespace (unshare)");
	require(kt_sh("ip link set lo up") == 0, "cannot run ip (iproute2) in the namespace");
	/* A throwaway ESP SA tells whether this kernel can hold one at all. */
	require(kt_sh("ip xfrm state add src 2001:db8:ffff::1 dst 2001:db8:ffff::2 proto esp "
		      "spi 0x4242 mode transport aead 'rfc4106(gcm(aes))' "
		      "0x0101010101010101010101010101010101010101 128 2>/dev/null") == 0,
		"this kernel cannot hold an ESP SA (no esp6 module)");
	kt_sh("ip xfrm state flush");
}

void kt_teardown(void)
{
	/* The namespace goes with the test process; peers are removed by kt_peer_free. */
}

static struct cg_core *core_new(const char *extra_yaml, const char *state_file)
{
	struct cg_core_opts opts = {
		.name = "kt",
		.manual = true,
		.no_sockets = true,
		.no_rtnetlink = true,
		.no_control = true,
		.foreground = true,
		.plugin_dir = CG_TEST_PLUGIN_DIR,
		.state_file = state_file ? state_file : "",
	};
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg = NULL;
	struct cg_core *core = NULL;
	char *yaml;
	int err;

	cr_assert(asprintf(&yaml, "daemon: { plugins: [%s] }\n%s", kt_backend(),
			   extra_yaml ? extra_yaml : "") > 0);
	err = cg_config_load_string(yaml, "kernel-test.yaml", &cfg, &errs);
	if (!err)
		err = cg_core_create(&opts, cfg, &core);
	if (!err) {
		err = cg_core_start(core, &errs);
		if (err) {
			cg_core_destroy(core);
			core = NULL;
		}
	}
	for (size_t i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.lines[i]);
	cg_cfg_errors_free(&errs);
	free(yaml);
	cr_assert_eq(err, 0, "cannot start a core with %s: %s", kt_backend(), strerror(-err));
	cr_assert_str_eq(cg_kernel_name(core), kt_backend());
	return core;
}

struct cg_core *kt_core(const char *extra_yaml)
{
	return core_new(extra_yaml, NULL);
}

struct cg_core *kt_core_journal(const char *state_file)
{
	return core_new(NULL, state_file);
}

struct cg_addr kt_addr(const char *s)
{
	struct cg_addr a;

	cr_assert_eq(cg_addr_parse(s, &a), 0, "bad address %s", s);
	return a;
}

struct cg_ts kt_ts(const char *s)
{
	struct cg_ts t;
	const char *err = NULL;

	cr_assert_eq(cg_ts_parse(s, &t, &err), 0, "bad selector %s: %s", s, err ? err : "");
	return t;
}

void kt_send_udp(const char *dst, uint16_t port)
{
	struct cg_addr a = kt_addr(dst);
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	a.port = port;
	len = cg_addr_to_sockaddr(&a, &ss);
	fd = socket(a.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert(fd >= 0);
	(void)!sendto(fd, "cygnet", 6, MSG_DONTWAIT, (struct sockaddr *)&ss, len);
	close(fd);
}

int kt_natt_socket(struct cg_core *core, sa_family_t family)
{
	struct cg_addr any = cg_addr_any(family);
	struct sockaddr_storage ss;
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0), type = UDP_ENCAP_ESPINUDP;
	socklen_t len;

	any.port = 4500;
	len = cg_addr_to_sockaddr(&any, &ss);
	cr_assert(fd >= 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, len), 0, "bind to port 4500: %s",
		     strerror(errno));
	cr_assert_eq(setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)), 0);
	if (core)
		cr_assert_eq(cg_kernel_bypass_socket(core, fd, family), 0,
			     "%s cannot exempt a socket from policies", kt_backend());
	return fd;
}

void kt_dummy(const char *local, const char *remote_net)
{
	cr_assert_eq(kt_sh("ip link add d0 type dummy && ip link set d0 up && "
			   "ip addr add %s/64 dev d0 nodad && ip route add %s dev d0",
			   local, remote_net), 0, "cannot set up a dummy interface (dummy module?)");
}

void kt_peer_new(struct kt_peer *p)
{
	kt_peer_new_named(p, "");
}

void kt_peer_new_named(struct kt_peer *p, const char *suffix)
{
	char path[64];

	snprintf(p->name, sizeof(p->name), "cgk%d%s", (int)getpid(), suffix);
	cr_assert_eq(kt_sh("ip netns add %s", p->name), 0, "cannot add namespace %s", p->name);
	snprintf(path, sizeof(path), "/run/netns/%s", p->name);
	p->fd = open(path, O_RDONLY | O_CLOEXEC);
	p->self_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	cr_assert(p->fd >= 0 && p->self_fd >= 0);
	kt_sh("ip netns exec %s ip link set lo up", p->name);
}

void kt_peer_free(struct kt_peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->self_fd >= 0)
		close(p->self_fd);
	kt_sh("ip netns del %s 2>/dev/null", p->name);
	p->fd = p->self_fd = -1;
}

void kt_enter(struct kt_peer *p)
{
	cr_assert_eq(setns(p->fd, CLONE_NEWNET), 0, "setns: %s", strerror(errno));
}

void kt_leave(struct kt_peer *p)
{
	cr_assert_eq(setns(p->self_fd, CLONE_NEWNET), 0, "setns: %s", strerror(errno));
}

void kt_veth(struct kt_peer *p, const char *addr_self, const char *addr_peer, int prefixlen)
{
	const char *nodad = strchr(addr_self, ':') ? "nodad" : "";

	cr_assert_eq(kt_sh("ip link add veth0 type veth peer name veth1 netns %s", p->name), 0,
		     "cannot create a veth pair (veth module?)");
	cr_assert_eq(kt_sh("ip addr add %s/%d dev veth0 %s && ip link set veth0 up", addr_self,
			   prefixlen, nodad), 0);
	cr_assert_eq(kt_sh("ip netns exec %s sh -c 'ip addr add %s/%d dev veth1 %s && "
			   "ip link set veth1 up'",
			   p->name, addr_peer, prefixlen, nodad), 0);
	/* Carrier comes up asynchronously. */
	for (int i = 0; i < 50; i++) {
		if (kt_sh("ip link show veth0 | grep -q LOWER_UP") == 0)
			break;
		usleep(100 * 1000);
	}
}

static void events_fn(void *ctx, const struct cg_event *ev)
{
	struct kt_events *e = ctx;

	pthread_mutex_lock(&e->lock);
	if (e->n < KT_EVENTS_MAX)
		e->ev[e->n++] = *ev;
	pthread_cond_broadcast(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

void kt_events_start(struct kt_events *e, struct cg_core *core, uint64_t mask)
{
	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	e->core = core;
	cr_assert_eq(cg_bus_subscribe(core, mask, CG_BUS_SYNC, events_fn, e, &e->sub), 0);
}

void kt_events_stop(struct kt_events *e)
{
	cg_bus_unsubscribe(e->core, e->sub);
	e->sub = NULL;
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
}

static const struct cg_event *find(struct kt_events *e, enum cg_event_type type, kt_match_fn match,
				   const void *ctx, size_t nth)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->ev[i].type == type && (!match || match(&e->ev[i], ctx)) && nth-- == 0)
			return &e->ev[i];
	return NULL;
}

bool kt_events_wait(struct kt_events *e, enum cg_event_type type, kt_match_fn match,
		    const void *ctx, unsigned ms, struct cg_event *out)
{
	struct timespec deadline;
	const struct cg_event *ev;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (long)(ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&e->lock);
	while (!(ev = find(e, type, match, ctx, 0)))
		if (pthread_cond_timedwait(&e->cond, &e->lock, &deadline) == ETIMEDOUT)
			break;
	if (ev && out)
		*out = *ev;
	pthread_mutex_unlock(&e->lock);
	return ev != NULL;
}

size_t kt_events_count(struct kt_events *e, enum cg_event_type type, kt_match_fn match,
		       const void *ctx)
{
	size_t n = 0;

	pthread_mutex_lock(&e->lock);
	while (find(e, type, match, ctx, n))
		n++;
	pthread_mutex_unlock(&e->lock);
	return n;
}

/* SPI and key byte for traffic from a to b: the same on both sides. */
static uint32_t dir_tag(const char *from, const char *to)
{
	return strcmp(from, to) < 0 ? 1 : 2;
}

void kt_child_fill(struct kt_child *c, const char *local, const char *remote,
		   const char *local_ts, const char *remote_ts, enum cg_ipsec_mode mode,
		   uint16_t encr, uint16_t integ, uint32_t reqid)
{
	uint32_t in = dir_tag(remote, local), out = dir_tag(local, remote);
	size_t klen = encr == CG_ENCR_AES_CBC ? 16 : 36, ilen = kt_integ_key_len(integ);

	memset(c, 0, sizeof(*c));
	c->local_ts = kt_ts(local_ts);
	c->remote_ts = kt_ts(remote_ts);
	memset(c->key_in, 0x10 + (int)in, sizeof(c->key_in));
	memset(c->key_out, 0x10 + (int)out, sizeof(c->key_out));
	memset(c->ikey_in, 0x20 + (int)in, sizeof(c->ikey_in));
	memset(c->ikey_out, 0x20 + (int)out, sizeof(c->ikey_out));
	c->ci = (struct cg_child_install){
		.local = kt_addr(local),
		.remote = kt_addr(remote),
		.mode = mode,
		.proto = IPPROTO_ESP,
		.reqid = reqid,
		.spi_in = 0xc1000000 | reqid << 8 | in,
		.spi_out = 0xc1000000 | reqid << 8 | out,
		.encr_alg = encr,
		.encr_keylen = encr == CG_ENCR_AES_CBC ? 128 : 256,
		.encr_key_in = CG_CHUNK(c->key_in, klen),
		.encr_key_out = CG_CHUNK(c->key_out, klen),
		.integ_alg = integ,
		.integ_key_in = ilen ? CG_CHUNK(c->ikey_in, ilen) : CG_CHUNK_EMPTY,
		.integ_key_out = ilen ? CG_CHUNK(c->ikey_out, ilen) : CG_CHUNK_EMPTY,
		.replay_window = 32,
		.local_ts = &c->local_ts,
		.n_local_ts = 1,
		.remote_ts = &c->remote_ts,
		.n_remote_ts = 1,
		.policies = true,
	};
}
