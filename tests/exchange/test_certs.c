/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 with certificates between two cores: RFC 7427 signatures with
 * ECDSA P-256, RSA-2048 and Ed25519 keys, the classic methods when the peer
 * does not announce SIGNATURE_HASH_ALGORITHMS, CERT/CERTREQ and send_cert,
 * pinned certificates, DN identities, and the refusals: unknown CA, an
 * identity the certificate does not hold, expired and revoked certificates,
 * and the responder's choice between a PSK and a certificate connection.
 * Keys and certificates are made with the GnuTLS API in a temporary directory.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exnet.h"
#include "pki_fixture.h"

#define N_SIGNATURE_HASH_ALGORITHMS 16431
#define PL_CERTREQ 38

/* One side's credentials and wishes. */
struct cert_conf {
	const char *local_id;     /* NULL: not configured (the certificate's subject) */
	const char *remote_id;    /* NULL: %any */
	const char *cert, *key;   /* local */
	const char *cacert;       /* remote, NULL: none */
	const char *pinned;       /* remote.certs, NULL: none */
	const char *crl;          /* remote.crls */
	const char *send_cert;    /* NULL: the default (ifasked) */
	const char *conn_extra;   /* more connection keys */
};

static char *cert_yaml(int side, const struct cert_conf *c)
{
	const char *me = side ? "2001:db8::2" : "2001:db8::1";
	const char *peer = side ? "2001:db8::1" : "2001:db8::2";
	char *local_id = NULL, *remote_opts = NULL, *yaml = NULL;

	if (asprintf(&local_id, c->local_id ? ", id: \"%s\"" : "%s", c->local_id ? c->local_id : "") < 0 ||
	    asprintf(&remote_opts, "%s%s%s%s%s%s%s%s%s", c->remote_id ? ", id: \"" : "",
		     c->remote_id ? c->remote_id : "", c->remote_id ? "\"" : "",
		     c->cacert ? ", cacerts: [" : "", c->cacert ? c->cacert : "",
		     c->cacert ? "]" : "", c->pinned ? ", certs: [" : "",
		     c->pinned ? c->pinned : "", c->pinned ? "]" : "") < 0 ||
	    asprintf(&yaml,
		     "daemon:\n"
		     "  plugins: [crypto-nettle, pki-gnutls, kernel-memory, ike2]\n"
		     "connections:\n"
		     "  net:\n"
		     "    local_addrs: [%s]\n"
		     "    remote_addrs: [%s]\n"
		     "    proposals: [aes128gcm16-prfsha256-x25519]\n"
		     "    local: { auth: pubkey%s, certs: [%s], key: %s%s%s }\n"
		     "    remote: { auth: pubkey%s%s%s%s }\n"
		     "%s"
		     "    children:\n"
		     "      net:\n"
		     "        local_ts: [%s]\n"
		     "        remote_ts: [%s]\n"
		     "        esp_proposals: [aes128gcm16]\n",
		     me, peer, local_id, c->cert, c->key, c->send_cert ? ", send_cert: " : "",
		     c->send_cert ? c->send_cert : "", remote_opts, c->crl ? ", crls: [" : "",
		     c->crl ? c->crl : "", c->crl ? "]" : "", c->conn_extra ? c->conn_extra : "",
		     side ? "2001:db8:2::/64" : "2001:db8:1::/64",
		     side ? "2001:db8:1::/64" : "2001:db8:2::/64") < 0)
		abort();
	free(local_id);
	free(remote_opts);
	return yaml;
}

/* A CA and one end entity per side, all written to files. */
struct pki {
	gnutls_x509_privkey_t ca_key, key[2];
	gnutls_x509_crt_t ca, crt[2];
	char *ca_path, *cert_path[2], *key_path[2];
};

static struct pki pki;

/* Everything a test makes with the fixture, freed by stop() so LeakSanitizer stays quiet. */
enum owned_kind { OWN_KEY, OWN_CRT, OWN_CRL, OWN_STR };
static struct {
	enum owned_kind kind[128];
	void *ptr[128];
	size_t n;
} owned;

static void *own(enum owned_kind kind, void *ptr)
{
	cr_assert_lt(owned.n, 128);
	owned.kind[owned.n] = kind;
	owned.ptr[owned.n++] = ptr;
	return ptr;
}

