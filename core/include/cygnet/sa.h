/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IKE SA manager. Protocol plugins keep their IKE SAs here; a job
 * checks an SA out, works on it alone, and checks it back in, so protocol
 * code never takes its own locks. Lookups are O(1) hash lookups.
 *
 * Each SA is indexed by the SPI this daemon chose (unique by
 * construction), by (initiator SPI, peer address) while a responder's SA
 * is half-open, by its unique id, and by the reqids of its child SAs.
 */
#ifndef CYGNET_SA_H
#define CYGNET_SA_H

#include <stdarg.h>

#include <cygnet/bus.h>
#include <cygnet/id.h>
#include <cygnet/kernel.h>
#include <cygnet/log.h>
#include <cygnet/sched.h>
#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;
struct cg_sa;  /* the manager's entry for one IKE SA */
struct cg_out;

/* One installed child SA of an IKE SA, in neutral form, as a move sees it. */
struct cg_sa_child {
	const char *name;             /* borrowed: the child's config name */
	uint32_t reqid;
	enum cg_ipsec_mode mode;
	bool proxy;                   /* transport_proxy */
	bool no_policies;             /* it installed no policies of its own ('policies: no') */
	uint32_t priority;            /* of its policies; 0: computed from the selectors */
	uint8_t proto;                /* IPPROTO_ESP or IPPROTO_AH */
	uint32_t spi_in, spi_out;     /* host order */
	struct cg_addr local, remote; /* outer addresses of its SAs, no ports */
	const struct cg_ts *local_ts, *remote_ts; /* borrowed */
	size_t n_local_ts, n_remote_ts;
};
/* Called for each child; c is borrowed for the call. */
typedef void (*cg_sa_child_fn)(void *ctx, const struct cg_sa_child *c);

struct cg_sa_ops {
	/* Frees the protocol's SA object (after it left the manager). */
	void (*destroy)(void *data);
	/* Writes the SA for `cygnetctl list-sas` (called while checked out). Optional. */
	void (*describe)(void *data, struct cg_out *out);
	/* Calls fn for every installed child (checked out). Optional: no children to move. */
	void (*children)(void *data, cg_sa_child_fn fn, void *ctx);
	/*
	 * Records new IKE endpoints (checked out); a port 0 keeps the current
	 * port, so UDP encapsulation stays where NAT-T is in use. Every later
	 * message, retransmits included, uses them. 1 when they changed, 0 when
	 * they were there already. Optional: cg_sa_move then answers -EOPNOTSUPP.
	 */
	int (*move_ike)(void *data, const struct cg_addr *local, const struct cg_addr *remote);
	/*
	 * Records new outer addresses (no ports) for the child with inbound SPI
	 * spi_in; nothing in the kernel. 0, or -ENOENT when no such child.
	 * Required with children.
	 */
	int (*move_child)(void *data, uint32_t spi_in, const struct cg_addr *local,
			  const struct cg_addr *remote);
	/*
	 * An initiator still in IKE_SA_INIT or IKE_AUTH whose first child has
	 * this reqid starts again, from where cg_sa_hint_get says (checked
	 * out; the restart runs in a job of its own). 1 when it will, 0 when
	 * the SA is not such an initiator. Optional.
	 */
	int (*restart)(void *data, uint32_t reqid);
};

/*
 * Adds an SA, checked out by the caller. local_spi must be non-zero and
 * unique (-EEXIST otherwise). data and ops are kept until the SA is
 * destroyed. Stores the entry in *ret.
 */
CG_EXPORT int cg_sa_add(struct cg_core *core, uint8_t version, uint64_t local_spi,
			const char *conn_name, void *data, const struct cg_sa_ops *ops,
			struct cg_sa **ret);
/*
 * A fresh SPI of ours in *spi: random, never 0 nor all ones (sa_spi.c).
 * 0 or the error of cg_random.
 */
CG_EXPORT int cg_sa_new_spi(struct cg_core *core, uint64_t *spi);
/*
 * cg_sa_add under a fresh SPI (cg_sa_new_spi), tried again while it is
 * taken; the SPI chosen in *spi. 0, -EEXIST after a few clashes, or an error.
 */
CG_EXPORT int cg_sa_add_new(struct cg_core *core, uint8_t version, const char *conn_name,
			    void *data, const struct cg_sa_ops *ops, uint64_t *spi,
			    struct cg_sa **ret);
