/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fd watcher: one epoll set and one thread for every fd the core and
 * its plugins read. The thread starts with the first watched fd and stops
 * when the core goes down, after every module removed its fds.
 *
 * epoll reports a watch by its id, never by pointer, so an event that
 * arrives for a watch removed meanwhile finds nothing and is dropped.
 * Removing waits while the thread runs that watch's callback, so after
 * cg_watch_del its argument may be freed at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core_priv.h"

#define WATCH_BATCH 16
#define WATCH_WAKE_ID 0     /* the eventfd that stops the thread */

struct watch {
	struct watch *next;
	uint64_t id;
	int fd;
	cg_watch_fn fn;
	void *arg;
};

struct cg_watcher {
	struct cg_core *core;
	pthread_mutex_t lock;    /* guards the list, next_id, running and started */
	pthread_cond_t idle;     /* a callback ended */
	struct watch *list;
	uint64_t next_id;
	uint64_t running;        /* id of the callback running now, 0 when none */
	int epfd;
	int wake_fd;
	bool started;
	pthread_t thread;
};

int cg_watch_init(struct cg_core *core)
{
	struct cg_watcher *w = calloc(1, sizeof(*w));
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = WATCH_WAKE_ID };
	int err;

	if (!w)
		return -ENOMEM;
	w->core = core;
	w->next_id = WATCH_WAKE_ID + 1;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->epfd < 0 || w->wake_fd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake_fd, &ev)) {
		err = -errno;
		if (w->epfd >= 0)
			close(w->epfd);
		if (w->wake_fd >= 0)
			close(w->wake_fd);
		free(w);
		return err;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->idle, NULL);
	core->watch = w;
	return 0;
}

static struct watch **watch_find(struct cg_watcher *w, int fd)
{
	struct watch **pp = &w->list;

	while (*pp && (*pp)->fd != fd)
		pp = &(*pp)->next;
	return pp;
}

/* Runs the callback of watch id, if it is still watched. */
static void watch_run(struct cg_watcher *w, uint64_t id)
{
	struct watch *e;
	cg_watch_fn fn = NULL;
	void *arg = NULL;
	int fd = -1;

	pthread_mutex_lock(&w->lock);
	for (e = w->list; e; e = e->next)
		if (e->id == id)
			break;
	if (e) {
		fn = e->fn;
		arg = e->arg;
		fd = e->fd;
		w->running = id;
	}
	pthread_mutex_unlock(&w->lock);
	if (!fn)
		return;
	fn(fd, arg);
	pthread_mutex_lock(&w->lock);
	w->running = 0;
	pthread_cond_broadcast(&w->idle);
	pthread_mutex_unlock(&w->lock);
}

static void *watch_thread(void *arg)
{
	struct cg_watcher *w = arg;
	struct epoll_event evs[WATCH_BATCH];

	for (;;) {
		int n = epoll_wait(w->epfd, evs, WATCH_BATCH, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			cg_log(w->core, CG_LOG_JOB, CG_LVL_ERROR, "fd watcher: epoll_wait: %s",
			       strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == WATCH_WAKE_ID)
				return NULL;
			watch_run(w, evs[i].data.u64);
		}
	}
}

/* Starts the thread on first use; called under the lock. */
static int watch_start(struct cg_watcher *w)
{
	int err;

	if (w->started)
		return 0;
	err = -pthread_create(&w->thread, NULL, watch_thread, w);
	if (!err)
		w->started = true;
	return err;
}

CG_EXPORT int cg_watch_add(struct cg_core *core, int fd, cg_watch_fn fn, void *arg)
{
	struct cg_watcher *w = core->watch;
	struct epoll_event ev = { .events = EPOLLIN };
	struct watch *e;
	int err;

	if (fd < 0 || !fn)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = (struct watch){ .fd = fd, .fn = fn, .arg = arg };
	pthread_mutex_lock(&w->lock);
	err = *watch_find(w, fd) ? -EEXIST : watch_start(w);
	if (!err) {
		e->id = ev.data.u64 = w->next_id++;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev))
			err = -errno;
	}
	if (!err) {
		e->next = w->list;
		w->list = e;
	}
	pthread_mutex_unlock(&w->lock);
	if (err)
		free(e);
	return err;
}

CG_EXPORT void cg_watch_del(struct cg_core *core, int fd)
{
	struct cg_watcher *w = core->watch;
	struct watch **pp, *e;

	pthread_mutex_lock(&w->lock);
	pp = watch_find(w, fd);
	e = *pp;
	if (e) {
		*pp = e->next;
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
		while (w->running == e->id && !pthread_equal(pthread_self(), w->thread))
			pthread_cond_wait(&w->idle, &w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	free(e);
}

void cg_watch_fini(struct cg_core *core)
{
	struct cg_watcher *w = core->watch;
	uint64_t one = 1;

	if (!w)
		return;
	if (w->started) {
		if (write(w->wake_fd, &one, sizeof(one)) != sizeof(one))
			cg_log(core, CG_LOG_JOB, CG_LVL_WARN, "cannot stop the fd watcher");
		else
			pthread_join(w->thread, NULL);
	}
	while (w->list) {
		struct watch *e = w->list;

		cg_log(core, CG_LOG_JOB, CG_LVL_WARN, "fd %d still watched at shutdown", e->fd);
		w->list = e->next;
		free(e);
	}
	close(w->wake_fd);
	close(w->epfd);
	pthread_cond_destroy(&w->idle);
	pthread_mutex_destroy(&w->lock);
	free(w);
	core->watch = NULL;
}
