/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Signatures for IKEv2 authentication: the schemes of RFC 7427 ("digital
 * signature": PKCS#1 v1.5, RSASSA-PSS, DER ECDSA, EdDSA) and the classic
 * methods 1 (RSA with SHA-1) and 9/10/11 (RFC 4754: ECDSA as r || s).
 * GnuTLS signs and verifies; this file maps schemes and converts ECDSA
 * between DER and the fixed-length raw form.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

enum pg_sig_kind {
	PG_SIG_RSA,
	PG_SIG_RSA_PSS,
	PG_SIG_ECDSA,     /* DER ECDSA-Sig-Value */
	PG_SIG_ECDSA_RAW, /* r || s */
	PG_SIG_EDDSA,
};

struct pg_scheme {
	enum cg_sig_scheme scheme;
	enum pg_sig_kind kind;
	gnutls_digest_algorithm_t hash; /* GNUTLS_DIG_UNKNOWN for EdDSA */
};

static const struct pg_scheme schemes[] = {
	{ CG_SIG_RSA_PKCS1_SHA1, PG_SIG_RSA, GNUTLS_DIG_SHA1 },
	{ CG_SIG_RSA_PKCS1_SHA256, PG_SIG_RSA, GNUTLS_DIG_SHA256 },
	{ CG_SIG_RSA_PKCS1_SHA384, PG_SIG_RSA, GNUTLS_DIG_SHA384 },
	{ CG_SIG_RSA_PKCS1_SHA512, PG_SIG_RSA, GNUTLS_DIG_SHA512 },
	{ CG_SIG_RSA_PSS_SHA256, PG_SIG_RSA_PSS, GNUTLS_DIG_SHA256 },
	{ CG_SIG_RSA_PSS_SHA384, PG_SIG_RSA_PSS, GNUTLS_DIG_SHA384 },
	{ CG_SIG_RSA_PSS_SHA512, PG_SIG_RSA_PSS, GNUTLS_DIG_SHA512 },
	{ CG_SIG_ECDSA_SHA256_RAW, PG_SIG_ECDSA_RAW, GNUTLS_DIG_SHA256 },
	{ CG_SIG_ECDSA_SHA384_RAW, PG_SIG_ECDSA_RAW, GNUTLS_DIG_SHA384 },
	{ CG_SIG_ECDSA_SHA512_RAW, PG_SIG_ECDSA_RAW, GNUTLS_DIG_SHA512 },
	{ CG_SIG_ECDSA_SHA256, PG_SIG_ECDSA, GNUTLS_DIG_SHA256 },
	{ CG_SIG_ECDSA_SHA384, PG_SIG_ECDSA, GNUTLS_DIG_SHA384 },
	{ CG_SIG_ECDSA_SHA512, PG_SIG_ECDSA, GNUTLS_DIG_SHA512 },
	{ CG_SIG_ED25519, PG_SIG_EDDSA, GNUTLS_DIG_UNKNOWN },
	{ CG_SIG_ED448, PG_SIG_EDDSA, GNUTLS_DIG_UNKNOWN },
};

static const struct pg_scheme *scheme_find(enum cg_sig_scheme scheme)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(schemes); i++)
		if (schemes[i].scheme == scheme)
			return &schemes[i];
	return NULL;
}

/* Bytes of one ECDSA coordinate (r or s) for the key's curve; 0 when not ECDSA. */
static size_t ecdsa_coord_size(enum cg_key_type type)
{
	switch (type) {
	case CG_KEY_ECDSA_P256:
		return 32;
	case CG_KEY_ECDSA_P384:
		return 48;
	case CG_KEY_ECDSA_P521:
		return 66;
	default:
		return 0;
	}
}

static bool scheme_fits_key(const struct pg_scheme *s, enum cg_key_type type)
{
	switch (s->kind) {
	case PG_SIG_RSA:
	case PG_SIG_RSA_PSS:
		return type == CG_KEY_RSA;
	case PG_SIG_ECDSA:
	case PG_SIG_ECDSA_RAW:
		return ecdsa_coord_size(type) != 0;
	case PG_SIG_EDDSA:
		return type == (s->scheme == CG_SIG_ED25519 ? CG_KEY_ED25519 : CG_KEY_ED448);
	}
	return false;
}

