/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Structured output for control commands. Handlers build a small tree;
 * cg_out_finish renders it either as JSON or as indented text that reads
 * like YAML ("key: value", "- item"), so one handler serves scripts and
 * people alike.
 *
 * A builder never fails a handler: out of memory is remembered and
 * reported by cg_out_finish, and unbalanced begin/end calls are forgiven
 * (the tree is closed at the end).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"

enum out_kind {
	OUT_OBJ,
	OUT_ARR,
	OUT_STR,   /* quoted in JSON */
	OUT_RAW,   /* numbers and booleans: written as they are */
};

struct out_node {
	enum out_kind kind;
	char *key;                 /* NULL inside arrays */
	char *text;                /* scalars */
	struct out_node *parent;
	struct out_node *first, *last, *next;
};

struct cg_out {
	bool json;
	bool failed;
	bool oom;
	char *error;
	struct out_node root;
	struct out_node *cur;      /* the open container */
};

CG_EXPORT int cg_out_new(bool json, struct cg_out **ret)
{
	struct cg_out *out = calloc(1, sizeof(*out));

	if (!out)
		return -ENOMEM;
	out->json = json;
	out->root.kind = OUT_OBJ;
	out->cur = &out->root;
	*ret = out;
	return 0;
}

static void node_free(struct out_node *n)
{
	struct out_node *c = n->first, *next;

	for (; c; c = next) {
		next = c->next;
		node_free(c);
		free(c);
	}
	free(n->key);
	free(n->text);
}

/* Appends a node to the open container; takes text. NULL when out of memory. */
static struct out_node *out_add(struct cg_out *out, enum out_kind kind, const char *key, char *text)
{
	struct out_node *n = calloc(1, sizeof(*n));

	if (!n || (key && !(n->key = strdup(key)))) {
		free(n);
		free(text);
		out->oom = true;
		return NULL;
	}
	n->kind = kind;
	n->text = text;
	n->parent = out->cur;
	if (out->cur->last)
		out->cur->last->next = n;
	else
		out->cur->first = n;
	out->cur->last = n;
	return n;
}

static void out_scalar(struct cg_out *out, enum out_kind kind, const char *key, char *text)
{
	if (!text) {
		out->oom = true;
		return;
	}
	out_add(out, kind, key, text);
}

static void out_open(struct cg_out *out, enum out_kind kind, const char *key)
{
	struct out_node *n = out_add(out, kind, key, NULL);

	/* Out of memory: children land in the parent, the tree stays well formed. */
	if (n)
		out->cur = n;
}

static void out_close(struct cg_out *out)
{
	if (out->cur->parent)
		out->cur = out->cur->parent;
}

CG_EXPORT void cg_out_obj_begin(struct cg_out *out, const char *key)
{
	out_open(out, OUT_OBJ, key);
}

CG_EXPORT void cg_out_obj_end(struct cg_out *out)
{
	out_close(out);
}

CG_EXPORT void cg_out_arr_begin(struct cg_out *out, const char *key)
{
	out_open(out, OUT_ARR, key);
}

CG_EXPORT void cg_out_arr_end(struct cg_out *out)
{
	out_close(out);
}

CG_EXPORT void cg_out_str(struct cg_out *out, const char *key, const char *val)
{
	out_scalar(out, OUT_STR, key, strdup(val ? val : ""));
}

CG_EXPORT void cg_out_strf(struct cg_out *out, const char *key, const char *fmt, ...)
{
	char *text;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	out_scalar(out, OUT_STR, key, text);
}

CG_EXPORT void cg_out_uint(struct cg_out *out, const char *key, uint64_t val)
{
	char *text;

	out_scalar(out, OUT_RAW, key, asprintf(&text, "%" PRIu64, val) < 0 ? NULL : text);
}

CG_EXPORT void cg_out_int(struct cg_out *out, const char *key, int64_t val)
{
	char *text;

	out_scalar(out, OUT_RAW, key, asprintf(&text, "%" PRId64, val) < 0 ? NULL : text);
}

CG_EXPORT void cg_out_bool(struct cg_out *out, const char *key, bool val)
{
	out_scalar(out, OUT_RAW, key, strdup(val ? "true" : "false"));
}

