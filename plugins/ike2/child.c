/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CHILD_SAs (RFC 7296 1.3, 2.9, 2.17): ESP proposals, traffic selector
 * narrowing, USE_TRANSPORT_MODE, key material, and the kernel state
 * installed in one step with cg_child_install.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "child.h"
#include "cp.h"
#include "ike2.h"
#include "ikesa.h"
#include "keys.h"
#include "msg.h"
#include "nat.h"

#define KEYMAT_MAX (2 * (36 + 64))

/*
 * ESP proposals for IKE_AUTH: key exchange methods are left out (no PFS in
 * the first child), and ESN defaults to "no" when the config says nothing.
 */
size_t ike2_child_proposals(const struct cg_child_cfg *cc, bool keep_ke, struct cg_proposal *out,
			    size_t max)
{
	size_t n = cg_conn_esp_proposals(cc, out, max);

	for (size_t i = 0; i < n; i++) {
		struct cg_proposal *p = &out[i];
		bool esn = false;
		size_t k = 0;

		p->protocol = CG_PROTO_ESP;
		for (size_t t = 0; t < p->n; t++) {
			if (p->t[t].type == CG_TT_KE && !keep_ke)
				continue;
			esn |= p->t[t].type == CG_TT_ESN;
			p->t[k++] = p->t[t];
		}
		p->n = k;
		if (!esn && p->n < CG_PROPOSAL_MAX_TRANSFORMS)
			p->t[p->n++] = (struct cg_transform){ .type = CG_TT_ESN, .id = CG_ESN_NO };
	}
	return n;
}

static void props_strip_ke(struct cg_proposal *p)
{
	size_t k = 0;

	for (size_t t = 0; t < p->n; t++)
		if (p->t[t].type != CG_TT_KE)
			p->t[k++] = p->t[t];
	p->n = k;
}

int ike2_child_sa_id(const struct ike2_sa *sa, const struct ike2_child *c, bool inbound,
		     struct cg_kernel_sa_id *id)
{
	/* Once installed, a child has its own outer addresses (a MIGRATE moves them). */
	bool own = c->local.family != AF_UNSPEC;
	struct cg_child_install ci = {
		.local = own ? c->local : sa->local, .remote = own ? c->remote : sa->remote,
		.proxy = c->proxy,
		.local_ts = c->local_ts, .n_local_ts = c->n_local_ts,
		.remote_ts = c->remote_ts, .n_remote_ts = c->n_remote_ts,
	};
	struct cg_addr l, r;

	if (cg_child_sa_hosts(&ci, &l, &r))
		return -EINVAL;
	*id = cg_child_sa_id(&l, &r, inbound, inbound ? c->spi_in : c->spi_out, IPPROTO_ESP);
	return 0;
}

void ike2_child_successor_at(const struct ike2_child *old, struct ike2_child *next)
{
	if (old->stranded)
		return;
	next->local = old->local;
	next->remote = old->remote;
}

/* Where a child being negotiated reserves its inbound SPI: as the child will. */
static int pending_sa_id(const struct ike2_sa *sa, struct ike2_pending_child *pc,
			 struct cg_kernel_sa_id *id)
{
	const struct cg_child_cfg *cc = ike2_child_cfg(sa, pc->name);
	struct ike2_child view = {
		.proxy = cc && cc->mode == CG_CHILD_TRANSPORT_PROXY,
		.local_ts = pc->local_ts, .n_local_ts = pc->n_local_ts,
		.remote_ts = pc->remote_ts, .n_remote_ts = pc->n_remote_ts,
		.spi_in = pc->spi_in,
	};

	return ike2_child_sa_id(sa, &view, true, id);
}

/* Reserves c's inbound SPI where its SAs will live. */
static int child_get_spi(struct ike2_sa *sa, const struct cg_kernel_sa_id *where, uint32_t reqid,
			 uint32_t *spi)
{
	return cg_kernel_get_spi(sa->core, &where->src, &where->dst, IPPROTO_ESP, reqid, spi);
}

int ike2_child_prepare(struct ike2_sa *sa, const struct cg_child_cfg *cc,
		       const struct cg_kernel_acquire *acq, uint32_t trap_reqid,
		       struct ike2_pending_child **ret)
{
	struct ike2_pending_child *pc;
	struct cg_kernel_sa_id where;
	int err;

