/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signatures for IKEv2 AUTH: every scheme with each key type it fits,
 * checked against GnuTLS called directly, plus the refusals: tampered
 * data, wrong lengths, a scheme that does not fit the key.
 */
#include "pg_test.h"

static struct pg_plugin *pg;

static void setup(void)
{
	pg = pg_test_new();
}

static void teardown(void)
{
	pg_test_free(pg);
}

TestSuite(sig, .init = setup, .fini = teardown);

static const struct pf_cert_opts opts = { .dn = "CN=sun,O=cygnet,C=CH", .serial = 2 };
static const uint8_t msg[] = "IKE_SA_INIT message | Nr | prf(SK_pi, IDi')";

struct signer {
	gnutls_x509_privkey_t xkey;
	gnutls_x509_crt_t crt;
	struct pg_cert *cert;
	struct pg_key *key;
	gnutls_pubkey_t pub;
};

static void signer_new(struct signer *s, enum pf_key_kind kind)
{
	s->xkey = pf_key(kind);
	s->crt = pf_cert(&opts, s->xkey, NULL, NULL);
	s->cert = pg_test_cert(pg, "sun.crt", s->crt);
	s->key = pg_test_key(pg, "sun.key", s->xkey);
	cr_assert_eq(gnutls_pubkey_init(&s->pub), 0);
	cr_assert_eq(gnutls_pubkey_import_x509(s->pub, s->crt, 0), 0);
}

static void signer_free(struct signer *s)
{
	gnutls_pubkey_deinit(s->pub);
	pg_key_free(pg, s->key);
	pg_cert_free(pg, s->cert);
	gnutls_x509_crt_deinit(s->crt);
	gnutls_x509_privkey_deinit(s->xkey);
}

/* Signs, verifies, and checks the refusals every scheme shares. Returns the signature. */
static struct cg_chunk round_trip(struct signer *s, enum cg_sig_scheme scheme)
{
	struct cg_chunk sig = CG_CHUNK_EMPTY, data = CG_CHUNK(msg, sizeof(msg));
	uint8_t tampered[sizeof(msg)];

	cr_assert_eq(pg_key_sign(pg, s->key, scheme, data, &sig), 0, "%s",
		     cg_sig_scheme_name(scheme));
	cr_assert_gt(sig.len, 0);
	cr_assert_eq(pg_cert_verify(pg, s->cert, scheme, data, sig), 0, "%s",
		     cg_sig_scheme_name(scheme));
	memcpy(tampered, msg, sizeof(msg));
	tampered[0] ^= 1;
	cr_assert_eq(pg_cert_verify(pg, s->cert, scheme, CG_CHUNK(tampered, sizeof(tampered)), sig),
		     -EBADMSG, "tampered data must not verify");
	sig.ptr[sig.len - 1] ^= 1;
	cr_assert_eq(pg_cert_verify(pg, s->cert, scheme, data, sig), -EBADMSG, "tampered sig");
	sig.ptr[sig.len - 1] ^= 1;
	cr_assert_eq(pg_cert_verify(pg, s->cert, scheme, data, CG_CHUNK(sig.ptr, sig.len - 1)),
		     -EBADMSG, "short signature");
	cr_assert_eq(pg_cert_verify(pg, s->cert, scheme, data, CG_CHUNK_EMPTY), -EBADMSG, "empty");
	return sig;
}

/* GnuTLS itself accepts the signature under the given algorithm. */
static void gnutls_accepts(struct signer *s, gnutls_sign_algorithm_t algo, struct cg_chunk sig)
{
	gnutls_datum_t d = { (uint8_t *)msg, sizeof(msg) }, sd = { sig.ptr, (unsigned)sig.len };

	cr_assert_geq(gnutls_pubkey_verify_data2(s->pub, algo, GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1, &d,
						 &sd), 0, "GnuTLS refuses %s",
		      gnutls_sign_get_name(algo));
}

