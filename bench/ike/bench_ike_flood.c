/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Half-open flood for the flood benchmark: IKE_SA_INIT requests (AES-GCM-16
 * 128, PRF-HMAC-SHA256, X25519, each with a fresh SPIi) from COUNT source
 * addresses PREFIX.FIRST... that the sender can receive on, at RATE per
 * second for SECONDS. A COOKIE in the answer is echoed at once, as an
 * attacker who receives at its addresses does, so COOKIEs alone do not stop
 * it. It never sends IKE_AUTH: what the responder answers stays half-open.
 *
 * usage: bench_ike_flood DST_ADDR DST_PORT PREFIX FIRST COUNT RATE SECONDS
 * (IPv4; PREFIX is the first three bytes, e.g. 198.51.100)
 * prints: sent N cookies_echoed C answered A refused R
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOURCES 250
#define MSG_MAX 512
#define N_COOKIE 16390
#define PL_SA 33
#define PL_NOTIFY 41

struct flood {
	int fds[MAX_SOURCES];
	int n;
	struct sockaddr_in dst;
	uint64_t next_spi;
	uint8_t ke[32], nonce[32];
	long sent, echoed, answered, refused;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

/* Payload header: next, flags, length. */
static uint8_t *put_pl(uint8_t *p, uint8_t next, uint16_t len)
{
	p[0] = next;
	p[1] = 0;
	return put16(p + 2, len);
}

/* IKE_SA_INIT request: [N(COOKIE)], SA, KE, Ni (RFC 7296 3.1-3.9). */
static size_t build_init(const struct flood *f, const uint8_t spi[8], const uint8_t *cookie,
			 size_t cookie_len, uint8_t *out)
{
	static const uint8_t sa[] = {
		/* proposal 1, IKE, no SPI, 3 transforms */
		0, 0, 0, 36, 1, 1, 0, 3,
		3, 0, 0, 12, 1, 0, 0, 20, 0x80, 14, 0, 128, /* ENCR AES-GCM-16, 128 bits */
		3, 0, 0, 8, 2, 0, 0, 5,                     /* PRF HMAC-SHA2-256 */
		0, 0, 0, 8, 4, 0, 0, 31,                    /* KE Curve25519 */
	};
	uint8_t *p = out + 28;
	size_t len;

	memcpy(out, spi, 8);
	memset(out + 8, 0, 8);
	out[16] = cookie_len ? PL_NOTIFY : PL_SA;
	out[17] = 0x20;
	out[18] = 34;
	out[19] = 0x08;
	memset(out + 20, 0, 4);
	if (cookie_len) {
		p = put_pl(p, PL_SA, (uint16_t)(8 + cookie_len));
		p[0] = 0;
		p[1] = 0;
		p = put16(p + 2, N_COOKIE);
		memcpy(p, cookie, cookie_len);
		p += cookie_len;
	}
	p = put_pl(p, 34, 4 + sizeof(sa));
	memcpy(p, sa, sizeof(sa));
	p += sizeof(sa);
	p = put_pl(p, 40, 8 + sizeof(f->ke));
	p = put16(p, 31);
	p = put16(p, 0);
	memcpy(p, f->ke, sizeof(f->ke));
	p += sizeof(f->ke);
	p = put_pl(p, 0, 4 + sizeof(f->nonce));
	memcpy(p, f->nonce, sizeof(f->nonce));
	p += sizeof(f->nonce);
	len = (size_t)(p - out);
	out[24] = (uint8_t)(len >> 24);
	out[25] = (uint8_t)(len >> 16);
	out[26] = (uint8_t)(len >> 8);
	out[27] = (uint8_t)len;
	return len;
}

static void send_init(struct flood *f, int fd, const uint8_t spi[8], const uint8_t *cookie,
		      size_t cookie_len)
{
	uint8_t msg[MSG_MAX];
	size_t len = build_init(f, spi, cookie, cookie_len, msg);

	if (sendto(fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *)&f->dst,
		   sizeof(f->dst)) == (ssize_t)len)
		f->sent++;
}

