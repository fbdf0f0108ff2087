/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel interface. Exactly one backend (kernel-netlink, kernel-pfkey,
 * kernel-memory, ...) registers a struct cg_kernel_ops; protocol plugins
 * use the cg_kernel_*(core, ...) calls below, never a backend directly.
 *
 * Everything is in the neutral forms of <cygnet/ts.h> and IANA IKEv2
 * transform IDs (<cygnet/transform.h>); each backend converts them to its
 * kernel's encoding in one place.
 *
 * The core records every SA and policy it installs through this interface
 * (in memory and in a journal file), so it can remove exactly those on
 * shutdown, and after a crash on the next start.
 */
#ifndef CYGNET_KERNEL_H
#define CYGNET_KERNEL_H

#include <cygnet/ts.h>
#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;
struct cg_kernel;

enum cg_ipsec_mode {
	CG_MODE_TRANSPORT = 1,
	CG_MODE_TUNNEL = 2,
};

enum cg_dir {
	CG_DIR_IN = 0,
	CG_DIR_OUT = 1,
	CG_DIR_FWD = 2,
};

enum cg_policy_action {
	CG_POLICY_PROTECT = 0, /* apply the template (ESP/AH) */
	CG_POLICY_BYPASS = 1,  /* let through in the clear */
	CG_POLICY_DROP = 2,    /* discard */
};

/* Priority bands; lower numbers win in XFRM and af_key alike. */
#define CG_PRIO_NDHOLE 1000u  /* ndhole's bypass holes: beat every protecting policy */
#define CG_PRIO_BYPASS 1500u  /* other configured bypass (passthrough) policies */
#define CG_PRIO_PROTECT 3000u /* base for protecting policies; narrower selectors get less */
#define CG_PRIO_TRAP 3500u    /* base for trap (acquire) policies of start_action: trap */

/* Largest number of entries in one migrate message (XFRM_MAX_DEPTH). */
#define CG_MIGRATE_MAX 6

/* Lifetimes; 0 means unlimited. */
struct cg_lifetime {
	uint64_t soft_bytes, hard_bytes;
	uint64_t soft_packets, hard_packets;
	uint64_t soft_secs, hard_secs; /* since the SA was added */
};

/* Identifies one SA in the kernel. */
struct cg_kernel_sa_id {
	struct cg_addr src; /* outer source (ports ignored) */
	struct cg_addr dst; /* outer destination */
	uint32_t spi;       /* host byte order */
	uint8_t proto;      /* IPPROTO_ESP or IPPROTO_AH */
};

struct cg_kernel_sa {
	struct cg_kernel_sa_id id;
	enum cg_ipsec_mode mode;
	uint32_t reqid;          /* ties the SA to its policies; never 0 */
	bool inbound;            /* we receive on this SA */
	/*
	 * Optional selector for the SA. transport_proxy SAs set it to the home
	 * address selectors, which differ from the outer addresses.
	 */
	bool has_sel;
	struct cg_ts sel_src, sel_dst;
	uint16_t encr_alg;       /* CG_ENCR_* (IANA); CG_ENCR_NULL for AH */
	uint16_t encr_keylen;    /* key length in bits, without salt */
	struct cg_chunk encr_key; /* borrowed: key, then salt for AEAD (RFC 4106/7634) */
	uint16_t integ_alg;      /* CG_INTEG_*; CG_INTEG_NONE with AEAD */
	struct cg_chunk integ_key; /* borrowed */
	bool esn;                /* extended sequence numbers */
	uint32_t replay_window;  /* packets; 0 disables replay protection */
	uint16_t encap_sport;    /* UDP encapsulation (NAT-T) ports, 0 = none */
	uint16_t encap_dport;
	struct cg_lifetime lifetime;
};

struct cg_kernel_sa_stats {
	uint64_t bytes;     /* bytes processed */
	uint64_t packets;   /* packets processed */
	uint64_t add_time;  /* unix time the SA was added */
	uint64_t use_time;  /* unix time of last use, 0 when never used */
};

/* Identifies one policy: selector and direction. */
struct cg_kernel_policy_id {
	struct cg_ts src; /* selector source; src.proto is the policy's protocol */
	struct cg_ts dst; /* selector destination; dst.proto == src.proto */
	enum cg_dir dir;
};

