/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The typed sections: a full config read back, the defaults, and wrong values. */
#include <arpa/inet.h>
#include <errno.h>

#include "cfgtest.h"

static const char full[] =
	"daemon:\n"
	"  plugins: [crypto-nettle, {name: ndhole, optional: yes}, kernel-memory]\n"
	"  plugin_dir: /opt/cygnet/plugins\n"
	"  log: { default: warn, knl: debug, ike: 4, file: /var/log/cygnet.log }\n"
	"  control: /run/test/ctl.sock\n"
	"  threads: 3\n"
	"  port: 5000\n"
	"  port_nat_t: 5001\n"
	"  listen: [2001:db8::1, 192.0.2.1]\n"
	"  state_file: state/journal\n"
	"ndhole:\n"
	"  icmpv6: [133, 134]\n"
	"pools:\n"
	"  v6pool: { addrs: \"2001:db8:100::/120\", dns: [\"2001:db8::53\"], subnets: [\"2001:db8:200::/64\"] }\n"
	"  v4pool: { addrs: 203.0.113.0/24, dns: [203.0.113.53, 203.0.113.54] }\n"
	"connections:\n"
	"  moon-sun:\n"
	"    version: 2\n"
	"    local_addrs: [2001:db8::1]\n"
	"    remote_addrs: [2001:db8::2, sun.example.org, 2001:db8:9::/64]\n"
	"    local_port: 4500\n"
	"    remote_port: 4501\n"
	"    proposals: [aes128gcm16-prfsha256-x25519, aes256-sha256-modp2048]\n"
	"    local:  { auth: psk, id: moon }\n"
	"    remote: { auth: psk, id: sun }\n"
	"    dpd_delay: 30s\n"
	"    dpd_timeout: 2m\n"
	"    rekey_time: 2h\n"
	"    reauth_time: 1d\n"
	"    over_time: 10m\n"
	"    rand_time: 5m\n"
	"    keyingtries: 0\n"
	"    encap: yes\n"
	"    send_certreq: no\n"
	"    fragmentation: force\n"
	"    unique: replace\n"
	"    children:\n"
	"      host:\n"
	"        mode: transport\n"
	"        local_ts: [dynamic]\n"
	"        remote_ts: [\"dynamic[gre]\", \"::/0[ipv6-icmp/34816]\"]\n"
	"        esp_proposals: [aes128gcm16-x25519]\n"
	"        start_action: trap\n"
	"        close_action: start\n"
	"        dpd_action: restart\n"
	"        rekey_time: 20m\n"
	"        life_time: 30m\n"
	"        rand_time: 1m\n"
	"        rekey_bytes: 1000000\n"
	"        life_packets: 5000\n"
	"        replay_window: 128\n"
	"        priority: 1000\n"
	"      proxy: { mode: transport_proxy, local_ts: [2001:db8::1/128] }\n"
	"  carol:\n"
	"    local:  { auth: pubkey, certs: [x509/moon.crt], key: private/moon.key, id: \"C=CH, O=Cygnet, CN=moon\", send_cert: always }\n"
	"    remote: { auth: pubkey, cacerts: [/etc/cygnet/x509ca/ca.crt], crls: [ca.crl], certs: [peer.crt] }\n"
	"    vips: [\"0.0.0.0\", \"::\"]\n"
	"    pools: [v6pool, v4pool]\n"
	"secrets:\n"
	"  - { type: psk, ids: [moon, sun], secret: \"0sc2VjcmV0\" }\n"
	"  - { type: psk, ids: carol@example.org, secret: 0x00ff10 }\n"
	"  - { type: psk, secret: plain text }\n"
	"  - { type: private, file: /etc/cygnet/private/moon.key }\n"
	"  - { type: private, file: private/carol.key }\n";

static struct cg_config *load_ok(const char *yaml, const char *name)
{
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg = NULL;
	int err = cg_config_load_string(yaml, name, &cfg, &errs);

	if (err)
		ct_dump(&errs);
	cr_assert_eq(err, 0);
	cg_cfg_errors_free(&errs);
	return cfg;
}

static void assert_addr(const struct cg_addr *a, const char *want)
{
	char buf[CG_ADDR_STRLEN];

	cr_assert_str_eq(cg_addr_str(a, buf, sizeof(buf)), want);
}

static void assert_id(const struct cg_id *id, const char *want)
{
	char buf[CG_ID_STRLEN];

	cr_assert_str_eq(cg_id_str(id, buf, sizeof(buf)), want);
}

static void assert_same_proposal(const struct cg_proposal *a, const struct cg_proposal *b)
{
	cr_assert_eq(a->protocol, b->protocol);
	cr_assert_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		cr_assert_eq(a->t[i].type, b->t[i].type);
		cr_assert_eq(a->t[i].id, b->t[i].id);
		cr_assert_eq(a->t[i].keylen, b->t[i].keylen);
	}
}