/*
 * cg_sa_add_new for a new IKE SA in its role, logging a failure: an
 * initiator's SPI is ours (*spi); a responder's SA is also indexed as
 * half-open by (spi_i, remote). On a failure with *ret still NULL the caller
 * owns data; with *ret set the SA was added and then destroyed (ops->destroy).
 */
CG_EXPORT int cg_sa_add_role(struct cg_core *core, uint8_t version, const char *conn_name,
			     void *data, const struct cg_sa_ops *ops, uint64_t spi_i,
			     const struct cg_addr *remote, uint64_t *spi, struct cg_sa **ret);
/* Checks out by our own SPI; waits while another job has it; NULL when absent. */
CG_EXPORT struct cg_sa *cg_sa_checkout_by_spi(struct cg_core *core, uint64_t local_spi);
/* Checks out a responder's half-open SA by the initiator's SPI and address. */
CG_EXPORT struct cg_sa *cg_sa_checkout_by_init(struct cg_core *core, uint64_t spi_i,
					       const struct cg_addr *remote);
/* Checks out by unique id (as shown by list-sas). */
CG_EXPORT struct cg_sa *cg_sa_checkout_by_id(struct cg_core *core, uint32_t unique_id);
/* Checks out an SA owning a child with this reqid (cg_sa_foreach_reqid: all of them). */
CG_EXPORT struct cg_sa *cg_sa_checkout_by_reqid(struct cg_core *core, uint32_t reqid);
/* Returns the SA to the manager. */
CG_EXPORT void cg_sa_checkin(struct cg_core *core, struct cg_sa *sa);
/* Removes a checked-out SA and destroys it (ops->destroy). */
CG_EXPORT void cg_sa_checkin_destroy(struct cg_core *core, struct cg_sa *sa);

/* Accessors, valid while checked out. */
CG_EXPORT void *cg_sa_data(const struct cg_sa *sa);
CG_EXPORT uint32_t cg_sa_unique_id(const struct cg_sa *sa);
CG_EXPORT uint8_t cg_sa_version(const struct cg_sa *sa);
CG_EXPORT const char *cg_sa_conn(const struct cg_sa *sa);
/*
 * A log line about an IKE SA, as both IKE versions write them:
 * "name[id] <spi_i>_i <spi_r>_r: message" (id 0 while entry is NULL).
 */
CG_EXPORT void cg_sa_logv(struct cg_core *core, const struct cg_sa *entry, const char *name,
			  uint64_t spi_i, uint64_t spi_r, enum cg_subsys subsys,
			  enum cg_level level, const char *fmt, va_list ap) CG_PRINTF(8, 0);
/* Publishes an IKE SA event (u.ike) of entry: its id and version, the SPIs in wire order. */
CG_EXPORT void cg_sa_publish(struct cg_core *core, const struct cg_sa *entry,
			     enum cg_event_type type, const char *name, uint64_t spi_i,
			     uint64_t spi_r, const struct cg_addr *local, const struct cg_addr *remote);
/*
 * Publishes a child SA event (u.child) of the IKE SA entry, for the child
 * ci describes (reqid, SPIs), with the IKE SA's endpoints local and remote.
 */
CG_EXPORT void cg_sa_publish_child(struct cg_core *core, const struct cg_sa *entry,
				   enum cg_event_type type, const char *conn, const char *child,
				   uint32_t unique_id, const struct cg_child_install *ci,
				   const struct cg_addr *local, const struct cg_addr *remote);
/* What list-sas shows of every IKE SA (sa_describe.c). */
struct cg_sa_view {
	const char *name;
	const char *state;              /* "CONNECTING", "ESTABLISHED", "DELETING" */
	const struct cg_addr *local, *remote;
	const struct cg_id *id_local;   /* NULL: not shown */
	const struct cg_id *id_remote;  /* NULL: not shown */
	bool initiator;
	const bool *mobike;             /* NULL: not shown (IKEv1) */
	uint64_t spi_i, spi_r;
	const struct cg_proposal *proposal; /* NULL until keys exist */
	uint16_t ke_group;
	int64_t established_at;         /* unix time, 0 when not */
};
/* Writes the fields of v (inside the caller's object for the SA). */
CG_EXPORT void cg_sa_describe_head(struct cg_out *out, const struct cg_sa *entry,
				   const struct cg_sa_view *v);
