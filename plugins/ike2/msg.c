/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IKEv2 wire codec (RFC 7296 3): one parser and one writer per payload.
 * Every length is checked against what encloses it before anything is read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

#define PL_HDR_LEN 4

int ike2_hdr_parse(const uint8_t *data, size_t len, struct ike2_hdr *h)
{
	if (len < CG_IKE_HEADER_LEN)
		return -EBADMSG;
	h->spi_i = cg_get64(data);
	h->spi_r = cg_get64(data + 8);
	h->next = data[16];
	h->version = data[17];
	h->exchange = data[18];
	h->flags = data[19];
	h->mid = cg_get32(data + 20);
	h->length = cg_get32(data + 24);
	if (h->length != len)
		return -EBADMSG;
	return 0;
}

uint32_t ike2_hdr_length(const uint8_t *data, size_t len)
{
	return len < CG_IKE_HEADER_LEN ? 0 : cg_get32(data + 24);
}

bool ike2_pl_known(uint8_t type)
{
	switch (type) {
	case IKE2_PL_SA: case IKE2_PL_KE: case IKE2_PL_IDI: case IKE2_PL_IDR:
	case IKE2_PL_CERT: case IKE2_PL_CERTREQ: case IKE2_PL_AUTH: case IKE2_PL_NONCE:
	case IKE2_PL_NOTIFY: case IKE2_PL_DELETE: case IKE2_PL_VENDOR: case IKE2_PL_TSI:
	case IKE2_PL_TSR: case IKE2_PL_SK: case IKE2_PL_CP: case IKE2_PL_EAP:
		return true;
	default:
		return false;
	}
}

int ike2_chain_parse(uint8_t first, const uint8_t *data, size_t len, struct ike2_chain *c)
{
	uint8_t type = first;
	size_t off = 0;

	c->n = 0;
	while (type != IKE2_PL_NONE) {
		struct ike2_pl *pl;
		uint16_t plen;

		if (c->n == IKE2_MAX_PAYLOADS || len - off < PL_HDR_LEN)
			return -EBADMSG;
		plen = cg_get16(data + off + 2);
		if (plen < PL_HDR_LEN || plen > len - off)
			return -EBADMSG;
		pl = &c->pl[c->n++];
		pl->type = type;
		pl->next = data[off];
		pl->critical = data[off + 1] & 0x80;
		pl->hdr = data + off;
		pl->body = data + off + PL_HDR_LEN;
		pl->len = plen - PL_HDR_LEN;
		off += plen;
		if (type == IKE2_PL_SK || type == IKE2_PL_SKF) {
			/* SK or SKF is last; its next field names the first inner payload. */
			return off == len ? 0 : -EBADMSG;
		}
		type = pl->next;
	}
	return off == len ? 0 : -EBADMSG;
}

const struct ike2_pl *ike2_chain_find(const struct ike2_chain *c, uint8_t type)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->pl[i].type == type)
			return &c->pl[i];
	return NULL;
}

uint8_t ike2_chain_unknown_critical(const struct ike2_chain *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->pl[i].critical && !ike2_pl_known(c->pl[i].type))
			return c->pl[i].type;
	return 0;
}

/* Reads one transform; false when it is malformed. */
static bool transform_parse(const uint8_t *p, size_t len, struct cg_transform *t, bool *known)
{
	size_t off = 8;

	t->type = p[4];
	t->id = cg_get16(p + 6);
	t->keylen = 0;
	*known = t->type >= CG_TT_ENCR && t->type <= CG_TT_ESN;
	while (off < len) {
		uint16_t atype, alen;

		if (len - off < 4)
			return false;
		atype = cg_get16(p + off);
		if (atype & 0x8000) {
			/* TV format: the value is the 16-bit length field itself. */
			if ((atype & 0x7fff) == 14)
				t->keylen = cg_get16(p + off + 2);
			else
				*known = false;
			off += 4;
		} else {
			alen = cg_get16(p + off + 2);
			if (alen > len - off - 4)
				return false;
			*known = false;
			off += 4 + alen;
		}
	}
	return true;
}

