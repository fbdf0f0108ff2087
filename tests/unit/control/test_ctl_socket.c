/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket and cygnetctl against a core serving a socket in a temporary directory. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json_check.h"
#include "testlib.h"

static char dir[40];
static char path[96];
static struct cg_core *core;

static struct cg_core *core_with_socket(const char *ctl_path, int *err)
{
	struct cg_core_opts opts = {
		.name = "ctlsock", .manual = true, .no_sockets = true, .no_rtnetlink = true,
		.foreground = true, .plugin_dir = CG_TEST_PLUGIN_DIR, .state_file = "",
		.control_path = ctl_path,
	};
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;
	struct cg_core *c = NULL;

	cr_assert_eq(cg_config_load_string("daemon: { plugins: [kernel-memory] }\n", "t.yaml",
					   &cfg, &errs), 0);
	*err = cg_core_create(&opts, cfg, &c);
	if (!*err) {
		*err = cg_core_start(c, &errs);
		if (*err) {
			cg_core_destroy(c);
			c = NULL;
		}
	}
	cg_cfg_errors_free(&errs);
	return c;
}

static void setup(void)
{
	int err;

	snprintf(dir, sizeof(dir), "/tmp/cygnet-ctl-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	/* A directory that does not exist yet: the core creates it root-only. */
	snprintf(path, sizeof(path), "%s/run/cygnetd.ctl", dir);
	core = core_with_socket(path, &err);
	cr_assert_not_null(core, "core start: %s", strerror(-err));
}

static void block_release(void);

static void teardown(void)
{
	char sub[128];

	/* However a test ended, commands it left waiting go, or the core would wait for them. */
	block_release();
	cg_core_destroy(core);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	rmdir(sub);
	rmdir(dir);
}

TestSuite(ctl_socket, .init = setup, .fini = teardown, .timeout = 60);

static int dial(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0, "connect: %s",
		     strerror(errno));
	return fd;
}

