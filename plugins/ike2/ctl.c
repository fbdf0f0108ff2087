/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Control commands: initiate, terminate, list-sas. A threaded daemon's
 * `initiate` waits for the outcome (as swanctl --initiate does); a manual
 * core (tests) returns at once, since its jobs run only when the caller
 * runs them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addchild.h"
#include "child.h"
#include "cp.h"
#include "ctl.h"
#include "ike2.h"
#include "ikesa.h"
#include "info.h"
#include "init.h"
#include "rekey.h"

#define INITIATE_WAIT_SECS 30

static const char *state_name(enum ike2_state s)
{
	switch (s) {
	case IKE2_ST_INIT_SENT: return "CONNECTING";
	case IKE2_ST_INIT_DONE: return "CONNECTING";
	case IKE2_ST_AUTH_SENT: return "CONNECTING";
	case IKE2_ST_ESTABLISHED: return "ESTABLISHED";
	case IKE2_ST_DELETING: return "DELETING";
	}
	return "UNKNOWN";
}

void ike2_ctl_sa_describe(void *data, struct cg_out *out)
{
	struct ike2_sa *sa = data;
	bool up = sa->state == IKE2_ST_ESTABLISHED || sa->state == IKE2_ST_DELETING;
	struct cg_sa_view v = {
		.name = sa->name, .state = state_name(sa->state),
		.local = &sa->local, .remote = &sa->remote,
		.id_local = sa->id_local.type != CG_ID_ANY || sa->id_local.data.len ? &sa->id_local
										    : NULL,
		.id_remote = up ? &sa->id_remote : NULL,
		.initiator = sa->initiator, .mobike = &sa->mobike.supported,
		.spi_i = sa->spi_i, .spi_r = sa->spi_r,
		.proposal = sa->encr ? &sa->proposal : NULL, .ke_group = sa->ke_group,
		.established_at = sa->established_at,
	};

	cg_out_obj_begin(out, NULL);
	cg_sa_describe_head(out, sa->entry, &v);
	ike2_cp_describe(sa, out);
	cg_out_arr_begin(out, "child-sas");
	for (struct ike2_child *c = sa->children; c; c = c->next)
		ike2_child_describe(sa, c, out);
	cg_out_arr_end(out);
	cg_out_obj_end(out);
}

/* The connection that has a child of this name (the first one). */
static bool find_child_conn(struct ike2 *p, const char *child, char *conn, size_t len)
{
	struct cg_config *cfg = cg_core_config(p->core);
	const struct cg_conn_cfg *cc = NULL;

	if (cfg && cg_config_child(cfg, child, &cc) && cc)
		snprintf(conn, len, "%s", cc->name);
	cg_config_unref(cfg);
	return cc != NULL;
}

/* Waits for the child (or, without one, the IKE SA) of conn to come up. */
struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	const char *conn, *child;
	bool up;
};

static void wait_event(void *ctx, const struct cg_event *ev)
{
	struct waiter *w = ctx;
	bool hit = false;

	if (ev->type == CG_EV_CHILD_UP && w->child)
		hit = !strcmp(ev->u.child.conn, w->conn) && !strcmp(ev->u.child.child, w->child);
	else if (ev->type == CG_EV_IKE_UP && !w->child)
		hit = !strcmp(ev->u.ike.conn, w->conn);
	if (!hit)
		return;
	pthread_mutex_lock(&w->lock);
	w->up = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static int ctl_initiate(void *ctx, struct cg_core *core, int argc, char **argv,
			struct cg_out *out)
{
	struct ike2 *p = ctx;
	const char *child = cg_ctl_arg(argc, argv, "--child");
	const char *ike = cg_ctl_arg(argc, argv, "--ike");
	bool wait = cg_proc_threads(cg_core_proc(core)) > 0;
	struct waiter w = { .child = child };
	struct cg_bus_sub *sub = NULL;
	char conn[CG_NAME_MAX];
	struct timespec until;
	int err;

	if (!child && !ike) {
		cg_out_error(out, "usage: initiate --child NAME [--ike NAME] | --ike NAME");
		return -EINVAL;
	}
	if (ike)
		snprintf(conn, sizeof(conn), "%s", ike);
	else if (!find_child_conn(p, child, conn, sizeof(conn))) {
		cg_out_error(out, "no child '%s' in any connection", child);
		return -ENOENT;
	}
	w.conn = conn;
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	if (wait && cg_bus_subscribe(core, CG_EV_BIT(CG_EV_CHILD_UP) | CG_EV_BIT(CG_EV_IKE_UP),
				     CG_BUS_SYNC, wait_event, &w, &sub))
		wait = false;
	/*
	 * A child alone goes onto the connection's established IKE SA when it has
	 * one; naming the IKE SA (--ike) always asks for a new one.
	 */
	err = cg_ctl_ike_initiate(core, cg_ctl_ike_version(core, conn), conn, child, ike != NULL);
	if (err) {
		cg_out_error(out, "initiating %s%s%s failed: %s", conn, child ? "/" : "",
			     child ? child : "", strerror(-err));
	} else if (wait) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += INITIATE_WAIT_SECS;
		pthread_mutex_lock(&w.lock);
		while (!w.up && pthread_cond_timedwait(&w.cond, &w.lock, &until) == 0)
			;
		pthread_mutex_unlock(&w.lock);
		if (w.up) {
			cg_out_strf(out, "result", "%s%s%s established", conn, child ? "/" : "",
				    child ? child : "");
		} else {
			cg_out_error(out, "initiating %s%s%s: not established within %d s", conn,
				     child ? "/" : "", child ? child : "", INITIATE_WAIT_SECS);
			err = -ETIMEDOUT;
		}
	} else {
		cg_out_strf(out, "result", "initiating %s%s%s", conn, child ? "/" : "",
			    child ? child : "");
	}
	cg_bus_unsubscribe(core, sub);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
	return err;
}

