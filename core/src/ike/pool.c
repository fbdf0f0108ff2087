/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Virtual IP pools. Each pool keeps its leases by offset from the first
 * address; a peer identity that had an address gets it back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

struct lease {
	uint64_t offset;
	char *peer;   /* identity text */
	bool online;
};

struct pool {
	char *name;
	struct cg_addr first;
	uint64_t size;
	struct lease *leases;
	size_t n_leases;
	struct pool *next;
};

struct cg_pools {
	pthread_mutex_t lock;
	struct pool *list;
};

int cg_pools_init(struct cg_core *core)
{
	struct cg_pools *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	core->pools = p;
	return 0;
}

void cg_pools_fini(struct cg_core *core)
{
	struct cg_pools *p = core->pools;

	if (!p)
		return;
	while (p->list) {
		struct pool *pl = p->list;

		p->list = pl->next;
		for (size_t i = 0; i < pl->n_leases; i++)
			free(pl->leases[i].peer);
		free(pl->leases);
		free(pl->name);
		free(pl);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
	core->pools = NULL;
}

/* Offset of a from b in the low 64 bits (the pools are at most 2^64 wide). */
static bool addr_offset(const struct cg_addr *base, const struct cg_addr *a, uint64_t *off)
{
	size_t len = cg_addr_len(base);
	uint64_t x = 0, y = 0;

	if (a->family != base->family)
		return false;
	for (size_t i = 0; i + 8 < len; i++)
		if (a->u.bytes[i] != base->u.bytes[i])
			return false;
	for (size_t i = len > 8 ? len - 8 : 0; i < len; i++) {
		x = x << 8 | base->u.bytes[i];
		y = y << 8 | a->u.bytes[i];
	}
	if (y < x)
		return false;
	*off = y - x;
	return true;
}

static struct cg_addr addr_plus(const struct cg_addr *base, uint64_t off)
{
	struct cg_addr a = *base;
	size_t len = cg_addr_len(base);

	for (size_t i = len; i-- > 0 && off;) {
		unsigned sum = a.u.bytes[i] + (unsigned)(off & 0xff);

		a.u.bytes[i] = (uint8_t)sum;
		off = (off >> 8) + (sum >> 8);
	}
	return a;
}

/* The pool's state, created from its config on first use. Lock held. */
static struct pool *pool_get(struct cg_core *core, const struct cg_pool_cfg *pc)
{
	struct cg_pools *p = core->pools;
	struct pool *pl;
	uint64_t last;

	for (pl = p->list; pl; pl = pl->next)
		if (!strcmp(pl->name, pc->name) && cg_addr_equal(&pl->first, &pc->first))
			return pl;
	if (!addr_offset(&pc->first, &pc->last, &last))
		return NULL;
	pl = calloc(1, sizeof(*pl));
	if (!pl)
		return NULL;
	pl->name = cg_strdup(pc->name);
	pl->first = pc->first;
	pl->size = last + 1;
	pl->next = p->list;
	p->list = pl;
	return pl;
}

static struct lease *lease_at(struct pool *pl, uint64_t off)
{
	for (size_t i = 0; i < pl->n_leases; i++)
		if (pl->leases[i].offset == off)
			return &pl->leases[i];
	return NULL;
}

static struct lease *lease_new(struct pool *pl, uint64_t off, const char *peer)
{
	struct lease *grown = realloc(pl->leases, (pl->n_leases + 1) * sizeof(*grown));

	if (!grown)
		return NULL;
	pl->leases = grown;
	grown[pl->n_leases] = (struct lease){ .offset = off, .peer = cg_strdup(peer) };
	return &pl->leases[pl->n_leases++];
}

static int pool_lease(struct pool *pl, const char *peer, const struct cg_addr *requested,
		      struct cg_addr *out)
{
	struct lease *l = NULL;
	uint64_t off;

	/* The same identity gets its old address back. */
	for (size_t i = 0; i < pl->n_leases && !l; i++)
		if (pl->leases[i].peer && !strcmp(pl->leases[i].peer, peer))
			l = &pl->leases[i];
	if (!l && requested && !cg_addr_is_any(requested) &&
	    addr_offset(&pl->first, requested, &off) && off < pl->size) {
		l = lease_at(pl, off);
		if (l && l->online)
			l = NULL;
		else if (!l)
			l = lease_new(pl, off, peer);
	}
	/* Then a never-used address, then the oldest offline one. */
	for (off = 0; !l && off < pl->size && pl->n_leases < pl->size; off++)
		if (!lease_at(pl, off))
			l = lease_new(pl, off, peer);
	for (size_t i = 0; i < pl->n_leases && !l; i++)
		if (!pl->leases[i].online)
			l = &pl->leases[i];
	if (!l)
		return -ENOSPC;
	if (!l->peer || strcmp(l->peer, peer)) {
		free(l->peer);
		l->peer = cg_strdup(peer);
	}
	l->online = true;
	*out = addr_plus(&pl->first, l->offset);
	return 0;
}

CG_EXPORT int cg_pool_acquire(struct cg_core *core, const char *name, const struct cg_id *peer,
			      const struct cg_addr *requested, struct cg_addr *out)
{
	struct cg_config *cfg = cg_core_config(core);
	const struct cg_pool_cfg *pc = cfg ? cg_config_pool(cfg, name) : NULL;
	char id[CG_ID_STRLEN];
	struct pool *pl;
	int err = -ENOENT;

	if (!pc)
		goto out;
	err = -EAFNOSUPPORT;
	if (requested && requested->family != AF_UNSPEC && requested->family != pc->first.family)
		goto out;
	cg_id_str(peer, id, sizeof(id));
	pthread_mutex_lock(&core->pools->lock);
	pl = pool_get(core, pc);
	err = pl ? pool_lease(pl, id, requested, out) : -ENOMEM;
	pthread_mutex_unlock(&core->pools->lock);
out:
	cg_config_unref(cfg);
	return err;
}

CG_EXPORT void cg_pool_release(struct cg_core *core, const char *name, const struct cg_addr *addr)
{
	struct cg_pools *p = core->pools;

	pthread_mutex_lock(&p->lock);
	for (struct pool *pl = p->list; pl; pl = pl->next) {
		struct lease *l;
		uint64_t off;

		if (strcmp(pl->name, name) || !addr_offset(&pl->first, addr, &off))
			continue;
		l = lease_at(pl, off);
		if (l)
			l->online = false;
	}
	pthread_mutex_unlock(&p->lock);
}

CG_EXPORT size_t cg_pool_online(struct cg_core *core, const char *name)
{
	struct cg_pools *p = core->pools;
	size_t n = 0;

	pthread_mutex_lock(&p->lock);
	for (struct pool *pl = p->list; pl; pl = pl->next)
		if (!strcmp(pl->name, name))
			for (size_t i = 0; i < pl->n_leases; i++)
				n += pl->leases[i].online;
	pthread_mutex_unlock(&p->lock);
	return n;
}