Test(sig, rsa_pkcs1_and_pss)
{
	struct signer s;
	struct {
		enum cg_sig_scheme scheme;
		gnutls_sign_algorithm_t algo;
	} cases[] = {
		{ CG_SIG_RSA_PKCS1_SHA1, GNUTLS_SIGN_RSA_SHA1 },
		{ CG_SIG_RSA_PKCS1_SHA256, GNUTLS_SIGN_RSA_SHA256 },
		{ CG_SIG_RSA_PKCS1_SHA384, GNUTLS_SIGN_RSA_SHA384 },
		{ CG_SIG_RSA_PKCS1_SHA512, GNUTLS_SIGN_RSA_SHA512 },
		{ CG_SIG_RSA_PSS_SHA256, GNUTLS_SIGN_RSA_PSS_RSAE_SHA256 },
		{ CG_SIG_RSA_PSS_SHA384, GNUTLS_SIGN_RSA_PSS_RSAE_SHA384 },
		{ CG_SIG_RSA_PSS_SHA512, GNUTLS_SIGN_RSA_PSS_RSAE_SHA512 },
	};

	signer_new(&s, PF_RSA2048);
	for (size_t i = 0; i < CG_ARRAY_SIZE(cases); i++) {
		struct cg_chunk sig = round_trip(&s, cases[i].scheme), again = CG_CHUNK_EMPTY;

		cr_assert_eq(sig.len, 256, "RSA-2048 signatures are 256 bytes");
		gnutls_accepts(&s, cases[i].algo, sig);
		cr_assert_eq(pg_key_sign(pg, s.key, cases[i].scheme, CG_CHUNK(msg, sizeof(msg)), &again),
			     0);
		/* PKCS#1 v1.5 is deterministic; PSS is salted. */
		if (cases[i].scheme <= CG_SIG_RSA_PKCS1_SHA512)
			cr_assert(!memcmp(sig.ptr, again.ptr, sig.len));
		else
			cr_assert(memcmp(sig.ptr, again.ptr, sig.len));
		/* A PSS signature is not a PKCS#1 v1.5 one. */
		if (cases[i].scheme == CG_SIG_RSA_PSS_SHA256)
			cr_assert_eq(pg_cert_verify(pg, s.cert, CG_SIG_RSA_PKCS1_SHA256,
						    CG_CHUNK(msg, sizeof(msg)), sig), -EBADMSG);
		cg_chunk_free(&again);
		cg_chunk_free(&sig);
	}
	/* Schemes of other key types are refused, not attempted. */
	{
		struct cg_chunk sig = CG_CHUNK_EMPTY;

		cr_assert_eq(pg_key_sign(pg, s.key, CG_SIG_ECDSA_SHA256, CG_CHUNK(msg, 4), &sig), -EINVAL);
		cr_assert_eq(pg_key_sign(pg, s.key, CG_SIG_ED25519, CG_CHUNK(msg, 4), &sig), -EINVAL);
		cr_assert_eq(pg_key_sign(pg, s.key, CG_SIG_NONE, CG_CHUNK(msg, 4), &sig), -ENOTSUP);
		cr_assert_eq(pg_cert_verify(pg, s.cert, CG_SIG_ECDSA_SHA256_RAW, CG_CHUNK(msg, 4),
					    CG_CHUNK(msg, 4)), -EINVAL);
	}
	signer_free(&s);
}

/* r || s back to DER, then GnuTLS verifies it as an ordinary ECDSA signature. */
static void raw_accepted_by_gnutls(struct signer *s, gnutls_sign_algorithm_t algo,
				   struct cg_chunk raw)
{
	gnutls_datum_t r = { raw.ptr, (unsigned)raw.len / 2 };
	gnutls_datum_t sv = { raw.ptr + raw.len / 2, (unsigned)raw.len / 2 }, der;
	uint8_t rb[67] = { 0 }, sb[67] = { 0 };

	/* Leading zero so GnuTLS encodes them as positive INTEGERs. */
	memcpy(rb + 1, r.data, r.size);
	memcpy(sb + 1, sv.data, sv.size);
	r = (gnutls_datum_t){ rb, r.size + 1 };
	sv = (gnutls_datum_t){ sb, sv.size + 1 };
	cr_assert_eq(gnutls_encode_rs_value(&der, &r, &sv), 0);
	gnutls_accepts(s, algo, CG_CHUNK(der.data, der.size));
	gnutls_free(der.data);
}

static void ecdsa_case(enum pf_key_kind kind, size_t coord, enum cg_sig_scheme raw_scheme,
		       enum cg_sig_scheme der_scheme, gnutls_sign_algorithm_t algo)
{
	struct signer s;
	struct cg_chunk raw, der;

