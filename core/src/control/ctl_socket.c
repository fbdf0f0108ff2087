/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control socket: a Unix socket accepted on the fd watcher's thread,
 * which hands each client to a thread of its own, since a handler may block
 * (`initiate` waits for the outcome). Each client sends one request line
 * and reads one reply (control.c runs it). A client holds one of
 * CTL_MAX_CLIENTS slots only while its request is read, which must end
 * within 5 s in all; the command then runs without a slot.
 *
 * The socket is 0600 in a 0700 directory, and the peer's credentials are
 * checked once more on accept.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_priv.h"

#define CTL_DEFAULT_PATH "/run/cygnet/cygnetd.sock"
/* The whole request, however slowly it trickles in; then the whole reply. */
#define CTL_REQUEST_DEADLINE_MS 5000
#define CTL_REPLY_DEADLINE_MS 5000
/* With every slot taken, a reader this old gives its slot to a newcomer. */
#define CTL_EVICT_MS 1000

struct ctl_client {
	struct cg_ctl *ctl;
	int fd;
	size_t slot;     /* CTL_MAX_CLIENTS once given back */
	uint64_t since;  /* accepted, CLOCK_MONOTONIC ms */
};

static uint64_t ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events; false once the deadline has passed. */
static bool ctl_wait(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		uint64_t now = ctl_now_ms();
		int n;

		if (now >= deadline)
			return false;
		n = poll(&pfd, 1, (int)(deadline - now));
		if (n > 0)
			return true; /* readable, writable, or an error recv/send reports */
		if (n < 0 && errno != EINTR)
			return false;
	}
}

/* Reads one request line by the deadline; the reason to refuse it, or NULL with *len set. */
static const char *ctl_read_request(int fd, char *buf, size_t cap, size_t *len,
				    uint64_t deadline)
{
	size_t have = 0;
	ssize_t n;
	char *nl;

	for (;;) {
		if (!ctl_wait(fd, POLLIN, deadline))
			return "timed out waiting for the request (5 s)";
		n = recv(fd, buf + have, cap - have, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0)
			return "cannot read the request";
		if (n == 0)
			return have ? "request not terminated by a newline" : "empty request";
		nl = memchr(buf + have, '\n', (size_t)n);
		have += (size_t)n;
		if (nl) {
			*len = (size_t)(nl - buf) + 1;
			return *len < have ? "one request per connection: data after the newline"
					   : NULL;
		}
		if (have >= cap)
			return "request too long (at most 4096 bytes)";
	}
}

/* Writes what the client takes by the deadline. */
static void ctl_write_all(int fd, const char *data, size_t len, uint64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    ctl_wait(fd, POLLOUT, deadline))
			continue;
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

/* Root, or the daemon's own user: anyone else was let in by a wrong file mode. */
static bool ctl_peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

/* Gives the client's reading slot back, unless a newcomer has taken it over. Lock held. */
static void ctl_slot_release_locked(struct cg_ctl *ctl, struct ctl_client *c)
{
	if (c->slot < CTL_MAX_CLIENTS && ctl->slots[c->slot].fd == c->fd)
		ctl->slots[c->slot].fd = -1;
	c->slot = CTL_MAX_CLIENTS;
}

/*
 * A free slot, or the one of the oldest reader when it has been reading
 * for CTL_EVICT_MS: cygnetctl sends its request as it connects, so a
 * reader that old is trickling, and it must not keep others out. The
 * evicted reader sees its stream end and leaves. CTL_MAX_CLIENTS when
 * none. Lock held.
 */
static size_t ctl_slot_take_locked(struct cg_ctl *ctl, uint64_t now)
{
	size_t oldest = 0;

	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (ctl->slots[i].fd < 0)
			return i;
		if (ctl->slots[i].since < ctl->slots[oldest].since)
			oldest = i;
	}
	if (now - ctl->slots[oldest].since < CTL_EVICT_MS)
		return CTL_MAX_CLIENTS;
	cg_log(ctl->core, CG_LOG_CTL, CG_LVL_DEBUG,
	       "control client evicted: no request after %llu ms and every slot taken",
	       (unsigned long long)(now - ctl->slots[oldest].since));
	shutdown(ctl->slots[oldest].fd, SHUT_RDWR);
	return oldest;
}

