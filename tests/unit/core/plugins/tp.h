/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small plugins for the loader tests: each logs its start and stop. */
#include <errno.h>

#include <cygnet/cygnet.h>

static int tp_init(struct cg_core *core, void **state)
{
	cg_log(core, CG_LOG_LIB, CG_LVL_INFO, "tp-start %s", TP_NAME);
	*state = core;
	return TP_INIT_RESULT;
}

static void tp_destroy(void *state)
{
	cg_log(state, CG_LOG_LIB, CG_LVL_INFO, "tp-stop %s", TP_NAME);
}