	ike2_child_abandon(sa, ret);
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	snprintf(pc->name, sizeof(pc->name), "%s", cc->name);
	pc->trapped = trap_reqid != 0;
	pc->reqid = trap_reqid ? trap_reqid : cc->reqid ? cc->reqid : cg_kernel_new_reqid(sa->core);
	pc->n_local_ts = ike2_cp_ts_resolve(sa, true, cc->local_ts, cc->n_local_ts, pc->local_ts,
					    IKE2_MAX_TS - 1);
	pc->n_remote_ts = ike2_cp_ts_resolve(sa, false, cc->remote_ts, cc->n_remote_ts,
					     pc->remote_ts, IKE2_MAX_TS - 1);
	if (acq) {
		pc->has_acquire = true;
		pc->acq_src = acq->src;
		pc->acq_dst = acq->dst;
		/* A packet of no particular protocol stands for all ports. */
		if (acq->src.proto == CG_PROTO_ANY) {
			pc->acq_src.from_port = pc->acq_dst.from_port = 0;
			pc->acq_src.to_port = pc->acq_dst.to_port = 0xffff;
		}
	}
	pc->n_props = ike2_child_proposals(cc, false, pc->props, IKE2_MAX_PROPOSALS);
	pc->transport = cc->mode != CG_CHILD_TUNNEL;
	if (!pc->n_props) {
		free(pc);
		return -ENOPROTOOPT;
	}
	err = pending_sa_id(sa, pc, &where);
	if (err)
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_ERROR, "transport_proxy child %s: its selectors "
			    "are not one host on each side", pc->name);
	else
		err = child_get_spi(sa, &where, pc->reqid, &pc->spi_in);
	if (err) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_ERROR, "allocating an SPI failed: %s",
			    strerror(-err));
		free(pc);
		return err;
	}
	*ret = pc;
	return 0;
}

void ike2_child_write_request(struct ike2_sa *sa, struct ike2_w *w)
{
	struct ike2_pending_child *pc = sa->pending;
	struct cg_ts tsi[IKE2_MAX_TS], tsr[IKE2_MAX_TS];

	if (pc->transport)
		ike2_w_notify(w, 0, IKE2_N_USE_TRANSPORT_MODE, NULL, 0, NULL, 0);
	ike2_w_sa(w, pc->props, NULL, pc->n_props, pc->spi_in, 4);
	ike2_w_ts(w, IKE2_PL_TSI, tsi, ike2_child_offer_ts(pc, true, tsi));
	ike2_w_ts(w, IKE2_PL_TSR, tsr, ike2_child_offer_ts(pc, false, tsr));
}

size_t ike2_child_offer_ts(const struct ike2_pending_child *pc, bool local, struct cg_ts *out)
{
	const struct cg_ts *ts = local ? pc->local_ts : pc->remote_ts;
	size_t n = local ? pc->n_local_ts : pc->n_remote_ts, k = 0;

	/* The packet that triggered an acquire goes first (RFC 7296 2.9). */
	if (pc->has_acquire)
		out[k++] = local ? pc->acq_src : pc->acq_dst;
	memcpy(out + k, ts, n * sizeof(*out));
	return k + n;
}

static void child_fill_install(struct ike2_sa *sa, const struct ike2_child *c,
			       struct cg_child_install *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->local = c->local;
	ci->remote = c->remote;
	ci->mode = c->mode;
	ci->proxy = c->proxy;
	ci->proto = IPPROTO_ESP;
	ci->reqid = c->reqid;
	ci->spi_in = c->spi_in;
	ci->spi_out = c->spi_out;
	ci->encr_alg = c->encr_alg;
	ci->encr_keylen = c->encr_keylen;
	ci->integ_alg = c->integ_alg;
	ci->esn = c->esn;
	ci->replay_window = c->replay_window;
	ike2_nat_encap_ports(sa, &ci->encap_local_port, &ci->encap_remote_port);
	ci->lifetime = c->lifetime;
	ci->local_ts = c->local_ts;
	ci->n_local_ts = c->n_local_ts;
	ci->remote_ts = c->remote_ts;
	ci->n_remote_ts = c->n_remote_ts;
	ci->priority = c->priority;
	ci->policies = c->own_policies;
}

const struct cg_child_cfg *ike2_child_cfg(const struct ike2_sa *sa, const char *name)
{
	for (size_t i = 0; i < sa->conn->n_children; i++)
		if (!strcmp(sa->conn->children[i].name, name))
			return &sa->conn->children[i];
	return NULL;
}

