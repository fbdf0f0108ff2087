/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared between the command registry (control.c), the socket (ctl_socket.c),
 * the core's commands (ctl_cmds.c) and the output builder (output.c).
 */
#ifndef CG_CTL_PRIV_H
#define CG_CTL_PRIV_H

#include "core_priv.h"

/* Clients whose request is being read; a slot is given back once it is read. */
#define CTL_MAX_CLIENTS 16
/* Commands running at once (each in a thread, some wait for the network). */
#define CTL_MAX_RUNNING 64

/* A client whose request is being read. */
struct ctl_slot {
	int fd;          /* -1 when free */
	uint64_t since;  /* CLOCK_MONOTONIC ms of the accept */
};

/* A command or a status section; freed once unregistered and idle. */
struct ctl_entry {
	char *name;
	char *usage;
	cg_ctl_fn cmd;
	cg_ctl_status_fn status;
	void *ctx;
	unsigned in_flight;
	struct ctl_entry *next;
};

/* An IKE version's initiate and terminate (cg_ctl_ike_add). */
struct ctl_ike {
	cg_ctl_initiate_fn initiate;
	const struct cg_ctl_terminator *tm;
	void *ctx;
	unsigned in_flight;
};

struct cg_ctl {
	struct cg_core *core;
	pthread_mutex_t lock;       /* guards the lists, in_flight and clients */
	pthread_cond_t idle;        /* an entry went idle or a client left */
	struct ctl_entry *cmds;
	struct ctl_entry *sections;
	int listen_fd;
	char *path;
	ino_t ino;                  /* of our socket file: removed only if still ours */
	bool running;               /* listen_fd is on the fd watcher */
	struct ctl_slot slots[CTL_MAX_CLIENTS];
	unsigned n_clients;         /* client threads, reading or running a command */
	unsigned n_running;         /* of them, running a command */
	struct ctl_ike ike[3];      /* by IKE version (1, 2); guarded by lock */
};

/* output.c: the message given to cg_out_error (NULL when none), and whether it was called. */
const char *cg_out_error_msg(const struct cg_out *out);
bool cg_out_failed(const struct cg_out *out);

/* ctl_cmds.c: registers help, status, list-conns and reload. */
int cg_ctl_register_builtins(struct cg_core *core);
/* control.c: calls every status section's provider, each inside an object of its name. */
void cg_ctl_status_sections(struct cg_core *core, struct cg_out *out);
/* control.c: calls fn for every registered command, sorted by name. */
void cg_ctl_foreach_command(struct cg_core *core,
			    void (*fn)(void *ctx, const char *name, const char *usage), void *ctx);
/* control.c: "ok" or "error: <message>" on the first line, then the body; 0 or -ENOMEM. */
int cg_ctl_reply_compose(char **reply, const char *error, const char *body);
/* ctl_socket.c: stops accepting, removes the socket file, cuts off clients and waits for them. */
void cg_ctl_close(struct cg_ctl *ctl);

#endif
