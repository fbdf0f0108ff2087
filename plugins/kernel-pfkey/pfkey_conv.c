/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Neutral forms <-> Linux af_key: selectors, algorithms, and event messages. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <cygnet/transform.h>

#include "pfkey_conv.h"

#define ANY_PORT_FROM 0x0000
#define ANY_PORT_TO 0xffff

static bool is_icmp(uint8_t proto)
{
	return proto == CG_PROTO_ICMP || proto == CG_PROTO_ICMPV6;
}

/* Protocols whose selectors carry ports in the transport header. */
static bool has_ports(uint8_t proto)
{
	switch (proto) {
	case CG_PROTO_TCP:
	case CG_PROTO_UDP:
	case 33:  /* DCCP */
	case 132: /* SCTP */
	case 136: /* UDP-Lite */
		return true;
	default:
		return false;
	}
}

static bool full_range(uint16_t from, uint16_t to)
{
	return from == ANY_PORT_FROM && to == ANY_PORT_TO;
}

/* One side's port range of TCP/UDP/...: exact or any. */
static int encode_port(const struct cg_ts *ts, uint16_t *port, const char **why)
{
	if (full_range(ts->from_port, ts->to_port)) {
		*port = 0;
		return 0;
	}
	if (ts->from_port == ts->to_port && ts->from_port != 0) {
		*port = ts->from_port;
		return 0;
	}
	*why = "af_key selectors hold one exact port or any, not a range (nor port 0)";
	return -EOPNOTSUPP;
}

/*
 * ICMP type << 8 | code range to sport = type, dport = code. A zero port
 * is af_key's "any", so code 0 widens to any code of that type (ND and
 * most other types only use code 0) and type 0 cannot be expressed.
 */
static int encode_icmp(uint16_t from, uint16_t to, struct pfk_sel *sel, const char **why)
{
	uint8_t type = (uint8_t)(from >> 8);

	if (full_range(from, to))
		return 0;
	if (to >> 8 != type) {
		*why = "af_key selectors hold one ICMP type, not a range of types";
		return -EOPNOTSUPP;
	}
	if (type == 0) {
		*why = "ICMP type 0 cannot be told apart from any type in af_key";
		return -EOPNOTSUPP;
	}
	if ((from & 0xff) == 0 && (to & 0xff) == 0xff) {
		sel->sport = type;
		return 0;
	}
	if (from != to) {
		*why = "af_key selectors hold one ICMP code or any, not a range of codes";
		return -EOPNOTSUPP;
	}
	sel->sport = type;
	sel->dport = from & 0xff;
	return 0;
}

/* Mobility Header: the type in the high byte, any low byte. */
static int encode_mh(uint16_t from, uint16_t to, struct pfk_sel *sel, const char **why)
{
	uint8_t type = (uint8_t)(from >> 8);

	if (full_range(from, to))
		return 0;
	if (to >> 8 != type || type == 0 ||
	    !((from & 0xff) == 0 && ((to & 0xff) == 0xff || to == from))) {
		*why = "af_key selectors hold one Mobility Header type (not 0) or any";
		return -EOPNOTSUPP;
	}
	sel->sport = type;
	return 0;
}

/* ICMP/MH carry one value per packet: both ends of a selector name the same range. */
static int shared_range(const struct cg_ts *src, const struct cg_ts *dst, uint16_t *from,
			uint16_t *to, const char **why)
{
	*from = src->from_port > dst->from_port ? src->from_port : dst->from_port;
	*to = src->to_port < dst->to_port ? src->to_port : dst->to_port;
	if (*from > *to) {
		*why = "source and destination name disjoint ICMP/MH types";
		return -EINVAL;
	}
	return 0;
}

