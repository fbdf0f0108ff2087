/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sk.c: the SK payload, encryption and integrity of IKE messages. */
#ifndef IKE2_SK_H
#define IKE2_SK_H

#include "msg.h"

struct ike2_sa;

/*
 * Wraps inner payloads in an SK payload and completes the message in *out
 * (allocated). When it would be larger than ike2_frag_limit allows, *out
 * holds SKF messages instead, one after the other (each with its length in
 * its header): send them with ike2_sa_transmit.
 */
int ike2_sk_seal(struct ike2_sa *sa, const struct ike2_hdr *h, struct ike2_w *inner,
		 struct cg_chunk *out);
/*
 * Verifies and decrypts the SK payload of msg; fills msg->pl with the inner
 * chain. An SKF payload goes to reassembly: -EAGAIN when the fragment was
 * taken or dropped (and logged), 0 once the message is whole.
 */
int ike2_sk_open(struct ike2_sa *sa, struct ike2_msg *msg);
/*
 * Checks the ICV of pkt and decrypts what follows the IV at iv (inside pkt)
 * up to the ICV; *plain (allocated) gets the contents without padding.
 * -EBADMSG for a bad ICV or padding.
 */
int ike2_sk_decrypt(struct ike2_sa *sa, const struct cg_packet *pkt, const uint8_t *iv,
		    uint8_t **plain, size_t *plain_len);

#endif
