/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Configuration: the YAML tree (every node knows its file:line:col), typed
 * getters that report errors at the node's position, and the typed sections
 * the core owns: daemon, connections, secrets, pools. Plugin sections stay
 * trees; each plugin reads and checks its own.
 *
 * A loaded config is immutable and reference-counted: a reload builds a new
 * one and swaps it in only when it has no errors.
 */
#ifndef CYGNET_CONFIG_H
#define CYGNET_CONFIG_H

#include <cygnet/id.h>
#include <cygnet/transform.h>
#include <cygnet/ts.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cg_core;
struct cg_cfg_node;

/*
 * Error list. Every message reads "file:line:col: what is wrong" (with a
 * hint on what to do where there is one).
 */
struct cg_cfg_errors {
	char **lines; /* owned */
	size_t n;
};

CG_EXPORT void cg_cfg_errors_free(struct cg_cfg_errors *errs);
/* Adds "file:line:col: <fmt>" at node (or without position when node is NULL). */
CG_EXPORT void cg_cfg_error(struct cg_cfg_errors *errs, const struct cg_cfg_node *node,
			    const char *fmt, ...) CG_PRINTF(3, 4);

/* The tree. */
enum cg_cfg_kind {
	CG_CFG_SCALAR = 0,
	CG_CFG_SEQ = 1,
	CG_CFG_MAP = 2,
};

CG_EXPORT enum cg_cfg_kind cg_cfg_kind(const struct cg_cfg_node *node);
CG_EXPORT const char *cg_cfg_file(const struct cg_cfg_node *node);
CG_EXPORT unsigned cg_cfg_line(const struct cg_cfg_node *node); /* 1-based */
CG_EXPORT unsigned cg_cfg_col(const struct cg_cfg_node *node);  /* 1-based */
/* The scalar's text, NULL when the node is not a scalar. */
CG_EXPORT const char *cg_cfg_scalar(const struct cg_cfg_node *node);
/* True for a scalar that was written without quotes and is empty, "~" or "null". */
CG_EXPORT bool cg_cfg_is_null(const struct cg_cfg_node *node);
/* Items of a sequence or entries of a map (0 for scalars). */
CG_EXPORT size_t cg_cfg_count(const struct cg_cfg_node *node);
/* The i-th item of a sequence, or the i-th value of a map. */
CG_EXPORT const struct cg_cfg_node *cg_cfg_at(const struct cg_cfg_node *node, size_t i);
/* The i-th key of a map (text), and its node (for error positions). */
CG_EXPORT const char *cg_cfg_key_at(const struct cg_cfg_node *node, size_t i);
CG_EXPORT const struct cg_cfg_node *cg_cfg_key_node_at(const struct cg_cfg_node *node, size_t i);
/* The value for key in a map; NULL when absent or node is not a map. */
CG_EXPORT const struct cg_cfg_node *cg_cfg_get(const struct cg_cfg_node *map, const char *key);

/*
 * Typed getters. Each reads map[key]: when absent it leaves *out alone and
 * returns true; when present and well-formed it stores the value and
 * returns true; otherwise it adds an error at the value and returns false.
 */
CG_EXPORT bool cg_cfg_get_str(const struct cg_cfg_node *map, const char *key, const char **out,
			      struct cg_cfg_errors *errs);
CG_EXPORT bool cg_cfg_get_bool(const struct cg_cfg_node *map, const char *key, bool *out,
			       struct cg_cfg_errors *errs);
CG_EXPORT bool cg_cfg_get_uint(const struct cg_cfg_node *map, const char *key, uint64_t min,
			       uint64_t max, uint64_t *out, struct cg_cfg_errors *errs);
/* Times "30", "30s", "5m", "1h", "1d" in seconds. */
CG_EXPORT bool cg_cfg_get_time(const struct cg_cfg_node *map, const char *key, uint64_t *secs,
			       struct cg_cfg_errors *errs);
/* Parses one scalar node as an unsigned number in [min, max]. */
CG_EXPORT bool cg_cfg_uint(const struct cg_cfg_node *node, uint64_t min, uint64_t max,
			   uint64_t *out, struct cg_cfg_errors *errs);
/*
 * A value that may be a scalar or a sequence of scalars, as a list.
 * Returns the count (0 when absent), or -1 after adding an error. *items
 * points at the nodes (freed by the caller with free()).
 */
CG_EXPORT int cg_cfg_get_list(const struct cg_cfg_node *map, const char *key,
			      const struct cg_cfg_node ***items, struct cg_cfg_errors *errs);
/*
 * Reports every key of map not in allowed (NULL-terminated) as
 * "unknown key 'x' in <where> (did you mean 'y'?)". Also reports a
 * non-map node. Returns false when it reported anything.
 */
