/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* addchild.c: another CHILD_SA on an established IKE SA. */
#ifndef IKE2_ADDCHILD_H
#define IKE2_ADDCHILD_H

#include "ike2.h"
#include "msg.h"

struct ike2_sa;
struct ike2_work;

/*
 * Negotiates child_name of conn_name with CREATE_CHILD_SA on an established
 * IKE SA of that connection, queued behind an exchange under way; -ENOENT
 * when none is established (initiate a new IKE SA then).
 */
int ike2_addchild_start(struct ike2 *p, const char *conn_name, const char *child_name,
			const struct cg_kernel_acquire *acq, uint32_t trap_reqid);
/* The child on its connection's established IKE SA if there is one, else a new IKE SA. */
int ike2_addchild_initiate(struct ike2 *p, const char *conn_name, const char *child_name,
			   const struct cg_kernel_acquire *acq, uint32_t trap_reqid);
/* start_action: start: as ike2_addchild_initiate, also waiting for our IKE SA being set up. */
int ike2_addchild_join(struct ike2 *p, const char *conn_name, const char *child_name);
/* Queued work of kind IKE2_OP_CHILD_ADD: sends its request now. */
void ike2_addchild_run(struct ike2_sa *sa, const struct ike2_work *w);
/* The response to our CREATE_CHILD_SA for a new child. */
enum ike2_verdict ike2_addchild_response(struct ike2_sa *sa, const struct ike2_msg *msg);

#endif
