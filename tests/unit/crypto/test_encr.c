/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AES-CBC (NIST SP 800-38A F.2), AES-GCM (the GCM specification's test
 * cases 4 and 16, nonce split as RFC 5282 salt || IV) and
 * ChaCha20-Poly1305 (RFC 7539 2.8.2, nonce split as RFC 7634 salt || IV).
 */
#include "cn_test.h"

static const char sp800_38a_plain[] =
	"6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"
	"30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";

static void cbc_kat(uint16_t keylen, const char *key_hex, const char *cipher_hex)
{
	const struct cg_encr_alg *alg = find_encr(CG_ENCR_AES_CBC, keylen);
	size_t klen, len;
	uint8_t *key = hex(key_hex, &klen);
	uint8_t *iv = hex("000102030405060708090a0b0c0d0e0f", NULL);
	uint8_t *data = hex(sp800_38a_plain, &len);
	uint8_t *iv_copy = hex("000102030405060708090a0b0c0d0e0f", NULL);
	void *ctx;

	cr_assert_eq(klen, alg->key_size);
	cr_assert_eq(alg->iv_size, 16);
	cr_assert_eq(alg->block_size, 16);
	cr_assert_eq(alg->create(alg, key, &ctx), 0);
	cr_assert_eq(alg->encrypt(ctx, iv, NULL, 0, data, len, NULL), 0);
	assert_hex(data, len, cipher_hex, alg->name);
	cr_assert(!memcmp(iv, iv_copy, 16), "the caller's IV must stay as sent");
	cr_assert_eq(alg->decrypt(ctx, iv, NULL, 0, data, len, NULL), 0);
	assert_hex(data, len, sp800_38a_plain, "decrypted");
	alg->destroy(ctx);
	free(key);
	free(iv);
	free(iv_copy);
	free(data);
}

Test(encr, aes_cbc_128_sp800_38a)
{
	cbc_kat(128, "2b7e151628aed2a6abf7158809cf4f3c",
		"7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2"
		"73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7");
}

Test(encr, aes_cbc_192_sp800_38a)
{
	cbc_kat(192, "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
		"4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a"
		"571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd");
}

Test(encr, aes_cbc_256_sp800_38a)
{
	cbc_kat(256, "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
		"f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d"
		"39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b");
}

Test(encr, aes_cbc_refuses_partial_blocks)
{
	const struct cg_encr_alg *alg = find_encr(CG_ENCR_AES_CBC, 128);
	uint8_t key[16] = { 0 }, iv[16] = { 0 }, data[20] = { 0 };
	void *ctx;

	cr_assert_eq(alg->create(alg, key, &ctx), 0);
	cr_assert_eq(alg->encrypt(ctx, iv, NULL, 0, data, sizeof(data), NULL), -EINVAL);
	cr_assert_eq(alg->decrypt(ctx, iv, NULL, 0, data, 15, NULL), -EINVAL);
	alg->destroy(ctx);
	alg->destroy(NULL);
}

struct aead_vector {
	const char *key_salt, *iv, *aad, *plain, *cipher, *tag;
};

static void aead_kat(const struct cg_encr_alg *alg, const struct aead_vector *v)
{
	size_t klen, ivlen, alen, len, tlen;
	uint8_t *key = hex(v->key_salt, &klen), *iv = hex(v->iv, &ivlen), *aad = hex(v->aad, &alen);
	uint8_t *data = hex(v->plain, &len), *tag = hex(v->tag, &tlen);
	uint8_t icv[16];
	void *ctx;

	cr_assert_eq(klen, alg->key_size, "%s: key material is key || salt", alg->name);
	cr_assert_eq(ivlen, alg->iv_size);
	cr_assert_eq(tlen, alg->icv_size);
	cr_assert_eq(alg->salt_size, 4);
	cr_assert_eq(alg->create(alg, key, &ctx), 0);

	cr_assert_eq(alg->encrypt(ctx, iv, aad, alen, data, len, icv), 0);
	assert_hex(data, len, v->cipher, "ciphertext");
	assert_hex(icv, sizeof(icv), v->tag, "tag");

	cr_assert_eq(alg->decrypt(ctx, iv, aad, alen, data, len, icv), 0);
	assert_hex(data, len, v->plain, "decrypted");

	/* A flipped ciphertext bit, tag bit or AAD bit: refused, and no plaintext left behind. */
	cr_assert_eq(alg->encrypt(ctx, iv, aad, alen, data, len, icv), 0);
	data[3] ^= 0x01;
	cr_assert_eq(alg->decrypt(ctx, iv, aad, alen, data, len, icv), -EBADMSG);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(data[i], 0, "plaintext of a forged message was left in the buffer");

	free(data);
	data = hex(v->cipher, &len);
	icv[15] ^= 0x80;
	cr_assert_eq(alg->decrypt(ctx, iv, aad, alen, data, len, icv), -EBADMSG);
	icv[15] ^= 0x80;
	free(data);
	data = hex(v->cipher, &len);
	aad[0] ^= 0x01;
	cr_assert_eq(alg->decrypt(ctx, iv, aad, alen, data, len, icv), -EBADMSG);

	alg->destroy(ctx);
	free(key);
	free(iv);
	free(aad);
	free(data);
	free(tag);
}

