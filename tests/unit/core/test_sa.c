/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "testlib.h"

static atomic_int destroyed;

static void obj_destroy(void *data)
{
	atomic_fetch_add(&destroyed, 1);
}

static const struct cg_sa_ops ops = { .destroy = obj_destroy };

static struct cg_core *core;

static void setup(void)
{
	atomic_store(&destroyed, 0);
	core = tl_core_new("sa", "daemon: { plugins: [] }\n", NULL, NULL, NULL);
	cr_assert_not_null(core);
}

static void teardown(void)
{
	cg_core_destroy(core);
}

TestSuite(sa, .init = setup, .fini = teardown);

Test(sa, lookups_by_every_index)
{
	struct cg_sa *sa, *again;
	struct cg_addr peer;
	int data = 5;
	uint32_t id;

	cg_addr_parse("2001:db8::2", &peer);
	peer.port = 500;
	cr_assert_eq(cg_sa_add(core, 2, 0x1122334455667788ULL, "moon-sun", &data, &ops, &sa), 0);
	id = cg_sa_unique_id(sa);
	cr_assert_neq(id, 0);
	cr_assert_str_eq(cg_sa_conn(sa), "moon-sun");
	cr_assert_eq(cg_sa_set_init_key(sa, 0xaaaaULL, &peer), 0);
	cr_assert_eq(cg_sa_add_reqid(sa, 7), 0);
	cr_assert_eq(cg_sa_count_half_open(core), 1);
	cg_sa_checkin(core, sa);

	again = cg_sa_checkout_by_spi(core, 0x1122334455667788ULL);
	cr_assert_eq(again, sa);
	cr_assert_eq(cg_sa_data(again), &data);
	cg_sa_checkin(core, again);
	cr_assert_eq(cg_sa_checkout_by_init(core, 0xaaaaULL, &peer), sa);
	cg_sa_set_established(sa);
	cr_assert_eq(cg_sa_count_half_open(core), 0);
	cg_sa_checkin(core, sa);
	cr_assert_null(cg_sa_checkout_by_init(core, 0xaaaaULL, &peer));
	cr_assert_eq(cg_sa_checkout_by_id(core, id), sa);
	cg_sa_checkin(core, sa);
	cr_assert_eq(cg_sa_checkout_by_reqid(core, 7), sa);
	/* Two children of reqid 7 (a rekey's old and new): the SA stays until the last goes. */
	cr_assert_eq(cg_sa_add_reqid(sa, 7), 0);
	cg_sa_del_reqid(sa, 7);
	cg_sa_checkin(core, sa);
	cr_assert_eq(cg_sa_checkout_by_reqid(core, 7), sa);
	cg_sa_del_reqid(sa, 7);
	cg_sa_checkin(core, sa);
	cr_assert_null(cg_sa_checkout_by_reqid(core, 7));
	cr_assert_null(cg_sa_checkout_by_spi(core, 0x99));
	cr_assert_eq(cg_sa_count(core), 1);

	sa = cg_sa_checkout_by_spi(core, 0x1122334455667788ULL);
	cg_sa_checkin_destroy(core, sa);
	cr_assert_eq(atomic_load(&destroyed), 1);
	cr_assert_eq(cg_sa_count(core), 0);
	cr_assert_null(cg_sa_checkout_by_id(core, id));
}

Test(sa, duplicate_spi_refused)
{
	struct cg_sa *a, *b;

	cr_assert_eq(cg_sa_add(core, 2, 42, "x", NULL, &ops, &a), 0);
	cr_assert_eq(cg_sa_add(core, 2, 42, "y", NULL, &ops, &b), -EEXIST);
	cr_assert_eq(cg_sa_add(core, 2, 0, "y", NULL, &ops, &b), -EINVAL);
	cg_sa_checkin(core, a);
}

struct waiter {
	struct cg_sa *got;
	atomic_bool done;
};

static void *wait_checkout(void *arg)
{
	struct waiter *w = arg;

	w->got = cg_sa_checkout_by_spi(core, 42);
	atomic_store(&w->done, true);
	return NULL;
}

Test(sa, checkout_waits_for_checkin)
{
	struct waiter w = { 0 };
	struct cg_sa *sa;
	pthread_t t;

	cr_assert_eq(cg_sa_add(core, 2, 42, "x", NULL, &ops, &sa), 0);
	pthread_create(&t, NULL, wait_checkout, &w);
	usleep(50000);
	cr_assert_not(atomic_load(&w.done), "the second job waits while the SA is out");
	cg_sa_checkin(core, sa);
	pthread_join(t, NULL);
	cr_assert_eq(w.got, sa);
	cg_sa_checkin(core, sa);
}

Test(sa, waiter_sees_removal)
{
	struct waiter w = { 0 };
	struct cg_sa *sa;
	pthread_t t;

	cr_assert_eq(cg_sa_add(core, 2, 42, "x", NULL, &ops, &sa), 0);
	pthread_create(&t, NULL, wait_checkout, &w);
	usleep(50000);
	cg_sa_checkin_destroy(core, sa);
	pthread_join(t, NULL);
	cr_assert_null(w.got);
	cr_assert_eq(atomic_load(&destroyed), 1);
}

