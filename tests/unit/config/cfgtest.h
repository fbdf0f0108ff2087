/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for the config tests: load text, look for an exact error line, write files. */
#ifndef CFGTEST_H
#define CFGTEST_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cygnet/cygnet.h>

/* Loads yaml as "test.yaml"; the errors land in *errs. */
static inline int ct_load(const char *yaml, struct cg_config **cfg, struct cg_cfg_errors *errs)
{
	*cfg = NULL;
	return cg_config_load_string(yaml, "test.yaml", cfg, errs);
}

/* Index of the error line equal to want, or -1. */
static inline long ct_find(const struct cg_cfg_errors *errs, const char *want)
{
	for (size_t i = 0; i < errs->n; i++)
		if (!strcmp(errs->lines[i], want))
			return (long)i;
	return -1;
}

static inline void ct_dump(const struct cg_cfg_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "  | %s\n", errs->lines[i]);
}

/* Asserts that the error line `want` was reported, showing all lines when not. */
#define ct_assert_error(errs, want)                                                            \
	do {                                                                                   \
		if (ct_find((errs), (want)) < 0)                                               \
			ct_dump(errs);                                                         \
		cr_assert_geq(ct_find((errs), (want)), 0, "missing error: %s", (want));        \
	} while (0)

/* Loads yaml expecting failure with exactly the error line want among the errors. */
#define ct_assert_load_error(yaml, want)                                                       \
	do {                                                                                   \
		struct cg_cfg_errors e_ = { 0 };                                               \
		struct cg_config *c_ = NULL;                                                   \
		cr_assert_eq(ct_load((yaml), &c_, &e_), -EINVAL);                              \
		cr_assert_null(c_);                                                            \
		ct_assert_error(&e_, (want));                                                  \
		cg_cfg_errors_free(&e_);                                                       \
	} while (0)

/* A fresh directory under /tmp (the caller frees the path). */
static inline char *ct_mkdtemp(void)
{
	char *dir = strdup("/tmp/cygnet-config-XXXXXX");

	cr_assert_not_null(mkdtemp(dir));
	return dir;
}

/* Writes dir/name (creating no directories); returns the path (free it). */
static inline char *ct_write(const char *dir, const char *name, const char *content)
{
	char *path;
	FILE *f;

	cr_assert_geq(asprintf(&path, "%s/%s", dir, name), 0);
	f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(content, f);
	fclose(f);
	return path;
}

/* Removes the files named in a NULL-terminated list under dir, then dir. */
static inline void ct_cleanup(char *dir, const char *const *names)
{
	char path[4096];

	for (; names && *names; names++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *names);
		remove(path);
	}
	remove(dir);
	free(dir);
}

#endif
