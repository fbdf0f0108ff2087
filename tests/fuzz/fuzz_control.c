/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the control protocol: a request line through
 * cg_control_run (the parser, the dispatch and the commands' argument
 * parsing) on a core with the ike2 and kernel-memory plugins, whose
 * connections cannot start (no peer address). Commands that add state
 * (kmem-policy, kmem-fail) are bounded by a fresh core every 1024 requests.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "testlib.h"

#define FZ_CONTROL_RUNS 1024

static const char fz_control_yaml[] =
	"daemon: { plugins: [crypto-nettle, kernel-memory, ike2], log: { default: silent } }\n"
	"connections:\n"
	"  net:\n"
	"    local_addrs: [2001:db8::1]\n"
	"    local: { auth: psk, id: left }\n"
	"    remote: { auth: psk }\n"
	"    children:\n"
	"      net: { local_ts: [2001:db8:1::/64], remote_ts: [2001:db8:2::/64], start_action: trap }\n"
	"      host: { mode: transport, local_ts: [dynamic], remote_ts: ['::/0[ipv6-icmp/34816]'] }\n"
	"secrets:\n"
	"  - { type: psk, ids: [left, \"%any\"], secret: \"a shared secret\" }\n";

static struct cg_core *fz_core;
static unsigned fz_runs;

static bool fz_control_seed_ok(const uint8_t *data, size_t size)
{
	return size && !memchr(data, '\0', size);
}

const struct fz_target fz_target = {
	.min_seeds = 10,
	.seed_ok = fz_control_seed_ok,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *reply = NULL;

	if (fz_core && ++fz_runs % FZ_CONTROL_RUNS == 0) {
		cg_core_destroy(fz_core);
		fz_core = NULL;
	}
	if (!fz_core) {
		fz_core = tl_core_new("fuzz-ctl", fz_control_yaml, NULL, NULL, NULL);
		if (!fz_core)
			abort();
	}
	cg_control_run(fz_core, (const char *)data, size, &reply);
	/* Every request gets a reply, refusals included. */
	if (!reply)
		abort();
	free(reply);
	tl_run(fz_core);
	return 0;
}