static void count_sa(void *ctx, struct cg_sa *sa)
{
	(*(int *)ctx)++;
}

Test(sa, foreach_visits_each_version)
{
	struct cg_sa *a, *b;
	int n = 0;

	cg_sa_add(core, 2, 1001, "a", NULL, &ops, &a);
	cg_sa_add(core, 1, 1002, "b", NULL, &ops, &b);
	cg_sa_checkin(core, a);
	cg_sa_checkin(core, b);
	cg_sa_foreach(core, 0, count_sa, &n);
	cr_assert_eq(n, 2);
	n = 0;
	cg_sa_foreach(core, 2, count_sa, &n);
	cr_assert_eq(n, 1);
}

/* One fixed reqid shared by the IKE SAs of two peers: the index names both. */
Test(sa, reqid_shared_by_several_sas)
{
	struct cg_sa *a, *b;
	int n = 0;

	cg_sa_add(core, 2, 1001, "a", NULL, &ops, &a);
	cg_sa_add(core, 2, 1002, "b", NULL, &ops, &b);
	cr_assert_eq(cg_sa_add_reqid(a, 5), 0);
	cr_assert_eq(cg_sa_add_reqid(b, 5), 0);
	cg_sa_checkin(core, a);
	cg_sa_checkin(core, b);
	cg_sa_foreach_reqid(core, 5, count_sa, &n);
	cr_assert_eq(n, 2);
	a = cg_sa_checkout_by_id(core, cg_sa_unique_id(a));
	cg_sa_del_reqid(a, 5);
	cg_sa_checkin(core, a);
	n = 0;
	cg_sa_foreach_reqid(core, 5, count_sa, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(cg_sa_checkout_by_reqid(core, 5), b);
	cg_sa_checkin_destroy(core, b);
	cr_assert_null(cg_sa_checkout_by_reqid(core, 5));
}

/* A protocol object with one child, for cg_sa_move. */
struct movable {
	struct cg_addr local, remote; /* IKE endpoints, with ports */
	struct cg_sa_child child;
	int ike_moves, child_moves;
};

static void mv_children(void *data, cg_sa_child_fn fn, void *ctx)
{
	struct movable *m = data;

	fn(ctx, &m->child);
}

static int mv_ike(void *data, const struct cg_addr *local, const struct cg_addr *remote)
{
	struct movable *m = data;
	struct cg_addr l = *local, r = *remote;

	l.port = l.port ? l.port : m->local.port;
	r.port = r.port ? r.port : m->remote.port;
	if (cg_addr_equal_port(&l, &m->local) && cg_addr_equal_port(&r, &m->remote))
		return 0;
	m->local = l;
	m->remote = r;
	m->ike_moves++;
	return 1;
}

static int mv_child(void *data, uint32_t spi_in, const struct cg_addr *local,
		    const struct cg_addr *remote)
{
	struct movable *m = data;

	if (spi_in != m->child.spi_in)
		return -ENOENT;
	m->child.local = *local;
	m->child.remote = *remote;
	m->child_moves++;
	return 0;
}

static const struct cg_sa_ops move_ops = {
	.destroy = obj_destroy, .children = mv_children, .move_ike = mv_ike, .move_child = mv_child,
};

Test(sa, move_follows_ike_then_changes_nothing_twice)
{
	struct movable m = { .child = { .reqid = 3, .spi_in = 0x100, .spi_out = 0x200, .proto = 50 } };
	struct cg_sa_move mv = { .move_ike = true, .kernel_moved = true };
	struct cg_sa_moved done;
	struct cg_sa *sa;

	cg_addr_parse("2001:db8::1", &m.local);
	cg_addr_parse("2001:db8::2", &m.remote);
	m.local.port = m.remote.port = 4500;
	m.child.local = m.local;
	m.child.remote = m.remote;
	m.child.local.port = m.child.remote.port = 0;
	cg_addr_parse("2001:db8::11", &mv.local);
	mv.remote = m.remote;
	mv.remote.port = 0;
	cr_assert_eq(cg_sa_add(core, 2, 0x55ULL, "mn", &m, &move_ops, &sa), 0);
	cr_assert_eq(cg_sa_move(core, sa, &mv, &done), 0);
	cr_assert(done.ike);
	cr_assert_eq(done.children, 1);
	/* NAT-T's port stays; children follow the IKE SA without a pick. */
	cr_assert_eq(m.local.port, 4500);
	cr_assert(cg_addr_equal(&m.local, &mv.local));
	cr_assert(cg_addr_equal(&m.child.local, &mv.local));
	cr_assert_eq(cg_sa_move(core, sa, &mv, &done), 0);
	cr_assert(!done.ike);
	cr_assert_eq(done.children, 0);
	cr_assert_eq(m.ike_moves, 1);
	cr_assert_eq(m.child_moves, 1);
	/* Without a kernel backend nobody can move the SAs; nothing changes. */
	cg_addr_parse("2001:db8::12", &mv.local);
	mv.kernel_moved = false;
	cr_assert_eq(cg_sa_move(core, sa, &mv, &done), -ENODEV);
	cr_assert_eq(m.child_moves, 1);
	cr_assert_eq(m.ike_moves, 1);
	cg_sa_checkin_destroy(core, sa);
}