/*
 * Reads the request in a slot, gives the slot back, then runs the command
 * without one: a command that waits for the network (`initiate`) keeps
 * only its thread, counted against CTL_MAX_RUNNING.
 */
static void ctl_serve(struct ctl_client *c)
{
	struct cg_ctl *ctl = c->ctl;
	char buf[CG_CTL_MAX_REQUEST + 1];
	const char *refused = NULL;
	char *reply = NULL;
	size_t len = 0;

	if (!ctl_peer_allowed(c->fd))
		refused = "permission denied";
	else
		refused = ctl_read_request(c->fd, buf, sizeof(buf), &len,
					   c->since + CTL_REQUEST_DEADLINE_MS);
	pthread_mutex_lock(&ctl->lock);
	ctl_slot_release_locked(ctl, c);
	if (!refused && ctl->n_running == CTL_MAX_RUNNING)
		refused = "too many clients, try again";
	else if (!refused)
		ctl->n_running++;
	pthread_mutex_unlock(&ctl->lock);
	if (refused) {
		cg_log(ctl->core, CG_LOG_CTL, CG_LVL_DEBUG, "control request refused: %s", refused);
		cg_ctl_reply_compose(&reply, refused, NULL);
	} else {
		cg_control_run(ctl->core, buf, len, &reply);
		pthread_mutex_lock(&ctl->lock);
		ctl->n_running--;
		pthread_mutex_unlock(&ctl->lock);
	}
	if (reply)
		ctl_write_all(c->fd, reply, strlen(reply), ctl_now_ms() + CTL_REPLY_DEADLINE_MS);
	free(reply);
	/* Unread input would turn the client's end of file into a reset. */
	while (recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void *ctl_client_thread(void *arg)
{
	struct ctl_client *c = arg;
	struct cg_ctl *ctl = c->ctl;

	ctl_serve(c);
	pthread_mutex_lock(&ctl->lock);
	/* Closed under the lock, so fini never shuts down a reused descriptor. */
	ctl_slot_release_locked(ctl, c);
	close(c->fd);
	ctl->n_clients--;
	pthread_cond_broadcast(&ctl->idle);
	pthread_mutex_unlock(&ctl->lock);
	free(c);
	return NULL;
}

static void ctl_client_start(struct cg_ctl *ctl, int fd)
{
	static const char busy[] = "error: too many clients, try again\n";
	struct ctl_client *c = calloc(1, sizeof(*c));
	uint64_t now = ctl_now_ms();
	pthread_attr_t attr;
	size_t slot;
	pthread_t t;
	int err;

	pthread_mutex_lock(&ctl->lock);
	slot = c ? ctl_slot_take_locked(ctl, now) : CTL_MAX_CLIENTS;
	if (slot == CTL_MAX_CLIENTS) {
		pthread_mutex_unlock(&ctl->lock);
		/* cygnetctl reads this even when its request cannot be sent any more. */
		ctl_write_all(fd, busy, sizeof(busy) - 1, now);
		close(fd);
		free(c);
		return;
	}
	ctl->slots[slot] = (struct ctl_slot){ .fd = fd, .since = now };
	ctl->n_clients++;
	pthread_mutex_unlock(&ctl->lock);
	*c = (struct ctl_client){ .ctl = ctl, .fd = fd, .slot = slot, .since = now };
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t, &attr, ctl_client_thread, c);
	pthread_attr_destroy(&attr);
	if (err) {
		cg_log(ctl->core, CG_LOG_CTL, CG_LVL_WARN, "cannot serve a control client: %s",
		       strerror(err));
		pthread_mutex_lock(&ctl->lock);
		ctl_slot_release_locked(ctl, c);
		close(fd);
		ctl->n_clients--;
		pthread_mutex_unlock(&ctl->lock);
		free(c);
	}
}

/* The watcher's callback for the listening socket (non-blocking: a client gone meanwhile is no wait). */
static void ctl_acceptable(int listen_fd, void *arg)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd >= 0)
		ctl_client_start(arg, fd);
}

