/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Load generator for the IKE benchmark: WORKERS threads each initiate
 * connection PREFIX<worker> again and again through the daemon's own control
 * interface, waiting for each IKE SA (or its child) to be up before starting
 * the next, until TOTAL have been asked for. It prints how many came up, how
 * long it took (wall clock), the rate, and the median, 99th percentile and
 * longest time one initiate took.
 *
 * One connection per worker because both daemons' blocking initiate waits for
 * an "up" event of that connection name: two waiters on one name would both
 * wake on the first SA. Neither daemon reuses an established IKE SA for a new
 * initiate (charon is told so with reuse_ikesa = no), so every request is a
 * full IKE_SA_INIT + IKE_AUTH and the SAs accumulate.
 *
 * The two interfaces are spoken natively (no cygnetctl or swanctl process per
 * SA), so starting a client costs neither side anything:
 *   cygnet: one line "initiate --ike C [--child N]" per connection, reply
 *           "ok" or "error: ..." (core/include/cygnet/control.h);
 *   vici:   charon's framed binary protocol, one "initiate" request per SA
 *           on a connection kept open, answered with success=yes|no.
 *
 * usage: bench_ike_drive cygnet|vici SOCKET PREFIX WORKERS TOTAL [CHILD_PREFIX]
 * (worker i initiates connection PREFIXi, with child CHILD_PREFIXi when given:
 * cygnet wants child names unique across connections)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 64

enum proto { PROTO_CYGNET, PROTO_VICI };

struct drive {
	enum proto proto;
	const char *socket, *prefix, *child;
	long total;
	atomic_long issued, ok, failed;
	atomic_bool error_shown;
	double *took;  /* seconds per initiate, by issue number */
};

