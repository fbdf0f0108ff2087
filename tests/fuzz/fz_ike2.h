/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The IKEv2 fuzz targets' common part: every payload of a chain through its parser. */
#ifndef FZ_IKE2_H
#define FZ_IKE2_H

#include "msg.h"

/* Runs each payload of c through the parser of its type, and the chain lookups. */
void fz_ike2_payloads(const struct ike2_chain *c);

#endif
