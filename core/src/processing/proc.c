/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job processor: one growable ring of jobs under a mutex, a fixed pool
 * of workers. Workers take jobs in batches so the lock is taken once per
 * batch rather than once per job; that keeps trivial jobs well above a
 * million per second on two cores.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

#define PROC_BATCH 64
#define PROC_INITIAL_CAP 1024

struct job {
	cg_job_fn fn;
	void *arg;
	cg_free_fn free_arg;
};

struct cg_proc {
	pthread_mutex_t lock;
	pthread_cond_t work;  /* signalled when jobs arrive or on stop */
	pthread_cond_t idle;  /* signalled when the queue empties and workers rest */
	struct job *ring;
	size_t cap, head, count;
	unsigned waiting;     /* workers blocked on `work` */
	unsigned busy;        /* workers running a batch */
	bool stop;
	unsigned nthreads;
	pthread_t *threads;
};

static void job_run(struct job *j)
{
	j->fn(j->arg);
	if (j->free_arg)
		j->free_arg(j->arg);
}

static int proc_grow(struct cg_proc *p)
{
	size_t cap = p->cap * 2;
	struct job *ring = malloc(cap * sizeof(*ring));

	if (!ring)
		return -ENOMEM;
	for (size_t i = 0; i < p->count; i++)
		ring[i] = p->ring[(p->head + i) % p->cap];
	free(p->ring);
	p->ring = ring;
	p->cap = cap;
	p->head = 0;
	return 0;
}

/* Takes up to max jobs off the ring; caller holds the lock. */
static size_t proc_take(struct cg_proc *p, struct job *out, size_t max)
{
	size_t n = p->count < max ? p->count : max;

	for (size_t i = 0; i < n; i++) {
		out[i] = p->ring[p->head];
		p->head = (p->head + 1) % p->cap;
	}
	p->count -= n;
	return n;
}

static void *proc_worker(void *data)
{
	struct cg_proc *p = data;
	struct job batch[PROC_BATCH];

	pthread_mutex_lock(&p->lock);
	for (;;) {
		size_t n;

		while (!p->count && !p->stop) {
			if (!p->busy)
				pthread_cond_broadcast(&p->idle);
			p->waiting++;
			pthread_cond_wait(&p->work, &p->lock);
			p->waiting--;
		}
		if (!p->count && p->stop)
			break;
		/* Leave work for the others when the queue is short. */
		n = proc_take(p, batch, p->count > p->nthreads * 2 ? PROC_BATCH : 1);
		p->busy++;
		pthread_mutex_unlock(&p->lock);
		for (size_t i = 0; i < n; i++)
			job_run(&batch[i]);
		pthread_mutex_lock(&p->lock);
		p->busy--;
	}
	if (!p->busy)
		pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

CG_EXPORT int cg_proc_create(unsigned threads, struct cg_proc **ret)
{
	struct cg_proc *p = calloc(1, sizeof(*p));
	int err = -ENOMEM;

	if (!p)
		return -ENOMEM;
	p->cap = PROC_INITIAL_CAP;
	p->ring = malloc(p->cap * sizeof(*p->ring));
	p->threads = calloc(threads ? threads : 1, sizeof(*p->threads));
	if (!p->ring || !p->threads)
		goto err_free;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (; p->nthreads < threads; p->nthreads++) {
		err = -pthread_create(&p->threads[p->nthreads], NULL, proc_worker, p);
		if (err)
			goto err_stop;
	}
	*ret = p;
	return 0;

err_stop:
	cg_proc_destroy(p);
	return err;
err_free:
	free(p->ring);
	free(p->threads);
	free(p);
	return err;
}

CG_EXPORT void cg_proc_destroy(struct cg_proc *p)
{
	struct job j;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	/* Manual mode (or jobs queued by the last jobs): run what is left. */
	while (proc_take(p, &j, 1))
		job_run(&j);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->lock);
	free(p->ring);
	free(p->threads);
	free(p);
}

CG_EXPORT int cg_proc_queue(struct cg_proc *p, cg_job_fn fn, void *arg, cg_free_fn free_arg)
{
	int err = 0;

	pthread_mutex_lock(&p->lock);
	if (p->stop && p->nthreads && !p->busy) {
		err = -ESHUTDOWN;
		goto out_unlock;
	}
	if (p->count == p->cap) {
		err = proc_grow(p);
		if (err)
			goto out_unlock;
	}
	p->ring[(p->head + p->count) % p->cap] = (struct job){ fn, arg, free_arg };
	p->count++;
	if (p->waiting)
		pthread_cond_signal(&p->work);
out_unlock:
	pthread_mutex_unlock(&p->lock);
	if (err && free_arg)
		free_arg(arg);
	return err;
}

CG_EXPORT size_t cg_proc_run_pending(struct cg_proc *p)
{
	size_t ran = 0;
	struct job j;

	for (;;) {
		size_t n;

		pthread_mutex_lock(&p->lock);
		n = proc_take(p, &j, 1);
		pthread_mutex_unlock(&p->lock);
		if (!n)
			return ran;
		job_run(&j);
		ran++;
	}
}

CG_EXPORT void cg_proc_drain(struct cg_proc *p)
{
	if (!p->nthreads) {
		cg_proc_run_pending(p);
		return;
	}
	pthread_mutex_lock(&p->lock);
	while (p->count || p->busy)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

CG_EXPORT unsigned cg_proc_threads(const struct cg_proc *p)
{
	return p->nthreads;
}

CG_EXPORT size_t cg_proc_queued(struct cg_proc *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->count;
	pthread_mutex_unlock(&p->lock);
	return n;
}

CG_EXPORT int cg_job_queue(struct cg_core *core, cg_job_fn fn, void *arg, cg_free_fn free_arg)
{
	return cg_proc_queue(core->proc, fn, arg, free_arg);
}
