/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IP addresses: text and sockaddr conversions, comparisons, prefixes. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cygnet/types.h>

CG_EXPORT struct cg_addr cg_addr_any(sa_family_t family)
{
	struct cg_addr a = { .family = family };

	return a;
}

CG_EXPORT int cg_addr_parse(const char *s, struct cg_addr *out)
{
	struct cg_addr a = { 0 };

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "%any")) {
		*out = cg_addr_any(AF_UNSPEC);
		return 0;
	}
	if (!strcmp(s, "%any4")) {
		*out = cg_addr_any(AF_INET);
		return 0;
	}
	if (!strcmp(s, "%any6")) {
		*out = cg_addr_any(AF_INET6);
		return 0;
	}
	/* inet_pton accepts only the strict forms, so "10.1" or " ::1" are refused. */
	if (inet_pton(AF_INET, s, &a.u.v4) == 1) {
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a.u.v6) == 1) {
		a.family = AF_INET6;
	} else {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

CG_EXPORT const char *cg_addr_str(const struct cg_addr *a, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	const char *text = "%any";

	if (!len)
		return buf;
	if (a->family == AF_INET || a->family == AF_INET6)
		text = inet_ntop(a->family, a->u.bytes, tmp, sizeof(tmp));
	else if (a->family != AF_UNSPEC)
		text = "(bad family)";
	snprintf(buf, len, "%s", text ? text : "?");
	return buf;
}

CG_EXPORT size_t cg_addr_len(const struct cg_addr *a)
{
	switch (a->family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

CG_EXPORT bool cg_addr_equal(const struct cg_addr *a, const struct cg_addr *b)
{
	return a->family == b->family && !memcmp(a->u.bytes, b->u.bytes, cg_addr_len(a));
}

CG_EXPORT bool cg_addr_equal_port(const struct cg_addr *a, const struct cg_addr *b)
{
	return cg_addr_equal(a, b) && a->port == b->port;
}

CG_EXPORT bool cg_addr_is_any(const struct cg_addr *a)
{
	size_t len = cg_addr_len(a);

	for (size_t i = 0; i < len; i++)
		if (a->u.bytes[i])
			return false;
	return true;
}

CG_EXPORT socklen_t cg_addr_to_sockaddr(const struct cg_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		sin->sin_addr = a->u.v4;
		return sizeof(*sin);
	}
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		sin6->sin6_addr = a->u.v6;
		return sizeof(*sin6);
	}
	return 0;
}

CG_EXPORT int cg_addr_from_sockaddr(const struct sockaddr *sa, struct cg_addr *out)
{
	struct cg_addr a = { 0 };

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		a.family = AF_INET;
		a.port = ntohs(sin->sin_port);
		a.u.v4 = sin->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		a.family = AF_INET6;
		a.port = ntohs(sin6->sin6_port);
		a.u.v6 = sin6->sin6_addr;
	} else {
		return -EAFNOSUPPORT;
	}
	*out = a;
	return 0;
}

CG_EXPORT bool cg_addr_in_prefix(const struct cg_addr *a, const struct cg_addr *prefix, uint8_t len)
{
	size_t bits = cg_addr_len(prefix) * 8;
	size_t full = len / 8;
	uint8_t mask;

	if (a->family != prefix->family || !bits || len > bits)
		return false;
	if (memcmp(a->u.bytes, prefix->u.bytes, full))
		return false;
	if (len % 8 == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - len % 8));
	return (a->u.bytes[full] & mask) == (prefix->u.bytes[full] & mask);
}
