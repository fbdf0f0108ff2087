/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SAs: ALLOCSPI, NEWSA/UPDSA, DELSA, GETSA over NETLINK_XFRM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/udp.h>

#include "xfrm.h"

/* SPIs the kernel picks from in ALLOCSPI: clear of the reserved range below 256. */
#define XFRM_SPI_MIN 0xc0000000u
#define XFRM_SPI_MAX 0xcfffffffu
/* Seconds between two MAPPING events of one inbound SA (XFRMA_MTIMER_THRESH). */
#define XFRM_MAPPING_THRESH 15u

/* Absent SAs answer -ESRCH in XFRM; the vtable promises -ENOENT. */
static int sa_errno(int err)
{
	return err == -ESRCH ? -ENOENT : err;
}

static const char *sa_str(const struct cg_kernel_sa_id *id, char *buf, size_t len)
{
	char src[CG_ADDR_STRLEN], dst[CG_ADDR_STRLEN];

	snprintf(buf, len, "SA %08x %s -> %s", id->spi, cg_addr_str(&id->src, src, sizeof(src)),
		 cg_addr_str(&id->dst, dst, sizeof(dst)));
	return buf;
}

struct spi_reply {
	uint32_t spi;
};

static int spi_reply_cb(const struct nlmsghdr *nlh, void *ctx)
{
	struct spi_reply *r = ctx;
	const struct xfrm_usersa_info *info = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || mnl_nlmsg_get_payload_len(nlh) < sizeof(*info))
		return -EBADMSG;
	r->spi = ntohl(info->id.spi);
	return 0;
}

int xfrm_get_spi(struct cg_kernel *k, const struct cg_addr *src, const struct cg_addr *dst,
		 uint8_t proto, uint32_t reqid, uint32_t *spi)
{
	struct knl *kn = cg_kernel_priv(k);
	char buf[MNL_SOCKET_BUFFER_SIZE], extack[XFRM_EXTACK_MAX], d[CG_ADDR_STRLEN];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userspi_info *us;
	struct spi_reply r = { 0 };
	int err;

	if (dst->family != AF_INET && dst->family != AF_INET6)
		return -EAFNOSUPPORT;
	nlh->nlmsg_type = XFRM_MSG_ALLOCSPI;
	us = mnl_nlmsg_put_extra_header(nlh, sizeof(*us));
	us->info.family = dst->family;
	xfrm_addr_put(dst, &us->info.id.daddr);
	if (src->family == dst->family)
		xfrm_addr_put(src, &us->info.saddr);
	us->info.id.proto = proto;
	us->info.reqid = reqid;
	us->info.mode = XFRM_MODE_TRANSPORT;
	xfrm_lifetime_put(&(struct cg_lifetime){ 0 }, &us->info.lft);
	us->min = XFRM_SPI_MIN;
	us->max = XFRM_SPI_MAX;
	err = xfrm_request(kn, nlh, false, spi_reply_cb, &r, extack, sizeof(extack));
	if (!err && r.spi < 0x100)
		err = -EPROTO;
	if (err) {
		xfrm_log_failure(kn, err, extack, "allocating an SPI for %s (reqid %u)",
				 cg_addr_str(dst, d, sizeof(d)), reqid);
		return err;
	}
	*spi = r.spi;
	return 0;
}

/* The SA's traffic selector: given (transport_proxy), the endpoints (transport), or any. */
static int sa_selector(const struct cg_kernel_sa *sa, struct xfrm_selector *sel, const char **why)
{
	struct cg_ts src, dst;

	if (sa->has_sel)
		return xfrm_sel_from_ts(&sa->sel_src, &sa->sel_dst, sel, why);
	if (sa->mode == CG_MODE_TRANSPORT) {
		src = cg_ts_from_host(&sa->id.src);
		dst = cg_ts_from_host(&sa->id.dst);
		return xfrm_sel_from_ts(&src, &dst, sel, why);
	}
	/*
	 * A tunnel SA without a selector carries either family inside
	 * (IPv4 in IPv6 and back); sa_build flags it XFRM_STATE_AF_UNSPEC.
	 */
	memset(sel, 0, sizeof(*sel));
	return 0;
}

/* Longest key (with salt) an algorithm attribute carries. */
#define XFRM_KEY_MAX 128

/* Algorithm attribute headers are followed by the key; built in one aligned buffer. */
struct alg_buf {
	union {
		struct xfrm_algo_aead aead;
		struct xfrm_algo crypt;
		struct xfrm_algo_auth auth;
	};
	uint8_t room[XFRM_KEY_MAX];
};

