/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kernel-memory's control commands: show the state, play a packet against
 * the policies (raising an acquire as the kernel would), raise expire and
 * migrate events, count traffic, inject faults, flush policies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmem.h"

/*
 * A short fingerprint of the keys (cg_hash64 folded to 32 bits), so a test
 * can tell that the two ends of an SA hold the same keys without the keys
 * being shown.
 */
static uint32_t key_check(const struct cg_kernel_sa *sa)
{
	uint64_t h = cg_hash64(sa->encr_key.ptr, sa->encr_key.len, 0);

	h = cg_hash64(sa->integ_key.ptr, sa->integ_key.len, h);
	return (uint32_t)(h ^ (h >> 32));
}

static void out_ts(struct cg_out *out, const char *key, const struct cg_ts *ts)
{
	char buf[CG_TS_STRLEN];

	cg_out_str(out, key, cg_ts_str(ts, buf, sizeof(buf)));
}

static void out_addr(struct cg_out *out, const char *key, const struct cg_addr *a)
{
	char buf[CG_ADDR_STRLEN];

	cg_out_str(out, key, cg_addr_str(a, buf, sizeof(buf)));
}

static void dump_sa(struct cg_out *out, const struct kmem_sa *s)
{
	const struct cg_kernel_sa *sa = &s->sa;

	cg_out_obj_begin(out, NULL);
	out_addr(out, "src", &sa->id.src);
	out_addr(out, "dst", &sa->id.dst);
	cg_out_strf(out, "spi", "%08x", sa->id.spi);
	cg_out_uint(out, "proto", sa->id.proto);
	cg_out_uint(out, "reqid", sa->reqid);
	cg_out_str(out, "direction", sa->inbound ? "in" : "out");
	cg_out_bool(out, "larval", s->larval);
	if (!s->larval) {
		cg_out_str(out, "mode", cg_mode_name(sa->mode));
		cg_out_str(out, "encr", cg_transform_name(CG_TT_ENCR, sa->encr_alg));
		cg_out_uint(out, "encr_keylen", sa->encr_keylen);
		cg_out_uint(out, "encr_key_bytes", sa->encr_key.len);
		cg_out_str(out, "integ", cg_transform_name(CG_TT_INTEG, sa->integ_alg));
		cg_out_uint(out, "integ_key_bytes", sa->integ_key.len);
		cg_out_strf(out, "key_check", "%08x", key_check(sa));
		cg_out_bool(out, "esn", sa->esn);
		cg_out_uint(out, "replay_window", sa->replay_window);
		if (sa->encap_sport || sa->encap_dport) {
			cg_out_uint(out, "encap_sport", sa->encap_sport);
			cg_out_uint(out, "encap_dport", sa->encap_dport);
		}
		if (sa->has_sel) {
			out_ts(out, "sel_src", &sa->sel_src);
			out_ts(out, "sel_dst", &sa->sel_dst);
		}
		cg_out_uint(out, "soft_secs", sa->lifetime.soft_secs);
		cg_out_uint(out, "hard_secs", sa->lifetime.hard_secs);
		cg_out_uint(out, "bytes", s->stats.bytes);
		cg_out_uint(out, "packets", s->stats.packets);
	}
	cg_out_obj_end(out);
}

static void dump_policy(struct cg_out *out, const struct kmem_policy *p)
{
	static const char *const actions[] = { "protect", "bypass", "drop" };
	const struct cg_kernel_policy *pol = &p->pol;

	cg_out_obj_begin(out, NULL);
	cg_out_str(out, "dir", cg_dir_name(pol->id.dir));
	out_ts(out, "src", &pol->id.src);
	out_ts(out, "dst", &pol->id.dst);
	cg_out_str(out, "action", actions[pol->action]);
	cg_out_uint(out, "priority", pol->priority);
	cg_out_uint(out, "index", p->stats.index);
	if (pol->action == CG_POLICY_PROTECT) {
		cg_out_uint(out, "reqid", pol->reqid);
		cg_out_str(out, "mode", cg_mode_name(pol->mode));
		out_addr(out, "tmpl_src", &pol->tmpl_src);
		out_addr(out, "tmpl_dst", &pol->tmpl_dst);
	}
	cg_out_obj_end(out);
}

static int ctl_dump(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	struct kmem *km = ctx;

	pthread_mutex_lock(&km->lock);
	cg_out_arr_begin(out, "sas");
	for (size_t i = 0; i < km->n_sas; i++)
		dump_sa(out, &km->sas[i]);
	cg_out_arr_end(out);
	cg_out_arr_begin(out, "policies");
	for (size_t i = 0; i < km->n_pols; i++)
		dump_policy(out, &km->pols[i]);
	cg_out_arr_end(out);
	pthread_mutex_unlock(&km->lock);
	return 0;
}

