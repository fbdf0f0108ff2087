/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Proposals: strongSwan's keywords to IANA transforms, the shape rules a
 * proposal must follow, IANA names for logs, and RFC 7296 2.7 selection.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cygnet/transform.h>

struct keyword {
	const char *name;
	uint8_t type;
	uint16_t id;
	uint16_t keylen;
};

static const struct keyword keywords[] = {
	{ "aes", CG_TT_ENCR, CG_ENCR_AES_CBC, 128 },
	{ "aes128", CG_TT_ENCR, CG_ENCR_AES_CBC, 128 },
	{ "aes192", CG_TT_ENCR, CG_ENCR_AES_CBC, 192 },
	{ "aes256", CG_TT_ENCR, CG_ENCR_AES_CBC, 256 },
	{ "aes128ctr", CG_TT_ENCR, CG_ENCR_AES_CTR, 128 },
	{ "aes192ctr", CG_TT_ENCR, CG_ENCR_AES_CTR, 192 },
	{ "aes256ctr", CG_TT_ENCR, CG_ENCR_AES_CTR, 256 },
	{ "aes128gcm8", CG_TT_ENCR, CG_ENCR_AES_GCM_8, 128 },
	{ "aes192gcm8", CG_TT_ENCR, CG_ENCR_AES_GCM_8, 192 },
	{ "aes256gcm8", CG_TT_ENCR, CG_ENCR_AES_GCM_8, 256 },
	{ "aes128gcm12", CG_TT_ENCR, CG_ENCR_AES_GCM_12, 128 },
	{ "aes192gcm12", CG_TT_ENCR, CG_ENCR_AES_GCM_12, 192 },
	{ "aes256gcm12", CG_TT_ENCR, CG_ENCR_AES_GCM_12, 256 },
	{ "aes128gcm16", CG_TT_ENCR, CG_ENCR_AES_GCM_16, 128 },
	{ "aes192gcm16", CG_TT_ENCR, CG_ENCR_AES_GCM_16, 192 },
	{ "aes256gcm16", CG_TT_ENCR, CG_ENCR_AES_GCM_16, 256 },
	{ "aes128gcm", CG_TT_ENCR, CG_ENCR_AES_GCM_16, 128 },
	{ "aes192gcm", CG_TT_ENCR, CG_ENCR_AES_GCM_16, 192 },
	{ "aes256gcm", CG_TT_ENCR, CG_ENCR_AES_GCM_16, 256 },
	{ "chacha20poly1305", CG_TT_ENCR, CG_ENCR_CHACHA20_POLY1305, 0 },
	{ "3des", CG_TT_ENCR, CG_ENCR_3DES, 0 },
	{ "null", CG_TT_ENCR, CG_ENCR_NULL, 0 },

	{ "md5", CG_TT_INTEG, CG_INTEG_HMAC_MD5_96, 0 },
	{ "sha", CG_TT_INTEG, CG_INTEG_HMAC_SHA1_96, 0 },
	{ "sha1", CG_TT_INTEG, CG_INTEG_HMAC_SHA1_96, 0 },
	{ "aesxcbc", CG_TT_INTEG, CG_INTEG_AES_XCBC_96, 0 },
	{ "sha256", CG_TT_INTEG, CG_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha2_256", CG_TT_INTEG, CG_INTEG_HMAC_SHA2_256_128, 0 },
	{ "sha384", CG_TT_INTEG, CG_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha2_384", CG_TT_INTEG, CG_INTEG_HMAC_SHA2_384_192, 0 },
	{ "sha512", CG_TT_INTEG, CG_INTEG_HMAC_SHA2_512_256, 0 },
	{ "sha2_512", CG_TT_INTEG, CG_INTEG_HMAC_SHA2_512_256, 0 },

	{ "prfmd5", CG_TT_PRF, CG_PRF_HMAC_MD5, 0 },
	{ "prfsha1", CG_TT_PRF, CG_PRF_HMAC_SHA1, 0 },
	{ "prfaesxcbc", CG_TT_PRF, CG_PRF_AES128_XCBC, 0 },
	{ "prfsha256", CG_TT_PRF, CG_PRF_HMAC_SHA2_256, 0 },
	{ "prfsha384", CG_TT_PRF, CG_PRF_HMAC_SHA2_384, 0 },
	{ "prfsha512", CG_TT_PRF, CG_PRF_HMAC_SHA2_512, 0 },

	{ "modp1024", CG_TT_KE, CG_KE_MODP_1024, 0 },
	{ "modp2048", CG_TT_KE, CG_KE_MODP_2048, 0 },
	{ "modp3072", CG_TT_KE, CG_KE_MODP_3072, 0 },
	{ "modp4096", CG_TT_KE, CG_KE_MODP_4096, 0 },
	{ "ecp256", CG_TT_KE, CG_KE_ECP_256, 0 },
	{ "ecp384", CG_TT_KE, CG_KE_ECP_384, 0 },
	{ "ecp521", CG_TT_KE, CG_KE_ECP_521, 0 },
	{ "x25519", CG_TT_KE, CG_KE_CURVE25519, 0 },
	{ "curve25519", CG_TT_KE, CG_KE_CURVE25519, 0 },
	{ "x448", CG_TT_KE, CG_KE_CURVE448, 0 },
	{ "curve448", CG_TT_KE, CG_KE_CURVE448, 0 },

	{ "esn", CG_TT_ESN, CG_ESN_YES, 0 },
	{ "noesn", CG_TT_ESN, CG_ESN_NO, 0 },
};

/*
 * What "default" means: AEADs only, so one proposal covers them, with the
 * key exchange methods every current implementation has.
 */
static const char default_ike[] =
	"aes128gcm16-aes256gcm16-chacha20poly1305-prfsha256-prfsha384-prfsha512-"
	"x25519-ecp256-ecp384-modp3072-modp2048";
static const char default_esp[] = "aes128gcm16-aes256gcm16-chacha20poly1305";
static const char default_ah[] = "sha256-sha384-sha512";

/* The PRF an integrity algorithm stands for in IKE proposals without one. */
static uint16_t prf_for_integ(uint16_t integ)
{
	switch (integ) {
	case CG_INTEG_HMAC_MD5_96:
		return CG_PRF_HMAC_MD5;
	case CG_INTEG_HMAC_SHA1_96:
		return CG_PRF_HMAC_SHA1;
	case CG_INTEG_AES_XCBC_96:
		return CG_PRF_AES128_XCBC;
	case CG_INTEG_HMAC_SHA2_256_128:
		return CG_PRF_HMAC_SHA2_256;
	case CG_INTEG_HMAC_SHA2_384_192:
		return CG_PRF_HMAC_SHA2_384;
	case CG_INTEG_HMAC_SHA2_512_256:
		return CG_PRF_HMAC_SHA2_512;
	default:
		return 0;
	}
}

CG_EXPORT bool cg_encr_is_aead(uint16_t id)
{
	return id == CG_ENCR_AES_GCM_8 || id == CG_ENCR_AES_GCM_12 || id == CG_ENCR_AES_GCM_16 ||
	       id == CG_ENCR_CHACHA20_POLY1305;
}

static bool transform_eq(const struct cg_transform *a, const struct cg_transform *b)
{
	return a->type == b->type && a->id == b->id && a->keylen == b->keylen;
}

static bool has_transform(const struct cg_proposal *p, const struct cg_transform *t)
{
	for (size_t i = 0; i < p->n; i++)
		if (transform_eq(&p->t[i], t))
			return true;
	return false;
}

/* Adds t unless it is there already; false when the proposal is full. */
static bool add_transform(struct cg_proposal *p, struct cg_transform t)
{
	if (has_transform(p, &t))
		return true;
	if (p->n == CG_PROPOSAL_MAX_TRANSFORMS)
		return false;
	p->t[p->n++] = t;
	return true;
}

CG_EXPORT const struct cg_transform *cg_proposal_get(const struct cg_proposal *p, uint8_t type)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->t[i].type == type)
			return &p->t[i];
	return NULL;
}