#define own_key(k) ((gnutls_x509_privkey_t)own(OWN_KEY, (k)))
#define own_crt(c) ((gnutls_x509_crt_t)own(OWN_CRT, (c)))
#define own_crl(c) ((gnutls_x509_crl_t)own(OWN_CRL, (c)))
#define own_str(s) ((char *)own(OWN_STR, (s)))

static void free_owned(void)
{
	for (size_t i = 0; i < owned.n; i++) {
		switch (owned.kind[i]) {
		case OWN_KEY:
			gnutls_x509_privkey_deinit(owned.ptr[i]);
			break;
		case OWN_CRT:
			gnutls_x509_crt_deinit(owned.ptr[i]);
			break;
		case OWN_CRL:
			gnutls_x509_crl_deinit(owned.ptr[i]);
			break;
		case OWN_STR:
			free(owned.ptr[i]);
			break;
		}
	}
	owned.n = 0;
	memset(&pki, 0, sizeof(pki));
}
static struct ex_net net;
static struct tl_logcap cap[2];
static uint32_t ike_up[2];
static struct cg_bus_sub *subs[2];

static const char *const side_name[2] = { "left", "right" };

/* An end entity for side, with SAN name.example and DN CN=name,O=cygnet,C=CH. */
static void make_end(int side, enum pf_key_kind kind, time_t not_before, time_t not_after)
{
	char dn[64], dns[64], file[64];
	struct pf_cert_opts o = {
		.dn = dn, .dns = dns, .serial = 10 + (unsigned)side,
		.not_before = not_before, .not_after = not_after,
	};

	snprintf(dn, sizeof(dn), "CN=%s,O=cygnet,C=CH", side_name[side]);
	snprintf(dns, sizeof(dns), "%s.example", side_name[side]);
	pki.key[side] = own_key(pf_key(kind));
	pki.crt[side] = own_crt(pf_cert(&o, pki.key[side], pki.ca, pki.ca_key));
	snprintf(file, sizeof(file), "%s.pem", side_name[side]);
	pki.cert_path[side] = own_str(pf_write_cert(file, pki.crt[side], GNUTLS_X509_FMT_PEM));
	snprintf(file, sizeof(file), "%s.key", side_name[side]);
	pki.key_path[side] = own_str(pf_write_key(file, pki.key[side], GNUTLS_X509_FMT_PEM, true));
}

static void make_pki(enum pf_key_kind left, enum pf_key_kind right)
{
	struct pf_cert_opts ca = { .dn = "CN=cygnet test CA,O=cygnet,C=CH", .ca = true, .serial = 1 };

	pki.ca_key = own_key(pf_key(PF_P256));
	pki.ca = own_crt(pf_cert(&ca, pki.ca_key, NULL, NULL));
	pki.ca_path = own_str(pf_write_cert("ca.pem", pki.ca, GNUTLS_X509_FMT_PEM));
	make_end(EX_LEFT, left, 0, 0);
	make_end(EX_RIGHT, right, 0, 0);
}

/* The usual config of a side: FQDN identities, the test CA trusted. */
static struct cert_conf conf(int side)
{
	static char ids[2][32];

	for (int i = 0; i < 2; i++)
		snprintf(ids[i], sizeof(ids[i]), "%s.example", side_name[i]);
	return (struct cert_conf){
		.local_id = ids[side], .remote_id = ids[!side],
		.cert = pki.cert_path[side], .key = pki.key_path[side], .cacert = pki.ca_path,
	};
}

static void on_event(void *ctx, const struct cg_event *ev)
{
	if (ev->type == CG_EV_IKE_UP)
		(*(uint32_t *)ctx)++;
}

/* Starts both sides with these configs (freed here), counting IKE SAs coming up. */
static void start_yaml(char *ly, char *ry)
{
	ex_start(&net, ly, ry);
	free(ly);
	free(ry);
	memset(ike_up, 0, sizeof(ike_up));
	for (int i = 0; i < 2; i++) {
		tl_logcap_start(&cap[i], net.core[i], CG_LVL_DEBUG);
		cr_assert_eq(cg_bus_subscribe(net.core[i], CG_EV_BIT(CG_EV_IKE_UP), CG_BUS_SYNC, on_event,
					      &ike_up[i], &subs[i]), 0);
	}
}

