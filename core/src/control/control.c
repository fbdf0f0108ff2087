/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control socket: a registry of commands (and of `status` sections), the
 * request parser, and a Unix socket accepted on the fd watcher's thread,
 * which hands each client to a thread of its own, since a handler may block
 * (`initiate` waits for the outcome).
 *
 * A request is checked before anything runs: empty, too long, NUL bytes,
 * control characters, more than one line or no newline at all each get an
 * "error: ..." reply. The socket is 0600 in a 0700 directory, and the peer's
 * credentials are checked once more on accept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_priv.h"

#define CTL_DEFAULT_PATH "/run/cygnet/cygnetd.sock"
#define CTL_MAX_CLIENTS 16
#define CTL_IO_TIMEOUT_SECS 5

/* A command or a status section; freed once unregistered and idle. */
struct ctl_entry {
	char *name;
	char *usage;
	cg_ctl_fn cmd;
	cg_ctl_status_fn status;
	void *ctx;
	unsigned in_flight;
	struct ctl_entry *next;
};

struct cg_ctl {
	struct cg_core *core;
	pthread_mutex_t lock;       /* guards the lists, in_flight and clients */
	pthread_cond_t idle;        /* an entry went idle or a client left */
	struct ctl_entry *cmds;
	struct ctl_entry *sections;
	int listen_fd;
	char *path;
	ino_t ino;                  /* of our socket file: removed only if still ours */
	bool running;               /* listen_fd is on the fd watcher */
	int clients[CTL_MAX_CLIENTS]; /* fds of clients being served, -1 when free */
	unsigned n_clients;
};

/* Commands the IKE protocol plugins register. */
static const char *const ike_commands[] = { "list-sas", "initiate", "terminate", NULL };

int cg_ctl_init(struct cg_core *core)
{
	struct cg_ctl *ctl = calloc(1, sizeof(*ctl));
	int err;

	if (!ctl)
		return -ENOMEM;
	ctl->core = core;
	ctl->listen_fd = -1;
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl->clients[i] = -1;
	pthread_mutex_init(&ctl->lock, NULL);
	pthread_cond_init(&ctl->idle, NULL);
	core->ctl = ctl;
	err = cg_ctl_register_builtins(core);
	if (err)
		cg_ctl_fini(core);
	return err;
}

/*
 * Registry.
 */

static struct ctl_entry *entry_find(struct ctl_entry *list, const char *name)
{
	for (; list; list = list->next)
		if (!strcmp(list->name, name))
			return list;
	return NULL;
}

static bool name_valid(const char *name)
{
	if (!name || !*name || strlen(name) > 64)
		return false;
	for (const char *p = name; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static int entry_add(struct cg_ctl *ctl, struct ctl_entry **list, const char *name,
		     const char *usage, cg_ctl_fn cmd, cg_ctl_status_fn status, void *ctx)
{
	struct ctl_entry *e;
	int err = 0;

	if (!name_valid(name))
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->name = strdup(name);
	e->usage = strdup(usage ? usage : name);
	if (!e->name || !e->usage) {
		err = -ENOMEM;
		goto err_free;
	}
	e->cmd = cmd;
	e->status = status;
	e->ctx = ctx;
	pthread_mutex_lock(&ctl->lock);
	if (entry_find(*list, name)) {
		err = -EEXIST;
	} else {
		e->next = *list;
		*list = e;
	}
	pthread_mutex_unlock(&ctl->lock);
	if (!err)
		return 0;
err_free:
	free(e->name);
	free(e->usage);
	free(e);
	return err;
}

static void entry_free(struct ctl_entry *e)
{
	free(e->name);
	free(e->usage);
	free(e);
}

/* Unlinks an entry and waits until no client runs it any more. */
static void entry_remove(struct cg_ctl *ctl, struct ctl_entry **list, const char *name)
{
	struct ctl_entry **pp, *e = NULL;

	if (!ctl || !name)
		return;
	pthread_mutex_lock(&ctl->lock);
	for (pp = list; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, name)) {
			e = *pp;
			*pp = e->next;
			break;
		}
	}
	while (e && e->in_flight)
		pthread_cond_wait(&ctl->idle, &ctl->lock);
	pthread_mutex_unlock(&ctl->lock);
	if (e)
		entry_free(e);
}

