/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* info.c: INFORMATIONAL exchanges: deletes and liveness checks. */
#ifndef IKE2_INFO_H
#define IKE2_INFO_H

#include "ike2.h"
#include "msg.h"

struct ike2_sa;

enum ike2_verdict ike2_info_request(struct ike2_sa *sa, const struct ike2_msg *msg);
enum ike2_verdict ike2_info_response(struct ike2_sa *sa, const struct ike2_msg *msg);
/* Sends a delete for the IKE SA (or queues it). */
int ike2_info_delete_ike(struct ike2_sa *sa);
/* Sends a delete for a child (by inbound SPI) and removes it. */
int ike2_info_delete_child(struct ike2_sa *sa, uint32_t spi_in);

#endif
