/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The credential manager: the one PKI backend, reference-counted wrappers
 * around its certificate and key handles, a cache of loaded files by path,
 * and PSK lookup in the config's `secrets`.
 *
 * A wrapper remembers the backend's ops, so it can be used without the
 * core. The backend's plugin unregisters (dropping the cache) when it
 * stops; plugins that need it stop before it and release their references.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core_priv.h"

struct cg_cert {
	atomic_int refs;
	const struct cg_pki_ops *ops;
	void *priv;
	void *handle; /* the backend's certificate */
};

struct cg_privkey {
	atomic_int refs;
	const struct cg_pki_ops *ops;
	void *priv;
	void *handle; /* the backend's key */
};

/* A loaded file; holds one reference to its object. */
struct cached {
	char *path;
	struct cg_cert *cert;   /* one of cert and key is set */
	struct cg_privkey *key;
	struct cached *next;
};

struct cg_credmgr {
	pthread_mutex_t lock;      /* guards everything below */
	const struct cg_pki_ops *ops;
	void *priv;
	struct cached *cache;
};

int cg_cred_init(struct cg_core *core)
{
	struct cg_credmgr *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	core->cred = m;
	return 0;
}

/* Lock held. */
static void cache_drop(struct cg_credmgr *m)
{
	while (m->cache) {
		struct cached *c = m->cache;

		m->cache = c->next;
		cg_cert_unref(c->cert);
		cg_privkey_unref(c->key);
		free(c->path);
		free(c);
	}
}

void cg_cred_reload(struct cg_core *core)
{
	struct cg_credmgr *m = core->cred;

	pthread_mutex_lock(&m->lock);
	cache_drop(m);
	pthread_mutex_unlock(&m->lock);
}

void cg_cred_fini(struct cg_core *core)
{
	struct cg_credmgr *m = core->cred;

	if (!m)
		return;
	/* Its code may be unloaded by now: leak the cache rather than call into it. */
	if (m->ops)
		cg_log(core, CG_LOG_LIB, CG_LVL_WARN,
		       "PKI backend %s stopped without cg_pki_unregister()", m->ops->name);
	else
		cache_drop(m);
	pthread_mutex_destroy(&m->lock);
	free(m);
	core->cred = NULL;
}

CG_EXPORT int cg_pki_register(struct cg_core *core, const struct cg_pki_ops *ops, void *priv)
{
	struct cg_credmgr *m = core->cred;
	const char *current = NULL;
	int err = 0;

	if (!ops)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	if (m->ops) {
		current = m->ops->name;
		err = -EEXIST;
	} else {
		m->ops = ops;
		m->priv = priv;
	}
	pthread_mutex_unlock(&m->lock);
	if (err)
		cg_log(core, CG_LOG_LIB, CG_LVL_ERROR,
		       "PKI backend %s refused: %s is already registered", ops->name, current);
	else
		cg_log(core, CG_LOG_LIB, CG_LVL_DEBUG, "PKI backend %s registered", ops->name);
	return err;
}

CG_EXPORT void cg_pki_unregister(struct cg_core *core, const struct cg_pki_ops *ops)
{
	struct cg_credmgr *m = core->cred;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	if (m->ops == ops) {
		/* The cached handles belong to the backend that is going away. */
		cache_drop(m);
		m->ops = NULL;
		m->priv = NULL;
	}
	pthread_mutex_unlock(&m->lock);
}

CG_EXPORT bool cg_pki_available(struct cg_core *core)
{
	struct cg_credmgr *m = core->cred;
	bool ok;

	pthread_mutex_lock(&m->lock);
	ok = m->ops != NULL;
	pthread_mutex_unlock(&m->lock);
	return ok;
}

/* Lock held. */
static struct cached *cache_find(struct cg_credmgr *m, const char *path, bool want_key)
{
	for (struct cached *c = m->cache; c; c = c->next)
		if (!strcmp(c->path, path) && (want_key ? c->key != NULL : c->cert != NULL))
			return c;
	return NULL;
}

