/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cygnetctl: sends one command line to cygnetd's control socket and prints
 * the reply. Exit status 0 when the daemon answered "ok", 1 when it answered
 * "error: ..." or could not be reached, 2 for a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cygnet/control.h>

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cygnetctl [-s SOCKET] [--json] COMMAND [ARGS...]\n"
		"\n"
		"  -s, --socket PATH  control socket (default %s)\n"
		"  -j, --json         print the reply as JSON\n"
		"  -h, --help         this text\n"
		"\n"
		"Commands: status, list-conns, list-sas, initiate --child NAME,\n"
		"terminate --ike NAME, reload; `cygnetctl help` asks the daemon for all.\n",
		CG_DEFAULT_CONTROL);
}

/* Joins the words into one request line; -1 when a word cannot be sent. */
static int build_request(char *buf, size_t cap, char **words, int n, bool json)
{
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		size_t wl = strlen(words[i]);

		if (!wl || strpbrk(words[i], " \t\r\n")) {
			fprintf(stderr, "cygnetctl: argument '%s' is empty or holds blanks or line "
					"breaks, which the protocol cannot carry\n", words[i]);
			return -1;
		}
		if (len + wl + 1 >= cap) {
			fprintf(stderr, "cygnetctl: request longer than %d bytes\n",
				CG_CTL_MAX_REQUEST);
			return -1;
		}
		memcpy(buf + len, words[i], wl);
		len += wl;
		buf[len++] = ' ';
	}
	if (json) {
		if (len + sizeof("--json ") >= cap) {
			fprintf(stderr, "cygnetctl: request longer than %d bytes\n",
				CG_CTL_MAX_REQUEST);
			return -1;
		}
		memcpy(buf + len, "--json ", 7);
		len += 7;
	}
	buf[len - 1] = '\n';
	buf[len] = '\0';
	return (int)len;
}

static int connect_daemon(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path) >= (int)sizeof(sun.sun_path)) {
		fprintf(stderr, "cygnetctl: socket path too long: %s\n", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("cygnetctl: socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno == ENOENT || errno == ECONNREFUSED)
		fprintf(stderr, "cygnetctl: cygnetd is not running (nothing listens on %s)\n",
			path);
	else if (errno == EACCES || errno == EPERM)
		fprintf(stderr, "cygnetctl: permission denied on %s (the control socket is "
				"root-only)\n", path);
	else
		fprintf(stderr, "cygnetctl: cannot connect to %s: %s\n", path, strerror(errno));
	close(fd);
	return -1;
}

static int send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until the daemon closes; NULL on failure. */
static char *read_reply(int fd)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *grown = realloc(buf, cap *= 2);

			if (!grown)
				break;
			buf = grown;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* A reset after the reply still leaves the whole reply read. */
		if (n == 0 || (n < 0 && errno == ECONNRESET && len)) {
			buf[len] = '\0';
			return buf;
		}
		if (n < 0)
			break;
		len += (size_t)n;
	}
	free(buf);
	return NULL;
}

/* Prints the body; the status line decides the exit code. */
static int print_reply(const char *reply)
{
	const char *nl = strchr(reply, '\n');
	const char *body = nl ? nl + 1 : "";
	size_t first = nl ? (size_t)(nl - reply) : strlen(reply);

	fputs(body, stdout);
	if (first == 2 && !strncmp(reply, "ok", 2))
		return 0;
	if (!strncmp(reply, "error: ", 7)) {
		fprintf(stderr, "%.*s\n", (int)first, reply);
		return 1;
	}
	fprintf(stderr, "cygnetctl: unexpected reply from cygnetd: %.*s\n", (int)first, reply);
	return 1;
}

int main(int argc, char **argv)
{
	const char *path = CG_DEFAULT_CONTROL;
	char request[CG_CTL_MAX_REQUEST + 1];
	bool json = false;
	char *reply;
	int i, len, fd, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--socket")) {
			if (++i == argc) {
				usage(stderr);
				return EXIT_USAGE;
			}
			path = argv[i];
		} else if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "cygnetctl: unknown option %s\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	len = build_request(request, sizeof(request), argv + i, argc - i, json);
	if (len < 0)
		return EXIT_USAGE;
	fd = connect_daemon(path);
	if (fd < 0)
		return 1;
	if (send_all(fd, request, (size_t)len) < 0) {
		int err = errno;

		/* A daemon that turned us away (too many clients) has answered before closing. */
		reply = read_reply(fd);
		if (!reply || !*reply) {
			fprintf(stderr, "cygnetctl: cannot send the request: %s\n", strerror(err));
			free(reply);
			close(fd);
			return 1;
		}
	} else {
		reply = read_reply(fd);
	}
	close(fd);
	if (!reply) {
		fprintf(stderr, "cygnetctl: no reply from cygnetd: %s\n", strerror(errno));
		return 1;
	}
	rc = print_reply(reply);
	free(reply);
	return rc;
}
