/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The record of what cygnetd installed in the kernel.
 *
 * Every SA and policy added through cg_kernel_* is recorded in memory and
 * appended to a journal file ("+ <object>" / "- <object>"). On shutdown the
 * backend's unregistration removes every recorded object; after a crash
 * the next start replays the journal and removes the leftovers. Objects
 * that other daemons installed are never in the record, so they stay.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel_priv.h"

#define REC_LINE_MAX 320
/* Compact the journal once it holds this many lines and 4x the live ones. */
#define JOURNAL_COMPACT_MIN 1024

enum rec_kind {
	REC_SA,
	REC_POLICY,
};

struct rec {
	enum rec_kind kind;
	unsigned refs;  /* policies shared by several users */
	union {
		struct cg_kernel_sa_id sa;
		struct cg_kernel_policy_id pol;
	} u;
	char line[REC_LINE_MAX];
};

/* Text form of objects, for the journal and for logs. */

static void sa_id_line(const struct cg_kernel_sa_id *id, char *buf, size_t len)
{
	char src[CG_ADDR_STRLEN], dst[CG_ADDR_STRLEN];

	snprintf(buf, len, "sa %s %s %08x %u", cg_addr_str(&id->src, src, sizeof(src)),
		 cg_addr_str(&id->dst, dst, sizeof(dst)), id->spi, id->proto);
}

static void ts_fields(const struct cg_ts *ts, char *buf, size_t len)
{
	char from[CG_ADDR_STRLEN], to[CG_ADDR_STRLEN];

	snprintf(buf, len, "%s %s %u %u", cg_addr_str(&ts->from, from, sizeof(from)),
		 cg_addr_str(&ts->to, to, sizeof(to)), ts->from_port, ts->to_port);
}

static void pol_id_line(const struct cg_kernel_policy_id *id, char *buf, size_t len)
{
	char src[2 * CG_ADDR_STRLEN + 16], dst[2 * CG_ADDR_STRLEN + 16];

	ts_fields(&id->src, src, sizeof(src));
	ts_fields(&id->dst, dst, sizeof(dst));
	snprintf(buf, len, "pol %s %u %s %s", cg_dir_name(id->dir), id->src.proto, src, dst);
}

static bool parse_ts(char **save, uint8_t proto, struct cg_ts *ts)
{
	const char *from = strtok_r(NULL, " ", save), *to = strtok_r(NULL, " ", save);
	const char *pf = strtok_r(NULL, " ", save), *pt = strtok_r(NULL, " ", save);

	if (!from || !to || !pf || !pt || cg_addr_parse(from, &ts->from) ||
	    cg_addr_parse(to, &ts->to) || ts->from.family != ts->to.family)
		return false;
	ts->family = ts->from.family;
	ts->proto = proto;
	ts->from_port = (uint16_t)strtoul(pf, NULL, 10);
	ts->to_port = (uint16_t)strtoul(pt, NULL, 10);
	return true;
}

/* Parses a journal object line back into a record; false when malformed. */
static bool rec_parse(const char *line, struct rec *r)
{
	char buf[REC_LINE_MAX], *save = NULL, *kind;

	memset(r, 0, sizeof(*r));
	snprintf(buf, sizeof(buf), "%s", line);
	snprintf(r->line, sizeof(r->line), "%s", line);
	kind = strtok_r(buf, " ", &save);
	if (!kind)
		return false;
	if (!strcmp(kind, "sa")) {
		const char *src = strtok_r(NULL, " ", &save), *dst = strtok_r(NULL, " ", &save);
		const char *spi = strtok_r(NULL, " ", &save), *proto = strtok_r(NULL, " ", &save);

		r->kind = REC_SA;
		return src && dst && spi && proto && !cg_addr_parse(src, &r->u.sa.src) &&
		       !cg_addr_parse(dst, &r->u.sa.dst) &&
		       (r->u.sa.spi = (uint32_t)strtoul(spi, NULL, 16), true) &&
		       (r->u.sa.proto = (uint8_t)atoi(proto)) != 0;
	}
	if (!strcmp(kind, "pol")) {
		const char *dir = strtok_r(NULL, " ", &save), *proto = strtok_r(NULL, " ", &save);

		r->kind = REC_POLICY;
		if (!dir || !proto)
			return false;
		for (int d = CG_DIR_IN; d <= CG_DIR_FWD; d++)
			if (!strcmp(dir, cg_dir_name(d)))
				r->u.pol.dir = d;
		return parse_ts(&save, (uint8_t)atoi(proto), &r->u.pol.src) &&
		       parse_ts(&save, (uint8_t)atoi(proto), &r->u.pol.dst);
	}
	return false;
}

