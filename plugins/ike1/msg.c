/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ISAKMP codec (RFC 2408 3, RFC 2409 5, RFC 2407 4): header, payload
 * chain, SA/Proposal/Transform with TV and TLV attributes, KE, ID, HASH,
 * NONCE, N, D, VID; every length checked against what holds it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cygnet/bytes.h>

#include "msg.h"

int ike1_hdr_parse(const uint8_t *data, size_t len, struct ike1_hdr *h)
{
	if (len < CG_IKE_HEADER_LEN)
		return -EINVAL;
	h->ci = cg_get64(data);
	h->cr = cg_get64(data + 8);
	h->next = data[16];
	h->version = data[17];
	h->exchange = data[18];
	h->flags = data[19];
	h->mid = cg_get32(data + 20);
	h->len = cg_get32(data + 24);
	if (h->version >> 4 != 1 || h->len != len || !h->ci)
		return -EINVAL;
	return 0;
}

int ike1_chain_parse(uint8_t first, const uint8_t *data, size_t len, bool padding,
		     struct ike1_chain *c)
{
	size_t off = 0;
	uint8_t type = first;

	c->n = 0;
	while (type != IKE1_PL_NONE) {
		size_t plen;

		if (len - off < 4 || c->n == IKE1_MAX_PAYLOADS)
			return -EINVAL;
		plen = cg_get16(data + off + 2);
		if (plen < 4 || plen > len - off)
			return -EINVAL;
		c->pl[c->n++] = (struct ike1_pl){
			.type = type, .hdr = data + off, .body = data + off + 4, .len = plen - 4,
		};
		type = data[off];
		off += plen;
	}
	c->used = off;
	return off == len || padding ? 0 : -EINVAL;
}

const struct ike1_pl *ike1_chain_find(const struct ike1_chain *c, uint8_t type)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->pl[i].type == type)
			return &c->pl[i];
	return NULL;
}

size_t ike1_chain_count(const struct ike1_chain *c, uint8_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		n += c->pl[i].type == type;
	return n;
}

/*
 * Transform IDs.
 */

uint16_t ike1_encr_from(uint16_t v1)
{
	return v1 == IKE1_ENCR_AES_CBC ? CG_ENCR_AES_CBC : v1 == IKE1_ENCR_3DES ? CG_ENCR_3DES : 0;
}

uint16_t ike1_encr_to(uint16_t v2)
{
	return v2 == CG_ENCR_AES_CBC ? IKE1_ENCR_AES_CBC : v2 == CG_ENCR_3DES ? IKE1_ENCR_3DES : 0;
}

static const struct {
	uint16_t hash, prf, integ;
} hashes[] = {
	{ IKE1_HASH_MD5, CG_PRF_HMAC_MD5, CG_INTEG_HMAC_MD5_96 },
	{ IKE1_HASH_SHA1, CG_PRF_HMAC_SHA1, CG_INTEG_HMAC_SHA1_96 },
	{ IKE1_HASH_SHA2_256, CG_PRF_HMAC_SHA2_256, CG_INTEG_HMAC_SHA2_256_128 },
	{ IKE1_HASH_SHA2_384, CG_PRF_HMAC_SHA2_384, CG_INTEG_HMAC_SHA2_384_192 },
	{ IKE1_HASH_SHA2_512, CG_PRF_HMAC_SHA2_512, CG_INTEG_HMAC_SHA2_512_256 },
};

uint16_t ike1_hash_to_prf(uint16_t hash)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(hashes); i++)
		if (hashes[i].hash == hash)
			return hashes[i].prf;
	return 0;
}

uint16_t ike1_hash_to_integ(uint16_t hash)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(hashes); i++)
		if (hashes[i].hash == hash)
			return hashes[i].integ;
	return 0;
}

uint16_t ike1_hash_from_integ(uint16_t integ)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(hashes); i++)
		if (hashes[i].integ == integ)
			return hashes[i].hash;
	return 0;
}

