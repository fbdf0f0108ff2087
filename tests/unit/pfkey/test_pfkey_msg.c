/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PF_KEY parser: what it accepts, what it rejects and why, and the event decoders. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "pfkey_testmsg.h"

static struct pfk_buf *buf;

static void setup(void)
{
	buf = calloc(1, sizeof(*buf));
}

static void teardown(void)
{
	free(buf);
}

TestSuite(pfkey_msg, .init = setup, .fini = teardown);

static uint8_t *raw(void)
{
	return (uint8_t *)buf->words;
}

static void put16(size_t off, uint16_t v)
{
	memcpy(raw() + off, &v, sizeof(v));
}

/* Parses the buffer (or its first len bytes) and expects a rejection mentioning needle. */
static void expect_reject(size_t len, const char *needle)
{
	struct pfk_msg msg;
	const char *why = NULL;

	cr_assert_eq(pfk_msg_parse(raw(), len, &msg, &why), -EBADMSG);
	cr_assert_not_null(why);
	cr_assert(strstr(why, needle), "reason \"%s\" does not mention \"%s\"", why, needle);
}

Test(pfkey_msg, accepts_an_expire_as_af_key_sends_it)
{
	struct pfk_msg msg;
	struct cg_kernel_expire ev;
	const char *why = NULL;
	struct cg_addr want;

	tm_expire(buf, true);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0, "%s", why);
	cr_assert_eq(msg.hdr.sadb_msg_type, SADB_EXPIRE);
	cr_assert_not_null(msg.ext[SADB_EXT_SA]);
	cr_assert_not_null(msg.ext[SADB_X_EXT_SA2]);
	cr_assert_eq(pfk_decode_expire(&msg, &ev, &why), 0, "%s", why);
	cr_assert(ev.hard);
	cr_assert_eq(ev.id.spi, 0xc0001234);
	cr_assert_eq(ev.id.proto, IPPROTO_ESP);
	cr_assert_eq(ev.reqid, 7);
	want = tm_addr("2001:db8::2");
	cr_assert(cg_addr_equal(&ev.id.src, &want));
	want = tm_addr("2001:db8::1");
	cr_assert(cg_addr_equal(&ev.id.dst, &want));

	tm_expire(buf, false);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0);
	cr_assert_eq(pfk_decode_expire(&msg, &ev, &why), 0);
	cr_assert_not(ev.hard);
}

Test(pfkey_msg, rejects_msg_len_not_matching_the_datagram)
{
	tm_expire(buf, true);
	/* One word more than arrived. */
	put16(offsetof(struct sadb_msg, sadb_msg_len), (uint16_t)(buf->len / 8 + 1));
	expect_reject(buf->len, "sadb_msg_len");
	/* A datagram cut short of what the header claims. */
	tm_expire(buf, true);
	expect_reject(buf->len - 8, "sadb_msg_len");
}

Test(pfkey_msg, rejects_short_and_foreign_datagrams)
{
	tm_expire(buf, true);
	expect_reject(8, "shorter than a sadb_msg");
	expect_reject(0, "shorter than a sadb_msg");
	raw()[0] = 1; /* PF_KEY v1 */
	expect_reject(buf->len, "PF_KEY v2");
	tm_expire(buf, true);
	raw()[1] = 0; /* SADB_RESERVED */
	expect_reject(buf->len, "message type");
}

Test(pfkey_msg, rejects_extension_of_length_zero)
{
	tm_expire(buf, true);
	put16(sizeof(struct sadb_msg), 0); /* the SA extension right after the header */
	expect_reject(buf->len, "length zero");
}

Test(pfkey_msg, rejects_extension_past_the_end)
{
	tm_expire(buf, true);
	put16(sizeof(struct sadb_msg), (uint16_t)(buf->len / 8)); /* longer than what remains */
	expect_reject(buf->len, "past the end");
}

Test(pfkey_msg, rejects_truncated_extension_header)
{
	struct pfk_msg msg;
	const char *why;

	/* A header followed by 8 bytes whose extension claims 16. */
	pfk_buf_init(buf, SADB_EXPIRE, SADB_SATYPE_ESP, 0, 0);
	pfk_put_natt_port(buf, SADB_X_EXT_NAT_T_SPORT, 1);
	pfk_buf_finish(buf);
	put16(sizeof(struct sadb_msg), 2);
	expect_reject(buf->len, "past the end");
	cr_assert_eq(pfk_msg_parse(raw(), buf->len - 8, &msg, &why), -EBADMSG);
}

