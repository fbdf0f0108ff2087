/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "testlib.h"

const char *tl_src_path(const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", CG_TEST_SRC_DIR, rel);
	return buf;
}
