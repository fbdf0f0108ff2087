/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the unit and exchange tests. */
#ifndef CG_TESTLIB_H
#define CG_TESTLIB_H

#include <pthread.h>

#include <cygnet/cygnet.h>

/* Path of a file under the source tree, written into buf. */
const char *tl_src_path(const char *rel, char *buf, size_t len);

/*
 * Cores made by tl_core_new touch no system state: no rtnetlink (addresses,
 * routes) and no resolver, unless a test (root, in a network namespace of
 * its own; or with a resolv_conf of its own) sets these first.
 */
extern bool tl_use_rtnetlink;
extern bool tl_use_resolver;

/*
 * A core for tests: manual processor and virtual time, no sockets, no
 * rtnetlink, no control socket, no journal. plugin_dir NULL means the
 * build tree's plugins. Returns NULL on failure with the reasons in errs
 * (when errs is not NULL) and the error code in *err (when not NULL).
 */
struct cg_core *tl_core_new(const char *name, const char *yaml, const char *plugin_dir,
			    struct cg_cfg_errors *errs, int *err);

/* Runs queued jobs until none is left; returns how many ran. */
size_t tl_run(struct cg_core *core);

/* Runs a control command line; returns the reply (free it), never NULL. */
char *tl_ctl(struct cg_core *core, const char *line);

/* Captures log lines of a core (up to `max` lines kept). */
struct tl_logcap {
	struct cg_core *core;
	pthread_mutex_t lock;
	char **lines;
	size_t n, max;
};

void tl_logcap_start(struct tl_logcap *cap, struct cg_core *core, enum cg_level level);
void tl_logcap_stop(struct tl_logcap *cap);
/* How many captured lines contain needle. */
size_t tl_logcap_count(struct tl_logcap *cap, const char *needle);
/* Writes a temporary file with the given content; returns its path (free it). */
char *tl_tmpfile(const char *content, const char *suffix);
/* The whole content of a file as a string (free it); NULL when it cannot be opened. */
char *tl_slurp(const char *path);

#endif
