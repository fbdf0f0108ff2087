/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include <cygnet/id.h>

static struct cg_id ids[64];
static size_t n_ids;

/* Parsed ids are freed after each test. */
static struct cg_id *id(const char *s)
{
	struct cg_id *i;

	cr_assert_lt(n_ids, CG_ARRAY_SIZE(ids));
	i = &ids[n_ids++];

	cr_assert_eq(cg_id_parse(s, i), 0, "parse %s", s);
	return i;
}

static void free_ids(void)
{
	for (size_t i = 0; i < n_ids; i++)
		cg_id_free(&ids[i]);
	n_ids = 0;
}

TestSuite(id, .fini = free_ids);

static const char *str(const struct cg_id *i)
{
	static char buf[CG_ID_STRLEN];

	return cg_id_str(i, buf, sizeof(buf));
}

static void assert_parsed(const char *s, enum cg_id_type type, const char *text)
{
	struct cg_id *i = id(s), again;

	cr_assert_eq(i->type, type, "%s has type %d", s, i->type);
	cr_assert_str_eq(str(i), text);
	/* What is printed reads back as the same identity. */
	cr_assert_eq(cg_id_parse(text, &again), 0);
	cr_assert(cg_id_equal(i, &again), "'%s' does not read back", text);
	cg_id_free(&again);
}

Test(id, swanctl_forms)
{
	assert_parsed("%any", CG_ID_ANY, "%any");
	assert_parsed("moon", CG_ID_FQDN, "moon");
	assert_parsed("@moon.example.org", CG_ID_FQDN, "moon.example.org");
	assert_parsed("carol@example.org", CG_ID_RFC822_ADDR, "carol@example.org");
	assert_parsed("@@carol", CG_ID_RFC822_ADDR, "email:carol");
	assert_parsed("192.0.2.1", CG_ID_IPV4_ADDR, "192.0.2.1");
	assert_parsed("2001:db8::1", CG_ID_IPV6_ADDR, "2001:db8::1");
	assert_parsed("C=CH, O=Org, CN=moon", CG_ID_DER_ASN1_DN, "C=CH, O=Org, CN=moon");
	assert_parsed("@#0a0B", CG_ID_KEY_ID, "@#0a0b");
	assert_parsed("fqdn:a@b", CG_ID_FQDN, "fqdn:a@b");
	assert_parsed("fqdn:192.0.2.1", CG_ID_FQDN, "fqdn:192.0.2.1");
	assert_parsed("email:moon", CG_ID_RFC822_ADDR, "email:moon");
}

Test(id, typed_prefixes_override_the_guess)
{
	struct cg_id *i = id("fqdn:192.0.2.1");

	cr_assert_eq(i->type, CG_ID_FQDN);
	cr_assert_eq(i->data.len, strlen("192.0.2.1"));
	i = id("email:moon");
	cr_assert_eq(i->type, CG_ID_RFC822_ADDR);
	i = id("ipv6:2001:db8::2");
	cr_assert_eq(i->type, CG_ID_IPV6_ADDR);
	i = id("keyid:#0102");
	cr_assert_eq(i->type, CG_ID_KEY_ID);
	cr_assert_eq(i->data.len, 2);
}

Test(id, bytes_are_the_wire_form)
{
	struct cg_id *v4 = id("192.0.2.1"), *k = id("@#0a0b"), *f = id("@moon");

	cr_assert_eq(v4->data.len, 4);
	cr_assert_eq(memcmp(v4->data.ptr, "\xc0\x00\x02\x01", 4), 0);
	cr_assert_eq(k->data.len, 2);
	cr_assert_eq(k->data.ptr[0], 0x0a);
	cr_assert_eq(k->data.ptr[1], 0x0b);
	cr_assert_eq(f->data.len, 4);
	cr_assert_eq(memcmp(f->data.ptr, "moon", 4), 0);
	/* The DN's DER comes from the PKI backend later. */
	cr_assert_eq(id("CN=moon")->data.len, 0);
}

Test(id, malformed_is_refused)
{
	static const char *const bad[] = { "", "@", "@@", "@#", "@#0a0", "@#zz", "ipv4:2001:db8::1",
					   "ipv6:moon", "C=CH, CN", "=moon", "fqdn:", "asn1dn:#1" };
	struct cg_id i;

	for (size_t k = 0; k < CG_ARRAY_SIZE(bad); k++)
		cr_assert_eq(cg_id_parse(bad[k], &i), -EINVAL, "'%s' accepted", bad[k]);
	cr_assert_eq(cg_id_parse(NULL, &i), -EINVAL);
}

