/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The responder's COOKIE (RFC 7296 2.6): from cookie_threshold half-open
 * SAs on, an IKE_SA_INIT request creates state only when it echoes a
 * cookie we computed statelessly from its Ni, source address and SPIi:
 *
 *   Cookie = <version> | prf(secret, Ni | IPi | SPIi)
 *
 * The plugin's config section:
 *
 *   ike2:
 *     cookie_threshold: 30   # half-open SAs; 0 turns cookies off
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "cookie.h"
#include "ike2.h"
#include "msg.h"

#define COOKIE_THRESHOLD_DEFAULT 30
#define COOKIE_VERSION 1
#define COOKIE_MAX (1 + 64)

static const char *const section_keys[] = { "cookie_threshold", NULL };

int ike2_cookie_config_check(const struct cg_cfg_node *section, struct cg_cfg_errors *errs)
{
	uint64_t threshold;
	bool ok;

	if (!section)
		return 0;
	ok = cg_cfg_check_keys(section, section_keys, "ike2", errs);
	ok = cg_cfg_get_uint(section, "cookie_threshold", 0, 1000000, &threshold, errs) && ok;
	return ok ? 0 : -EINVAL;
}

int ike2_cookie_setup(struct ike2 *p)
{
	struct cg_config *cfg = cg_core_config(p->core);
	const struct cg_cfg_node *section = cfg ? cg_config_section(cfg, "ike2") : NULL;
	struct cg_cfg_errors errs = { 0 };
	int err = 0;

	p->cookie_threshold = COOKIE_THRESHOLD_DEFAULT;
	if (section && !cg_cfg_get_uint(section, "cookie_threshold", 0, 1000000,
					&p->cookie_threshold, &errs)) {
		for (size_t i = 0; i < errs.n; i++)
			cg_log(p->core, CG_LOG_CFG, CG_LVL_ERROR, "%s", errs.lines[i]);
		err = -EINVAL;
	}
	cg_cfg_errors_free(&errs);
	cg_config_unref(cfg);
	if (!err)
		err = cg_random(p->core, p->cookie_secret, sizeof(p->cookie_secret));
	return err;
}

/* Our cookie for this request into out; its length, 0 when it cannot be computed. */
static size_t cookie_compute(struct ike2 *p, const struct ike2_msg *msg, struct cg_chunk ni,
			     uint8_t *out)
{
	const struct cg_prf_alg *prf = cg_crypto_prf(p->core, CG_PRF_HMAC_SHA2_256);
	const struct cg_addr *src = &msg->pkt->src;
	uint64_t spi_i = htobe64(msg->h.spi_i);
	void *ctx;

	if (!prf || prf->out_size + 1 > COOKIE_MAX ||
	    prf->create(prf, p->cookie_secret, sizeof(p->cookie_secret), &ctx))
		return 0;
	out[0] = COOKIE_VERSION;
	if (prf->update(ctx, ni.ptr, ni.len) ||
	    prf->update(ctx, src->u.bytes, src->family == AF_INET ? 4 : 16) ||
	    prf->update(ctx, (const uint8_t *)&spi_i, sizeof(spi_i)) || prf->digest(ctx, out + 1)) {
		prf->destroy(ctx);
		return 0;
	}
	prf->destroy(ctx);
	return prf->out_size + 1;
}

/* HDR(SPIi, 0), N(COOKIE): no state is kept for it. */
static void cookie_send(struct ike2 *p, const struct ike2_msg *msg, const uint8_t *cookie,
			size_t len)
{
	struct ike2_hdr h = {
		.spi_i = msg->h.spi_i, .exchange = IKE2_EXCH_SA_INIT, .flags = IKE2_FLAG_R,
	};
	struct ike2_w w;

	ike2_w_init(&w);
	ike2_w_hdr(&w, &h);
	ike2_w_notify(&w, 0, IKE2_N_COOKIE, NULL, 0, cookie, len);
	ike2_w_finish(&w);
	if (!w.failed)
		cg_ike_send(p->core, &msg->pkt->dst, &msg->pkt->src, w.buf, w.len);
	ike2_w_free(&w);
}

bool ike2_cookie_admit(struct ike2 *p, const struct ike2_msg *msg)
{
	const struct ike2_pl *no_pl = ike2_chain_find(&msg->pl, IKE2_PL_NONCE);
	uint8_t cookie[COOKIE_MAX];
	struct ike2_notify n;
	struct cg_chunk ni;
	char a[CG_ADDR_STRLEN];
	const char *why;
	size_t len;
	bool ok;

	if (!p->cookie_threshold || cg_sa_count_half_open(p->core) < p->cookie_threshold)
		return true;
	if (!no_pl || ike2_nonce_parse(no_pl, &ni))
		return true; /* malformed: refused by the caller */
	len = cookie_compute(p, msg, ni, cookie);
	cg_chunk_free(&ni);
	if (!len)
		return true;
	ok = ike2_chain_notify(&msg->pl, IKE2_N_COOKIE, &n) &&
	     cg_chunk_equal_ct(CG_CHUNK(n.data, n.data_len), CG_CHUNK(cookie, len));
	if (ok)
		return true;
	why = ike2_chain_notify(&msg->pl, IKE2_N_COOKIE, NULL) ? "wrong cookie, sending another"
							     : "asking for a cookie";
	cg_log_refused(p->core, CG_LOG_IKE, "IKE_SA_INIT", &msg->pkt->src, why,
		       "IKE_SA_INIT from %s: %zu half-open SAs, %s",
		       cg_addr_str(&msg->pkt->src, a, sizeof(a)), cg_sa_count_half_open(p->core),
		       why);
	cookie_send(p, msg, cookie, len);
	return false;
}