CG_EXPORT uint16_t cg_proposal_ke(const struct cg_proposal *p)
{
	const struct cg_transform *t = cg_proposal_get(p, CG_TT_KE);

	return t ? t->id : CG_KE_NONE;
}

CG_EXPORT bool cg_proposal_has_ke(const struct cg_proposal *p, uint16_t ke)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->t[i].type == CG_TT_KE && p->t[i].id == ke)
			return true;
	return ke == CG_KE_NONE && !cg_proposal_get(p, CG_TT_KE);
}

/* The error text for the last failed parse in this thread (names the bad word). */
static _Thread_local char parse_error[128];

static int fail(const char **err, const char *msg)
{
	if (err)
		*err = msg;
	return -EINVAL;
}

static int fail_word(const char **err, const char *fmt, ...) CG_PRINTF(2, 3);

static int fail_word(const char **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(parse_error, sizeof(parse_error), fmt, ap);
	va_end(ap);
	return fail(err, parse_error);
}

static const struct keyword *keyword_find(const char *word)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(keywords); i++)
		if (!strcasecmp(keywords[i].name, word))
			return &keywords[i];
	return NULL;
}

/* Counts the transforms of a type, and whether any encryption one is (not) an AEAD. */
struct shape {
	size_t n[CG_TT_ESN + 1];
	bool aead, classic;
	bool integ_real; /* an integrity algorithm other than NONE */
};

