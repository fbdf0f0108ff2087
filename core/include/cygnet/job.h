/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The job processor: a fixed pool of worker threads taking jobs from one
 * queue. Everything that happens in cygnetd is a job: a received message,
 * a kernel event, a timer.
 *
 * A processor created with 0 threads runs nothing by itself: the owner
 * calls cg_proc_run_pending(). Exchange tests use that to be deterministic.
 */
#ifndef CYGNET_JOB_H
#define CYGNET_JOB_H

#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;
struct cg_proc;

typedef void (*cg_job_fn)(void *arg);
typedef void (*cg_free_fn)(void *arg);

/* Creates a processor with `threads` workers (0: manual mode). */
CG_EXPORT int cg_proc_create(unsigned threads, struct cg_proc **ret);
/* Runs what is queued, stops the workers and frees the processor; accepts NULL. */
CG_EXPORT void cg_proc_destroy(struct cg_proc *proc);
/*
 * Queues fn(arg). Takes arg: free_arg(arg) runs after fn, or instead of it
 * when the processor is torn down first. 0, or -ENOMEM / -ESHUTDOWN (then
 * free_arg(arg) has already been called).
 */
CG_EXPORT int cg_proc_queue(struct cg_proc *proc, cg_job_fn fn, void *arg, cg_free_fn free_arg);
/* Manual mode: runs queued jobs (and the jobs they queue) until none is left; returns how many ran. */
CG_EXPORT size_t cg_proc_run_pending(struct cg_proc *proc);
/* Waits until the queue is empty and no worker is busy. */
CG_EXPORT void cg_proc_drain(struct cg_proc *proc);
/* Number of worker threads. */
CG_EXPORT unsigned cg_proc_threads(const struct cg_proc *proc);
/* Jobs waiting in the queue now. */
CG_EXPORT size_t cg_proc_queued(struct cg_proc *proc);

/* Queues a job on the core's processor (see cg_proc_queue). */
CG_EXPORT int cg_job_queue(struct cg_core *core, cg_job_fn fn, void *arg, cg_free_fn free_arg);

#ifdef __cplusplus
}
#endif
#endif
