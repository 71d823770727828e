/* promote.c: the end of the school year (lên lớp, patrons.h).
 *
 * The students of a school (active or blocked, with a grade) move up one grade: "6A1" becomes
 * "7A1" (the class name's leading number is replaced; a name without the grade's number keeps
 * its name and only the grade moves), and the final grade of the school's level graduates. The
 * promotion is one row in `promotions` and one row per student in `promotion_rows` with the
 * values before it; the updates select their students through those rows, so a class moved to
 * "7A1" is never moved again by the update of the old "7A1". Undo restores the rows, until the
 * school lends its first copy after the promotion: from then on loans were made to the new
 * classes and undoing would make the registers lie. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "patrons/patrons.h"
#include "patrons/patrons_int.h"

#define STUDENTS "kind = 'student' AND status IN ('active', 'blocked') AND grade IS NOT NULL"

static int final_grade(db_t *db, int64_t unit, err_t *err, int *out)
{
	db_stmt_t *st =
	    db_query(db, err, "SELECT COALESCE(school_level, '') FROM units WHERE id = ?", "i", unit);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	const char *lv = rc == DB_ROW ? db_col_text(st, 0) : "";
	*out = !strcmp(lv, "th") ? 5 : !strcmp(lv, "thcs") ? 9 : 12;
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* "6A1" at grade 6 -> "7A1"; "Lớp 9/2" -> "Lớp 10/2"; a name without its grade's number stays. */
static const char *next_class(arena_t *a, const char *cls, int grade)
{
	if (patrons_grade_of_class(cls) != grade)
		return cls;
	const char *p = cls;
	while (*p && !isdigit((unsigned char)*p))
		p++;
	const char *q = p;
	while (isdigit((unsigned char)*q))
		q++;
	return arena_printf(a, "%.*s%d%s", (int)(p - cls), cls, grade + 1, q);
}

static void next_year(arena_t *a, const char *y, const char **out)
{
	int y1, y2;
	char extra;
	if (sscanf(y, "%4d-%4d%c", &y1, &y2, &extra) == 2 && y2 == y1 + 1)
		*out = arena_printf(a, "%d-%d", y2, y2 + 1);
	else
		*out = "";
}

