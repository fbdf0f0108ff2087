/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Credentials: pre-shared keys (from the config's `secrets`), and X.509
 * certificates and private keys through the one registered PKI backend
 * (pki-gnutls). The core wraps the backend's handles in reference-counted
 * objects, caches files by path, and matches private keys to certificates.
 */
#ifndef CYGNET_CRED_H
#define CYGNET_CRED_H

#include <cygnet/id.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;
struct cg_cert;    /* a certificate (core wrapper, reference-counted) */
struct cg_privkey; /* a private key (core wrapper, reference-counted) */

enum cg_key_type {
	CG_KEY_NONE = 0,
	CG_KEY_RSA,
	CG_KEY_ECDSA_P256,
	CG_KEY_ECDSA_P384,
	CG_KEY_ECDSA_P521,
	CG_KEY_ED25519,
	CG_KEY_ED448,
};

/*
 * Signature schemes, with the wire format each implies:
 * - RSA_PKCS1_*: PKCS#1 v1.5 (IKEv2 auth method 1 is RSA_PKCS1_SHA1);
 * - RSA_PSS_*: RSASSA-PSS, MGF1 with the same hash, salt = hash length;
 * - ECDSA_*_RAW: r || s, fixed length (auth methods 9, 10, 11);
 * - ECDSA_*: DER ECDSA-Sig-Value (RFC 7427 digital signature);
 * - ED25519/ED448: pure EdDSA (RFC 8420).
 */
enum cg_sig_scheme {
	CG_SIG_NONE = 0,
	CG_SIG_RSA_PKCS1_SHA1,
	CG_SIG_RSA_PKCS1_SHA256,
	CG_SIG_RSA_PKCS1_SHA384,
	CG_SIG_RSA_PKCS1_SHA512,
	CG_SIG_RSA_PSS_SHA256,
	CG_SIG_RSA_PSS_SHA384,
	CG_SIG_RSA_PSS_SHA512,
	CG_SIG_ECDSA_SHA256_RAW,
	CG_SIG_ECDSA_SHA384_RAW,
	CG_SIG_ECDSA_SHA512_RAW,
	CG_SIG_ECDSA_SHA256,
	CG_SIG_ECDSA_SHA384,
	CG_SIG_ECDSA_SHA512,
	CG_SIG_ED25519,
	CG_SIG_ED448,
};

/* The PKI backend vtable; handles are the backend's own objects. */
struct cg_pki_ops {
	const char *name;
	/* Loads a PEM or DER certificate file. */
	int (*cert_load)(void *priv, const char *path, void **cert);
	/* Parses a DER certificate (e.g. from a CERT payload). */
	int (*cert_parse)(void *priv, struct cg_chunk der, void **cert);
	void (*cert_free)(void *priv, void *cert);
	/* The DER encoding; borrowed from the handle. */
	struct cg_chunk (*cert_der)(void *priv, const void *cert);
	/* Subject DN as text ("C=CH, O=Org, CN=moon"); borrowed from the handle. */
	const char *(*cert_subject)(void *priv, const void *cert);
	/* Subject DN as DER; borrowed from the handle. */
	struct cg_chunk (*cert_subject_der)(void *priv, const void *cert);
	/* SHA-1 of the subjectPublicKeyInfo (IKEv2 CERTREQ CA hash); 20 bytes. */
	int (*cert_key_hash)(void *priv, const void *cert, uint8_t out[20]);
	/* The subject DN or a subjectAltName (email, FQDN, IP) equals the id. */
	bool (*cert_has_id)(void *priv, const void *cert, const struct cg_id *id);
	enum cg_key_type (*cert_key_type)(void *priv, const void *cert);
	/* Public key size in bits. */
	unsigned (*cert_key_bits)(void *priv, const void *cert);
	/*
	 * Verifies end against trusted cas, with untrusted intermediates, the
	 * validity dates at `now` (unix time) and CRLs from files. 0, or
	 * -EACCES with *reason set to a static explanation.
	 */
	int (*cert_verify_chain)(void *priv, const void *end, void *const *intermediates,
				 size_t n_inter, void *const *cas, size_t n_cas,
				 const char *const *crl_paths, size_t n_crls, int64_t now,
				 const char **reason);
	/* Verifies sig over data with the certificate's public key: 0 or -EBADMSG. */
	int (*cert_verify)(void *priv, const void *cert, enum cg_sig_scheme scheme,
			   struct cg_chunk data, struct cg_chunk sig);
	/* Loads a PEM or DER private key file (PKCS#8, PKCS#1, SEC1). */
	int (*key_load)(void *priv, const char *path, void **key);
	void (*key_free)(void *priv, void *key);
	enum cg_key_type (*key_type)(void *priv, const void *key);
	/* The key is the private half of the certificate's public key. */
	bool (*key_matches_cert)(void *priv, const void *key, const void *cert);
	/* Signs data; *sig is allocated (cg_chunk_free). */
	int (*key_sign)(void *priv, const void *key, enum cg_sig_scheme scheme,
			struct cg_chunk data, struct cg_chunk *sig);
	/* DN text <-> DER (for ID_DER_ASN1_DN). *der / *text are allocated. */
	int (*dn_encode)(void *priv, const char *text, struct cg_chunk *der);
	int (*dn_decode)(void *priv, struct cg_chunk der, char **text);
};

/* Registers the PKI backend (one at a time); borrows ops and priv. */
CG_EXPORT int cg_pki_register(struct cg_core *core, const struct cg_pki_ops *ops, void *priv);
CG_EXPORT void cg_pki_unregister(struct cg_core *core, const struct cg_pki_ops *ops);
CG_EXPORT bool cg_pki_available(struct cg_core *core);

/* Certificates. Loaded files are cached by path until the next reload. */
CG_EXPORT int cg_cert_load(struct cg_core *core, const char *path, struct cg_cert **ret);
CG_EXPORT int cg_cert_parse(struct cg_core *core, struct cg_chunk der, struct cg_cert **ret);
CG_EXPORT struct cg_cert *cg_cert_ref(struct cg_cert *cert);
CG_EXPORT void cg_cert_unref(struct cg_cert *cert); /* accepts NULL */
CG_EXPORT struct cg_chunk cg_cert_der(const struct cg_cert *cert);        /* borrowed */
CG_EXPORT const char *cg_cert_subject(const struct cg_cert *cert);        /* borrowed */
CG_EXPORT struct cg_chunk cg_cert_subject_der(const struct cg_cert *cert); /* borrowed */
CG_EXPORT int cg_cert_key_hash(const struct cg_cert *cert, uint8_t out[20]);
CG_EXPORT bool cg_cert_has_id(const struct cg_cert *cert, const struct cg_id *id);
CG_EXPORT enum cg_key_type cg_cert_key_type(const struct cg_cert *cert);
CG_EXPORT int cg_cert_verify_chain(const struct cg_cert *end, struct cg_cert *const *inter,
				   size_t n_inter, struct cg_cert *const *cas, size_t n_cas,
				   const char *const *crls, size_t n_crls, const char **reason);
CG_EXPORT int cg_cert_verify(const struct cg_cert *cert, enum cg_sig_scheme scheme,
			     struct cg_chunk data, struct cg_chunk sig);

/* Private keys. */
CG_EXPORT int cg_privkey_load(struct cg_core *core, const char *path, struct cg_privkey **ret);
CG_EXPORT struct cg_privkey *cg_privkey_ref(struct cg_privkey *key);
CG_EXPORT void cg_privkey_unref(struct cg_privkey *key);
CG_EXPORT enum cg_key_type cg_privkey_type(const struct cg_privkey *key);
CG_EXPORT int cg_privkey_sign(const struct cg_privkey *key, enum cg_sig_scheme scheme,
			      struct cg_chunk data, struct cg_chunk *sig);
/*
 * The private key for a certificate: from the `secrets` entries of type
 * private (and a connection's local.key), matched by public key.
 * -ENOENT when none matches.
 */
CG_EXPORT int cg_cred_key_for_cert(struct cg_core *core, const struct cg_cert *cert,
				   struct cg_privkey **ret);
/*
 * The PSK shared by two identities (either order; %any in a secret's ids
 * matches all). Copies it into *psk (cg_chunk_clear when done). -ENOENT
 * when there is none.
 */
CG_EXPORT int cg_cred_psk(struct cg_core *core, const struct cg_id *a, const struct cg_id *b,
			  struct cg_chunk *psk);
/* DN helpers through the PKI backend. */
CG_EXPORT int cg_pki_dn_encode(struct cg_core *core, const char *text, struct cg_chunk *der);
CG_EXPORT int cg_pki_dn_decode(struct cg_core *core, struct cg_chunk der, char **text);

CG_EXPORT const char *cg_key_type_name(enum cg_key_type type);
CG_EXPORT const char *cg_sig_scheme_name(enum cg_sig_scheme scheme);

#ifdef __cplusplus
}
#endif
#endif
