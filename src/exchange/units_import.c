/* units_import.c: the sector database's list of units into the unit tree (exchange.h): created
 * by code, changed where the name, kind, level, parent, ownership or state differ, a moved
 * unit's subtree given its new paths; all or nothing. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/text.h"
#include "exchange/exchange.h"
#include "units/units.h"

/* A cell of field f in row r, trimmed, in the arena; "" when unmapped or missing. */
static char *cell(arena_t *a, const xlsx_row_t *r, const int map[XCHG_MAX_FIELDS], int f)
{
	if (map[f] < 0 || (size_t)map[f] >= r->n)
		return arena_strdup(a, "");
	char *s = text_nfc(a, r->cell[map[f]]);
	return text_trim(s ? s : arena_strdup(a, ""));
}

/* The folded spelling of a value, marks and punctuation gone ("Công lập" -> "cong lap"). */
static const char *fold(arena_t *a, const char *s)
{
	char *f = text_fold(a, s);
	if (!f)
		return "";
	for (char *p = f; *p; p++)
		if (!isalnum((unsigned char)*p))
			*p = ' ';
	/* collapse spaces */
	char *w = f;
	for (const char *r = f; *r; r++)
		if (*r != ' ' || (w > f && w[-1] != ' '))
			*w++ = *r;
	while (w > f && w[-1] == ' ')
		w--;
	*w = 0;
	return f;
}

static int one_of(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(v, *list))
			return 1;
	return 0;
}

static const char *parse_kind(const char *f)
{
	static const char *const school[] = { "school", "truong", "truong hoc", "co so giao duc", NULL };
	static const char *const dept[] = { "department", "so",          "so gd dt",
		                            "so gddt",    "so giao duc", "so giao duc va dao tao",
		                            NULL };
	static const char *const office[] = { "office",
		                              "phong",
		                              "phong gd dt",
		                              "phong gddt",
		                              "phong giao duc",
		                              "phong giao duc va dao tao",
		                              "phong van hoa xa hoi",
		                              "ward",
		                              NULL };
	static const char *const cluster[] = { "cluster", "cum", "cum truong", "cum chuyen mon", NULL };
	return one_of(f, school)    ? "school"
	       : one_of(f, dept)    ? "department"
	       : one_of(f, office)  ? "office"
	       : one_of(f, cluster) ? "cluster"
	                            : NULL;
}

static const char *parse_level(const char *f)
{
	static const char *const mn[] = { "mn", "mam non", "nha tre", "mau giao", "truong mam non", NULL };
	static const char *const th[] = { "th", "tieu hoc", "truong tieu hoc", "cap 1", NULL };
	static const char *const thcs[] = { "thcs", "trung hoc co so", "cap 2", NULL };
	static const char *const thpt[] = { "thpt", "trung hoc pho thong", "cap 3", NULL };
	static const char *const lc[] = { "lc",
		                          "lien cap",
		                          "pho thong nhieu cap",
		                          "nhieu cap",
		                          "th thcs",
		                          "thcs thpt",
		                          "th thcs thpt",
		                          "tieu hoc va trung hoc co so",
		                          "trung hoc co so va trung hoc pho thong",
		                          NULL };
	return one_of(f, mn)     ? "mn"
	       : one_of(f, th)   ? "th"
	       : one_of(f, thcs) ? "thcs"
	       : one_of(f, thpt) ? "thpt"
	       : one_of(f, lc)   ? "lc"
	                         : NULL;
}

static const char *parse_ownership(const char *f)
{
	static const char *const pub[] = { "public", "cong lap", "cl", NULL };
	static const char *const priv[] = { "private", "ngoai cong lap", "tu thuc", "dan lap",
		                            "ncl",     "tu luc",         "quoc te", NULL };
	return one_of(f, pub) ? "public" : one_of(f, priv) ? "private" : NULL;
}

static int parse_active(const char *f)
{
	static const char *const yes[] = { "1",         "true",           "yes", "co", "x", "active",
		                           "hoat dong", "dang hoat dong", NULL };
	static const char *const no[] = { "0",
		                          "false",
		                          "no",
		                          "khong",
		                          "inactive",
		                          "ngung hoat dong",
		                          "dung hoat dong",
		                          "giai the",
		                          "sap nhap",
		                          "da sap nhap",
		                          NULL };
	return one_of(f, yes) ? 1 : one_of(f, no) ? 0 : -1;
}

/* A unit as stored. */
typedef struct dbunit {
	int64_t id;
	const char *parent_code; /* "" for the root */
	const char *name, *kind, *level, *ownership, *path;
	int active;
	int64_t children;
} dbunit_t;

