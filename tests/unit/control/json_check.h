/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A strict JSON (RFC 8259) syntax check, so tests can prove replies parse. */
#ifndef CG_TEST_JSON_CHECK_H
#define CG_TEST_JSON_CHECK_H

#include <stdbool.h>

/* True when text is exactly one JSON value (surrounding blanks allowed). */
bool json_valid(const char *text);

#endif
