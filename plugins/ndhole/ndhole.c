/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ndhole: installs bypass policies for neighbour discovery (and whatever
 * else the `ndhole:` section names) before any IPsec policy exists, keeps
 * them in place, and removes them on shutdown.
 *
 * Ordering: ndhole provides "bypass" and needs the kernel backend; the IKE
 * plugins list "?bypass" among their needs, so the loader starts ndhole
 * first whenever both are loaded. The holes use CG_PRIO_NDHOLE, which
 * every protecting and trap policy cygnet installs loses to.
 *
 * Keeping them: a hole can vanish when an admin runs `ip xfrm policy
 * flush` or another daemon flushes the SPD. The backend reports removals
 * on the bus (CG_EV_KERNEL_POLICY_GONE) where the kernel tells it, and a
 * periodic check (check_interval) catches the rest; both put back what is
 * missing.
 *
 * After a crash the core's journal names every hole, so the next start
 * removes them before installing afresh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndhole.h"

static const enum cg_dir dirs[] = { CG_DIR_IN, CG_DIR_OUT, CG_DIR_FWD };
#define N_DIRS (sizeof(dirs) / sizeof(dirs[0]))

void nd_hole_policy(const struct nd_hole *hole, enum cg_dir dir, struct cg_kernel_policy *pol)
{
	struct cg_addr any = cg_addr_any(hole->family);
	struct cg_ts ts = cg_ts_from_prefix(&any, 0);

	/* "This type, any code": type << 8 | 0x00 .. type << 8 | 0xff on both ends. */
	ts.proto = hole->proto;
	ts.from_port = cg_ts_icmp_port(hole->type, 0);
	ts.to_port = cg_ts_icmp_port(hole->type, 0xff);
	*pol = (struct cg_kernel_policy){
		.id = { .src = ts, .dst = ts, .dir = dir },
		.action = CG_POLICY_BYPASS,
		.priority = CG_PRIO_NDHOLE,
	};
}

static void hole_label(const struct nd_hole *hole, char *buf, size_t len)
{
	const char *name = nd_type_name(hole->proto, hole->type);

	snprintf(buf, len, "%s %u%s%s%s", nd_proto_label(hole->proto), hole->type,
		 name ? " (" : "", name ? name : "", name ? ")" : "");
}

/* Removes the directions of a hole; the core keeps another daemon's (it never installed them). */
static void remove_hole(struct ndhole *nd, struct nd_hole *hole)
{
	for (size_t d = 0; d < N_DIRS; d++) {
		struct cg_kernel_policy pol;
		int err;

		nd_hole_policy(hole, dirs[d], &pol);
		err = cg_kernel_del_policy(nd->core, &pol.id);
		if (err && err != -ENOENT) {
			char label[64];

			hole_label(hole, label, sizeof(label));
			cg_log(nd->core, CG_LOG_ND, CG_LVL_WARN, "cannot remove the %s hole %s: %s",
			       cg_dir_name(dirs[d]), label, strerror(-err));
		}
	}
}

/* Installs the three policies of a hole; on failure none of them stays. */
static int install_hole(struct ndhole *nd, struct nd_hole *hole)
{
	char label[64];

	hole_label(hole, label, sizeof(label));
	for (size_t d = 0; d < N_DIRS; d++) {
		struct cg_kernel_policy pol;
		int err;

		nd_hole_policy(hole, dirs[d], &pol);
		err = cg_kernel_add_policy(nd->core, &pol, false);
		if (err == -EEXIST) {
			/* Someone else's identical hole: it lets the traffic through, so do we. */
			cg_log(nd->core, CG_LOG_ND, CG_LVL_INFO,
			       "%s bypass for %s exists already (not installed by cygnetd)",
			       cg_dir_name(dirs[d]), label);
			continue;
		}
		if (err) {
			cg_log(nd->core, CG_LOG_ND, CG_LVL_ERROR,
			       "cannot install the %s bypass for %s: %s", cg_dir_name(dirs[d]),
			       label, strerror(-err));
			remove_hole(nd, hole);
			return err;
		}
	}
	cg_log(nd->core, CG_LOG_ND, CG_LVL_DEBUG, "hole for %s in, out and fwd", label);
	return 0;
}

