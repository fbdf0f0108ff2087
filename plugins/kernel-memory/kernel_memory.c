/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kernel-memory: the smallest kernel backend. It keeps SAs and policies in
 * memory with the semantics of the Linux kernel (EEXIST, ENOENT, larval SAs
 * from get_spi, priority order) and raises events when its control
 * commands ask for them. Exchange tests run on it; plugin authors read it
 * as the worked example of struct cg_kernel_ops.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmem.h"

static struct kmem *km_of(struct cg_kernel *k)
{
	return cg_kernel_priv(k);
}

/* Consumes one injected fault for op; 0 when none is pending. */
static int kmem_fault(struct kmem *km, enum kmem_op op)
{
	struct kmem_fault *f = &km->faults[op];

	if (!f->count)
		return 0;
	if (f->skip) {
		f->skip--;
		return 0;
	}
	f->count--;
	return f->err;
}

static bool sa_id_equal(const struct cg_kernel_sa_id *a, const struct cg_kernel_sa_id *b)
{
	/* The kernel identifies an SA by destination, SPI and protocol. */
	return a->spi == b->spi && a->proto == b->proto && cg_addr_equal(&a->dst, &b->dst);
}

static struct kmem_sa *find_sa(struct kmem *km, const struct cg_kernel_sa_id *id)
{
	for (size_t i = 0; i < km->n_sas; i++)
		if (sa_id_equal(&km->sas[i].sa.id, id))
			return &km->sas[i];
	return NULL;
}

struct kmem_sa *kmem_find_sa_spi(struct kmem *km, uint32_t spi)
{
	for (size_t i = 0; i < km->n_sas; i++)
		if (km->sas[i].sa.id.spi == spi)
			return &km->sas[i];
	return NULL;
}

static bool policy_id_equal(const struct cg_kernel_policy_id *a,
			    const struct cg_kernel_policy_id *b)
{
	return a->dir == b->dir && cg_ts_equal(&a->src, &b->src) && cg_ts_equal(&a->dst, &b->dst);
}

static struct kmem_policy *find_policy(struct kmem *km, const struct cg_kernel_policy_id *id)
{
	for (size_t i = 0; i < km->n_pols; i++)
		if (policy_id_equal(&km->pols[i].pol.id, id))
			return &km->pols[i];
	return NULL;
}

/* Copies sa into slot, with its keys in the slot's own buffers. */
static int sa_store(struct kmem_sa *slot, const struct cg_kernel_sa *sa)
{
	if (sa->encr_key.len > sizeof(slot->key_buf[0]) ||
	    sa->integ_key.len > sizeof(slot->key_buf[1]))
		return -EINVAL;
	slot->sa = *sa;
	if (sa->encr_key.len)
		memcpy(slot->key_buf[0], sa->encr_key.ptr, sa->encr_key.len);
	if (sa->integ_key.len)
		memcpy(slot->key_buf[1], sa->integ_key.ptr, sa->integ_key.len);
	slot->sa.encr_key = CG_CHUNK(slot->key_buf[0], sa->encr_key.len);
	slot->sa.integ_key = CG_CHUNK(slot->key_buf[1], sa->integ_key.len);
	slot->larval = false;
	slot->stats.add_time = (uint64_t)time(NULL);
	return 0;
}

/* An SA's keys point into its own slot: again after the slot moved. */
static void sa_keys_repoint(struct kmem_sa *s)
{
	s->sa.encr_key.ptr = s->key_buf[0];
	s->sa.integ_key.ptr = s->key_buf[1];
}