static void start(const struct cert_conf *l, const struct cert_conf *r)
{
	start_yaml(cert_yaml(EX_LEFT, l), cert_yaml(EX_RIGHT, r));
}

static void stop(void)
{
	for (int i = 0; i < 2; i++) {
		if (net.core[i])
			cg_bus_unsubscribe(net.core[i], subs[i]);
		tl_logcap_stop(&cap[i]);
	}
	ex_stop(&net);
	free_owned();
	pf_cleanup();
}

static void initiate(int side)
{
	free(ex_ctl(&net, side, "initiate --child net"));
}

static void assert_established(void)
{
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ike_up[i], 1, "%s: IKE SA not up", side_name[i]);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 1);
	}
}

/* The responder refused the initiator: AUTHENTICATION_FAILED, no SA left anywhere. */
static void assert_refused(int initiator, const char *why)
{
	int responder = !initiator;

	cr_assert_eq(ike_up[EX_LEFT] + ike_up[EX_RIGHT], 0, "an IKE SA came up");
	cr_assert_geq(tl_logcap_count(&cap[responder], why), 1, "responder did not say '%s'", why);
	cr_assert_eq(tl_logcap_count(&cap[initiator], "AUTHENTICATION_FAILED"), 1);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 0);
}

/* The payload types of a plain (IKE_SA_INIT) message include type. */
static bool has_payload(const struct ex_pkt *p, uint8_t type)
{
	uint8_t next = p->len >= 28 ? p->data[16] : 0;
	size_t off = 28;

	while (next && off + 4 <= p->len) {
		size_t plen = (size_t)p->data[off + 2] << 8 | p->data[off + 3];

		if (next == type)
			return true;
		if (plen < 4)
			return false;
		next = p->data[off];
		off += plen;
	}
	return false;
}

static const struct ex_pkt *init_msg(int from)
{
	for (size_t i = 0; i < net.n_log; i++)
		if (net.log[i].from == from && ex_exchange(&net.log[i]) == 34)
			return &net.log[i];
	cr_assert_fail("no IKE_SA_INIT from %s", side_name[from]);
	return NULL;
}

TestSuite(certs, .fini = stop, .timeout = 120);

Test(certs, ecdsa_p256_rfc7427_both_roles)
{
	struct cert_conf l, r;
	uint8_t hashes[64];
	size_t len = 0;

	make_pki(PF_P256, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	start(&l, &r);
	initiate(EX_LEFT);
	assert_established();
	for (int i = 0; i < 2; i++)
		cr_assert_eq(tl_logcap_count(&cap[i], "' with ECDSA-SHA256 (AUTH method 14)"), 1);
	/* Both IKE_SA_INIT messages announce SHA2-256, -384, -512 and Identity. */
	for (int i = 0; i < 2; i++) {
		cr_assert(ex_has_notify(init_msg(i), N_SIGNATURE_HASH_ALGORITHMS, hashes, &len));
		cr_assert_eq(len, 8);
		cr_assert_arr_eq(hashes, ((uint8_t[]){ 0, 2, 0, 3, 0, 4, 0, 5 }), 8);
	}
	/* The responder asks for certificates from our CA in IKE_SA_INIT. */
	cr_assert(has_payload(init_msg(EX_RIGHT), PL_CERTREQ));
	cr_assert_not(has_payload(init_msg(EX_LEFT), PL_CERTREQ));

	/* And the other way round on a fresh pair of daemons. */
	stop();
	make_pki(PF_P256, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	start(&l, &r);
	initiate(EX_RIGHT);
	assert_established();
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "' with ECDSA-SHA256 (AUTH method 14)"), 1);
}

Test(certs, rsa2048_pkcs1_sha256)
{
	struct cert_conf l, r;

	make_pki(PF_RSA2048, PF_RSA2048);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	start(&l, &r);
	initiate(EX_LEFT);
	assert_established();
	for (int i = 0; i < 2; i++)
		cr_assert_eq(tl_logcap_count(&cap[i], "' with RSA-PKCS1-SHA256 (AUTH method 14)"), 1);
}

Test(certs, ed25519_and_mixed_key_types)
{
	struct cert_conf l, r;

	make_pki(PF_ED25519, PF_RSA2048);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	start(&l, &r);
	initiate(EX_LEFT);
	assert_established();
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "' with Ed25519 (AUTH method 14)"), 1);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "' with RSA-PKCS1-SHA256 (AUTH method 14)"), 1);
}

