/* units.c: the unit tree (units.h). Paths are materialised ("/1/4/9/") so a subtree is one
 * prefix test, which both backends index. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "units/units.h"

static const char *const kinds[] = { "department", "office", "cluster", "school", NULL };
static const char *const levels[] = { "mn", "th", "thcs", "thpt", "lc", NULL };

static int in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

int units_kind_valid(const char *kind)
{
	return in_list(kinds, kind);
}

int units_level_valid(const char *level)
{
	return in_list(levels, level);
}

int units_code_valid(const char *c)
{
	size_t n = strlen(c);
	if (n < 2 || n > 32)
		return 0;
	for (; *c; c++)
		if (!isupper((unsigned char)*c) && !isdigit((unsigned char)*c) && !strchr("_-.", *c))
			return 0;
	return 1;
}

#define UNIT_COLS "u.id, u.parent_id, u.code, u.name, u.kind, u.school_level, u.path, u.active"

static void read_unit(db_stmt_t *st, arena_t *a, unit_t *u)
{
	memset(u, 0, sizeof *u);
	u->id = db_col_int(st, 0);
	u->parent_id = db_col_int(st, 1);
	u->code = arena_strdup(a, db_col_text(st, 2));
	u->name = arena_strdup(a, db_col_text(st, 3));
	u->kind = arena_strdup(a, db_col_text(st, 4));
	u->school_level = arena_strdup(a, db_col_text(st, 5));
	u->path = arena_strdup(a, db_col_text(st, 6));
	u->active = (int)db_col_int(st, 7);
	for (const char *p = u->path; *p; p++)
		u->depth += *p == '/';
	u->depth = u->depth > 1 ? u->depth - 2 : 0;
}

static int get_one(db_stmt_t *st, arena_t *a, unit_t *out, err_t *err)
{
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW)
		read_unit(st, a, out);
	db_done(st);
	if (rc == DB_DONE)
		return err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
	return rc < 0 ? rc : 0;
}

static int get_unscoped(db_t *db, int64_t id, arena_t *a, unit_t *out, err_t *err)
{
	return get_one(db_query(db, err, "SELECT " UNIT_COLS " FROM units u WHERE u.id = ?", "i", id), a, out,
	               err);
}

int units_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, unit_t *out, err_t *err)
{
	int rc = get_unscoped(db, id, a, out, err);
	if (rc == 0 && actor && !actor_sees_path(actor, out->path))
		return err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
	return rc;
}

int units_get_by_code(db_t *db, const char *code, arena_t *a, unit_t *out, err_t *err)
{
	return get_one(db_query(db, err, "SELECT " UNIT_COLS " FROM units u WHERE u.code = ?", "s", code), a,
	               out, err);
}

int units_create(db_t *db, const actor_t *actor, const unit_new_t *in, int64_t *id, err_t *err)
{
	arena_t *a = arena_new(1024);
	int rc = 0, own_tx = 0;
	char code[40];
	unit_t parent = { 0 };

	if (!in->code || !in->name || !in->kind) {
		rc = err_set(err, ERR_INVALID, "err.field.required", "code, name, kind");
		goto done;
	}
	snprintf(code, sizeof code, "%s", in->code);
	text_trim(code);
	for (char *p = code; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	if (strlen(in->code) >= sizeof code || !units_code_valid(code)) {
		rc = err_set(err, ERR_INVALID, "err.unit.code", NULL);
		goto done;
	}
	char *name = text_nfc(a, in->name);
	if (!name) {
		rc = err_set(err, ERR_INVALID, "err.utf8", "name");
		goto done;
	}
	text_trim(name);
	if (!*name || text_length(name) > 200) {
		rc = err_set(err, ERR_INVALID, "err.unit.name", NULL);
		goto done;
	}
	if (!units_kind_valid(in->kind)) {
		rc = err_set(err, ERR_INVALID, "err.unit.kind", NULL);
		goto done;
	}
	int is_school = strcmp(in->kind, "school") == 0;
	if (is_school ? !units_level_valid(in->school_level) : in->school_level && *in->school_level) {
		rc = err_set(err, ERR_INVALID, "err.unit.level", NULL);
		goto done;
	}

	if (in->parent_id) {
		if ((rc = get_unscoped(db, in->parent_id, a, &parent, err)) < 0)
			goto done;
		if (actor && !actor_sees_path(actor, parent.path)) {
			rc = err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
			goto done;
		}
		if (strcmp(parent.kind, "school") == 0 && !is_school) {
			rc = err_set(err, ERR_INVALID, "err.unit.under_school", NULL);
			goto done;
		}
	} else if (actor) {
		rc = err_set(err, ERR_FORBIDDEN, "err.forbidden", "only the system creates a root unit");
		goto done;
	}
	if (actor && !actor_is_admin(actor)) {
		rc = err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
		goto done;
	}

	if (!db_in_transaction(db)) {
		if ((rc = db_begin(db, err)) < 0)
			goto done;
		own_tx = 1;
	}
	int64_t nid;
	rc = db_insert_id(db, &nid, err,
	                  "INSERT INTO units (parent_id, code, name, name_fold, kind, school_level, path, "
	                  "created_at) VALUES (NULLIF(?, 0), ?, ?, ?, ?, ?, '', ?) RETURNING id",
	                  "isssssi", in->parent_id, code, name, text_fold(a, name), in->kind,
	                  is_school ? in->school_level : NULL, clock_now());
	if (rc == ERR_CONFLICT)
		rc = err_set(err, ERR_CONFLICT, "err.unit.code_taken", "%s", code);
	if (rc < 0)
		goto done;
	char *path = arena_printf(a, "%s%lld/", in->parent_id ? parent.path : "/", (long long)nid);
	if ((rc = db_exec(db, err, "UPDATE units SET path = ? WHERE id = ?", "si", path, nid)) < 0)
		goto done;
	char *detail = arena_printf(a, "%s %s (%s)", code, name, in->kind);
	if ((rc = audit_write(db, actor, NULL, nid, path, "unit.create", "unit", nid, detail, NULL, err)) < 0)
		goto done;
	if (own_tx && (rc = db_commit(db, err)) < 0)
		goto done;
	own_tx = 0;
	if (id)
		*id = nid;
	rc = 0;
done:
	if (own_tx)
		db_rollback(db);
	arena_free(a);
	return rc;
}

/* Depth-first order: compare paths id by id, numerically; a parent's path is a prefix of its
 * children's, so it comes first. */