static struct kmem_sa *sa_append(struct kmem *km)
{
	if (km->n_sas == km->cap_sas) {
		size_t cap = km->cap_sas ? km->cap_sas * 2 : 16;
		struct kmem_sa *grown = realloc(km->sas, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		km->sas = grown;
		km->cap_sas = cap;
		for (size_t i = 0; i < km->n_sas; i++)
			sa_keys_repoint(&km->sas[i]);
	}
	memset(&km->sas[km->n_sas], 0, sizeof(km->sas[0]));
	return &km->sas[km->n_sas++];
}

static void sa_remove(struct kmem *km, struct kmem_sa *s)
{
	cg_memwipe(s->key_buf, sizeof(s->key_buf));
	*s = km->sas[--km->n_sas];
	sa_keys_repoint(s);
}

static int mem_get_spi(struct cg_kernel *k, const struct cg_addr *src, const struct cg_addr *dst,
		       uint8_t proto, uint32_t reqid, uint32_t *spi)
{
	struct kmem *km = km_of(k);
	struct kmem_sa *s;
	int err;

	pthread_mutex_lock(&km->lock);
	err = kmem_fault(km, KMEM_OP_GET_SPI);
	if (err)
		goto out;
	do {
		/* SPIs below 256 are reserved (RFC 4303). */
		km->next_spi = km->next_spi < 0x100 ? 0xc0000100 : km->next_spi + 1;
	} while (kmem_find_sa_spi(km, km->next_spi));
	s = sa_append(km);
	if (!s) {
		err = -ENOMEM;
		goto out;
	}
	s->sa.id = (struct cg_kernel_sa_id){ .src = *src, .dst = *dst, .spi = km->next_spi,
					     .proto = proto };
	s->sa.reqid = reqid;
	s->sa.inbound = true;
	s->larval = true;
	*spi = km->next_spi;
out:
	pthread_mutex_unlock(&km->lock);
	return err;
}

static int mem_add_sa(struct cg_kernel *k, const struct cg_kernel_sa *sa)
{
	struct kmem *km = km_of(k);
	struct kmem_sa *s;
	int err;

	pthread_mutex_lock(&km->lock);
	err = kmem_fault(km, KMEM_OP_ADD_SA);
	if (err)
		goto out;
	if (find_sa(km, &sa->id)) {
		err = -EEXIST;
		goto out;
	}
	s = sa_append(km);
	err = s ? sa_store(s, sa) : -ENOMEM;
	if (err && s)
		km->n_sas--;
out:
	pthread_mutex_unlock(&km->lock);
	return err;
}

static int mem_update_sa(struct cg_kernel *k, const struct cg_kernel_sa *sa)
{
	struct kmem *km = km_of(k);
	struct kmem_sa *s;
	int err;

	pthread_mutex_lock(&km->lock);
	err = kmem_fault(km, KMEM_OP_UPDATE_SA);
	if (err)
		goto out;
	s = find_sa(km, &sa->id);
	err = s ? sa_store(s, sa) : -ENOENT;
out:
	pthread_mutex_unlock(&km->lock);
	return err;
}

static int mem_del_sa(struct cg_kernel *k, const struct cg_kernel_sa_id *id)
{
	struct kmem *km = km_of(k);
	struct kmem_sa *s;
	int err;

	pthread_mutex_lock(&km->lock);
	err = kmem_fault(km, KMEM_OP_DEL_SA);
	if (err)
		goto out;
	s = find_sa(km, id);
	if (s)
		sa_remove(km, s);
	else
		err = -ENOENT;
out:
	pthread_mutex_unlock(&km->lock);
	return err;
}

static int mem_query_sa(struct cg_kernel *k, const struct cg_kernel_sa_id *id,
			struct cg_kernel_sa_stats *stats)
{
	struct kmem *km = km_of(k);
	struct kmem_sa *s;

	pthread_mutex_lock(&km->lock);
	s = find_sa(km, id);
	if (s)
		*stats = s->stats;
	pthread_mutex_unlock(&km->lock);
	return s ? 0 : -ENOENT;
}

static int mem_add_policy(struct cg_kernel *k, const struct cg_kernel_policy *pol, bool replace)
{
	struct kmem *km = km_of(k);
	struct kmem_policy *p;
	int err;

	pthread_mutex_lock(&km->lock);
	err = kmem_fault(km, KMEM_OP_ADD_POLICY);
	if (err)
		goto out;
	p = find_policy(km, &pol->id);
	if (p && !replace) {
		err = -EEXIST;
		goto out;
	}
	if (!p) {
		if (km->n_pols == km->cap_pols) {
			size_t cap = km->cap_pols ? km->cap_pols * 2 : 16;
			struct kmem_policy *grown = realloc(km->pols, cap * sizeof(*grown));

			if (!grown) {
				err = -ENOMEM;
				goto out;
			}
			km->pols = grown;
			km->cap_pols = cap;
		}
		p = &km->pols[km->n_pols++];
		memset(p, 0, sizeof(*p));
		p->stats.add_time = (uint64_t)time(NULL);
		/* XFRM numbers policies by direction in the low bits. */
		p->stats.index = (++km->next_index << 3) | pol->id.dir;
	}
	p->pol = *pol;
	p->stats.priority = pol->priority;
out:
	pthread_mutex_unlock(&km->lock);
	return err;
}

static int mem_del_policy(struct cg_kernel *k, const struct cg_kernel_policy_id *id)
{
	struct kmem *km = km_of(k);
	struct kmem_policy *p;
	int err;

	pthread_mutex_lock(&km->lock);
	err = kmem_fault(km, KMEM_OP_DEL_POLICY);
	if (err)
		goto out;
	p = find_policy(km, id);
	if (p)
		*p = km->pols[--km->n_pols];
	else
		err = -ENOENT;
out:
	pthread_mutex_unlock(&km->lock);
	return err;
}

static int mem_query_policy(struct cg_kernel *k, const struct cg_kernel_policy_id *id,
			    struct cg_kernel_policy_stats *stats)
{
	struct kmem *km = km_of(k);
	struct kmem_policy *p;

