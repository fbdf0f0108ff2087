/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * include: reading more files into a map of the tree. Names are taken
 * from the directory of the including file, patterns read their matches
 * in order, and the included top-level map is merged into the including
 * map. The chain of readers being read is what finds include cycles.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_reader.h"

/* Reads up to size bytes, fewer only at the end of the file; 0 or -errno. */
static int inc_read_all(int fd, char *buf, size_t size, size_t *len)
{
	*len = 0;
	while (*len < size) {
		ssize_t n = read(fd, buf + *len, size - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	return 0;
}

/*
 * Reads a whole regular file; 0 or -errno. The open does not block, so a
 * FIFO (or a device) named as a config file is refused instead of hanging
 * the reader until something writes to it.
 */
int cfg_read_file(const char *path, char **text, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > TREE_MAX_FILE_SIZE) {
		err = -EFBIG;
		goto out;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (!*text) {
		err = -ENOMEM;
		goto out;
	}
	err = inc_read_all(fd, *text, (size_t)st.st_size, len);
	if (err) {
		free(*text);
		*text = NULL;
		goto out;
	}
	(*text)[*len] = '\0';
out:
	close(fd);
	return err;
}

static const struct cg_cfg_node *map_find_key(const struct cg_cfg_node *map, const char *key)
{
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->text, key))
			return map->keys[i];
	return NULL;
}

/*
 * Merges src (an included file's top-level map) into dst: new keys are
 * added, maps merge key by key, lists are joined; a scalar given twice is
 * an error. Takes src.
 */
static void tree_merge(struct reader *r, struct cg_cfg_node *dst, struct cg_cfg_node *src)
{
	for (size_t i = 0; i < src->n && !r->err; i++) {
		struct cg_cfg_node *key = src->keys[i], *val = src->items[i];
		struct cg_cfg_node *have = cfg_map_find(dst, key->text);

		src->keys[i] = src->items[i] = NULL;
		if (!have) {
			if (cfg_node_append(dst, key, val)) {
				cfg_node_free(key);
				cfg_node_free(val);
				r->err = -ENOMEM;
			}
			continue;
		}
		if (have->kind == CG_CFG_MAP && val->kind == CG_CFG_MAP) {
			tree_merge(r, have, val);
		} else if (have->kind == CG_CFG_SEQ && val->kind == CG_CFG_SEQ) {
			for (size_t j = 0; j < val->n && !r->err; j++) {
				if (cfg_node_append(have, NULL, val->items[j]))
					r->err = -ENOMEM;
				else
					val->items[j] = NULL;
			}
			cfg_node_free(val);
		} else {
			const struct cg_cfg_node *first = map_find_key(dst, key->text);

			cfg_reader_error(r, key, "'%s' is already set at %s:%u:%u", key->text, first->file,
				 first->line, first->col);
			cfg_node_free(val);
		}
		cfg_node_free(key);
	}
	cfg_node_free(src);
}

static bool path_is_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

/* path relative to the directory of `from` (absolute paths stay). */
static char *path_relative_to(const char *from, const char *path)
{
	const char *slash = strrchr(from, '/');
	char *out;

	if (path[0] == '/' || !slash)
		return cg_strdup(path);
	if (asprintf(&out, "%.*s/%s", (int)(slash - from), from, path) < 0)
		return NULL;
	return out;
}

/* "a.yaml -> b.yaml -> a.yaml" for a cycle back to the file named real. */
static void rd_cycle_error(struct reader *r, const struct cg_cfg_node *at, const char *real,
			   const char *path)
{
	const struct reader *chain[TREE_MAX_INCLUDE_DEPTH + 2];
	size_t n = 0, start = 0;
	char msg[1024] = "";
	size_t used = 0;

	for (const struct reader *p = r; p && n < CG_ARRAY_SIZE(chain); p = p->parent)
		chain[n++] = p;
	/* Walk outermost first, from the file that is included again. */
	for (size_t i = n; i-- > 0;) {
		if (chain[i]->real && !strcmp(chain[i]->real, real)) {
			start = i;
			break;
		}
	}
	for (size_t i = start + 1; i-- > 0 && used < sizeof(msg);)
		used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s -> ", chain[i]->file);
	if (used < sizeof(msg))
		snprintf(msg + used, sizeof(msg) - used, "%s", path);
	cfg_reader_error(r, at, "include cycle: %s", msg);
}

static void rd_include_file(struct reader *r, struct cg_cfg_node *map, const struct cg_cfg_node *at,
			    const char *path, unsigned depth)
{
	struct cg_cfg_node *root = NULL;
	char *real = realpath(path, NULL), *text = NULL;
	size_t len = 0, depth_files = 0, n_errors = 0;
	int err;

	if (!real) {
		cfg_reader_error(r, at, "cannot include '%s': %s", path, strerror(errno));
		return;
	}
	for (const struct reader *p = r; p; p = p->parent, depth_files++) {
		if (p->real && !strcmp(p->real, real)) {
			rd_cycle_error(r, at, real, path);
			free(real);
			return;
		}
	}
	free(real);
	if (depth_files >= TREE_MAX_INCLUDE_DEPTH) {
		cfg_reader_error(r, at, "includes nest deeper than %u files", TREE_MAX_INCLUDE_DEPTH);
		return;
	}
	err = cfg_read_file(path, &text, &len);
	if (err == -ENOMEM) {
		r->err = err;
		return;
	}
	if (err) {
		cfg_reader_error(r, at, "cannot include '%s': %s", path,
			 err == -EFBIG ? "not a regular file of at most 16 MiB" : strerror(-err));
		return;
	}
	err = cfg_tree_read(r->tree, r, path, text, len, depth, r->errs, &root, &n_errors);
	free(text);
	r->n_errors += n_errors;
	if (err == -ENOMEM)
		r->err = err;
	if (root)
		tree_merge(r, map, root);
}

static void rd_include_one(struct reader *r, struct cg_cfg_node *map, const struct cg_cfg_node *at,
			   unsigned depth)
{
	char *path = path_relative_to(r->file, at->text);
	glob_t g;
	int rc;

	if (!path) {
		r->err = -ENOMEM;
		return;
	}
	if (!path_is_glob(path)) {
		rd_include_file(r, map, at, path, depth);
		free(path);
		return;
	}
	/* A pattern may match nothing (an empty conf.d); matches are read in sorted order. */
	rc = glob(path, 0, NULL, &g);
	if (rc == 0) {
		for (size_t i = 0; i < g.gl_pathc && !r->err; i++)
			rd_include_file(r, map, at, g.gl_pathv[i], depth);
	} else if (rc == GLOB_NOSPACE) {
		r->err = -ENOMEM;
	} else if (rc != GLOB_NOMATCH) {
		cfg_reader_error(r, at, "cannot read the files matching '%s'", path);
	}
	if (rc != GLOB_NOMATCH)
		globfree(&g);
	free(path);
}

void cfg_include(struct reader *r, struct cg_cfg_node *map, const struct cg_cfg_node *value,
		 unsigned depth)
{
	if (value->kind == CG_CFG_SCALAR && !cg_cfg_is_null(value)) {
		rd_include_one(r, map, value, depth);
		return;
	}
	if (value->kind == CG_CFG_SEQ) {
		for (size_t i = 0; i < value->n && !r->err; i++) {
			if (value->items[i]->kind == CG_CFG_SCALAR && !cg_cfg_is_null(value->items[i]))
				rd_include_one(r, map, value->items[i], depth);
			else
				cfg_reader_error(r, value->items[i], "include: expected a file name");
		}
		return;
	}
	cfg_reader_error(r, value, "include: expected a file name or a list of file names");
}
