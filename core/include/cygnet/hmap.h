/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A hash map from non-zero 64-bit keys to pointers (open addressing), for
 * the core's indexes and the plugins' own. Not thread-safe: callers hold
 * their own lock. Keys are usually cg_hash64 of what they stand for; two
 * things may share a key, so a caller that cannot rule that out keeps a
 * chain of its own objects under the key and compares them in full.
 */
#ifndef CYGNET_HMAP_H
#define CYGNET_HMAP_H

#include <stddef.h>
#include <stdint.h>

#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_hmap {
	uint64_t *keys;  /* 0 = empty, UINT64_MAX = deleted */
	void **vals;
	size_t cap;      /* power of two */
	size_t used;     /* live entries */
	size_t filled;   /* live + deleted */
};

/* An empty map (no allocation until the first put). */
CG_EXPORT void cg_hmap_init(struct cg_hmap *m);
/* Frees the table, not the values. */
CG_EXPORT void cg_hmap_free(struct cg_hmap *m);
/* Inserts or replaces; 0 or -ENOMEM. key must not be 0 or UINT64_MAX. */
CG_EXPORT int cg_hmap_put(struct cg_hmap *m, uint64_t key, void *val);
/* The value under key, NULL when absent. */
CG_EXPORT void *cg_hmap_get(const struct cg_hmap *m, uint64_t key);
/* Removes and returns the value, NULL when absent. */
CG_EXPORT void *cg_hmap_del(struct cg_hmap *m, uint64_t key);
/* A well-mixed 64-bit hash of bytes (never 0 or UINT64_MAX); seed chains several fields. */
CG_EXPORT uint64_t cg_hash64(const void *data, size_t len, uint64_t seed);

#ifdef __cplusplus
}
#endif
#endif
