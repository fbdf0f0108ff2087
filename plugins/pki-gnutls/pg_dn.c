/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Distinguished names as cygnet writes them: RDNs in the order of the
 * encoding, "C=CH, O=Org, CN=moon" (as strongSwan and ipsec.conf users know
 * them), where RFC 4514 strings run the other way. GnuTLS does the ASN.1;
 * this file only converts between the two text orders and compares names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pg.h"

struct pg_dn_attr {
	const char *oid;
	const char *name; /* how cygnet prints it */
	const char *alias; /* another accepted spelling, or NULL */
};

static const struct pg_dn_attr dn_attrs[] = {
	{ "2.5.4.3", "CN", "commonName" },
	{ "2.5.4.6", "C", "countryName" },
	{ "2.5.4.7", "L", "localityName" },
	{ "2.5.4.8", "ST", "stateOrProvinceName" },
	{ "2.5.4.9", "street", NULL },
	{ "2.5.4.10", "O", "organizationName" },
	{ "2.5.4.11", "OU", "organizationalUnitName" },
	{ "2.5.4.4", "SN", "surname" },
	{ "2.5.4.5", "serialNumber", NULL },
	{ "2.5.4.12", "T", "title" },
	{ "2.5.4.42", "G", "givenName" },
	{ "2.5.4.46", "dnQualifier", NULL },
	{ "2.5.4.65", "pseudonym", NULL },
	{ "1.2.840.113549.1.9.1", "E", "emailAddress" },
	{ "0.9.2342.19200300.100.1.25", "DC", "domainComponent" },
	{ "0.9.2342.19200300.100.1.1", "UID", "userid" },
};

#define PG_DN_MAX_RDNS 64

static const struct pg_dn_attr *dn_attr_by_oid(const char *oid, size_t len)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(dn_attrs); i++)
		if (strlen(dn_attrs[i].oid) == len && !memcmp(dn_attrs[i].oid, oid, len))
			return &dn_attrs[i];
	return NULL;
}

static const char *dn_oid_by_name(const char *name)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(dn_attrs); i++)
		if (!strcasecmp(dn_attrs[i].name, name) ||
		    (dn_attrs[i].alias && !strcasecmp(dn_attrs[i].alias, name)))
			return dn_attrs[i].oid;
	if (name[0] && strspn(name, "0123456789.") == strlen(name))
		return name; /* a dotted OID */
	if (!strncasecmp(name, "OID.", 4) && name[4] && strspn(name + 4, "0123456789.") == strlen(name + 4))
		return name + 4;
	return NULL;
}

/* ASN.1 string types whose bytes are text (UTF8, Printable, T61, IA5, Visible). */
static bool dn_tag_is_text(unsigned long tag)
{
	return tag == 12 || tag == 19 || tag == 20 || tag == 22 || tag == 26;
}

static bool dn_value_printable(const gnutls_datum_t *v)
{
	for (unsigned i = 0; i < v->size; i++)
		if (v->data[i] < 0x20 || v->data[i] == 0x7f)
			return false;
	return true;
}

