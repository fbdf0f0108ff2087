/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crypto registry. Plugins register their algorithm descriptors while
 * they start; jobs look them up concurrently afterwards, so the tables sit
 * behind a read-write lock. Descriptors are borrowed: a plugin unregisters
 * them before its code goes away.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

enum alg_kind {
	KIND_ENCR,
	KIND_INTEG,
	KIND_PRF,
	KIND_KE,
	KIND_RNG,
};

struct entry {
	enum alg_kind kind;
	uint16_t id;     /* IANA transform ID (0 for RNGs) */
	uint16_t keylen; /* bits, encryption only */
	const void *alg; /* the plugin's descriptor */
};

struct cg_crypto {
	pthread_rwlock_t lock;
	struct entry *entries; /* in registration order */
	size_t n, cap;
};

int cg_crypto_init(struct cg_core *core)
{
	struct cg_crypto *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	pthread_rwlock_init(&c->lock, NULL);
	core->crypto = c;
	return 0;
}

void cg_crypto_fini(struct cg_core *core)
{
	struct cg_crypto *c = core->crypto;

	if (!c)
		return;
	free(c->entries);
	pthread_rwlock_destroy(&c->lock);
	free(c);
	core->crypto = NULL;
}

static const char *kind_name(enum alg_kind kind)
{
	static const char *const names[] = {
		[KIND_ENCR] = "encryption", [KIND_INTEG] = "integrity", [KIND_PRF] = "PRF",
		[KIND_KE] = "key exchange", [KIND_RNG] = "RNG",
	};

	return names[kind];
}

/* Lock held. */
static struct entry *find_exact(struct cg_crypto *c, enum alg_kind kind, uint16_t id,
				uint16_t keylen)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->entries[i].kind == kind && c->entries[i].id == id &&
		    c->entries[i].keylen == keylen)
			return &c->entries[i];
	return NULL;
}

static int add_entry(struct cg_core *core, enum alg_kind kind, uint16_t id, uint16_t keylen,
		     const char *name, const void *alg)
{
	struct cg_crypto *c = core->crypto;
	int err = 0;

	if (!alg)
		return -EINVAL;
	pthread_rwlock_wrlock(&c->lock);
	/* One provider per algorithm: a second one would make lookups depend on load order. */
	if (kind != KIND_RNG && find_exact(c, kind, id, keylen)) {
		err = -EEXIST;
		goto out;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct entry *e = realloc(c->entries, cap * sizeof(*e));

		if (!e) {
			err = -ENOMEM;
			goto out;
		}
		c->entries = e;
		c->cap = cap;
	}
	c->entries[c->n++] = (struct entry){ .kind = kind, .id = id, .keylen = keylen, .alg = alg };
out:
	pthread_rwlock_unlock(&c->lock);
	if (err == -EEXIST)
		cg_log(core, CG_LOG_LIB, CG_LVL_WARN,
		       "%s algorithm %s (%u) is already registered; keeping the first one",
		       kind_name(kind), name ? name : "?", id);
	else if (!err)
		cg_log(core, CG_LOG_LIB, CG_LVL_DEBUG, "registered %s algorithm %s",
		       kind_name(kind), name ? name : "?");
	return err;
}

CG_EXPORT int cg_crypto_register_encr(struct cg_core *core, const struct cg_encr_alg *alg)
{
	return add_entry(core, KIND_ENCR, alg ? alg->id : 0, alg ? alg->keylen : 0,
			 alg ? alg->name : NULL, alg);
}

CG_EXPORT int cg_crypto_register_integ(struct cg_core *core, const struct cg_integ_alg *alg)
{
	return add_entry(core, KIND_INTEG, alg ? alg->id : 0, 0, alg ? alg->name : NULL, alg);
}

CG_EXPORT int cg_crypto_register_prf(struct cg_core *core, const struct cg_prf_alg *alg)
{
	return add_entry(core, KIND_PRF, alg ? alg->id : 0, 0, alg ? alg->name : NULL, alg);
}

CG_EXPORT int cg_crypto_register_ke(struct cg_core *core, const struct cg_ke_alg *alg)
{
	return add_entry(core, KIND_KE, alg ? alg->id : 0, 0, alg ? alg->name : NULL, alg);
}

CG_EXPORT int cg_crypto_register_rng(struct cg_core *core, const struct cg_rng *rng)
{
	return add_entry(core, KIND_RNG, 0, 0, rng ? rng->name : NULL, rng);
}

CG_EXPORT void cg_crypto_unregister(struct cg_core *core, const void *alg)
{
	struct cg_crypto *c = core->crypto;
	size_t kept = 0;

	if (!c)
		return;
	pthread_rwlock_wrlock(&c->lock);
	for (size_t i = 0; i < c->n; i++)
		if (c->entries[i].alg != alg)
			c->entries[kept++] = c->entries[i];
	c->n = kept;
	pthread_rwlock_unlock(&c->lock);
}