static bool term_named(const struct cg_ctl_term *t, struct cg_sa *entry)
{
	struct ike2_sa *sa = cg_sa_data(entry);
	bool hit = cg_ctl_term_ike(t, sa->name, cg_sa_unique_id(entry));

	for (struct ike2_child *c = sa->children; c && !hit; c = c->next)
		hit = cg_ctl_term_child(t, c->name, c->unique_id);
	return hit;
}

/* Terminates what matches in one SA; returns how many SAs were touched. */
static size_t term_run(void *ctx, const struct cg_ctl_term *t, struct cg_sa *entry,
		       struct cg_out *out)
{
	struct ike2 *p = ctx;
	struct ike2_sa *sa = cg_sa_data(entry);
	uint32_t id = cg_sa_unique_id(entry);
	size_t n = 0;

	if (t->ike || t->ike_id > 0) {
		cg_out_strf(out, NULL, "IKE SA %s[%u]", sa->name, id);
		if (sa->state == IKE2_ST_ESTABLISHED && !ike2_info_delete_ike(sa)) {
			cg_sa_checkin(p->core, entry);
			return 1;
		}
		if (sa->state != IKE2_ST_DELETING) {
			ike2_sa_down(sa);
			cg_sa_checkin_destroy(p->core, entry);
			return 1;
		}
		cg_sa_checkin(p->core, entry);
		return 1;
	}
	for (struct ike2_child *c = sa->children, *next; c; c = next) {
		next = c->next;
		if (!cg_ctl_term_child(t, c->name, c->unique_id))
			continue;
		cg_out_strf(out, NULL, "CHILD_SA %s{%u}", c->name, c->unique_id);
		ike2_info_delete_child(sa, c->spi_in);
		n++;
	}
	cg_sa_checkin(p->core, entry);
	return n;
}

/* initiate for IKEv2 connections, whichever plugin's command asks. */
static int initiate_hook(void *ctx, const char *conn, const char *child, bool new_sa)
{
	struct ike2 *p = ctx;

	return new_sa ? ike2_initiate(p, conn, child, NULL, 0)
		      : ike2_addchild_initiate(p, conn, child, NULL, 0);
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
	{ "initiate",
	  "initiate --child NAME [--ike NAME] | --ike NAME: start a connection (a child alone "
	  "goes onto its connection's IKE SA when that is up)",
	  ctl_initiate },
	{ "terminate", "terminate --ike NAME | --ike-id N | --child NAME | --child-id N",
	  ctl_terminate },
	{ "rekey", "rekey --ike NAME | --ike-id N | --child NAME | --child-id N", ike2_rekey_ctl },
};

int ike2_ctl_register(struct ike2 *p)
{
	int err = cg_ctl_ike_add(p->core, 2, initiate_hook, &terminator, p);

	if (!err)
		err = cg_control_register_set(p->core, commands, CG_ARRAY_SIZE(commands), p,
					      &p->ctl_mask);
	if (err)
		cg_ctl_ike_remove(p->core, 2);
	return err;
}

void ike2_ctl_unregister(struct ike2 *p)
{
	cg_control_unregister_set(p->core, commands, CG_ARRAY_SIZE(commands), &p->ctl_mask);
	cg_ctl_ike_remove(p->core, 2);
}