/* Fills the child's algorithms and config-derived settings from the chosen proposal. */
void ike2_child_setup(struct ike2_child *c, const struct cg_proposal *sel,
		      const struct cg_child_cfg *cc)
{
	const struct cg_transform *encr = cg_proposal_get(sel, CG_TT_ENCR);
	const struct cg_transform *integ = cg_proposal_get(sel, CG_TT_INTEG);
	const struct cg_transform *esn = cg_proposal_get(sel, CG_TT_ESN);

	c->encr_alg = encr ? encr->id : CG_ENCR_NULL;
	c->encr_keylen = encr && encr->keylen ? encr->keylen : cg_encr_default_keylen(c->encr_alg);
	c->integ_alg = integ ? integ->id : CG_INTEG_NONE;
	c->esn = esn && esn->id == CG_ESN_YES;
	c->proxy = cc && cc->mode == CG_CHILD_TRANSPORT_PROXY;
	c->replay_window = cc ? cc->replay_window : 32;
	c->priority = cc ? cc->priority : 0;
	if (cc) {
		c->lifetime.soft_secs = cc->rekey_time;
		c->lifetime.hard_secs = cc->life_time;
		c->lifetime.soft_bytes = cc->rekey_bytes;
		c->lifetime.hard_bytes = cc->life_bytes;
		c->lifetime.soft_packets = cc->rekey_packets;
		c->lifetime.hard_packets = cc->life_packets;
	}
}

/*
 * Derives the child's keys and installs it. Policies that already exist
 * (trap policies of the same reqid) carry the SAs as they are.
 */
int ike2_child_install(struct ike2_sa *sa, struct ike2_child *c, bool initiator,
		       struct cg_chunk shared, struct cg_chunk ni, struct cg_chunk nr)
{
	size_t ek = cg_encr_key_size(c->encr_alg, c->encr_keylen);
	size_t ak = ike2_keys_esp_integ_size(c->integ_alg);
	uint8_t km[KEYMAT_MAX];
	struct cg_child_install ci;
	const struct cg_child_cfg *cc;
	const uint8_t *ei = km, *ai = km + ek, *er = km + ek + ak, *ar = km + 2 * ek + ak;
	int err;

	if (2 * (ek + ak) > sizeof(km))
		return -EINVAL;
	/* KEYMAT: encryption then integrity key, initiator-to-responder first (2.17). */
	err = ike2_keys_child(sa, shared, ni, nr, km, 2 * (ek + ak));
	if (err)
		return err;
	cc = ike2_child_cfg(sa, c->name);
	c->own_policies = !cc || cc->policies;
	/* A new child lives at the IKE SA's addresses; a rekeyed one where the old one was. */
	if (c->local.family == AF_UNSPEC) {
		c->local = sa->local;
		c->remote = sa->remote;
	}
	c->local.port = c->remote.port = 0;
	child_fill_install(sa, c, &ci);
	ci.encr_key_out = CG_CHUNK(initiator ? ei : er, ek);
	ci.integ_key_out = CG_CHUNK(initiator ? ai : ar, ak);
	ci.encr_key_in = CG_CHUNK(initiator ? er : ei, ek);
	ci.integ_key_in = CG_CHUNK(initiator ? ar : ai, ak);
	err = cg_child_install(sa->core, &ci);
	if (err == -EEXIST) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_DEBUG,
			    "policies for reqid %u exist (trap): installing the SAs only", c->reqid);
		c->own_policies = false;
		ci.policies = false;
		err = cg_child_install(sa->core, &ci);
	}
	cg_memwipe(km, sizeof(km));
	if (err)
		return err;
	c->installed = true;
	c->installed_at = time(NULL);
	cg_sa_add_reqid(sa->entry, c->reqid);
	ike2_cp_routes(sa, c, true);
	return 0;
}

void ike2_child_publish(struct ike2_sa *sa, const struct ike2_child *c, enum cg_event_type t)
{
	struct cg_child_install ci;

	child_fill_install(sa, c, &ci);
	cg_sa_publish_child(sa->core, sa->entry, t, sa->name, c->name, c->unique_id, &ci, &sa->local,
			    &sa->remote);
}