static int proposal_parse(const uint8_t *p, size_t len, struct ike2_prop *prop)
{
	uint8_t n_transforms;
	size_t off;

	if (len < 8)
		return -EBADMSG;
	memset(prop, 0, sizeof(*prop));
	prop->num = p[4];
	prop->p.protocol = p[5];
	prop->spi_size = p[6];
	n_transforms = p[7];
	prop->usable = true;
	if (prop->spi_size > 8 || (size_t)8 + prop->spi_size > len)
		return -EBADMSG;
	for (size_t i = 0; i < prop->spi_size; i++)
		prop->spi = prop->spi << 8 | p[8 + i];
	off = 8 + prop->spi_size;
	for (unsigned i = 0; i < n_transforms; i++) {
		struct cg_transform t;
		bool known;
		uint16_t tlen;

		if (len - off < 8)
			return -EBADMSG;
		tlen = cg_get16(p + off + 2);
		if (tlen < 8 || tlen > len - off)
			return -EBADMSG;
		/* "last" is 0 for the last transform and 3 for every other (3.3.2). */
		if (p[off] != (i + 1 == n_transforms ? 0 : 3))
			return -EBADMSG;
		if (!transform_parse(p + off, tlen, &t, &known))
			return -EBADMSG;
		if (!known)
			prop->usable = false;
		else if (prop->p.n < CG_PROPOSAL_MAX_TRANSFORMS)
			prop->p.t[prop->p.n++] = t;
		else
			prop->usable = false;
		off += tlen;
	}
	return off == len ? 0 : -EBADMSG;
}

int ike2_sa_parse(const struct ike2_pl *pl, struct ike2_prop *props, size_t max, size_t *n)
{
	size_t off = 0;

	*n = 0;
	while (off < pl->len) {
		const uint8_t *p = pl->body + off;
		uint16_t plen;
		bool last;
		int err;

		if (pl->len - off < 8)
			return -EBADMSG;
		plen = cg_get16(p + 2);
		if (plen < 8 || plen > pl->len - off)
			return -EBADMSG;
		if (p[0] != 0 && p[0] != 2)
			return -EBADMSG;
		last = p[0] == 0;
		if (*n < max) {
			err = proposal_parse(p, plen, &props[*n]);
			if (err)
				return err;
			(*n)++;
		}
		off += plen;
		if (last)
			return off == pl->len ? 0 : -EBADMSG;
	}
	return -EBADMSG; /* no proposal, or the last one was not marked */
}

int ike2_notify_parse(const struct ike2_pl *pl, struct ike2_notify *n)
{
	if (pl->len < 4)
		return -EBADMSG;
	n->proto = pl->body[0];
	n->spi_size = pl->body[1];
	n->type = cg_get16(pl->body + 2);
	if ((size_t)4 + n->spi_size > pl->len)
		return -EBADMSG;
	n->spi = pl->body + 4;
	n->data = pl->body + 4 + n->spi_size;
	n->data_len = pl->len - 4 - n->spi_size;
	return 0;
}

bool ike2_chain_notify(const struct ike2_chain *c, uint16_t type, struct ike2_notify *out)
{
	for (size_t i = 0; i < c->n; i++) {
		struct ike2_notify n;

		if (c->pl[i].type != IKE2_PL_NOTIFY || ike2_notify_parse(&c->pl[i], &n))
			continue;
		if (n.type == type) {
			if (out)
				*out = n;
			return true;
		}
	}
	return false;
}

uint16_t ike2_chain_error(const struct ike2_chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct ike2_notify n;

		if (c->pl[i].type != IKE2_PL_NOTIFY || ike2_notify_parse(&c->pl[i], &n))
			continue;
		if (n.type <= IKE2_N_ERROR_MAX)
			return n.type;
	}
	return 0;
}

bool ike2_notify_spi(const struct ike2_notify *n, uint32_t *spi)
{
	if (n->spi_size != 4)
		return false;
	*spi = cg_get32(n->spi);
	return true;
}

uint16_t ike2_notify_ke_group(const struct ike2_notify *n)
{
	return n->data_len == 2 ? cg_get16(n->data) : CG_KE_NONE;
}

uint16_t ike2_notify_hashes(const struct ike2_notify *n)
{
	uint16_t set = 0;

	for (size_t i = 0; i + 1 < n->data_len; i += 2) {
		uint16_t hash = cg_get16(n->data + i);

		if (hash && hash < 16)
			set |= (uint16_t)(1u << hash);
	}
	return set;
}

