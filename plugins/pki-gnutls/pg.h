/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pki-gnutls: the backend's handles and the functions its files share. */
#ifndef PG_H
#define PG_H

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <cygnet/cygnet.h>

/* The plugin's state, and the priv pointer of every cg_pki_ops call. */
struct pg_plugin {
	struct cg_core *core;
};

/* A certificate with what the core borrows from it, computed once at load. */
struct pg_cert {
	gnutls_x509_crt_t crt;
	gnutls_pubkey_t pub;
	gnutls_datum_t der;         /* the certificate's encoding */
	gnutls_datum_t subject_der; /* subject DN encoding */
	char *subject;              /* subject DN as text, malloc'ed */
	enum cg_key_type key_type;
	unsigned key_bits;
};

/* A private key and its public half (to match certificates). */
struct pg_key {
	gnutls_privkey_t key;
	gnutls_pubkey_t pub;
	enum cg_key_type type;
	unsigned bits;
};

/* Largest credential file read (certificates, keys, CRLs). */
#define PG_FILE_MAX (4u << 20)

/* Reads a whole file into *out (gnutls_free it); 0 or a negative errno. */
int pg_file_read(const char *path, gnutls_datum_t *out);
/* True when the bytes look like PEM rather than DER. */
bool pg_is_pem(const gnutls_datum_t *data);
/* ASCII case-insensitive equality of len bytes (NUL bytes compare as bytes). */
bool pg_mem_caseeq(const void *a, const void *b, size_t len);
/* A GnuTLS error code as a negative errno for callers. */
int pg_errno(int gnutls_err);

/* Key type and size of a public key; CG_KEY_NONE when unsupported. */
enum cg_key_type pg_pubkey_type(gnutls_pubkey_t pub, unsigned *bits);

/* Certificates (pg_cert.c). */
int pg_cert_load(void *priv, const char *path, void **cert);
int pg_cert_parse(void *priv, struct cg_chunk der, void **cert);
void pg_cert_free(void *priv, void *cert);
struct cg_chunk pg_cert_der(void *priv, const void *cert);
const char *pg_cert_subject(void *priv, const void *cert);
struct cg_chunk pg_cert_subject_der(void *priv, const void *cert);
int pg_cert_key_hash(void *priv, const void *cert, uint8_t out[20]);
bool pg_cert_has_id(void *priv, const void *cert, const struct cg_id *id);
enum cg_key_type pg_cert_key_type(void *priv, const void *cert);
unsigned pg_cert_key_bits(void *priv, const void *cert);

/* Chain verification (pg_chain.c). */
int pg_cert_verify_chain(void *priv, const void *end, void *const *intermediates,
			 size_t n_inter, void *const *cas, size_t n_cas,
			 const char *const *crl_paths, size_t n_crls, int64_t now,
			 const char **reason);

/* Private keys (pg_key.c). */
int pg_key_load(void *priv, const char *path, void **key);
void pg_key_free(void *priv, void *key);
enum cg_key_type pg_key_type(void *priv, const void *key);
bool pg_key_matches_cert(void *priv, const void *key, const void *cert);

/* Signatures (pg_sig.c). */
int pg_key_sign(void *priv, const void *key, enum cg_sig_scheme scheme, struct cg_chunk data,
		struct cg_chunk *sig);
int pg_cert_verify(void *priv, const void *cert, enum cg_sig_scheme scheme,
		   struct cg_chunk data, struct cg_chunk sig);

/* Distinguished names (pg_dn.c). */
int pg_dn_encode(void *priv, const char *text, struct cg_chunk *der);
int pg_dn_decode(void *priv, struct cg_chunk der, char **text);
/* The DN in der as text ("C=CH, O=Org, CN=moon"); malloc'ed into *text. */
int pg_dn_to_text(const gnutls_datum_t *der, char **text);
/* Same attributes in the same order; string types and letter case ignored. */
bool pg_dn_equal(const gnutls_datum_t *a, const gnutls_datum_t *b);

#endif
