/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cg-migrate: asks the kernel to move IPsec SAs and policy templates to new
 * addresses with XFRM_MSG_MIGRATE, the way a Mobile IPv6 daemon (UMIP)
 * does after a handover, optionally with XFRMA_KMADDRESS naming the new
 * IKE endpoints. The kernel moves its state and tells key managers.
 * With --pfkey the same request goes out as SADB_X_MIGRATE with
 * SADB_X_EXT_KMADDRESS on a PF_KEY socket (pfkey.c), as a patched umip
 * sends it.
 *
 *   cg-migrate --sel 2001:db8:1::/64 2001:db8:2::/64 --dir out \
 *       --move 2001:db8::1 2001:db8::2 2001:db8::11 2001:db8::2 \
 *       --km 2001:db8::11 2001:db8::2
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/xfrm.h>

#include "cg_migrate.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cg-migrate --sel SRC/LEN DST/LEN [--proto N] [--dir in|out|fwd]\n"
		"                  [--mode tunnel|transport] [--reqid N] [--ipsec esp|ah]\n"
		"                  --move OLD_SRC OLD_DST NEW_SRC NEW_DST [--move ...]\n"
		"                  [--km LOCAL REMOTE] [--pfkey]\n"
		"--mode, --reqid and --ipsec apply to the --move entries after them.\n"
		"--pfkey sends SADB_X_MIGRATE over PF_KEY instead of XFRM_MSG_MIGRATE.\n");
}

static int parse_addr(const char *s, xfrm_address_t *a, uint16_t *family)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET6, s, a) == 1) {
		*family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, s, a) == 1) {
		*family = AF_INET;
		return 0;
	}
	fprintf(stderr, "cg-migrate: '%s' is not an IP address\n", s);
	return -1;
}

static int parse_prefix(const char *s, xfrm_address_t *a, uint8_t *len, uint16_t *family)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	long l = -1;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		l = strtol(slash + 1, NULL, 10);
	}
	if (parse_addr(buf, a, family))
		return -1;
	if (l < 0)
		l = *family == AF_INET ? 32 : 128;
	if (l > (*family == AF_INET ? 32 : 128)) {
		fprintf(stderr, "cg-migrate: bad prefix length in '%s'\n", s);
		return -1;
	}
	*len = (uint8_t)l;
	return 0;
}

