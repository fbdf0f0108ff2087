/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Certificates: loading (PEM or DER), the values the core borrows, and
 * identity matching against the subject DN and subjectAltNames.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>


#include "pg.h"

enum cg_key_type pg_pubkey_type(gnutls_pubkey_t pub, unsigned *bits)
{
	gnutls_ecc_curve_t curve;
	unsigned b = 0;
	int pk = gnutls_pubkey_get_pk_algorithm(pub, &b);

	if (bits)
		*bits = b;
	switch (pk) {
	case GNUTLS_PK_RSA:
	case GNUTLS_PK_RSA_PSS:
		return CG_KEY_RSA;
	case GNUTLS_PK_EDDSA_ED25519:
		return CG_KEY_ED25519;
	case GNUTLS_PK_EDDSA_ED448:
		return CG_KEY_ED448;
	case GNUTLS_PK_ECDSA:
		if (gnutls_pubkey_export_ecc_raw2(pub, &curve, NULL, NULL, 0) < 0)
			return CG_KEY_NONE;
		switch (curve) {
		case GNUTLS_ECC_CURVE_SECP256R1:
			return CG_KEY_ECDSA_P256;
		case GNUTLS_ECC_CURVE_SECP384R1:
			return CG_KEY_ECDSA_P384;
		case GNUTLS_ECC_CURVE_SECP521R1:
			return CG_KEY_ECDSA_P521;
		default:
			return CG_KEY_NONE;
		}
	default:
		return CG_KEY_NONE;
	}
}

static void cert_free(struct pg_cert *c)
{
	if (!c)
		return;
	if (c->pub)
		gnutls_pubkey_deinit(c->pub);
	if (c->crt)
		gnutls_x509_crt_deinit(c->crt);
	gnutls_free(c->der.data);
	gnutls_free(c->subject_der.data);
	free(c->subject);
	free(c);
}

/* Fills in everything the core later borrows from a freshly imported crt. */
static int cert_complete(struct pg_cert *c)
{
	int ret;

	ret = gnutls_x509_crt_export2(c->crt, GNUTLS_X509_FMT_DER, &c->der);
	if (ret >= 0)
		ret = gnutls_x509_crt_get_raw_dn(c->crt, &c->subject_der);
	if (ret >= 0)
		ret = gnutls_pubkey_init(&c->pub);
	if (ret >= 0)
		ret = gnutls_pubkey_import_x509(c->pub, c->crt, 0);
	if (ret < 0)
		return pg_errno(ret);
	c->key_type = pg_pubkey_type(c->pub, &c->key_bits);
	return pg_dn_to_text(&c->subject_der, &c->subject);
}

static int cert_import(struct pg_plugin *pg, const gnutls_datum_t *data, gnutls_x509_crt_fmt_t fmt,
		       const char *what, struct pg_cert **ret)
{
	struct pg_cert *c = calloc(1, sizeof(*c));
	int gerr, err;

	if (!c)
		return -ENOMEM;
	gerr = gnutls_x509_crt_init(&c->crt);
	if (gerr >= 0)
		gerr = gnutls_x509_crt_import(c->crt, data, fmt);
	if (gerr < 0) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR, "%s: not an X.509 certificate: %s", what,
		       gnutls_strerror(gerr));
		cert_free(c);
		return gerr == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
	}
	err = cert_complete(c);
	if (err) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR, "%s: unusable certificate: %s", what,
		       strerror(-err));
		cert_free(c);
		return err;
	}
	if (c->key_type == CG_KEY_NONE)
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_WARN,
		       "%s: certificate of '%s' has a key type cygnet cannot use", what, c->subject);
	*ret = c;
	return 0;
}

int pg_cert_load(void *priv, const char *path, void **cert)
{
	struct pg_plugin *pg = priv;
	gnutls_datum_t data;
	struct pg_cert *c;
	int err;

	err = pg_file_read(path, &data);
	if (err) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR, "%s: cannot read certificate: %s", path,
		       strerror(-err));
		return err;
	}
	err = cert_import(pg, &data, pg_is_pem(&data) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER,
			  path, &c);
	gnutls_free(data.data);
	if (!err)
		*cert = c;
	return err;
}

int pg_cert_parse(void *priv, struct cg_chunk der, void **cert)
{
	gnutls_datum_t data = { .data = der.ptr, .size = (unsigned)der.len };
	struct pg_cert *c;
	int err;

	if (!der.len || der.len > PG_FILE_MAX)
		return -EINVAL;
	err = cert_import(priv, &data, GNUTLS_X509_FMT_DER, "CERT payload", &c);
	if (!err)
		*cert = c;
	return err;
}