	signer_new(&s, kind);
	raw = round_trip(&s, raw_scheme);
	cr_assert_eq(raw.len, 2 * coord, "classic ECDSA signatures are r || s");
	raw_accepted_by_gnutls(&s, algo, raw);
	der = round_trip(&s, der_scheme);
	cr_assert_eq(der.ptr[0], 0x30, "RFC 7427 ECDSA signatures are a DER SEQUENCE");
	gnutls_accepts(&s, algo, der);
	/* The two encodings are not interchangeable. */
	cr_assert_eq(pg_cert_verify(pg, s.cert, raw_scheme, CG_CHUNK(msg, sizeof(msg)), der),
		     -EBADMSG);
	cr_assert_eq(pg_cert_verify(pg, s.cert, der_scheme, CG_CHUNK(msg, sizeof(msg)), raw),
		     -EBADMSG);
	/* A raw signature one byte too long is refused for its length. */
	{
		uint8_t longer[2 * 66 + 1] = { 0 };

		memcpy(longer, raw.ptr, raw.len);
		cr_assert_eq(pg_cert_verify(pg, s.cert, raw_scheme, CG_CHUNK(msg, sizeof(msg)),
					    CG_CHUNK(longer, raw.len + 1)), -EBADMSG);
	}
	cg_chunk_free(&raw);
	cg_chunk_free(&der);
	signer_free(&s);
}

Test(sig, ecdsa_p256_methods_9_and_rfc7427)
{
	ecdsa_case(PF_P256, 32, CG_SIG_ECDSA_SHA256_RAW, CG_SIG_ECDSA_SHA256,
		   GNUTLS_SIGN_ECDSA_SHA256);
}

Test(sig, ecdsa_p384_methods_10_and_rfc7427)
{
	ecdsa_case(PF_P384, 48, CG_SIG_ECDSA_SHA384_RAW, CG_SIG_ECDSA_SHA384,
		   GNUTLS_SIGN_ECDSA_SHA384);
}

/* Many raw signatures: r and s with leading zero bytes must round-trip too. */
Test(sig, ecdsa_raw_many)
{
	struct signer s;

	signer_new(&s, PF_P256);
	for (int i = 0; i < 300; i++) {
		struct cg_chunk sig = CG_CHUNK_EMPTY;

		cr_assert_eq(pg_key_sign(pg, s.key, CG_SIG_ECDSA_SHA256_RAW,
					 CG_CHUNK(msg, sizeof(msg)), &sig), 0);
		cr_assert_eq(sig.len, 64);
		cr_assert_eq(pg_cert_verify(pg, s.cert, CG_SIG_ECDSA_SHA256_RAW,
					    CG_CHUNK(msg, sizeof(msg)), sig), 0, "signature %d", i);
		cg_chunk_free(&sig);
	}
	signer_free(&s);
}

Test(sig, ed25519)
{
	struct signer s;
	struct cg_chunk sig, again = CG_CHUNK_EMPTY;

	signer_new(&s, PF_ED25519);
	sig = round_trip(&s, CG_SIG_ED25519);
	cr_assert_eq(sig.len, 64);
	gnutls_accepts(&s, GNUTLS_SIGN_EDDSA_ED25519, sig);
	cr_assert_eq(pg_key_sign(pg, s.key, CG_SIG_ED25519, CG_CHUNK(msg, sizeof(msg)), &again), 0);
	cr_assert(!memcmp(sig.ptr, again.ptr, 64), "EdDSA is deterministic");
	cg_chunk_free(&again);
	cr_assert_eq(pg_key_sign(pg, s.key, CG_SIG_ED448, CG_CHUNK(msg, 4), &again), -EINVAL);
	cr_assert_eq(pg_key_sign(pg, s.key, CG_SIG_RSA_PSS_SHA256, CG_CHUNK(msg, 4), &again), -EINVAL);
	cg_chunk_free(&sig);
	signer_free(&s);
}

/* Another key's signature does not verify under this certificate. */
Test(sig, wrong_key)
{
	struct signer a, b;
	struct cg_chunk sig = CG_CHUNK_EMPTY;

	signer_new(&a, PF_P256);
	signer_new(&b, PF_P256);
	cr_assert_eq(pg_key_sign(pg, a.key, CG_SIG_ECDSA_SHA256, CG_CHUNK(msg, sizeof(msg)), &sig), 0);
	cr_assert_eq(pg_cert_verify(pg, b.cert, CG_SIG_ECDSA_SHA256, CG_CHUNK(msg, sizeof(msg)), sig),
		     -EBADMSG);
	cg_chunk_free(&sig);
	signer_free(&a);
	signer_free(&b);
}