/* IPsec DOI authentication algorithms (RFC 2407 4.5, RFC 4868). */
static const struct {
	uint16_t auth, integ;
} qauths[] = {
	{ 1, CG_INTEG_HMAC_MD5_96 },
	{ 2, CG_INTEG_HMAC_SHA1_96 },
	{ 5, CG_INTEG_HMAC_SHA2_256_128 },
	{ 6, CG_INTEG_HMAC_SHA2_384_192 },
	{ 7, CG_INTEG_HMAC_SHA2_512_256 },
	{ 9, CG_INTEG_AES_XCBC_96 },
};

uint16_t ike1_qauth_to_integ(uint16_t a)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(qauths); i++)
		if (qauths[i].auth == a)
			return qauths[i].integ;
	return 0;
}

uint16_t ike1_qauth_from_integ(uint16_t integ)
{
	for (size_t i = 0; i < CG_ARRAY_SIZE(qauths); i++)
		if (qauths[i].integ == integ)
			return qauths[i].auth;
	return 0;
}

/*
 * SA payloads.
 */

/* Reads one attribute at p (at most len bytes); its size, 0 when malformed. */
static size_t attr_read(const uint8_t *p, size_t len, uint16_t *type, uint64_t *value)
{
	size_t vlen;

	if (len < 4)
		return 0;
	*type = cg_get16(p) & 0x7fff;
	if (p[0] & 0x80) {
		*value = cg_get16(p + 2);
		return 4;
	}
	vlen = cg_get16(p + 2);
	if (vlen == 0 || vlen > 8 || vlen > len - 4)
		return 0;
	*value = 0;
	for (size_t i = 0; i < vlen; i++)
		*value = *value << 8 | p[4 + i];
	return 4 + vlen;
}

static void offer_add(struct ike1_offer *o, uint8_t type, uint16_t id, uint16_t keylen)
{
	if (o->p.n < CG_PROPOSAL_MAX_TRANSFORMS)
		o->p.t[o->p.n++] = (struct cg_transform){ .type = type, .id = id, .keylen = keylen };
}

/* A life type sets which unit the next duration counts in. */
static void offer_life(struct ike1_offer *o, uint64_t type, uint64_t value)
{
	if (type == IKE1_LIFE_SECONDS)
		o->life_secs = value;
	else if (type == IKE1_LIFE_KILOBYTES)
		o->life_kb = value;
}

/* Phase 1 transform attributes into o; false for one we do not know. */
static bool attrs_phase1(const uint8_t *p, size_t len, struct ike1_offer *o)
{
	uint16_t encr = 0, hash = 0, group = 0, keylen = 0;
	uint64_t life_type = 0, v;
	uint16_t t;
	bool known = true;

	while (len) {
		size_t n = attr_read(p, len, &t, &v);

		if (!n)
			return false;
		switch (t) {
		case IKE1_A_ENCR: encr = (uint16_t)v; break;
		case IKE1_A_HASH: hash = (uint16_t)v; break;
		case IKE1_A_AUTH: o->auth = (uint16_t)v; break;
		case IKE1_A_GROUP: group = (uint16_t)v; break;
		case IKE1_A_LIFE_TYPE: life_type = v; break;
		case IKE1_A_LIFE_DURATION: offer_life(o, life_type, v); break;
		case IKE1_A_KEY_LENGTH: keylen = (uint16_t)v; break;
		default: known = false; break;
		}
		p += n;
		len -= n;
	}
	o->p.protocol = CG_PROTO_IKE;
	offer_add(o, CG_TT_ENCR, ike1_encr_from(encr), keylen);
	offer_add(o, CG_TT_INTEG, ike1_hash_to_integ(hash), 0);
	offer_add(o, CG_TT_PRF, ike1_hash_to_prf(hash), 0);
	offer_add(o, CG_TT_KE, group, 0);
	return known && ike1_encr_from(encr) && ike1_hash_to_prf(hash) && group && o->auth;
}

