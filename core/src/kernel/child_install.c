/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A child SA's kernel state as one transaction: SAs, then policies for
 * every selector pair, undone in reverse order when a step fails, so a
 * half-done install never stays in the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

enum step_kind {
	STEP_SA,
	STEP_POLICY,
};

struct step {
	enum step_kind kind;
	union {
		struct cg_kernel_sa_id sa;
		struct cg_kernel_policy_id pol;
	} u;
};

struct txn {
	struct step *steps;
	size_t n, cap;
};

static int txn_push(struct txn *t, const struct step *s)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct step *grown = realloc(t->steps, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		t->steps = grown;
		t->cap = cap;
	}
	t->steps[t->n++] = *s;
	return 0;
}

static void txn_rollback(struct cg_core *core, struct txn *t)
{
	while (t->n > 0) {
		struct step *s = &t->steps[--t->n];

		if (s->kind == STEP_SA)
			cg_kernel_del_sa(core, &s->u.sa);
		else
			cg_kernel_del_policy(core, &s->u.pol);
	}
}

static uint8_t prefix_len(const struct cg_ts *ts)
{
	struct cg_addr net;
	uint8_t len;

	cg_ts_enclosing_prefix(ts, &net, &len);
	return len;
}

CG_EXPORT uint32_t cg_policy_priority(uint32_t base, const struct cg_ts *src,
				      const struct cg_ts *dst)
{
	/* IPv4 prefixes count four times as much, so /32 and /128 weigh the same. */
	unsigned scale = src->family == AF_INET ? 4 : 1;
	uint32_t specific = (prefix_len(src) + prefix_len(dst)) * scale * 4;

	if (src->proto != CG_PROTO_ANY)
		specific += 2;
	if (!cg_ts_any_port(src))
		specific += 1;
	if (!cg_ts_any_port(dst))
		specific += 1;
	return base > specific ? base - specific : 1;
}

/* The one host every selector of a side names; false when they name more. */
static bool ts_host(const struct cg_ts *ts, size_t n, struct cg_addr *host)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!cg_addr_equal(&ts[i].from, &ts[i].to) || !cg_addr_equal(&ts[i].from, &ts[0].from))
			return false;
	*host = ts[0].from;
	return true;
}

CG_EXPORT int cg_child_sa_hosts(const struct cg_child_install *ci, struct cg_addr *local,
				struct cg_addr *remote)
{
	if (!ci->proxy) {
		*local = ci->local;
		*remote = ci->remote;
	} else if (!ts_host(ci->local_ts, ci->n_local_ts, local) ||
		   !ts_host(ci->remote_ts, ci->n_remote_ts, remote)) {
		return -EINVAL;
	}
	local->port = remote->port = 0;
	return 0;
}

CG_EXPORT struct cg_kernel_sa_id cg_child_sa_id(const struct cg_addr *local,
						const struct cg_addr *remote, bool inbound,
						uint32_t spi, uint8_t proto)
{
	return (struct cg_kernel_sa_id){
		.src = inbound ? *remote : *local,
		.dst = inbound ? *local : *remote,
		.spi = spi,
		.proto = proto,
	};
}

/* Logs why a transport_proxy child has no SA endpoints. */
static void log_not_hosts(struct cg_core *core, const struct cg_child_install *ci)
{
	char l[CG_TS_STRLEN] = "none", r[CG_TS_STRLEN] = "none";

	if (ci->n_local_ts)
		cg_ts_str(&ci->local_ts[0], l, sizeof(l));
	if (ci->n_remote_ts)
		cg_ts_str(&ci->remote_ts[0], r, sizeof(r));
	cg_log(core, CG_LOG_KNL, CG_LVL_ERROR,
	       "transport_proxy (reqid %u): the SAs run between the selectors' hosts, but %s%s === "
	       "%s%s are not one host on each side", ci->reqid, l, ci->n_local_ts > 1 ? " ..." : "",
	       r, ci->n_remote_ts > 1 ? " ..." : "");
}