static int need(int argc, int i, int n, const char *opt)
{
	if (i + n >= argc) {
		fprintf(stderr, "cg-migrate: %s needs %d argument%s\n", opt, n, n > 1 ? "s" : "");
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct request *r, bool *pfkey)
{
	uint8_t mode = XFRM_MODE_TUNNEL, proto = IPPROTO_ESP;
	uint32_t reqid = 0;
	uint16_t fam_s = 0, fam_d = 0;
	bool have_sel = false;

	memset(r, 0, sizeof(*r));
	r->pol.dir = XFRM_POLICY_OUT;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--sel")) {
			if (need(argc, i, 2, o) ||
			    parse_prefix(argv[i + 1], &r->pol.sel.saddr, &r->pol.sel.prefixlen_s, &fam_s) ||
			    parse_prefix(argv[i + 2], &r->pol.sel.daddr, &r->pol.sel.prefixlen_d, &fam_d))
				return -1;
			if (fam_s != fam_d) {
				fprintf(stderr, "cg-migrate: selector families differ\n");
				return -1;
			}
			r->pol.sel.family = fam_s;
			have_sel = true;
			i += 2;
		} else if (!strcmp(o, "--proto")) {
			if (need(argc, i, 1, o))
				return -1;
			r->pol.sel.proto = (uint8_t)atoi(argv[++i]);
		} else if (!strcmp(o, "--dir")) {
			if (need(argc, i, 1, o))
				return -1;
			o = argv[++i];
			if (!strcmp(o, "in"))
				r->pol.dir = XFRM_POLICY_IN;
			else if (!strcmp(o, "out"))
				r->pol.dir = XFRM_POLICY_OUT;
			else if (!strcmp(o, "fwd"))
				r->pol.dir = XFRM_POLICY_FWD;
			else {
				fprintf(stderr, "cg-migrate: direction is in, out or fwd, not '%s'\n", o);
				return -1;
			}
		} else if (!strcmp(o, "--mode")) {
			if (need(argc, i, 1, o))
				return -1;
			mode = !strcmp(argv[++i], "transport") ? XFRM_MODE_TRANSPORT : XFRM_MODE_TUNNEL;
		} else if (!strcmp(o, "--reqid")) {
			if (need(argc, i, 1, o))
				return -1;
			reqid = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(o, "--ipsec")) {
			if (need(argc, i, 1, o))
				return -1;
			proto = !strcmp(argv[++i], "ah") ? IPPROTO_AH : IPPROTO_ESP;
		} else if (!strcmp(o, "--move")) {
			struct xfrm_user_migrate *m = &r->moves[r->n_moves];

			if (r->n_moves == MAX_MOVES) {
				fprintf(stderr, "cg-migrate: at most %d --move entries\n", MAX_MOVES);
				return -1;
			}
			if (need(argc, i, 4, o) || parse_addr(argv[i + 1], &m->old_saddr, &m->old_family) ||
			    parse_addr(argv[i + 2], &m->old_daddr, &m->old_family) ||
			    parse_addr(argv[i + 3], &m->new_saddr, &m->new_family) ||
			    parse_addr(argv[i + 4], &m->new_daddr, &m->new_family))
				return -1;
			m->proto = proto;
			m->mode = mode;
			m->reqid = reqid;
			r->n_moves++;
			i += 4;
		} else if (!strcmp(o, "--km")) {
			uint16_t fam_r = 0;

			if (need(argc, i, 2, o) || parse_addr(argv[i + 1], &r->km.local, &r->km.family) ||
			    parse_addr(argv[i + 2], &r->km.remote, &fam_r))
				return -1;
			r->has_km = true;
			i += 2;
		} else if (!strcmp(o, "--pfkey")) {
			*pfkey = true;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "cg-migrate: unknown argument '%s'\n", o);
			return -1;
		}
	}
	if (!have_sel || !r->n_moves) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* The kernel's answer: 0, or its errno with the extended ack message printed. */
static int ack_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *attr;

	if (!e->error)
		return 0;
	fprintf(stderr, "cg-migrate: the kernel refused: %s", strerror(-e->error));
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(e->msg);
		const void *payload = (const char *)e + off;

		mnl_attr_for_each_payload(payload, nlh->nlmsg_len - mnl_nlmsg_size(off)) {
			if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
				fprintf(stderr, " (%s)", mnl_attr_get_str(attr));
		}
	}
	fputc('\n', stderr);
	return e->error;
}

/* Sends r as XFRM_MSG_MIGRATE; 0 when the kernel applied it. */
static int xfrm_migrate(const struct request *r)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	int on = 1, ret = -1;
	ssize_t n;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_MIGRATE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(r->pol)), &r->pol, sizeof(r->pol));
	/* All entries in one attribute, as the kernel reads them. */
	mnl_attr_put(nlh, XFRMA_MIGRATE, r->n_moves * sizeof(r->moves[0]), r->moves);
	if (r->has_km)
		mnl_attr_put(nlh, XFRMA_KMADDRESS, sizeof(r->km), &r->km);

	nl = mnl_socket_open(NETLINK_XFRM);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "cg-migrate: cannot open an XFRM netlink socket: %s\n", strerror(errno));
		return -1;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &on, sizeof(on));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		fprintf(stderr, "cg-migrate: send: %s\n", strerror(errno));
		goto out;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0) {
		fprintf(stderr, "cg-migrate: receive: %s\n", strerror(errno));
		goto out;
	}
	nlh = (struct nlmsghdr *)buf;
	if (!mnl_nlmsg_ok(nlh, (int)n) || nlh->nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "cg-migrate: unexpected answer from the kernel\n");
		goto out;
	}
	ret = ack_error(nlh) ? -1 : 0;
out:
	mnl_socket_close(nl);
	return ret;
}

int main(int argc, char **argv)
{
	struct request r;
	bool pfkey = false;

	if (parse_args(argc, argv, &r, &pfkey))
		return 2;
	return (pfkey ? pfkey_migrate(&r) : xfrm_migrate(&r)) ? 1 : 0;
}
