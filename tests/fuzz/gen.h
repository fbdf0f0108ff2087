/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seed generators' output (gen_corpus.c): files under $FZ_GEN_OUT. */
#ifndef FZ_GEN_H
#define FZ_GEN_H

#include <stddef.h>
#include <stdint.h>

/* $FZ_GEN_OUT; the test is skipped without it. */
const char *gen_dir(void);
/* Writes data into $FZ_GEN_OUT/sub/name. */
void gen_write(const char *sub, const char *name, const uint8_t *data, size_t len);

#endif