/* Lock held; takes nothing: the cache gets its own reference. */
static void cache_add(struct cg_credmgr *m, const char *path, struct cg_cert *cert,
		      struct cg_privkey *key)
{
	struct cached *c = calloc(1, sizeof(*c));

	if (!c)
		return; /* not cached: the next use reads the file again */
	c->path = cg_strdup(path);
	if (!c->path) {
		free(c);
		return;
	}
	c->cert = cert ? cg_cert_ref(cert) : NULL;
	c->key = key ? cg_privkey_ref(key) : NULL;
	c->next = m->cache;
	m->cache = c;
}

static struct cg_cert *cert_wrap(const struct cg_pki_ops *ops, void *priv, void *handle)
{
	struct cg_cert *cert = calloc(1, sizeof(*cert));

	if (!cert) {
		ops->cert_free(priv, handle);
		return NULL;
	}
	atomic_init(&cert->refs, 1);
	cert->ops = ops;
	cert->priv = priv;
	cert->handle = handle;
	return cert;
}

static struct cg_privkey *key_wrap(const struct cg_pki_ops *ops, void *priv, void *handle)
{
	struct cg_privkey *key = calloc(1, sizeof(*key));

	if (!key) {
		ops->key_free(priv, handle);
		return NULL;
	}
	atomic_init(&key->refs, 1);
	key->ops = ops;
	key->priv = priv;
	key->handle = handle;
	return key;
}

/*
 * Loads the file at path, or takes it from the cache: a private key into
 * *key when want_key, else a certificate into *cert. The other stays NULL.
 */
static int cred_load(struct cg_core *core, const char *path, bool want_key,
		     struct cg_cert **cert, struct cg_privkey **key)
{
	struct cg_credmgr *m = core->cred;
	const char *what = want_key ? "private key" : "certificate";
	struct cached *c;
	void *handle;
	int err = 0;

	*cert = NULL;
	*key = NULL;
	pthread_mutex_lock(&m->lock);
	if (!m->ops) {
		err = -ENODEV;
		goto out;
	}
	c = cache_find(m, path, want_key);
	if (c) {
		*cert = cg_cert_ref(c->cert);
		*key = cg_privkey_ref(c->key);
		goto out;
	}
	if (want_key)
		err = m->ops->key_load(m->priv, path, &handle);
	else
		err = m->ops->cert_load(m->priv, path, &handle);
	if (err)
		goto out;
	if (want_key)
		*key = key_wrap(m->ops, m->priv, handle);
	else
		*cert = cert_wrap(m->ops, m->priv, handle);
	if (!*cert && !*key) {
		err = -ENOMEM;
		goto out;
	}
	cache_add(m, path, *cert, *key);
out:
	pthread_mutex_unlock(&m->lock);
	if (err == -ENODEV)
		cg_log(core, CG_LOG_LIB, CG_LVL_ERROR,
		       "cannot load %s %s: no PKI plugin is loaded (add pki-gnutls)", what, path);
	else if (err)
		cg_log(core, CG_LOG_LIB, CG_LVL_ERROR, "cannot load %s %s: %s", what, path,
		       strerror(-err));
	return err;
}

CG_EXPORT int cg_cert_load(struct cg_core *core, const char *path, struct cg_cert **ret)
{
	struct cg_privkey *none;

	return cred_load(core, path, false, ret, &none);
}

CG_EXPORT int cg_cert_parse(struct cg_core *core, struct cg_chunk der, struct cg_cert **ret)
{
	struct cg_credmgr *m = core->cred;
	const struct cg_pki_ops *ops;
	void *priv, *handle;
	int err;

	*ret = NULL;
	pthread_mutex_lock(&m->lock);
	ops = m->ops;
	priv = m->priv;
	pthread_mutex_unlock(&m->lock);
	if (!ops)
		return -ENODEV;
	err = ops->cert_parse(priv, der, &handle);
	if (err)
		return err;
	*ret = cert_wrap(ops, priv, handle);
	return *ret ? 0 : -ENOMEM;
}

