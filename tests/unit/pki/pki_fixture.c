/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <gnutls/abstract.h>

#include "pki_fixture.h"

#define CHECK(expr) cr_assert((expr) >= 0, "%s failed", #expr)

gnutls_x509_privkey_t pf_key(enum pf_key_kind kind)
{
	gnutls_x509_privkey_t key;

	CHECK(gnutls_x509_privkey_init(&key));
	switch (kind) {
	case PF_RSA2048:
		CHECK(gnutls_x509_privkey_generate(key, GNUTLS_PK_RSA, 2048, 0));
		break;
	case PF_P256:
		CHECK(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
						   GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0));
		break;
	case PF_P384:
		CHECK(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
						   GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), 0));
		break;
	case PF_ED25519:
		CHECK(gnutls_x509_privkey_generate(key, GNUTLS_PK_EDDSA_ED25519, 256, 0));
		break;
	}
	return key;
}

static void add_ip_san(gnutls_x509_crt_t crt, int af, const char *text)
{
	uint8_t buf[16];

	cr_assert_eq(inet_pton(af, text, buf), 1);
	CHECK(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, buf,
						   af == AF_INET ? 4 : 16, GNUTLS_FSAN_APPEND));
}

gnutls_x509_crt_t pf_cert(const struct pf_cert_opts *o, gnutls_x509_privkey_t key,
			  gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key)
{
	gnutls_x509_crt_t crt;
	time_t now = time(NULL);
	uint8_t serial[4] = { 0x10, 0, (uint8_t)(o->serial >> 8), (uint8_t)o->serial };
	const char *err;

	CHECK(gnutls_x509_crt_init(&crt));
	CHECK(gnutls_x509_crt_set_version(crt, 3));
	CHECK(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)));
	cr_assert(gnutls_x509_crt_set_dn(crt, o->dn, &err) >= 0, "bad DN at %s", err);
	CHECK(gnutls_x509_crt_set_key(crt, key));
	CHECK(gnutls_x509_crt_set_activation_time(crt, o->not_before ? o->not_before : now - 3600));
	CHECK(gnutls_x509_crt_set_expiration_time(crt, o->not_after ? o->not_after
								    : now + 365 * 86400));
	CHECK(gnutls_x509_crt_set_basic_constraints(crt, o->ca, -1));
	CHECK(gnutls_x509_crt_set_key_usage(crt, o->ca ? GNUTLS_KEY_KEY_CERT_SIGN |
								 GNUTLS_KEY_CRL_SIGN |
								 GNUTLS_KEY_DIGITAL_SIGNATURE
						       : GNUTLS_KEY_DIGITAL_SIGNATURE));
	if (o->dns)
		CHECK(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, o->dns,
							   strlen(o->dns), GNUTLS_FSAN_APPEND));
	if (o->email)
		CHECK(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_RFC822NAME, o->email,
							   strlen(o->email), GNUTLS_FSAN_APPEND));
	if (o->ip4)
		add_ip_san(crt, AF_INET, o->ip4);
	if (o->ip6)
		add_ip_san(crt, AF_INET6, o->ip6);
	{
		uint8_t id[64];
		size_t len = sizeof(id);

		CHECK(gnutls_x509_privkey_get_key_id(key, 0, id, &len));
		CHECK(gnutls_x509_crt_set_subject_key_id(crt, id, len));
	}
	if (issuer) {
		uint8_t id[64];
		size_t len = sizeof(id);

		CHECK(gnutls_x509_privkey_get_key_id(issuer_key, 0, id, &len));
		CHECK(gnutls_x509_crt_set_authority_key_id(crt, id, len));
	}
	{
		gnutls_x509_privkey_t signer = issuer ? issuer_key : key;
		/* EdDSA hashes internally: GnuTLS wants no digest named for it. */
		bool eddsa = gnutls_x509_privkey_get_pk_algorithm(signer) == GNUTLS_PK_EDDSA_ED25519;

		CHECK(gnutls_x509_crt_sign2(crt, issuer ? issuer : crt, signer,
					    eddsa ? GNUTLS_DIG_UNKNOWN : GNUTLS_DIG_SHA256, 0));
	}
	return crt;
}

gnutls_x509_crl_t pf_crl(gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key,
			 gnutls_x509_crt_t *revoked, size_t n)
{
	gnutls_x509_crl_t crl;
	time_t now = time(NULL);

	CHECK(gnutls_x509_crl_init(&crl));
	CHECK(gnutls_x509_crl_set_version(crl, 2));
	CHECK(gnutls_x509_crl_set_this_update(crl, now - 60));
	CHECK(gnutls_x509_crl_set_next_update(crl, now + 86400));
	for (size_t i = 0; i < n; i++)
		CHECK(gnutls_x509_crl_set_crt(crl, revoked[i], now - 60));
	CHECK(gnutls_x509_crl_sign2(crl, issuer, issuer_key, GNUTLS_DIG_SHA256, 0));
	return crl;
}

/* One directory per test process; each Criterion test runs in its own process. */
static char dir[64];

const char *pf_dir(void)
{
	if (!dir[0]) {
		strcpy(dir, "/tmp/cygnet-pki-XXXXXX");
		cr_assert_not_null(mkdtemp(dir));
	}
	return dir;
}

void pf_cleanup(void)
{
	char cmd[128];

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	dir[0] = '\0';
}

char *pf_write(const char *name, const void *data, size_t len)
{
	char *path;
	FILE *f;

	cr_assert(asprintf(&path, "%s/%s", pf_dir(), name) > 0);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

char *pf_write_cert(const char *name, gnutls_x509_crt_t crt, gnutls_x509_crt_fmt_t fmt)
{
	gnutls_datum_t d;
	char *path;

	CHECK(gnutls_x509_crt_export2(crt, fmt, &d));
	path = pf_write(name, d.data, d.size);
	gnutls_free(d.data);
	return path;
}

char *pf_write_key(const char *name, gnutls_x509_privkey_t key, gnutls_x509_crt_fmt_t fmt,
		   bool pkcs8)
{
	gnutls_datum_t d;
	char *path;

	if (pkcs8)
		CHECK(gnutls_x509_privkey_export2_pkcs8(key, fmt, NULL, GNUTLS_PKCS_PLAIN, &d));
	else
		CHECK(gnutls_x509_privkey_export2(key, fmt, &d));
	path = pf_write(name, d.data, d.size);
	gnutls_free(d.data);
	return path;
}

char *pf_write_crl(const char *name, gnutls_x509_crl_t crl, gnutls_x509_crt_fmt_t fmt)
{
	gnutls_datum_t d;
	char *path;

	CHECK(gnutls_x509_crl_export2(crl, fmt, &d));
	path = pf_write(name, d.data, d.size);
	gnutls_free(d.data);
	return path;
}
