/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * list-sas, initiate and terminate for IKEv1. In a daemon that loads ike2
 * as well, ike2 registered them first and lists the SAs of both versions
 * (cg_sa_describe); these serve a daemon with ike1 alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ike1.h"

static const char *state_name(enum ike1_state s)
{
	switch (s) {
	case IKE1_ST_ESTABLISHED: return "ESTABLISHED";
	case IKE1_ST_DELETING: return "DELETING";
	default: return "CONNECTING";
	}
}

/* The same shape as ike2's list-sas (the core's cg_sa_describe_head), with version 1. */
void ike1_ctl_describe(void *data, struct cg_out *out)
{
	struct ike1_sa *sa = data;
	bool up = sa->state == IKE1_ST_ESTABLISHED || sa->state == IKE1_ST_DELETING;
	struct cg_sa_view v = {
		.name = sa->name, .state = state_name(sa->state),
		.local = &sa->local, .remote = &sa->remote,
		.id_local = up ? &sa->id_local : NULL, .id_remote = up ? &sa->id_remote : NULL,
		.initiator = sa->initiator, .spi_i = sa->ci, .spi_r = sa->cr,
		.proposal = sa->encr ? &sa->proposal : NULL,
		.ke_group = cg_proposal_ke(&sa->proposal), .established_at = sa->established_at,
	};

	cg_out_obj_begin(out, NULL);
	cg_sa_describe_head(out, sa->entry, &v);
	cg_out_arr_begin(out, "child-sas");
	for (struct ike1_child *c = sa->children; c; c = c->next)
		ike1_child_describe(sa, c, out);
	cg_out_arr_end(out);
	cg_out_obj_end(out);
}

/* initiate for IKEv1 connections, whichever plugin's command asks. */
static int initiate_hook(void *ctx, const char *conn, const char *child, bool new_sa)
{
	return ike1_initiate(ctx, conn, child, new_sa);
}

/* Starts a connection of either version (without waiting for it, unlike ike2's). */
static int ctl_initiate(void *ctx, struct cg_core *core, int argc, char **argv,
			struct cg_out *out)
{
	const char *child = cg_ctl_arg(argc, argv, "--child"), *ike = cg_ctl_arg(argc, argv, "--ike");
	struct cg_config *cfg = cg_core_config(core);
	const struct cg_conn_cfg *conn = NULL;
	char name[CG_NAME_MAX] = "";
	int err;

	if (cfg && ike)
		conn = cg_config_conn(cfg, ike);
	else if (cfg && child)
		cg_config_child(cfg, child, &conn);
	if (conn)
		snprintf(name, sizeof(name), "%s", conn->name);
	cg_config_unref(cfg);
	if (!child && !ike) {
		cg_out_error(out, "usage: initiate --child NAME [--ike NAME] | --ike NAME");
		return -EINVAL;
	}
	if (!name[0]) {
		cg_out_error(out, "no connection for '%s'", ike ? ike : child);
		return -ENOENT;
	}
	(void)ctx;
	err = cg_ctl_ike_initiate(core, cg_ctl_ike_version(core, name), name, child, ike != NULL);
	if (err) {
		cg_out_error(out, "initiating %s failed: %s", name, strerror(-err));
		return err;
	}
	cg_out_strf(out, "result", "initiating %s%s%s", name, child ? "/" : "", child ? child : "");
	return 0;
}

static bool term_named(const struct cg_ctl_term *t, struct cg_sa *entry)
{
	struct ike1_sa *sa = cg_sa_data(entry);
	bool hit = cg_ctl_term_ike(t, sa->name, cg_sa_unique_id(entry));

	for (struct ike1_child *c = sa->children; c && !hit; c = c->next)
		hit = cg_ctl_term_child(t, c->name, c->unique_id);
	return hit;
}

/* The ISAKMP SA goes with its children, or the children named go; Deletes tell the peer. */
static size_t term_run(void *ctx, const struct cg_ctl_term *t, struct cg_sa *entry,
		       struct cg_out *out)
{
	struct ike1 *p = ctx;
	struct ike1_sa *sa = cg_sa_data(entry);
	size_t n = 0;

	if (cg_ctl_term_ike(t, sa->name, cg_sa_unique_id(entry))) {
		cg_out_strf(out, NULL, "ISAKMP SA %s[%u]", sa->name, cg_sa_unique_id(entry));
		ike1_info_delete_sa(sa);
		ike1_sa_down(sa);
		cg_sa_checkin_destroy(p->core, entry);
		return 1;
	}
	for (struct ike1_child *c = sa->children, *next; c; c = next) {
		next = c->next;
		if (!cg_ctl_term_child(t, c->name, c->unique_id))
			continue;
		cg_out_strf(out, NULL, "IPsec SA %s{%u}", c->name, c->unique_id);
		ike1_info_delete_child(sa, c);
		n++;
	}
	cg_sa_checkin(p->core, entry);
	return n;
}

static const struct cg_ctl_terminator terminator = {
	.named = term_named, .run = term_run,
};

static int ctl_terminate(void *ctx, struct cg_core *core, int argc, char **argv,
			 struct cg_out *out)
{
	(void)ctx;
	return cg_ctl_terminate(core, argc, argv, out);
}

static const struct cg_ctl_cmd commands[] = {
	{ "list-sas", "list-sas: IKE and child SAs with state, algorithms, SPIs, selectors, bytes",
	  cg_ctl_list_sas },
	{ "initiate", "initiate --child NAME [--ike NAME] | --ike NAME: start an IKEv1 connection",
	  ctl_initiate },
	{ "terminate", "terminate --ike NAME | --ike-id N | --child NAME | --child-id N",
	  ctl_terminate },
};

int ike1_ctl_register(struct ike1 *p)
{
	int err = cg_ctl_ike_add(p->core, 1, initiate_hook, &terminator, p);

	if (!err)
		err = cg_control_register_set(p->core, commands, CG_ARRAY_SIZE(commands), p,
					      &p->ctl_mask);
	if (err)
		cg_ctl_ike_remove(p->core, 1);
	return err;
}

void ike1_ctl_unregister(struct ike1 *p)
{
	cg_control_unregister_set(p->core, commands, CG_ARRAY_SIZE(commands), &p->ctl_mask);
	cg_ctl_ike_remove(p->core, 1);
}