static int db_unit(db_t *db, arena_t *a, const char *code, dbunit_t *u, err_t *err)
{
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT u.id, p.code, u.name, u.kind, u.school_level, u.ownership, u.path, u.active, "
	             "(SELECT COUNT(*) FROM units c WHERE c.parent_id = u.id) "
	             "FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.code = ?",
	             "s", code);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		u->id = db_col_int(st, 0);
		u->parent_code = arena_strdup(a, db_col_text(st, 1) ? db_col_text(st, 1) : "");
		u->name = arena_strdup(a, db_col_text(st, 2));
		u->kind = arena_strdup(a, db_col_text(st, 3));
		u->level = arena_strdup(a, db_col_text(st, 4) ? db_col_text(st, 4) : "");
		u->ownership = arena_strdup(a, db_col_text(st, 5));
		u->path = arena_strdup(a, db_col_text(st, 6));
		u->active = (int)db_col_int(st, 7);
		u->children = db_col_int(st, 8);
	}
	db_done(st);
	return rc < 0 ? rc : rc == DB_ROW ? 1 : 0;
}

static int row_error(xchg_result_t *out, xchg_row_t *r, const char *key, const char *detail)
{
	if (r->action != XA_ERROR) {
		r->action = XA_ERROR;
		r->key = key;
		r->detail = detail ? detail : "";
		out->errors++;
	}
	return 0;
}

static int find_row(const xchg_result_t *out, const char *code)
{
	for (size_t i = 0; i < out->nrows; i++)
		if (out->rows[i].code && !strcmp(out->rows[i].code, code))
			return (int)i;
	return -1;
}

static void change(arena_t *a, buf_t *b, const char *field, const char *old, const char *new_)
{
	if (!strcmp(old ? old : "", new_ ? new_ : ""))
		return;
	if (b->len)
		buf_puts(b, "; ");
	buf_printf(b, "%s: \"%s\" → \"%s\"", field, old ? old : "", new_ ? new_ : "");
	(void)a;
}