struct cg_kernel_policy {
	struct cg_kernel_policy_id id;
	enum cg_policy_action action;
	uint32_t priority;       /* see CG_PRIO_*; lower wins */
	/* Template, for CG_POLICY_PROTECT only. */
	uint8_t proto;           /* IPPROTO_ESP or IPPROTO_AH */
	enum cg_ipsec_mode mode;
	uint32_t reqid;
	struct cg_addr tmpl_src; /* tunnel endpoints; may be %any in transport mode */
	struct cg_addr tmpl_dst;
	bool optional;           /* template level "use" instead of "required" */
};

struct cg_kernel_policy_stats {
	uint64_t add_time; /* unix time */
	uint64_t use_time; /* unix time of last use, 0 when never */
	uint32_t priority;
	uint32_t index;    /* kernel's policy index, 0 when unknown */
};

/* Events the backend raises; the core publishes them on the bus. */
struct cg_kernel_acquire {
	uint32_t reqid;
	struct cg_ts src, dst; /* the triggering packet's addresses (host selectors) and ports */
	struct cg_ts policy_src, policy_dst; /* the selector of the policy that trapped it */
	struct cg_addr tmpl_src, tmpl_dst;   /* template endpoints, %any when unset */
	uint8_t proto;
};

struct cg_kernel_expire {
	struct cg_kernel_sa_id id;
	uint32_t reqid;
	bool hard; /* false: soft (rekey now), true: hard (SA is gone) */
};

struct cg_kernel_migrate_entry {
	struct cg_addr old_src, old_dst;
	struct cg_addr new_src, new_dst;
	uint8_t proto;
	enum cg_ipsec_mode mode;
	uint32_t reqid;
};

struct cg_kernel_migrate {
	struct cg_kernel_policy_id policy; /* the selector and direction that moved */
	bool has_kmaddress;      /* false: the message carried no KMADDRESS */
	struct cg_addr km_local; /* KMADDRESS: the IKE endpoints after the move */
	struct cg_addr km_remote;
	size_t n_entries;
	struct cg_kernel_migrate_entry entries[CG_MIGRATE_MAX];
};

struct cg_kernel_mapping {
	struct cg_kernel_sa_id id;
	uint32_t reqid;
	struct cg_addr old_src; /* with port */
	struct cg_addr new_src; /* with port */
};

/* Someone (an admin, another daemon) removed policies. */
struct cg_kernel_policy_gone {
	bool flush;                      /* all policies were flushed */
	struct cg_kernel_policy_id id;   /* the deleted one, when !flush */
};

/*
 * A child's SAs and policies moving to new outer addresses (MOBIKE, a
 * NAT's new mapping), made by cygnet rather than by the kernel itself:
 * the SAs keep their SPIs, keys and counters, the policies' templates
 * follow them.
 */
struct cg_kernel_move {
	uint8_t proto;                        /* IPPROTO_ESP or IPPROTO_AH */
	enum cg_ipsec_mode mode;
	uint32_t reqid;
	uint32_t spi_in, spi_out;             /* 0: no SA that way */
	struct cg_addr old_local, old_remote; /* outer addresses now (ports ignored) */
	struct cg_addr local, remote;         /* after the move (ports ignored) */
	uint16_t encap_local_port, encap_remote_port; /* UDP encapsulation after the move; 0 = none */
	const struct cg_kernel_policy *policies; /* the child's policies, templates at local/remote */
	size_t n_policies;
};

/*
 * The backend vtable. Every action returns 0 or a negative errno, and logs
 * the kernel's own message (netlink extended ack) on failure.
 */
