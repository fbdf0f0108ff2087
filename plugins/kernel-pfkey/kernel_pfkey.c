/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kernel-pfkey: the core's kernel interface over PF_KEY v2 (RFC 2367)
 * with the Linux/KAME extensions, as Linux af_key implements them.
 *
 * Two sockets: requests go out on one (serialised by a mutex), and a
 * second one, registered for ESP and AH, receives the kernel's acquire,
 * expire, migrate and NAT mapping messages on the event thread.
 * Addresses and routes are not PF_KEY's business: the core's rtnetlink
 * module serves every backend.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "pfkey.h"

/* Inbound SPIs come from this range, clear of the low values RFC 4303 reserves. */
#define PFK_SPI_MIN 0xc0000000u
#define PFK_SPI_MAX 0xcfffffffu

static struct pfk *pfk_of(struct cg_kernel *k)
{
	return cg_kernel_priv(k);
}

/* SA endpoints are whole addresses; the kernel ignores their ports. */
static void put_endpoints(struct pfk_buf *b, const struct cg_addr *src, const struct cg_addr *dst)
{
	pfk_put_addr(b, SADB_EXT_ADDRESS_SRC, src, 0, (uint8_t)(8 * cg_addr_len(src)), 0);
	pfk_put_addr(b, SADB_EXT_ADDRESS_DST, dst, 0, (uint8_t)(8 * cg_addr_len(dst)), 0);
}

static bool endpoints_ok(const struct cg_addr *src, const struct cg_addr *dst)
{
	return src->family == dst->family && (src->family == AF_INET || src->family == AF_INET6);
}

/* af_key says ESRCH where the interface promises ENOENT. */
static int map_absent(int err)
{
	return err == -ESRCH ? -ENOENT : err;
}

static void sa_label(const struct cg_kernel_sa_id *id, char *buf, size_t len)
{
	char src[CG_ADDR_STRLEN], dst[CG_ADDR_STRLEN];

	snprintf(buf, len, "%s SA %08x %s -> %s", id->proto == IPPROTO_AH ? "AH" : "ESP", id->spi,
		 cg_addr_str(&id->src, src, sizeof(src)), cg_addr_str(&id->dst, dst, sizeof(dst)));
}

static void policy_label(const struct cg_kernel_policy_id *id, char *buf, size_t len)
{
	char src[CG_TS_STRLEN], dst[CG_TS_STRLEN];

	snprintf(buf, len, "%s policy %s -> %s", cg_dir_name(id->dir),
		 cg_ts_str(&id->src, src, sizeof(src)), cg_ts_str(&id->dst, dst, sizeof(dst)));
}

static int getspi_reply(void *ctx, const struct pfk_msg *msg)
{
	struct sadb_sa sa;

	if (pfk_get_sa(msg, &sa))
		return -EBADMSG;
	*(uint32_t *)ctx = ntohl(sa.sadb_sa_spi);
	return 0;
}

static int pfk_get_spi(struct cg_kernel *k, const struct cg_addr *src, const struct cg_addr *dst,
		       uint8_t proto, uint32_t reqid, uint32_t *spi)
{
	struct pfk *pfk = pfk_of(k);
	uint8_t satype = pfk_satype(proto);
	char s[CG_ADDR_STRLEN], d[CG_ADDR_STRLEN];
	int err;

	if (!satype || !endpoints_ok(src, dst)) {
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR,
		       "reserving an SPI failed: %s (protocol %u or addresses unusable)",
		       strerror(EINVAL), proto);
		return -EINVAL;
	}
	pfk_req_begin(pfk, SADB_GETSPI, satype);
	put_endpoints(&pfk->req_buf, src, dst);
	pfk_put_sa2(&pfk->req_buf, IPSEC_MODE_ANY, reqid);
	pfk_put_spirange(&pfk->req_buf, PFK_SPI_MIN, PFK_SPI_MAX);
	err = pfk_req_end(pfk, getspi_reply, spi);
	if (err)
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR, "reserving an SPI for %s -> %s failed: %s",
		       cg_addr_str(src, s, sizeof(s)), cg_addr_str(dst, d, sizeof(d)),
		       strerror(-err));
	return err;
}