Test(pfkey_msg, rejects_duplicate_and_reserved_extensions)
{
	struct cg_addr a = tm_addr("192.0.2.1");

	pfk_buf_init(buf, SADB_ACQUIRE, SADB_SATYPE_ESP, 0, 0);
	pfk_put_addr(buf, SADB_EXT_ADDRESS_SRC, &a, 0, 32, 0);
	pfk_put_addr(buf, SADB_EXT_ADDRESS_SRC, &a, 0, 32, 0);
	pfk_buf_finish(buf);
	expect_reject(buf->len, "duplicate");
	put16(sizeof(struct sadb_msg) + 2, SADB_EXT_RESERVED);
	expect_reject(buf->len, "reserved");
}

Test(pfkey_msg, rejects_too_short_typed_extension)
{
	tm_expire(buf, true);
	/* Turn the 16-byte SA extension into a 32-byte LIFETIME that it cannot hold. */
	put16(sizeof(struct sadb_msg) + 2, SADB_EXT_LIFETIME_CURRENT);
	expect_reject(buf->len, "shorter than its type");
}

Test(pfkey_msg, rejects_malformed_addresses_and_keys)
{
	struct cg_addr a = tm_addr("2001:db8::1");
	uint8_t key[16] = { 0 };

	pfk_buf_init(buf, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	pfk_put_addr(buf, SADB_EXT_ADDRESS_SRC, &a, 0, 129, 0);
	pfk_buf_finish(buf);
	expect_reject(buf->len, "prefix length");

	pfk_buf_init(buf, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	pfk_put_addr(buf, SADB_EXT_ADDRESS_SRC, &a, 0, 128, 0);
	pfk_buf_finish(buf);
	put16(sizeof(struct sadb_msg) + sizeof(struct sadb_address), AF_UNIX);
	expect_reject(buf->len, "sockaddr");

	pfk_buf_init(buf, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	pfk_put_key(buf, SADB_EXT_KEY_ENCRYPT, key, sizeof(key));
	pfk_buf_finish(buf);
	put16(sizeof(struct sadb_msg) + offsetof(struct sadb_key, sadb_key_bits), 8 * 64);
	expect_reject(buf->len, "key bits");
}

Test(pfkey_msg, skips_unknown_extension_types)
{
	struct pfk_msg msg;
	const char *why;

	tm_expire(buf, true);
	put16(sizeof(struct sadb_msg) + 2, SADB_EXT_MAX + 5);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0);
	cr_assert_null(msg.ext[SADB_EXT_SA]);
	/* ...but an event missing what it needs is still refused. */
	cr_assert_eq(pfk_decode_expire(&msg, &(struct cg_kernel_expire){ 0 }, &why), -EBADMSG);
	cr_assert(strstr(why, "missing extension SA"), "%s", why);
}

/* Builds the message with one extension type left out, parses and decodes it. */
static void expect_missing(void (*build)(struct pfk_buf *), uint16_t drop, const char *needle,
			   int (*decode)(const struct pfk_msg *, const char **))
{
	struct pfk_msg msg;
	const char *why = NULL;

	build(buf);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0);
	msg.ext[drop] = NULL;
	cr_assert_eq(decode(&msg, &why), -EBADMSG);
	cr_assert(strstr(why, needle), "reason \"%s\" does not mention \"%s\"", why, needle);
}

static void build_expire(struct pfk_buf *b)
{
	tm_expire(b, true);
}

static void build_migrate(struct pfk_buf *b)
{
	tm_migrate(b, true);
}

static int dec_expire(const struct pfk_msg *m, const char **why)
{
	struct cg_kernel_expire ev;

	return pfk_decode_expire(m, &ev, why);
}

static int dec_migrate(const struct pfk_msg *m, const char **why)
{
	struct cg_kernel_migrate ev;

	return pfk_decode_migrate(m, &ev, why);
}

static int dec_acquire(const struct pfk_msg *m, const char **why)
{
	struct pfk_acquire acq;

	return pfk_decode_acquire(m, &acq, why);
}

static int dec_mapping(const struct pfk_msg *m, const char **why)
{
	struct pfk_mapping map;

	return pfk_decode_mapping(m, &map, why);
}

Test(pfkey_msg, rejects_events_missing_required_extensions)
{
	expect_missing(build_expire, SADB_EXT_SA, "SA", dec_expire);
	expect_missing(build_expire, SADB_EXT_ADDRESS_DST, "ADDRESS_DST", dec_expire);
	expect_missing(build_expire, SADB_EXT_LIFETIME_HARD, "soft or hard", dec_expire);
	expect_missing(build_migrate, SADB_X_EXT_POLICY, "X_POLICY", dec_migrate);
	expect_missing(build_migrate, SADB_EXT_ADDRESS_SRC, "ADDRESS_SRC", dec_migrate);
	expect_missing(tm_acquire, SADB_EXT_ADDRESS_DST, "ADDRESS_DST", dec_acquire);
	expect_missing(tm_acquire, SADB_X_EXT_POLICY, "X_POLICY", dec_acquire);
	expect_missing(tm_mapping, SADB_X_EXT_NAT_T_DPORT, "NAT_T_DPORT", dec_mapping);
	expect_missing(tm_mapping, SADB_EXT_SA, "SA", dec_mapping);
}

Test(pfkey_msg, decodes_every_migrate_entry_and_kmaddress)
{
	struct cg_kernel_migrate ev;
	struct pfk_msg msg;
	const char *why = NULL;
	struct cg_addr a;

	tm_migrate(buf, true);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0, "%s", why);
	cr_assert_eq(pfk_decode_migrate(&msg, &ev, &why), 0, "%s", why);
	cr_assert_eq(ev.policy.dir, CG_DIR_OUT);
	cr_assert_eq(ev.n_entries, 2);
	cr_assert_eq(ev.entries[0].proto, IPPROTO_ESP);
	cr_assert_eq(ev.entries[0].mode, CG_MODE_TUNNEL);
	cr_assert_eq(ev.entries[0].reqid, 9);
	a = tm_addr("2001:db8::1");
	cr_assert(cg_addr_equal(&ev.entries[0].old_src, &a));
	a = tm_addr("2001:db8::11");
	cr_assert(cg_addr_equal(&ev.entries[0].new_src, &a));
	cr_assert_eq(ev.entries[1].proto, IPPROTO_AH);
	cr_assert_eq(ev.entries[1].mode, CG_MODE_TRANSPORT);
	cr_assert_eq(ev.entries[1].reqid, 10);
	a = tm_addr("198.51.100.1");
	cr_assert(cg_addr_equal(&ev.entries[1].new_src, &a));
	a = tm_addr("192.0.2.2");
	cr_assert(cg_addr_equal(&ev.entries[1].new_dst, &a));
	cr_assert(ev.has_kmaddress);
	a = tm_addr("2001:db8::11");
	cr_assert(cg_addr_equal(&ev.km_local, &a));
	a = tm_addr("2001:db8:1::");
	cr_assert(cg_addr_equal(&ev.policy.src.from, &a));
	cr_assert_eq(ev.policy.src.proto, 0);

	tm_migrate(buf, false);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0);
	cr_assert_eq(pfk_decode_migrate(&msg, &ev, &why), 0);
	cr_assert_not(ev.has_kmaddress);
	cr_assert_eq(ev.n_entries, 2);
}