static int sa_fill(const struct cg_child_install *ci, bool inbound, struct cg_kernel_sa *sa)
{
	struct cg_addr local, remote;

	if (cg_child_sa_hosts(ci, &local, &remote))
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->id = cg_child_sa_id(&local, &remote, inbound, inbound ? ci->spi_in : ci->spi_out,
				ci->proto);
	sa->mode = ci->mode;
	sa->reqid = ci->reqid;
	sa->inbound = inbound;
	sa->encr_alg = ci->encr_alg;
	sa->encr_keylen = ci->encr_keylen;
	sa->encr_key = inbound ? ci->encr_key_in : ci->encr_key_out;
	sa->integ_alg = ci->integ_alg;
	sa->integ_key = inbound ? ci->integ_key_in : ci->integ_key_out;
	sa->esn = ci->esn;
	sa->replay_window = ci->replay_window;
	sa->lifetime = ci->lifetime;
	if (ci->encap_local_port || ci->encap_remote_port) {
		sa->encap_sport = inbound ? ci->encap_remote_port : ci->encap_local_port;
		sa->encap_dport = inbound ? ci->encap_local_port : ci->encap_remote_port;
	}
	if (ci->proxy && ci->n_local_ts && ci->n_remote_ts) {
		/* transport_proxy: the SA also carries the selectors' protocol and ports. */
		sa->has_sel = true;
		sa->sel_src = inbound ? ci->remote_ts[0] : ci->local_ts[0];
		sa->sel_dst = inbound ? ci->local_ts[0] : ci->remote_ts[0];
	} else if (ci->mode == CG_MODE_TRANSPORT) {
		/* A transport SA only ever carries traffic between its endpoints. */
		sa->has_sel = true;
		sa->sel_src = cg_ts_from_host(&sa->id.src);
		sa->sel_dst = cg_ts_from_host(&sa->id.dst);
		if (ci->n_local_ts == 1 && ci->n_remote_ts == 1 &&
		    ci->local_ts[0].proto == ci->remote_ts[0].proto) {
			const struct cg_ts *s = inbound ? ci->remote_ts : ci->local_ts;
			const struct cg_ts *d = inbound ? ci->local_ts : ci->remote_ts;

			sa->sel_src.proto = sa->sel_dst.proto = s->proto;
			sa->sel_src.from_port = s->from_port;
			sa->sel_src.to_port = s->to_port;
			sa->sel_dst.from_port = d->from_port;
			sa->sel_dst.to_port = d->to_port;
		}
	}
	return 0;
}

static int install_sa(struct cg_core *core, const struct cg_child_install *ci, bool inbound,
		      struct txn *t)
{
	struct cg_kernel_sa sa;
	struct step s = { .kind = STEP_SA };
	int err;

	if (sa_fill(ci, inbound, &sa)) {
		log_not_hosts(core, ci);
		return -EINVAL;
	}
	/* An inbound SPI was reserved with get_spi: complete that larval SA. */
	err = inbound ? cg_kernel_update_sa(core, &sa) : cg_kernel_add_sa(core, &sa);
	if (inbound && err == -ENOENT)
		err = cg_kernel_add_sa(core, &sa);
	if (err) {
		cg_log(core, CG_LOG_KNL, CG_LVL_ERROR, "adding %s SA %08x (reqid %u) failed: %s",
		       inbound ? "inbound" : "outbound", sa.id.spi, ci->reqid, strerror(-err));
		return err;
	}
	s.u.sa = sa.id;
	return txn_push(t, &s);
}

