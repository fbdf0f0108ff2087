/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RFC 3526 groups: each prime is rebuilt from its definition,
 * p = 2^N - 2^(N-64) - 1 + 2^64 * ([2^(N-130) pi] + k), with pi from
 * Machin's formula, and must be a safe prime; then MODP exchanges agree
 * with a plain GMP computation and refuse the degenerate public values.
 */
#include "cn_test.h"

/* floor(pi * 2^bits), with 64 guard bits against truncation in the series. */
static void pi_fixed(mpz_t out, unsigned bits)
{
	const unsigned g = bits + 64;
	const unsigned long xs[2] = { 5, 239 };
	mpz_t at[2], term, q;

	mpz_inits(at[0], at[1], term, q, NULL);
	for (int j = 0; j < 2; j++) {
		unsigned long x = xs[j], n = 1;
		bool add = true;

		/* arctan(1/x) * 2^g = sum (-1)^k 2^g / (x^(2k+1) (2k+1)) */
		mpz_set_ui(term, 1);
		mpz_mul_2exp(term, term, g);
		mpz_tdiv_q_ui(term, term, x);
		while (mpz_sgn(term)) {
			mpz_tdiv_q_ui(q, term, n);
			if (add)
				mpz_add(at[j], at[j], q);
			else
				mpz_sub(at[j], at[j], q);
			add = !add;
			n += 2;
			mpz_tdiv_q_ui(term, term, x * x);
		}
	}
	/* pi = 16 arctan(1/5) - 4 arctan(1/239) */
	mpz_mul_ui(out, at[0], 16);
	mpz_submul_ui(out, at[1], 4);
	mpz_tdiv_q_2exp(out, out, 64);
	mpz_clears(at[0], at[1], term, q, NULL);
}

static void rfc3526_prime(mpz_t p, unsigned n, unsigned long k)
{
	mpz_t t;

	mpz_init(t);
	pi_fixed(t, n - 130);
	mpz_add_ui(t, t, k);
	mpz_mul_2exp(p, t, 64);
	mpz_setbit(p, n);          /* + 2^N ... */
	mpz_set_ui(t, 1);
	mpz_mul_2exp(t, t, n - 64);
	mpz_sub(p, p, t);          /* - 2^(N-64) */
	mpz_sub_ui(p, p, 1);       /* - 1 */
	mpz_clear(t);
}

static void check_group(uint16_t id, unsigned bits, unsigned long k)
{
	const char *hex_p = cn_modp_prime_hex(id);
	mpz_t want, got, q;

	cr_assert_not_null(hex_p);
	mpz_inits(want, q, NULL);
	cr_assert_eq(mpz_init_set_str(got, hex_p, 16), 0);
	rfc3526_prime(want, bits, k);
	cr_assert_eq(mpz_sizeinbase(want, 2), bits);
	cr_assert_eq(mpz_cmp(got, want), 0, "MODP group %u prime differs from RFC 3526", id);
	cr_assert(mpz_probab_prime_p(got, 8), "p is prime");
	mpz_sub_ui(q, got, 1);
	mpz_tdiv_q_2exp(q, q, 1);
	cr_assert(mpz_probab_prime_p(q, 8), "(p-1)/2 is prime");
	cr_assert_eq(find_ke(id)->public_size, bits / 8);
	mpz_clears(want, got, q, NULL);
}

Test(modp, rfc3526_group14_prime) { check_group(CG_KE_MODP_2048, 2048, 124476); }
Test(modp, rfc3526_group15_prime) { check_group(CG_KE_MODP_3072, 3072, 1690314); }
Test(modp, rfc3526_group16_prime) { check_group(CG_KE_MODP_4096, 4096, 240904); }

