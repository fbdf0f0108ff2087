/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CREATE_CHILD_SA (RFC 7296 1.3): new children and child rekeying in both
 * roles, with an optional key exchange (PFS) and INVALID_KE_PAYLOAD retry.
 * One request writer serves a new child (addchild.c) and a rekey; the
 * responder sorts the request here and negotiates the child as IKE_AUTH
 * does (ike2_child_respond). Rekeying the IKE SA itself is rekey.c's; so is
 * resolving rekey collisions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "child.h"
#include "create.h"
#include "ike2.h"
#include "ikesa.h"
#include "info.h"
#include "msg.h"
#include "rekey.h"

#define REKEY_MAX_RESTARTS 1

int ike2_create_offer_renew(struct ike2_sa *sa, uint16_t group, struct cg_chunk *nonce,
			    const struct cg_ke_alg **ke, void **ke_ctx, struct cg_chunk *pub)
{
	int err;

	cg_ke_free(*ke, ke_ctx);
	cg_chunk_free(nonce);
	err = cg_nonce_new(sa->core, IKE2_NONCE_LEN, nonce);
	if (!err && group)
		err = cg_ke_start(sa->core, group, ke, ke_ctx, pub);
	return err;
}

uint16_t ike2_create_ke_retry_group(const struct ike2_msg *msg, const struct cg_proposal *props,
				    size_t n, uint16_t current)
{
	struct ike2_notify note;

	if (!ike2_chain_notify(&msg->pl, IKE2_N_INVALID_KE_PAYLOAD, &note))
		return CG_KE_NONE;
	return cg_ke_retry_group(props, n, ike2_notify_ke_group(&note), current);
}

static enum ike2_verdict create_refuse(struct ike2_sa *sa, const struct ike2_msg *msg,
				       uint16_t type, uint16_t group, const char *why)
{
	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "CREATE_CHILD_SA refused: %s, answering %s", why,
		    ike2_notify_name(type));
	ike2_sa_refuse_group(sa, msg, type, group);
	return IKE2_KEEP;
}

/* The child a REKEY_SA notify names (by the SPI the peer receives on), or NULL. */
static struct ike2_child *rekeyed_child(struct ike2_sa *sa, const struct ike2_msg *msg,
					bool *asked)
{
	struct ike2_notify n;
	uint32_t spi;

	*asked = ike2_chain_notify(&msg->pl, IKE2_N_REKEY_SA, &n);
	if (!*asked || !ike2_notify_spi(&n, &spi))
		return NULL;
	return ike2_child_by_spi_out(sa, spi);
}

static bool has_ike_proposal(const struct ike2_prop *props, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (props[i].p.protocol == CG_PROTO_IKE)
			return true;
	return false;
}

enum ike2_verdict ike2_create_child_request(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	const struct ike2_pl *sa_pl = ike2_chain_find(&msg->pl, IKE2_PL_SA);
	const struct ike2_pl *no_pl = ike2_chain_find(&msg->pl, IKE2_PL_NONCE);
	struct ike2_prop props[IKE2_MAX_PROPOSALS];
	struct cg_chunk ni = CG_CHUNK_EMPTY, nr = CG_CHUNK_EMPTY;
	enum ike2_verdict v = IKE2_KEEP;
	const struct ike2_child *c;
	struct ike2_child *old;
	size_t n_props;
	bool rekey;
	struct ike2_w w;
	int err;

	if (!sa_pl || !no_pl || ike2_sa_parse(sa_pl, props, IKE2_MAX_PROPOSALS, &n_props) ||
	    ike2_nonce_parse(no_pl, &ni))
		return create_refuse(sa, msg, IKE2_N_INVALID_SYNTAX, 0, "SA or nonce malformed");
	if (sa->rekeyed) {
		v = create_refuse(sa, msg, IKE2_N_TEMPORARY_FAILURE, 0, "the IKE SA is being replaced");
		goto out;
	}
	if (has_ike_proposal(props, n_props)) {
		v = ike2_rekey_ike_respond(sa, msg, props, n_props, ni);
		goto out;
	}
	if (sa->ike_rekey.active) {
		/* Ours goes first; the peer tries again on the new IKE SA (2.25). */
		v = create_refuse(sa, msg, IKE2_N_TEMPORARY_FAILURE, 0, "the IKE SA is being rekeyed");
		goto out;
	}
	old = rekeyed_child(sa, msg, &rekey);
	if (rekey && !old) {
		v = create_refuse(sa, msg, IKE2_N_CHILD_SA_NOT_FOUND, 0, "no such CHILD_SA to rekey");
		goto out;
	}
	err = cg_nonce_new(sa->core, IKE2_NONCE_LEN, &nr);
	if (err) {
		v = create_refuse(sa, msg, IKE2_N_NO_PROPOSAL_CHOSEN, 0, strerror(-err));
		goto out;
	}
	ike2_w_init(&w);
	c = ike2_child_respond(sa, msg, &(struct ike2_child_answer){ .old = old, .create = true,
								     .ni = ni, .nr = nr }, &w);
	ike2_sa_send_sk(sa, IKE2_EXCH_CREATE_CHILD_SA, true, msg->h.mid, &w);
	ike2_w_free(&w);
	if (c && old && sa->rekey && sa->rekey->old_spi_in == old->spi_in)
		ike2_rekey_child_collision(sa, c->spi_in, ni, nr);
out:
	cg_chunk_free(&ni);
	cg_chunk_free(&nr);
	return v;
}

