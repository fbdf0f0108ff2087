/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * INITIAL_CONTACT (RFC 7296 2.4) and the connection's `unique` policy.
 *
 * Our first IKE_AUTH to a peer (no IKE SA with the same identities) says
 * INITIAL_CONTACT. When a peer says it, it has lost its state (a reboot),
 * so every other IKE SA between the same identities is stale: it is
 * destroyed with its children, without a delete the peer could not read.
 * `unique: replace` deletes the older SAs (with a delete), `keep` deletes
 * the new one, `never` ignores INITIAL_CONTACT.
 *
 * Both questions are answered from an index of the established IKE SAs
 * keyed by (connection, local identity, remote identity), so an IKE_AUTH
 * costs the same with ten SAs or ten thousand. SAs of a connection whose
 * remote id is %any are also indexed by the peer's address, which is what
 * an initiator of such a connection knows before IKE_AUTH (the entry
 * follows the SA when it moves to another address). The index holds
 * an SA from its establishment until it goes down; a rekeyed SA takes the
 * place of the one it replaces. Connections with `unique: never` are not
 * indexed: nothing asks about them.
 *
 * The cleanup runs in its own job, which checks out one SA at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contact.h"
#include "ike2.h"
#include "ikesa.h"
#include "info.h"
#include "msg.h"

#define CONTACT_MAX_SAS 64

enum contact_action {
	CONTACT_DESTROY_OTHERS = 0, /* INITIAL_CONTACT */
	CONTACT_REPLACE_OTHERS,     /* unique: replace */
	CONTACT_KEEP_OTHERS,        /* unique: keep */
};

/* One SA under one key; entries whose keys collide share a chain. */
struct ike2_peer_entry {
	struct ike2_peer_entry *next;
	uint64_t key;
	char conn[CG_NAME_MAX];
	struct cg_id local;          /* owned */
	struct cg_id remote;         /* owned; unused when by_addr */
	struct cg_addr addr;         /* by_addr: the peer's address, port 0 */
	bool by_addr;
	uint32_t unique_id;
};

/* What is looked up: a connection, our identity and the peer's identity or address. */
struct peer_key {
	const char *conn;
	const struct cg_id *local, *remote;
	struct cg_addr addr;
	bool by_addr;
};

struct contact_job {
	struct ike2 *p;
	uint32_t self;              /* the new SA's unique id */
	enum contact_action action;
	char conn[CG_NAME_MAX];
	struct cg_id local, remote;
	uint32_t ids[CONTACT_MAX_SAS];
	size_t n;
};

static uint64_t id_hash(const struct cg_id *id, uint64_t seed)
{
	uint8_t type = (uint8_t)id->type;

	return cg_hash64(id->data.ptr, id->data.len, cg_hash64(&type, 1, seed));
}

static uint64_t key_hash(const struct peer_key *k)
{
	uint64_t h = cg_hash64(k->conn, strlen(k->conn), 0);

	h = id_hash(k->local, h);
	if (k->by_addr)
		return cg_hash64(k->addr.u.bytes, cg_addr_len(&k->addr), h ^ k->addr.family);
	return id_hash(k->remote, h);
}

static bool entry_is(const struct ike2_peer_entry *e, const struct peer_key *k)
{
	if (e->by_addr != k->by_addr || strcmp(e->conn, k->conn) || !cg_id_equal(&e->local, k->local))
		return false;
	return k->by_addr ? cg_addr_equal(&e->addr, &k->addr) : cg_id_equal(&e->remote, k->remote);
}

static struct cg_addr no_port(const struct cg_addr *a)
{
	struct cg_addr r = *a;

	r.port = 0;
	return r;
}

int ike2_contact_setup(struct ike2 *p)
{
	cg_hmap_init(&p->peers);
	return -pthread_mutex_init(&p->peers_lock, NULL);
}

void ike2_contact_cleanup(struct ike2 *p)
{
	/* Every SA left the index when it went down (sas_remove runs first). */
	cg_hmap_free(&p->peers);
	pthread_mutex_destroy(&p->peers_lock);
}

static void entry_free(struct ike2_peer_entry *e)
{
	if (!e)
		return;
	cg_id_free(&e->local);
	cg_id_free(&e->remote);
	free(e);
}

/* Links e under its key; the caller holds peers_lock. */
static int index_link(struct ike2 *p, struct ike2_peer_entry *e)
{
	struct ike2_peer_entry *head = cg_hmap_get(&p->peers, e->key);
	int err;

	e->next = head;
	err = cg_hmap_put(&p->peers, e->key, e);
	if (err)
		e->next = NULL;
	return err;
}