/* Journal. */

static void journal_append(struct cg_kreg *kr, char op, const char *line)
{
	char buf[REC_LINE_MAX + 4];
	int n;

	if (kr->journal_fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%c %s\n", op, line);
	if (write(kr->journal_fd, buf, (size_t)n) == n)
		kr->journal_lines++;
}

/* Opens <journal>.new for a rewrite, 0600 and never through a symlink. */
static int journal_open_new(const char *path, char *tmp, size_t len)
{
	snprintf(tmp, len, "%s.new", path);
	return open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/*
 * Puts a rewritten journal in place and writes on to it. It reaches the
 * disk before the rename, so a crash leaves the old or the new one whole.
 */
static int journal_replace(struct cg_kreg *kr, int fd, const char *tmp, const char *path)
{
	if (fsync(fd) || rename(tmp, path)) {
		int err = -errno;

		close(fd);
		unlink(tmp);
		return err;
	}
	if (kr->journal_fd >= 0)
		close(kr->journal_fd);
	kr->journal_fd = fd;
	return 0;
}

/* Rewrites the journal with only the live records; caller holds the lock. */
static void journal_compact(struct cg_kreg *kr)
{
	char tmp[4096];
	size_t lines = 0;
	int fd;

	if (kr->journal_fd < 0)
		return;
	fd = journal_open_new(kr->journal_path, tmp, sizeof(tmp));
	if (fd < 0)
		return;
	for (size_t i = 0; i < kr->recs.cap; i++) {
		struct rec *r = kr->recs.vals[i];
		char buf[REC_LINE_MAX + 4];
		int n;

		if (!r)
			continue;
		n = snprintf(buf, sizeof(buf), "+ %s\n", r->line);
		if (write(fd, buf, (size_t)n) == n)
			lines++;
	}
	if (!journal_replace(kr, fd, tmp, kr->journal_path))
		kr->journal_lines = lines;
}

static void rec_add(struct cg_kreg *kr, struct rec *r)
{
	uint64_t key = cg_hash64(r->line, strlen(r->line), 0);
	struct rec *old = cg_hmap_get(&kr->recs, key);

	if (old) {
		old->refs++;
		free(r);
		return;
	}
	r->refs = 1;
	if (cg_hmap_put(&kr->recs, key, r)) {
		free(r);
		return;
	}
	journal_append(kr, '+', r->line);
	if (kr->journal_lines > JOURNAL_COMPACT_MIN && kr->journal_lines > 4 * kr->recs.used)
		journal_compact(kr);
}

/*
 * Drops one reference; true when the object must now leave the kernel.
 * *known (when not NULL) says whether it was in the record at all.
 */
static bool rec_release(struct cg_kreg *kr, const char *line, bool force, bool *known)
{
	uint64_t key = cg_hash64(line, strlen(line), 0);
	struct rec *r = cg_hmap_get(&kr->recs, key);

	if (known)
		*known = r != NULL;
	if (!r)
		return true;
	if (!force && --r->refs > 0)
		return false;
	cg_hmap_del(&kr->recs, key);
	journal_append(kr, '-', r->line);
	free(r);
	return true;
}

void cg_journal_record_sa(struct cg_core *core, const struct cg_kernel_sa_id *id)
{
	struct cg_kreg *kr = core->kernel;
	struct rec *r = calloc(1, sizeof(*r));

	if (!r)
		return;
	r->kind = REC_SA;
	r->u.sa = *id;
	sa_id_line(id, r->line, sizeof(r->line));
	pthread_mutex_lock(&kr->lock);
	rec_add(kr, r);
	pthread_mutex_unlock(&kr->lock);
}

void cg_journal_record_policy(struct cg_core *core, const struct cg_kernel_policy_id *id)
{
	struct cg_kreg *kr = core->kernel;
	struct rec *r = calloc(1, sizeof(*r));

	if (!r)
		return;
	r->kind = REC_POLICY;
	r->u.pol = *id;
	pol_id_line(id, r->line, sizeof(r->line));
	pthread_mutex_lock(&kr->lock);
	rec_add(kr, r);
	pthread_mutex_unlock(&kr->lock);
}

void cg_journal_forget_sa(struct cg_core *core, const struct cg_kernel_sa_id *id)
{
	struct cg_kreg *kr = core->kernel;
	char line[REC_LINE_MAX];
	bool known;

	sa_id_line(id, line, sizeof(line));
	pthread_mutex_lock(&kr->lock);
	rec_release(kr, line, true, &known);
	pthread_mutex_unlock(&kr->lock);
}

void cg_journal_move_sa(struct cg_core *core, const struct cg_kernel_sa_id *from,
			const struct cg_kernel_sa_id *to)
{
	struct cg_kreg *kr = core->kernel;
	char line[REC_LINE_MAX];
	struct rec *r = calloc(1, sizeof(*r));

	if (!r)
		return;
	r->kind = REC_SA;
	r->u.sa = *to;
	sa_id_line(to, r->line, sizeof(r->line));
	sa_id_line(from, line, sizeof(line));
	pthread_mutex_lock(&kr->lock);
	if (strcmp(line, r->line) && cg_hmap_get(&kr->recs, cg_hash64(line, strlen(line), 0))) {
		rec_release(kr, line, true, NULL);
		rec_add(kr, r);
		r = NULL;
	}
	pthread_mutex_unlock(&kr->lock);
	free(r);
}

bool cg_journal_has_policy(struct cg_core *core, const struct cg_kernel_policy_id *id)
{
	struct cg_kreg *kr = core->kernel;
	char line[REC_LINE_MAX];
	bool ours;

	pol_id_line(id, line, sizeof(line));
	pthread_mutex_lock(&kr->lock);
	ours = cg_hmap_get(&kr->recs, cg_hash64(line, strlen(line), 0)) != NULL;
	pthread_mutex_unlock(&kr->lock);
	return ours;
}

int cg_journal_release_policy(struct cg_core *core, const struct cg_kernel_policy_id *id)
{
	struct cg_kreg *kr = core->kernel;
	char line[REC_LINE_MAX];
	bool last, known;

	pol_id_line(id, line, sizeof(line));
	pthread_mutex_lock(&kr->lock);
	last = rec_release(kr, line, false, &known);
	pthread_mutex_unlock(&kr->lock);
	if (!known) {
		/* Another daemon's (a Mobile IPv6 daemon's, an admin's): not ours to remove. */
		cg_log(core, CG_LOG_KNL, CG_LVL_DEBUG, "not removing %s: cygnetd did not install it",
		       line);
		return -ENOENT;
	}
	return last;
}

void cg_journal_init(struct cg_kreg *kr)
{
	cg_hmap_init(&kr->recs);
	kr->journal_fd = -1;
	kr->lock_fd = -1;
}

static const char *journal_path(struct cg_core *core)
{
	struct cg_config *cfg;
	static const char none[] = "";
	const char *p;

	if (core->opts.state_file)
		return core->opts.state_file;
	cfg = core->cfg;
	p = cfg ? cfg->daemon.state_file : NULL;
	return p ? p : none;
}

static void mkdir_parent(const char *path)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	mkdir(dir, 0700);
}

/* The pid a lock holder wrote in the lock file; 0 when there is none yet. */
static int lock_holder(int fd)
{
	char buf[16] = "";

	return pread(fd, buf, sizeof(buf) - 1, 0) > 0 ? atoi(buf) : 0;
}

static int lock_refuse(struct cg_cfg_errors *errs, int fd, const char *path)
{
	int pid = lock_holder(fd);

	if (pid)
		cg_cfg_error(errs, NULL, "another cygnetd (pid %d) is running with state_file %s",
			     pid, path);
	else
		cg_cfg_error(errs, NULL, "another cygnetd is running with state_file %s", path);
	close(fd);
	return -EBUSY;
}

/*
 * The lock is a file of its own, <state_file>.lock, holding the pid: the
 * journal is replaced by rename, which would drop a lock taken on it. A
 * flock() is per open file, so two cores of one process exclude each
 * other too, and the kernel drops it when its holder dies.
 */
int cg_journal_lock(struct cg_core *core, struct cg_cfg_errors *errs)
{
	struct cg_kreg *kr = core->kernel;
	const char *path = journal_path(core);
	char lock[4096], pid[16];
	struct stat st;
	int fd, n;

	if (!*path || kr->lock_fd >= 0)
		return 0;
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		cg_cfg_error(errs, NULL, "state_file %s is not a regular file (a symlink?): remove it",
			     path);
		return -EINVAL;
	}
	mkdir_parent(path);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		n = -errno;
		cg_cfg_error(errs, NULL, "cannot open %s: %s", lock, strerror(-n));
		return n;
	}
	if (flock(fd, LOCK_EX | LOCK_NB))
		return lock_refuse(errs, fd, path);
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n)
		cg_log(core, CG_LOG_KNL, CG_LVL_WARN, "cannot write the pid to %s", lock);
	kr->lock_fd = fd;
	return 0;
}