struct cg_kernel_ops {
	const char *name;
	/* Reserves an inbound SPI from src to dst for reqid (a larval SA). */
	int (*get_spi)(struct cg_kernel *k, const struct cg_addr *src, const struct cg_addr *dst,
		       uint8_t proto, uint32_t reqid, uint32_t *spi);
	/* Adds an SA; -EEXIST when one with the same id exists. */
	int (*add_sa)(struct cg_kernel *k, const struct cg_kernel_sa *sa);
	/* Replaces an existing SA with the same id (completes a get_spi reservation). */
	int (*update_sa)(struct cg_kernel *k, const struct cg_kernel_sa *sa);
	/* Deletes an SA; -ENOENT when absent. */
	int (*del_sa)(struct cg_kernel *k, const struct cg_kernel_sa_id *id);
	/* Reads an SA's counters; -ENOENT when absent. */
	int (*query_sa)(struct cg_kernel *k, const struct cg_kernel_sa_id *id,
			struct cg_kernel_sa_stats *stats);
	/* Adds a policy, or replaces one with the same id when replace is true. */
	int (*add_policy)(struct cg_kernel *k, const struct cg_kernel_policy *pol, bool replace);
	/* Deletes a policy; -ENOENT when absent. */
	int (*del_policy)(struct cg_kernel *k, const struct cg_kernel_policy_id *id);
	/* Reads a policy; -ENOENT when absent. */
	int (*query_policy)(struct cg_kernel *k, const struct cg_kernel_policy_id *id,
			    struct cg_kernel_policy_stats *stats);
	/* Exempts a socket (IKE traffic) from every IPsec policy. Optional. */
	int (*bypass_socket)(struct cg_kernel *k, int fd, sa_family_t family);
	/*
	 * Moves a child's SAs and its policies' templates (struct
	 * cg_kernel_move). -EXDEV: this backend cannot change an SA's
	 * addresses (PF_KEY); the core then moves the policies and the caller
	 * rekeys the child at the new addresses. Optional: -EOPNOTSUPP when
	 * absent.
	 */
	int (*move)(struct cg_kernel *k, const struct cg_kernel_move *mv);
};

/*
 * Backend side.
 */

/* Registers the backend (only one may be active); stores the handle in *ret. */
CG_EXPORT int cg_kernel_register(struct cg_core *core, const struct cg_kernel_ops *ops, void *priv,
				 struct cg_kernel **ret);
/* Unregisters and frees the handle; accepts NULL. */
CG_EXPORT void cg_kernel_unregister(struct cg_kernel *k);
/* The priv pointer given at registration. */
CG_EXPORT void *cg_kernel_priv(const struct cg_kernel *k);
/* The core the backend is registered with. */
CG_EXPORT struct cg_core *cg_kernel_core(const struct cg_kernel *k);

/* Upcalls: publish a kernel event on the bus (contents are copied). */
CG_EXPORT void cg_kernel_raise_acquire(struct cg_kernel *k, const struct cg_kernel_acquire *ev);
CG_EXPORT void cg_kernel_raise_expire(struct cg_kernel *k, const struct cg_kernel_expire *ev);
CG_EXPORT void cg_kernel_raise_migrate(struct cg_kernel *k, const struct cg_kernel_migrate *ev);
CG_EXPORT void cg_kernel_raise_mapping(struct cg_kernel *k, const struct cg_kernel_mapping *ev);
CG_EXPORT void cg_kernel_raise_policy_gone(struct cg_kernel *k,
					   const struct cg_kernel_policy_gone *ev);

/*
 * User side: the active backend, with the core's record of what it
 * installed. All return -ENODEV when no backend is registered.
 */
CG_EXPORT bool cg_kernel_available(struct cg_core *core);
CG_EXPORT const char *cg_kernel_name(struct cg_core *core);
CG_EXPORT int cg_kernel_get_spi(struct cg_core *core, const struct cg_addr *src,
				const struct cg_addr *dst, uint8_t proto, uint32_t reqid,
				uint32_t *spi);
CG_EXPORT int cg_kernel_add_sa(struct cg_core *core, const struct cg_kernel_sa *sa);
CG_EXPORT int cg_kernel_update_sa(struct cg_core *core, const struct cg_kernel_sa *sa);
CG_EXPORT int cg_kernel_del_sa(struct cg_core *core, const struct cg_kernel_sa_id *id);
CG_EXPORT int cg_kernel_query_sa(struct cg_core *core, const struct cg_kernel_sa_id *id,
				 struct cg_kernel_sa_stats *stats);
CG_EXPORT int cg_kernel_add_policy(struct cg_core *core, const struct cg_kernel_policy *pol,
				   bool replace);
/*
 * Deletes a policy this cygnetd installed, once its last user lets go; a
 * policy it never installed (another daemon's) stays: -ENOENT.
 */
CG_EXPORT int cg_kernel_del_policy(struct cg_core *core, const struct cg_kernel_policy_id *id);
CG_EXPORT int cg_kernel_query_policy(struct cg_core *core, const struct cg_kernel_policy_id *id,
				     struct cg_kernel_policy_stats *stats);
CG_EXPORT int cg_kernel_bypass_socket(struct cg_core *core, int fd, sa_family_t family);
/*
 * Moves a child's SAs and policies (struct cg_kernel_move); the install
 * record follows. -EXDEV when the backend cannot move SAs: the policies
 * are moved (replaced) all the same, the SAs stay where they are and the
 * caller rekeys the child at the new addresses.
 */
