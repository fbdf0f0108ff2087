/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel backend conformance suite's helpers: a fresh network namespace
 * per test, a core running the backend under test (CG_KERNEL_BACKEND,
 * kernel-netlink by default), a second namespace joined by a veth pair,
 * shell commands, and kernel events captured from the bus.
 */
#ifndef KT_H
#define KT_H

#include <criterion/criterion.h>

#include "testlib.h"

/* Every test runs in its own network namespace, prepared by kt_setup. */
#define KT_TEST(name, ...) Test(kernel, name, .init = kt_setup, .fini = kt_teardown, ##__VA_ARGS__)

void kt_setup(void);
void kt_teardown(void);

/* The backend under test. */
const char *kt_backend(void);

/*
 * What the backend under test can express. kernel-netlink holds all of it;
 * PF_KEY as Linux af_key implements it holds none (docs/pfkey.md), and a
 * case that needs one of these expects that backend to refuse it with
 * -EOPNOTSUPP rather than skipping it.
 */
struct kt_caps {
	bool aead;        /* AES-GCM, ChaCha20-Poly1305 */
	bool esn;         /* extended sequence numbers */
	bool sha256_128;  /* HMAC-SHA2-256 with RFC 4868's 128-bit ICV */
	bool port_ranges; /* port ranges other than one port or any */
	bool icmp_code_0; /* ICMP code 0 told apart from "any code" */
	bool sa_selector; /* an SA selector of its own (transport_proxy) */
	bool transport_tmpl_addrs; /* endpoints in a transport-mode template */
	bool acquire_packet_in_tunnel; /* a tunnel-mode acquire names the packet's hosts */
	bool move_sa;     /* an SA moves to new addresses and ports (else -EXDEV: rekey) */
	bool mapping_rate_limit; /* one MAPPING event per SA and new port, not one per packet */
};
const struct kt_caps *kt_caps(void);

/*
 * The algorithms for cases whose point is not the algorithm: AES-CBC with
 * HMAC-SHA2-512-256, which every backend installs.
 */
#define KT_ENCR CG_ENCR_AES_CBC
#define KT_INTEG CG_INTEG_HMAC_SHA2_512_256
/* An SA with KT_ENCR (128-bit key) and KT_INTEG, replay window 32. */
struct cg_kernel_sa kt_sa(const char *src, const char *dst, uint32_t spi,
			  enum cg_ipsec_mode mode, uint32_t reqid);
/* Integrity key bytes of an HMAC/XCBC algorithm (0 for none). */
size_t kt_integ_key_len(uint16_t integ);
/* A core with the backend under test; extra_yaml is appended to the config (may be NULL). */
struct cg_core *kt_core(const char *extra_yaml);
/* The same with a journal at state_file (cleanup-after-crash tests). */
struct cg_core *kt_core_journal(const char *state_file);

/* Runs a shell command (printf-style); returns its exit status. */
int kt_sh(const char *fmt, ...) CG_PRINTF(1, 2);
/* Runs a shell command and returns its standard output (free it). */
char *kt_sh_out(const char *fmt, ...) CG_PRINTF(1, 2);

struct cg_addr kt_addr(const char *s);
struct cg_ts kt_ts(const char *s);

/* Sends one UDP datagram to dst:port from this namespace (errors ignored: it may be trapped). */
void kt_send_udp(const char *dst, uint16_t port);
/*
 * A UDP socket on port 4500 of family (any address) that hands ESP-in-UDP
 * (NAT-T) packets to XFRM; close it when done. With a core, the socket is
 * exempt from policies as the daemon's IKE sockets are (cg_kernel_bypass_socket):
 * the kernel checks the policies on the outer UDP packet before decapsulating it,
 * so a policy covering the two hosts themselves would drop it otherwise.
 */
int kt_natt_socket(struct cg_core *core, sa_family_t family);
/* A dummy interface d0 with address local/64 and a route to remote_net through it. */
void kt_dummy(const char *local, const char *remote_net);

/* A second network namespace ("the peer"), named cgk<pid>. */
struct kt_peer {
	char name[32];
	int fd;       /* the peer's namespace */
	int self_fd;  /* the test's own namespace */
};
void kt_peer_new(struct kt_peer *p);
/* Another one, named cgk<pid><suffix>, for tests with more than two hosts. */
void kt_peer_new_named(struct kt_peer *p, const char *suffix);
void kt_peer_free(struct kt_peer *p);
/* Switches this thread into the peer's namespace and back. */
void kt_enter(struct kt_peer *p);
void kt_leave(struct kt_peer *p);
/* A veth pair veth0 (here, addr_self) <-> veth1 (peer, addr_peer), both up, no DAD. */
void kt_veth(struct kt_peer *p, const char *addr_self, const char *addr_peer, int prefixlen);

/* Kernel events captured from the bus. */
#define KT_EVENTS_MAX 256
struct kt_events {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cg_event ev[KT_EVENTS_MAX];
	size_t n;
	struct cg_core *core;
	struct cg_bus_sub *sub;
};
typedef bool (*kt_match_fn)(const struct cg_event *ev, const void *ctx);
void kt_events_start(struct kt_events *e, struct cg_core *core, uint64_t mask);
void kt_events_stop(struct kt_events *e);
/* Waits up to ms for an event of type that match accepts (NULL: any); copies it to out. */
bool kt_events_wait(struct kt_events *e, enum cg_event_type type, kt_match_fn match,
		    const void *ctx, unsigned ms, struct cg_event *out);
/* How many captured events of type match accepts. */
size_t kt_events_count(struct kt_events *e, enum cg_event_type type, kt_match_fn match,
		       const void *ctx);

/* A child SA pair as IKE would install it, for one side. */
struct kt_child {
	struct cg_child_install ci;
	struct cg_ts local_ts, remote_ts;
	uint8_t key_in[36], key_out[36];
	uint8_t ikey_in[64], ikey_out[64];
};
/*
 * Fills a child from local to remote. Keys and SPIs depend on the direction
 * only, so the peer's mirror image (kt_child_fill with the roles swapped)
 * matches. encr is a CG_ENCR_*, integ a CG_INTEG_* (CG_INTEG_NONE with an AEAD).
 */
void kt_child_fill(struct kt_child *c, const char *local, const char *remote,
		   const char *local_ts, const char *remote_ts, enum cg_ipsec_mode mode,
		   uint16_t encr, uint16_t integ, uint32_t reqid);

#endif
