/* accounts.c: creating, reading, disabling, resetting accounts (accounts.h).
 *
 * Every function that touches another account goes through load_target(), which applies the
 * one rule of M11: an admin manages the accounts of its subtree; anyone else is told the account
 * does not exist. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "accounts/auth.h"
#include "accounts/password.h"
#include "audit/audit.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/text.h"
#include "units/units.h"

#define ACCOUNT_COLS                                                                                         \
	"a.id, a.unit_id, u.code, u.name, u.path, a.username, a.full_name, a.role, "                         \
	"a.must_change_password, a.disabled, a.failed_logins, a.locked_until, a.last_login, "                \
	"a.created_at, a.lang"

static void read_account(db_stmt_t *st, arena_t *a, account_t *o)
{
	memset(o, 0, sizeof *o);
	o->id = db_col_int(st, 0);
	o->unit_id = db_col_int(st, 1);
	o->unit_code = arena_strdup(a, db_col_text(st, 2));
	o->unit_name = arena_strdup(a, db_col_text(st, 3));
	o->unit_path = arena_strdup(a, db_col_text(st, 4));
	o->username = arena_strdup(a, db_col_text(st, 5));
	o->full_name = arena_strdup(a, db_col_text(st, 6));
	if (role_parse(db_col_text(st, 7), &o->role) < 0)
		o->role = ROLE_READER;
	o->must_change_password = (int)db_col_int(st, 8);
	o->disabled = (int)db_col_int(st, 9);
	o->failed_logins = (int)db_col_int(st, 10);
	o->locked_until = db_col_int(st, 11);
	o->last_login = db_col_int(st, 12);
	o->created_at = db_col_int(st, 13);
	o->lang = arena_strdup(a, db_col_text(st, 14));
}

static int get_unscoped(db_t *db, db_stmt_t *st, arena_t *a, account_t *out, err_t *err)
{
	(void)db;
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		read_account(st, a, out);
	db_done(st);
	if (rc == DB_DONE)
		return err_set(err, ERR_NOTFOUND, "err.account.notfound", NULL);
	return rc < 0 ? rc : 0;
}

int accounts_get_by_username(db_t *db, const char *username, arena_t *a, account_t *out, err_t *err)
{
	return get_unscoped(db,
	                    db_query(db, err,
	                             "SELECT " ACCOUNT_COLS " FROM accounts a JOIN units u "
	                             "ON u.id = a.unit_id WHERE a.username = ?",
	                             "s", username),
	                    a, out, err);
}

static int get_by_id(db_t *db, int64_t id, arena_t *a, account_t *out, err_t *err)
{
	return get_unscoped(db,
	                    db_query(db, err,
	                             "SELECT " ACCOUNT_COLS " FROM accounts a JOIN units u "
	                             "ON u.id = a.unit_id WHERE a.id = ?",
	                             "i", id),
	                    a, out, err);
}

int accounts_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, account_t *out, err_t *err)
{
	int rc = get_by_id(db, id, a, out, err);
	if (rc < 0)
		return rc;
	int visible =
	    actor->account_id == id || (actor_is_admin(actor) && actor_sees_path(actor, out->unit_path));
	if (!visible)
		return err_set(err, ERR_NOTFOUND, "err.account.notfound", NULL);
	return 0;
}

/* The account an admin acts on: it must exist inside the admin's subtree. A sysadmin account is
 * managed only by a sysadmin; nobody disables or resets themselves here. */
static int load_target(db_t *db, const actor_t *actor, int64_t id, arena_t *a, account_t *t, err_t *err)
{
	if (!actor_is_admin(actor))
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	int rc = get_by_id(db, id, a, t, err);
	if (rc < 0)
		return rc;
	if (!actor_sees_path(actor, t->unit_path))
		return err_set(err, ERR_NOTFOUND, "err.account.notfound", NULL);
	if (t->role == ROLE_SYSADMIN && actor->role != ROLE_SYSADMIN)
		return err_set(err, ERR_FORBIDDEN, "err.account.sysadmin", NULL);
	if (t->id == actor->account_id)
		return err_set(err, ERR_FORBIDDEN, "err.account.self", NULL);
	return 0;
}