void ike2_child_log_up(struct ike2_sa *sa, const struct ike2_child *c)
{
	char l[CG_TS_STRLEN], r[CG_TS_STRLEN];

	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO,
		    "CHILD_SA %s{%u} established with SPIs %08x_i %08x_o and TS %s%s === %s%s (%s)",
		    c->name, c->unique_id, c->spi_in, c->spi_out,
		    cg_ts_str(&c->local_ts[0], l, sizeof(l)), c->n_local_ts > 1 ? " ..." : "",
		    cg_ts_str(&c->remote_ts[0], r, sizeof(r)), c->n_remote_ts > 1 ? " ..." : "",
		    cg_mode_name(c->mode));
}

/* Picks the child config whose selectors overlap the request; narrows them. */
const struct cg_child_cfg *ike2_child_match(struct ike2_sa *sa, const struct cg_ts *tsi,
					      size_t n_tsi, const struct cg_ts *tsr, size_t n_tsr,
					      struct ike2_child *c)
{
	for (size_t i = 0; i < sa->conn->n_children; i++) {
		const struct cg_child_cfg *cc = &sa->conn->children[i];
		struct cg_ts local[IKE2_MAX_TS], remote[IKE2_MAX_TS];
		size_t nl = ike2_cp_ts_resolve(sa, true, cc->local_ts, cc->n_local_ts, local,
					       IKE2_MAX_TS);
		size_t nr = ike2_cp_ts_resolve(sa, false, cc->remote_ts, cc->n_remote_ts, remote,
					       IKE2_MAX_TS);

		struct cg_ts narrow_l[IKE2_MAX_TS], narrow_r[IKE2_MAX_TS];
		/* Their TSi is our remote side, their TSr our local side. */
		size_t n_r = cg_ts_narrow(tsi, n_tsi, remote, nr, narrow_r, IKE2_MAX_TS);
		size_t n_l = cg_ts_narrow(tsr, n_tsr, local, nl, narrow_l, IKE2_MAX_TS);

		if (n_r && n_l)
			return ike2_child_set_ts(c, narrow_l, n_l, narrow_r, n_r) ? NULL : cc;
	}
	return NULL;
}

int ike2_child_set_ts(struct ike2_child *c, const struct cg_ts *local, size_t n_local,
		      const struct cg_ts *remote, size_t n_remote)
{
	struct cg_ts *ts = calloc(n_local + n_remote ? n_local + n_remote : 1, sizeof(*ts));

	if (!ts)
		return -ENOMEM;
	if (n_local)
		memcpy(ts, local, n_local * sizeof(*ts));
	if (n_remote)
		memcpy(ts + n_local, remote, n_remote * sizeof(*ts));
	free(c->local_ts);
	c->local_ts = ts;
	c->remote_ts = ts + n_local;
	c->n_local_ts = n_local;
	c->n_remote_ts = n_remote;
	return 0;
}

void ike2_child_free(struct ike2_child *c)
{
	if (!c)
		return;
	free(c->local_ts);
	free(c);
}

static void child_refuse(struct ike2_sa *sa, struct ike2_w *w, uint16_t type, uint16_t group,
			 const char *why)
{
	uint8_t data[2] = { group >> 8, group & 0xff };

	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "no CHILD_SA: %s, answering %s", why,
		    ike2_notify_name(type));
	ike2_w_notify(w, 0, type, NULL, 0, group ? data : NULL, group ? 2 : 0);
}

/* Their usable ESP proposals (SPI size 4), with numbers and SPIs; KE transforms only with PFS. */
static size_t respond_theirs(const struct ike2_prop *props, size_t n, bool keep_ke,
			     struct cg_proposal *out, uint8_t *nums, uint32_t *spis)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!props[i].usable || props[i].p.protocol != CG_PROTO_ESP || props[i].spi_size != 4)
			continue;
		out[k] = props[i].p;
		if (!keep_ke)
			props_strip_ke(&out[k]);
		nums[k] = props[i].num;
		spis[k++] = (uint32_t)props[i].spi;
	}
	return k;
}

/* The PFS key exchange in group: our public value and the shared secret; 0 or the error notify. */
static uint16_t respond_ke(struct ike2_sa *sa, const struct ike2_msg *msg, uint16_t group,
			   struct cg_chunk *pub, struct cg_chunk *shared, const char **why)
{
	const struct ike2_pl *ke_pl = ike2_chain_find(&msg->pl, IKE2_PL_KE);
	const struct cg_ke_alg *ke = NULL;
	struct ike2_ke peer;
	void *ctx = NULL;
	int err;

