/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testlib.h"

/*
 * A PKI backend for the credential manager's own logic. A "certificate"
 * file holds "cert <subject> <key name>", a "key" file holds "key <key
 * name>"; a key matches a certificate when the names agree.
 */
struct fake_obj {
	char subject[64];
	char keyname[32];
};

struct fake_pki {
	unsigned cert_loads, key_loads, cert_frees, key_frees;
};

static struct fake_pki pki;

static int read_obj(const char *path, const char *kind, struct fake_obj *o)
{
	char word[16];
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return -ENOENT;
	memset(o, 0, sizeof(*o));
	if (!strcmp(kind, "cert"))
		n = fscanf(f, "%15s %63s %31s", word, o->subject, o->keyname) == 3;
	else
		n = fscanf(f, "%15s %31s", word, o->keyname) == 2;
	fclose(f);
	return n && !strcmp(word, kind) ? 0 : -EINVAL;
}

static int fake_cert_load(void *priv, const char *path, void **cert)
{
	struct fake_pki *p = priv;
	struct fake_obj *o = malloc(sizeof(*o));
	int err = read_obj(path, "cert", o);

	if (err) {
		free(o);
		return err;
	}
	p->cert_loads++;
	*cert = o;
	return 0;
}

static int fake_cert_parse(void *priv, struct cg_chunk der, void **cert)
{
	struct fake_obj *o = calloc(1, sizeof(*o));

	if (der.len >= sizeof(o->subject)) {
		free(o);
		return -EINVAL;
	}
	memcpy(o->subject, der.ptr, der.len);
	*cert = o;
	return 0;
}

static void fake_cert_free(void *priv, void *cert)
{
	((struct fake_pki *)priv)->cert_frees++;
	free(cert);
}

static const char *fake_cert_subject(void *priv, const void *cert)
{
	return ((const struct fake_obj *)cert)->subject;
}

static struct cg_chunk fake_cert_der(void *priv, const void *cert)
{
	const struct fake_obj *o = cert;

	return CG_CHUNK(o->subject, strlen(o->subject));
}

static int fake_key_load(void *priv, const char *path, void **key)
{
	struct fake_pki *p = priv;
	struct fake_obj *o = malloc(sizeof(*o));
	int err = read_obj(path, "key", o);

	if (err) {
		free(o);
		return err;
	}
	p->key_loads++;
	*key = o;
	return 0;
}

static void fake_key_free(void *priv, void *key)
{
	((struct fake_pki *)priv)->key_frees++;
	free(key);
}

static bool fake_key_matches_cert(void *priv, const void *key, const void *cert)
{
	return !strcmp(((const struct fake_obj *)key)->keyname,
		       ((const struct fake_obj *)cert)->keyname);
}

static enum cg_key_type fake_key_type(void *priv, const void *key)
{
	return CG_KEY_ED25519;
}

static int fake_key_sign(void *priv, const void *key, enum cg_sig_scheme scheme,
			 struct cg_chunk data, struct cg_chunk *sig)
{
	const struct fake_obj *o = key;
	int err = cg_chunk_alloc(sig, strlen(o->keyname) + data.len);

	if (err)
		return err;
	memcpy(sig->ptr, o->keyname, strlen(o->keyname));
	memcpy(sig->ptr + strlen(o->keyname), data.ptr, data.len);
	return 0;
}

static int fake_dn_encode(void *priv, const char *text, struct cg_chunk *der)
{
	return cg_chunk_dup(der, CG_CHUNK(text, strlen(text)));
}

static const struct cg_pki_ops fake_ops = {
	.name = "fake",
	.cert_load = fake_cert_load,
	.cert_parse = fake_cert_parse,
	.cert_free = fake_cert_free,
	.cert_der = fake_cert_der,
	.cert_subject = fake_cert_subject,
	.key_load = fake_key_load,
	.key_free = fake_key_free,
	.key_type = fake_key_type,
	.key_matches_cert = fake_key_matches_cert,
	.key_sign = fake_key_sign,
	.dn_encode = fake_dn_encode,
};

static const struct cg_pki_ops other_ops = { .name = "other" };

static char *moon_cert, *moon_key, *sun_key, *junk_key;
static struct cg_core *core;

