/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SA manager's helpers for protocol plugins: fresh SPIs and timer jobs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "testlib.h"

static struct cg_core *core;
static int destroyed;

static void obj_destroy(void *data)
{
	(void)data;
	destroyed++;
}

static const struct cg_sa_ops ops = { .destroy = obj_destroy };

/* An RNG that hands out a fixed sequence of 64-bit values, then 0x42s. */
struct seq_rng {
	const uint64_t *v;
	size_t n, next;
};

static int seq_bytes(void *priv, uint8_t *out, size_t len)
{
	struct seq_rng *s = priv;

	if (len == sizeof(uint64_t) && s->next < s->n)
		memcpy(out, &s->v[s->next++], len);
	else
		memset(out, 0x42, len);
	return 0;
}

static void setup(void)
{
	destroyed = 0;
	core = tl_core_new("sa-job", "daemon: { plugins: [] }\n", NULL, NULL, NULL);
	cr_assert_not_null(core);
}

static void teardown(void)
{
	cg_core_destroy(core);
}

TestSuite(sa_job, .init = setup, .fini = teardown);

Test(sa_job, new_spi_is_never_zero_nor_all_ones)
{
	const uint64_t v[] = { 0, UINT64_MAX, 0, 0x1122334455667788ULL };
	struct seq_rng s = { .v = v, .n = CG_ARRAY_SIZE(v) };
	struct cg_rng rng = { .name = "seq", .bytes = seq_bytes, .priv = &s };
	uint64_t spi = 0;

	cr_assert_eq(cg_crypto_register_rng(core, &rng), 0);
	cr_assert_eq(cg_sa_new_spi(core, &spi), 0);
	cr_assert_eq(spi, 0x1122334455667788ULL);
	cr_assert_eq(s.next, 4);
	cg_crypto_unregister(core, &rng);
	cr_assert_eq(cg_sa_new_spi(core, &spi), -ENODEV);
}

Test(sa_job, add_new_skips_a_taken_spi)
{
	const uint64_t v[] = { 42, UINT64_MAX, 42, 43 };
	struct seq_rng s = { .v = v, .n = CG_ARRAY_SIZE(v) };
	struct cg_rng rng = { .name = "seq", .bytes = seq_bytes, .priv = &s };
	struct cg_sa *a, *b;
	uint64_t spi = 0;

	cr_assert_eq(cg_crypto_register_rng(core, &rng), 0);
	cr_assert_eq(cg_sa_add_new(core, 2, "x", NULL, &ops, &spi, &a), 0);
	cr_assert_eq(spi, 42);
	cg_sa_checkin(core, a);
	cr_assert_eq(cg_sa_add_new(core, 2, "y", NULL, &ops, &spi, &b), 0);
	cr_assert_eq(spi, 43, "42 is taken, all ones is never chosen");
	cg_sa_checkin(core, b);
	cr_assert_eq(cg_sa_count(core), 2);
	cg_crypto_unregister(core, &rng);
}

Test(sa_job, add_new_gives_up_after_a_few_clashes)
{
	struct seq_rng s = { 0 }; /* always 0x4242... */
	struct cg_rng rng = { .name = "seq", .bytes = seq_bytes, .priv = &s };
	struct cg_sa *a, *b;
	uint64_t spi = 0;

	cr_assert_eq(cg_crypto_register_rng(core, &rng), 0);
	cr_assert_eq(cg_sa_add_new(core, 2, "x", NULL, &ops, &spi, &a), 0);
	cg_sa_checkin(core, a);
	cr_assert_eq(cg_sa_add_new(core, 2, "y", NULL, &ops, &spi, &b), -EEXIST);
	cr_assert_eq(cg_sa_count(core), 1);
	cg_crypto_unregister(core, &rng);
}

struct seen {
	struct cg_sa *sa;
	int runs;
	int value;
};

static struct seen seen;

static enum cg_sa_verdict keep_job(struct cg_sa *sa, void *arg)
{
	seen.sa = sa;
	seen.runs++;
	seen.value = *(int *)arg;
	return CG_SA_KEEP;
}

static enum cg_sa_verdict destroy_job(struct cg_sa *sa, void *arg)
{
	(void)arg;
	seen.sa = sa;
	seen.runs++;
	return CG_SA_DESTROY;
}

static void advance(uint64_t ms)
{
	cg_sched_advance(cg_core_sched(core), ms);
	cg_proc_run_pending(cg_core_proc(core));
}

Test(sa_job, timer_runs_on_the_checked_out_sa_with_a_copy_of_its_data)
{
	struct cg_sa *sa;
	cg_timer_id id = 0;
	int value = 7;

	memset(&seen, 0, sizeof(seen));
	cr_assert_eq(cg_sa_add(core, 2, 99, "x", NULL, &ops, &sa), 0);
	cg_sa_checkin(core, sa);
	cr_assert_eq(cg_sa_timer_add(core, 99, 1000, keep_job, &value, sizeof(value), &id), 0);
	cr_assert_neq(id, 0);
	value = 8; /* the timer keeps its own copy */
	advance(999);
	cr_assert_eq(seen.runs, 0);
	advance(1);
	cr_assert_eq(seen.runs, 1);
	cr_assert_eq(seen.sa, sa);
	cr_assert_eq(seen.value, 7);
	/* Checked back in: another job can have it. */
	cr_assert_eq(cg_sa_checkout_by_spi(core, 99), sa);
	cg_sa_checkin(core, sa);
	cr_assert_eq(destroyed, 0);
}

Test(sa_job, timer_can_destroy_its_sa)
{
	struct cg_sa *sa;

	memset(&seen, 0, sizeof(seen));
	cr_assert_eq(cg_sa_add(core, 2, 99, "x", NULL, &ops, &sa), 0);
	cg_sa_checkin(core, sa);
	cr_assert_eq(cg_sa_timer_add(core, 99, 10, destroy_job, NULL, 0, NULL), 0);
	advance(10);
	cr_assert_eq(seen.runs, 1);
	cr_assert_eq(destroyed, 1);
	cr_assert_null(cg_sa_checkout_by_spi(core, 99));
}

Test(sa_job, timer_of_a_gone_sa_does_nothing)
{
	struct cg_sa *sa;

	memset(&seen, 0, sizeof(seen));
	cr_assert_eq(cg_sa_add(core, 2, 99, "x", NULL, &ops, &sa), 0);
	cr_assert_eq(cg_sa_timer_add(core, 99, 10, destroy_job, NULL, 0, NULL), 0);
	cg_sa_checkin_destroy(core, sa);
	advance(10);
	cr_assert_eq(seen.runs, 0);
	cr_assert_eq(destroyed, 1);
}

Test(sa_job, cancelled_timer_does_not_run)
{
	struct cg_sa *sa;
	cg_timer_id id = 0;
	int value = 1;

	memset(&seen, 0, sizeof(seen));
	cr_assert_eq(cg_sa_add(core, 2, 99, "x", NULL, &ops, &sa), 0);
	cg_sa_checkin(core, sa);
	cr_assert_eq(cg_sa_timer_add(core, 99, 10, keep_job, &value, sizeof(value), &id), 0);
	cr_assert(cg_timer_cancel(core, id));
	advance(10);
	cr_assert_eq(seen.runs, 0);
}