int ike2_ke_parse(const struct ike2_pl *pl, struct ike2_ke *ke)
{
	if (pl->len < 4)
		return -EBADMSG;
	ke->group = cg_get16(pl->body);
	ke->data = pl->body + 4;
	ke->len = pl->len - 4;
	return 0;
}

int ike2_nonce_parse(const struct ike2_pl *pl, struct cg_chunk *nonce)
{
	if (pl->len < 16 || pl->len > 256)
		return -EBADMSG;
	return cg_chunk_dup(nonce, CG_CHUNK(pl->body, pl->len));
}

int ike2_id_parse(const struct ike2_pl *pl, struct cg_id *id)
{
	if (pl->len < 5)
		return -EBADMSG;
	return cg_id_from_wire(pl->body[0], CG_CHUNK(pl->body + 4, pl->len - 4), id);
}

int ike2_auth_parse(const struct ike2_pl *pl, struct ike2_auth *a)
{
	if (pl->len < 5)
		return -EBADMSG;
	a->method = pl->body[0];
	a->data = pl->body + 4;
	a->len = pl->len - 4;
	return 0;
}

int ike2_auth_sig_parse(const struct ike2_auth *a, struct cg_chunk *alg_id, struct cg_chunk *sig)
{
	if (a->len < 1 || a->data[0] >= a->len)
		return -EBADMSG;
	*alg_id = CG_CHUNK(a->data + 1, a->data[0]);
	*sig = CG_CHUNK(a->data + 1 + a->data[0], a->len - 1 - a->data[0]);
	return 0;
}

int ike2_cert_parse(const struct ike2_pl *pl, struct ike2_cert_pl *c)
{
	if (pl->len < 2)
		return -EBADMSG;
	c->encoding = pl->body[0];
	c->data = pl->body + 1;
	c->len = pl->len - 1;
	return 0;
}

int ike2_ts_parse(const struct ike2_pl *pl, struct cg_ts *ts, size_t max, size_t *n)
{
	size_t off = 4;
	uint8_t count;

	if (pl->len < 4)
		return -EBADMSG;
	count = pl->body[0];
	*n = 0;
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *p = pl->body + off;
		size_t alen;
		uint16_t slen;

		if (pl->len - off < 8)
			return -EBADMSG;
		slen = cg_get16(p + 2);
		if (slen < 8 || slen > pl->len - off)
			return -EBADMSG;
		if (p[0] == IKE2_TS_IPV4_RANGE)
			alen = 4;
		else if (p[0] == IKE2_TS_IPV6_RANGE)
			alen = 16;
		else
			alen = 0; /* unknown type: skipped (RFC 7296 3.13.1) */
		if (alen && slen != 8 + 2 * alen)
			return -EBADMSG;
		if (alen && *n < max) {
			struct cg_ts *t = &ts[(*n)++];

			memset(t, 0, sizeof(*t));
			t->family = alen == 4 ? AF_INET : AF_INET6;
			t->proto = p[1];
			t->from_port = cg_get16(p + 4);
			t->to_port = cg_get16(p + 6);
			t->from.family = t->to.family = t->family;
			memcpy(t->from.u.bytes, p + 8, alen);
			memcpy(t->to.u.bytes, p + 8 + alen, alen);
		}
		off += slen;
	}
	return off == pl->len ? 0 : -EBADMSG;
}

int ike2_delete_parse(const struct ike2_pl *pl, struct ike2_delete *d)
{
	if (pl->len < 4)
		return -EBADMSG;
	d->proto = pl->body[0];
	d->spi_size = pl->body[1];
	d->n_spis = cg_get16(pl->body + 2);
	d->spis = pl->body + 4;
	if ((size_t)d->spi_size * d->n_spis != pl->len - 4)
		return -EBADMSG;
	return 0;
}

uint32_t ike2_delete_spi(const struct ike2_delete *d, size_t i)
{
	return cg_get32(d->spis + 4 * i);
}

