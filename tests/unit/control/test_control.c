/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol through cg_control_run: parsing, built-in commands, registry. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json_check.h"
#include "testlib.h"

static const char config[] =
	"daemon: { plugins: [kernel-memory] }\n"
	"connections:\n"
	"  moon-sun:\n"
	"    version: 2\n"
	"    local_addrs: [2001:db8::1]\n"
	"    remote_addrs: [2001:db8::2]\n"
	"    local: { auth: psk, id: moon }\n"
	"    remote: { auth: psk, id: sun }\n"
	"    children:\n"
	"      host:\n"
	"        mode: transport\n"
	"        local_ts: [dynamic]\n"
	"        remote_ts: ['::/0[ipv6-icmp/34816]']\n"
	"        start_action: trap\n"
	"  other:\n"
	"    remote_addrs: [192.0.2.2]\n"
	"    local: { auth: psk }\n"
	"    remote: { auth: psk }\n";

static struct cg_core *core;

static void setup(void)
{
	core = tl_core_new("ctl", config, NULL, NULL, NULL);
	cr_assert_not_null(core);
}

static void teardown(void)
{
	cg_core_destroy(core);
}

TestSuite(control, .init = setup, .fini = teardown);

/* Runs a raw request (any bytes); returns the reply and stores the result code. */
static char *run_raw(const char *line, size_t len, int *ret)
{
	char *reply = NULL;

	*ret = cg_control_run(core, line, len, &reply);
	cr_assert_not_null(reply, "every request gets a reply");
	return reply;
}

static void expect_refused(const char *line, size_t len, const char *why)
{
	int ret;
	char *reply = run_raw(line, len, &ret);

	cr_assert_lt(ret, 0);
	cr_assert_eq(strncmp(reply, "error: ", 7), 0, "reply: %s", reply);
	cr_assert_not_null(strstr(reply, why), "reply '%s' lacks '%s'", reply, why);
	cr_assert_eq(strchr(reply, '\n') - reply + 1, (long)strlen(reply),
		     "a refusal is one line: %s", reply);
	free(reply);
}

Test(control, empty_and_blank_requests)
{
	expect_refused("", 0, "empty request");
	expect_refused(NULL, 0, "empty request");
	expect_refused("\n", 1, "empty request");
	expect_refused("   \t \n", 6, "empty request");
	expect_refused("--json\n", 7, "empty request");
}

Test(control, oversized_request)
{
	char *line = malloc(CG_CTL_MAX_REQUEST + 2);

	memset(line, 'a', CG_CTL_MAX_REQUEST + 1);
	line[CG_CTL_MAX_REQUEST] = '\n';
	expect_refused(line, CG_CTL_MAX_REQUEST + 1, "too long");
	/* At the limit the request is parsed (and is just an unknown command). */
	line[CG_CTL_MAX_REQUEST - 1] = '\n';
	expect_refused(line, CG_CTL_MAX_REQUEST, "unknown command");
	free(line);
}

Test(control, nul_control_and_multiline_requests)
{
	expect_refused("status\0x\n", 9, "NUL");
	expect_refused("sta\x01tus\n", 8, "control characters");
	expect_refused("status\x1b[2J\n", 11, "control characters");
	expect_refused("status\nlist-conns\n", 18, "more than one line");
}

Test(control, request_with_and_without_newline)
{
	int ret;
	char *a = run_raw("status\n", 7, &ret), *b;

	cr_assert_eq(ret, 0);
	b = run_raw("status", 6, &ret);
	cr_assert_eq(ret, 0);
	cr_assert_eq(strncmp(a, "ok\n", 3), 0);
	cr_assert_eq(strncmp(b, "ok\n", 3), 0);
	free(a);
	free(b);
	a = run_raw("status\r\n", 8, &ret);
	cr_assert_eq(ret, 0, "CRLF from a telnet-style client is accepted");
	free(a);
}

Test(control, unknown_command_suggests)
{
	char *reply = tl_ctl(core, "staus");

	cr_assert_str_eq(reply, "error: unknown command 'staus' (did you mean 'status'?)\n");
	free(reply);
	reply = tl_ctl(core, "frobnicate");
	cr_assert_str_eq(reply, "error: unknown command 'frobnicate' (try 'help')\n");
	free(reply);
}

Test(control, ike_commands_need_a_protocol_plugin)
{
	static const char *const cmds[] = {
		"list-sas", "initiate --child host", "terminate --ike x",
	};

	for (size_t i = 0; i < CG_ARRAY_SIZE(cmds); i++) {
		char *reply = tl_ctl(core, cmds[i]);

		cr_assert_eq(strncmp(reply, "error: no IKE protocol plugin loaded", 36), 0,
			     "%s: %s", cmds[i], reply);
		free(reply);
	}
}

