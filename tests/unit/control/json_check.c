/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "json_check.h"

#define MAX_DEPTH 64

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static bool value(const char **p, int depth);

static bool string(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;

	if (*s++ != '"')
		return false;
	while (*s != '"') {
		if (*s < 0x20)
			return false;
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
						return false;
				s += 4;
			} else if (!*s || !strchr("\"\\/bfnrt", *s)) {
				return false;
			}
		}
		s++;
	}
	*p = (const char *)s + 1;
	return true;
}

static bool number(const char **p)
{
	const char *s = *p;

	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	*p = s;
	return true;
}

static bool container(const char **p, char close, int depth)
{
	(*p)++;
	skip_ws(p);
	if (**p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		skip_ws(p);
		if (close == '}') {
			if (!string(p))
				return false;
			skip_ws(p);
			if (*(*p)++ != ':')
				return false;
		}
		if (!value(p, depth + 1))
			return false;
		skip_ws(p);
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if (**p != close)
			return false;
		(*p)++;
		return true;
	}
}

static bool value(const char **p, int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	skip_ws(p);
	switch (**p) {
	case '{':
		return container(p, '}', depth);
	case '[':
		return container(p, ']', depth);
	case '"':
		return string(p);
	case 't':
		return !strncmp(*p, "true", 4) && (*p += 4);
	case 'f':
		return !strncmp(*p, "false", 5) && (*p += 5);
	case 'n':
		return !strncmp(*p, "null", 4) && (*p += 4);
	default:
		return number(p);
	}
}

bool json_valid(const char *text)
{
	const char *p = text;

	if (!text || !value(&p, 0))
		return false;
	skip_ws(&p);
	return *p == '\0';
}
