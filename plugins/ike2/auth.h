/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auth.c: IKE_AUTH in both roles. */
#ifndef IKE2_AUTH_H
#define IKE2_AUTH_H

#include "ike2.h"
#include "msg.h"

struct ike2_sa;

int ike2_auth_send(struct ike2_sa *sa);
enum ike2_verdict ike2_auth_request(struct ike2_sa *sa, const struct ike2_msg *msg);
enum ike2_verdict ike2_auth_response(struct ike2_sa *sa, const struct ike2_msg *msg);

#endif