/*
 * The encryption key (salt included) has the length the algorithm and its
 * key length need: af_key would take any length the cipher accepts.
 */
static bool encr_key_fits(const struct cg_kernel_sa *sa)
{
	return sa->id.proto != IPPROTO_ESP ||
	       cg_encr_key_fits(sa->encr_alg, sa->encr_keylen, sa->encr_key.len);
}

/* Checks what PF_KEY can express and finds the algorithm IDs; logs refusals. */
static int sa_check(struct pfk *pfk, const struct cg_kernel_sa *sa, uint8_t *auth,
		    uint8_t *encrypt)
{
	char label[128];
	const char *why = NULL;
	int err = -EOPNOTSUPP;

	sa_label(&sa->id, label, sizeof(label));
	if (!pfk_satype(sa->id.proto) || !endpoints_ok(&sa->id.src, &sa->id.dst)) {
		why = "protocol or addresses unusable";
		err = -EINVAL;
	} else if (sa->esn) {
		why = "PF_KEY cannot express extended sequence numbers";
	} else if (sa->integ_alg == CG_INTEG_HMAC_SHA2_256_128) {
		why = "Linux af_key truncates HMAC-SHA2-256 to 96 bits, not RFC 4868's 128 "
		      "(use HMAC-SHA2-384/512, or kernel-netlink)";
	} else if (pfk_integ_alg(sa->integ_alg, auth)) {
		why = "PF_KEY has no ID for this integrity algorithm";
	} else if (sa->id.proto == IPPROTO_AH ? (sa->encr_alg && sa->encr_alg != CG_ENCR_NULL)
					      : pfk_encr_alg(sa->encr_alg, encrypt)) {
		why = "PF_KEY has no ID for this encryption algorithm";
	} else if (!encr_key_fits(sa)) {
		why = "encryption key length does not match the algorithm";
		err = -EINVAL;
	} else if ((sa->encap_sport || sa->encap_dport) && sa->id.proto != IPPROTO_ESP) {
		why = "UDP encapsulation is for ESP only";
		err = -EINVAL;
	} else {
		if (sa->id.proto == IPPROTO_AH)
			*encrypt = SADB_EALG_NONE;
		if (sa->has_sel)
			cg_log(pfk->core, CG_LOG_KNL, CG_LVL_DEBUG,
			       "%s: af_key keeps no SA selector; the policies select its traffic",
			       label);
		return 0;
	}
	cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR, "installing %s failed: %s (%s)", label,
	       strerror(-err), why);
	return err;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int sa_request(struct cg_kernel *k, uint8_t type, const struct cg_kernel_sa *sa)
{
	struct pfk *pfk = pfk_of(k);
	struct pfk_buf *b = &pfk->req_buf;
	const struct cg_lifetime *lt = &sa->lifetime;
	uint8_t auth = 0, encrypt = 0;
	char label[128];
	int err = sa_check(pfk, sa, &auth, &encrypt);

	if (err)
		return err;
	pfk_req_begin(pfk, type, pfk_satype(sa->id.proto));
	/* af_key keeps at most 32 packets of window and reads an 8-bit field. */
	pfk_put_sa(b, sa->id.spi, (uint8_t)(sa->replay_window > 255 ? 255 : sa->replay_window),
		   auth, encrypt);
	pfk_put_lifetime(b, SADB_EXT_LIFETIME_HARD, clamp32(lt->hard_packets), lt->hard_bytes,
			 lt->hard_secs, 0);
	pfk_put_lifetime(b, SADB_EXT_LIFETIME_SOFT, clamp32(lt->soft_packets), lt->soft_bytes,
			 lt->soft_secs, 0);
	put_endpoints(b, &sa->id.src, &sa->id.dst);
	if (auth)
		pfk_put_key(b, SADB_EXT_KEY_AUTH, sa->integ_key.ptr, sa->integ_key.len);
	/* af_key insists on an encryption key extension for ESP, even an empty one for NULL. */
	if (sa->id.proto == IPPROTO_ESP)
		pfk_put_key(b, SADB_EXT_KEY_ENCRYPT, sa->encr_key.ptr, sa->encr_key.len);
	pfk_put_sa2(b, pfk_mode(sa->mode), sa->reqid);
	if (sa->encap_sport || sa->encap_dport)
		pfk_put_natt(b, UDP_ENCAP_ESPINUDP, sa->encap_sport, sa->encap_dport);
	err = map_absent(pfk_req_end(pfk, NULL, NULL));
	if (err) {
		/* af_key looks encryption IDs up among plain ciphers only: no AEADs. */
		bool no_alg = err == -ENOSYS;
		/* EEXIST on add and ENOENT on update are the caller's to handle. */
		bool expected = err == (type == SADB_ADD ? -EEXIST : -ENOENT);

		if (no_alg)
			err = -EOPNOTSUPP;
		sa_label(&sa->id, label, sizeof(label));
		cg_log(pfk->core, CG_LOG_KNL, expected ? CG_LVL_DEBUG : CG_LVL_ERROR,
		       "%s %s failed: %s%s", type == SADB_ADD ? "adding" : "updating", label,
		       strerror(-err),
		       no_alg ? " (af_key lacks this algorithm; AEADs such as AES-GCM need "
				"kernel-netlink)" : "");
	}
	return err;
}