Test(sections, daemon_read_back)
{
	struct cg_config *cfg = load_ok(full, "/etc/cygnet/cygnet.yaml");
	const struct cg_daemon_cfg *d = &cfg->daemon;

	cr_assert_eq(d->n_plugins, 3);
	cr_assert_str_eq(d->plugins[0].name, "crypto-nettle");
	cr_assert_not(d->plugins[0].optional);
	cr_assert_str_eq(d->plugins[1].name, "ndhole");
	cr_assert(d->plugins[1].optional);
	cr_assert_eq(cg_cfg_line(d->plugins[1].node), 2);
	cr_assert_eq(cg_cfg_col(d->plugins[1].node), 35, "the node of an entry is its name");
	cr_assert_str_eq(d->plugin_dir, "/opt/cygnet/plugins");
	cr_assert_eq(d->log_default, CG_LVL_WARN);
	cr_assert_eq(d->log_levels[CG_LOG_KNL], CG_LVL_DEBUG);
	cr_assert_eq(d->log_levels[CG_LOG_IKE], CG_LVL_TRACE);
	cr_assert_eq(d->log_levels[CG_LOG_CFG], -2);
	cr_assert_str_eq(d->log_file, "/var/log/cygnet.log");
	cr_assert_str_eq(d->control, "/run/test/ctl.sock");
	cr_assert_eq(d->threads, 3);
	cr_assert_eq(d->port, 5000);
	cr_assert_eq(d->port_nat_t, 5001);
	cr_assert_eq(d->n_listen, 2);
	cr_assert_str_eq(d->listen[1], "192.0.2.1");
	cr_assert_str_eq(d->state_file, "/etc/cygnet/state/journal", "relative to the file");
	cr_assert_str_eq(cfg->path, "/etc/cygnet/cygnet.yaml");
	cr_assert_eq(cg_cfg_count(cg_config_section(cfg, "ndhole")), 1);
	cr_assert_null(cg_config_section(cfg, "kernel-memory"));
	cg_config_unref(cfg);
}

Test(sections, connection_read_back)
{
	struct cg_config *cfg = load_ok(full, "/etc/cygnet/cygnet.yaml");
	const struct cg_conn_cfg *c = cg_config_conn(cfg, "moon-sun");
	char buf[256];

	cr_assert_not_null(c);
	cr_assert_eq(cfg->n_conns, 2);
	cr_assert_eq(c->version, 2);
	cr_assert_eq(c->n_local_addrs, 1);
	cr_assert_str_eq(c->local_addrs[0], "2001:db8::1");
	cr_assert_eq(c->n_remote_addrs, 3);
	cr_assert_str_eq(c->remote_addrs[1], "sun.example.org");
	cr_assert_str_eq(c->remote_addrs[2], "2001:db8:9::/64");
	cr_assert_eq(c->local_port, 4500);
	cr_assert_eq(c->remote_port, 4501);
	cr_assert_eq(c->n_proposals, 2);
	cr_assert_eq(c->proposals[0].protocol, CG_PROTO_IKE);
	cr_assert_eq(cg_proposal_get(&c->proposals[0], CG_TT_ENCR)->id, CG_ENCR_AES_GCM_16);
	cr_assert_eq(cg_proposal_get(&c->proposals[0], CG_TT_PRF)->id, CG_PRF_HMAC_SHA2_256);
	cr_assert_eq(cg_proposal_ke(&c->proposals[0]), CG_KE_CURVE25519);
	cr_assert_eq(cg_proposal_ke(&c->proposals[1]), CG_KE_MODP_2048);
	cr_assert_eq(c->local.auth, CG_AUTH_PSK);
	cr_assert(c->local.id_given);
	assert_id(&c->local.id, "moon");
	assert_id(&c->remote.id, "sun");
	cr_assert_eq(c->dpd_delay, 30);
	cr_assert_eq(c->dpd_timeout, 120);
	cr_assert_eq(c->rekey_time, 7200);
	cr_assert_eq(c->reauth_time, 86400);
	cr_assert_eq(c->over_time, 600);
	cr_assert_eq(c->rand_time, 300);
	cr_assert_eq(c->keyingtries, 0);
	cr_assert(c->encap);
	cr_assert_not(c->send_certreq);
	cr_assert_eq(c->fragmentation, CG_FRAG_FORCE);
	cr_assert_eq(c->unique, CG_UNIQUE_REPLACE);
	cr_assert_eq(c->n_children, 2);
	cr_assert_eq(cg_cfg_line(c->node), 18);
	(void)buf;
	cg_config_unref(cfg);
}

