/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the unit and exchange tests. */
#ifndef CG_TESTLIB_H
#define CG_TESTLIB_H

#include <cygnet/cygnet.h>

/* Path of a file under the source tree (static buffer per call site is not kept: copy it). */
const char *tl_src_path(const char *rel, char *buf, size_t len);

#endif
