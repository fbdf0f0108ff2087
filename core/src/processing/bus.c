/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus. Publishing takes a snapshot of the matching subscribers under
 * the lock and delivers outside it, so a subscriber may publish in turn.
 * Each subscription counts its deliveries in flight; unsubscribing waits
 * for them to end, so the subscriber's context can be freed at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

struct cg_bus_sub {
	atomic_int refs;
	uint64_t mask;
	enum cg_bus_mode mode;
	cg_bus_fn fn;
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t done;
	bool active;
	unsigned in_flight;
	struct cg_bus_sub *next;
};

struct cg_bus {
	pthread_mutex_t lock;
	struct cg_bus_sub *subs;
	size_t n_subs;
};

/* A published event shared by the deliveries that still need it. */
struct shared_event {
	atomic_int refs;
	struct cg_event ev;
};

struct delivery {
	struct cg_core *core;
	struct cg_bus_sub *sub;
	struct shared_event *se;
};

static const char *const event_names[CG_EV_TYPE_COUNT] = {
	[CG_EV_IKE_UP] = "ike-up",
	[CG_EV_IKE_DOWN] = "ike-down",
	[CG_EV_IKE_REKEYED] = "ike-rekeyed",
	[CG_EV_CHILD_UP] = "child-up",
	[CG_EV_CHILD_DOWN] = "child-down",
	[CG_EV_CHILD_REKEYED] = "child-rekeyed",
	[CG_EV_KERNEL_ACQUIRE] = "kernel-acquire",
	[CG_EV_KERNEL_EXPIRE] = "kernel-expire",
	[CG_EV_KERNEL_MIGRATE] = "kernel-migrate",
	[CG_EV_KERNEL_MAPPING] = "kernel-mapping",
	[CG_EV_KERNEL_POLICY_GONE] = "kernel-policy-gone",
	[CG_EV_ADDR_ADDED] = "addr-added",
	[CG_EV_ADDR_REMOVED] = "addr-removed",
	[CG_EV_LINK_UP] = "link-up",
	[CG_EV_LINK_DOWN] = "link-down",
	[CG_EV_CONFIG_RELOADED] = "config-reloaded",
};

CG_EXPORT const char *cg_event_name(enum cg_event_type type)
{
	return (unsigned)type < CG_EV_TYPE_COUNT ? event_names[type] : "unknown";
}

static void sub_unref(struct cg_bus_sub *sub)
{
	if (atomic_fetch_sub(&sub->refs, 1) != 1)
		return;
	pthread_cond_destroy(&sub->done);
	pthread_mutex_destroy(&sub->lock);
	free(sub);
}

static void shared_unref(struct shared_event *se)
{
	if (se && atomic_fetch_sub(&se->refs, 1) == 1)
		free(se);
}

/* Calls the subscriber unless it was unsubscribed meanwhile. */
static void sub_deliver(struct cg_bus_sub *sub, const struct cg_event *ev)
{
	pthread_mutex_lock(&sub->lock);
	if (!sub->active) {
		pthread_mutex_unlock(&sub->lock);
		return;
	}
	sub->in_flight++;
	pthread_mutex_unlock(&sub->lock);

	sub->fn(sub->ctx, ev);

	pthread_mutex_lock(&sub->lock);
	if (--sub->in_flight == 0)
		pthread_cond_broadcast(&sub->done);
	pthread_mutex_unlock(&sub->lock);
}

static void delivery_run(void *arg)
{
	struct delivery *d = arg;

	sub_deliver(d->sub, &d->se->ev);
}

static void delivery_free(void *arg)
{
	struct delivery *d = arg;

	sub_unref(d->sub);
	shared_unref(d->se);
	free(d);
}

int cg_bus_init(struct cg_core *core)
{
	struct cg_bus *bus = calloc(1, sizeof(*bus));

	if (!bus)
		return -ENOMEM;
	pthread_mutex_init(&bus->lock, NULL);
	core->bus = bus;
	return 0;
}

