/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What cygnetd keeps of root's powers: CAP_NET_ADMIN (XFRM and PF_KEY,
 * routes, rules and addresses over rtnetlink, SO_RCVBUFFORCE) and
 * CAP_NET_BIND_SERVICE (the IKE ports, should a socket be bound again
 * later). Nothing uses raw sockets, so CAP_NET_RAW goes with the rest. The
 * process stays uid 0 for the files it writes as their owner (the resolver
 * file, the journal, the pid file; see docs/security.md).
 *
 * Capabilities belong to each thread and are inherited by the threads it
 * creates: this runs before the core starts any. Raw capget/capset and
 * prctl, as libcap would do them, to need no library for ten lines.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core_priv.h"

#ifndef SECBIT_NOROOT
#define SECBIT_NOROOT (1 << 0)
#define SECBIT_NOROOT_LOCKED (1 << 1)
#endif

static const int kept[] = { CAP_NET_ADMIN, CAP_NET_BIND_SERVICE };

/*
 * Takes what is not kept out of the bounding set, and makes root's
 * programs started later (resolvconf) get no capability from being root.
 * Needs CAP_SETPCAP, which is dropped right after.
 */
static int privileges_limit_children(uint64_t keep)
{
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!(keep >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
			return -errno;
	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0))
		return -errno;
	return 0;
}

CG_EXPORT int cg_privileges_drop(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
	uint64_t have, keep = 0;
	int err;

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	have = data[0].permitted | (uint64_t)data[1].permitted << 32;
	for (size_t i = 0; i < CG_ARRAY_SIZE(kept); i++)
		keep |= UINT64_C(1) << kept[i];
	keep &= have;
	if (have & UINT64_C(1) << CAP_SETPCAP) {
		err = privileges_limit_children(keep);
		if (err)
			return err;
	}
	/* Not known before Linux 4.3: nothing to clear then. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}