/* Address attributes are empty (a request) or exactly one value. */
static bool cfg_attr_valid(const struct ike2_cfg_attr *a)
{
	switch (a->type) {
	case IKE2_CFG_IP4_ADDRESS: case IKE2_CFG_IP4_NETMASK: case IKE2_CFG_IP4_DNS:
		return a->len == 0 || a->len == 4;
	case IKE2_CFG_IP6_ADDRESS: case IKE2_CFG_IP6_SUBNET:
		return a->len == 0 || (a->len == 17 && a->value[16] <= 128);
	case IKE2_CFG_IP6_DNS:
		return a->len == 0 || a->len == 16;
	case IKE2_CFG_IP4_SUBNET:
		return a->len == 0 || a->len == 8;
	default:
		return true;
	}
}

int ike2_cfg_parse(const struct ike2_pl *pl, struct ike2_cfg *cfg)
{
	const uint8_t *p = pl->body;
	size_t left = pl->len;

	if (left < 4)
		return -EBADMSG;
	cfg->type = p[0];
	cfg->n = 0;
	p += 4;
	left -= 4;
	while (left) {
		struct ike2_cfg_attr a;

		if (left < 4)
			return -EBADMSG;
		a.type = cg_get16(p) & 0x7fff;
		a.len = cg_get16(p + 2);
		a.value = p + 4;
		if (a.len > left - 4 || !cfg_attr_valid(&a))
			return -EBADMSG;
		if (cfg->n < IKE2_CFG_MAX_ATTRS)
			cfg->attrs[cfg->n++] = a;
		p += 4 + a.len;
		left -= 4 + (size_t)a.len;
	}
	return 0;
}

struct cg_addr ike2_cfg_attr_addr(const struct ike2_cfg_attr *a, sa_family_t family)
{
	struct cg_addr addr = cg_addr_any(family);

	memcpy(addr.u.bytes, a->value, cg_addr_len(&addr));
	return addr;
}

bool ike2_cfg_attr_subnet(const struct ike2_cfg_attr *a, struct cg_addr *net,
			  uint8_t *prefixlen)
{
	uint32_t mask;
	uint8_t n = 0;

	if (a->type == IKE2_CFG_IP6_SUBNET) {
		*net = ike2_cfg_attr_addr(a, AF_INET6);
		*prefixlen = a->value[16];
		return true;
	}
	*net = ike2_cfg_attr_addr(a, AF_INET);
	mask = cg_get32(a->value + 4);
	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	*prefixlen = n;
	return n == 32 || !(mask << n);
}

int ike2_skf_parse(const struct ike2_pl *pl, struct ike2_skf *f)
{
	if (pl->len < 4)
		return -EBADMSG;
	f->num = cg_get16(pl->body);
	f->total = cg_get16(pl->body + 2);
	f->iv = pl->body + 4;
	return 0;
}

/*
 * Writer.
 */

void ike2_w_init(struct ike2_w *w)
{
	memset(w, 0, sizeof(*w));
	w->next_at = SIZE_MAX;
}

void ike2_w_free(struct ike2_w *w)
{
	free(w->buf);
	ike2_w_init(w);
}

static bool w_grow(struct ike2_w *w, size_t more)
{
	if (w->failed)
		return false;
	if (!cg_grow(&w->buf, &w->cap, w->len + more))
		w->failed = true;
	return !w->failed;
}

void ike2_w_put(struct ike2_w *w, const void *data, size_t len)
{
	if (!len || !w_grow(w, len))
		return;
	if (data)
		memcpy(w->buf + w->len, data, len);
	else
		memset(w->buf + w->len, 0, len);
	w->len += len;
}

void ike2_w_u8(struct ike2_w *w, uint8_t v)
{
	ike2_w_put(w, &v, 1);
}

void ike2_w_u16(struct ike2_w *w, uint16_t v)
{
	uint8_t b[2];

	cg_put16(b, v);
	ike2_w_put(w, b, 2);
}

void ike2_w_u32(struct ike2_w *w, uint32_t v)
{
	uint8_t b[4];

	cg_put32(b, v);
	ike2_w_put(w, b, 4);
}

void ike2_w_u64(struct ike2_w *w, uint64_t v)
{
	uint8_t b[8];

	cg_put64(b, v);
	ike2_w_put(w, b, 8);
}

static void w_patch16(struct ike2_w *w, size_t at, uint16_t v)
{
	if (w->failed)
		return;
	cg_put16(w->buf + at, v);
}

