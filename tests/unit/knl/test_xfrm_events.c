/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel-netlink's event decoder on datagrams from the fuzz corpus
 * (tests/fuzz/corpus/xfrm): what reaches the bus.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>

#include "testlib.h"
#include "xfrm.h"

static const struct cg_kernel_ops ops = { .name = "test-xfrm" };
static struct cg_event events[8];
static size_t n_events;

static void on_event(void *ctx, const struct cg_event *ev)
{
	if (n_events < CG_ARRAY_SIZE(events))
		events[n_events] = *ev;
	n_events++;
}

static int dispatch_cb(const struct nlmsghdr *nlh, void *data)
{
	xfrm_event_dispatch(data, nlh);
	return MNL_CB_OK;
}

/* Reads a corpus file into buf (8-byte aligned, as the event reader's buffer). */
static size_t read_seed(const char *name, uint64_t *buf, size_t max)
{
	char path[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", KNL_CORPUS_DIR, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

/* Runs a datagram through the decoder of a fresh backend; the events land in events[]. */
static void run_datagram(const void *buf, size_t len)
{
	struct cg_core *core = tl_core_new("knl", "daemon: { plugins: [] }\n", NULL, NULL, NULL);
	struct knl kn = { .core = core, .req_portid = 4242 };
	struct cg_bus_sub *sub;

	cr_assert_not_null(core);
	cr_assert_eq(cg_kernel_register(core, &ops, &kn, &kn.k), 0);
	cr_assert_eq(cg_bus_subscribe(core, CG_EV_ALL, CG_BUS_SYNC, on_event, NULL, &sub), 0);
	n_events = 0;
	mnl_cb_run(buf, len, 0, 0, dispatch_cb, &kn);
	tl_run(core);
	cg_bus_unsubscribe(core, sub);
	cg_kernel_unregister(kn.k);
	cg_core_destroy(core);
}

/*
 * Netlink aligns messages to 4 bytes: the expire after a 364-byte acquire
 * starts 4 bytes off an 8-byte boundary. Its 64-bit lifetimes were once
 * read in place (undefined behaviour, reported by UBSan in the sanitizer
 * build); the decoder copies them out.
 */
Test(knl_events, expire_after_acquire_in_one_datagram)
{
	uint64_t buf[1024];
	size_t len = read_seed("acquire-expire", buf, sizeof(buf));
	const struct nlmsghdr *first = (const void *)buf;
	char a[64], b[64];

	cr_assert_eq(first->nlmsg_type, XFRM_MSG_ACQUIRE);
	cr_assert_eq(first->nlmsg_len % 8, 4, "the second message must be misaligned");
	run_datagram(buf, len);
	cr_assert_eq(n_events, 2);
	cr_assert_eq(events[0].type, CG_EV_KERNEL_ACQUIRE);
	cr_assert_eq(events[0].u.acquire.reqid, 7);
	cr_assert_str_eq(cg_addr_str(&events[0].u.acquire.tmpl_dst, a, sizeof(a)), "2001:db8::2");
	cr_assert_eq(events[1].type, CG_EV_KERNEL_EXPIRE);
	cr_assert_eq(events[1].u.expire.id.spi, 0xc0000201);
	cr_assert_eq(events[1].u.expire.id.proto, IPPROTO_ESP);
	cr_assert_eq(events[1].u.expire.reqid, 7);
	cr_assert_not(events[1].u.expire.hard);
	cr_assert_str_eq(cg_addr_str(&events[1].u.expire.id.src, a, sizeof(a)), "192.0.2.1");
	cr_assert_str_eq(cg_addr_str(&events[1].u.expire.id.dst, b, sizeof(b)), "192.0.2.2");
}
