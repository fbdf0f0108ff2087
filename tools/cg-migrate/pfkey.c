/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cg-migrate over PF_KEY: the same request as an SADB_X_MIGRATE message,
 * laid out the way Linux af_key reads it (pfkey_migrate): the policy's
 * selector as SADB_EXT_ADDRESS_SRC/DST, an sadb_x_policy extension with
 * one (old, new) pair of ipsecrequests per moved SA, each carrying its
 * tunnel endpoints, then SADB_X_EXT_KMADDRESS (local, remote).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/ipsec.h>
#include <linux/pfkeyv2.h>

#include "cg_migrate.h"

#define PFKEY_WORD 8
#define PFKEY_MSG_MAX 4096

struct pfkey_msg {
	uint64_t words[PFKEY_MSG_MAX / PFKEY_WORD];
	size_t len; /* bytes */
};

static size_t sockaddr_size(uint16_t family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static uint8_t *put(struct pfkey_msg *m, size_t size)
{
	uint8_t *p = (uint8_t *)m->words + m->len;

	m->len += (size + PFKEY_WORD - 1) / PFKEY_WORD * PFKEY_WORD;
	return p;
}

static void write_sockaddr(uint8_t *p, uint16_t family, const xfrm_address_t *a)
{
	if (family == AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET };

		memcpy(&sin.sin_addr, &a->a4, sizeof(sin.sin_addr));
		memcpy(p, &sin, sizeof(sin));
	} else {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

		memcpy(&sin6.sin6_addr, &a->a6, sizeof(sin6.sin6_addr));
		memcpy(p, &sin6, sizeof(sin6));
	}
}

static void put_address(struct pfkey_msg *m, uint16_t type, uint16_t family,
			const xfrm_address_t *a, uint8_t prefixlen, uint8_t proto)
{
	size_t size = sizeof(struct sadb_address) + sockaddr_size(family);
	uint8_t *p = put(m, size);
	struct sadb_address hdr = {
		.sadb_address_len = (uint16_t)((size + PFKEY_WORD - 1) / PFKEY_WORD),
		.sadb_address_exttype = type,
		/* af_key reads 255 as any upper-layer protocol */
		.sadb_address_proto = proto ? proto : IPSEC_PROTO_ANY,
		.sadb_address_prefixlen = prefixlen,
	};

	memcpy(p, &hdr, sizeof(hdr));
	write_sockaddr(p + sizeof(hdr), family, a);
}

/* One ipsecrequest with its address pair; af_key checks the pair's lengths exactly. */
static void put_request(struct pfkey_msg *m, const struct xfrm_user_migrate *mv, uint16_t family,
			const xfrm_address_t *src, const xfrm_address_t *dst)
{
	size_t slen = sockaddr_size(family);
	size_t size = sizeof(struct sadb_x_ipsecrequest) + 2 * slen;
	uint8_t *p = put(m, size);
	struct sadb_x_ipsecrequest rq = {
		.sadb_x_ipsecrequest_len = (uint16_t)size,
		.sadb_x_ipsecrequest_proto = mv->proto,
		.sadb_x_ipsecrequest_mode = mv->mode == XFRM_MODE_TUNNEL ? IPSEC_MODE_TUNNEL
									 : IPSEC_MODE_TRANSPORT,
		/* as af_key's own SADB_X_MIGRATE writes the level */
		.sadb_x_ipsecrequest_level = mv->reqid ? IPSEC_LEVEL_UNIQUE : IPSEC_LEVEL_REQUIRE,
		.sadb_x_ipsecrequest_reqid = mv->reqid,
	};

	memcpy(p, &rq, sizeof(rq));
	write_sockaddr(p + sizeof(rq), family, src);
	write_sockaddr(p + sizeof(rq) + slen, family, dst);
}

static uint8_t policy_dir(uint8_t xfrm_dir)
{
	switch (xfrm_dir) {
	case XFRM_POLICY_IN:
		return IPSEC_DIR_INBOUND;
	case XFRM_POLICY_FWD:
		return IPSEC_DIR_FWD;
	default:
		return IPSEC_DIR_OUTBOUND;
	}
}

