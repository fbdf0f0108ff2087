/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IKE message fragmentation (RFC 7383): the announcement in IKE_SA_INIT, the
 * size from which our SK messages are split (sk.c splits them), and the
 * reassembly of the peer's fragments, one message per direction, each
 * fragment checked for integrity before it is kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frag.h"
#include "ikesa.h"
#include "msg.h"
#include "sk.h"

/* The fragments of one message received so far. */
struct ike2_frags {
	uint32_t mid;
	uint8_t exchange;
	uint8_t first;                    /* first inner payload, from fragment 1 */
	uint16_t total, have;
	uint32_t gen;                     /* which set a timer was armed for */
	size_t bytes;                     /* decrypted bytes kept */
	cg_timer_id timer;
	struct cg_chunk part[IKE2_FRAG_MAX]; /* by Fragment Number - 1; empty until received */
};

/* What the reassembly timer needs to find its set again. */
/* Which set a fragment timer was armed for. */
struct frag_timer {
	uint32_t gen;
	bool response;
};

void ike2_frag_write_supported(struct ike2_sa *sa, struct ike2_w *w)
{
	/* A responder only answers an initiator that announced it (RFC 7383 2.3). */
	if (sa->conn->fragmentation == CG_FRAG_NO || (!sa->initiator && !sa->frag.peer))
		return;
	ike2_w_notify(w, 0, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0, NULL, 0);
}

void ike2_frag_note_peer(struct ike2_sa *sa, const struct ike2_chain *c)
{
	sa->frag.peer = ike2_chain_notify(c, IKE2_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL);
}

size_t ike2_frag_limit(const struct ike2_sa *sa)
{
	const struct cg_conn_cfg *conn = sa->conn;
	bool v6 = sa->remote.family == AF_INET6;
	size_t ip = conn->fragment_size ? conn->fragment_size : v6 ? 1280 : 576;
	size_t headers = (v6 ? 40 : 20) + 8;
	uint16_t nat_t = cg_ike_port_nat_t(sa->core);

	switch (conn->fragmentation) {
	case CG_FRAG_FORCE:
		break;
	case CG_FRAG_YES:
		if (sa->frag.peer)
			break;
		return 0;
	default:
		return 0;
	}
	/* The non-ESP marker goes in front of messages on the NAT-T port. */
	if (sa->local.port == nat_t || sa->remote.port == nat_t)
		headers += 4;
	return ip > headers ? ip - headers : 0;
}

uint16_t ike2_frag_number(const struct ike2_msg *msg)
{
	const struct ike2_pl *skf = ike2_chain_find(&msg->outer, IKE2_PL_SKF);
	struct ike2_skf f;

	return skf && !ike2_skf_parse(skf, &f) ? f.num : 0;
}

static void frags_free(struct ike2_sa *sa, struct ike2_frags *f)
{
	if (!f)
		return;
	if (f->timer)
		cg_timer_cancel(sa->core, f->timer);
	for (size_t i = 0; i < IKE2_FRAG_MAX; i++)
		cg_chunk_free(&f->part[i]);
	free(f);
}

void ike2_frag_discard(struct ike2_sa *sa, bool response)
{
	frags_free(sa, sa->frag.sets[response]);
	sa->frag.sets[response] = NULL;
}

static enum cg_sa_verdict frag_timeout_job(struct cg_sa *entry, void *arg)
{
	const struct frag_timer *t = arg;
	struct ike2_sa *sa = cg_sa_data(entry);
	struct ike2_frags *f = sa->frag.sets[t->response];

	if (f && f->gen == t->gen) {
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO,
			    "%s %s %u: %u of %u fragments after %u s, discarded",
			    ike2_exchange_name(f->exchange), t->response ? "response" : "request",
			    f->mid, f->have, f->total, IKE2_FRAG_TIMEOUT_MS / 1000);
		f->timer = 0;
		ike2_frag_discard(sa, t->response);
	}
	return CG_SA_KEEP;
}

/* A fresh set for message msg with total fragments, replacing any other. */
static struct ike2_frags *frags_start(struct ike2_sa *sa, const struct ike2_msg *msg,
				      bool response, uint16_t total)
{
	struct ike2_frags *f;
	struct frag_timer t;

	ike2_frag_discard(sa, response);
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->mid = msg->h.mid;
	f->exchange = msg->h.exchange;
	f->total = total;
	f->gen = ++sa->frag.gen;
	sa->frag.sets[response] = f;
	t = (struct frag_timer){ .gen = f->gen, .response = response };
	cg_sa_timer_add(sa->core, ike2_sa_local_spi(sa), IKE2_FRAG_TIMEOUT_MS, frag_timeout_job, &t,
			sizeof(t), &f->timer);
	return f;
}

