/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Key exchange and nonce setup as every IKE version does it: a fresh
 * nonce, a private value with its public value for the KE payload, the
 * shared secret from the peer's value, and the group to retry with when
 * the peer asks for another one.
 */
#include <errno.h>

#include <cygnet/crypto.h>

CG_EXPORT int cg_nonce_new(struct cg_core *core, size_t len, struct cg_chunk *nonce)
{
	int err = cg_chunk_alloc(nonce, len);

	if (!err)
		err = cg_random(core, nonce->ptr, nonce->len);
	if (err)
		cg_chunk_free(nonce);
	return err;
}

CG_EXPORT void cg_ke_free(const struct cg_ke_alg *ke, void **ctx)
{
	if (*ctx)
		ke->destroy(*ctx);
	*ctx = NULL;
}

CG_EXPORT int cg_ke_start(struct cg_core *core, uint16_t group, const struct cg_ke_alg **ke,
			  void **ctx, struct cg_chunk *pub)
{
	int err;

	cg_ke_free(*ke, ctx);
	*ke = cg_crypto_ke(core, group);
	if (!*ke)
		return -ENOPROTOOPT;
	err = (*ke)->create(*ke, ctx);
	if (err) {
		*ctx = NULL;
		return err;
	}
	err = cg_chunk_alloc(pub, (*ke)->public_size);
	if (!err)
		err = (*ke)->get_public(*ctx, pub->ptr);
	if (err) {
		cg_chunk_free(pub);
		(*ke)->destroy(*ctx);
		*ctx = NULL;
	}
	return err;
}

CG_EXPORT int cg_ke_shared(const struct cg_ke_alg *ke, void *ctx, const uint8_t *peer,
			   size_t len, struct cg_chunk *shared)
{
	int err = ke->set_peer(ctx, peer, len);

	if (!err)
		err = cg_chunk_alloc(shared, ke->shared_size);
	if (!err)
		err = ke->get_shared(ctx, shared->ptr);
	if (err)
		cg_chunk_clear(shared);
	return err;
}

CG_EXPORT uint16_t cg_ke_retry_group(const struct cg_proposal *props, size_t n, uint16_t asked,
				     uint16_t current)
{
	if (asked == CG_KE_NONE || asked == current)
		return CG_KE_NONE;
	for (size_t i = 0; i < n; i++)
		if (cg_proposal_has_ke(&props[i], asked))
			return asked;
	return CG_KE_NONE;
}
