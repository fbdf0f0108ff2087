/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files cygnetd writes: their modes, never through a symlink, none at all for --check. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static char dir[] = "/tmp/cygnet-files-XXXXXX";
static char cfg_path[64];

static void setup(void)
{
	cr_assert(mkdtemp(dir));
	snprintf(cfg_path, sizeof(cfg_path), "%s/cygnet.yaml", dir);
}

static void teardown(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(files, .init = setup, .fini = teardown);

/* A config whose every file lives in the test's folder, on a random port pair. */
static void write_config(void)
{
	FILE *f = fopen(cfg_path, "w");
	unsigned port;

	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	port = 20000 + (unsigned)rand() % 40000;
	cr_assert_not_null(f);
	fprintf(f,
		"daemon:\n"
		"  plugins: [kernel-memory]\n"
		"  listen: [127.0.0.1]\n"
		"  port: %u\n"
		"  port_nat_t: %u\n"
		"  state_file: %s/state/journal\n"
		"  control: %s/run/cygnetd.ctl\n"
		"  log: { file: %s/cygnetd.log }\n",
		port, port + 1, dir, dir, dir);
	fclose(f);
}

static char *path_in(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

static mode_t mode_of(const char *name)
{
	char path[128];
	struct stat st;

	if (stat(path_in(name, path, sizeof(path)), &st))
		return 0;
	return st.st_mode & 07777;
}

/* Runs cygnetd with umask 000 and args; returns its exit status. */
static int cygnetd(char *const args[], int keep_fd)
{
	char bin[256], plugins[] = CG_TEST_PLUGIN_DIR;
	int status;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/cygnetd", CG_TEST_BIN_DIR);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char *argv[16] = { bin, "-c", cfg_path, "--plugin-dir", plugins };
		int devnull = open("/dev/null", O_WRONLY);

		for (int i = 0; args[i] && i < 10; i++)
			argv[i + 5] = args[i];
		dup2(devnull, 1);
		dup2(devnull, 2);
		for (int fd = 3; fd < 64; fd++)
			if (fd != keep_fd)
				close(fd);
		umask(0);
		execv(bin, argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(files, check_writes_nothing)
{
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	write_config();
	cr_assert_eq(cygnetd((char *[]){ "--check", "--pid-file", "/nonexistent/pid", NULL }, -1),
		     0);
	d = opendir(dir);
	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			cr_assert_str_eq(e->d_name, "cygnet.yaml", "--check wrote %s", e->d_name);
			n++;
		}
	closedir(d);
	cr_assert_eq(n, 1);
}

/* Starts cygnetd as a daemon (not -F: it writes its pid file and logs to its file); its pid. */
static pid_t start_daemon(void)
{
	char fd_arg[16], pid_arg[128], buf[16] = "", path[128], *text;
	int ready[2];
	pid_t pid;
	ssize_t n;

	write_config();
	cr_assert_eq(pipe(ready), 0);
	snprintf(fd_arg, sizeof(fd_arg), "%d", ready[1]);
	path_in("cygnetd.pid", pid_arg, sizeof(pid_arg));
	cr_assert_eq(cygnetd((char *[]){ "--pid-file", pid_arg, "--ready-fd", fd_arg, NULL },
			     ready[1]), 0);
	close(ready[1]);
	n = read(ready[0], buf, sizeof(buf) - 1);
	close(ready[0]);
	cr_assert_eq(n, 6, "the daemon did not start (see %s)", path_in("cygnetd.log", path,
									    sizeof(path)));
	text = tl_slurp(pid_arg);
	pid = text ? atoi(text) : 0;
	free(text);
	cr_assert_gt(pid, 1);
	return pid;
}

/* Stops the daemon; whether it is gone. */
static bool stop_daemon(pid_t pid)
{
	if (kill(pid, SIGTERM))
		return false;
	for (int i = 0; i < 500 && kill(pid, 0) == 0; i++)
		usleep(10000);
	return kill(pid, 0) != 0;
}

Test(files, modes_do_not_follow_the_umask, .timeout = 60)
{
	static const char *const files[] = { "cygnetd.pid", "cygnetd.log", "state/journal",
					     "state/journal.lock", "state" };
	static const mode_t want[] = { 0644, 0600, 0600, 0600, 0700 };
	mode_t modes[5];
	pid_t pid = start_daemon();
	bool stopped;

	/* Read the modes, then stop the daemon before any assertion can end the test. */
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		modes[i] = mode_of(files[i]);
	stopped = stop_daemon(pid);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		cr_expect_eq(modes[i], want[i], "%s is %04o", files[i], (unsigned)modes[i]);
	cr_assert(stopped, "the daemon did not stop");
}

/* The value of a field ("CapEff:") of a /proc status file, or "" when absent. */
static void status_field(const char *path, const char *field, char *out, size_t len)
{
	char *text = tl_slurp(path), *at = text ? strstr(text, field) : NULL;

	snprintf(out, len, "%.*s", at ? (int)strcspn(at + strlen(field) + 1, "\n") : 0,
		 at ? at + strlen(field) + 1 : "");
	free(text);
}

/*
 * Every thread of a running cygnetd: CAP_NET_ADMIN and CAP_NET_BIND_SERVICE
 * (bits 12 and 10) only, in the bounding set too, and no_new_privs. Without
 * root it had no capability to keep.
 */
Test(files, running_daemon_keeps_only_its_capabilities, .timeout = 60)
{
	const char *want = geteuid() == 0 ? "0000000000001400" : "0000000000000000";
	static const char *const fields[] = { "CapEff:", "CapPrm:", "CapBnd:", "CapInh:",
					      "CapAmb:", "NoNewPrivs:" };
	char got[64][6][32], path[320];
	pid_t pid = start_daemon();
	size_t n = 0;
	struct dirent *e;
	bool stopped;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d && (e = readdir(d)) && n < 64) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, e->d_name);
		for (size_t f = 0; f < 6; f++)
			status_field(path, fields[f], got[n][f], sizeof(got[n][f]));
		n++;
	}
	if (d)
		closedir(d);
	stopped = stop_daemon(pid);
	cr_assert_geq(n, 2, "threads of %d", (int)pid);
	for (size_t t = 0; t < n; t++) {
		cr_expect_str_eq(got[t][0], want, "thread %zu CapEff", t);
		cr_expect_str_eq(got[t][1], want, "thread %zu CapPrm", t);
		if (geteuid() == 0)
			cr_expect_str_eq(got[t][2], want, "thread %zu CapBnd", t);
		cr_expect_str_eq(got[t][3], "0000000000000000", "thread %zu CapInh", t);
		cr_expect_str_eq(got[t][4], "0000000000000000", "thread %zu CapAmb", t);
		cr_expect_str_eq(got[t][5], "1", "thread %zu NoNewPrivs", t);
	}
	cr_assert(stopped, "the daemon did not stop");
}