	if (!ke_pl || ike2_ke_parse(ke_pl, &peer) || peer.group != group) {
		*why = "another PFS group";
		return IKE2_N_INVALID_KE_PAYLOAD;
	}
	err = cg_ke_start(sa->core, group, &ke, &ctx, pub);
	if (!err)
		err = cg_ke_shared(ke, ctx, peer.data, peer.len, shared);
	cg_ke_free(ke, &ctx);
	*why = "key exchange failed";
	return err ? IKE2_N_NO_PROPOSAL_CHOSEN : 0;
}

struct ike2_child *ike2_child_respond(struct ike2_sa *sa, const struct ike2_msg *msg,
				      const struct ike2_child_answer *a, struct ike2_w *w)
{
	const struct ike2_pl *sa_pl = ike2_chain_find(&msg->pl, IKE2_PL_SA);
	const struct ike2_pl *tsi_pl = ike2_chain_find(&msg->pl, IKE2_PL_TSI);
	const struct ike2_pl *tsr_pl = ike2_chain_find(&msg->pl, IKE2_PL_TSR);
	struct cg_proposal ours[IKE2_MAX_PROPOSALS], theirs[IKE2_MAX_PROPOSALS], sel;
	struct ike2_prop props[IKE2_MAX_PROPOSALS];
	struct cg_ts tsi[IKE2_MAX_TS], tsr[IKE2_MAX_TS];
	struct cg_chunk pub = CG_CHUNK_EMPTY, shared = CG_CHUNK_EMPTY;
	size_t n_props, n_tsi, n_tsr, n_ours, n_theirs, idx;
	uint8_t nums[IKE2_MAX_PROPOSALS];
	uint32_t spis[IKE2_MAX_PROPOSALS];
	const struct cg_child_cfg *cc;
	struct ike2_child *c;
	struct cg_kernel_sa_id where;
	uint16_t group, refusal;
	const char *why;
	int err;

	if (!sa_pl || !tsi_pl || !tsr_pl || ike2_sa_parse(sa_pl, props, IKE2_MAX_PROPOSALS, &n_props) ||
	    ike2_ts_parse(tsi_pl, tsi, IKE2_MAX_TS, &n_tsi) ||
	    ike2_ts_parse(tsr_pl, tsr, IKE2_MAX_TS, &n_tsr)) {
		child_refuse(sa, w, IKE2_N_INVALID_SYNTAX, 0, "malformed SA, TSi or TSr");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		child_refuse(sa, w, IKE2_N_TEMPORARY_FAILURE, 0, "out of memory");
		return NULL;
	}
	/* A rekeyed child keeps its selectors, mode and reqid. */
	if (a->old && ike2_child_set_ts(c, a->old->local_ts, a->old->n_local_ts,
					a->old->remote_ts, a->old->n_remote_ts)) {
		child_refuse(sa, w, IKE2_N_TEMPORARY_FAILURE, 0, "out of memory");
		goto err_free;
	}
	cc = a->old ? ike2_child_cfg(sa, a->old->name) : ike2_child_match(sa, tsi, n_tsi, tsr, n_tsr, c);
	if (!cc) {
		child_refuse(sa, w, IKE2_N_TS_UNACCEPTABLE, 0, "traffic selectors do not match");
		goto err_free;
	}
	/* IKE_AUTH has no key exchange of its own: PFS groups count with CREATE_CHILD_SA only. */
	n_theirs = respond_theirs(props, n_props, a->create, theirs, nums, spis);
	n_ours = ike2_child_proposals(cc, a->create, ours, IKE2_MAX_PROPOSALS);
	if (!cg_proposal_select(ours, n_ours, theirs, n_theirs, true, &sel, &idx)) {
		child_refuse(sa, w, IKE2_N_NO_PROPOSAL_CHOSEN, 0, "no acceptable ESP proposal");
		goto err_free;
	}
	group = cg_proposal_ke(&sel);
	refusal = group ? respond_ke(sa, msg, group, &pub, &shared, &why) : 0;
	if (refusal) {
		child_refuse(sa, w, refusal, refusal == IKE2_N_INVALID_KE_PAYLOAD ? group : 0, why);
		goto err_free;
	}
	snprintf(c->name, sizeof(c->name), "%s", cc->name);
	ike2_child_setup(c, &sel, cc);
	if (a->old)
		c->mode = a->old->mode;
	else
		c->mode = cc->mode != CG_CHILD_TUNNEL &&
				  ike2_chain_notify(&msg->pl, IKE2_N_USE_TRANSPORT_MODE, NULL)
			  ? CG_MODE_TRANSPORT : CG_MODE_TUNNEL;
	c->spi_out = spis[idx];
	if (a->old)
		ike2_child_successor_at(a->old, c);
	c->reqid = a->old ? a->old->reqid : ike2_trap_reqid(sa->plugin, sa->name, cc->name);
	if (!c->reqid)
		c->reqid = cc->reqid ? cc->reqid : cg_kernel_new_reqid(sa->core);
	if (ike2_child_sa_id(sa, c, true, &where)) {
		child_refuse(sa, w, IKE2_N_TS_UNACCEPTABLE, 0,
			     "transport_proxy selectors are not one host on each side");
		goto err_free;
	}
	err = child_get_spi(sa, &where, c->reqid, &c->spi_in);
	if (!err)
		err = ike2_child_install(sa, c, false, shared, a->ni, a->nr);
	if (err) {
		child_refuse(sa, w, IKE2_N_NO_PROPOSAL_CHOSEN, 0, strerror(-err));
		goto err_free;
	}
	if (c->mode == CG_MODE_TRANSPORT)
		ike2_w_notify(w, 0, IKE2_N_USE_TRANSPORT_MODE, NULL, 0, NULL, 0);
	ike2_w_sa(w, &sel, &nums[idx], 1, c->spi_in, 4);
	if (a->create)
		ike2_w_nonce(w, a->nr);
	if (group)
		ike2_w_ke(w, group, pub.ptr, pub.len);
	ike2_w_ts(w, IKE2_PL_TSI, c->remote_ts, c->n_remote_ts);
	ike2_w_ts(w, IKE2_PL_TSR, c->local_ts, c->n_local_ts);
	ike2_child_adopt(sa, c, a->old ? CG_EV_CHILD_REKEYED : CG_EV_CHILD_UP);
	goto out;

err_free:
	ike2_child_free(c);
	c = NULL;
out:
	cg_chunk_clear(&shared);
	cg_chunk_free(&pub);
	return c;
}

