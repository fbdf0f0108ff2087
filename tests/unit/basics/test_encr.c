/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key sizes of encryption transforms, and the big-endian byte helpers. */
#include <criterion/criterion.h>

#include "testlib.h"

Test(encr, salt_bits_of_ctr_and_the_aeads)
{
	cr_assert_eq(cg_encr_salt_bits(CG_ENCR_AES_CTR), 32);
	cr_assert_eq(cg_encr_salt_bits(CG_ENCR_AES_GCM_8), 32);
	cr_assert_eq(cg_encr_salt_bits(CG_ENCR_AES_GCM_12), 32);
	cr_assert_eq(cg_encr_salt_bits(CG_ENCR_AES_GCM_16), 32);
	cr_assert_eq(cg_encr_salt_bits(CG_ENCR_CHACHA20_POLY1305), 32);
	cr_assert_eq(cg_encr_salt_bits(CG_ENCR_AES_CBC), 0);
	cr_assert_eq(cg_encr_salt_bits(CG_ENCR_3DES), 0);
	cr_assert_eq(cg_encr_salt_bits(CG_ENCR_NULL), 0);
}

Test(encr, key_size_includes_the_salt)
{
	cr_assert_eq(cg_encr_key_size(CG_ENCR_AES_CBC, 0), 16);
	cr_assert_eq(cg_encr_key_size(CG_ENCR_AES_CBC, 256), 32);
	cr_assert_eq(cg_encr_key_size(CG_ENCR_AES_GCM_16, 128), 20);
	cr_assert_eq(cg_encr_key_size(CG_ENCR_AES_GCM_16, 256), 36);
	cr_assert_eq(cg_encr_key_size(CG_ENCR_AES_CTR, 0), 20);
	cr_assert_eq(cg_encr_key_size(CG_ENCR_CHACHA20_POLY1305, 0), 36);
	cr_assert_eq(cg_encr_key_size(CG_ENCR_3DES, 0), 24);
	cr_assert_eq(cg_encr_key_size(CG_ENCR_NULL, 0), 0);
	cr_assert_eq(cg_encr_default_keylen(CG_ENCR_CHACHA20_POLY1305), 256);
	cr_assert_eq(cg_encr_default_keylen(CG_ENCR_NULL), 0);
}

Test(encr, key_fits_checks_key_and_salt)
{
	cr_assert(cg_encr_key_fits(CG_ENCR_AES_GCM_16, 128, 20));
	cr_assert_not(cg_encr_key_fits(CG_ENCR_AES_GCM_16, 128, 16), "salt missing");
	cr_assert_not(cg_encr_key_fits(CG_ENCR_AES_GCM_16, 256, 20));
	cr_assert(cg_encr_key_fits(CG_ENCR_AES_GCM_16, 0, 36), "no key length: any longer than the salt");
	cr_assert_not(cg_encr_key_fits(CG_ENCR_AES_GCM_16, 0, 4), "only salt");
	cr_assert(cg_encr_key_fits(CG_ENCR_CHACHA20_POLY1305, 256, 36));
	cr_assert_not(cg_encr_key_fits(CG_ENCR_CHACHA20_POLY1305, 256, 32));
	cr_assert(cg_encr_key_fits(CG_ENCR_AES_CBC, 128, 16));
	cr_assert_not(cg_encr_key_fits(CG_ENCR_AES_CBC, 128, 20));
	cr_assert_not(cg_encr_key_fits(CG_ENCR_AES_CBC, 0, 0));
	cr_assert(cg_encr_key_fits(CG_ENCR_NULL, 0, 0));
	cr_assert_not(cg_encr_key_fits(CG_ENCR_NULL, 0, 16));
}

Test(bytes, read_and_write_big_endian)
{
	uint8_t b[8];

	cg_put16(b, 0x1234);
	cr_assert(b[0] == 0x12 && b[1] == 0x34);
	cr_assert_eq(cg_get16(b), 0x1234);
	cg_put32(b, 0x89abcdefU);
	cr_assert(b[0] == 0x89 && b[3] == 0xef);
	cr_assert_eq(cg_get32(b), 0x89abcdefU);
	cg_put64(b, 0x0102030405060708ULL);
	cr_assert(b[0] == 0x01 && b[7] == 0x08);
	cr_assert_eq(cg_get64(b), 0x0102030405060708ULL);
	cr_assert_eq(cg_get32((const uint8_t[]){ 0xff, 0xff, 0xff, 0xfe }), 0xfffffffeU);
}