/* Creates the missing directories above the socket, root-only. */
static int ctl_make_dirs(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (!p || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* True when a daemon answers on path (a stale file from a crash does not). */
static bool ctl_in_use(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool used;

	if (fd < 0)
		return false;
	used = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return used;
}

/*
 * Binds under a temporary name, sets the mode, then renames into place: the
 * socket never appears at its real path with a wider mode.
 */
static int ctl_listen(struct cg_ctl *ctl, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX }, tmp = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, err;

	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) >= (int)sizeof(sun.sun_path) ||
	    snprintf(tmp.sun_path, sizeof(tmp.sun_path), "%s.%d", path, (int)getpid()) >=
		    (int)sizeof(tmp.sun_path))
		return -ENAMETOOLONG;
	err = ctl_make_dirs(path);
	if (err)
		return err;
	if (ctl_in_use(&sun))
		return -EADDRINUSE;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(tmp.sun_path);
	if (bind(fd, (struct sockaddr *)&tmp, sizeof(tmp)) < 0 || chmod(tmp.sun_path, 0600) < 0 ||
	    listen(fd, CTL_MAX_CLIENTS) < 0 || rename(tmp.sun_path, path) < 0 ||
	    stat(path, &st) < 0) {
		err = -errno;
		unlink(tmp.sun_path);
		close(fd);
		return err;
	}
	ctl->listen_fd = fd;
	ctl->ino = st.st_ino;
	return 0;
}

int cg_ctl_start(struct cg_core *core, const struct cg_config *cfg)
{
	struct cg_ctl *ctl = core->ctl;
	const char *path = core->opts.control_path;
	int err;

	if (core->opts.no_control || ctl->running)
		return 0;
	if (!path || !*path)
		path = cfg && cfg->daemon.control ? cfg->daemon.control : CTL_DEFAULT_PATH;
	ctl->path = strdup(path);
	if (!ctl->path)
		return -ENOMEM;
	err = ctl_listen(ctl, path);
	if (err) {
		cg_log(core, CG_LOG_CTL, CG_LVL_ERROR, "cannot open the control socket %s: %s%s",
		       path, strerror(-err),
		       err == -EADDRINUSE ? " (is another cygnetd running?)" : "");
		goto err_free_path;
	}
	err = cg_watch_add(core, ctl->listen_fd, ctl_acceptable, ctl);
	if (err)
		goto err_close;
	ctl->running = true;
	cg_log(core, CG_LOG_CTL, CG_LVL_DEBUG, "control socket at %s", path);
	return 0;

err_close:
	close(ctl->listen_fd);
	ctl->listen_fd = -1;
	unlink(path);
err_free_path:
	free(ctl->path);
	ctl->path = NULL;
	return err;
}

/* Removes the socket file unless another daemon has replaced it meanwhile. */
static void ctl_unlink(struct cg_ctl *ctl)
{
	struct stat st;

	if (ctl->path && stat(ctl->path, &st) == 0 && st.st_ino == ctl->ino)
		unlink(ctl->path);
}

/* Stops accepting, removes the socket file, cuts off clients and waits for their handlers. */
void cg_ctl_close(struct cg_ctl *ctl)
{
	if (ctl->running) {
		cg_watch_del(ctl->core, ctl->listen_fd);
		ctl->running = false;
	}
	if (ctl->listen_fd >= 0) {
		close(ctl->listen_fd);
		ctl_unlink(ctl);
		ctl->listen_fd = -1;
	}
	/* Clients still reading are cut off; a running handler is waited for. */
	pthread_mutex_lock(&ctl->lock);
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl->slots[i].fd >= 0)
			shutdown(ctl->slots[i].fd, SHUT_RDWR);
	while (ctl->n_clients)
		pthread_cond_wait(&ctl->idle, &ctl->lock);
	pthread_mutex_unlock(&ctl->lock);
	free(ctl->path);
	ctl->path = NULL;
}
