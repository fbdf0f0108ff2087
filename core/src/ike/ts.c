/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Traffic selectors: swanctl's text form, prefixes and ranges, and the
 * intersection RFC 7296 2.9 narrowing is built on.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cygnet/ts.h>

struct proto_name {
	uint8_t proto;
	const char *name; /* the first entry of a number is its canonical name */
};

static const struct proto_name protos[] = {
	{ CG_PROTO_ICMP, "icmp" },
	{ 2, "igmp" },
	{ 4, "ipencap" },
	{ 4, "ipip" },
	{ CG_PROTO_TCP, "tcp" },
	{ CG_PROTO_UDP, "udp" },
	{ 41, "ipv6" },
	{ CG_PROTO_GRE, "gre" },
	{ 50, "esp" },
	{ 51, "ah" },
	{ CG_PROTO_ICMPV6, "ipv6-icmp" },
	{ CG_PROTO_ICMPV6, "icmpv6" },
	{ CG_PROTO_ICMPV6, "icmp6" },
	{ 89, "ospf" },
	{ 132, "sctp" },
	{ CG_PROTO_MH, "mh" },
	{ CG_PROTO_MH, "ipv6-mh" },
	{ CG_PROTO_MH, "mobility-header" },
	{ 136, "udplite" },
};

CG_EXPORT int cg_proto_from_name(const char *name)
{
	char *end;
	unsigned long n;

	for (size_t i = 0; i < CG_ARRAY_SIZE(protos); i++)
		if (!strcasecmp(protos[i].name, name))
			return protos[i].proto;
	if (!isdigit((unsigned char)name[0]))
		return -1;
	n = strtoul(name, &end, 10);
	return *end || n > 255 ? -1 : (int)n;
}

CG_EXPORT const char *cg_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(protos); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return NULL;
}

/* The last address of prefix/len (host bits set), and the network itself. */
static void prefix_bounds(const struct cg_addr *net, uint8_t len, struct cg_addr *first,
			  struct cg_addr *last)
{
	size_t bytes = cg_addr_len(net);

	*first = *net;
	*last = *net;
	first->port = last->port = 0;
	for (size_t i = 0; i < bytes; i++) {
		unsigned keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;
		uint8_t mask = (uint8_t)(0xff00 >> keep);

		first->u.bytes[i] &= mask;
		last->u.bytes[i] = (uint8_t)(first->u.bytes[i] | (uint8_t)~mask);
	}
}

CG_EXPORT struct cg_ts cg_ts_from_prefix(const struct cg_addr *net, uint8_t prefixlen)
{
	struct cg_ts ts = { .family = net->family, .to_port = 0xffff };
	size_t bits = cg_addr_len(net) * 8;

	prefix_bounds(net, prefixlen > bits ? (uint8_t)bits : prefixlen, &ts.from, &ts.to);
	return ts;
}

CG_EXPORT struct cg_ts cg_ts_from_host(const struct cg_addr *host)
{
	return cg_ts_from_prefix(host, (uint8_t)(cg_addr_len(host) * 8));
}

/* memcmp of two addresses of one family. */
static int addr_cmp(const struct cg_addr *a, const struct cg_addr *b)
{
	return memcmp(a->u.bytes, b->u.bytes, cg_addr_len(a));
}

CG_EXPORT bool cg_ts_to_prefix(const struct cg_ts *ts, struct cg_addr *net, uint8_t *prefixlen)
{
	size_t bits = cg_addr_len(&ts->from) * 8;
	struct cg_addr first, last;

	if (!bits || ts->to.family != ts->from.family)
		return false;
	for (size_t len = 0; len <= bits; len++) {
		prefix_bounds(&ts->from, (uint8_t)len, &first, &last);
		if (!addr_cmp(&first, &ts->from) && !addr_cmp(&last, &ts->to)) {
			*net = first;
			*prefixlen = (uint8_t)len;
			return true;
		}
	}
	return false;
}

CG_EXPORT void cg_ts_enclosing_prefix(const struct cg_ts *ts, struct cg_addr *net,
				      uint8_t *prefixlen)
{
	size_t bytes = cg_addr_len(&ts->from);
	struct cg_addr last;
	uint8_t len = 0;

	/* The common leading bits of the first and the last address. */
	for (size_t i = 0; i < bytes; i++) {
		uint8_t diff = ts->from.u.bytes[i] ^ ts->to.u.bytes[i];

		if (!diff) {
			len += 8;
			continue;
		}
		while (!(diff & 0x80)) {
			diff <<= 1;
			len++;
		}
		break;
	}
	prefix_bounds(&ts->from, len, net, &last);
	*prefixlen = len;
}

CG_EXPORT bool cg_ts_any_port(const struct cg_ts *ts)
{
	return ts->from_port == 0 && ts->to_port == 0xffff;
}

CG_EXPORT bool cg_ts_equal(const struct cg_ts *a, const struct cg_ts *b)
{
	return a->family == b->family && a->proto == b->proto && a->from_port == b->from_port &&
	       a->to_port == b->to_port && cg_addr_equal(&a->from, &b->from) &&
	       cg_addr_equal(&a->to, &b->to);
}