void ike2_w_hdr(struct ike2_w *w, const struct ike2_hdr *h)
{
	ike2_w_u64(w, h->spi_i);
	ike2_w_u64(w, h->spi_r);
	ike2_w_u8(w, h->next);
	ike2_w_u8(w, IKE2_VERSION);
	ike2_w_u8(w, h->exchange);
	ike2_w_u8(w, h->flags);
	ike2_w_u32(w, h->mid);
	ike2_w_u32(w, 0);
	w->next_at = 16;
}

void ike2_w_finish(struct ike2_w *w)
{
	if (!w->failed && w->len >= CG_IKE_HEADER_LEN)
		cg_put32(w->buf + 24, (uint32_t)w->len);
}

size_t ike2_w_begin(struct ike2_w *w, uint8_t type, bool critical)
{
	size_t start = w->len;

	if (w->next_at == SIZE_MAX)
		w->first = type;
	else if (!w->failed)
		w->buf[w->next_at] = type;
	ike2_w_u8(w, IKE2_PL_NONE);
	ike2_w_u8(w, critical ? 0x80 : 0);
	ike2_w_u16(w, 0);
	w->next_at = start;
	return start;
}

void ike2_w_end(struct ike2_w *w, size_t start)
{
	w_patch16(w, start + 2, (uint16_t)(w->len - start));
}

static void w_transform(struct ike2_w *w, const struct cg_transform *t, bool last)
{
	ike2_w_u8(w, last ? 0 : 3);
	ike2_w_u8(w, 0);
	ike2_w_u16(w, t->keylen ? 12 : 8);
	ike2_w_u8(w, t->type);
	ike2_w_u8(w, 0);
	ike2_w_u16(w, t->id);
	if (t->keylen) {
		ike2_w_u16(w, 0x8000 | 14);
		ike2_w_u16(w, t->keylen);
	}
}

void ike2_w_sa(struct ike2_w *w, const struct cg_proposal *props, const uint8_t *nums, size_t n,
	       uint64_t spi, uint8_t spi_size)
{
	size_t start = ike2_w_begin(w, IKE2_PL_SA, false);

	for (size_t i = 0; i < n; i++) {
		size_t pstart = w->len;

		ike2_w_u8(w, i + 1 == n ? 0 : 2);
		ike2_w_u8(w, 0);
		ike2_w_u16(w, 0);
		ike2_w_u8(w, nums ? nums[i] : (uint8_t)(i + 1));
		ike2_w_u8(w, props[i].protocol);
		ike2_w_u8(w, spi_size);
		ike2_w_u8(w, (uint8_t)props[i].n);
		for (int b = spi_size - 1; b >= 0; b--)
			ike2_w_u8(w, (uint8_t)(spi >> (8 * b)));
		for (size_t t = 0; t < props[i].n; t++)
			w_transform(w, &props[i].t[t], t + 1 == props[i].n);
		w_patch16(w, pstart + 2, (uint16_t)(w->len - pstart));
	}
	ike2_w_end(w, start);
}

void ike2_w_ke(struct ike2_w *w, uint16_t group, const uint8_t *pub, size_t len)
{
	size_t start = ike2_w_begin(w, IKE2_PL_KE, false);

	ike2_w_u16(w, group);
	ike2_w_u16(w, 0);
	ike2_w_put(w, pub, len);
	ike2_w_end(w, start);
}

void ike2_w_nonce(struct ike2_w *w, struct cg_chunk nonce)
{
	size_t start = ike2_w_begin(w, IKE2_PL_NONCE, false);

	ike2_w_put(w, nonce.ptr, nonce.len);
	ike2_w_end(w, start);
}

void ike2_w_notify(struct ike2_w *w, uint8_t proto, uint16_t type, const uint8_t *spi,
		   uint8_t spi_size, const uint8_t *data, size_t len)
{
	size_t start = ike2_w_begin(w, IKE2_PL_NOTIFY, false);

	ike2_w_u8(w, proto);
	ike2_w_u8(w, spi_size);
	ike2_w_u16(w, type);
	ike2_w_put(w, spi, spi_size);
	ike2_w_put(w, data, len);
	ike2_w_end(w, start);
}

