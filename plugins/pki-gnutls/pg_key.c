/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private keys: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), PEM or DER, unencrypted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

static void key_free(struct pg_key *k)
{
	if (!k)
		return;
	if (k->pub)
		gnutls_pubkey_deinit(k->pub);
	if (k->key)
		gnutls_privkey_deinit(k->key);
	free(k);
}

int pg_key_load(void *priv, const char *path, void **key)
{
	struct pg_plugin *pg = priv;
	gnutls_datum_t data;
	struct pg_key *k;
	int ret, err;

	err = pg_file_read(path, &data);
	if (err) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR, "%s: cannot read private key: %s", path,
		       strerror(-err));
		return err;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		err = -ENOMEM;
		goto out;
	}
	ret = gnutls_privkey_init(&k->key);
	if (ret >= 0)
		ret = gnutls_privkey_import_x509_raw(k->key, &data,
						     pg_is_pem(&data) ? GNUTLS_X509_FMT_PEM
								      : GNUTLS_X509_FMT_DER,
						     NULL, 0);
	if (ret < 0) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR,
		       "%s: not an unencrypted PKCS#8, PKCS#1 or SEC1 private key: %s", path,
		       gnutls_strerror(ret));
		err = ret == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		goto out;
	}
	ret = gnutls_pubkey_init(&k->pub);
	if (ret >= 0)
		ret = gnutls_pubkey_import_privkey(k->pub, k->key, 0, 0);
	if (ret < 0) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR, "%s: cannot derive the public key: %s",
		       path, gnutls_strerror(ret));
		err = pg_errno(ret);
		goto out;
	}
	k->type = pg_pubkey_type(k->pub, &k->bits);
	if (k->type == CG_KEY_NONE) {
		cg_log(pg->core, CG_LOG_LIB, CG_LVL_ERROR,
		       "%s: key type not supported (RSA, ECDSA P-256/384/521, Ed25519, Ed448 are)",
		       path);
		err = -ENOTSUP;
		goto out;
	}
	*key = k;
	k = NULL;
out:
	key_free(k);
	/* The file held the key: wipe our copy before it goes back to the allocator. */
	cg_memwipe(data.data, data.size);
	gnutls_free(data.data);
	return err;
}

void pg_key_free(void *priv, void *key)
{
	key_free(key);
}

enum cg_key_type pg_key_type(void *priv, const void *key)
{
	const struct pg_key *k = key;

	return k->type;
}

/* Both public keys have the same identifier (SHA-256 over the key). */
bool pg_key_matches_cert(void *priv, const void *key, const void *cert)
{
	const struct pg_key *k = key;
	const struct pg_cert *c = cert;
	uint8_t a[32], b[32];
	size_t la = sizeof(a), lb = sizeof(b);

	if (gnutls_pubkey_get_key_id(k->pub, GNUTLS_KEYID_USE_SHA256, a, &la) < 0 ||
	    gnutls_pubkey_get_key_id(c->pub, GNUTLS_KEYID_USE_SHA256, b, &lb) < 0)
		return false;
	return la == lb && !memcmp(a, b, la);
}