int pfk_sel_from_ts(const struct cg_ts *src, const struct cg_ts *dst, struct pfk_sel *out,
		    const char **why)
{
	uint16_t from, to;
	int err;

	memset(out, 0, sizeof(*out));
	if (src->family != dst->family || (src->family != AF_INET && src->family != AF_INET6)) {
		*why = "selector ends of different or unknown address families";
		return -EINVAL;
	}
	if (src->proto != dst->proto) {
		*why = "selector ends with different protocols";
		return -EINVAL;
	}
	if (src->from_port > src->to_port || dst->from_port > dst->to_port) {
		*why = "empty port range";
		return -EINVAL;
	}
	out->family = src->family;
	out->proto = src->proto;
	if (!cg_ts_to_prefix(src, &out->src, &out->src_len) ||
	    !cg_ts_to_prefix(dst, &out->dst, &out->dst_len)) {
		*why = "af_key selectors hold prefixes, not arbitrary address ranges";
		return -EOPNOTSUPP;
	}
	out->src.port = out->dst.port = 0;
	if (is_icmp(src->proto) || src->proto == CG_PROTO_MH) {
		err = shared_range(src, dst, &from, &to, why);
		if (err)
			return err;
		return is_icmp(src->proto) ? encode_icmp(from, to, out, why)
					   : encode_mh(from, to, out, why);
	}
	if (has_ports(src->proto)) {
		err = encode_port(src, &out->sport, why);
		return err ? err : encode_port(dst, &out->dport, why);
	}
	if (!cg_ts_any_port(src) || !cg_ts_any_port(dst)) {
		*why = "ports given for a protocol without ports";
		return -EOPNOTSUPP;
	}
	return 0;
}

void pfk_sel_to_ts(const struct pfk_sel *sel, struct cg_ts *src, struct cg_ts *dst)
{
	*src = cg_ts_from_prefix(&sel->src, sel->src_len);
	*dst = cg_ts_from_prefix(&sel->dst, sel->dst_len);
	src->proto = dst->proto = sel->proto;
	if (is_icmp(sel->proto) && sel->sport) {
		uint16_t base = (uint16_t)((sel->sport & 0xff) << 8);

		src->from_port = base | (sel->dport ? (sel->dport & 0xff) : 0x00);
		src->to_port = base | (sel->dport ? (sel->dport & 0xff) : 0xff);
		dst->from_port = src->from_port;
		dst->to_port = src->to_port;
	} else if (sel->proto == CG_PROTO_MH && sel->sport) {
		src->from_port = dst->from_port = (uint16_t)((sel->sport & 0xff) << 8);
		src->to_port = dst->to_port = (uint16_t)(src->from_port | 0xff);
	} else if (has_ports(sel->proto)) {
		if (sel->sport)
			src->from_port = src->to_port = sel->sport;
		if (sel->dport)
			dst->from_port = dst->to_port = sel->dport;
	}
}

bool pfk_sel_equal(const struct pfk_sel *a, const struct pfk_sel *b)
{
	return a->family == b->family && a->proto == b->proto && a->src_len == b->src_len &&
	       a->dst_len == b->dst_len && a->sport == b->sport && a->dport == b->dport &&
	       cg_addr_equal(&a->src, &b->src) && cg_addr_equal(&a->dst, &b->dst);
}

void pfk_put_sel(struct pfk_buf *b, const struct pfk_sel *sel)
{
	uint8_t proto = sel->proto ? sel->proto : IPSEC_PROTO_ANY;

	pfk_put_addr(b, SADB_EXT_ADDRESS_SRC, &sel->src, sel->sport, sel->src_len, proto);
	pfk_put_addr(b, SADB_EXT_ADDRESS_DST, &sel->dst, sel->dport, sel->dst_len, proto);
}

int pfk_get_sel(const struct pfk_msg *msg, struct pfk_sel *out, const char **why)
{
	uint8_t sproto, dproto;

	memset(out, 0, sizeof(*out));
	if (pfk_get_addr(msg, SADB_EXT_ADDRESS_SRC, &out->src, &out->src_len, &sproto) ||
	    pfk_get_addr(msg, SADB_EXT_ADDRESS_DST, &out->dst, &out->dst_len, &dproto)) {
		*why = "selector without source and destination addresses";
		return -EBADMSG;
	}
	if (out->src.family != out->dst.family) {
		*why = "selector addresses of different families";
		return -EBADMSG;
	}
	out->family = out->src.family;
	/* af_key writes "any" as 255 in SPD messages and as 0 in migrates. */
	out->proto = sproto == IPSEC_PROTO_ANY ? 0 : sproto;
	out->sport = out->src.port;
	out->dport = out->dst.port;
	out->src.port = out->dst.port = 0;
	return 0;
}