/* With known exponents a and b: public values 2^a, 2^b and secret 2^(ab), all mod p. */
Test(modp, matches_plain_arithmetic)
{
	const struct cg_ke_alg *ke = find_ke(CG_KE_MODP_2048);
	const uint8_t a[] = { 0x5a, 0x17, 0x33, 0x90, 0x01, 0xfe, 0x42 };
	const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };
	uint8_t pub_a[256], pub_b[256], s_a[256], s_b[256], want[256];
	mpz_t p, g, e, r;
	void *ca, *cb;

	mpz_init_set_str(p, cn_modp_prime_hex(CG_KE_MODP_2048), 16);
	mpz_inits(e, r, NULL);
	mpz_init_set_ui(g, 2);
	cr_assert_eq(ke->create(ke, &ca), 0);
	cr_assert_eq(ke->create(ke, &cb), 0);
	cr_assert_eq(cn_ke_set_private(ke, ca, a, sizeof(a)), 0);
	cr_assert_eq(cn_ke_set_private(ke, cb, b, sizeof(b)), 0);
	cr_assert_eq(ke->get_public(ca, pub_a), 0);
	cr_assert_eq(ke->get_public(cb, pub_b), 0);

	mpz_import(e, sizeof(a), 1, 1, 1, 0, a);
	mpz_powm(r, g, e, p);
	cr_assert_eq(cn_mpz_export(want, sizeof(want), r), 0);
	cr_assert(!memcmp(pub_a, want, sizeof(want)), "public value is 2^a mod p, padded");

	cr_assert_eq(ke->set_peer(ca, pub_b, sizeof(pub_b)), 0);
	cr_assert_eq(ke->set_peer(cb, pub_a, sizeof(pub_a)), 0);
	cr_assert_eq(ke->get_shared(ca, s_a), 0);
	cr_assert_eq(ke->get_shared(cb, s_b), 0);
	mpz_import(r, sizeof(b), 1, 1, 1, 0, b);
	mpz_mul(e, e, r);
	mpz_powm(r, g, e, p);
	cr_assert_eq(cn_mpz_export(want, sizeof(want), r), 0);
	cr_assert(!memcmp(s_a, want, sizeof(want)), "secret is 2^(ab) mod p");
	cr_assert(!memcmp(s_b, want, sizeof(want)));
	ke->destroy(ca);
	ke->destroy(cb);
	mpz_clears(p, g, e, r, NULL);
}

static int set_peer_value(const struct cg_ke_alg *ke, void *ctx, const mpz_t v)
{
	uint8_t buf[512];

	cr_assert_eq(cn_mpz_export(buf, ke->public_size, v), 0);
	return ke->set_peer(ctx, buf, ke->public_size);
}

Test(modp, refuses_degenerate_public_values)
{
	const uint16_t ids[] = { CG_KE_MODP_2048, CG_KE_MODP_3072, CG_KE_MODP_4096 };

	for (size_t i = 0; i < CG_ARRAY_SIZE(ids); i++) {
		const struct cg_ke_alg *ke = find_ke(ids[i]);
		uint8_t buf[520], shared[512];
		mpz_t p, v;
		void *ctx;

		mpz_init_set_str(p, cn_modp_prime_hex(ids[i]), 16);
		mpz_init(v);
		cr_assert_eq(ke->create(ke, &ctx), 0);
		cr_assert_eq(ke->get_shared(ctx, shared), -EINVAL, "no secret before set_peer");
		mpz_set_ui(v, 0);
		cr_assert_eq(set_peer_value(ke, ctx, v), -EINVAL, "%s: 0", ke->name);
		mpz_set_ui(v, 1);
		cr_assert_eq(set_peer_value(ke, ctx, v), -EINVAL, "%s: 1", ke->name);
		mpz_sub_ui(v, p, 1);
		cr_assert_eq(set_peer_value(ke, ctx, v), -EINVAL, "%s: p-1", ke->name);
		cr_assert_eq(set_peer_value(ke, ctx, p), -EINVAL, "%s: p", ke->name);
		memset(buf, 0xff, sizeof(buf));
		cr_assert_eq(ke->set_peer(ctx, buf, ke->public_size), -EINVAL, "%s: 2^N-1", ke->name);
		cr_assert_eq(ke->get_shared(ctx, shared), -EINVAL, "no secret after a refusal");
		cr_assert_eq(ke->set_peer(ctx, buf, ke->public_size - 1), -EINVAL, "short");
		cr_assert_eq(ke->set_peer(ctx, buf, ke->public_size + 1), -EINVAL, "long");
		cr_assert_eq(ke->set_peer(ctx, buf, 0), -EINVAL, "empty");
		mpz_set_ui(v, 2);
		cr_assert_eq(set_peer_value(ke, ctx, v), 0, "%s: 2 is a valid element", ke->name);
		mpz_sub_ui(v, p, 2);
		cr_assert_eq(set_peer_value(ke, ctx, v), 0, "%s: p-2 is a valid element", ke->name);
		cr_assert_eq(ke->get_shared(ctx, shared), 0);
		ke->destroy(ctx);
		mpz_clears(p, v, NULL);
	}
}