/* Removes one recorded object through the backend; -ENOENT counts as done. */
static int rec_remove_from_kernel(struct cg_kernel *k, const struct rec *r)
{
	int err = r->kind == REC_SA ? k->ops->del_sa(k, &r->u.sa) : k->ops->del_policy(k, &r->u.pol);

	return err == -ENOENT ? 0 : err;
}

int cg_journal_clean(struct cg_core *core)
{
	struct cg_kreg *kr = core->kernel;
	const char *path = journal_path(core);
	struct cg_hmap live;
	char line[REC_LINE_MAX + 8];
	size_t removed = 0, failed = 0;
	char tmp[4096];
	FILE *f;
	int fd, err;

	if (!*path || !kr->active)
		return 0;
	cg_hmap_init(&live);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	f = fd >= 0 ? fdopen(fd, "re") : NULL;
	if (fd >= 0 && !f)
		close(fd);
	while (f && fgets(line, sizeof(line), f)) {
		struct rec *r;
		uint64_t key;

		line[strcspn(line, "\n")] = '\0';
		if (strlen(line) < 3 || line[1] != ' ')
			continue;
		key = cg_hash64(line + 2, strlen(line + 2), 0);
		if (line[0] == '-') {
			free(cg_hmap_del(&live, key));
			continue;
		}
		r = malloc(sizeof(*r));
		if (!r || !rec_parse(line + 2, r) || cg_hmap_put(&live, key, r)) {
			free(r);
			continue;
		}
	}
	if (f)
		fclose(f);
	/* Policies first, so no packet meets a policy whose SA is gone. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < live.cap; i++) {
			struct rec *r = live.vals[i];

			if (!r || (pass == 0) != (r->kind == REC_POLICY))
				continue;
			if (rec_remove_from_kernel(kr->active, r))
				failed++;
			else
				removed++;
		}
	}
	for (size_t i = 0; i < live.cap; i++)
		free(live.vals[i]);
	cg_hmap_free(&live);
	if (removed || failed)
		cg_log(core, CG_LOG_KNL, CG_LVL_INFO,
		       "removed %zu kernel objects left by a previous run (%zu could not be removed)",
		       removed, failed);
	mkdir_parent(path);
	pthread_mutex_lock(&kr->lock);
	free(kr->journal_path);
	kr->journal_path = cg_strdup(path);
	/* A fresh, empty journal, by rename: a symlink at path is replaced, never followed. */
	fd = journal_open_new(path, tmp, sizeof(tmp));
	err = fd < 0 ? -errno : journal_replace(kr, fd, tmp, path);
	kr->journal_lines = 0;
	pthread_mutex_unlock(&kr->lock);
	if (err)
		cg_log(core, CG_LOG_KNL, CG_LVL_WARN,
		       "cannot write %s (%s): leftovers of a crash will not be cleaned", path,
		       strerror(-err));
	return (int)removed;
}

