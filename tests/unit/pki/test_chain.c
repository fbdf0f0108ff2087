/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Chain verification: root CA -> intermediate -> end entity, with the
 * verification time given by the caller, CRL files, and the failures a
 * peer can cause.
 */
#include "pg_test.h"

static struct pg_plugin *pg;

struct pki {
	gnutls_x509_privkey_t ca_key, inter_key, end_key, other_key;
	gnutls_x509_crt_t ca, inter, end, other;
	struct pg_cert *h_ca, *h_inter, *h_end, *h_other;
};

static struct pki w;
static time_t now;

static void setup(void)
{
	const struct pf_cert_opts ca = { .dn = "CN=Root CA,O=cygnet,C=CH", .ca = true, .serial = 1 };
	const struct pf_cert_opts inter = { .dn = "CN=Gateways CA,O=cygnet,C=CH", .ca = true,
					    .serial = 2 };
	const struct pf_cert_opts end = { .dn = "CN=moon,O=cygnet,C=CH", .dns = "moon.example.org",
					  .serial = 3 };
	const struct pf_cert_opts other = { .dn = "CN=Other CA,O=elsewhere,C=CH", .ca = true,
					    .serial = 4 };

	pg = pg_test_new();
	now = time(NULL);
	w.ca_key = pf_key(PF_P256);
	w.inter_key = pf_key(PF_P256);
	w.end_key = pf_key(PF_P256);
	w.other_key = pf_key(PF_P256);
	w.ca = pf_cert(&ca, w.ca_key, NULL, NULL);
	w.inter = pf_cert(&inter, w.inter_key, w.ca, w.ca_key);
	w.end = pf_cert(&end, w.end_key, w.inter, w.inter_key);
	w.other = pf_cert(&other, w.other_key, NULL, NULL);
	w.h_ca = pg_test_cert(pg, "ca.crt", w.ca);
	w.h_inter = pg_test_cert(pg, "inter.crt", w.inter);
	w.h_end = pg_test_cert(pg, "end.crt", w.end);
	w.h_other = pg_test_cert(pg, "other.crt", w.other);
}

static void teardown(void)
{
	pg_cert_free(pg, w.h_ca);
	pg_cert_free(pg, w.h_inter);
	pg_cert_free(pg, w.h_end);
	pg_cert_free(pg, w.h_other);
	gnutls_x509_crt_deinit(w.ca);
	gnutls_x509_crt_deinit(w.inter);
	gnutls_x509_crt_deinit(w.end);
	gnutls_x509_crt_deinit(w.other);
	gnutls_x509_privkey_deinit(w.ca_key);
	gnutls_x509_privkey_deinit(w.inter_key);
	gnutls_x509_privkey_deinit(w.end_key);
	gnutls_x509_privkey_deinit(w.other_key);
	pg_test_free(pg);
}

TestSuite(chain, .init = setup, .fini = teardown);

static int verify(const void *end, void *const *inter, size_t n_inter, void *const *cas,
		  size_t n_cas, const char *const *crls, size_t n_crls, int64_t at,
		  const char **reason)
{
	*reason = "unset";
	return pg_cert_verify_chain(pg, end, inter, n_inter, cas, n_cas, crls, n_crls, at, reason);
}

Test(chain, valid_chain)
{
	void *inter[] = { w.h_other, w.h_inter }; /* unordered, with an unrelated certificate */
	void *cas[] = { w.h_other, w.h_ca };
	const char *reason;

	cr_assert_eq(verify(w.h_end, inter, 2, cas, 2, NULL, 0, now, &reason), 0, "%s", reason);
	cr_assert_null(reason);
	/* The intermediate itself, and a CA trusting itself. */
	cr_assert_eq(verify(w.h_inter, NULL, 0, cas, 2, NULL, 0, now, &reason), 0, "%s", reason);
	cr_assert_eq(verify(w.h_ca, NULL, 0, cas + 1, 1, NULL, 0, now, &reason), 0, "%s", reason);
	/* The intermediate configured as trusted anchors the chain too. */
	cr_assert_eq(verify(w.h_end, NULL, 0, inter + 1, 1, NULL, 0, now, &reason), 0, "%s", reason);
}

Test(chain, untrusted)
{
	void *inter[] = { w.h_inter }, *other[] = { w.h_other }, *ca[] = { w.h_ca };
	const char *reason;

	cr_assert_eq(verify(w.h_end, inter, 1, other, 1, NULL, 0, now, &reason), -EACCES);
	cr_assert_str_eq(reason, "no trusted CA issued the certificate");
	/* Without the intermediate the chain does not reach the root. */
	cr_assert_eq(verify(w.h_end, NULL, 0, ca, 1, NULL, 0, now, &reason), -EACCES);
	cr_assert_str_eq(reason, "no trusted CA issued the certificate");
	cr_assert_eq(verify(w.h_end, inter, 1, NULL, 0, NULL, 0, now, &reason), -EACCES);
}

