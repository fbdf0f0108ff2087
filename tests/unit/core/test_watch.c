/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static struct cg_core *core;

static void setup(void)
{
	core = tl_core_new("watch", "daemon: { plugins: [] }\n", NULL, NULL, NULL);
	cr_assert_not_null(core);
}

static void teardown(void)
{
	cg_core_destroy(core);
}

TestSuite(watch, .init = setup, .fini = teardown);

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits up to two seconds for *v to reach want. */
static bool wait_for(atomic_int *v, int want)
{
	for (int i = 0; i < 2000 && atomic_load(v) < want; i++)
		sleep_ms(1);
	return atomic_load(v) >= want;
}

struct reader {
	atomic_int calls;
	atomic_int bytes;
	long delay_ms;          /* how long each call takes */
	bool remove_self;
};

static void reader_cb(int fd, void *arg)
{
	struct reader *r = arg;
	char buf[16];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0)
		atomic_fetch_add(&r->bytes, (int)n);
	if (r->delay_ms)
		sleep_ms(r->delay_ms);
	if (r->remove_self)
		cg_watch_del(core, fd);
	atomic_fetch_add(&r->calls, 1);
}

Test(watch, callback_reads_each_fd)
{
	struct reader a = { 0 }, b = { 0 };
	int pa[2], pb[2];

	cr_assert_eq(pipe(pa), 0);
	cr_assert_eq(pipe(pb), 0);
	cr_assert_eq(cg_watch_add(core, pa[0], reader_cb, &a), 0);
	cr_assert_eq(cg_watch_add(core, pb[0], reader_cb, &b), 0);
	cr_assert_eq(cg_watch_add(core, pa[0], reader_cb, &a), -EEXIST);
	cr_assert_eq(write(pa[1], "abc", 3), 3);
	cr_assert(wait_for(&a.bytes, 3));
	cr_assert_eq(write(pb[1], "de", 2), 2);
	cr_assert(wait_for(&b.bytes, 2));
	cr_assert_eq(atomic_load(&a.bytes), 3);
	cg_watch_del(core, pa[0]);
	cg_watch_del(core, pb[0]);
	cg_watch_del(core, pb[0]); /* not watched: nothing happens */
	cr_assert_eq(write(pa[1], "x", 1), 1);
	sleep_ms(50);
	cr_assert_eq(atomic_load(&a.bytes), 3, "a removed fd is not read any more");
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
}

/* Removing waits for the running callback: afterwards its argument may go. */
Test(watch, del_waits_for_the_running_callback)
{
	struct reader r = { .delay_ms = 200 };
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(cg_watch_add(core, p[0], reader_cb, &r), 0);
	cr_assert_eq(write(p[1], "a", 1), 1);
	cr_assert(wait_for(&r.bytes, 1));
	cg_watch_del(core, p[0]);
	cr_assert_eq(atomic_load(&r.calls), 1, "the callback ended before cg_watch_del returned");
	close(p[0]);
	close(p[1]);
}

Test(watch, callback_may_remove_its_own_fd)
{
	struct reader r = { .remove_self = true };
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(cg_watch_add(core, p[0], reader_cb, &r), 0);
	cr_assert_eq(write(p[1], "a", 1), 1);
	cr_assert(wait_for(&r.calls, 1));
	cr_assert_eq(write(p[1], "b", 1), 1);
	sleep_ms(50);
	cr_assert_eq(atomic_load(&r.calls), 1);
	/* The fd can be watched again. */
	r.remove_self = false;
	cr_assert_eq(cg_watch_add(core, p[0], reader_cb, &r), 0);
	cr_assert(wait_for(&r.calls, 2));
	cg_watch_del(core, p[0]);
	close(p[0]);
	close(p[1]);
}