static bool parse_u32(const char *s, int base, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || end == s || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_dir(const char *s, enum cg_dir *dir)
{
	for (int d = CG_DIR_IN; d <= CG_DIR_FWD; d++) {
		if (!strcmp(s, cg_dir_name(d))) {
			*dir = d;
			return true;
		}
	}
	return false;
}

/* kmem-packet DIR SRC DST [PROTO [SPORT [DPORT]]] */
static int ctl_packet(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	struct kmem *km = ctx;
	struct cg_kernel_acquire acq = { 0 };
	struct cg_addr src, dst;
	struct kmem_policy *p;
	uint32_t proto = 0, sport = 0, dport = 0;
	enum cg_dir dir;
	bool acquire = false;

	if (argc < 4 || !parse_dir(argv[1], &dir) || cg_addr_parse(argv[2], &src) ||
	    cg_addr_parse(argv[3], &dst) ||
	    (argc > 4 && (cg_proto_from_name(argv[4]) < 0)) ||
	    (argc > 5 && (!parse_u32(argv[5], 0, &sport) || sport > 0xffff)) ||
	    (argc > 6 && (!parse_u32(argv[6], 0, &dport) || dport > 0xffff))) {
		cg_out_error(out, "usage: kmem-packet in|out|fwd SRC DST [PROTO [SPORT [DPORT]]]");
		return -EINVAL;
	}
	if (argc > 4)
		proto = (uint32_t)cg_proto_from_name(argv[4]);
	pthread_mutex_lock(&km->lock);
	p = kmem_lookup(km, dir, &src, &dst, (uint8_t)proto, (uint16_t)sport, (uint16_t)dport);
	if (!p) {
		cg_out_str(out, "verdict", "no-policy");
	} else {
		/* As XFRM resolves a template: a transport SA goes to the packet's destination. */
		const struct cg_addr *sa_dst = p->pol.mode == CG_MODE_TUNNEL ? &p->pol.tmpl_dst : &dst;

		dump_policy(out, p);
		if (p->pol.action == CG_POLICY_BYPASS)
			cg_out_str(out, "verdict", "bypass");
		else if (p->pol.action == CG_POLICY_DROP)
			cg_out_str(out, "verdict", "drop");
		else if (dir == CG_DIR_OUT && !kmem_has_sa(km, p->pol.reqid, sa_dst))
			acquire = true;
		else
			cg_out_str(out, "verdict", "protect");
		if (acquire) {
			cg_out_str(out, "verdict", "acquire");
			acq.reqid = p->pol.reqid;
			acq.proto = p->pol.proto;
			acq.src = cg_ts_from_host(&src);
			acq.dst = cg_ts_from_host(&dst);
			acq.src.proto = acq.dst.proto = (uint8_t)proto;
			acq.src.from_port = acq.src.to_port = (uint16_t)sport;
			acq.dst.from_port = acq.dst.to_port = (uint16_t)dport;
			acq.policy_src = p->pol.id.src;
			acq.policy_dst = p->pol.id.dst;
			acq.tmpl_src = p->pol.tmpl_src;
			acq.tmpl_dst = p->pol.tmpl_dst;
		}
	}
	pthread_mutex_unlock(&km->lock);
	if (acquire)
		cg_kernel_raise_acquire(km->k, &acq);
	return 0;
}

/* kmem-expire SPI soft|hard */
static int ctl_expire(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	struct kmem *km = ctx;
	struct cg_kernel_expire ev = { 0 };
	struct kmem_sa *s;
	uint32_t spi;

	if (argc != 3 || !parse_u32(argv[1], 16, &spi) ||
	    (strcmp(argv[2], "soft") && strcmp(argv[2], "hard"))) {
		cg_out_error(out, "usage: kmem-expire SPI(hex) soft|hard");
		return -EINVAL;
	}
	ev.hard = !strcmp(argv[2], "hard");
	pthread_mutex_lock(&km->lock);
	s = kmem_find_sa_spi(km, spi);
	if (s) {
		ev.id = s->sa.id;
		ev.reqid = s->sa.reqid;
		if (ev.hard)
			*s = km->sas[--km->n_sas];
	}
	pthread_mutex_unlock(&km->lock);
	if (!s) {
		cg_out_error(out, "no SA with SPI %08x", spi);
		return -ENOENT;
	}
	cg_kernel_raise_expire(km->k, &ev);
	cg_out_str(out, "expired", argv[2]);
	return 0;
}

/*
 * kmem-mapping SPI NEW_SRC PORT: ESP-in-UDP of an inbound SA came from a
 * new address and port (a NAT's new mapping), as the kernel reports it.
 */
static int ctl_mapping(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	struct kmem *km = ctx;
	struct cg_kernel_mapping ev = { 0 };
	struct kmem_sa *s = NULL;
	uint32_t spi, port;

	(void)core;
	if (argc != 4 || !parse_u32(argv[1], 16, &spi) || cg_addr_parse(argv[2], &ev.new_src) ||
	    !parse_u32(argv[3], 10, &port) || port > 65535) {
		cg_out_error(out, "usage: kmem-mapping SPI(hex) NEW_SRC PORT");
		return -EINVAL;
	}
	ev.new_src.port = (uint16_t)port;
	pthread_mutex_lock(&km->lock);
	s = kmem_find_sa_spi(km, spi);
	if (s && s->sa.inbound && (s->sa.encap_sport || s->sa.encap_dport)) {
		ev.id = s->sa.id;
		ev.reqid = s->sa.reqid;
		ev.old_src = s->sa.id.src;
		ev.old_src.port = s->sa.encap_sport;
	} else {
		s = NULL;
	}
	pthread_mutex_unlock(&km->lock);
	if (!s) {
		cg_out_error(out, "no inbound UDP-encapsulated SA with SPI %08x", spi);
		return -ENOENT;
	}
	cg_kernel_raise_mapping(km->k, &ev);
	return 0;
}

/* kmem-migrate SRC_TS DST_TS DIR OLD_SRC OLD_DST NEW_SRC NEW_DST REQID [KM_LOCAL KM_REMOTE] */
static int ctl_migrate(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	struct kmem *km = ctx;
	struct cg_kernel_migrate ev = { .n_entries = 1 };
	struct cg_kernel_migrate_entry *e = &ev.entries[0];
	const char *err = NULL;

	if ((argc != 9 && argc != 11) || cg_ts_parse(argv[1], &ev.policy.src, &err) ||
	    cg_ts_parse(argv[2], &ev.policy.dst, &err) || !parse_dir(argv[3], &ev.policy.dir) ||
	    cg_addr_parse(argv[4], &e->old_src) || cg_addr_parse(argv[5], &e->old_dst) ||
	    cg_addr_parse(argv[6], &e->new_src) || cg_addr_parse(argv[7], &e->new_dst) ||
	    !parse_u32(argv[8], 10, &e->reqid) ||
	    (argc == 11 && (cg_addr_parse(argv[9], &ev.km_local) ||
			    cg_addr_parse(argv[10], &ev.km_remote)))) {
		cg_out_error(out, "usage: kmem-migrate SRC_TS DST_TS DIR OLD_SRC OLD_DST NEW_SRC "
			     "NEW_DST REQID [KM_LOCAL KM_REMOTE]");
		return -EINVAL;
	}
	e->proto = IPPROTO_ESP;
	e->mode = CG_MODE_TUNNEL;
	ev.has_kmaddress = argc == 11;
	pthread_mutex_lock(&km->lock);
	/* The kernel moves matching SAs itself before it tells the key manager. */
	for (size_t i = 0; i < km->n_sas; i++) {
		struct cg_kernel_sa *sa = &km->sas[i].sa;

		if (e->reqid && sa->reqid != e->reqid) /* reqid 0: by addresses, as the kernel does */
			continue;
		if (cg_addr_equal(&sa->id.src, &e->old_src) && cg_addr_equal(&sa->id.dst, &e->old_dst)) {
			sa->id.src = e->new_src;
			sa->id.dst = e->new_dst;
			e->mode = sa->mode;
		} else if (cg_addr_equal(&sa->id.src, &e->old_dst) &&
			   cg_addr_equal(&sa->id.dst, &e->old_src)) {
			sa->id.src = e->new_dst;
			sa->id.dst = e->new_src;
			e->mode = sa->mode;
		}
	}
	pthread_mutex_unlock(&km->lock);
	cg_kernel_raise_migrate(km->k, &ev);
	cg_out_bool(out, "kmaddress", ev.has_kmaddress);
	return 0;
}

/* kmem-policy SRC_TS DST_TS DIR REQID */
static int ctl_policy(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	struct cg_kernel_policy pol = {
		.action = CG_POLICY_PROTECT, .priority = 2000, .proto = IPPROTO_ESP,
		.mode = CG_MODE_TRANSPORT,
	};
	const char *err = NULL;
	int ret;

	if (argc != 5 || cg_ts_parse(argv[1], &pol.id.src, &err) ||
	    cg_ts_parse(argv[2], &pol.id.dst, &err) || !parse_dir(argv[3], &pol.id.dir) ||
	    !parse_u32(argv[4], 10, &pol.reqid)) {
		cg_out_error(out, "usage: kmem-policy SRC_TS DST_TS DIR REQID");
		return -EINVAL;
	}
	pol.tmpl_src = pol.tmpl_dst = cg_addr_any(pol.id.src.family);
	ret = kmem_add_foreign_policy(ctx, &pol);
	if (ret)
		cg_out_error(out, "%s", strerror(-ret));
	return ret;
}

/* kmem-traffic SPI BYTES [PACKETS] */
static int ctl_traffic(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	struct kmem *km = ctx;
	uint32_t spi, bytes, packets = 1;
	struct kmem_sa *s;

	if (argc < 3 || !parse_u32(argv[1], 16, &spi) || !parse_u32(argv[2], 10, &bytes) ||
	    (argc > 3 && !parse_u32(argv[3], 10, &packets))) {
		cg_out_error(out, "usage: kmem-traffic SPI(hex) BYTES [PACKETS]");
		return -EINVAL;
	}
	pthread_mutex_lock(&km->lock);
	s = kmem_find_sa_spi(km, spi);
	if (s) {
		s->stats.bytes += bytes;
		s->stats.packets += packets;
		s->stats.use_time = (uint64_t)time(NULL);
	}
	pthread_mutex_unlock(&km->lock);
	if (!s) {
		cg_out_error(out, "no SA with SPI %08x", spi);
		return -ENOENT;
	}
	return 0;
}

/* kmem-fail OP ERRNO [COUNT [AFTER]] */
static int ctl_fail(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	struct kmem *km = ctx;
	uint32_t err = 0, count = 1, after = 0;
	int op = -1;

	for (int i = 0; argc > 1 && i < KMEM_OP_COUNT; i++)
		if (!strcmp(argv[1], kmem_op_name(i)))
			op = i;
	if (argc < 3 || op < 0 || !parse_u32(argv[2], 10, &err) || !err ||
	    (argc > 3 && !parse_u32(argv[3], 10, &count)) ||
	    (argc > 4 && !parse_u32(argv[4], 10, &after))) {
		cg_out_error(out, "usage: kmem-fail get_spi|add_sa|update_sa|del_sa|add_policy|"
			     "del_policy|move ERRNO [COUNT [AFTER]]");
		return -EINVAL;
	}
	pthread_mutex_lock(&km->lock);
	km->faults[op] = (struct kmem_fault){ .err = -(int)err, .count = count, .skip = after };
	pthread_mutex_unlock(&km->lock);
	return 0;
}

/* kmem-flush-policies [quiet]: quiet is a flush the backend is never told of. */
static int ctl_flush(void *ctx, struct cg_core *core, int argc, char **argv, struct cg_out *out)
{
	bool quiet = argc == 2 && !strcmp(argv[1], "quiet");

	if (argc > 2 || (argc == 2 && !quiet)) {
		cg_out_error(out, "usage: kmem-flush-policies [quiet]");
		return -EINVAL;
	}
	kmem_flush_policies(ctx, !quiet);
	return 0;
}

static const struct {
	const char *name;
	const char *usage;
	cg_ctl_fn fn;
} commands[] = {
	{ "kmem-dump", "kmem-dump: SAs and policies of the in-memory kernel", ctl_dump },
	{ "kmem-packet", "kmem-packet DIR SRC DST [PROTO [SPORT [DPORT]]]: which policy a packet "
	  "meets (an unkeyed protect policy raises an acquire)", ctl_packet },
	{ "kmem-expire", "kmem-expire SPI soft|hard: raise an expire", ctl_expire },
	{ "kmem-migrate", "kmem-migrate SRC_TS DST_TS DIR OLD_SRC OLD_DST NEW_SRC NEW_DST REQID "
	  "[KM_LOCAL KM_REMOTE]: move SAs and raise a migrate", ctl_migrate },
	{ "kmem-policy", "kmem-policy SRC_TS DST_TS DIR REQID: add a transport ESP policy as another "
	  "daemon would (the core has no record of it)", ctl_policy },
	{ "kmem-traffic", "kmem-traffic SPI BYTES [PACKETS]: count traffic on an SA", ctl_traffic },
	{ "kmem-mapping", "kmem-mapping SPI NEW_SRC PORT: ESP-in-UDP of an inbound SA came from a "
	  "new NAT mapping (raise a mapping event)", ctl_mapping },
	{ "kmem-fail", "kmem-fail OP ERRNO [COUNT [AFTER]]: after AFTER successes, make COUNT calls of OP fail", ctl_fail },
	{ "kmem-flush-policies", "kmem-flush-policies [quiet]: remove every policy (quiet: raise no event)", ctl_flush },
};

int kmem_ctl_register(struct kmem *km)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(commands); i++) {
		int err = cg_control_register(km->core, commands[i].name, commands[i].usage,
					      commands[i].fn, km);

		if (err) {
			while (i-- > 0)
				cg_control_unregister(km->core, commands[i].name);
			return err;
		}
	}
	return 0;
}

void kmem_ctl_unregister(struct kmem *km)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(commands); i++)
		cg_control_unregister(km->core, commands[i].name);
}