	pthread_mutex_lock(&km->lock);
	p = find_policy(km, id);
	if (p)
		*stats = p->stats;
	pthread_mutex_unlock(&km->lock);
	return p ? 0 : -ENOENT;
}

static int mem_bypass_socket(struct cg_kernel *k, int fd, sa_family_t family)
{
	/* There is no packet path here: sockets are never caught. */
	return 0;
}

/* Address a lies within [from, to] of the same family. */
static bool addr_in_range(const struct cg_addr *a, const struct cg_addr *from,
			  const struct cg_addr *to)
{
	size_t len = cg_addr_len(from);

	return a->family == from->family && memcmp(a->u.bytes, from->u.bytes, len) >= 0 &&
	       memcmp(a->u.bytes, to->u.bytes, len) <= 0;
}

static bool ts_matches(const struct cg_ts *ts, const struct cg_addr *a, uint8_t proto,
		       uint16_t port)
{
	return addr_in_range(a, &ts->from, &ts->to) &&
	       (ts->proto == CG_PROTO_ANY || ts->proto == proto) &&
	       port >= ts->from_port && port <= ts->to_port;
}

struct kmem_policy *kmem_lookup(struct kmem *km, enum cg_dir dir, const struct cg_addr *src,
				const struct cg_addr *dst, uint8_t proto, uint16_t sport,
				uint16_t dport)
{
	struct kmem_policy *best = NULL;

	for (size_t i = 0; i < km->n_pols; i++) {
		struct kmem_policy *p = &km->pols[i];

		if (p->pol.id.dir != dir || !ts_matches(&p->pol.id.src, src, proto, sport) ||
		    !ts_matches(&p->pol.id.dst, dst, proto, dport))
			continue;
		/* Lowest priority value wins; the older policy on a tie, as in XFRM. */
		if (!best || p->pol.priority < best->pol.priority ||
		    (p->pol.priority == best->pol.priority && p->stats.index < best->stats.index))
			best = p;
	}
	return best;
}

int kmem_add_foreign_policy(struct kmem *km, const struct cg_kernel_policy *pol)
{
	return mem_add_policy(km->k, pol, false);
}

bool kmem_has_sa(struct kmem *km, uint32_t reqid, const struct cg_addr *dst)
{
	for (size_t i = 0; i < km->n_sas; i++)
		if (km->sas[i].sa.reqid == reqid && !km->sas[i].larval &&
		    !km->sas[i].sa.inbound && cg_addr_equal(&km->sas[i].sa.id.dst, dst))
			return true;
	return false;
}

void kmem_flush_policies(struct kmem *km, bool report)
{
	struct cg_kernel_policy_gone ev = { .flush = true };

	pthread_mutex_lock(&km->lock);
	km->n_pols = 0;
	pthread_mutex_unlock(&km->lock);
	if (report)
		cg_kernel_raise_policy_gone(km->k, &ev);
}

const char *kmem_op_name(enum kmem_op op)
{
	static const char *const names[KMEM_OP_COUNT] = {
		[KMEM_OP_GET_SPI] = "get_spi", [KMEM_OP_ADD_SA] = "add_sa",
		[KMEM_OP_UPDATE_SA] = "update_sa", [KMEM_OP_DEL_SA] = "del_sa",
		[KMEM_OP_ADD_POLICY] = "add_policy", [KMEM_OP_DEL_POLICY] = "del_policy",
		[KMEM_OP_MOVE] = "move",
	};

	return (unsigned)op < KMEM_OP_COUNT ? names[op] : NULL;
}

/* The SA of a move in one direction, where it is now. */
static struct kmem_sa *move_find_sa(struct kmem *km, const struct cg_kernel_move *mv, bool inbound)
{
	struct cg_kernel_sa_id id = {
		.src = inbound ? mv->old_remote : mv->old_local,
		.dst = inbound ? mv->old_local : mv->old_remote,
		.spi = inbound ? mv->spi_in : mv->spi_out,
		.proto = mv->proto,
	};