/* A response: a COOKIE is echoed, an SA answer counted, anything else refused. */
static void on_response(struct flood *f, int fd, const uint8_t *m, size_t len)
{
	if (len < 28 || m[18] != 34 || !(m[19] & 0x20))
		return;
	if (m[16] == PL_SA) {
		f->answered++;
		return;
	}
	if (m[16] == PL_NOTIFY && len >= 36 && (m[34] << 8 | m[35]) == N_COOKIE) {
		size_t pl_len = (size_t)(m[30] << 8 | m[31]);

		if (pl_len > 8 && 28 + pl_len <= len) {
			send_init(f, fd, m, m + 36, pl_len - 8);
			f->echoed++;
			return;
		}
	}
	f->refused++;
}

static void drain(struct flood *f, int timeout_ms)
{
	struct pollfd pfds[MAX_SOURCES];
	uint8_t buf[MSG_MAX * 4];

	for (int i = 0; i < f->n; i++)
		pfds[i] = (struct pollfd){ .fd = f->fds[i], .events = POLLIN };
	if (poll(pfds, (nfds_t)f->n, timeout_ms) <= 0)
		return;
	for (int i = 0; i < f->n; i++) {
		ssize_t n;

		if (!(pfds[i].revents & POLLIN))
			continue;
		while ((n = recv(f->fds[i], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			on_response(f, f->fds[i], buf, (size_t)n);
	}
}

static int open_sources(struct flood *f, const char *prefix, int first)
{
	for (int i = 0; i < f->n; i++) {
		struct sockaddr_in src = { .sin_family = AF_INET };
		char text[32];

		snprintf(text, sizeof(text), "%s.%d", prefix, first + i);
		f->fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (f->fds[i] < 0 || inet_pton(AF_INET, text, &src.sin_addr) != 1 ||
		    bind(f->fds[i], (struct sockaddr *)&src, sizeof(src))) {
			fprintf(stderr, "bench_ike_flood: cannot use %s: %s\n", text, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct flood f = { .dst = { .sin_family = AF_INET }, .next_spi = 1 };
	double rate, seconds, start, t;
	long due;

	if (argc != 8) {
		fprintf(stderr, "usage: bench_ike_flood DST_ADDR DST_PORT PREFIX FIRST COUNT RATE "
				"SECONDS\n");
		return 2;
	}
	f.n = atoi(argv[5]);
	rate = atof(argv[6]);
	seconds = atof(argv[7]);
	if (inet_pton(AF_INET, argv[1], &f.dst.sin_addr) != 1 || f.n < 1 || f.n > MAX_SOURCES ||
	    rate <= 0 || seconds <= 0) {
		fprintf(stderr, "bench_ike_flood: bad arguments\n");
		return 2;
	}
	f.dst.sin_port = htons((uint16_t)atoi(argv[2]));
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (size_t i = 0; i < sizeof(f.ke); i++) {
		f.ke[i] = (uint8_t)rand();
		f.nonce[i] = (uint8_t)rand();
	}
	f.next_spi = (uint64_t)rand() << 32;
	if (open_sources(&f, argv[3], atoi(argv[4])))
		return 1;
	start = now_s();
	for (long done = 0; (t = now_s() - start) < seconds;) {
		for (due = (long)(t * rate); done < due; done++) {
			uint8_t spi[8];
			uint64_t v = f.next_spi++;

			for (int i = 0; i < 8; i++)
				spi[i] = (uint8_t)(v >> (56 - 8 * i));
			send_init(&f, f.fds[done % f.n], spi, NULL, 0);
		}
		drain(&f, 1);
	}
	/* Late answers, then the figures. */
	for (int i = 0; i < 200; i++)
		drain(&f, 5);
	printf("sent %ld cookies_echoed %ld answered %ld refused %ld\n", f.sent, f.echoed,
	       f.answered, f.refused);
	return 0;
}