/*
 * Removes every recorded object (policies first); returns how many. The
 * records are taken out under the lock and removed outside it, so a
 * backend may raise events meanwhile.
 */
int cg_journal_flush(struct cg_core *core, struct cg_kernel *k)
{
	struct cg_kreg *kr = core->kernel;
	struct rec **taken;
	size_t n = 0;
	int removed = 0;

	pthread_mutex_lock(&kr->lock);
	taken = calloc(kr->recs.used ? kr->recs.used : 1, sizeof(*taken));
	for (size_t i = 0; taken && i < kr->recs.cap; i++) {
		if (!kr->recs.vals[i])
			continue;
		taken[n++] = kr->recs.vals[i];
		cg_hmap_del(&kr->recs, kr->recs.keys[i]);
	}
	/* Everything recorded is going: an empty journal says so to the next start. */
	if (taken && kr->journal_fd >= 0 && !ftruncate(kr->journal_fd, 0))
		kr->journal_lines = 0;
	pthread_mutex_unlock(&kr->lock);
	if (!taken)
		return -ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			struct rec *r = taken[i];
			int err;

			if ((pass == 0) != (r->kind == REC_POLICY))
				continue;
			err = rec_remove_from_kernel(k, r);
			if (err)
				cg_log(core, CG_LOG_KNL, CG_LVL_WARN, "cannot remove %s: %s", r->line,
				       strerror(-err));
			else
				removed++;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(taken[i]);
	free(taken);
	return removed;
}

void cg_journal_fini(struct cg_kreg *kr)
{
	for (size_t i = 0; i < kr->recs.cap; i++)
		free(kr->recs.vals[i]);
	cg_hmap_free(&kr->recs);
	if (kr->journal_fd >= 0)
		close(kr->journal_fd);
	if (kr->lock_fd >= 0)
		close(kr->lock_fd);
	free(kr->journal_path);
}
