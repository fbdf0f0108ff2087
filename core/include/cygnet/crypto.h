/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crypto registry: algorithms by IANA transform ID. A crypto plugin
 * registers one descriptor per (ID, key length); protocol code looks them
 * up and uses them through these small vtables. Instances are not shared
 * between threads (an IKE SA is only ever touched by one job at a time).
 */
#ifndef CYGNET_CRYPTO_H
#define CYGNET_CRYPTO_H

#include <cygnet/transform.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;

/*
 * Encryption for IKE's SK payload (RFC 7296 3.14, RFC 5282, RFC 7634).
 * For AEADs the key given to create() is key || salt (salt_size bytes).
 */
struct cg_encr_alg {
	uint16_t id;        /* CG_ENCR_* */
	uint16_t keylen;    /* bits, without salt */
	const char *name;   /* "AES_GCM_16_256" */
	size_t key_size;    /* bytes of key material, salt included */
	size_t salt_size;   /* AEAD implicit salt; 0 for CBC */
	size_t block_size;  /* padding unit; 1 for stream-like AEADs */
	size_t iv_size;     /* explicit IV on the wire */
	size_t icv_size;    /* AEAD tag length; 0 for CBC */
	int (*create)(const struct cg_encr_alg *alg, const uint8_t *key, void **ctx);
	/* Encrypts len bytes of data in place; AEADs authenticate aad and write the tag into icv. */
	int (*encrypt)(void *ctx, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		       uint8_t *data, size_t len, uint8_t *icv);
	/* Decrypts in place; AEADs verify the tag first and return -EBADMSG on mismatch. */
	int (*decrypt)(void *ctx, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		       uint8_t *data, size_t len, const uint8_t *icv);
	void (*destroy)(void *ctx); /* wipes the key; accepts NULL */
};

/* Integrity (HMAC-SHA2-256-128, ...). */
struct cg_integ_alg {
	uint16_t id;        /* CG_INTEG_* */
	const char *name;
	size_t key_size;    /* bytes */
	size_t out_size;    /* truncated ICV length, bytes */
	int (*create)(const struct cg_integ_alg *alg, const uint8_t *key, void **ctx);
	/* Writes out_size bytes of MAC over data into out. */
	int (*sign)(void *ctx, const uint8_t *data, size_t len, uint8_t *out);
	void (*destroy)(void *ctx);
};

/* Pseudo-random function (HMAC-SHA2-256, ...). */
struct cg_prf_alg {
	uint16_t id;        /* CG_PRF_* */
	const char *name;
	size_t key_size;    /* preferred key length (bytes) for SK_d etc. */
	size_t out_size;    /* output length, bytes */
	/* Keys of any length are accepted (HMAC). */
	int (*create)(const struct cg_prf_alg *alg, const uint8_t *key, size_t key_len, void **ctx);
	/* out = prf(key, data); out_size bytes. */
	int (*compute)(void *ctx, const uint8_t *data, size_t len, uint8_t *out);
	/* Incremental form: absorb parts, then compute over all of them. */
	int (*update)(void *ctx, const uint8_t *data, size_t len);
	int (*digest)(void *ctx, uint8_t *out);
	void (*destroy)(void *ctx);
};

/* Key exchange (MODP, ECP, Curve25519/448). */
struct cg_ke_alg {
	uint16_t id;        /* CG_KE_* */
	const char *name;
	size_t public_size; /* bytes of the KE payload's data */
	size_t shared_size; /* bytes of the shared secret */
	/* Creates a fresh private key. */
	int (*create)(const struct cg_ke_alg *alg, void **ctx);
	/* Writes public_size bytes of our public value. */
	int (*get_public)(void *ctx, uint8_t *out);
	/*
	 * Takes the peer's public value and computes the shared secret.
	 * -EINVAL for a wrong length, a point not on the curve, 0/1/p-1 for
	 * MODP, an all-zero X25519/X448 result.
	 */
	int (*set_peer)(void *ctx, const uint8_t *pub, size_t len);
	/* Writes shared_size bytes after set_peer succeeded. */
	int (*get_shared)(void *ctx, uint8_t *out);
	void (*destroy)(void *ctx);
};

