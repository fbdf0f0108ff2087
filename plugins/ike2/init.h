/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* init.c: IKE_SA_INIT in both roles, and initiating an IKE SA. */
#ifndef IKE2_INIT_H
#define IKE2_INIT_H

#include "ike2.h"
#include "msg.h"

struct ike2_sa;

/* Looks up the algorithms of a chosen IKE proposal. */
int ike2_init_set_algorithms(struct ike2_sa *sa, const struct cg_proposal *sel);
int ike2_initiate(struct ike2 *p, const char *conn_name, const char *child_name,
		  const struct cg_kernel_acquire *acq, uint32_t trap_reqid);
/* The same as attempt number attempt (keyingtries; 1 is the first). */
int ike2_initiate_try(struct ike2 *p, const char *conn_name, const char *child_name,
		      const struct cg_kernel_acquire *acq, uint32_t trap_reqid, unsigned attempt);
void ike2_init_respond(struct ike2 *p, const struct ike2_msg *msg);
enum ike2_verdict ike2_init_response(struct ike2_sa *sa, const struct ike2_msg *msg);

#endif
