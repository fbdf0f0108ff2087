/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Crypto throughput through the plugins against the libraries called
 * directly, in one run. Rates are per second of this thread's CPU time;
 * each pair is measured in alternating rounds and the best round of each
 * side counts, so a busy machine penalises both sides alike. The ratio is plugin / direct: 1.00 means the plugin layer
 * costs nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <gmp.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <nettle/curve25519.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/gcm.h>

#include <cygnet/cygnet.h>

#define ROUNDS 7
#define ROUND_SECONDS 0.08
#define GCM_BUF 4096

/* CPU time of this thread: other processes on a busy machine do not count against a round. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_crypto: %s failed (%d)\n", what, err);
	exit(1);
}

static void rnd(void *p, size_t len)
{
	if (getrandom(p, len, 0) != (ssize_t)len)
		die("getrandom", errno);
}

typedef void (*op_fn)(void *arg);

/* Operations per second over one round. */
static double run_round(op_fn fn, void *arg)
{
	double t0 = now_s(), t;
	long n = 0;

	do {
		fn(arg);
		n++;
		t = now_s();
	} while (t - t0 < ROUND_SECONDS);
	return (double)n / (t - t0);
}

static void compare(const char *name, const char *unit, double scale, op_fn plugin, void *parg,
		    op_fn direct, void *darg)
{
	double best_p = 0, best_d = 0;

	for (int r = 0; r < ROUNDS; r++) {
		double p = run_round(plugin, parg), d = run_round(direct, darg);

		best_p = p > best_p ? p : best_p;
		best_d = d > best_d ? d : best_d;
	}
	printf("%-24s %12.1f %-5s %12.1f %-5s %6.2f\n", name, best_p * scale, unit, best_d * scale,
	       unit, best_p / best_d);
}

/* --- key exchange --- */

struct ke_arg {
	const struct cg_ke_alg *alg;
	uint8_t peer[512];
};

/* One full exchange: fresh key, public value, secret with the peer's value. */
static void plugin_ke(void *arg)
{
	struct ke_arg *a = arg;
	uint8_t buf[512];
	void *ctx;

	if (a->alg->create(a->alg, &ctx) || a->alg->get_public(ctx, buf) ||
	    a->alg->set_peer(ctx, a->peer, a->alg->public_size) || a->alg->get_shared(ctx, buf))
		die(a->alg->name, -1);
	a->alg->destroy(ctx);
}

static void ke_arg_init(struct ke_arg *a, struct cg_core *core, uint16_t id)
{
	void *ctx;

	a->alg = cg_crypto_ke(core, id);
	if (!a->alg || a->alg->create(a->alg, &ctx) || a->alg->get_public(ctx, a->peer))
		die("key exchange setup", id);
	a->alg->destroy(ctx);
}

static void direct_x25519(void *arg)
{
	const struct ke_arg *a = arg;
	uint8_t priv[32], pub[32], shared[32];

	rnd(priv, sizeof(priv));
	curve25519_mul_g(pub, priv);
	curve25519_mul(shared, priv, a->peer);
}

static void direct_ecp256(void *arg)
{
	const struct ke_arg *a = arg;
	const struct ecc_curve *curve = nettle_get_secp_256r1();
	struct ecc_scalar s;
	struct ecc_point pub, peer, shared;
	uint8_t priv[32];
	mpz_t x, y;

	ecc_scalar_init(&s, curve);
	ecc_point_init(&pub, curve);
	ecc_point_init(&peer, curve);
	ecc_point_init(&shared, curve);
	mpz_inits(x, y, NULL);
	do {
		rnd(priv, sizeof(priv));
		mpz_import(x, 32, 1, 1, 1, 0, priv);
	} while (!ecc_scalar_set(&s, x));
	ecc_point_mul_g(&pub, &s);
	ecc_point_get(&pub, x, y);
	mpz_import(x, 32, 1, 1, 1, 0, a->peer);
	mpz_import(y, 32, 1, 1, 1, 0, a->peer + 32);
	if (!ecc_point_set(&peer, x, y))
		die("ecc_point_set", 0);
	ecc_point_mul(&shared, &s, &peer);
	ecc_point_get(&shared, x, y);
	mpz_clears(x, y, NULL);
	ecc_point_clear(&shared);
	ecc_point_clear(&peer);
	ecc_point_clear(&pub);
	ecc_scalar_clear(&s);
}

