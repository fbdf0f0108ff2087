/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A connection's local identity and endpoints. */
#include <errno.h>
#include <netdb.h>
#include <string.h>

#include "conn.h"
#include "ike2.h"

int ike2_conn_local_id(const struct cg_conn_cfg *conn, const struct cg_addr *local,
		       struct cg_id *id)
{
	if (conn->local.id_given && conn->local.id.type != CG_ID_ANY)
		return cg_id_dup(&conn->local.id, id);
	return cg_id_from_wire(local->family == AF_INET ? CG_ID_IPV4_ADDR : CG_ID_IPV6_ADDR,
			       CG_CHUNK(local->u.bytes, cg_addr_len(local)), id);
}

/* A literal address, or the first address a DNS name resolves to. */
static bool resolve(const char *s, sa_family_t family, struct cg_addr *out)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_DGRAM }, *res;
	uint8_t len;
	bool ok;

	if (cg_conn_addr(s, out, &len))
		return !cg_addr_is_any(out) && len == cg_addr_len(out) * 8;
	if (strchr(s, '/') || s[0] == '%' || getaddrinfo(s, NULL, &hints, &res))
		return false;
	ok = !cg_addr_from_sockaddr(res->ai_addr, out);
	freeaddrinfo(res);
	return ok;
}

int ike2_conn_endpoints(struct ike2 *p, const struct cg_conn_cfg *conn, struct cg_addr *local,
			struct cg_addr *remote)
{
	bool found = false;

	for (size_t i = 0; i < conn->n_remote_addrs && !found; i++)
		found = resolve(conn->remote_addrs[i], AF_UNSPEC, remote);
	if (!found)
		return -EDESTADDRREQ;
	found = false;
	for (size_t i = 0; i < conn->n_local_addrs && !found; i++)
		found = resolve(conn->local_addrs[i], remote->family, local) &&
			local->family == remote->family;
	if (!found && cg_net_source_for(p->core, remote, local))
		*local = cg_addr_any(remote->family);
	remote->port = conn->remote_port ? conn->remote_port : cg_ike_port(p->core);
	local->port = conn->local_port ? conn->local_port : cg_ike_port(p->core);
	return 0;
}