void ike2_child_complete(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	ike2_child_complete_keyed(sa, &sa->pending, msg, CG_CHUNK_EMPTY, sa->ni, sa->nr);
}

void ike2_child_complete_keyed(struct ike2_sa *sa, struct ike2_pending_child **slot,
			       const struct ike2_msg *msg, struct cg_chunk shared,
			       struct cg_chunk ni, struct cg_chunk nr)
{
	struct ike2_pending_child *pc = *slot;
	const struct ike2_pl *sa_pl = ike2_chain_find(&msg->pl, IKE2_PL_SA);
	const struct ike2_pl *tsi_pl = ike2_chain_find(&msg->pl, IKE2_PL_TSI);
	const struct ike2_pl *tsr_pl = ike2_chain_find(&msg->pl, IKE2_PL_TSR);
	struct cg_ts tsi[IKE2_MAX_TS], tsr[IKE2_MAX_TS];
	size_t n_tsi, n_tsr;
	struct ike2_prop prop;
	struct cg_proposal sel;
	struct ike2_child *c;
	size_t n_props, idx;
	uint16_t error;
	int err;

	if (!sa_pl) {
		error = ike2_chain_error(&msg->pl);
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "CHILD_SA %s not established: %s", pc->name,
			    error ? ike2_notify_name(error) : "no SA payload in the response");
		ike2_child_abandon(sa, slot);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		ike2_child_abandon(sa, slot);
		return;
	}
	if (!tsi_pl || !tsr_pl || ike2_sa_parse(sa_pl, &prop, 1, &n_props) || n_props != 1 ||
	    !prop.usable || prop.spi_size != 4 || prop.p.protocol != CG_PROTO_ESP ||
	    ike2_ts_parse(tsi_pl, tsi, IKE2_MAX_TS, &n_tsi) ||
	    ike2_ts_parse(tsr_pl, tsr, IKE2_MAX_TS, &n_tsr) ||
	    ike2_child_set_ts(c, tsi, n_tsi, tsr, n_tsr)) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "malformed CHILD_SA in the response");
		goto err_free;
	}
	if (!cg_proposal_select(pc->props, pc->n_props, &prop.p, 1, true, &sel, &idx) ||
	    prop.p.n != sel.n) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "responder chose an ESP proposal we did not offer");
		goto err_free;
	}
	if (!cg_ts_within(c->local_ts, c->n_local_ts, pc->local_ts, pc->n_local_ts,
			  &pc->acq_src, pc->has_acquire) ||
	    !cg_ts_within(c->remote_ts, c->n_remote_ts, pc->remote_ts, pc->n_remote_ts,
			  &pc->acq_dst, pc->has_acquire)) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "responder widened the traffic selectors");
		goto err_free;
	}
	snprintf(c->name, sizeof(c->name), "%s", pc->name);
	ike2_child_setup(c, &sel, ike2_child_cfg(sa, pc->name));
	c->mode = pc->transport && ike2_chain_notify(&msg->pl, IKE2_N_USE_TRANSPORT_MODE, NULL)
		  ? CG_MODE_TRANSPORT : CG_MODE_TUNNEL;
	if (pc->transport && c->mode == CG_MODE_TUNNEL)
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO,
			    "responder did not accept transport mode: using tunnel mode");
	c->reqid = pc->reqid;
	c->spi_in = pc->spi_in;
	c->spi_out = (uint32_t)prop.spi;
	err = ike2_child_install(sa, c, true, shared, ni, nr);
	if (err) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_ERROR, "installing CHILD_SA %s failed: %s",
			    c->name, strerror(-err));
		goto err_free;
	}
	pc->spi_in = 0; /* the child owns it now */
	ike2_child_abandon(sa, slot);
	ike2_child_adopt(sa, c, CG_EV_CHILD_UP);
	return;

