/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Log lines: what a line quotes cannot start another line or send a terminal escape. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

/* A value as it could come from a config file or a peer. */
static const char forged[] = "2\nfake.yaml:1:1: injected\x1b[31m\r\x7f";
static const char escaped[] = "2\\nfake.yaml:1:1: injected\\x1b[31m\\r\\x7f";

Test(log, a_quoted_newline_or_escape_stays_in_one_escaped_line)
{
	char *path = tl_tmpfile("", ".log"), *yaml, *want, *line, buf[4096];
	struct tl_logcap cap = { 0 };
	struct cg_core *core;
	size_t len;
	FILE *f;

	cr_assert_geq(asprintf(&yaml, "daemon: { plugins: [], log: { file: '%s' } }\n", path), 0);
	core = tl_core_new("log", yaml, NULL, NULL, NULL);
	cr_assert_not_null(core);
	tl_logcap_start(&cap, core, CG_LVL_INFO);
	cg_log(core, CG_LOG_CFG, CG_LVL_ERROR, "version: '%s'", forged);
	cr_assert_geq(asprintf(&want, "version: '%s'", escaped), 0);
	cr_assert_eq(tl_logcap_count(&cap, "injected"), 1);
	cr_assert_eq(tl_logcap_count(&cap, want), 1, "listeners get the escaped line");
	tl_logcap_stop(&cap);
	cg_core_destroy(core);

	f = fopen(path, "r");
	cr_assert_not_null(f);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	line = strstr(buf, want);
	cr_assert_not_null(line, "log file: %s", buf);
	cr_assert_eq(line + strlen(want), buf + len - 1, "the last line, whole: %s", buf);
	free(want);
	free(yaml);
	unlink(path);
	free(path);
}
