/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The YAML tree behind struct cg_config: read with libyaml's event parser,
 * every node tagged with file:line:col, `include:` merged in place.
 */
#ifndef CG_CONFIG_TREE_H
#define CG_CONFIG_TREE_H

#include <cygnet/config.h>

/* Owns every node and every file name the nodes point at. */
struct cfg_tree;

/*
 * Reads path (and what it includes) into *ret. -ENOENT/-EACCES/... when
 * path itself cannot be read (nothing added to errs); -EINVAL when any
 * error was added to errs (*ret is then NULL); -ENOMEM.
 */
int cfg_tree_load_file(const char *path, struct cfg_tree **ret, struct cg_cfg_errors *errs);
/* The same for text that reads as if it were the file name. */
int cfg_tree_load_string(const char *text, const char *name, struct cfg_tree **ret,
			 struct cg_cfg_errors *errs);
/* The root map (an empty map for an empty file). */
const struct cg_cfg_node *cfg_tree_root(const struct cfg_tree *tree);
/* Frees the tree and every node; accepts NULL. */
void cfg_tree_free(struct cfg_tree *tree);

#endif
