/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configurations for the two sides of exchange tests. */
#ifndef EXCONF_H
#define EXCONF_H

#include <stdio.h>
#include <stdlib.h>

struct ex_conf {
	const char *proposals;    /* IKE proposals, YAML list body */
	const char *esp;          /* ESP proposals */
	const char *mode;         /* tunnel | transport */
	const char *local_ts, *remote_ts;
	const char *start_action;
	const char *psk;
	const char *remote_id;
	const char *conn_extra;   /* more connection keys, e.g. "    dpd_delay: 30\n" */
	const char *child_extra;  /* more child keys, e.g. "        reqid: 7\n" */
};

/* A side's config: left is 2001:db8::1 ("left"), right 2001:db8::2 ("right"). */
/*
 * Not inlined: at -O2, GCC 12 takes the string asprintf made for a pointer
 * into this function's frame once inlined (-Wdangling-pointer).
 */
__attribute__((noinline, unused)) static char *ex_yaml(int side, const struct ex_conf *c)
{
	const char *me = side ? "2001:db8::2" : "2001:db8::1";
	const char *peer = side ? "2001:db8::1" : "2001:db8::2";
	const char *my_id = side ? "right" : "left";
	const char *peer_id = side ? "left" : "right";
	char *yaml = NULL;

	if (asprintf(&yaml,
		     "daemon:\n"
		     "  plugins: [crypto-nettle, kernel-memory, ike2]\n"
		     "connections:\n"
		     "  net:\n"
		     "    local_addrs: [%s]\n"
		     "    remote_addrs: [%s]\n"
		     "    proposals: [%s]\n"
		     "    local: { auth: psk, id: %s }\n"
		     "    remote: { auth: psk, id: %s }\n"
		     "%s"
		     "    children:\n"
		     "      net:\n"
		     "        mode: %s\n"
		     "        local_ts: [%s]\n"
		     "        remote_ts: [%s]\n"
		     "        esp_proposals: [%s]\n"
		     "        start_action: %s\n"
		     "%s"
		     "secrets:\n"
		     "  - { type: psk, ids: [%s, %s], secret: \"%s\" }\n",
		     me, peer, c->proposals ? c->proposals : "aes128gcm16-prfsha256-x25519",
		     my_id, c->remote_id ? c->remote_id : peer_id, c->conn_extra ? c->conn_extra : "",
		     c->mode ? c->mode : "tunnel",
		     c->local_ts ? c->local_ts : (side ? "2001:db8:2::/64" : "2001:db8:1::/64"),
		     c->remote_ts ? c->remote_ts : (side ? "2001:db8:1::/64" : "2001:db8:2::/64"),
		     c->esp ? c->esp : "aes128gcm16", c->start_action ? c->start_action : "none",
		     c->child_extra ? c->child_extra : "",
		     my_id, peer_id, c->psk ? c->psk : "a shared secret") < 0)
		abort();
	return yaml;
}

#endif
