/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key exchange and nonce setup for the IKE versions (core/src/ke.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static struct cg_core *core;
static int created, destroyed;

/* A toy key exchange: the private value is one byte, the secret their XOR. */
struct toy {
	uint8_t priv, peer;
};

static int toy_create(const struct cg_ke_alg *alg, void **ctx)
{
	struct toy *t = calloc(1, sizeof(*t));

	(void)alg;
	if (!t)
		return -ENOMEM;
	t->priv = (uint8_t)(0x10 + created++);
	*ctx = t;
	return 0;
}

static int toy_get_public(void *ctx, uint8_t *out)
{
	memset(out, ((struct toy *)ctx)->priv, 4);
	return 0;
}

static int toy_set_peer(void *ctx, const uint8_t *pub, size_t len)
{
	if (len != 4)
		return -EINVAL;
	((struct toy *)ctx)->peer = pub[0];
	return 0;
}

static int toy_get_shared(void *ctx, uint8_t *out)
{
	struct toy *t = ctx;

	memset(out, t->priv ^ t->peer, 2);
	return 0;
}

static void toy_destroy(void *ctx)
{
	destroyed++;
	free(ctx);
}

static const struct cg_ke_alg toy = {
	.id = CG_KE_CURVE25519, .name = "toy", .public_size = 4, .shared_size = 2,
	.create = toy_create, .get_public = toy_get_public, .set_peer = toy_set_peer,
	.get_shared = toy_get_shared, .destroy = toy_destroy,
};

static int fill_rng(void *priv, uint8_t *out, size_t len)
{
	(void)priv;
	memset(out, 0xa5, len);
	return 0;
}

static const struct cg_rng rng = { .name = "fill", .bytes = fill_rng };

static void setup(void)
{
	struct cg_core_opts opts = {
		.name = "ke", .manual = true, .no_sockets = true, .no_rtnetlink = true,
		.no_control = true, .foreground = true, .state_file = "",
	};

	created = destroyed = 0;
	cr_assert_eq(cg_core_create(&opts, NULL, &core), 0);
	cr_assert_eq(cg_crypto_register_ke(core, &toy), 0);
}

static void teardown(void)
{
	cg_core_destroy(core);
}

TestSuite(ke, .init = setup, .fini = teardown);

Test(ke, nonce_of_the_length_asked_or_the_rng_error)
{
	struct cg_chunk n = CG_CHUNK_EMPTY;

	cr_assert_eq(cg_nonce_new(core, 32, &n), -ENODEV);
	cr_assert_eq(n.len, 0, "nothing left allocated");
	cr_assert_eq(cg_crypto_register_rng(core, &rng), 0);
	cr_assert_eq(cg_nonce_new(core, 32, &n), 0);
	cr_assert_eq(n.len, 32);
	cr_assert(n.ptr[0] == 0xa5 && n.ptr[31] == 0xa5);
	cg_chunk_free(&n);
}

Test(ke, start_replaces_the_previous_exchange)
{
	const struct cg_ke_alg *ke = NULL;
	struct cg_chunk pub = CG_CHUNK_EMPTY;
	void *ctx = NULL;

	cr_assert_eq(cg_ke_start(core, CG_KE_CURVE25519, &ke, &ctx, &pub), 0);
	cr_assert_eq(ke, &toy);
	cr_assert_eq(pub.len, 4);
	cr_assert_eq(pub.ptr[0], 0x10);
	cg_chunk_free(&pub);
	cr_assert_eq(cg_ke_start(core, CG_KE_CURVE25519, &ke, &ctx, &pub), 0);
	cr_assert_eq(destroyed, 1, "the first private value is gone");
	cr_assert_eq(pub.ptr[0], 0x11);
	cg_chunk_free(&pub);
	cg_ke_free(ke, &ctx);
	cr_assert_null(ctx);
	cr_assert_eq(destroyed, 2);
	cg_ke_free(ke, &ctx); /* an empty one is fine */
	cr_assert_eq(destroyed, 2);
}

Test(ke, start_of_a_group_nobody_provides)
{
	const struct cg_ke_alg *ke = NULL;
	struct cg_chunk pub = CG_CHUNK_EMPTY;
	void *ctx = NULL;

	cr_assert_eq(cg_ke_start(core, CG_KE_MODP_2048, &ke, &ctx, &pub), -ENOPROTOOPT);
	cr_assert_null(ctx);
	cr_assert_eq(pub.len, 0);
}

Test(ke, shared_secret_from_the_peer_value)
{
	const struct cg_ke_alg *ke = NULL;
	struct cg_chunk pub = CG_CHUNK_EMPTY, shared = CG_CHUNK_EMPTY;
	const uint8_t peer[4] = { 0x03, 0x03, 0x03, 0x03 };
	void *ctx = NULL;

	cr_assert_eq(cg_ke_start(core, CG_KE_CURVE25519, &ke, &ctx, &pub), 0);
	cr_assert_eq(cg_ke_shared(ke, ctx, peer, 3, &shared), -EINVAL);
	cr_assert_eq(shared.len, 0);
	cr_assert_eq(cg_ke_shared(ke, ctx, peer, sizeof(peer), &shared), 0);
	cr_assert_eq(shared.len, 2);
	cr_assert_eq(shared.ptr[0], 0x10 ^ 0x03);
	cg_chunk_clear(&shared);
	cg_chunk_free(&pub);
	cg_ke_free(ke, &ctx);
}

Test(ke, retry_only_with_an_offered_other_group)
{
	struct cg_proposal props[2] = { 0 };

	cr_assert_eq(cg_proposal_parse("aes128-sha256-modp2048-x25519", CG_PROTO_IKE, &props[0],
				       NULL), 0);
	cr_assert_eq(cg_proposal_parse("aes256-sha384-ecp256", CG_PROTO_IKE, &props[1], NULL), 0);
	cr_assert_eq(cg_ke_retry_group(props, 2, CG_KE_CURVE25519, CG_KE_MODP_2048),
		     CG_KE_CURVE25519);
	cr_assert_eq(cg_ke_retry_group(props, 2, CG_KE_ECP_256, CG_KE_MODP_2048), CG_KE_ECP_256);
	cr_assert_eq(cg_ke_retry_group(props, 2, CG_KE_MODP_2048, CG_KE_MODP_2048), CG_KE_NONE,
		     "the group we sent");
	cr_assert_eq(cg_ke_retry_group(props, 2, CG_KE_MODP_3072, CG_KE_MODP_2048), CG_KE_NONE,
		     "not offered");
	cr_assert_eq(cg_ke_retry_group(props, 2, CG_KE_NONE, CG_KE_MODP_2048), CG_KE_NONE);
}