/* Algorithms, protocols, modes, directions. */

int pfk_encr_alg(uint16_t encr, uint8_t *sadb)
{
	switch (encr) {
	case CG_ENCR_NULL:
		*sadb = SADB_EALG_NULL;
		return 0;
	case CG_ENCR_3DES:
		*sadb = SADB_EALG_3DESCBC;
		return 0;
	case CG_ENCR_AES_CBC:
		*sadb = SADB_X_EALG_AESCBC;
		return 0;
	case CG_ENCR_AES_CTR:
		*sadb = SADB_X_EALG_AESCTR;
		return 0;
	case CG_ENCR_AES_GCM_8:
		*sadb = SADB_X_EALG_AES_GCM_ICV8;
		return 0;
	case CG_ENCR_AES_GCM_12:
		*sadb = SADB_X_EALG_AES_GCM_ICV12;
		return 0;
	case CG_ENCR_AES_GCM_16:
		*sadb = SADB_X_EALG_AES_GCM_ICV16;
		return 0;
	default:
		return -EOPNOTSUPP; /* ChaCha20-Poly1305 and others have no PF_KEY ID */
	}
}

int pfk_integ_alg(uint16_t integ, uint8_t *sadb)
{
	switch (integ) {
	case CG_INTEG_NONE:
		*sadb = SADB_AALG_NONE;
		return 0;
	case CG_INTEG_HMAC_MD5_96:
		*sadb = SADB_AALG_MD5HMAC;
		return 0;
	case CG_INTEG_HMAC_SHA1_96:
		*sadb = SADB_AALG_SHA1HMAC;
		return 0;
	case CG_INTEG_AES_XCBC_96:
		*sadb = SADB_X_AALG_AES_XCBC_MAC;
		return 0;
	case CG_INTEG_HMAC_SHA2_256_128:
		/*
		 * Linux af_key installs SADB_X_AALG_SHA2_256HMAC with the 96-bit
		 * ICV of an old draft, not RFC 4868's 128 bits: such an SA would
		 * not interoperate, so there is no ID for it here.
		 */
		return -EOPNOTSUPP;
	case CG_INTEG_HMAC_SHA2_384_192:
		*sadb = SADB_X_AALG_SHA2_384HMAC;
		return 0;
	case CG_INTEG_HMAC_SHA2_512_256:
		*sadb = SADB_X_AALG_SHA2_512HMAC;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

uint8_t pfk_satype(uint8_t proto)
{
	return proto == IPPROTO_ESP ? SADB_SATYPE_ESP : proto == IPPROTO_AH ? SADB_SATYPE_AH : 0;
}

uint8_t pfk_proto(uint8_t satype)
{
	return satype == SADB_SATYPE_ESP ? IPPROTO_ESP : satype == SADB_SATYPE_AH ? IPPROTO_AH : 0;
}

uint8_t pfk_mode(enum cg_ipsec_mode mode)
{
	return mode == CG_MODE_TUNNEL ? IPSEC_MODE_TUNNEL : IPSEC_MODE_TRANSPORT;
}

int pfk_mode_from(uint8_t mode, enum cg_ipsec_mode *out)
{
	switch (mode) {
	case IPSEC_MODE_TRANSPORT:
		*out = CG_MODE_TRANSPORT;
		return 0;
	case IPSEC_MODE_TUNNEL:
		*out = CG_MODE_TUNNEL;
		return 0;
	default:
		return -EBADMSG; /* BEET and "any" have no neutral form */
	}
}

uint8_t pfk_dir(enum cg_dir dir)
{
	switch (dir) {
	case CG_DIR_IN:
		return IPSEC_DIR_INBOUND;
	case CG_DIR_OUT:
		return IPSEC_DIR_OUTBOUND;
	default:
		return IPSEC_DIR_FWD;
	}
}

int pfk_dir_from(uint8_t dir, enum cg_dir *out)
{
	switch (dir) {
	case IPSEC_DIR_INBOUND:
		*out = CG_DIR_IN;
		return 0;
	case IPSEC_DIR_OUTBOUND:
		*out = CG_DIR_OUT;
		return 0;
	case IPSEC_DIR_FWD:
		*out = CG_DIR_FWD;
		return 0;
	default:
		return -EBADMSG;
	}
}

/* Events. */

static int sa_id_from_msg(const struct pfk_msg *msg, struct cg_kernel_sa_id *id, const char **why)
{
	struct sadb_sa sa;

	memset(id, 0, sizeof(*id));
	if (pfk_msg_require(msg, PFK_EXT(SADB_EXT_SA) | PFK_EXT(SADB_EXT_ADDRESS_SRC) |
					 PFK_EXT(SADB_EXT_ADDRESS_DST), why))
		return -EBADMSG;
	id->proto = pfk_proto(msg->hdr.sadb_msg_satype);
	if (!id->proto) {
		*why = "SA type is neither ESP nor AH";
		return -EBADMSG;
	}
	if (pfk_get_sa(msg, &sa) ||
	    pfk_get_addr(msg, SADB_EXT_ADDRESS_SRC, &id->src, NULL, NULL) ||
	    pfk_get_addr(msg, SADB_EXT_ADDRESS_DST, &id->dst, NULL, NULL)) {
		*why = "malformed SA or address extension";
		return -EBADMSG;
	}
	if (id->src.family != id->dst.family) {
		*why = "SA addresses of different families";
		return -EBADMSG;
	}
	id->spi = ntohl(sa.sadb_sa_spi);
	id->src.port = id->dst.port = 0;
	return 0;
}

int pfk_decode_expire(const struct pfk_msg *msg, struct cg_kernel_expire *ev, const char **why)
{
	struct sadb_x_sa2 sa2;

	memset(ev, 0, sizeof(*ev));
	if (sa_id_from_msg(msg, &ev->id, why))
		return -EBADMSG;
	if (!msg->ext[SADB_EXT_LIFETIME_HARD] && !msg->ext[SADB_EXT_LIFETIME_SOFT]) {
		*why = "expire without a soft or hard lifetime";
		return -EBADMSG;
	}
	/* af_key sends the hard lifetime only on a hard expire, the soft one only on a soft. */
	ev->hard = msg->ext[SADB_EXT_LIFETIME_HARD] != NULL;
	if (!pfk_get_sa2(msg, &sa2))
		ev->reqid = sa2.sadb_x_sa2_reqid;
	return 0;
}

/* One migrate entry from an (old, new) pair of requests. */
static int migrate_entry(const struct pfk_request *old, const struct pfk_request *new,
			 struct cg_kernel_migrate_entry *e, const char **why)
{
	if (!old->has_addrs || !new->has_addrs) {
		*why = "migrate request without its address pair";
		return -EBADMSG;
	}
	if (old->proto != new->proto || old->mode != new->mode || old->reqid != new->reqid) {
		*why = "migrate request pair disagrees on protocol, mode or reqid";
		return -EBADMSG;
	}
	if (pfk_mode_from(old->mode, &e->mode)) {
		*why = "migrate request with an unknown mode";
		return -EBADMSG;
	}
	e->proto = old->proto;
	e->reqid = old->reqid;
	e->old_src = old->src;
	e->old_dst = old->dst;
	e->new_src = new->src;
	e->new_dst = new->dst;
	return 0;
}

int pfk_decode_migrate(const struct pfk_msg *msg, struct cg_kernel_migrate *ev, const char **why)
{
	struct pfk_policy pol;
	struct pfk_sel sel;
	int err;

	memset(ev, 0, sizeof(*ev));
	if (pfk_msg_require(msg, PFK_EXT(SADB_EXT_ADDRESS_SRC) | PFK_EXT(SADB_EXT_ADDRESS_DST) |
					 PFK_EXT(SADB_X_EXT_POLICY), why) ||
	    pfk_get_sel(msg, &sel, why) || pfk_get_policy(msg, &pol, why))
		return -EBADMSG;
	if (pfk_dir_from(pol.dir, &ev->policy.dir)) {
		*why = "migrate for an unknown policy direction";
		return -EBADMSG;
	}
	pfk_sel_to_ts(&sel, &ev->policy.src, &ev->policy.dst);
	if (!pol.n_req || pol.n_req % 2) {
		*why = "migrate without whole (old, new) request pairs";
		return -EBADMSG;
	}
	for (size_t i = 0; i < pol.n_req; i += 2) {
		err = migrate_entry(&pol.req[i], &pol.req[i + 1], &ev->entries[ev->n_entries], why);
		if (err)
			return err;
		ev->n_entries++;
	}
	if (msg->ext[SADB_X_EXT_KMADDRESS]) {
		if (pfk_get_kmaddress(msg, &ev->km_local, &ev->km_remote)) {
			*why = "malformed X_KMADDRESS extension";
			return -EBADMSG;
		}
		ev->km_local.port = ev->km_remote.port = 0;
		ev->has_kmaddress = true;
	}
	return 0;
}

int pfk_decode_acquire(const struct pfk_msg *msg, struct pfk_acquire *acq, const char **why)
{
	struct pfk_policy pol;

	memset(acq, 0, sizeof(*acq));
	if (pfk_msg_require(msg, PFK_EXT(SADB_EXT_ADDRESS_SRC) | PFK_EXT(SADB_EXT_ADDRESS_DST) |
					 PFK_EXT(SADB_X_EXT_POLICY), why) ||
	    pfk_get_policy(msg, &pol, why))
		return -EBADMSG;
	acq->proto = pfk_proto(msg->hdr.sadb_msg_satype);
	if (!acq->proto) {
		*why = "acquire for an SA type that is neither ESP nor AH";
		return -EBADMSG;
	}
	if (pfk_get_addr(msg, SADB_EXT_ADDRESS_SRC, &acq->src, NULL, NULL) ||
	    pfk_get_addr(msg, SADB_EXT_ADDRESS_DST, &acq->dst, NULL, NULL) ||
	    acq->src.family != acq->dst.family) {
		*why = "acquire with malformed addresses";
		return -EBADMSG;
	}
	acq->src.port = acq->dst.port = 0;
	acq->policy_id = pol.id;
	return 0;
}

/* The template an acquire is about: the first request for its protocol. */
static const struct pfk_request *acquire_template(const struct pfk_policy *pol, uint8_t proto)
{
	for (size_t i = 0; i < pol->n_req; i++)
		if (pol->req[i].proto == proto)
			return &pol->req[i];
	return pol->n_req ? &pol->req[0] : NULL;
}

/* A host selector for addr with the policy selector's protocol and ports. */
static struct cg_ts host_like(const struct cg_addr *addr, const struct cg_ts *policy)
{
	struct cg_ts ts = cg_ts_from_host(addr);

	ts.proto = policy->proto;
	ts.from_port = policy->from_port;
	ts.to_port = policy->to_port;
	return ts;
}

int pfk_acquire_complete(const struct pfk_acquire *acq, const struct pfk_msg *policy,
			 struct cg_kernel_acquire *ev, const char **why)
{
	const struct pfk_request *tmpl;
	struct pfk_policy pol;
	struct pfk_sel sel;

	memset(ev, 0, sizeof(*ev));
	if (pfk_get_sel(policy, &sel, why) || pfk_get_policy(policy, &pol, why))
		return -EBADMSG;
	tmpl = acquire_template(&pol, acq->proto);
	if (!tmpl) {
		*why = "the trapping policy has no template";
		return -EBADMSG;
	}
	pfk_sel_to_ts(&sel, &ev->policy_src, &ev->policy_dst);
	ev->reqid = tmpl->reqid;
	ev->proto = acq->proto;
	ev->tmpl_src.family = ev->tmpl_dst.family = AF_UNSPEC;
	if (tmpl->mode == IPSEC_MODE_TUNNEL && tmpl->has_addrs) {
		ev->tmpl_src = tmpl->src;
		ev->tmpl_dst = tmpl->dst;
		ev->src = ev->policy_src;
		ev->dst = ev->policy_dst;
	} else {
		ev->src = host_like(&acq->src, &ev->policy_src);
		ev->dst = host_like(&acq->dst, &ev->policy_dst);
	}
	return 0;
}

int pfk_decode_mapping(const struct pfk_msg *msg, struct pfk_mapping *map, const char **why)
{
	struct sadb_sa sa;

	memset(map, 0, sizeof(*map));
	if (pfk_msg_require(msg, PFK_EXT(SADB_EXT_SA) | PFK_EXT(SADB_EXT_ADDRESS_SRC) |
					 PFK_EXT(SADB_EXT_ADDRESS_DST) |
					 PFK_EXT(SADB_X_EXT_NAT_T_SPORT) |
					 PFK_EXT(SADB_X_EXT_NAT_T_DPORT), why))
		return -EBADMSG;
	map->proto = pfk_proto(msg->hdr.sadb_msg_satype);
	if (map->proto != IPPROTO_ESP) {
		*why = "NAT mapping for an SA that is not ESP";
		return -EBADMSG;
	}
	/* af_key: ADDRESS_SRC/NAT_T_SPORT are the old address, ADDRESS_DST/NAT_T_DPORT the new. */
	if (pfk_get_sa(msg, &sa) ||
	    pfk_get_addr(msg, SADB_EXT_ADDRESS_SRC, &map->old_src, NULL, NULL) ||
	    pfk_get_addr(msg, SADB_EXT_ADDRESS_DST, &map->new_src, NULL, NULL) ||
	    pfk_get_natt_port(msg, SADB_X_EXT_NAT_T_SPORT, &map->old_src.port) ||
	    pfk_get_natt_port(msg, SADB_X_EXT_NAT_T_DPORT, &map->new_src.port)) {
		*why = "malformed NAT mapping extensions";
		return -EBADMSG;
	}
	map->spi = ntohl(sa.sadb_sa_spi);
	return 0;
}

int pfk_decode_policy_id(const struct pfk_msg *msg, struct cg_kernel_policy_id *id,
			 const char **why)
{
	struct pfk_policy pol;
	struct pfk_sel sel;

	memset(id, 0, sizeof(*id));
	if (pfk_get_sel(msg, &sel, why) || pfk_get_policy(msg, &pol, why))
		return -EBADMSG;
	if (pfk_dir_from(pol.dir, &id->dir)) {
		*why = "policy with an unknown direction";
		return -EBADMSG;
	}
	pfk_sel_to_ts(&sel, &id->src, &id->dst);
	return 0;
}

int pfk_decode_sa_stats(const struct pfk_msg *msg, struct cg_kernel_sa_stats *stats,
			const char **why)
{
	struct sadb_lifetime cur;

	if (pfk_get_lifetime(msg, SADB_EXT_LIFETIME_CURRENT, &cur)) {
		*why = "missing extension LIFETIME_CURRENT";
		return -EBADMSG;
	}
	*stats = (struct cg_kernel_sa_stats){
		.bytes = cur.sadb_lifetime_bytes,
		.packets = cur.sadb_lifetime_allocations,
		.add_time = cur.sadb_lifetime_addtime,
		.use_time = cur.sadb_lifetime_usetime,
	};
	return 0;
}

int pfk_decode_policy_stats(const struct pfk_msg *msg, struct cg_kernel_policy_stats *stats,
			    const char **why)
{
	struct sadb_lifetime cur;
	struct pfk_policy pol;

	if (pfk_get_lifetime(msg, SADB_EXT_LIFETIME_CURRENT, &cur)) {
		*why = "missing extension LIFETIME_CURRENT";
		return -EBADMSG;
	}
	if (pfk_get_policy(msg, &pol, why))
		return -EBADMSG;
	*stats = (struct cg_kernel_policy_stats){
		.add_time = cur.sadb_lifetime_addtime,
		.use_time = cur.sadb_lifetime_usetime,
		.priority = pol.priority,
		.index = pol.id,
	};
	return 0;
}
