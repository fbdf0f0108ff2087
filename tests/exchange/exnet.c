/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exnet.h"

static int ex_send(void *ctx, const struct cg_addr *src, const struct cg_addr *dst,
		   const uint8_t *data, size_t len)
{
	struct ex_side *s = ctx;
	struct ex_net *net = s->net;
	struct ex_pkt p = { .from = s->idx, .src = *src, .dst = *dst, .len = len };

	/* The socket layer fills in our address when the source was %any. */
	if (p.src.family == AF_UNSPEC || cg_addr_is_any(&p.src)) {
		uint16_t port = p.src.port;

		p.src = net->addr[s->idx];
		p.src.port = port ? port : 500;
	}
	p.data = malloc(len);
	cr_assert_not_null(p.data);
	memcpy(p.data, data, len);
	if (net->n_queue == net->cap_queue) {
		net->cap_queue = net->cap_queue ? 2 * net->cap_queue : 16;
		net->queue = realloc(net->queue, net->cap_queue * sizeof(*net->queue));
		cr_assert_not_null(net->queue);
	}
	net->queue[net->n_queue++] = p;
	if (net->n_log < EX_LOG_MAX) {
		struct ex_pkt copy = p;

		copy.data = malloc(len);
		memcpy(copy.data, data, len);
		net->sent_at[net->n_log] = cg_now_ms(net->core[s->idx]);
		net->log[net->n_log++] = copy;
	}
	return 0;
}

void ex_start(struct ex_net *net, const char *left_yaml, const char *right_yaml)
{
	const char *yaml[2] = { left_yaml, right_yaml };
	const char *names[2] = { "left", "right" };
	struct cg_cfg_errors errs = { 0 };

	memset(net, 0, sizeof(*net));
	for (int i = 0; i < 2; i++) {
		int err = 0;

		net->side[i] = (struct ex_side){ .net = net, .idx = i };
		net->core[i] = tl_core_new(names[i], yaml[i], NULL, &errs, &err);
		for (size_t e = 0; e < errs.n; e++)
			fprintf(stderr, "%s: %s\n", names[i], errs.lines[e]);
		cg_cfg_errors_free(&errs);
		cr_assert_not_null(net->core[i], "%s core did not start: %d", names[i], err);
		cg_ike_set_transport(net->core[i], ex_send, &net->side[i]);
	}
	cg_addr_parse("2001:db8::1", &net->addr[EX_LEFT]);
	cg_addr_parse("2001:db8::2", &net->addr[EX_RIGHT]);
}

void ex_restart(struct ex_net *net, int side, const char *yaml)
{
	struct cg_cfg_errors errs = { 0 };
	int err = 0;

	/* Whatever the stopping core says is lost, as with a crash. */
	if (net->subs[side])
		cg_bus_unsubscribe(net->core[side], net->subs[side]);
	net->subs[side] = NULL;
	cg_core_destroy(net->core[side]);
	for (size_t i = 0; i < net->n_queue; i++)
		if (net->queue[i].from == side)
			net->queue[i].len = 0;
	net->core[side] = tl_core_new(side ? "right" : "left", yaml, NULL, &errs, &err);
	for (size_t e = 0; e < errs.n; e++)
		fprintf(stderr, "restart: %s\n", errs.lines[e]);
	cg_cfg_errors_free(&errs);
	cr_assert_not_null(net->core[side], "core did not restart: %d", err);
	cg_ike_set_transport(net->core[side], ex_send, &net->side[side]);
}

static void free_queue(struct ex_net *net)
{
	for (size_t i = 0; i < net->n_queue; i++)
		free(net->queue[i].data);
	net->n_queue = 0;
}

void ex_watch_side(struct ex_net *net, int side, cg_bus_fn fn, void *ctx)
{
	cr_assert_eq(cg_bus_subscribe(net->core[side], CG_EV_ALL, CG_BUS_SYNC, fn, ctx,
				      &net->subs[side]), 0);
}

void ex_watch(struct ex_net *net, cg_bus_fn fn, void *ctx_left, void *ctx_right)
{
	ex_watch_side(net, EX_LEFT, fn, ctx_left);
	ex_watch_side(net, EX_RIGHT, fn, ctx_right);
}

void ex_stop(struct ex_net *net)
{
	/* Deletes sent while the cores stop land in the queue and are dropped. */
	for (int i = 0; i < 2; i++) {
		if (net->core[i] && net->subs[i])
			cg_bus_unsubscribe(net->core[i], net->subs[i]);
		net->subs[i] = NULL;
		cg_core_destroy(net->core[i]);
		net->core[i] = NULL;
	}
	free_queue(net);
	free(net->queue);
	net->queue = NULL;
	net->cap_queue = 0;
	for (size_t i = 0; i < net->n_log; i++)
		free(net->log[i].data);
	net->n_log = 0;
}