struct modp_direct {
	mpz_t p, g, peer;
};

/* The same work as the plugin: a 320-bit exponent, two constant-time powers. */
static void direct_modp2048(void *arg)
{
	struct modp_direct *m = arg;
	uint8_t priv[40];
	mpz_t x, r;

	mpz_inits(x, r, NULL);
	rnd(priv, sizeof(priv));
	mpz_import(x, sizeof(priv), 1, 1, 1, 0, priv);
	mpz_setbit(x, 319);
	mpz_powm_sec(r, m->g, x, m->p);
	mpz_powm_sec(r, m->peer, x, m->p);
	mpz_clears(x, r, NULL);
}

/* --- signatures --- */

struct sig_arg {
	struct cg_privkey *key;
	struct cg_cert *cert;
	enum cg_sig_scheme scheme;
	gnutls_privkey_t gkey;
	gnutls_pubkey_t gpub;
	gnutls_sign_algorithm_t algo;
	struct cg_chunk sig;
	uint8_t data[256];
};

static void plugin_sign(void *arg)
{
	struct sig_arg *a = arg;
	struct cg_chunk sig;

	if (cg_privkey_sign(a->key, a->scheme, CG_CHUNK(a->data, sizeof(a->data)), &sig))
		die("cg_privkey_sign", 0);
	cg_chunk_free(&sig);
}

static void plugin_verify(void *arg)
{
	struct sig_arg *a = arg;

	if (cg_cert_verify(a->cert, a->scheme, CG_CHUNK(a->data, sizeof(a->data)), a->sig))
		die("cg_cert_verify", 0);
}

static void direct_sign(void *arg)
{
	struct sig_arg *a = arg;
	gnutls_datum_t d = { a->data, sizeof(a->data) }, sig;

	if (gnutls_privkey_sign_data2(a->gkey, a->algo, 0, &d, &sig) < 0)
		die("gnutls_privkey_sign_data2", 0);
	gnutls_free(sig.data);
}

static void direct_verify(void *arg)
{
	struct sig_arg *a = arg;
	gnutls_datum_t d = { a->data, sizeof(a->data) }, sig = { a->sig.ptr, (unsigned)a->sig.len };

	if (gnutls_pubkey_verify_data2(a->gpub, a->algo, 0, &d, &sig) < 0)
		die("gnutls_pubkey_verify_data2", 0);
}

static char *write_file(const char *dir, const char *name, gnutls_datum_t d)
{
	char *path;
	FILE *f;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		die("asprintf", 0);
	f = fopen(path, "wb");
	if (!f || fwrite(d.data, 1, d.size, f) != d.size)
		die(path, errno);
	fclose(f);
	gnutls_free(d.data);
	return path;
}

