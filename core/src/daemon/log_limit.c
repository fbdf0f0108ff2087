/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rate limiting of per-packet log lines about unauthenticated peers. A
 * flood must not become a flood of log lines: in each 10 s window the
 * first few refusals are logged as they come, the rest only at debug
 * level; when a window had more than those few, one INFO line per kind of
 * message sums them all up at its end:
 *
 *   refused 41000 IKE_SA_INIT from 50 addresses in the last 10 s: 40000 too
 *   many half-open IKE SAs from this address, 1000 asking for a cookie
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

#define LIMIT_WINDOW_MS 10000
#define LIMIT_BURST 10      /* refusals logged one by one per window */
#define LIMIT_KINDS 8       /* distinct messages counted per window */
#define LIMIT_REASONS 6     /* distinct reasons counted per message */
#define LIMIT_ADDRS 1024    /* distinct addresses counted per window; a power of two */
#define LIMIT_TEXT 64

struct limit_reason {
	char why[LIMIT_TEXT];
	uint64_t n;
};

struct limit_kind {
	enum cg_subsys subsys;
	char what[LIMIT_TEXT];
	uint64_t n;
	size_t n_addrs;
	bool addrs_full;                 /* more addresses than the set holds */
	struct limit_reason reasons[LIMIT_REASONS];
	size_t n_reasons;
	uint64_t other;                  /* refusals for reasons beyond the table */
	uint64_t addrs[LIMIT_ADDRS];     /* hashes of the addresses seen, 0 = free */
};

struct cg_log_limit {
	pthread_mutex_t lock;
	uint64_t window_start;
	unsigned logged;                 /* lines written one by one in this window */
	bool timer_armed;
	cg_timer_id timer;
	struct limit_kind *kinds[LIMIT_KINDS];
	size_t n_kinds;
};

int cg_log_limit_init(struct cg_core *core)
{
	struct cg_log_limit *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	core->log_limit = l;
	return 0;
}

static void limit_reset(struct cg_log_limit *l, uint64_t now)
{
	for (size_t i = 0; i < l->n_kinds; i++)
		free(l->kinds[i]);
	l->n_kinds = 0;
	l->logged = 0;
	l->window_start = now;
}

/* Counts addr once per window; the count is a floor once the set is full. */
static void kind_add_addr(struct limit_kind *k, const struct cg_addr *addr)
{
	uint64_t h = cg_hash64(addr->u.bytes, addr->family == AF_INET ? 4 : 16, addr->family);

	for (size_t i = 0; i < LIMIT_ADDRS; i++) {
		size_t at = (h + i) & (LIMIT_ADDRS - 1);

		if (k->addrs[at] == h)
			return;
		if (!k->addrs[at]) {
			/* Keep a quarter free so that lookups stay short. */
			if (k->n_addrs >= LIMIT_ADDRS * 3 / 4) {
				k->addrs_full = true;
				return;
			}
			k->addrs[at] = h;
			k->n_addrs++;
			return;
		}
	}
}

static struct limit_kind *limit_kind(struct cg_log_limit *l, enum cg_subsys subsys,
				     const char *what)
{
	struct limit_kind *k;

	/* Keyed by what alone: the summary goes to the subsystem of the first. */
	for (size_t i = 0; i < l->n_kinds; i++)
		if (!strcmp(l->kinds[i]->what, what))
			return l->kinds[i];
	if (l->n_kinds == LIMIT_KINDS)
		return l->kinds[LIMIT_KINDS - 1]; /* lumped with the last kind */
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->subsys = subsys;
	snprintf(k->what, sizeof(k->what), "%s", what);
	l->kinds[l->n_kinds++] = k;
	return k;
}