/* Phase 2 (ESP) transform attributes into o; the transform ID is the encryption. */
static bool attrs_phase2(const uint8_t *p, size_t len, uint8_t tid, struct ike1_offer *o)
{
	uint16_t auth = 0, group = 0, keylen = 0;
	uint64_t life_type = 0, v;
	uint16_t t;
	bool known = true;

	while (len) {
		size_t n = attr_read(p, len, &t, &v);

		if (!n)
			return false;
		switch (t) {
		case IKE1_QA_LIFE_TYPE: life_type = v; break;
		case IKE1_QA_LIFE_DURATION: offer_life(o, life_type, v); break;
		case IKE1_QA_GROUP: group = (uint16_t)v; break;
		case IKE1_QA_MODE: o->mode = (uint8_t)v; break;
		case IKE1_QA_AUTH: auth = (uint16_t)v; break;
		case IKE1_QA_KEY_LENGTH: keylen = (uint16_t)v; break;
		default: known = false; break;
		}
		p += n;
		len -= n;
	}
	o->p.protocol = CG_PROTO_ESP;
	offer_add(o, CG_TT_ENCR, tid, keylen);
	if (auth)
		offer_add(o, CG_TT_INTEG, ike1_qauth_to_integ(auth), 0);
	if (group)
		offer_add(o, CG_TT_KE, group, 0);
	return known && (!auth || ike1_qauth_to_integ(auth));
}

/* The transforms of one proposal (at p, len bytes after its SPI) as offers. */
static int sa_transforms(const uint8_t *p, size_t len, bool phase2, uint8_t num, uint8_t proto,
			 uint32_t spi, struct ike1_offer *out, size_t max, size_t *n)
{
	uint8_t next = IKE1_PL_T;

	while (next == IKE1_PL_T) {
		struct ike1_offer *o;
		size_t tlen;

		if (len < 8)
			return -EINVAL;
		tlen = cg_get16(p + 2);
		if (tlen < 8 || tlen > len)
			return -EINVAL;
		next = p[0];
		if (*n < max) {
			o = &out[(*n)++];
			memset(o, 0, sizeof(*o));
			o->proposal_num = num;
			o->transform_num = p[4];
			o->spi = spi;
			o->raw = p;
			o->raw_len = tlen;
			if (phase2)
				o->usable = proto == IKE1_PROTO_ESP &&
					    attrs_phase2(p + 8, tlen - 8, p[5], o);
			else
				o->usable = proto == IKE1_PROTO_ISAKMP && p[5] == 1 &&
					    attrs_phase1(p + 8, tlen - 8, o);
		}
		p += tlen;
		len -= tlen;
	}
	return next == IKE1_PL_NONE && len == 0 ? 0 : -EINVAL;
}

int ike1_sa_parse(const struct ike1_pl *pl, bool phase2, struct ike1_offer *out, size_t max,
		  size_t *n)
{
	const uint8_t *p = pl->body;
	size_t len = pl->len;
	uint8_t next = IKE1_PL_P;

	*n = 0;
	/* DOI IPsec (1), situation SIT_IDENTITY_ONLY (1). */
	if (len < 8 || cg_get32(p) != 1 || cg_get32(p + 4) != 1)
		return -EINVAL;
	p += 8;
	len -= 8;
	while (next == IKE1_PL_P) {
		size_t plen, spi_size;
		uint32_t spi = 0;

		if (len < 8)
			return -EINVAL;
		plen = cg_get16(p + 2);
		spi_size = p[6];
		if (plen < 8 + spi_size || plen > len || p[7] == 0)
			return -EINVAL;
		if (phase2 && spi_size == 4)
			spi = cg_get32(p + 8);
		else if (phase2 || (spi_size != 0 && spi_size != 16))
			return -EINVAL;
		next = p[0];
		if (sa_transforms(p + 8 + spi_size, plen - 8 - spi_size, phase2, p[4], p[5], spi, out,
				  max, n))
			return -EINVAL;
		p += plen;
		len -= plen;
	}
	return next == IKE1_PL_NONE && len == 0 && *n ? 0 : -EINVAL;
}

