/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IKE identities: swanctl's text forms, the wire form, and matching with
 * the wildcards configs use ("*.example.org", "*@example.org", "CN=*").
 *
 * DNs are kept as text until the PKI backend encodes them; two DNs whose
 * DER is not known are compared RDN by RDN, attribute types and values
 * case-insensitively (X.520 caseIgnoreMatch).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cygnet/id.h>

#define DN_MAX_RDNS 32

struct rdn {
	char type[32];
	char value[256];
};

/* Canonical spelling of an attribute type, so "emailAddress=x" equals "E=x". */
static void canon_type(char *type)
{
	static const char *const aliases[][2] = {
		{ "EMAIL", "E" },
		{ "EMAILADDRESS", "E" },
		{ "S", "ST" },
	};

	for (char *p = type; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	for (size_t i = 0; i < CG_ARRAY_SIZE(aliases); i++)
		if (!strcmp(type, aliases[i][0])) {
			strcpy(type, aliases[i][1]);
			return;
		}
}

/* Copies [start, end) into dst without surrounding blanks; false when it does not fit. */
static bool copy_trimmed(char *dst, size_t size, const char *start, const char *end)
{
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	if ((size_t)(end - start) >= size)
		return false;
	memcpy(dst, start, (size_t)(end - start));
	dst[end - start] = '\0';
	return true;
}

/* One value: unquoted and unescaped, blanks around it dropped. */
static const char *dn_value(const char *p, char *out, size_t size)
{
	size_t n = 0;
	bool quoted = false;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '"') {
		quoted = true;
		p++;
	}
	for (; *p; p++) {
		if (quoted && *p == '"') {
			p++;
			break;
		}
		if (!quoted && *p == ',')
			break;
		if (*p == '\\' && p[1])
			p++;
		if (n + 1 >= size)
			return NULL;
		out[n++] = *p;
	}
	if (!quoted)
		while (n && isspace((unsigned char)out[n - 1]))
			n--;
	out[n] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	return *p == ',' || !*p ? p : NULL;
}

/* An attribute type is a name ("CN", "emailAddress") or an OID ("2.5.4.3"). */
static bool type_ok(const char *type)
{
	if (!isalnum((unsigned char)type[0]))
		return false;
	for (; *type; type++)
		if (!isalnum((unsigned char)*type) && *type != '.' && *type != '-')
			return false;
	return true;
}

/* Splits "C=CH, O=Org, CN=moon" into RDNs; the count, or -1 when malformed. */
static int dn_split(const char *text, struct rdn *rdns, size_t max)
{
	const char *p = text;
	size_t n = 0;

	while (*p) {
		const char *eq = strchr(p, '=');

		if (!eq || n == max || !copy_trimmed(rdns[n].type, sizeof(rdns[n].type), p, eq) ||
		    !type_ok(rdns[n].type))
			return -1;
		canon_type(rdns[n].type);
		p = dn_value(eq + 1, rdns[n].value, sizeof(rdns[n].value));
		if (!p)
			return -1;
		n++;
		if (*p == ',')
			p++;
	}
	return n ? (int)n : -1;
}

