/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Encryption for IKE's SK payload: AES-CBC (RFC 3602) and the AEADs
 * AES-GCM with a 16-byte ICV (RFC 5282) and ChaCha20-Poly1305 (RFC 7634).
 * Both AEADs build their 12-byte nonce as the 4-byte salt from the keying
 * material followed by the 8-byte IV from the wire.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <nettle/chacha-poly1305.h>
#include <nettle/gcm.h>
#include <nettle/memops.h>
#include <nettle/nettle-meta.h>

#include "cn.h"

#define CN_AEAD_SALT 4
#define CN_AEAD_IV 8
#define CN_AEAD_NONCE (CN_AEAD_SALT + CN_AEAD_IV)
#define CN_AEAD_ICV 16

/* --- AES-CBC --- */

union cn_aes_ctx {
	struct aes128_ctx a128;
	struct aes192_ctx a192;
	struct aes256_ctx a256;
};

struct cn_cbc {
	const struct nettle_cipher *cipher;
	union cn_aes_ctx enc, dec;
};

static const struct nettle_cipher *cbc_cipher(uint16_t keylen)
{
	switch (keylen) {
	case 128:
		return &nettle_aes128;
	case 192:
		return &nettle_aes192;
	case 256:
		return &nettle_aes256;
	}
	return NULL;
}

static int cbc_create(const struct cg_encr_alg *alg, const uint8_t *key, void **ctx)
{
	const struct nettle_cipher *cipher = cbc_cipher(alg->keylen);
	struct cn_cbc *c;

	if (!cipher)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cipher = cipher;
	cipher->set_encrypt_key(&c->enc, key);
	cipher->set_decrypt_key(&c->dec, key);
	*ctx = c;
	return 0;
}

static int cbc_encrypt_data(void *ctx, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
			    uint8_t *data, size_t len, uint8_t *icv)
{
	struct cn_cbc *c = ctx;
	uint8_t chain[AES_BLOCK_SIZE];

	if (len % AES_BLOCK_SIZE)
		return -EINVAL;
	/* nettle advances the IV in place; the caller's stays as sent. */
	memcpy(chain, iv, sizeof(chain));
	cbc_encrypt(&c->enc, c->cipher->encrypt, AES_BLOCK_SIZE, chain, len, data, data);
	return 0;
}

static int cbc_decrypt_data(void *ctx, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
			    uint8_t *data, size_t len, const uint8_t *icv)
{
	struct cn_cbc *c = ctx;
	uint8_t chain[AES_BLOCK_SIZE];

	if (len % AES_BLOCK_SIZE)
		return -EINVAL;
	memcpy(chain, iv, sizeof(chain));
	cbc_decrypt(&c->dec, c->cipher->decrypt, AES_BLOCK_SIZE, chain, len, data, data);
	return 0;
}

static void cbc_destroy(void *ctx)
{
	struct cn_cbc *c = ctx;

	if (!c)
		return;
	cg_memwipe(c, sizeof(*c));
	free(c);
}

#define CN_CBC(bits)                                                                              \
	{                                                                                          \
		.id = CG_ENCR_AES_CBC, .keylen = bits, .name = "AES_CBC_" #bits,                  \
		.key_size = (bits) / 8, .salt_size = 0, .block_size = AES_BLOCK_SIZE,              \
		.iv_size = AES_BLOCK_SIZE, .icv_size = 0, .create = cbc_create,                    \
		.encrypt = cbc_encrypt_data, .decrypt = cbc_decrypt_data, .destroy = cbc_destroy,  \
	}

static const struct cg_encr_alg aes_cbc_128 = CN_CBC(128);
static const struct cg_encr_alg aes_cbc_192 = CN_CBC(192);
static const struct cg_encr_alg aes_cbc_256 = CN_CBC(256);

/* --- AEADs through nettle's generic AEAD interface --- */

union cn_aead_ctx {
	struct gcm_aes128_ctx gcm128;
	struct gcm_aes192_ctx gcm192;
	struct gcm_aes256_ctx gcm256;
	struct chacha_poly1305_ctx chacha;
};

struct cn_aead {
	const struct nettle_aead *aead;
	uint8_t salt[CN_AEAD_SALT];
	union cn_aead_ctx ctx;
};

