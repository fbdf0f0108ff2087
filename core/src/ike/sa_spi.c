/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IKE SPIs this daemon chooses: random, never 0 (which means "none yet" in
 * the IKE header) and never all ones, and unique in the SA manager.
 */
#include <errno.h>

#include <cygnet/crypto.h>
#include <cygnet/sa.h>

/* Attempts at a fresh SPI before giving up; a clash is already rare. */
#define SPI_TRIES 8

CG_EXPORT int cg_sa_new_spi(struct cg_core *core, uint64_t *spi)
{
	int err;

	do {
		err = cg_random(core, spi, sizeof(*spi));
	} while (!err && (!*spi || *spi == UINT64_MAX));
	return err;
}

CG_EXPORT int cg_sa_add_new(struct cg_core *core, uint8_t version, const char *conn_name,
			    void *data, const struct cg_sa_ops *ops, uint64_t *spi,
			    struct cg_sa **ret)
{
	int err = -EEXIST;

	for (int i = 0; i < SPI_TRIES && err == -EEXIST; i++) {
		err = cg_sa_new_spi(core, spi);
		if (!err)
			err = cg_sa_add(core, version, *spi, conn_name, data, ops, ret);
	}
	return err;
}
