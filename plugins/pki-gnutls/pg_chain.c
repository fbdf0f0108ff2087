/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Chain verification. cygnet orders the chain itself (end entity, then the
 * intermediates that issued it, up to a trusted CA), checks validity dates
 * against the caller's clock (GnuTLS would use its own), checks each CRL's
 * signature, and lets GnuTLS verify signatures, CA constraints and revocation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

#define PG_CHAIN_MAX 16
#define PG_CRLS_MAX 64

struct pg_crls {
	gnutls_x509_crl_t *list;
	size_t n;
};

static void crls_free(struct pg_crls *crls)
{
	for (size_t i = 0; i < crls->n; i++)
		gnutls_x509_crl_deinit(crls->list[i]);
	free(crls->list);
	crls->n = 0;
	crls->list = NULL;
}

static bool issued_by_any(gnutls_x509_crt_t crt, gnutls_x509_crt_t *issuers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (gnutls_x509_crt_check_issuer(crt, issuers[i]))
			return true;
	return false;
}

/* end, then each intermediate issuing the previous one, until a CA issued the last. */
static size_t chain_build(const struct pg_cert *end, void *const *inter, size_t n_inter,
			  gnutls_x509_crt_t *cas, size_t n_cas, gnutls_x509_crt_t *chain)
{
	bool used[PG_CHAIN_MAX] = { false };
	size_t n = 0;

	chain[n++] = end->crt;
	while (n < PG_CHAIN_MAX && !issued_by_any(chain[n - 1], cas, n_cas)) {
		size_t i;

		for (i = 0; i < n_inter && i < PG_CHAIN_MAX; i++) {
			const struct pg_cert *c = inter[i];

			if (!used[i] && gnutls_x509_crt_check_issuer(chain[n - 1], c->crt))
				break;
		}
		if (i == n_inter || i == PG_CHAIN_MAX)
			break;
		used[i] = true;
		chain[n++] = ((const struct pg_cert *)inter[i])->crt;
	}
	return n;
}

static const char *dates_check(gnutls_x509_crt_t crt, int64_t now, bool end)
{
	if (gnutls_x509_crt_get_activation_time(crt) > now)
		return end ? "certificate not yet valid" : "issuer certificate not yet valid";
	if (gnutls_x509_crt_get_expiration_time(crt) < now)
		return end ? "certificate expired" : "issuer certificate expired";
	return NULL;
}

/* Dates of every chain member and of the CA that anchors it. */
static const char *chain_dates(gnutls_x509_crt_t *chain, size_t n, gnutls_x509_crt_t *cas,
			       size_t n_cas, int64_t now)
{
	const char *bad;

	for (size_t i = 0; i < n; i++) {
		bad = dates_check(chain[i], now, i == 0);
		if (bad)
			return bad;
	}
	for (size_t i = 0; i < n_cas; i++)
		if (gnutls_x509_crt_check_issuer(chain[n - 1], cas[i]))
			return dates_check(cas[i], now, false);
	return NULL;
}

static int crls_add_file(struct pg_plugin *pg, struct pg_crls *crls, const char *path)
{
	gnutls_datum_t data;
	gnutls_x509_crl_t *list = NULL;
	unsigned n = 0;
	int ret, err;

	err = pg_file_read(path, &data);
	if (err) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR, "%s: cannot read CRL: %s", path,
		       strerror(-err));
		return err;
	}
	ret = gnutls_x509_crl_list_import2(&list, &n, &data,
					   pg_is_pem(&data) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER,
					   0);
	gnutls_free(data.data);
	if (ret < 0) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR, "%s: not a CRL: %s", path,
		       gnutls_strerror(ret));
		return -EINVAL;
	}
	err = 0;
	for (unsigned i = 0; i < n; i++) {
		gnutls_x509_crl_t *grown = NULL;

		if (!err && crls->n < PG_CRLS_MAX)
			grown = realloc(crls->list, (crls->n + 1) * sizeof(*grown));
		if (!grown) {
			err = err ? err : -ENOMEM;
			gnutls_x509_crl_deinit(list[i]);
			continue;
		}
		crls->list = grown;
		crls->list[crls->n++] = list[i];
	}
	gnutls_free(list);
	return err;
}

/* Keeps the CRLs that a CA or a chain member signed; a forged CRL must not count. */
static void crls_keep_signed(struct pg_plugin *pg, struct pg_crls *crls, gnutls_x509_crt_t *issuers,
			     size_t n_issuers, int64_t now)
{
	size_t kept = 0;

	for (size_t i = 0; i < crls->n; i++) {
		unsigned status = 0;
		int ret = gnutls_x509_crl_verify(crls->list[i], issuers, (unsigned)n_issuers, 0,
						 &status);

		if (ret < 0 || status) {
			cg_log(pg->core, CG_LOG_LIB, CG_LVL_WARN,
			       "ignoring a CRL not signed by a trusted issuer");
			gnutls_x509_crl_deinit(crls->list[i]);
			continue;
		}
		if (gnutls_x509_crl_get_next_update(crls->list[i]) < now)
			cg_log(pg->core, CG_LOG_LIB, CG_LVL_WARN,
			       "a CRL is past its next update; its revocations still apply");
		crls->list[kept++] = crls->list[i];
	}
	crls->n = kept;
}

static const char *status_reason(unsigned status)
{
	if (status & GNUTLS_CERT_REVOKED)
		return "certificate revoked";
	if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
		return "no trusted CA issued the certificate";
	if (status & GNUTLS_CERT_SIGNER_NOT_CA)
		return "issuer is not a CA";
	if (status & GNUTLS_CERT_SIGNATURE_FAILURE)
		return "certificate signature invalid";
	if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		return "certificate signed with an insecure algorithm";
	if (status & GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE)
		return "issuer constraints violated";
	return "certificate chain invalid";
}

int pg_cert_verify_chain(void *priv, const void *end, void *const *intermediates,
			 size_t n_inter, void *const *cas, size_t n_cas,
			 const char *const *crl_paths, size_t n_crls, int64_t now,
			 const char **reason)
{
	struct pg_plugin *pg = priv;
	gnutls_x509_crt_t chain[PG_CHAIN_MAX], *ca_list, *issuers;
	struct pg_crls crls = { 0 };
	unsigned status = 0;
	size_t n;
	int ret, err = -EACCES;

	*reason = "out of memory";
	ca_list = calloc(n_cas + 1, sizeof(*ca_list));
	issuers = calloc(n_cas + PG_CHAIN_MAX, sizeof(*issuers));
	if (!ca_list || !issuers) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_cas; i++)
		ca_list[i] = ((const struct pg_cert *)cas[i])->crt;
	n = chain_build(end, intermediates, n_inter, ca_list, n_cas, chain);
	*reason = chain_dates(chain, n, ca_list, n_cas, now);
	if (*reason)
		goto out;
	for (size_t i = 0; i < n_crls; i++) {
		if (crls_add_file(pg, &crls, crl_paths[i])) {
			*reason = "a configured CRL could not be loaded";
			goto out;
		}
	}
	memcpy(issuers, ca_list, n_cas * sizeof(*issuers));
	memcpy(issuers + n_cas, chain, n * sizeof(*issuers));
	crls_keep_signed(pg, &crls, issuers, n_cas + n, now);
	ret = gnutls_x509_crt_list_verify(chain, (unsigned)n, ca_list, (unsigned)n_cas, crls.list,
					  (unsigned)crls.n,
					  GNUTLS_VERIFY_DISABLE_TIME_CHECKS |
						  GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS,
					  &status);
	if (ret < 0) {
		*reason = "certificate chain could not be checked";
		goto out;
	}
	if (status) {
		*reason = status_reason(status);
		goto out;
	}
	*reason = NULL;
	err = 0;
out:
	crls_free(&crls);
	free(issuers);
	free(ca_list);
	return err;
}