Test(sections, child_read_back)
{
	struct cg_config *cfg = load_ok(full, "test.yaml");
	const struct cg_conn_cfg *conn = NULL;
	const struct cg_child_cfg *ch = cg_config_child(cfg, "host", &conn);
	char buf[CG_TS_STRLEN];

	cr_assert_not_null(ch);
	cr_assert_str_eq(conn->name, "moon-sun");
	cr_assert_eq(ch->mode, CG_CHILD_TRANSPORT);
	cr_assert_eq(ch->n_local_ts, 1);
	cr_assert(ch->local_ts[0].dynamic);
	cr_assert_eq(ch->local_ts[0].ts.proto, CG_PROTO_ANY);
	cr_assert_eq(ch->local_ts[0].ts.from_port, 0);
	cr_assert_eq(ch->local_ts[0].ts.to_port, 65535);
	cr_assert_eq(ch->n_remote_ts, 2);
	cr_assert(ch->remote_ts[0].dynamic);
	cr_assert_eq(ch->remote_ts[0].ts.proto, CG_PROTO_GRE);
	cr_assert_eq(ch->remote_ts[0].ts.family, AF_UNSPEC);
	cr_assert_not(ch->remote_ts[1].dynamic);
	cr_assert_eq(ch->remote_ts[1].ts.proto, CG_PROTO_ICMPV6);
	cr_assert_eq(ch->remote_ts[1].ts.from_port, 34816);
	cr_assert_eq(ch->remote_ts[1].ts.to_port, 34816);
	cr_assert_str_eq(cg_ts_str(&ch->remote_ts[1].ts, buf, sizeof(buf)), "::/0[ipv6-icmp/34816]");
	cr_assert_eq(cg_cfg_line(ch->remote_ts[1].node), 41);
	cr_assert_eq(cg_cfg_col(ch->remote_ts[1].node), 37);
	cr_assert_eq(ch->n_esp_proposals, 1);
	cr_assert_eq(ch->esp_proposals[0].protocol, CG_PROTO_ESP);
	cr_assert_eq(cg_proposal_get(&ch->esp_proposals[0], CG_TT_ENCR)->id, CG_ENCR_AES_GCM_16);
	cr_assert_eq(ch->start_action, CG_START_TRAP);
	cr_assert_eq(ch->close_action, CG_CLOSE_START);
	cr_assert_eq(ch->dpd_action, CG_CLOSE_START);
	cr_assert_eq(ch->rekey_time, 1200);
	cr_assert_eq(ch->life_time, 1800);
	cr_assert_eq(ch->rand_time, 60);
	cr_assert_eq(ch->rekey_bytes, 1000000);
	cr_assert_eq(ch->life_bytes, 1100000, "10%% above rekey_bytes when not given");
	cr_assert_eq(ch->rekey_packets, 0);
	cr_assert_eq(ch->life_packets, 5000);
	cr_assert_eq(ch->replay_window, 128);
	cr_assert_eq(ch->priority, 1000);

	ch = cg_config_child(cfg, "proxy", NULL);
	cr_assert_eq(ch->mode, CG_CHILD_TRANSPORT_PROXY);
	cr_assert_not(ch->local_ts[0].dynamic);
	cr_assert_str_eq(cg_ts_str(&ch->local_ts[0].ts, buf, sizeof(buf)), "2001:db8::1/128");
	cr_assert(ch->remote_ts[0].dynamic, "remote_ts defaults to dynamic");
	cr_assert_null(cg_config_child(cfg, "nope", NULL));
	cg_config_unref(cfg);
}

Test(sections, certificate_auth_vips_and_pools)
{
	struct cg_config *cfg = load_ok(full, "/etc/cygnet/cygnet.yaml");
	const struct cg_conn_cfg *c = cg_config_conn(cfg, "carol");
	const struct cg_pool_cfg *p;

	cr_assert_eq(c->local.auth, CG_AUTH_PUBKEY);
	cr_assert_eq(c->local.n_certs, 1);
	cr_assert_str_eq(c->local.certs[0], "/etc/cygnet/x509/moon.crt");
	cr_assert_str_eq(c->local.key, "/etc/cygnet/private/moon.key");
	cr_assert_eq(c->local.send_cert, CG_SEND_CERT_ALWAYS);
	cr_assert_eq(c->local.id.type, CG_ID_DER_ASN1_DN);
	cr_assert_eq(c->remote.auth, CG_AUTH_PUBKEY);
	cr_assert_str_eq(c->remote.cacerts[0], "/etc/cygnet/x509ca/ca.crt");
	cr_assert_str_eq(c->remote.crls[0], "/etc/cygnet/ca.crl");
	cr_assert_str_eq(c->remote.certs[0], "/etc/cygnet/peer.crt");
	cr_assert_not(c->remote.id_given);
	cr_assert_eq(c->remote.id.type, CG_ID_ANY);
	cr_assert_eq(c->n_vips, 2);
	assert_addr(&c->vips[0], "0.0.0.0");
	assert_addr(&c->vips[1], "::");
	cr_assert_eq(c->n_pools, 2);
	cr_assert_str_eq(c->pools[1], "v4pool");

	p = cg_config_pool(cfg, "v6pool");
	cr_assert_not_null(p);
	assert_addr(&p->first, "2001:db8:100::1");
	assert_addr(&p->last, "2001:db8:100::ff");
	cr_assert_eq(p->prefixlen, 120);
	cr_assert_eq(p->n_dns, 1);
	assert_addr(&p->dns[0], "2001:db8::53");
	cr_assert_eq(p->n_subnets, 1);
	p = cg_config_pool(cfg, "v4pool");
	assert_addr(&p->first, "203.0.113.1");
	assert_addr(&p->last, "203.0.113.254");
	cr_assert_eq(p->prefixlen, 24);
	cr_assert_eq(p->n_dns, 2);
	cr_assert_null(cg_config_pool(cfg, "nope"));
	cg_config_unref(cfg);
}

