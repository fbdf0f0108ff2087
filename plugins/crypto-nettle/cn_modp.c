/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finite-field Diffie-Hellman over the RFC 3526 MODP groups 14, 15 and 16
 * (generator 2), with GMP. The private exponent is twice as long as the
 * group's upper strength estimate in RFC 3526 section 8 (320, 420 and 480
 * bits), which keeps a 2048-bit exchange fast at full strength.
 */
#include <errno.h>
#include <stdlib.h>

#include "cn.h"

/* p = 2^N - 2^(N-64) - 1 + 2^64 * ([2^(N-130) pi] + k); the tests rebuild them from pi. */
static const char modp_2048_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

static const char modp_3072_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
	"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
	"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
	"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

static const char modp_4096_hex[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
	"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
	"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
	"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7"
	"88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8"
	"DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2"
	"233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9"
	"93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF";

struct cn_modp_group {
	uint16_t id;
	const char *p_hex;
	size_t bytes;      /* length of p, of public values and of the shared secret */
	unsigned exp_bits; /* private exponent length */
};

static const struct cn_modp_group modp_groups[] = {
	{ CG_KE_MODP_2048, modp_2048_hex, 256, 320 },
	{ CG_KE_MODP_3072, modp_3072_hex, 384, 420 },
	{ CG_KE_MODP_4096, modp_4096_hex, 512, 480 },
};

struct cn_modp {
	const struct cn_modp_group *group;
	mpz_t p, x, pub, shared;
	bool have_shared;
};

static const struct cn_modp_group *modp_group(uint16_t id)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(modp_groups); i++)
		if (modp_groups[i].id == id)
			return &modp_groups[i];
	return NULL;
}

const char *cn_modp_prime_hex(uint16_t id)
{
	const struct cn_modp_group *g = modp_group(id);

	return g ? g->p_hex : NULL;
}

/* pub = 2^x mod p; mpz_powm_sec runs in time independent of x. */
static void modp_compute_public(struct cn_modp *m)
{
	mpz_t g;

	mpz_init_set_ui(g, 2);
	mpz_powm_sec(m->pub, g, m->x, m->p);
	mpz_clear(g);
}

static void modp_free(struct cn_modp *m)
{
	/* Overwrite the secret limbs before GMP frees them. */
	mpz_set_ui(m->x, 0);
	mpz_set_ui(m->shared, 0);
	mpz_clears(m->p, m->x, m->pub, m->shared, NULL);
	free(m);
}

static int modp_create(const struct cg_ke_alg *alg, void **ctx)
{
	const struct cn_modp_group *g = modp_group(alg->id);
	uint8_t rnd[512 / 8 + 8];
	size_t n;
	struct cn_modp *m;
	int err;

	if (!g)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->group = g;
	mpz_inits(m->x, m->pub, m->shared, NULL);
	mpz_init_set_str(m->p, g->p_hex, 16);
	n = (g->exp_bits + 7) / 8;
	err = cn_random(rnd, n);
	if (err) {
		modp_free(m);
		return err;
	}
	mpz_import(m->x, n, 1, 1, 1, 0, rnd);
	cg_memwipe(rnd, sizeof(rnd));
	/* Exactly exp_bits long, so no exponent is weak by accident. */
	mpz_tdiv_r_2exp(m->x, m->x, g->exp_bits);
	mpz_setbit(m->x, g->exp_bits - 1);
	modp_compute_public(m);
	*ctx = m;
	return 0;
}

int cn_modp_set_private(void *ctx, const uint8_t *priv, size_t len)
{
	struct cn_modp *m = ctx;

	mpz_import(m->x, len, 1, 1, 1, 0, priv);
	if (mpz_cmp_ui(m->x, 2) < 0 || mpz_cmp(m->x, m->p) >= 0)
		return -EINVAL;
	modp_compute_public(m);
	m->have_shared = false;
	return 0;
}

static int modp_get_public(void *ctx, uint8_t *out)
{
	struct cn_modp *m = ctx;

	return cn_mpz_export(out, m->group->bytes, m->pub);
}

/* RFC 7296 / SP 800-56A: the peer's value must lie in [2, p-2]. */
static bool modp_public_valid(const struct cn_modp *m, const mpz_t y)
{
	mpz_t pm1;
	bool ok;

	mpz_init(pm1);
	mpz_sub_ui(pm1, m->p, 1);
	ok = mpz_cmp_ui(y, 1) > 0 && mpz_cmp(y, pm1) < 0;
	mpz_clear(pm1);
	return ok;
}

static int modp_set_peer(void *ctx, const uint8_t *pub, size_t len)
{
	struct cn_modp *m = ctx;
	mpz_t y;
	int err = 0;

	m->have_shared = false;
	if (len != m->group->bytes)
		return -EINVAL;
	mpz_init(y);
	mpz_import(y, len, 1, 1, 1, 0, pub);
	if (!modp_public_valid(m, y)) {
		err = -EINVAL;
		goto out;
	}
	mpz_powm_sec(m->shared, y, m->x, m->p);
	m->have_shared = true;
out:
	mpz_clear(y);
	return err;
}

static int modp_get_shared(void *ctx, uint8_t *out)
{
	struct cn_modp *m = ctx;

	if (!m->have_shared)
		return -EINVAL;
	return cn_mpz_export(out, m->group->bytes, m->shared);
}

static void modp_destroy(void *ctx)
{
	if (ctx)
		modp_free(ctx);
}

#define CN_MODP(ident, label, size)                                                               \
	{                                                                                          \
		.id = ident, .name = label, .public_size = size, .shared_size = size,              \
		.create = modp_create, .get_public = modp_get_public, .set_peer = modp_set_peer,   \
		.get_shared = modp_get_shared, .destroy = modp_destroy,                            \
	}

const struct cg_ke_alg cn_modp_2048 = CN_MODP(CG_KE_MODP_2048, "MODP_2048", 256);
const struct cg_ke_alg cn_modp_3072 = CN_MODP(CG_KE_MODP_3072, "MODP_3072", 384);
const struct cg_ke_alg cn_modp_4096 = CN_MODP(CG_KE_MODP_4096, "MODP_4096", 512);
