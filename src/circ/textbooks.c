/* textbooks.c: textbooks for the school year (sách giáo khoa cả năm): a class's copies scanned one
 * after another, each lent to the next student of the class (by name) who lacks that title, due
 * at the school year's end; and the class x titles grid that shows who still lacks what. Class
 * sets (bộ sách lớp) for a teacher are plain checkouts of kind class_set (circ.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "circ/circ_int.h"

/* Class lists in Vietnam are in the order of the given name (tên: the last word), then the
 * whole name: "Bùi Thị Ánh" before "Cao Văn Cường" before "An Văn Zũng". The sort key of a folded
 * name: its last word, a separator below any letter, the whole name. */
static const char *name_key(arena_t *a, const char *fold)
{
	const char *sp = strrchr(fold, ' ');
	return arena_printf(a, "%s\x01%s", sp ? sp + 1 : fold, fold);
}

typedef struct keyed {
	const char *key;
	circ_patron_t p;
} keyed_t;

static int by_key(const void *x, const void *y)
{
	const keyed_t *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	return c ? c : (a->p.id > b->p.id) - (a->p.id < b->p.id);
}

/* The rows of a statement selecting (id, code, full_name, kind, class_name, status, status_note,
 * name_fold), in class-list order. */
static int read_students(db_stmt_t *st, arena_t *a, keyed_t **out, size_t *n, err_t *err)
{
	int rc;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 32, sizeof **out);
		keyed_t *k = &(*out)[(*n)++];
		k->p.id = db_col_int(st, 0);
		k->p.code = arena_strdup(a, db_col_text(st, 1));
		k->p.name = arena_strdup(a, db_col_text(st, 2));
		k->p.kind = arena_strdup(a, db_col_text(st, 3));
		k->p.class_name = arena_strdup(a, db_col_text(st, 4));
		k->p.status = arena_strdup(a, db_col_text(st, 5));
		k->p.status_note = arena_strdup(a, db_col_text(st, 6));
		k->key = name_key(a, db_col_text(st, 7) ? db_col_text(st, 7) : "");
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (*n > 1)
		qsort(*out, *n, sizeof **out, by_key);
	return 0;
}

int circ_classes(db_t *db, const actor_t *actor, arena_t *a, const char ***out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int rc;
	size_t cap = 0;
	if ((rc = circ_check_desk(actor, err)) < 0)
		return rc;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT DISTINCT class_name FROM patrons WHERE unit_id = ? AND kind = 'student'"
	             " AND status = 'active' AND class_name <> '' ORDER BY class_name",
	             "i", actor->unit_id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 16, sizeof **out);
		(*out)[(*n)++] = arena_strdup(a, db_col_text(st, 0));
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int circ_textbook_lend(db_t *db, const actor_t *actor, const char *class_name, const char *item, arena_t *a,
                       circ_result_t *res, err_t *err)
{
	memset(res, 0, sizeof *res);
	int rc, own = 0;
	bool raced = false;
	circ_item_t it = { 0 };
	circ_patron_t p = { 0 };
	if ((rc = circ_check_desk(actor, err)) < 0)
		return circ_refuse(res, err, rc, err->key);
	if (!class_name || !*class_name)
		return circ_refuse(res, err, ERR_INVALID, "err.circ.class_missing");
	if (!item || !*item)
		return circ_refuse(res, err, ERR_INVALID, "err.circ.item_missing");
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	if ((rc = circ_find_item(db, actor->unit_id, item, a, &it, res, err)) < 0)
		goto done;
	if (strcmp(it.doc_type, "SGK")) {
		rc = circ_refuse(res, err, ERR_CONFLICT, "err.circ.textbook_type");
		goto done;
	}
	/* The next student, in class-list order, without an open textbook loan of this title. */
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT p.id, p.code, p.full_name, p.kind, p.class_name, p.status, p.status_note,"
	    " p.name_fold FROM patrons p WHERE p.unit_id = ? AND p.class_name = ? AND p.kind = 'student'"
	    " AND p.status = 'active' AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.patron_id = p.id"
	    " AND l.returned_at IS NULL AND l.biblio_id = ? AND l.kind = 'textbook')",
	    "isi", actor->unit_id, class_name, it.biblio_id);
	if (!st) {
		rc = err->code;
		goto done;
	}
	keyed_t *cand;
	size_t ncand = 0;
	if ((rc = read_students(st, a, &cand, &ncand, err)) < 0)
		goto done;
	if (ncand)
		p = cand[0].p;
	if (!p.id) {
		int64_t students = 0;
		rc = db_query_int(
		    db, &students, err,
		    "SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND class_name = ? AND kind = 'student'"
		    " AND status = 'active'",
		    "is", actor->unit_id, class_name);
		if (rc < 0)
			goto done;
		res->reason = arena_strdup(a, class_name);
		rc = circ_refuse(res, err, students ? ERR_CONFLICT : ERR_NOTFOUND,
		                 students ? "err.circ.class_complete" : "err.circ.class_notfound");
		goto done;
	}
	if ((rc = circ_holds_expire(db, actor->unit_id, it.biblio_id, 0, NULL, err)) < 0)
		goto done;
	rc = circ_lend(db, actor, &p, &it, "textbook", NULL, a, res, &raced, err);
	if (rc == 0)
		res->key = "circ.ok.textbook";
done:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	if (raced)
		rc = circ_explain_race(db, it.id, p.id, a, res, rc, err);
	return rc;
}

int circ_textbook_grid(db_t *db, const actor_t *actor, const char *class_name, arena_t *a, circ_grid_t *out,
                       err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc;
	size_t tcap = 0, tcap2 = 0;
	if ((rc = circ_check_desk(actor, err)) < 0)
		return rc;
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT id, code, full_name, kind, class_name, status, status_note, name_fold FROM patrons"
	    " WHERE unit_id = ? AND class_name = ? AND kind = 'student' AND status = 'active'",
	    "is", actor->unit_id, class_name ? class_name : "");
	if (!st)
		return err->code;
	keyed_t *ks;
	if ((rc = read_students(st, a, &ks, &out->nstudents, err)) < 0)
		return rc;
	out->students = out->nstudents ? arena_alloc(a, out->nstudents * sizeof *out->students) : NULL;
	for (size_t i = 0; i < out->nstudents; i++)
		out->students[i] = ks[i].p;
	/* Titles lent to the class as textbooks, then each open textbook loan of the class. */
	st = db_query(
	    db, err,
	    "SELECT DISTINCT b.id, b.title, b.title_fold FROM loans l JOIN patrons p ON p.id = l.patron_id"
	    " JOIN biblios b ON b.id = l.biblio_id WHERE p.unit_id = ? AND p.class_name = ?"
	    " AND p.kind = 'student' AND p.status = 'active' AND l.kind = 'textbook'"
	    " AND l.returned_at IS NULL ORDER BY b.title_fold, b.id",
	    "is", actor->unit_id, class_name ? class_name : "");
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->biblio_ids =
		    arena_grow(a, out->biblio_ids, out->ntitles, &tcap, 8, sizeof *out->biblio_ids);
		out->titles = arena_grow(a, out->titles, out->ntitles, &tcap2, 8, sizeof *out->titles);
		out->biblio_ids[out->ntitles] = db_col_int(st, 0);
		out->titles[out->ntitles++] = arena_strdup(a, db_col_text(st, 1));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	size_t cells = out->nstudents * out->ntitles;
	out->cells = cells ? arena_zalloc(a, cells * sizeof *out->cells) : NULL;
	out->missing = out->ntitles ? arena_zalloc(a, out->ntitles * sizeof *out->missing) : NULL;
	if (!cells)
		return 0;
	st = db_query(
	    db, err,
	    "SELECT l.patron_id, l.biblio_id, i.barcode FROM loans l JOIN patrons p ON p.id = l.patron_id"
	    " JOIN items i ON i.id = l.item_id WHERE p.unit_id = ? AND p.class_name = ?"
	    " AND p.kind = 'student' AND p.status = 'active' AND l.kind = 'textbook'"
	    " AND l.returned_at IS NULL",
	    "is", actor->unit_id, class_name);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t pid = db_col_int(st, 0), bid = db_col_int(st, 1);
		size_t si = 0, ti = 0;
		while (si < out->nstudents && out->students[si].id != pid)
			si++;
		while (ti < out->ntitles && out->biblio_ids[ti] != bid)
			ti++;
		if (si < out->nstudents && ti < out->ntitles)
			out->cells[si * out->ntitles + ti] = arena_strdup(a, db_col_text(st, 2));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	for (size_t t = 0; t < out->ntitles; t++)
		for (size_t s = 0; s < out->nstudents; s++)
			if (!out->cells[s * out->ntitles + t])
				out->missing[t]++;
	return 0;
}
