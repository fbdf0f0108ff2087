/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every payload of a parsed chain goes through the parser of its type and
 * through the helpers the exchanges call on the result, as the exchanges
 * would meet them in a message.
 */
#include "fz_ike2.h"

static void fz_ike2_notify(const struct ike2_pl *pl)
{
	struct ike2_notify n;
	uint32_t spi;

	if (ike2_notify_parse(pl, &n))
		return;
	ike2_notify_spi(&n, &spi);
	ike2_notify_ke_group(&n);
	ike2_notify_hashes(&n);
	ike2_notify_name(n.type);
}

/* The family of an address attribute (the parser checked its length), or AF_UNSPEC. */
static sa_family_t fz_ike2_cfg_family(uint16_t type)
{
	switch (type) {
	case IKE2_CFG_IP4_ADDRESS: case IKE2_CFG_IP4_NETMASK: case IKE2_CFG_IP4_DNS:
	case IKE2_CFG_IP4_SUBNET:
		return AF_INET;
	case IKE2_CFG_IP6_ADDRESS: case IKE2_CFG_IP6_DNS: case IKE2_CFG_IP6_SUBNET:
		return AF_INET6;
	default:
		return AF_UNSPEC;
	}
}

static void fz_ike2_cfg(const struct ike2_pl *pl)
{
	struct ike2_cfg cfg;
	struct cg_addr net;
	uint8_t prefixlen;

	if (ike2_cfg_parse(pl, &cfg))
		return;
	for (size_t i = 0; i < cfg.n; i++) {
		const struct ike2_cfg_attr *a = &cfg.attrs[i];
		sa_family_t family = fz_ike2_cfg_family(a->type);

		if (!a->len || family == AF_UNSPEC)
			continue;
		ike2_cfg_attr_addr(a, family);
		if (a->type == IKE2_CFG_IP4_SUBNET || a->type == IKE2_CFG_IP6_SUBNET)
			ike2_cfg_attr_subnet(a, &net, &prefixlen);
	}
}

static void fz_ike2_delete(const struct ike2_pl *pl)
{
	struct ike2_delete d;

	if (ike2_delete_parse(pl, &d) || d.spi_size != 4)
		return;
	for (size_t i = 0; i < d.n_spis; i++)
		ike2_delete_spi(&d, i);
}

static void fz_ike2_auth(const struct ike2_pl *pl)
{
	struct cg_chunk alg_id, sig;
	struct ike2_auth a;

	if (!ike2_auth_parse(pl, &a) && a.method == IKE2_AUTH_DIGITAL_SIGNATURE)
		ike2_auth_sig_parse(&a, &alg_id, &sig);
}

static void fz_ike2_payload(const struct ike2_pl *pl)
{
	struct ike2_prop props[IKE2_MAX_PROPOSALS];
	struct cg_ts ts[IKE2_MAX_TS];
	struct ike2_cert_pl cert;
	struct cg_chunk nonce;
	struct ike2_skf skf;
	struct ike2_ke ke;
	struct cg_id id;
	size_t n;

	ike2_payload_name(pl->type);
	switch (pl->type) {
	case IKE2_PL_SA:
		ike2_sa_parse(pl, props, IKE2_MAX_PROPOSALS, &n);
		break;
	case IKE2_PL_KE:
		ike2_ke_parse(pl, &ke);
		break;
	case IKE2_PL_IDI:
	case IKE2_PL_IDR:
		if (!ike2_id_parse(pl, &id))
			cg_id_free(&id);
		break;
	case IKE2_PL_CERT:
	case IKE2_PL_CERTREQ:
		ike2_cert_parse(pl, &cert);
		break;
	case IKE2_PL_AUTH:
		fz_ike2_auth(pl);
		break;
	case IKE2_PL_NONCE:
		if (!ike2_nonce_parse(pl, &nonce))
			cg_chunk_free(&nonce);
		break;
	case IKE2_PL_NOTIFY:
		fz_ike2_notify(pl);
		break;
	case IKE2_PL_DELETE:
		fz_ike2_delete(pl);
		break;
	case IKE2_PL_TSI:
	case IKE2_PL_TSR:
		ike2_ts_parse(pl, ts, IKE2_MAX_TS, &n);
		break;
	case IKE2_PL_CP:
		fz_ike2_cfg(pl);
		break;
	case IKE2_PL_SKF:
		ike2_skf_parse(pl, &skf);
		break;
	}
}

void fz_ike2_payloads(const struct ike2_chain *c)
{
	struct ike2_notify n;

	for (size_t i = 0; i < c->n; i++)
		fz_ike2_payload(&c->pl[i]);
	ike2_chain_unknown_critical(c);
	ike2_chain_error(c);
	ike2_chain_notify(c, IKE2_N_COOKIE, &n);
}
