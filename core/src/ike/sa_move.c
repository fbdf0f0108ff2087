/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Moving an IKE SA and its children to new addresses: the one operation
 * behind a kernel MIGRATE (the mobility plugin) and MOBIKE (ike2).
 *
 * The children that move are chosen first, then each one's SAs are moved
 * in the kernel (unless the kernel moved them itself) and followed in the
 * install record, then the protocol plugin records the new addresses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

/* One child that moves. */
struct move_child {
	struct cg_child_install ci; /* where it is now; selectors borrowed from the plugin */
	struct cg_addr local, remote;
};

struct move_pick {
	const struct cg_sa_move *mv;
	struct move_child *list;
	size_t n, cap;
	int err;
};

static struct cg_addr move_no_port(const struct cg_addr *a)
{
	struct cg_addr r = *a;

	r.port = 0;
	return r;
}

static void move_pick_child(void *ctx, const struct cg_sa_child *c)
{
	struct move_pick *p = ctx;
	struct cg_addr local = p->mv->local, remote = p->mv->remote;
	struct move_child *m;

	if (p->err)
		return;
	if (p->mv->pick ? !p->mv->pick(p->mv->ctx, c, &local, &remote) : !p->mv->move_ike)
		return;
	local = move_no_port(&local);
	remote = move_no_port(&remote);
	if (cg_addr_equal(&local, &c->local) && cg_addr_equal(&remote, &c->remote) &&
	    !(p->mv->reencap && !p->mv->kernel_moved))
		return; /* there already */
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 4;
		struct move_child *grown = realloc(p->list, cap * sizeof(*grown));

		if (!grown) {
			p->err = -ENOMEM;
			return;
		}
		p->list = grown;
		p->cap = cap;
	}
	m = &p->list[p->n++];
	*m = (struct move_child){
		.ci = {
			.local = c->local, .remote = c->remote, .mode = c->mode, .proxy = c->proxy,
			.proto = c->proto, .reqid = c->reqid,
			.spi_in = c->spi_in, .spi_out = c->spi_out,
			.local_ts = c->local_ts, .n_local_ts = c->n_local_ts,
			.remote_ts = c->remote_ts, .n_remote_ts = c->n_remote_ts,
			.policies = !c->no_policies, .priority = c->priority,
		},
		.local = local, .remote = remote,
	};
}

/* The inbound (from the peer) or outbound SA of a child at the given addresses. */
static struct cg_kernel_sa_id move_sa_id(const struct move_child *m, bool inbound, bool old)
{
	const struct cg_addr *l = old ? &m->ci.local : &m->local;
	const struct cg_addr *r = old ? &m->ci.remote : &m->remote;

	return cg_child_sa_id(l, r, inbound, inbound ? m->ci.spi_in : m->ci.spi_out, m->ci.proto);
}

/* The kernel moved the SAs itself (a MIGRATE): the install record follows. */
static void move_record(struct cg_core *core, const struct move_child *m)
{
	for (int in = 0; in <= 1; in++) {
		struct cg_kernel_sa_id from = move_sa_id(m, in, true), to = move_sa_id(m, in, false);

		cg_kernel_sa_moved(core, &from, &to);
	}
}

/*
 * Moves one child: in the kernel first unless it moved them itself, then
 * in the plugin's records. 1 when the backend cannot move SAs (PF_KEY):
 * the child keeps its records and is rekeyed at the new addresses.
 */
static int move_one(struct cg_core *core, const struct cg_sa_ops *ops, void *data,
		    const struct cg_sa_move *mv, const struct move_child *m)
{
	int err;

	if (mv->kernel_moved) {
		move_record(core, m);
	} else {
		err = cg_child_move(core, &m->ci, &m->local, &m->remote, mv->encap_local_port,
				    mv->encap_remote_port);
		if (err == -EXDEV)
			return 1;
		if (err)
			return err;
	}
	return ops->move_child(data, m->ci.spi_in, &m->local, &m->remote);
}

CG_EXPORT void cg_sa_children(struct cg_sa *sa, cg_sa_child_fn fn, void *ctx)
{
	const struct cg_sa_ops *ops = cg_sa_ops_of(sa);

	if (ops->children)
		ops->children(cg_sa_data(sa), fn, ctx);
}

CG_EXPORT int cg_sa_move(struct cg_core *core, struct cg_sa *sa, const struct cg_sa_move *mv,
			 struct cg_sa_moved *done)
{
	const struct cg_sa_ops *ops = cg_sa_ops_of(sa);
	void *data = cg_sa_data(sa);
	struct move_pick p = { .mv = mv };
	struct cg_sa_moved moved = { 0 };
	int err = 0;

	if (mv->move_ike && !ops->move_ike)
		return -EOPNOTSUPP;
	cg_sa_children(sa, move_pick_child, &p);
	err = p.err;
	for (size_t i = 0; !err && i < p.n; i++) {
		err = move_one(core, ops, data, mv, &p.list[i]);
		if (err > 0)
			moved.rekey++;
		else if (!err)
			moved.children++;
		err = err < 0 ? err : 0;
	}
	if (!err && mv->move_ike) {
		err = ops->move_ike(data, &mv->local, &mv->remote);
		moved.ike = err > 0;
		err = err < 0 ? err : 0;
	}
	free(p.list);
	if (done)
		*done = moved;
	return err;
}
