/* SPDX-License-Identifier: GPL-2.0-or-later */
#define TP_NAME "tp-failinit"
#define TP_INIT_RESULT -EIO
#include "tp.h"

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "tp-failinit",
	.provides = (const char *const[]){ "y", NULL },
	.needs = (const char *const[]){  NULL },
	.init = tp_init,
	.destroy = tp_destroy,
};