/* A growing text buffer; on allocation failure it stays failed. */
struct pg_buf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void buf_add(struct pg_buf *b, const char *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 128;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		grown = realloc(b->s, cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		b->s = grown;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_str(struct pg_buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* GnuTLS counts the OID's terminating NUL in its size. */
static size_t dn_oid_len(const gnutls_x509_ava_st *ava)
{
	return strnlen((const char *)ava->oid.data, ava->oid.size);
}

static void dn_append_ava(struct pg_buf *b, const gnutls_x509_ava_st *ava)
{
	size_t oid_len = dn_oid_len(ava);
	const struct pg_dn_attr *attr = dn_attr_by_oid((const char *)ava->oid.data, oid_len);
	char hex[3];

	if (attr)
		buf_str(b, attr->name);
	else
		buf_add(b, (const char *)ava->oid.data, oid_len);
	buf_add(b, "=", 1);
	if (dn_tag_is_text(ava->value_tag) && dn_value_printable(&ava->value)) {
		buf_add(b, (const char *)ava->value.data, ava->value.size);
		return;
	}
	/* Anything else (BMPString, binary) as RFC 4514 hex of the value bytes. */
	buf_add(b, "#", 1);
	for (unsigned i = 0; i < ava->value.size; i++) {
		snprintf(hex, sizeof(hex), "%02x", ava->value.data[i]);
		buf_add(b, hex, 2);
	}
}

int pg_dn_to_text(const gnutls_datum_t *der, char **text)
{
	gnutls_x509_dn_t dn;
	gnutls_x509_ava_st ava;
	struct pg_buf b = { 0 };
	int ret;

	if (gnutls_x509_dn_init(&dn) < 0)
		return -ENOMEM;
	ret = gnutls_x509_dn_import(dn, der);
	if (ret < 0)
		goto out;
	buf_add(&b, "", 0);
	for (int irdn = 0;; irdn++) {
		int iava;

		for (iava = 0;; iava++) {
			ret = gnutls_x509_dn_get_rdn_ava(dn, irdn, iava, &ava);
			if (ret < 0)
				break;
			buf_str(&b, iava ? " + " : irdn ? ", " : "");
			dn_append_ava(&b, &ava);
		}
		if (ret != GNUTLS_E_ASN1_ELEMENT_NOT_FOUND)
			goto out;
		if (iava == 0) /* past the last RDN */
			break;
	}
	ret = b.failed ? GNUTLS_E_MEMORY_ERROR : 0;
out:
	gnutls_x509_dn_deinit(dn);
	if (ret < 0) {
		free(b.s);
		return pg_errno(ret);
	}
	*text = b.s;
	return 0;
}

/* One "name=value" of cygnet's text, split out of the whole string. */
struct pg_rdn_text {
	char oid[64];
	char *value; /* unescaped, malloc'ed */
};

/* Reads a value up to an unescaped ',' (quotes and backslash escapes honoured). */
static int dn_read_value(const char **pp, char **out)
{
	const char *p = *pp;
	struct pg_buf b = { 0 };
	bool quoted = false, closed = false;
	size_t trailing_ws = 0;

	while (*p == ' ')
		p++;
	buf_add(&b, "", 0);
	if (*p == '"') {
		quoted = true;
		p++;
	}
	for (; *p; p++) {
		if (quoted && *p == '"') {
			closed = true;
			p++;
			while (*p == ' ')
				p++;
			break;
		}
		if (!quoted && *p == ',')
			break;
		if (*p == '\\' && p[1]) {
			p++;
			trailing_ws = 0;
		} else if (*p == ' ') {
			trailing_ws++;
		} else {
			trailing_ws = 0;
		}
		buf_add(&b, p, 1);
	}
	if (b.failed)
		return -ENOMEM;
	if (quoted && (!closed || (*p && *p != ','))) {
		free(b.s);
		return -EINVAL;
	}
	b.s[b.len - trailing_ws] = '\0';
	*pp = p;
	*out = b.s;
	return 0;
}

static int dn_split(const char *text, struct pg_rdn_text *rdns, size_t *n)
{
	const char *p = text, *oid;
	char name[64];
	int err;

	*n = 0;
	while (*p) {
		size_t len;

		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		len = strcspn(p, "=,");
		if (p[len] != '=' || len == 0 || len >= sizeof(name) || *n == PG_DN_MAX_RDNS)
			return -EINVAL;
		memcpy(name, p, len);
		while (len && name[len - 1] == ' ')
			len--;
		name[len] = '\0';
		oid = dn_oid_by_name(name);
		if (!oid || strlen(oid) >= sizeof(rdns[*n].oid))
			return -EINVAL;
		strcpy(rdns[*n].oid, oid);
		p += strcspn(p, "=") + 1;
		err = dn_read_value(&p, &rdns[*n].value);
		if (err)
			return err;
		(*n)++;
	}
	return *n ? 0 : -EINVAL;
}

/* RFC 4514 2.4: escape specials, and a leading '#' or space, and a trailing space. */
static void dn_append_escaped(struct pg_buf *b, const char *v)
{
	size_t len = strlen(v);

	for (size_t i = 0; i < len; i++) {
		bool special = strchr(",+\"\\<>;=", v[i]) != NULL ||
			       (i == 0 && (v[i] == '#' || v[i] == ' ')) ||
			       (i == len - 1 && v[i] == ' ');

		if (special)
			buf_add(b, "\\", 1);
		buf_add(b, &v[i], 1);
	}
}

int pg_dn_encode(void *priv, const char *text, struct cg_chunk *der)
{
	struct pg_rdn_text rdns[PG_DN_MAX_RDNS];
	struct pg_buf rfc = { 0 };
	gnutls_x509_dn_t dn = NULL;
	gnutls_datum_t out = { 0 };
	const char *bad = NULL;
	size_t n = 0;
	int err, ret;

	err = dn_split(text, rdns, &n);
	if (err)
		goto out;
	/* RFC 4514 lists the last RDN of the encoding first. */
	for (size_t i = n; i-- > 0;) {
		buf_str(&rfc, rdns[i].oid);
		buf_add(&rfc, "=", 1);
		dn_append_escaped(&rfc, rdns[i].value);
		if (i)
			buf_add(&rfc, ",", 1);
	}
	err = -ENOMEM;
	if (rfc.failed || gnutls_x509_dn_init(&dn) < 0)
		goto out;
	ret = gnutls_x509_dn_set_str(dn, rfc.s, &bad);
	if (ret >= 0)
		ret = gnutls_x509_dn_export2(dn, GNUTLS_X509_FMT_DER, &out);
	err = pg_errno(ret);
	if (!err) {
		err = cg_chunk_dup(der, CG_CHUNK(out.data, out.size));
		gnutls_free(out.data);
	}
out:
	if (dn)
		gnutls_x509_dn_deinit(dn);
	for (size_t i = 0; i < n; i++)
		free(rdns[i].value);
	free(rfc.s);
	return err;
}

int pg_dn_decode(void *priv, struct cg_chunk der, char **text)
{
	gnutls_datum_t d = { .data = der.ptr, .size = (unsigned)der.len };

	if (!der.len || der.len > PG_FILE_MAX)
		return -EINVAL;
	return pg_dn_to_text(&d, text);
}

static bool dn_value_equal(const gnutls_x509_ava_st *a, const gnutls_x509_ava_st *b)
{
	if (a->value.size != b->value.size)
		return false;
	/* X.520 caseIgnoreMatch for text; binary values must match exactly. */
	if (dn_tag_is_text(a->value_tag) && dn_tag_is_text(b->value_tag))
		return pg_mem_caseeq(a->value.data, b->value.data, a->value.size);
	return a->value_tag == b->value_tag && !memcmp(a->value.data, b->value.data, a->value.size);
}

static bool dn_ava_equal(const gnutls_x509_ava_st *a, const gnutls_x509_ava_st *b)
{
	size_t la = dn_oid_len(a);

	return la == dn_oid_len(b) && !memcmp(a->oid.data, b->oid.data, la) && dn_value_equal(a, b);
}

bool pg_dn_equal(const gnutls_datum_t *a, const gnutls_datum_t *b)
{
	gnutls_x509_dn_t da = NULL, db = NULL;
	gnutls_x509_ava_st va, vb;
	bool equal = false;

	if (a->size == b->size && a->size && !memcmp(a->data, b->data, a->size))
		return true;
	if (gnutls_x509_dn_init(&da) < 0 || gnutls_x509_dn_init(&db) < 0)
		goto out;
	if (gnutls_x509_dn_import(da, a) < 0 || gnutls_x509_dn_import(db, b) < 0)
		goto out;
	for (int irdn = 0;; irdn++) {
		for (int iava = 0;; iava++) {
			int ra = gnutls_x509_dn_get_rdn_ava(da, irdn, iava, &va);
			int rb = gnutls_x509_dn_get_rdn_ava(db, irdn, iava, &vb);

			if (ra < 0 || rb < 0) {
				if (ra != rb)
					goto out;
				if (iava == 0) { /* both ran out of RDNs */
					equal = irdn > 0;
					goto out;
				}
				break;
			}
			if (!dn_ava_equal(&va, &vb))
				goto out;
		}
	}
out:
	if (da)
		gnutls_x509_dn_deinit(da);
	if (db)
		gnutls_x509_dn_deinit(db);
	return equal;
}
