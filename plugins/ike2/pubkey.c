/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Authentication by certificate: AUTH by digital signature (RFC 7427 method
 * 14, and the classic methods 1 and 9-11 of RFC 7296 / RFC 4754 for peers
 * that do not announce SIGNATURE_HASH_ALGORITHMS), CERT and CERTREQ
 * payloads (RFC 7296 3.6, 3.7), and the checks on the peer's certificate:
 * chain to a trusted CA (or a pinned certificate), revocation, identity.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ikesa.h"
#include "msg.h"
#include "pubkey.h"

/* Hash algorithm identifiers of SIGNATURE_HASH_ALGORITHMS (RFC 7427, 8420). */
enum {
	HASH_SHA1 = 1,
	HASH_SHA2_256 = 2,
	HASH_SHA2_384 = 3,
	HASH_SHA2_512 = 4,
	HASH_IDENTITY = 5,
};

/* The hashes we announce: we can verify signatures with each of them. */
static const uint16_t our_hashes[] = { HASH_SHA2_256, HASH_SHA2_384, HASH_SHA2_512, HASH_IDENTITY };

#define CERT_ENCODING_X509_SIG 4
#define MAX_PEER_CERTS 8
#define PRF_MAX 64

/* OID prefixes of the AlgorithmIdentifiers below. */
#define OID_PKCS1 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01
#define OID_HASH 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02
#define OID_ECDSA_SIG 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03

/* sha*WithRSAEncryption with NULL parameters. */
#define ALG_RSA(last) { 0x30, 0x0d, OID_PKCS1, last, 0x05, 0x00 }
/* ecdsa-with-SHA*, no parameters (RFC 5758). */
#define ALG_ECDSA(last) { 0x30, 0x0a, OID_ECDSA_SIG, last }
/* id-Ed25519 / id-Ed448 (RFC 8410). */
#define ALG_EDDSA(last) { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, last }
/*
 * id-RSASSA-PSS with hashAlgorithm h, MGF1 with h, saltLength s and the
 * default trailer (RFC 4055). Hash AlgorithmIdentifiers may carry NULL
 * parameters or none: we send NULL and accept both.
 */
#define ALG_PSS_NULL(h, s)                                                                 \
	{ 0x30, 0x41, OID_PKCS1, 0x0a, 0x30, 0x34,                                         \
	  0xa0, 0x0f, 0x30, 0x0d, OID_HASH, h, 0x05, 0x00,                                 \
	  0xa1, 0x1c, 0x30, 0x1a, OID_PKCS1, 0x08, 0x30, 0x0d, OID_HASH, h, 0x05, 0x00,   \
	  0xa2, 0x03, 0x02, 0x01, s }
#define ALG_PSS_BARE(h, s)                                                                 \
	{ 0x30, 0x3d, OID_PKCS1, 0x0a, 0x30, 0x30,                                         \
	  0xa0, 0x0d, 0x30, 0x0b, OID_HASH, h,                                             \
	  0xa1, 0x1a, 0x30, 0x18, OID_PKCS1, 0x08, 0x30, 0x0b, OID_HASH, h,                \
	  0xa2, 0x03, 0x02, 0x01, s }

#define ALG_MAX 67

/* One RFC 7427 AlgorithmIdentifier and the scheme it names. */
struct sig_alg {
	enum cg_sig_scheme scheme;
	uint16_t hash;        /* its SIGNATURE_HASH_ALGORITHMS value */
	uint8_t len;
	uint8_t der[ALG_MAX];
};

#define SIG_ALG(s, h, ...) { .scheme = s, .hash = h, \
	.len = sizeof((const uint8_t[])__VA_ARGS__), .der = __VA_ARGS__ }