static int side_of(const struct ex_net *net, const struct cg_addr *a)
{
	for (int i = 0; i < 2; i++)
		if (cg_addr_equal(a, &net->addr[i]) ||
		    (net->moved[i].family && cg_addr_equal(a, &net->moved[i])))
			return i;
	return -1;
}

void ex_add_addr(struct ex_net *net, int side, const char *addr)
{
	cr_assert_eq(cg_addr_parse(addr, &net->moved[side]), 0);
}

size_t ex_run(struct ex_net *net)
{
	size_t delivered = 0;

	for (int round = 0; round < 1000; round++) {
		struct ex_pkt *batch;
		size_t n, ran = tl_run(net->core[0]) + tl_run(net->core[1]);

		if (!net->n_queue) {
			if (!ran)
				return delivered;
			continue;
		}
		batch = net->queue;
		n = net->n_queue;
		net->queue = NULL;
		net->n_queue = net->cap_queue = 0;
		for (size_t i = 0; i < n; i++) {
			struct ex_pkt *p = &batch[i];
			enum ex_action a = net->filter ? net->filter(net, p, net->filter_ctx) : EX_DELIVER;
			int to = side_of(net, &p->dst);

			if (a != EX_DROP && to >= 0) {
				cg_ike_inject(net->core[to], &p->src, &p->dst, p->data, p->len);
				delivered++;
				if (a == EX_DUPLICATE)
					cg_ike_inject(net->core[to], &p->src, &p->dst, p->data, p->len);
			}
			free(p->data);
		}
		free(batch);
	}
	cr_assert_fail("the exchange did not settle");
	return delivered;
}

void ex_advance(struct ex_net *net, uint64_t ms, uint64_t step_ms)
{
	while (ms) {
		uint64_t step = ms < step_ms ? ms : step_ms;

		for (int i = 0; i < 2; i++)
			cg_sched_advance(cg_core_sched(net->core[i]), step);
		ex_run(net);
		ms -= step;
	}
}

char *ex_ctl(struct ex_net *net, int side, const char *line)
{
	char *reply = tl_ctl(net->core[side], line);

	ex_run(net);
	return reply;
}

void ex_ctl_ok(struct ex_net *net, int side, const char *line)
{
	char *reply = ex_ctl(net, side, line);

	cr_assert(!strncmp(reply, "ok", 2), "%s: %s", line, reply);
	free(reply);
}

size_t ex_ctl_count(struct ex_net *net, int side, const char *line, const char *needle)
{
	char *reply = tl_ctl(net->core[side], line);
	size_t n = 0;

	for (const char *p = reply; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	free(reply);
	return n;
}

struct kmem_sa {
	char spi[9], dir[4], check[9];
};

/* The SAs of one side's in-memory kernel, from kmem-dump. */
static size_t kmem_sas(struct ex_net *net, int side, struct kmem_sa *sas, size_t max)
{
	char *dump = tl_ctl(net->core[side], "kmem-dump");
	const char *end = strstr(dump, "policies:");
	size_t n = 0;

	for (const char *p = strstr(dump, "  - src:"); p && (!end || p < end) && n < max;
	     p = strstr(p + 1, "  - src:")) {
		const char *spi = strstr(p, "spi: "), *dir = strstr(p, "direction: ");
		const char *check = strstr(p, "key_check: ");

		if (!spi || !dir || !check)
			break;
		sas[n] = (struct kmem_sa){ 0 };
		sscanf(spi, "spi: %8s", sas[n].spi);
		sscanf(dir, "direction: %3s", sas[n].dir);
		sscanf(check, "key_check: %8s", sas[n].check);
		n++;
	}
	free(dump);
	return n;
}

size_t ex_assert_keys_match(struct ex_net *net)
{
	struct kmem_sa sas[2][32];
	size_t n[2], pairs = 0;

	for (int s = 0; s < 2; s++)
		n[s] = kmem_sas(net, s, sas[s], 32);
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < n[s]; i++) {
			const struct kmem_sa *out = &sas[s][i];

			if (strcmp(out->dir, "out"))
				continue;
			for (size_t j = 0; j < n[!s]; j++) {
				const struct kmem_sa *in = &sas[!s][j];

				if (strcmp(in->dir, "in") || strcmp(in->spi, out->spi))
					continue;
				cr_assert_str_eq(out->check, in->check,
						 "SA %s: side %d sends with other keys than side %d receives with",
						 out->spi, s, !s);
				pairs++;
			}
		}
	return pairs;
}

size_t ex_marker_len(const struct ex_pkt *p)
{
	bool nat_t = p->src.port == 4500 || p->dst.port == 4500;

	return nat_t && p->len >= 4 + 28 && !memcmp(p->data, "\0\0\0\0", 4) ? 4 : 0;
}

