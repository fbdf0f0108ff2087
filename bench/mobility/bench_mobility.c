/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From a MIGRATE to records and journal updated: one IKE SA with N
 * children of one reqid, their 2N SAs in the install record (kernel-memory,
 * journal file on disk); a MIGRATE with KMADDRESS for the reqid is handed
 * to the mobility plugin, which moves every child and the IKE SA. Each run
 * moves them the other way; prints the median and best of RUNS runs for
 * each N. The IKE SA is a stub with an O(1) child lookup: the time is the
 * core's and the mobility plugin's.
 *
 *   bench_mobility [RUNS] N...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cygnet/cygnet.h>

#include "../bench.h"

#define SPI_BASE 0xc0000000u
#define REQID 7

/* The stub IKE SA: n children, all between the same selectors. */
struct stub {
	struct cg_addr local, remote;
	struct cg_sa_child *children;
	size_t n;
	struct cg_ts lts, rts;
};

static void stub_children(void *data, cg_sa_child_fn fn, void *ctx)
{
	struct stub *s = data;

	for (size_t i = 0; i < s->n; i++)
		fn(ctx, &s->children[i]);
}

static int stub_move_ike(void *data, const struct cg_addr *local, const struct cg_addr *remote)
{
	struct stub *s = data;

	s->local = *local;
	s->remote = *remote;
	return 1;
}

static int stub_move_child(void *data, uint32_t spi_in, const struct cg_addr *local,
			   const struct cg_addr *remote)
{
	struct stub *s = data;
	size_t i = spi_in - SPI_BASE;

	if (i >= s->n)
		return -ENOENT;
	s->children[i].local = *local;
	s->children[i].remote = *remote;
	return 0;
}

static const struct cg_sa_ops stub_ops = {
	.children = stub_children, .move_ike = stub_move_ike, .move_child = stub_move_child,
};

static struct cg_core *start(const char *dir)
{
	char yaml[768];

	snprintf(yaml, sizeof(yaml),
		 "daemon: { plugins: [kernel-memory, mobility], state_file: \"%s/installed\", "
		 "log: { default: error } }\n", dir);
	return bench_core_start("bench_mobility", yaml, NULL);
}

static const uint8_t key[20] = { 0x42 };

/* The stub's n children, their SAs recorded between a and b. */
static void populate(struct cg_core *core, struct stub *s, size_t n, const struct cg_addr *a,
		     const struct cg_addr *b)
{
	const char *why;

	cg_ts_parse("2001:db8:1::/64", &s->lts, &why);
	cg_ts_parse("2001:db8:3::/64", &s->rts, &why);
	s->n = n;
	s->children = calloc(n, sizeof(*s->children));
	for (size_t i = 0; i < n; i++) {
		uint32_t spi = SPI_BASE + (uint32_t)i;

		s->children[i] = (struct cg_sa_child){
			.name = "payload", .reqid = REQID, .mode = CG_MODE_TUNNEL,
			.proto = IPPROTO_ESP, .spi_in = spi, .spi_out = spi, .local = *a, .remote = *b,
			.local_ts = &s->lts, .n_local_ts = 1, .remote_ts = &s->rts, .n_remote_ts = 1,
		};
		for (int in = 0; in <= 1; in++) {
			struct cg_kernel_sa sa = {
				.id = cg_child_sa_id(a, b, in, spi, IPPROTO_ESP),
				.mode = CG_MODE_TUNNEL, .reqid = REQID, .inbound = in,
				.encr_alg = CG_ENCR_AES_GCM_16, .encr_keylen = 128,
				.encr_key = CG_CHUNK(key, sizeof(key)), .replay_window = 32,
			};
			int err = cg_kernel_add_sa(core, &sa);

			if (err) {
				fprintf(stderr, "bench_mobility: SA %zu: %s\n", i, strerror(-err));
				exit(1);
			}
		}
	}
}

/* One MIGRATE (out policy, KMADDRESS) from old to new; milliseconds until handled. */
static double one_move(struct cg_core *core, const struct stub *s, const struct cg_addr *old,
		       const struct cg_addr *new, const struct cg_addr *ha)
{
	struct cg_event ev = { .type = CG_EV_KERNEL_MIGRATE };
	struct cg_kernel_migrate *m = &ev.u.migrate;
	double t0;

	m->policy = (struct cg_kernel_policy_id){ .src = s->lts, .dst = s->rts, .dir = CG_DIR_OUT };
	m->has_kmaddress = true;
	m->km_local = *new;
	m->km_remote = *ha;
	m->n_entries = 1;
	m->entries[0] = (struct cg_kernel_migrate_entry){
		.old_src = *old, .old_dst = *ha, .new_src = *new, .new_dst = *ha,
		.proto = IPPROTO_ESP, .mode = CG_MODE_TUNNEL, .reqid = REQID,
	};
	t0 = bench_now_ms();
	cg_bus_publish(core, &ev);
	while (cg_proc_run_pending(cg_core_proc(core)))
		;
	return bench_now_ms() - t0;
}

static void bench(size_t n, int runs)
{
	char dir[] = "/tmp/bench-mobility-XXXXXX", path[600];
	struct cg_addr coa[2], ha;
	struct stub s = { 0 };
	struct cg_core *core;
	struct cg_sa *sa;
	double *t = calloc((size_t)runs, sizeof(*t));

	if (!mkdtemp(dir) || !t) {
		perror("bench_mobility");
		exit(1);
	}
	cg_addr_parse("2001:db8:2::10", &coa[0]);
	cg_addr_parse("2001:db8:2::20", &coa[1]);
	cg_addr_parse("2001:db8:2::1", &ha);
	core = start(dir);
	s.local = coa[0];
	s.remote = ha;
	populate(core, &s, n, &coa[0], &ha);
	if (cg_sa_add(core, 2, 0x1122334455667788ULL, "bench", &s, &stub_ops, &sa)) {
		fprintf(stderr, "bench_mobility: cannot add the IKE SA\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		cg_sa_add_reqid(sa, REQID);
	cg_sa_checkin(core, sa);
	for (int r = 0; r < runs; r++)
		t[r] = one_move(core, &s, &coa[r % 2], &coa[(r + 1) % 2], &ha);
	if (!cg_addr_equal(&s.children[n - 1].local, &coa[runs % 2])) {
		fprintf(stderr, "bench_mobility: the children did not move\n");
		exit(1);
	}
	qsort(t, (size_t)runs, sizeof(*t), bench_cmp);
	printf("MIGRATE to records and journal: %6zu children: %9.3f ms median, %9.3f ms best, "
	       "%.2f us per child (%d runs)\n", n, t[runs / 2], t[0], t[runs / 2] * 1e3 / (double)n,
	       runs);
	sa = cg_sa_checkout_by_id(core, cg_sa_unique_id(sa));
	cg_sa_checkin_destroy(core, sa);
	cg_core_destroy(core); /* removes the recorded SAs, untimed */
	snprintf(path, sizeof(path), "%s/installed", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/installed.lock", dir);
	unlink(path);
	rmdir(dir);
	free(s.children);
	free(t);
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 11;

	if (argc < 3 || runs < 1) {
		fprintf(stderr, "usage: bench_mobility RUNS N...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++)
		bench((size_t)strtoul(argv[i], NULL, 10), runs);
	return 0;
}