/* The first entry of a scheme is the one we send. */
static const struct sig_alg sig_algs[] = {
	SIG_ALG(CG_SIG_RSA_PKCS1_SHA256, HASH_SHA2_256, ALG_RSA(0x0b)),
	SIG_ALG(CG_SIG_RSA_PKCS1_SHA384, HASH_SHA2_384, ALG_RSA(0x0c)),
	SIG_ALG(CG_SIG_RSA_PKCS1_SHA512, HASH_SHA2_512, ALG_RSA(0x0d)),
	SIG_ALG(CG_SIG_RSA_PSS_SHA256, HASH_SHA2_256, ALG_PSS_NULL(0x01, 32)),
	SIG_ALG(CG_SIG_RSA_PSS_SHA384, HASH_SHA2_384, ALG_PSS_NULL(0x02, 48)),
	SIG_ALG(CG_SIG_RSA_PSS_SHA512, HASH_SHA2_512, ALG_PSS_NULL(0x03, 64)),
	SIG_ALG(CG_SIG_RSA_PSS_SHA256, HASH_SHA2_256, ALG_PSS_BARE(0x01, 32)),
	SIG_ALG(CG_SIG_RSA_PSS_SHA384, HASH_SHA2_384, ALG_PSS_BARE(0x02, 48)),
	SIG_ALG(CG_SIG_RSA_PSS_SHA512, HASH_SHA2_512, ALG_PSS_BARE(0x03, 64)),
	SIG_ALG(CG_SIG_ECDSA_SHA256, HASH_SHA2_256, ALG_ECDSA(0x02)),
	SIG_ALG(CG_SIG_ECDSA_SHA384, HASH_SHA2_384, ALG_ECDSA(0x03)),
	SIG_ALG(CG_SIG_ECDSA_SHA512, HASH_SHA2_512, ALG_ECDSA(0x04)),
	SIG_ALG(CG_SIG_ED25519, HASH_IDENTITY, ALG_EDDSA(0x70)),
	SIG_ALG(CG_SIG_ED448, HASH_IDENTITY, ALG_EDDSA(0x71)),
};

static const struct sig_alg *sig_alg_by_scheme(enum cg_sig_scheme scheme)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(sig_algs); i++)
		if (sig_algs[i].scheme == scheme)
			return &sig_algs[i];
	return NULL;
}

static const struct sig_alg *sig_alg_by_der(const uint8_t *der, size_t len)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(sig_algs); i++)
		if (sig_algs[i].len == len && !memcmp(sig_algs[i].der, der, len))
			return &sig_algs[i];
	return NULL;
}

static bool peer_has_hash(const struct ike2_sa *sa, uint16_t hash)
{
	return hash < 16 && (sa->pubkey.sig_hashes & (1u << hash));
}

int ike2_pubkey_id_complete(struct cg_core *core, struct cg_id *id)
{
	if (id->type != CG_ID_DER_ASN1_DN || !cg_pki_available(core))
		return 0;
	if (!id->data.len && id->dn_text)
		return cg_pki_dn_encode(core, id->dn_text, &id->data);
	if (id->data.len && !id->dn_text)
		return cg_pki_dn_decode(core, id->data, &id->dn_text);
	return 0;
}

bool ike2_pubkey_id_is_pattern(const struct cg_id *id)
{
	switch (id->type) {
	case CG_ID_ANY:
		return true;
	case CG_ID_FQDN:
	case CG_ID_RFC822_ADDR:
		return id->data.len && id->data.ptr[0] == '*';
	case CG_ID_DER_ASN1_DN:
		return id->dn_text && strstr(id->dn_text, "=*");
	default:
		return false;
	}
}

void ike2_pubkey_write_hashes(struct ike2_sa *sa, struct ike2_w *w)
{
	/* Without a PKI backend we could verify no signature at all. */
	if (cg_pki_available(sa->core))
		ike2_w_notify_hashes(w, our_hashes, CG_ARRAY_SIZE(our_hashes));
}

void ike2_pubkey_note_peer(struct ike2_sa *sa, const struct ike2_chain *c)
{
	struct ike2_notify n;

	if (ike2_chain_notify(c, IKE2_N_SIGNATURE_HASH_ALGORITHMS, &n))
		sa->pubkey.sig_hashes |= ike2_notify_hashes(&n);
	if (ike2_chain_find(c, IKE2_PL_CERTREQ))
		sa->pubkey.certreq = true;
}

