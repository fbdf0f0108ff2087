/* SPDX-License-Identifier: GPL-2.0-or-later */
#define TP_NAME "tp-orphan"
#define TP_INIT_RESULT 0
#include "tp.h"

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "tp-orphan",
	.provides = (const char *const[]){ "z", NULL },
	.needs = (const char *const[]){ "nothing-provides-this", NULL },
	.init = tp_init,
	.destroy = tp_destroy,
};