static void put_policy(struct pfkey_msg *m, const struct request *r)
{
	size_t start = m->len;
	struct sadb_x_policy pol = {
		.sadb_x_policy_exttype = SADB_X_EXT_POLICY,
		.sadb_x_policy_type = IPSEC_POLICY_IPSEC,
		.sadb_x_policy_dir = policy_dir(r->pol.dir),
	};

	put(m, sizeof(pol));
	for (size_t i = 0; i < r->n_moves; i++) {
		const struct xfrm_user_migrate *mv = &r->moves[i];

		put_request(m, mv, mv->old_family, &mv->old_saddr, &mv->old_daddr);
		put_request(m, mv, mv->new_family, &mv->new_saddr, &mv->new_daddr);
	}
	pol.sadb_x_policy_len = (uint16_t)((m->len - start) / PFKEY_WORD);
	memcpy((uint8_t *)m->words + start, &pol, sizeof(pol));
}

static void put_kmaddress(struct pfkey_msg *m, const struct xfrm_user_kmaddress *km)
{
	size_t slen = sockaddr_size(km->family);
	size_t size = sizeof(struct sadb_x_kmaddress) + 2 * slen;
	uint8_t *p = put(m, size);
	struct sadb_x_kmaddress hdr = {
		.sadb_x_kmaddress_len = (uint16_t)((size + PFKEY_WORD - 1) / PFKEY_WORD),
		.sadb_x_kmaddress_exttype = SADB_X_EXT_KMADDRESS,
	};

	memcpy(p, &hdr, sizeof(hdr));
	write_sockaddr(p + sizeof(hdr), km->family, &km->local);
	write_sockaddr(p + sizeof(hdr) + slen, km->family, &km->remote);
}

static void build(struct pfkey_msg *m, const struct request *r)
{
	const struct xfrm_selector *sel = &r->pol.sel;
	struct sadb_msg hdr = {
		.sadb_msg_version = PF_KEY_V2,
		.sadb_msg_type = SADB_X_MIGRATE,
		.sadb_msg_satype = SADB_SATYPE_UNSPEC,
		.sadb_msg_seq = 1,
		.sadb_msg_pid = (uint32_t)getpid(),
	};

	memset(m, 0, sizeof(*m));
	put(m, sizeof(hdr));
	put_address(m, SADB_EXT_ADDRESS_SRC, sel->family, &sel->saddr, sel->prefixlen_s, sel->proto);
	put_address(m, SADB_EXT_ADDRESS_DST, sel->family, &sel->daddr, sel->prefixlen_d, sel->proto);
	put_policy(m, r);
	if (r->has_km)
		put_kmaddress(m, &r->km);
	hdr.sadb_msg_len = (uint16_t)(m->len / PFKEY_WORD);
	memcpy(m->words, &hdr, sizeof(hdr));
}

/*
 * The kernel's answer: an error is sent back to us alone; a migrate it
 * applied is broadcast to every PF_KEY socket, ours included, as an
 * SADB_X_MIGRATE without errno. Other broadcasts are skipped.
 */
static int wait_answer(int fd)
{
	struct pfkey_msg in;

	for (;;) {
		ssize_t n = recv(fd, in.words, sizeof(in.words), 0);
		struct sadb_msg hdr;

		if (n < 0) {
			fprintf(stderr, "cg-migrate: no answer on PF_KEY: %s\n",
				errno == EAGAIN ? "timed out" : strerror(errno));
			return -1;
		}
		if ((size_t)n < sizeof(hdr))
			continue;
		memcpy(&hdr, in.words, sizeof(hdr));
		if (hdr.sadb_msg_type != SADB_X_MIGRATE)
			continue;
		if (hdr.sadb_msg_errno) {
			fprintf(stderr, "cg-migrate: the kernel refused: %s\n",
				strerror(hdr.sadb_msg_errno));
			return -1;
		}
		return 0;
	}
}

int pfkey_migrate(const struct request *r)
{
	struct timeval tv = { .tv_sec = 5 };
	struct pfkey_msg m;
	int fd, ret = -1;

	build(&m, r);
	fd = socket(PF_KEY, SOCK_RAW, PF_KEY_V2);
	if (fd < 0) {
		fprintf(stderr, "cg-migrate: cannot open a PF_KEY socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, m.words, m.len, 0) < 0)
		fprintf(stderr, "cg-migrate: send on PF_KEY: %s\n", strerror(errno));
	else
		ret = wait_answer(fd);
	close(fd);
	return ret;
}