static const char yaml_fmt[] =
	"daemon: { plugins: [] }\n"
	"secrets:\n"
	"  - { type: psk, ids: [moon, sun], secret: moon-sun }\n"
	"  - { type: psk, ids: [moon], secret: moon-alone }\n"
	"  - { type: psk, ids: [\"*.example.org\", gw.example.net], secret: wild }\n"
	"  - { type: psk, ids: [carol@example.org, \"%%any\"], secret: carol-any }\n"
	"  - { type: psk, ids: [\"C=CH, O=Org, CN=venus\", mars], secret: dn }\n"
	"  - { type: private, file: %s }\n"
	"  - { type: private, file: %s }\n"
	"  - { type: private, file: %s }\n";

static void setup(void)
{
	char *yaml;

	memset(&pki, 0, sizeof(pki));
	moon_cert = tl_tmpfile("cert CN=moon moonkey\n", ".crt");
	moon_key = tl_tmpfile("key moonkey\n", ".key");
	sun_key = tl_tmpfile("key sunkey\n", ".key");
	junk_key = tl_tmpfile("this is not a key\n", ".key");
	cr_assert(asprintf(&yaml, yaml_fmt, junk_key, sun_key, moon_key) > 0);
	core = tl_core_new("cred", yaml, NULL, NULL, NULL);
	free(yaml);
	cr_assert_not_null(core);
}

static void teardown(void)
{
	/* As the PKI plugin does when it stops. */
	cg_pki_unregister(core, &fake_ops);
	cg_core_destroy(core);
	unlink(moon_cert);
	unlink(moon_key);
	unlink(sun_key);
	unlink(junk_key);
	free(moon_cert);
	free(moon_key);
	free(sun_key);
	free(junk_key);
}

TestSuite(cred, .init = setup, .fini = teardown);

static void assert_psk(const char *a, const char *b, const char *want)
{
	struct cg_id ia, ib;
	struct cg_chunk psk;
	int err;

	cr_assert_eq(cg_id_parse(a, &ia), 0);
	cr_assert_eq(cg_id_parse(b, &ib), 0);
	err = cg_cred_psk(core, &ia, &ib, &psk);
	if (want) {
		cr_assert_eq(err, 0, "no psk for %s/%s", a, b);
		cr_assert_eq(psk.len, strlen(want), "%s/%s", a, b);
		cr_assert_eq(memcmp(psk.ptr, want, psk.len), 0, "%s/%s: wrong psk", a, b);
	} else {
		cr_assert_eq(err, -ENOENT, "%s/%s has a psk", a, b);
		cr_assert_eq(psk.len, 0);
	}
	cg_chunk_clear(&psk);
	cg_id_free(&ia);
	cg_id_free(&ib);
}

Test(cred, psk_for_a_pair_of_identities)
{
	assert_psk("moon", "sun", "moon-sun");
	assert_psk("sun", "moon", "moon-sun");
	assert_psk("@MOON", "sun", "moon-sun");
}

Test(cred, psk_of_one_host_for_any_peer)
{
	assert_psk("moon", "venus", "moon-alone");
	assert_psk("venus", "moon", "moon-alone");
}

Test(cred, psk_with_wildcards_and_any)
{
	assert_psk("a.example.org", "gw.example.net", "wild");
	assert_psk("gw.example.net", "b.c.example.org", "wild");
	assert_psk("carol@example.org", "192.0.2.1", "carol-any");
	assert_psk("C=CH, O=Org, CN=venus", "mars", "dn");
	assert_psk("venus", "mars", NULL);
	/* An initiator that does not know the peer's identity yet. */
	assert_psk("mars", "%any", "dn");
	assert_psk("%any", "%any", NULL);
	assert_psk("a.example.org", "b.example.org", NULL);
}

Test(cred, pki_registration)
{
	cr_assert_not(cg_pki_available(core));
	cr_assert_eq(cg_pki_register(core, &fake_ops, &pki), 0);
	cr_assert(cg_pki_available(core));
	cr_assert_eq(cg_pki_register(core, &other_ops, NULL), -EEXIST);
	cg_pki_unregister(core, &other_ops); /* not the registered one: no effect */
	cr_assert(cg_pki_available(core));
	cg_pki_unregister(core, &fake_ops);
	cr_assert_not(cg_pki_available(core));
}

Test(cred, no_backend_means_enodev)
{
	struct cg_cert *cert = (void *)1;
	struct cg_privkey *key = (void *)1;
	struct cg_chunk der;
	char *text;

	cr_assert_eq(cg_cert_load(core, moon_cert, &cert), -ENODEV);
	cr_assert_null(cert);
	cr_assert_eq(cg_privkey_load(core, moon_key, &key), -ENODEV);
	cr_assert_null(key);
	cr_assert_eq(cg_cert_parse(core, CG_CHUNK("x", 1), &cert), -ENODEV);
	cr_assert_eq(cg_pki_dn_encode(core, "CN=x", &der), -ENODEV);
	cr_assert_eq(cg_pki_dn_decode(core, CG_CHUNK("x", 1), &text), -ENODEV);
}

