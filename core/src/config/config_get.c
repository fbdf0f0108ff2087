/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading values out of the config tree: the error list, typed getters
 * that report at the value's position, and the unknown-key check with its
 * "did you mean" hint.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core_priv.h"

/* Enough for any real config; bounds memory on garbage input. */
#define ERRORS_MAX 1000

CG_EXPORT void cg_cfg_errors_free(struct cg_cfg_errors *errs)
{
	if (!errs)
		return;
	for (size_t i = 0; i < errs->n; i++)
		free(errs->lines[i]);
	free(errs->lines);
	errs->lines = NULL;
	errs->n = 0;
}

/* line with its control characters escaped (it quotes the file); takes line. */
static char *errors_escape(char *line)
{
	size_t len = strlen(line), need = cg_str_escape(NULL, 0, line);
	char *out;

	if (need == len)
		return line;
	out = malloc(need + 1);
	if (out)
		cg_str_escape(out, need + 1, line);
	free(line);
	return out;
}

static void errors_add(struct cg_cfg_errors *errs, char *line)
{
	char **lines;

	line = errors_escape(line);
	if (!line)
		return;

	if (errs->n > ERRORS_MAX) {
		free(line);
		return;
	}
	if (errs->n == ERRORS_MAX) {
		free(line);
		line = cg_strdup("too many errors: the rest are not shown");
		if (!line)
			return;
	}
	lines = realloc(errs->lines, (errs->n + 1) * sizeof(*lines));
	if (!lines) {
		free(line);
		return;
	}
	errs->lines = lines;
	errs->lines[errs->n++] = line;
}

CG_EXPORT void cg_cfg_error(struct cg_cfg_errors *errs, const struct cg_cfg_node *node,
			    const char *fmt, ...)
{
	char *msg = NULL, *line = NULL;
	va_list ap;
	int rc;

	if (!errs)
		return;
	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return;
	if (!node || !cg_cfg_file(node)) {
		errors_add(errs, msg);
		return;
	}
	rc = asprintf(&line, "%s:%u:%u: %s", cg_cfg_file(node), cg_cfg_line(node),
		      cg_cfg_col(node), msg);
	free(msg);
	if (rc >= 0)
		errors_add(errs, line);
}

static const char *kind_name(const struct cg_cfg_node *node)
{
	switch (cg_cfg_kind(node)) {
	case CG_CFG_MAP:
		return "a map";
	case CG_CFG_SEQ:
		return "a list";
	default:
		return "a single value";
	}
}

/* The value of key as non-empty scalar text, or NULL after an error. */
static const char *get_scalar(const struct cg_cfg_node *val, const char *key,
			      struct cg_cfg_errors *errs)
{
	if (cg_cfg_kind(val) != CG_CFG_SCALAR) {
		cg_cfg_error(errs, val, "'%s' must be a single value, not %s", key, kind_name(val));
		return NULL;
	}
	if (cg_cfg_is_null(val)) {
		cg_cfg_error(errs, val, "'%s' needs a value", key);
		return NULL;
	}
	return cg_cfg_scalar(val);
}

CG_EXPORT bool cg_cfg_get_str(const struct cg_cfg_node *map, const char *key, const char **out,
			      struct cg_cfg_errors *errs)
{
	const struct cg_cfg_node *val = cg_cfg_get(map, key);
	const char *s;

	if (!val)
		return true;
	s = get_scalar(val, key, errs);
	if (!s)
		return false;
	*out = s;
	return true;
}

CG_EXPORT bool cg_cfg_get_bool(const struct cg_cfg_node *map, const char *key, bool *out,
			       struct cg_cfg_errors *errs)
{
	static const char *const yes[] = { "yes", "true", "on" };
	static const char *const no[] = { "no", "false", "off" };
	const struct cg_cfg_node *val = cg_cfg_get(map, key);
	const char *s;

	if (!val)
		return true;
	s = get_scalar(val, key, errs);
	if (!s)
		return false;
	for (size_t i = 0; i < CG_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return true;
		}
	}
	cg_cfg_error(errs, val, "'%s' must be yes or no, not '%s'", key, s);
	return false;
}

/* Decimal digits only (no sign, no hex): what a config reader expects. */
static bool parse_decimal(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*end = s;
	*out = v;
	return true;
}

/* key names the value in messages; NULL for a bare node (a list item). */
static bool uint_in_range(const struct cg_cfg_node *node, const char *key, uint64_t min,
			  uint64_t max, uint64_t *out, struct cg_cfg_errors *errs)
{
	const char *s, *end;
	uint64_t v;

	if (key) {
		s = get_scalar(node, key, errs);
		if (!s)
			return false;
	} else if (cg_cfg_kind(node) != CG_CFG_SCALAR) {
		cg_cfg_error(errs, node, "expected a number, not %s", kind_name(node));
		return false;
	} else {
		s = cg_cfg_scalar(node);
	}
	if (parse_decimal(s, &end, &v) && !*end && v >= min && v <= max) {
		*out = v;
		return true;
	}
	if (key)
		cg_cfg_error(errs, node, "'%s' must be a number from %llu to %llu, not '%s'", key,
			     (unsigned long long)min, (unsigned long long)max, s);
	else
		cg_cfg_error(errs, node, "expected a number from %llu to %llu, not '%s'",
			     (unsigned long long)min, (unsigned long long)max, s);
	return false;
}

