/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging by subsystem and level. A line goes to the core's log listeners
 * (stderr in the foreground, syslog otherwise, the control socket's
 * followers) synchronously, in the calling thread. Key material is never
 * logged, at any level.
 */
#ifndef CYGNET_LOG_H
#define CYGNET_LOG_H

#include <cygnet/types.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;

/* Subsystems, named in daemon.log as in strongSwan's charondebug. */
enum cg_subsys {
	CG_LOG_DMN, /* "dmn": daemon, start-up, signals */
	CG_LOG_CFG, /* "cfg": configuration */
	CG_LOG_JOB, /* "job": processor and scheduler */
	CG_LOG_NET, /* "net": IKE sockets */
	CG_LOG_ENC, /* "enc": message encoding/decoding */
	CG_LOG_IKE, /* "ike": IKE SAs */
	CG_LOG_CHD, /* "chd": child SAs */
	CG_LOG_KNL, /* "knl": kernel interface */
	CG_LOG_LIB, /* "lib": crypto, pki, plugin loader */
	CG_LOG_CTL, /* "ctl": control socket */
	CG_LOG_MOB, /* "mob": mobility */
	CG_LOG_ND,  /* "nd": ndhole */
	CG_LOG_SUBSYS_COUNT,
};

enum cg_level {
	CG_LVL_SILENT = -1,
	CG_LVL_ERROR = 0,
	CG_LVL_WARN = 1,
	CG_LVL_INFO = 2,
	CG_LVL_DEBUG = 3,
	CG_LVL_TRACE = 4, /* raw message dumps, never key material */
};

/*
 * Copies s into out (size bytes, may be 0), NUL-terminated and cut to fit,
 * with each control character written as \n, \r, \t or \xHH, so that text
 * quoted from a file or a peer cannot forge a line or a terminal escape.
 * Backslashes stay as they are. Returns the length of the whole result.
 */
CG_EXPORT size_t cg_str_escape(char *out, size_t size, const char *s);

/* Logs one line (no trailing newline needed). */
CG_EXPORT void cg_log(struct cg_core *core, enum cg_subsys subsys, enum cg_level level,
		      const char *fmt, ...) CG_PRINTF(4, 5);
CG_EXPORT void cg_logv(struct cg_core *core, enum cg_subsys subsys, enum cg_level level,
		       const char *fmt, va_list ap) CG_PRINTF(4, 0);
/*
 * Logs a refused message from an unauthenticated peer (dropped, or
 * answered with a COOKIE) at INFO, rate-limited: past the first few in a
 * 10 s window the line goes out at DEBUG only, and at the end of the
 * window one INFO line sums up, per `what`, how many were refused from how
 * many addresses and why. what ("IKE_SA_INIT") and why ("asking for a
 * cookie") group the summary and are copied; fmt is the line itself.
 */
CG_EXPORT void cg_log_refused(struct cg_core *core, enum cg_subsys subsys, const char *what,
			      const struct cg_addr *from, const char *why, const char *fmt, ...)
	CG_PRINTF(6, 7);
/* Whether a line at this level would be written (to skip costly formatting). */
CG_EXPORT bool cg_log_enabled(const struct cg_core *core, enum cg_subsys subsys,
			      enum cg_level level);
/* "ike", "knl", ...; NULL for an unknown value. */
CG_EXPORT const char *cg_subsys_name(enum cg_subsys subsys);
/* Parses a subsystem name; -1 when unknown. */
CG_EXPORT int cg_subsys_from_name(const char *name);
/* Parses "error|warn|info|debug|trace|silent" or "-1".."4"; -EINVAL when unknown. */
CG_EXPORT int cg_level_from_name(const char *name, enum cg_level *out);

/* A log listener; line has no newline. Called synchronously, must not block. */
typedef void (*cg_log_fn)(void *ctx, enum cg_subsys subsys, enum cg_level level,
			  const char *line);
/* Adds a listener that receives lines up to max_level (borrows ctx). */
CG_EXPORT int cg_log_add_listener(struct cg_core *core, enum cg_level max_level, cg_log_fn fn,
				  void *ctx);
CG_EXPORT void cg_log_remove_listener(struct cg_core *core, cg_log_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