/* Unlinks e; the caller holds peers_lock. */
static void index_unlink(struct ike2 *p, struct ike2_peer_entry *e)
{
	struct ike2_peer_entry *head = cg_hmap_get(&p->peers, e->key);

	if (head == e) {
		if (e->next)
			cg_hmap_put(&p->peers, e->key, e->next); /* replaces: needs no memory */
		else
			cg_hmap_del(&p->peers, e->key);
		return;
	}
	for (; head; head = head->next)
		if (head->next == e) {
			head->next = e->next;
			return;
		}
}

static struct ike2_peer_entry *entry_new(const struct ike2_sa *sa, bool by_addr)
{
	struct ike2_peer_entry *e = calloc(1, sizeof(*e));
	struct peer_key k = {
		.conn = sa->conn->name, .local = &sa->id_local, .remote = &sa->id_remote,
		.addr = no_port(&sa->remote), .by_addr = by_addr,
	};

	if (!e)
		return NULL;
	snprintf(e->conn, sizeof(e->conn), "%s", sa->conn->name);
	e->by_addr = by_addr;
	e->addr = k.addr;
	e->unique_id = cg_sa_unique_id(sa->entry);
	e->key = key_hash(&k);
	if (cg_id_dup(&sa->id_local, &e->local) ||
	    (!by_addr && cg_id_dup(&sa->id_remote, &e->remote))) {
		entry_free(e);
		return NULL;
	}
	return e;
}

/* Puts an established SA into the index (not for `unique: never`). */
static void index_add(struct ike2_sa *sa)
{
	struct ike2 *p = sa->plugin;
	size_t n = sa->conn->remote.id.type == CG_ID_ANY ? 2 : 1;

	if (sa->conn->unique == CG_UNIQUE_NEVER || sa->contact.entries[0])
		return;
	for (size_t i = 0; i < n; i++) {
		struct ike2_peer_entry *e = entry_new(sa, i == 1);

		pthread_mutex_lock(&p->peers_lock);
		if (e && index_link(p, e)) {
			entry_free(e);
			e = NULL;
		}
		pthread_mutex_unlock(&p->peers_lock);
		if (!e)
			ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
				    "out of memory: the SA is not in the peer index");
		sa->contact.entries[i] = e;
	}
}

void ike2_contact_forget(struct ike2_sa *sa)
{
	struct ike2 *p = sa->plugin;

	if (!sa->contact.entries[0] && !sa->contact.entries[1])
		return;
	pthread_mutex_lock(&p->peers_lock);
	for (size_t i = 0; i < CG_ARRAY_SIZE(sa->contact.entries); i++)
		if (sa->contact.entries[i])
			index_unlink(p, sa->contact.entries[i]);
	pthread_mutex_unlock(&p->peers_lock);
	for (size_t i = 0; i < CG_ARRAY_SIZE(sa->contact.entries); i++) {
		entry_free(sa->contact.entries[i]);
		sa->contact.entries[i] = NULL;
	}
}

void ike2_contact_replace(struct ike2_sa *old, struct ike2_sa *sa)
{
	struct ike2 *p = sa->plugin;
	uint32_t id = cg_sa_unique_id(sa->entry);

	ike2_contact_forget(sa);
	pthread_mutex_lock(&p->peers_lock);
	for (size_t i = 0; i < CG_ARRAY_SIZE(old->contact.entries); i++) {
		sa->contact.entries[i] = old->contact.entries[i];
		old->contact.entries[i] = NULL;
		if (sa->contact.entries[i])
			sa->contact.entries[i]->unique_id = id;
	}
	pthread_mutex_unlock(&p->peers_lock);
}

void ike2_contact_moved(struct ike2_sa *sa)
{
	struct ike2 *p = sa->plugin;
	struct ike2_peer_entry *e = sa->contact.entries[1];
	struct peer_key k;
	int err;

	if (!e)
		return;
	k = (struct peer_key){
		.conn = e->conn, .local = &e->local, .addr = no_port(&sa->remote), .by_addr = true,
	};
	pthread_mutex_lock(&p->peers_lock);
	index_unlink(p, e);
	e->addr = k.addr;
	e->key = key_hash(&k);
	err = index_link(p, e);
	pthread_mutex_unlock(&p->peers_lock);
	if (err) {
		entry_free(e);
		sa->contact.entries[1] = NULL;
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_WARN,
			    "out of memory: the SA is not in the peer index by address");
	}
}

/* Unique ids of the SAs under k, but self; at most max. */
static size_t index_find(struct ike2 *p, const struct peer_key *k, uint32_t self, uint32_t *ids,
			 size_t max)
{
	uint64_t key = key_hash(k);
	size_t n = 0;

	pthread_mutex_lock(&p->peers_lock);
	for (struct ike2_peer_entry *e = cg_hmap_get(&p->peers, key); e && n < max; e = e->next)
		if (e->key == key && e->unique_id != self && entry_is(e, k))
			ids[n++] = e->unique_id;
	pthread_mutex_unlock(&p->peers_lock);
	return n;
}