Test(pfkey_msg, rejects_migrate_with_odd_or_broken_requests)
{
	struct cg_kernel_migrate ev;
	struct pfk_msg msg;
	const char *why;
	size_t pol_off;

	tm_migrate(buf, false);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0);
	pol_off = (size_t)(msg.ext[SADB_X_EXT_POLICY] - raw());
	/* Cut the last request (IPv4: 16 + 32 bytes) from the policy: an odd count. */
	put16(pol_off, (uint16_t)(msg.ext_len[SADB_X_EXT_POLICY] / 8 - 6));
	put16(offsetof(struct sadb_msg, sadb_msg_len), (uint16_t)(buf->len / 8 - 6));
	cr_assert_eq(pfk_msg_parse(raw(), buf->len - 48, &msg, &why), 0, "%s", why);
	cr_assert_eq(pfk_decode_migrate(&msg, &ev, &why), -EBADMSG);
	cr_assert(strstr(why, "pairs"), "%s", why);

	/* A request whose own length runs past its policy extension. */
	tm_migrate(buf, false);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0);
	pol_off = (size_t)(msg.ext[SADB_X_EXT_POLICY] - raw());
	put16(pol_off + sizeof(struct sadb_x_policy), 4096);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0);
	cr_assert_eq(pfk_decode_migrate(&msg, &ev, &why), -EBADMSG);
	cr_assert(strstr(why, "ipsecrequest"), "%s", why);
}

