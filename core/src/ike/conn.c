/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The responder's choice of connection, shared by the IKE versions: by
 * addresses and proposals on the first message, then by identities among
 * the connections that accept the chosen proposal.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

CG_EXPORT bool cg_conn_addr(const char *s, struct cg_addr *addr, uint8_t *prefix)
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

CG_EXPORT bool cg_conn_addrs_match(char *const *list, size_t n, const struct cg_addr *a)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++) {
		struct cg_addr net;
		struct cg_ts range, host;
		const char *why;
		uint8_t len;

		if (cg_conn_addr(list[i], &net, &len)) {
			if (net.family == AF_UNSPEC)
				return true;
			if (net.family == a->family && (cg_addr_is_any(&net) ? true
						       : cg_addr_in_prefix(a, &net, len)))
				return true;
			continue;
		}
		/* A range "first-last"; DNS names are resolved by whoever initiates. */
		if (!strchr(list[i], '-') || cg_ts_parse(list[i], &range, &why) ||
		    range.family != a->family)
			continue;
		host = cg_ts_from_host(a);
		if (cg_ts_is_subset(&host, &range))
			return true;
	}
	return false;
}

CG_EXPORT size_t cg_conn_ike_proposals(struct cg_core *core, const struct cg_conn_cfg *conn,
				       struct cg_proposal *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < conn->n_proposals && n < max; i++) {
		const char *missing = NULL;

		if (cg_crypto_supports(core, &conn->proposals[i], &missing))
			out[n++] = conn->proposals[i];
		else
			cg_log(core, CG_LOG_IKE, CG_LVL_DEBUG,
			       "%s: skipping a proposal: %s is not available", conn->name,
			       missing ? missing : "an algorithm");
	}
	if (!conn->n_proposals && max) {
		const char *err;

		if (!cg_proposal_parse("default", CG_PROTO_IKE, &out[0], &err) &&
		    cg_crypto_supports(core, &out[0], NULL))
			n = 1;
	}
	return n;
}

/* conn answers IKE version (0 in the config: either) between these addresses. */
static bool conn_serves(const struct cg_conn_cfg *c, uint8_t version,
			const struct cg_addr *local, const struct cg_addr *remote)
{
	return (c->version == 0 || c->version == version) &&
	       cg_conn_addrs_match(c->local_addrs, c->n_local_addrs, local) &&
	       cg_conn_addrs_match(c->remote_addrs, c->n_remote_addrs, remote);
}

/* Selects among conn's runnable IKE proposals, in its order, and theirs. */
static bool conn_accepts(struct cg_core *core, const struct cg_conn_cfg *conn,
			 const struct cg_proposal *theirs, size_t n_theirs, struct cg_proposal *sel,
			 size_t *their_index)
{
	struct cg_proposal ours[CG_CONN_MAX_PROPOSALS];
	size_t n_ours = cg_conn_ike_proposals(core, conn, ours, CG_CONN_MAX_PROPOSALS);

	return n_ours && cg_proposal_select(ours, n_ours, theirs, n_theirs, true, sel, their_index);
}

CG_EXPORT const struct cg_conn_cfg *
cg_conn_select(struct cg_core *core, const struct cg_config *cfg, uint8_t version,
	       const struct cg_addr *local, const struct cg_addr *remote,
	       const struct cg_proposal *theirs, size_t n_theirs, struct cg_proposal *sel,
	       size_t *their_index)
{
	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct cg_conn_cfg *c = &cfg->conns[i];

		if (conn_serves(c, version, local, remote) &&
		    conn_accepts(core, c, theirs, n_theirs, sel, their_index))
			return c;
	}
	return NULL;
}

