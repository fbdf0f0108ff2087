/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fd watcher: one thread that waits on every file descriptor the core
 * and the plugins read from (IKE sockets, the control socket, rtnetlink,
 * kernel event sockets) and calls the callback registered for an fd when
 * it is readable. A callback runs on the watcher thread and must not block:
 * it reads what is there and queues a job for anything longer.
 */
#ifndef CYGNET_WATCH_H
#define CYGNET_WATCH_H

#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;

/* Called on the watcher thread while fd is readable (level-triggered), or on error or hang-up. */
typedef void (*cg_watch_fn)(int fd, void *arg);

/* Watches fd (once: -EEXIST when it is watched already). 0 or a negative errno. */
CG_EXPORT int cg_watch_add(struct cg_core *core, int fd, cg_watch_fn fn, void *arg);
/*
 * Stops watching fd; call it before closing fd. On return the callback is
 * not running and will not run again, unless called from that callback.
 */
CG_EXPORT void cg_watch_del(struct cg_core *core, int fd);

#ifdef __cplusplus
}
#endif

#endif
