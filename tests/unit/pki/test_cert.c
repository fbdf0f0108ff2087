/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Certificates and keys: formats, key types, identities, malformed input. */
#include <arpa/inet.h>

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

TestSuite(cert, .init = setup, .fini = teardown);

static const struct pf_cert_opts moon = {
	.dn = "CN=moon,OU=Gateways,O=cygnet,C=CH",
	.dns = "moon.example.org",
	.email = "moon@example.org",
	.ip4 = "192.0.2.1",
	.ip6 = "2001:db8::1",
	.serial = 1,
};

static void load_both_formats(enum pf_key_kind kind, enum cg_key_type type, unsigned bits)
{
	gnutls_x509_privkey_t key = pf_key(kind);
	gnutls_x509_crt_t crt = pf_cert(&moon, key, NULL, NULL);
	const gnutls_x509_crt_fmt_t fmts[] = { GNUTLS_X509_FMT_PEM, GNUTLS_X509_FMT_DER };

	for (size_t i = 0; i < 2; i++) {
		char *path = pf_write_cert("moon.crt", crt, fmts[i]);
		gnutls_datum_t der;
		void *c, *again;

		cr_assert_eq(pg_cert_load(pg, path, &c), 0);
		cr_assert_eq(pg_cert_key_type(pg, c), type);
		cr_assert_eq(pg_cert_key_bits(pg, c), bits);
		cr_assert_str_eq(pg_cert_subject(pg, c), "C=CH, O=cygnet, OU=Gateways, CN=moon");
		cr_assert_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
		cr_assert_eq(pg_cert_der(pg, c).len, der.size);
		cr_assert(!memcmp(pg_cert_der(pg, c).ptr, der.data, der.size));
		/* A CERT payload carries the DER: parsing it gives the same certificate. */
		cr_assert_eq(pg_cert_parse(pg, pg_cert_der(pg, c), &again), 0);
		cr_assert_str_eq(pg_cert_subject(pg, again), pg_cert_subject(pg, c));
		pg_cert_free(pg, again);
		pg_cert_free(pg, c);
		gnutls_free(der.data);
		free(path);
	}
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

Test(cert, rsa_pem_and_der) { load_both_formats(PF_RSA2048, CG_KEY_RSA, 2048); }
Test(cert, ecdsa_p256_pem_and_der) { load_both_formats(PF_P256, CG_KEY_ECDSA_P256, 256); }
Test(cert, ecdsa_p384_pem_and_der) { load_both_formats(PF_P384, CG_KEY_ECDSA_P384, 384); }
Test(cert, ed25519_pem_and_der) { load_both_formats(PF_ED25519, CG_KEY_ED25519, 256); }

/* Private keys: PKCS#8 and the traditional PKCS#1 / SEC1 forms, PEM and DER. */
static void keys_match(enum pf_key_kind kind, enum cg_key_type type)
{
	gnutls_x509_privkey_t key = pf_key(kind), other = pf_key(kind);
	gnutls_x509_crt_t crt = pf_cert(&moon, key, NULL, NULL);
	struct pg_cert *c = pg_test_cert(pg, "moon.crt", crt);

	for (int pkcs8 = 0; pkcs8 < 2; pkcs8++) {
		for (int der = 0; der < 2; der++) {
			/* GnuTLS writes Ed25519 keys as PKCS#8 only. */
			char *path = pf_write_key("moon.key", key,
						  der ? GNUTLS_X509_FMT_DER : GNUTLS_X509_FMT_PEM,
						  pkcs8 || kind == PF_ED25519);
			void *k;

			cr_assert_eq(pg_key_load(pg, path, &k), 0, "pkcs8=%d der=%d", pkcs8, der);
			cr_assert_eq(pg_key_type(pg, k), type);
			cr_assert(pg_key_matches_cert(pg, k, c));
			pg_key_free(pg, k);
			free(path);
		}
	}
	{
		struct pg_key *k = pg_test_key(pg, "other.key", other);

		cr_assert_not(pg_key_matches_cert(pg, k, c), "another key must not match");
		pg_key_free(pg, k);
	}
	pg_cert_free(pg, c);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	gnutls_x509_privkey_deinit(other);
}

Test(cert, rsa_keys) { keys_match(PF_RSA2048, CG_KEY_RSA); }
Test(cert, ecdsa_keys) { keys_match(PF_P256, CG_KEY_ECDSA_P256); }
Test(cert, ed25519_keys) { keys_match(PF_ED25519, CG_KEY_ED25519); }

static bool has(struct pg_cert *c, const char *text)
{
	struct cg_id id;
	bool r;

	cr_assert_eq(cg_id_parse(text, &id), 0, "%s", text);
	r = pg_cert_has_id(pg, c, &id);
	cg_id_free(&id);
	return r;
}

Test(cert, identities_from_dn_and_subject_alt_names)
{
	gnutls_x509_privkey_t key = pf_key(PF_P256);
	gnutls_x509_crt_t crt = pf_cert(&moon, key, NULL, NULL);
	struct pg_cert *c = pg_test_cert(pg, "moon.crt", crt);
	struct cg_id id;

	cr_assert(has(c, "moon.example.org"));
	cr_assert(has(c, "@MOON.example.ORG"), "FQDNs compare case-insensitively");
	cr_assert(has(c, "moon@example.org"));
	cr_assert(has(c, "192.0.2.1"));
	cr_assert(has(c, "2001:db8::1"));
	cr_assert(has(c, "C=CH, O=cygnet, OU=Gateways, CN=moon"));
	cr_assert(has(c, "C=ch,O=Cygnet,OU=gateways,CN=MOON"), "DNs compare case-insensitively");

	cr_assert_not(has(c, "sun.example.org"));
	cr_assert_not(has(c, "example.org"));
	cr_assert_not(has(c, "moon.example.org.evil"));
	cr_assert_not(has(c, "sun@example.org"));
	cr_assert_not(has(c, "192.0.2.2"));
	cr_assert_not(has(c, "::ffff:192.0.2.1"));
	cr_assert_not(has(c, "C=CH, O=cygnet, CN=moon"), "a DN with an RDN left out");
	cr_assert_not(has(c, "CN=moon, OU=Gateways, O=cygnet, C=CH"), "RDNs in the other order");
	cr_assert_not(has(c, "%any"));

	/* The DN as it comes off the wire (ID_DER_ASN1_DN). */
	cr_assert_eq(cg_id_from_wire(CG_ID_DER_ASN1_DN, pg_cert_subject_der(pg, c), &id), 0);
	cr_assert(pg_cert_has_id(pg, c, &id));
	cg_id_free(&id);

	/* KEY_ID: the subjectKeyIdentifier. */
	{
		uint8_t kid[64];
		size_t len = sizeof(kid);

		cr_assert_eq(gnutls_x509_privkey_get_key_id(key, 0, kid, &len), 0);
		cr_assert_eq(cg_id_from_wire(CG_ID_KEY_ID, CG_CHUNK(kid, len), &id), 0);
		cr_assert(pg_cert_has_id(pg, c, &id));
		kid[0] ^= 1;
		cg_id_free(&id);
		cr_assert_eq(cg_id_from_wire(CG_ID_KEY_ID, CG_CHUNK(kid, len), &id), 0);
		cr_assert_not(pg_cert_has_id(pg, c, &id));
		cg_id_free(&id);
	}
	pg_cert_free(pg, c);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

/* RFC 7296 3.7: the CERTREQ CA value is SHA-1 over the subjectPublicKeyInfo. */
Test(cert, key_hash_is_sha1_of_spki)
{
	gnutls_x509_privkey_t key = pf_key(PF_P256);
	gnutls_x509_crt_t crt = pf_cert(&moon, key, NULL, NULL);
	struct pg_cert *c = pg_test_cert(pg, "moon.crt", crt);
	gnutls_pubkey_t pub;
	gnutls_datum_t spki;
	uint8_t got[20], want[20];

	/* The public key from the private key, encoded on its own. */
	cr_assert_eq(gnutls_pubkey_init(&pub), 0);
	{
		gnutls_privkey_t pk;

		cr_assert_eq(gnutls_privkey_init(&pk), 0);
		cr_assert_eq(gnutls_privkey_import_x509(pk, key, 0), 0);
		cr_assert_eq(gnutls_pubkey_import_privkey(pub, pk, 0, 0), 0);
		gnutls_privkey_deinit(pk);
	}
	cr_assert_eq(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki), 0);
	cr_assert_eq(gnutls_hash_fast(GNUTLS_DIG_SHA1, spki.data, spki.size, want), 0);
	/* And that encoding really is inside the certificate. */
	cr_assert_not_null(memmem(pg_cert_der(pg, c).ptr, pg_cert_der(pg, c).len, spki.data,
				  spki.size));
	cr_assert_eq(pg_cert_key_hash(pg, c, got), 0);
	cr_assert(!memcmp(got, want, 20));
	gnutls_free(spki.data);
	gnutls_pubkey_deinit(pub);
	pg_cert_free(pg, c);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

Test(cert, malformed_input_is_refused)
{
	gnutls_x509_privkey_t key = pf_key(PF_P256);
	gnutls_x509_crt_t crt = pf_cert(&moon, key, NULL, NULL);
	gnutls_datum_t der;
	struct tl_logcap cap;
	uint8_t junk[300];
	char *path;
	void *h;

	tl_logcap_start(&cap, pg->core, CG_LVL_DEBUG);
	cr_assert_eq(pg_cert_load(pg, "/nonexistent/moon.crt", &h), -ENOENT);
	cr_assert_eq(pg_key_load(pg, "/nonexistent/moon.key", &h), -ENOENT);
	cr_assert_eq(pg_cert_parse(pg, CG_CHUNK_EMPTY, &h), -EINVAL);
	memset(junk, 0x30, sizeof(junk));
	cr_assert_eq(pg_cert_parse(pg, CG_CHUNK(junk, sizeof(junk)), &h), -EINVAL);
	cr_assert_gt(tl_logcap_count(&cap, "not an X.509 certificate"), 0);

	/* Every truncation of a valid certificate is refused, never a crash. */
	cr_assert_eq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
	for (unsigned len = 1; len < der.size; len += 7)
		cr_assert_eq(pg_cert_parse(pg, CG_CHUNK(der.data, len), &h), -EINVAL, "len %u", len);
	/* Flipped bytes: either refused or parsed into something usable. */
	for (unsigned i = 0; i < der.size; i += 5) {
		der.data[i] ^= 0x5a;
		if (pg_cert_parse(pg, CG_CHUNK(der.data, der.size), &h) == 0) {
			cr_assert_not_null(pg_cert_subject(pg, h));
			pg_cert_free(pg, h);
		}
		der.data[i] ^= 0x5a;
	}

	/* Files: empty, garbage, PEM with a broken body, a certificate given as a key. */
	path = pf_write("empty.crt", "", 0);
	cr_assert_lt(pg_cert_load(pg, path, &h), 0);
	free(path);
	path = pf_write("junk.crt", junk, sizeof(junk));
	cr_assert_eq(pg_cert_load(pg, path, &h), -EINVAL);
	cr_assert_eq(pg_key_load(pg, path, &h), -EINVAL);
	free(path);
	{
		static const char broken[] =
			"-----BEGIN CERTIFICATE-----\nMIIB!!!\n-----END CERTIFICATE-----\n";

		path = pf_write("broken.pem", broken, strlen(broken));
	}
	cr_assert_eq(pg_cert_load(pg, path, &h), -EINVAL);
	free(path);
	path = pf_write_cert("moon.crt", crt, GNUTLS_X509_FMT_PEM);
	cr_assert_eq(pg_key_load(pg, path, &h), -EINVAL);
	cr_assert_gt(tl_logcap_count(&cap, "private key"), 0);
	free(path);
	tl_logcap_stop(&cap);
	gnutls_free(der.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}