int accounts_role_allowed(const actor_t *actor, role_t role, const char *unit_kind)
{
	int school = unit_kind && strcmp(unit_kind, "school") == 0;
	switch (role) {
	case ROLE_SYSADMIN:
		/* The city's IT staff sit at the top; only a sysadmin (or the CLI) makes another. */
		return (!actor || actor->role == ROLE_SYSADMIN) && !school;
	case ROLE_UNIT_ADMIN:
		return 1;
	case ROLE_INSPECTOR:
		return !school;
	case ROLE_LEADER:
	case ROLE_LIBRARIAN:
	case ROLE_READER:
		return school;
	default:
		return 0;
	}
}

/* User names: 3-64 of a-z 0-9 . _ - , starting with a letter or digit. */
static int username_valid(const char *u)
{
	size_t n = strlen(u);
	if (n < 3 || n > 64 || !isalnum((unsigned char)u[0]))
		return 0;
	for (; *u; u++)
		if (!islower((unsigned char)*u) && !isdigit((unsigned char)*u) && !strchr("._-", *u))
			return 0;
	return 1;
}

/* Commit (when the transaction is ours) and, on success, drop the cached sessions: every
 * change made through here can end a session or change who its actor is. */
static int finish(db_t *db, int own, int rc, err_t *err)
{
	rc = db_end_own(db, own, rc, err);
	if (rc == 0)
		auth_invalidate();
	return rc;
}

int accounts_create(db_t *db, const actor_t *actor, const account_new_t *in, const char *ip, int64_t *id,
                    err_t *err)
{
	arena_t *a = arena_new(1024);
	int rc = 0, own = 0;
	unit_t unit;
	role_t role;
	char name[72], hash[128];

	if (actor && !actor_is_admin(actor)) {
		rc = err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
		goto done;
	}
	if (!in->username || strlen(in->username) >= sizeof name) {
		rc = err_set(err, ERR_INVALID, "err.account.username", NULL);
		goto done;
	}
	snprintf(name, sizeof name, "%s", in->username);
	text_ascii_lower(text_trim(name));
	if (!username_valid(name)) {
		rc = err_set(err, ERR_INVALID, "err.account.username", NULL);
		goto done;
	}
	char *full = text_nfc(a, in->full_name ? in->full_name : "");
	if (!full) {
		rc = err_set(err, ERR_INVALID, "err.utf8", "full_name");
		goto done;
	}
	text_trim(full);
	if (text_length(full) > 150) {
		rc = err_set(err, ERR_INVALID, "err.account.full_name", NULL);
		goto done;
	}
	if (role_parse(in->role, &role) < 0) {
		rc = err_set(err, ERR_INVALID, "err.account.role", NULL);
		goto done;
	}
	if ((rc = units_get(db, actor, in->unit_id, a, &unit, err)) < 0)
		goto done;
	if (!accounts_role_allowed(actor, role, unit.kind)) {
		rc = err_set(err, ERR_INVALID, "err.account.role_unit", NULL);
		goto done;
	}
	if ((rc = password_policy_check(name, in->password, err)) < 0)
		goto done;
	if ((rc = password_hash(in->password, hash, err)) < 0)
		goto done;

	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	int64_t now = clock_now(), nid = 0;
	rc = db_insert_id(db, &nid, err,
	                  "INSERT INTO accounts (unit_id, username, full_name, full_name_fold, role, "
	                  "password_hash, must_change_password, created_at, updated_at) "
	                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	                  "isssssbii", unit.id, name, full, text_fold(a, full), role_name(role), hash,
	                  in->must_change ? 1 : 0, now, now);
	if (rc == ERR_CONFLICT)
		rc = err_set(err, ERR_CONFLICT, "err.account.taken", "%s", name);
	if (rc == 0) {
		char *detail = arena_printf(a, "%s %s at %s", name, role_name(role), unit.code);
		rc = audit_write(db, actor, NULL, unit.id, unit.path, "account.create", "account", nid,
		                 detail, ip, err);
	}
	rc = finish(db, own, rc, err);
	if (rc == 0 && id)
		*id = nid;
done:
	arena_free(a);
	return rc;
}

