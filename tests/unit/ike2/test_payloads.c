/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Each IKEv2 payload through its writer and its parser (RFC 7296 3.3-3.15,
 * RFC 7383 2.5, RFC 7427), and the lengths each parser refuses.
 */
#include <errno.h>

#include "msgtest.h"

TestSuite(ike2_payloads, .init = mt_setup, .fini = mt_teardown);

static struct cg_proposal proposal(const char *s, uint8_t protocol)
{
	struct cg_proposal p;
	const char *err;

	cr_assert_eq(cg_proposal_parse(s, protocol, &p, &err), 0, "%s", s);
	return p;
}

Test(ike2_payloads, sa_round_trip)
{
	struct cg_proposal in[2] = {
		proposal("aes256gcm16-prfsha384-ecp384", CG_PROTO_IKE),
		proposal("aes128-sha256-prfsha256-modp2048", CG_PROTO_IKE),
	};
	static const uint8_t nums[2] = { 3, 7 };
	struct ike2_prop out[IKE2_MAX_PROPOSALS];
	struct ike2_chain c;
	size_t n;

	ike2_w_sa(&mt_w, in, nums, 2, 0x0102030405060708ull, 8);
	cr_assert_eq(ike2_sa_parse(mt_only(&c, IKE2_PL_SA), out, IKE2_MAX_PROPOSALS, &n), 0);
	cr_assert_eq(n, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(out[i].num, nums[i]);
		cr_assert_eq(out[i].spi_size, 8);
		cr_assert_eq(out[i].spi, 0x0102030405060708ull);
		cr_assert(out[i].usable);
		cr_assert_eq(out[i].p.protocol, CG_PROTO_IKE);
		cr_assert_eq(out[i].p.n, in[i].n);
		for (size_t t = 0; t < in[i].n; t++) {
			cr_assert_eq(out[i].p.t[t].type, in[i].t[t].type);
			cr_assert_eq(out[i].p.t[t].id, in[i].t[t].id);
			cr_assert_eq(out[i].p.t[t].keylen, in[i].t[t].keylen);
		}
	}
	/* Only max proposals are kept; the rest are still checked for their lengths. */
	cr_assert_eq(ike2_sa_parse(&c.pl[0], out, 1, &n), 0);
	cr_assert_eq(n, 1);
}