CG_EXPORT bool cg_cfg_check_keys(const struct cg_cfg_node *map, const char *const *allowed,
				 const char *where, struct cg_cfg_errors *errs);
/* The closest of candidates to word (edit distance <= 2), or NULL. */
CG_EXPORT const char *cg_cfg_did_you_mean(const char *word, const char *const *candidates);

/* Typed sections. */

struct cg_plugin_cfg {
	char *name;
	bool optional; /* a missing .so is an info line, not an error */
	const struct cg_cfg_node *node;
};

struct cg_daemon_cfg {
	struct cg_plugin_cfg *plugins;
	size_t n_plugins;
	char *plugin_dir;       /* NULL: the built-in search path */
	int8_t log_levels[16];  /* per enum cg_subsys; -2 means "use default" */
	int8_t log_default;     /* enum cg_level */
	char *log_file;         /* NULL: stderr in the foreground, syslog otherwise */
	char *control;          /* control socket path */
	uint32_t threads;       /* worker threads; 0 = number of cores */
	uint16_t port;          /* IKE port (500) */
	uint16_t port_nat_t;    /* NAT-T port (4500) */
	char **listen;          /* local addresses to bind; none = all */
	size_t n_listen;
	char *state_file;       /* journal of installed kernel objects */
	uint32_t route_table;   /* routes to the peers' subnets from virtual IPs; 0 = none */
	char *resolv_conf;      /* file that takes received DNS servers */
	char *resolvconf;       /* resolvconf(8) used instead when it exists; NULL = never */
	uint32_t half_open_limit;       /* half-open IKE SAs in all; 0 = no limit */
	uint32_t half_open_per_address; /* half-open IKE SAs per peer IP address; 0 = no limit */
};

enum cg_auth_method {
	CG_AUTH_NONE = 0,
	CG_AUTH_PSK,
	CG_AUTH_PUBKEY,
};

enum cg_send_cert {
	CG_SEND_CERT_IFASKED = 0,
	CG_SEND_CERT_ALWAYS,
	CG_SEND_CERT_NEVER,
};

struct cg_auth_cfg {
	enum cg_auth_method auth;
	struct cg_id id;        /* %any when not given on the remote side */
	bool id_given;
	char **certs;           /* local: our certificates; remote: pinned peer certificates */
	size_t n_certs;
	char **cacerts;         /* remote: trusted CAs */
	size_t n_cacerts;
	char **crls;            /* remote: CRL files */
	size_t n_crls;
	char *key;              /* local: private key file (else found via secrets) */
	enum cg_send_cert send_cert;
	const struct cg_cfg_node *node;
};

enum cg_child_mode {
	CG_CHILD_TUNNEL = 0,
	CG_CHILD_TRANSPORT,
	CG_CHILD_TRANSPORT_PROXY,
};

enum cg_start_action {
	CG_START_NONE = 0,
	CG_START_START,
	CG_START_TRAP,
};

enum cg_close_action {
	CG_CLOSE_NONE = 0,
	CG_CLOSE_TRAP,
	CG_CLOSE_START,
};

/* One selector from the config; "dynamic" stands for the IKE (or virtual) address. */
struct cg_ts_cfg {
	bool dynamic;
	struct cg_ts ts; /* for dynamic: only proto and ports are set */
	const struct cg_cfg_node *node;
};

struct cg_child_cfg {
	char *name;
	enum cg_child_mode mode;
	struct cg_ts_cfg *local_ts;
	size_t n_local_ts;
	struct cg_ts_cfg *remote_ts;
	size_t n_remote_ts;
	struct cg_proposal *esp_proposals;
	size_t n_esp_proposals;
	enum cg_start_action start_action;
	enum cg_close_action close_action;
	enum cg_close_action dpd_action;
	uint64_t rekey_time, life_time, rand_time; /* seconds */
	uint64_t rekey_bytes, life_bytes, rekey_packets, life_packets;
	uint32_t replay_window;
	uint32_t priority;      /* 0: computed */
	bool policies;          /* false: SAs only, another daemon (mip6d) owns the policies */
	uint32_t reqid;         /* fixed reqid (1..CG_REQID_FIXED_MAX); 0: allocated */
	const struct cg_cfg_node *node;
};

/* Largest fixed reqid: af_key's IPSEC_MANUAL_REQID_MAX (setkey's unique:N). */
#define CG_REQID_FIXED_MAX 16383u

enum cg_fragmentation {
	CG_FRAG_YES = 0, /* announce, fragment when needed */
	CG_FRAG_NO,
	CG_FRAG_ACCEPT,  /* announce, never fragment ourselves */
	CG_FRAG_FORCE,   /* fragment even when the peer did not announce support */
};