CG_EXPORT struct cg_cert *cg_cert_ref(struct cg_cert *cert)
{
	if (cert)
		atomic_fetch_add(&cert->refs, 1);
	return cert;
}

CG_EXPORT void cg_cert_unref(struct cg_cert *cert)
{
	if (!cert || atomic_fetch_sub(&cert->refs, 1) != 1)
		return;
	cert->ops->cert_free(cert->priv, cert->handle);
	free(cert);
}

CG_EXPORT struct cg_chunk cg_cert_der(const struct cg_cert *cert)
{
	return cert->ops->cert_der(cert->priv, cert->handle);
}

CG_EXPORT const char *cg_cert_subject(const struct cg_cert *cert)
{
	return cert->ops->cert_subject(cert->priv, cert->handle);
}

CG_EXPORT struct cg_chunk cg_cert_subject_der(const struct cg_cert *cert)
{
	return cert->ops->cert_subject_der(cert->priv, cert->handle);
}

CG_EXPORT int cg_cert_key_hash(const struct cg_cert *cert, uint8_t out[20])
{
	return cert->ops->cert_key_hash(cert->priv, cert->handle, out);
}

CG_EXPORT bool cg_cert_has_id(const struct cg_cert *cert, const struct cg_id *id)
{
	return cert->ops->cert_has_id(cert->priv, cert->handle, id);
}

CG_EXPORT enum cg_key_type cg_cert_key_type(const struct cg_cert *cert)
{
	return cert->ops->cert_key_type(cert->priv, cert->handle);
}

CG_EXPORT int cg_cert_verify_chain(const struct cg_cert *end, struct cg_cert *const *inter,
				   size_t n_inter, struct cg_cert *const *cas, size_t n_cas,
				   const char *const *crls, size_t n_crls, const char **reason)
{
	void **handles = calloc(n_inter + n_cas + 1, sizeof(*handles));
	int err;

	if (!handles)
		return -ENOMEM;
	/* Every certificate comes from the one registered backend. */
	for (size_t i = 0; i < n_inter; i++)
		handles[i] = inter[i]->handle;
	for (size_t i = 0; i < n_cas; i++)
		handles[n_inter + i] = cas[i]->handle;
	err = end->ops->cert_verify_chain(end->priv, end->handle, handles, n_inter,
					  handles + n_inter, n_cas, crls, n_crls, time(NULL),
					  reason);
	free(handles);
	return err;
}

CG_EXPORT int cg_cert_verify(const struct cg_cert *cert, enum cg_sig_scheme scheme,
			     struct cg_chunk data, struct cg_chunk sig)
{
	return cert->ops->cert_verify(cert->priv, cert->handle, scheme, data, sig);
}

CG_EXPORT int cg_privkey_load(struct cg_core *core, const char *path, struct cg_privkey **ret)
{
	struct cg_cert *none;

	return cred_load(core, path, true, &none, ret);
}

CG_EXPORT struct cg_privkey *cg_privkey_ref(struct cg_privkey *key)
{
	if (key)
		atomic_fetch_add(&key->refs, 1);
	return key;
}

CG_EXPORT void cg_privkey_unref(struct cg_privkey *key)
{
	if (!key || atomic_fetch_sub(&key->refs, 1) != 1)
		return;
	key->ops->key_free(key->priv, key->handle);
	free(key);
}

CG_EXPORT enum cg_key_type cg_privkey_type(const struct cg_privkey *key)
{
	return key->ops->key_type(key->priv, key->handle);
}

CG_EXPORT int cg_privkey_sign(const struct cg_privkey *key, enum cg_sig_scheme scheme,
			      struct cg_chunk data, struct cg_chunk *sig)
{
	return key->ops->key_sign(key->priv, key->handle, scheme, data, sig);
}

/* Loads the key file and keeps it when it belongs to cert. */
static bool try_key(struct cg_core *core, const char *path, const struct cg_cert *cert,
		    struct cg_privkey **ret)
{
	struct cg_privkey *key;