static void kind_count(struct limit_kind *k, const struct cg_addr *from, const char *why)
{
	k->n++;
	kind_add_addr(k, from);
	for (size_t i = 0; i < k->n_reasons; i++) {
		if (!strcmp(k->reasons[i].why, why)) {
			k->reasons[i].n++;
			return;
		}
	}
	if (k->n_reasons == LIMIT_REASONS) {
		k->other++;
		return;
	}
	snprintf(k->reasons[k->n_reasons].why, LIMIT_TEXT, "%s", why);
	k->reasons[k->n_reasons++].n = 1;
}

/* One summary line per kind of the window that ends; lock held. */
static void limit_summarise(struct cg_core *core, struct cg_log_limit *l, uint64_t now)
{
	uint64_t secs = (now - l->window_start + 999) / 1000;

	for (size_t i = 0; i < l->n_kinds; i++) {
		const struct limit_kind *k = l->kinds[i];
		char reasons[512] = "";
		size_t off = 0;

		for (size_t j = 0; j < k->n_reasons && off < sizeof(reasons); j++)
			off += (size_t)snprintf(reasons + off, sizeof(reasons) - off, "%s%llu %s",
						j ? ", " : "", (unsigned long long)k->reasons[j].n,
						k->reasons[j].why);
		if (k->other && off < sizeof(reasons))
			snprintf(reasons + off, sizeof(reasons) - off, ", %llu for other reasons",
				 (unsigned long long)k->other);
		cg_log(core, k->subsys, CG_LVL_INFO,
		       "refused %llu %s from %s%zu address%s in the last %llu s: %s",
		       (unsigned long long)k->n, k->what, k->addrs_full ? "at least " : "",
		       k->n_addrs, k->n_addrs == 1 ? "" : "es", (unsigned long long)secs, reasons);
	}
}

static void limit_timer(void *arg)
{
	struct cg_core *core = arg;
	struct cg_log_limit *l = core->log_limit;
	uint64_t now = cg_now_ms(core);

	pthread_mutex_lock(&l->lock);
	l->timer_armed = false;
	limit_summarise(core, l, now);
	limit_reset(l, now);
	pthread_mutex_unlock(&l->lock);
}

/*
 * Counts a refusal; whether it is logged in full. The first one past the
 * burst arms the timer that writes the window's summary (of them all).
 */
static bool limit_admit(struct cg_core *core, struct cg_log_limit *l, enum cg_subsys subsys,
			const char *what, const struct cg_addr *from, const char *why)
{
	uint64_t now = cg_now_ms(core);
	struct limit_kind *k;

	if (now - l->window_start >= LIMIT_WINDOW_MS && !l->timer_armed)
		limit_reset(l, now);
	k = limit_kind(l, subsys, what);
	if (k)
		kind_count(k, from, why);
	if (l->logged < LIMIT_BURST) {
		l->logged++;
		return true;
	}
	if (!l->timer_armed) {
		uint64_t left = LIMIT_WINDOW_MS - (now - l->window_start);

		l->timer_armed = !cg_timer_add(core, left, limit_timer, core, NULL, &l->timer);
	}
	return false;
}

CG_EXPORT void cg_log_refused(struct cg_core *core, enum cg_subsys subsys, const char *what,
			      const struct cg_addr *from, const char *why, const char *fmt, ...)
{
	struct cg_log_limit *l = core->log_limit;
	enum cg_level level = CG_LVL_INFO;
	va_list ap;

	if (l) {
		pthread_mutex_lock(&l->lock);
		if (!limit_admit(core, l, subsys, what, from, why))
			level = CG_LVL_DEBUG;
		pthread_mutex_unlock(&l->lock);
	}
	va_start(ap, fmt);
	cg_logv(core, subsys, level, fmt, ap);
	va_end(ap);
}

void cg_log_limit_fini(struct cg_core *core)
{
	struct cg_log_limit *l = core->log_limit;

	if (!l)
		return;
	if (l->timer_armed && core->sched)
		cg_timer_cancel(core, l->timer);
	limit_reset(l, 0);
	pthread_mutex_destroy(&l->lock);
	free(l);
	core->log_limit = NULL;
}