/* RDN-wise comparison; a pattern value "*" matches any value. */
static bool dn_text_match(const char *text, const char *pattern, bool wildcards)
{
	struct rdn a[DN_MAX_RDNS], b[DN_MAX_RDNS];
	int na = dn_split(text, a, DN_MAX_RDNS), nb = dn_split(pattern, b, DN_MAX_RDNS);

	if (na < 0 || na != nb)
		return false;
	for (int i = 0; i < na; i++) {
		if (strcmp(a[i].type, b[i].type))
			return false;
		if (wildcards && !strcmp(b[i].value, "*"))
			continue;
		if (strcasecmp(a[i].value, b[i].value))
			return false;
	}
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int hex_decode(const char *s, struct cg_chunk *out)
{
	size_t len = strlen(s);
	int err;

	if (!len || len % 2)
		return -EINVAL;
	err = cg_chunk_alloc(out, len / 2);
	if (err)
		return err;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			cg_chunk_free(out);
			return -EINVAL;
		}
		out->ptr[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int set_text(struct cg_id *out, enum cg_id_type type, const char *s)
{
	if (!*s)
		return -EINVAL;
	out->type = type;
	return cg_chunk_dup(&out->data, CG_CHUNK(s, strlen(s)));
}

static int set_addr(struct cg_id *out, const char *s, sa_family_t want)
{
	struct cg_addr a;

	if (cg_addr_parse(s, &a) || a.family == AF_UNSPEC || (want && a.family != want))
		return -EINVAL;
	out->type = a.family == AF_INET ? CG_ID_IPV4_ADDR : CG_ID_IPV6_ADDR;
	return cg_chunk_dup(&out->data, CG_CHUNK(a.u.bytes, cg_addr_len(&a)));
}

static int set_dn(struct cg_id *out, const char *s)
{
	struct rdn rdns[DN_MAX_RDNS];

	/* "asn1dn:#30..." is the DER in hex, as cg_id_str writes a DN it cannot decode. */
	if (s[0] == '#') {
		out->type = CG_ID_DER_ASN1_DN;
		return hex_decode(s + 1, &out->data);
	}
	if (dn_split(s, rdns, DN_MAX_RDNS) < 0)
		return -EINVAL;
	out->type = CG_ID_DER_ASN1_DN;
	out->dn_text = strdup(s);
	return out->dn_text ? 0 : -ENOMEM;
}

static int set_keyid(struct cg_id *out, const char *s)
{
	out->type = CG_ID_KEY_ID;
	if (s[0] == '#')
		return hex_decode(s + 1, &out->data);
	return set_text(out, CG_ID_KEY_ID, s);
}

/* "type:value" forms, for values that would otherwise be read as another type. */
static int parse_typed(const char *s, struct cg_id *out, bool *handled)
{
	static const struct {
		const char *prefix;
		enum cg_id_type type;
	} forms[] = {
		{ "fqdn:", CG_ID_FQDN },	    { "email:", CG_ID_RFC822_ADDR },
		{ "rfc822:", CG_ID_RFC822_ADDR },   { "userfqdn:", CG_ID_RFC822_ADDR },
		{ "ipv4:", CG_ID_IPV4_ADDR },	    { "ipv6:", CG_ID_IPV6_ADDR },
		{ "asn1dn:", CG_ID_DER_ASN1_DN },   { "dn:", CG_ID_DER_ASN1_DN },
		{ "keyid:", CG_ID_KEY_ID },
	};

	for (size_t i = 0; i < CG_ARRAY_SIZE(forms); i++) {
		size_t n = strlen(forms[i].prefix);

		if (strncasecmp(s, forms[i].prefix, n))
			continue;
		*handled = true;
		s += n;
		switch (forms[i].type) {
		case CG_ID_IPV4_ADDR:
			return set_addr(out, s, AF_INET);
		case CG_ID_IPV6_ADDR:
			return set_addr(out, s, AF_INET6);
		case CG_ID_DER_ASN1_DN:
			return set_dn(out, s);
		case CG_ID_KEY_ID:
			return set_keyid(out, s);
		default:
			return set_text(out, forms[i].type, s);
		}
	}
	*handled = false;
	return 0;
}

static int parse_untyped(const char *s, struct cg_id *out)
{
	struct cg_addr a;

	if (!strcmp(s, "%any")) {
		out->type = CG_ID_ANY;
		return 0;
	}
	if (!strncmp(s, "@#", 2))
		return set_keyid(out, s + 1);
	if (!strncmp(s, "@@", 2))
		return set_text(out, CG_ID_RFC822_ADDR, s + 2);
	if (s[0] == '@')
		return set_text(out, CG_ID_FQDN, s + 1);
	if (!cg_addr_parse(s, &a) && a.family != AF_UNSPEC)
		return set_addr(out, s, 0);
	if (strchr(s, '='))
		return set_dn(out, s);
	if (strchr(s, '@'))
		return set_text(out, CG_ID_RFC822_ADDR, s);
	return set_text(out, CG_ID_FQDN, s);
}

CG_EXPORT int cg_id_parse(const char *s, struct cg_id *out)
{
	struct cg_id id = { 0 };
	bool typed;
	int err;

	if (!s || !*s)
		return -EINVAL;
	err = parse_typed(s, &id, &typed);
	if (!typed)
		err = parse_untyped(s, &id);
	if (err) {
		cg_id_free(&id);
		return err;
	}
	*out = id;
	return 0;
}

CG_EXPORT int cg_id_from_wire(uint8_t type, struct cg_chunk data, struct cg_id *out)
{
	struct cg_id id = { .type = (enum cg_id_type)type };
	int err;

	switch (type) {
	case CG_ID_IPV4_ADDR:
		if (data.len != 4)
			return -EINVAL;
		break;
	case CG_ID_IPV6_ADDR:
		if (data.len != 16)
			return -EINVAL;
		break;
	case CG_ID_FQDN:
	case CG_ID_RFC822_ADDR:
	case CG_ID_DER_ASN1_DN:
	case CG_ID_KEY_ID:
		if (!data.len)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	err = cg_chunk_dup(&id.data, data);
	if (err)
		return err;
	*out = id;
	return 0;
}

CG_EXPORT int cg_id_dup(const struct cg_id *src, struct cg_id *dst)
{
	struct cg_id id = { .type = src->type };
	int err = cg_chunk_dup(&id.data, src->data);

	if (err)
		return err;
	if (src->dn_text) {
		id.dn_text = strdup(src->dn_text);
		if (!id.dn_text) {
			cg_chunk_free(&id.data);
			return -ENOMEM;
		}
	}
	*dst = id;
	return 0;
}

CG_EXPORT void cg_id_free(struct cg_id *id)
{
	if (!id)
		return;
	cg_chunk_free(&id->data);
	free(id->dn_text);
	id->dn_text = NULL;
	id->type = CG_ID_ANY;
}

static void put_hex(char *buf, size_t len, const char *prefix, struct cg_chunk data)
{
	size_t used = (size_t)snprintf(buf, len, "%s", prefix);

	for (size_t i = 0; i < data.len && used + 2 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%02x", data.ptr[i]);
}

/* Names from the wire may hold anything: show only printable ASCII. */
static void put_text(char *buf, size_t len, const char *prefix, struct cg_chunk data)
{
	size_t used = (size_t)snprintf(buf, len, "%s", prefix);

	for (size_t i = 0; i < data.len && used + 1 < len; i++)
		buf[used++] = isprint(data.ptr[i]) ? (char)data.ptr[i] : '?';
	if (used < len)
		buf[used] = '\0';
}

/* Whether the name, printed bare, would read back as another identity ("@x", "1.2.3.4"). */
static bool reads_as_other(const struct cg_id *id)
{
	char text[CG_ID_STRLEN];
	struct cg_id back;
	bool other;

	if (id->data.len >= sizeof(text))
		return false;
	memcpy(text, id->data.ptr, id->data.len);
	text[id->data.len] = '\0';
	if (strlen(text) != id->data.len || cg_id_parse(text, &back))
		return true;
	other = !cg_id_equal(&back, id);
	cg_id_free(&back);
	return other;
}

CG_EXPORT const char *cg_id_str(const struct cg_id *id, char *buf, size_t len)
{
	struct cg_addr a = { 0 };

	if (!len)
		return buf;
	switch (id->type) {
	case CG_ID_ANY:
		snprintf(buf, len, "%%any");
		break;
	case CG_ID_IPV4_ADDR:
	case CG_ID_IPV6_ADDR:
		a.family = id->type == CG_ID_IPV4_ADDR ? AF_INET : AF_INET6;
		if (id->data.len != cg_addr_len(&a)) {
			put_hex(buf, len, "#", id->data);
			break;
		}
		memcpy(a.u.bytes, id->data.ptr, id->data.len);
		cg_addr_str(&a, buf, len);
		break;
	case CG_ID_FQDN:
		put_text(buf, len, reads_as_other(id) ? "fqdn:" : "", id->data);
		break;
	case CG_ID_RFC822_ADDR:
		put_text(buf, len, reads_as_other(id) ? "email:" : "", id->data);
		break;
	case CG_ID_DER_ASN1_DN:
		if (id->dn_text)
			snprintf(buf, len, "%s", id->dn_text);
		else
			put_hex(buf, len, "asn1dn:#", id->data);
		break;
	case CG_ID_KEY_ID:
		put_hex(buf, len, "@#", id->data);
		break;
	default:
		snprintf(buf, len, "(id type %d)", id->type);
		break;
	}
	return buf;
}

static bool names_equal(struct cg_chunk a, struct cg_chunk b)
{
	return a.len == b.len && (!a.len || !strncasecmp((const char *)a.ptr, (const char *)b.ptr,
							  a.len));
}

CG_EXPORT bool cg_id_equal(const struct cg_id *a, const struct cg_id *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case CG_ID_ANY:
		return true;
	case CG_ID_DER_ASN1_DN:
		if (a->data.len && b->data.len)
			return a->data.len == b->data.len &&
			       !memcmp(a->data.ptr, b->data.ptr, a->data.len);
		return a->dn_text && b->dn_text && dn_text_match(a->dn_text, b->dn_text, false);
	case CG_ID_FQDN:
	case CG_ID_RFC822_ADDR:
		/* DNS names compare without regard to case (RFC 4343). */
		return names_equal(a->data, b->data);
	default:
		return a->data.len == b->data.len &&
		       (!a->data.len || !memcmp(a->data.ptr, b->data.ptr, a->data.len));
	}
}

/* "*.example.org" / "*@example.org": the id ends with what follows the star. */
static bool suffix_match(struct cg_chunk id, struct cg_chunk pattern)
{
	size_t n = pattern.len - 1;

	return id.len >= n &&
	       (!n || !strncasecmp((const char *)id.ptr + id.len - n,
				   (const char *)pattern.ptr + 1, n));
}

CG_EXPORT bool cg_id_matches(const struct cg_id *id, const struct cg_id *pattern)
{
	if (pattern->type == CG_ID_ANY)
		return true;
	if (id->type != pattern->type)
		return false;
	switch (pattern->type) {
	case CG_ID_FQDN:
	case CG_ID_RFC822_ADDR:
		if (pattern->data.len && pattern->data.ptr[0] == '*')
			return suffix_match(id->data, pattern->data);
		break;
	case CG_ID_DER_ASN1_DN:
		if (id->dn_text && pattern->dn_text)
			return dn_text_match(id->dn_text, pattern->dn_text, true);
		break;
	default:
		break;
	}
	return cg_id_equal(id, pattern);
}