struct worker {
	struct drive *d;
	int index;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static bool write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* The first failure is shown, so a broken setup does not pass as a slow one. */
static void show_error(struct drive *d, const char *what)
{
	bool shown = false;

	if (atomic_compare_exchange_strong(&d->error_shown, &shown, true))
		fprintf(stderr, "bench_ike_drive: %s\n", what);
}

/* cygnet: one request per connection; the first reply line says ok or error. */
static bool cygnet_initiate(struct drive *d, const char *conn, const char *child)
{
	char line[512], reply[512];
	size_t got = 0;
	ssize_t n;
	int fd;

	if (child)
		snprintf(line, sizeof(line), "initiate --ike %s --child %s\n", conn, child);
	else
		snprintf(line, sizeof(line), "initiate --ike %s\n", conn);
	fd = unix_connect(d->socket);
	if (fd < 0) {
		show_error(d, strerror(-fd));
		return false;
	}
	if (!write_all(fd, line, strlen(line))) {
		close(fd);
		return false;
	}
	while (got < sizeof(reply) - 1 && (n = read(fd, reply + got, sizeof(reply) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	reply[got] = '\0';
	if (!strncmp(reply, "ok\n", 3))
		return true;
	show_error(d, got ? reply : "empty reply");
	return false;
}

/* vici message encoding: a growing buffer of elements. */
struct vbuf {
	uint8_t data[1024];
	size_t len;
};

enum { VICI_CMD_REQUEST = 0, VICI_CMD_RESPONSE = 1, VICI_CMD_UNKNOWN = 2 };
enum { VICI_KEY_VALUE = 3 };

static void vbuf_put(struct vbuf *b, const void *p, size_t len)
{
	if (b->len + len <= sizeof(b->data)) {
		memcpy(b->data + b->len, p, len);
		b->len += len;
	}
}

static void vbuf_name(struct vbuf *b, const char *name)
{
	uint8_t len = (uint8_t)strlen(name);

	vbuf_put(b, &len, 1);
	vbuf_put(b, name, len);
}

static void vbuf_kv(struct vbuf *b, const char *key, const char *value)
{
	uint8_t type = VICI_KEY_VALUE;
	uint16_t len = htons((uint16_t)strlen(value));

	vbuf_put(b, &type, 1);
	vbuf_name(b, key);
	vbuf_put(b, &len, 2);
	vbuf_put(b, value, strlen(value));
}

/* Whether a response message holds success = yes (a flat scan is enough here). */
static bool vici_success(const uint8_t *m, size_t len)
{
	static const char key[] = "success";
	size_t klen = sizeof(key) - 1;

	for (size_t i = 0; i + 2 + klen + 2 + 3 <= len; i++) {
		if (m[i] != VICI_KEY_VALUE || m[i + 1] != klen || memcmp(m + i + 2, key, klen))
			continue;
		size_t v = i + 2 + klen;
		uint16_t vlen = (uint16_t)(m[v] << 8 | m[v + 1]);

		return vlen == 3 && v + 2 + 3 <= len && !memcmp(m + v + 2, "yes", 3);
	}
	return false;
}

static bool vici_initiate(struct drive *d, int fd, const char *conn, const char *child)
{
	struct vbuf b = { .len = 4 };
	uint8_t type = VICI_CMD_REQUEST, *resp;
	uint32_t len;
	bool ok;

	vbuf_put(&b, &type, 1);
	vbuf_name(&b, "initiate");
	vbuf_kv(&b, "ike", conn);
	if (child)
		vbuf_kv(&b, "child", child);
	/* The half-open limits are the responder's business, not the initiator's. */
	vbuf_kv(&b, "init-limits", "no");
	/* Like cygnet's initiate: give up waiting after 30 s. */
	vbuf_kv(&b, "timeout", "30000");
	len = htonl((uint32_t)(b.len - 4));
	memcpy(b.data, &len, 4);
	if (!write_all(fd, b.data, b.len) || !read_all(fd, &len, 4))
		return false;
	len = ntohl(len);
	if (len < 1 || len > 512 * 1024)
		return false;
	resp = malloc(len);
	if (!resp || !read_all(fd, resp, len)) {
		free(resp);
		return false;
	}
	ok = resp[0] == VICI_CMD_RESPONSE && vici_success(resp + 1, len - 1);
	if (!ok)
		show_error(d, resp[0] == VICI_CMD_UNKNOWN ? "vici: unknown command"
							  : "vici: initiate failed");
	free(resp);
	return ok;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct drive *d = w->d;
	char conn[128], child[128];
	int fd = -1;

	snprintf(conn, sizeof(conn), "%s%d", d->prefix, w->index);
	if (d->child)
		snprintf(child, sizeof(child), "%s%d", d->child, w->index);
	if (d->proto == PROTO_VICI) {
		fd = unix_connect(d->socket);
		if (fd < 0) {
			show_error(d, strerror(-fd));
			return NULL;
		}
	}
	for (long i; (i = atomic_fetch_add(&d->issued, 1)) < d->total;) {
		const char *c = d->child ? child : NULL;
		double start = now_s();
		bool ok = d->proto == PROTO_VICI ? vici_initiate(d, fd, conn, c)
						 : cygnet_initiate(d, conn, c);

		d->took[i] = now_s() - start;
		atomic_fetch_add(ok ? &d->ok : &d->failed, 1);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The time of the initiate at fraction q of the sorted times, in ms. */
static double took_ms(const struct drive *d, double q)
{
	return d->took[(size_t)(q * (double)(d->total - 1))] * 1000;
}

int main(int argc, char **argv)
{
	struct worker workers[MAX_WORKERS];
	pthread_t threads[MAX_WORKERS];
	struct drive d = { 0 };
	double start, secs;
	int n;

	if (argc < 6 || (strcmp(argv[1], "cygnet") && strcmp(argv[1], "vici"))) {
		fprintf(stderr, "usage: bench_ike_drive cygnet|vici SOCKET PREFIX WORKERS TOTAL [CHILD_PREFIX]\n");
		return 2;
	}
	d.proto = strcmp(argv[1], "vici") ? PROTO_CYGNET : PROTO_VICI;
	d.socket = argv[2];
	d.prefix = argv[3];
	n = atoi(argv[4]);
	d.total = atol(argv[5]);
	d.child = argc > 6 ? argv[6] : NULL;
	if (n < 1 || n > MAX_WORKERS || d.total < 1) {
		fprintf(stderr, "bench_ike_drive: 1..%d workers and a positive total\n", MAX_WORKERS);
		return 2;
	}
	d.took = calloc((size_t)d.total, sizeof(*d.took));
	if (!d.took)
		return 1;
	start = now_s();
	for (int i = 0; i < n; i++) {
		workers[i] = (struct worker){ .d = &d, .index = i };
		if (pthread_create(&threads[i], NULL, worker_run, &workers[i])) {
			fprintf(stderr, "bench_ike_drive: cannot start a thread\n");
			return 1;
		}
	}
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	secs = now_s() - start;
	qsort(d.took, (size_t)d.total, sizeof(*d.took), cmp_double);
	printf("ok %ld failed %ld seconds %.3f rate %.1f p50_ms %.1f p99_ms %.1f max_ms %.1f\n",
	       (long)d.ok, (long)d.failed, secs, (double)d.ok / secs, took_ms(&d, 0.5),
	       took_ms(&d, 0.99), took_ms(&d, 1));
	free(d.took);
	return d.failed ? 1 : 0;
}
