/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * crypto-nettle: IKE's ciphers, integrity algorithms, PRFs and key
 * exchange methods on nettle and GMP, and random numbers from getrandom().
 * Every algorithm is a constant descriptor in one of the cn_*.c files; this
 * file registers them all with the core's crypto registry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cn.h"

struct cn_plugin {
	struct cg_core *core;
};

int cn_random(uint8_t *out, size_t len)
{
	while (len) {
		ssize_t n = getrandom(out, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		out += n;
		len -= (size_t)n;
	}
	return 0;
}

int cn_mpz_export(uint8_t *out, size_t len, const mpz_t z)
{
	size_t n = (mpz_sizeinbase(z, 2) + 7) / 8;

	if (mpz_sgn(z) < 0 || n > len)
		return -EINVAL;
	memset(out, 0, len - n);
	if (mpz_sgn(z))
		mpz_export(out + len - n, NULL, 1, 1, 1, 0, z);
	return 0;
}

static int rng_bytes(void *priv, uint8_t *out, size_t len)
{
	return cn_random(out, len);
}

const struct cg_rng cn_rng = {
	.name = "getrandom",
	.bytes = rng_bytes,
};

static void cn_unregister_all(struct cn_plugin *cn)
{
	for (size_t i = 0; cn_encr_algs[i]; i++)
		cg_crypto_unregister(cn->core, cn_encr_algs[i]);
	for (size_t i = 0; cn_integ_algs[i]; i++)
		cg_crypto_unregister(cn->core, cn_integ_algs[i]);
	for (size_t i = 0; cn_prf_algs[i]; i++)
		cg_crypto_unregister(cn->core, cn_prf_algs[i]);
	for (size_t i = 0; cn_ke_algs[i]; i++)
		cg_crypto_unregister(cn->core, cn_ke_algs[i]);
	cg_crypto_unregister(cn->core, &cn_rng);
}

static int cn_register_all(struct cn_plugin *cn)
{
	int err = 0;

	for (size_t i = 0; !err && cn_encr_algs[i]; i++)
		err = cg_crypto_register_encr(cn->core, cn_encr_algs[i]);
	for (size_t i = 0; !err && cn_integ_algs[i]; i++)
		err = cg_crypto_register_integ(cn->core, cn_integ_algs[i]);
	for (size_t i = 0; !err && cn_prf_algs[i]; i++)
		err = cg_crypto_register_prf(cn->core, cn_prf_algs[i]);
	for (size_t i = 0; !err && cn_ke_algs[i]; i++)
		err = cg_crypto_register_ke(cn->core, cn_ke_algs[i]);
	if (!err)
		err = cg_crypto_register_rng(cn->core, &cn_rng);
	return err;
}

static int cn_init(struct cg_core *core, void **state)
{
	struct cn_plugin *cn = calloc(1, sizeof(*cn));
	int err;

	if (!cn)
		return -ENOMEM;
	cn->core = core;
	err = cn_register_all(cn);
	if (err) {
		cg_log(core, CG_LOG_LIB, CG_LVL_ERROR, "crypto-nettle: registering algorithms failed: %s",
		       strerror(-err));
		cn_unregister_all(cn);
		free(cn);
		return err;
	}
	*state = cn;
	return 0;
}

static void cn_destroy(void *state)
{
	struct cn_plugin *cn = state;

	if (!cn)
		return;
	cn_unregister_all(cn);
	free(cn);
}

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "crypto-nettle",
	.provides = (const char *const[]){ "crypto", "rng", NULL },
	.init = cn_init,
	.destroy = cn_destroy,
};
