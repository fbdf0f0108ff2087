/* SPDX-License-Identifier: GPL-2.0-or-later */
#define TP_NAME "tp-badabi"
#define TP_INIT_RESULT 0
#include "tp.h"

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = 9999,
	.name = "tp-badabi",
	.provides = (const char *const[]){ "x", NULL },
	.needs = (const char *const[]){  NULL },
	.init = tp_init,
	.destroy = tp_destroy,
};
