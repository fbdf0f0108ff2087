/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Timers on one IKE SA (retransmits, DPD, rekeys, keepalives, half-open
 * and fragment expiry): the job checks the SA out by its SPI, hands it to
 * the protocol's function and checks it back in or destroys it.
 */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cygnet/sa.h>
#include <cygnet/sched.h>

struct sa_job {
	struct cg_core *core;
	uint64_t spi;
	cg_sa_job_fn fn;
	alignas(max_align_t) unsigned char arg[]; /* the caller's bytes, copied */
};

static void sa_job_run(void *arg)
{
	struct sa_job *j = arg;
	struct cg_sa *sa = cg_sa_checkout_by_spi(j->core, j->spi);

	if (!sa)
		return;
	if (j->fn(sa, j->arg) == CG_SA_DESTROY)
		cg_sa_checkin_destroy(j->core, sa);
	else
		cg_sa_checkin(j->core, sa);
}

CG_EXPORT int cg_sa_timer_add(struct cg_core *core, uint64_t local_spi, uint64_t delay_ms,
			      cg_sa_job_fn fn, const void *arg, size_t arg_len, cg_timer_id *id)
{
	struct sa_job *j = malloc(sizeof(*j) + arg_len);
	int err;

	if (id)
		*id = 0;
	if (!j)
		return -ENOMEM;
	*j = (struct sa_job){ .core = core, .spi = local_spi, .fn = fn };
	if (arg_len)
		memcpy(j->arg, arg, arg_len);
	err = cg_timer_add(core, delay_ms, sa_job_run, j, free, id);
	if (err && id)
		*id = 0;
	return err;
}

/* 4 s * 1.8^tries, as charon's retransmit_timeout and retransmit_base. */
CG_EXPORT uint64_t cg_sa_retransmit_delay(unsigned tries)
{
	double ms = 4000;

	for (unsigned i = 0; i < tries; i++)
		ms *= 1.8;
	return (uint64_t)ms;
}
