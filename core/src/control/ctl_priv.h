/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the control server (control.c), its commands and the output builder. */
#ifndef CG_CTL_PRIV_H
#define CG_CTL_PRIV_H

#include "core_priv.h"

/* output.c: the message given to cg_out_error (NULL when none), and whether it was called. */
const char *cg_out_error_msg(const struct cg_out *out);
bool cg_out_failed(const struct cg_out *out);

/* ctl_cmds.c: registers help, status, list-conns and reload. */
int cg_ctl_register_builtins(struct cg_core *core);
/* control.c: calls every status section's provider, each inside an object of its name. */
void cg_ctl_status_sections(struct cg_core *core, struct cg_out *out);
/* control.c: calls fn for every registered command, sorted by name. */
void cg_ctl_foreach_command(struct cg_core *core,
			    void (*fn)(void *ctx, const char *name, const char *usage), void *ctx);

#endif