void ike2_pubkey_write_certreq(struct ike2_sa *sa, struct ike2_w *w)
{
	const struct cg_auth_cfg *remote = &sa->conn->remote;
	uint8_t hashes[20 * 16];
	size_t n = 0;

	if (!sa->conn->send_certreq || remote->auth != CG_AUTH_PUBKEY)
		return;
	for (size_t i = 0; i < remote->n_cacerts && n + 20 <= sizeof(hashes); i++) {
		struct cg_cert *ca;

		if (cg_cert_load(sa->core, remote->cacerts[i], &ca))
			continue;
		if (!cg_cert_key_hash(ca, hashes + n))
			n += 20;
		cg_cert_unref(ca);
	}
	if (n)
		ike2_w_cert(w, IKE2_PL_CERTREQ, CERT_ENCODING_X509_SIG, hashes, n);
}

/*
 * {Initiator,Responder}SignedOctets = RealMessage{1,2} | Nonce{R,I}Data |
 * prf(SK_p{i,r}, RestOf{Init,Resp}IDPayload) (RFC 7296 2.15).
 */
static int signed_octets(struct ike2_sa *sa, bool of_initiator, const uint8_t *id_body,
			 size_t id_len, struct cg_chunk *out)
{
	struct cg_chunk msg = of_initiator ? sa->init_req : sa->init_resp;
	struct cg_chunk nonce = of_initiator ? sa->nr : sa->ni;
	const struct cg_prf_alg *prf = sa->prf;
	struct cg_chunk key = of_initiator ? sa->sk_pi : sa->sk_pr;
	void *ctx;
	int err;

	if (prf->out_size > PRF_MAX)
		return -EINVAL;
	err = cg_chunk_alloc(out, msg.len + nonce.len + prf->out_size);
	if (err)
		return err;
	memcpy(out->ptr, msg.ptr, msg.len);
	memcpy(out->ptr + msg.len, nonce.ptr, nonce.len);
	err = prf->create(prf, key.ptr, key.len, &ctx);
	if (!err) {
		err = prf->compute(ctx, id_body, id_len, out->ptr + msg.len + nonce.len);
		prf->destroy(ctx);
	}
	if (err)
		cg_chunk_free(out);
	return err;
}

/* The scheme and AUTH method for signing with a key of this type. */
static enum cg_sig_scheme pick_scheme(const struct ike2_sa *sa, enum cg_key_type type,
				      uint8_t *method)
{
	static const uint16_t rsa_order[] = { HASH_SHA2_256, HASH_SHA2_384, HASH_SHA2_512 };
	static const enum cg_sig_scheme rsa_schemes[] = {
		CG_SIG_RSA_PKCS1_SHA256, CG_SIG_RSA_PKCS1_SHA384, CG_SIG_RSA_PKCS1_SHA512,
	};

	*method = IKE2_AUTH_DIGITAL_SIGNATURE;
	if (sa->pubkey.sig_hashes) {
		switch (type) {
		case CG_KEY_RSA:
			for (size_t i = 0; i < CG_ARRAY_SIZE(rsa_order); i++)
				if (peer_has_hash(sa, rsa_order[i]))
					return rsa_schemes[i];
			break;
		/* Each curve with the hash of its strength (RFC 5656 6.2.1). */
		case CG_KEY_ECDSA_P256:
			if (peer_has_hash(sa, HASH_SHA2_256))
				return CG_SIG_ECDSA_SHA256;
			break;
		case CG_KEY_ECDSA_P384:
			if (peer_has_hash(sa, HASH_SHA2_384))
				return CG_SIG_ECDSA_SHA384;
			break;
		case CG_KEY_ECDSA_P521:
			if (peer_has_hash(sa, HASH_SHA2_512))
				return CG_SIG_ECDSA_SHA512;
			break;
		case CG_KEY_ED25519:
			if (peer_has_hash(sa, HASH_IDENTITY))
				return CG_SIG_ED25519;
			break;
		case CG_KEY_ED448:
			if (peer_has_hash(sa, HASH_IDENTITY))
				return CG_SIG_ED448;
			break;
		default:
			break;
		}
	}
	/* The peer did not announce RFC 7427 (or no hash we can use): classic methods. */
	switch (type) {
	case CG_KEY_RSA:
		*method = IKE2_AUTH_RSA;
		return CG_SIG_RSA_PKCS1_SHA1;
	case CG_KEY_ECDSA_P256:
		*method = IKE2_AUTH_ECDSA_256;
		return CG_SIG_ECDSA_SHA256_RAW;
	case CG_KEY_ECDSA_P384:
		*method = IKE2_AUTH_ECDSA_384;
		return CG_SIG_ECDSA_SHA384_RAW;
	case CG_KEY_ECDSA_P521:
		*method = IKE2_AUTH_ECDSA_521;
		return CG_SIG_ECDSA_SHA512_RAW;
	default:
		return CG_SIG_NONE;
	}
}

