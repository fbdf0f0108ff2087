/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding the connection a message belongs to, and a connection's endpoints. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike2.h"

bool ike2_conn_addr(const char *s, struct cg_addr *addr, uint8_t *prefix)
{
	char buf[128];
	char *slash;
	size_t max;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (cg_addr_parse(buf, addr))
		return false;
	max = addr->family == AF_INET ? 32 : addr->family == AF_INET6 ? 128 : 0;
	*prefix = (uint8_t)max;
	if (slash) {
		char *end;
		unsigned long len = strtoul(slash + 1, &end, 10);

		if (*end || end == slash + 1 || len > max)
			return false;
		*prefix = (uint8_t)len;
	}
	return true;
}

bool ike2_conn_addrs_match(char *const *list, size_t n, const struct cg_addr *a)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++) {
		struct cg_addr net;
		uint8_t len;

		if (!ike2_conn_addr(list[i], &net, &len))
			continue;
		if (net.family == AF_UNSPEC)
			return true;
		if (net.family == a->family && (cg_addr_is_any(&net) ? true
					       : cg_addr_in_prefix(a, &net, len)))
			return true;
	}
	return false;
}

static bool conn_is_v2(const struct cg_conn_cfg *c)
{
	return c->version == 0 || c->version == 2;
}

const struct cg_conn_cfg *ike2_conn_by_addrs(const struct cg_config *cfg,
					     const struct cg_addr *local,
					     const struct cg_addr *remote)
{
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct cg_conn_cfg *c = &cfg->conns[i];

		if (conn_is_v2(c) &&
		    ike2_conn_addrs_match(c->local_addrs, c->n_local_addrs, local) &&
		    ike2_conn_addrs_match(c->remote_addrs, c->n_remote_addrs, remote))
			return c;
	}
	return NULL;
}

const struct cg_conn_cfg *ike2_conn_by_ids(const struct cg_config *cfg,
					   const struct cg_addr *local,
					   const struct cg_addr *remote,
					   const struct cg_id *peer, const struct cg_id *us,
					   const struct cg_conn_cfg *current)
{
	const struct cg_conn_cfg *best = NULL;
	int best_score = 0;

	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct cg_conn_cfg *c = &cfg->conns[i];
		int score;

		if (!conn_is_v2(c) ||
		    !ike2_conn_addrs_match(c->local_addrs, c->n_local_addrs, local) ||
		    !ike2_conn_addrs_match(c->remote_addrs, c->n_remote_addrs, remote))
			continue;
		if (!cg_id_matches(peer, &c->remote.id))
			continue;
		if (us && c->local.id_given && !cg_id_matches(us, &c->local.id))
			continue;
		/* An exact peer identity beats a wildcard; the conn of IKE_SA_INIT breaks ties. */
		score = c->remote.id.type != CG_ID_ANY ? 4 : 2;
		if (c == current)
			score++;
		if (score > best_score) {
			best = c;
			best_score = score;
		}
	}
	return best;
}

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

	if (ike2_conn_addr(s, out, &len))
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

size_t ike2_conn_ike_proposals(struct ike2 *p, const struct cg_conn_cfg *conn,
			       struct cg_proposal *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < conn->n_proposals && n < max; i++) {
		const char *missing = NULL;

		if (cg_crypto_supports(p->core, &conn->proposals[i], &missing))
			out[n++] = conn->proposals[i];
		else
			cg_log(p->core, CG_LOG_IKE, CG_LVL_DEBUG,
			       "%s: skipping a proposal: %s is not available", conn->name,
			       missing ? missing : "an algorithm");
	}
	if (!conn->n_proposals && max) {
		const char *err;

		if (!cg_proposal_parse("default", CG_PROTO_IKE, &out[0], &err) &&
		    cg_crypto_supports(p->core, &out[0], NULL))
			n = 1;
	}
	return n;
}
