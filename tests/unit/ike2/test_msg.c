/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKEv2 codec's header and payload chain: round trips through the
 * writer and the parser, truncated and over-long lengths, chain errors and
 * unknown critical payloads (RFC 7296 2.5, 3.1, 3.2).
 */
#include <errno.h>

#include "msgtest.h"

struct ike2_w mt_w;

void mt_setup(void)
{
	ike2_w_init(&mt_w);
}

void mt_teardown(void)
{
	ike2_w_free(&mt_w);
}

void mt_chain(struct ike2_chain *c, size_t n)
{
	cr_assert_not(mt_w.failed);
	cr_assert_eq(ike2_chain_parse(mt_w.first, mt_w.buf, mt_w.len, c), 0);
	cr_assert_eq(c->n, n);
}

const struct ike2_pl *mt_only(struct ike2_chain *c, uint8_t type)
{
	mt_chain(c, 1);
	cr_assert_eq(c->pl[0].type, type);
	return &c->pl[0];
}

TestSuite(ike2_msg, .init = mt_setup, .fini = mt_teardown);

static const struct ike2_hdr hdr = {
	.spi_i = 0x0123456789abcdefull, .spi_r = 0xfedcba9876543210ull,
	.version = IKE2_VERSION, .exchange = IKE2_EXCH_AUTH,
	.flags = IKE2_FLAG_I, .mid = 0x01020304,
};

/* A message: header, then a nonce and a notify. */
static void write_message(void)
{
	uint8_t nonce[32] = { 1, 2, 3 };

	ike2_w_hdr(&mt_w, &hdr);
	ike2_w_nonce(&mt_w, CG_CHUNK(nonce, sizeof(nonce)));
	ike2_w_notify(&mt_w, 0, IKE2_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	ike2_w_finish(&mt_w);
	cr_assert_not(mt_w.failed);
}

Test(ike2_msg, header_round_trip)
{
	struct ike2_chain c;
	struct ike2_hdr h;

	write_message();
	cr_assert_eq(mt_w.len, CG_IKE_HEADER_LEN + 4 + 32 + 8);
	cr_assert_eq(ike2_hdr_length(mt_w.buf, mt_w.len), mt_w.len);
	cr_assert_eq(ike2_hdr_parse(mt_w.buf, mt_w.len, &h), 0);
	cr_assert_eq(h.spi_i, hdr.spi_i);
	cr_assert_eq(h.spi_r, hdr.spi_r);
	cr_assert_eq(h.next, IKE2_PL_NONCE);
	cr_assert_eq(h.version, IKE2_VERSION);
	cr_assert_eq(h.exchange, IKE2_EXCH_AUTH);
	cr_assert_eq(h.flags, IKE2_FLAG_I);
	cr_assert_eq(h.mid, 0x01020304);
	cr_assert_eq(h.length, mt_w.len);
	/* The wire form is big-endian (3.1). */
	cr_assert_eq(mt_w.buf[0], 0x01);
	cr_assert_eq(mt_w.buf[23], 0x04);
	cr_assert_eq(ike2_chain_parse(h.next, mt_w.buf + CG_IKE_HEADER_LEN,
				      mt_w.len - CG_IKE_HEADER_LEN, &c), 0);
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.pl[0].type, IKE2_PL_NONCE);
	cr_assert_eq(c.pl[0].len, 32);
	cr_assert_eq(c.pl[0].next, IKE2_PL_NOTIFY);
	cr_assert_eq(c.pl[1].type, IKE2_PL_NOTIFY);
	cr_assert_eq(c.pl[1].next, IKE2_PL_NONE);
}

