/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scheduler: a binary min-heap of timers ordered by (deadline, id), a
 * map from id to timer for cancellation, and one thread that sleeps until
 * the earliest deadline and hands due timers to the processor.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "core_priv.h"

struct timer {
	uint64_t deadline;
	cg_timer_id id;
	size_t pos;          /* index in the heap */
	cg_job_fn fn;
	void *arg;
	cg_free_fn free_arg;
};

struct cg_sched {
	pthread_mutex_t lock;
	pthread_cond_t cond;  /* CLOCK_MONOTONIC; signalled on a new earliest timer or stop */
	struct cg_proc *proc;
	struct timer **heap;
	size_t n, cap;
	struct cg_hmap by_id;
	cg_timer_id next_id;
	bool virtual_time;
	uint64_t vnow;
	bool stop;
	bool has_thread;
	pthread_t thread;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool heap_less(const struct timer *a, const struct timer *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->id < b->id);
}

static void heap_set(struct cg_sched *s, size_t i, struct timer *t)
{
	s->heap[i] = t;
	t->pos = i;
}

static void heap_up(struct cg_sched *s, size_t i)
{
	struct timer *t = s->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!heap_less(t, s->heap[parent]))
			break;
		heap_set(s, i, s->heap[parent]);
		i = parent;
	}
	heap_set(s, i, t);
}

static void heap_down(struct cg_sched *s, size_t i)
{
	struct timer *t = s->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = l;

		if (l >= s->n)
			break;
		if (r < s->n && heap_less(s->heap[r], s->heap[l]))
			min = r;
		if (!heap_less(s->heap[min], t))
			break;
		heap_set(s, i, s->heap[min]);
		i = min;
	}
	heap_set(s, i, t);
}

/* Removes the timer at heap index i; caller holds the lock. */
static void heap_remove(struct cg_sched *s, size_t i)
{
	struct timer *last = s->heap[--s->n];

	if (i == s->n)
		return;
	heap_set(s, i, last);
	heap_down(s, i);
	heap_up(s, last->pos);
}

static uint64_t sched_now_locked(const struct cg_sched *s)
{
	return s->virtual_time ? s->vnow : mono_ms();
}

/* Pops every timer due at `now` and queues it; caller holds the lock. */
static void sched_fire_due(struct cg_sched *s, uint64_t now)
{
	while (s->n && s->heap[0]->deadline <= now) {
		struct timer *t = s->heap[0];

		heap_remove(s, 0);
		cg_hmap_del(&s->by_id, t->id);
		/* The processor may call free_arg on failure; it never takes our lock. */
		cg_proc_queue(s->proc, t->fn, t->arg, t->free_arg);
		free(t);
	}
}

static void *sched_thread(void *data)
{
	struct cg_sched *s = data;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		uint64_t now = mono_ms();
		struct timespec until;

		sched_fire_due(s, now);
		if (!s->n) {
			pthread_cond_wait(&s->cond, &s->lock);
			continue;
		}
		until.tv_sec = (time_t)(s->heap[0]->deadline / 1000);
		until.tv_nsec = (long)(s->heap[0]->deadline % 1000) * 1000000;
		pthread_cond_timedwait(&s->cond, &s->lock, &until);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

CG_EXPORT int cg_sched_create(struct cg_proc *proc, bool virtual_time, struct cg_sched **ret)
{
	struct cg_sched *s = calloc(1, sizeof(*s));
	pthread_condattr_t attr;
	int err;

	if (!s)
		return -ENOMEM;
	s->proc = proc;
	s->virtual_time = virtual_time;
	s->vnow = 1000000; /* virtual clock starts well above 0 */
	s->next_id = 1;
	cg_hmap_init(&s->by_id);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (!virtual_time) {
		err = -pthread_create(&s->thread, NULL, sched_thread, s);
		if (err) {
			cg_sched_destroy(s);
			return err;
		}
		s->has_thread = true;
	}
	*ret = s;
	return 0;
}

void cg_sched_halt(struct cg_sched *s)
{
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->has_thread)
		pthread_join(s->thread, NULL);
	s->has_thread = false;
}