static struct shape shape_of(const struct cg_proposal *p)
{
	struct shape s = { 0 };

	for (size_t i = 0; i < p->n; i++) {
		const struct cg_transform *t = &p->t[i];

		s.n[t->type]++;
		if (t->type == CG_TT_ENCR && cg_encr_is_aead(t->id))
			s.aead = true;
		else if (t->type == CG_TT_ENCR)
			s.classic = true;
		if (t->type == CG_TT_INTEG && t->id != CG_INTEG_NONE)
			s.integ_real = true;
	}
	return s;
}

/* Rules shared by IKE and ESP: one kind of cipher, and integrity exactly when it is not an AEAD. */
static int check_cipher_shape(const struct shape *s, const char **err)
{
	if (!s->n[CG_TT_ENCR])
		return fail(err, "no encryption algorithm (e.g. aes128gcm16)");
	if (s->aead && s->classic)
		return fail(err, "AEAD and non-AEAD ciphers cannot share a proposal: write two");
	if (s->aead && s->integ_real)
		return fail(err, "an AEAD cipher takes no integrity algorithm");
	if (s->classic && !s->integ_real)
		return fail(err, "a non-AEAD cipher needs an integrity algorithm (e.g. sha256)");
	return 0;
}

/* Adds the PRFs IKE's integrity algorithms imply, in their order. */
static int add_implied_prfs(struct cg_proposal *p, const char **err)
{
	size_t n = p->n;

	for (size_t i = 0; i < n; i++) {
		uint16_t prf = p->t[i].type == CG_TT_INTEG ? prf_for_integ(p->t[i].id) : 0;

		if (prf && !add_transform(p, (struct cg_transform){ .type = CG_TT_PRF, .id = prf }))
			return fail(err, "too many algorithms");
	}
	return 0;
}

static int check_ike(struct cg_proposal *p, const char **err)
{
	struct shape s = shape_of(p);
	int ret = check_cipher_shape(&s, err);

	if (ret)
		return ret;
	if (s.n[CG_TT_ESN])
		return fail(err, "esn/noesn apply to ESP and AH proposals, not IKE");
	if (!s.n[CG_TT_KE])
		return fail(err, "no key exchange method (e.g. x25519)");
	if (!s.n[CG_TT_PRF]) {
		if (s.aead)
			return fail(err, "an AEAD proposal for IKE needs a PRF (e.g. prfsha256)");
		return add_implied_prfs(p, err);
	}
	return 0;
}

static int check_child(struct cg_proposal *p, const char **err)
{
	struct shape s = shape_of(p);
	int ret;

	if (s.n[CG_TT_PRF])
		return fail(err, "a PRF belongs in IKE proposals, not ESP or AH");
	if (p->protocol == CG_PROTO_AH) {
		if (s.n[CG_TT_ENCR])
			return fail(err, "AH does not encrypt: remove the cipher");
		if (!s.integ_real)
			return fail(err, "no integrity algorithm (e.g. sha256)");
	} else {
		ret = check_cipher_shape(&s, err);
		if (ret)
			return ret;
	}
	if (!s.n[CG_TT_ESN] && !add_transform(p, (struct cg_transform){ .type = CG_TT_ESN }))
		return fail(err, "too many algorithms");
	return 0;
}

/* Display and wire order of types: encryption, integrity, PRF, key exchange, ESN. */
static int type_rank(uint8_t type)
{
	static const int rank[] = {
		[CG_TT_ENCR] = 0, [CG_TT_INTEG] = 1, [CG_TT_PRF] = 2, [CG_TT_KE] = 3, [CG_TT_ESN] = 4,
	};

	return type < CG_ARRAY_SIZE(rank) ? rank[type] : 5;
}

/* Stable insertion sort by type; the order within a type is the preference. */
static void sort_by_type(struct cg_proposal *p)
{
	for (size_t i = 1; i < p->n; i++) {
		struct cg_transform t = p->t[i];
		size_t j = i;

		for (; j > 0 && type_rank(p->t[j - 1].type) > type_rank(t.type); j--)
			p->t[j] = p->t[j - 1];
		p->t[j] = t;
	}
}