Test(certs, dn_identities_from_the_certificate)
{
	struct cert_conf l, r;

	make_pki(PF_P256, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	/* Left names no identity: it sends its subject DN; right expects it by pattern. */
	l.local_id = NULL;
	l.remote_id = "C=CH, O=cygnet, CN=right";
	r.local_id = "C=CH, O=cygnet, CN=right";
	r.remote_id = "C=CH, O=cygnet, CN=*";
	start(&l, &r);
	initiate(EX_LEFT);
	assert_established();
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "C=CH, O=cygnet, CN=left"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "C=CH, O=cygnet, CN=right"), 1);
	}
}

Test(certs, unknown_ca_is_refused)
{
	struct pf_cert_opts other = { .dn = "CN=other CA,O=elsewhere,C=CH", .ca = true, .serial = 2 };
	gnutls_x509_privkey_t key;
	struct cert_conf l, r;

	make_pki(PF_P256, PF_P256);
	key = own_key(pf_key(PF_P256));
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	r.cacert = own_str(pf_write_cert("other.pem", own_crt(pf_cert(&other, key, NULL, NULL)),
					 GNUTLS_X509_FMT_PEM));
	start(&l, &r);
	initiate(EX_LEFT);
	assert_refused(EX_LEFT, "no trusted CA issued the certificate");
	/* The initiator never learns anything about the responder's credentials. */
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "peer authenticated"), 0);
}

Test(certs, initiator_refuses_a_responder_from_an_unknown_ca)
{
	struct pf_cert_opts other = { .dn = "CN=other CA,O=elsewhere,C=CH", .ca = true, .serial = 2 };
	struct cert_conf l, r;

	make_pki(PF_P256, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	l.cacert = own_str(pf_write_cert("other.pem",
					 own_crt(pf_cert(&other, own_key(pf_key(PF_P256)), NULL, NULL)),
					 GNUTLS_X509_FMT_PEM));
	start(&l, &r);
	initiate(EX_LEFT);
	cr_assert_eq(ike_up[EX_LEFT], 0);
	cr_assert_geq(tl_logcap_count(&cap[EX_LEFT], "no trusted CA issued the certificate"), 1);
	cr_assert_eq(ex_ctl_count(&net, EX_LEFT, "list-sas", "ESTABLISHED"), 0);
	/* The responder hears about it in an INFORMATIONAL of the initiator's. */
	cr_assert_eq(ex_count(&net, EX_LEFT, 37, false), 1);
	cr_assert_eq(ex_count(&net, EX_RIGHT, 37, true), 1);
}

Test(certs, identity_not_in_the_certificate)
{
	struct cert_conf l, r;

	make_pki(PF_P256, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	l.local_id = "intruder.example";
	r.remote_id = NULL;
	start(&l, &r);
	initiate(EX_LEFT);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "is not in certificate"), 1);
	assert_refused(EX_LEFT, "the certificate does not contain the peer's identity");
}

Test(certs, expired_certificate)
{
	struct cert_conf l, r;
	time_t now = time(NULL);

	make_pki(PF_P256, PF_P256);
	make_end(EX_LEFT, PF_P256, now - 30 * 86400, now - 86400);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	start(&l, &r);
	initiate(EX_LEFT);
	assert_refused(EX_LEFT, "certificate expired");
}

