/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Control commands: a registry of commands (and of `status` sections), the
 * request parser and the dispatch of one request line to its handler. The
 * socket that brings the lines is ctl_socket.c; tests call cg_control_run.
 *
 * A request is checked before anything runs: empty, too long, NUL bytes,
 * control characters, more than one line or no newline at all each get an
 * "error: ..." reply.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"

/* Commands the IKE protocol plugins register. */
static const char *const ike_commands[] = { "list-sas", "initiate", "terminate", NULL };

int cg_ctl_init(struct cg_core *core)
{
	struct cg_ctl *ctl = calloc(1, sizeof(*ctl));
	int err;

	if (!ctl)
		return -ENOMEM;
	ctl->core = core;
	ctl->listen_fd = -1;
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl->slots[i].fd = -1;
	pthread_mutex_init(&ctl->lock, NULL);
	pthread_cond_init(&ctl->idle, NULL);
	core->ctl = ctl;
	err = cg_ctl_register_builtins(core);
	if (err)
		cg_ctl_fini(core);
	return err;
}

/*
 * Registry.
 */

static struct ctl_entry *entry_find(struct ctl_entry *list, const char *name)
{
	for (; list; list = list->next)
		if (!strcmp(list->name, name))
			return list;
	return NULL;
}

static bool name_valid(const char *name)
{
	if (!name || !*name || strlen(name) > 64)
		return false;
	for (const char *p = name; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static int entry_add(struct cg_ctl *ctl, struct ctl_entry **list, const char *name,
		     const char *usage, cg_ctl_fn cmd, cg_ctl_status_fn status, void *ctx)
{
	struct ctl_entry *e;
	int err = 0;

	if (!name_valid(name))
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->name = strdup(name);
	e->usage = strdup(usage ? usage : name);
	if (!e->name || !e->usage) {
		err = -ENOMEM;
		goto err_free;
	}
	e->cmd = cmd;
	e->status = status;
	e->ctx = ctx;
	pthread_mutex_lock(&ctl->lock);
	if (entry_find(*list, name)) {
		err = -EEXIST;
	} else {
		e->next = *list;
		*list = e;
	}
	pthread_mutex_unlock(&ctl->lock);
	if (!err)
		return 0;
err_free:
	free(e->name);
	free(e->usage);
	free(e);
	return err;
}

static void entry_free(struct ctl_entry *e)
{
	free(e->name);
	free(e->usage);
	free(e);
}

/* Unlinks an entry and waits until no client runs it any more. */
static void entry_remove(struct cg_ctl *ctl, struct ctl_entry **list, const char *name)
{
	struct ctl_entry **pp, *e = NULL;

	if (!ctl || !name)
		return;
	pthread_mutex_lock(&ctl->lock);
	for (pp = list; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, name)) {
			e = *pp;
			*pp = e->next;
			break;
		}
	}
	while (e && e->in_flight)
		pthread_cond_wait(&ctl->idle, &ctl->lock);
	pthread_mutex_unlock(&ctl->lock);
	if (e)
		entry_free(e);
}

/* Takes a reference on a live entry; NULL when absent. */
static struct ctl_entry *entry_get(struct cg_ctl *ctl, struct ctl_entry *list, const char *name)
{
	struct ctl_entry *e;

	pthread_mutex_lock(&ctl->lock);
	e = entry_find(list, name);
	if (e)
		e->in_flight++;
	pthread_mutex_unlock(&ctl->lock);
	return e;
}

static void entry_put(struct cg_ctl *ctl, struct ctl_entry *e)
{
	pthread_mutex_lock(&ctl->lock);
	if (--e->in_flight == 0)
		pthread_cond_broadcast(&ctl->idle);
	pthread_mutex_unlock(&ctl->lock);
}

CG_EXPORT int cg_control_register(struct cg_core *core, const char *command, const char *usage,
				  cg_ctl_fn fn, void *ctx)
{
	if (!core->ctl || !fn)
		return -EINVAL;
	return entry_add(core->ctl, &core->ctl->cmds, command, usage, fn, NULL, ctx);
}