CG_EXPORT bool cg_ts_intersect(const struct cg_ts *a, const struct cg_ts *b, struct cg_ts *out)
{
	struct cg_ts r = { .family = a->family };

	if (a->family != b->family || (a->proto && b->proto && a->proto != b->proto))
		return false;
	r.proto = a->proto ? a->proto : b->proto;
	r.from_port = a->from_port > b->from_port ? a->from_port : b->from_port;
	r.to_port = a->to_port < b->to_port ? a->to_port : b->to_port;
	if (r.from_port > r.to_port)
		return false;
	r.from = addr_cmp(&a->from, &b->from) > 0 ? a->from : b->from;
	r.to = addr_cmp(&a->to, &b->to) < 0 ? a->to : b->to;
	if (addr_cmp(&r.from, &r.to) > 0)
		return false;
	r.from.port = r.to.port = 0;
	if (out)
		*out = r;
	return true;
}

CG_EXPORT bool cg_ts_is_subset(const struct cg_ts *a, const struct cg_ts *b)
{
	return a->family == b->family && (!b->proto || a->proto == b->proto) &&
	       a->from_port >= b->from_port && a->to_port <= b->to_port &&
	       addr_cmp(&a->from, &b->from) >= 0 && addr_cmp(&a->to, &b->to) <= 0;
}

/* The port part: "proto", "proto/port", "proto/lo-hi", "%any" for either; ports may be names. */
static int parse_port(const char *s, uint8_t proto, uint16_t *port, const char **err)
{
	struct servent sbuf, *se = NULL;
	char buf[1024];
	unsigned long n;
	char *end;

	if (isdigit((unsigned char)s[0])) {
		n = strtoul(s, &end, 10);
		if (*end || n > 0xffff) {
			*err = "port out of range (0..65535)";
			return -EINVAL;
		}
		*port = (uint16_t)n;
		return 0;
	}
	if (proto == CG_PROTO_TCP || proto == CG_PROTO_UDP)
		getservbyname_r(s, proto == CG_PROTO_TCP ? "tcp" : "udp", &sbuf, buf, sizeof(buf),
				&se);
	if (!se) {
		*err = "unknown port (a number, a range lo-hi, a service name, or %any)";
		return -EINVAL;
	}
	*port = ntohs((uint16_t)se->s_port);
	return 0;
}

static int parse_ports(char *s, struct cg_ts *ts, const char **err)
{
	char *hi = strchr(s, '-');
	int ret;

	if (!strcmp(s, "%any"))
		return 0;
	if (hi)
		*hi++ = '\0';
	ret = parse_port(s, ts->proto, &ts->from_port, err);
	if (ret)
		return ret;
	ts->to_port = ts->from_port;
	if (hi) {
		ret = parse_port(hi, ts->proto, &ts->to_port, err);
		if (ret)
			return ret;
		if (ts->to_port < ts->from_port) {
			*err = "port range ends before it starts";
			return -EINVAL;
		}
	}
	return 0;
}

/* "[proto]" or "[proto/ports]" without the brackets. */
static int parse_protoport(char *s, struct cg_ts *ts, const char **err)
{
	char *ports = strchr(s, '/');
	int proto = 0;

	if (ports)
		*ports++ = '\0';
	if (strcmp(s, "%any") && *s) {
		proto = cg_proto_from_name(s);
		if (proto < 0) {
			*err = "unknown protocol (e.g. tcp, udp, gre, ipv6-icmp, or a number)";
			return -EINVAL;
		}
	}
	ts->proto = (uint8_t)proto;
	if (!ports)
		return 0;
	if (!proto && strcmp(ports, "%any")) {
		*err = "ports need a protocol (e.g. [tcp/80])";
		return -EINVAL;
	}
	return parse_ports(ports, ts, err);
}

/* "addr", "net/len", "from-to" or "from..to", or "%any4" / "%any6". */
static int parse_range(char *s, struct cg_ts *ts, const char **err)
{
	char *slash = strchr(s, '/'), *dots = strstr(s, ".."), *dash = strchr(s, '-');
	struct cg_addr a, b;
	unsigned long len;
	char *end;

	if (!strcmp(s, "%any")) {
		*err = "%any covers both families: write %any4 and %any6 (or 0.0.0.0/0 and ::/0)";
		return -EINVAL;
	}
	if (!strcmp(s, "%any4") || !strcmp(s, "%any6")) {
		cg_addr_parse(s, &a);
		*ts = cg_ts_from_prefix(&a, 0);
		return 0;
	}
	if (dots || dash) {
		char *second = dots ? dots + 2 : dash + 1;

		*(dots ? dots : dash) = '\0';
		if (cg_addr_parse(s, &a) || cg_addr_parse(second, &b) || !a.family ||
		    a.family != b.family) {
			*err = "bad address range (two addresses of one family, "
			       "e.g. 192.0.2.1-192.0.2.9)";
			return -EINVAL;
		}
		if (addr_cmp(&a, &b) > 0) {
			*err = "address range ends before it starts";
			return -EINVAL;
		}
		*ts = cg_ts_from_host(&a);
		ts->to = cg_ts_from_host(&b).to;
		return 0;
	}
	if (slash)
		*slash = '\0';
	if (cg_addr_parse(s, &a) || !a.family) {
		*err = "bad address (e.g. 192.0.2.0/24, 2001:db8::/64, 2001:db8::1)";
		return -EINVAL;
	}
	len = cg_addr_len(&a) * 8;
	if (slash) {
		unsigned long max = len;

		len = isdigit((unsigned char)slash[1]) ? strtoul(slash + 1, &end, 10) : max + 1;
		if (len > max || *end) {
			*err = "bad prefix length";
			return -EINVAL;
		}
	}
	*ts = cg_ts_from_prefix(&a, (uint8_t)len);
	return 0;
}