/* The protecting policy of a child for one selector pair and direction. */
static void policy_fill(const struct cg_child_install *ci, const struct cg_ts *src,
			const struct cg_ts *dst, enum cg_dir dir, struct cg_kernel_policy *pol)
{
	bool outbound = dir == CG_DIR_OUT;

	*pol = (struct cg_kernel_policy){
		.id = { .src = *src, .dst = *dst, .dir = dir },
		.action = CG_POLICY_PROTECT,
		.priority = ci->priority ? ci->priority
					 : cg_policy_priority(CG_PRIO_PROTECT, src, dst),
		.proto = ci->proto,
		.mode = ci->mode,
		.reqid = ci->reqid,
		.tmpl_src = outbound ? ci->local : ci->remote,
		.tmpl_dst = outbound ? ci->remote : ci->local,
	};
	pol->tmpl_src.port = pol->tmpl_dst.port = 0;
	if (ci->proxy) {
		/*
		 * transport_proxy templates name no endpoints: the kernel looks the
		 * SA up by the packet's addresses (home address, home agent).
		 */
		pol->tmpl_src = cg_addr_any(src->family);
		pol->tmpl_dst = cg_addr_any(src->family);
	}
}

static int install_policy(struct cg_core *core, const struct cg_child_install *ci,
			  const struct cg_ts *src, const struct cg_ts *dst, enum cg_dir dir,
			  struct txn *t)
{
	struct cg_kernel_policy pol;
	struct step s = { .kind = STEP_POLICY };
	char a[CG_TS_STRLEN], b[CG_TS_STRLEN];
	int err;

	policy_fill(ci, src, dst, dir, &pol);
	err = cg_kernel_add_policy(core, &pol, false);
	if (err) {
		cg_log(core, CG_LOG_KNL, CG_LVL_ERROR, "adding policy %s === %s %s failed: %s",
		       cg_ts_str(src, a, sizeof(a)), cg_ts_str(dst, b, sizeof(b)), cg_dir_name(dir),
		       strerror(-err));
		return err;
	}
	s.u.pol = pol.id;
	return txn_push(t, &s);
}

/* The protocol of a selector pair: a specific one wins over "any". */
static bool ts_pair(const struct cg_ts *l, const struct cg_ts *r, struct cg_ts *lo,
		    struct cg_ts *ro)
{
	if (l->family != r->family)
		return false;
	if (l->proto && r->proto && l->proto != r->proto)
		return false;
	*lo = *l;
	*ro = *r;
	lo->proto = ro->proto = l->proto ? l->proto : r->proto;
	return true;
}

static int install_policies(struct cg_core *core, const struct cg_child_install *ci, struct txn *t)
{
	for (size_t i = 0; i < ci->n_local_ts; i++) {
		for (size_t j = 0; j < ci->n_remote_ts; j++) {
			struct cg_ts l, r;
			int err;

			if (!ts_pair(&ci->local_ts[i], &ci->remote_ts[j], &l, &r))
				continue;
			err = install_policy(core, ci, &l, &r, CG_DIR_OUT, t);
			if (!err)
				err = install_policy(core, ci, &r, &l, CG_DIR_IN, t);
			if (!err && ci->mode == CG_MODE_TUNNEL)
				err = install_policy(core, ci, &r, &l, CG_DIR_FWD, t);
			if (err)
				return err;
		}
	}
	return 0;
}

CG_EXPORT int cg_child_install(struct cg_core *core, const struct cg_child_install *ci)
{
	struct txn t = { 0 };
	int err;

	err = install_sa(core, ci, true, &t);
	if (!err && !ci->sas_in_only)
		err = install_sa(core, ci, false, &t);
	if (!err && ci->policies)
		err = install_policies(core, ci, &t);
	if (err)
		txn_rollback(core, &t);
	free(t.steps);
	return err;
}

static int uninstall_policies(struct cg_core *core, const struct cg_child_install *ci)
{
	int ret = 0;

	for (size_t i = 0; i < ci->n_local_ts; i++) {
		for (size_t j = 0; j < ci->n_remote_ts; j++) {
			struct cg_kernel_policy_id id;
			struct cg_ts l, r;
			int err;

			if (!ts_pair(&ci->local_ts[i], &ci->remote_ts[j], &l, &r))
				continue;
			for (int dir = CG_DIR_IN; dir <= CG_DIR_FWD; dir++) {
				if (dir == CG_DIR_FWD && ci->mode != CG_MODE_TUNNEL)
					continue;
				id = (struct cg_kernel_policy_id){
					.src = dir == CG_DIR_OUT ? l : r,
					.dst = dir == CG_DIR_OUT ? r : l,
					.dir = dir,
				};
				err = cg_kernel_del_policy(core, &id);
				if (err && err != -ENOENT && !ret)
					ret = err;
			}
		}
	}
	return ret;
}