int accounts_list(db_t *db, const actor_t *actor, const account_filter_t *f, arena_t *a, account_t **out,
                  size_t *n, int64_t *total, err_t *err)
{
	if (!actor_is_admin(actor))
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	const char *scope = actor->unit_path;
	int exact_unit = 0;
	if (f && f->unit_id) {
		unit_t u;
		int rc = units_get(db, actor, f->unit_id, a, &u, err);
		if (rc < 0)
			return rc;
		scope = u.path;
		exact_unit = 1;
	}
	/* The subtree, or exactly one unit: the range [scope, end) or [scope, scope + "\1"). */
	const char *end = exact_unit ? arena_printf(a, "%s\x01", scope) : actor_path_end(a, scope);
	char *q = NULL;
	if (f && f->q && *f->q) {
		char *fq = text_fold(a, f->q);
		if (!fq)
			return err_set(err, ERR_INVALID, "err.utf8", "q");
		/* Escape LIKE's wildcards in what the user typed. */
		buf_t b = BUF_INIT;
		buf_putc(&b, '%');
		for (const char *p = fq; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_putc(&b, '%');
		q = arena_strdup(a, buf_str(&b));
		buf_release(&b);
	}
	int limit = f && f->limit > 0 && f->limit <= 1000 ? f->limit : 200;
	int offset = f && f->offset > 0 ? f->offset : 0;

	/* Both sides folded: "nguyen van an" finds "Nguyễn Văn An". */
	int64_t cnt = 0;
	int rc = db_query_int(
	    db, &cnt, err,
	    "SELECT COUNT(*) FROM accounts a JOIN units u ON u.id = a.unit_id "
	    "WHERE u.path >= ? AND u.path < ? AND (CAST(? AS TEXT) IS NULL OR a.username LIKE ? ESCAPE '\\' "
	    "OR a.full_name_fold LIKE ? ESCAPE '\\')",
	    "sssss", scope, end, q, q, q);
	if (rc < 0)
		return rc;
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT " ACCOUNT_COLS " FROM accounts a JOIN units u ON u.id = a.unit_id "
	    "WHERE u.path >= ? AND u.path < ? AND (CAST(? AS TEXT) IS NULL OR a.username LIKE ? ESCAPE '\\' "
	    "OR a.full_name_fold LIKE ? ESCAPE '\\') "
	    "ORDER BY u.code, a.username LIMIT ? OFFSET ?",
	    "sssssii", scope, end, q, q, q, (int64_t)limit, (int64_t)offset);
	if (!st)
		return err->code;
	account_t *v = arena_zalloc(a, (size_t)limit * sizeof *v);
	size_t k = 0;
	while ((rc = db_step(st, err)) == DB_ROW)
		read_account(st, a, &v[k++]);
	db_done(st);
	if (rc < 0)
		return rc;
	*out = v;
	*n = k;
	if (total)
		*total = cnt;
	return 0;
}

