/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the codec tests: a writer per test and the chain it wrote. */
#ifndef MSGTEST_H
#define MSGTEST_H

#include <criterion/criterion.h>

#include "msg.h"

/* The writer of the running test (set up and freed by the suites' fixtures). */
extern struct ike2_w mt_w;

void mt_setup(void);
void mt_teardown(void);
/* Parses what mt_w holds as a chain; asserts that it parses and has n payloads. */
void mt_chain(struct ike2_chain *c, size_t n);
/* The only payload of what mt_w holds, asserting its type. */
const struct ike2_pl *mt_only(struct ike2_chain *c, uint8_t type);

#endif