void ike2_create_abandon(struct ike2_sa *sa)
{
	struct ike2_rekey *r = sa->rekey;

	if (!r)
		return;
	if (r->spi_in) {
		/* The SPI was reserved where the old child's SAs live. */
		struct ike2_child *old = ike2_child_by_spi_in(sa, r->old_spi_in);
		struct cg_kernel_sa_id id = {
			.src = sa->remote, .dst = sa->local, .proto = IPPROTO_ESP,
		};

		if (old)
			ike2_child_sa_id(sa, old, true, &id);
		id.src.port = id.dst.port = 0;
		id.spi = r->spi_in;
		cg_kernel_del_sa(sa->core, &id);
	}
	cg_ke_free(r->ke, &r->ke_ctx);
	cg_chunk_free(&r->nonce);
	cg_chunk_free(&r->nonce_r);
	cg_chunk_free(&r->collided_nonce);
	free(r);
	sa->rekey = NULL;
}

int ike2_create_send(struct ike2_sa *sa, const struct ike2_create_req *q)
{
	uint8_t spi[4] = { q->rekey_spi >> 24, q->rekey_spi >> 16, q->rekey_spi >> 8, q->rekey_spi };
	struct cg_chunk pub = CG_CHUNK_EMPTY;
	struct ike2_w w;
	int err;

	err = ike2_create_offer_renew(sa, q->ke_group, q->nonce, q->ke, q->ke_ctx, &pub);
	if (err)
		return err;
	ike2_w_init(&w);
	if (q->rekey_spi)
		ike2_w_notify(&w, CG_PROTO_ESP, IKE2_N_REKEY_SA, spi, 4, NULL, 0);
	if (q->transport)
		ike2_w_notify(&w, 0, IKE2_N_USE_TRANSPORT_MODE, NULL, 0, NULL, 0);
	ike2_w_sa(&w, q->props, NULL, q->n_props, q->spi_in, 4);
	ike2_w_nonce(&w, *q->nonce);
	if (q->ke_group)
		ike2_w_ke(&w, q->ke_group, pub.ptr, pub.len);
	ike2_w_ts(&w, IKE2_PL_TSI, q->tsi, q->n_tsi);
	ike2_w_ts(&w, IKE2_PL_TSR, q->tsr, q->n_tsr);
	err = ike2_sa_request(sa, q->rekey_spi ? IKE2_OP_CHILD_REKEY : IKE2_OP_CHILD_ADD, &w);
	ike2_w_free(&w);
	cg_chunk_free(&pub);
	return err;
}