/* What list-sas shows of a child SA: ci holds its SAs and selectors (keys unused). */
struct cg_child_view {
	const char *name;
	uint32_t unique_id;
	bool installed;
	const struct cg_child_install *ci;
	uint16_t pfs_group;             /* shown when not 0 */
	int64_t installed_at;
};
/* Writes one child as an object, with the kernel's counters of its SAs. */
CG_EXPORT void cg_child_describe(struct cg_core *core, struct cg_out *out,
				 const struct cg_child_view *v);
/* Writes a checked-out SA for `cygnetctl list-sas` through its plugin's describe (if any). */
CG_EXPORT void cg_sa_describe(struct cg_sa *sa, struct cg_out *out);
/* Indexes a half-open responder SA by (spi_i, remote); cleared by cg_sa_set_established. */
CG_EXPORT int cg_sa_set_init_key(struct cg_sa *sa, uint64_t spi_i, const struct cg_addr *remote);
CG_EXPORT void cg_sa_set_established(struct cg_sa *sa);
/*
 * Indexes / unindexes a child's reqid to this SA, once per child: the SA
 * leaves the reqid's index when its last child of that reqid goes.
 */
CG_EXPORT int cg_sa_add_reqid(struct cg_sa *sa, uint32_t reqid);
CG_EXPORT void cg_sa_del_reqid(struct cg_sa *sa, uint32_t reqid);

/*
 * Hints: where the IKE SA of a reqid no IKE SA has yet should run, as a
 * MIGRATE with KMADDRESS told (the mobility plugin, when umip moved before
 * any IKE SA existed). The next initiation for that reqid starts from the
 * hint's local address to its remote one. At most CG_SA_HINTS_MAX are
 * kept (a new one pushes out the oldest), each for CG_SA_HINT_SECS, and a
 * reqid's hint goes once an IKE SA indexes a child of it.
 */
#define CG_SA_HINTS_MAX 256
#define CG_SA_HINT_SECS 600
struct cg_sa_hint {
	uint32_t reqid;
	struct cg_addr local, remote; /* no ports */
	uint32_t expires;             /* seconds left (cg_sa_hints) */
};
/* Remembers (or replaces) reqid's hint. */
CG_EXPORT void cg_sa_hint_set(struct cg_core *core, uint32_t reqid, const struct cg_addr *local,
			      const struct cg_addr *remote);
/* reqid's hint; false when there is none (or it expired). */
CG_EXPORT bool cg_sa_hint_get(struct cg_core *core, uint32_t reqid, struct cg_addr *local,
			      struct cg_addr *remote);
/* ops->restart of a checked-out SA (0 without the hook). */
CG_EXPORT int cg_sa_restart(struct cg_sa *sa, uint32_t reqid);
/* Copies up to max live hints, oldest first; how many. */
CG_EXPORT size_t cg_sa_hints(struct cg_core *core, struct cg_sa_hint *out, size_t max);

/* What a timer job does with its SA afterwards. */
enum cg_sa_verdict {
	CG_SA_KEEP,    /* check it back in */
	CG_SA_DESTROY, /* cg_sa_checkin_destroy */
};
/* A timer's work on its SA (checked out); arg is the timer's copy of the caller's bytes. */
typedef enum cg_sa_verdict (*cg_sa_job_fn)(struct cg_sa *sa, void *arg);
/*
 * After delay_ms, checks out the SA with local_spi and calls fn(sa, arg);
 * nothing runs when the SA is gone by then. arg_len bytes at arg are
 * copied (arg borrowed). The timer's id in *id (0 on failure) when id is
 * not NULL, to cancel it. 0 or -ENOMEM (sa_timer.c).
 */
CG_EXPORT int cg_sa_timer_add(struct cg_core *core, uint64_t local_spi, uint64_t delay_ms,
			      cg_sa_job_fn fn, const void *arg, size_t arg_len, cg_timer_id *id);

/*
 * Retransmission of a request, the same for every IKE version (as charon's
 * retransmit_timeout 4 s, retransmit_base 1.8, retransmit_tries 5): the
 * delay before retransmit tries + 1 (the first send is tries 0), and how
 * many retransmits are made before giving up.
 */
#define CG_SA_RETRANSMIT_TRIES 5u
CG_EXPORT uint64_t cg_sa_retransmit_delay(unsigned tries);

