/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the config tree: the node, the tree that owns the nodes, and the
 * reader of one file (config_tree.c), shared with the include handling
 * (config_include.c) and the node helpers (config_node.c).
 */
#ifndef CG_CONFIG_READER_H
#define CG_CONFIG_READER_H

#include <yaml.h>

#include "config_tree.h"
#include "core_priv.h"

#define TREE_MAX_DEPTH 64
#define TREE_MAX_NODES 500000
#define TREE_MAX_FILE_SIZE (16u << 20)
#define TREE_MAX_INCLUDE_DEPTH 16

struct cg_cfg_node {
	enum cg_cfg_kind kind;
	const char *file;            /* interned in the tree */
	unsigned line, col;          /* 1-based */
	char *text;                  /* scalars: the value, NUL-terminated */
	bool plain;                  /* scalars: written without quotes */
	struct cg_cfg_node **keys;   /* maps: key scalars */
	struct cg_cfg_node **items;  /* sequence items, map values */
	size_t n, cap;
};

struct cfg_tree {
	struct cg_cfg_node *root;
	char **files;                /* names the nodes point at */
	size_t n_files;
	struct cg_cfg_node **discarded; /* nodes dropped while reading: aliases may point into them */
	size_t n_discarded;
	size_t n_nodes;
};

struct anchor {
	char *name;
	const struct cg_cfg_node *node;
};

/* Reads one file; parent is the reader of the file that includes it. */
struct reader {
	struct cfg_tree *tree;
	struct cg_cfg_errors *errs;
	const struct reader *parent;
	const char *file;            /* as shown in messages */
	char *real;                  /* canonical path, for cycle detection (may be NULL) */
	const char *text;
	size_t len;
	yaml_parser_t parser;
	struct anchor *anchors;
	size_t n_anchors;
	unsigned base_depth;         /* depth of the map this file is merged into */
	int err;                     /* sticky: -EINVAL stops reading this file, -ENOMEM all */
	size_t n_errors;
};

/* config_node.c */
void cfg_node_free(struct cg_cfg_node *n);
/* Appends an item (key NULL, sequences) or an entry (maps); takes both. 0 or -ENOMEM. */
int cfg_node_append(struct cg_cfg_node *n, struct cg_cfg_node *key, struct cg_cfg_node *val);
/* The value for key in a map, or NULL. */
struct cg_cfg_node *cfg_map_find(const struct cg_cfg_node *map, const char *key);

/* config_tree.c */
/* Reports at a node (or a position-only node) and counts the error. */
void cfg_reader_error(struct reader *r, const struct cg_cfg_node *at, const char *fmt, ...)
	CG_PRINTF(3, 4);
/* Keeps a node that left the tree alive until the tree goes (aliases may point into it). */
void cfg_tree_discard(struct reader *r, struct cg_cfg_node *n);
/*
 * Reads one file's text into *root (a map), as included from parent (NULL
 * for the main file) into a map at base_depth. 0, -EINVAL after errors
 * (counted in *n_errors), -ENOMEM.
 */
int cfg_tree_read(struct cfg_tree *tree, const struct reader *parent, const char *file,
		  const char *text, size_t len, unsigned base_depth, struct cg_cfg_errors *errs,
		  struct cg_cfg_node **root, size_t *n_errors);

/* config_include.c */
/* Reads a whole regular file of at most TREE_MAX_FILE_SIZE; 0 or -errno (-EFBIG). */
int cfg_read_file(const char *path, char **text, size_t *len);
/* Reads the files named by value (an include: value) and merges them into map. */
void cfg_include(struct reader *r, struct cg_cfg_node *map, const struct cg_cfg_node *value,
		 unsigned depth);

#endif
