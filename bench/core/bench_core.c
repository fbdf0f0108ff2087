/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Core throughput: trivial jobs per second through the processor (one
 * producer, a worker per core) and timers per second through the scheduler
 * (added, fired and run).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long sysconf_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

#include <cygnet/cygnet.h>

static atomic_long done;

static void job_trivial(void *arg)
{
	atomic_fetch_add_explicit(&done, 1, memory_order_relaxed);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double bench_jobs(unsigned threads, long n)
{
	struct cg_proc *p;
	double t0, t1;

	if (cg_proc_create(threads, &p))
		return 0;
	atomic_store(&done, 0);
	t0 = now_s();
	for (long i = 0; i < n; i++)
		cg_proc_queue(p, job_trivial, NULL, NULL);
	cg_proc_drain(p);
	t1 = now_s();
	cg_proc_destroy(p);
	return atomic_load(&done) == n ? (double)n / (t1 - t0) : 0;
}

static double bench_timers(unsigned threads, long n)
{
	struct cg_proc *p;
	struct cg_sched *s;
	double t0, t1;

	if (cg_proc_create(threads, &p) || cg_sched_create(p, false, &s))
		return 0;
	atomic_store(&done, 0);
	t0 = now_s();
	for (long i = 0; i < n; i++)
		cg_sched_add(s, (uint64_t)(i % 8), job_trivial, NULL, NULL, NULL);
	while (atomic_load(&done) < n)
		;
	t1 = now_s();
	cg_sched_destroy(s);
	cg_proc_destroy(p);
	return (double)n / (t1 - t0);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 4000000;
	unsigned threads = 0;
	double best_jobs = 0, best_timers = 0;

	for (int i = 0; i < 3; i++) {
		double j, t;

		if (!threads)
			threads = (unsigned)sysconf_cores();
		j = bench_jobs(threads, n);
		t = bench_timers(threads, n / 8);
		best_jobs = j > best_jobs ? j : best_jobs;
		best_timers = t > best_timers ? t : best_timers;
	}
	printf("processor: %.0f trivial jobs/s (%u workers, %ld jobs, best of 3)\n", best_jobs,
	       threads, n);
	printf("scheduler: %.0f timers/s added, fired and run (best of 3)\n", best_timers);
	return best_jobs > 0 && best_timers > 0 ? 0 : 1;
}
