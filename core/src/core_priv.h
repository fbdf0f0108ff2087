/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The core's private state and the internal entry points of its modules.
 * Each module keeps its own state behind one pointer in struct cg_core and
 * is set up and torn down by core.c in a fixed order.
 */
#ifndef CG_CORE_PRIV_H
#define CG_CORE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include <cygnet/cygnet.h>

struct cg_loader;   /* loader.c */
struct cg_bus;      /* bus.c */
struct cg_logger;   /* log.c */
struct cg_log_limit; /* log_limit.c */
struct cg_kreg;     /* kernel.c: backend registry; journal.c: install journal */
struct cg_crypto;   /* crypto.c */
struct cg_credmgr;  /* cred.c */
struct cg_samgr;    /* ike/sa.c: the IKE SA manager */
struct cg_sockets;  /* socket.c */
struct cg_rtnl;     /* net.c */
struct cg_ctl;      /* control.c, ctl_socket.c */
struct cg_pools;    /* pool.c */
struct cg_dns;      /* dns.c */
struct cg_watcher;  /* watch.c */

struct cg_core {
	char name[32];
	struct cg_core_opts opts;
	pthread_mutex_t cfg_lock;   /* guards cfg (the pointer, not the immutable object) */
	struct cg_config *cfg;
	struct cg_proc *proc;
	struct cg_sched *sched;
	struct cg_logger *log;
	struct cg_log_limit *log_limit; /* summaries of refused packets */
	struct cg_bus *bus;
	struct cg_loader *loader;
	struct cg_kreg *kernel;
	struct cg_crypto *crypto;
	struct cg_credmgr *cred;
	struct cg_samgr *ike_sas;  /* the IKE SA manager; kernel SAs are kernel/'s */
	struct cg_sockets *sockets;
	struct cg_rtnl *rtnl;
	struct cg_ctl *ctl;
	struct cg_pools *pools;
	struct cg_dns *dns;
	struct cg_watcher *watch;
	atomic_bool stopping;
	int64_t started_at;
};

/* sched.c: stops the timer thread; pending timers stay (cancellable) until destroy. */
void cg_sched_halt(struct cg_sched *sched);

/* core.c */
/* Unix time the core was created (for `status`). */
int64_t cg_core_started_at(const struct cg_core *core);

/* watch.c: the fd watcher; fini stops its thread once every module removed its fds. */
int cg_watch_init(struct cg_core *core);
void cg_watch_fini(struct cg_core *core);

/* log.c */
int cg_log_init(struct cg_core *core);
void cg_log_fini(struct cg_core *core);
/* Applies daemon.log levels and the sink (stderr/syslog/file) from cfg. */
void cg_log_configure(struct cg_core *core, const struct cg_config *cfg);
/* "error", "warn", "info", "debug", "trace" or "silent". */
const char *cg_level_name(enum cg_level level);

/* log_limit.c: the rate limiter of cg_log_refused. */
int cg_log_limit_init(struct cg_core *core);
void cg_log_limit_fini(struct cg_core *core);

/* bus.c */
int cg_bus_init(struct cg_core *core);
void cg_bus_fini(struct cg_core *core);

/* loader.c */
int cg_loader_init(struct cg_core *core);
/* Loads and (unless check_only) starts plugins of cfg->daemon.plugins. */
int cg_loader_load(struct cg_core *core, const struct cg_config *cfg, struct cg_cfg_errors *errs);
/* Runs every loaded plugin's check() on its section of cfg. */
int cg_loader_check(struct cg_core *core, const struct cg_config *cfg, struct cg_cfg_errors *errs);
/* Calls reload() of every loaded plugin, in load order. */
void cg_loader_reload(struct cg_core *core);
/* Destroys plugins in reverse order and closes the shared objects. */
void cg_loader_unload(struct cg_core *core);
/* Closes the shared objects (after no job can run plugin code any more). */
void cg_loader_fini_handles(struct cg_core *core);
void cg_loader_fini(struct cg_core *core);
/* The plugin directory in effect (opts, config, build tree or install dir). */
const char *cg_loader_dir(struct cg_core *core, const struct cg_config *cfg);

/* kernel.c (with journal.c, see kernel/kernel_priv.h) */
int cg_kernel_init(struct cg_core *core);
void cg_kernel_fini(struct cg_core *core);
/*
 * Takes the instance lock beside the state file before anything is
 * touched; -EBUSY with one line in errs while another cygnetd holds it.
 */
int cg_journal_lock(struct cg_core *core, struct cg_cfg_errors *errs);
/*
 * The SA `from` now sits at `to`, moved by the kernel itself (a MIGRATE):
 * the install record follows, nothing goes to the kernel. An SA missing
 * from the record (not ours) stays out of it.
 */
void cg_kernel_sa_moved(struct cg_core *core, const struct cg_kernel_sa_id *from,
			const struct cg_kernel_sa_id *to);
/* sa.c: the protocol's hooks of a checked-out SA (for sa_move.c). */
const struct cg_sa_ops *cg_sa_ops_of(const struct cg_sa *sa);

/* crypto.c */
int cg_crypto_init(struct cg_core *core);
void cg_crypto_fini(struct cg_core *core);

/* cred.c */
int cg_cred_init(struct cg_core *core);
/* Drops cached files (they are read again for the new config). */
void cg_cred_reload(struct cg_core *core);
void cg_cred_fini(struct cg_core *core);

/* ike/sa.c: the IKE SA manager */
int cg_samgr_init(struct cg_core *core);
/* Destroys every remaining SA (at shutdown, after the plugins stopped using them). */
void cg_samgr_fini(struct cg_core *core);

/* socket.c */
int cg_sockets_init(struct cg_core *core);
/* Opens the UDP sockets (unless opts.no_sockets) and puts them on the fd watcher. */
int cg_sockets_start(struct cg_core *core, const struct cg_config *cfg);
void cg_sockets_fini(struct cg_core *core);

/* net.c */
int cg_rtnl_init(struct cg_core *core);
/* Opens rtnetlink (unless opts.no_rtnetlink) and puts its monitor on the fd watcher. */
int cg_rtnl_start(struct cg_core *core, const struct cg_config *cfg);
void cg_rtnl_fini(struct cg_core *core);

/* control.c */
int cg_ctl_init(struct cg_core *core);
/* ctl_socket.c: opens the control socket (unless opts.no_control) on the fd watcher. */
int cg_ctl_start(struct cg_core *core, const struct cg_config *cfg);
void cg_ctl_fini(struct cg_core *core);

/* pool.c */
int cg_pools_init(struct cg_core *core);
void cg_pools_fini(struct cg_core *core);

/* dns.c: servers handed to the resolver; fini takes back what is left. */
int cg_dns_init(struct cg_core *core);
void cg_dns_fini(struct cg_core *core);

/* Shared helpers (util.c). */
/* strdup that returns NULL only on allocation failure, and accepts NULL. */
char *cg_strdup(const char *s);
/* Number of online CPUs, at least 1. */
unsigned cg_ncpus(void);

#endif