/* A key and a self-signed certificate, as files the plugin loads and handles GnuTLS uses. */
static void sig_arg_init(struct sig_arg *a, struct cg_core *core, const char *dir,
			 gnutls_pk_algorithm_t pk, unsigned bits, enum cg_sig_scheme scheme,
			 gnutls_sign_algorithm_t algo)
{
	gnutls_x509_privkey_t xkey;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	char *kpath, *cpath, name[32];
	const char *err;
	time_t now = time(NULL);

	memset(a, 0, sizeof(*a));
	rnd(a->data, sizeof(a->data));
	a->scheme = scheme;
	a->algo = algo;
	if (gnutls_x509_privkey_init(&xkey) < 0 || gnutls_x509_privkey_generate(xkey, pk, bits, 0) < 0 ||
	    gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, "\x01", 1) < 0 ||
	    gnutls_x509_crt_set_dn(crt, "CN=bench", &err) < 0 || gnutls_x509_crt_set_key(crt, xkey) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 60) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 86400) < 0 ||
	    gnutls_x509_crt_sign2(crt, crt, xkey,
				  pk == GNUTLS_PK_EDDSA_ED25519 ? GNUTLS_DIG_UNKNOWN : GNUTLS_DIG_SHA256, 0) < 0)
		die("certificate generation", pk);
	if (gnutls_x509_privkey_export2_pkcs8(xkey, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &d) < 0)
		die("key export", pk);
	/* The core caches credentials by path: one name per key. */
	snprintf(name, sizeof(name), "key-%d.pem", (int)pk);
	kpath = write_file(dir, name, d);
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) < 0)
		die("certificate export", pk);
	snprintf(name, sizeof(name), "cert-%d.pem", (int)pk);
	cpath = write_file(dir, name, d);
	if (cg_privkey_load(core, kpath, &a->key) || cg_cert_load(core, cpath, &a->cert))
		die("loading through the plugin", pk);
	if (gnutls_privkey_init(&a->gkey) < 0 ||
	    gnutls_privkey_import_x509(a->gkey, xkey, GNUTLS_PRIVKEY_IMPORT_COPY) < 0 ||
	    gnutls_pubkey_init(&a->gpub) < 0 || gnutls_pubkey_import_x509(a->gpub, crt, 0) < 0)
		die("GnuTLS key import", pk);
	if (cg_privkey_sign(a->key, scheme, CG_CHUNK(a->data, sizeof(a->data)), &a->sig))
		die("first signature", pk);
	unlink(kpath);
	unlink(cpath);
	free(kpath);
	free(cpath);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(xkey);
}

static void sig_arg_free(struct sig_arg *a)
{
	cg_chunk_free(&a->sig);
	cg_privkey_unref(a->key);
	cg_cert_unref(a->cert);
	gnutls_privkey_deinit(a->gkey);
	gnutls_pubkey_deinit(a->gpub);
}

static void bench_sig(struct cg_core *core, const char *dir, const char *name,
		      gnutls_pk_algorithm_t pk, unsigned bits, enum cg_sig_scheme scheme,
		      gnutls_sign_algorithm_t algo)
{
	struct sig_arg a;
	char label[64];

	sig_arg_init(&a, core, dir, pk, bits, scheme, algo);
	snprintf(label, sizeof(label), "%s sign", name);
	compare(label, "op/s", 1, plugin_sign, &a, direct_sign, &a);
	snprintf(label, sizeof(label), "%s verify", name);
	compare(label, "op/s", 1, plugin_verify, &a, direct_verify, &a);
	sig_arg_free(&a);
}

/* --- AES-GCM --- */

struct gcm_plugin {
	const struct cg_encr_alg *alg;
	void *ctx;
	uint8_t iv[8], icv[16], buf[GCM_BUF], aad[28];
};

static void plugin_gcm(void *arg)
{
	struct gcm_plugin *g = arg;

	g->iv[7]++;
	g->alg->encrypt(g->ctx, g->iv, g->aad, sizeof(g->aad), g->buf, sizeof(g->buf), g->icv);
}

struct gcm_direct {
	struct gcm_aes128_ctx ctx;
	uint8_t nonce[12], icv[16], buf[GCM_BUF], aad[28];
};

static void direct_gcm(void *arg)
{
	struct gcm_direct *g = arg;

	g->nonce[11]++;
	gcm_aes128_set_iv(&g->ctx, sizeof(g->nonce), g->nonce);
	gcm_aes128_update(&g->ctx, sizeof(g->aad), g->aad);
	gcm_aes128_encrypt(&g->ctx, sizeof(g->buf), g->buf, g->buf);
	gcm_aes128_digest(&g->ctx, sizeof(g->icv), g->icv);
}

