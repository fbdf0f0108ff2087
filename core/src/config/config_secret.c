/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The `secrets` section: pre-shared keys between identities and private
 * key files. No message here ever quotes a secret's value.
 */
#include <nettle/base16.h>
#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

static const char *const secret_keys[] = { "type", "ids", "secret", "file", NULL };

static const struct cfg_word secret_types[] = {
	{ "psk", CG_SECRET_PSK },
	{ "private", CG_SECRET_PRIVATE },
	{ NULL, 0 },
};

/* Decodes "0s<base64>", "0x<hex>" or plain text (as swanctl.conf does) into out. */
static bool decode_secret(const char *s, struct cg_chunk *out)
{
	size_t len = strlen(s), n;
	bool ok;

	if (len > 2 && s[0] == '0' && (s[1] == 's' || s[1] == 'x')) {
		size_t in_len = len - 2;

		if (cg_chunk_alloc(out, s[1] == 's' ? BASE64_DECODE_LENGTH(in_len)
						    : BASE16_DECODE_LENGTH(in_len)))
			return false;
		n = out->len;
		if (s[1] == 's') {
			struct base64_decode_ctx b64;

			base64_decode_init(&b64);
			ok = base64_decode_update(&b64, &n, out->ptr, in_len, s + 2) &&
			     base64_decode_final(&b64);
		} else {
			struct base16_decode_ctx b16;

			base16_decode_init(&b16);
			ok = base16_decode_update(&b16, &n, out->ptr, in_len, s + 2) &&
			     base16_decode_final(&b16);
		}
		out->len = n;
		if (!ok)
			cg_chunk_clear(out);
		return ok;
	}
	if (cg_chunk_alloc(out, len))
		return false;
	if (len)
		memcpy(out->ptr, s, len);
	return true;
}

static bool read_psk(struct cfg_ctx *ctx, const struct cg_cfg_node *item, struct cg_secret_cfg *sc)
{
	const struct cg_cfg_node *val = cg_cfg_get(item, "secret");
	const char *s = NULL;

	if (cg_cfg_get(item, "file")) {
		cfg_error(ctx, cg_cfg_get(item, "file"), "'file' is for type: private; a psk has "
			  "'secret' and 'ids'");
		return false;
	}
	if (!val) {
		cfg_error(ctx, item, "a psk needs 'secret' (text, 0x<hex> or 0s<base64>)");
		return false;
	}
	if (!cfg_ok(ctx, cg_cfg_get_str(item, "secret", &s, ctx->errs)))
		return false;
	if (!decode_secret(s, &sc->secret)) {
		cfg_error(ctx, val, "'secret' is not valid %s",
			  s[1] == 's' ? "base64 after 0s" : "hex after 0x");
		return false;
	}
	if (!sc->secret.len) {
		cfg_error(ctx, val, "'secret' is empty");
		return false;
	}
	return true;
}

static bool read_ids(struct cfg_ctx *ctx, const struct cg_cfg_node *item, struct cg_secret_cfg *sc)
{
	const struct cg_cfg_node **items;
	int n = cg_cfg_get_list(item, "ids", &items, ctx->errs);
	bool ok = true;

	if (n <= 0)
		return cfg_ok(ctx, n == 0);
	sc->ids = calloc((size_t)n, sizeof(*sc->ids));
	if (!sc->ids) {
		free(items);
		cfg_nomem(ctx, item);
		return false;
	}
	for (int i = 0; i < n; i++) {
		if (cg_id_parse(cg_cfg_scalar(items[i]), &sc->ids[sc->n_ids])) {
			cfg_error(ctx, items[i], "'%s' is not an identity", cg_cfg_scalar(items[i]));
			ok = false;
			continue;
		}
		sc->n_ids++;
	}
	free(items);
	return ok;
}

static bool read_private(struct cfg_ctx *ctx, const struct cg_cfg_node *item,
			 struct cg_secret_cfg *sc)
{
	static const char *const psk_only[] = { "secret", "ids" };

	for (size_t i = 0; i < CG_ARRAY_SIZE(psk_only); i++) {
		if (cg_cfg_get(item, psk_only[i])) {
			cfg_error(ctx, cg_cfg_get(item, psk_only[i]), "'%s' is for type: psk; a private "
				  "key has 'file' (matched to a certificate by its public key)",
				  psk_only[i]);
			return false;
		}
	}
	if (!cg_cfg_get(item, "file")) {
		cfg_error(ctx, item, "a private key needs 'file'");
		return false;
	}
	return cfg_get_path(ctx, item, "file", &sc->file);
}

static bool read_secret(struct cfg_ctx *ctx, const struct cg_cfg_node *item,
			struct cg_secret_cfg *sc)
{
	int type = -1;
	bool ok;

	sc->node = item;
	if (cg_cfg_kind(item) != CG_CFG_MAP) {
		cfg_error(ctx, item, "a secret is a map such as { type: psk, ids: [moon, sun], "
			  "secret: ... }");
		return false;
	}
	if (!cfg_ok(ctx, cg_cfg_check_keys(item, secret_keys, "a secret", ctx->errs)))
		return false;
	if (!cg_cfg_get(item, "type")) {
		cfg_error(ctx, item, "a secret needs 'type' (psk or private)");
		return false;
	}
	if (!cfg_get_word(ctx, item, "type", secret_types, &type))
		return false;
	sc->type = (enum cg_secret_type)type;
	if (sc->type == CG_SECRET_PRIVATE)
		return read_private(ctx, item, sc);
	ok = read_psk(ctx, item, sc);
	ok &= read_ids(ctx, item, sc);
	return ok;
}

bool cfg_read_secrets(struct cfg_ctx *ctx)
{
	struct cg_config *cfg = ctx->cfg;
	const struct cg_cfg_node *secrets = cg_config_section(cfg, "secrets");
	size_t n = cg_cfg_count(secrets);
	bool ok = true;

	if (!secrets || cg_cfg_is_null(secrets))
		return true;
	if (cg_cfg_kind(secrets) != CG_CFG_SEQ) {
		cfg_error(ctx, secrets, "'secrets' must be a list, e.g. "
			  "- { type: psk, ids: [moon, sun], secret: ... }");
		return false;
	}
	if (!n)
		return true;
	cfg->secrets = calloc(n, sizeof(*cfg->secrets));
	if (!cfg->secrets) {
		cfg_nomem(ctx, secrets);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		ok &= read_secret(ctx, cg_cfg_at(secrets, i), &cfg->secrets[cfg->n_secrets++]);
	return ok;
}

void cfg_free_secrets(struct cg_config *cfg)
{
	for (size_t i = 0; i < cfg->n_secrets; i++) {
		struct cg_secret_cfg *sc = &cfg->secrets[i];

		for (size_t j = 0; j < sc->n_ids; j++)
			cg_id_free(&sc->ids[j]);
		free(sc->ids);
		cg_chunk_clear(&sc->secret);
		free(sc->file);
	}
	free(cfg->secrets);
}