Test(sections, secrets_read_back)
{
	struct cg_config *cfg = load_ok(full, "/etc/cygnet/cygnet.yaml");
	const struct cg_secret_cfg *s = cfg->secrets;

	cr_assert_eq(cfg->n_secrets, 5);
	cr_assert_eq(s[0].type, CG_SECRET_PSK);
	cr_assert_eq(s[0].n_ids, 2);
	assert_id(&s[0].ids[1], "sun");
	cr_assert_eq(s[0].secret.len, 6);
	cr_assert_eq(memcmp(s[0].secret.ptr, "secret", 6), 0);
	cr_assert_eq(s[1].n_ids, 1);
	cr_assert_eq(s[1].ids[0].type, CG_ID_RFC822_ADDR);
	cr_assert_eq(s[1].secret.len, 3);
	cr_assert_eq(memcmp(s[1].secret.ptr, "\x00\xff\x10", 3), 0);
	cr_assert_eq(s[2].n_ids, 0);
	cr_assert_eq(s[2].secret.len, 10);
	cr_assert_eq(memcmp(s[2].secret.ptr, "plain text", 10), 0);
	cr_assert_eq(s[3].type, CG_SECRET_PRIVATE);
	cr_assert_str_eq(s[3].file, "/etc/cygnet/private/moon.key");
	cr_assert_str_eq(s[4].file, "/etc/cygnet/private/carol.key");
	cr_assert_eq(cg_cfg_line(s[4].node), 64);
	cr_assert_eq(cg_cfg_col(s[4].node), 5);
	cg_config_unref(cfg);
}

Test(sections, defaults_are_what_strongswan_users_expect)
{
	struct cg_config *cfg = load_ok("connections:\n"
					"  c:\n"
					"    local: { auth: psk }\n"
					"    remote: { auth: psk }\n"
					"    children: { net: {} }\n", "test.yaml");
	const struct cg_daemon_cfg *d = &cfg->daemon;
	const struct cg_conn_cfg *c = cg_config_conn(cfg, "c");
	const struct cg_child_cfg *ch = &c->children[0];
	struct cg_proposal def;
	const char *why;

	cr_assert_eq(d->n_plugins, 0);
	cr_assert_null(d->plugin_dir);
	cr_assert_eq(d->log_default, CG_LVL_INFO);
	for (size_t i = 0; i < CG_ARRAY_SIZE(d->log_levels); i++)
		cr_assert_eq(d->log_levels[i], -2);
	cr_assert_null(d->log_file);
	cr_assert_str_eq(d->control, "/run/cygnet/cygnetd.sock");
	cr_assert_eq(d->threads, 0);
	cr_assert_eq(d->port, 500);
	cr_assert_eq(d->port_nat_t, 4500);
	cr_assert_eq(d->n_listen, 0);
	cr_assert_str_eq(d->state_file, "/run/cygnet/kernel.journal");
	cr_assert_eq(d->route_table, 220);
	cr_assert_str_eq(d->resolv_conf, "/etc/resolv.conf");
	cr_assert_str_eq(d->resolvconf, "/sbin/resolvconf");
	cr_assert_eq(d->half_open_limit, 2000);
	cr_assert_eq(d->half_open_per_address, 20);

	cr_assert_eq(c->version, 0);
	cr_assert_eq(c->n_local_addrs, 1);
	cr_assert_str_eq(c->local_addrs[0], "%any");
	cr_assert_str_eq(c->remote_addrs[0], "%any");
	cr_assert_eq(c->local_port, 500);
	cr_assert_eq(c->remote_port, 500);
	cr_assert_eq(c->n_proposals, 1);
	cr_assert_eq(cg_proposal_parse("default", CG_PROTO_IKE, &def, &why), 0);
	assert_same_proposal(&c->proposals[0], &def);
	cr_assert_not(c->local.id_given);
	cr_assert_eq(c->local.id.type, CG_ID_ANY);
	cr_assert_eq(c->local.send_cert, CG_SEND_CERT_IFASKED);
	cr_assert_eq(c->dpd_delay, 0);
	cr_assert_eq(c->dpd_timeout, 0);
	cr_assert_eq(c->rekey_time, 4 * 3600);
	cr_assert_eq(c->reauth_time, 0);
	cr_assert_eq(c->over_time, 1440);
	cr_assert_eq(c->rand_time, 1440);
	cr_assert_eq(c->keyingtries, 1);
	cr_assert_not(c->encap);
	cr_assert(c->send_certreq);
	cr_assert_eq(c->fragmentation, CG_FRAG_YES);
	cr_assert_eq(c->fragment_size, 0);
	cr_assert_eq(c->unique, CG_UNIQUE_NO);
	cr_assert_not(c->aggressive);
	cr_assert_eq(c->n_vips, 0);
	cr_assert_eq(c->n_pools, 0);

	cr_assert_eq(ch->mode, CG_CHILD_TUNNEL);
	cr_assert_eq(ch->n_local_ts, 1);
	cr_assert(ch->local_ts[0].dynamic);
	cr_assert(ch->remote_ts[0].dynamic);
	cr_assert_eq(ch->n_esp_proposals, 1);
	cr_assert_eq(cg_proposal_parse("default", CG_PROTO_ESP, &def, &why), 0);
	assert_same_proposal(&ch->esp_proposals[0], &def);
	cr_assert_eq(ch->start_action, CG_START_NONE);
	cr_assert_eq(ch->close_action, CG_CLOSE_NONE);
	cr_assert_eq(ch->dpd_action, CG_CLOSE_NONE);
	cr_assert_eq(ch->rekey_time, 3600);
	cr_assert_eq(ch->life_time, 3960);
	cr_assert_eq(ch->rand_time, 360);
	cr_assert_eq(ch->rekey_bytes, 0);
	cr_assert_eq(ch->life_bytes, 0);
	cr_assert_eq(ch->replay_window, 32);
	cr_assert_eq(ch->priority, 0);
	cg_config_unref(cfg);
}

