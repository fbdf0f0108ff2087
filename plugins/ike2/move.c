/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SA manager's move hooks: the core's cg_sa_move chooses what moves
 * and follows the kernel; here the IKE SA and its children record their
 * new addresses. Every message after that (retransmits, rekeys, DPD,
 * deletes) goes out from sa->local to sa->remote.
 */
#include <errno.h>
#include <netinet/in.h>

#include "child.h"
#include "ikesa.h"
#include "move.h"

void ike2_move_children(void *data, cg_sa_child_fn fn, void *ctx)
{
	struct ike2_sa *sa = data;

	for (struct ike2_child *c = sa->children; c; c = c->next) {
		struct cg_sa_child view = {
			.name = c->name, .reqid = c->reqid, .mode = c->mode, .proxy = c->proxy,
			.no_policies = !c->own_policies, .priority = c->priority,
			.proto = IPPROTO_ESP, .spi_in = c->spi_in, .spi_out = c->spi_out,
			.local = c->local, .remote = c->remote,
			.local_ts = c->local_ts, .n_local_ts = c->n_local_ts,
			.remote_ts = c->remote_ts, .n_remote_ts = c->n_remote_ts,
		};

		if (c->installed)
			fn(ctx, &view);
	}
}

/* a with port, or with old's port when port is 0. */
static struct cg_addr move_keep_port(const struct cg_addr *a, const struct cg_addr *old)
{
	struct cg_addr r = *a;

	if (!r.port)
		r.port = old->port;
	return r;
}

int ike2_move_ike(void *data, const struct cg_addr *local, const struct cg_addr *remote)
{
	struct ike2_sa *sa = data;
	struct cg_addr l = move_keep_port(local, &sa->local), r = move_keep_port(remote, &sa->remote);
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN];

	if (cg_addr_equal_port(&l, &sa->local) && cg_addr_equal_port(&r, &sa->remote))
		return 0;
	sa->local = l;
	sa->remote = r;
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "IKE SA moved to %s[%u] - %s[%u]",
		    cg_addr_str(&l, a, sizeof(a)), l.port, cg_addr_str(&r, b, sizeof(b)), r.port);
	return 1;
}

int ike2_move_child(void *data, uint32_t spi_in, const struct cg_addr *local,
		    const struct cg_addr *remote)
{
	struct ike2_sa *sa = data;
	char a[CG_ADDR_STRLEN], b[CG_ADDR_STRLEN];
	struct ike2_child *c = ike2_child_by_spi_in(sa, spi_in);

	if (!c)
		return -ENOENT;
	c->local = *local;
	c->remote = *remote;
	c->local.port = c->remote.port = 0;
	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "CHILD_SA %s{%u} moved to %s === %s", c->name,
		    c->unique_id, cg_addr_str(local, a, sizeof(a)), cg_addr_str(remote, b, sizeof(b)));
	return 0;
}
