/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IKE socket layer. One UDP socket per family and port (IKE and NAT-T),
 * or per listen address and port when daemon.listen names addresses. The
 * fd watcher's thread reads datagrams with their local address (PKTINFO), checks
 * the common header and queues one job per message; the job calls the
 * handler registered for the message's major version.
 *
 * The NAT-T socket has UDP_ENCAP_ESPINUDP set, so the kernel decapsulates
 * ESP itself and only IKE messages (behind the 4-byte non-ESP marker) and
 * keepalives reach us. Every socket is exempted from IPsec policies, or a
 * policy covering the peer would catch the IKE traffic that sets it up.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_priv.h"

/* After <netinet/in.h> (via core_priv.h), so the kernel's in6 definitions step aside. */
#include <linux/xfrm.h>

#define IKE_DEFAULT_PORT 500
#define IKE_DEFAULT_PORT_NAT_T 4500
#define IKE_VERSIONS 16          /* the major version is a 4-bit field */
#define NON_ESP_MARKER_LEN 4
#define IKE_VERSION_OFFSET 17
#define IKE_LENGTH_OFFSET 24
/* Peers remembered for once-per-peer logging; past this the memory starts over. */
#define QUIET_PEERS_MAX 4096

struct ike_handler {
	cg_ike_recv_fn fn;
	void *ctx;
	unsigned in_flight;      /* calls running now; unregister waits for 0 */
};

struct ike_socket {
	struct cg_sockets *owner;
	int fd;
	struct cg_addr local;    /* bound address and port (any address: all) */
	bool nat_t;
};

struct cg_sockets {
	struct cg_core *core;
	atomic_int refs;         /* the core's, plus one per queued receive job */
	pthread_mutex_t lock;    /* guards handlers, transport and quiet_peers */
	pthread_cond_t idle;
	struct ike_handler handlers[IKE_VERSIONS];
	cg_ike_send_fn transport;
	void *transport_ctx;
	struct cg_hmap quiet_peers; /* peers already logged for an unknown version */
	uint16_t port, port_nat_t;
	struct ike_socket *socks;
	size_t n_socks;
	uint8_t *rx_buf;         /* one datagram, read on the fd watcher's thread */
	size_t n_watched;        /* socks[0..n_watched) are on the fd watcher */
};

/* One received message on its way to a handler. */
struct rx_job {
	struct cg_sockets *s;
	struct cg_packet pkt;
	uint8_t data[];
};