Test(pfkey_msg, completes_an_acquire_from_its_policy)
{
	struct cg_kernel_acquire ev;
	struct pfk_acquire acq;
	struct pfk_msg msg;
	const char *why = NULL;
	struct pfk_buf *pol = calloc(1, sizeof(*pol));
	struct cg_addr a;

	tm_acquire(buf);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0, "%s", why);
	cr_assert_eq(pfk_decode_acquire(&msg, &acq, &why), 0, "%s", why);
	cr_assert_eq(acq.policy_id, 0x49);
	cr_assert_eq(acq.proto, IPPROTO_ESP);

	tm_policy(pol, false);
	cr_assert_eq(pfk_msg_parse(pol->words, pol->len, &msg, &why), 0, "%s", why);
	cr_assert_eq(pfk_acquire_complete(&acq, &msg, &ev, &why), 0, "%s", why);
	cr_assert_eq(ev.reqid, 3);
	cr_assert_eq(ev.proto, IPPROTO_ESP);
	cr_assert_eq(ev.policy_dst.proto, IPPROTO_UDP);
	cr_assert_eq(ev.policy_dst.from_port, 4500);
	cr_assert_eq(ev.policy_dst.to_port, 4500);
	cr_assert_eq(ev.policy_src.from_port, 0);
	cr_assert_eq(ev.policy_src.to_port, 0xffff);
	/* Transport mode: the packet's hosts, narrowed like the policy. */
	a = tm_addr("2001:db8::2");
	cr_assert(cg_addr_equal(&ev.dst.from, &a) && cg_addr_equal(&ev.dst.to, &a));
	cr_assert_eq(ev.dst.from_port, 4500);
	cr_assert_eq(ev.tmpl_src.family, AF_UNSPEC);

	tm_policy(pol, true);
	cr_assert_eq(pfk_msg_parse(pol->words, pol->len, &msg, &why), 0);
	cr_assert_eq(pfk_acquire_complete(&acq, &msg, &ev, &why), 0, "%s", why);
	a = tm_addr("192.0.2.2");
	cr_assert(cg_addr_equal(&ev.tmpl_dst, &a));
	cr_assert(cg_ts_equal(&ev.dst, &ev.policy_dst));
	free(pol);
}

Test(pfkey_msg, decodes_nat_mapping_old_and_new)
{
	struct pfk_mapping map;
	struct pfk_msg msg;
	const char *why = NULL;

	tm_mapping(buf);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0, "%s", why);
	cr_assert_eq(pfk_decode_mapping(&msg, &map, &why), 0, "%s", why);
	cr_assert_eq(map.spi, 0xc0000042);
	cr_assert_eq(map.old_src.port, 4500);
	cr_assert_eq(map.new_src.port, 31000);
	raw()[offsetof(struct sadb_msg, sadb_msg_satype)] = SADB_SATYPE_AH;
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0);
	cr_assert_eq(pfk_decode_mapping(&msg, &map, &why), -EBADMSG);
}

Test(pfkey_msg, policy_stats_and_id_from_an_spd_message)
{
	struct cg_kernel_policy_stats st;
	struct cg_kernel_policy_id id;
	struct pfk_msg msg;
	const char *why = NULL;

	tm_policy(buf, false);
	cr_assert_eq(pfk_msg_parse(raw(), buf->len, &msg, &why), 0);
	cr_assert_eq(pfk_decode_policy_stats(&msg, &st, &why), 0, "%s", why);
	cr_assert_eq(st.priority, 3500);
	cr_assert_eq(st.index, 0x49);
	cr_assert_eq(st.use_time, 1700000100);
	cr_assert_eq(pfk_decode_policy_id(&msg, &id, &why), 0, "%s", why);
	cr_assert_eq(id.dir, CG_DIR_OUT);
	cr_assert_eq(id.src.family, AF_INET6);
}

Test(pfkey_msg, encoder_reports_overflow)
{
	uint8_t key[64] = { 0 };

	pfk_buf_init(buf, SADB_ADD, SADB_SATYPE_ESP, 0, 0);
	for (int i = 0; i < 2000; i++)
		pfk_put_key(buf, SADB_EXT_KEY_AUTH, key, sizeof(key));
	cr_assert_eq(pfk_buf_finish(buf), -EMSGSIZE);
	cr_assert(buf->len <= PFK_MSG_MAX);
}