Test(cred, certificates_are_cached_by_path_until_reload)
{
	struct cg_cert *a, *b, *c;
	struct cg_config *cfg;

	cg_pki_register(core, &fake_ops, &pki);
	cr_assert_eq(cg_cert_load(core, moon_cert, &a), 0);
	cr_assert_eq(cg_cert_load(core, moon_cert, &b), 0);
	cr_assert_eq(a, b);
	cr_assert_eq(pki.cert_loads, 1);
	cr_assert_str_eq(cg_cert_subject(a), "CN=moon");
	cr_assert_eq(cg_cert_der(a).len, strlen("CN=moon"));
	cg_cert_unref(b);
	cg_cert_unref(a);
	cr_assert_eq(pki.cert_frees, 0, "the cache still holds it");

	/* A reload drops the cache: the file is read again. */
	cfg = cg_core_config(core);
	cr_assert_eq(cg_core_reload(core, cg_config_ref(cfg), NULL), 0);
	cg_config_unref(cfg);
	cr_assert_eq(pki.cert_frees, 1);
	cr_assert_eq(cg_cert_load(core, moon_cert, &c), 0);
	cr_assert_eq(pki.cert_loads, 2);
	cg_cert_unref(c);
}

Test(cred, references_outlive_the_cache)
{
	struct cg_cert *cert;

	cg_pki_register(core, &fake_ops, &pki);
	cr_assert_eq(cg_cert_load(core, moon_cert, &cert), 0);
	cg_pki_unregister(core, &fake_ops);
	cr_assert_eq(pki.cert_frees, 0);
	cr_assert_str_eq(cg_cert_subject(cert), "CN=moon");
	cg_cert_unref(cert);
	cr_assert_eq(pki.cert_frees, 1);
	cg_cert_unref(NULL);
}

Test(cred, load_errors_are_returned)
{
	struct cg_cert *cert;
	struct cg_privkey *key;

	cg_pki_register(core, &fake_ops, &pki);
	cr_assert_eq(cg_cert_load(core, "/nonexistent/x.crt", &cert), -ENOENT);
	cr_assert_null(cert);
	cr_assert_eq(cg_privkey_load(core, junk_key, &key), -EINVAL);
	cr_assert_null(key);
}

Test(cred, key_for_cert_is_matched_by_public_key)
{
	struct cg_cert *cert, *parsed;
	struct cg_privkey *key;
	struct cg_chunk sig;

	cg_pki_register(core, &fake_ops, &pki);
	cr_assert_eq(cg_cert_load(core, moon_cert, &cert), 0);
	/* The junk file and sun's key come first in `secrets`. */
	cr_assert_eq(cg_cred_key_for_cert(core, cert, &key), 0);
	cr_assert_eq(cg_privkey_type(key), CG_KEY_ED25519);
	cr_assert_eq(cg_privkey_sign(key, CG_SIG_ED25519, CG_CHUNK("data", 4), &sig), 0);
	cr_assert_eq(sig.len, strlen("moonkey") + 4);
	cr_assert_eq(memcmp(sig.ptr, "moonkeydata", sig.len), 0);
	cg_chunk_free(&sig);
	cg_privkey_unref(key);

	/* A certificate whose key is nowhere. */
	cr_assert_eq(cg_cert_parse(core, CG_CHUNK("CN=stranger", 11), &parsed), 0);
	cr_assert_eq(cg_cred_key_for_cert(core, parsed, &key), -ENOENT);
	cr_assert_null(key);
	cg_cert_unref(parsed);
	cg_cert_unref(cert);
}

Test(cred, dn_through_the_backend)
{
	struct cg_chunk der;

	cg_pki_register(core, &fake_ops, &pki);
	cr_assert_eq(cg_pki_dn_encode(core, "CN=x", &der), 0);
	cr_assert_eq(der.len, 4);
	cg_chunk_free(&der);
}

Test(cred, names)
{
	cr_assert_str_eq(cg_key_type_name(CG_KEY_ECDSA_P256), "ECDSA-P256");
	cr_assert_str_eq(cg_key_type_name((enum cg_key_type)99), "unknown");
	cr_assert_str_eq(cg_sig_scheme_name(CG_SIG_RSA_PSS_SHA256), "RSA-PSS-SHA256");
	cr_assert_str_eq(cg_sig_scheme_name((enum cg_sig_scheme)-1), "unknown");
}
