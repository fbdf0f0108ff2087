/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The config tree. libyaml's event parser feeds a small recursive reader
 * that builds scalars, sequences and maps, each with the file:line:col of
 * its first character. `include:` (in any map) is collected while the map
 * is read and handled by config_include.c when the map is complete.
 *
 * Malformed input must not take the daemon down, so the reader bounds
 * nesting depth, node count (alias expansion), file size and include
 * depth, and keeps going after an error wherever the tree stays sound, so
 * one run reports as many problems as it can.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_reader.h"

static struct cg_cfg_node *rd_node(struct reader *r, yaml_event_t *ev, unsigned depth);

/* --- nodes --- */

void cfg_reader_error(struct reader *r, const struct cg_cfg_node *at, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cg_cfg_error(r->errs, at, "%s", msg);
	r->n_errors++;
}

/* A position-only node, to report at a libyaml mark. */
static struct cg_cfg_node mark_node(const struct reader *r, const yaml_mark_t *mark)
{
	return (struct cg_cfg_node){ .file = r->file, .line = (unsigned)mark->line + 1,
				     .col = (unsigned)mark->column + 1 };
}

static struct cg_cfg_node *node_new(struct reader *r, enum cg_cfg_kind kind,
				    const yaml_mark_t *mark)
{
	struct cg_cfg_node *n;

	if (r->tree->n_nodes >= TREE_MAX_NODES) {
		struct cg_cfg_node at = mark_node(r, mark);

		cfg_reader_error(r, &at, "the configuration has more than %u nodes (alias expansion?)",
			 TREE_MAX_NODES);
		r->err = -EINVAL;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		r->err = -ENOMEM;
		return NULL;
	}
	r->tree->n_nodes++;
	n->kind = kind;
	n->file = r->file;
	n->line = (unsigned)mark->line + 1;
	n->col = (unsigned)mark->column + 1;
	return n;
}


/* Keeps a node that left the tree alive until the tree goes. */
void cfg_tree_discard(struct reader *r, struct cg_cfg_node *n)
{
	struct cfg_tree *t = r->tree;
	struct cg_cfg_node **d;

	if (!n)
		return;
	d = realloc(t->discarded, (t->n_discarded + 1) * sizeof(*d));
	if (!d) {
		/* Nothing can point at it safely any more: stop reading. */
		cfg_node_free(n);
		r->err = -ENOMEM;
		return;
	}
	t->discarded = d;
	t->discarded[t->n_discarded++] = n;
}

static const char *tree_intern(struct cfg_tree *t, const char *name)
{
	char **files = realloc(t->files, (t->n_files + 1) * sizeof(*files));

	if (!files)
		return NULL;
	t->files = files;
	t->files[t->n_files] = cg_strdup(name);
	return t->files[t->n_files] ? t->files[t->n_files++] : NULL;
}

/* --- events --- */