Test(sections, config_is_refcounted)
{
	struct cg_config *cfg = load_ok(full, "test.yaml");

	cr_assert_eq(cg_config_ref(cfg), cfg);
	cg_config_unref(cfg);
	cr_assert_str_eq(cfg->conns[0].name, "moon-sun", "still alive with one reference");
	cg_config_unref(cfg);
	cr_assert_null(cg_config_ref(NULL));
}

Test(sections, unknown_sections)
{
	ct_assert_load_error("conections: {}\n",
			     "test.yaml:1:1: unknown section 'conections' (did you mean "
			     "'connections'?)");
	ct_assert_load_error("daemon: { plugins: [ndhole] }\nndhol: {}\n",
			     "test.yaml:2:1: unknown section 'ndhol' (did you mean 'ndhole'?)");
	ct_assert_load_error("mobility: {}\n",
			     "test.yaml:1:1: unknown section 'mobility': not a core section (daemon, "
			     "connections, secrets, pools) and no plugin of that name is in "
			     "daemon.plugins");
}

Test(sections, unknown_keys_everywhere)
{
	ct_assert_load_error("connections:\n  c:\n    remote_addr: [x]\n",
			     "test.yaml:3:5: unknown key 'remote_addr' in connections.c (did you "
			     "mean 'remote_addrs'?)");
	ct_assert_load_error("connections:\n  c:\n    local: { auht: psk }\n",
			     "test.yaml:3:14: unknown key 'auht' in connections.c.local (did you "
			     "mean 'auth'?)");
	ct_assert_load_error("connections:\n  c:\n    remote: { auth: psk, key: k }\n",
			     "test.yaml:3:26: unknown key 'key' in connections.c.remote");
	ct_assert_load_error("connections:\n  c:\n    children:\n      n: { remote_tss: [] }\n",
			     "test.yaml:4:12: unknown key 'remote_tss' in connections.c.children.n "
			     "(did you mean 'remote_ts'?)");
	ct_assert_load_error("pools:\n  p: { addrs: 192.0.2.0/24, dnss: [] }\n",
			     "test.yaml:2:29: unknown key 'dnss' in pools.p (did you mean 'dns'?)");
	ct_assert_load_error("secrets:\n  - { type: psk, secrets: x }\n",
			     "test.yaml:2:18: unknown key 'secrets' in a secret (did you mean "
			     "'secret'?)");
	ct_assert_load_error("daemon:\n  log: { kernel: debug }\n",
			     "test.yaml:2:10: unknown key 'kernel' in daemon.log");
	ct_assert_load_error("daemon:\n  log: { ikee: debug }\n",
			     "test.yaml:2:10: unknown key 'ikee' in daemon.log (did you mean 'ike'?)");
}