static gnutls_sign_algorithm_t pss_rsae(gnutls_digest_algorithm_t hash)
{
	switch (hash) {
	case GNUTLS_DIG_SHA256:
		return GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
	case GNUTLS_DIG_SHA384:
		return GNUTLS_SIGN_RSA_PSS_RSAE_SHA384;
	case GNUTLS_DIG_SHA512:
		return GNUTLS_SIGN_RSA_PSS_RSAE_SHA512;
	default:
		return GNUTLS_SIGN_UNKNOWN;
	}
}

/* The GnuTLS algorithm for a scheme and a key of public-key algorithm pk. */
static gnutls_sign_algorithm_t scheme_algorithm(const struct pg_scheme *s, int pk)
{
	switch (s->kind) {
	case PG_SIG_RSA:
		return gnutls_pk_to_sign(GNUTLS_PK_RSA, s->hash);
	case PG_SIG_RSA_PSS:
		/* An rsaEncryption key signs PSS as "RSAE"; an RSASSA-PSS key natively. */
		return pk == GNUTLS_PK_RSA_PSS ? gnutls_pk_to_sign(GNUTLS_PK_RSA_PSS, s->hash)
					       : pss_rsae(s->hash);
	case PG_SIG_ECDSA:
	case PG_SIG_ECDSA_RAW:
		return gnutls_pk_to_sign(GNUTLS_PK_ECDSA, s->hash);
	case PG_SIG_EDDSA:
		return s->scheme == CG_SIG_ED25519 ? GNUTLS_SIGN_EDDSA_ED25519 : GNUTLS_SIGN_EDDSA_ED448;
	}
	return GNUTLS_SIGN_UNKNOWN;
}

/* Resolves scheme for a key; -ENOTSUP for an unknown scheme, -EINVAL for the wrong key type. */
static int scheme_resolve(struct pg_plugin *pg, enum cg_sig_scheme scheme, enum cg_key_type type,
			  int pk, const struct pg_scheme **s, gnutls_sign_algorithm_t *algo)
{
	*s = scheme_find(scheme);
	if (!*s) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR, "signature scheme %d not supported", scheme);
		return -ENOTSUP;
	}
	if (!scheme_fits_key(*s, type)) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR, "%s keys cannot make %s signatures",
		       cg_key_type_name(type), cg_sig_scheme_name(scheme));
		return -EINVAL;
	}
	*algo = scheme_algorithm(*s, pk);
	return *algo == GNUTLS_SIGN_UNKNOWN ? -ENOTSUP : 0;
}

/* Copies an unsigned big-endian integer right-aligned into len bytes. */
static int raw_put(uint8_t *out, size_t len, const gnutls_datum_t *v)
{
	const uint8_t *p = v->data;
	size_t n = v->size;

	while (n && !*p) {
		p++;
		n--;
	}
	if (n > len)
		return -EINVAL;
	memset(out, 0, len - n);
	memcpy(out + len - n, p, n);
	return 0;
}

/* DER ECDSA-Sig-Value to r || s. */
static int ecdsa_der_to_raw(const gnutls_datum_t *der, size_t coord, struct cg_chunk *raw)
{
	gnutls_datum_t r = { 0 }, s = { 0 };
	int err;

	if (gnutls_decode_rs_value(der, &r, &s) < 0)
		return -EINVAL;
	err = cg_chunk_alloc(raw, 2 * coord);
	if (!err)
		err = raw_put(raw->ptr, coord, &r);
	if (!err)
		err = raw_put(raw->ptr + coord, coord, &s);
	if (err)
		cg_chunk_free(raw);
	gnutls_free(r.data);
	gnutls_free(s.data);
	return err;
}

/* Leading zeros off, one 0x00 back when the top bit is set: a minimal DER INTEGER. */
static gnutls_datum_t der_integer_bytes(const uint8_t *p, size_t n)
{
	while (n > 1 && !p[0] && !(p[1] & 0x80)) {
		p++;
		n--;
	}
	return (gnutls_datum_t){ .data = (uint8_t *)p, .size = (unsigned)n };
}

