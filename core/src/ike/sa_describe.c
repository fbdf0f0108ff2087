/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `cygnetctl list-sas` for both IKE versions: the fields every IKE SA and
 * every child SA shows, in one shape, whichever plugin negotiated them.
 */
#include <time.h>

#include <cygnet/control.h>
#include <cygnet/sa.h>
#include <cygnet/transform.h>
#include <cygnet/ts.h>

CG_EXPORT void cg_sa_describe_head(struct cg_out *out, const struct cg_sa *entry,
				   const struct cg_sa_view *v)
{
	const struct cg_transform *t;
	char a[CG_ADDR_STRLEN], id[CG_ID_STRLEN];

	cg_out_str(out, "name", v->name);
	cg_out_uint(out, "uniqueid", cg_sa_unique_id(entry));
	cg_out_uint(out, "version", cg_sa_version(entry));
	cg_out_str(out, "state", v->state);
	cg_out_str(out, "local-host", cg_addr_str(v->local, a, sizeof(a)));
	cg_out_uint(out, "local-port", v->local->port);
	if (v->id_local)
		cg_out_str(out, "local-id", cg_id_str(v->id_local, id, sizeof(id)));
	cg_out_str(out, "remote-host", cg_addr_str(v->remote, a, sizeof(a)));
	cg_out_uint(out, "remote-port", v->remote->port);
	if (v->id_remote)
		cg_out_str(out, "remote-id", cg_id_str(v->id_remote, id, sizeof(id)));
	cg_out_bool(out, "initiator", v->initiator);
	if (v->mobike)
		cg_out_bool(out, "mobike", *v->mobike);
	cg_out_strf(out, "initiator-spi", "%016llx", (unsigned long long)v->spi_i);
	cg_out_strf(out, "responder-spi", "%016llx", (unsigned long long)v->spi_r);
	if (v->proposal) {
		t = cg_proposal_get(v->proposal, CG_TT_ENCR);
		cg_out_str(out, "encr-alg", cg_transform_name(CG_TT_ENCR, t->id));
		if (t->keylen)
			cg_out_uint(out, "encr-keysize", t->keylen);
		t = cg_proposal_get(v->proposal, CG_TT_INTEG);
		if (t)
			cg_out_str(out, "integ-alg", cg_transform_name(CG_TT_INTEG, t->id));
		t = cg_proposal_get(v->proposal, CG_TT_PRF);
		cg_out_str(out, "prf-alg", cg_transform_name(CG_TT_PRF, t->id));
		cg_out_str(out, "dh-group", cg_transform_name(CG_TT_KE, v->ke_group));
	}
	if (v->established_at)
		cg_out_int(out, "established", (int64_t)time(NULL) - v->established_at);
}

static void describe_ts(struct cg_out *out, const char *key, const struct cg_ts *ts, size_t n)
{
	char buf[CG_TS_STRLEN];

	cg_out_arr_begin(out, key);
	for (size_t i = 0; i < n; i++)
		cg_out_str(out, NULL, cg_ts_str(&ts[i], buf, sizeof(buf)));
	cg_out_arr_end(out);
}

static void describe_counters(struct cg_core *core, const struct cg_child_install *ci,
			      struct cg_out *out, bool inbound)
{
	struct cg_kernel_sa_id id;
	struct cg_kernel_sa_stats st;
	struct cg_addr l, r;

	if (cg_child_sa_hosts(ci, &l, &r))
		return;
	id = cg_child_sa_id(&l, &r, inbound, inbound ? ci->spi_in : ci->spi_out, ci->proto);
	if (cg_kernel_query_sa(core, &id, &st))
		return;
	cg_out_uint(out, inbound ? "bytes-in" : "bytes-out", st.bytes);
	cg_out_uint(out, inbound ? "packets-in" : "packets-out", st.packets);
}

CG_EXPORT void cg_child_describe(struct cg_core *core, struct cg_out *out,
				 const struct cg_child_view *v)
{
	const struct cg_child_install *ci = v->ci;
	int64_t now = time(NULL);
	char a[CG_ADDR_STRLEN];

	cg_out_obj_begin(out, NULL);
	cg_out_str(out, "name", v->name);
	cg_out_uint(out, "uniqueid", v->unique_id);
	cg_out_uint(out, "reqid", ci->reqid);
	cg_out_str(out, "state", v->installed ? "INSTALLED" : "CREATED");
	cg_out_str(out, "mode", ci->proxy ? "TRANSPORT_PROXY" : cg_mode_name(ci->mode));
	cg_out_str(out, "protocol", "ESP");
	cg_out_strf(out, "spi-in", "%08x", ci->spi_in);
	cg_out_strf(out, "spi-out", "%08x", ci->spi_out);
	/* Where its SAs are now (MOBIKE and MIGRATE move them); proxy SAs run between the TS hosts. */
	if (!ci->proxy) {
		cg_out_str(out, "outer-local", cg_addr_str(&ci->local, a, sizeof(a)));
		cg_out_str(out, "outer-remote", cg_addr_str(&ci->remote, a, sizeof(a)));
	}
	cg_out_str(out, "encr-alg", cg_transform_name(CG_TT_ENCR, ci->encr_alg));
	cg_out_uint(out, "encr-keysize", ci->encr_keylen);
	if (ci->integ_alg)
		cg_out_str(out, "integ-alg", cg_transform_name(CG_TT_INTEG, ci->integ_alg));
	if (v->pfs_group)
		cg_out_str(out, "dh-group", cg_transform_name(CG_TT_KE, v->pfs_group));
	cg_out_bool(out, "esn", ci->esn);
	describe_counters(core, ci, out, true);
	describe_counters(core, ci, out, false);
	cg_out_int(out, "install-time", now - v->installed_at);
	if (ci->lifetime.soft_secs)
		cg_out_int(out, "rekey-time", v->installed_at + (int64_t)ci->lifetime.soft_secs - now);
	if (ci->lifetime.hard_secs)
		cg_out_int(out, "life-time", v->installed_at + (int64_t)ci->lifetime.hard_secs - now);
	describe_ts(out, "local-ts", ci->local_ts, ci->n_local_ts);
	describe_ts(out, "remote-ts", ci->remote_ts, ci->n_remote_ts);
	cg_out_obj_end(out);
}