static int put_alg_attr(struct nlmsghdr *nlh, uint16_t type, struct alg_buf *ab, size_t hdr_len,
			const struct cg_chunk *key)
{
	int err = 0;

	if (key->len > XFRM_KEY_MAX)
		return -EINVAL;
	if (key->len)
		memcpy((uint8_t *)ab + hdr_len, key->ptr, key->len);
	if (!mnl_attr_put_check(nlh, MNL_SOCKET_BUFFER_SIZE, type, hdr_len + key->len, ab))
		err = -EMSGSIZE;
	cg_memwipe(ab, sizeof(*ab));
	return err;
}

static int put_aead(struct nlmsghdr *nlh, const struct xfrm_alg *alg, const struct cg_chunk *key)
{
	struct alg_buf ab = { 0 };

	snprintf(ab.aead.alg_name, sizeof(ab.aead.alg_name), "%s", alg->name);
	ab.aead.alg_key_len = (unsigned)key->len * 8;
	ab.aead.alg_icv_len = alg->icv_bits;
	return put_alg_attr(nlh, XFRMA_ALG_AEAD, &ab, sizeof(ab.aead), key);
}

static int put_crypt(struct nlmsghdr *nlh, const struct xfrm_alg *alg, const struct cg_chunk *key)
{
	struct alg_buf ab = { 0 };

	snprintf(ab.crypt.alg_name, sizeof(ab.crypt.alg_name), "%s", alg->name);
	ab.crypt.alg_key_len = (unsigned)key->len * 8;
	return put_alg_attr(nlh, XFRMA_ALG_CRYPT, &ab, sizeof(ab.crypt), key);
}

static int put_auth(struct nlmsghdr *nlh, const struct xfrm_alg *alg, const struct cg_chunk *key)
{
	struct alg_buf ab = { 0 };

	snprintf(ab.auth.alg_name, sizeof(ab.auth.alg_name), "%s", alg->name);
	ab.auth.alg_key_len = (unsigned)key->len * 8;
	ab.auth.alg_trunc_len = alg->icv_bits;
	return put_alg_attr(nlh, XFRMA_ALG_AUTH_TRUNC, &ab, sizeof(ab.auth), key);
}

static int put_algorithms(struct nlmsghdr *nlh, const struct cg_kernel_sa *sa, const char **why)
{
	const struct xfrm_alg *encr = xfrm_encr_alg(sa->encr_alg);
	const struct xfrm_alg *integ = NULL;
	int err;

	if (!encr) {
		*why = "encryption algorithm unknown to this backend";
		return -EOPNOTSUPP;
	}
	if (!cg_encr_key_fits(encr->id, sa->encr_keylen, sa->encr_key.len)) {
		*why = "encryption key length does not match the algorithm";
		return -EINVAL;
	}
	if (sa->integ_alg != CG_INTEG_NONE) {
		integ = xfrm_integ_alg(sa->integ_alg);
		if (!integ) {
			*why = "integrity algorithm unknown to this backend";
			return -EOPNOTSUPP;
		}
		if (encr->aead) {
			*why = "an AEAD cipher takes no separate integrity algorithm";
			return -EINVAL;
		}
	} else if (!encr->aead) {
		*why = "a non-AEAD cipher needs an integrity algorithm";
		return -EINVAL;
	}
	if (encr->aead)
		return put_aead(nlh, encr, &sa->encr_key);
	err = put_crypt(nlh, encr, &sa->encr_key);
	return err ? err : put_auth(nlh, integ, &sa->integ_key);
}

static int put_replay(struct nlmsghdr *nlh, const struct cg_kernel_sa *sa,
		      struct xfrm_usersa_info *info)
{
	/* The kernel accepts bitmaps of up to XFRMA_REPLAY_ESN_MAX bits. */
	struct {
		struct xfrm_replay_state_esn esn;
		uint32_t bmp[XFRMA_REPLAY_ESN_MAX / 32];
	} attr = { 0 };

	/* The legacy field holds up to 32 packets without ESN; beyond that the ESN state does. */
	if (!sa->esn && sa->replay_window <= 32) {
		info->replay_window = (uint8_t)sa->replay_window;
		return 0;
	}
	if (sa->replay_window > XFRMA_REPLAY_ESN_MAX)
		return -EINVAL;
	attr.esn.replay_window = sa->replay_window;
	attr.esn.bmp_len = sa->replay_window ? (sa->replay_window + 31) / 32 : 1;
	if (sa->esn)
		info->flags |= XFRM_STATE_ESN;
	return mnl_attr_put_check(nlh, MNL_SOCKET_BUFFER_SIZE, XFRMA_REPLAY_ESN_VAL,
				  sizeof(attr.esn) + attr.esn.bmp_len * sizeof(uint32_t), &attr)
		       ? 0 : -EMSGSIZE;
}