static int by_path(const void *x, const void *y)
{
	const char *p = ((const unit_t *)x)->path, *q = ((const unit_t *)y)->path;
	while (*p == '/' && *q == '/') {
		if (!p[1] || !q[1])
			return !p[1] && !q[1] ? 0 : (!p[1] ? -1 : 1);
		char *pe, *qe;
		long long a = strtoll(p + 1, &pe, 10), b = strtoll(q + 1, &qe, 10);
		if (a != b)
			return a < b ? -1 : 1;
		p = pe;
		q = qe;
	}
	return 0;
}

int units_list_subtree(db_t *db, const actor_t *actor, int64_t root_id, arena_t *a, unit_t **out, size_t *n,
                       err_t *err)
{
	/* The actor's own subtree needs no lookup of its root: the actor carries its path. */
	unit_t root = { .path = actor->unit_path };
	int rc = 0;
	if (root_id && root_id != actor->unit_id && (rc = units_get(db, actor, root_id, a, &root, err)) < 0)
		return rc;
	/* Sorted here, not by the database: the paths must compare id by id as numbers (and
	 * the sort puts the root first). */
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT " UNIT_COLS ", (SELECT COUNT(*) FROM accounts c WHERE c.unit_id = u.id) "
	             "FROM units u WHERE u.path >= ? AND u.path < ?",
	             "ss", root.path, actor_path_end(a, root.path));
	if (!st)
		return err->code;
	size_t cap = 16, cnt = 0;
	unit_t *v = arena_alloc(a, cap * sizeof *v);
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (cnt == cap) {
			unit_t *w = arena_alloc(a, 2 * cap * sizeof *w);
			memcpy(w, v, cnt * sizeof *v);
			v = w;
			cap *= 2;
		}
		read_unit(st, a, &v[cnt]);
		v[cnt].accounts = db_col_int(st, 8);
		cnt++;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	qsort(v, cnt, sizeof *v, by_path);
	*out = v;
	*n = cnt;
	return 0;
}

int units_count_subtree(db_t *db, const actor_t *actor, int64_t *units, int64_t *schools, int64_t *accounts,
                        err_t *err)
{
	arena_t *a = arena_new(256);
	const char *end = actor_path_end(a, actor->unit_path);
	int rc = 0;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT COUNT(*), COALESCE(SUM(CASE WHEN kind = 'school' THEN 1 ELSE 0 END), 0), "
	             "(SELECT COUNT(*) FROM accounts c JOIN units v ON v.id = c.unit_id "
	             " WHERE v.path >= ? AND v.path < ?) "
	             "FROM units u WHERE u.path >= ? AND u.path < ?",
	             "ssss", actor->unit_path, end, actor->unit_path, end);
	if (!st) {
		rc = err->code;
		goto done;
	}
	rc = db_step(st, err);
	if (rc == DB_ROW) {
		*units = db_col_int(st, 0);
		*schools = db_col_int(st, 1);
		*accounts = db_col_int(st, 2);
		rc = 0;
	} else if (rc == DB_DONE) {
		rc = err_set(err, ERR_INTERNAL, "err.internal", "count returned no row");
	}
	db_done(st);
done:
	arena_free(a);
	return rc;
}

int units_ancestors(db_t *db, const unit_t *u, arena_t *a, unit_t **out, size_t *n, err_t *err)
{
	size_t cnt = (size_t)u->depth + 1, i = 0;
	unit_t *v = arena_zalloc(a, cnt * sizeof *v);
	const char *p = u->path;
	while (*p == '/' && p[1] && i < cnt) {
		long long id = strtoll(p + 1, (char **)&p, 10);
		int rc = get_unscoped(db, id, a, &v[i++], err);
		if (rc < 0)
			return rc;
	}
	*out = v;
	*n = i;
	return 0;
}