uint8_t ex_exchange(const struct ex_pkt *p)
{
	size_t m = ex_marker_len(p);

	return p->len >= m + 28 ? p->data[m + 18] : 0;
}

bool ex_is_response(const struct ex_pkt *p)
{
	size_t m = ex_marker_len(p);

	return p->len >= m + 28 && (p->data[m + 19] & 0x20);
}

size_t ex_count(const struct ex_net *net, int side, uint8_t exchange, bool response)
{
	size_t n = 0;

	for (size_t i = 0; i < net->n_log; i++)
		if (net->log[i].from == side && ex_exchange(&net->log[i]) == exchange &&
		    ex_is_response(&net->log[i]) == response)
			n++;
	return n;
}

void ex_inject(struct ex_net *net, int from, const uint8_t *data, size_t len)
{
	struct cg_addr src = net->addr[from], dst = net->addr[!from];
	static const uint8_t marker[4];

	/* A message with the non-ESP marker came by the NAT-T port (MOBIKE moves there too). */
	src.port = dst.port = len > 4 && !memcmp(data, marker, 4) ? 4500 : 500;
	cg_ike_inject(net->core[!from], &src, &dst, data, len);
	ex_run(net);
}

bool ex_has_notify(const struct ex_pkt *p, uint16_t type, uint8_t *data, size_t *len)
{
	size_t m = ex_marker_len(p);
	uint8_t next = p->len >= m + 28 ? p->data[m + 16] : 0;
	size_t off = m + 28;

	while (next && off + 4 <= p->len) {
		size_t plen = (size_t)p->data[off + 2] << 8 | p->data[off + 3];

		if (plen < 4 || off + plen > p->len)
			return false;
		if (next == 41 && plen >= 8) {
			uint8_t spi_size = p->data[off + 5];
			uint16_t t = (uint16_t)(p->data[off + 6] << 8 | p->data[off + 7]);

			if (t == type && (size_t)8 + spi_size <= plen) {
				if (data && len) {
					*len = plen - 8 - spi_size;
					memcpy(data, p->data + off + 8 + spi_size, *len);
				}
				return true;
			}
		}
		next = p->data[off];
		off += plen;
	}
	return false;
}

/* One's complement sum of 16-bit words (an odd last byte padded with 0), not folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | (i + 1 < len ? p[i + 1] : 0));
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The checksum of the IPv6 pseudo header and the UDP datagram (RFC 8200 8.1). */
static uint16_t udp_checksum(const struct ex_pkt *p, const uint8_t *udp, size_t udp_len)
{
	uint32_t sum = 17 + (uint32_t)udp_len;
	uint16_t c;

	sum = csum_add(sum, p->src.u.bytes, 16);
	sum = csum_add(sum, p->dst.u.bytes, 16);
	c = csum_fold(csum_add(sum, udp, udp_len));
	return c ? c : 0xffff; /* 0 means none, which IPv6 does not allow */
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int ex_write_pcap(const struct ex_net *net, const char *path)
{
	/* pcap 2.4, microseconds, snap length 65535, LINKTYPE_RAW (101). */
	static const uint32_t global[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101 };
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f)
		return -errno;
	fwrite(global, sizeof(global), 1, f);
	for (size_t i = 0; i < net->n_log && !err; i++) {
		const struct ex_pkt *p = &net->log[i];
		size_t ip_len = 40, udp_len = 8 + p->len, total = ip_len + udp_len;
		uint32_t rec[4] = {
			(uint32_t)(net->sent_at[i] / 1000), (uint32_t)(net->sent_at[i] % 1000 * 1000),
			(uint32_t)total, (uint32_t)total,
		};
		uint8_t *pkt = calloc(1, total), *udp;

		if (!pkt || udp_len > 65535 || p->src.family != AF_INET6 ||
		    p->dst.family != AF_INET6) {
			free(pkt);
			err = -EINVAL;
			break;
		}
		pkt[0] = 0x60;
		put16(pkt + 4, (uint16_t)udp_len);
		pkt[6] = 17;
		pkt[7] = 64;
		memcpy(pkt + 8, p->src.u.bytes, 16);
		memcpy(pkt + 24, p->dst.u.bytes, 16);
		udp = pkt + ip_len;
		put16(udp, p->src.port);
		put16(udp + 2, p->dst.port);
		put16(udp + 4, (uint16_t)udp_len);
		memcpy(udp + 8, p->data, p->len);
		put16(udp + 6, udp_checksum(p, udp, udp_len));
		fwrite(rec, sizeof(rec), 1, f);
		fwrite(pkt, total, 1, f);
		free(pkt);
	}
	if (fclose(f) && !err)
		err = -errno;
	return err;
}