Test(id, from_wire_checks_lengths_and_types)
{
	struct cg_id i;

	cr_assert_eq(cg_id_from_wire(CG_ID_IPV4_ADDR, CG_CHUNK("\xc0\0\x02", 3), &i), -EINVAL);
	cr_assert_eq(cg_id_from_wire(CG_ID_IPV6_ADDR, CG_CHUNK("\xc0\0\x02\x01", 4), &i), -EINVAL);
	cr_assert_eq(cg_id_from_wire(CG_ID_FQDN, CG_CHUNK_EMPTY, &i), -EINVAL);
	cr_assert_eq(cg_id_from_wire(10, CG_CHUNK("x", 1), &i), -EINVAL, "ID_DER_ASN1_GN");
	cr_assert_eq(cg_id_from_wire(0, CG_CHUNK("x", 1), &i), -EINVAL, "reserved type");

	cr_assert_eq(cg_id_from_wire(CG_ID_IPV4_ADDR, CG_CHUNK("\xc0\0\x02\x01", 4), &i), 0);
	cr_assert_str_eq(str(&i), "192.0.2.1");
	cr_assert(cg_id_equal(&i, id("192.0.2.1")));
	cg_id_free(&i);

	/* Whatever a peer sends is printed safely. */
	cr_assert_eq(cg_id_from_wire(CG_ID_FQDN, CG_CHUNK("a\nb\x01", 4), &i), 0);
	cr_assert_str_eq(str(&i), "a?b?");
	cg_id_free(&i);

	cr_assert_eq(cg_id_from_wire(CG_ID_DER_ASN1_DN, CG_CHUNK("\x30\x00", 2), &i), 0);
	cr_assert_null(i.dn_text);
	cr_assert_str_eq(str(&i), "asn1dn:#3000");
	cr_assert(cg_id_equal(&i, id("asn1dn:#3000")));
	cg_id_free(&i);
}

Test(id, equality)
{
	cr_assert(cg_id_equal(id("@Moon.Example.org"), id("moon.example.org")), "DNS is caseless");
	cr_assert_not(cg_id_equal(id("moon"), id("sun")));
	cr_assert_not(cg_id_equal(id("moon"), id("moon@x")), "types differ");
	cr_assert(cg_id_equal(id("C=CH,O=Org,CN=moon"), id(" c = ch , o=org, cn=Moon")));
	cr_assert(cg_id_equal(id("E=a@b, CN=x"), id("emailAddress=a@b, CN=x")));
	cr_assert(cg_id_equal(id("O=\"Org, Inc.\", CN=x"), id("O=Org\\, Inc., CN=x")));
	cr_assert_not(cg_id_equal(id("C=CH, CN=moon"), id("CN=moon, C=CH")), "RDN order matters");
	cr_assert_not(cg_id_equal(id("C=CH, CN=moon"), id("C=CH, CN=moon, OU=x")));
	cr_assert(cg_id_equal(id("%any"), id("%any")));
	cr_assert_not(cg_id_equal(id("192.0.2.1"), id("192.0.2.2")));
}

Test(id, dn_with_der_compares_der)
{
	struct cg_id *a = id("CN=a"), *b = id("CN=b");

	/* As after cg_pki_dn_encode: the DER decides, whatever the text says. */
	cg_chunk_dup(&a->data, CG_CHUNK("\x30\x01\x02", 3));
	cg_chunk_dup(&b->data, CG_CHUNK("\x30\x01\x02", 3));
	cr_assert(cg_id_equal(a, b));
	b->data.ptr[2] = 3;
	cr_assert_not(cg_id_equal(a, b));
}

Test(id, wildcard_matching)
{
	struct cg_id *any = id("%any");

	cr_assert(cg_id_matches(id("moon"), any));
	cr_assert(cg_id_matches(id("C=CH, CN=x"), any));
	cr_assert_not(cg_id_matches(any, id("moon")), "%any is not a moon");

	cr_assert(cg_id_matches(id("moon.example.org"), id("*.example.org")));
	cr_assert(cg_id_matches(id("a.b.EXAMPLE.org"), id("*.example.org")));
	cr_assert_not(cg_id_matches(id("example.org"), id("*.example.org")));
	cr_assert_not(cg_id_matches(id("moon.example.com"), id("*.example.org")));
	cr_assert_not(cg_id_matches(id("carol@example.org"), id("*.example.org")), "type differs");

	cr_assert(cg_id_matches(id("carol@example.org"), id("*@example.org")));
	cr_assert_not(cg_id_matches(id("carol@sub.example.org"), id("*@example.org")));

	cr_assert(cg_id_matches(id("C=CH, O=Org, CN=moon"), id("C=CH, O=Org, CN=*")));
	cr_assert_not(cg_id_matches(id("C=CH, O=Other, CN=moon"), id("C=CH, O=Org, CN=*")));
	cr_assert_not(cg_id_matches(id("C=CH, O=Org"), id("C=CH, O=Org, CN=*")));

	cr_assert(cg_id_matches(id("moon"), id("moon")));
	cr_assert_not(cg_id_matches(id("moon"), id("sun")));
	/* A star is only a wildcard in a pattern. */
	cr_assert_not(cg_id_matches(id("moon.example.org"), id("moon*")));
}

Test(id, dup_is_deep)
{
	struct cg_id *a = id("C=CH, CN=moon"), b;

	cg_chunk_dup(&a->data, CG_CHUNK("\x30\x00", 2));
	cr_assert_eq(cg_id_dup(a, &b), 0);
	cr_assert(cg_id_equal(a, &b));
	cr_assert_neq(b.dn_text, a->dn_text);
	cr_assert_neq(b.data.ptr, a->data.ptr);
	cr_assert_str_eq(b.dn_text, "C=CH, CN=moon");
	cg_id_free(&b);
	cg_id_free(&b); /* freeing twice is harmless */
	cg_id_free(NULL);
}

Test(id, short_buffer)
{
	char buf[5];

	cr_assert_str_eq(cg_id_str(id("moon.example.org"), buf, sizeof(buf)), "moon");
	cr_assert_str_eq(cg_id_str(id("@#0102030405"), buf, sizeof(buf)), "@#01");
}
