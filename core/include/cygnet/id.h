/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IKE identities (RFC 7296 3.5), read and written as swanctl.conf does. */
#ifndef CYGNET_ID_H
#define CYGNET_ID_H

#include <cygnet/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* IKEv2 ID types; IKEv1 uses the same numbers for these. */
enum cg_id_type {
	CG_ID_ANY = 0, /* "%any": matches every identity, never sent */
	CG_ID_IPV4_ADDR = 1,
	CG_ID_FQDN = 2,
	CG_ID_RFC822_ADDR = 3,
	CG_ID_IPV6_ADDR = 5,
	CG_ID_DER_ASN1_DN = 9,
	CG_ID_KEY_ID = 11,
};

#define CG_ID_STRLEN 512

struct cg_id {
	enum cg_id_type type;
	struct cg_chunk data; /* owned: address bytes, name, or DER of the DN */
	char *dn_text;        /* owned: the DN as written (for DN ids), else NULL */
};

/*
 * Parses an identity string: "%any"; an IP address; "@fqdn" or "moon"
 * (FQDN); "user@example.org" (RFC822); "C=CH, O=Org, CN=moon" (DN);
 * "@#0a0b" (KEY_ID, hex). The DN's DER is filled in later by the pki
 * plugin (cg_pki_dn_encode); until then data is empty. 0 or -EINVAL/-ENOMEM.
 */
CG_EXPORT int cg_id_parse(const char *s, struct cg_id *out);
/* Builds an identity from wire type and bytes (copied). */
CG_EXPORT int cg_id_from_wire(uint8_t type, struct cg_chunk data, struct cg_id *out);
/* Deep copy. */
CG_EXPORT int cg_id_dup(const struct cg_id *src, struct cg_id *dst);
/* Frees what the id owns; accepts a zeroed id. */
CG_EXPORT void cg_id_free(struct cg_id *id);
/* Writes "moon", "192.0.2.1", "C=CH, CN=x", "%any" into buf; returns buf. */
CG_EXPORT const char *cg_id_str(const struct cg_id *id, char *buf, size_t len);
/* Exact equality of type and bytes (DNs by DER, or by text when DER is unknown). */
CG_EXPORT bool cg_id_equal(const struct cg_id *a, const struct cg_id *b);
/* pattern matches id: %any matches all; "*@example.org" and "*.example.org" wildcards. */
CG_EXPORT bool cg_id_matches(const struct cg_id *id, const struct cg_id *pattern);

#ifdef __cplusplus
}
#endif
#endif