static int parse_words(const char *s, struct cg_proposal *p, const char **err)
{
	const char *w = s, *end;
	char word[64];

	do {
		const struct keyword *kw;
		size_t len;

		end = strchrnul(w, '-');
		len = (size_t)(end - w);
		if (!len)
			return fail_word(err, "empty algorithm name in '%s'", s);
		if (len >= sizeof(word))
			return fail_word(err, "unknown algorithm '%.40s...'", w);
		memcpy(word, w, len);
		word[len] = '\0';
		kw = keyword_find(word);
		if (!kw)
			return fail_word(err, "unknown algorithm '%s'", word);
		if (!add_transform(p, (struct cg_transform){ kw->type, kw->id, kw->keylen }))
			return fail_word(err, "too many algorithms in '%s'", s);
		w = end + 1;
	} while (*end);
	return 0;
}

CG_EXPORT int cg_proposal_parse(const char *s, uint8_t protocol, struct cg_proposal *out,
				const char **err)
{
	struct cg_proposal p = { .protocol = protocol };
	int ret;

	if (!s)
		return fail(err, "empty proposal");
	if (protocol != CG_PROTO_IKE && protocol != CG_PROTO_ESP && protocol != CG_PROTO_AH)
		return fail(err, "proposals are for IKE, ESP or AH");
	if (!strcasecmp(s, "default"))
		s = protocol == CG_PROTO_IKE ? default_ike
		    : protocol == CG_PROTO_ESP ? default_esp
					       : default_ah;
	ret = parse_words(s, &p, err);
	if (!ret)
		ret = protocol == CG_PROTO_IKE ? check_ike(&p, err) : check_child(&p, err);
	if (ret)
		return ret;
	sort_by_type(&p);
	*out = p;
	return 0;
}

struct name {
	uint8_t type;
	uint16_t id;
	const char *name;
};

static const struct name names[] = {
	{ CG_TT_ENCR, CG_ENCR_3DES, "3DES" },
	{ CG_TT_ENCR, CG_ENCR_NULL, "NULL" },
	{ CG_TT_ENCR, CG_ENCR_AES_CBC, "AES_CBC" },
	{ CG_TT_ENCR, CG_ENCR_AES_CTR, "AES_CTR" },
	{ CG_TT_ENCR, CG_ENCR_AES_GCM_8, "AES_GCM_8" },
	{ CG_TT_ENCR, CG_ENCR_AES_GCM_12, "AES_GCM_12" },
	{ CG_TT_ENCR, CG_ENCR_AES_GCM_16, "AES_GCM_16" },
	{ CG_TT_ENCR, CG_ENCR_CHACHA20_POLY1305, "CHACHA20_POLY1305" },
	{ CG_TT_PRF, CG_PRF_HMAC_MD5, "PRF_HMAC_MD5" },
	{ CG_TT_PRF, CG_PRF_HMAC_SHA1, "PRF_HMAC_SHA1" },
	{ CG_TT_PRF, CG_PRF_AES128_XCBC, "PRF_AES128_XCBC" },
	{ CG_TT_PRF, CG_PRF_HMAC_SHA2_256, "PRF_HMAC_SHA2_256" },
	{ CG_TT_PRF, CG_PRF_HMAC_SHA2_384, "PRF_HMAC_SHA2_384" },
	{ CG_TT_PRF, CG_PRF_HMAC_SHA2_512, "PRF_HMAC_SHA2_512" },
	{ CG_TT_INTEG, CG_INTEG_NONE, "NONE" },
	{ CG_TT_INTEG, CG_INTEG_HMAC_MD5_96, "HMAC_MD5_96" },
	{ CG_TT_INTEG, CG_INTEG_HMAC_SHA1_96, "HMAC_SHA1_96" },
	{ CG_TT_INTEG, CG_INTEG_AES_XCBC_96, "AES_XCBC_96" },
	{ CG_TT_INTEG, CG_INTEG_HMAC_SHA2_256_128, "HMAC_SHA2_256_128" },
	{ CG_TT_INTEG, CG_INTEG_HMAC_SHA2_384_192, "HMAC_SHA2_384_192" },
	{ CG_TT_INTEG, CG_INTEG_HMAC_SHA2_512_256, "HMAC_SHA2_512_256" },
	{ CG_TT_KE, CG_KE_NONE, "NONE" },
	{ CG_TT_KE, CG_KE_MODP_1024, "MODP_1024" },
	{ CG_TT_KE, CG_KE_MODP_2048, "MODP_2048" },
	{ CG_TT_KE, CG_KE_MODP_3072, "MODP_3072" },
	{ CG_TT_KE, CG_KE_MODP_4096, "MODP_4096" },
	{ CG_TT_KE, CG_KE_ECP_256, "ECP_256" },
	{ CG_TT_KE, CG_KE_ECP_384, "ECP_384" },
	{ CG_TT_KE, CG_KE_ECP_521, "ECP_521" },
	{ CG_TT_KE, CG_KE_CURVE25519, "CURVE_25519" },
	{ CG_TT_KE, CG_KE_CURVE448, "CURVE_448" },
	{ CG_TT_ESN, CG_ESN_NO, "NO_EXT_SEQ" },
	{ CG_TT_ESN, CG_ESN_YES, "EXT_SEQ" },
};

