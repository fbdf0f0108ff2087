/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DNS servers received from peers, handed to the system resolver (see
 * cygnet/dns.h). The whole set is written again on every change, so the
 * resolver always holds exactly the servers some SA still uses. Where they
 * go (resolvconf or which file) is decided when the first one arrives and
 * kept until the last one goes, so a reload cannot strand them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core_priv.h"

struct dns_server {
	struct cg_addr addr;
	unsigned users;
};

struct cg_dns {
	pthread_mutex_t lock;       /* guards everything below; held while writing */
	struct dns_server *v;
	size_t n, cap;
	char *resolvconf;           /* the program in use, or NULL */
	char *file;                 /* the file in use (when no program) */
};

int cg_dns_init(struct cg_core *core)
{
	struct cg_dns *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	pthread_mutex_init(&d->lock, NULL);
	core->dns = d;
	return 0;
}

/* "nameserver ADDR # cygnet" lines for every server held, into a new string. */
static char *our_lines(const struct cg_dns *d, bool marked)
{
	size_t len = d->n * (sizeof("nameserver  " CG_DNS_MARK "\n") + CG_ADDR_STRLEN) + 1, at = 0;
	char *s = malloc(len), a[CG_ADDR_STRLEN];

	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < d->n; i++)
		at += (size_t)snprintf(s + at, len - at, "nameserver %s%s\n",
				       cg_addr_str(&d->v[i].addr, a, sizeof(a)),
				       marked ? " " CG_DNS_MARK : "");
	return s;
}