Test(control, help_lists_commands_with_usage)
{
	char *reply = tl_ctl(core, "help");

	cr_assert_eq(strncmp(reply, "ok\ncommands:\n", 13), 0, "%s", reply);
	for (const char *c = "status: \0list-conns [NAME]: \0reload: \0help: \0"; *c;
	     c += strlen(c) + 1) {
		char needle[64];

		snprintf(needle, sizeof(needle), "\n  - %s", c);
		cr_assert_not_null(strstr(reply, needle), "help lacks %s:\n%s", c, reply);
	}
	cr_assert_lt(strstr(reply, "- help:"), strstr(reply, "- status:"), "sorted by name");
	free(reply);

	reply = tl_ctl(core, "help --json");
	cr_assert(json_valid(reply + 3), "%s", reply);
	cr_assert_not_null(strstr(reply, "\"command\": \"reload\",\n      \"usage\": \"reload: "),
			   "%s", reply);
	free(reply);
}

Test(control, status_shows_version_and_plugins)
{
	char *reply = tl_ctl(core, "status");
	char version[64];

	snprintf(version, sizeof(version), "version: %s\n", cg_version());
	cr_assert_eq(strncmp(reply, "ok\n", 3), 0, "%s", reply);
	cr_assert_not_null(strstr(reply, version), "%s", reply);
	cr_assert_not_null(strstr(reply, "uptime: "));
	cr_assert_not_null(strstr(reply, "connections: 2\n"), "%s", reply);
	cr_assert_not_null(strstr(reply, "kernel: kernel-memory\n"), "%s", reply);
	cr_assert_not_null(strstr(reply, "plugins:\n  - name: kernel-memory\n    provides:\n"
					 "      - kernel\n"), "%s", reply);
	free(reply);
}

Test(control, json_replies_are_valid)
{
	static const char *const cmds[] = {
		"status --json", "--json help", "list-conns --json", "list-conns moon-sun --json",
	};

	for (size_t i = 0; i < CG_ARRAY_SIZE(cmds); i++) {
		char *reply = tl_ctl(core, cmds[i]);

		cr_assert_eq(strncmp(reply, "ok\n", 3), 0, "%s: %s", cmds[i], reply);
		cr_assert(json_valid(reply + 3), "%s: not JSON:\n%s", cmds[i], reply + 3);
		free(reply);
	}
}

Test(control, list_conns_from_config)
{
	char *reply = tl_ctl(core, "list-conns");

	cr_assert_eq(strncmp(reply, "ok\n", 3), 0, "%s", reply);
	cr_assert_not_null(strstr(reply, "  - name: moon-sun\n    version: 2\n"), "%s", reply);
	cr_assert_not_null(strstr(reply, "  - name: other\n    version: any\n"), "%s", reply);
	cr_assert_not_null(strstr(reply, "      - 2001:db8::1\n"), "%s", reply);
	cr_assert_not_null(strstr(reply, "mode: transport\n"), "%s", reply);
	cr_assert_not_null(strstr(reply, "start_action: trap\n"), "%s", reply);
	cr_assert_not_null(strstr(reply, "- dynamic\n"), "%s", reply);
	cr_assert_not_null(strstr(reply, "ipv6-icmp"), "%s", reply);
	free(reply);

	reply = tl_ctl(core, "list-conns other");
	cr_assert_null(strstr(reply, "moon-sun"), "filtered by name: %s", reply);
	cr_assert_not_null(strstr(reply, "name: other"));
	free(reply);

	reply = tl_ctl(core, "list-conns nosuch");
	cr_assert_str_eq(reply, "error: no connection named 'nosuch'\nconnections: (none)\n");
	free(reply);
}

static int cmd_echo(void *ctx, struct cg_core *c, int argc, char **argv, struct cg_out *out)
{
	int *calls = ctx;

	(*calls)++;
	cg_out_arr_begin(out, "args");
	for (int i = 0; i < argc; i++)
		cg_out_str(out, NULL, argv[i]);
	cg_out_arr_end(out);
	cg_out_bool(out, "json", cg_out_json(out));
	return 0;
}

static int cmd_fail(void *ctx, struct cg_core *c, int argc, char **argv, struct cg_out *out)
{
	return -ENOENT;
}