static int install_all(struct ndhole *nd)
{
	for (size_t i = 0; i < nd->cfg.n_holes; i++) {
		int err = install_hole(nd, &nd->cfg.holes[i]);

		if (err) {
			while (i--)
				remove_hole(nd, &nd->cfg.holes[i]);
			return err;
		}
	}
	return 0;
}

static void remove_all(struct ndhole *nd)
{
	for (size_t i = 0; i < nd->cfg.n_holes; i++)
		remove_hole(nd, &nd->cfg.holes[i]);
}

/* Puts back every policy of every hole that is no longer in the kernel. */
static void verify(struct ndhole *nd)
{
	pthread_mutex_lock(&nd->lock);
	for (size_t i = 0; nd->installed && i < nd->cfg.n_holes; i++) {
		struct nd_hole *hole = &nd->cfg.holes[i];

		for (size_t d = 0; d < N_DIRS; d++) {
			struct cg_kernel_policy_stats stats;
			struct cg_kernel_policy pol;
			char label[64];
			int err;

			nd_hole_policy(hole, dirs[d], &pol);
			if (cg_kernel_query_policy(nd->core, &pol.id, &stats) != -ENOENT)
				continue;
			/* Drop the core's record of the vanished policy, then add it anew. */
			cg_kernel_del_policy(nd->core, &pol.id);
			err = cg_kernel_add_policy(nd->core, &pol, false);
			hole_label(hole, label, sizeof(label));
			if (err) {
				cg_log(nd->core, CG_LOG_ND, CG_LVL_ERROR,
				       "the %s bypass for %s was removed from the kernel and cannot "
				       "be put back: %s", cg_dir_name(dirs[d]), label, strerror(-err));
				continue;
			}
			nd->reinstalls++;
			cg_log(nd->core, CG_LOG_ND, CG_LVL_WARN,
			       "the %s bypass for %s was removed from the kernel: put back",
			       cg_dir_name(dirs[d]), label);
		}
	}
	pthread_mutex_unlock(&nd->lock);
}

static void on_policy_gone(void *ctx, const struct cg_event *ev)
{
	(void)ev;
	verify(ctx);
}

static void check_timer_fired(void *arg);

static void arm_check(struct ndhole *nd)
{
	nd->check_timer = 0;
	if (nd->cfg.enabled && nd->cfg.check_secs)
		cg_timer_add(nd->core, nd->cfg.check_secs * 1000, check_timer_fired, nd, NULL,
			     &nd->check_timer);
}

static void check_timer_fired(void *arg)
{
	struct ndhole *nd = arg;

	verify(nd);
	pthread_mutex_lock(&nd->lock);
	arm_check(nd);
	pthread_mutex_unlock(&nd->lock);
}

static int read_config(struct cg_core *core, struct nd_cfg *cfg)
{
	struct cg_config *config = cg_core_config(core);
	struct cg_cfg_errors errs = { 0 };
	bool ok = nd_cfg_parse(config ? cg_config_section(config, "ndhole") : NULL, cfg, &errs);

	for (size_t i = 0; i < errs.n; i++)
		cg_log(core, CG_LOG_CFG, CG_LVL_ERROR, "%s", errs.lines[i]);
	cg_cfg_errors_free(&errs);
	cg_config_unref(config);
	return ok ? 0 : -EINVAL;
}

static bool has_hole(const struct nd_cfg *cfg, const struct nd_hole *hole)
{
	for (size_t i = 0; i < cfg->n_holes; i++)
		if (cfg->holes[i].proto == hole->proto && cfg->holes[i].type == hole->type)
			return true;
	return false;
}

