/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Big-endian (network order) integers in byte buffers, for wire codecs.
 * The caller has checked that the bytes are there.
 */
#ifndef CYGNET_BYTES_H
#define CYGNET_BYTES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reads 2, 4 or 8 bytes at p. */
static inline uint16_t cg_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t cg_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t cg_get64(const uint8_t *p)
{
	return (uint64_t)cg_get32(p) << 32 | cg_get32(p + 4);
}

/* Writes v into 2, 4 or 8 bytes at p. */
static inline void cg_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void cg_put32(uint8_t *p, uint32_t v)
{
	cg_put16(p, (uint16_t)(v >> 16));
	cg_put16(p + 2, (uint16_t)v);
}

static inline void cg_put64(uint8_t *p, uint64_t v)
{
	cg_put32(p, (uint32_t)(v >> 32));
	cg_put32(p + 4, (uint32_t)v);
}

#ifdef __cplusplus
}
#endif
#endif