CG_EXPORT int cg_child_uninstall(struct cg_core *core, const struct cg_child_install *ci)
{
	int ret = 0, err;

	if (ci->policies)
		ret = uninstall_policies(core, ci);
	for (int in = 1; in >= 0; in--) {
		struct cg_kernel_sa sa;

		if (!in && ci->sas_in_only)
			continue;
		if (sa_fill(ci, in, &sa) || !sa.id.spi)
			continue;
		err = cg_kernel_del_sa(core, &sa.id);
		if (err && err != -ENOENT && !ret)
			ret = err;
	}
	return ret;
}

/* A child's policies, templates at its addresses; the caller frees *out. */
static int child_policies(const struct cg_child_install *ci, struct cg_kernel_policy **out,
			  size_t *n)
{
	size_t max = ci->n_local_ts * ci->n_remote_ts * 3;
	struct cg_kernel_policy *pols = calloc(max ? max : 1, sizeof(*pols));

	if (!pols)
		return -ENOMEM;
	*n = 0;
	for (size_t i = 0; i < ci->n_local_ts; i++) {
		for (size_t j = 0; j < ci->n_remote_ts; j++) {
			struct cg_ts l, r;

			if (!ts_pair(&ci->local_ts[i], &ci->remote_ts[j], &l, &r))
				continue;
			policy_fill(ci, &l, &r, CG_DIR_OUT, &pols[(*n)++]);
			policy_fill(ci, &r, &l, CG_DIR_IN, &pols[(*n)++]);
			if (ci->mode == CG_MODE_TUNNEL)
				policy_fill(ci, &r, &l, CG_DIR_FWD, &pols[(*n)++]);
		}
	}
	*out = pols;
	return 0;
}

CG_EXPORT int cg_child_move(struct cg_core *core, const struct cg_child_install *ci,
			    const struct cg_addr *local, const struct cg_addr *remote,
			    uint16_t encap_local_port, uint16_t encap_remote_port)
{
	struct cg_child_install moved = *ci;
	struct cg_kernel_move mv = {
		.proto = ci->proto, .mode = ci->mode, .reqid = ci->reqid,
		.spi_in = ci->spi_in, .spi_out = ci->sas_in_only ? 0 : ci->spi_out,
		.old_local = ci->local, .old_remote = ci->remote,
		.local = *local, .remote = *remote,
		.encap_local_port = encap_local_port, .encap_remote_port = encap_remote_port,
	};
	struct cg_kernel_policy *pols = NULL;
	int err;

	if (ci->proxy)
		return 0;
	mv.old_local.port = mv.old_remote.port = mv.local.port = mv.remote.port = 0;
	moved.local = mv.local;
	moved.remote = mv.remote;
	if (ci->policies) {
		err = child_policies(&moved, &pols, &mv.n_policies);
		if (err)
			return err;
		mv.policies = pols;
	}
	err = cg_kernel_move(core, &mv);
	if (err && err != -EXDEV)
		cg_log(core, CG_LOG_KNL, CG_LVL_ERROR, "moving the SAs of reqid %u failed: %s",
		       ci->reqid, strerror(-err));
	free(pols);
	return err;
}

CG_EXPORT int cg_child_trap(struct cg_core *core, const struct cg_child_install *ci)
{
	struct txn t = { 0 };
	int err = install_policies(core, ci, &t);

	if (err)
		txn_rollback(core, &t);
	free(t.steps);
	return err;
}

CG_EXPORT int cg_child_untrap(struct cg_core *core, const struct cg_child_install *ci)
{
	return uninstall_policies(core, ci);
}