void ike2_w_notify_hashes(struct ike2_w *w, const uint16_t *hashes, size_t n)
{
	size_t start = ike2_w_begin(w, IKE2_PL_NOTIFY, false);

	ike2_w_u8(w, 0);
	ike2_w_u8(w, 0);
	ike2_w_u16(w, IKE2_N_SIGNATURE_HASH_ALGORITHMS);
	for (size_t i = 0; i < n; i++)
		ike2_w_u16(w, hashes[i]);
	ike2_w_end(w, start);
}

void ike2_w_id(struct ike2_w *w, uint8_t type, const struct cg_id *id, size_t *body_off)
{
	size_t start = ike2_w_begin(w, type, false);

	if (body_off)
		*body_off = w->len;
	ike2_w_u8(w, (uint8_t)id->type);
	ike2_w_put(w, NULL, 3);
	ike2_w_put(w, id->data.ptr, id->data.len);
	ike2_w_end(w, start);
}

void ike2_w_auth(struct ike2_w *w, uint8_t method, const uint8_t *data, size_t len)
{
	size_t start = ike2_w_begin(w, IKE2_PL_AUTH, false);

	ike2_w_u8(w, method);
	ike2_w_put(w, NULL, 3);
	ike2_w_put(w, data, len);
	ike2_w_end(w, start);
}

void ike2_w_cert(struct ike2_w *w, uint8_t type, uint8_t encoding, const uint8_t *data,
		 size_t len)
{
	size_t start = ike2_w_begin(w, type, false);

	ike2_w_u8(w, encoding);
	ike2_w_put(w, data, len);
	ike2_w_end(w, start);
}

void ike2_w_ts(struct ike2_w *w, uint8_t type, const struct cg_ts *ts, size_t n)
{
	size_t start = ike2_w_begin(w, type, false);

	ike2_w_u8(w, (uint8_t)n);
	ike2_w_put(w, NULL, 3);
	for (size_t i = 0; i < n; i++) {
		size_t alen = ts[i].family == AF_INET ? 4 : 16;

		ike2_w_u8(w, alen == 4 ? IKE2_TS_IPV4_RANGE : IKE2_TS_IPV6_RANGE);
		ike2_w_u8(w, ts[i].proto);
		ike2_w_u16(w, (uint16_t)(8 + 2 * alen));
		ike2_w_u16(w, ts[i].from_port);
		ike2_w_u16(w, ts[i].to_port);
		ike2_w_put(w, ts[i].from.u.bytes, alen);
		ike2_w_put(w, ts[i].to.u.bytes, alen);
	}
	ike2_w_end(w, start);
}

void ike2_w_delete(struct ike2_w *w, uint8_t proto, const uint32_t *spis, size_t n)
{
	size_t start = ike2_w_begin(w, IKE2_PL_DELETE, false);

	ike2_w_u8(w, proto);
	ike2_w_u8(w, proto == CG_PROTO_IKE ? 0 : 4);
	ike2_w_u16(w, proto == CG_PROTO_IKE ? 0 : (uint16_t)n);
	for (size_t i = 0; proto != CG_PROTO_IKE && i < n; i++)
		ike2_w_u32(w, spis[i]);
	ike2_w_end(w, start);
}

size_t ike2_w_cfg(struct ike2_w *w, uint8_t cfg_type)
{
	size_t start = ike2_w_begin(w, IKE2_PL_CP, false);

	ike2_w_u8(w, cfg_type);
	ike2_w_u8(w, 0);
	ike2_w_u16(w, 0);
	return start;
}

void ike2_w_cfg_attr(struct ike2_w *w, uint16_t type, const void *value, uint16_t len)
{
	ike2_w_u16(w, type);
	ike2_w_u16(w, len);
	ike2_w_put(w, value, len);
}

void ike2_w_cfg_addr(struct ike2_w *w, uint16_t type, const struct cg_addr *a, bool with_prefix,
		     uint8_t prefixlen)
{
	uint8_t v[17];
	size_t len = cg_addr_len(a);

	memcpy(v, a->u.bytes, len);
	if (with_prefix)
		v[len++] = prefixlen;
	ike2_w_cfg_attr(w, type, v, (uint16_t)len);
}