CG_EXPORT int cg_ts_parse(const char *s, struct cg_ts *out, const char **err)
{
	char buf[CG_TS_STRLEN];
	struct cg_ts ts = { 0 };
	char *open, *close;
	const char *dummy;
	int ret;

	if (!err)
		err = &dummy;
	if (!s || strlen(s) >= sizeof(buf)) {
		*err = "selector missing or too long";
		return -EINVAL;
	}
	strcpy(buf, s);
	open = strchr(buf, '[');
	if (open) {
		close = strchr(open, ']');
		if (!close || close[1]) {
			*err = "unclosed '[' or text after ']'";
			return -EINVAL;
		}
		*open = *close = '\0';
	}
	/* "dynamic" has no addresses of its own: only the protocol and ports are filled in. */
	if (!strcmp(buf, "dynamic")) {
		ts.family = AF_UNSPEC;
		ts.from = ts.to = cg_addr_any(AF_UNSPEC);
	} else {
		ret = parse_range(buf, &ts, err);
		if (ret)
			return ret;
	}
	ts.from_port = 0;
	ts.to_port = 0xffff;
	if (open) {
		ret = parse_protoport(open + 1, &ts, err);
		if (ret)
			return ret;
	}
	*out = ts;
	return 0;
}

static void format_ports(const struct cg_ts *ts, char *buf, size_t len)
{
	const char *name = cg_proto_name(ts->proto);
	char proto[8];

	if (!ts->proto && cg_ts_any_port(ts)) {
		buf[0] = '\0';
		return;
	}
	if (!ts->proto) {
		name = "%any";
	} else if (!name) {
		snprintf(proto, sizeof(proto), "%u", ts->proto);
		name = proto;
	}
	if (cg_ts_any_port(ts))
		snprintf(buf, len, "[%s]", name);
	else if (ts->from_port == ts->to_port)
		snprintf(buf, len, "[%s/%u]", name, ts->from_port);
	else
		snprintf(buf, len, "[%s/%u-%u]", name, ts->from_port, ts->to_port);
}

CG_EXPORT const char *cg_ts_str(const struct cg_ts *ts, char *buf, size_t len)
{
	char from[CG_ADDR_STRLEN], to[CG_ADDR_STRLEN], ports[32];
	struct cg_addr net;
	uint8_t plen;

	if (!len)
		return buf;
	format_ports(ts, ports, sizeof(ports));
	if (ts->family == AF_UNSPEC)
		snprintf(buf, len, "dynamic%s", ports);
	else if (cg_ts_to_prefix(ts, &net, &plen))
		snprintf(buf, len, "%s/%u%s", cg_addr_str(&net, from, sizeof(from)), plen, ports);
	else
		snprintf(buf, len, "%s..%s%s", cg_addr_str(&ts->from, from, sizeof(from)),
			 cg_addr_str(&ts->to, to, sizeof(to)), ports);
	return buf;
}

CG_EXPORT size_t cg_ts_narrow(const struct cg_ts *theirs, size_t n_theirs, const struct cg_ts *ours,
			      size_t n_ours, struct cg_ts *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n_theirs; i++)
		for (size_t j = 0; j < n_ours && k < max; j++) {
			struct cg_ts x;
			bool covered = false;

			if (!cg_ts_intersect(&theirs[i], &ours[j], &x))
				continue;
			/* Keep the widest: a selector inside another one adds nothing. */
			for (size_t d = 0; d < k && !covered; d++)
				covered = cg_ts_is_subset(&x, &out[d]);
			if (covered)
				continue;
			for (size_t d = 0; d < k;)
				if (cg_ts_is_subset(&out[d], &x))
					out[d] = out[--k];
				else
					d++;
			out[k++] = x;
		}
	return k;
}

CG_EXPORT bool cg_ts_within(const struct cg_ts *got, size_t n_got, const struct cg_ts *sent,
			    size_t n_sent, const struct cg_ts *first, bool has_first)
{
	for (size_t i = 0; i < n_got; i++) {
		bool ok = has_first && cg_ts_is_subset(&got[i], first);

		for (size_t j = 0; j < n_sent && !ok; j++)
			ok = cg_ts_is_subset(&got[i], &sent[j]);
		if (!ok)
			return false;
	}
	return n_got > 0;
}