static char *read_all(int fd)
{
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap);
	ssize_t n;

	while ((n = recv(fd, buf + len, cap - 1 - len, 0)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

/* Sends bytes, optionally closes our sending side, returns the whole reply. */
static char *exchange(const void *data, size_t len, bool close_write)
{
	int fd = dial();
	char *reply;

	if (len)
		cr_assert_eq(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
	if (close_write)
		shutdown(fd, SHUT_WR);
	reply = read_all(fd);
	close(fd);
	return reply;
}

Test(ctl_socket, socket_is_root_only)
{
	struct stat st;
	char sub[128];

	cr_assert_eq(stat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	cr_assert_eq(stat(sub, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700, "directory mode %o", st.st_mode & 0777);
}

Test(ctl_socket, status_and_help_over_the_socket)
{
	char *reply = exchange("status\n", 7, false);

	cr_assert_eq(strncmp(reply, "ok\n", 3), 0, "%s", reply);
	cr_assert_not_null(strstr(reply, "plugins:\n  - name: kernel-memory"), "%s", reply);
	free(reply);
	reply = exchange("help --json\n", 12, false);
	cr_assert_eq(strncmp(reply, "ok\n", 3), 0, "%s", reply);
	cr_assert(json_valid(reply + 3), "%s", reply);
	free(reply);
	reply = exchange("list-conns\n", 11, false);
	cr_assert_str_eq(reply, "ok\nconnections: (none)\n");
	free(reply);
}

/* Each malformed request gets its error, and the server keeps serving. */
Test(ctl_socket, malformed_requests_get_errors)
{
	char big[6000];
	struct {
		const char *data;
		size_t len;
		bool close_write;
		const char *why;
	} cases[] = {
		{ "", 0, true, "error: empty request" },
		{ "status", 6, true, "error: request not terminated by a newline" },
		{ big, sizeof(big), false, "error: request too long" },
		{ "sta\0tus\n", 8, false, "error: request contains a NUL byte" },
		{ "status\nhelp\n", 12, false, "error: one request per connection" },
		{ "\x80\x01\n", 3, false, "error: request contains control characters" },
	};
	char *reply;

	memset(big, 'x', sizeof(big));
	for (size_t i = 0; i < CG_ARRAY_SIZE(cases); i++) {
		reply = exchange(cases[i].data, cases[i].len, cases[i].close_write);
		cr_assert_eq(strncmp(reply, cases[i].why, strlen(cases[i].why)), 0,
			     "case %zu: %s", i, reply);
		free(reply);
	}
	reply = exchange("status\n", 7, false);
	cr_assert_eq(strncmp(reply, "ok\n", 3), 0, "still serving: %s", reply);
	free(reply);
}

Test(ctl_socket, second_daemon_refused_and_file_removed_at_exit)
{
	struct stat st;
	int err;

	cr_assert_null(core_with_socket(path, &err));
	cr_assert_eq(err, -EADDRINUSE);
	cr_assert_eq(stat(path, &st), 0, "the running daemon keeps its socket");
	cg_core_destroy(core);
	core = NULL;
	cr_assert_eq(stat(path, &st), -1, "socket removed on exit");
	/* A stale file (after a crash) does not block the next start. */
	cr_assert_eq(mknod(path, S_IFSOCK | 0600, 0), 0);
	core = core_with_socket(path, &err);
	cr_assert_not_null(core, "%s", strerror(-err));
}

/* Runs cygnetctl; returns its exit status with stdout and stderr captured. */
static int ctl_tool(char *const args[], char *out, size_t out_len, char *err, size_t err_len)
{
	char tool[256];
	int po[2], pe[2], status;
	pid_t pid;
	ssize_t n;

	snprintf(tool, sizeof(tool), "%s/cygnetctl", CG_TEST_BIN_DIR);
	cr_assert_eq(pipe(po), 0);
	cr_assert_eq(pipe(pe), 0);
	pid = fork();
	if (pid == 0) {
		char *argv[16] = { tool };

		for (int i = 0; args[i] && i < 14; i++)
			argv[i + 1] = args[i];
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(tool, argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	n = read(po[0], out, out_len - 1);
	out[n > 0 ? n : 0] = '\0';
	n = read(pe[0], err, err_len - 1);
	err[n > 0 ? n : 0] = '\0';
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(ctl_socket, cygnetctl_exit_codes)
{
	char out[8192], err[1024], missing[160];

	cr_assert_eq(ctl_tool((char *[]){ "-s", path, "status", NULL }, out, sizeof(out), err,
			      sizeof(err)), 0, "stderr: %s", err);
	cr_assert_not_null(strstr(out, "version: "), "%s", out);
	cr_assert_eq(strncmp(out, "ok", 2) == 0, false, "the status line is not printed");

	cr_assert_eq(ctl_tool((char *[]){ "-s", path, "--json", "status", NULL }, out, sizeof(out),
			      err, sizeof(err)), 0);
	cr_assert(json_valid(out), "%s", out);

	cr_assert_eq(ctl_tool((char *[]){ "-s", path, "list-sas", NULL }, out, sizeof(out), err,
			      sizeof(err)), 1);
	cr_assert_not_null(strstr(err, "error: no IKE protocol plugin loaded"), "%s", err);

	snprintf(missing, sizeof(missing), "%s/none.ctl", dir);
	cr_assert_eq(ctl_tool((char *[]){ "-s", missing, "status", NULL }, out, sizeof(out), err,
			      sizeof(err)), 1);
	cr_assert_not_null(strstr(err, "not running"), "%s", err);

	cr_assert_eq(ctl_tool((char *[]){ "-s", path, NULL }, out, sizeof(out), err, sizeof(err)),
		     2, "no command is a usage error");
}

/*
 * Slots and deadlines: clients that trickle their request, or commands that
 * wait, must not keep other clients out.
 */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

Test(ctl_socket, tricklers_do_not_keep_others_out)
{
	int fds[16];
	char *reply;

	for (size_t i = 0; i < CG_ARRAY_SIZE(fds); i++) {
		fds[i] = dial();
		cr_assert_eq(send(fds[i], "s", 1, MSG_NOSIGNAL), 1);
	}
	sleep_ms(1200);
	for (int round = 0; round < 3; round++) {
		reply = exchange("status\n", 7, false);
		cr_assert_eq(strncmp(reply, "ok\n", 3), 0, "round %d: %s", round, reply);
		free(reply);
	}
	for (size_t i = 0; i < CG_ARRAY_SIZE(fds); i++)
		close(fds[i]);
}

Test(ctl_socket, request_deadline_is_a_total)
{
	uint64_t start = mono_ms(), took;
	int fd = dial();
	char *reply;

	/* One byte every 1.5 s, each well within 5 s of the last, until the daemon answers. */
	for (int i = 0; i < 6; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (send(fd, "s", 1, MSG_NOSIGNAL) != 1 || poll(&pfd, 1, 1500) != 0)
			break;
	}
	reply = read_all(fd);
	took = mono_ms() - start;
	close(fd);
	cr_assert_eq(strncmp(reply, "error: timed out waiting for the request", 40), 0, "%s",
		     reply);
	cr_assert(took >= 4900 && took < 6000, "refused after %llu ms", (unsigned long long)took);
	free(reply);
}

/* A command that waits until told to go, as `initiate` waits for a dead peer. */
static pthread_mutex_t block_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t block_cond = PTHREAD_COND_INITIALIZER;
static bool block_go;
static unsigned block_waiting;

static int block_cmd(void *ctx, struct cg_core *c, int argc, char **argv, struct cg_out *out)
{
	(void)ctx, (void)c, (void)argc, (void)argv, (void)out;
	pthread_mutex_lock(&block_lock);
	block_waiting++;
	pthread_cond_broadcast(&block_cond);
	while (!block_go)
		pthread_cond_wait(&block_cond, &block_lock);
	block_waiting--;
	pthread_mutex_unlock(&block_lock);
	return 0;
}

/* Whether n block commands are waiting within 5 s. */
static bool wait_blocked(unsigned n)
{
	struct timespec until;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&block_lock);
	while (block_waiting < n &&
	       pthread_cond_timedwait(&block_cond, &block_lock, &until) == 0)
		;
	ok = block_waiting >= n;
	pthread_mutex_unlock(&block_lock);
	return ok;
}

static void block_release(void)
{
	pthread_mutex_lock(&block_lock);
	block_go = true;
	pthread_cond_broadcast(&block_cond);
	pthread_mutex_unlock(&block_lock);
}

Test(ctl_socket, waiting_commands_hold_no_slot)
{
	int fds[20];
	char *reply;

	cr_assert_eq(cg_control_register(core, "block", "block: waits", block_cmd, NULL), 0);
	/* More waiting commands than there are slots, one after the other. */
	for (size_t i = 0; i < CG_ARRAY_SIZE(fds); i++) {
		fds[i] = dial();
		cr_assert_eq(send(fds[i], "block\n", 6, MSG_NOSIGNAL), 6);
		cr_assert(wait_blocked(i + 1), "command %zu is not running", i);
	}
	reply = exchange("status\n", 7, false);
	cr_assert_eq(strncmp(reply, "ok\n", 3), 0, "%s", reply);
	free(reply);
	block_release();
	for (size_t i = 0; i < CG_ARRAY_SIZE(fds); i++) {
		reply = read_all(fds[i]);
		cr_assert_eq(strncmp(reply, "ok\n", 3), 0, "client %zu: %s", i, reply);
		free(reply);
		close(fds[i]);
	}
	cg_control_unregister(core, "block");
}

Test(ctl_socket, cygnetctl_prints_too_many_clients)
{
	char out[1024], err[1024];
	uint64_t start = mono_ms();
	int fds[16], rc;

	for (size_t i = 0; i < CG_ARRAY_SIZE(fds); i++) {
		fds[i] = dial();
		cr_assert_eq(send(fds[i], "s", 1, MSG_NOSIGNAL), 1);
	}
	/*
	 * While the others are younger than CTL_EVICT_MS (1 s) there is no slot
	 * for it; whether the refusal beats the request or not, it is printed.
	 */
	for (int round = 0; round < 10 && mono_ms() - start < 800; round++) {
		rc = ctl_tool((char *[]){ "-s", path, "status", NULL }, out, sizeof(out), err,
			      sizeof(err));
		cr_assert_eq(rc, 1);
		cr_assert_str_eq(err, "error: too many clients, try again\n", "round %d", round);
	}
	for (size_t i = 0; i < CG_ARRAY_SIZE(fds); i++)
		close(fds[i]);
}