static int pfk_add_sa(struct cg_kernel *k, const struct cg_kernel_sa *sa)
{
	return sa_request(k, SADB_ADD, sa);
}

static int pfk_update_sa(struct cg_kernel *k, const struct cg_kernel_sa *sa)
{
	return sa_request(k, SADB_UPDATE, sa);
}

/* Starts a request naming one SA: SA extension and endpoints. */
static int sa_id_request(struct pfk *pfk, uint8_t type, const struct cg_kernel_sa_id *id)
{
	if (!pfk_satype(id->proto) || !endpoints_ok(&id->src, &id->dst))
		return -EINVAL;
	pfk_req_begin(pfk, type, pfk_satype(id->proto));
	pfk_put_sa(&pfk->req_buf, id->spi, 0, 0, 0);
	put_endpoints(&pfk->req_buf, &id->src, &id->dst);
	return 0;
}

static int pfk_del_sa(struct cg_kernel *k, const struct cg_kernel_sa_id *id)
{
	struct pfk *pfk = pfk_of(k);
	char label[128];
	int err = sa_id_request(pfk, SADB_DELETE, id);

	if (!err)
		err = map_absent(pfk_req_end(pfk, NULL, NULL));
	if (err && err != -ENOENT) {
		sa_label(id, label, sizeof(label));
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR, "deleting %s failed: %s", label,
		       strerror(-err));
	}
	return err;
}

static int sa_stats_reply(void *ctx, const struct pfk_msg *msg)
{
	const char *why;

	return pfk_decode_sa_stats(msg, ctx, &why);
}

static int pfk_query_sa(struct cg_kernel *k, const struct cg_kernel_sa_id *id,
			struct cg_kernel_sa_stats *stats)
{
	struct pfk *pfk = pfk_of(k);
	int err = sa_id_request(pfk, SADB_GET, id);

	return err ? err : map_absent(pfk_req_end(pfk, sa_stats_reply, stats));
}