/* The scheme a received AUTH payload uses; *sig is what follows the algorithm. */
static enum cg_sig_scheme parse_scheme(const struct ike2_auth *auth, struct cg_chunk *sig)
{
	const struct sig_alg *alg;
	struct cg_chunk alg_id;

	*sig = CG_CHUNK(auth->data, auth->len);
	switch (auth->method) {
	case IKE2_AUTH_RSA:
		return CG_SIG_RSA_PKCS1_SHA1;
	case IKE2_AUTH_ECDSA_256:
		return CG_SIG_ECDSA_SHA256_RAW;
	case IKE2_AUTH_ECDSA_384:
		return CG_SIG_ECDSA_SHA384_RAW;
	case IKE2_AUTH_ECDSA_521:
		return CG_SIG_ECDSA_SHA512_RAW;
	case IKE2_AUTH_DIGITAL_SIGNATURE:
		if (ike2_auth_sig_parse(auth, &alg_id, sig))
			return CG_SIG_NONE;
		alg = sig_alg_by_der(alg_id.ptr, alg_id.len);
		return alg ? alg->scheme : CG_SIG_NONE;
	default:
		return CG_SIG_NONE;
	}
}

/* Our certificate and its private key. */
static int local_credentials(struct ike2_sa *sa, struct cg_cert **cert, struct cg_privkey **key)
{
	const struct cg_auth_cfg *local = &sa->conn->local;
	int err;

	*cert = NULL;
	*key = NULL;
	if (!local->n_certs) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "no local certificate configured");
		return -ENOENT;
	}
	err = cg_cert_load(sa->core, local->certs[0], cert);
	if (!err)
		err = cg_cred_key_for_cert(sa->core, *cert, key);
	if (err) {
		cg_cert_unref(*cert);
		*cert = NULL;
	}
	return err;
}

/* Our identity: the configured one, else the certificate's subject. */
static int local_identity(struct ike2_sa *sa, const struct cg_cert *cert)
{
	struct cg_id id = { .type = CG_ID_DER_ASN1_DN };
	char text[CG_ID_STRLEN];
	int err;

	if (!sa->conn->local.id_given) {
		err = cg_chunk_dup(&id.data, cg_cert_subject_der(cert));
		id.dn_text = err ? NULL : strdup(cg_cert_subject(cert));
		if (err || !id.dn_text) {
			cg_id_free(&id);
			return -ENOMEM;
		}
		cg_id_free(&sa->id_local);
		sa->id_local = id;
	}
	/* The peer refuses an identity the certificate does not hold; say why here too. */
	if (!cg_cert_has_id(cert, &sa->id_local))
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
			    "our identity '%s' is not in certificate '%s': the peer will refuse it",
			    cg_id_str(&sa->id_local, text, sizeof(text)), cg_cert_subject(cert));
	return 0;
}

/* CERT payloads: ours and the rest of local.certs (its chain), when sent. */
static void write_certs(struct ike2_sa *sa, struct ike2_w *w, const struct cg_cert *cert)
{
	const struct cg_auth_cfg *local = &sa->conn->local;
	struct cg_chunk der = cg_cert_der(cert);

	if (local->send_cert == CG_SEND_CERT_NEVER ||
	    (local->send_cert == CG_SEND_CERT_IFASKED && !sa->pubkey.certreq))
		return;
	ike2_w_cert(w, IKE2_PL_CERT, CERT_ENCODING_X509_SIG, der.ptr, der.len);
	for (size_t i = 1; i < local->n_certs; i++) {
		struct cg_cert *chain;

		if (cg_cert_load(sa->core, local->certs[i], &chain))
			continue;
		der = cg_cert_der(chain);
		ike2_w_cert(w, IKE2_PL_CERT, CERT_ENCODING_X509_SIG, der.ptr, der.len);
		cg_cert_unref(chain);
	}
}