static int put_encap(struct nlmsghdr *nlh, const struct cg_kernel_sa *sa)
{
	struct xfrm_encap_tmpl encap = {
		.encap_type = UDP_ENCAP_ESPINUDP,
		.encap_sport = htons(sa->encap_sport),
		.encap_dport = htons(sa->encap_dport),
	};

	if (!sa->encap_sport && !sa->encap_dport)
		return 0;
	if (!mnl_attr_put_check(nlh, MNL_SOCKET_BUFFER_SIZE, XFRMA_ENCAP, sizeof(encap), &encap))
		return -EMSGSIZE;
	/*
	 * The kernel reports a NAT's new mapping of an inbound SA (MAPPING) at
	 * most once per this many seconds, not once per packet.
	 */
	if (sa->inbound && !mnl_attr_put_u32_check(nlh, MNL_SOCKET_BUFFER_SIZE, XFRMA_MTIMER_THRESH,
						   XFRM_MAPPING_THRESH))
		return -EMSGSIZE;
	return 0;
}

static int sa_build(struct nlmsghdr *nlh, const struct cg_kernel_sa *sa, const char **why)
{
	struct xfrm_usersa_info *info;
	int err;

	if ((sa->id.dst.family != AF_INET && sa->id.dst.family != AF_INET6) ||
	    sa->id.src.family != sa->id.dst.family) {
		*why = "SA endpoints must be two addresses of one family";
		return -EINVAL;
	}
	info = mnl_nlmsg_put_extra_header(nlh, sizeof(*info));
	info->family = sa->id.dst.family;
	xfrm_addr_put(&sa->id.dst, &info->id.daddr);
	xfrm_addr_put(&sa->id.src, &info->saddr);
	info->id.spi = htonl(sa->id.spi);
	info->id.proto = sa->id.proto;
	info->mode = xfrm_mode_put(sa->mode);
	info->reqid = sa->reqid;
	xfrm_lifetime_put(&sa->lifetime, &info->lft);
	err = sa_selector(sa, &info->sel, why);
	if (err)
		return err;
	if (sa->mode == CG_MODE_TUNNEL && !sa->has_sel)
		info->flags |= XFRM_STATE_AF_UNSPEC;
	err = put_algorithms(nlh, sa, why);
	if (!err && (err = put_replay(nlh, sa, info)))
		*why = "replay window too large";
	if (!err && (err = put_encap(nlh, sa)))
		*why = "message too large";
	return err;
}

static int sa_install(struct cg_kernel *k, const struct cg_kernel_sa *sa, uint16_t type)
{
	struct knl *kn = cg_kernel_priv(k);
	char buf[MNL_SOCKET_BUFFER_SIZE], extack[XFRM_EXTACK_MAX], what[128];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	const char *why = NULL;
	int err;

	nlh->nlmsg_type = type;
	err = sa_build(nlh, sa, &why);
	if (err) {
		cg_log(kn->core, CG_LOG_KNL, CG_LVL_ERROR, "cannot install %s: %s",
		       sa_str(&sa->id, what, sizeof(what)), why ? why : strerror(-err));
		cg_memwipe(buf, sizeof(buf));
		return err;
	}
	err = sa_errno(xfrm_request(kn, nlh, false, NULL, NULL, extack, sizeof(extack)));
	cg_memwipe(buf, sizeof(buf));
	if (err)
		xfrm_log_failure(kn, err, extack, "%s %s (reqid %u)",
				 type == XFRM_MSG_NEWSA ? "adding" : "updating",
				 sa_str(&sa->id, what, sizeof(what)), sa->reqid);
	return err;
}

int xfrm_add_sa(struct cg_kernel *k, const struct cg_kernel_sa *sa)
{
	return sa_install(k, sa, XFRM_MSG_NEWSA);
}

int xfrm_update_sa(struct cg_kernel *k, const struct cg_kernel_sa *sa)
{
	return sa_install(k, sa, XFRM_MSG_UPDSA);
}

static struct nlmsghdr *sa_id_msg(char *buf, uint16_t type, const struct cg_kernel_sa_id *id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_usersa_id *uid;
	xfrm_address_t src;

	nlh->nlmsg_type = type;
	uid = mnl_nlmsg_put_extra_header(nlh, sizeof(*uid));
	xfrm_addr_put(&id->dst, &uid->daddr);
	uid->spi = htonl(id->spi);
	uid->family = id->dst.family;
	uid->proto = id->proto;
	if (id->src.family == id->dst.family) {
		xfrm_addr_put(&id->src, &src);
		mnl_attr_put(nlh, XFRMA_SRCADDR, sizeof(src), &src);
	}
	return nlh;
}

