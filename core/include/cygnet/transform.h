/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IANA IKEv2 transform types and IDs, and proposals as written in the
 * config ("aes128gcm16-prfsha256-x25519", strongSwan's keywords).
 */
#ifndef CYGNET_TRANSFORM_H
#define CYGNET_TRANSFORM_H

#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Transform types (RFC 7296 3.3.2). */
enum cg_transform_type {
	CG_TT_ENCR = 1,
	CG_TT_PRF = 2,
	CG_TT_INTEG = 3,
	CG_TT_KE = 4, /* "D-H" in RFC 7296 */
	CG_TT_ESN = 5,
};

/* Encryption algorithms (IANA "Transform Type 1"). */
enum {
	CG_ENCR_3DES = 3,
	CG_ENCR_NULL = 11,
	CG_ENCR_AES_CBC = 12,
	CG_ENCR_AES_CTR = 13,
	CG_ENCR_AES_GCM_8 = 18,
	CG_ENCR_AES_GCM_12 = 19,
	CG_ENCR_AES_GCM_16 = 20,
	CG_ENCR_CHACHA20_POLY1305 = 28,
};

/* Pseudo-random functions (Transform Type 2). */
enum {
	CG_PRF_HMAC_MD5 = 1,
	CG_PRF_HMAC_SHA1 = 2,
	CG_PRF_AES128_XCBC = 4,
	CG_PRF_HMAC_SHA2_256 = 5,
	CG_PRF_HMAC_SHA2_384 = 6,
	CG_PRF_HMAC_SHA2_512 = 7,
};

/* Integrity algorithms (Transform Type 3). */
enum {
	CG_INTEG_NONE = 0,
	CG_INTEG_HMAC_MD5_96 = 1,
	CG_INTEG_HMAC_SHA1_96 = 2,
	CG_INTEG_AES_XCBC_96 = 5,
	CG_INTEG_HMAC_SHA2_256_128 = 12,
	CG_INTEG_HMAC_SHA2_384_192 = 13,
	CG_INTEG_HMAC_SHA2_512_256 = 14,
};

/* Key exchange methods (Transform Type 4). */
enum {
	CG_KE_NONE = 0,
	CG_KE_MODP_1024 = 2,
	CG_KE_MODP_2048 = 14,
	CG_KE_MODP_3072 = 15,
	CG_KE_MODP_4096 = 16,
	CG_KE_ECP_256 = 19,
	CG_KE_ECP_384 = 20,
	CG_KE_ECP_521 = 21,
	CG_KE_CURVE25519 = 31,
	CG_KE_CURVE448 = 32,
};

/* Extended sequence numbers (Transform Type 5). */
enum {
	CG_ESN_NO = 0,
	CG_ESN_YES = 1,
};

/* One transform: type, ID and key length in bits (0 when the ID fixes it). */
struct cg_transform {
	uint8_t type;    /* enum cg_transform_type */
	uint16_t id;
	uint16_t keylen; /* Key Length attribute, bits */
};

#define CG_PROPOSAL_MAX_TRANSFORMS 32

/* A proposal: a set of transforms, the alternatives of each type in order of preference. */
struct cg_proposal {
	uint8_t protocol; /* 1 IKE, 2 AH, 3 ESP (RFC 7296 3.3.1) */
	size_t n;
	struct cg_transform t[CG_PROPOSAL_MAX_TRANSFORMS];
};

#define CG_PROTO_IKE 1
#define CG_PROTO_AH 2
#define CG_PROTO_ESP 3

/*
 * Parses a proposal string for protocol (CG_PROTO_IKE or CG_PROTO_ESP):
 * keywords joined by '-', e.g. "aes128gcm16-prfsha256-x25519",
 * "aes256-sha256-modp2048", "aes128-sha1-esn". "default" gives cygnet's
 * defaults for the protocol. 0, or -EINVAL with *err naming the bad word.
 * Checks shape too (an AEAD with integrity is refused, IKE needs a PRF
 * unless an integrity algorithm implies it, ...).
 */
CG_EXPORT int cg_proposal_parse(const char *s, uint8_t protocol, struct cg_proposal *out,
				const char **err);
/* Writes "AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519" into buf; returns buf. */
CG_EXPORT const char *cg_proposal_str(const struct cg_proposal *p, char *buf, size_t len);
/* IANA name of a transform ID, e.g. "AES_GCM_16", "MODP_2048", "CURVE_25519". */
CG_EXPORT const char *cg_transform_name(uint8_t type, uint16_t id);
/*
 * RFC 7296 2.7 selection: the first of ours (in order) that the peer's
 * proposal matches, with one transform of each type in *out. True when one matched.
 */
CG_EXPORT bool cg_proposal_select(const struct cg_proposal *ours, size_t n_ours,
				  const struct cg_proposal *theirs, size_t n_theirs,
				  bool prefer_ours, struct cg_proposal *out, size_t *their_index);
/* The first transform of a type in a proposal, or NULL. */
CG_EXPORT const struct cg_transform *cg_proposal_get(const struct cg_proposal *p, uint8_t type);
/* True when the encryption algorithm is an AEAD (GCM, ChaCha20-Poly1305). */
CG_EXPORT bool cg_encr_is_aead(uint16_t id);
/* Bits of salt or nonce taken after the encryption key (CTR, GCM, ChaCha20-Poly1305), else 0. */
CG_EXPORT unsigned cg_encr_salt_bits(uint16_t id);
/* Key length in bits an encryption transform has without a Key Length attribute (0 for NULL). */
CG_EXPORT uint16_t cg_encr_default_keylen(uint16_t id);
/* Bytes of key material, salt included, for keylen bits (0: the default); 0 for NULL. */
CG_EXPORT size_t cg_encr_key_size(uint16_t id, uint16_t keylen);
/* True when len bytes are a whole key for the transform: salt included, keylen bits when not 0. */
CG_EXPORT bool cg_encr_key_fits(uint16_t id, uint16_t keylen, size_t len);
/* Key exchange method the proposal prefers (its first KE transform), or CG_KE_NONE. */
CG_EXPORT uint16_t cg_proposal_ke(const struct cg_proposal *p);
/* True when the proposal offers this KE method. */
CG_EXPORT bool cg_proposal_has_ke(const struct cg_proposal *p, uint16_t ke);

#ifdef __cplusplus
}
#endif
#endif