Test(sections, wrong_types_and_values)
{
	ct_assert_load_error("daemon: [a]\n", "test.yaml:1:9: daemon must be a map of keys, not a list");
	ct_assert_load_error("daemon:\n  plugins: ike2\n",
			     "test.yaml:2:12: 'plugins' must be a list, e.g. [crypto-nettle, "
			     "kernel-netlink, ike2]");
	ct_assert_load_error("daemon:\n  plugins: [../../tmp/evil]\n",
			     "test.yaml:2:13: '../../tmp/evil' is not a plugin name (letters, digits, "
			     "'-' and '_')");
	ct_assert_load_error("daemon:\n  plugins: [{ optional: yes }]\n",
			     "test.yaml:2:13: a plugin entry needs a name: { name: NAME, optional: yes }");
	ct_assert_load_error("daemon:\n  log: loud\n",
			     "test.yaml:2:8: a log level is silent, error, warn, info, debug or trace "
			     "(or -1 to 4), not 'loud'");
	ct_assert_load_error("daemon:\n  port: 0\n",
			     "test.yaml:2:9: 'port' must be a number from 1 to 65535, not '0'");
	ct_assert_load_error("daemon:\n  port_nat_t: 500\n",
			     "test.yaml:2:15: 'port' and 'port_nat_t' must differ (both are 500)");
	ct_assert_load_error("daemon:\n  route_table: 254\n",
			     "test.yaml:2:16: route_table 254 is one of the kernel's own tables (253 "
			     "default, 254 main, 255 local): pick another, e.g. 220, or 0 for no routes");
	ct_assert_load_error("daemon:\n  route_table: -1\n",
			     "test.yaml:2:16: 'route_table' must be a number from 0 to 4294967295, "
			     "not '-1'");
	ct_assert_load_error("daemon:\n  half_open_per_address: -1\n",
			     "test.yaml:2:26: 'half_open_per_address' must be a number from 0 to "
			     "1000000, not '-1'");
	ct_assert_load_error("daemon:\n  resolv_conf: \"\"\n",
			     "test.yaml:2:16: resolv_conf needs a file name, e.g. /etc/resolv.conf");
	ct_assert_load_error("daemon:\n  listen: [eth0]\n",
			     "test.yaml:2:12: 'eth0' is not an IP address");
	ct_assert_load_error("connections: [a]\n",
			     "test.yaml:1:14: 'connections' must be a map of connection names, e.g. "
			     "connections: { moon-sun: { remote_addrs: [2001:db8::2], ... } }");
	ct_assert_load_error("secrets: { a: b }\n",
			     "test.yaml:1:10: 'secrets' must be a list, e.g. - { type: psk, ids: "
			     "[moon, sun], secret: ... }");
	ct_assert_load_error("pools: [a]\n",
			     "test.yaml:1:8: 'pools' must be a map of pool names, e.g. pools: { "
			     "v6pool: { addrs: 2001:db8:100::/120 } }");
}

#define PSK "    local: { auth: psk }\n    remote: { auth: psk }\n"

Test(sections, wrong_connection_values)
{
	ct_assert_load_error("connections:\n  c:\n    version: 3\n" PSK,
			     "test.yaml:3:14: 'version' must be a number from 0 to 2, not '3'");
	ct_assert_load_error("connections:\n  c:\n    aggressive: yes\n" PSK,
			     "test.yaml:3:17: 'aggressive' is an IKEv1 key: it needs version: 1");
	ct_assert_load_error("connections:\n  c:\n    remote_addrs: [\"bad address!\"]\n" PSK,
			     "test.yaml:3:20: 'bad address!' is not an address, prefix, range, DNS "
			     "name or %any");
	ct_assert_load_error("connections:\n  c:\n    proposals: [aes128-nosuchprf]\n" PSK,
			     "test.yaml:3:17: 'aes128-nosuchprf' is not an IKE proposal: "
			     "unknown algorithm 'nosuchprf'");
	ct_assert_load_error("connections:\n  c:\n    local: { auth: cert }\n"
			     "    remote: { auth: psk }\n",
			     "test.yaml:3:20: 'auth' must be pubkey or psk, not 'cert'");
	ct_assert_load_error("connections:\n  c:\n    local: { auth: psk, id: \"\" }\n"
			     "    remote: { auth: psk }\n",
			     "test.yaml:3:29: '' is not an identity (e.g. moon.example, @moon, "
			     "user@example.org, 2001:db8::1, \"C=CH, CN=moon\")");
	ct_assert_load_error("connections:\n  c:\n    vips: [\"%any\"]\n" PSK,
			     "test.yaml:3:12: '%any' is not a virtual IP: use 0.0.0.0 or :: to ask "
			     "for any address, or a fixed one");
	ct_assert_load_error("pools: { v6pool: { addrs: 192.0.2.0/24 } }\n"
			     "connections:\n  c:\n    pools: [v6poll]\n" PSK,
			     "test.yaml:4:13: unknown pool 'v6poll' (did you mean 'v6pool'?)");
	ct_assert_load_error("connections:\n  c:\n    keyingtries: -1\n" PSK,
			     "test.yaml:3:18: 'keyingtries' must be a number from 0 to 4294967295, "
			     "not '-1'");
	ct_assert_load_error("connections:\n  c:\n    fragmentation: maybe\n" PSK,
			     "test.yaml:3:20: 'fragmentation' must be yes, no, accept or force, not "
			     "'maybe'");
	ct_assert_load_error("connections:\n  c:\n    fragment_size: 100\n" PSK,
			     "test.yaml:3:20: 'fragment_size' must be a number from 512 to 65535, "
			     "not '100'");
	ct_assert_load_error("connections:\n  c:\n    rekey_time: 10m\n    rand_time: 10m\n" PSK,
			     "test.yaml:4:16: 'rand_time' must be less than 'rekey_time'");
	ct_assert_load_error("connections:\n  c:\n    children: [a]\n" PSK,
			     "test.yaml:3:15: 'children' must be a map of child names, e.g. children: "
			     "{ net: { remote_ts: [198.51.100.0/24] } }");
}