int ike1_notify_parse(const struct ike1_pl *pl, struct ike1_notify *n)
{
	if (pl->len < 8 || pl->len - 8 < pl->body[5])
		return -EINVAL;
	n->proto = pl->body[4];
	n->spi_len = pl->body[5];
	n->type = cg_get16(pl->body + 6);
	n->spi = pl->body + 8;
	n->data = n->spi + n->spi_len;
	n->len = pl->len - 8 - n->spi_len;
	return 0;
}

int ike1_delete_parse(const struct ike1_pl *pl, struct ike1_delete *d)
{
	if (pl->len < 8)
		return -EINVAL;
	d->proto = pl->body[4];
	d->spi_size = pl->body[5];
	d->n = cg_get16(pl->body + 6);
	d->spis = pl->body + 8;
	if (!d->spi_size || !d->n || (size_t)d->spi_size * d->n != pl->len - 8)
		return -EINVAL;
	return 0;
}

/*
 * IDs.
 */

int ike1_id_to_ts(const struct ike1_pl *pl, struct cg_ts *ts)
{
	const uint8_t *p = pl->body + 4;
	size_t len = pl->len >= 4 ? pl->len - 4 : 0, alen;
	struct cg_addr a = { 0 }, b = { 0 };
	sa_family_t family;
	uint16_t port;

	if (pl->len < 4)
		return -EINVAL;
	switch (pl->body[0]) {
	case IKE1_ID_IPV4_ADDR: case IKE1_ID_IPV4_SUBNET: case IKE1_ID_IPV4_RANGE:
		family = AF_INET;
		alen = 4;
		break;
	case IKE1_ID_IPV6_ADDR: case IKE1_ID_IPV6_SUBNET: case IKE1_ID_IPV6_RANGE:
		family = AF_INET6;
		alen = 16;
		break;
	default:
		return -EINVAL;
	}
	a.family = b.family = family;
	if (pl->body[0] == IKE1_ID_IPV4_ADDR || pl->body[0] == IKE1_ID_IPV6_ADDR) {
		if (len != alen)
			return -EINVAL;
		memcpy(a.u.bytes, p, alen);
		*ts = cg_ts_from_host(&a);
	} else if (pl->body[0] == IKE1_ID_IPV4_SUBNET || pl->body[0] == IKE1_ID_IPV6_SUBNET) {
		uint8_t prefix = 0;

		if (len != 2 * alen)
			return -EINVAL;
		memcpy(a.u.bytes, p, alen);
		/* The mask must be contiguous ones. */
		for (size_t i = 0; i < alen; i++) {
			uint8_t m = p[alen + i];

			if (prefix != 8 * i && m)
				return -EINVAL;
			while (m & 0x80) {
				prefix++;
				m = (uint8_t)(m << 1);
			}
			if (m)
				return -EINVAL;
		}
		*ts = cg_ts_from_prefix(&a, prefix);
	} else {
		if (len != 2 * alen)
			return -EINVAL;
		memcpy(a.u.bytes, p, alen);
		memcpy(b.u.bytes, p + alen, alen);
		if (memcmp(a.u.bytes, b.u.bytes, alen) > 0)
			return -EINVAL;
		*ts = cg_ts_from_host(&a);
		ts->to = b;
	}
	ts->proto = pl->body[1];
	port = cg_get16(pl->body + 2);
	/* Port 0 is any port (RFC 2407 4.6.2); ICMP type/code travel the same way. */
	ts->from_port = port;
	ts->to_port = port ? port : 0xffff;
	return 0;
}

