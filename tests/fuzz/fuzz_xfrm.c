/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for kernel-netlink's event decoder: a datagram as read from
 * the XFRM multicast groups goes through libmnl's walk and
 * xfrm_event_dispatch, as in the event socket's reader, and the events it
 * raises reach the core's bus.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "testlib.h"
#include "xfrm.h"

static const struct cg_kernel_ops fz_xfrm_ops = { .name = "fuzz-xfrm" };
static struct knl fz_knl;

static void fz_xfrm_init(void)
{
	if (fz_knl.core)
		return;
	fz_knl.core = tl_core_new("fuzz-xfrm", "daemon: { plugins: [], log: { default: silent } }\n",
				  NULL, NULL, NULL);
	if (!fz_knl.core || cg_kernel_register(fz_knl.core, &fz_xfrm_ops, &fz_knl, &fz_knl.k))
		abort();
	fz_knl.req_portid = 4242;
}

static int fz_xfrm_cb(const struct nlmsghdr *nlh, void *data)
{
	xfrm_event_dispatch(data, nlh);
	return MNL_CB_OK;
}

/* Every seed holds at least one whole message of an event type. */
static bool fz_xfrm_seed_ok(const uint8_t *data, size_t size)
{
	const struct nlmsghdr *nlh = (const void *)data;
	int len = (int)size;

	return mnl_nlmsg_ok(nlh, len) && nlh->nlmsg_type >= XFRM_MSG_BASE;
}

/* A length field that agrees with a cut reaches the attribute walk. */
static size_t fz_xfrm_more(uint8_t *m, size_t size, size_t i)
{
	struct nlmsghdr *nlh = (void *)m;

	if (size < sizeof(*nlh) + 8 || i < sizeof(*nlh))
		return 0;
	nlh->nlmsg_len = (uint32_t)(size - 8);
	return size - 8;
}

const struct fz_target fz_target = {
	.min_seeds = 6,
	.seed_ok = fz_xfrm_seed_ok,
	.more = fz_xfrm_more,
};

/*
 * libmnl's walk reads a length field of 2 GiB or more as negative and goes
 * on past the buffer; the kernel never sends one, so such inputs are skipped.
 */
static bool fz_xfrm_lengths_fit(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (size - off >= sizeof(struct nlmsghdr)) {
		uint32_t len;

		memcpy(&len, data + off, sizeof(len));
		if (len >= 1u << 31)
			return false;
		if (len < sizeof(struct nlmsghdr) || len > size - off)
			return true;
		off += MNL_ALIGN(len);
		if (off > size)
			return true;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;

	if (!fz_xfrm_lengths_fit(data, size))
		return 0;
	fz_xfrm_init();
	/*
	 * libmnl walks attributes up to a message's 4-byte aligned end; the
	 * reader's buffer (64 KiB) holds that padding, so the copy does too.
	 */
	buf = calloc(1, size ? MNL_ALIGN(size) : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	mnl_cb_run(buf, size, 0, 0, fz_xfrm_cb, &fz_knl);
	free(buf);
	tl_run(fz_knl.core);
	return 0;
}