static const struct nettle_aead *aead_of(const struct cg_encr_alg *alg)
{
	if (alg->id == CG_ENCR_CHACHA20_POLY1305)
		return &nettle_chacha_poly1305;
	switch (alg->keylen) {
	case 128:
		return &nettle_gcm_aes128;
	case 192:
		return &nettle_gcm_aes192;
	case 256:
		return &nettle_gcm_aes256;
	}
	return NULL;
}

static int aead_create(const struct cg_encr_alg *alg, const uint8_t *key, void **ctx)
{
	const struct nettle_aead *aead = aead_of(alg);
	struct cn_aead *a;

	if (!aead || aead->context_size > sizeof(a->ctx) || aead->nonce_size != CN_AEAD_NONCE)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->aead = aead;
	/* GCM and ChaCha20-Poly1305 use the same key schedule in both directions. */
	aead->set_encrypt_key(&a->ctx, key);
	memcpy(a->salt, key + aead->key_size, CN_AEAD_SALT);
	*ctx = a;
	return 0;
}

static void aead_start(struct cn_aead *a, const uint8_t *iv, const uint8_t *aad, size_t aad_len)
{
	uint8_t nonce[CN_AEAD_NONCE];

	memcpy(nonce, a->salt, CN_AEAD_SALT);
	memcpy(nonce + CN_AEAD_SALT, iv, CN_AEAD_IV);
	a->aead->set_nonce(&a->ctx, nonce);
	if (aad_len)
		a->aead->update(&a->ctx, aad_len, aad);
}

static int aead_encrypt(void *ctx, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
			uint8_t *data, size_t len, uint8_t *icv)
{
	struct cn_aead *a = ctx;

	aead_start(a, iv, aad, aad_len);
	a->aead->encrypt(&a->ctx, len, data, data);
	a->aead->digest(&a->ctx, CN_AEAD_ICV, icv);
	return 0;
}

static int aead_decrypt(void *ctx, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
			uint8_t *data, size_t len, const uint8_t *icv)
{
	struct cn_aead *a = ctx;
	uint8_t tag[CN_AEAD_ICV];

	aead_start(a, iv, aad, aad_len);
	a->aead->decrypt(&a->ctx, len, data, data);
	a->aead->digest(&a->ctx, CN_AEAD_ICV, tag);
	if (!memeql_sec(tag, icv, CN_AEAD_ICV)) {
		/* Decrypted in place in one pass: no plaintext of a forged message may remain. */
		cg_memwipe(data, len);
		return -EBADMSG;
	}
	return 0;
}

static void aead_destroy(void *ctx)
{
	struct cn_aead *a = ctx;

	if (!a)
		return;
	cg_memwipe(a, sizeof(*a));
	free(a);
}

#define CN_AEAD(ident, bits, label, keybytes)                                                     \
	{                                                                                          \
		.id = ident, .keylen = bits, .name = label, .key_size = (keybytes) + CN_AEAD_SALT, \
		.salt_size = CN_AEAD_SALT, .block_size = 1, .iv_size = CN_AEAD_IV,                 \
		.icv_size = CN_AEAD_ICV, .create = aead_create, .encrypt = aead_encrypt,           \
		.decrypt = aead_decrypt, .destroy = aead_destroy,                                  \
	}

static const struct cg_encr_alg aes_gcm16_128 = CN_AEAD(CG_ENCR_AES_GCM_16, 128, "AES_GCM_16_128", 16);
static const struct cg_encr_alg aes_gcm16_192 = CN_AEAD(CG_ENCR_AES_GCM_16, 192, "AES_GCM_16_192", 24);
static const struct cg_encr_alg aes_gcm16_256 = CN_AEAD(CG_ENCR_AES_GCM_16, 256, "AES_GCM_16_256", 32);
/* RFC 7634: the key length is fixed, so the transform carries no Key Length attribute. */
static const struct cg_encr_alg chacha20_poly1305 =
	CN_AEAD(CG_ENCR_CHACHA20_POLY1305, 0, "CHACHA20_POLY1305", 32);

/* The first of each ID is its default key length. */
const struct cg_encr_alg *const cn_encr_algs[] = {
	&aes_gcm16_128, &aes_gcm16_192, &aes_gcm16_256,
	&aes_cbc_128,   &aes_cbc_192,   &aes_cbc_256,
	&chacha20_poly1305, NULL,
};