Test(files, symlink_at_state_file_is_refused)
{
	char target[128], link[128], *text;
	struct cg_cfg_errors errs = { 0 };
	struct cg_core_opts opts = { .name = "f", .manual = true, .no_sockets = true,
				     .no_rtnetlink = true, .no_control = true,
				     .foreground = true, .plugin_dir = CG_TEST_PLUGIN_DIR };
	struct cg_config *cfg;
	struct cg_core *core;
	FILE *f;

	path_in("precious", target, sizeof(target));
	path_in("journal", link, sizeof(link));
	f = fopen(target, "w");
	cr_assert_not_null(f);
	fputs("keep me\n", f);
	fclose(f);
	cr_assert_eq(symlink(target, link), 0);

	opts.state_file = link;
	cr_assert_eq(cg_config_load_string("daemon: { plugins: [kernel-memory] }\n", "f.yaml", &cfg,
					   &errs), 0);
	cr_assert_eq(cg_core_create(&opts, cfg, &core), 0);
	cr_assert_neq(cg_core_start(core, &errs), 0, "a symlink at state_file is refused");
	cr_assert_eq(errs.n, 1);
	cr_assert(strstr(errs.lines[0], "not a regular file"), "%s", errs.lines[0]);
	cg_core_destroy(core);
	cg_cfg_errors_free(&errs);
	text = tl_slurp(target);
	cr_assert_str_eq(text, "keep me\n", "the symlink's target is untouched");
	free(text);
}

/* A config path with a terminal escape in it is quoted escaped, not replayed. */
Test(files, check_output_escapes_the_config_path)
{
	char odd[128], cmd[512], out[512] = "";
	size_t n;
	FILE *p;

	write_config();
	snprintf(odd, sizeof(odd), "%s/a\033[31m.yaml", dir);
	cr_assert_eq(rename(cfg_path, odd), 0);
	snprintf(cmd, sizeof(cmd), "'%s/cygnetd' --plugin-dir '%s' -c '%s' --check 2>&1",
		 CG_TEST_BIN_DIR, CG_TEST_PLUGIN_DIR, odd);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	cr_assert_eq(pclose(p), 0, "--check failed: %s", out);
	cr_assert_not_null(strstr(out, "a\\x1b[31m.yaml: configuration OK"), "%s", out);
	cr_assert_null(strchr(out, '\033'), "a raw escape in: %s", out);
}
