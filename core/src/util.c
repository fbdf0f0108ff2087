/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the core's modules. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_priv.h"

char *cg_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

unsigned cg_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}