Test(control, registered_commands_get_words_without_json)
{
	int calls = 0, ret;
	char *reply;

	cr_assert_eq(cg_control_register(core, "echo", "echo WORDS", cmd_echo, &calls), 0);
	cr_assert_eq(cg_control_register(core, "echo", "again", cmd_echo, &calls), -EEXIST);
	cr_assert_eq(cg_control_register(core, "status", "mine", cmd_echo, &calls), -EEXIST,
		     "built-ins cannot be replaced");
	cr_assert_eq(cg_control_register(core, "two words", "x", cmd_echo, &calls), -EINVAL);
	cr_assert_eq(cg_control_register(core, "", "x", cmd_echo, &calls), -EINVAL);

	reply = tl_ctl(core, "echo  a\tb --json c");
	cr_assert_eq(calls, 1);
	cr_assert(json_valid(reply + 3), "%s", reply);
	cr_assert_not_null(strstr(reply, "\"echo\",\n    \"a\",\n    \"b\",\n    \"c\""), "%s",
			   reply);
	cr_assert_not_null(strstr(reply, "\"json\": true"));
	free(reply);

	cg_control_unregister(core, "echo");
	reply = run_raw("echo", 4, &ret);
	cr_assert_eq(ret, -ENOENT);
	cr_assert_eq(calls, 1);
	free(reply);
}

Test(control, handler_error_without_message_is_reported)
{
	int ret;
	char *reply;

	cg_control_register(core, "fail", "fail", cmd_fail, NULL);
	reply = run_raw("fail", 4, &ret);
	cr_assert_eq(ret, -ENOENT);
	cr_assert_str_eq(reply, "error: fail: No such file or directory\n");
	free(reply);
}

static void status_section(void *ctx, struct cg_core *c, struct cg_out *out)
{
	cg_out_uint(out, "answer", 42);
}

Test(control, status_sections_from_plugins)
{
	char *reply;

	cr_assert_eq(cg_control_add_status(core, "extra", status_section, NULL), 0);
	cr_assert_eq(cg_control_add_status(core, "extra", status_section, NULL), -EEXIST);
	reply = tl_ctl(core, "status");
	cr_assert_not_null(strstr(reply, "\nextra:\n  answer: 42\n"), "%s", reply);
	free(reply);
	cg_control_remove_status(core, "extra");
	reply = tl_ctl(core, "status");
	cr_assert_null(strstr(reply, "extra:"));
	free(reply);
}

/* reload reads the main file again; a broken file leaves the running config. */
Test(control, reload_from_file)
{
	struct cg_core_opts opts = {
		.name = "reload", .manual = true, .no_sockets = true, .no_rtnetlink = true,
		.no_control = true, .foreground = true, .plugin_dir = CG_TEST_PLUGIN_DIR,
		.state_file = "",
	};
	struct cg_cfg_errors errs = { 0 };
	char *path = tl_tmpfile(config, ".yaml");
	struct cg_config *cfg;
	struct cg_core *rc;
	char *reply;
	FILE *f;

	cr_assert_eq(cg_config_load(path, &cfg, &errs), 0);
	cr_assert_eq(cg_core_create(&opts, cfg, &rc), 0);
	cr_assert_eq(cg_core_start(rc, &errs), 0);

	f = fopen(path, "w");
	fputs("daemon: { plugins: [kernel-memory] }\n"
	      "connections:\n  only: { remote_addrs: [192.0.2.9], local: { auth: psk },"
	      " remote: { auth: psk } }\n", f);
	fclose(f);
	cr_assert_eq(cg_control_run(rc, "reload", 6, &reply), 0);
	cr_assert_str_eq(reply, "ok\nresult: configuration reloaded\nconnections: 1\n");
	free(reply);

	f = fopen(path, "w");
	fputs("daemon: { plugins: [kernel-memory] }\nconnections: { broken: { versoin: 2 } }\n", f);
	fclose(f);
	reply = tl_ctl(rc, "reload");
	cr_assert_eq(strncmp(reply, "error: reload failed, the running configuration stays: ",
			     55), 0, "%s", reply);
	cr_assert_not_null(strstr(reply, "\nerrors:\n  - "), "%s", reply);
	cr_assert_not_null(strstr(reply, "versoin"), "the error names the bad key: %s", reply);
	free(reply);
	reply = tl_ctl(rc, "list-conns");
	cr_assert_not_null(strstr(reply, "name: only"), "the reloaded config stays: %s", reply);
	free(reply);

	cg_core_destroy(rc);
	cg_cfg_errors_free(&errs);
	unlink(path);
	free(path);
}