int patrons_promote_preview(db_t *db, const actor_t *actor, arena_t *a, patrons_promotion_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = patrons_check_writer(actor, err);
	if (rc < 0 || (rc = final_grade(db, actor->unit_id, err, &out->final_grade)) < 0)
		return rc;
	int64_t unit = actor->unit_id;
	/* The year of most students (a list imported late may hold a few of another). */
	db_stmt_t *st = db_query(db, err,
	                         "SELECT school_year, COUNT(*) FROM patrons WHERE unit_id = ? AND " STUDENTS
	                         " GROUP BY school_year ORDER BY COUNT(*) DESC, school_year DESC LIMIT 1",
	                         "i", unit);
	if (!st)
		return err->code;
	if ((rc = db_step(st, err)) == DB_ROW)
		out->from_year = arena_strdup(a, db_col_text(st, 0));
	db_done(st);
	if (rc < 0)
		return rc;
	if (!out->from_year || !*out->from_year) {
		char y[16];
		patrons_school_year(clock_today_vn(), y, sizeof y);
		out->from_year = arena_strdup(a, y);
	}
	next_year(a, out->from_year, &out->to_year);
	st = db_query(db, err,
	              "SELECT class_name, grade, COUNT(*) FROM patrons WHERE unit_id = ? AND " STUDENTS
	              " GROUP BY class_name, grade ORDER BY grade, class_name",
	              "i", unit);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		patrons_promo_class_t c = { .from_class = arena_strdup(a, db_col_text(st, 0)),
			                    .from_grade = (int)db_col_int(st, 1),
			                    .count = db_col_int(st, 2) };
		c.graduate = c.from_grade >= out->final_grade;
		c.to_class = c.graduate ? "" : next_class(a, c.from_class, c.from_grade);
		if (c.graduate)
			out->graduated += c.count;
		else
			out->promoted += c.count;
		out->classes = arena_grow(a, out->classes, out->nclasses, &cap, 16, sizeof *out->classes);
		out->classes[out->nclasses++] = c;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* Students of the final grade (to graduate, or graduated) who still hold copies. */
	st = db_query(
	    db, err,
	    "SELECT p.id, p.code, p.full_name, p.class_name, COUNT(l.id) FROM patrons p "
	    "JOIN loans l ON l.patron_id = p.id AND l.returned_at IS NULL WHERE p.unit_id = ? "
	    "AND p.kind = 'student' AND p.grade >= ? AND p.status IN ('active', 'blocked', 'graduated') "
	    "GROUP BY p.id, p.code, p.full_name, p.class_name ORDER BY p.class_name, p.full_name, p.id",
	    "ii", unit, (int64_t)out->final_grade);
	if (!st)
		return err->code;
	cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->graduates_with_loans =
		    arena_grow(a, out->graduates_with_loans, out->ngraduates_with_loans, &cap, 16,
		               sizeof *out->graduates_with_loans);
		out->graduates_with_loans[out->ngraduates_with_loans++] =
		    (patrons_promo_graduate_t){ .id = db_col_int(st, 0),
			                        .code = arena_strdup(a, db_col_text(st, 1)),
			                        .full_name = arena_strdup(a, db_col_text(st, 2)),
			                        .class_name = arena_strdup(a, db_col_text(st, 3)),
			                        .open_loans = db_col_int(st, 4) };
	}
	db_done(st);
	if (rc < 0)
		return rc;
	st = db_query(db, err,
	              "SELECT id, done_at, from_year, to_year, COALESCE(undone_at, 0) FROM promotions WHERE "
	              "unit_id = ? "
	              "ORDER BY id DESC LIMIT 1",
	              "i", unit);
	if (!st)
		return err->code;
	if ((rc = db_step(st, err)) == DB_ROW) {
		out->last_id = db_col_int(st, 0);
		out->last_done_at = db_col_int(st, 1);
		out->last_from_year = arena_strdup(a, db_col_text(st, 2));
		out->last_to_year = arena_strdup(a, db_col_text(st, 3));
		out->last_undone = db_col_int(st, 4) != 0;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (out->last_id && !out->last_undone) {
		int64_t loans = 0;
		if ((rc = db_query_int(db, &loans, err,
		                       "SELECT COUNT(*) FROM loans WHERE unit_id = ? AND out_at > ?", "ii",
		                       unit, out->last_done_at)) < 0)
			return rc;
		out->last_can_undo = loans == 0;
	}
	return 0;
}

