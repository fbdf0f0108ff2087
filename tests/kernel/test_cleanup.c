/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cygnetd removes exactly what it installed: at shutdown, and at the next
 * start after a crash (from the journal). Other daemons' state stays.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kt.h"

/* Another daemon's SA and policy, installed with ip. */
static void add_foreign(void)
{
	cr_assert_eq(kt_sh("ip xfrm state add src 192.0.2.9 dst 192.0.2.8 proto esp spi 0x999 "
			   "mode tunnel aead 'rfc4106(gcm(aes))' "
			   "0x0909090909090909090909090909090909090909 128"), 0);
	cr_assert_eq(kt_sh("ip xfrm policy add src 203.0.113.0/25 dst 203.0.113.128/25 dir out "
			   "priority 5 tmpl src 192.0.2.9 dst 192.0.2.8 proto esp mode tunnel"), 0);
}

/* Only the foreign SA and policy are left. */
static void assert_only_foreign(void)
{
	char *states = kt_sh_out("ip xfrm state | grep -c '^src'");
	char *pols = kt_sh_out("ip xfrm policy | grep -c '^src'");
	char *dump;

	if (atoi(states) != 1 || atoi(pols) != 1) {
		dump = kt_sh_out("ip xfrm state; ip xfrm policy");
		cr_assert_fail("expected only the foreign SA and policy, found %d SAs, %d policies:\n%s",
			       atoi(states), atoi(pols), dump);
	}
	free(states);
	free(pols);
	cr_assert_eq(kt_sh("ip xfrm state get src 192.0.2.9 dst 192.0.2.8 proto esp spi 0x999 "
			   ">/dev/null"), 0, "the foreign SA was removed");
	cr_assert_eq(kt_sh("ip xfrm policy get src 203.0.113.0/25 dst 203.0.113.128/25 dir out "
			   ">/dev/null"), 0, "the foreign policy was removed");
}

/* A tunnel child with policies, a trap for another, and a reserved SPI. */
static int install_ours(struct cg_core *core, struct kt_child *c, struct kt_child *trap)
{
	struct cg_addr src = kt_addr("2001:db8::2"), dst = kt_addr("2001:db8::1");
	uint32_t spi;
	int err;

	kt_child_fill(c, "2001:db8::1", "2001:db8::2", "2001:db8:1::/64", "2001:db8:2::/64",
		      CG_MODE_TUNNEL, KT_ENCR, KT_INTEG, 61);
	kt_child_fill(trap, "2001:db8::1", "2001:db8::3", "2001:db8:1::/64", "2001:db8:3::/64",
		      CG_MODE_TUNNEL, KT_ENCR, KT_INTEG, 62);
	err = cg_child_install(core, &c->ci);
	if (!err)
		err = cg_child_trap(core, &trap->ci);
	if (!err)
		err = cg_kernel_get_spi(core, &src, &dst, IPPROTO_ESP, 63, &spi);
	return err;
}

KT_TEST(cleanup_on_shutdown)
{
	struct cg_core *core = kt_core(NULL);
	struct kt_child c, trap;
	char *n;

	add_foreign();
	cr_assert_eq(install_ours(core, &c, &trap), 0);
	n = kt_sh_out("ip xfrm policy | grep -c '^src'");
	cr_assert_eq(atoi(n), 1 + 3 + 3, "expected 7 policies before shutdown");
	free(n);
	cg_core_destroy(core);
	assert_only_foreign();
}

KT_TEST(cleanup_after_crash)
{
	char journal[64];
	struct cg_core *core;
	int status;
	pid_t pid;
	char *n;

	snprintf(journal, sizeof(journal), "/tmp/cgk%d/installed", (int)getpid());
	add_foreign();
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		/* The daemon that "crashes": installs, then dies without cleaning up. */
		struct kt_child c, trap;

		core = kt_core_journal(journal);
		_exit(install_ours(core, &c, &trap) ? 1 : 0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the first daemon failed to install");
	n = kt_sh_out("ip xfrm policy | grep -c '^src'");
	cr_assert_eq(atoi(n), 7, "the crashed daemon's policies should still be there");
	free(n);

	/* The next start reads the journal and removes exactly the leftovers. */
	core = kt_core_journal(journal);
	assert_only_foreign();
	cg_core_destroy(core);
	assert_only_foreign();
}
