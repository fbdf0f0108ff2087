/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plugin descriptor. Every plugin .so exports exactly one symbol,
 * `cg_plugin`, of this type. The loader reads it, checks the ABI number,
 * orders plugins by what they provide and need, calls init in that order
 * and destroy in the reverse order.
 */
#ifndef CYGNET_PLUGIN_H
#define CYGNET_PLUGIN_H

#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change to the plugin API. */
#define CG_PLUGIN_ABI 1

/* Name of the descriptor symbol every plugin exports. */
#define CG_PLUGIN_SYMBOL "cg_plugin"

struct cg_core;
struct cg_cfg_node;
struct cg_cfg_errors;

struct cg_plugin {
	uint32_t abi;                   /* CG_PLUGIN_ABI the plugin was built with */
	const char *name;               /* equals the .so's base name, e.g. "kernel-netlink" */
	const char *const *provides;    /* NULL-terminated features, e.g. "kernel", "ike:2" */
	/*
	 * NULL-terminated features other plugins must provide. "?feature" only
	 * orders: start after its provider when one is listed, else ignore it.
	 */
	const char *const *needs;
	/*
	 * Validates the plugin's own config section (NULL when absent) without
	 * side effects; used by `cygnetd --check` and before a reload. Adds
	 * errors to errs; returns 0 or a negative errno. Optional.
	 */
	int (*check)(const struct cg_cfg_node *section, struct cg_cfg_errors *errs);
	/* Starts the plugin; stores its state in *state. 0 or a negative errno. */
	int (*init)(struct cg_core *core, void **state);
	/* Applies a new, already checked config (SIGHUP). Optional. */
	int (*reload)(void *state, struct cg_core *core);
	/* Stops the plugin and frees its state. Called in reverse load order. */
	void (*destroy)(void *state);
};

#ifdef __cplusplus
}
#endif
#endif
