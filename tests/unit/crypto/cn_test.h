/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for the crypto-nettle tests: hex vectors and table lookups. */
#ifndef CN_TEST_H
#define CN_TEST_H

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cn.h"

/* Decodes hex (whitespace ignored) into a new buffer; *len gets its size. */
static inline uint8_t *hex(const char *s, size_t *len)
{
	uint8_t *out = calloc(1, strlen(s) / 2 + 1);
	size_t n = 0;
	int hi = -1;

	cr_assert(out);
	for (; *s; s++) {
		int v;

		if (isspace((unsigned char)*s))
			continue;
		cr_assert(isxdigit((unsigned char)*s), "bad hex digit '%c'", *s);
		v = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	cr_assert(hi < 0, "odd number of hex digits");
	if (len)
		*len = n;
	return out;
}

static inline void assert_hex(const uint8_t *got, size_t len, const char *want, const char *what)
{
	size_t n;
	uint8_t *w = hex(want, &n);

	cr_assert_eq(len, n, "%s: %zu bytes, expected %zu", what, len, n);
	cr_assert(!memcmp(got, w, n), "%s differs from the published value", what);
	free(w);
}

static inline const struct cg_encr_alg *find_encr(uint16_t id, uint16_t keylen)
{
	for (size_t i = 0; cn_encr_algs[i]; i++)
		if (cn_encr_algs[i]->id == id && cn_encr_algs[i]->keylen == keylen)
			return cn_encr_algs[i];
	cr_assert_fail("no encryption algorithm %u/%u", id, keylen);
	return NULL;
}

static inline const struct cg_integ_alg *find_integ(uint16_t id)
{
	for (size_t i = 0; cn_integ_algs[i]; i++)
		if (cn_integ_algs[i]->id == id)
			return cn_integ_algs[i];
	cr_assert_fail("no integrity algorithm %u", id);
	return NULL;
}

static inline const struct cg_prf_alg *find_prf(uint16_t id)
{
	for (size_t i = 0; cn_prf_algs[i]; i++)
		if (cn_prf_algs[i]->id == id)
			return cn_prf_algs[i];
	cr_assert_fail("no PRF %u", id);
	return NULL;
}

static inline const struct cg_ke_alg *find_ke(uint16_t id)
{
	for (size_t i = 0; cn_ke_algs[i]; i++)
		if (cn_ke_algs[i]->id == id)
			return cn_ke_algs[i];
	cr_assert_fail("no key exchange %u", id);
	return NULL;
}

#endif