int accounts_set_disabled(db_t *db, const actor_t *actor, int64_t id, int disabled, const char *ip,
                          err_t *err)
{
	arena_t *a = arena_new(512);
	account_t t;
	int rc, own = 0;
	if ((rc = load_target(db, actor, id, a, &t, err)) < 0)
		goto done;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	rc = db_exec(db, err, "UPDATE accounts SET disabled = ?, updated_at = ? WHERE id = ?", "iii",
	             (int64_t)(disabled ? 1 : 0), clock_now(), id);
	if (rc >= 0 && disabled)
		rc = db_exec(db, err, "DELETE FROM sessions WHERE account_id = ?", "i", id);
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, t.unit_id, t.unit_path,
		                 disabled ? "account.disable" : "account.enable", "account", id, t.username,
		                 ip, err);
	rc = finish(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

int accounts_reset_password(db_t *db, const actor_t *actor, int64_t id, const char *new_password,
                            const char *ip, err_t *err)
{
	arena_t *a = arena_new(512);
	account_t t;
	char hash[128];
	int rc, own = 0;
	if ((rc = load_target(db, actor, id, a, &t, err)) < 0)
		goto done;
	if ((rc = password_policy_check(t.username, new_password, err)) < 0 ||
	    (rc = password_hash(new_password, hash, err)) < 0)
		goto done;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	rc = db_exec(db, err,
	             "UPDATE accounts SET password_hash = ?, must_change_password = 1, failed_logins = 0, "
	             "locked_until = 0, updated_at = ? WHERE id = ?",
	             "sii", hash, clock_now(), id);
	if (rc >= 0)
		rc = db_exec(db, err, "DELETE FROM sessions WHERE account_id = ?", "i", id);
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, t.unit_id, t.unit_path, "account.reset", "account", id,
		                 t.username, ip, err);
	rc = finish(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

int accounts_unlock(db_t *db, const actor_t *actor, int64_t id, const char *ip, err_t *err)
{
	arena_t *a = arena_new(512);
	account_t t;
	int rc, own = 0;
	if ((rc = load_target(db, actor, id, a, &t, err)) < 0)
		goto done;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	rc = db_exec(db, err,
	             "UPDATE accounts SET failed_logins = 0, locked_until = 0, updated_at = ? WHERE id = ?",
	             "ii", clock_now(), id);
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, t.unit_id, t.unit_path, "account.unlock", "account", id,
		                 t.username, ip, err);
	rc = finish(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

int accounts_change_password(db_t *db, const actor_t *actor, const char *current, const char *new_password,
                             int64_t keep_session, const char *ip, err_t *err)
{
	char hash[160], newhash[128];
	int rc, own = 0;
	db_stmt_t *st =
	    db_query(db, err, "SELECT password_hash FROM accounts WHERE id = ?", "i", actor->account_id);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	snprintf(hash, sizeof hash, "%s", rc == DB_ROW ? db_col_text(st, 0) : "");
	db_done(st);
	if (rc < 0)
		return rc;
	if (!password_verify(hash, current ? current : ""))
		return err_set(err, ERR_INVALID, "err.password.current", NULL);
	if ((rc = password_policy_check(actor->username, new_password, err)) < 0)
		return rc;
	if (strcmp(current, new_password) == 0)
		return err_set(err, ERR_INVALID, "err.password.same", NULL);
	if ((rc = password_hash(new_password, newhash, err)) < 0)
		return rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	rc = db_exec(
	    db, err,
	    "UPDATE accounts SET password_hash = ?, must_change_password = 0, updated_at = ? WHERE id = ?",
	    "sii", newhash, clock_now(), actor->account_id);
	if (rc >= 0)
		rc = db_exec(db, err, "DELETE FROM sessions WHERE account_id = ? AND id <> ?", "ii",
		             actor->account_id, keep_session);
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "account.password",
		                 "account", actor->account_id, NULL, ip, err);
	return finish(db, own, rc < 0 ? rc : 0, err);
}

int accounts_set_lang(db_t *db, const actor_t *actor, const char *lang, err_t *err)
{
	if (!lang || (strcmp(lang, "vi") != 0 && strcmp(lang, "en") != 0))
		return err_set(err, ERR_INVALID, "err.lang", NULL);
	int rc = db_exec(db, err, "UPDATE accounts SET lang = ? WHERE id = ?", "si", lang, actor->account_id);
	if (rc < 0)
		return rc;
	auth_invalidate();
	return 0;
}

int accounts_set_password_system(db_t *db, int64_t id, const char *new_password, int must_change, err_t *err)
{
	arena_t *a = arena_new(512);
	account_t t;
	char hash[128];
	int rc, own = 0;
	if ((rc = get_by_id(db, id, a, &t, err)) < 0 ||
	    (rc = password_policy_check(t.username, new_password, err)) < 0 ||
	    (rc = password_hash(new_password, hash, err)) < 0 || (rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	rc = db_exec(db, err,
	             "UPDATE accounts SET password_hash = ?, must_change_password = ?, failed_logins = 0, "
	             "locked_until = 0, updated_at = ? WHERE id = ?",
	             "siii", hash, (int64_t)(must_change ? 1 : 0), clock_now(), id);
	if (rc >= 0)
		rc = db_exec(db, err, "DELETE FROM sessions WHERE account_id = ?", "i", id);
	if (rc >= 0)
		rc = audit_write(db, NULL, "cli", t.unit_id, t.unit_path, "account.reset", "account", id,
		                 t.username, NULL, err);
	rc = finish(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}
