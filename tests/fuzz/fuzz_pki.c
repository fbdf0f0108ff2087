/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for pki-gnutls's wrappers of what a peer sends: the input as
 * a DER certificate (a CERT payload) with everything the core asks of one
 * (subject, key, identity matches), and as a DER distinguished name (an
 * ID_DER_ASN1_DN identity).
 */
#include <stdlib.h>

#include "fuzz.h"
#include "pg.h"
#include "testlib.h"

static struct pg_plugin fz_pg;
static struct cg_id fz_ids[6];

static void fz_pki_init(void)
{
	static const char *const ids[] = {
		"moon.example.org", "moon@example.org", "192.0.2.1", "2001:db8::1",
		"C=CH, O=cygnet, OU=gateways, CN=moon.example.org", "%any",
	};

	if (fz_pg.core)
		return;
	fz_pg.core = tl_core_new("fuzz-pki", "daemon: { plugins: [], log: { default: silent } }\n",
				 NULL, NULL, NULL);
	if (!fz_pg.core)
		abort();
	for (size_t i = 0; i < CG_ARRAY_SIZE(ids); i++)
		if (cg_id_parse(ids[i], &fz_ids[i]))
			abort();
}

static void fz_pki_cert(struct cg_chunk der)
{
	gnutls_datum_t subject;
	uint8_t hash[20];
	char *text;
	void *cert;

	if (pg_cert_parse(&fz_pg, der, &cert))
		return;
	pg_cert_der(&fz_pg, cert);
	pg_cert_subject(&fz_pg, cert);
	pg_cert_key_hash(&fz_pg, cert, hash);
	pg_cert_key_type(&fz_pg, cert);
	pg_cert_key_bits(&fz_pg, cert);
	for (size_t i = 0; i < CG_ARRAY_SIZE(fz_ids); i++)
		pg_cert_has_id(&fz_pg, cert, &fz_ids[i]);
	subject.data = (void *)pg_cert_subject_der(&fz_pg, cert).ptr;
	subject.size = (unsigned)pg_cert_subject_der(&fz_pg, cert).len;
	pg_dn_equal(&subject, &subject);
	if (!pg_dn_to_text(&subject, &text))
		free(text);
	pg_cert_free(&fz_pg, cert);
}

static bool fz_pki_seed_ok(const uint8_t *data, size_t size)
{
	char *text;
	void *cert;

	fz_pki_init();
	if (!pg_cert_parse(&fz_pg, CG_CHUNK(data, size), &cert)) {
		pg_cert_free(&fz_pg, cert);
		return true;
	}
	if (!pg_dn_decode(&fz_pg, CG_CHUNK(data, size), &text)) {
		free(text);
		return true;
	}
	return false;
}

const struct fz_target fz_target = {
	.min_seeds = 6,
	.seed_ok = fz_pki_seed_ok,
	.stride = 3,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cg_id id;
	char *text;
	char buf[256];

	fz_pki_init();
	fz_pki_cert(CG_CHUNK(data, size));
	if (!pg_dn_decode(&fz_pg, CG_CHUNK(data, size), &text))
		free(text);
	/* The same bytes as the identity of an IDr payload, shown as a log line would. */
	if (!cg_id_from_wire(CG_ID_DER_ASN1_DN, CG_CHUNK(data, size), &id)) {
		cg_id_str(&id, buf, sizeof(buf));
		cg_id_free(&id);
	}
	return 0;
}
