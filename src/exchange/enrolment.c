/* enrolment.c: pupils, teachers and classes of a school per school year (unit_enrolment), from
 * the sector database's export or typed in the school's form (exchange.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "exchange/exchange.h"

int xchg_year_parse(const char *s, char out[16])
{
	if (!s)
		return -1;
	char d[64];
	size_t n = 0;
	int y1 = -1, y2 = -1;
	/* digits, with any of " -–—/" between the two years */
	for (const char *p = s; *p && n < sizeof d - 1; p++) {
		if (isdigit((unsigned char)*p))
			d[n++] = *p;
		else if (*p == ' ' || *p == '-' || *p == '/' || *p == '\t')
			d[n++] = ' ';
		else if (!strncmp(p, "\xE2\x80\x93", 3) || !strncmp(p, "\xE2\x80\x94", 3)) { /* en, em dash */
			d[n++] = ' ';
			p += 2;
		} else
			return -1;
	}
	d[n] = 0;
	char extra[2];
	int k = sscanf(d, "%d %d %1s", &y1, &y2, extra);
	if (k < 1 || k > 2 || y1 < 1990 || y1 > 2200)
		return -1;
	if (k == 2 && y2 != y1 + 1)
		return -1;
	/* "2025" alone is the year starting in 2025; four digits each */
	int digits = 0;
	for (const char *p = d; *p; p++)
		digits += isdigit((unsigned char)*p) != 0;
	if (digits != (k == 2 ? 8 : 4))
		return -1;
	snprintf(out, 16, "%d-%d", y1, y1 + 1);
	return 0;
}

/* A whole number >= 0 as typed: digits, spaces and thousands separators ("1.234", "1,234"). */
static int parse_count(const char *in, int64_t *out)
{
	char t[64], d[32];
	size_t n = 0, group = 0;
	bool sep = false;
	if (!in || strlen(in) >= sizeof t)
		return -1;
	snprintf(t, sizeof t, "%s", in);
	text_trim(t);
	if (!*t)
		return -1;
	for (const char *p = t; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n >= 15)
				return -1;
			d[n++] = *p;
			group++;
		} else if ((*p == '.' || *p == ',' || *p == ' ') && n > 0) {
			if (sep ? group != 3 : group > 3)
				return -1;
			sep = true;
			group = 0;
		} else {
			return -1;
		}
	}
	if (sep && group != 3)
		return -1;
	d[n] = 0;
	*out = strtoll(d, NULL, 10);
	return 0;
}

typedef struct school {
	int64_t id;
	const char *kind, *path;
} school_t;

/* The unit with this code (code non-NULL) or id: 1 when found, 0 when not, or an error. */
static int school_read(db_t *db, arena_t *a, const char *code, int64_t id, school_t *s, err_t *err)
{
	db_stmt_t *st = code ? db_query(db, err, "SELECT id, kind, path FROM units WHERE code = ?", "s", code)
	                     : db_query(db, err, "SELECT id, kind, path FROM units WHERE id = ?", "i", id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		s->id = db_col_int(st, 0);
		s->kind = arena_strdup(a, db_col_text(st, 1));
		s->path = arena_strdup(a, db_col_text(st, 2));
	}
	db_done(st);
	return rc < 0 ? rc : rc == DB_ROW ? 1 : 0;
}

/* May the actor write unit s's enrolment: admins within their subtree, a school's librarian or
 * leader for its own school. */
static bool may_write(const actor_t *actor, const school_t *s)
{
	if (!actor)
		return true;
	if (actor_is_admin(actor))
		return actor_sees_path(actor, s->path);
	if (actor->role == ROLE_LIBRARIAN || actor->role == ROLE_LEADER)
		return actor->unit_id == s->id;
	return false;
}

static bool may_import(const actor_t *actor)
{
	return !actor || actor_is_admin(actor) || actor->role == ROLE_LIBRARIAN || actor->role == ROLE_LEADER;
}

static char *cell(arena_t *a, const xlsx_row_t *r, const int map[XCHG_MAX_FIELDS], int f)
{
	if (map[f] < 0 || (size_t)map[f] >= r->n)
		return arena_strdup(a, "");
	return text_trim(arena_strdup(a, r->cell[map[f]]));
}

static void row_error(xchg_result_t *out, xchg_row_t *r, const char *key, const char *detail)
{
	if (r->action == XA_ERROR)
		return;
	r->action = XA_ERROR;
	r->key = key;
	r->detail = detail ? detail : "";
	out->errors++;
}

