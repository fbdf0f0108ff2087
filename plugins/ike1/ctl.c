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

static void list_one(void *ctx, struct cg_sa *entry)
{
	cg_sa_describe(entry, ctx);
}

static int ctl_list_sas(void *ctx, struct cg_core *core, int argc, char **argv,
			struct cg_out *out)
{
	(void)ctx;
	(void)argc;
	(void)argv;
	cg_out_arr_begin(out, "ike-sas");
	cg_sa_foreach(core, 0, list_one, out);
	cg_out_arr_end(out);
	return 0;
}

static const char *opt(int argc, char **argv, const char *name)
{
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

static int ctl_initiate(void *ctx, struct cg_core *core, int argc, char **argv,
			struct cg_out *out)
{
	struct ike1 *p = ctx;
	const char *child = opt(argc, argv, "--child"), *ike = opt(argc, argv, "--ike");
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
	err = ike1_initiate(p, name, child, ike != NULL);
	if (err) {
		cg_out_error(out, "initiating %s failed: %s", name, strerror(-err));
		return err;
	}
	cg_out_strf(out, "result", "initiating %s%s%s", name, child ? "/" : "", child ? child : "");
	return 0;
}

struct term {
	const char *ike, *child;
	long ike_id, child_id;
	uint32_t hits[64];
	size_t n;
};

static bool child_hit(const struct term *t, const struct ike1_child *c)
{
	return (t->child && !strcmp(c->name, t->child)) ||
	       (t->child_id > 0 && c->unique_id == (uint32_t)t->child_id);
}

static bool ike_hit(const struct term *t, struct cg_sa *entry)
{
	struct ike1_sa *sa = cg_sa_data(entry);

	return (t->ike && !strcmp(sa->name, t->ike)) ||
	       (t->ike_id > 0 && cg_sa_unique_id(entry) == (uint32_t)t->ike_id);
}

static void term_collect(void *ctx, struct cg_sa *entry)
{
	struct term *t = ctx;
	struct ike1_sa *sa = cg_sa_data(entry);
	bool hit = ike_hit(t, entry);

	for (struct ike1_child *c = sa->children; c && !hit; c = c->next)
		hit = child_hit(t, c);
	if (hit && t->n < CG_ARRAY_SIZE(t->hits))
		t->hits[t->n++] = cg_sa_unique_id(entry);
}

/* Terminates what matches in one SA; how many things went. */
static size_t term_one(struct ike1 *p, const struct term *t, uint32_t id, struct cg_out *out)
{
	struct cg_sa *entry = cg_sa_checkout_by_id(p->core, id);
	struct ike1_sa *sa;
	size_t n = 0;

	if (!entry)
		return 0;
	sa = cg_sa_data(entry);
	if (ike_hit(t, entry)) {
		cg_out_strf(out, NULL, "ISAKMP SA %s[%u]", sa->name, id);
		ike1_info_delete_sa(sa);
		ike1_sa_down(sa);
		cg_sa_checkin_destroy(p->core, entry);
		return 1;
	}
	for (struct ike1_child *c = sa->children, *next; c; c = next) {
		next = c->next;
		if (!child_hit(t, c))
			continue;
		cg_out_strf(out, NULL, "IPsec SA %s{%u}", c->name, c->unique_id);
		ike1_info_delete_child(sa, c);
		n++;
	}
	cg_sa_checkin(p->core, entry);
	return n;
}

static int ctl_terminate(void *ctx, struct cg_core *core, int argc, char **argv,
			 struct cg_out *out)
{
	struct ike1 *p = ctx;
	const char *ike_id = opt(argc, argv, "--ike-id"), *child_id = opt(argc, argv, "--child-id");
	struct term t = {
		.ike = opt(argc, argv, "--ike"), .child = opt(argc, argv, "--child"),
		.ike_id = ike_id ? atol(ike_id) : 0, .child_id = child_id ? atol(child_id) : 0,
	};
	size_t n = 0;

	if (!t.ike && !t.child && t.ike_id <= 0 && t.child_id <= 0) {
		cg_out_error(out, "usage: terminate --ike NAME | --ike-id N | --child NAME | --child-id N");
		return -EINVAL;
	}
	cg_sa_foreach(core, 1, term_collect, &t);
	cg_out_arr_begin(out, "terminated");
	for (size_t i = 0; i < t.n; i++)
		n += term_one(p, &t, t.hits[i], out);
	cg_out_arr_end(out);
	if (!n) {
		cg_out_error(out, "nothing matched");
		return -ENOENT;
	}
	return 0;
}

static const struct {
	const char *name, *usage;
	cg_ctl_fn fn;
} commands[] = {
	{ "list-sas", "list-sas: IKE and child SAs with state, algorithms, SPIs, selectors, bytes",
	  ctl_list_sas },
	{ "initiate", "initiate --child NAME [--ike NAME] | --ike NAME: start an IKEv1 connection",
	  ctl_initiate },
	{ "terminate", "terminate --ike NAME | --ike-id N | --child NAME | --child-id N",
	  ctl_terminate },
};

int ike1_ctl_register(struct ike1 *p)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(commands); i++) {
		int err = cg_control_register(p->core, commands[i].name, commands[i].usage,
					      commands[i].fn, p);

		if (!err)
			p->ctl_mask |= 1u << i;
		else if (err != -EEXIST)
			return err;
	}
	return 0;
}

void ike1_ctl_unregister(struct ike1 *p)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(commands); i++)
		if (p->ctl_mask & (1u << i))
			cg_control_unregister(p->core, commands[i].name);
	p->ctl_mask = 0;
}