err_free:
	ike2_child_free(c);
	ike2_child_abandon(sa, slot);
}

void ike2_child_abandon(struct ike2_sa *sa, struct ike2_pending_child **slot)
{
	struct ike2_pending_child *pc = *slot;
	struct cg_kernel_sa_id id;

	if (!pc)
		return;
	if (pc->spi_in && !pending_sa_id(sa, pc, &id))
		cg_kernel_del_sa(sa->core, &id);
	if (pc->trapped)
		ike2_trap_done(sa->plugin, pc->reqid);
	cg_ke_free(pc->ke, &pc->ke_ctx);
	cg_chunk_free(&pc->nonce);
	free(pc);
	*slot = NULL;
}

void ike2_child_adopt(struct ike2_sa *sa, struct ike2_child *c, enum cg_event_type t)
{
	c->unique_id = ike2_next_child_id(sa->plugin);
	c->next = sa->children;
	sa->children = c;
	ike2_child_log_up(sa, c);
	ike2_child_publish(sa, c, t);
}

void ike2_child_destroy(struct ike2_sa *sa, struct ike2_child *c)
{
	struct cg_child_install ci;
	int err;

	if (c->installed) {
		ike2_cp_routes(sa, c, false);
		child_fill_install(sa, c, &ci);
		err = cg_child_uninstall(sa->core, &ci);
		if (err)
			ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "removing CHILD_SA %s{%u}: %s",
				    c->name, c->unique_id, strerror(-err));
		cg_sa_del_reqid(sa->entry, c->reqid);
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "CHILD_SA %s{%u} with SPIs %08x_i %08x_o deleted",
			    c->name, c->unique_id, c->spi_in, c->spi_out);
		ike2_child_publish(sa, c, CG_EV_CHILD_DOWN);
	}
	ike2_child_free(c);
}

struct ike2_child *ike2_child_by_spi_out(struct ike2_sa *sa, uint32_t spi)
{
	for (struct ike2_child *c = sa->children; c; c = c->next)
		if (c->spi_out == spi)
			return c;
	return NULL;
}

struct ike2_child *ike2_child_by_spi_in(struct ike2_sa *sa, uint32_t spi)
{
	for (struct ike2_child *c = sa->children; c; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

bool ike2_child_replaced(struct ike2_sa *sa, const struct ike2_child *c)
{
	for (struct ike2_child *o = sa->children; o; o = o->next)
		if (o != c && o->reqid == c->reqid && !strcmp(o->name, c->name))
			return true;
	return false;
}

void ike2_child_describe(struct ike2_sa *sa, struct ike2_child *c, struct cg_out *out)
{
	struct cg_child_install ci;

	child_fill_install(sa, c, &ci);
	cg_child_describe(sa->core, out, &(struct cg_child_view){
		.name = c->name, .unique_id = c->unique_id, .installed = c->installed, .ci = &ci,
		.installed_at = c->installed_at,
	});
}