/* The first registered descriptor of a kind and ID (any key length). */
static const void *lookup(struct cg_core *core, enum alg_kind kind, uint16_t id)
{
	struct cg_crypto *c = core->crypto;
	const void *alg = NULL;

	pthread_rwlock_rdlock(&c->lock);
	for (size_t i = 0; i < c->n && !alg; i++)
		if (c->entries[i].kind == kind && c->entries[i].id == id)
			alg = c->entries[i].alg;
	pthread_rwlock_unlock(&c->lock);
	return alg;
}

CG_EXPORT const struct cg_encr_alg *cg_crypto_encr(struct cg_core *core, uint16_t id,
						   uint16_t keylen)
{
	struct cg_crypto *c = core->crypto;
	const struct entry *best = NULL;

	pthread_rwlock_rdlock(&c->lock);
	for (size_t i = 0; i < c->n; i++) {
		const struct entry *e = &c->entries[i];

		if (e->kind != KIND_ENCR || e->id != id)
			continue;
		if (e->keylen == keylen) {
			best = e;
			break;
		}
		/* Without a Key Length attribute the ID's shortest key is meant (AES: 128). */
		if (!keylen && (!best || e->keylen < best->keylen))
			best = e;
	}
	pthread_rwlock_unlock(&c->lock);
	return best ? best->alg : NULL;
}

CG_EXPORT const struct cg_integ_alg *cg_crypto_integ(struct cg_core *core, uint16_t id)
{
	return lookup(core, KIND_INTEG, id);
}

CG_EXPORT const struct cg_prf_alg *cg_crypto_prf(struct cg_core *core, uint16_t id)
{
	return lookup(core, KIND_PRF, id);
}

CG_EXPORT const struct cg_ke_alg *cg_crypto_ke(struct cg_core *core, uint16_t id)
{
	return lookup(core, KIND_KE, id);
}

static bool transform_supported(struct cg_core *core, const struct cg_transform *t)
{
	switch (t->type) {
	case CG_TT_ENCR:
		return cg_crypto_encr(core, t->id, t->keylen);
	case CG_TT_PRF:
		return cg_crypto_prf(core, t->id);
	case CG_TT_INTEG:
		return t->id == CG_INTEG_NONE || cg_crypto_integ(core, t->id);
	case CG_TT_KE:
		return t->id == CG_KE_NONE || cg_crypto_ke(core, t->id);
	case CG_TT_ESN:
		return true; /* a property of the kernel SA, not an algorithm */
	default:
		return false;
	}
}

CG_EXPORT bool cg_crypto_supports(struct cg_core *core, const struct cg_proposal *p,
				  const char **missing)
{
	for (size_t i = 0; i < p->n; i++) {
		if (transform_supported(core, &p->t[i]))
			continue;
		if (missing)
			*missing = cg_transform_name(p->t[i].type, p->t[i].id);
		return false;
	}
	return true;
}

CG_EXPORT int cg_random(struct cg_core *core, void *out, size_t len)
{
	const struct cg_rng *rng = lookup(core, KIND_RNG, 0);

	if (!rng)
		return -ENODEV;
	return rng->bytes(rng->priv, out, len);
}

/* One round: T = prf(key, prev | seed | n), through update/digest when the PRF has them. */
static int prf_round(const struct cg_prf_alg *prf, void *ctx, const uint8_t *prev,
		     size_t prev_len, struct cg_chunk seed, uint8_t n, uint8_t *t)
{
	uint8_t *buf;
	size_t len;
	int err;

	if (prf->update && prf->digest) {
		err = prev_len ? prf->update(ctx, prev, prev_len) : 0;
		if (!err && seed.len)
			err = prf->update(ctx, seed.ptr, seed.len);
		if (!err)
			err = prf->update(ctx, &n, 1);
		return err ? err : prf->digest(ctx, t);
	}
	len = prev_len + seed.len + 1;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	if (prev_len)
		memcpy(buf, prev, prev_len);
	if (seed.len)
		memcpy(buf + prev_len, seed.ptr, seed.len);
	buf[len - 1] = n;
	err = prf->compute(ctx, buf, len, t);
	cg_memwipe(buf, len);
	free(buf);
	return err;
}

CG_EXPORT int cg_prf_plus(const struct cg_prf_alg *prf, struct cg_chunk key, struct cg_chunk seed,
			  uint8_t *out, size_t len)
{
	size_t bs = prf->out_size, done = 0;
	uint8_t *t;
	void *ctx;
	int err;

	if (!bs || len > 255 * bs)
		return -EINVAL;
	t = malloc(bs);
	if (!t)
		return -ENOMEM;
	err = prf->create(prf, key.ptr, key.len, &ctx);
	if (err)
		goto err_free;
	for (unsigned n = 1; done < len; n++) {
		size_t take = len - done < bs ? len - done : bs;

		/* T1 has no predecessor; Tn (n > 1) chains the previous full block. */
		err = prf_round(prf, ctx, t, n > 1 ? bs : 0, seed, (uint8_t)n, t);
		if (err)
			break;
		memcpy(out + done, t, take);
		done += take;
	}
	prf->destroy(ctx);
	if (err)
		cg_memwipe(out, len);
err_free:
	cg_memwipe(t, bs);
	free(t);
	return err;
}