/* Line and column of a byte offset (libyaml gives only the offset for encoding errors). */
static void offset_position(const char *text, size_t len, size_t off, unsigned *line,
			    unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static bool rd_next(struct reader *r, yaml_event_t *ev)
{
	const yaml_parser_t *p = &r->parser;
	struct cg_cfg_node at;

	if (r->err)
		return false;
	if (yaml_parser_parse(&r->parser, ev))
		return true;
	if (p->error == YAML_MEMORY_ERROR) {
		r->err = -ENOMEM;
		return false;
	}
	at = mark_node(r, &p->problem_mark);
	if (p->error == YAML_READER_ERROR)
		offset_position(r->text, r->len, p->problem_offset, &at.line, &at.col);
	if (p->context)
		cfg_reader_error(r, &at, "%s (%s that starts at line %zu, column %zu)",
			 p->problem ? p->problem : "invalid YAML", p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	else
		cfg_reader_error(r, &at, "%s", p->problem ? p->problem : "invalid YAML");
	r->err = -EINVAL;
	return false;
}

/* --- anchors and aliases --- */

static void rd_add_anchor(struct reader *r, const yaml_char_t *name, const struct cg_cfg_node *n)
{
	struct anchor *a;

	if (!name || !n)
		return;
	a = realloc(r->anchors, (r->n_anchors + 1) * sizeof(*a));
	if (!a) {
		r->err = -ENOMEM;
		return;
	}
	r->anchors = a;
	a[r->n_anchors].name = cg_strdup((const char *)name);
	if (!a[r->n_anchors].name) {
		r->err = -ENOMEM;
		return;
	}
	a[r->n_anchors++].node = n;
}

/* A deep copy keeps the tree a tree (includes merge into maps in place). */
static struct cg_cfg_node *node_copy(struct reader *r, const struct cg_cfg_node *src,
				     const yaml_mark_t *at, unsigned depth)
{
	yaml_mark_t pos = { .line = src->line - 1, .column = src->col - 1 };
	struct cg_cfg_node *n;

	if (depth > TREE_MAX_DEPTH) {
		struct cg_cfg_node where = mark_node(r, at);

		cfg_reader_error(r, &where, "this alias nests deeper than %u levels", TREE_MAX_DEPTH);
		r->err = -EINVAL;
		return NULL;
	}
	n = node_new(r, src->kind, &pos);
	if (!n)
		return NULL;
	n->file = src->file;
	n->plain = src->plain;
	if (src->text && !(n->text = cg_strdup(src->text)))
		goto err_nomem;
	for (size_t i = 0; i < src->n; i++) {
		struct cg_cfg_node *k = NULL, *v;

		if (src->keys && !(k = node_copy(r, src->keys[i], at, depth + 1)))
			goto err_free;
		v = node_copy(r, src->items[i], at, depth + 1);
		if (!v) {
			cfg_node_free(k);
			goto err_free;
		}
		if (cfg_node_append(n, k, v)) {
			cfg_node_free(k);
			cfg_node_free(v);
			goto err_nomem;
		}
	}
	return n;

err_nomem:
	r->err = -ENOMEM;
err_free:
	cfg_node_free(n);
	return NULL;
}

static struct cg_cfg_node *rd_alias(struct reader *r, const yaml_event_t *ev, unsigned depth)
{
	const char *name = (const char *)ev->data.alias.anchor;

	/* The latest definition of a name wins, as YAML says. */
	for (size_t i = r->n_anchors; i-- > 0;)
		if (!strcmp(r->anchors[i].name, name))
			return node_copy(r, r->anchors[i].node, &ev->start_mark, depth);
	{
		struct cg_cfg_node *n = node_new(r, CG_CFG_SCALAR, &ev->start_mark);

		if (!n)
			return NULL;
		cfg_reader_error(r, n, "unknown alias '*%s': no anchor '&%s' before it in this file", name,
			 name);
		n->plain = true;
		n->text = cg_strdup("");
		if (!n->text) {
			cfg_node_free(n);
			r->err = -ENOMEM;
			return NULL;
		}
		return n;
	}
}

/* --- scalars, sequences, maps --- */

static struct cg_cfg_node *rd_scalar(struct reader *r, const yaml_event_t *ev)
{
	struct cg_cfg_node *n = node_new(r, CG_CFG_SCALAR, &ev->start_mark);
	size_t len = ev->data.scalar.length;

	if (!n)
		return NULL;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->text = malloc(len + 1);
	if (!n->text) {
		cfg_node_free(n);
		r->err = -ENOMEM;
		return NULL;
	}
	memcpy(n->text, ev->data.scalar.value, len);
	n->text[len] = '\0';
	if (memchr(n->text, '\0', len))
		cfg_reader_error(r, n, "a value must not contain a NUL character");
	return n;
}

static struct cg_cfg_node *rd_seq(struct reader *r, const yaml_event_t *start, unsigned depth)
{
	struct cg_cfg_node *n = node_new(r, CG_CFG_SEQ, &start->start_mark);
	yaml_event_t ev;

	while (n && rd_next(r, &ev)) {
		struct cg_cfg_node *item;

		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return n;
		}
		item = rd_node(r, &ev, depth + 1);
		if (!item)
			break;
		if (cfg_node_append(n, NULL, item)) {
			cfg_node_free(item);
			r->err = -ENOMEM;
		}
	}
	cfg_node_free(n);
	return NULL;
}

static int key_index_cmp(const void *a, const void *b, void *arg)
{
	const struct cg_cfg_node *map = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(map->keys[i]->text, map->keys[j]->text);

	return c ? c : (i > j) - (i < j);
}

/* YAML forbids a key twice in one map; sorting keeps this fast on huge maps. */
static void rd_check_duplicates(struct reader *r, const struct cg_cfg_node *map)
{
	size_t *idx;

	if (map->n < 2)
		return;
	idx = malloc(map->n * sizeof(*idx));
	if (!idx) {
		r->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < map->n; i++)
		idx[i] = i;
	qsort_r(idx, map->n, sizeof(*idx), key_index_cmp, (void *)map);
	for (size_t i = 1; i < map->n; i++) {
		const struct cg_cfg_node *first = map->keys[idx[i - 1]], *dup = map->keys[idx[i]];

		if (!strcmp(first->text, dup->text))
			cfg_reader_error(r, dup, "'%s' is given twice in this map (first at line %u)",
				 dup->text, first->line);
	}
	free(idx);
}

static struct cg_cfg_node *rd_map(struct reader *r, const yaml_event_t *start, unsigned depth)
{
	struct cg_cfg_node *n = node_new(r, CG_CFG_MAP, &start->start_mark);
	struct cg_cfg_node *includes = NULL;
	yaml_mark_t mark = start->start_mark;
	yaml_event_t ev;

	if (!n)
		return NULL;
	includes = node_new(r, CG_CFG_SEQ, &mark);
	while (includes && rd_next(r, &ev)) {
		struct cg_cfg_node *key, *val;

		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			rd_check_duplicates(r, n);
			/* Included keys come after the map's own, in include order. */
			for (size_t i = 0; i < includes->n && !r->err; i++)
				cfg_include(r, n, includes->items[i], depth);
			cfg_tree_discard(r, includes);
			includes = NULL;
			if (r->err)
				break;
			return n;
		}
		key = rd_node(r, &ev, depth + 1);
		if (!key || !rd_next(r, &ev)) {
			cfg_node_free(key);
			break;
		}
		val = rd_node(r, &ev, depth + 1);
		if (!val) {
			cfg_node_free(key);
			break;
		}
		if (key->kind != CG_CFG_SCALAR) {
			cfg_reader_error(r, key, "a key must be a plain name, not a %s",
				 key->kind == CG_CFG_MAP ? "map" : "list");
			cfg_tree_discard(r, key);
			cfg_tree_discard(r, val);
			continue;
		}
		if (!strcmp(key->text, "include")) {
			cfg_tree_discard(r, key);
			if (cfg_node_append(includes, NULL, val)) {
				cfg_node_free(val);
				r->err = -ENOMEM;
			}
			continue;
		}
		if (cfg_node_append(n, key, val)) {
			cfg_node_free(key);
			cfg_node_free(val);
			r->err = -ENOMEM;
		}
	}
	/* Only after an error that stops this file, so no alias can follow. */
	cfg_node_free(includes);
	cfg_node_free(n);
	return NULL;
}