Test(ike2_msg, header_length_must_match_the_datagram)
{
	struct ike2_hdr h;
	uint8_t *longer;

	write_message();
	/* Shorter than a header, cut, or with bytes after the length. */
	for (size_t len = 0; len < mt_w.len; len++)
		cr_assert_eq(ike2_hdr_parse(mt_w.buf, len, &h), -EBADMSG, "length %zu", len);
	cr_assert_eq(ike2_hdr_length(mt_w.buf, CG_IKE_HEADER_LEN - 1), 0);
	longer = calloc(1, mt_w.len + 1);
	memcpy(longer, mt_w.buf, mt_w.len);
	cr_assert_eq(ike2_hdr_parse(longer, mt_w.len + 1, &h), -EBADMSG);
	free(longer);
	/* A length field over or under the datagram's. */
	mt_w.buf[27]++;
	cr_assert_eq(ike2_hdr_parse(mt_w.buf, mt_w.len, &h), -EBADMSG);
	mt_w.buf[27] -= 2;
	cr_assert_eq(ike2_hdr_parse(mt_w.buf, mt_w.len, &h), -EBADMSG);
}

/* Three payloads: KE (critical), nonce, vendor ID. */
static void write_chain(void)
{
	uint8_t data[16] = { 0 };
	size_t v;

	ike2_w_ke(&mt_w, CG_KE_CURVE25519, data, 16);
	mt_w.buf[1] = 0x80;
	ike2_w_nonce(&mt_w, CG_CHUNK(data, 16));
	v = ike2_w_begin(&mt_w, IKE2_PL_VENDOR, false);
	ike2_w_put(&mt_w, "cygnet", 6);
	ike2_w_end(&mt_w, v);
}

Test(ike2_msg, chain_round_trip)
{
	struct ike2_chain c;

	write_chain();
	mt_chain(&c, 3);
	cr_assert_eq(c.pl[0].type, IKE2_PL_KE);
	cr_assert(c.pl[0].critical);
	cr_assert_eq(c.pl[0].len, 4 + 16);
	cr_assert_eq(c.pl[0].hdr, mt_w.buf);
	cr_assert_eq(c.pl[0].body, mt_w.buf + 4);
	cr_assert_eq(c.pl[1].type, IKE2_PL_NONCE);
	cr_assert_not(c.pl[1].critical);
	cr_assert_eq(c.pl[2].type, IKE2_PL_VENDOR);
	cr_assert_eq(c.pl[2].len, 6);
	cr_assert_eq(memcmp(c.pl[2].body, "cygnet", 6), 0);
	cr_assert_eq(ike2_chain_find(&c, IKE2_PL_NONCE), &c.pl[1]);
	cr_assert_null(ike2_chain_find(&c, IKE2_PL_AUTH));
}

Test(ike2_msg, truncated_chain_is_refused)
{
	struct ike2_chain c;

	write_chain();
	for (size_t len = 0; len < mt_w.len; len++)
		cr_assert_eq(ike2_chain_parse(mt_w.first, mt_w.buf, len, &c), -EBADMSG,
			     "cut at %zu", len);
	/* Nothing at all is a chain only when no payload is announced. */
	cr_assert_eq(ike2_chain_parse(IKE2_PL_NONE, mt_w.buf, 0, &c), 0);
	cr_assert_eq(c.n, 0);
}

Test(ike2_msg, payload_lengths_over_and_under_are_refused)
{
	struct ike2_chain c;
	size_t second = 4 + 4 + 16; /* after the KE payload */

	write_chain();
	/* The last payload claims one byte more than is left. */
	cg_put16(mt_w.buf + second + 20 + 2, 4 + 6 + 1);
	cr_assert_eq(ike2_chain_parse(mt_w.first, mt_w.buf, mt_w.len, &c), -EBADMSG);
	cg_put16(mt_w.buf + second + 20 + 2, 4 + 6);
	cr_assert_eq(ike2_chain_parse(mt_w.first, mt_w.buf, mt_w.len, &c), 0);
	/* A length shorter than the generic header, and 0. */
	cg_put16(mt_w.buf + second + 2, 3);
	cr_assert_eq(ike2_chain_parse(mt_w.first, mt_w.buf, mt_w.len, &c), -EBADMSG);
	cg_put16(mt_w.buf + second + 2, 0);
	cr_assert_eq(ike2_chain_parse(mt_w.first, mt_w.buf, mt_w.len, &c), -EBADMSG);
	/* A length that ends inside the next payload: the chain no longer adds up. */
	cg_put16(mt_w.buf + second + 2, 4 + 16 + 2);
	cr_assert_eq(ike2_chain_parse(mt_w.first, mt_w.buf, mt_w.len, &c), -EBADMSG);
}

