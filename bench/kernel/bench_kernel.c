/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel installs per second: N tunnel SAs with one policy each through
 * the kernel backend (cg_kernel_add_sa/add_policy, as cygnetd does), then
 * the same N SAs and policies through `ip -batch`, in a fresh network
 * namespace; prints both rates and their ratio.
 *
 *   bench_kernel [N] [BACKEND]     (root, a kernel with ESP)
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cygnet/cygnet.h>

#include "../bench.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const uint8_t key[36] = { 0x42 };

/* The i-th unit of work: an outbound tunnel SA and the policy that uses it. */
static void unit(long i, struct cg_kernel_sa *sa, struct cg_kernel_policy *pol)
{
	char net[64];
	const char *err;

	memset(sa, 0, sizeof(*sa));
	cg_addr_parse("2001:db8::1", &sa->id.src);
	cg_addr_parse("2001:db8::2", &sa->id.dst);
	sa->id.spi = 0xc0000000u + (uint32_t)i;
	sa->id.proto = IPPROTO_ESP;
	sa->mode = CG_MODE_TUNNEL;
	sa->reqid = (uint32_t)i + 1;
	sa->encr_alg = CG_ENCR_AES_GCM_16;
	sa->encr_keylen = 256;
	sa->encr_key = CG_CHUNK(key, sizeof(key));
	sa->replay_window = 32;

	memset(pol, 0, sizeof(*pol));
	snprintf(net, sizeof(net), "2001:db8:%lx:%lx::/64", (i >> 16) + 1, i & 0xffff);
	cg_ts_parse("2001:db8:ffff::/64", &pol->id.src, &err);
	cg_ts_parse(net, &pol->id.dst, &err);
	pol->id.dir = CG_DIR_OUT;
	pol->action = CG_POLICY_PROTECT;
	pol->priority = CG_PRIO_PROTECT;
	pol->proto = IPPROTO_ESP;
	pol->mode = CG_MODE_TUNNEL;
	pol->reqid = sa->reqid;
	pol->tmpl_src = sa->id.src;
	pol->tmpl_dst = sa->id.dst;
}

static int flush(void)
{
	return system("ip xfrm state flush && ip xfrm policy flush");
}

static double bench_backend(const char *backend, long n)
{
	struct cg_core *core;
	char yaml[256];
	double t0, t;
	int err;

	snprintf(yaml, sizeof(yaml), "daemon: { plugins: [%s] }\n", backend);
	core = bench_core_start("bench_kernel", yaml, "");
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		struct cg_kernel_sa sa;
		struct cg_kernel_policy pol;

		unit(i, &sa, &pol);
		err = cg_kernel_add_sa(core, &sa);
		if (!err)
			err = cg_kernel_add_policy(core, &pol, false);
		if (err) {
			fprintf(stderr, "bench_kernel: install %ld failed: %s\n", i, strerror(-err));
			exit(1);
		}
	}
	t = now_s() - t0;
	cg_core_destroy(core); /* removes what it installed, untimed */
	return t;
}

/* The same work as `ip -batch` reads it. */
static double bench_ip(long n)
{
	char path[] = "/tmp/bench-kernel-XXXXXX", cmd[128], hex[2 * sizeof(key) + 1];
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	double t0, t;

	if (!f) {
		perror("bench_kernel: temporary file");
		exit(1);
	}
	for (size_t i = 0; i < sizeof(key); i++)
		sprintf(hex + 2 * i, "%02x", key[i]);
	for (long i = 0; i < n; i++) {
		fprintf(f, "xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x%08x "
			   "reqid %ld mode tunnel replay-window 32 aead 'rfc4106(gcm(aes))' 0x%s 128\n",
			0xc0000000u + (unsigned)i, i + 1, hex);
		fprintf(f, "xfrm policy add src 2001:db8:ffff::/64 dst 2001:db8:%lx:%lx::/64 dir out "
			   "priority %u tmpl src 2001:db8::1 dst 2001:db8::2 proto esp reqid %ld "
			   "mode tunnel\n",
			(i >> 16) + 1, i & 0xffff, CG_PRIO_PROTECT, i + 1);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "ip -batch %s", path);
	t0 = now_s();
	if (system(cmd)) {
		fprintf(stderr, "bench_kernel: ip -batch failed\n");
		exit(1);
	}
	t = now_s() - t0;
	unlink(path);
	return t;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 5000;
	const char *backend = argc > 2 ? argv[2] : "kernel-netlink";
	double tb, ti;

	if (n <= 0 || n > 0xffffff) {
		fprintf(stderr, "usage: bench_kernel [N] [BACKEND]\n");
		return 2;
	}
	if (geteuid() != 0 || unshare(CLONE_NEWNET)) {
		fprintf(stderr, "bench_kernel: needs root (a network namespace and XFRM)\n");
		return 1;
	}
	/* The kernel instantiates (and self-tests) the AEAD on first use: keep that out of both timings. */
	if (system("ip xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x100 "
		   "mode tunnel aead 'rfc4106(gcm(aes))' 0x424242424242424242424242424242424242424242424242424242424242424242424242 128")) {
		fprintf(stderr, "bench_kernel: this kernel cannot hold an ESP SA\n");
		return 1;
	}
	flush();
	tb = bench_backend(backend, n);
	flush();
	ti = bench_ip(n);
	flush();
	printf("%s: %ld SA+policy installs in %.3f s = %.0f/s\n", backend, n, tb, n / tb);
	printf("ip -batch: %ld SA+policy installs in %.3f s = %.0f/s\n", n, ti, n / ti);
	printf("ratio %s / ip -batch: %.2f\n", backend, ti / tb);
	return 0;
}
