/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* crypto-nettle: the algorithm tables each file provides, and shared helpers. */
#ifndef CN_H
#define CN_H

#include <gmp.h>

#include <cygnet/cygnet.h>

/* NULL-terminated tables of what this plugin registers. */
extern const struct cg_encr_alg *const cn_encr_algs[];
extern const struct cg_integ_alg *const cn_integ_algs[];
extern const struct cg_prf_alg *const cn_prf_algs[];
extern const struct cg_ke_alg *const cn_ke_algs[];
extern const struct cg_rng cn_rng;

/* The MODP groups (cn_modp.c), listed in cn_ke_algs. */
extern const struct cg_ke_alg cn_modp_2048, cn_modp_3072, cn_modp_4096;

/* Fills out with len bytes from getrandom(); 0 or a negative errno. */
int cn_random(uint8_t *out, size_t len);

/* Writes z big-endian into exactly len bytes (left-padded); -EINVAL when it does not fit. */
int cn_mpz_export(uint8_t *out, size_t len, const mpz_t z);

/*
 * Replaces a key exchange context's random private value by a given one
 * (big-endian for MODP and ECP, the RFC 7748 encoding for X25519/X448), so
 * tests can reproduce published vectors. 0, or -EINVAL for an out-of-range value.
 */
int cn_modp_set_private(void *ctx, const uint8_t *priv, size_t len);
int cn_ecp_set_private(void *ctx, const uint8_t *priv, size_t len);
int cn_mont_set_private(void *ctx, const uint8_t *priv, size_t len);
int cn_ke_set_private(const struct cg_ke_alg *alg, void *ctx, const uint8_t *priv, size_t len);

/* The RFC 3526 prime of a MODP group (big-endian hex), or NULL. */
const char *cn_modp_prime_hex(uint16_t id);

#endif