Test(certs, revoked_certificate)
{
	struct cert_conf l, r;

	make_pki(PF_P256, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	r.crl = own_str(pf_write_crl("ca.crl",
				     own_crl(pf_crl(pki.ca, pki.ca_key, &pki.crt[EX_LEFT], 1)),
				     GNUTLS_X509_FMT_PEM));
	start(&l, &r);
	initiate(EX_LEFT);
	assert_refused(EX_LEFT, "certificate revoked");
}

Test(certs, crl_without_our_peer_still_accepts)
{
	struct cert_conf l, r;

	make_pki(PF_P256, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	r.crl = own_str(pf_write_crl("ca.crl",
				     own_crl(pf_crl(pki.ca, pki.ca_key, &pki.crt[EX_RIGHT], 1)),
				     GNUTLS_X509_FMT_PEM));
	start(&l, &r);
	initiate(EX_LEFT);
	assert_established();
}

Test(certs, send_cert_ifasked_follows_certreq)
{
	struct cert_conf l, r;

	make_pki(PF_P256, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	/* Right asks for nothing, so left (ifasked) sends no certificate. */
	r.conn_extra = "    send_certreq: no\n";
	start(&l, &r);
	initiate(EX_LEFT);
	cr_assert_not(has_payload(init_msg(EX_RIGHT), PL_CERTREQ));
	assert_refused(EX_LEFT, "none sent");
}

Test(certs, pinned_certificate_without_cert_payload)
{
	struct cert_conf l, r;

	make_pki(PF_P256, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	l.send_cert = "never";
	r.cacert = NULL;
	r.pinned = pki.cert_path[EX_LEFT];
	start(&l, &r);
	initiate(EX_LEFT);
	assert_established();
}

Test(certs, pinned_certificate_mismatch)
{
	struct cert_conf l, r;

	make_pki(PF_P256, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	l.send_cert = "always";
	r.cacert = NULL;
	r.pinned = pki.cert_path[EX_RIGHT];
	start(&l, &r);
	initiate(EX_LEFT);
	assert_refused(EX_LEFT, "the peer's certificate is not a pinned one");
}

/*
 * Hides the responder's SIGNATURE_HASH_ALGORITHMS from the initiator by
 * renaming it (a private status type, same length). The initiator then signs
 * with a classic method, which the responder verifies. The responder's own
 * AUTH covers the message as it sent it, so the initiator cannot verify it
 * afterwards: only the first direction is checked here.
 */
static enum ex_action hide_hash_notify(struct ex_net *n, struct ex_pkt *p, void *ctx)
{
	uint8_t next = p->len >= 28 ? p->data[16] : 0;
	size_t off = 28;

	(void)n;
	(void)ctx;
	if (p->from != EX_RIGHT || ex_exchange(p) != 34)
		return EX_DELIVER;
	while (next && off + 8 <= p->len) {
		size_t plen = (size_t)p->data[off + 2] << 8 | p->data[off + 3];

		if (next == 41 && p->data[off + 6] == (N_SIGNATURE_HASH_ALGORITHMS >> 8) &&
		    p->data[off + 7] == (N_SIGNATURE_HASH_ALGORITHMS & 0xff)) {
			p->data[off + 6] = 0xa0; /* 40960: private use */
			p->data[off + 7] = 0x00;
		}
		if (plen < 4)
			break;
		next = p->data[off];
		off += plen;
	}
	return EX_DELIVER;
}

static void classic(enum pf_key_kind kind, const char *scheme, unsigned method)
{
	struct cert_conf l, r;
	char line[128];

	make_pki(kind, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	start(&l, &r);
	net.filter = hide_hash_notify;
	initiate(EX_LEFT);
	snprintf(line, sizeof(line), "signed with %s (AUTH method %u)", scheme, method);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], line), 1, "left did not log '%s'", line);
	snprintf(line, sizeof(line), "' with %s (AUTH method %u)", scheme, method);
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], line), 1, "right did not log '%s'", line);
	cr_assert_eq(ike_up[EX_RIGHT], 1);
}

Test(certs, classic_ecdsa_method_9_without_hash_notify)
{
	classic(PF_P256, "ECDSA-SHA256 (raw)", 9);
}

Test(certs, classic_rsa_method_1_without_hash_notify)
{
	classic(PF_RSA2048, "RSA-PKCS1-SHA1", 1);
}

Test(certs, ed25519_needs_rfc7427)
{
	struct cert_conf l, r;

	make_pki(PF_ED25519, PF_P256);
	l = conf(EX_LEFT);
	r = conf(EX_RIGHT);
	start(&l, &r);
	net.filter = hide_hash_notify;
	initiate(EX_LEFT);
	cr_assert_eq(tl_logcap_count(&cap[EX_LEFT], "no signature scheme for a"), 1);
	cr_assert_eq(ike_up[EX_LEFT] + ike_up[EX_RIGHT], 0);
}

