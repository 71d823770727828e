/* tokens.c: API tokens for other systems (exchange.h). A token is "tv_" and 64 hex digits of 32
 * random bytes; only its BLAKE2b hash is stored. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "exchange/exchange.h"

static void hash_of(const char *token, char out[65])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}

typedef struct unitrow {
	int64_t id;
	char code[40], name[200], path[256];
} unitrow_t;

static int unit_of(db_t *db, int64_t id, unitrow_t *u, err_t *err)
{
	db_stmt_t *st = db_query(db, err, "SELECT id, code, name, path FROM units WHERE id = ?", "i", id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		u->id = db_col_int(st, 0);
		snprintf(u->code, sizeof u->code, "%s", db_col_text(st, 1));
		snprintf(u->name, sizeof u->name, "%s", db_col_text(st, 2));
		snprintf(u->path, sizeof u->path, "%s", db_col_text(st, 3));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
}

int xchg_token_create(db_t *db, const actor_t *actor, int64_t unit_id, const char *name,
                      char token[XCHG_TOKEN_LEN + 1], int64_t *id, err_t *err)
{
	if (actor && !actor_is_admin(actor))
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	unitrow_t u;
	int rc = unit_of(db, unit_id, &u, err);
	if (rc < 0)
		return rc;
	if (actor && !actor_sees_path(actor, u.path))
		return err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
	arena_t *a = arena_new(1024);
	char *nm = name ? text_nfc(a, name) : NULL;
	if (nm)
		text_trim(nm);
	if (!nm || !*nm || text_length(nm) > 100) {
		arena_free(a);
		return err_set(err, ERR_INVALID, "err.api.token_name", NULL);
	}
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	memcpy(token, "tv_", 3);
	sodium_bin2hex(token + 3, 65, raw, sizeof raw);
	char h[65];
	hash_of(token, h);
	int own = 0;
	int64_t nid = 0;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	rc = db_insert_id(db, &nid, err,
	                  "INSERT INTO api_tokens (unit_id, name, token_hash, created_by, created_at) "
	                  "VALUES (?, ?, ?, NULLIF(?, 0), ?) RETURNING id",
	                  "issii", unit_id, nm, h, actor ? actor->account_id : 0, clock_now());
	if (rc == 0)
		rc = audit_write(db, actor, actor ? NULL : "cli", unit_id, u.path, "api_token.create", "api_token", nid,
		                 arena_printf(a, "%s (%s)", nm, u.code), NULL, err);
	rc = db_end_own(db, own, rc, err);
	if (rc == 0 && id)
		*id = nid;
out:
	if (rc < 0)
		sodium_memzero(token, XCHG_TOKEN_LEN + 1);
	arena_free(a);
	return rc;
}

#define TOKEN_COLS                                                                                           \
	"t.id, t.unit_id, u.code, u.name, u.path, t.name, COALESCE(c.username, ''), t.created_at, "          \
	"COALESCE(t.revoked_at, 0), COALESCE(t.last_used_at, 0) FROM api_tokens t JOIN units u ON u.id = t.unit_id " \
	"LEFT JOIN accounts c ON c.id = t.created_by "

static void read_token(db_stmt_t *st, arena_t *a, xchg_token_t *t)
{
	t->id = db_col_int(st, 0);
	t->unit_id = db_col_int(st, 1);
	t->unit_code = arena_strdup(a, db_col_text(st, 2));
	t->unit_name = arena_strdup(a, db_col_text(st, 3));
	t->unit_path = arena_strdup(a, db_col_text(st, 4));
	t->name = arena_strdup(a, db_col_text(st, 5));
	t->created_by = arena_strdup(a, db_col_text(st, 6));
	t->created_at = db_col_int(st, 7);
	t->revoked_at = db_col_int(st, 8);
	t->last_used_at = db_col_int(st, 9);
}

int xchg_token_list(db_t *db, const actor_t *actor, arena_t *a, xchg_token_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	if (actor && !actor_is_admin(actor))
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	const char *lo = actor ? actor->unit_path : "/";
	const char *hi = actor ? actor_path_end(a, actor->unit_path) : "0";
	db_stmt_t *st = db_query(db, err, "SELECT " TOKEN_COLS "WHERE u.path >= ? AND u.path < ? ORDER BY t.id DESC",
	                         "ss", lo, hi);
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 8, sizeof **out);
		read_token(st, a, &(*out)[(*n)++]);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int xchg_token_revoke(db_t *db, const actor_t *actor, int64_t id, err_t *err)
{
	if (actor && !actor_is_admin(actor))
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	arena_t *a = arena_new(1024);
	xchg_token_t t = { 0 };
	db_stmt_t *st = db_query(db, err, "SELECT " TOKEN_COLS "WHERE t.id = ?", "i", id);
	int rc = st ? db_step(st, err) : err->code;
	if (rc == DB_ROW)
		read_token(st, a, &t);
	db_done(st);
	if (rc >= 0 && (rc != DB_ROW || (actor && !actor_sees_path(actor, t.unit_path))))
		rc = err_set(err, ERR_NOTFOUND, "err.api.token_notfound", NULL);
	if (rc < 0 || t.revoked_at)
		goto out;
	int own = 0;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	rc = db_exec(db, err, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", "ii",
	             clock_now(), id);
	if (rc >= 0)
		rc = audit_write(db, actor, actor ? NULL : "cli", t.unit_id, t.unit_path, "api_token.revoke", "api_token",
		                 id, arena_printf(a, "%s (%s)", t.name, t.unit_code), NULL, err);
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
out:
	arena_free(a);
	return rc < 0 ? rc : 0;
}

int xchg_token_auth(db_t *db, const char *token, const char *ip, actor_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (!token || strlen(token) != XCHG_TOKEN_LEN || strncmp(token, "tv_", 3))
		return err_set(err, ERR_AUTH, "err.api.token", NULL);
	for (const char *p = token + 3; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return err_set(err, ERR_AUTH, "err.api.token", NULL);
	char h[65];
	hash_of(token, h);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT t.id, t.unit_id, t.name, u.code, u.name, u.kind, u.path, "
	                         "COALESCE(t.revoked_at, 0), COALESCE(t.last_used_at, 0) "
	                         "FROM api_tokens t JOIN units u ON u.id = t.unit_id WHERE t.token_hash = ?",
	                         "s", h);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	int64_t tid = 0, revoked = 0, used = 0;
	if (rc == DB_ROW) {
		tid = db_col_int(st, 0);
		out->unit_id = db_col_int(st, 1);
		snprintf(out->username, sizeof out->username, "api:%s", db_col_text(st, 2));
		snprintf(out->full_name, sizeof out->full_name, "%s", db_col_text(st, 2));
		snprintf(out->unit_code, sizeof out->unit_code, "%s", db_col_text(st, 3));
		snprintf(out->unit_name, sizeof out->unit_name, "%s", db_col_text(st, 4));
		snprintf(out->unit_kind, sizeof out->unit_kind, "%s", db_col_text(st, 5));
		snprintf(out->unit_path, sizeof out->unit_path, "%s", db_col_text(st, 6));
		revoked = db_col_int(st, 7);
		used = db_col_int(st, 8);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (rc != DB_ROW || revoked) {
		memset(out, 0, sizeof *out);
		return err_set(err, ERR_AUTH, "err.api.token", NULL);
	}
	out->role = ROLE_INSPECTOR; /* reads the subtree; the API has no route that writes */
	snprintf(out->lang, sizeof out->lang, "vi");
	snprintf(out->ip, sizeof out->ip, "%s", ip ? ip : "");
	int64_t now = clock_now();
	if (now - used >= 60) {
		err_t e2 = { 0 };
		if (db_exec(db, &e2, "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND "
		                     "(last_used_at IS NULL OR last_used_at <= ?)",
		            "iii", now, tid, now - 60) < 0)
			(void)0; /* a busy database must not refuse the read */
	}
	return 0;
}

int xchg_units_list(db_t *db, const actor_t *actor, arena_t *a, xchg_unit_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT u.code, u.name, u.kind, COALESCE(u.school_level, ''), u.ownership, "
	                         "COALESCE(p.code, ''), u.path, u.active FROM units u "
	                         "LEFT JOIN units p ON p.id = u.parent_id WHERE u.path >= ? AND u.path < ? "
	                         "ORDER BY u.path",
	                         "ss", actor->unit_path, actor_path_end(a, actor->unit_path));
	if (!st)
		return err->code;
	size_t cap = 0;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 16, sizeof **out);
		xchg_unit_t *u = &(*out)[(*n)++];
		u->code = arena_strdup(a, db_col_text(st, 0));
		u->name = arena_strdup(a, db_col_text(st, 1));
		u->kind = arena_strdup(a, db_col_text(st, 2));
		u->level = arena_strdup(a, db_col_text(st, 3));
		u->ownership = arena_strdup(a, db_col_text(st, 4));
		u->parent_code = arena_strdup(a, db_col_text(st, 5));
		u->path = arena_strdup(a, db_col_text(st, 6));
		u->active = (int)db_col_int(st, 7);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}