CG_EXPORT const struct cg_conn_cfg *
cg_conn_by_ids(struct cg_core *core, const struct cg_config *cfg, uint8_t version,
	       const struct cg_addr *local, const struct cg_addr *remote,
	       const struct cg_proposal *chosen, const struct cg_id *peer, const struct cg_id *us,
	       const struct cg_conn_cfg *current)
{
	const struct cg_conn_cfg *best = NULL;
	int best_score = 0;

	for (size_t i = 0; i < cfg->n_conns; i++) {
		const struct cg_conn_cfg *c = &cfg->conns[i];
		int score;

		if (!conn_serves(c, version, local, remote) || !cg_id_matches(peer, &c->remote.id))
			continue;
		if (us && c->local.id_given && !cg_id_matches(us, &c->local.id))
			continue;
		/* A connection that would not have chosen this proposal is no candidate. */
		if (!conn_accepts(core, c, chosen, 1, NULL, NULL))
			continue;
		/* An exact peer identity beats a wildcard; the conn of the first message breaks ties. */
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

CG_EXPORT int cg_conn_local_id(const struct cg_conn_cfg *conn, const struct cg_addr *local,
			       struct cg_id *id)
{
	if (conn->local.id_given && conn->local.id.type != CG_ID_ANY)
		return cg_id_dup(&conn->local.id, id);
	return cg_id_from_wire(local->family == AF_INET ? CG_ID_IPV4_ADDR : CG_ID_IPV6_ADDR,
			       CG_CHUNK(local->u.bytes, cg_addr_len(local)), id);
}

/* A literal address, or the first address a DNS name resolves to. */
static bool conn_resolve(const char *s, sa_family_t family, struct cg_addr *out)
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

CG_EXPORT int cg_conn_endpoints(struct cg_core *core, const struct cg_conn_cfg *conn,
				struct cg_addr *local, struct cg_addr *remote)
{
	bool found = false;

	for (size_t i = 0; i < conn->n_remote_addrs && !found; i++)
		found = conn_resolve(conn->remote_addrs[i], AF_UNSPEC, remote);
	if (!found)
		return -EDESTADDRREQ;
	found = false;
	for (size_t i = 0; i < conn->n_local_addrs && !found; i++)
		found = conn_resolve(conn->local_addrs[i], remote->family, local) &&
			local->family == remote->family;
	if (!found && cg_net_source_for(core, remote, local))
		*local = cg_addr_any(remote->family);
	remote->port = conn->remote_port ? conn->remote_port : cg_ike_port(core);
	local->port = conn->local_port ? conn->local_port : cg_ike_port(core);
	return 0;
}

CG_EXPORT size_t cg_conn_ts_resolve(const struct cg_ts_cfg *cfg, size_t n, const struct cg_addr *addr,
				     struct cg_ts *out, size_t max)
{
	size_t k = 0;

	if (!n && max) {
		/* No selectors configured: the IKE address itself, as "dynamic". */
		out[k++] = cg_ts_from_host(addr);
		return k;
	}
	for (size_t i = 0; i < n && k < max; i++) {
		if (cfg[i].dynamic) {
			struct cg_ts ts = cg_ts_from_host(addr);

			ts.proto = cfg[i].ts.proto;
			ts.from_port = cfg[i].ts.from_port;
			ts.to_port = cfg[i].ts.to_port;
			out[k++] = ts;
		} else {
			out[k++] = cfg[i].ts;
		}
	}
	return k;
}

struct start_job {
	cg_conn_start_fn start;
	void *ctx;
	char conn[CG_NAME_MAX];
	char child[CG_NAME_MAX];
};

static void start_job_run(void *arg)
{
	struct start_job *j = arg;

	j->start(j->ctx, j->conn, j->child);
}

CG_EXPORT void cg_conn_start_actions(struct cg_core *core, uint8_t version, cg_conn_trap_fn trap,
				     cg_conn_start_fn start, void *ctx)
{
	struct cg_config *cfg = cg_core_config(core);

	for (size_t i = 0; cfg && i < cfg->n_conns; i++) {
		const struct cg_conn_cfg *conn = &cfg->conns[i];

		if (conn->version != version && !(conn->version == 0 && version == 2))
			continue;
		for (size_t j = 0; j < conn->n_children; j++) {
			const struct cg_child_cfg *cc = &conn->children[j];
			struct start_job *job;

			if (cc->start_action == CG_START_TRAP) {
				trap(ctx, conn, cc);
				continue;
			}
			if (cc->start_action != CG_START_START)
				continue;
			job = calloc(1, sizeof(*job));
			if (!job)
				continue;
			*job = (struct start_job){ .start = start, .ctx = ctx };
			snprintf(job->conn, sizeof(job->conn), "%s", conn->name);
			snprintf(job->child, sizeof(job->child), "%s", cc->name);
			cg_job_queue(core, start_job_run, job, free);
		}
	}
	cg_config_unref(cfg);
}

CG_EXPORT size_t cg_conn_esp_proposals(const struct cg_child_cfg *cc, struct cg_proposal *out,
				       size_t max)
{
	const char *err;
	size_t n = 0;

	if (!cc->n_esp_proposals)
		return max && !cg_proposal_parse("default", CG_PROTO_ESP, out, &err) ? 1 : 0;
	for (; n < cc->n_esp_proposals && n < max; n++)
		out[n] = cc->esp_proposals[n];
	return n;
}
