/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cookie.c: the responder's COOKIE (RFC 7296 2.6) and the plugin's config section. */
#ifndef IKE2_COOKIE_H
#define IKE2_COOKIE_H

#include <cygnet/cygnet.h>

struct ike2;
struct ike2_msg;

int ike2_cookie_setup(struct ike2 *p);
/* Plugin section `ike2:` (cookie_threshold). */
int ike2_cookie_config_check(const struct cg_cfg_node *section, struct cg_cfg_errors *errs);
/*
 * Responder: true when msg may create state. Otherwise a COOKIE was sent
 * (above the threshold, without a valid cookie in msg).
 */
bool ike2_cookie_admit(struct ike2 *p, const struct ike2_msg *msg);

#endif
