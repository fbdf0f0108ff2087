/* SPDX-License-Identifier: GPL-2.0-or-later */
#define TP_NAME "tp-soft"
#define TP_INIT_RESULT 0
#include "tp.h"

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "tp-soft",
	.provides = (const char *const[]){ "soft", NULL },
	.needs = (const char *const[]){ "base", "?mid", NULL },
	.init = tp_init,
	.destroy = tp_destroy,
};