/* A line we wrote: it ends with the mark (trailing blanks aside). */
static bool line_is_ours(const char *line, size_t len)
{
	size_t mark = strlen(CG_DNS_MARK);

	while (len && (line[len - 1] == '\n' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	return len >= mark && !memcmp(line + len - mark, CG_DNS_MARK, mark) &&
	       (len == mark || line[len - mark - 1] == ' ' || line[len - mark - 1] == '\t');
}

/* Our lines first (the resolver asks the first servers first), then the others' as they were. */
static int file_write(struct cg_dns *d)
{
	char *ours = our_lines(d, true), *line = NULL;
	size_t cap = 0, keep_len = 0;
	char *keep = NULL;
	FILE *f;
	ssize_t n;
	int err = 0;

	if (!ours)
		return -ENOMEM;
	f = fopen(d->file, "r");
	if (!f && errno != ENOENT) {
		err = -errno;
		goto out;
	}
	keep = calloc(1, 1);
	while (f && keep && (n = getline(&line, &cap, f)) > 0) {
		char *grown;

		if (line_is_ours(line, (size_t)n))
			continue;
		grown = realloc(keep, keep_len + (size_t)n + 2);
		if (!grown) {
			free(keep);
			keep = NULL;
			break;
		}
		keep = grown;
		memcpy(keep + keep_len, line, (size_t)n);
		keep_len += (size_t)n;
		if (keep[keep_len - 1] != '\n')
			keep[keep_len++] = '\n';
		keep[keep_len] = '\0';
	}
	if (f)
		fclose(f);
	if (!keep) {
		err = -ENOMEM;
		goto out;
	}
	/* In place (not renamed over): /etc/resolv.conf may be a symlink or a bind mount. */
	f = fopen(d->file, "w");
	if (!f) {
		err = -errno;
		goto out;
	}
	if (fputs(ours, f) < 0 || fputs(keep, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
out:
	free(line);
	free(keep);
	free(ours);
	return err;
}

/* Runs "resolvconf -a IFACE" with our lines on stdin, or "-d IFACE" when none is left. */
static int resolvconf_run(struct cg_dns *d)
{
	char *input = d->n ? our_lines(d, false) : NULL;
	char *argv[] = { d->resolvconf, d->n ? "-a" : "-d", CG_DNS_RESOLVCONF_IFACE, NULL };
	int fds[2], status = 0, err = 0;
	pid_t pid;

	if (d->n && !input)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(input);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[0]);
	if (pid < 0)
		err = -errno;
	else if (input && write(fds[1], input, strlen(input)) < 0)
		err = -errno;
	close(fds[1]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && pid > 0 && (!WIFEXITED(status) || WEXITSTATUS(status)))
		err = -EIO;
	free(input);
	return err;
}

/* Picks where the servers go, from the config in force, when none are out yet. */
static int choose_target(struct cg_core *core, struct cg_dns *d)
{
	struct cg_config *cfg;
	int err = 0;

	if (d->resolvconf || d->file)
		return 0;
	cfg = cg_core_config(core);
	if (!cfg)
		return -ENOENT;
	if (cfg->daemon.resolvconf && access(cfg->daemon.resolvconf, X_OK) == 0)
		d->resolvconf = cg_strdup(cfg->daemon.resolvconf);
	else
		d->file = cg_strdup(cfg->daemon.resolv_conf);
	if (!d->resolvconf && !d->file)
		err = -ENOMEM;
	cg_config_unref(cfg);
	return err;
}

static void target_forget(struct cg_dns *d)
{
	free(d->resolvconf);
	free(d->file);
	d->resolvconf = d->file = NULL;
}

static int dns_apply(struct cg_core *core, struct cg_dns *d)
{
	int err = d->resolvconf ? resolvconf_run(d) : file_write(d);

	if (err)
		cg_log(core, CG_LOG_DMN, CG_LVL_WARN, "updating DNS servers in %s%s failed: %s",
		       d->resolvconf ? d->resolvconf : d->file,
		       d->resolvconf ? " (resolvconf)" : "", strerror(-err));
	if (!d->n)
		/* Nothing of ours is left out there: the next server reads the config again. */
		target_forget(d);
	return err;
}

static struct dns_server *dns_find(struct cg_dns *d, const struct cg_addr *a)
{
	for (size_t i = 0; i < d->n; i++)
		if (cg_addr_equal(&d->v[i].addr, a))
			return &d->v[i];
	return NULL;
}

CG_EXPORT int cg_dns_add(struct cg_core *core, const struct cg_addr *server)
{
	struct cg_dns *d = core->dns;
	struct dns_server *s;
	char text[CG_ADDR_STRLEN];
	int err;

	if (!server || (server->family != AF_INET && server->family != AF_INET6) ||
	    cg_addr_is_any(server))
		return -EINVAL;
	if (core->opts.no_resolver)
		return -ENODEV;
	pthread_mutex_lock(&d->lock);
	s = dns_find(d, server);
	if (s) {
		s->users++;
		pthread_mutex_unlock(&d->lock);
		return 0;
	}
	err = choose_target(core, d);
	if (!err && d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 4;
		struct dns_server *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			err = -ENOMEM;
		else {
			d->v = v;
			d->cap = cap;
		}
	}
	if (err) {
		pthread_mutex_unlock(&d->lock);
		return err;
	}
	d->v[d->n++] = (struct dns_server){ .addr = *server, .users = 1 };
	err = dns_apply(core, d);
	if (err) {
		/* Not held: the caller will not give it back. */
		if (!--d->n)
			target_forget(d);
	} else {
		cg_log(core, CG_LOG_DMN, CG_LVL_INFO, "DNS server %s added to %s",
		       cg_addr_str(server, text, sizeof(text)), d->resolvconf ? d->resolvconf : d->file);
	}
	pthread_mutex_unlock(&d->lock);
	return err;
}

CG_EXPORT int cg_dns_del(struct cg_core *core, const struct cg_addr *server)
{
	struct cg_dns *d = core->dns;
	struct dns_server *s;
	char text[CG_ADDR_STRLEN];
	int err;

	if (!server)
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	s = dns_find(d, server);
	if (!s || --s->users) {
		pthread_mutex_unlock(&d->lock);
		return s ? 0 : -ENOENT;
	}
	*s = d->v[--d->n];
	cg_log(core, CG_LOG_DMN, CG_LVL_INFO, "DNS server %s removed from %s",
	       cg_addr_str(server, text, sizeof(text)), d->resolvconf ? d->resolvconf : d->file);
	err = dns_apply(core, d);
	pthread_mutex_unlock(&d->lock);
	return err;
}

void cg_dns_fini(struct cg_core *core)
{
	struct cg_dns *d = core->dns;

	if (!d)
		return;
	if (d->n) {
		/* What the plugins did not give back (they normally have). */
		d->n = 0;
		dns_apply(core, d);
	}
	free(d->v);
	target_forget(d);
	pthread_mutex_destroy(&d->lock);
	free(d);
	core->dns = NULL;
}
