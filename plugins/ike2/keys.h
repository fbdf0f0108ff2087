/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* keys.c: SKEYSEED, prf+, child key material, AUTH octets for PSK. */
#ifndef IKE2_KEYS_H
#define IKE2_KEYS_H

#include <cygnet/cygnet.h>

struct ike2_sa;

/* Derives SKEYSEED and the IKE SA keys; sets up the SK contexts. */
int ike2_keys_derive(struct ike2_sa *sa, struct cg_chunk shared);
/* The same for a rekeyed IKE SA: SKEYSEED = prf_old(SK_d old, g^ir | Ni | Nr) (2.18). */
int ike2_keys_derive_rekey(struct ike2_sa *sa, const struct cg_prf_alg *old_prf,
			   struct cg_chunk old_sk_d, struct cg_chunk shared);
/* Child key material: prf+(SK_d, [g^ir |] Ni | Nr), len bytes into out. */
int ike2_keys_child(struct ike2_sa *sa, struct cg_chunk shared, struct cg_chunk ni,
		    struct cg_chunk nr, uint8_t *out, size_t len);
/* AUTH for PSK (RFC 7296 2.15); out holds prf->out_size bytes. */
int ike2_keys_auth_psk(struct ike2_sa *sa, bool of_initiator, struct cg_chunk psk,
		       const uint8_t *id_body, size_t id_len, uint8_t *out);
/* Bytes of ESP integrity key material for an algorithm (encryption: cg_encr_key_size). */
size_t ike2_keys_esp_integ_size(uint16_t alg);

#endif