void pg_cert_free(void *priv, void *cert)
{
	cert_free(cert);
}

struct cg_chunk pg_cert_der(void *priv, const void *cert)
{
	const struct pg_cert *c = cert;

	return CG_CHUNK(c->der.data, c->der.size);
}

const char *pg_cert_subject(void *priv, const void *cert)
{
	const struct pg_cert *c = cert;

	return c->subject;
}

struct cg_chunk pg_cert_subject_der(void *priv, const void *cert)
{
	const struct pg_cert *c = cert;

	return CG_CHUNK(c->subject_der.data, c->subject_der.size);
}

/* RFC 7296 3.7: the CA hash is SHA-1 over the whole subjectPublicKeyInfo. */
int pg_cert_key_hash(void *priv, const void *cert, uint8_t out[20])
{
	const struct pg_cert *c = cert;
	gnutls_datum_t spki;
	int ret;

	ret = gnutls_pubkey_export2(c->pub, GNUTLS_X509_FMT_DER, &spki);
	if (ret < 0)
		return pg_errno(ret);
	ret = gnutls_hash_fast(GNUTLS_DIG_SHA1, spki.data, spki.size, out);
	gnutls_free(spki.data);
	return pg_errno(ret);
}

enum cg_key_type pg_cert_key_type(void *priv, const void *cert)
{
	const struct pg_cert *c = cert;

	return c->key_type;
}

unsigned pg_cert_key_bits(void *priv, const void *cert)
{
	const struct pg_cert *c = cert;

	return c->key_bits;
}

/* Whether a subjectAltName of the given type equals the bytes (names case-insensitively). */
static bool cert_has_san(const struct pg_cert *c, unsigned want, const uint8_t *val, size_t len)
{
	uint8_t buf[1024];

	for (unsigned seq = 0;; seq++) {
		size_t size = sizeof(buf);
		unsigned type = 0, critical;
		int ret = gnutls_x509_crt_get_subject_alt_name2(c->crt, seq, buf, &size, &type,
								&critical);

		if (ret == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			return false;
		if (ret < 0 || (unsigned)ret != want || size != len)
			continue;
		if (want == GNUTLS_SAN_IPADDRESS ? !memcmp(buf, val, len)
						 : pg_mem_caseeq(buf, val, len))
			return true;
	}
}

/* KEY_ID: the subjectKeyIdentifier, or the CERTREQ-style SHA-1 of the public key. */
static bool cert_has_key_id(const struct pg_cert *c, const struct cg_chunk *id)
{
	uint8_t buf[64];
	size_t size = sizeof(buf);
	unsigned critical;

	if (gnutls_x509_crt_get_subject_key_id(c->crt, buf, &size, &critical) >= 0 &&
	    size == id->len && !memcmp(buf, id->ptr, size))
		return true;
	return id->len == 20 && !pg_cert_key_hash(NULL, c, buf) && !memcmp(buf, id->ptr, 20);
}

static bool cert_has_dn(struct pg_plugin *pg, const struct pg_cert *c, const struct cg_id *id)
{
	struct cg_chunk der = id->data;
	gnutls_datum_t d;
	bool equal;

	/* An id from the config may not have its DER yet. */
	if (!der.len && (!id->dn_text || pg_dn_encode(pg, id->dn_text, &der)))
		return false;
	d = (gnutls_datum_t){ .data = der.ptr, .size = (unsigned)der.len };
	equal = pg_dn_equal(&c->subject_der, &d);
	if (der.ptr != id->data.ptr)
		cg_chunk_free(&der);
	return equal;
}

bool pg_cert_has_id(void *priv, const void *cert, const struct cg_id *id)
{
	const struct pg_cert *c = cert;

	if (!id->data.len && id->type != CG_ID_DER_ASN1_DN)
		return false;
	switch (id->type) {
	case CG_ID_FQDN:
		return cert_has_san(c, GNUTLS_SAN_DNSNAME, id->data.ptr, id->data.len);
	case CG_ID_RFC822_ADDR:
		return cert_has_san(c, GNUTLS_SAN_RFC822NAME, id->data.ptr, id->data.len);
	case CG_ID_IPV4_ADDR:
	case CG_ID_IPV6_ADDR:
		return cert_has_san(c, GNUTLS_SAN_IPADDRESS, id->data.ptr, id->data.len);
	case CG_ID_DER_ASN1_DN:
		return cert_has_dn(priv, c, id);
	case CG_ID_KEY_ID:
		return cert_has_key_id(c, &id->data);
	case CG_ID_ANY:
		break;
	}
	return false; /* %any is a pattern, not an identity a certificate holds */
}
