/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scheduler: one timer thread and a min-heap of deadlines; a due timer
 * becomes a job on the processor. Times are milliseconds on a monotonic
 * clock. A scheduler with virtual time never sleeps: cg_sched_advance()
 * moves its clock, which makes retransmit and rekey tests deterministic.
 */
#ifndef CYGNET_SCHED_H
#define CYGNET_SCHED_H

#include <cygnet/job.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_sched;

/* Timer handle; 0 is never a valid id. */
typedef uint64_t cg_timer_id;

/* Creates a scheduler queueing onto proc (borrowed); virtual_time for tests. */
CG_EXPORT int cg_sched_create(struct cg_proc *proc, bool virtual_time, struct cg_sched **ret);
/* Stops the timer thread, frees pending timers' args; accepts NULL. */
CG_EXPORT void cg_sched_destroy(struct cg_sched *sched);
/*
 * Queues fn(arg) as a job after delay_ms. Takes arg as cg_proc_queue does.
 * Stores the timer's id in *id when id is not NULL. 0 or -ENOMEM.
 */
CG_EXPORT int cg_sched_add(struct cg_sched *sched, uint64_t delay_ms, cg_job_fn fn, void *arg,
			   cg_free_fn free_arg, cg_timer_id *id);
/* Cancels a timer that has not fired yet (its free_arg runs); true when it was pending. */
CG_EXPORT bool cg_sched_cancel(struct cg_sched *sched, cg_timer_id id);
/* Monotonic milliseconds (the virtual clock in virtual mode). */
CG_EXPORT uint64_t cg_sched_now(const struct cg_sched *sched);
/* Virtual mode: advances the clock by ms, queueing every timer that falls due in order. */
CG_EXPORT void cg_sched_advance(struct cg_sched *sched, uint64_t ms);
/* Number of pending timers. */
CG_EXPORT size_t cg_sched_pending(struct cg_sched *sched);

/* Shorthands for the core's scheduler. */
CG_EXPORT int cg_timer_add(struct cg_core *core, uint64_t delay_ms, cg_job_fn fn, void *arg,
			   cg_free_fn free_arg, cg_timer_id *id);
CG_EXPORT bool cg_timer_cancel(struct cg_core *core, cg_timer_id id);
/* The core's monotonic clock in milliseconds. */
CG_EXPORT uint64_t cg_now_ms(const struct cg_core *core);

#ifdef __cplusplus
}
#endif
#endif
