/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Config tree nodes: building blocks for the reader, and the public tree API. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_reader.h"

void cfg_node_free(struct cg_cfg_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			cfg_node_free(n->keys[i]);
		cfg_node_free(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->text);
	free(n);
}

/* Appends an item (key NULL, sequences) or an entry (maps); takes both. */
int cfg_node_append(struct cg_cfg_node *n, struct cg_cfg_node *key, struct cg_cfg_node *val)
{
	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;
		struct cg_cfg_node **items = realloc(n->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		n->items = items;
		if (n->kind == CG_CFG_MAP) {
			struct cg_cfg_node **keys = realloc(n->keys, cap * sizeof(*keys));

			if (!keys)
				return -ENOMEM;
			n->keys = keys;
		}
		n->cap = cap;
	}
	if (n->kind == CG_CFG_MAP)
		n->keys[n->n] = key;
	n->items[n->n++] = val;
	return 0;
}

struct cg_cfg_node *cfg_map_find(const struct cg_cfg_node *map, const char *key)
{
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->text, key))
			return map->items[i];
	return NULL;
}

/* --- the public tree API --- */

CG_EXPORT enum cg_cfg_kind cg_cfg_kind(const struct cg_cfg_node *node)
{
	return node ? node->kind : CG_CFG_SCALAR;
}

CG_EXPORT const char *cg_cfg_file(const struct cg_cfg_node *node)
{
	return node ? node->file : NULL;
}

CG_EXPORT unsigned cg_cfg_line(const struct cg_cfg_node *node)
{
	return node ? node->line : 0;
}

CG_EXPORT unsigned cg_cfg_col(const struct cg_cfg_node *node)
{
	return node ? node->col : 0;
}

CG_EXPORT const char *cg_cfg_scalar(const struct cg_cfg_node *node)
{
	return node && node->kind == CG_CFG_SCALAR ? node->text : NULL;
}

CG_EXPORT bool cg_cfg_is_null(const struct cg_cfg_node *node)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (!node || node->kind != CG_CFG_SCALAR || !node->plain)
		return false;
	for (size_t i = 0; i < CG_ARRAY_SIZE(nulls); i++)
		if (!strcmp(node->text, nulls[i]))
			return true;
	return false;
}

CG_EXPORT size_t cg_cfg_count(const struct cg_cfg_node *node)
{
	return node && node->kind != CG_CFG_SCALAR ? node->n : 0;
}

CG_EXPORT const struct cg_cfg_node *cg_cfg_at(const struct cg_cfg_node *node, size_t i)
{
	return node && node->kind != CG_CFG_SCALAR && i < node->n ? node->items[i] : NULL;
}

CG_EXPORT const char *cg_cfg_key_at(const struct cg_cfg_node *node, size_t i)
{
	return node && node->kind == CG_CFG_MAP && i < node->n ? node->keys[i]->text : NULL;
}

CG_EXPORT const struct cg_cfg_node *cg_cfg_key_node_at(const struct cg_cfg_node *node, size_t i)
{
	return node && node->kind == CG_CFG_MAP && i < node->n ? node->keys[i] : NULL;
}

CG_EXPORT const struct cg_cfg_node *cg_cfg_get(const struct cg_cfg_node *map, const char *key)
{
	if (!map || map->kind != CG_CFG_MAP || !key)
		return NULL;
	return cfg_map_find(map, key);
}
