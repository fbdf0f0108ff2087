/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conn.c: a connection's local identity and endpoints. */
#ifndef IKE2_CONN_H
#define IKE2_CONN_H

#include <cygnet/cygnet.h>

struct ike2;

/* Our identity for a conn: the configured one or our IP address. */
int ike2_conn_local_id(const struct cg_conn_cfg *conn, const struct cg_addr *local,
		       struct cg_id *id);
/* Endpoints for initiating conn; ports filled in. */
int ike2_conn_endpoints(struct ike2 *p, const struct cg_conn_cfg *conn, struct cg_addr *local,
			struct cg_addr *remote);

#endif