static int nd_check(const struct cg_cfg_node *section, struct cg_cfg_errors *errs)
{
	struct nd_cfg *cfg = malloc(sizeof(*cfg));
	bool ok;

	if (!cfg)
		return -ENOMEM;
	ok = nd_cfg_parse(section, cfg, errs);
	free(cfg);
	return ok ? 0 : -EINVAL;
}

/* Applies a changed section: new holes go in before old ones come out. */
static int nd_reload(void *state, struct cg_core *core)
{
	struct ndhole *nd = state;
	struct nd_cfg *cfg = malloc(sizeof(*cfg));
	int err = 0;

	if (!cfg)
		return -ENOMEM;
	if (read_config(core, cfg)) {
		free(cfg);
		return -EINVAL;
	}
	if (!cfg->enabled)
		cfg->n_holes = 0;
	pthread_mutex_lock(&nd->lock);
	for (size_t i = 0; !err && i < cfg->n_holes; i++)
		if (!has_hole(&nd->cfg, &cfg->holes[i]))
			err = install_hole(nd, &cfg->holes[i]);
	if (err) {
		/* Keep the holes in force; take back the new ones added so far. */
		for (size_t i = 0; i < cfg->n_holes; i++)
			if (!has_hole(&nd->cfg, &cfg->holes[i]))
				remove_hole(nd, &cfg->holes[i]);
	} else {
		for (size_t i = 0; i < nd->cfg.n_holes; i++) {
			if (!has_hole(cfg, &nd->cfg.holes[i]))
				remove_hole(nd, &nd->cfg.holes[i]);
		}
		cg_timer_cancel(core, nd->check_timer);
		nd->cfg = *cfg;
		nd->installed = true;
		arm_check(nd);
		cg_log(core, CG_LOG_ND, CG_LVL_INFO, "%zu holes in force", nd->cfg.n_holes);
	}
	pthread_mutex_unlock(&nd->lock);
	free(cfg);
	return err;
}

static void nd_destroy(void *state)
{
	struct ndhole *nd = state;

	if (!nd)
		return;
	nd_ctl_unregister(nd);
	cg_bus_unsubscribe(nd->core, nd->sub);
	cg_timer_cancel(nd->core, nd->check_timer);
	pthread_mutex_lock(&nd->lock);
	if (nd->installed)
		remove_all(nd);
	nd->installed = false;
	pthread_mutex_unlock(&nd->lock);
	pthread_mutex_destroy(&nd->lock);
	free(nd);
}

static int nd_init(struct cg_core *core, void **state)
{
	struct ndhole *nd = calloc(1, sizeof(*nd));
	int err;

	if (!nd)
		return -ENOMEM;
	nd->core = core;
	pthread_mutex_init(&nd->lock, NULL);
	err = read_config(core, &nd->cfg);
	if (err)
		goto err_free;
	if (!nd->cfg.enabled) {
		nd->cfg.n_holes = 0;
		cg_log(core, CG_LOG_ND, CG_LVL_INFO, "disabled: no bypass holes are installed");
	}
	err = install_all(nd);
	if (err)
		goto err_free;
	nd->installed = true;
	err = cg_bus_subscribe(core, CG_EV_BIT(CG_EV_KERNEL_POLICY_GONE), CG_BUS_JOB,
			       on_policy_gone, nd, &nd->sub);
	if (!err)
		err = nd_ctl_register(nd);
	if (err) {
		nd_destroy(nd);
		return err;
	}
	arm_check(nd);
	if (nd->cfg.n_holes)
		cg_log(core, CG_LOG_ND, CG_LVL_INFO, "%zu holes in force (in, out and fwd each)",
		       nd->cfg.n_holes);
	*state = nd;
	return 0;

err_free:
	pthread_mutex_destroy(&nd->lock);
	free(nd);
	return err;
}

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "ndhole",
	.provides = (const char *const[]){ "bypass", NULL },
	.needs = (const char *const[]){ "kernel", NULL },
	.check = nd_check,
	.init = nd_init,
	.reload = nd_reload,
	.destroy = nd_destroy,
};