/*
 * Calls fn for every SA (of any version when version is 0), each checked
 * out in turn; SAs added meanwhile may be skipped. fn must not check in.
 */
typedef void (*cg_sa_iter_fn)(void *ctx, struct cg_sa *sa);
CG_EXPORT void cg_sa_foreach(struct cg_core *core, uint8_t version, cg_sa_iter_fn fn, void *ctx);
/* The same for every SA with a child of this reqid. */
CG_EXPORT void cg_sa_foreach_reqid(struct cg_core *core, uint32_t reqid, cg_sa_iter_fn fn,
				   void *ctx);
/*
 * Moving an IKE SA and its children to new addresses (sa_move.c): one
 * operation for every trigger (a kernel MIGRATE, MOBIKE). For each child
 * that moves, the core's install record follows its SAs, so a shutdown
 * or a restart after a crash deletes them where they now are.
 */

/* Whether child c moves, and to which outer addresses (ports ignored); false: it stays. */
typedef bool (*cg_sa_pick_fn)(void *ctx, const struct cg_sa_child *c, struct cg_addr *local,
			      struct cg_addr *remote);

struct cg_sa_move {
	bool move_ike;                /* move the IKE SA's endpoints to local/remote */
	struct cg_addr local, remote; /* new IKE endpoints; port 0 keeps the current port */
	cg_sa_pick_fn pick;           /* NULL: every child follows the IKE SA */
	void *ctx;                    /* borrowed, for pick */
	/*
	 * true: the kernel moved its SAs already (a MIGRATE) and must not be
	 * asked again; only cygnet's records change. false: ask the backend
	 * to move them (MOBIKE, a NAT's new mapping: cg_child_move).
	 */
	bool kernel_moved;
	/* UDP encapsulation of the moved SAs (kernel_moved false); 0 = none. */
	uint16_t encap_local_port, encap_remote_port;
	/*
	 * Children already at their new addresses move too (kernel_moved
	 * false): the encapsulation ports changed (a NAT's new mapping).
	 */
	bool reencap;
};

/* What a move changed. */
struct cg_sa_moved {
	bool ike;        /* the IKE endpoints changed */
	size_t children; /* children whose outer addresses changed */
	/*
	 * Children the backend could not move (PF_KEY: -EXDEV): their policies
	 * moved, their SAs stayed, and the IKE plugin rekeys them at the new
	 * addresses. Their records keep the old addresses until then.
	 */
	size_t rekey;
};

/* Calls fn for every installed child of a checked-out SA (none when its plugin lists none). */
CG_EXPORT void cg_sa_children(struct cg_sa *sa, cg_sa_child_fn fn, void *ctx);

/*
 * Moves a checked-out SA as mv says; children already at their new
 * addresses and an IKE SA already at its endpoints are left alone, so the
 * same move twice changes nothing the second time. What changed in *done
 * (may be NULL). 0 or a negative errno.
 */
CG_EXPORT int cg_sa_move(struct cg_core *core, struct cg_sa *sa, const struct cg_sa_move *mv,
			 struct cg_sa_moved *done);

/* Number of SAs, and of half-open ones. */
CG_EXPORT size_t cg_sa_count(struct cg_core *core);
CG_EXPORT size_t cg_sa_count_half_open(struct cg_core *core);
/* Half-open SAs whose init key (cg_sa_set_init_key) names this peer address (port ignored). */
CG_EXPORT size_t cg_sa_count_half_open_from(struct cg_core *core, const struct cg_addr *remote);

/* Whether a new responder SA may be created (daemon.half_open_limit, half_open_per_address). */
enum cg_half_open {
	CG_HALF_OPEN_OK = 0,
	CG_HALF_OPEN_ADDRESS_FULL, /* this address has half_open_per_address half-open SAs */
	CG_HALF_OPEN_FULL,         /* there are half_open_limit half-open SAs in all */
};

/*
 * Asks before creating anything for a request that would open an IKE SA
 * from remote (an IKE_SA_INIT, an IKEv1 Main/Aggressive Mode start): a
 * request refused here is dropped unanswered. The count is taken, not
 * reserved: jobs running at once may overshoot by the number of workers.
 */
CG_EXPORT enum cg_half_open cg_sa_half_open_admit(struct cg_core *core,
						  const struct cg_addr *remote);

#ifdef __cplusplus
}
#endif
#endif
