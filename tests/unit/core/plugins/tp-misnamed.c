/* SPDX-License-Identifier: GPL-2.0-or-later */
#define TP_NAME "tp-misnamed"
#define TP_INIT_RESULT 0
#include "tp.h"

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "other-name",
	.provides = (const char *const[]){ "w", NULL },
	.needs = (const char *const[]){  NULL },
	.init = tp_init,
	.destroy = tp_destroy,
};