static const char gcm_plain[] = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
				"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";

Test(encr, aes_gcm16_128_test_case_4)
{
	/* IV cafebabefacedbaddecaf888 = salt cafebabe || IV facedbaddecaf888. */
	const struct aead_vector v = {
		.key_salt = "feffe9928665731c6d6a8f9467308308 cafebabe",
		.iv = "facedbaddecaf888",
		.aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2",
		.plain = gcm_plain,
		.cipher = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
			  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
		.tag = "5bc94fbc3221a5db94fae95ae7121a47",
	};

	aead_kat(find_encr(CG_ENCR_AES_GCM_16, 128), &v);
}

Test(encr, aes_gcm16_256_test_case_16)
{
	const struct aead_vector v = {
		.key_salt = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
			    "cafebabe",
		.iv = "facedbaddecaf888",
		.aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2",
		.plain = gcm_plain,
		.cipher = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
			  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
		.tag = "76fc6ece0f4e1768cddf8853bb2d551b",
	};

	aead_kat(find_encr(CG_ENCR_AES_GCM_16, 256), &v);
}

Test(encr, chacha20_poly1305_rfc7539)
{
	/* "Ladies and Gentlemen of the class of '99: ..." with nonce 07000000 || 4041424344454647. */
	const struct aead_vector v = {
		.key_salt = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
			    "07000000",
		.iv = "4041424344454647",
		.aad = "50515253c0c1c2c3c4c5c6c7",
		.plain = "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
			 "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
			 "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
			 "637265656e20776f756c642062652069742e",
		.cipher = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
			  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
			  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
			  "3ff4def08e4b7a9de576d26586cec64b6116",
		.tag = "1ae10b594f09e26a7e902ecbd0600691",
	};
	const struct cg_encr_alg *alg = find_encr(CG_ENCR_CHACHA20_POLY1305, 0);

	cr_assert_eq(alg->block_size, 1);
	aead_kat(alg, &v);
}

/* Every registered cipher decrypts what it encrypted, for several lengths. */
Test(encr, round_trip_every_algorithm)
{
	uint8_t key[64], iv[16], aad[12], data[96], orig[96], icv[16];

	for (size_t i = 0; cn_encr_algs[i]; i++) {
		const struct cg_encr_alg *alg = cn_encr_algs[i];
		void *ctx;

		cr_assert_eq(cn_random(key, sizeof(key)), 0);
		cr_assert_eq(cn_random(iv, sizeof(iv)), 0);
		cr_assert_eq(cn_random(aad, sizeof(aad)), 0);
		cr_assert_eq(alg->create(alg, key, &ctx), 0, "%s", alg->name);
		for (size_t len = 0; len <= sizeof(data); len += alg->block_size == 1 ? 7 : alg->block_size) {
			cr_assert_eq(cn_random(orig, sizeof(orig)), 0);
			memcpy(data, orig, len);
			cr_assert_eq(alg->encrypt(ctx, iv, aad, sizeof(aad), data, len, icv), 0);
			if (len)
				cr_assert(memcmp(data, orig, len), "%s left data in clear", alg->name);
			cr_assert_eq(alg->decrypt(ctx, iv, aad, sizeof(aad), data, len, icv), 0);
			cr_assert(!memcmp(data, orig, len), "%s: round trip of %zu bytes", alg->name,
				  len);
		}
		alg->destroy(ctx);
	}
}