/* r || s to a DER ECDSA-Sig-Value (gnutls_free it). */
static int ecdsa_raw_to_der(struct cg_chunk raw, gnutls_datum_t *der)
{
	uint8_t buf[2 * 66 + 2];
	size_t coord = raw.len / 2;
	gnutls_datum_t r, s;

	/* Room for a 0x00 in front of each half, so neither reads as negative. */
	buf[0] = 0;
	memcpy(buf + 1, raw.ptr, coord);
	buf[coord + 1] = 0;
	memcpy(buf + coord + 2, raw.ptr + coord, coord);
	r = der_integer_bytes(buf, coord + 1);
	s = der_integer_bytes(buf + coord + 1, coord + 1);
	return gnutls_encode_rs_value(der, &r, &s) < 0 ? -EINVAL : 0;
}

int pg_key_sign(void *priv, const void *key, enum cg_sig_scheme scheme, struct cg_chunk data,
		struct cg_chunk *sig)
{
	struct pg_plugin *pg = priv;
	const struct pg_key *k = key;
	const struct pg_scheme *s;
	gnutls_sign_algorithm_t algo;
	gnutls_datum_t in = { .data = data.ptr, .size = (unsigned)data.len }, out = { 0 };
	int ret, err;

	err = scheme_resolve(pg, scheme, k->type, gnutls_privkey_get_pk_algorithm(k->key, NULL), &s,
			     &algo);
	if (err)
		return err;
	if (data.len > UINT32_MAX)
		return -EINVAL;
	ret = gnutls_privkey_sign_data2(k->key, algo, 0, &in, &out);
	if (ret < 0) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR, "%s signing failed: %s",
		       cg_sig_scheme_name(scheme), gnutls_strerror(ret));
		return pg_errno(ret);
	}
	if (s->kind == PG_SIG_ECDSA_RAW)
		err = ecdsa_der_to_raw(&out, ecdsa_coord_size(k->type), sig);
	else
		err = cg_chunk_dup(sig, CG_CHUNK(out.data, out.size));
	gnutls_free(out.data);
	return err;
}

/* The exact signature length a scheme implies for this key; 0 when it varies (DER). */
static size_t sig_expected_len(const struct pg_scheme *s, const struct pg_cert *c)
{
	switch (s->kind) {
	case PG_SIG_RSA:
	case PG_SIG_RSA_PSS:
		return (c->key_bits + 7) / 8;
	case PG_SIG_ECDSA_RAW:
		return 2 * ecdsa_coord_size(c->key_type);
	case PG_SIG_EDDSA:
		return c->key_type == CG_KEY_ED25519 ? 64 : 114;
	case PG_SIG_ECDSA:
		break;
	}
	return 0;
}

int pg_cert_verify(void *priv, const void *cert, enum cg_sig_scheme scheme,
		   struct cg_chunk data, struct cg_chunk sig)
{
	struct pg_plugin *pg = priv;
	const struct pg_cert *c = cert;
	const struct pg_scheme *s;
	gnutls_sign_algorithm_t algo;
	gnutls_datum_t in = { .data = data.ptr, .size = (unsigned)data.len };
	gnutls_datum_t sd = { .data = sig.ptr, .size = (unsigned)sig.len }, der = { 0 };
	size_t want;
	unsigned flags = 0;
	int ret, err;

	err = scheme_resolve(pg, scheme, c->key_type, gnutls_pubkey_get_pk_algorithm(c->pub, NULL),
			     &s, &algo);
	if (err)
		return err;
	if (data.len > UINT32_MAX || sig.len > UINT32_MAX)
		return -EBADMSG;
	want = sig_expected_len(s, c);
	if (want && sig.len != want) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_WARN,
		       "%s signature is %zu bytes, a %u-bit %s key gives %zu",
		       cg_sig_scheme_name(scheme), sig.len, c->key_bits, cg_key_type_name(c->key_type),
		       want);
		return -EBADMSG;
	}
	if (s->kind == PG_SIG_ECDSA_RAW) {
		if (ecdsa_raw_to_der(sig, &der))
			return -EBADMSG;
		sd = der;
	}
	/* IKEv2 auth method 1 is defined with SHA-1 (RFC 7296 3.8). */
	if (s->hash == GNUTLS_DIG_SHA1)
		flags |= GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1;
	ret = gnutls_pubkey_verify_data2(c->pub, algo, flags, &in, &sd);
	gnutls_free(der.data);
	if (ret < 0) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_DEBUG, "%s signature by '%s' does not verify: %s",
		       cg_sig_scheme_name(scheme), c->subject, gnutls_strerror(ret));
		return -EBADMSG;
	}
	return 0;
}
