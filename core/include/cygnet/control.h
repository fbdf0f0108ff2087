/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control socket. Commands are registered by name; a handler writes
 * structured output into a struct cg_out, which the core renders as JSON
 * (`--json`) or as readable indented text. Handlers run in the control
 * server's thread for that client and may block (e.g. `initiate` waits for
 * the outcome).
 *
 * Wire protocol (one request per connection): the client sends one line,
 * "command arg..." (words separated by spaces, at most 4096 bytes, ended by
 * '\n'); "--json" among the words selects JSON. The reply is a first line
 * "ok" or "error: <message>", then the body, then the server closes.
 */
#ifndef CYGNET_CONTROL_H
#define CYGNET_CONTROL_H

#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;
struct cg_out;

#define CG_CTL_MAX_REQUEST 4096

/* Structured output. key is NULL inside arrays. */
CG_EXPORT void cg_out_obj_begin(struct cg_out *out, const char *key);
CG_EXPORT void cg_out_obj_end(struct cg_out *out);
CG_EXPORT void cg_out_arr_begin(struct cg_out *out, const char *key);
CG_EXPORT void cg_out_arr_end(struct cg_out *out);
CG_EXPORT void cg_out_str(struct cg_out *out, const char *key, const char *val);
CG_EXPORT void cg_out_strf(struct cg_out *out, const char *key, const char *fmt, ...)
	CG_PRINTF(3, 4);
CG_EXPORT void cg_out_uint(struct cg_out *out, const char *key, uint64_t val);
CG_EXPORT void cg_out_int(struct cg_out *out, const char *key, int64_t val);
CG_EXPORT void cg_out_bool(struct cg_out *out, const char *key, bool val);
/* Marks the reply as failed with a message (the body is still sent). */
CG_EXPORT void cg_out_error(struct cg_out *out, const char *fmt, ...) CG_PRINTF(2, 3);
/* Whether the client asked for JSON. */
CG_EXPORT bool cg_out_json(const struct cg_out *out);

/* Creates a standalone builder (for tests and tools); render with cg_out_finish. */
CG_EXPORT int cg_out_new(bool json, struct cg_out **ret);
/* Renders and frees: *text (malloc'd) holds the body, *failed whether cg_out_error was used. */
CG_EXPORT int cg_out_finish(struct cg_out *out, char **text, bool *failed);

/*
 * A command handler. argv[0] is the command; "--json" is removed from
 * argv. Returns 0, or a negative errno after cg_out_error.
 */
typedef int (*cg_ctl_fn)(void *ctx, struct cg_core *core, int argc, char **argv,
			 struct cg_out *out);

/* Registers a command ("list-sas"); usage is one line for `help`. -EEXIST when taken. */
CG_EXPORT int cg_control_register(struct cg_core *core, const char *command, const char *usage,
				  cg_ctl_fn fn, void *ctx);
CG_EXPORT void cg_control_unregister(struct cg_core *core, const char *command);
/*
 * A section of `status` contributed by a plugin: fn writes its fields into
 * out, inside an object named after the section. Runs in a control client's
 * thread.
 */
typedef void (*cg_ctl_status_fn)(void *ctx, struct cg_core *core, struct cg_out *out);
/* Adds a status section (borrows ctx until removed); -EEXIST when the name is taken. */
CG_EXPORT int cg_control_add_status(struct cg_core *core, const char *section,
				    cg_ctl_status_fn fn, void *ctx);
/* Removes a section; waits for a running call, so ctx may be freed on return. */
CG_EXPORT void cg_control_remove_status(struct cg_core *core, const char *section);

/* A plugin's table of commands. */
struct cg_ctl_cmd {
	const char *name, *usage;
	cg_ctl_fn fn;
};
/*
 * Registers the n commands with ctx; one another plugin registered already
 * stays with it (a debug line says so). Bit i of *mask is set for each
 * command registered. On another failure none stays registered.
 */
CG_EXPORT int cg_control_register_set(struct cg_core *core, const struct cg_ctl_cmd *cmds,
				      size_t n, void *ctx, unsigned *mask);
/* Unregisters the commands of *mask and clears it. */
CG_EXPORT void cg_control_unregister_set(struct cg_core *core, const struct cg_ctl_cmd *cmds,
					 size_t n, unsigned *mask);

/*
 * Helpers for the IKE plugins' commands, so that both versions read the
 * same arguments the same way.
 */
/* The value after "name" in argv ("--child NAME"), or NULL. */
CG_EXPORT const char *cg_ctl_arg(int argc, char **argv, const char *name);
/* list-sas: every IKE SA of every version, as its plugin describes it (cg_sa_describe). */
CG_EXPORT int cg_ctl_list_sas(void *ctx, struct cg_core *core, int argc, char **argv,
			      struct cg_out *out);
/* What `terminate` names. */
struct cg_ctl_term {
	const char *ike, *child;
	long ike_id, child_id;
};
/* t names the IKE SA (by --ike or --ike-id), or the child SA (by --child or --child-id). */
CG_EXPORT bool cg_ctl_term_ike(const struct cg_ctl_term *t, const char *name, uint32_t id);
CG_EXPORT bool cg_ctl_term_child(const struct cg_ctl_term *t, const char *name, uint32_t id);
struct cg_sa;
/* How one IKE version terminates what `terminate` names (cg_ctl_ike_add). */
struct cg_ctl_terminator {
	/* t names the SA or one of its children (the SA is checked out). */
	bool (*named)(const struct cg_ctl_term *t, struct cg_sa *entry);
	/* Terminates what t names in the checked-out SA, checks it in or destroys it; how many went. */
	size_t (*run)(void *ctx, const struct cg_ctl_term *t, struct cg_sa *entry,
		      struct cg_out *out);
};
/* How an IKE version starts a connection: new_sa asks for a new IKE SA. */
typedef int (*cg_ctl_initiate_fn)(void *ctx, const char *conn, const char *child, bool new_sa);
/*
 * An IKE plugin says how its version initiates and terminates, so that the
 * plugin that owns the initiate and terminate commands serves every
 * version loaded. -EEXIST when the version has them already.
 */
CG_EXPORT int cg_ctl_ike_add(struct cg_core *core, uint8_t version, cg_ctl_initiate_fn initiate,
			     const struct cg_ctl_terminator *tm, void *ctx);
/* Removes them; waits while a call is running, so ctx may go on return. */
CG_EXPORT void cg_ctl_ike_remove(struct cg_core *core, uint8_t version);
/* Starts conn (and child) with the plugin of version; -EPROTONOSUPPORT when none is loaded. */
CG_EXPORT int cg_ctl_ike_initiate(struct cg_core *core, uint8_t version, const char *conn,
				  const char *child, bool new_sa);
/* The IKE version that starts conn: 1 for version: 1, else 2. */
CG_EXPORT uint8_t cg_ctl_ike_version(struct cg_core *core, const char *conn);
/*
 * terminate --ike NAME | --ike-id N | --child NAME | --child-id N over the
 * SAs of every version loaded (each through its terminator). -EINVAL with
 * the usage, -ENOENT when nothing matched.
 */
CG_EXPORT int cg_ctl_terminate(struct cg_core *core, int argc, char **argv, struct cg_out *out);

/* Runs a request line as the socket would (tests, and the daemon's own use). */
CG_EXPORT int cg_control_run(struct cg_core *core, const char *line, size_t len, char **reply);

#ifdef __cplusplus
}
#endif
#endif