/* Joins a complete set into msg (its first payload from fragment 1). */
static int frags_join(struct ike2_sa *sa, struct ike2_frags *f, struct ike2_msg *msg)
{
	uint8_t *plain = malloc(f->bytes ? f->bytes : 1);
	size_t off = 0;

	if (!plain)
		return -ENOMEM;
	for (size_t i = 0; i < f->total; i++) {
		memcpy(plain + off, f->part[i].ptr, f->part[i].len);
		off += f->part[i].len;
	}
	if (ike2_chain_parse(f->first, plain, off, &msg->pl)) {
		free(plain);
		return -EPROTO;
	}
	ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_DEBUG, "%s %u reassembled from %u fragments (%zu bytes)",
		    ike2_exchange_name(f->exchange), f->mid, f->total, off);
	msg->plain = plain;
	return 0;
}

/* Logs why a fragment was dropped; -EAGAIN for ike2_sk_open's caller. */
static int frag_drop(struct ike2_sa *sa, const struct ike2_msg *msg, uint16_t num,
		     uint16_t total, const char *why)
{
	ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_INFO, "fragment %u of %u of %s %s %u dropped: %s", num,
		    total, ike2_exchange_name(msg->h.exchange),
		    msg->h.flags & IKE2_FLAG_R ? "response" : "request", msg->h.mid, why);
	return -EAGAIN;
}

int ike2_frag_open(struct ike2_sa *sa, struct ike2_msg *msg, const struct ike2_pl *skf)
{
	bool response = msg->h.flags & IKE2_FLAG_R;
	struct ike2_frags *f = sa->frag.sets[response];
	struct ike2_skf hdr;
	uint16_t num, total;
	uint8_t *plain;
	size_t len;
	int err;

	if (ike2_skf_parse(skf, &hdr))
		return frag_drop(sa, msg, 0, 0, "too short");
	num = hdr.num;
	total = hdr.total;
	/* Cheap checks first: nothing unauthenticated changes what is kept. */
	if (sa->conn->fragmentation == CG_FRAG_NO)
		return frag_drop(sa, msg, num, total, "fragmentation is off");
	if (!num || !total || num > total)
		return frag_drop(sa, msg, num, total, "fragment number out of range");
	if (total > IKE2_FRAG_MAX)
		return frag_drop(sa, msg, num, total, "too many fragments");
	if (f && f->mid == msg->h.mid) {
		if (f->exchange != msg->h.exchange)
			return frag_drop(sa, msg, num, total, "exchange type differs");
		if (total < f->total)
			return frag_drop(sa, msg, num, total, "older than the fragments kept");
		if (total == f->total && f->part[num - 1].ptr) {
			ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_DEBUG,
				    "fragment %u of %u of %s %u received again", num, total,
				    ike2_exchange_name(msg->h.exchange), msg->h.mid);
			return -EAGAIN;
		}
	}
	err = ike2_sk_decrypt(sa, msg->pkt, hdr.iv, &plain, &len);
	if (err)
		return frag_drop(sa, msg, num, total,
				 err == -ENOMEM ? "out of memory" : "integrity check failed");
	/* Authentic: a set for another message, or with fewer fragments, is stale. */
	if (!f || f->mid != msg->h.mid || total > f->total) {
		f = frags_start(sa, msg, response, total);
		if (!f) {
			free(plain);
			return frag_drop(sa, msg, num, total, "out of memory");
		}
	}
	if (f->bytes + len > IKE2_FRAG_MAX_BYTES) {
		free(plain);
		ike2_frag_discard(sa, response);
		return frag_drop(sa, msg, num, total, "message too large, reassembly abandoned");
	}
	f->part[num - 1] = CG_CHUNK(plain, len);
	f->bytes += len;
	f->have++;
	if (num == 1)
		f->first = skf->next;
	if (f->have < f->total) {
		ike2_sa_log(sa, CG_LOG_ENC, CG_LVL_DEBUG, "fragment %u of %u of %s %u kept", num,
			    total, ike2_exchange_name(msg->h.exchange), msg->h.mid);
		return -EAGAIN;
	}
	err = frags_join(sa, f, msg);
	ike2_frag_discard(sa, response);
	return err;
}
