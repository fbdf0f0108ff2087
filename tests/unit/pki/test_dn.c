/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Distinguished names: cygnet's text form to DER and back. */
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

TestSuite(dn, .init = setup, .fini = teardown);

static char *round_trip(const char *text)
{
	struct cg_chunk der = CG_CHUNK_EMPTY;
	char *back = NULL;

	cr_assert_eq(pg_dn_encode(pg, text, &der), 0, "encoding '%s'", text);
	cr_assert_eq(pg_dn_decode(pg, der, &back), 0);
	cg_chunk_free(&der);
	return back;
}

Test(dn, text_der_text)
{
	const char *same[] = {
		"C=CH, O=cygnet, CN=moon",
		"C=CH, O=cygnet, OU=Gateways, CN=moon.example.org",
		"CN=moon",
		"DC=org, DC=example, CN=moon, E=moon@example.org",
		"C=CH, O=a\\, b, CN=x",
	};

	for (size_t i = 0; i < CG_ARRAY_SIZE(same); i++) {
		char *back = round_trip(same[i]);

		if (i == 4)
			cr_assert_str_eq(back, "C=CH, O=a, b, CN=x"); /* the value holds the comma */
		else
			cr_assert_str_eq(back, same[i]);
		free(back);
	}
}

/* The DER lists RDNs in the order written (C first), as a certificate made with that DN. */
Test(dn, order_matches_certificates)
{
	gnutls_x509_privkey_t key = pf_key(PF_P256);
	const struct pf_cert_opts o = { .dn = "CN=moon,O=cygnet,C=CH", .serial = 5 };
	gnutls_x509_crt_t crt = pf_cert(&o, key, NULL, NULL);
	struct pg_cert *c = pg_test_cert(pg, "moon.crt", crt);
	struct cg_chunk der = CG_CHUNK_EMPTY;
	gnutls_datum_t a, b;

	cr_assert_eq(pg_dn_encode(pg, "C=CH, O=cygnet, CN=moon", &der), 0);
	a = (gnutls_datum_t){ der.ptr, (unsigned)der.len };
	b = (gnutls_datum_t){ pg_cert_subject_der(pg, c).ptr, (unsigned)pg_cert_subject_der(pg, c).len };
	cr_assert(pg_dn_equal(&a, &b));
	cg_chunk_free(&der);
	cr_assert_eq(pg_dn_encode(pg, "CN=moon, O=cygnet, C=CH", &der), 0);
	a = (gnutls_datum_t){ der.ptr, (unsigned)der.len };
	cr_assert_not(pg_dn_equal(&a, &b), "reversed order is another name");
	cg_chunk_free(&der);
	pg_cert_free(pg, c);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

Test(dn, bad_text_and_der)
{
	struct cg_chunk der = CG_CHUNK_EMPTY;
	const char *bad[] = { "", "moon", "=x", "XYZ=moon", "CN", "C=CH, ", "CN=\"open" };
	uint8_t junk[] = { 0x30, 0x05, 0x31, 0x03, 0x30, 0x01 };
	char *text;

	for (size_t i = 0; i < CG_ARRAY_SIZE(bad); i++) {
		int err = pg_dn_encode(pg, bad[i], &der);

		if (i == 5) { /* a trailing separator is tolerated */
			cr_assert_eq(err, 0, "'%s'", bad[i]);
			cg_chunk_free(&der);
			continue;
		}
		cr_assert_eq(err, -EINVAL, "'%s' must be refused", bad[i]);
	}
	cr_assert_eq(pg_dn_decode(pg, CG_CHUNK_EMPTY, &text), -EINVAL);
	cr_assert_lt(pg_dn_decode(pg, CG_CHUNK(junk, sizeof(junk)), &text), 0);
	/* Dotted OIDs work both ways. */
	cr_assert_eq(pg_dn_encode(pg, "2.5.4.3=moon", &der), 0);
	cr_assert_eq(pg_dn_decode(pg, der, &text), 0);
	cr_assert_str_eq(text, "CN=moon");
	free(text);
	cg_chunk_free(&der);
}