CG_EXPORT void cg_sched_destroy(struct cg_sched *s)
{
	if (!s)
		return;
	cg_sched_halt(s);
	for (size_t i = 0; i < s->n; i++) {
		if (s->heap[i]->free_arg)
			s->heap[i]->free_arg(s->heap[i]->arg);
		free(s->heap[i]);
	}
	free(s->heap);
	cg_hmap_free(&s->by_id);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

CG_EXPORT int cg_sched_add(struct cg_sched *s, uint64_t delay_ms, cg_job_fn fn, void *arg,
			   cg_free_fn free_arg, cg_timer_id *id)
{
	struct timer *t = malloc(sizeof(*t));
	int err = -ENOMEM;

	if (!t)
		goto err_free_arg;
	pthread_mutex_lock(&s->lock);
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct timer **heap = realloc(s->heap, cap * sizeof(*heap));

		if (!heap)
			goto err_unlock;
		s->heap = heap;
		s->cap = cap;
	}
	*t = (struct timer){
		.deadline = sched_now_locked(s) + delay_ms,
		.id = s->next_id++,
		.fn = fn,
		.arg = arg,
		.free_arg = free_arg,
	};
	err = cg_hmap_put(&s->by_id, t->id, t);
	if (err)
		goto err_unlock;
	s->heap[s->n++] = t;
	t->pos = s->n - 1;
	heap_up(s, t->pos);
	if (t->pos == 0)
		pthread_cond_signal(&s->cond);
	if (id)
		*id = t->id;
	pthread_mutex_unlock(&s->lock);
	return 0;

err_unlock:
	pthread_mutex_unlock(&s->lock);
	free(t);
err_free_arg:
	if (free_arg)
		free_arg(arg);
	return err;
}

CG_EXPORT bool cg_sched_cancel(struct cg_sched *s, cg_timer_id id)
{
	struct timer *t;

	if (!id)
		return false;
	pthread_mutex_lock(&s->lock);
	t = cg_hmap_del(&s->by_id, id);
	if (t)
		heap_remove(s, t->pos);
	pthread_mutex_unlock(&s->lock);
	if (!t)
		return false;
	if (t->free_arg)
		t->free_arg(t->arg);
	free(t);
	return true;
}

CG_EXPORT uint64_t cg_sched_now(const struct cg_sched *s)
{
	uint64_t now;

	if (!s->virtual_time)
		return mono_ms();
	pthread_mutex_lock((pthread_mutex_t *)&s->lock);
	now = s->vnow;
	pthread_mutex_unlock((pthread_mutex_t *)&s->lock);
	return now;
}

CG_EXPORT void cg_sched_advance(struct cg_sched *s, uint64_t ms)
{
	uint64_t target;

	pthread_mutex_lock(&s->lock);
	if (!s->virtual_time) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	target = s->vnow + ms;
	/* Step through deadlines in order so each job sees its own time. */
	while (s->n && s->heap[0]->deadline <= target) {
		s->vnow = s->heap[0]->deadline;
		sched_fire_due(s, s->vnow);
	}
	s->vnow = target;
	pthread_mutex_unlock(&s->lock);
}

CG_EXPORT size_t cg_sched_pending(struct cg_sched *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

CG_EXPORT int cg_timer_add(struct cg_core *core, uint64_t delay_ms, cg_job_fn fn, void *arg,
			   cg_free_fn free_arg, cg_timer_id *id)
{
	return cg_sched_add(core->sched, delay_ms, fn, arg, free_arg, id);
}

CG_EXPORT bool cg_timer_cancel(struct cg_core *core, cg_timer_id id)
{
	return cg_sched_cancel(core->sched, id);
}

CG_EXPORT uint64_t cg_now_ms(const struct cg_core *core)
{
	return cg_sched_now(core->sched);
}
