/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pki-gnutls backend driven directly through its ops, with a core for its log lines. */
#ifndef PG_TEST_H
#define PG_TEST_H

#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pg.h"
#include "pki_fixture.h"
#include "testlib.h"

static inline struct pg_plugin *pg_test_new(void)
{
	struct pg_plugin *pg = calloc(1, sizeof(*pg));

	cr_assert_not_null(pg);
	pg->core = tl_core_new("pki", "daemon: { plugins: [] }\n", NULL, NULL, NULL);
	cr_assert_not_null(pg->core);
	return pg;
}

static inline void pg_test_free(struct pg_plugin *pg)
{
	cg_core_destroy(pg->core);
	free(pg);
	pf_cleanup();
}

/* Writes crt as a file and loads it through the backend. */
static inline struct pg_cert *pg_test_cert(struct pg_plugin *pg, const char *name,
					   gnutls_x509_crt_t crt)
{
	char *path = pf_write_cert(name, crt, GNUTLS_X509_FMT_PEM);
	void *c = NULL;

	cr_assert_eq(pg_cert_load(pg, path, &c), 0, "loading %s", name);
	free(path);
	return c;
}

static inline struct pg_key *pg_test_key(struct pg_plugin *pg, const char *name,
					 gnutls_x509_privkey_t key)
{
	char *path = pf_write_key(name, key, GNUTLS_X509_FMT_PEM, true);
	void *k = NULL;

	cr_assert_eq(pg_key_load(pg, path, &k), 0, "loading %s", name);
	free(path);
	return k;
}

#endif