int patrons_promote_commit(db_t *db, const actor_t *actor, arena_t *a, int64_t *id, err_t *err)
{
	patrons_promotion_t p;
	int rc, own = 0;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	if ((rc = patrons_promote_preview(db, actor, a, &p, err)) < 0)
		goto done;
	if (!p.promoted && !p.graduated) {
		rc = err_set(err, ERR_INVALID, "err.promote.nothing", NULL);
		goto done;
	}
	/* One promotion a year: one not undone in the last 200 days (a second click, a second
	 * librarian) is this year's. */
	int64_t n = 0, now = clock_now();
	if ((rc = db_query_int(
	         db, &n, err,
	         "SELECT COUNT(*) FROM promotions WHERE unit_id = ? AND done_at > ? AND undone_at IS NULL",
	         "ii", actor->unit_id, now - 200 * 86400)) < 0)
		goto done;
	if (n) {
		rc = err_set(err, ERR_CONFLICT, "err.promote.done", "%s", p.from_year);
		goto done;
	}
	if ((rc = db_insert_id(
	         db, id, err,
	         "INSERT INTO promotions (unit_id, from_year, to_year, final_grade, done_at, done_by, "
	         "promoted, graduated) VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?) RETURNING id",
	         "issiiiii", actor->unit_id, p.from_year, p.to_year, (int64_t)p.final_grade, now,
	         actor->account_id, p.promoted, p.graduated)) < 0)
		goto done;
	if ((rc = db_exec(db, err,
	                  "INSERT INTO promotion_rows (promotion_id, patron_id, old_class, old_grade, "
	                  "old_year, old_status) "
	                  "SELECT ?, id, class_name, grade, school_year, status FROM patrons WHERE unit_id = "
	                  "? AND " STUDENTS,
	                  "ii", *id, actor->unit_id)) < 0)
		goto done;
	if ((rc = db_exec(
	         db, err,
	         "UPDATE patrons SET status = 'graduated', updated_at = ? WHERE id IN (SELECT patron_id FROM "
	         "promotion_rows WHERE promotion_id = ? AND old_grade >= ?)",
	         "iii", now, *id, (int64_t)p.final_grade)) < 0)
		goto done;
	for (size_t i = 0; i < p.nclasses; i++) {
		const patrons_promo_class_t *c = &p.classes[i];
		if (c->graduate)
			continue;
		if ((rc = db_exec(
		         db, err,
		         "UPDATE patrons SET class_name = ?, grade = ?, school_year = ?, updated_at = ? "
		         "WHERE id IN "
		         "(SELECT patron_id FROM promotion_rows WHERE promotion_id = ? AND old_class = ? AND "
		         "old_grade = ?)",
		         "sisiisi", c->to_class, (int64_t)c->from_grade + 1, p.to_year, now, *id,
		         c->from_class, (int64_t)c->from_grade)) < 0)
			goto done;
	}
	rc =
	    audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "patron.promote", "promotion", *id,
	                arena_printf(a, "%s -> %s; promoted=%lld; graduated=%lld", p.from_year, p.to_year,
	                             (long long)p.promoted, (long long)p.graduated),
	                NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int patrons_promote_undo(db_t *db, const actor_t *actor, int64_t id, err_t *err)
{
	int rc, own = 0;
	if ((rc = patrons_check_writer(actor, err)) < 0)
		return rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT done_at, COALESCE(undone_at, 0), from_year FROM promotions WHERE id = ? AND "
	             "unit_id = ?",
	             "ii", id, actor->unit_id);
	if (!st) {
		rc = err->code;
		goto done;
	}
	int64_t done_at = 0, undone = 0;
	char year[32] = "";
	rc = db_step(st, err);
	if (rc == DB_ROW) {
		done_at = db_col_int(st, 0);
		undone = db_col_int(st, 1);
		snprintf(year, sizeof year, "%s", db_col_text(st, 2));
	}
	db_done(st);
	if (rc < 0)
		goto done;
	if (rc == DB_DONE) {
		rc = err_set(err, ERR_NOTFOUND, "err.promote.notfound", NULL);
		goto done;
	}
	if (undone) {
		rc = err_set(err, ERR_CONFLICT, "err.promote.undone", NULL);
		goto done;
	}
	int64_t n = 0;
	if ((rc = db_query_int(
	         db, &n, err,
	         "SELECT COUNT(*) FROM promotions WHERE unit_id = ? AND id > ? AND undone_at IS NULL", "ii",
	         actor->unit_id, id)) < 0)
		goto done;
	if (n) {
		rc = err_set(err, ERR_CONFLICT, "err.promote.not_last", NULL);
		goto done;
	}
	if ((rc = db_query_int(db, &n, err, "SELECT COUNT(*) FROM loans WHERE unit_id = ? AND out_at > ?",
	                       "ii", actor->unit_id, done_at)) < 0)
		goto done;
	if (n) {
		rc = err_set(err, ERR_CONFLICT, "err.promote.undo_loans", NULL);
		goto done;
	}
	int64_t now = clock_now();
	if ((rc = db_exec(
	         db, err,
	         "UPDATE patrons SET "
	         "class_name = (SELECT r.old_class FROM promotion_rows r WHERE r.promotion_id = ? AND "
	         "r.patron_id = patrons.id), "
	         "grade = (SELECT r.old_grade FROM promotion_rows r WHERE r.promotion_id = ? AND "
	         "r.patron_id = patrons.id), "
	         "school_year = (SELECT r.old_year FROM promotion_rows r WHERE r.promotion_id = ? AND "
	         "r.patron_id = patrons.id), "
	         "status = (SELECT r.old_status FROM promotion_rows r WHERE r.promotion_id = ? AND "
	         "r.patron_id = patrons.id), updated_at = ? "
	         "WHERE id IN (SELECT patron_id FROM promotion_rows WHERE promotion_id = ?)",
	         "iiiiii", id, id, id, id, now, id)) < 0)
		goto done;
	if ((rc = db_exec(db, err,
	                  "UPDATE promotions SET undone_at = ?, undone_by = NULLIF(?, 0) WHERE id = ?", "iii",
	                  now, actor->account_id, id)) < 0)
		goto done;
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "patron.promote_undo",
	                 "promotion", id, year, NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}