Test(sections, aggressive_read_back)
{
	struct cg_config *cfg = load_ok("connections:\n  c:\n    version: 1\n    aggressive: yes\n"
					PSK, "c");

	cr_assert(cg_config_conn(cfg, "c")->aggressive);
	cg_config_unref(cfg);
}

Test(sections, fragment_size_read_back)
{
	struct cg_config *cfg = load_ok("connections:\n  c:\n    fragment_size: 1400\n" PSK, "c");

	cr_assert_eq(cg_config_conn(cfg, "c")->fragment_size, 1400);
	cg_config_unref(cfg);
}

Test(sections, wrong_child_values)
{
	ct_assert_load_error("connections:\n  c:\n" PSK "    children:\n"
			     "      n: { local_ts: [192.0.2.0/33] }\n",
			     "test.yaml:6:23: '192.0.2.0/33' is not a traffic selector (dynamic, "
			     "198.51.100.0/24, 2001:db8::/64[tcp/443], ...): bad prefix length");
	ct_assert_load_error("connections:\n  c:\n" PSK "    children:\n"
			     "      n: { start_action: trapp }\n",
			     "test.yaml:6:26: 'start_action' must be none, start or trap, not 'trapp' "
			     "(did you mean 'trap'?)");
	ct_assert_load_error("connections:\n  c:\n" PSK "    children:\n"
			     "      n: { dpd_action: hold }\n",
			     "test.yaml:6:24: 'dpd_action' must be none, clear, trap, start or restart, "
			     "not 'hold'");
	ct_assert_load_error("connections:\n  c:\n" PSK "    children:\n"
			     "      n: { close_action: [trap] }\n",
			     "test.yaml:6:26: 'close_action' must be a single value, not a list");
	ct_assert_load_error("connections:\n  c:\n" PSK "    children:\n"
			     "      n: { rekey_time: 1h, life_time: 1h }\n",
			     "test.yaml:6:39: 'life_time' (3600) must be more than 'rekey_time' (3600)");
	ct_assert_load_error("connections:\n  c:\n" PSK "    children:\n"
			     "      n: { esp_proposals: [aes128gcm16-sha256] }\n",
			     "test.yaml:6:28: 'aes128gcm16-sha256' is not an ESP proposal: an AEAD "
			     "cipher takes no integrity algorithm");
}

Test(sections, pubkey_needs_certificates)
{
	ct_assert_load_error("connections:\n  c:\n    local: { id: moon }\n"
			     "    remote: { cacerts: [ca.crt] }\n",
			     "test.yaml:3:12: connections.c.local: auth is pubkey (the default) but no "
			     "'certs' are given; add certs: [FILE] or use auth: psk");
	ct_assert_load_error("connections:\n  c:\n    local: { certs: [a.crt] }\n",
			     "test.yaml:3:5: connections.c.remote: auth is pubkey (the default) but "
			     "neither 'cacerts' (trusted CAs) nor 'certs' (the peer's certificates) are "
			     "given; add one or use auth: psk");
}

Test(sections, child_names_are_unique)
{
	ct_assert_load_error("connections:\n"
			     "  a:\n" PSK "    children: { net: {} }\n"
			     "  b:\n" PSK "    children: { net: {} }\n",
			     "test.yaml:9:22: child 'net' is also defined in connection 'a' (line 5): "
			     "child names must be unique");
}

