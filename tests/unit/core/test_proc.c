/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <cygnet/cygnet.h>

static atomic_int counter;
static atomic_int freed;

static void job_inc(void *arg)
{
	atomic_fetch_add(&counter, 1);
}

static void arg_free(void *arg)
{
	atomic_fetch_add(&freed, 1);
	free(arg);
}

struct chain {
	struct cg_proc *proc;
	int left;
};

/* A job that queues its successor until `left` reaches 0. */
static void job_chain(void *arg)
{
	struct chain *c = arg;

	atomic_fetch_add(&counter, 1);
	if (--c->left > 0)
		cg_proc_queue(c->proc, job_chain, c, NULL);
}

TestSuite(proc, .init = NULL);

Test(proc, threads_run_every_job_and_free_every_arg)
{
	struct cg_proc *p;

	atomic_store(&counter, 0);
	atomic_store(&freed, 0);
	cr_assert_eq(cg_proc_create(2, &p), 0);
	cr_assert_eq(cg_proc_threads(p), 2);
	for (int i = 0; i < 10000; i++)
		cr_assert_eq(cg_proc_queue(p, job_inc, malloc(8), arg_free), 0);
	cg_proc_drain(p);
	cr_assert_eq(atomic_load(&counter), 10000);
	cr_assert_eq(atomic_load(&freed), 10000);
	cr_assert_eq(cg_proc_queued(p), 0);
	cg_proc_destroy(p);
}

Test(proc, manual_mode_runs_only_when_asked)
{
	struct cg_proc *p;
	struct chain c;

	atomic_store(&counter, 0);
	cr_assert_eq(cg_proc_create(0, &p), 0);
	c = (struct chain){ .proc = p, .left = 5 };
	cg_proc_queue(p, job_chain, &c, NULL);
	cr_assert_eq(atomic_load(&counter), 0, "nothing runs before run_pending");
	cr_assert_eq(cg_proc_queued(p), 1);
	/* Jobs queued by jobs run in the same call. */
	cr_assert_eq(cg_proc_run_pending(p), 5);
	cr_assert_eq(atomic_load(&counter), 5);
	cr_assert_eq(cg_proc_run_pending(p), 0);
	cg_proc_destroy(p);
}

Test(proc, destroy_runs_or_frees_what_is_left)
{
	struct cg_proc *p;

	atomic_store(&counter, 0);
	atomic_store(&freed, 0);
	cr_assert_eq(cg_proc_create(0, &p), 0);
	for (int i = 0; i < 3; i++)
		cg_proc_queue(p, job_inc, malloc(4), arg_free);
	cg_proc_destroy(p);
	cr_assert_eq(atomic_load(&freed), 3);
}

Test(proc, ring_grows_past_its_initial_size)
{
	struct cg_proc *p;

	atomic_store(&counter, 0);
	cr_assert_eq(cg_proc_create(0, &p), 0);
	for (int i = 0; i < 5000; i++)
		cr_assert_eq(cg_proc_queue(p, job_inc, NULL, NULL), 0);
	cr_assert_eq(cg_proc_queued(p), 5000);
	cr_assert_eq(cg_proc_run_pending(p), 5000);
	cr_assert_eq(atomic_load(&counter), 5000);
	cg_proc_destroy(p);
}
