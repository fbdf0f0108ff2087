/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared by the files that turn the config tree into the typed sections
 * (config.c, config_conn.c, config_pool.c, config_secret.c).
 */
#ifndef CG_CONFIG_PRIV_H
#define CG_CONFIG_PRIV_H

#include "config_tree.h"
#include "core_priv.h"

/* State of one load: where errors go and whether any was found. */
struct cfg_ctx {
	struct cg_config *cfg;
	struct cg_cfg_errors *errs;
	bool bad;    /* an error was reported */
	bool nomem;  /* an allocation failed (reported too) */
};

/* Records an outcome: false from a getter or check makes the load fail. */
static inline bool cfg_ok(struct cfg_ctx *ctx, bool ok)
{
	if (!ok)
		ctx->bad = true;
	return ok;
}

void cfg_error(struct cfg_ctx *ctx, const struct cg_cfg_node *node, const char *fmt, ...)
	CG_PRINTF(3, 4);
/* Reports an allocation failure; returns NULL for `return cfg_nomem(...)`. */
void *cfg_nomem(struct cfg_ctx *ctx, const struct cg_cfg_node *node);

/* A keyword of an enumerated option. */
struct cfg_word {
	const char *word;
	int value;
};

/*
 * Reads map[key] as one of words (NULL-terminated by word == NULL); leaves
 * *out alone when absent. Reports the choices (and a close one) otherwise.
 */
bool cfg_get_word(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		  const struct cfg_word *words, int *out);
/* Reads map[key] as a list of strings (copies); *v stays NULL when absent. */
bool cfg_get_strv(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		  char ***v, size_t *n);
/* The same for file names: relative ones are taken from the directory of their file. */
bool cfg_get_paths(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		   char ***v, size_t *n);
/* Reads map[key] as one file name (see cfg_get_paths) into *out (owned). */
bool cfg_get_path(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		  char **out);
/* Reads map[key] as a string copied into *out (owned; replaced only when present). */
bool cfg_get_strdup(struct cfg_ctx *ctx, const struct cg_cfg_node *map, const char *key,
		    char **out);
void cfg_strv_free(char **v, size_t n);

/* The sections, in the order config.c reads them. */
bool cfg_read_daemon(struct cfg_ctx *ctx);
void cfg_free_daemon(struct cg_daemon_cfg *d);
bool cfg_read_pools(struct cfg_ctx *ctx);
bool cfg_read_conns(struct cfg_ctx *ctx);
bool cfg_read_secrets(struct cfg_ctx *ctx);
void cfg_free_pools(struct cg_config *cfg);
void cfg_free_conns(struct cg_config *cfg);
void cfg_free_secrets(struct cg_config *cfg);

#endif
