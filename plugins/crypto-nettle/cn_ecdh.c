/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Elliptic-curve Diffie-Hellman: the NIST curves P-256 and P-384 as IKE
 * groups 19 and 20 (RFC 5903: the public value is x || y, the shared
 * secret is x), and X25519 / X448 as groups 31 and 32 (RFC 8031).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/curve25519.h>
#include <nettle/curve448.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>

#include "cn.h"

#define CN_ECP_MAX 48    /* coordinate bytes of P-384 */
#define CN_MONT_MAX 56   /* X448 */
#define CN_SCALAR_TRIES 64

/* --- ECP groups --- */

struct cn_ecp {
	const struct ecc_curve *curve;
	size_t coord; /* bytes of one coordinate */
	struct ecc_scalar priv;
	struct ecc_point pub;
	uint8_t shared[CN_ECP_MAX];
	bool have_shared;
};

static const struct ecc_curve *ecp_curve(uint16_t id, size_t *coord)
{
	switch (id) {
	case CG_KE_ECP_256:
		*coord = 32;
		return nettle_get_secp_256r1();
	case CG_KE_ECP_384:
		*coord = 48;
		return nettle_get_secp_384r1();
	}
	return NULL;
}

/* Sets the scalar from big-endian bytes; false when outside [1, q-1]. */
static bool ecp_scalar_from_bytes(struct ecc_scalar *s, const uint8_t *b, size_t len)
{
	mpz_t z;
	bool ok;

	mpz_init(z);
	mpz_import(z, len, 1, 1, 1, 0, b);
	ok = ecc_scalar_set(s, z) == 1;
	mpz_set_ui(z, 0);
	mpz_clear(z);
	return ok;
}

/* Rejection sampling: at most a 2^-32 chance per try of leaving the range. */
static int ecp_random_scalar(struct cn_ecp *e)
{
	uint8_t rnd[CN_ECP_MAX];
	int err;

	for (int i = 0; i < CN_SCALAR_TRIES; i++) {
		err = cn_random(rnd, e->coord);
		if (err)
			break;
		if (ecp_scalar_from_bytes(&e->priv, rnd, e->coord))
			break;
		err = -EAGAIN;
	}
	cg_memwipe(rnd, sizeof(rnd));
	return err;
}

static void ecp_free(struct cn_ecp *e)
{
	ecc_scalar_clear(&e->priv);
	ecc_point_clear(&e->pub);
	cg_memwipe(e->shared, sizeof(e->shared));
	free(e);
}

static int ecp_create(const struct cg_ke_alg *alg, void **ctx)
{
	size_t coord;
	const struct ecc_curve *curve = ecp_curve(alg->id, &coord);
	struct cn_ecp *e;
	int err;

	if (!curve)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->curve = curve;
	e->coord = coord;
	ecc_scalar_init(&e->priv, curve);
	ecc_point_init(&e->pub, curve);
	err = ecp_random_scalar(e);
	if (err) {
		ecp_free(e);
		return err;
	}
	ecc_point_mul_g(&e->pub, &e->priv);
	*ctx = e;
	return 0;
}

int cn_ecp_set_private(void *ctx, const uint8_t *priv, size_t len)
{
	struct cn_ecp *e = ctx;

	if (len != e->coord || !ecp_scalar_from_bytes(&e->priv, priv, len))
		return -EINVAL;
	ecc_point_mul_g(&e->pub, &e->priv);
	e->have_shared = false;
	return 0;
}

/* Writes x || y of an affine point. */
static int ecp_point_export(const struct cn_ecp *e, const struct ecc_point *p, uint8_t *out)
{
	mpz_t x, y;
	int err;

	mpz_inits(x, y, NULL);
	ecc_point_get(p, x, y);
	err = cn_mpz_export(out, e->coord, x);
	if (!err)
		err = cn_mpz_export(out + e->coord, e->coord, y);
	mpz_clears(x, y, NULL);
	return err;
}

static int ecp_get_public(void *ctx, uint8_t *out)
{
	struct cn_ecp *e = ctx;

	return ecp_point_export(e, &e->pub, out);
}

static int ecp_set_peer(void *ctx, const uint8_t *pub, size_t len)
{
	struct cn_ecp *e = ctx;
	struct ecc_point peer, secret;
	mpz_t x, y;
	int err = 0;

	e->have_shared = false;
	if (len != 2 * e->coord)
		return -EINVAL;
	mpz_inits(x, y, NULL);
	mpz_import(x, e->coord, 1, 1, 1, 0, pub);
	mpz_import(y, e->coord, 1, 1, 1, 0, pub + e->coord);
	ecc_point_init(&peer, e->curve);
	ecc_point_init(&secret, e->curve);
	/* ecc_point_set refuses coordinates >= p and points off the curve. */
	if (!ecc_point_set(&peer, x, y)) {
		err = -EINVAL;
		goto out;
	}
	/* Prime-order curves: a valid point times a scalar in [1, q-1] is never infinity. */
	ecc_point_mul(&secret, &e->priv, &peer);
	ecc_point_get(&secret, x, y);
	err = cn_mpz_export(e->shared, e->coord, x);
	e->have_shared = !err;
	mpz_set_ui(x, 0);
	mpz_set_ui(y, 0);
out:
	ecc_point_clear(&secret);
	ecc_point_clear(&peer);
	mpz_clears(x, y, NULL);
	return err;
}