Test(ike2_msg, bytes_after_the_last_payload_are_refused)
{
	struct ike2_chain c;

	write_chain();
	ike2_w_u32(&mt_w, 0);
	cr_assert_eq(ike2_chain_parse(mt_w.first, mt_w.buf, mt_w.len, &c), -EBADMSG);
}

Test(ike2_msg, at_most_IKE2_MAX_PAYLOADS)
{
	struct ike2_chain c;

	for (size_t i = 0; i < IKE2_MAX_PAYLOADS; i++)
		ike2_w_notify(&mt_w, 0, IKE2_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	mt_chain(&c, IKE2_MAX_PAYLOADS);
	ike2_w_notify(&mt_w, 0, IKE2_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	cr_assert_eq(ike2_chain_parse(mt_w.first, mt_w.buf, mt_w.len, &c), -EBADMSG);
}

Test(ike2_msg, sk_ends_the_chain_and_names_the_first_inner_payload)
{
	struct ike2_chain c;
	size_t sk;

	ike2_w_notify(&mt_w, 0, IKE2_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	sk = ike2_w_begin(&mt_w, IKE2_PL_SK, false);
	ike2_w_put(&mt_w, NULL, 32);
	ike2_w_end(&mt_w, sk);
	mt_w.buf[sk] = IKE2_PL_IDI;
	mt_chain(&c, 2);
	cr_assert_eq(c.pl[1].type, IKE2_PL_SK);
	cr_assert_eq(c.pl[1].next, IKE2_PL_IDI);
	cr_assert_eq(c.pl[1].len, 32);
	/* Anything after SK is refused, even a well-formed payload. */
	ike2_w_notify(&mt_w, 0, IKE2_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	cr_assert_eq(ike2_chain_parse(mt_w.first, mt_w.buf, mt_w.len, &c), -EBADMSG);
}

Test(ike2_msg, unknown_critical_payload_is_reported)
{
	struct ike2_chain c;
	size_t u;

	ike2_w_notify(&mt_w, 0, IKE2_N_INITIAL_CONTACT, NULL, 0, NULL, 0);
	/* Unknown but not critical: skipped (2.5). */
	u = ike2_w_begin(&mt_w, 200, false);
	ike2_w_u32(&mt_w, 7);
	ike2_w_end(&mt_w, u);
	mt_chain(&c, 2);
	cr_assert_eq(c.pl[1].type, 200);
	cr_assert_not(c.pl[1].critical);
	cr_assert_eq(ike2_chain_unknown_critical(&c), 0);
	/* Known and critical: fine. */
	mt_w.buf[1] = 0x80;
	mt_chain(&c, 2);
	cr_assert_eq(ike2_chain_unknown_critical(&c), 0);
	/* Unknown and critical: UNSUPPORTED_CRITICAL_PAYLOAD names it. */
	mt_w.buf[u + 1] = 0x80;
	mt_chain(&c, 2);
	cr_assert(c.pl[1].critical);
	cr_assert_eq(ike2_chain_unknown_critical(&c), 200);
	cr_assert(ike2_pl_known(IKE2_PL_CP));
	cr_assert(ike2_pl_known(IKE2_PL_EAP));
	cr_assert_not(ike2_pl_known(200));
	cr_assert_not(ike2_pl_known(IKE2_PL_NONE));
}

Test(ike2_msg, names)
{
	cr_assert_str_eq(ike2_exchange_name(IKE2_EXCH_CREATE_CHILD_SA), "CREATE_CHILD_SA");
	cr_assert_str_eq(ike2_payload_name(IKE2_PL_TSR), "TSr");
	cr_assert_str_eq(ike2_notify_name(IKE2_N_COOKIE), "COOKIE");
	cr_assert_not_null(ike2_exchange_name(0));
	cr_assert_not_null(ike2_payload_name(250));
	cr_assert_not_null(ike2_notify_name(60000));
}