int xchg_units_check(db_t *db, const actor_t *actor, const xchg_table_t *t, const int map[XCHG_MAX_FIELDS],
                     arena_t *a, xchg_result_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (actor && !actor_is_admin(actor))
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	int rc = xchg_mapping_check(XK_UNITS, map, err);
	if (rc < 0)
		return rc;
	out->rows = arena_zalloc(a, (t->nrows + 1) * sizeof *out->rows);
	out->nrows = t->nrows;
	dbunit_t *ex = arena_zalloc(a, (t->nrows + 1) * sizeof *ex);

	/* 1. each row alone */
	for (size_t i = 0; i < t->nrows; i++) {
		xchg_row_t *r = &out->rows[i];
		const xlsx_row_t *src = &t->rows[i];
		r->line = src->line;
		r->changes = "";
		char *code = cell(a, src, map, XU_CODE);
		for (char *p = code; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		r->code = code;
		r->name = r->label = cell(a, src, map, XU_NAME);
		char *parent = cell(a, src, map, XU_PARENT);
		for (char *p = parent; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		r->parent = parent;
		if (!*code) {
			row_error(out, r, "err.xunits.code_missing", NULL);
			continue;
		}
		if (!units_code_valid(code)) {
			row_error(out, r, "err.unit.code", code);
			continue;
		}
		int j = find_row(out, code);
		if (j >= 0 && (size_t)j < i) {
			row_error(out, r, "err.xchg.duplicate",
			          arena_printf(a, "%s (%lld)", code, (long long)out->rows[j].line));
			continue;
		}
		if ((rc = db_unit(db, a, code, &ex[i], err)) < 0)
			return rc;
		bool exists = rc == 1;
		r->id = exists ? ex[i].id : 0;
		if (!*r->name) {
			if (!exists) {
				row_error(out, r, "err.xunits.name_missing", NULL);
				continue;
			}
			r->name = r->label = ex[i].name;
		}
		if (text_length(r->name) > 200) {
			row_error(out, r, "err.unit.name", NULL);
			continue;
		}
		const char *kv = cell(a, src, map, XU_KIND), *lv = cell(a, src, map, XU_LEVEL),
		           *ov = cell(a, src, map, XU_OWNERSHIP), *av = cell(a, src, map, XU_ACTIVE);
		r->kind = *kv ? parse_kind(fold(a, kv)) : exists ? ex[i].kind : "school";
		if (!r->kind) {
			row_error(out, r, "err.xunits.kind", kv);
			continue;
		}
		bool school = !strcmp(r->kind, "school");
		r->level = *lv ? parse_level(fold(a, lv)) : exists && *ex[i].level ? ex[i].level : NULL;
		if (*lv && !r->level) {
			row_error(out, r, "err.xunits.level", lv);
			continue;
		}
		if (school && !r->level) {
			row_error(out, r, "err.xunits.level_missing", NULL);
			continue;
		}
		if (!school)
			r->level = "";
		r->ownership = *ov ? parse_ownership(fold(a, ov)) : exists ? ex[i].ownership : "public";
		if (!r->ownership) {
			row_error(out, r, "err.xunits.ownership", ov);
			continue;
		}
		r->active = *av ? parse_active(fold(a, av)) : exists ? ex[i].active : 1;
		if (r->active < 0) {
			row_error(out, r, "err.xunits.active", av);
			continue;
		}
		if (exists && school && ex[i].children > 0 && strcmp(ex[i].kind, "school"))
			row_error(out, r, "err.xunits.school_children", code);
	}

	/* 2. parents, scope, cycles */
	for (size_t i = 0; i < t->nrows; i++) {
		xchg_row_t *r = &out->rows[i];
		if (r->action == XA_ERROR)
			continue;
		bool exists = r->id != 0;
		if (!*r->parent)
			r->parent = exists ? ex[i].parent_code : "";
		if (!*r->parent) {
			if (!exists)
				row_error(out, r, "err.xunits.parent_missing", NULL);
			continue; /* the root stays the root */
		}
		if (exists && !*ex[i].parent_code) {
			row_error(out, r, "err.xunits.root", r->code);
			continue;
		}
		if (!strcmp(r->parent, r->code)) {
			row_error(out, r, "err.xunits.cycle", r->code);
			continue;
		}
		int pj = find_row(out, r->parent);
		dbunit_t pu = { 0 };
		const char *pkind;
		if (pj >= 0) {
			pkind = out->rows[pj].kind;
			if (!pkind) /* the parent's row has an error of its own */
				pkind = "";
		} else {
			if ((rc = db_unit(db, a, r->parent, &pu, err)) < 0)
				return rc;
			if (rc == 0 || (actor && !actor_sees_path(actor, pu.path))) {
				row_error(out, r, rc == 0 ? "err.xunits.parent_unknown" : "err.xunits.scope",
				          r->parent);
				continue;
			}
			pkind = pu.kind;
		}
		if (!strcmp(pkind, "school")) {
			row_error(out, r, "err.xunits.parent_school", r->parent);
			continue;
		}
		if (actor && actor->role != ROLE_SYSADMIN && exists) {
			if (!actor_sees_path(actor, ex[i].path) ||
			    (ex[i].id == actor->unit_id && strcmp(r->parent, ex[i].parent_code))) {
				row_error(out, r, "err.xunits.scope", r->code);
				continue;
			}
		}
		/* a cycle: walk up from the new parent; reaching this unit again is one */
		const char *cur = r->parent;
		size_t limit = t->nrows + 256;
		bool cycle = false;
		while (*cur && limit--) {
			if (!strcmp(cur, r->code)) {
				cycle = true;
				break;
			}
			int k = find_row(out, cur);
			if (k >= 0 && out->rows[k].action != XA_ERROR && out->rows[k].parent) {
				cur = out->rows[k].parent;
				if (!*cur && out->rows[k].id)
					cur = ex[k].parent_code;
				continue;
			}
			dbunit_t cu = { 0 };
			if ((rc = db_unit(db, a, cur, &cu, err)) < 0)
				return rc;
			cur = rc ? cu.parent_code : "";
		}
		if (cycle || limit == (size_t)-1) {
			row_error(out, r, "err.xunits.cycle", r->code);
			continue;
		}
	}
	/* a row whose parent row has an error cannot be placed either: the whole file is refused
	 * anyway, so nothing more is needed here. */

	/* 3. what changes */
	for (size_t i = 0; i < t->nrows; i++) {
		xchg_row_t *r = &out->rows[i];
		if (r->action == XA_ERROR)
			continue;
		if (!r->id) {
			r->action = XA_CREATE;
			out->created++;
			continue;
		}
		buf_t b = BUF_INIT;
		change(a, &b, "name", ex[i].name, r->name);
		change(a, &b, "kind", ex[i].kind, r->kind);
		change(a, &b, "school_level", ex[i].level, r->level);
		change(a, &b, "parent", ex[i].parent_code, r->parent);
		change(a, &b, "ownership", ex[i].ownership, r->ownership);
		change(a, &b, "active", ex[i].active ? "1" : "0", r->active ? "1" : "0");
		if (b.len) {
			r->action = XA_UPDATE;
			r->changes = arena_strdup(a, buf_str(&b));
			out->updated++;
		} else {
			r->action = XA_SAME;
			out->unchanged++;
		}
		buf_release(&b);
	}
	return 0;
}

static int unit_path(db_t *db, arena_t *a, const char *code, int64_t *id, const char **path, err_t *err)
{
	db_stmt_t *st = db_query(db, err, "SELECT id, path FROM units WHERE code = ?", "s", code);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		*id = db_col_int(st, 0);
		*path = arena_strdup(a, db_col_text(st, 1));
	}
	db_done(st);
	return rc < 0 ? rc : rc == DB_ROW ? 1 : 0;
}

int xchg_units_commit(db_t *db, const actor_t *actor, const xchg_table_t *t, const int map[XCHG_MAX_FIELDS],
                      arena_t *a, xchg_result_t *out, err_t *err)
{
	int own = 0, rc = db_begin_own(db, &own, err);
	if (rc < 0)
		return rc;
	if ((rc = xchg_units_check(db, actor, t, map, a, out, err)) < 0)
		goto done;
	if (out->errors) {
		rc = err_set(err, ERR_INVALID, "err.xchg.has_errors", "%lld", (long long)out->errors);
		goto done;
	}
	int64_t now = clock_now();
	/* creations, parents first: a pass places every row whose parent now exists */
	size_t left = (size_t)out->created;
	while (left) {
		size_t placed = 0;
		for (size_t i = 0; i < out->nrows; i++) {
			xchg_row_t *r = &out->rows[i];
			if (r->action != XA_CREATE || r->id)
				continue;
			int64_t pid;
			const char *ppath;
			if ((rc = unit_path(db, a, r->parent, &pid, &ppath, err)) < 0)
				goto done;
			if (rc == 0)
				continue;
			int64_t nid;
			rc = db_insert_id(
			    db, &nid, err,
			    "INSERT INTO units (parent_id, code, name, name_fold, kind, school_level, path, "
			    "active, ownership, created_at) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?) RETURNING "
			    "id",
			    "isssssbsi", pid, r->code, r->name, text_fold(a, r->name), r->kind,
			    *r->level ? r->level : NULL, r->active, r->ownership, now);
			if (rc < 0)
				goto done;
			char *path = arena_printf(a, "%s%lld/", ppath, (long long)nid);
			if ((rc = db_exec(db, err, "UPDATE units SET path = ? WHERE id = ?", "si", path,
			                  nid)) < 0)
				goto done;
			r->id = nid;
			char *detail = arena_printf(a, "%s %s (%s)", r->code, r->name, r->kind);
			if ((rc = audit_write(db, actor, actor ? NULL : "cli", nid, path,
			                      "unit.import.create", "unit", nid, detail, NULL, err)) < 0)
				goto done;
			placed++;
			left--;
		}
		if (!placed) {
			rc = err_set(err, ERR_INTERNAL, "err.internal", "units import: parents never placed");
			goto done;
		}
	}
	/* changes; a move gives the subtree its new paths */
	for (size_t i = 0; i < out->nrows; i++) {
		xchg_row_t *r = &out->rows[i];
		if (r->action != XA_UPDATE)
			continue;
		rc = db_exec(
		    db, err,
		    "UPDATE units SET name = ?, name_fold = ?, kind = ?, school_level = ?, ownership = ?, "
		    "active = ? WHERE id = ?",
		    "sssssbi", r->name, text_fold(a, r->name), r->kind, *r->level ? r->level : NULL,
		    r->ownership, r->active, r->id);
		if (rc < 0)
			goto done;
		int64_t pid, uid;
		const char *ppath, *path;
		if ((rc = unit_path(db, a, r->code, &uid, &path, err)) < 0)
			goto done;
		if (*r->parent) {
			if ((rc = unit_path(db, a, r->parent, &pid, &ppath, err)) < 0)
				goto done;
			char *npath = arena_printf(a, "%s%lld/", ppath, (long long)uid);
			if (strcmp(npath, path)) {
				rc = db_exec(db, err, "UPDATE units SET parent_id = ? WHERE id = ?", "ii",
				             pid, uid);
				if (rc >= 0)
					rc = db_exec(db, err,
					             "UPDATE units SET path = CAST(? AS TEXT) || "
					             "SUBSTR(path, CAST(? AS INTEGER)) "
					             "WHERE path >= ? AND path < ?",
					             "siss", npath, (int64_t)strlen(path) + 1, path,
					             actor_path_end(a, path));
				if (rc < 0)
					goto done;
				path = npath;
			}
		}
		if ((rc = audit_write(db, actor, actor ? NULL : "cli", uid, path, "unit.import.update",
		                      "unit", uid, text_cut(a, r->changes, 900), NULL, err)) < 0)
			goto done;
	}
	rc = xchg_import_done(db, actor, XK_UNITS, "units.import", t, map, a, out, err);
done:
	if (rc < 0)
		out->written = false;
	return db_end_own(db, own, rc, err);
}