/* The selector of a policy id in af_key's form; logs why when it has none. */
static int policy_sel(struct pfk *pfk, const struct cg_kernel_policy_id *id, struct pfk_sel *sel)
{
	char label[2 * CG_TS_STRLEN + 32];
	const char *why;
	int err = pfk_sel_from_ts(&id->src, &id->dst, sel, &why);

	if (err) {
		policy_label(id, label, sizeof(label));
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR, "installing the %s failed: %s (%s)",
		       label, strerror(-err), why);
	}
	return err;
}

/* The policy's template as an ipsecrequest. */
static int policy_request(struct pfk *pfk, const struct cg_kernel_policy *pol,
			  struct pfk_request *rq, const char **why)
{
	*rq = (struct pfk_request){
		.proto = pol->proto,
		.mode = pfk_mode(pol->mode),
		.reqid = pol->reqid,
	};
	if (!pfk_satype(pol->proto)) {
		*why = "template protocol is neither ESP nor AH";
		return -EINVAL;
	}
	/* af_key replaces larger reqids by one it picks itself, which would unbind the SAs. */
	if (pol->reqid > IPSEC_MANUAL_REQID_MAX) {
		*why = "reqid above 16383 (IPSEC_MANUAL_REQID_MAX) cannot be kept by af_key";
		return -ERANGE;
	}
	rq->level = pol->optional ? IPSEC_LEVEL_USE :
		    pol->reqid ? IPSEC_LEVEL_UNIQUE : IPSEC_LEVEL_REQUIRE;
	if (pol->mode == CG_MODE_TUNNEL) {
		if (!endpoints_ok(&pol->tmpl_src, &pol->tmpl_dst)) {
			*why = "tunnel template without both endpoints";
			return -EINVAL;
		}
		rq->has_addrs = true;
		rq->src = pol->tmpl_src;
		rq->dst = pol->tmpl_dst;
	}
	return 0;
}

static int pfk_add_policy(struct cg_kernel *k, const struct cg_kernel_policy *pol, bool replace)
{
	static const uint16_t types[] = {
		[CG_POLICY_PROTECT] = IPSEC_POLICY_IPSEC,
		[CG_POLICY_BYPASS] = IPSEC_POLICY_NONE,
		[CG_POLICY_DROP] = IPSEC_POLICY_DISCARD,
	};
	struct pfk *pfk = pfk_of(k);
	char label[2 * CG_TS_STRLEN + 32];
	struct pfk_request rq;
	struct pfk_sel sel;
	const char *why;
	int err = policy_sel(pfk, &pol->id, &sel);

	if (err)
		return err;
	policy_label(&pol->id, label, sizeof(label));
	if ((unsigned)pol->action >= CG_ARRAY_SIZE(types)) {
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR,
		       "installing the %s failed: %s (unknown action)", label, strerror(EINVAL));
		return -EINVAL;
	}
	if (pol->action == CG_POLICY_PROTECT) {
		err = policy_request(pfk, pol, &rq, &why);
		if (err) {
			cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR, "installing the %s failed: %s (%s)",
			       label, strerror(-err), why);
			return err;
		}
	}
	pfk_req_begin(pfk, replace ? SADB_X_SPDUPDATE : SADB_X_SPDADD, SADB_SATYPE_UNSPEC);
	pfk_put_sel(&pfk->req_buf, &sel);
	pfk_put_policy(&pfk->req_buf, types[pol->action], pfk_dir(pol->id.dir), 0, pol->priority);
	if (pol->action == CG_POLICY_PROTECT)
		pfk_put_request(&pfk->req_buf, &rq);
	err = pfk_req_end(pfk, NULL, NULL);
	if (err)
		cg_log(pfk->core, CG_LOG_KNL, err == -EEXIST ? CG_LVL_DEBUG : CG_LVL_ERROR,
		       "%s the %s failed: %s", replace ? "updating" : "adding", label, strerror(-err));
	return err;
}

