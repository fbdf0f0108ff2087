/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Start-up time: runs `cygnetd -F -c CONFIG --ready-fd N` RUNS times and
 * prints the median and best time from exec to "ready" (plugins loaded
 * and started, sockets and control socket open), then stops it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../bench.h"

/* One start; returns milliseconds to ready, or -1. */
static double one_run(const char *daemon, const char *config)
{
	int fds[2], status;
	char fdstr[16], buf[16];
	double t0, t1;
	pid_t pid;
	ssize_t n;

	if (pipe(fds))
		return -1;
	snprintf(fdstr, sizeof(fdstr), "%d", fds[1]);
	t0 = bench_now_ms();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", 1);

		close(fds[0]);
		dup2(null, 2);
		execl(daemon, daemon, "-F", "-c", config, "--ready-fd", fdstr, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf));
	t1 = bench_now_ms();
	close(fds[0]);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	return n == 6 && !strncmp(buf, "ready\n", 6) ? t1 - t0 : -1;
}

int main(int argc, char **argv)
{
	int runs = argc > 3 ? atoi(argv[3]) : 20;
	double *t;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_startup CYGNETD CONFIG [RUNS]\n");
		return 2;
	}
	t = calloc((size_t)runs, sizeof(*t));
	for (int i = 0; i < runs; i++) {
		t[i] = one_run(argv[1], argv[2]);
		if (t[i] < 0) {
			fprintf(stderr, "bench_startup: cygnetd did not become ready (run it by hand: "
				"%s -F -c %s)\n", argv[1], argv[2]);
			return 1;
		}
	}
	qsort(t, (size_t)runs, sizeof(*t), bench_cmp);
	printf("start-up: %.1f ms median, %.1f ms best, from exec to ready (%d runs)\n",
	       t[runs / 2], t[0], runs);
	free(t);
	return 0;
}
