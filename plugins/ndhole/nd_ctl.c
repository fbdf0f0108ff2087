/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `cygnetctl list-holes`, and the "ndhole" section of `cygnetctl status`:
 * the holes in force, as the kernel has them now.
 */
#include <errno.h>

#include "ndhole.h"

static void out_hole(struct ndhole *nd, struct cg_out *out, const struct nd_hole *hole)
{
	static const enum cg_dir dirs[] = { CG_DIR_IN, CG_DIR_OUT, CG_DIR_FWD };
	const char *name = nd_type_name(hole->proto, hole->type);

	cg_out_obj_begin(out, NULL);
	cg_out_str(out, "protocol", nd_proto_label(hole->proto));
	cg_out_uint(out, "type", hole->type);
	if (name)
		cg_out_str(out, "name", name);
	cg_out_strf(out, "selector", "%s[%s/%u-%u]", hole->family == AF_INET ? "0.0.0.0/0" : "::/0",
		    hole->proto == CG_PROTO_MH ? "mh" : hole->family == AF_INET ? "icmp" : "ipv6-icmp",
		    cg_ts_icmp_port(hole->type, 0), cg_ts_icmp_port(hole->type, 0xff));
	cg_out_uint(out, "priority", CG_PRIO_NDHOLE);
	cg_out_arr_begin(out, "in_kernel");
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		struct cg_kernel_policy_stats stats;
		struct cg_kernel_policy pol;

		nd_hole_policy(hole, dirs[d], &pol);
		if (!cg_kernel_query_policy(nd->core, &pol.id, &stats))
			cg_out_str(out, NULL, cg_dir_name(dirs[d]));
	}
	cg_out_arr_end(out);
	cg_out_obj_end(out);
}

static void out_holes(void *ctx, struct cg_core *core, struct cg_out *out)
{
	struct ndhole *nd = ctx;

	(void)core;
	pthread_mutex_lock(&nd->lock);
	cg_out_bool(out, "enabled", nd->cfg.enabled);
	cg_out_uint(out, "reinstalled", nd->reinstalls);
	cg_out_arr_begin(out, "holes");
	for (size_t i = 0; nd->installed && i < nd->cfg.n_holes; i++)
		out_hole(nd, out, &nd->cfg.holes[i]);
	cg_out_arr_end(out);
	pthread_mutex_unlock(&nd->lock);
}

static int ctl_list_holes(void *ctx, struct cg_core *core, int argc, char **argv,
			  struct cg_out *out)
{
	(void)argv;
	if (argc != 1) {
		cg_out_error(out, "usage: list-holes");
		return -EINVAL;
	}
	out_holes(ctx, core, out);
	return 0;
}

int nd_ctl_register(struct ndhole *nd)
{
	int err = cg_control_register(nd->core, "list-holes",
				      "list-holes: the ndhole bypass policies and whether the "
				      "kernel has each direction", ctl_list_holes, nd);

	if (err)
		return err;
	err = cg_control_add_status(nd->core, "ndhole", out_holes, nd);
	if (err)
		cg_control_unregister(nd->core, "list-holes");
	return err;
}

void nd_ctl_unregister(struct ndhole *nd)
{
	cg_control_remove_status(nd->core, "ndhole");
	cg_control_unregister(nd->core, "list-holes");
}
