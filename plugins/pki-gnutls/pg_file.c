/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading credential files, and GnuTLS errors as errno values. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pg.h"

int pg_file_read(const char *path, gnutls_datum_t *out)
{
	FILE *f = fopen(path, "rb");
	long size;
	int err = 0;

	*out = (gnutls_datum_t){ 0 };
	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		err = -errno;
		goto out;
	}
	if (size == 0 || (unsigned long)size > PG_FILE_MAX) {
		err = -EFBIG;
		if (size == 0)
			err = -ENODATA;
		goto out;
	}
	out->data = gnutls_malloc((size_t)size + 1);
	if (!out->data) {
		err = -ENOMEM;
		goto out;
	}
	if (fread(out->data, 1, (size_t)size, f) != (size_t)size) {
		err = -EIO;
		gnutls_free(out->data);
		out->data = NULL;
		goto out;
	}
	out->data[size] = '\0'; /* PEM parsers may look for a terminator */
	out->size = (unsigned)size;
out:
	fclose(f);
	return err;
}

bool pg_is_pem(const gnutls_datum_t *data)
{
	static const char marker[] = "-----BEGIN ";

	return data->size >= sizeof(marker) - 1 &&
	       memmem(data->data, data->size, marker, sizeof(marker) - 1) != NULL;
}

bool pg_mem_caseeq(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < len; i++)
		if (tolower(x[i]) != tolower(y[i]))
			return false;
	return true;
}

int pg_errno(int gnutls_err)
{
	switch (gnutls_err) {
	case GNUTLS_E_SUCCESS:
		return 0;
	case GNUTLS_E_MEMORY_ERROR:
		return -ENOMEM;
	case GNUTLS_E_FILE_ERROR:
		return -EIO;
	case GNUTLS_E_UNIMPLEMENTED_FEATURE:
	case GNUTLS_E_UNKNOWN_PK_ALGORITHM:
	case GNUTLS_E_UNKNOWN_ALGORITHM:
	case GNUTLS_E_ECC_UNSUPPORTED_CURVE:
		return -ENOTSUP;
	case GNUTLS_E_PK_SIG_VERIFY_FAILED:
		return -EBADMSG;
	}
	return -EINVAL;
}
