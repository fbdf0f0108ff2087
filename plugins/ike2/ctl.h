/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ctl.c: the control commands initiate, terminate and list-sas. */
#ifndef IKE2_CTL_H
#define IKE2_CTL_H

#include <cygnet/cygnet.h>

struct ike2;

int ike2_ctl_register(struct ike2 *p);
void ike2_ctl_unregister(struct ike2 *p);
void ike2_ctl_sa_describe(void *data, struct cg_out *out);

#endif