/* Random bytes (getrandom). */
struct cg_rng {
	const char *name;
	int (*bytes)(void *priv, uint8_t *out, size_t len);
	void *priv;
};

/* Registration (borrows alg: it must outlive the plugin's registration). */
CG_EXPORT int cg_crypto_register_encr(struct cg_core *core, const struct cg_encr_alg *alg);
CG_EXPORT int cg_crypto_register_integ(struct cg_core *core, const struct cg_integ_alg *alg);
CG_EXPORT int cg_crypto_register_prf(struct cg_core *core, const struct cg_prf_alg *alg);
CG_EXPORT int cg_crypto_register_ke(struct cg_core *core, const struct cg_ke_alg *alg);
CG_EXPORT int cg_crypto_register_rng(struct cg_core *core, const struct cg_rng *rng);
/* Removes every registration that points at alg (any kind). */
CG_EXPORT void cg_crypto_unregister(struct cg_core *core, const void *alg);

/* Lookup; NULL when no plugin provides it. keylen 0 matches the default length. */
CG_EXPORT const struct cg_encr_alg *cg_crypto_encr(struct cg_core *core, uint16_t id,
						   uint16_t keylen);
CG_EXPORT const struct cg_integ_alg *cg_crypto_integ(struct cg_core *core, uint16_t id);
CG_EXPORT const struct cg_prf_alg *cg_crypto_prf(struct cg_core *core, uint16_t id);
CG_EXPORT const struct cg_ke_alg *cg_crypto_ke(struct cg_core *core, uint16_t id);
/* True when every transform of the proposal is provided. */
CG_EXPORT bool cg_crypto_supports(struct cg_core *core, const struct cg_proposal *p,
				  const char **missing);

/* Fills out with len random bytes from the registered RNG; -ENODEV when none. */
CG_EXPORT int cg_random(struct cg_core *core, void *out, size_t len);

/*
 * Key exchange and nonces for every IKE version (ke.c).
 */
/* A new random nonce of len bytes in *nonce (allocated, overwritten); 0 or a negative errno. */
CG_EXPORT int cg_nonce_new(struct cg_core *core, size_t len, struct cg_chunk *nonce);
/* Destroys *ctx (a context of ke) when it is set and empties it. */
CG_EXPORT void cg_ke_free(const struct cg_ke_alg *ke, void **ctx);
/*
 * Starts a key exchange in group: destroys *ctx when set (a context of
 * *ke), looks the algorithm up into *ke, creates a private value into
 * *ctx and writes its public value into *pub (allocated). -ENOPROTOOPT
 * when no plugin provides the group; on any error *ctx is NULL, *pub empty.
 */
CG_EXPORT int cg_ke_start(struct cg_core *core, uint16_t group, const struct cg_ke_alg **ke,
			  void **ctx, struct cg_chunk *pub);
/*
 * Takes the peer's public value (borrowed) and writes the shared secret
 * into *shared (allocated; wipe it with cg_chunk_clear). ctx stays the
 * caller's. -EINVAL for a value the algorithm refuses.
 */
CG_EXPORT int cg_ke_shared(const struct cg_ke_alg *ke, void *ctx, const uint8_t *peer,
			   size_t len, struct cg_chunk *shared);
/*
 * The group to retry with when the peer asks for `asked` (INVALID_KE_PAYLOAD
 * and the like): asked when one of props offers it and it is not current,
 * CG_KE_NONE when there is nothing to retry.
 */
CG_EXPORT uint16_t cg_ke_retry_group(const struct cg_proposal *props, size_t n, uint16_t asked,
				     uint16_t current);

/*
 * prf+ (RFC 7296 2.13): fills out with len bytes of
 * T1 | T2 | ... where Tn = prf(key, Tn-1 | seed | n). -EINVAL when len
 * needs more than 255 rounds.
 */
CG_EXPORT int cg_prf_plus(const struct cg_prf_alg *prf, struct cg_chunk key, struct cg_chunk seed,
			  uint8_t *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif
