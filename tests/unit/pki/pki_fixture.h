/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test credentials made with the GnuTLS API: keys, certificates, CRLs, written to files. */
#ifndef PKI_FIXTURE_H
#define PKI_FIXTURE_H

#include <stdbool.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

enum pf_key_kind { PF_RSA2048, PF_P256, PF_P384, PF_ED25519 };

struct pf_cert_opts {
	const char *dn;            /* RFC 4514 order, e.g. "CN=moon,O=cygnet,C=CH" */
	const char *dns, *email;   /* subjectAltNames, or NULL */
	const char *ip4, *ip6;     /* textual addresses, or NULL */
	bool ca;
	time_t not_before, not_after; /* 0: an hour ago / in a year */
	unsigned serial;
};

gnutls_x509_privkey_t pf_key(enum pf_key_kind kind);
/* Signs a certificate for key; self-signed when issuer is NULL. */
gnutls_x509_crt_t pf_cert(const struct pf_cert_opts *o, gnutls_x509_privkey_t key,
			  gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key);
/* A CRL by issuer revoking the given certificates (n may be 0). */
gnutls_x509_crl_t pf_crl(gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key,
			 gnutls_x509_crt_t *revoked, size_t n);

/* A fresh temporary directory (removed by pf_cleanup) and files in it. */
const char *pf_dir(void);
void pf_cleanup(void);
/* Writes data to pf_dir()/name; returns the path (static storage per call, copy it). */
char *pf_write(const char *name, const void *data, size_t len);
char *pf_write_cert(const char *name, gnutls_x509_crt_t crt, gnutls_x509_crt_fmt_t fmt);
/* pkcs8 true: PKCS#8; false: PKCS#1 (RSA) / SEC1 (EC) as GnuTLS exports them. */
char *pf_write_key(const char *name, gnutls_x509_privkey_t key, gnutls_x509_crt_fmt_t fmt,
		   bool pkcs8);
char *pf_write_crl(const char *name, gnutls_x509_crl_t crl, gnutls_x509_crt_fmt_t fmt);

#endif
