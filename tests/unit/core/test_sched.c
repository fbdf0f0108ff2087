/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include <cygnet/cygnet.h>

static int order[512];
static atomic_int n_order;
static atomic_int freed;

static void job_record(void *arg)
{
	order[atomic_fetch_add(&n_order, 1)] = (int)(intptr_t)arg;
}

static void count_free(void *arg)
{
	atomic_fetch_add(&freed, 1);
}

Test(sched, virtual_time_fires_in_deadline_order)
{
	struct cg_proc *p;
	struct cg_sched *s;
	uint64_t t0;

	atomic_store(&n_order, 0);
	cr_assert_eq(cg_proc_create(0, &p), 0);
	cr_assert_eq(cg_sched_create(p, true, &s), 0);
	t0 = cg_sched_now(s);
	cg_sched_add(s, 300, job_record, (void *)3, NULL, NULL);
	cg_sched_add(s, 100, job_record, (void *)1, NULL, NULL);
	cg_sched_add(s, 200, job_record, (void *)2, NULL, NULL);
	cg_sched_add(s, 100, job_record, (void *)11, NULL, NULL); /* same deadline: FIFO */
	cr_assert_eq(cg_sched_pending(s), 4);

	cg_sched_advance(s, 99);
	cr_assert_eq(cg_proc_run_pending(p), 0, "nothing is due at 99 ms");
	cg_sched_advance(s, 101);
	cr_assert_eq(cg_proc_run_pending(p), 3);
	cr_assert_eq(cg_sched_now(s), t0 + 200);
	cg_sched_advance(s, 1000);
	cg_proc_run_pending(p);
	cr_assert_eq(atomic_load(&n_order), 4);
	cr_assert_eq(order[0], 1);
	cr_assert_eq(order[1], 11);
	cr_assert_eq(order[2], 2);
	cr_assert_eq(order[3], 3);
	cg_sched_destroy(s);
	cg_proc_destroy(p);
}

Test(sched, cancel_frees_and_never_fires)
{
	struct cg_proc *p;
	struct cg_sched *s;
	cg_timer_id a, b;

	atomic_store(&n_order, 0);
	atomic_store(&freed, 0);
	cr_assert_eq(cg_proc_create(0, &p), 0);
	cr_assert_eq(cg_sched_create(p, true, &s), 0);
	cg_sched_add(s, 50, job_record, (void *)1, count_free, &a);
	cg_sched_add(s, 60, job_record, (void *)2, count_free, &b);
	cr_assert(cg_sched_cancel(s, a));
	cr_assert_not(cg_sched_cancel(s, a), "a second cancel finds nothing");
	cr_assert_eq(atomic_load(&freed), 1);
	cg_sched_advance(s, 100);
	cg_proc_run_pending(p);
	cr_assert_eq(atomic_load(&n_order), 1);
	cr_assert_eq(order[0], 2);
	cr_assert_not(cg_sched_cancel(s, b), "a fired timer cannot be cancelled");
	cr_assert_eq(atomic_load(&freed), 2);
	cg_sched_destroy(s);
	cg_proc_destroy(p);
}

Test(sched, many_timers_keep_heap_order)
{
	struct cg_proc *p;
	struct cg_sched *s;
	cg_timer_id ids[500];

	atomic_store(&n_order, 0);
	cr_assert_eq(cg_proc_create(0, &p), 0);
	cr_assert_eq(cg_sched_create(p, true, &s), 0);
	for (int i = 0; i < 500; i++)
		cg_sched_add(s, (uint64_t)((i * 7919) % 1000) + 1, job_record,
			     (void *)(intptr_t)((i * 7919) % 1000 + 1), NULL, &ids[i]);
	/* Cancel every other one, from the middle of the heap. */
	for (int i = 0; i < 500; i += 2)
		cr_assert(cg_sched_cancel(s, ids[i]));
	cr_assert_eq(cg_sched_pending(s), 250);
	for (uint64_t t = 0; t < 1000; t++) {
		cg_sched_advance(s, 1);
		cg_proc_run_pending(p);
	}
	cr_assert_eq(cg_sched_pending(s), 0);
	cr_assert_eq(atomic_load(&n_order), 250);
	for (int i = 1; i < 250; i++)
		cr_assert_leq(order[i - 1], order[i], "timers fired out of deadline order");
	cg_sched_destroy(s);
	cg_proc_destroy(p);
}

Test(sched, real_time_thread_fires)
{
	struct cg_proc *p;
	struct cg_sched *s;

	atomic_store(&n_order, 0);
	atomic_store(&freed, 0);
	cr_assert_eq(cg_proc_create(1, &p), 0);
	cr_assert_eq(cg_sched_create(p, false, &s), 0);
	cg_sched_add(s, 20, job_record, (void *)7, NULL, NULL);
	cg_sched_add(s, 100000, job_record, (void *)8, count_free, NULL);
	for (int i = 0; i < 500 && atomic_load(&n_order) == 0; i++)
		usleep(10000);
	cr_assert_eq(atomic_load(&n_order), 1);
	cr_assert_eq(order[0], 7);
	cg_sched_destroy(s);
	cr_assert_eq(atomic_load(&freed), 1, "destroy frees the timer that never fired");
	cg_proc_destroy(p);
}
