/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging. Levels are per subsystem; a line is formatted once and handed
 * to the sink (stderr, a file or syslog) and to every listener whose level
 * admits it. A cheap check before formatting keeps disabled debug lines
 * nearly free.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core_priv.h"

#define LOG_LINE_MAX 2048
#define LOG_MAX_LISTENERS 16

struct listener {
	cg_log_fn fn;
	void *ctx;
	enum cg_level max_level;
};

enum sink {
	SINK_STDERR,
	SINK_FILE,
	SINK_SYSLOG,
};

struct cg_logger {
	pthread_rwlock_t lock;
	_Atomic int8_t levels[CG_LOG_SUBSYS_COUNT];
	_Atomic int8_t listener_max; /* highest level any listener wants, -1 when none */
	struct listener listeners[LOG_MAX_LISTENERS];
	size_t n_listeners;
	enum sink sink;
	FILE *file;
	pthread_mutex_t write_lock;
};

static const char *const subsys_names[CG_LOG_SUBSYS_COUNT] = {
	[CG_LOG_DMN] = "dmn", [CG_LOG_CFG] = "cfg", [CG_LOG_JOB] = "job",
	[CG_LOG_NET] = "net", [CG_LOG_ENC] = "enc", [CG_LOG_IKE] = "ike",
	[CG_LOG_CHD] = "chd", [CG_LOG_KNL] = "knl", [CG_LOG_LIB] = "lib",
	[CG_LOG_CTL] = "ctl", [CG_LOG_MOB] = "mob", [CG_LOG_ND] = "nd",
};

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

CG_EXPORT const char *cg_subsys_name(enum cg_subsys subsys)
{
	return (unsigned)subsys < CG_LOG_SUBSYS_COUNT ? subsys_names[subsys] : NULL;
}

CG_EXPORT int cg_subsys_from_name(const char *name)
{
	for (int i = 0; i < CG_LOG_SUBSYS_COUNT; i++)
		if (!strcasecmp(name, subsys_names[i]))
			return i;
	return -1;
}