/* Signs our octets and writes the AUTH payload. */
static int write_signature(struct ike2_sa *sa, struct ike2_w *w, const struct cg_privkey *key,
			   const uint8_t *id_body, size_t id_len)
{
	struct cg_chunk octets = CG_CHUNK_EMPTY, sig = CG_CHUNK_EMPTY, data = CG_CHUNK_EMPTY;
	const struct sig_alg *alg = NULL;
	enum cg_sig_scheme scheme;
	uint8_t method;
	int err;

	scheme = pick_scheme(sa, cg_privkey_type(key), &method);
	if (scheme == CG_SIG_NONE) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR,
			    "no signature scheme for a %s key that the peer supports",
			    cg_key_type_name(cg_privkey_type(key)));
		return -ENOPROTOOPT;
	}
	err = signed_octets(sa, sa->initiator, id_body, id_len, &octets);
	if (!err)
		err = cg_privkey_sign(key, scheme, octets, &sig);
	cg_chunk_free(&octets);
	if (err) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_ERROR, "signing with %s failed: %s",
			    cg_sig_scheme_name(scheme), strerror(-err));
		return err;
	}
	if (method == IKE2_AUTH_DIGITAL_SIGNATURE)
		alg = sig_alg_by_scheme(scheme);
	err = cg_chunk_alloc(&data, (alg ? 1 + alg->len : 0) + sig.len);
	if (!err) {
		if (alg) {
			data.ptr[0] = alg->len;
			memcpy(data.ptr + 1, alg->der, alg->len);
		}
		memcpy(data.ptr + (alg ? 1 + alg->len : 0), sig.ptr, sig.len);
		ike2_w_auth(w, method, data.ptr, data.len);
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_DEBUG, "signed with %s (AUTH method %u)",
			    cg_sig_scheme_name(scheme), method);
	}
	cg_chunk_free(&data);
	cg_chunk_free(&sig);
	return err;
}

int ike2_pubkey_write_id_auth(struct ike2_sa *sa, struct ike2_w *w, uint8_t id_type)
{
	struct cg_privkey *key;
	struct cg_cert *cert;
	size_t body, id_len;
	int err;

	err = local_credentials(sa, &cert, &key);
	if (err)
		return err;
	err = local_identity(sa, cert);
	if (err)
		goto out;
	ike2_w_id(w, id_type, &sa->id_local, &body);
	id_len = w->len - body;
	write_certs(sa, w, cert);
	/* body is an offset: the buffer may have moved while the certificates went in. */
	err = w->failed ? -ENOMEM : write_signature(sa, w, key, w->buf + body, id_len);
out:
	cg_privkey_unref(key);
	cg_cert_unref(cert);
	return err;
}

/* The peer's certificates from its CERT payloads: end entity first. */
static size_t peer_certs(struct ike2_sa *sa, const struct ike2_chain *c, struct cg_cert **certs)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n && n < MAX_PEER_CERTS; i++) {
		struct ike2_cert_pl cp;

		if (c->pl[i].type != IKE2_PL_CERT)
			continue;
		if (ike2_cert_parse(&c->pl[i], &cp) || cp.encoding != CERT_ENCODING_X509_SIG) {
			ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
				    "ignoring a CERT payload that is not an X.509 certificate");
			continue;
		}
		if (cg_cert_parse(sa->core, CG_CHUNK(cp.data, cp.len), &certs[n])) {
			ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "ignoring a malformed certificate");
			continue;
		}
		n++;
	}
	return n;
}

/* A pinned certificate (remote.certs) equal to cert, or holding id when cert is NULL. */
static struct cg_cert *pinned_cert(struct ike2_sa *sa, const struct cg_cert *cert,
				   const struct cg_id *id)
{
	const struct cg_auth_cfg *remote = &sa->conn->remote;

	for (size_t i = 0; i < remote->n_certs; i++) {
		struct cg_cert *pin;
		struct cg_chunk a, b;

		if (cg_cert_load(sa->core, remote->certs[i], &pin))
			continue;
		a = cg_cert_der(pin);
		b = cert ? cg_cert_der(cert) : CG_CHUNK_EMPTY;
		if (cert ? a.len == b.len && !memcmp(a.ptr, b.ptr, a.len) : cg_cert_has_id(pin, id))
			return pin;
		cg_cert_unref(pin);
	}
	return NULL;
}