int ike1_id_to_id(const struct ike1_pl *pl, struct cg_id *id)
{
	uint8_t type;

	if (pl->len < 5)
		return -EINVAL;
	type = pl->body[0];
	if ((type == IKE1_ID_IPV4_ADDR && pl->len != 8) ||
	    (type == IKE1_ID_IPV6_ADDR && pl->len != 20))
		return -EINVAL;
	if (type != IKE1_ID_IPV4_ADDR && type != IKE1_ID_IPV6_ADDR && type != IKE1_ID_FQDN &&
	    type != IKE1_ID_USER_FQDN && type != IKE1_ID_DER_ASN1_DN)
		return -EINVAL;
	/* The ID types shared with IKEv2 have its numbers (cg_id_type). */
	return cg_id_from_wire(type, CG_CHUNK(pl->body + 4, pl->len - 4), id);
}

/*
 * Writer.
 */

static bool w_room(struct ike1_w *w, size_t more)
{
	if (w->failed)
		return false;
	if (!cg_grow(&w->buf, &w->cap, w->len + more))
		w->failed = true;
	return !w->failed;
}

size_t ike1_w_put(struct ike1_w *w, const void *data, size_t len)
{
	size_t off = w->len;

	if (!w_room(w, len))
		return off;
	if (data)
		memcpy(w->buf + w->len, data, len);
	else
		memset(w->buf + w->len, 0, len);
	w->len += len;
	return off;
}

void ike1_w_init(struct ike1_w *w, const struct ike1_hdr *h)
{
	uint8_t hdr[CG_IKE_HEADER_LEN];

	memset(w, 0, sizeof(*w));
	cg_put64(hdr, h->ci);
	cg_put64(hdr + 8, h->cr);
	hdr[16] = IKE1_PL_NONE;
	hdr[17] = 0x10;
	hdr[18] = h->exchange;
	hdr[19] = h->flags;
	cg_put32(hdr + 20, h->mid);
	cg_put32(hdr + 24, 0);
	ike1_w_put(w, hdr, sizeof(hdr));
	w->next_at = 16;
	w->body_at = CG_IKE_HEADER_LEN;
}