Test(certs, psk_peer_refused_when_pubkey_wanted)
{
	struct cert_conf l, r;
	char *ly, *ry, *psk_left;

	make_pki(PF_P256, PF_P256);
	r = conf(EX_RIGHT);
	l = conf(EX_LEFT);
	ly = cert_yaml(EX_LEFT, &l);
	/* Left authenticates with a pre-shared key instead of its certificate. */
	psk_left = strstr(ly, "auth: pubkey");
	cr_assert_not_null(psk_left);
	memcpy(psk_left, "auth: psk   ", 12);
	cr_assert(asprintf(&psk_left, "%ssecrets:\n  - { type: psk, secret: \"not a cert\" }\n",
			   ly) > 0);
	ry = cert_yaml(EX_RIGHT, &r);
	ex_start(&net, psk_left, ry);
	free(ly);
	free(ry);
	free(psk_left);
	for (int i = 0; i < 2; i++) {
		tl_logcap_start(&cap[i], net.core[i], CG_LVL_DEBUG);
		cr_assert_eq(cg_bus_subscribe(net.core[i], CG_EV_BIT(CG_EV_IKE_UP), CG_BUS_SYNC, on_event,
					      &ike_up[i], &subs[i]), 0);
	}
	initiate(EX_LEFT);
	assert_refused(EX_LEFT, "the connection wants pubkey");
}

/*
 * Two connections between the same addresses that differ in their IKE
 * proposals and in authentication. The responder (right) lists "cert"
 * first and names the peer exactly only there, so neither the first
 * connection by address nor the best one by identity alone is "psk".
 */
static char *two_conns_yaml(int side)
{
	const char *me = side ? "2001:db8::2" : "2001:db8::1";
	const char *peer = side ? "2001:db8::1" : "2001:db8::2";
	const char *my_id = side ? "right.example" : "left.example";
	const char *peer_id = side ? "left.example" : "right.example";
	char *yaml = NULL;

	if (asprintf(&yaml,
		     "daemon:\n"
		     "  plugins: [crypto-nettle, pki-gnutls, kernel-memory, ike2]\n"
		     "connections:\n"
		     "  cert:\n"
		     "    local_addrs: [%s]\n"
		     "    remote_addrs: [%s]\n"
		     "    proposals: [aes256-sha384-ecp384]\n"
		     "    local: { auth: pubkey, certs: [%s], key: %s, id: %s }\n"
		     "    remote: { auth: pubkey, cacerts: [%s], id: %s }\n"
		     "    children:\n"
		     "      cert-net:\n"
		     "        local_ts: [%s]\n"
		     "        remote_ts: [%s]\n"
		     "        esp_proposals: [aes128gcm16]\n"
		     "  psk:\n"
		     "    local_addrs: [%s]\n"
		     "    remote_addrs: [%s]\n"
		     "    proposals: [aes128-sha256-x25519]\n"
		     "    local: { auth: psk, id: %s }\n"
		     "    remote: { auth: psk, id: \"%s\" }\n"
		     "    children:\n"
		     "      psk-net:\n"
		     "        local_ts: [%s]\n"
		     "        remote_ts: [%s]\n"
		     "        esp_proposals: [aes128gcm16]\n"
		     "secrets:\n"
		     "  - { type: psk, ids: [left.example, right.example], secret: \"a shared secret\" }\n",
		     me, peer, pki.cert_path[side], pki.key_path[side], my_id, pki.ca_path, peer_id,
		     side ? "2001:db8:12::/64" : "2001:db8:11::/64",
		     side ? "2001:db8:11::/64" : "2001:db8:12::/64", me, peer, my_id,
		     side ? "%any" : peer_id, side ? "2001:db8:2::/64" : "2001:db8:1::/64",
		     side ? "2001:db8:1::/64" : "2001:db8:2::/64") < 0)
		abort();
	return yaml;
}

Test(certs, responder_chooses_among_connections_by_proposal_then_identity)
{
	make_pki(PF_P256, PF_P256);
	start_yaml(two_conns_yaml(EX_LEFT), two_conns_yaml(EX_RIGHT));
	ex_ctl_ok(&net, EX_LEFT, "initiate --child psk-net");
	ex_ctl_ok(&net, EX_LEFT, "initiate --child cert-net");
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(ike_up[i], 2, "%s: not both IKE SAs up", side_name[i]);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "ESTABLISHED"), 2);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "name: psk\n"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "name: cert\n"), 1);
		cr_assert_eq(ex_ctl_count(&net, i, "list-sas", "INSTALLED"), 2);
	}
	cr_assert_eq(tl_logcap_count(&cap[EX_RIGHT], "NO_PROPOSAL_CHOSEN"), 0);
}
