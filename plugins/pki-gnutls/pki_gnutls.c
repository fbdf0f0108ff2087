/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pki-gnutls: X.509 certificates, private keys and signatures on GnuTLS,
 * registered as the core's PKI backend (struct cg_pki_ops).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

static const struct cg_pki_ops pg_ops = {
	.name = "pki-gnutls",
	.cert_load = pg_cert_load,
	.cert_parse = pg_cert_parse,
	.cert_free = pg_cert_free,
	.cert_der = pg_cert_der,
	.cert_subject = pg_cert_subject,
	.cert_subject_der = pg_cert_subject_der,
	.cert_key_hash = pg_cert_key_hash,
	.cert_has_id = pg_cert_has_id,
	.cert_key_type = pg_cert_key_type,
	.cert_key_bits = pg_cert_key_bits,
	.cert_verify_chain = pg_cert_verify_chain,
	.cert_verify = pg_cert_verify,
	.key_load = pg_key_load,
	.key_free = pg_key_free,
	.key_type = pg_key_type,
	.key_matches_cert = pg_key_matches_cert,
	.key_sign = pg_key_sign,
	.dn_encode = pg_dn_encode,
	.dn_decode = pg_dn_decode,
};

static int pg_init(struct cg_core *core, void **state)
{
	struct pg_plugin *pg;
	int ret, err;

	/* Reference-counted inside GnuTLS: safe with several cores in one process. */
	ret = gnutls_global_init();
	if (ret < 0) {
		cg_log(core, CG_LOG_LIB, CG_LVL_ERROR, "pki-gnutls: GnuTLS failed to start: %s",
		       gnutls_strerror(ret));
		return -EIO;
	}
	pg = calloc(1, sizeof(*pg));
	if (!pg) {
		err = -ENOMEM;
		goto err_deinit;
	}
	pg->core = core;
	err = cg_pki_register(core, &pg_ops, pg);
	if (err)
		goto err_free;
	*state = pg;
	return 0;

err_free:
	free(pg);
err_deinit:
	gnutls_global_deinit();
	return err;
}

static void pg_destroy(void *state)
{
	struct pg_plugin *pg = state;

	if (!pg)
		return;
	cg_pki_unregister(pg->core, &pg_ops);
	free(pg);
	gnutls_global_deinit();
}

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "pki-gnutls",
	.provides = (const char *const[]){ "pki", NULL },
	.init = pg_init,
	.destroy = pg_destroy,
};