CG_EXPORT void cg_out_error(struct cg_out *out, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	out->failed = true;
	/* The first error says what went wrong; later ones are consequences. */
	if (out->error)
		free(msg);
	else
		out->error = msg;
}

CG_EXPORT bool cg_out_json(const struct cg_out *out)
{
	return out->json;
}

/* The message given to cg_out_error, or NULL. */
const char *cg_out_error_msg(const struct cg_out *out)
{
	return out->error;
}

bool cg_out_failed(const struct cg_out *out)
{
	return out->failed;
}

/*
 * JSON.
 */

/* Length of the valid UTF-8 sequence at s, 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past Unicode are not UTF-8. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Writes s as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n;

		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, n, f);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

static void json_node(FILE *f, const struct out_node *n, int indent)
{
	const struct out_node *c;

	switch (n->kind) {
	case OUT_STR:
		json_string(f, n->text);
		return;
	case OUT_RAW:
		fputs(n->text, f);
		return;
	case OUT_OBJ:
	case OUT_ARR:
		break;
	}
	if (!n->first) {
		fputs(n->kind == OUT_OBJ ? "{}" : "[]", f);
		return;
	}
	fputc(n->kind == OUT_OBJ ? '{' : '[', f);
	for (c = n->first; c; c = c->next) {
		fprintf(f, "\n%*s", indent + 2, "");
		if (n->kind == OUT_OBJ) {
			/* A keyless member of an object still needs a key to stay JSON. */
			json_string(f, c->key ? c->key : "");
			fputs(": ", f);
		}
		json_node(f, c, indent + 2);
		if (c->next)
			fputc(',', f);
	}
	fprintf(f, "\n%*s%c", indent, "", n->kind == OUT_OBJ ? '}' : ']');
}

/*
 * Text.
 */

/* Writes a scalar; continuation lines of a multi-line value are indented. */
static void text_value(FILE *f, const char *text, int indent)
{
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			fprintf(f, "\n%*s", indent, "");
		else
			fputc(*p, f);
	}
}

static void text_children(FILE *f, const struct out_node *parent, int indent, bool inline_first);

/*
 * One member at indent. inline_first: the cursor already sits after a
 * "- " at that indent (the first member of an item in an array).
 */
static void text_member(FILE *f, const struct out_node *n, bool in_array, int indent,
			bool inline_first)
{
	bool container = n->kind == OUT_OBJ || n->kind == OUT_ARR;

	if (!inline_first)
		fprintf(f, "%*s", indent, "");
	if (in_array)
		fputs("- ", f);
	else if (n->key)
		fprintf(f, "%s:%s", n->key, container && n->first ? "" : " ");
	if (!container) {
		text_value(f, n->text, indent + 2);
		fputc('\n', f);
	} else if (!n->first) {
		fputs("(none)\n", f);
	} else if (in_array) {
		/* "- " opens the item and its first member shares that line. */
		text_children(f, n, indent + 2, true);
	} else {
		fputc('\n', f);
		text_children(f, n, indent + 2, false);
	}
}

static void text_children(FILE *f, const struct out_node *parent, int indent, bool inline_first)
{
	for (const struct out_node *c = parent->first; c; c = c->next) {
		text_member(f, c, parent->kind == OUT_ARR, indent, inline_first);
		inline_first = false;
	}
}

CG_EXPORT int cg_out_finish(struct cg_out *out, char **text, bool *failed)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err = 0;

	if (!out)
		return -EINVAL;
	f = open_memstream(&buf, &len);
	if (!f) {
		err = -ENOMEM;
		goto out_free;
	}
	if (out->json) {
		json_node(f, &out->root, 0);
		fputc('\n', f);
	} else {
		text_children(f, &out->root, 0, false);
	}
	if (fclose(f) || out->oom) {
		free(buf);
		buf = NULL;
		err = -ENOMEM;
	}
out_free:
	if (failed)
		*failed = out->failed;
	if (text)
		*text = buf;
	else
		free(buf);
	node_free(&out->root);
	free(out->error);
	free(out);
	return err;
}