/* Verifies the chain of end (intermediates inter) to one of remote.cacerts. */
static int verify_chain(struct ike2_sa *sa, const struct cg_cert *end, struct cg_cert *const *inter,
			size_t n_inter, const char **reason)
{
	const struct cg_auth_cfg *remote = &sa->conn->remote;
	struct cg_cert **cas = calloc(remote->n_cacerts + 1, sizeof(*cas));
	size_t n_cas = 0;
	int err;

	if (!cas)
		return -ENOMEM;
	for (size_t i = 0; i < remote->n_cacerts; i++)
		if (!cg_cert_load(sa->core, remote->cacerts[i], &cas[n_cas]))
			n_cas++;
	if (!n_cas) {
		*reason = "no trusted CA certificate is configured";
		err = -EACCES;
	} else {
		err = cg_cert_verify_chain(end, inter, n_inter, cas, n_cas,
					   (const char *const *)remote->crls, remote->n_crls, reason);
	}
	for (size_t i = 0; i < n_cas; i++)
		cg_cert_unref(cas[i]);
	free(cas);
	return err;
}

/*
 * The peer's trusted certificate (a reference) for its identity: a pinned one,
 * or the end entity it sent, verified up to a trusted CA. NULL after logging why.
 */
static struct cg_cert *trusted_peer_cert(struct ike2_sa *sa, const struct ike2_chain *c)
{
	struct cg_cert *certs[MAX_PEER_CERTS], *trusted = NULL;
	size_t n = peer_certs(sa, c, certs);
	const char *reason = "no certificate from the peer and none pinned for its identity";
	char text[CG_ID_STRLEN];
	int err;

	if (sa->conn->remote.n_certs) {
		trusted = pinned_cert(sa, n ? certs[0] : NULL, &sa->id_remote);
		if (!trusted && n)
			reason = "the peer's certificate is not a pinned one";
	} else if (n) {
		err = verify_chain(sa, certs[0], certs + 1, n - 1, &reason);
		if (!err)
			trusted = cg_cert_ref(certs[0]);
		else if (err != -EACCES)
			reason = strerror(-err);
	}
	if (trusted && !cg_cert_has_id(trusted, &sa->id_remote)) {
		reason = "the certificate does not contain the peer's identity";
		cg_cert_unref(trusted);
		trusted = NULL;
	}
	if (!trusted)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "certificate of '%s' (%s) refused: %s",
			    cg_id_str(&sa->id_remote, text, sizeof(text)),
			    n ? cg_cert_subject(certs[0]) : "none sent", reason);
	for (size_t i = 0; i < n; i++)
		cg_cert_unref(certs[i]);
	return trusted;
}

bool ike2_pubkey_verify(struct ike2_sa *sa, const struct ike2_chain *c,
			const struct ike2_pl *id_pl, const struct ike2_auth *auth)
{
	struct cg_chunk octets, sig;
	enum cg_sig_scheme scheme;
	struct cg_cert *cert;
	int err;

	if (sa->conn->remote.auth != CG_AUTH_PUBKEY) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
			    "peer authenticates with a signature (method %u), the connection wants a "
			    "pre-shared key", auth->method);
		return false;
	}
	scheme = parse_scheme(auth, &sig);
	if (scheme == CG_SIG_NONE) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
			    "peer uses AUTH method %u with a signature algorithm we do not know",
			    auth->method);
		return false;
	}
	cert = trusted_peer_cert(sa, c);
	if (!cert)
		return false;
	err = signed_octets(sa, !sa->initiator, id_pl->body, id_pl->len, &octets);
	if (!err) {
		err = cg_cert_verify(cert, scheme, octets, sig);
		cg_chunk_free(&octets);
	}
	if (err)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN, "%s signature of '%s' does not verify",
			    cg_sig_scheme_name(scheme), cg_cert_subject(cert));
	else
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO,
			    "peer authenticated by certificate '%s' with %s (AUTH method %u)",
			    cg_cert_subject(cert), cg_sig_scheme_name(scheme), auth->method);
	cg_cert_unref(cert);
	return !err;
}