CG_EXPORT const char *cg_transform_name(uint8_t type, uint16_t id)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(names); i++)
		if (names[i].type == type && names[i].id == id)
			return names[i].name;
	return "UNKNOWN";
}

CG_EXPORT const char *cg_proposal_str(const struct cg_proposal *p, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < p->n && used < len; i++) {
		const struct cg_transform *t = &p->t[i];
		const char *name = cg_transform_name(t->type, t->id);
		const char *sep = i ? "/" : "";
		int w;

		if (strcmp(name, "UNKNOWN"))
			w = t->keylen ? snprintf(buf + used, len - used, "%s%s_%u", sep, name,
						 t->keylen)
				      : snprintf(buf + used, len - used, "%s%s", sep, name);
		else
			w = snprintf(buf + used, len - used, "%sTYPE%u_%u", sep, t->type, t->id);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

/*
 * The alternatives a proposal offers for a type. An absent integrity or
 * key exchange type means NONE, an absent ESN type means no ESN.
 */
static size_t offered(const struct cg_proposal *p, uint8_t type, const struct cg_transform **list,
		      struct cg_transform *implicit)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		if (p->t[i].type == type)
			list[n++] = &p->t[i];
	if (!n && (type == CG_TT_INTEG || type == CG_TT_KE || type == CG_TT_ESN)) {
		*implicit = (struct cg_transform){ .type = type };
		list[n++] = implicit;
	}
	return n;
}

/* The preferred common transform of a type; false when the proposals share none. */
static bool pick(const struct cg_proposal *pref, const struct cg_proposal *other, uint8_t type,
		 bool *present, struct cg_transform *chosen)
{
	const struct cg_transform *a[CG_PROPOSAL_MAX_TRANSFORMS], *b[CG_PROPOSAL_MAX_TRANSFORMS];
	struct cg_transform ia, ib;
	size_t na = offered(pref, type, a, &ia), nb = offered(other, type, b, &ib);

	*present = false;
	if (!na && !nb)
		return true;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (transform_eq(a[i], b[j])) {
				*chosen = *a[i];
				*present = true;
				return true;
			}
	return false;
}

static bool match(const struct cg_proposal *ours, const struct cg_proposal *theirs,
		  bool prefer_ours, struct cg_proposal *out)
{
	static const uint8_t types[] = { CG_TT_ENCR, CG_TT_INTEG, CG_TT_PRF, CG_TT_KE, CG_TT_ESN };
	struct cg_proposal res = { .protocol = theirs->protocol };

	if (ours->protocol != theirs->protocol)
		return false;
	for (size_t i = 0; i < CG_ARRAY_SIZE(types); i++) {
		struct cg_transform t;
		bool present;

		if (!pick(prefer_ours ? ours : theirs, prefer_ours ? theirs : ours, types[i],
			  &present, &t))
			return false;
		/* The reply carries one transform for each type the peer sent, no more. */
		if (present && cg_proposal_get(theirs, types[i]))
			res.t[res.n++] = t;
	}
	if (out)
		*out = res;
	return true;
}

CG_EXPORT bool cg_proposal_select(const struct cg_proposal *ours, size_t n_ours,
				  const struct cg_proposal *theirs, size_t n_theirs,
				  bool prefer_ours, struct cg_proposal *out, size_t *their_index)
{
	size_t n_outer = prefer_ours ? n_ours : n_theirs;
	size_t n_inner = prefer_ours ? n_theirs : n_ours;

	for (size_t i = 0; i < n_outer; i++)
		for (size_t j = 0; j < n_inner; j++) {
			size_t oi = prefer_ours ? i : j, ti = prefer_ours ? j : i;

			if (!match(&ours[oi], &theirs[ti], prefer_ours, out))
				continue;
			if (their_index)
				*their_index = ti;
			return true;
		}
	return false;
}