void ike1_w_free(struct ike1_w *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

size_t ike1_w_begin(struct ike1_w *w, uint8_t type)
{
	size_t off = ike1_w_put(w, NULL, 4);

	if (w->failed)
		return off;
	w->buf[w->next_at] = type;
	w->next_at = off;
	return off;
}

void ike1_w_end(struct ike1_w *w, size_t off)
{
	if (w->failed)
		return;
	if (w->len - off > 0xffff) {
		w->failed = true;
		return;
	}
	cg_put16(w->buf + off + 2, (uint16_t)(w->len - off));
}

void ike1_w_payload(struct ike1_w *w, uint8_t type, const void *body, size_t len)
{
	size_t off = ike1_w_begin(w, type);

	ike1_w_put(w, body, len);
	ike1_w_end(w, off);
}

void ike1_w_attr(struct ike1_w *w, uint16_t type, uint32_t value, bool tlv)
{
	uint8_t a[8];

	if (!tlv && value <= 0xffff) {
		cg_put16(a, (uint16_t)(0x8000 | type));
		cg_put16(a + 2, (uint16_t)value);
		ike1_w_put(w, a, 4);
		return;
	}
	cg_put16(a, type);
	cg_put16(a + 2, 4);
	cg_put32(a + 4, value);
	ike1_w_put(w, a, 8);
}

void ike1_w_notify(struct ike1_w *w, uint8_t proto, uint16_t type, const void *spi,
		   size_t spi_len, const void *data, size_t len)
{
	size_t off = ike1_w_begin(w, IKE1_PL_N);
	uint8_t h[8];

	cg_put32(h, 1);
	h[4] = proto;
	h[5] = (uint8_t)spi_len;
	cg_put16(h + 6, type);
	ike1_w_put(w, h, sizeof(h));
	if (spi_len)
		ike1_w_put(w, spi, spi_len);
	if (len)
		ike1_w_put(w, data, len);
	ike1_w_end(w, off);
}

void ike1_w_delete(struct ike1_w *w, uint8_t proto, const void *spi, size_t spi_len)
{
	size_t off = ike1_w_begin(w, IKE1_PL_D);
	uint8_t h[8];

	cg_put32(h, 1);
	h[4] = proto;
	h[5] = (uint8_t)spi_len;
	cg_put16(h + 6, 1);
	ike1_w_put(w, h, sizeof(h));
	ike1_w_put(w, spi, spi_len);
	ike1_w_end(w, off);
}

void ike1_w_id_ts(struct ike1_w *w, const struct cg_ts *ts)
{
	bool v4 = ts->family == AF_INET;
	size_t alen = v4 ? 4 : 16;
	size_t off = ike1_w_begin(w, IKE1_PL_ID);
	struct cg_addr net;
	uint8_t h[4], prefix;

	h[1] = ts->proto;
	cg_put16(h + 2, cg_ts_any_port(ts) ? 0 : ts->from_port);
	if (!memcmp(ts->from.u.bytes, ts->to.u.bytes, alen)) {
		h[0] = v4 ? IKE1_ID_IPV4_ADDR : IKE1_ID_IPV6_ADDR;
		ike1_w_put(w, h, 4);
		ike1_w_put(w, ts->from.u.bytes, alen);
	} else if (cg_ts_to_prefix(ts, &net, &prefix)) {
		uint8_t mask[16] = { 0 };

		for (size_t i = 0; i < prefix; i++)
			mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		h[0] = v4 ? IKE1_ID_IPV4_SUBNET : IKE1_ID_IPV6_SUBNET;
		ike1_w_put(w, h, 4);
		ike1_w_put(w, net.u.bytes, alen);
		ike1_w_put(w, mask, alen);
	} else {
		h[0] = v4 ? IKE1_ID_IPV4_RANGE : IKE1_ID_IPV6_RANGE;
		ike1_w_put(w, h, 4);
		ike1_w_put(w, ts->from.u.bytes, alen);
		ike1_w_put(w, ts->to.u.bytes, alen);
	}
	ike1_w_end(w, off);
}

void ike1_w_id(struct ike1_w *w, const struct cg_id *id)
{
	size_t off = ike1_w_begin(w, IKE1_PL_ID);
	uint8_t h[4] = { (uint8_t)id->type, 0, 0, 0 };

	ike1_w_put(w, h, 4);
	ike1_w_put(w, id->data.ptr, id->data.len);
	ike1_w_end(w, off);
}

struct cg_chunk ike1_w_finish(struct ike1_w *w)
{
	if (w->failed || w->len < CG_IKE_HEADER_LEN)
		return CG_CHUNK_EMPTY;
	cg_put32(w->buf + 24, (uint32_t)w->len);
	return CG_CHUNK(w->buf, w->len);
}

const char *ike1_exchange_name(uint8_t exchange)
{
	switch (exchange) {
	case IKE1_EXCH_MAIN: return "Main Mode";
	case IKE1_EXCH_AGGRESSIVE: return "Aggressive Mode";
	case IKE1_EXCH_INFO: return "Informational";
	case IKE1_EXCH_QUICK: return "Quick Mode";
	}
	return "unknown exchange";
}

const char *ike1_notify_name(uint16_t type)
{
	switch (type) {
	case IKE1_N_INVALID_PAYLOAD_TYPE: return "INVALID-PAYLOAD-TYPE";
	case IKE1_N_NO_PROPOSAL_CHOSEN: return "NO-PROPOSAL-CHOSEN";
	case IKE1_N_PAYLOAD_MALFORMED: return "PAYLOAD-MALFORMED";
	case IKE1_N_INVALID_KEY_INFORMATION: return "INVALID-KEY-INFORMATION";
	case IKE1_N_INVALID_ID_INFORMATION: return "INVALID-ID-INFORMATION";
	case IKE1_N_INVALID_HASH_INFORMATION: return "INVALID-HASH-INFORMATION";
	case IKE1_N_AUTHENTICATION_FAILED: return "AUTHENTICATION-FAILED";
	case IKE1_N_RESPONDER_LIFETIME: return "RESPONDER-LIFETIME";
	case IKE1_N_INITIAL_CONTACT: return "INITIAL-CONTACT";
	}
	return "notify";
}
