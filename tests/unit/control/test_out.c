/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The output builder: text and JSON rendering of the same tree. */
#include <criterion/criterion.h>
#include <string.h>

#include "json_check.h"
#include "testlib.h"

/* Builds a small status-like tree into a new builder. */
static struct cg_out *sample(bool json)
{
	struct cg_out *out;

	cr_assert_eq(cg_out_new(json, &out), 0);
	cg_out_str(out, "version", "0.1.0");
	cg_out_uint(out, "uptime", 42);
	cg_out_int(out, "delta", -7);
	cg_out_bool(out, "ready", true);
	cg_out_arr_begin(out, "plugins");
	cg_out_obj_begin(out, NULL);
	cg_out_str(out, "name", "kernel-memory");
	cg_out_arr_begin(out, "provides");
	cg_out_str(out, NULL, "kernel");
	cg_out_str(out, NULL, "test");
	cg_out_arr_end(out);
	cg_out_obj_end(out);
	cg_out_arr_end(out);
	cg_out_arr_begin(out, "empty");
	cg_out_arr_end(out);
	return out;
}

static char *finish(struct cg_out *out, bool *failed)
{
	char *text = NULL;
	bool f = false;

	cr_assert_eq(cg_out_finish(out, &text, &f), 0);
	cr_assert_not_null(text);
	if (failed)
		*failed = f;
	return text;
}

Test(out, text_reads_like_yaml)
{
	char *text = finish(sample(false), NULL);

	cr_assert_str_eq(text, "version: 0.1.0\n"
			       "uptime: 42\n"
			       "delta: -7\n"
			       "ready: true\n"
			       "plugins:\n"
			       "  - name: kernel-memory\n"
			       "    provides:\n"
			       "      - kernel\n"
			       "      - test\n"
			       "empty: (none)\n");
	free(text);
}

Test(out, json_is_valid_and_typed)
{
	char *text = finish(sample(true), NULL);

	cr_assert(json_valid(text), "not JSON:\n%s", text);
	cr_assert_not_null(strstr(text, "\"version\": \"0.1.0\""));
	cr_assert_not_null(strstr(text, "\"uptime\": 42"), "numbers are not quoted");
	cr_assert_not_null(strstr(text, "\"delta\": -7"));
	cr_assert_not_null(strstr(text, "\"ready\": true"));
	cr_assert_not_null(strstr(text, "\"empty\": []"));
	free(text);
}

Test(out, json_escapes_and_replaces_invalid_utf8)
{
	struct cg_out *out;
	char *text;

	cg_out_new(true, &out);
	cg_out_str(out, "quote", "a \"b\" \\ c\n\td\x01");
	cg_out_str(out, "utf8", "gr\xc3\xbc\xc3\x9f");        /* valid: kept */
	cg_out_str(out, "bad", "x\xff\xc3(y\xed\xa0\x80");     /* invalid bytes and a surrogate */
	cg_out_str(out, "ke\"y", NULL);
	text = finish(out, NULL);
	cr_assert(json_valid(text), "not JSON:\n%s", text);
	cr_assert_not_null(strstr(text, "\"a \\\"b\\\" \\\\ c\\n\\td\\u0001\""), "%s", text);
	cr_assert_not_null(strstr(text, "\"gr\xc3\xbc\xc3\x9f\""));
	cr_assert_null(strstr(text, "\xff"));
	cr_assert_not_null(strstr(text, "\"x\\ufffd\\ufffd(y\\ufffd\\ufffd\\ufffd\""), "%s", text);
	cr_assert_not_null(strstr(text, "\"ke\\\"y\": \"\""));
	free(text);
}

Test(out, empty_builder_renders_empty_object)
{
	struct cg_out *out;
	char *text;

	cg_out_new(true, &out);
	text = finish(out, NULL);
	cr_assert_str_eq(text, "{}\n");
	free(text);
	cg_out_new(false, &out);
	text = finish(out, NULL);
	cr_assert_str_eq(text, "");
	free(text);
}

Test(out, unbalanced_calls_still_render)
{
	struct cg_out *out;
	char *text;

	cg_out_new(true, &out);
	cg_out_obj_end(out); /* nothing open */
	cg_out_arr_end(out);
	cg_out_obj_begin(out, "a");
	cg_out_arr_begin(out, "b");
	cg_out_uint(out, NULL, 1); /* both left open */
	text = finish(out, NULL);
	cr_assert(json_valid(text), "not JSON:\n%s", text);
	cr_assert_not_null(strstr(text, "\"b\": ["));
	free(text);
}

Test(out, keyless_member_of_object_stays_json)
{
	struct cg_out *out;
	char *text;

	cg_out_new(true, &out);
	cg_out_str(out, NULL, "bare");
	text = finish(out, NULL);
	cr_assert(json_valid(text), "not JSON:\n%s", text);
	free(text);
	cg_out_new(false, &out);
	cg_out_str(out, NULL, "bare");
	text = finish(out, NULL);
	cr_assert_str_eq(text, "bare\n");
	free(text);
}

Test(out, error_marks_failure_and_keeps_first_message)
{
	struct cg_out *out;
	bool failed = false;
	char *text;

	cg_out_new(false, &out);
	cg_out_str(out, "k", "v");
	text = finish(out, &failed);
	cr_assert_not(failed);
	free(text);

	cg_out_new(false, &out);
	cg_out_error(out, "first %d", 1);
	cg_out_error(out, "second");
	cg_out_str(out, "k", "v");
	text = finish(out, &failed);
	cr_assert(failed);
	cr_assert_str_eq(text, "k: v\n", "the body is kept on failure");
	free(text);
}

Test(out, nested_arrays_and_multiline_text)
{
	struct cg_out *out;
	char *text;

	cg_out_new(false, &out);
	cg_out_arr_begin(out, "m");
	cg_out_arr_begin(out, NULL);
	cg_out_str(out, NULL, "a");
	cg_out_str(out, NULL, "b");
	cg_out_arr_end(out);
	cg_out_arr_end(out);
	cg_out_str(out, "lines", "one\ntwo");
	text = finish(out, NULL);
	cr_assert_str_eq(text, "m:\n"
			       "  - - a\n"
			       "    - b\n"
			       "lines: one\n"
			       "  two\n");
	free(text);
}
