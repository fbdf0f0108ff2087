/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Key sizes of ESP/IKE encryption transforms: the salt or nonce that CTR
 * and the AEADs take after the key (RFC 3686, 4106, 7634), the default key
 * length, and the check both kernel backends make before an install.
 */
#include <cygnet/transform.h>

CG_EXPORT unsigned cg_encr_salt_bits(uint16_t id)
{
	switch (id) {
	case CG_ENCR_AES_CTR:
	case CG_ENCR_AES_GCM_8:
	case CG_ENCR_AES_GCM_12:
	case CG_ENCR_AES_GCM_16:
	case CG_ENCR_CHACHA20_POLY1305:
		return 32;
	default:
		return 0;
	}
}

CG_EXPORT uint16_t cg_encr_default_keylen(uint16_t id)
{
	switch (id) {
	case CG_ENCR_3DES: return 192;
	case CG_ENCR_CHACHA20_POLY1305: return 256;
	case CG_ENCR_NULL: return 0;
	default: return 128;
	}
}

CG_EXPORT size_t cg_encr_key_size(uint16_t id, uint16_t keylen)
{
	if (id == CG_ENCR_NULL)
		return 0;
	if (!keylen)
		keylen = cg_encr_default_keylen(id);
	return ((size_t)keylen + cg_encr_salt_bits(id)) / 8;
}

CG_EXPORT bool cg_encr_key_fits(uint16_t id, uint16_t keylen, size_t len)
{
	size_t bits = len * 8;
	unsigned salt = cg_encr_salt_bits(id);

	if (id == CG_ENCR_NULL)
		return len == 0;
	if (bits <= salt)
		return false;
	return !keylen || bits == (size_t)keylen + salt;
}