CG_EXPORT int cg_kernel_move(struct cg_core *core, const struct cg_kernel_move *mv);
/* Removes every SA and policy recorded as installed by this cygnetd; returns how many. */
CG_EXPORT int cg_kernel_flush_installed(struct cg_core *core);
/* A fresh reqid, unique within this daemon. */
CG_EXPORT uint32_t cg_kernel_new_reqid(struct cg_core *core);

/* Text helpers for logs and the control socket. */
CG_EXPORT const char *cg_dir_name(enum cg_dir dir);
CG_EXPORT const char *cg_mode_name(enum cg_ipsec_mode mode);

/*
 * A child SA's whole kernel state, installed in one step and rolled back
 * in reverse when any step fails: inbound SA (completing the reserved SPI),
 * outbound SA, then in/out(/fwd for tunnels) policies for every pair of
 * selectors. Used by every IKE version.
 */
struct cg_child_install {
	struct cg_addr local, remote; /* outer addresses */
	enum cg_ipsec_mode mode;
	bool proxy;                   /* transport_proxy: SAs between the TS hosts (cg_child_sa_hosts) */
	uint8_t proto;                /* IPPROTO_ESP */
	uint32_t reqid;
	uint32_t spi_in, spi_out;
	uint16_t encr_alg, encr_keylen, integ_alg;
	struct cg_chunk encr_key_in, integ_key_in;   /* borrowed */
	struct cg_chunk encr_key_out, integ_key_out; /* borrowed */
	bool esn;
	uint32_t replay_window;
	uint16_t encap_local_port, encap_remote_port; /* NAT-T; 0 = none */
	struct cg_lifetime lifetime;
	const struct cg_ts *local_ts; /* borrowed array */
	size_t n_local_ts;
	const struct cg_ts *remote_ts; /* borrowed array */
	size_t n_remote_ts;
	uint32_t priority;   /* 0: computed from the selectors' sizes */
	bool policies;       /* install policies (false when they exist, e.g. rekey) */
	bool sas_in_only;    /* install only the inbound SA (responder's rekey order) */
};

/*
 * Where a child's SAs live: local and remote (ports cleared), or for
 * transport_proxy the one host that all local and all remote selectors
 * name (Mobile IPv6: home address and home agent, while IKE runs from the
 * care-of address); -EINVAL when a proxy side's selectors are not one host.
 */
CG_EXPORT int cg_child_sa_hosts(const struct cg_child_install *ci, struct cg_addr *local,
				struct cg_addr *remote);
/*
 * The id of a child's inbound (remote to local) or outbound (local to
 * remote) SA between the SA hosts local and remote, with that SPI.
 */
CG_EXPORT struct cg_kernel_sa_id cg_child_sa_id(const struct cg_addr *local,
						const struct cg_addr *remote, bool inbound,
						uint32_t spi, uint8_t proto);
/* Installs as described; on failure nothing it added remains. */
CG_EXPORT int cg_child_install(struct cg_core *core, const struct cg_child_install *ci);
/* Removes what cg_child_install added (SAs, and policies when ci->policies). */
CG_EXPORT int cg_child_uninstall(struct cg_core *core, const struct cg_child_install *ci);
/*
 * Moves what cg_child_install added from ci's addresses to local/remote
 * with the given encapsulation ports (cg_kernel_move). transport_proxy
 * children stay (their SAs run between the selectors' hosts). -EXDEV as
 * cg_kernel_move.
 */
CG_EXPORT int cg_child_move(struct cg_core *core, const struct cg_child_install *ci,
			    const struct cg_addr *local, const struct cg_addr *remote,
			    uint16_t encap_local_port, uint16_t encap_remote_port);
/* Installs the trap policies (start_action: trap) for a child; rolled back on failure. */
CG_EXPORT int cg_child_trap(struct cg_core *core, const struct cg_child_install *ci);
/* Removes trap policies installed by cg_child_trap. */
CG_EXPORT int cg_child_untrap(struct cg_core *core, const struct cg_child_install *ci);
/* Priority for a protecting policy over these selectors: narrower ones win. */
CG_EXPORT uint32_t cg_policy_priority(uint32_t base, const struct cg_ts *src, const struct cg_ts *dst);

#ifdef __cplusplus
}
#endif
#endif