/* Builds the node that starts with ev (and its children); consumes ev. */
static struct cg_cfg_node *rd_node(struct reader *r, yaml_event_t *ev, unsigned depth)
{
	struct cg_cfg_node *n = NULL;
	const yaml_char_t *anchor = NULL;

	if (depth > TREE_MAX_DEPTH) {
		struct cg_cfg_node at = mark_node(r, &ev->start_mark);

		cfg_reader_error(r, &at, "the configuration nests deeper than %u levels", TREE_MAX_DEPTH);
		r->err = -EINVAL;
		yaml_event_delete(ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		n = rd_scalar(r, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		n = rd_seq(r, ev, depth);
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		n = rd_map(r, ev, depth);
		break;
	case YAML_ALIAS_EVENT:
		n = rd_alias(r, ev, depth);
		break;
	default: {
		/* libyaml only sends node events here; anything else is a parser bug. */
		struct cg_cfg_node at = mark_node(r, &ev->start_mark);

		cfg_reader_error(r, &at, "unexpected YAML event");
		r->err = -EINVAL;
		break;
	}
	}
	if (n)
		rd_add_anchor(r, anchor, n);
	yaml_event_delete(ev);
	if (n && r->err) {
		cfg_node_free(n);
		n = NULL;
	}
	return n;
}

/* --- documents and files --- */

/* The one document of the file; NULL for an empty file (or after an error). */
static struct cg_cfg_node *rd_document(struct reader *r)
{
	struct cg_cfg_node *root = NULL;
	bool seen_document = false;
	yaml_event_t ev;

	while (rd_next(r, &ev)) {
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			yaml_event_delete(&ev);
			return root;
		case YAML_DOCUMENT_START_EVENT:
			if (seen_document) {
				struct cg_cfg_node at = mark_node(r, &ev.start_mark);

				cfg_reader_error(r, &at, "a second YAML document: a config file holds "
					 "one (use include: to split it)");
				r->err = -EINVAL;
			}
			seen_document = true;
			yaml_event_delete(&ev);
			break;
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			yaml_event_delete(&ev);
			break;
		default:
			root = rd_node(r, &ev, r->base_depth);
			break;
		}
	}
	cfg_node_free(root);
	return NULL;
}

/* Checks a file's root is a map (an empty file or a bare null is an empty one). */
static struct cg_cfg_node *rd_root_map(struct reader *r, struct cg_cfg_node *root)
{
	yaml_mark_t start = { 0 };