Test(ike2_payloads, sa_esp_with_a_four_byte_spi)
{
	struct cg_proposal in = proposal("aes128gcm16-esn", CG_PROTO_ESP);
	struct ike2_prop out;
	struct ike2_chain c;
	size_t n;

	ike2_w_sa(&mt_w, &in, NULL, 1, 0xc0000201, 4);
	cr_assert_eq(ike2_sa_parse(mt_only(&c, IKE2_PL_SA), &out, 1, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(out.num, 1);
	cr_assert_eq(out.spi_size, 4);
	cr_assert_eq(out.spi, 0xc0000201);
	cr_assert_eq(out.p.protocol, CG_PROTO_ESP);
	cr_assert_eq(out.p.n, in.n);
}

/* Offsets in an SA payload with one proposal, no SPI and transforms of 8 bytes. */
#define SA_PROP 4          /* the proposal, after the generic header */
#define SA_T1 (SA_PROP + 8) /* its first transform */

static const struct ike2_pl *write_sa_one(struct ike2_chain *c)
{
	struct cg_proposal in = proposal("aes128gcm16-prfsha256-x25519", CG_PROTO_IKE);

	/* Without key length attributes: every transform is 8 bytes. */
	in.t[0].keylen = 0;
	ike2_w_sa(&mt_w, &in, NULL, 1, 0, 0);
	return mt_only(c, IKE2_PL_SA);
}

Test(ike2_payloads, sa_lengths_and_flags_are_checked)
{
	struct ike2_prop out;
	struct ike2_chain c;
	const struct ike2_pl *pl = write_sa_one(&c);
	struct ike2_pl cut = *pl;
	size_t n;

	cr_assert_eq(ike2_sa_parse(pl, &out, 1, &n), 0);
	cr_assert_eq(out.p.n, 3);
	/* Every shorter body. */
	for (cut.len = 0; cut.len < pl->len; cut.len++)
		cr_assert_eq(ike2_sa_parse(&cut, &out, 1, &n), -EBADMSG, "cut at %zu", cut.len);
	/* A proposal "more follow" with nothing after it. */
	mt_w.buf[SA_PROP] = 2;
	cr_assert_eq(ike2_sa_parse(pl, &out, 1, &n), -EBADMSG);
	mt_w.buf[SA_PROP] = 1; /* neither 0 nor 2 */
	cr_assert_eq(ike2_sa_parse(pl, &out, 1, &n), -EBADMSG);
	mt_w.buf[SA_PROP] = 0;
	/* The first transform marked last. */
	mt_w.buf[SA_T1] = 0;
	cr_assert_eq(ike2_sa_parse(pl, &out, 1, &n), -EBADMSG);
	mt_w.buf[SA_T1] = 3;
	/* A transform longer than its proposal, and one shorter than 8. */
	cg_put16(mt_w.buf + SA_T1 + 2, 0x100);
	cr_assert_eq(ike2_sa_parse(pl, &out, 1, &n), -EBADMSG);
	cg_put16(mt_w.buf + SA_T1 + 2, 7);
	cr_assert_eq(ike2_sa_parse(pl, &out, 1, &n), -EBADMSG);
	cg_put16(mt_w.buf + SA_T1 + 2, 8);
	/* An SPI size larger than the proposal. */
	mt_w.buf[SA_PROP + 6] = 8;
	cr_assert_eq(ike2_sa_parse(pl, &out, 1, &n), -EBADMSG);
	mt_w.buf[SA_PROP + 6] = 0;
	cr_assert_eq(ike2_sa_parse(pl, &out, 1, &n), 0);
}

Test(ike2_payloads, sa_unknown_transform_type_makes_the_proposal_unusable)
{
	struct ike2_prop out;
	struct ike2_chain c;
	const struct ike2_pl *pl = write_sa_one(&c);
	size_t n;

	mt_w.buf[SA_T1 + 4] = 99;
	cr_assert_eq(ike2_sa_parse(pl, &out, 1, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_not(out.usable);
}

Test(ike2_payloads, ke_round_trip)
{
	uint8_t pub[32];
	struct ike2_chain c;
	struct ike2_ke ke;

	for (size_t i = 0; i < sizeof(pub); i++)
		pub[i] = (uint8_t)i;
	ike2_w_ke(&mt_w, CG_KE_CURVE25519, pub, sizeof(pub));
	cr_assert_eq(ike2_ke_parse(mt_only(&c, IKE2_PL_KE), &ke), 0);
	cr_assert_eq(ke.group, CG_KE_CURVE25519);
	cr_assert_eq(ke.len, sizeof(pub));
	cr_assert_eq(memcmp(ke.data, pub, sizeof(pub)), 0);
	c.pl[0].len = 3;
	cr_assert_eq(ike2_ke_parse(&c.pl[0], &ke), -EBADMSG);
}

Test(ike2_payloads, nonce_of_16_to_256_bytes)
{
	static const size_t lens[] = { 15, 16, 32, 256, 257 };
	uint8_t bytes[257] = { 9 };

	for (size_t i = 0; i < CG_ARRAY_SIZE(lens); i++) {
		struct cg_chunk nonce = { 0 };
		struct ike2_chain c;
		int err;

		ike2_w_free(&mt_w);
		ike2_w_init(&mt_w);
		ike2_w_nonce(&mt_w, CG_CHUNK(bytes, lens[i]));
		err = ike2_nonce_parse(mt_only(&c, IKE2_PL_NONCE), &nonce);
		if (lens[i] < 16 || lens[i] > 256) {
			cr_assert_eq(err, -EBADMSG, "%zu bytes", lens[i]);
			continue;
		}
		cr_assert_eq(err, 0, "%zu bytes", lens[i]);
		cr_assert_eq(nonce.len, lens[i]);
		cr_assert_eq(memcmp(nonce.ptr, bytes, lens[i]), 0);
		cr_assert_neq(nonce.ptr, c.pl[0].body, "the nonce is a copy");
		cg_chunk_free(&nonce);
	}
}

Test(ike2_payloads, id_round_trip)
{
	static const char *const ids[] = {
		"moon.example.org", "moon@example.org", "192.0.2.1", "2001:db8::1",
	};

	for (size_t i = 0; i < CG_ARRAY_SIZE(ids); i++) {
		struct cg_id in, out;
		struct ike2_chain c;
		size_t body;

		ike2_w_free(&mt_w);
		ike2_w_init(&mt_w);
		cr_assert_eq(cg_id_parse(ids[i], &in), 0);
		ike2_w_id(&mt_w, IKE2_PL_IDR, &in, &body);
		cr_assert_eq(body, 4, "the body starts after the generic header");
		cr_assert_eq(ike2_id_parse(mt_only(&c, IKE2_PL_IDR), &out), 0, "%s", ids[i]);
		cr_assert(cg_id_equal(&in, &out), "%s", ids[i]);
		cr_assert_eq(out.type, in.type);
		cg_id_free(&out);
		/* Only the type and reserved octets: no identity. */
		c.pl[0].len = 4;
		cr_assert_eq(ike2_id_parse(&c.pl[0], &out), -EBADMSG);
		cg_id_free(&in);
	}
}

Test(ike2_payloads, auth_round_trip_and_digital_signature)
{
	uint8_t data[1 + 15 + 64];
	struct cg_chunk alg, sig;
	struct ike2_chain c;
	struct ike2_auth a;

	memset(data, 0x5a, sizeof(data));
	data[0] = 15;
	ike2_w_auth(&mt_w, IKE2_AUTH_DIGITAL_SIGNATURE, data, sizeof(data));
	cr_assert_eq(ike2_auth_parse(mt_only(&c, IKE2_PL_AUTH), &a), 0);
	cr_assert_eq(a.method, IKE2_AUTH_DIGITAL_SIGNATURE);
	cr_assert_eq(a.len, sizeof(data));
	cr_assert_eq(ike2_auth_sig_parse(&a, &alg, &sig), 0);
	cr_assert_eq(alg.len, 15);
	cr_assert_eq(alg.ptr, a.data + 1);
	cr_assert_eq(sig.len, 64);
	cr_assert_eq(sig.ptr, a.data + 16);
	/* An AlgorithmIdentifier length that reaches the end leaves no signature. */
	a.len = 16;
	cr_assert_eq(ike2_auth_sig_parse(&a, &alg, &sig), 0);
	cr_assert_eq(sig.len, 0);
	a.len = 15;
	cr_assert_eq(ike2_auth_sig_parse(&a, &alg, &sig), -EBADMSG);
	a.len = 0;
	cr_assert_eq(ike2_auth_sig_parse(&a, &alg, &sig), -EBADMSG);
	c.pl[0].len = 4;
	cr_assert_eq(ike2_auth_parse(&c.pl[0], &a), -EBADMSG);
}

Test(ike2_payloads, cert_and_certreq_round_trip)
{
	uint8_t der[20] = { 0x30, 0x12 };
	struct ike2_cert_pl cert;
	struct ike2_chain c;

	ike2_w_cert(&mt_w, IKE2_PL_CERT, 4, der, sizeof(der));
	ike2_w_cert(&mt_w, IKE2_PL_CERTREQ, 4, der, 1);
	mt_chain(&c, 2);
	cr_assert_eq(ike2_cert_parse(&c.pl[0], &cert), 0);
	cr_assert_eq(cert.encoding, 4);
	cr_assert_eq(cert.len, sizeof(der));
	cr_assert_eq(memcmp(cert.data, der, sizeof(der)), 0);
	cr_assert_eq(c.pl[1].type, IKE2_PL_CERTREQ);
	cr_assert_eq(ike2_cert_parse(&c.pl[1], &cert), 0);
	cr_assert_eq(cert.len, 1);
	/* An encoding octet alone carries nothing. */
	c.pl[1].len = 1;
	cr_assert_eq(ike2_cert_parse(&c.pl[1], &cert), -EBADMSG);
}

static struct cg_ts ts(const char *s)
{
	struct cg_ts t;
	const char *err;

	cr_assert_eq(cg_ts_parse(s, &t, &err), 0, "%s", s);
	return t;
}

Test(ike2_payloads, ts_round_trip)
{
	struct cg_ts in[3] = {
		ts("198.51.100.0/25[udp/1024-2047]"), ts("2001:db8:2::/64[tcp/80]"),
		ts("192.0.2.1-192.0.2.9"),
	}, out[IKE2_MAX_TS];
	struct ike2_chain c;
	size_t n;

	ike2_w_ts(&mt_w, IKE2_PL_TSI, in, 3);
	cr_assert_eq(ike2_ts_parse(mt_only(&c, IKE2_PL_TSI), out, IKE2_MAX_TS, &n), 0);
	cr_assert_eq(n, 3);
	for (size_t i = 0; i < 3; i++)
		cr_assert(cg_ts_equal(&in[i], &out[i]), "selector %zu", i);
	/* At most max kept. */
	cr_assert_eq(ike2_ts_parse(&c.pl[0], out, 2, &n), 0);
	cr_assert_eq(n, 2);
}

Test(ike2_payloads, ts_lengths_are_checked)
{
	struct cg_ts in[2] = { ts("192.0.2.0/24"), ts("2001:db8::/32") }, out[2];
	struct ike2_chain c;
	const struct ike2_pl *pl;
	struct ike2_pl cut;
	size_t n, sel2 = 4 + 4 + 16; /* generic header, count, IPv4 selector */

	ike2_w_ts(&mt_w, IKE2_PL_TSR, in, 2);
	pl = mt_only(&c, IKE2_PL_TSR);
	cut = *pl;
	for (cut.len = 0; cut.len < pl->len; cut.len++)
		cr_assert_eq(ike2_ts_parse(&cut, out, 2, &n), -EBADMSG, "cut at %zu", cut.len);
	/* More selectors announced than there are, or fewer. */
	mt_w.buf[4] = 3;
	cr_assert_eq(ike2_ts_parse(pl, out, 2, &n), -EBADMSG);
	mt_w.buf[4] = 1;
	cr_assert_eq(ike2_ts_parse(pl, out, 2, &n), -EBADMSG);
	mt_w.buf[4] = 2;
	/* An IPv6 selector with an IPv4 selector's length. */
	cg_put16(mt_w.buf + sel2 + 2, 16);
	cr_assert_eq(ike2_ts_parse(pl, out, 2, &n), -EBADMSG);
	cg_put16(mt_w.buf + sel2 + 2, 40);
	/* An IPv4 selector 4 bytes longer than its addresses, the payload agreeing. */
	ike2_w_free(&mt_w);
	ike2_w_init(&mt_w);
	ike2_w_ts(&mt_w, IKE2_PL_TSR, in, 1);
	ike2_w_u32(&mt_w, 0);
	ike2_w_end(&mt_w, 0);
	cg_put16(mt_w.buf + 8 + 2, 20);
	pl = mt_only(&c, IKE2_PL_TSR);
	cr_assert_eq(ike2_ts_parse(pl, out, 2, &n), -EBADMSG);
	cg_put16(mt_w.buf + 8 + 2, 16);
	cr_assert_eq(ike2_ts_parse(pl, out, 2, &n), -EBADMSG, "4 bytes after the last selector");

	/* An unknown selector type is skipped by its length (3.13.1). */
	ike2_w_free(&mt_w);
	ike2_w_init(&mt_w);
	ike2_w_ts(&mt_w, IKE2_PL_TSR, in, 2);
	pl = mt_only(&c, IKE2_PL_TSR);
	mt_w.buf[sel2] = 9;
	cr_assert_eq(ike2_ts_parse(pl, out, 2, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert(cg_ts_equal(&in[0], &out[0]));
}

Test(ike2_payloads, delete_round_trip)
{
	static const uint32_t spis[] = { 0xc0000201, 0xc0000202, 0xc0000203 };
	struct ike2_delete d;
	struct ike2_chain c;

	ike2_w_delete(&mt_w, CG_PROTO_ESP, spis, 3);
	ike2_w_delete(&mt_w, CG_PROTO_IKE, NULL, 0);
	mt_chain(&c, 2);
	cr_assert_eq(ike2_delete_parse(&c.pl[0], &d), 0);
	cr_assert_eq(d.proto, CG_PROTO_ESP);
	cr_assert_eq(d.spi_size, 4);
	cr_assert_eq(d.n_spis, 3);
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(ike2_delete_spi(&d, i), spis[i]);
	cr_assert_eq(ike2_delete_parse(&c.pl[1], &d), 0);
	cr_assert_eq(d.proto, CG_PROTO_IKE);
	cr_assert_eq(d.spi_size, 0);
	cr_assert_eq(d.n_spis, 0);
	/* The SPIs must fill the payload exactly: one byte less or more is refused. */
	c.pl[0].len -= 1;
	cr_assert_eq(ike2_delete_parse(&c.pl[0], &d), -EBADMSG);
	c.pl[0].len += 2;
	cr_assert_eq(ike2_delete_parse(&c.pl[0], &d), -EBADMSG);
	c.pl[0].len -= 1;
	cg_put16(mt_w.buf + 4 + 2, 4);
	cr_assert_eq(ike2_delete_parse(&c.pl[0], &d), -EBADMSG);
	c.pl[1].len = 3;
	cr_assert_eq(ike2_delete_parse(&c.pl[1], &d), -EBADMSG);
}

Test(ike2_payloads, notify_round_trip_and_helpers)
{
	static const uint8_t spi[4] = { 0xc0, 0x00, 0x02, 0x01 }, group[2] = { 0, 19 };
	static const uint16_t hashes[] = { 2, 4, 99 };
	struct ike2_notify n;
	struct ike2_chain c;
	uint32_t v;

	ike2_w_notify(&mt_w, CG_PROTO_ESP, IKE2_N_REKEY_SA, spi, 4, NULL, 0);
	ike2_w_notify(&mt_w, 0, IKE2_N_INVALID_KE_PAYLOAD, NULL, 0, group, 2);
	ike2_w_notify_hashes(&mt_w, hashes, 3);
	mt_chain(&c, 3);
	cr_assert_eq(ike2_notify_parse(&c.pl[0], &n), 0);
	cr_assert_eq(n.proto, CG_PROTO_ESP);
	cr_assert_eq(n.type, IKE2_N_REKEY_SA);
	cr_assert_eq(n.spi_size, 4);
	cr_assert_eq(n.data_len, 0);
	cr_assert(ike2_notify_spi(&n, &v));
	cr_assert_eq(v, 0xc0000201);
	cr_assert_eq(ike2_notify_ke_group(&n), CG_KE_NONE);
	cr_assert_eq(ike2_notify_parse(&c.pl[1], &n), 0);
	cr_assert_not(ike2_notify_spi(&n, &v));
	cr_assert_eq(ike2_notify_ke_group(&n), CG_KE_ECP_256);
	cr_assert_eq(ike2_notify_parse(&c.pl[2], &n), 0);
	cr_assert_eq(n.type, IKE2_N_SIGNATURE_HASH_ALGORITHMS);
	/* Hash algorithms 16 and above are not in the set. */
	cr_assert_eq(ike2_notify_hashes(&n), (1u << 2) | (1u << 4));
	cr_assert_eq(ike2_chain_error(&c), IKE2_N_INVALID_KE_PAYLOAD);
	cr_assert(ike2_chain_notify(&c, IKE2_N_REKEY_SA, &n));
	cr_assert_eq(n.type, IKE2_N_REKEY_SA);
	cr_assert_not(ike2_chain_notify(&c, IKE2_N_COOKIE, NULL));
	/* An SPI size past the payload, and a payload shorter than its fixed part. */
	mt_w.buf[5] = 5;
	cr_assert_eq(ike2_notify_parse(&c.pl[0], &n), -EBADMSG);
	cr_assert_not(ike2_chain_notify(&c, IKE2_N_REKEY_SA, NULL));
	c.pl[1].len = 3;
	cr_assert_eq(ike2_notify_parse(&c.pl[1], &n), -EBADMSG);
}

static struct cg_addr addr(const char *s)
{
	struct cg_addr a;

	cr_assert_eq(cg_addr_parse(s, &a), 0, "%s", s);
	return a;
}

Test(ike2_payloads, cp_round_trip)
{
	struct cg_addr v4 = addr("203.0.113.7"), v6 = addr("2001:db8:100::7");
	struct cg_addr net4 = addr("198.51.100.0"), net6 = addr("2001:db8:2::"), a;
	struct ike2_chain c;
	struct ike2_cfg cfg;
	uint8_t plen;
	size_t cp;

	cp = ike2_w_cfg(&mt_w, IKE2_CFG_REPLY);
	ike2_w_cfg_addr(&mt_w, IKE2_CFG_IP4_ADDRESS, &v4, false, 0);
	ike2_w_cfg_addr(&mt_w, IKE2_CFG_IP6_ADDRESS, &v6, true, 64);
	ike2_w_cfg_attr(&mt_w, IKE2_CFG_IP6_DNS, NULL, 0);
	ike2_w_cfg_subnet(&mt_w, &net4, 24);
	ike2_w_cfg_subnet(&mt_w, &net6, 48);
	ike2_w_cfg_attr(&mt_w, 0x7000, "xyz", 3);
	ike2_w_end(&mt_w, cp);
	cr_assert_eq(ike2_cfg_parse(mt_only(&c, IKE2_PL_CP), &cfg), 0);
	cr_assert_eq(cfg.type, IKE2_CFG_REPLY);
	cr_assert_eq(cfg.n, 6);
	cr_assert_eq(cfg.attrs[0].type, IKE2_CFG_IP4_ADDRESS);
	a = ike2_cfg_attr_addr(&cfg.attrs[0], AF_INET);
	cr_assert(cg_addr_equal(&a, &v4));
	a = ike2_cfg_attr_addr(&cfg.attrs[1], AF_INET6);
	cr_assert(cg_addr_equal(&a, &v6));
	cr_assert_eq(cfg.attrs[1].value[16], 64);
	cr_assert_eq(cfg.attrs[2].len, 0);
	cr_assert(ike2_cfg_attr_subnet(&cfg.attrs[3], &a, &plen));
	cr_assert(cg_addr_equal(&a, &net4));
	cr_assert_eq(plen, 24);
	cr_assert(ike2_cfg_attr_subnet(&cfg.attrs[4], &a, &plen));
	cr_assert(cg_addr_equal(&a, &net6));
	cr_assert_eq(plen, 48);
	cr_assert_eq(cfg.attrs[5].type, 0x7000);
	cr_assert_eq(cfg.attrs[5].len, 3);
}

Test(ike2_payloads, cp_attributes_are_checked)
{
	static const uint8_t holes[8] = { 198, 51, 100, 0, 255, 0, 255, 0 };
	uint8_t five[5] = { 0 }, prefix[17] = { 0 };
	struct ike2_chain c;
	struct ike2_cfg cfg;
	struct cg_addr a;
	uint8_t plen;
	size_t cp;

	cp = ike2_w_cfg(&mt_w, IKE2_CFG_SET);
	ike2_w_cfg_attr(&mt_w, IKE2_CFG_IP4_SUBNET, holes, 8);
	ike2_w_end(&mt_w, cp);
	cr_assert_eq(ike2_cfg_parse(mt_only(&c, IKE2_PL_CP), &cfg), 0);
	/* A netmask that is not contiguous is no subnet. */
	cr_assert_not(ike2_cfg_attr_subnet(&cfg.attrs[0], &a, &plen));

	/* An address attribute of the wrong size. */
	ike2_w_free(&mt_w);
	ike2_w_init(&mt_w);
	cp = ike2_w_cfg(&mt_w, IKE2_CFG_REPLY);
	ike2_w_cfg_attr(&mt_w, IKE2_CFG_IP4_ADDRESS, five, 5);
	ike2_w_end(&mt_w, cp);
	cr_assert_eq(ike2_cfg_parse(mt_only(&c, IKE2_PL_CP), &cfg), -EBADMSG);

	/* An IPv6 prefix length over 128. */
	ike2_w_free(&mt_w);
	ike2_w_init(&mt_w);
	prefix[16] = 129;
	cp = ike2_w_cfg(&mt_w, IKE2_CFG_REPLY);
	ike2_w_cfg_attr(&mt_w, IKE2_CFG_IP6_ADDRESS, prefix, 17);
	ike2_w_end(&mt_w, cp);
	cr_assert_eq(ike2_cfg_parse(mt_only(&c, IKE2_PL_CP), &cfg), -EBADMSG);

	/* An attribute longer than what is left, and a cut attribute header. */
	ike2_w_free(&mt_w);
	ike2_w_init(&mt_w);
	cp = ike2_w_cfg(&mt_w, IKE2_CFG_REQUEST);
	ike2_w_cfg_attr(&mt_w, IKE2_CFG_IP6_DNS, NULL, 0);
	ike2_w_end(&mt_w, cp);
	mt_only(&c, IKE2_PL_CP);
	cg_put16(mt_w.buf + 8 + 2, 1);
	cr_assert_eq(ike2_cfg_parse(&c.pl[0], &cfg), -EBADMSG);
	c.pl[0].len = 6;
	cr_assert_eq(ike2_cfg_parse(&c.pl[0], &cfg), -EBADMSG);
	c.pl[0].len = 3;
	cr_assert_eq(ike2_cfg_parse(&c.pl[0], &cfg), -EBADMSG);
}

Test(ike2_payloads, cp_keeps_at_most_IKE2_CFG_MAX_ATTRS)
{
	struct ike2_chain c;
	struct ike2_cfg cfg;
	size_t cp = ike2_w_cfg(&mt_w, IKE2_CFG_REQUEST);

	for (size_t i = 0; i < IKE2_CFG_MAX_ATTRS + 3; i++)
		ike2_w_cfg_attr(&mt_w, IKE2_CFG_IP4_DNS, NULL, 0);
	ike2_w_end(&mt_w, cp);
	cr_assert_eq(ike2_cfg_parse(mt_only(&c, IKE2_PL_CP), &cfg), 0);
	cr_assert_eq(cfg.n, IKE2_CFG_MAX_ATTRS);
}

Test(ike2_payloads, skf_fields)
{
	struct ike2_chain c;
	struct ike2_skf f;
	size_t skf = ike2_w_begin(&mt_w, IKE2_PL_SKF, false);

	ike2_w_u16(&mt_w, 2);
	ike2_w_u16(&mt_w, 5);
	ike2_w_put(&mt_w, NULL, 16);
	ike2_w_end(&mt_w, skf);
	cr_assert_eq(ike2_skf_parse(mt_only(&c, IKE2_PL_SKF), &f), 0);
	cr_assert_eq(f.num, 2);
	cr_assert_eq(f.total, 5);
	cr_assert_eq(f.iv, c.pl[0].body + 4);
	c.pl[0].len = 3;
	cr_assert_eq(ike2_skf_parse(&c.pl[0], &f), -EBADMSG);
}