CG_EXPORT int cg_level_from_name(const char *name, enum cg_level *out)
{
	static const struct {
		const char *name;
		enum cg_level level;
	} names[] = {
		{ "silent", CG_LVL_SILENT }, { "-1", CG_LVL_SILENT },
		{ "error", CG_LVL_ERROR }, { "0", CG_LVL_ERROR },
		{ "warn", CG_LVL_WARN }, { "warning", CG_LVL_WARN }, { "1", CG_LVL_WARN },
		{ "info", CG_LVL_INFO }, { "2", CG_LVL_INFO },
		{ "debug", CG_LVL_DEBUG }, { "3", CG_LVL_DEBUG },
		{ "trace", CG_LVL_TRACE }, { "4", CG_LVL_TRACE },
	};

	for (size_t i = 0; i < CG_ARRAY_SIZE(names); i++) {
		if (!strcasecmp(name, names[i].name)) {
			*out = names[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

int cg_log_init(struct cg_core *core)
{
	struct cg_logger *lg = calloc(1, sizeof(*lg));

	if (!lg)
		return -ENOMEM;
	pthread_rwlock_init(&lg->lock, NULL);
	pthread_mutex_init(&lg->write_lock, NULL);
	for (int i = 0; i < CG_LOG_SUBSYS_COUNT; i++)
		atomic_init(&lg->levels[i], CG_LVL_INFO);
	atomic_init(&lg->listener_max, -1);
	lg->sink = core->opts.foreground || core->opts.manual ? SINK_STDERR : SINK_SYSLOG;
	if (lg->sink == SINK_SYSLOG)
		openlog("cygnetd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	core->log = lg;
	return 0;
}

void cg_log_fini(struct cg_core *core)
{
	struct cg_logger *lg = core->log;

	if (!lg)
		return;
	if (lg->file)
		fclose(lg->file);
	if (lg->sink == SINK_SYSLOG)
		closelog();
	pthread_mutex_destroy(&lg->write_lock);
	pthread_rwlock_destroy(&lg->lock);
	free(lg);
	core->log = NULL;
}

/* Appends to path, created 0600 whatever the umask; never through a symlink. */
static FILE *log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "ae");
	if (!f)
		close(fd);
	return f;
}

void cg_log_configure(struct cg_core *core, const struct cg_config *cfg)
{
	struct cg_logger *lg = core->log;
	const struct cg_daemon_cfg *d = &cfg->daemon;

	for (int i = 0; i < CG_LOG_SUBSYS_COUNT; i++) {
		int8_t lvl = d->log_levels[i] == -2 ? d->log_default : d->log_levels[i];

		atomic_store(&lg->levels[i], lvl);
	}
	/* `--check` writes nothing: its messages go to stderr. */
	if (!d->log_file || core->opts.check_only)
		return;
	pthread_mutex_lock(&lg->write_lock);
	if (lg->file)
		fclose(lg->file);
	lg->file = log_open_file(d->log_file);
	if (lg->file) {
		setvbuf(lg->file, NULL, _IOLBF, 0);
		lg->sink = SINK_FILE;
	}
	pthread_mutex_unlock(&lg->write_lock);
	if (!lg->file)
		cg_log(core, CG_LOG_DMN, CG_LVL_ERROR, "cannot open log file %s: %s", d->log_file,
		       strerror(errno));
}

CG_EXPORT bool cg_log_enabled(const struct cg_core *core, enum cg_subsys subsys,
			      enum cg_level level)
{
	const struct cg_logger *lg = core->log;

	if ((unsigned)subsys >= CG_LOG_SUBSYS_COUNT || !lg)
		return false;
	return level <= atomic_load(&lg->levels[subsys]) ||
	       level <= atomic_load(&lg->listener_max);
}

static void sink_write(struct cg_core *core, enum cg_subsys subsys, enum cg_level level,
		       const char *line)
{
	static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG, LOG_DEBUG };
	struct cg_logger *lg = core->log;
	char stamp[32] = "";
	FILE *out;

	if (lg->sink == SINK_SYSLOG) {
		syslog(syslog_prio[level], "[%s] %s", subsys_names[subsys], line);
		return;
	}
	{
		struct timeval tv;
		struct tm tm;

		gettimeofday(&tv, NULL);
		localtime_r(&tv.tv_sec, &tm);
		snprintf(stamp, sizeof(stamp), "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (long)(tv.tv_usec / 1000));
	}
	pthread_mutex_lock(&lg->write_lock);
	out = lg->sink == SINK_FILE && lg->file ? lg->file : stderr;
	if (core->name[0])
		fprintf(out, "%s %s [%s] %s\n", stamp, core->name, subsys_names[subsys], line);
	else
		fprintf(out, "%s [%s] %s\n", stamp, subsys_names[subsys], line);
	pthread_mutex_unlock(&lg->write_lock);
}

CG_EXPORT void cg_logv(struct cg_core *core, enum cg_subsys subsys, enum cg_level level,
		       const char *fmt, va_list ap)
{
	struct cg_logger *lg = core ? core->log : NULL;
	char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];

	if (level < CG_LVL_ERROR || level > CG_LVL_TRACE)
		return;
	if (lg && !cg_log_enabled(core, subsys, level))
		return;
	/* One event, one line: what it quotes cannot start another one. */
	vsnprintf(raw, sizeof(raw), fmt, ap);
	cg_str_escape(line, sizeof(line), raw);
	if (!lg) {
		/* Before the logger exists (or without a core) lines go to stderr. */
		fprintf(stderr, "%s\n", line);
		return;
	}
	if (level <= atomic_load(&lg->levels[subsys]))
		sink_write(core, subsys, level, line);
	if (level > atomic_load(&lg->listener_max))
		return;
	pthread_rwlock_rdlock(&lg->lock);
	for (size_t i = 0; i < lg->n_listeners; i++)
		if (level <= lg->listeners[i].max_level)
			lg->listeners[i].fn(lg->listeners[i].ctx, subsys, level, line);
	pthread_rwlock_unlock(&lg->lock);
}

CG_EXPORT void cg_log(struct cg_core *core, enum cg_subsys subsys, enum cg_level level,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cg_logv(core, subsys, level, fmt, ap);
	va_end(ap);
}

static void listeners_update_max(struct cg_logger *lg)
{
	int8_t max = -1;

	for (size_t i = 0; i < lg->n_listeners; i++)
		if (lg->listeners[i].max_level > max)
			max = (int8_t)lg->listeners[i].max_level;
	atomic_store(&lg->listener_max, max);
}

CG_EXPORT int cg_log_add_listener(struct cg_core *core, enum cg_level max_level, cg_log_fn fn,
				  void *ctx)
{
	struct cg_logger *lg = core->log;
	int err = 0;

	pthread_rwlock_wrlock(&lg->lock);
	if (lg->n_listeners == LOG_MAX_LISTENERS) {
		err = -ENOSPC;
	} else {
		lg->listeners[lg->n_listeners++] = (struct listener){ fn, ctx, max_level };
		listeners_update_max(lg);
	}
	pthread_rwlock_unlock(&lg->lock);
	return err;
}

CG_EXPORT void cg_log_remove_listener(struct cg_core *core, cg_log_fn fn, void *ctx)
{
	struct cg_logger *lg = core->log;

	pthread_rwlock_wrlock(&lg->lock);
	for (size_t i = 0; i < lg->n_listeners; i++) {
		if (lg->listeners[i].fn == fn && lg->listeners[i].ctx == ctx) {
			lg->listeners[i] = lg->listeners[--lg->n_listeners];
			break;
		}
	}
	listeners_update_max(lg);
	pthread_rwlock_unlock(&lg->lock);
}

const char *cg_level_name(enum cg_level level)
{
	return level >= CG_LVL_ERROR && level <= CG_LVL_TRACE ? level_names[level] : "silent";
}