void cg_bus_fini(struct cg_core *core)
{
	struct cg_bus *bus = core->bus;

	if (!bus)
		return;
	while (bus->subs) {
		struct cg_bus_sub *sub = bus->subs;

		bus->subs = sub->next;
		sub_unref(sub);
	}
	pthread_mutex_destroy(&bus->lock);
	free(bus);
	core->bus = NULL;
}

CG_EXPORT int cg_bus_subscribe(struct cg_core *core, uint64_t mask, enum cg_bus_mode mode,
			       cg_bus_fn fn, void *ctx, struct cg_bus_sub **ret)
{
	struct cg_bus *bus = core->bus;
	struct cg_bus_sub *sub = calloc(1, sizeof(*sub));

	if (!sub)
		return -ENOMEM;
	atomic_init(&sub->refs, 1);
	sub->mask = mask;
	sub->mode = mode;
	sub->fn = fn;
	sub->ctx = ctx;
	sub->active = true;
	pthread_mutex_init(&sub->lock, NULL);
	pthread_cond_init(&sub->done, NULL);

	pthread_mutex_lock(&bus->lock);
	sub->next = bus->subs;
	bus->subs = sub;
	bus->n_subs++;
	pthread_mutex_unlock(&bus->lock);
	if (ret)
		*ret = sub;
	return 0;
}

CG_EXPORT void cg_bus_unsubscribe(struct cg_core *core, struct cg_bus_sub *sub)
{
	struct cg_bus *bus = core->bus;
	struct cg_bus_sub **pp;

	if (!sub)
		return;
	pthread_mutex_lock(&bus->lock);
	for (pp = &bus->subs; *pp; pp = &(*pp)->next) {
		if (*pp == sub) {
			*pp = sub->next;
			bus->n_subs--;
			break;
		}
	}
	pthread_mutex_unlock(&bus->lock);

	pthread_mutex_lock(&sub->lock);
	sub->active = false;
	while (sub->in_flight)
		pthread_cond_wait(&sub->done, &sub->lock);
	pthread_mutex_unlock(&sub->lock);
	sub_unref(sub);
}

CG_EXPORT int cg_bus_publish(struct cg_core *core, const struct cg_event *ev)
{
	struct cg_bus *bus = core->bus;
	struct cg_bus_sub *stack[16], **matched = stack;
	struct shared_event *se = NULL;
	size_t n = 0, cap = CG_ARRAY_SIZE(stack);
	uint64_t bit = CG_EV_BIT(ev->type);
	int err = 0;

	pthread_mutex_lock(&bus->lock);
	if (bus->n_subs > cap) {
		cap = bus->n_subs;
		matched = malloc(cap * sizeof(*matched));
		if (!matched) {
			pthread_mutex_unlock(&bus->lock);
			return -ENOMEM;
		}
	}
	for (struct cg_bus_sub *sub = bus->subs; sub; sub = sub->next) {
		if (!(sub->mask & bit))
			continue;
		atomic_fetch_add(&sub->refs, 1);
		matched[n++] = sub;
	}
	pthread_mutex_unlock(&bus->lock);

	for (size_t i = 0; i < n; i++) {
		struct cg_bus_sub *sub = matched[i];
		struct delivery *d;

		if (sub->mode == CG_BUS_SYNC) {
			sub_deliver(sub, ev);
			sub_unref(sub);
			continue;
		}
		if (!se) {
			se = malloc(sizeof(*se));
			if (!se) {
				err = -ENOMEM;
				sub_unref(sub);
				continue;
			}
			atomic_init(&se->refs, 1);
			se->ev = *ev;
		}
		d = malloc(sizeof(*d));
		if (!d) {
			err = -ENOMEM;
			sub_unref(sub);
			continue;
		}
		atomic_fetch_add(&se->refs, 1);
		*d = (struct delivery){ .core = core, .sub = sub, .se = se };
		if (cg_job_queue(core, delivery_run, d, delivery_free))
			err = -ENOMEM;
	}
	shared_unref(se);
	if (matched != stack)
		free(matched);
	return err;
}