static int pfk_del_policy(struct cg_kernel *k, const struct cg_kernel_policy_id *id)
{
	struct pfk *pfk = pfk_of(k);
	char label[2 * CG_TS_STRLEN + 32];
	struct pfk_sel sel;
	int err = policy_sel(pfk, id, &sel);

	if (err)
		return err;
	pfk_req_begin(pfk, SADB_X_SPDDELETE, SADB_SATYPE_UNSPEC);
	pfk_put_sel(&pfk->req_buf, &sel);
	pfk_put_policy(&pfk->req_buf, IPSEC_POLICY_IPSEC, pfk_dir(id->dir), 0, 0);
	err = map_absent(pfk_req_end(pfk, NULL, NULL));
	if (err && err != -ENOENT) {
		policy_label(id, label, sizeof(label));
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR, "deleting the %s failed: %s", label,
		       strerror(-err));
	}
	return err;
}

struct policy_search {
	const struct pfk_sel *sel;
	uint8_t dir;
	bool found;
	struct cg_kernel_policy_stats *stats;
};

/* af_key finds policies by index only: a query walks the dump for the selector. */
static int policy_search_reply(void *ctx, const struct pfk_msg *msg)
{
	struct policy_search *s = ctx;
	struct pfk_policy pol;
	struct pfk_sel sel;
	const char *why;

	if (s->found || pfk_get_sel(msg, &sel, &why) || pfk_get_policy(msg, &pol, &why))
		return 0;
	if (pol.dir != s->dir || !pfk_sel_equal(&sel, s->sel))
		return 0;
	s->found = !pfk_decode_policy_stats(msg, s->stats, &why);
	return 0;
}

static int pfk_query_policy(struct cg_kernel *k, const struct cg_kernel_policy_id *id,
			    struct cg_kernel_policy_stats *stats)
{
	struct pfk *pfk = pfk_of(k);
	struct pfk_sel sel;
	struct policy_search s = { .sel = &sel, .dir = pfk_dir(id->dir), .stats = stats };
	int err = policy_sel(pfk, id, &sel);

	if (err)
		return err;
	pfk_req_begin(pfk, SADB_X_SPDDUMP, SADB_SATYPE_UNSPEC);
	err = map_absent(pfk_req_end(pfk, policy_search_reply, &s));
	if (err)
		return err;
	return s.found ? 0 : -ENOENT;
}

/* A per-socket KAME policy of type "bypass", in and out. */
static int pfk_bypass_socket(struct cg_kernel *k, int fd, sa_family_t family)
{
	struct pfk *pfk = pfk_of(k);
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opt = family == AF_INET6 ? IPV6_IPSEC_POLICY : IP_IPSEC_POLICY;
	const uint8_t dirs[] = { IPSEC_DIR_INBOUND, IPSEC_DIR_OUTBOUND };

	for (size_t i = 0; i < CG_ARRAY_SIZE(dirs); i++) {
		struct sadb_x_policy pol = {
			.sadb_x_policy_len = sizeof(pol) / 8,
			.sadb_x_policy_exttype = SADB_X_EXT_POLICY,
			.sadb_x_policy_type = IPSEC_POLICY_BYPASS,
			.sadb_x_policy_dir = dirs[i],
		};

		if (setsockopt(fd, level, opt, &pol, sizeof(pol))) {
			int err = -errno;

			cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR,
			       "exempting socket %d from IPsec policies failed: %s", fd,
			       strerror(-err));
			return err;
		}
	}
	return 0;
}

/*
 * af_key has no message that changes an SA's addresses or encapsulation
 * (SADB_UPDATE keeps the addresses, and SADB_X_MIGRATE carries no NAT-T
 * ports): the core moves the policies and the child is rekeyed at the new
 * addresses, as charon does over PF_KEY.
 */
static int pfk_move(struct cg_kernel *k, const struct cg_kernel_move *mv)
{
	struct pfk *pfk = cg_kernel_priv(k);

	cg_log(pfk->core, CG_LOG_KNL, CG_LVL_INFO,
	       "PF_KEY cannot move SAs %08x/%08x (reqid %u) to new addresses: they are rekeyed "
	       "there", mv->spi_in, mv->spi_out, mv->reqid);
	return -EXDEV;
}

