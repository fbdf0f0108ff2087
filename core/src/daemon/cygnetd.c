/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cygnetd: loads the config, starts the core, then waits for signals in
 * the main thread (SIGHUP reloads, SIGTERM/SIGINT stop). Every other
 * thread has these signals blocked.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cygnet/cygnet.h>

struct args {
	const char *config;
	const char *plugin_dir;
	const char *pid_file;
	bool foreground;
	bool check;
	int ready_fd;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cygnetd [-c FILE] [-F] [--check] [--plugin-dir DIR] [--ready-fd FD]\n"
		"  -c, --config FILE   configuration (default %s)\n"
		"  -F, --foreground    stay in the foreground and log to stderr\n"
		"      --check         validate the configuration and plugins, then exit\n"
		"      --plugin-dir D  load plugins from D\n"
		"      --pid-file F    write the daemon's pid to F (default /run/cygnet/cygnetd.pid)\n"
		"      --ready-fd FD   write \"ready\\n\" to FD once started, then close it\n"
		"  -V, --version       print the version\n",
		CG_DEFAULT_CONFIG);
}

/* s with its control characters escaped, in buf, for quoting in a message. */
static const char *quoted(const char *s, char *buf, size_t size)
{
	cg_str_escape(buf, size, s);
	return buf;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "check", no_argument, NULL, 'k' },
		{ "plugin-dir", required_argument, NULL, 'p' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*a = (struct args){ .config = CG_DEFAULT_CONFIG, .ready_fd = -1,
			    .pid_file = "/run/cygnet/cygnetd.pid" };
	while ((c = getopt_long(argc, argv, "c:FVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config = optarg; break;
		case 'F': a->foreground = true; break;
		case 'k': a->check = true; break;
		case 'p': a->plugin_dir = optarg; break;
		case 'P': a->pid_file = optarg; break;
		case 'r': a->ready_fd = atoi(optarg); break;
		case 'V': printf("cygnetd %s\n", cg_version()); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		char q[256];

		fprintf(stderr, "cygnetd: unexpected argument '%s'\n",
			quoted(argv[optind], q, sizeof(q)));
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static void print_errors(const struct cg_cfg_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->lines[i]);
}

/* Writes the pid, 0644 whatever was there; a symlink at path is refused. */
static void write_pid_file(const char *path)
{
	char dir[4096], pid[16], *slash;
	int fd, n;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (fchmod(fd, 0644) || write(fd, pid, (size_t)n) != n)
		fprintf(stderr, "cygnetd: cannot write %s: %s\n", quoted(path, dir, sizeof(dir)),
			strerror(errno));
	close(fd);
}

/* Waits for signals until asked to stop. */
static void run(struct cg_core *core, const sigset_t *set)
{
	for (;;) {
		int sig = 0;

		if (sigwait(set, &sig))
			continue;
		if (sig == SIGHUP) {
			struct cg_cfg_errors errs = { 0 };

			cg_log(core, CG_LOG_DMN, CG_LVL_INFO, "SIGHUP: reloading the configuration");
			cg_core_reload_file(core, &errs);
			cg_cfg_errors_free(&errs);
			continue;
		}
		cg_log(core, CG_LOG_DMN, CG_LVL_INFO, "%s: shutting down", strsignal(sig));
		return;
	}
}

int main(int argc, char **argv)
{
	struct cg_core_opts opts = { 0 };
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg = NULL;
	struct cg_core *core = NULL;
	struct args a;
	char q[4096];
	sigset_t set;
	int err;

	if (parse_args(argc, argv, &a))
		return 2;
	/*
	 * Nothing it creates is writable by others, whatever umask it was
	 * started with; files that hold secrets get 0600 where they are opened.
	 */
	umask(022);
	err = cg_config_load(a.config, &cfg, &errs);
	if (err) {
		if (!errs.n)
			fprintf(stderr, "cygnetd: cannot read %s: %s\n",
				quoted(a.config, q, sizeof(q)), strerror(-err));
		print_errors(&errs);
		cg_cfg_errors_free(&errs);
		return 1;
	}
	opts.foreground = a.foreground || a.check;
	opts.check_only = a.check;
	opts.plugin_dir = a.plugin_dir;
	opts.no_sockets = opts.no_control = opts.no_rtnetlink = opts.no_resolver = a.check;

	if (!a.foreground && !a.check && daemon(0, 0)) {
		fprintf(stderr, "cygnetd: cannot daemonize: %s\n", strerror(errno));
		return 1;
	}
	/* Threads inherit this mask: only the main thread takes these signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Before the core's threads exist: each inherits what its creator has. */
	if (!a.check && (err = cg_privileges_drop())) {
		fprintf(stderr, "cygnetd: cannot drop privileges: %s\n", strerror(-err));
		cg_config_unref(cfg);
		return 1;
	}
	err = cg_core_create(&opts, cfg, &core);
	if (err) {
		fprintf(stderr, "cygnetd: cannot create the core: %s\n", strerror(-err));
		return 1;
	}
	err = cg_core_start(core, &errs);
	if (err) {
		print_errors(&errs);
		if (!errs.n)
			fprintf(stderr, "cygnetd: cannot start: %s\n", strerror(-err));
		cg_cfg_errors_free(&errs);
		cg_core_destroy(core);
		return 1;
	}
	if (a.check) {
		struct cg_config *c = cg_core_config(core);
		const char *name;

		printf("%s: configuration OK, %zu connections, plugins:",
		       quoted(a.config, q, sizeof(q)), c->n_conns);
		for (size_t i = 0; cg_core_plugin_at(core, i, &name, NULL); i++)
			printf(" %s", quoted(name, q, sizeof(q)));
		printf("\n");
		cg_config_unref(c);
		cg_core_destroy(core);
		return 0;
	}
	if (!a.foreground)
		write_pid_file(a.pid_file);
	if (a.ready_fd >= 0) {
		if (write(a.ready_fd, "ready\n", 6) != 6)
			cg_log(core, CG_LOG_DMN, CG_LVL_WARN, "cannot signal readiness on fd %d",
			       a.ready_fd);
		close(a.ready_fd);
	}
	run(core, &set);
	cg_core_destroy(core);
	if (!a.foreground)
		unlink(a.pid_file);
	return 0;
}
