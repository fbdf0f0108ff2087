/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* move.c: the SA manager's move hooks (struct cg_sa_ops), for MIGRATE and MOBIKE. */
#ifndef IKE2_MOVE_H
#define IKE2_MOVE_H

#include <cygnet/cygnet.h>

struct ike2;

/* Lists the SA's installed children to fn. */
void ike2_move_children(void *data, cg_sa_child_fn fn, void *ctx);
/* New IKE endpoints; a port of 0 keeps the current one (NAT-T stays on 4500). */
int ike2_move_ike(void *data, const struct cg_addr *local, const struct cg_addr *remote);
/* New outer addresses of the child with this inbound SPI. */
int ike2_move_child(void *data, uint32_t spi_in, const struct cg_addr *local,
		    const struct cg_addr *remote);
/* An initiator not yet established whose first child has reqid starts again (a job). */
int ike2_move_restart(void *data, uint32_t reqid);
/* Where an initiation for reqid starts: the hint a MIGRATE left, if any (logged). */
void ike2_move_hint(struct ike2 *p, const char *conn, uint32_t reqid, struct cg_addr *local,
		    struct cg_addr *remote);

#endif
