/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Basic types shared by the whole plugin API: byte strings, addresses, export macro. */
#ifndef CYGNET_TYPES_H
#define CYGNET_TYPES_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks a symbol as part of the exported API (everything else is hidden). */
#define CG_EXPORT __attribute__((visibility("default")))

#define CG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

#define CG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A counted byte string. Who owns .ptr is said where a chunk is passed. */
struct cg_chunk {
	uint8_t *ptr; /* bytes, may be NULL when len == 0 */
	size_t len;   /* number of bytes */
};

#define CG_CHUNK(p, l) ((struct cg_chunk){ .ptr = (uint8_t *)(p), .len = (l) })
#define CG_CHUNK_EMPTY ((struct cg_chunk){ 0 })

/* Allocates a chunk of len bytes (zeroed); 0 or -ENOMEM. */
CG_EXPORT int cg_chunk_alloc(struct cg_chunk *c, size_t len);
/* Copies src into a new allocation in *dst; 0 or -ENOMEM. */
CG_EXPORT int cg_chunk_dup(struct cg_chunk *dst, struct cg_chunk src);
/* Frees c->ptr and empties c; accepts an empty chunk. */
CG_EXPORT void cg_chunk_free(struct cg_chunk *c);
/* Wipes the bytes (key material) before freeing them. */
CG_EXPORT void cg_chunk_clear(struct cg_chunk *c);
/* Constant-time equality of two chunks (lengths compared first). */
CG_EXPORT bool cg_chunk_equal_ct(struct cg_chunk a, struct cg_chunk b);
/*
 * Grows the buffer *buf of *cap bytes to hold at least need bytes (doubling,
 * from 256), for message writers. false when out of memory (*buf unchanged).
 */
CG_EXPORT bool cg_grow(uint8_t **buf, size_t *cap, size_t need);
/* Overwrites len bytes at p in a way the compiler cannot drop. */
CG_EXPORT void cg_memwipe(void *p, size_t len);

/* An IP address with an optional port; family AF_UNSPEC means "%any". */
struct cg_addr {
	sa_family_t family; /* AF_INET, AF_INET6 or AF_UNSPEC */
	uint16_t port;      /* host byte order, 0 when unset */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} u;
};

/* Longest text cg_addr_format writes, with "[...]:port" and NUL. */
#define CG_ADDR_STRLEN (INET6_ADDRSTRLEN + 8)

/* Parses "192.0.2.1", "2001:db8::1", "%any", "%any4", "%any6"; 0 or -EINVAL. */
CG_EXPORT int cg_addr_parse(const char *s, struct cg_addr *out);
/* Writes the address (no port) into buf; returns buf. "%any" for AF_UNSPEC. */
CG_EXPORT const char *cg_addr_str(const struct cg_addr *a, char *buf, size_t len);
/* Length of the address bytes for the family: 4, 16, or 0. */
CG_EXPORT size_t cg_addr_len(const struct cg_addr *a);
/* Same family and bytes (ports ignored). */
CG_EXPORT bool cg_addr_equal(const struct cg_addr *a, const struct cg_addr *b);
/* Same family, bytes and port. */
CG_EXPORT bool cg_addr_equal_port(const struct cg_addr *a, const struct cg_addr *b);
/* True for AF_UNSPEC, 0.0.0.0 and ::. */
CG_EXPORT bool cg_addr_is_any(const struct cg_addr *a);
/* The all-zero address of a family (port 0). */
CG_EXPORT struct cg_addr cg_addr_any(sa_family_t family);
/* Converts to a sockaddr; returns its length, 0 for AF_UNSPEC. */
CG_EXPORT socklen_t cg_addr_to_sockaddr(const struct cg_addr *a, struct sockaddr_storage *ss);
/* Converts from a sockaddr (v4-mapped v6 addresses stay v6); 0 or -EAFNOSUPPORT. */
CG_EXPORT int cg_addr_from_sockaddr(const struct sockaddr *sa, struct cg_addr *out);
/* True when a lies in prefix/len of the same family. */
CG_EXPORT bool cg_addr_in_prefix(const struct cg_addr *a, const struct cg_addr *prefix, uint8_t len);

#ifdef __cplusplus
}
#endif
#endif
