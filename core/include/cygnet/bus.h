/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bus: typed events, published by anyone, delivered to subscribers
 * either synchronously in the publisher's thread (CG_BUS_SYNC) or as a job
 * on the processor (CG_BUS_JOB). Events are reference-counted and read-only
 * once published.
 *
 * Log lines are not bus events: see <cygnet/log.h> for log listeners.
 */
#ifndef CYGNET_BUS_H
#define CYGNET_BUS_H

#include <net/if.h>

#include <cygnet/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;
struct cg_bus_sub;

enum cg_event_type {
	CG_EV_IKE_UP = 0,        /* u.ike */
	CG_EV_IKE_DOWN,          /* u.ike */
	CG_EV_IKE_REKEYED,       /* u.ike (new SPIs), u.ike.old_* the replaced ones */
	CG_EV_CHILD_UP,          /* u.child */
	CG_EV_CHILD_DOWN,        /* u.child */
	CG_EV_CHILD_REKEYED,     /* u.child (new SPIs) */
	CG_EV_KERNEL_ACQUIRE,    /* u.acquire */
	CG_EV_KERNEL_EXPIRE,     /* u.expire */
	CG_EV_KERNEL_MIGRATE,    /* u.migrate */
	CG_EV_KERNEL_MAPPING,    /* u.mapping */
	CG_EV_KERNEL_POLICY_GONE,/* u.policy_gone */
	CG_EV_ADDR_ADDED,        /* u.addr */
	CG_EV_ADDR_REMOVED,      /* u.addr */
	CG_EV_LINK_UP,           /* u.link */
	CG_EV_LINK_DOWN,         /* u.link */
	CG_EV_CONFIG_RELOADED,   /* no payload */
	CG_EV_TYPE_COUNT,
};

/* Mask bit for one event type, for cg_bus_subscribe. */
#define CG_EV_BIT(t) (UINT64_C(1) << (t))
#define CG_EV_ALL ((UINT64_C(1) << CG_EV_TYPE_COUNT) - 1)

#define CG_NAME_MAX 64

struct cg_ev_ike {
	char conn[CG_NAME_MAX];  /* connection name */
	uint32_t unique_id;      /* the IKE SA's number, as shown by list-sas */
	uint64_t spi_i, spi_r;   /* network byte order as on the wire */
	uint64_t old_spi_i, old_spi_r; /* CG_EV_IKE_REKEYED only */
	struct cg_addr local, remote; /* with ports */
	uint8_t version;         /* IKE major version */
};

struct cg_ev_child {
	char conn[CG_NAME_MAX];
	char child[CG_NAME_MAX];
	uint32_t unique_id;      /* the child SA's number */
	uint32_t ike_unique_id;
	uint32_t reqid;
	uint32_t spi_in, spi_out; /* host byte order */
	struct cg_addr local, remote;
};

struct cg_ev_addr {
	struct cg_addr addr;
	uint8_t prefixlen;
	int ifindex;
	char ifname[IF_NAMESIZE];
	bool tentative; /* IPv6 DAD not finished */
};

struct cg_ev_link {
	int ifindex;
	char ifname[IF_NAMESIZE];
	bool up;
};

struct cg_event {
	enum cg_event_type type;
	union {
		struct cg_ev_ike ike;
		struct cg_ev_child child;
		struct cg_kernel_acquire acquire;
		struct cg_kernel_expire expire;
		struct cg_kernel_migrate migrate;
		struct cg_kernel_mapping mapping;
		struct cg_kernel_policy_gone policy_gone;
		struct cg_ev_addr addr;
		struct cg_ev_link link;
	} u;
};

enum cg_bus_mode {
	CG_BUS_SYNC = 0, /* called in the publisher's thread; must be quick and not block */
	CG_BUS_JOB = 1,  /* called later in a job on the processor */
};

/* A subscriber; ev is borrowed for the duration of the call. */
typedef void (*cg_bus_fn)(void *ctx, const struct cg_event *ev);

/*
 * Subscribes fn to the event types in mask (CG_EV_BIT(...) | ...). Borrows
 * ctx until cg_bus_unsubscribe returns. Stores a handle in *ret.
 */
CG_EXPORT int cg_bus_subscribe(struct cg_core *core, uint64_t mask, enum cg_bus_mode mode,
			       cg_bus_fn fn, void *ctx, struct cg_bus_sub **ret);
/*
 * Ends a subscription. When it returns, fn is not running and will not be
 * called again (queued deliveries are dropped). Accepts NULL. Must not be
 * called from inside that subscriber's own callback.
 */
CG_EXPORT void cg_bus_unsubscribe(struct cg_core *core, struct cg_bus_sub *sub);
/* Publishes a copy of *ev to every subscriber of its type. 0 or -ENOMEM. */
CG_EXPORT int cg_bus_publish(struct cg_core *core, const struct cg_event *ev);
/* "ike-up", "kernel-acquire", ... */
CG_EXPORT const char *cg_event_name(enum cg_event_type type);

#ifdef __cplusplus
}
#endif
#endif