/* Takes a reference on a live entry; NULL when absent. */
static struct ctl_entry *entry_get(struct cg_ctl *ctl, struct ctl_entry *list, const char *name)
{
	struct ctl_entry *e;

	pthread_mutex_lock(&ctl->lock);
	e = entry_find(list, name);
	if (e)
		e->in_flight++;
	pthread_mutex_unlock(&ctl->lock);
	return e;
}

static void entry_put(struct cg_ctl *ctl, struct ctl_entry *e)
{
	pthread_mutex_lock(&ctl->lock);
	if (--e->in_flight == 0)
		pthread_cond_broadcast(&ctl->idle);
	pthread_mutex_unlock(&ctl->lock);
}

CG_EXPORT int cg_control_register(struct cg_core *core, const char *command, const char *usage,
				  cg_ctl_fn fn, void *ctx)
{
	if (!core->ctl || !fn)
		return -EINVAL;
	return entry_add(core->ctl, &core->ctl->cmds, command, usage, fn, NULL, ctx);
}

CG_EXPORT void cg_control_unregister(struct cg_core *core, const char *command)
{
	if (core->ctl)
		entry_remove(core->ctl, &core->ctl->cmds, command);
}

CG_EXPORT int cg_control_add_status(struct cg_core *core, const char *section,
				    cg_ctl_status_fn fn, void *ctx)
{
	if (!core->ctl || !fn)
		return -EINVAL;
	return entry_add(core->ctl, &core->ctl->sections, section, NULL, NULL, fn, ctx);
}

