/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kernel-netlink: the Linux kernel backend over NETLINK_XFRM (libmnl).
 * SAs and policies go through a request socket; kernel events arrive on a
 * second socket read by a thread of this plugin. Addresses and routes are
 * the core's rtnetlink module, shared with every backend.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xfrm.h"

static const char *const config_keys[] = { "receive_buffer", NULL };

static const struct cg_kernel_ops xfrm_ops = {
	.name = "kernel-netlink",
	.get_spi = xfrm_get_spi,
	.add_sa = xfrm_add_sa,
	.update_sa = xfrm_update_sa,
	.del_sa = xfrm_del_sa,
	.query_sa = xfrm_query_sa,
	.add_policy = xfrm_add_policy,
	.del_policy = xfrm_del_policy,
	.query_policy = xfrm_query_policy,
	.bypass_socket = xfrm_bypass_socket,
	.move = xfrm_move,
};

static int knl_check(const struct cg_cfg_node *section, struct cg_cfg_errors *errs)
{
	uint64_t bytes;

	if (!section)
		return 0;
	if (!cg_cfg_check_keys(section, config_keys, "kernel-netlink", errs))
		return -EINVAL;
	if (!cg_cfg_get_uint(section, "receive_buffer", 4096, XFRM_EV_RCVBUF_MAX, &bytes, errs))
		return -EINVAL;
	return 0;
}

/* Size of the event socket's buffer: kernel-netlink.receive_buffer, or the default. */
static unsigned config_rcvbuf(struct cg_core *core)
{
	struct cg_config *cfg = cg_core_config(core);
	const struct cg_cfg_node *section = cfg ? cg_config_section(cfg, "kernel-netlink") : NULL;
	struct cg_cfg_errors errs = { 0 };
	uint64_t bytes = XFRM_EV_RCVBUF_DEFAULT;

	if (section)
		cg_cfg_get_uint(section, "receive_buffer", 4096, XFRM_EV_RCVBUF_MAX, &bytes, &errs);
	cg_cfg_errors_free(&errs);
	cg_config_unref(cfg);
	return (unsigned)bytes;
}

static int req_open(struct knl *kn)
{
	int on = 1;

	kn->req = mnl_socket_open(NETLINK_XFRM);
	if (!kn->req)
		return -errno;
	if (mnl_socket_bind(kn->req, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(kn->req);
		kn->req = NULL;
		return err;
	}
	kn->req_portid = mnl_socket_get_portid(kn->req);
	/* The kernel's own words on a failure, and errors without our request echoed. */
	mnl_socket_setsockopt(kn->req, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(kn->req, NETLINK_CAP_ACK, &on, sizeof(on));
	return 0;
}

static void knl_destroy(void *state)
{
	struct knl *kn = state;

	if (!kn)
		return;
	xfrm_events_stop(kn);
	/* Unregistering removes what cygnetd installed, through the request socket. */
	cg_kernel_unregister(kn->k);
	if (kn->req)
		mnl_socket_close(kn->req);
	pthread_mutex_destroy(&kn->req_lock);
	free(kn);
}

static int knl_init(struct cg_core *core, void **state)
{
	struct knl *kn = calloc(1, sizeof(*kn));
	int err;

	if (!kn)
		return -ENOMEM;
	kn->core = core;
	kn->ev_rcvbuf = config_rcvbuf(core);
	pthread_mutex_init(&kn->req_lock, NULL);
	err = req_open(kn);
	if (err) {
		cg_log(core, CG_LOG_KNL, CG_LVL_ERROR, "cannot open an XFRM netlink socket: %s",
		       strerror(-err));
		goto err_free;
	}
	err = cg_kernel_register(core, &xfrm_ops, kn, &kn->k);
	if (err)
		goto err_close_req;
	err = xfrm_events_start(kn);
	if (err) {
		cg_log(core, CG_LOG_KNL, CG_LVL_ERROR, "cannot listen to XFRM events: %s",
		       strerror(-err));
		goto err_unregister;
	}
	*state = kn;
	return 0;

err_unregister:
	cg_kernel_unregister(kn->k);
err_close_req:
	mnl_socket_close(kn->req);
err_free:
	pthread_mutex_destroy(&kn->req_lock);
	free(kn);
	return err;
}

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "kernel-netlink",
	.provides = (const char *const[]){ "kernel", NULL },
	.check = knl_check,
	.init = knl_init,
	.destroy = knl_destroy,
};
