/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A plugin that validates its own section: `tp-checked: { level: N }`, N <= 10. */
#define TP_NAME "tp-checked"
#define TP_INIT_RESULT 0
#include "tp.h"

static int tp_check(const struct cg_cfg_node *section, struct cg_cfg_errors *errs)
{
	static const char *const keys[] = { "level", NULL };
	uint64_t level = 0;

	if (!section)
		return 0;
	if (!cg_cfg_check_keys(section, keys, "tp-checked", errs))
		return -EINVAL;
	return cg_cfg_get_uint(section, "level", 0, 10, &level, errs) ? 0 : -EINVAL;
}

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "tp-checked",
	.provides = (const char *const[]){ "checked", NULL },
	.check = tp_check,
	.init = tp_init,
	.destroy = tp_destroy,
};