static const struct cg_kernel_ops pfk_ops = {
	.name = "kernel-pfkey",
	.get_spi = pfk_get_spi,
	.add_sa = pfk_add_sa,
	.update_sa = pfk_update_sa,
	.del_sa = pfk_del_sa,
	.query_sa = pfk_query_sa,
	.add_policy = pfk_add_policy,
	.del_policy = pfk_del_policy,
	.query_policy = pfk_query_policy,
	.bypass_socket = pfk_bypass_socket,
	.move = pfk_move,
};

/* SADB_REGISTER for one SA type makes af_key send us its acquires and expires. */
static int register_satype(struct pfk *pfk, uint8_t satype)
{
	int err;

	pfk_req_begin(pfk, SADB_REGISTER, satype);
	err = pfk_transact(pfk, pfk->ev_fd, NULL, NULL);
	pfk_buf_wipe(&pfk->reply_buf);
	pthread_mutex_unlock(&pfk->req_lock);
	if (err)
		cg_log(pfk->core, CG_LOG_KNL, CG_LVL_ERROR, "registering with af_key for %s failed: %s",
		       satype == SADB_SATYPE_ESP ? "ESP" : "AH", strerror(-err));
	return err;
}

static void pfk_free(struct pfk *pfk)
{
	if (pfk->ev_fd >= 0)
		close(pfk->ev_fd);
	if (pfk->req_fd >= 0)
		close(pfk->req_fd);
	pthread_mutex_destroy(&pfk->req_lock);
	free(pfk);
}

static void pfk_destroy(void *state)
{
	struct pfk *pfk = state;

	if (!pfk)
		return;
	pfk_events_stop(pfk);
	/* Unregistering removes what cygnetd installed, through our request socket. */
	cg_kernel_unregister(pfk->k);
	pfk_free(pfk);
}

static int pfk_init(struct cg_core *core, void **state)
{
	struct pfk *pfk = calloc(1, sizeof(*pfk));
	int err;

	if (!pfk)
		return -ENOMEM;
	pfk->core = core;
	pfk->pid = (uint32_t)getpid();
	pfk->req_fd = pfk->ev_fd = -1;
	pthread_mutex_init(&pfk->req_lock, NULL);
	/*
	 * Start high: af_key numbers its acquires from 1 and SADB_GETSPI looks a
	 * larval SA up by our sequence number first.
	 */
	if (getrandom(&pfk->next_seq, sizeof(pfk->next_seq), 0) != sizeof(pfk->next_seq))
		pfk->next_seq = (uint32_t)time(NULL);
	pfk->next_seq |= 0x80000000u;
	err = pfk->req_fd = pfk_socket_open(pfk);
	if (err < 0)
		goto err_free;
	err = pfk->ev_fd = pfk_socket_open(pfk);
	if (err < 0)
		goto err_free;
	err = register_satype(pfk, SADB_SATYPE_ESP);
	if (!err)
		err = register_satype(pfk, SADB_SATYPE_AH);
	if (err)
		goto err_free;
	err = cg_kernel_register(core, &pfk_ops, pfk, &pfk->k);
	if (err)
		goto err_free;
	err = pfk_events_start(pfk);
	if (err)
		goto err_unregister;
	*state = pfk;
	return 0;

err_unregister:
	cg_kernel_unregister(pfk->k);
err_free:
	pfk_free(pfk);
	return err;
}

CG_EXPORT const struct cg_plugin cg_plugin = {
	.abi = CG_PLUGIN_ABI,
	.name = "kernel-pfkey",
	.provides = (const char *const[]){ "kernel", NULL },
	.init = pfk_init,
	.destroy = pfk_destroy,
};