/* Sends (or sends again, with another group) our rekeying request. */
static int rekey_send(struct ike2_sa *sa, const struct ike2_child *old)
{
	struct ike2_rekey *r = sa->rekey;
	/* The inbound SPI is reserved where the new child will live. */
	struct ike2_child next = {
		.proxy = old->proxy,
		.local_ts = old->local_ts, .n_local_ts = old->n_local_ts,
		.remote_ts = old->remote_ts, .n_remote_ts = old->n_remote_ts,
	};
	struct cg_kernel_sa_id where;
	int err;

	ike2_child_successor_at(old, &next);
	err = r->spi_in ? 0 : ike2_child_sa_id(sa, &next, true, &where);
	if (!err && !r->spi_in)
		err = cg_kernel_get_spi(sa->core, &where.src, &where.dst, IPPROTO_ESP, r->reqid,
					&r->spi_in);
	if (err)
		return err;
	return ike2_create_send(sa, &(struct ike2_create_req){
		.rekey_spi = r->old_spi_in, .transport = old->mode == CG_MODE_TRANSPORT,
		.props = r->props, .n_props = r->n_props, .spi_in = r->spi_in,
		.ke_group = r->ke_group, .nonce = &r->nonce, .ke = &r->ke, .ke_ctx = &r->ke_ctx,
		.tsi = old->local_ts, .n_tsi = old->n_local_ts,
		.tsr = old->remote_ts, .n_tsr = old->n_remote_ts,
	});
}

int ike2_create_rekey_child(struct ike2_sa *sa, uint32_t spi_in)
{
	struct ike2_child *old = ike2_child_by_spi_in(sa, spi_in);
	struct ike2_rekey *r = sa->rekey;
	const struct cg_child_cfg *cc;
	int err;

	if (!old)
		return -ENOENT;
	if (r && r->old_spi_in == spi_in)
		return 0;
	if (r || sa->req.active || sa->state != IKE2_ST_ESTABLISHED)
		return ike2_sa_queue(sa, &(struct ike2_work){ .op = IKE2_OP_CHILD_REKEY,
							      .spi_in = spi_in });
	cc = ike2_child_cfg(sa, old->name);
	if (!cc)
		return -ENOENT;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	sa->rekey = r;
	snprintf(r->name, sizeof(r->name), "%s", old->name);
	r->old_spi_in = spi_in;
	r->reqid = old->reqid;
	r->n_props = ike2_child_proposals(cc, true, r->props, IKE2_MAX_PROPOSALS);
	r->ke_group = r->n_props ? cg_proposal_ke(&r->props[0]) : CG_KE_NONE;
	err = r->n_props ? rekey_send(sa, old) : -ENOPROTOOPT;
	if (err) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_ERROR, "rekeying CHILD_SA %s{%u} failed: %s",
			    old->name, old->unique_id, strerror(-err));
		ike2_create_abandon(sa);
		return err;
	}
	ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_INFO, "rekeying CHILD_SA %s{%u}", old->name,
		    old->unique_id);
	return 0;
}

/* INVALID_KE_PAYLOAD: retry once with the group the responder wants, if we offered it. */
static bool rekey_retry_group(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	struct ike2_rekey *r = sa->rekey;
	struct ike2_child *old = ike2_child_by_spi_in(sa, r->old_spi_in);
	uint16_t group;

	if (!old || r->restarts >= REKEY_MAX_RESTARTS)
		return false;
	group = ike2_create_ke_retry_group(msg, r->props, r->n_props, r->ke_group);
	if (!group)
		return false;
	r->restarts++;
	r->ke_group = group;
	return rekey_send(sa, old) == 0;
}