Test(chain, dates_against_the_given_time)
{
	void *inter[] = { w.h_inter }, *ca[] = { w.h_ca };
	const char *reason;
	int64_t expires = gnutls_x509_crt_get_expiration_time(w.end);
	int64_t starts = gnutls_x509_crt_get_activation_time(w.end);

	cr_assert_eq(verify(w.h_end, inter, 1, ca, 1, NULL, 0, expires - 10, &reason), 0);
	cr_assert_eq(verify(w.h_end, inter, 1, ca, 1, NULL, 0, expires + 10, &reason), -EACCES);
	cr_assert_str_eq(reason, "certificate expired");
	cr_assert_eq(verify(w.h_end, inter, 1, ca, 1, NULL, 0, starts - 10, &reason), -EACCES);
	cr_assert_str_eq(reason, "certificate not yet valid");
}

Test(chain, expired_intermediate)
{
	const struct pf_cert_opts old = { .dn = "CN=Gateways CA,O=cygnet,C=CH", .ca = true,
					  .not_before = now - 10 * 86400,
					  .not_after = now - 86400, .serial = 9 };
	gnutls_x509_crt_t crt = pf_cert(&old, w.inter_key, w.ca, w.ca_key);
	struct pg_cert *h = pg_test_cert(pg, "old.crt", crt);
	void *inter[] = { h }, *ca[] = { w.h_ca };
	const char *reason;

	cr_assert_eq(verify(w.h_end, inter, 1, ca, 1, NULL, 0, now, &reason), -EACCES);
	cr_assert_str_eq(reason, "issuer certificate expired");
	pg_cert_free(pg, h);
	gnutls_x509_crt_deinit(crt);
}

Test(chain, revoked_by_crl_file)
{
	gnutls_x509_crl_t crl = pf_crl(w.inter, w.inter_key, &w.end, 1);
	gnutls_x509_crl_t empty = pf_crl(w.inter, w.inter_key, NULL, 0);
	char *pem = pf_write_crl("inter.crl", crl, GNUTLS_X509_FMT_PEM);
	char *der = pf_write_crl("inter.der", crl, GNUTLS_X509_FMT_DER);
	char *none = pf_write_crl("empty.crl", empty, GNUTLS_X509_FMT_PEM);
	void *inter[] = { w.h_inter }, *ca[] = { w.h_ca };
	const char *reason;

	cr_assert_eq(verify(w.h_end, inter, 1, ca, 1, (const char *[]){ pem }, 1, now, &reason),
		     -EACCES);
	cr_assert_str_eq(reason, "certificate revoked");
	cr_assert_eq(verify(w.h_end, inter, 1, ca, 1, (const char *[]){ none, der }, 2, now, &reason),
		     -EACCES);
	cr_assert_str_eq(reason, "certificate revoked");
	cr_assert_eq(verify(w.h_end, inter, 1, ca, 1, (const char *[]){ none }, 1, now, &reason), 0,
		     "%s", reason);
	/* The CRL names the end entity only: the intermediate stays valid. */
	cr_assert_eq(verify(w.h_inter, NULL, 0, ca, 1, (const char *[]){ pem }, 1, now, &reason), 0);
	gnutls_x509_crl_deinit(crl);
	gnutls_x509_crl_deinit(empty);
	free(pem);
	free(der);
	free(none);
}

/* A CRL signed by a stranger revokes nothing; a CRL that cannot be read fails closed. */
Test(chain, forged_and_missing_crls)
{
	gnutls_x509_crl_t forged = pf_crl(w.other, w.other_key, &w.end, 1);
	char *path = pf_write_crl("forged.crl", forged, GNUTLS_X509_FMT_PEM);
	char *junk = pf_write("junk.crl", "not a crl", 9);
	void *inter[] = { w.h_inter }, *ca[] = { w.h_ca };
	struct tl_logcap cap;
	const char *reason;

	tl_logcap_start(&cap, pg->core, CG_LVL_DEBUG);
	cr_assert_eq(verify(w.h_end, inter, 1, ca, 1, (const char *[]){ path }, 1, now, &reason), 0,
		     "%s", reason);
	cr_assert_gt(tl_logcap_count(&cap, "ignoring a CRL"), 0);
	cr_assert_eq(verify(w.h_end, inter, 1, ca, 1, (const char *[]){ "/nonexistent.crl" }, 1, now,
			    &reason), -EACCES);
	cr_assert_str_eq(reason, "a configured CRL could not be loaded");
	cr_assert_eq(verify(w.h_end, inter, 1, ca, 1, (const char *[]){ junk }, 1, now, &reason),
		     -EACCES);
	tl_logcap_stop(&cap);
	gnutls_x509_crl_deinit(forged);
	free(path);
	free(junk);
}

/* An end entity certificate cannot act as a CA. */
Test(chain, issuer_must_be_a_ca)
{
	const struct pf_cert_opts leaf = { .dn = "CN=mallory,O=cygnet,C=CH", .serial = 7 };
	gnutls_x509_privkey_t key = pf_key(PF_P256);
	gnutls_x509_crt_t crt = pf_cert(&leaf, key, w.end, w.end_key);
	struct pg_cert *h = pg_test_cert(pg, "mallory.crt", crt);
	void *inter[] = { w.h_end, w.h_inter }, *ca[] = { w.h_ca };
	const char *reason;

	cr_assert_eq(verify(h, inter, 2, ca, 1, NULL, 0, now, &reason), -EACCES);
	cr_assert_str_eq(reason, "issuer is not a CA");
	pg_cert_free(pg, h);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}
