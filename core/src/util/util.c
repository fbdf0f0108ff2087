/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the core's modules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_priv.h"

char *cg_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

CG_EXPORT size_t cg_str_escape(char *out, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[5] = { (char)c };
		size_t len = 1;

		if (c == '\n')
			len = (size_t)snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\r')
			len = (size_t)snprintf(esc, sizeof(esc), "\\r");
		else if (c == '\t')
			len = (size_t)snprintf(esc, sizeof(esc), "\\t");
		else if (c < 0x20 || c == 0x7f)
			len = (size_t)snprintf(esc, sizeof(esc), "\\x%02x", c);
		for (size_t i = 0; i < len; i++, n++)
			if (n + 1 < size)
				out[n] = esc[i];
	}
	if (size)
		out[n < size ? n : size - 1] = '\0';
	return n;
}

unsigned cg_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* Keys 0 and UINT64_MAX mark empty and deleted slots. */
#define HM_EMPTY 0
#define HM_DELETED UINT64_MAX

static uint64_t hm_mix(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	k *= UINT64_C(0xc4ceb9fe1a85ec53);
	k ^= k >> 33;
	return k;
}

CG_EXPORT void cg_hmap_init(struct cg_hmap *m)
{
	memset(m, 0, sizeof(*m));
}

CG_EXPORT void cg_hmap_free(struct cg_hmap *m)
{
	free(m->keys);
	free(m->vals);
	cg_hmap_init(m);
}

static size_t hm_find(const struct cg_hmap *m, uint64_t key, bool *found)
{
	size_t mask = m->cap - 1, i = hm_mix(key) & mask, tomb = SIZE_MAX;

	for (;;) {
		if (m->keys[i] == key) {
			*found = true;
			return i;
		}
		if (m->keys[i] == HM_EMPTY) {
			*found = false;
			return tomb != SIZE_MAX ? tomb : i;
		}
		if (m->keys[i] == HM_DELETED && tomb == SIZE_MAX)
			tomb = i;
		i = (i + 1) & mask;
	}
}

static int hm_grow(struct cg_hmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct cg_hmap n = { .cap = cap };

	/* Rehash in place when most of the fill is tombstones. */
	if (m->cap && m->used * 4 < m->cap)
		cap = n.cap = m->cap;
	n.keys = calloc(cap, sizeof(*n.keys));
	n.vals = calloc(cap, sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		bool found;
		size_t j;

		if (m->keys[i] == HM_EMPTY || m->keys[i] == HM_DELETED)
			continue;
		j = hm_find(&n, m->keys[i], &found);
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
		n.used++;
		n.filled++;
	}
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

CG_EXPORT int cg_hmap_put(struct cg_hmap *m, uint64_t key, void *val)
{
	bool found;
	size_t i;

	if ((m->filled + 1) * 4 > m->cap * 3) {
		int err = hm_grow(m);

		if (err)
			return err;
	}
	i = hm_find(m, key, &found);
	if (!found) {
		if (m->keys[i] == HM_EMPTY)
			m->filled++;
		m->used++;
		m->keys[i] = key;
	}
	m->vals[i] = val;
	return 0;
}

CG_EXPORT void *cg_hmap_get(const struct cg_hmap *m, uint64_t key)
{
	bool found;
	size_t i;

	if (!m->cap)
		return NULL;
	i = hm_find(m, key, &found);
	return found ? m->vals[i] : NULL;
}

CG_EXPORT void *cg_hmap_del(struct cg_hmap *m, uint64_t key)
{
	bool found;
	size_t i;
	void *val;

	if (!m->cap)
		return NULL;
	i = hm_find(m, key, &found);
	if (!found)
		return NULL;
	val = m->vals[i];
	m->keys[i] = HM_DELETED;
	m->vals[i] = NULL;
	m->used--;
	return val;
}

CG_EXPORT uint64_t cg_hash64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	h = hm_mix(h);
	if (h == HM_EMPTY || h == HM_DELETED)
		h = 1;
	return h;
}