CG_EXPORT bool cg_cfg_uint(const struct cg_cfg_node *node, uint64_t min, uint64_t max,
			   uint64_t *out, struct cg_cfg_errors *errs)
{
	return uint_in_range(node, NULL, min, max, out, errs);
}

CG_EXPORT bool cg_cfg_get_uint(const struct cg_cfg_node *map, const char *key, uint64_t min,
			       uint64_t max, uint64_t *out, struct cg_cfg_errors *errs)
{
	const struct cg_cfg_node *val = cg_cfg_get(map, key);

	return !val || uint_in_range(val, key, min, max, out, errs);
}

CG_EXPORT bool cg_cfg_get_time(const struct cg_cfg_node *map, const char *key, uint64_t *secs,
			       struct cg_cfg_errors *errs)
{
	static const struct {
		char unit;
		uint64_t secs;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	const struct cg_cfg_node *val = cg_cfg_get(map, key);
	const char *s, *end;
	uint64_t v, mult = 1;
	bool ok;

	if (!val)
		return true;
	s = get_scalar(val, key, errs);
	if (!s)
		return false;
	ok = parse_decimal(s, &end, &v);
	if (ok && *end) {
		ok = false;
		for (size_t i = 0; i < CG_ARRAY_SIZE(units) && end[1] == '\0'; i++) {
			if (*end == units[i].unit) {
				mult = units[i].secs;
				ok = true;
			}
		}
	}
	if (!ok || v > UINT64_MAX / mult) {
		cg_cfg_error(errs, val, "'%s' must be a time such as 30s, 5m, 1h or 1d, not '%s'",
			     key, s);
		return false;
	}
	*secs = v * mult;
	return true;
}

CG_EXPORT int cg_cfg_get_list(const struct cg_cfg_node *map, const char *key,
			      const struct cg_cfg_node ***items, struct cg_cfg_errors *errs)
{
	const struct cg_cfg_node *val = cg_cfg_get(map, key);
	size_t n;
	bool ok = true;

	*items = NULL;
	if (!val)
		return 0;
	if (cg_cfg_kind(val) == CG_CFG_SCALAR) {
		if (!get_scalar(val, key, errs))
			return -1;
		*items = malloc(sizeof(**items));
		if (!*items) {
			cg_cfg_error(errs, val, "out of memory");
			return -1;
		}
		(*items)[0] = val;
		return 1;
	}
	if (cg_cfg_kind(val) != CG_CFG_SEQ) {
		cg_cfg_error(errs, val, "'%s' must be a value or a list of values, not a map", key);
		return -1;
	}
	n = cg_cfg_count(val);
	for (size_t i = 0; i < n; i++) {
		const struct cg_cfg_node *item = cg_cfg_at(val, i);

		if (cg_cfg_kind(item) != CG_CFG_SCALAR) {
			cg_cfg_error(errs, item, "items of '%s' must be single values, not %s", key,
				     kind_name(item));
			ok = false;
		} else if (cg_cfg_is_null(item)) {
			cg_cfg_error(errs, item, "an empty item in '%s'", key);
			ok = false;
		}
	}
	if (!ok || n > INT32_MAX)
		return -1;
	if (!n)
		return 0;
	*items = malloc(n * sizeof(**items));
	if (!*items) {
		cg_cfg_error(errs, val, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		(*items)[i] = cg_cfg_at(val, i);
	return (int)n;
}

/* Optimal string alignment distance (edits and swaps of neighbours), case-insensitive. */
static size_t edit_distance(const char *a, const char *b)
{
	enum { MAX = 64 };
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d[MAX + 1][MAX + 1]; /* distances never exceed MAX */

	if (la > MAX || lb > MAX)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			unsigned best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1u < best)
				best = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < best)
				best = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 2]) && tolower((unsigned char)a[i - 2]) ==
			    tolower((unsigned char)b[j - 1]) && d[i - 2][j - 2] + 1u < best)
				best = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)best;
		}
	}
	return d[la][lb];
}

CG_EXPORT const char *cg_cfg_did_you_mean(const char *word, const char *const *candidates)
{
	/* Two edits turn a short word into almost anything: allow one there. */
	size_t limit = strlen(word) <= 3 ? 1 : 2, best = SIZE_MAX;
	const char *hint = NULL;

	for (; candidates && *candidates; candidates++) {
		size_t d = edit_distance(word, *candidates);

		if (d <= limit && d < best) {
			best = d;
			hint = *candidates;
		}
	}
	return hint;
}

static bool strv_contains(const char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

CG_EXPORT bool cg_cfg_check_keys(const struct cg_cfg_node *map, const char *const *allowed,
				 const char *where, struct cg_cfg_errors *errs)
{
	bool ok = true;

	if (!map)
		return true;
	if (cg_cfg_kind(map) != CG_CFG_MAP) {
		cg_cfg_error(errs, map, "%s must be a map of keys, not %s", where, kind_name(map));
		return false;
	}
	for (size_t i = 0; i < cg_cfg_count(map); i++) {
		const char *key = cg_cfg_key_at(map, i);
		const char *hint;

		if (strv_contains(allowed, key))
			continue;
		hint = cg_cfg_did_you_mean(key, allowed);
		if (hint)
			cg_cfg_error(errs, cg_cfg_key_node_at(map, i),
				     "unknown key '%s' in %s (did you mean '%s'?)", key, where, hint);
		else
			cg_cfg_error(errs, cg_cfg_key_node_at(map, i), "unknown key '%s' in %s", key,
				     where);
		ok = false;
	}
	return ok;
}
