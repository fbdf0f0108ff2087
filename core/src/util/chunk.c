/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Byte strings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cygnet/types.h>

CG_EXPORT void cg_memwipe(void *p, size_t len)
{
	if (!p || !len)
		return;
	explicit_bzero(p, len);
}

CG_EXPORT int cg_chunk_alloc(struct cg_chunk *c, size_t len)
{
	c->ptr = len ? calloc(1, len) : NULL;
	if (len && !c->ptr) {
		c->len = 0;
		return -ENOMEM;
	}
	c->len = len;
	return 0;
}

CG_EXPORT bool cg_grow(uint8_t **buf, size_t *cap, size_t need)
{
	uint8_t *grown;
	size_t n = *cap ? *cap : 256;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	grown = realloc(*buf, n);
	if (!grown)
		return false;
	*buf = grown;
	*cap = n;
	return true;
}

CG_EXPORT int cg_chunk_dup(struct cg_chunk *dst, struct cg_chunk src)
{
	int err = cg_chunk_alloc(dst, src.len);

	if (err)
		return err;
	if (src.len)
		memcpy(dst->ptr, src.ptr, src.len);
	return 0;
}

CG_EXPORT void cg_chunk_free(struct cg_chunk *c)
{
	if (!c)
		return;
	free(c->ptr);
	c->ptr = NULL;
	c->len = 0;
}

CG_EXPORT void cg_chunk_clear(struct cg_chunk *c)
{
	if (!c)
		return;
	cg_memwipe(c->ptr, c->len);
	cg_chunk_free(c);
}

CG_EXPORT bool cg_chunk_equal_ct(struct cg_chunk a, struct cg_chunk b)
{
	uint8_t diff = 0;

	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		diff |= a.ptr[i] ^ b.ptr[i];
	return diff == 0;
}