/* The smallest `fragment_size` accepted (IPv4's minimum reassembly size is 576). */
#define CG_FRAGMENT_SIZE_MIN 512

enum cg_unique {
	CG_UNIQUE_NO = 0,
	CG_UNIQUE_NEVER,
	CG_UNIQUE_REPLACE,
	CG_UNIQUE_KEEP,
};

struct cg_conn_cfg {
	char *name;
	uint8_t version;        /* 0 (any), 1 or 2 */
	char **local_addrs;     /* "%any", addresses, prefixes or DNS names */
	size_t n_local_addrs;
	char **remote_addrs;
	size_t n_remote_addrs;
	uint16_t local_port, remote_port;
	struct cg_proposal *proposals;
	size_t n_proposals;
	struct cg_auth_cfg local, remote;
	struct cg_addr *vips;   /* virtual IPs to request: 0.0.0.0 / :: or fixed */
	size_t n_vips;
	char **pools;           /* pools to assign from (responder) */
	size_t n_pools;
	uint64_t dpd_delay, dpd_timeout;            /* seconds, 0 = off */
	uint64_t rekey_time, reauth_time, over_time, rand_time;
	uint32_t keyingtries;   /* 0 = forever */
	bool encap;             /* force UDP encapsulation */
	bool send_certreq;
	bool mobike;            /* offer and accept MOBIKE (RFC 4555); default true */
	enum cg_fragmentation fragmentation;
	uint16_t fragment_size; /* largest IP datagram of a fragment; 0: 1280 IPv6, 576 IPv4 */
	enum cg_unique unique;
	bool aggressive;        /* IKEv1: Aggressive Mode instead of Main Mode */
	struct cg_child_cfg *children;
	size_t n_children;
	const struct cg_cfg_node *node;
};

enum cg_secret_type {
	CG_SECRET_PSK = 0,
	CG_SECRET_PRIVATE,
};

struct cg_secret_cfg {
	enum cg_secret_type type;
	struct cg_id *ids;      /* PSK: the identities it is shared between */
	size_t n_ids;
	struct cg_chunk secret; /* PSK bytes ("0s" base64 and "0x" hex decoded) */
	char *file;             /* private key file */
	const struct cg_cfg_node *node;
};

struct cg_pool_cfg {
	char *name;
	struct cg_addr first, last; /* the range handed out */
	uint8_t prefixlen;          /* of the configured subnet, for INTERNAL_IP6_ADDRESS */
	struct cg_addr *dns;
	size_t n_dns;
	struct cg_ts *subnets;      /* INTERNAL_IP4/6_SUBNET (split-include) */
	size_t n_subnets;
	const struct cg_cfg_node *node;
};

struct cg_config {
	char *path;                 /* the main file */
	const struct cg_cfg_node *root;
	struct cg_daemon_cfg daemon;
	struct cg_conn_cfg *conns;
	size_t n_conns;
	struct cg_secret_cfg *secrets;
	size_t n_secrets;
	struct cg_pool_cfg *pools;
	size_t n_pools;
};

/*
 * Loads and checks a config file with its includes. On success *ret holds
 * a config with one reference. On failure every error is in errs and
 * -EINVAL is returned (-ENOENT / -EACCES when the main file cannot be read).
 */
CG_EXPORT int cg_config_load(const char *path, struct cg_config **ret, struct cg_cfg_errors *errs);
/* Parses a YAML string as if it were a file of that name (tests, tools). */
CG_EXPORT int cg_config_load_string(const char *text, const char *name, struct cg_config **ret,
				    struct cg_cfg_errors *errs);
CG_EXPORT struct cg_config *cg_config_ref(struct cg_config *cfg);
CG_EXPORT void cg_config_unref(struct cg_config *cfg); /* accepts NULL */
/* A plugin's section (the top-level key named like the plugin), or NULL. */
CG_EXPORT const struct cg_cfg_node *cg_config_section(const struct cg_config *cfg,
						      const char *name);
/* Lookups by name; NULL when absent. */
CG_EXPORT const struct cg_conn_cfg *cg_config_conn(const struct cg_config *cfg, const char *name);
CG_EXPORT const struct cg_child_cfg *cg_config_child(const struct cg_config *cfg,
						     const char *name,
						     const struct cg_conn_cfg **conn);
CG_EXPORT const struct cg_pool_cfg *cg_config_pool(const struct cg_config *cfg, const char *name);

/* The core's current config, with a reference the caller drops. */
CG_EXPORT struct cg_config *cg_core_config(struct cg_core *core);

#ifdef __cplusplus
}
#endif
#endif