	if (!path || cg_privkey_load(core, path, &key))
		return false;
	if (key->ops == cert->ops && key->ops->key_matches_cert(key->priv, key->handle,
								 cert->handle)) {
		*ret = key;
		return true;
	}
	cg_privkey_unref(key);
	return false;
}

CG_EXPORT int cg_cred_key_for_cert(struct cg_core *core, const struct cg_cert *cert,
				   struct cg_privkey **ret)
{
	struct cg_config *cfg = cg_core_config(core);
	bool found = false;

	*ret = NULL;
	if (!cfg)
		return -ENOENT;
	for (size_t i = 0; i < cfg->n_conns && !found; i++)
		found = try_key(core, cfg->conns[i].local.key, cert, ret);
	for (size_t i = 0; i < cfg->n_secrets && !found; i++)
		if (cfg->secrets[i].type == CG_SECRET_PRIVATE)
			found = try_key(core, cfg->secrets[i].file, cert, ret);
	cg_config_unref(cfg);
	if (!found)
		cg_log(core, CG_LOG_LIB, CG_LVL_WARN, "no private key found for certificate '%s'",
		       cg_cert_subject(cert));
	return found ? 0 : -ENOENT;
}

/*
 * How well a secret's id fits an identity: exact 3, wildcard 2, %any 1, not
 * at all 0. An initiator that does not know its peer's identity yet asks
 * with %any, which fits every id of a secret, but least.
 */
static int id_fit(const struct cg_id *id, const struct cg_id *sid)
{
	if (sid->type == CG_ID_ANY || id->type == CG_ID_ANY)
		return 1;
	if (cg_id_equal(id, sid))
		return 3;
	return cg_id_matches(id, sid) ? 2 : 0;
}

static int best_fit(const struct cg_id *id, const struct cg_secret_cfg *s)
{
	int best = 0;

	for (size_t i = 0; i < s->n_ids; i++) {
		int fit = id_fit(id, &s->ids[i]);

		if (fit > best)
			best = fit;
	}
	return best;
}

/* A fit that names the identity, not one that holds for anybody. */
static bool names_it(int fit)
{
	return fit >= 2;
}

/* Both ends among the ids, each on an entry of its own ("%any" stands for one peer, not two). */
static int pair_fit(const struct cg_id *a, const struct cg_id *b, const struct cg_secret_cfg *s)
{
	int best = 0;

	for (size_t i = 0; i < s->n_ids; i++) {
		int fa = id_fit(a, &s->ids[i]);

		for (size_t j = 0; fa && j < s->n_ids; j++) {
			int fb = j == i ? 0 : id_fit(b, &s->ids[j]);

			if (fb && (names_it(fa) || names_it(fb)) && fa + fb > best)
				best = fa + fb;
		}
	}
	return best;
}

static bool only_any(const struct cg_secret_cfg *s)
{
	for (size_t i = 0; i < s->n_ids; i++)
		if (s->ids[i].type != CG_ID_ANY)
			return false;
	return true;
}

/*
 * Score of a PSK secret for the pair (a, b), -1 when it does not apply.
 * A secret naming two or more ids needs both ends among them; one naming a
 * single id is that host's key for any peer; one naming none (or only
 * %any) fits everyone, after all others. Some end must be named, so %any
 * in a secret or in the question never pairs two strangers.
 */
static int psk_score(const struct cg_secret_cfg *s, const struct cg_id *a, const struct cg_id *b)
{
	int fa, fb, fit;

	if (s->type != CG_SECRET_PSK)
		return -1;
	if (only_any(s))
		return 0;
	if (s->n_ids == 1) {
		fa = best_fit(a, s);
		fb = best_fit(b, s);
		return names_it(fa) || names_it(fb) ? fa + fb : -1;
	}
	fit = pair_fit(a, b, s);
	return fit ? fit : -1;
}

