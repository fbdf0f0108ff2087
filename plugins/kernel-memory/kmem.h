/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel-memory: private state shared by the backend and its control commands. */
#ifndef KMEM_H
#define KMEM_H

#include <pthread.h>

#include <cygnet/cygnet.h>

enum kmem_op {
	KMEM_OP_GET_SPI,
	KMEM_OP_ADD_SA,
	KMEM_OP_UPDATE_SA,
	KMEM_OP_DEL_SA,
	KMEM_OP_ADD_POLICY,
	KMEM_OP_DEL_POLICY,
	KMEM_OP_MOVE,
	KMEM_OP_COUNT,
};

struct kmem_sa {
	struct cg_kernel_sa sa;       /* keys point into key_buf */
	uint8_t key_buf[2][128];
	bool larval;                  /* reserved by get_spi, not yet completed */
	struct cg_kernel_sa_stats stats;
};

struct kmem_policy {
	struct cg_kernel_policy pol;
	struct cg_kernel_policy_stats stats;
};

/* Fault injection: after `skip` more successful calls, `count` calls of an op fail with err. */
struct kmem_fault {
	int err;
	unsigned skip;
	unsigned count;
};

struct kmem {
	struct cg_core *core;
	struct cg_kernel *k;
	pthread_mutex_t lock;
	struct kmem_sa *sas;
	size_t n_sas, cap_sas;
	struct kmem_policy *pols;
	size_t n_pols, cap_pols;
	uint32_t next_spi;
	uint32_t next_index;
	struct kmem_fault faults[KMEM_OP_COUNT];
};

/* Control commands (kmem_ctl.c). */
int kmem_ctl_register(struct kmem *km);
void kmem_ctl_unregister(struct kmem *km);

/* Lookups for the control commands; caller holds km->lock. */
struct kmem_sa *kmem_find_sa_spi(struct kmem *km, uint32_t spi);
/* The policy a packet from src to dst would meet in direction dir, or NULL. */
struct kmem_policy *kmem_lookup(struct kmem *km, enum cg_dir dir, const struct cg_addr *src,
				const struct cg_addr *dst, uint8_t proto, uint16_t sport,
				uint16_t dport);
/* An SA with this reqid to dst exists (outbound), so the kernel would not acquire. */
bool kmem_has_sa(struct kmem *km, uint32_t reqid, const struct cg_addr *dst);
/* Adds a policy behind the core's back, as another daemon would. */
int kmem_add_foreign_policy(struct kmem *km, const struct cg_kernel_policy *pol);
const char *kmem_op_name(enum kmem_op op);
/* Removes every policy (as `ip xfrm policy flush` would); report raises policy-gone. */
void kmem_flush_policies(struct kmem *km, bool report);

#endif