	return id.spi ? find_sa(km, &id) : NULL;
}

static void move_sa(struct kmem_sa *s, const struct cg_kernel_move *mv)
{
	bool in = s->sa.inbound;
	uint16_t l = mv->encap_local_port, r = mv->encap_remote_port;

	s->sa.id.src = in ? mv->remote : mv->local;
	s->sa.id.dst = in ? mv->local : mv->remote;
	s->sa.id.src.port = s->sa.id.dst.port = 0;
	s->sa.encap_sport = in ? r : l;
	s->sa.encap_dport = in ? l : r;
}

/*
 * As XFRM's MIGRATE of each policy: every policy must exist, the SAs move
 * with their SPIs and keys, the templates follow. All or nothing.
 */
static int mem_move(struct cg_kernel *k, const struct cg_kernel_move *mv)
{
	struct kmem *km = km_of(k);
	struct kmem_sa *sa[2];
	int err;

	pthread_mutex_lock(&km->lock);
	err = kmem_fault(km, KMEM_OP_MOVE);
	for (size_t i = 0; !err && i < mv->n_policies; i++)
		if (!find_policy(km, &mv->policies[i].id))
			err = -ENOENT;
	if (err)
		goto out;
	sa[0] = move_find_sa(km, mv, true);
	sa[1] = move_find_sa(km, mv, false);
	if ((mv->spi_in && !sa[0]) || (mv->spi_out && !sa[1])) {
		err = -ENOENT;
		goto out;
	}
	for (int i = 0; i < 2; i++)
		if (sa[i])
			move_sa(sa[i], mv);
	for (size_t i = 0; i < mv->n_policies; i++)
		find_policy(km, &mv->policies[i].id)->pol = mv->policies[i];
out:
	pthread_mutex_unlock(&km->lock);
	return err;
}

static const struct cg_kernel_ops mem_ops = {
	.name = "kernel-memory",
	.get_spi = mem_get_spi,
	.add_sa = mem_add_sa,
	.update_sa = mem_update_sa,
	.del_sa = mem_del_sa,
	.query_sa = mem_query_sa,
	.add_policy = mem_add_policy,
	.del_policy = mem_del_policy,
	.query_policy = mem_query_policy,
	.bypass_socket = mem_bypass_socket,
	.move = mem_move,
};

static void mem_destroy(void *state)
{
	struct kmem *km = state;

	if (!km)
		return;
	kmem_ctl_unregister(km);
	/* Unregistering removes whatever cygnetd still has installed. */
	cg_kernel_unregister(km->k);
	for (size_t i = 0; i < km->n_sas; i++)
		cg_memwipe(km->sas[i].key_buf, sizeof(km->sas[i].key_buf));
	free(km->sas);
	free(km->pols);
	pthread_mutex_destroy(&km->lock);
	free(km);
}

static int mem_init(struct cg_core *core, void **state)
{
	struct kmem *km = calloc(1, sizeof(*km));
	int err;

	if (!km)
		return -ENOMEM;
	km->core = core;
	pthread_mutex_init(&km->lock, NULL);
	err = cg_kernel_register(core, &mem_ops, km, &km->k);
	if (err)
		goto err_free;
	err = kmem_ctl_register(km);
	if (err)
		goto err_unregister;
	*state = km;
	return 0;

err_unregister:
	cg_kernel_unregister(km->k);
err_free:
	pthread_mutex_destroy(&km->lock);
	free(km);
	return err;
}

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "kernel-memory",
	.provides = (const char *const[]){ "kernel", NULL },
	.init = mem_init,
	.destroy = mem_destroy,
};