int xchg_enrolment_check(db_t *db, const actor_t *actor, const xchg_table_t *t,
                         const int map[XCHG_MAX_FIELDS], arena_t *a, xchg_result_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (!may_import(actor))
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	int rc = xchg_mapping_check(XK_ENROLMENT, map, err);
	if (rc < 0)
		return rc;
	out->rows = arena_zalloc(a, (t->nrows + 1) * sizeof *out->rows);
	out->nrows = t->nrows;
	for (size_t i = 0; i < t->nrows; i++) {
		xchg_row_t *r = &out->rows[i];
		const xlsx_row_t *src = &t->rows[i];
		r->line = src->line;
		r->changes = "";
		char *code = cell(a, src, map, XE_CODE);
		for (char *p = code; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		r->code = code;
		const char *yv = cell(a, src, map, XE_YEAR);
		char year[16];
		r->label = yv;
		if (!*code) {
			row_error(out, r, "err.xunits.code_missing", NULL);
			continue;
		}
		school_t s = { 0 };
		if ((rc = school_read(db, a, code, 0, &s, err)) < 0)
			return rc;
		if (rc == 0 || (actor && !actor_sees_path(actor, s.path) && !may_write(actor, &s))) {
			row_error(out, r, "err.xenrol.unknown_unit", code);
			continue;
		}
		if (!may_write(actor, &s)) {
			row_error(out, r, "err.xunits.scope", code);
			continue;
		}
		if (strcmp(s.kind, "school")) {
			row_error(out, r, "err.xchg.not_school", code);
			continue;
		}
		r->id = s.id;
		if (xchg_year_parse(yv, year) < 0) {
			row_error(out, r, "err.xchg.year", yv);
			continue;
		}
		r->year = r->label = arena_strdup(a, year);
		const char *pv = cell(a, src, map, XE_PUPILS), *tv = cell(a, src, map, XE_TEACHERS),
		           *cv = cell(a, src, map, XE_CLASSES);
		if (parse_count(pv, &r->pupils) < 0) {
			row_error(out, r, "err.xchg.number", arena_printf(a, "%s: %s", "pupils", pv));
			continue;
		}
		if (parse_count(tv, &r->teachers) < 0) {
			row_error(out, r, "err.xchg.number", arena_printf(a, "%s: %s", "teachers", tv));
			continue;
		}
		if (*cv ? parse_count(cv, &r->classes) < 0 : (r->classes = 0, 0)) {
			row_error(out, r, "err.xchg.number", arena_printf(a, "%s: %s", "classes", cv));
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (out->rows[j].action != XA_ERROR && out->rows[j].id == r->id &&
			    !strcmp(out->rows[j].year, year)) {
				row_error(out, r, "err.xchg.duplicate",
				          arena_printf(a, "%s %s (%lld)", code, year,
				                       (long long)out->rows[j].line));
				break;
			}
		if (r->action == XA_ERROR)
			continue;
		db_stmt_t *st = db_query(db, err,
		                         "SELECT pupils, teachers, classes FROM unit_enrolment "
		                         "WHERE unit_id = ? AND school_year = ?",
		                         "is", r->id, year);
		if (!st)
			return err->code;
		int s2 = db_step(st, err);
		int64_t op = 0, ot = 0, oc = 0;
		if (s2 == DB_ROW) {
			op = db_col_int(st, 0);
			ot = db_col_int(st, 1);
			oc = db_col_int(st, 2);
		}
		db_done(st);
		if (s2 < 0)
			return s2;
		if (s2 != DB_ROW) {
			r->action = XA_CREATE;
			out->created++;
		} else if (op != r->pupils || ot != r->teachers || oc != r->classes) {
			r->action = XA_UPDATE;
			r->changes =
			    arena_printf(a, "pupils %lld → %lld, teachers %lld → %lld, classes %lld → %lld",
			                 (long long)op, (long long)r->pupils, (long long)ot,
			                 (long long)r->teachers, (long long)oc, (long long)r->classes);
			out->updated++;
		} else {
			r->action = XA_SAME;
			out->unchanged++;
		}
	}
	return 0;
}

static int upsert(db_t *db, const actor_t *actor, int64_t unit_id, const char *year, int64_t p, int64_t t,
                  int64_t c, const char *source, err_t *err)
{
	int rc =
	    db_exec(db, err,
	            "INSERT INTO unit_enrolment (unit_id, school_year, pupils, teachers, classes, source, "
	            "updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?) "
	            "ON CONFLICT (unit_id, school_year) DO UPDATE SET pupils = excluded.pupils, "
	            "teachers = excluded.teachers, classes = excluded.classes, source = excluded.source, "
	            "updated_by = excluded.updated_by, updated_at = excluded.updated_at",
	            "isiiisii", unit_id, year, p, t, c, source, actor ? actor->account_id : 0, clock_now());
	return rc < 0 ? rc : 0;
}

static const char *path_of(db_t *db, arena_t *a, int64_t id, err_t *err)
{
	db_stmt_t *st = db_query(db, err, "SELECT path FROM units WHERE id = ?", "i", id);
	const char *p = "";
	if (st && db_step(st, err) == DB_ROW)
		p = arena_strdup(a, db_col_text(st, 0));
	db_done(st);
	return p;
}

int xchg_enrolment_commit(db_t *db, const actor_t *actor, const xchg_table_t *t,
                          const int map[XCHG_MAX_FIELDS], arena_t *a, xchg_result_t *out, err_t *err)
{
	int own = 0, rc = db_begin_own(db, &own, err);
	if (rc < 0)
		return rc;
	if ((rc = xchg_enrolment_check(db, actor, t, map, a, out, err)) < 0)
		goto done;
	if (out->errors) {
		rc = err_set(err, ERR_INVALID, "err.xchg.has_errors", "%lld", (long long)out->errors);
		goto done;
	}
	for (size_t i = 0; i < out->nrows; i++) {
		xchg_row_t *r = &out->rows[i];
		if (r->action != XA_CREATE && r->action != XA_UPDATE)
			continue;
		if ((rc = upsert(db, actor, r->id, r->year, r->pupils, r->teachers, r->classes, "import",
		                 err)) < 0)
			goto done;
		char *detail = arena_printf(a, "%s %s: %s", r->code, r->year,
		                            r->action == XA_CREATE
		                                ? arena_printf(a, "pupils %lld, teachers %lld, classes %lld",
		                                               (long long)r->pupils, (long long)r->teachers,
		                                               (long long)r->classes)
		                                : r->changes);
		if ((rc = audit_write(db, actor, actor ? NULL : "cli", r->id, path_of(db, a, r->id, err),
		                      "enrolment.import", "unit", r->id, detail, NULL, err)) < 0)
			goto done;
	}
	rc = xchg_import_done(db, actor, XK_ENROLMENT, "enrolment.import.file", t, map, a, out, err);
done:
	if (rc < 0)
		out->written = false;
	return db_end_own(db, own, rc, err);
}

static int load_school(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, school_t *s, err_t *err)
{
	int rc = school_read(db, a, NULL, unit_id, s, err);
	if (rc < 0)
		return rc;
	if (rc == 0 || (actor && !actor_sees_path(actor, s->path)))
		return err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
	return 0;
}

int xchg_enrolment_may_write(db_t *db, const actor_t *actor, int64_t unit_id, err_t *err)
{
	arena_t *a = arena_new(512);
	school_t s = { 0 };
	int rc = load_school(db, actor, unit_id, a, &s, err);
	if (rc == 0 && strcmp(s.kind, "school"))
		rc = err_set(err, ERR_INVALID, "err.xchg.not_school", NULL);
	if (rc == 0 && !may_write(actor, &s))
		rc = err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	arena_free(a);
	return rc;
}

int xchg_enrolment_list(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, xchg_enrolment_t **out,
                        size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	school_t s = { 0 };
	int rc = load_school(db, actor, unit_id, a, &s, err);
	if (rc < 0)
		return rc;
	if (actor && actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT school_year, pupils, teachers, classes, source, updated_at FROM unit_enrolment "
	             "WHERE unit_id = ? ORDER BY school_year DESC",
	             "i", unit_id);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 8, sizeof **out);
		xchg_enrolment_t *e = &(*out)[(*n)++];
		e->school_year = arena_strdup(a, db_col_text(st, 0));
		e->pupils = db_col_int(st, 1);
		e->teachers = db_col_int(st, 2);
		e->classes = db_col_int(st, 3);
		e->source = arena_strdup(a, db_col_text(st, 4));
		e->updated_at = db_col_int(st, 5);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int xchg_enrolment_set(db_t *db, const actor_t *actor, int64_t unit_id, const char *year, const char *pupils,
                       const char *teachers, const char *classes, err_t *err)
{
	int rc = xchg_enrolment_may_write(db, actor, unit_id, err);
	if (rc < 0)
		return rc;
	char y[16];
	int64_t p, t, c = 0;
	if (xchg_year_parse(year, y) < 0)
		return err_set(err, ERR_INVALID, "err.xchg.year", "%s", year ? year : "");
	if (!pupils || parse_count(pupils, &p) < 0)
		return err_set(err, ERR_INVALID, "err.xchg.number", "pupils");
	if (!teachers || parse_count(teachers, &t) < 0)
		return err_set(err, ERR_INVALID, "err.xchg.number", "teachers");
	if (classes && *classes && parse_count(classes, &c) < 0)
		return err_set(err, ERR_INVALID, "err.xchg.number", "classes");
	arena_t *a = arena_new(1024);
	int own = 0;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	int64_t same = 0;
	rc = db_query_int(
	    db, &same, err,
	    "SELECT COUNT(*) FROM unit_enrolment WHERE unit_id = ? AND school_year = ? AND pupils = ? "
	    "AND teachers = ? AND classes = ?",
	    "isiii", unit_id, y, p, t, c);
	if (rc == 0 && !same) {
		rc = upsert(db, actor, unit_id, y, p, t, c, "form", err);
		if (rc == 0)
			rc = audit_write(db, actor, actor ? NULL : "cli", unit_id,
			                 path_of(db, a, unit_id, err), "enrolment.set", "unit", unit_id,
			                 arena_printf(a, "%s: pupils %lld, teachers %lld, classes %lld", y,
			                              (long long)p, (long long)t, (long long)c),
			                 NULL, err);
	}
	rc = db_end_own(db, own, rc, err);
out:
	arena_free(a);
	return rc;
}