void ike2_w_cfg_subnet(struct ike2_w *w, const struct cg_addr *net, uint8_t prefixlen)
{
	uint8_t v4[8];

	if (net->family == AF_INET6) {
		ike2_w_cfg_addr(w, IKE2_CFG_IP6_SUBNET, net, true, prefixlen);
		return;
	}
	memcpy(v4, net->u.bytes, 4);
	cg_put32(v4 + 4, prefixlen ? ~0u << (32 - prefixlen) : 0);
	ike2_w_cfg_attr(w, IKE2_CFG_IP4_SUBNET, v4, sizeof(v4));
}

/*
 * Names for log lines.
 */

const char *ike2_exchange_name(uint8_t exchange)
{
	switch (exchange) {
	case IKE2_EXCH_SA_INIT: return "IKE_SA_INIT";
	case IKE2_EXCH_AUTH: return "IKE_AUTH";
	case IKE2_EXCH_CREATE_CHILD_SA: return "CREATE_CHILD_SA";
	case IKE2_EXCH_INFORMATIONAL: return "INFORMATIONAL";
	default: return "UNKNOWN_EXCHANGE";
	}
}

const char *ike2_notify_name(uint16_t type)
{
	switch (type) {
	case IKE2_N_UNSUPPORTED_CRITICAL_PAYLOAD: return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case IKE2_N_INVALID_IKE_SPI: return "INVALID_IKE_SPI";
	case IKE2_N_INVALID_MAJOR_VERSION: return "INVALID_MAJOR_VERSION";
	case IKE2_N_INVALID_SYNTAX: return "INVALID_SYNTAX";
	case IKE2_N_INVALID_MESSAGE_ID: return "INVALID_MESSAGE_ID";
	case IKE2_N_INVALID_SPI: return "INVALID_SPI";
	case IKE2_N_NO_PROPOSAL_CHOSEN: return "NO_PROPOSAL_CHOSEN";
	case IKE2_N_INVALID_KE_PAYLOAD: return "INVALID_KE_PAYLOAD";
	case IKE2_N_AUTHENTICATION_FAILED: return "AUTHENTICATION_FAILED";
	case IKE2_N_SINGLE_PAIR_REQUIRED: return "SINGLE_PAIR_REQUIRED";
	case IKE2_N_NO_ADDITIONAL_SAS: return "NO_ADDITIONAL_SAS";
	case IKE2_N_INTERNAL_ADDRESS_FAILURE: return "INTERNAL_ADDRESS_FAILURE";
	case IKE2_N_FAILED_CP_REQUIRED: return "FAILED_CP_REQUIRED";
	case IKE2_N_TS_UNACCEPTABLE: return "TS_UNACCEPTABLE";
	case IKE2_N_INVALID_SELECTORS: return "INVALID_SELECTORS";
	case IKE2_N_TEMPORARY_FAILURE: return "TEMPORARY_FAILURE";
	case IKE2_N_CHILD_SA_NOT_FOUND: return "CHILD_SA_NOT_FOUND";
	case IKE2_N_INITIAL_CONTACT: return "INITIAL_CONTACT";
	case IKE2_N_COOKIE: return "COOKIE";
	case IKE2_N_USE_TRANSPORT_MODE: return "USE_TRANSPORT_MODE";
	case IKE2_N_REKEY_SA: return "REKEY_SA";
	case IKE2_N_UNACCEPTABLE_ADDRESSES: return "UNACCEPTABLE_ADDRESSES";
	case IKE2_N_UNEXPECTED_NAT_DETECTED: return "UNEXPECTED_NAT_DETECTED";
	case IKE2_N_MOBIKE_SUPPORTED: return "MOBIKE_SUPPORTED";
	case IKE2_N_UPDATE_SA_ADDRESSES: return "UPDATE_SA_ADDRESSES";
	default: return "NOTIFY";
	}
}

const char *ike2_payload_name(uint8_t type)
{
	static const char *const names[] = {
		"SA", "KE", "IDi", "IDr", "CERT", "CERTREQ", "AUTH", "No", "N",
		"D", "V", "TSi", "TSr", "SK", "CP", "EAP",
	};

	if (type >= IKE2_PL_SA && type <= IKE2_PL_EAP)
		return names[type - IKE2_PL_SA];
	return type == IKE2_PL_SKF ? "SKF" : "UNKNOWN";
}