CG_EXPORT void cg_control_unregister(struct cg_core *core, const char *command)
{
	if (core->ctl)
		entry_remove(core->ctl, &core->ctl->cmds, command);
}

CG_EXPORT int cg_control_add_status(struct cg_core *core, const char *section,
				    cg_ctl_status_fn fn, void *ctx)
{
	if (!core->ctl || !fn)
		return -EINVAL;
	return entry_add(core->ctl, &core->ctl->sections, section, NULL, NULL, fn, ctx);
}

CG_EXPORT void cg_control_remove_status(struct cg_core *core, const char *section)
{
	if (core->ctl)
		entry_remove(core->ctl, &core->ctl->sections, section);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in a list, sorted and NULL-terminated; free with names_free. */
static char **entry_names(struct cg_ctl *ctl, struct ctl_entry *const *list)
{
	size_t count = 0, n = 0;
	char **names;

	pthread_mutex_lock(&ctl->lock);
	for (const struct ctl_entry *e = *list; e; e = e->next)
		count++;
	names = calloc(count + 1, sizeof(*names));
	for (const struct ctl_entry *e = *list; names && e; e = e->next)
		if ((names[n] = strdup(e->name)))
			n++;
	pthread_mutex_unlock(&ctl->lock);
	if (names)
		qsort(names, n, sizeof(*names), name_cmp);
	return names;
}

static void names_free(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

void cg_ctl_foreach_command(struct cg_core *core,
			    void (*fn)(void *ctx, const char *name, const char *usage), void *ctx)
{
	struct cg_ctl *ctl = core->ctl;
	char **names = entry_names(ctl, &ctl->cmds);

	for (size_t i = 0; names && names[i]; i++) {
		struct ctl_entry *e = entry_get(ctl, ctl->cmds, names[i]);

		if (!e)
			continue;
		fn(ctx, e->name, e->usage);
		entry_put(ctl, e);
	}
	names_free(names);
}

void cg_ctl_status_sections(struct cg_core *core, struct cg_out *out)
{
	struct cg_ctl *ctl = core->ctl;
	char **names = entry_names(ctl, &ctl->sections);

	for (size_t i = 0; names && names[i]; i++) {
		struct ctl_entry *e = entry_get(ctl, ctl->sections, names[i]);

		if (!e)
			continue;
		cg_out_obj_begin(out, e->name);
		e->status(e->ctx, core, out);
		cg_out_obj_end(out);
		entry_put(ctl, e);
	}
	names_free(names);
}

/*
 * Requests.
 */

struct ctl_request {
	char line[CG_CTL_MAX_REQUEST + 1];
	char *argv[CG_CTL_MAX_REQUEST / 2 + 1];
	int argc;
	bool json;
};

/* Splits a request line into words; the reason it is refused, or NULL. */
static const char *ctl_parse(const char *line, size_t len, struct ctl_request *req)
{
	char *save, *word;

	if (!line || !len)
		return "empty request";
	if (len > CG_CTL_MAX_REQUEST)
		return "request too long (at most 4096 bytes)";
	if (memchr(line, '\0', len))
		return "request contains a NUL byte";
	memcpy(req->line, line, len);
	req->line[len] = '\0';
	if (len && req->line[len - 1] == '\n')
		req->line[--len] = '\0';
	if (len && req->line[len - 1] == '\r')
		req->line[--len] = '\0';
	if (strchr(req->line, '\n'))
		return "one request per connection: the request has more than one line";
	for (const unsigned char *p = (const unsigned char *)req->line; *p; p++)
		if ((*p < ' ' && *p != '\t') || *p == 0x7f)
			return "request contains control characters";
	for (word = strtok_r(req->line, " \t", &save); word; word = strtok_r(NULL, " \t", &save)) {
		if (!strcmp(word, "--json"))
			req->json = true;
		else
			req->argv[req->argc++] = word;
	}
	req->argv[req->argc] = NULL;
	return req->argc ? NULL : "empty request";
}

/* "ok" or "error: <message>" on the first line (line breaks in it become spaces), then the body. */
int cg_ctl_reply_compose(char **reply, const char *error, const char *body)
{
	char *msg = error ? strdup(error) : NULL;
	int n;

	*reply = NULL;
	if (error && !msg)
		return -ENOMEM;
	for (char *p = msg; p && *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (msg)
		n = asprintf(reply, "error: %s\n%s", msg, body ? body : "");
	else
		n = asprintf(reply, "ok\n%s", body ? body : "");
	free(msg);
	if (n < 0) {
		*reply = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int ctl_unknown(struct cg_ctl *ctl, const char *command, char **reply)
{
	char **names = entry_names(ctl, &ctl->cmds);
	const char *near = names ? cg_cfg_did_you_mean(command, (const char *const *)names) : NULL;
	char *msg = NULL;
	int err = -ENOENT;

	for (size_t i = 0; ike_commands[i]; i++)
		if (!strcmp(command, ike_commands[i]))
			msg = strdup("no IKE protocol plugin loaded (add ike2 to daemon.plugins)");
	if (!msg && asprintf(&msg, "unknown command '%s' (%s%s%s)", command,
			     near ? "did you mean '" : "try 'help'", near ? near : "",
			     near ? "'?" : "") < 0)
		msg = NULL;
	if (!msg || cg_ctl_reply_compose(reply, msg, NULL))
		err = -ENOMEM;
	free(msg);
	names_free(names);
	return err;
}

static int ctl_dispatch(struct cg_core *core, struct ctl_request *req, char **reply)
{
	struct cg_ctl *ctl = core->ctl;
	struct ctl_entry *e = entry_get(ctl, ctl->cmds, req->argv[0]);
	struct cg_out *out;
	char *body = NULL, *error = NULL;
	bool failed;
	int ret, err;

	if (!e)
		return ctl_unknown(ctl, req->argv[0], reply);
	ret = cg_out_new(req->json, &out);
	if (ret) {
		entry_put(ctl, e);
		return ret;
	}
	ret = e->cmd(e->ctx, core, req->argc, req->argv, out);
	entry_put(ctl, e);
	if (ret < 0 && !cg_out_failed(out))
		cg_out_error(out, "%s: %s", req->argv[0], strerror(-ret));
	if (cg_out_failed(out))
		error = strdup(cg_out_error_msg(out) ? cg_out_error_msg(out) : "command failed");
	err = cg_out_finish(out, &body, &failed);
	if (!err && failed && !error)
		err = -ENOMEM;
	if (!err)
		err = cg_ctl_reply_compose(reply, failed ? error : NULL, body);
	free(body);
	free(error);
	if (err)
		return err;
	if (failed)
		return ret < 0 ? ret : -EINVAL;
	return 0;
}

CG_EXPORT int cg_control_run(struct cg_core *core, const char *line, size_t len, char **reply)
{
	struct ctl_request *req;
	const char *refused;
	int err;

	if (!reply)
		return -EINVAL;
	*reply = NULL;
	if (!core || !core->ctl)
		return -ENODEV;
	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	refused = ctl_parse(line, len, req);
	if (refused) {
		err = cg_ctl_reply_compose(reply, refused, NULL);
		if (!err)
			err = -EINVAL;
	} else {
		err = ctl_dispatch(core, req, reply);
	}
	free(req);
	return err;
}

static void entries_free(struct ctl_entry *e)
{
	while (e) {
		struct ctl_entry *next = e->next;

		entry_free(e);
		e = next;
	}
}

void cg_ctl_fini(struct cg_core *core)
{
	struct cg_ctl *ctl = core->ctl;

	if (!ctl)
		return;
	cg_ctl_close(ctl);
	entries_free(ctl->cmds);
	entries_free(ctl->sections);
	pthread_cond_destroy(&ctl->idle);
	pthread_mutex_destroy(&ctl->lock);
	free(ctl);
	core->ctl = NULL;
}