bool ike2_contact_first(struct ike2 *p, const struct cg_conn_cfg *conn,
			const struct cg_addr *local, const struct cg_addr *remote)
{
	struct cg_id us;
	struct peer_key k = {
		.conn = conn->name, .local = &us, .remote = &conn->remote.id,
		.addr = no_port(remote), .by_addr = conn->remote.id.type == CG_ID_ANY,
	};
	uint32_t id;
	size_t n;

	if (conn->unique == CG_UNIQUE_NEVER || cg_conn_local_id(conn, local, &us))
		return false;
	n = index_find(p, &k, 0, &id, 1);
	cg_id_free(&us);
	return n == 0;
}

static void contact_job_free(void *arg)
{
	struct contact_job *j = arg;

	cg_id_free(&j->local);
	cg_id_free(&j->remote);
	free(j);
}

/* Still an established SA between the same peers under the same connection. */
static bool same_peer(const struct contact_job *j, const struct ike2_sa *sa)
{
	return !sa->rekeyed && sa->state == IKE2_ST_ESTABLISHED && !strcmp(sa->conn->name, j->conn) &&
	       cg_id_equal(&sa->id_local, &j->local) && cg_id_equal(&sa->id_remote, &j->remote);
}

/* Removes one other SA as the action says; false when it was gone or not a match. */
static bool remove_other(struct contact_job *j, uint32_t id)
{
	struct cg_sa *entry = cg_sa_checkout_by_id(j->p->core, id);
	struct ike2_sa *sa;

	if (!entry)
		return false;
	sa = cg_sa_data(entry);
	if (!same_peer(j, sa)) {
		cg_sa_checkin(j->p->core, entry);
		return false;
	}
	if (j->action == CONTACT_REPLACE_OTHERS && !ike2_info_delete_ike(sa)) {
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "replaced by a new IKE SA (unique: replace)");
		cg_sa_checkin(j->p->core, entry);
		return true;
	}
	ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "destroying a stale IKE SA: the peer %s",
		    j->action == CONTACT_DESTROY_OTHERS ? "sent INITIAL_CONTACT"
							: "has a new IKE SA");
	ike2_sa_down(sa);
	cg_sa_checkin_destroy(j->p->core, entry);
	return true;
}

static void contact_job_run(void *arg)
{
	struct contact_job *j = arg;
	struct peer_key k = { .conn = j->conn, .local = &j->local, .remote = &j->remote };
	struct cg_sa *entry;

	j->n = index_find(j->p, &k, j->self, j->ids, CG_ARRAY_SIZE(j->ids));
	if (j->action != CONTACT_KEEP_OTHERS) {
		for (size_t i = 0; i < j->n; i++)
			remove_other(j, j->ids[i]);
		return;
	}
	if (!j->n)
		return;
	/* unique: keep. The older SA stays, the new one goes. */
	entry = cg_sa_checkout_by_id(j->p->core, j->self);
	if (!entry)
		return;
	ike2_sa_log(cg_sa_data(entry), CG_LOG_IKE, CG_LVL_INFO,
		    "an IKE SA with these identities exists (unique: keep): deleting the new one");
	if (ike2_info_delete_ike(cg_sa_data(entry))) {
		ike2_sa_down(cg_sa_data(entry));
		cg_sa_checkin_destroy(j->p->core, entry);
		return;
	}
	cg_sa_checkin(j->p->core, entry);
}

void ike2_contact_established(struct ike2_sa *sa, const struct ike2_msg *msg)
{
	bool contact = msg && ike2_chain_notify(&msg->pl, IKE2_N_INITIAL_CONTACT, NULL);
	struct contact_job *j;

	index_add(sa);
	if (contact && sa->conn->unique != CG_UNIQUE_NEVER)
		ike2_sa_log(sa, CG_LOG_IKE, CG_LVL_INFO, "peer sent INITIAL_CONTACT");
	else if (sa->conn->unique != CG_UNIQUE_REPLACE && sa->conn->unique != CG_UNIQUE_KEEP)
		return;
	j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->p = sa->plugin;
	j->self = cg_sa_unique_id(sa->entry);
	snprintf(j->conn, sizeof(j->conn), "%s", sa->conn->name);
	j->action = contact && sa->conn->unique != CG_UNIQUE_NEVER ? CONTACT_DESTROY_OTHERS
		    : sa->conn->unique == CG_UNIQUE_REPLACE      ? CONTACT_REPLACE_OTHERS
								 : CONTACT_KEEP_OTHERS;
	if (cg_id_dup(&sa->id_local, &j->local) || cg_id_dup(&sa->id_remote, &j->remote)) {
		contact_job_free(j);
		return;
	}
	cg_job_queue(sa->core, contact_job_run, j, contact_job_free);
}