CG_EXPORT void cg_control_remove_status(struct cg_core *core, const char *section)
{
	if (core->ctl)
		entry_remove(core->ctl, &core->ctl->sections, section);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in a list, sorted and NULL-terminated; free with names_free. */
static char **entry_names(struct cg_ctl *ctl, struct ctl_entry *const *list)
{
	size_t count = 0, n = 0;
	char **names;

	pthread_mutex_lock(&ctl->lock);
	for (const struct ctl_entry *e = *list; e; e = e->next)
		count++;
	names = calloc(count + 1, sizeof(*names));
	for (const struct ctl_entry *e = *list; names && e; e = e->next)
		if ((names[n] = strdup(e->name)))
			n++;
	pthread_mutex_unlock(&ctl->lock);
	if (names)
		qsort(names, n, sizeof(*names), name_cmp);
	return names;
}

static void names_free(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

void cg_ctl_foreach_command(struct cg_core *core,
			    void (*fn)(void *ctx, const char *name, const char *usage), void *ctx)
{
	struct cg_ctl *ctl = core->ctl;
	char **names = entry_names(ctl, &ctl->cmds);

	for (size_t i = 0; names && names[i]; i++) {
		struct ctl_entry *e = entry_get(ctl, ctl->cmds, names[i]);

		if (!e)
			continue;
		fn(ctx, e->name, e->usage);
		entry_put(ctl, e);
	}
	names_free(names);
}

void cg_ctl_status_sections(struct cg_core *core, struct cg_out *out)
{
	struct cg_ctl *ctl = core->ctl;
	char **names = entry_names(ctl, &ctl->sections);

	for (size_t i = 0; names && names[i]; i++) {
		struct ctl_entry *e = entry_get(ctl, ctl->sections, names[i]);

		if (!e)
			continue;
		cg_out_obj_begin(out, e->name);
		e->status(e->ctx, core, out);
		cg_out_obj_end(out);
		entry_put(ctl, e);
	}
	names_free(names);
}

/*
 * Requests.
 */

struct ctl_request {
	char line[CG_CTL_MAX_REQUEST + 1];
	char *argv[CG_CTL_MAX_REQUEST / 2 + 1];
	int argc;
	bool json;
};

/* Splits a request line into words; the reason it is refused, or NULL. */
static const char *ctl_parse(const char *line, size_t len, struct ctl_request *req)
{
	char *save, *word;

	if (!line || !len)
		return "empty request";
	if (len > CG_CTL_MAX_REQUEST)
		return "request too long (at most 4096 bytes)";
	if (memchr(line, '\0', len))
		return "request contains a NUL byte";
	memcpy(req->line, line, len);
	req->line[len] = '\0';
	if (len && req->line[len - 1] == '\n')
		req->line[--len] = '\0';
	if (len && req->line[len - 1] == '\r')
		req->line[--len] = '\0';
	if (strchr(req->line, '\n'))
		return "one request per connection: the request has more than one line";
	for (const unsigned char *p = (const unsigned char *)req->line; *p; p++)
		if ((*p < ' ' && *p != '\t') || *p == 0x7f)
			return "request contains control characters";
	for (word = strtok_r(req->line, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(word, "--json"))
			req->json = true;
		else
			req->argv[req->argc++] = word;
	}
	req->argv[req->argc] = NULL;
	return req->argc ? NULL : "empty request";
}

/* "ok" or "error: <message>" on the first line (line breaks in it become spaces), then the body. */
static int reply_compose(char **reply, const char *error, const char *body)
{
	char *msg = error ? strdup(error) : NULL;
	int n;

	*reply = NULL;
	if (error && !msg)
		return -ENOMEM;
	for (char *p = msg; p && *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (msg)
		n = asprintf(reply, "error: %s\n%s", msg, body ? body : "");
	else
		n = asprintf(reply, "ok\n%s", body ? body : "");
	free(msg);
	if (n < 0) {
		*reply = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int ctl_unknown(struct cg_ctl *ctl, const char *command, char **reply)
{
	char **names = entry_names(ctl, &ctl->cmds);
	const char *near = names ? cg_cfg_did_you_mean(command, (const char *const *)names) : NULL;
	char *msg = NULL;
	int err = -ENOENT;

	for (size_t i = 0; ike_commands[i]; i++)
		if (!strcmp(command, ike_commands[i]))
			msg = strdup("no IKE protocol plugin loaded (add ike2 to daemon.plugins)");
	if (!msg && asprintf(&msg, "unknown command '%s' (%s%s%s)", command,
			     near ? "did you mean '" : "try 'help'", near ? near : "",
			     near ? "'?" : "") < 0)
		msg = NULL;
	if (!msg || reply_compose(reply, msg, NULL))
		err = -ENOMEM;
	free(msg);
	names_free(names);
	return err;
}

static int ctl_dispatch(struct cg_core *core, struct ctl_request *req, char **reply)
{
	struct cg_ctl *ctl = core->ctl;
	struct ctl_entry *e = entry_get(ctl, ctl->cmds, req->argv[0]);
	struct cg_out *out;
	char *body = NULL, *error = NULL;
	bool failed;
	int ret, err;

	if (!e)
		return ctl_unknown(ctl, req->argv[0], reply);
	ret = cg_out_new(req->json, &out);
	if (ret) {
		entry_put(ctl, e);
		return ret;
	}
	ret = e->cmd(e->ctx, core, req->argc, req->argv, out);
	entry_put(ctl, e);
	if (ret < 0 && !cg_out_failed(out))
		cg_out_error(out, "%s: %s", req->argv[0], strerror(-ret));
	if (cg_out_failed(out))
		error = strdup(cg_out_error_msg(out) ? cg_out_error_msg(out) : "command failed");
	err = cg_out_finish(out, &body, &failed);
	if (!err && failed && !error)
		err = -ENOMEM;
	if (!err)
		err = reply_compose(reply, failed ? error : NULL, body);
	free(body);
	free(error);
	if (err)
		return err;
	if (failed)
		return ret < 0 ? ret : -EINVAL;
	return 0;
}

CG_EXPORT int cg_control_run(struct cg_core *core, const char *line, size_t len, char **reply)
{
	struct ctl_request *req;
	const char *refused;
	int err;

	if (!reply)
		return -EINVAL;
	*reply = NULL;
	if (!core || !core->ctl)
		return -ENODEV;
	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	refused = ctl_parse(line, len, req);
	if (refused) {
		err = reply_compose(reply, refused, NULL);
		if (!err)
			err = -EINVAL;
	} else {
		err = ctl_dispatch(core, req, reply);
	}
	free(req);
	return err;
}

/*
 * The socket.
 */

struct ctl_client {
	struct cg_ctl *ctl;
	int fd;
	size_t slot;
};

/* Reads one request line; the reason to refuse it, or NULL with *len set. */
static const char *ctl_read_request(int fd, char *buf, size_t cap, size_t *len)
{
	size_t have = 0;
	ssize_t n;
	char *nl;

	for (;;) {
		n = recv(fd, buf + have, cap - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK
				       ? "timed out waiting for the request"
				       : "cannot read the request";
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

static void ctl_write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
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

static void ctl_serve(struct cg_ctl *ctl, int fd)
{
	struct timeval tv = { .tv_sec = CTL_IO_TIMEOUT_SECS };
	char buf[CG_CTL_MAX_REQUEST + 1];
	const char *refused = NULL;
	char *reply = NULL;
	size_t len = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!ctl_peer_allowed(fd))
		refused = "permission denied";
	else
		refused = ctl_read_request(fd, buf, sizeof(buf), &len);
	if (refused) {
		cg_log(ctl->core, CG_LOG_CTL, CG_LVL_DEBUG, "control request refused: %s", refused);
		reply_compose(&reply, refused, NULL);
	} else {
		cg_control_run(ctl->core, buf, len, &reply);
	}
	if (reply)
		ctl_write_all(fd, reply, strlen(reply));
	free(reply);
	/* Unread input would turn the client's end of file into a reset. */
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void *ctl_client_thread(void *arg)
{
	struct ctl_client *c = arg;
	struct cg_ctl *ctl = c->ctl;

	ctl_serve(ctl, c->fd);
	pthread_mutex_lock(&ctl->lock);
	/* Closed under the lock, so fini never shuts down a reused descriptor. */
	close(c->fd);
	ctl->clients[c->slot] = -1;
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
	pthread_attr_t attr;
	size_t slot;
	pthread_t t;
	int err;

	pthread_mutex_lock(&ctl->lock);
	for (slot = 0; slot < CTL_MAX_CLIENTS && ctl->clients[slot] >= 0; slot++)
		;
	if (!c || slot == CTL_MAX_CLIENTS) {
		pthread_mutex_unlock(&ctl->lock);
		ctl_write_all(fd, busy, sizeof(busy) - 1);
		close(fd);
		free(c);
		return;
	}
	ctl->clients[slot] = fd;
	ctl->n_clients++;
	pthread_mutex_unlock(&ctl->lock);
	*c = (struct ctl_client){ .ctl = ctl, .fd = fd, .slot = slot };
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t, &attr, ctl_client_thread, c);
	pthread_attr_destroy(&attr);
	if (err) {
		cg_log(ctl->core, CG_LOG_CTL, CG_LVL_WARN, "cannot serve a control client: %s",
		       strerror(err));
		pthread_mutex_lock(&ctl->lock);
		close(fd);
		ctl->clients[slot] = -1;
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

static void entries_free(struct ctl_entry *e)
{
	while (e) {
		struct ctl_entry *next = e->next;

		entry_free(e);
		e = next;
	}
}

void cg_ctl_fini(struct cg_core *core)
{
	struct cg_ctl *ctl = core->ctl;

	if (!ctl)
		return;
	if (ctl->running) {
		cg_watch_del(core, ctl->listen_fd);
		ctl->running = false;
	}
	if (ctl->listen_fd >= 0) {
		close(ctl->listen_fd);
		ctl_unlink(ctl);
	}
	/* Clients still reading are cut off; a running handler is waited for. */
	pthread_mutex_lock(&ctl->lock);
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		if (ctl->clients[i] >= 0)
			shutdown(ctl->clients[i], SHUT_RDWR);
	while (ctl->n_clients)
		pthread_cond_wait(&ctl->idle, &ctl->lock);
	pthread_mutex_unlock(&ctl->lock);
	entries_free(ctl->cmds);
	entries_free(ctl->sections);
	free(ctl->path);
	pthread_cond_destroy(&ctl->idle);
	pthread_mutex_destroy(&ctl->lock);
	free(ctl);
	core->ctl = NULL;
}