static int ecp_get_shared(void *ctx, uint8_t *out)
{
	struct cn_ecp *e = ctx;

	if (!e->have_shared)
		return -EINVAL;
	memcpy(out, e->shared, e->coord);
	return 0;
}

static void ecp_destroy(void *ctx)
{
	if (ctx)
		ecp_free(ctx);
}

#define CN_ECP(ident, label, coord)                                                               \
	{                                                                                          \
		.id = ident, .name = label, .public_size = 2 * (coord), .shared_size = coord,      \
		.create = ecp_create, .get_public = ecp_get_public, .set_peer = ecp_set_peer,      \
		.get_shared = ecp_get_shared, .destroy = ecp_destroy,                              \
	}

static const struct cg_ke_alg ecp_256 = CN_ECP(CG_KE_ECP_256, "ECP_256", 32);
static const struct cg_ke_alg ecp_384 = CN_ECP(CG_KE_ECP_384, "ECP_384", 48);

/* --- X25519 and X448 (RFC 7748) --- */

struct cn_mont {
	size_t size;
	void (*mul)(uint8_t *q, const uint8_t *n, const uint8_t *p);
	void (*mul_g)(uint8_t *q, const uint8_t *n);
	uint8_t priv[CN_MONT_MAX], pub[CN_MONT_MAX], shared[CN_MONT_MAX];
	bool have_shared;
};

static int mont_create(const struct cg_ke_alg *alg, void **ctx)
{
	struct cn_mont *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	if (alg->id == CG_KE_CURVE25519) {
		m->size = CURVE25519_SIZE;
		m->mul = curve25519_mul;
		m->mul_g = curve25519_mul_g;
	} else {
		m->size = CURVE448_SIZE;
		m->mul = curve448_mul;
		m->mul_g = curve448_mul_g;
	}
	/* nettle clamps the scalar itself (RFC 7748 section 5), so any bytes will do. */
	err = cn_random(m->priv, m->size);
	if (err) {
		free(m);
		return err;
	}
	m->mul_g(m->pub, m->priv);
	*ctx = m;
	return 0;
}

int cn_mont_set_private(void *ctx, const uint8_t *priv, size_t len)
{
	struct cn_mont *m = ctx;

	if (len != m->size)
		return -EINVAL;
	memcpy(m->priv, priv, len);
	m->mul_g(m->pub, m->priv);
	m->have_shared = false;
	return 0;
}

static int mont_get_public(void *ctx, uint8_t *out)
{
	struct cn_mont *m = ctx;

	memcpy(out, m->pub, m->size);
	return 0;
}

static bool all_zero_ct(const uint8_t *b, size_t len)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < len; i++)
		acc |= b[i];
	return acc == 0;
}

static int mont_set_peer(void *ctx, const uint8_t *pub, size_t len)
{
	struct cn_mont *m = ctx;
	uint8_t u[CN_MONT_MAX];

	m->have_shared = false;
	if (len != m->size)
		return -EINVAL;
	memcpy(u, pub, len);
	/* RFC 7748 section 5: X25519 ignores the top bit of the u-coordinate. */
	if (m->size == CURVE25519_SIZE)
		u[CURVE25519_SIZE - 1] &= 0x7f;
	m->mul(m->shared, m->priv, u);
	/* A small-order peer point gives zero: RFC 7748 section 6 says to abort. */
	if (all_zero_ct(m->shared, m->size))
		return -EINVAL;
	m->have_shared = true;
	return 0;
}

static int mont_get_shared(void *ctx, uint8_t *out)
{
	struct cn_mont *m = ctx;

	if (!m->have_shared)
		return -EINVAL;
	memcpy(out, m->shared, m->size);
	return 0;
}

static void mont_destroy(void *ctx)
{
	struct cn_mont *m = ctx;

	if (!m)
		return;
	cg_memwipe(m, sizeof(*m));
	free(m);
}

#define CN_MONT(ident, label, bytes)                                                              \
	{                                                                                          \
		.id = ident, .name = label, .public_size = bytes, .shared_size = bytes,            \
		.create = mont_create, .get_public = mont_get_public, .set_peer = mont_set_peer,   \
		.get_shared = mont_get_shared, .destroy = mont_destroy,                            \
	}

static const struct cg_ke_alg curve25519 = CN_MONT(CG_KE_CURVE25519, "CURVE_25519", 32);
static const struct cg_ke_alg curve448 = CN_MONT(CG_KE_CURVE448, "CURVE_448", 56);

const struct cg_ke_alg *const cn_ke_algs[] = {
	&curve25519, &ecp_256, &ecp_384, &curve448,
	&cn_modp_2048, &cn_modp_3072, &cn_modp_4096, NULL,
};

int cn_ke_set_private(const struct cg_ke_alg *alg, void *ctx, const uint8_t *priv, size_t len)
{
	switch (alg->id) {
	case CG_KE_MODP_2048:
	case CG_KE_MODP_3072:
	case CG_KE_MODP_4096:
		return cn_modp_set_private(ctx, priv, len);
	case CG_KE_ECP_256:
	case CG_KE_ECP_384:
		return cn_ecp_set_private(ctx, priv, len);
	case CG_KE_CURVE25519:
	case CG_KE_CURVE448:
		return cn_mont_set_private(ctx, priv, len);
	}
	return -EINVAL;
}