Test(sections, wrong_secrets)
{
	ct_assert_load_error("secrets:\n  - psk\n", "test.yaml:2:5: a secret is a map such as { "
			     "type: psk, ids: [moon, sun], secret: ... }");
	ct_assert_load_error("secrets:\n  - { ids: [a] }\n",
			     "test.yaml:2:5: a secret needs 'type' (psk or private)");
	ct_assert_load_error("secrets:\n  - { type: pks }\n",
			     "test.yaml:2:13: 'type' must be psk or private, not 'pks' (did you mean "
			     "'psk'?)");
	ct_assert_load_error("secrets:\n  - { type: psk, ids: [a] }\n",
			     "test.yaml:2:5: a psk needs 'secret' (text, 0x<hex> or 0s<base64>)");
	ct_assert_load_error("secrets:\n  - { type: psk, secret: 0sno*base64 }\n",
			     "test.yaml:2:26: 'secret' is not valid base64 after 0s");
	ct_assert_load_error("secrets:\n  - { type: psk, secret: 0xabc }\n",
			     "test.yaml:2:26: 'secret' is not valid hex after 0x");
	ct_assert_load_error("secrets:\n  - { type: psk, secret: \"\" }\n",
			     "test.yaml:2:26: 'secret' is empty");
	ct_assert_load_error("secrets:\n  - { type: private, file: k.pem, secret: x }\n",
			     "test.yaml:2:43: 'secret' is for type: psk; a private key has 'file' "
			     "(matched to a certificate by its public key)");
	ct_assert_load_error("secrets:\n  - { type: private }\n",
			     "test.yaml:2:5: a private key needs 'file'");
	ct_assert_load_error("secrets:\n  - { type: psk, secret: x, ids: [\"\"] }\n",
			     "test.yaml:2:35: '' is not an identity");
}

Test(sections, pool_ranges)
{
	struct cg_config *cfg = load_ok("pools:\n"
					"  r: { addrs: 203.0.113.1-203.0.113.2 }\n"
					"  one: { addrs: 198.51.100.7 }\n"
					"  p31: { addrs: 192.0.2.0/31 }\n"
					"  v6: { addrs: \"2001:db8:100::/126\" }\n", "test.yaml");
	const struct cg_pool_cfg *p = cg_config_pool(cfg, "r");

	assert_addr(&p->first, "203.0.113.1");
	assert_addr(&p->last, "203.0.113.2");
	cr_assert_eq(p->prefixlen, 32);
	p = cg_config_pool(cfg, "one");
	assert_addr(&p->first, "198.51.100.7");
	assert_addr(&p->last, "198.51.100.7");
	p = cg_config_pool(cfg, "p31");
	assert_addr(&p->first, "192.0.2.0");
	assert_addr(&p->last, "192.0.2.1");
	cr_assert_eq(p->prefixlen, 31);
	p = cg_config_pool(cfg, "v6");
	assert_addr(&p->first, "2001:db8:100::1");
	assert_addr(&p->last, "2001:db8:100::3");
	cr_assert_eq(p->prefixlen, 126);
	cg_config_unref(cfg);

	ct_assert_load_error("pools:\n  p: { addrs: \"192.0.2.0/24[tcp]\" }\n",
			     "test.yaml:2:15: 'addrs' must be a prefix such as 203.0.113.0/24 or a "
			     "range such as 203.0.113.1-203.0.113.9, not '192.0.2.0/24[tcp]'");
	ct_assert_load_error("pools:\n  p: { dns: [192.0.2.53] }\n",
			     "test.yaml:2:6: pool 'p' needs 'addrs' (a prefix such as "
			     "203.0.113.0/24 or a range such as 203.0.113.1-203.0.113.9)");
	ct_assert_load_error("pools:\n  p: { addrs: 192.0.2.0/24, dns: [dns.example] }\n",
			     "test.yaml:2:35: 'dns.example' is not an IP address (dns lists DNS "
			     "servers)");
}

Test(sections, route_table_and_resolver)
{
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg;

	cr_assert_eq(cg_config_load_string("daemon:\n"
					   "  route_table: 1000\n"
					   "  resolv_conf: resolv.test\n"
					   "  resolvconf: \"\"\n",
					   "/etc/cygnet/cygnet.yaml", &cfg, &errs), 0);
	cr_assert_eq(cfg->daemon.route_table, 1000);
	cr_assert_str_eq(cfg->daemon.resolv_conf, "/etc/cygnet/resolv.test", "relative to the file");
	cr_assert_null(cfg->daemon.resolvconf, "\"\" turns resolvconf off");
	cg_config_unref(cfg);
	cr_assert_eq(cg_config_load_string("daemon: { route_table: 0 }\n", "t.yaml", &cfg, &errs), 0);
	cr_assert_eq(cfg->daemon.route_table, 0, "0: no routes");
	cg_config_unref(cfg);
	cg_cfg_errors_free(&errs);
}

Test(sections, fixed_reqids_are_unique_and_in_range)
{
	ct_assert_load_error("connections:\n"
			     "  a:\n" PSK "    children: { mh: { reqid: 1, policies: no } }\n"
			     "  b:\n" PSK "    children: { net: { reqid: 1 } }\n",
			     "test.yaml:9:31: reqid 1 is also fixed for child 'mh' (line 5): each "
			     "child needs its own");
	ct_assert_load_error("connections:\n  c:\n" PSK "    children: { n: { reqid: 16384 } }\n",
			     "test.yaml:5:29: 'reqid' must be a number from 1 to 16383, not '16384'");
	ct_assert_load_error("connections:\n  c:\n" PSK "    children: { n: { reqid: 0 } }\n",
			     "test.yaml:5:29: 'reqid' must be a number from 1 to 16383, not '0'");
}