	if (root && root->kind == CG_CFG_MAP)
		return root;
	if (root && !cg_cfg_is_null(root)) {
		cfg_reader_error(r, root, "%s must be a map of keys, not a %s",
			 r->parent ? "an included file" : "the top level",
			 root->kind == CG_CFG_SEQ ? "list" : "single value");
		cfg_node_free(root);
		return NULL;
	}
	cfg_node_free(root);
	return node_new(r, CG_CFG_MAP, &start);
}

int cfg_tree_read(struct cfg_tree *tree, const struct reader *parent, const char *file,
		  const char *text, size_t len, unsigned base_depth, struct cg_cfg_errors *errs,
		  struct cg_cfg_node **root, size_t *n_errors)
{
	struct reader r = { .tree = tree, .errs = errs, .parent = parent, .text = text,
			    .len = len, .base_depth = base_depth };
	struct cg_cfg_node *doc;

	*root = NULL;
	r.file = tree_intern(tree, file);
	if (!r.file)
		return -ENOMEM;
	r.real = realpath(file, NULL);
	if (!yaml_parser_initialize(&r.parser)) {
		free(r.real);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, len);
	doc = rd_document(&r);
	if (!r.err)
		*root = rd_root_map(&r, doc);
	else
		cfg_node_free(doc);
	yaml_parser_delete(&r.parser);
	for (size_t i = 0; i < r.n_anchors; i++)
		free(r.anchors[i].name);
	free(r.anchors);
	free(r.real);
	*n_errors = r.n_errors;
	if (r.err == -ENOMEM) {
		cfg_node_free(*root);
		*root = NULL;
		return -ENOMEM;
	}
	return r.n_errors ? -EINVAL : 0;
}

static int tree_load(const char *name, const char *text, size_t len, struct cfg_tree **ret,
		     struct cg_cfg_errors *errs)
{
	struct cfg_tree *tree = calloc(1, sizeof(*tree));
	size_t n_errors = 0;
	int err;

	*ret = NULL;
	if (!tree)
		return -ENOMEM;
	err = cfg_tree_read(tree, NULL, name, text, len, 0, errs, &tree->root, &n_errors);
	if (!err && !tree->root)
		err = -ENOMEM;
	if (err) {
		cfg_tree_free(tree);
		return err;
	}
	*ret = tree;
	return 0;
}

int cfg_tree_load_file(const char *path, struct cfg_tree **ret, struct cg_cfg_errors *errs)
{
	char *text = NULL;
	size_t len = 0;
	int err;

	*ret = NULL;
	err = cfg_read_file(path, &text, &len);
	if (err == -EFBIG) {
		cg_cfg_error(errs, NULL, "%s: not a regular file of at most 16 MiB", path);
		return -EINVAL;
	}
	if (err)
		return err;
	err = tree_load(path, text, len, ret, errs);
	free(text);
	return err;
}

int cfg_tree_load_string(const char *text, const char *name, struct cfg_tree **ret,
			 struct cg_cfg_errors *errs)
{
	return tree_load(name ? name : "<string>", text, strlen(text), ret, errs);
}

const struct cg_cfg_node *cfg_tree_root(const struct cfg_tree *tree)
{
	return tree->root;
}

void cfg_tree_free(struct cfg_tree *tree)
{
	if (!tree)
		return;
	cfg_node_free(tree->root);
	for (size_t i = 0; i < tree->n_discarded; i++)
		cfg_node_free(tree->discarded[i]);
	free(tree->discarded);
	for (size_t i = 0; i < tree->n_files; i++)
		free(tree->files[i]);
	free(tree->files);
	free(tree);
}