int xfrm_del_sa(struct cg_kernel *k, const struct cg_kernel_sa_id *id)
{
	struct knl *kn = cg_kernel_priv(k);
	char buf[MNL_SOCKET_BUFFER_SIZE], extack[XFRM_EXTACK_MAX], what[128];
	struct nlmsghdr *nlh = sa_id_msg(buf, XFRM_MSG_DELSA, id);
	int err = sa_errno(xfrm_request(kn, nlh, false, NULL, NULL, extack, sizeof(extack)));

	if (err)
		xfrm_log_failure(kn, err, extack, "deleting %s", sa_str(id, what, sizeof(what)));
	return err;
}

struct sa_stats_reply {
	struct cg_kernel_sa_stats *stats;
	bool found;
};

static int sa_stats_cb(const struct nlmsghdr *nlh, void *ctx)
{
	struct sa_stats_reply *r = ctx;
	const struct xfrm_usersa_info *info = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || mnl_nlmsg_get_payload_len(nlh) < sizeof(*info))
		return -EBADMSG;
	r->found = true;
	r->stats->bytes = info->curlft.bytes;
	r->stats->packets = info->curlft.packets;
	r->stats->add_time = info->curlft.add_time;
	/* curlft.use_time is the first use; XFRMA_LASTUSED the latest. */
	r->stats->use_time = info->curlft.use_time;
	mnl_attr_for_each(attr, nlh, sizeof(*info)) {
		if (mnl_attr_get_type(attr) == XFRMA_LASTUSED &&
		    mnl_attr_validate(attr, MNL_TYPE_U64) >= 0)
			r->stats->use_time = mnl_attr_get_u64(attr);
	}
	return 0;
}

int xfrm_query_sa(struct cg_kernel *k, const struct cg_kernel_sa_id *id,
		  struct cg_kernel_sa_stats *stats)
{
	struct knl *kn = cg_kernel_priv(k);
	char buf[MNL_SOCKET_BUFFER_SIZE], extack[XFRM_EXTACK_MAX], what[128];
	struct nlmsghdr *nlh = sa_id_msg(buf, XFRM_MSG_GETSA, id);
	struct sa_stats_reply r = { .stats = stats };
	int err;

	memset(stats, 0, sizeof(*stats));
	err = sa_errno(xfrm_request(kn, nlh, false, sa_stats_cb, &r, extack, sizeof(extack)));
	if (!err && !r.found)
		err = -ENOENT;
	if (err)
		xfrm_log_failure(kn, err, extack, "querying %s", sa_str(id, what, sizeof(what)));
	return err;
}

/* A soft limit this SA has reached (the kernel warns only once). */
static bool past_soft_limit(const struct xfrm_usersa_info *info, uint64_t now)
{
	const struct xfrm_lifetime_cfg *l = &info->lft;
	const struct xfrm_lifetime_cur *c = &info->curlft;

	return (l->soft_byte_limit != XFRM_INF && c->bytes >= l->soft_byte_limit) ||
	       (l->soft_packet_limit != XFRM_INF && c->packets >= l->soft_packet_limit) ||
	       (l->soft_add_expires_seconds && c->add_time + l->soft_add_expires_seconds <= now);
}

/* Expires found by a resync, raised once the request (and its lock) is done. */
struct resync {
	uint64_t now;
	struct cg_kernel_expire *evs;
	size_t n, cap;
};

static int resync_cb(const struct nlmsghdr *nlh, void *ctx)
{
	struct resync *rs = ctx;
	const struct xfrm_usersa_info *info = mnl_nlmsg_get_payload(nlh);
	struct cg_kernel_expire *ev;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || mnl_nlmsg_get_payload_len(nlh) < sizeof(*info))
		return 0;
	if (!info->id.spi || !past_soft_limit(info, rs->now))
		return 0;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 16;
		struct cg_kernel_expire *grown = realloc(rs->evs, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		rs->evs = grown;
		rs->cap = cap;
	}
	ev = &rs->evs[rs->n++];
	memset(ev, 0, sizeof(*ev));
	xfrm_addr_get(&info->saddr, info->family, &ev->id.src);
	xfrm_addr_get(&info->id.daddr, info->family, &ev->id.dst);
	ev->id.spi = ntohl(info->id.spi);
	ev->id.proto = info->id.proto;
	ev->reqid = info->reqid;
	return 0;
}

int xfrm_resync_expires(struct knl *kn)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], extack[XFRM_EXTACK_MAX];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct resync rs = { .now = (uint64_t)time(NULL) };
	int err;

	nlh->nlmsg_type = XFRM_MSG_GETSA;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct xfrm_usersa_id));
	err = xfrm_request(kn, nlh, true, resync_cb, &rs, extack, sizeof(extack));
	if (err)
		xfrm_log_failure(kn, err, extack, "listing SAs after lost events");
	for (size_t i = 0; !err && i < rs.n; i++)
		cg_kernel_raise_expire(kn->k, &rs.evs[i]);
	free(rs.evs);
	return err ? err : (int)rs.n;
}
