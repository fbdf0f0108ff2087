/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pki-gnutls loaded as cygnetd loads it, used through the core's credential API. */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pki_fixture.h"
#include "testlib.h"

static const char yaml[] = "daemon: { plugins: [pki-gnutls] }\n";

Test(pki_plugin, certificates_keys_and_signatures_through_the_core)
{
	struct cg_core *core = tl_core_new("p", yaml, NULL, NULL, NULL);
	const struct pf_cert_opts o = { .dn = "CN=moon,O=cygnet,C=CH", .dns = "moon.example.org",
					.serial = 1 };
	gnutls_x509_privkey_t key = pf_key(PF_P256);
	gnutls_x509_crt_t crt = pf_cert(&o, key, NULL, NULL);
	char *cpath = pf_write_cert("moon.crt", crt, GNUTLS_X509_FMT_PEM);
	char *kpath = pf_write_key("moon.key", key, GNUTLS_X509_FMT_PEM, false);
	const uint8_t data[] = "signed octets";
	struct cg_chunk sig = CG_CHUNK_EMPTY, der = CG_CHUNK_EMPTY;
	struct cg_cert *cert, *peer;
	struct cg_privkey *pk;
	char *text = NULL;
	struct cg_id id;
	const char *reason = NULL;

	cr_assert_not_null(core);
	cr_assert(cg_pki_available(core));
	cr_assert_eq(cg_cert_load(core, cpath, &cert), 0);
	cr_assert_str_eq(cg_cert_subject(cert), "C=CH, O=cygnet, CN=moon");
	cr_assert_eq(cg_cert_key_type(cert), CG_KEY_ECDSA_P256);
	cr_assert_eq(cg_privkey_load(core, kpath, &pk), 0);
	cr_assert_eq(cg_privkey_type(pk), CG_KEY_ECDSA_P256);
	cr_assert_eq(cg_privkey_sign(pk, CG_SIG_ECDSA_SHA256_RAW, CG_CHUNK(data, sizeof(data)), &sig),
		     0);
	cr_assert_eq(sig.len, 64);
	/* The peer's side: the certificate arrives as DER in a CERT payload. */
	cr_assert_eq(cg_cert_parse(core, cg_cert_der(cert), &peer), 0);
	cr_assert_eq(cg_cert_verify(peer, CG_SIG_ECDSA_SHA256_RAW, CG_CHUNK(data, sizeof(data)), sig),
		     0);
	cr_assert_eq(cg_cert_verify(peer, CG_SIG_ECDSA_SHA256_RAW, CG_CHUNK(data, 3), sig), -EBADMSG);
	cr_assert_eq(cg_cert_verify_chain(peer, NULL, 0, &cert, 1, NULL, 0, &reason), 0, "%s",
		     reason);
	cr_assert_eq(cg_id_parse("moon.example.org", &id), 0);
	cr_assert(cg_cert_has_id(peer, &id));
	cg_id_free(&id);
	cr_assert_eq(cg_pki_dn_encode(core, "C=CH, O=cygnet, CN=moon", &der), 0);
	cr_assert_eq(der.len, cg_cert_subject_der(cert).len);
	cr_assert(!memcmp(der.ptr, cg_cert_subject_der(cert).ptr, der.len));
	cr_assert_eq(cg_pki_dn_decode(core, der, &text), 0);
	cr_assert_str_eq(text, "C=CH, O=cygnet, CN=moon");
	free(text);
	cg_chunk_free(&der);
	cg_chunk_free(&sig);
	cg_cert_unref(peer);
	cg_cert_unref(cert);
	cg_privkey_unref(pk);
	cg_core_destroy(core);
	free(cpath);
	free(kpath);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	pf_cleanup();
}