static void sockets_unref(struct cg_sockets *s)
{
	if (atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	cg_hmap_free(&s->quiet_peers);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int cg_sockets_init(struct cg_core *core)
{
	struct cg_sockets *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->core = core;
	atomic_init(&s->refs, 1);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	cg_hmap_init(&s->quiet_peers);
	s->port = IKE_DEFAULT_PORT;
	s->port_nat_t = IKE_DEFAULT_PORT_NAT_T;
	core->sockets = s;
	return 0;
}

/*
 * Registry.
 */

CG_EXPORT int cg_ike_register(struct cg_core *core, uint8_t major, cg_ike_recv_fn fn, void *ctx)
{
	struct cg_sockets *s = core->sockets;
	int err = 0;

	if (!s || !fn || major == 0 || major >= IKE_VERSIONS)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->handlers[major].fn) {
		err = -EEXIST;
	} else {
		s->handlers[major].fn = fn;
		s->handlers[major].ctx = ctx;
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* Waits for running calls, so the handler's context may be freed on return. */
CG_EXPORT void cg_ike_unregister(struct cg_core *core, uint8_t major)
{
	struct cg_sockets *s = core->sockets;

	if (!s || major >= IKE_VERSIONS)
		return;
	pthread_mutex_lock(&s->lock);
	s->handlers[major].fn = NULL;
	s->handlers[major].ctx = NULL;
	while (s->handlers[major].in_flight)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

CG_EXPORT uint16_t cg_ike_port(const struct cg_core *core)
{
	return core->sockets ? core->sockets->port : IKE_DEFAULT_PORT;
}

CG_EXPORT uint16_t cg_ike_port_nat_t(const struct cg_core *core)
{
	return core->sockets ? core->sockets->port_nat_t : IKE_DEFAULT_PORT_NAT_T;
}

CG_EXPORT void cg_ike_set_transport(struct cg_core *core, cg_ike_send_fn fn, void *ctx)
{
	struct cg_sockets *s = core->sockets;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->transport = fn;
	s->transport_ctx = ctx;
	pthread_mutex_unlock(&s->lock);
}

/*
 * Receiving.
 */

static const char *addr_port_str(const struct cg_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN + 8];

	cg_addr_str(a, ip, sizeof(ip));
	snprintf(buf, len, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, a->port);
	return buf;
}

/* True the first time a peer is seen here; ports do not count (NATs change them). */
static bool quiet_peers_first(struct cg_sockets *s, const struct cg_addr *peer)
{
	uint8_t key[17];
	uint64_t h;
	bool first;

	key[0] = (uint8_t)peer->family;
	memcpy(key + 1, peer->u.bytes, 16);
	h = cg_hash64(key, sizeof(key), 0);
	pthread_mutex_lock(&s->lock);
	first = !cg_hmap_get(&s->quiet_peers, h);
	if (first) {
		if (s->quiet_peers.used >= QUIET_PEERS_MAX)
			cg_hmap_free(&s->quiet_peers);
		cg_hmap_put(&s->quiet_peers, h, s);
	}
	pthread_mutex_unlock(&s->lock);
	return first;
}

static void log_unknown_version(struct cg_sockets *s, const struct cg_packet *pkt, uint8_t major)
{
	char peer[CG_ADDR_STRLEN];

	if (!quiet_peers_first(s, &pkt->src))
		return;
	cg_log(s->core, CG_LOG_NET, CG_LVL_INFO,
	       "dropping IKEv%u message from %s: no IKEv%u protocol plugin is loaded "
	       "(further messages from this peer are dropped silently)",
	       major, addr_port_str(&pkt->src, peer, sizeof(peer)), major);
}

static bool handler_present(struct cg_sockets *s, uint8_t major)
{
	bool present;

	pthread_mutex_lock(&s->lock);
	present = s->handlers[major].fn != NULL;
	pthread_mutex_unlock(&s->lock);
	return present;
}

static void rx_job_run(void *arg)
{
	struct rx_job *job = arg;
	struct cg_sockets *s = job->s;
	uint8_t major = job->pkt.data[IKE_VERSION_OFFSET] >> 4;
	struct ike_handler h;

	/* Looked up now, not when queued: the handler may have gone meanwhile. */
	pthread_mutex_lock(&s->lock);
	h = s->handlers[major];
	if (h.fn)
		s->handlers[major].in_flight++;
	pthread_mutex_unlock(&s->lock);
	if (!h.fn) {
		log_unknown_version(s, &job->pkt, major);
		return;
	}

	h.fn(h.ctx, &job->pkt);

	pthread_mutex_lock(&s->lock);
	if (--s->handlers[major].in_flight == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

static void rx_job_free(void *arg)
{
	struct rx_job *job = arg;

	sockets_unref(job->s);
	free(job);
}

/*
 * Checks a UDP payload received on dst and queues it for its handler.
 * -EINVAL for what is dropped here: keepalives, ESP the kernel left to us,
 * short or inconsistent headers, versions nobody handles.
 */
static int sockets_deliver(struct cg_sockets *s, const struct cg_addr *src,
			   const struct cg_addr *dst, int ifindex, const uint8_t *data, size_t len)
{
	char peer[CG_ADDR_STRLEN];
	struct rx_job *job;
	uint32_t msg_len;
	uint8_t major;

	if (dst->port == s->port_nat_t) {
		if (len == 1 && data[0] == 0xff)
			return -EINVAL; /* NAT-T keepalive: it only refreshes the NAT mapping */
		if (len < NON_ESP_MARKER_LEN || memcmp(data, "\0\0\0\0", NON_ESP_MARKER_LEN)) {
			cg_log(s->core, CG_LOG_NET, CG_LVL_DEBUG,
			       "dropping %zu bytes from %s on the NAT-T port: no non-ESP marker "
			       "(ESP the kernel did not decapsulate?)",
			       len, addr_port_str(src, peer, sizeof(peer)));
			return -EINVAL;
		}
		data += NON_ESP_MARKER_LEN;
		len -= NON_ESP_MARKER_LEN;
	}
	if (len < CG_IKE_HEADER_LEN) {
		cg_log(s->core, CG_LOG_NET, CG_LVL_DEBUG,
		       "dropping %zu bytes from %s: shorter than an IKE header", len,
		       addr_port_str(src, peer, sizeof(peer)));
		return -EINVAL;
	}
	/* RFC 7296 3.1: the header's Length is the whole message's; bytes after it are not ours. */
	msg_len = cg_get32(data + IKE_LENGTH_OFFSET);
	if (msg_len != len) {
		cg_log(s->core, CG_LOG_NET, CG_LVL_DEBUG,
		       "dropping message from %s: header length %u, datagram %zu bytes",
		       addr_port_str(src, peer, sizeof(peer)), msg_len, len);
		return -EINVAL;
	}

	major = data[IKE_VERSION_OFFSET] >> 4;
	if (!handler_present(s, major)) {
		struct cg_packet pkt = { .src = *src, .dst = *dst };

		log_unknown_version(s, &pkt, major);
		return -EINVAL;
	}

	job = malloc(sizeof(*job) + len);
	if (!job)
		return -ENOMEM;
	memcpy(job->data, data, len);
	job->pkt = (struct cg_packet){
		.src = *src, .dst = *dst, .ifindex = ifindex, .data = job->data, .len = len,
	};
	job->s = s;
	atomic_fetch_add(&s->refs, 1);
	return cg_job_queue(s->core, rx_job_run, job, rx_job_free);
}

CG_EXPORT int cg_ike_inject(struct cg_core *core, const struct cg_addr *src,
			    const struct cg_addr *dst, const uint8_t *data, size_t len)
{
	if (!core->sockets || !src || !dst || (!data && len))
		return -EINVAL;
	return sockets_deliver(core->sockets, src, dst, 0, data, len);
}

/* Reads the local address and interface from the PKTINFO control message. */
static void rx_pktinfo(struct msghdr *msg, struct cg_addr *dst, int *ifindex)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			dst->family = AF_INET;
			dst->u.v4 = pi.ipi_addr;
			*ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			dst->family = AF_INET6;
			dst->u.v6 = pi.ipi6_addr;
			*ifindex = (int)pi.ipi6_ifindex;
		}
	}
}

static void sockets_recv_one(struct cg_sockets *s, const struct ike_socket *sock, uint8_t *buf)
{
	union {
		struct cmsghdr align;
		uint8_t bytes[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			      CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf;
	struct sockaddr_storage from;
	struct iovec iov = { .iov_base = buf, .iov_len = CG_IKE_MAX_DATAGRAM };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.bytes, .msg_controllen = sizeof(cbuf.bytes),
	};
	struct cg_addr src, dst = sock->local;
	int ifindex = 0;
	ssize_t n;

	n = recvmsg(sock->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			cg_log(s->core, CG_LOG_NET, CG_LVL_WARN, "receiving on the IKE socket: %s",
			       strerror(errno));
		return;
	}
	if ((msg.msg_flags & MSG_TRUNC) || n > CG_IKE_MAX_DATAGRAM)
		return;
	if (cg_addr_from_sockaddr((struct sockaddr *)&from, &src))
		return;
	rx_pktinfo(&msg, &dst, &ifindex);
	dst.port = sock->local.port;
	sockets_deliver(s, &src, &dst, ifindex, buf, (size_t)n);
}

/* The watcher's callback for one IKE socket: reads one datagram. */
static void sockets_readable(int fd, void *arg)
{
	const struct ike_socket *sock = arg;

	(void)fd;
	sockets_recv_one(sock->owner, sock, sock->owner->rx_buf);
}

/*
 * Opening.
 */

/* The XFRM per-socket policy that lets IKE pass whatever policies are installed. */
static int xfrm_bypass(int fd, sa_family_t family)
{
	struct xfrm_userpolicy_info pol;
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opt = family == AF_INET6 ? IPV6_XFRM_POLICY : IP_XFRM_POLICY;
	static const uint8_t dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_OUT };

	memset(&pol, 0, sizeof(pol));
	pol.action = XFRM_POLICY_ALLOW;
	pol.sel.family = family;
	pol.lft.soft_byte_limit = XFRM_INF;
	pol.lft.hard_byte_limit = XFRM_INF;
	pol.lft.soft_packet_limit = XFRM_INF;
	pol.lft.hard_packet_limit = XFRM_INF;
	for (size_t i = 0; i < CG_ARRAY_SIZE(dirs); i++) {
		pol.dir = dirs[i];
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
			return -errno;
	}
	return 0;
}

/* Asks the kernel backend first (PF_KEY has its own form), else sets the XFRM one. */
static int sockets_bypass(struct cg_sockets *s, int fd, sa_family_t family)
{
	int err = cg_kernel_bypass_socket(s->core, fd, family);

	if (err != -ENODEV && err != -EOPNOTSUPP)
		return err;
	return xfrm_bypass(fd, family);
}

static int sock_set(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) < 0 ? -errno : 0;
}

static int sockets_open_one(struct cg_sockets *s, const struct cg_addr *local, bool nat_t,
			    bool *warned_bypass)
{
	struct ike_socket *sock = &s->socks[s->n_socks];
	struct sockaddr_storage ss;
	char where[CG_ADDR_STRLEN];
	socklen_t sslen = cg_addr_to_sockaddr(local, &ss);
	int fd, err;

	fd = socket(local->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
	if (fd < 0)
		return -errno;
	if (local->family == AF_INET6) {
		err = sock_set(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
		if (!err)
			err = sock_set(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	} else {
		err = sock_set(fd, IPPROTO_IP, IP_PKTINFO, 1);
	}
	/*
	 * No SO_REUSEADDR: with it a second daemon binds the same port and
	 * takes the IKE traffic. UDP has no TIME_WAIT, so a restart binds anyway.
	 */
	if (err)
		goto err_close;
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0) {
		err = -errno;
		cg_log(s->core, CG_LOG_NET, CG_LVL_ERROR, "cannot bind the IKE socket to %s: %s",
		       addr_port_str(local, where, sizeof(where)), strerror(-err));
		goto err_close;
	}
	if (nat_t && (err = sock_set(fd, IPPROTO_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)))
		cg_log(s->core, CG_LOG_NET, CG_LVL_WARN,
		       "no ESP-in-UDP on %s (%s): NAT traversal will not carry traffic",
		       addr_port_str(local, where, sizeof(where)), strerror(-err));
	if ((err = sockets_bypass(s, fd, local->family)) && !*warned_bypass) {
		cg_log(s->core, CG_LOG_NET, CG_LVL_WARN,
		       "cannot exempt the IKE sockets from IPsec policies (%s): "
		       "a policy covering a peer may catch its IKE traffic",
		       strerror(-err));
		*warned_bypass = true;
	}
	sock->owner = s;
	sock->fd = fd;
	sock->local = *local;
	sock->nat_t = nat_t;
	s->n_socks++;
	cg_log(s->core, CG_LOG_NET, CG_LVL_DEBUG, "listening on UDP %s%s",
	       addr_port_str(local, where, sizeof(where)), nat_t ? " (NAT-T)" : "");
	return 0;

err_close:
	close(fd);
	return err;
}

/* Opens the IKE and NAT-T sockets on one address. */
static int sockets_open_addr(struct cg_sockets *s, struct cg_addr local, bool *warned_bypass)
{
	int err;

	local.port = s->port;
	err = sockets_open_one(s, &local, false, warned_bypass);
	if (err)
		return err;
	local.port = s->port_nat_t;
	return sockets_open_one(s, &local, true, warned_bypass);
}

static void sockets_close(struct cg_sockets *s)
{
	for (size_t i = 0; i < s->n_watched; i++)
		cg_watch_del(s->core, s->socks[i].fd);
	s->n_watched = 0;
	for (size_t i = 0; i < s->n_socks; i++)
		close(s->socks[i].fd);
	free(s->socks);
	s->socks = NULL;
	s->n_socks = 0;
	free(s->rx_buf);
	s->rx_buf = NULL;
}

static int sockets_open(struct cg_sockets *s, const struct cg_config *cfg)
{
	const struct cg_daemon_cfg *d = &cfg->daemon;
	bool warned_bypass = false;
	struct cg_addr addr;
	int err = 0;

	s->socks = calloc(2 * (d->n_listen ? d->n_listen : 2), sizeof(*s->socks));
	if (!s->socks)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_listen; i++) {
		if (cg_addr_parse(d->listen[i], &addr) || addr.family == AF_UNSPEC) {
			cg_log(s->core, CG_LOG_NET, CG_LVL_ERROR,
			       "daemon.listen: '%s' is not an IP address", d->listen[i]);
			err = -EINVAL;
			goto err_close;
		}
		err = sockets_open_addr(s, addr, &warned_bypass);
		if (err)
			goto err_close;
	}
	if (d->n_listen)
		return 0;
	err = sockets_open_addr(s, cg_addr_any(AF_INET6), &warned_bypass);
	if (err == -EAFNOSUPPORT)
		cg_log(s->core, CG_LOG_NET, CG_LVL_INFO,
		       "no IPv6 on this host: IKE over IPv4 only");
	else if (err)
		goto err_close;
	err = sockets_open_addr(s, cg_addr_any(AF_INET), &warned_bypass);
	if (err)
		goto err_close;
	return 0;

err_close:
	sockets_close(s);
	return err;
}

int cg_sockets_start(struct cg_core *core, const struct cg_config *cfg)
{
	struct cg_sockets *s = core->sockets;
	int err;

	s->port = cfg->daemon.port ? cfg->daemon.port : IKE_DEFAULT_PORT;
	s->port_nat_t = cfg->daemon.port_nat_t ? cfg->daemon.port_nat_t : IKE_DEFAULT_PORT_NAT_T;
	if (s->port == s->port_nat_t) {
		cg_log(core, CG_LOG_NET, CG_LVL_ERROR,
		       "daemon.port and daemon.port_nat_t must differ (both %u)", s->port);
		return -EINVAL;
	}
	if (core->opts.no_sockets)
		return 0;
	err = sockets_open(s, cfg);
	if (err)
		return err;
	s->rx_buf = malloc(CG_IKE_MAX_DATAGRAM);
	if (!s->rx_buf) {
		err = -ENOMEM;
		goto err_close;
	}
	for (; s->n_watched < s->n_socks; s->n_watched++) {
		struct ike_socket *sock = &s->socks[s->n_watched];

		err = cg_watch_add(core, sock->fd, sockets_readable, sock);
		if (err)
			goto err_close;
	}
	cg_log(core, CG_LOG_NET, CG_LVL_INFO, "IKE sockets open on UDP ports %u and %u", s->port,
	       s->port_nat_t);
	return 0;

err_close:
	sockets_close(s);
	return err;
}

void cg_sockets_fini(struct cg_core *core)
{
	struct cg_sockets *s = core->sockets;

	if (!s)
		return;
	sockets_close(s);
	core->sockets = NULL;
	/* Receive jobs still queued hold their own reference. */
	sockets_unref(s);
}

/*
 * Sending.
 */

static bool sockets_uses_marker(const struct cg_sockets *s, const struct cg_addr *src,
				const struct cg_addr *dst)
{
	return src->port == s->port_nat_t || dst->port == s->port_nat_t;
}

/* The socket to send from: right family and port, bound to src or to all addresses. */
static const struct ike_socket *sockets_pick(const struct cg_sockets *s, const struct cg_addr *src,
					     sa_family_t family, uint16_t port)
{
	const struct ike_socket *wildcard = NULL;

	for (size_t i = 0; i < s->n_socks; i++) {
		const struct ike_socket *sock = &s->socks[i];

		if (sock->local.family != family || sock->local.port != port)
			continue;
		if (cg_addr_is_any(&sock->local))
			wildcard = wildcard ? wildcard : sock;
		else if (src->family == family && cg_addr_equal(&sock->local, src))
			return sock;
	}
	return wildcard;
}

/* Sends from a wildcard socket with the source address chosen per datagram. */
static int sockets_sendmsg(const struct ike_socket *sock, const struct cg_addr *src,
			   const struct cg_addr *dst, const struct iovec *iov, size_t n_iov)
{
	union {
		struct cmsghdr align;
		uint8_t bytes[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct sockaddr_storage to;
	struct msghdr msg = {
		.msg_name = &to, .msg_namelen = cg_addr_to_sockaddr(dst, &to),
		.msg_iov = (struct iovec *)iov, .msg_iovlen = n_iov,
	};
	struct cmsghdr *c;

	memset(&cbuf, 0, sizeof(cbuf));
	if (src->family == dst->family && cg_addr_is_any(&sock->local) && !cg_addr_is_any(src)) {
		msg.msg_control = cbuf.bytes;
		c = (struct cmsghdr *)cbuf.bytes;
		if (dst->family == AF_INET6) {
			struct in6_pktinfo pi = { .ipi6_addr = src->u.v6 };

			msg.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in_pktinfo pi = { .ipi_spec_dst = src->u.v4 };

			msg.msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	return sendmsg(sock->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Hands the payload, as one piece, to the in-memory transport. */
static int sockets_send_transport(cg_ike_send_fn transport, void *ctx, const struct cg_addr *src,
				  const struct cg_addr *dst, const struct iovec *iov, size_t n_iov)
{
	size_t len = 0, off = 0;
	uint8_t *flat;
	int err;

	if (n_iov == 1)
		return transport(ctx, src, dst, iov[0].iov_base, iov[0].iov_len);
	for (size_t i = 0; i < n_iov; i++)
		len += iov[i].iov_len;
	flat = malloc(len);
	if (!flat)
		return -ENOMEM;
	for (size_t i = 0; i < n_iov; i++) {
		memcpy(flat + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	err = transport(ctx, src, dst, flat, len);
	free(flat);
	return err;
}

/* Sends one UDP payload made of up to two pieces (marker and message). */
static int sockets_send(struct cg_core *core, const struct cg_addr *src, const struct cg_addr *dst,
			const struct iovec *iov, size_t n_iov)
{
	struct cg_sockets *s = core->sockets;
	const struct ike_socket *sock;
	char peer[CG_ADDR_STRLEN];
	cg_ike_send_fn transport;
	void *transport_ctx;
	int err;

	pthread_mutex_lock(&s->lock);
	transport = s->transport;
	transport_ctx = s->transport_ctx;
	pthread_mutex_unlock(&s->lock);
	if (transport)
		return sockets_send_transport(transport, transport_ctx, src, dst, iov, n_iov);
	sock = sockets_pick(s, src, dst->family, src->port);
	if (!sock)
		return s->n_socks ? -EADDRNOTAVAIL : -ENOTCONN;
	err = sockets_sendmsg(sock, src, dst, iov, n_iov);
	if (err)
		cg_log(core, CG_LOG_NET, CG_LVL_WARN, "sending to %s failed: %s",
		       addr_port_str(dst, peer, sizeof(peer)), strerror(-err));
	return err;
}

/* The source with its port filled in: the IKE or NAT-T port when unset. */
static struct cg_addr sockets_source(const struct cg_sockets *s, const struct cg_addr *src,
				     const struct cg_addr *dst)
{
	struct cg_addr from = src ? *src : cg_addr_any(AF_UNSPEC);

	if (!from.port)
		from.port = dst->port == s->port_nat_t ? s->port_nat_t : s->port;
	return from;
}

CG_EXPORT int cg_ike_send(struct cg_core *core, const struct cg_addr *src,
			  const struct cg_addr *dst, const uint8_t *data, size_t len)
{
	static const uint8_t marker[NON_ESP_MARKER_LEN];
	struct cg_sockets *s = core->sockets;
	struct iovec iov[2];
	struct cg_addr from;
	size_t n = 0;

	if (!s || !dst || dst->family == AF_UNSPEC || !dst->port || !data ||
	    len < CG_IKE_HEADER_LEN)
		return -EINVAL;
	if (len > CG_IKE_MAX_DATAGRAM - NON_ESP_MARKER_LEN)
		return -EMSGSIZE;
	from = sockets_source(s, src, dst);
	if (sockets_uses_marker(s, &from, dst))
		iov[n++] = (struct iovec){ .iov_base = (void *)marker, .iov_len = sizeof(marker) };
	iov[n++] = (struct iovec){ .iov_base = (void *)data, .iov_len = len };
	return sockets_send(core, &from, dst, iov, n);
}

CG_EXPORT int cg_ike_send_keepalive(struct cg_core *core, const struct cg_addr *src,
				    const struct cg_addr *dst)
{
	static const uint8_t keepalive = 0xff;
	struct cg_sockets *s = core->sockets;
	struct iovec iov = { .iov_base = (void *)&keepalive, .iov_len = 1 };
	struct cg_addr from;

	if (!s || !dst || dst->family == AF_UNSPEC || !dst->port)
		return -EINVAL;
	from = src ? *src : cg_addr_any(AF_UNSPEC);
	from.port = s->port_nat_t;
	return sockets_send(core, &from, dst, &iov, 1);
}