CG_EXPORT int cg_cred_psk(struct cg_core *core, const struct cg_id *a, const struct cg_id *b,
			  struct cg_chunk *psk)
{
	struct cg_config *cfg = cg_core_config(core);
	const struct cg_secret_cfg *best = NULL;
	int best_score = -1, err;

	*psk = CG_CHUNK_EMPTY;
	if (!cfg)
		return -ENOENT;
	for (size_t i = 0; i < cfg->n_secrets; i++) {
		int score = psk_score(&cfg->secrets[i], a, b);

		/* Ties go to the first entry, as written in the file. */
		if (score > best_score) {
			best = &cfg->secrets[i];
			best_score = score;
		}
	}
	err = best ? cg_chunk_dup(psk, best->secret) : -ENOENT;
	cg_config_unref(cfg);
	return err;
}

CG_EXPORT int cg_pki_dn_encode(struct cg_core *core, const char *text, struct cg_chunk *der)
{
	struct cg_credmgr *m = core->cred;
	int err = -ENODEV;

	pthread_mutex_lock(&m->lock);
	if (m->ops)
		err = m->ops->dn_encode(m->priv, text, der);
	pthread_mutex_unlock(&m->lock);
	return err;
}

CG_EXPORT int cg_pki_dn_decode(struct cg_core *core, struct cg_chunk der, char **text)
{
	struct cg_credmgr *m = core->cred;
	int err = -ENODEV;

	pthread_mutex_lock(&m->lock);
	if (m->ops)
		err = m->ops->dn_decode(m->priv, der, text);
	pthread_mutex_unlock(&m->lock);
	return err;
}

CG_EXPORT const char *cg_key_type_name(enum cg_key_type type)
{
	static const char *const names[] = {
		[CG_KEY_NONE] = "none",
		[CG_KEY_RSA] = "RSA",
		[CG_KEY_ECDSA_P256] = "ECDSA-P256",
		[CG_KEY_ECDSA_P384] = "ECDSA-P384",
		[CG_KEY_ECDSA_P521] = "ECDSA-P521",
		[CG_KEY_ED25519] = "Ed25519",
		[CG_KEY_ED448] = "Ed448",
	};

	if ((unsigned)type >= CG_ARRAY_SIZE(names))
		return "unknown";
	return names[type];
}

CG_EXPORT const char *cg_sig_scheme_name(enum cg_sig_scheme scheme)
{
	static const char *const names[] = {
		[CG_SIG_NONE] = "none",
		[CG_SIG_RSA_PKCS1_SHA1] = "RSA-PKCS1-SHA1",
		[CG_SIG_RSA_PKCS1_SHA256] = "RSA-PKCS1-SHA256",
		[CG_SIG_RSA_PKCS1_SHA384] = "RSA-PKCS1-SHA384",
		[CG_SIG_RSA_PKCS1_SHA512] = "RSA-PKCS1-SHA512",
		[CG_SIG_RSA_PSS_SHA256] = "RSA-PSS-SHA256",
		[CG_SIG_RSA_PSS_SHA384] = "RSA-PSS-SHA384",
		[CG_SIG_RSA_PSS_SHA512] = "RSA-PSS-SHA512",
		[CG_SIG_ECDSA_SHA256_RAW] = "ECDSA-SHA256 (raw)",
		[CG_SIG_ECDSA_SHA384_RAW] = "ECDSA-SHA384 (raw)",
		[CG_SIG_ECDSA_SHA512_RAW] = "ECDSA-SHA512 (raw)",
		[CG_SIG_ECDSA_SHA256] = "ECDSA-SHA256",
		[CG_SIG_ECDSA_SHA384] = "ECDSA-SHA384",
		[CG_SIG_ECDSA_SHA512] = "ECDSA-SHA512",
		[CG_SIG_ED25519] = "Ed25519",
		[CG_SIG_ED448] = "Ed448",
	};

	if ((unsigned)scheme >= CG_ARRAY_SIZE(names))
		return "unknown";
	return names[scheme];
}