static void bench_gcm(struct cg_core *core)
{
	static struct gcm_plugin p;
	static struct gcm_direct d;
	uint8_t key[20];

	rnd(key, sizeof(key));
	p.alg = cg_crypto_encr(core, CG_ENCR_AES_GCM_16, 128);
	if (!p.alg || p.alg->create(p.alg, key, &p.ctx))
		die("AES-GCM setup", 0);
	gcm_aes128_set_key(&d.ctx, key);
	memcpy(d.nonce, key + 16, 4);
	compare("AES-GCM-128 (4 KiB)", "MB/s", GCM_BUF / 1e6, plugin_gcm, &p, direct_gcm, &d);
	p.alg->destroy(p.ctx);
}

static struct cg_core *core_start(const char *plugin_dir)
{
	struct cg_core_opts opts = {
		.name = "bench", .manual = true, .no_sockets = true, .no_rtnetlink = true,
		.no_control = true, .foreground = true, .plugin_dir = plugin_dir, .state_file = "",
	};
	struct cg_cfg_errors errs = { 0 };
	struct cg_config *cfg = NULL;
	struct cg_core *core = NULL;

	if (cg_config_load_string("daemon: { plugins: [crypto-nettle, pki-gnutls], log: { default: error } }\n",
				  "bench.yaml", &cfg, &errs) ||
	    cg_core_create(&opts, cfg, &core) || cg_core_start(core, &errs)) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.lines[i]);
		die("core start", 0);
	}
	cg_cfg_errors_free(&errs);
	return core;
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/cygnet-bench-XXXXXX";
	struct cg_core *core;
	struct ke_arg x25519, ecp256, modp;
	struct modp_direct md;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_crypto PLUGIN_DIR\n");
		return 2;
	}
	if (!mkdtemp(dir))
		die("mkdtemp", errno);
	core = core_start(argv[1]);
	printf("%-24s %18s %18s %6s   (per CPU second)\n", "operation", "plugin", "direct", "ratio");

	ke_arg_init(&x25519, core, CG_KE_CURVE25519);
	compare("X25519 DH", "op/s", 1, plugin_ke, &x25519, direct_x25519, &x25519);
	ke_arg_init(&ecp256, core, CG_KE_ECP_256);
	compare("ECP-256 DH", "op/s", 1, plugin_ke, &ecp256, direct_ecp256, &ecp256);
	ke_arg_init(&modp, core, CG_KE_MODP_2048);
	mpz_init_set_str(md.p,
			 "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
			 "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
			 "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
			 "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
			 "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
			 "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
			 "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
			 "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF",
			 16);
	mpz_init_set_ui(md.g, 2);
	mpz_init(md.peer);
	mpz_import(md.peer, 256, 1, 1, 1, 0, modp.peer);
	compare("MODP-2048 DH", "op/s", 1, plugin_ke, &modp, direct_modp2048, &md);
	mpz_clears(md.p, md.g, md.peer, NULL);

	bench_sig(core, dir, "ECDSA-256", GNUTLS_PK_ECDSA,
		  GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), CG_SIG_ECDSA_SHA256,
		  GNUTLS_SIGN_ECDSA_SHA256);
	bench_sig(core, dir, "Ed25519", GNUTLS_PK_EDDSA_ED25519, 256, CG_SIG_ED25519,
		  GNUTLS_SIGN_EDDSA_ED25519);
	bench_sig(core, dir, "RSA-2048", GNUTLS_PK_RSA, 2048, CG_SIG_RSA_PKCS1_SHA256,
		  GNUTLS_SIGN_RSA_SHA256);
	bench_gcm(core);

	cg_core_destroy(core);
	rmdir(dir);
	return 0;
}
