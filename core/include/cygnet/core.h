/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The core object. A plugin receives it in init() and finds everything
 * through it: bus, processor, scheduler, registries, config. There are no
 * globals, so several cores can live in one process (exchange tests run two
 * IKE endpoints that way).
 */
#ifndef CYGNET_CORE_H
#define CYGNET_CORE_H

#include <cygnet/config.h>
#include <cygnet/job.h>
#include <cygnet/sched.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;

struct cg_core_opts {
	const char *name;          /* tag for log lines when several cores share a process */
	bool manual;               /* processor without threads, virtual time (tests) */
	bool no_sockets;           /* no UDP sockets: use cg_ike_set_transport */
	bool no_rtnetlink;         /* no address/route monitor (tests without root) */
	bool no_resolver;          /* leave the system's DNS configuration alone (tests) */
	bool no_control;           /* do not open the control socket */
	bool foreground;           /* log to stderr rather than syslog */
	bool check_only;           /* `--check`: load descriptors, call check(), never init() */
	const char *plugin_dir;    /* overrides the config and the built-in search path */
	const char *state_file;    /* overrides daemon.state_file */
	const char *control_path;  /* overrides daemon.control */
};

/*
 * Creates a core for a loaded config (takes the caller's reference). Sets
 * up the processor, scheduler, bus and registries; loads nothing yet.
 */
CG_EXPORT int cg_core_create(const struct cg_core_opts *opts, struct cg_config *cfg,
			     struct cg_core **ret);
/*
 * Loads the plugins of daemon.plugins (ordered by their needs) and starts
 * them, then the sockets and the control socket. Every refusal is added to
 * errs as one line naming the plugin and the config line. On failure
 * everything started is stopped again.
 */
CG_EXPORT int cg_core_start(struct cg_core *core, struct cg_cfg_errors *errs);
/*
 * Swaps in a new config (takes the reference) after the plugins' check();
 * on any error the running config stays and errs says why.
 */
CG_EXPORT int cg_core_reload(struct cg_core *core, struct cg_config *cfg,
			     struct cg_cfg_errors *errs);
/*
 * Reads the running config's main file again and applies it like
 * cg_core_reload (SIGHUP, `cygnetctl reload`).
 */
CG_EXPORT int cg_core_reload_file(struct cg_core *core, struct cg_cfg_errors *errs);
/* Stops plugins in reverse order, removes what was installed in the kernel, frees; accepts NULL. */
CG_EXPORT void cg_core_destroy(struct cg_core *core);

CG_EXPORT struct cg_proc *cg_core_proc(struct cg_core *core);
CG_EXPORT struct cg_sched *cg_core_sched(struct cg_core *core);
CG_EXPORT const char *cg_core_name(const struct cg_core *core);
/* Requests the daemon's main loop to end (like SIGTERM). */
CG_EXPORT void cg_core_request_stop(struct cg_core *core);
CG_EXPORT bool cg_core_stopping(const struct cg_core *core);

/* Loaded plugins, in load order: name and provides; false past the end. */
CG_EXPORT bool cg_core_plugin_at(struct cg_core *core, size_t i, const char **name,
				 const char *const **provides);
/* True when a loaded plugin provides the feature ("kernel", "ike:2", ...). */
CG_EXPORT bool cg_core_has_feature(struct cg_core *core, const char *feature);

/*
 * Keeps only the capabilities cygnetd needs (CAP_NET_ADMIN and
 * CAP_NET_BIND_SERVICE, of those it has), in the bounding set too, empties
 * the inheritable and ambient sets, gives programs it starts nothing for
 * being root, and sets no_new_privs, for this thread and those it creates
 * later: call it before the core exists. 0 or a negative errno.
 */
CG_EXPORT int cg_privileges_drop(void);

/* Version string of libcygnet. */
CG_EXPORT const char *cg_version(void);

#ifdef __cplusplus
}
#endif
#endif