/* Installs the new child from the responder's answer; NULL when it is unusable. */
static struct ike2_child *rekey_complete(struct ike2_sa *sa, const struct ike2_msg *msg,
					 const struct ike2_child *old)
{
	struct ike2_rekey *r = sa->rekey;
	const struct ike2_pl *sa_pl = ike2_chain_find(&msg->pl, IKE2_PL_SA);
	const struct ike2_pl *no_pl = ike2_chain_find(&msg->pl, IKE2_PL_NONCE);
	const struct ike2_pl *ke_pl = ike2_chain_find(&msg->pl, IKE2_PL_KE);
	const struct ike2_pl *tsi_pl = ike2_chain_find(&msg->pl, IKE2_PL_TSI);
	const struct ike2_pl *tsr_pl = ike2_chain_find(&msg->pl, IKE2_PL_TSR);
	struct cg_chunk nr = CG_CHUNK_EMPTY, shared = CG_CHUNK_EMPTY;
	struct ike2_child *c = calloc(1, sizeof(*c));
	struct cg_ts tsi[IKE2_MAX_TS], tsr[IKE2_MAX_TS];
	size_t n_tsi, n_tsr;
	struct cg_proposal sel;
	struct ike2_prop prop;
	struct ike2_ke peer;
	size_t n_props, idx;
	int err = -EBADMSG;

	if (!c)
		return NULL;
	if (!sa_pl || !no_pl || !tsi_pl || !tsr_pl || ike2_sa_parse(sa_pl, &prop, 1, &n_props) ||
	    n_props != 1 || !prop.usable || prop.spi_size != 4 || ike2_nonce_parse(no_pl, &nr) ||
	    ike2_ts_parse(tsi_pl, tsi, IKE2_MAX_TS, &n_tsi) ||
	    ike2_ts_parse(tsr_pl, tsr, IKE2_MAX_TS, &n_tsr))
		goto out;
	if (ike2_child_set_ts(c, tsi, n_tsi, tsr, n_tsr)) {
		err = -ENOMEM;
		goto out;
	}
	if (!cg_proposal_select(r->props, r->n_props, &prop.p, 1, true, &sel, &idx) ||
	    prop.p.n != sel.n || cg_proposal_ke(&sel) != r->ke_group ||
	    !cg_ts_within(c->local_ts, c->n_local_ts, old->local_ts, old->n_local_ts, NULL, false) ||
	    !cg_ts_within(c->remote_ts, c->n_remote_ts, old->remote_ts, old->n_remote_ts, NULL,
			  false))
		goto out;
	if (r->ke_group && (!ke_pl || ike2_ke_parse(ke_pl, &peer) || peer.group != r->ke_group ||
			    cg_ke_shared(r->ke, r->ke_ctx, peer.data, peer.len, &shared)))
		goto out;
	snprintf(c->name, sizeof(c->name), "%s", old->name);
	ike2_child_setup(c, &sel, ike2_child_cfg(sa, old->name));
	c->mode = old->mode;
	ike2_child_successor_at(old, c); /* where rekey_send reserved the SPI */
	c->reqid = r->reqid;
	c->spi_in = r->spi_in;
	c->spi_out = (uint32_t)prop.spi;
	err = ike2_child_install(sa, c, true, shared, r->nonce, nr);
	if (!err) {
		r->nonce_r = nr;
		nr = CG_CHUNK_EMPTY;
	}
out:
	cg_chunk_clear(&shared);
	cg_chunk_free(&nr);
	if (err) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "CREATE_CHILD_SA response unusable: %s",
			    err == -EBADMSG ? "malformed or not what we offered" : strerror(-err));
		ike2_child_free(c);
		return NULL;
	}
	r->spi_in = 0; /* the new child owns it now */
	return c;
}

enum ike2_verdict ike2_create_rekey_response(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	struct ike2_rekey *r = sa->rekey;
	struct ike2_child *old, *c;
	uint16_t error;

	ike2_sa_request_done(sa);
	old = ike2_child_by_spi_in(sa, r->old_spi_in);
	if (old && rekey_retry_group(sa, msg))
		return IKE2_KEEP;
	error = ike2_chain_error(&msg->pl);
	if (error || !old) {
		ike2_sa_log(sa, CG_LOG_CHD, CG_LVL_WARN, "rekeying CHILD_SA %s failed: %s", r->name,
			    error ? ike2_notify_name(error) : "the child is gone");
		if (old && error == IKE2_N_TEMPORARY_FAILURE)
			ike2_rekey_child_later(sa, r->reqid, r->old_spi_in);
		ike2_create_abandon(sa);
		ike2_sa_run_pending(sa);
		return IKE2_KEEP;
	}
	c = rekey_complete(sa, msg, old);
	if (!c) {
		ike2_create_abandon(sa);
		ike2_sa_run_pending(sa);
		return IKE2_KEEP;
	}
	ike2_child_adopt(sa, c, CG_EV_CHILD_REKEYED);
	if (ike2_rekey_child_lost(sa)) {
		/* Both rekeyed it: ours made the redundant child, so ours goes (2.8.1). */
		uint32_t redundant = c->spi_in;

		ike2_create_abandon(sa);
		ike2_info_delete_child(sa, redundant);
		return IKE2_KEEP;
	}
	ike2_create_abandon(sa);
	/* The old child goes now that the new one carries the traffic (RFC 7296 2.8). */
	ike2_info_delete_child(sa, old->spi_in);
	return IKE2_KEEP;
}
