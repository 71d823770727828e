/* inlib.c: in-library use (lượt đọc tại chỗ), counted without a loan (circ_more.h): a scanned
 * card or copy, or a head count by reader group and document type; the day's list with totals
 * and the month's table, which the school's statistics report.
 *
 * A scanned card or copy is looked up in the librarian's own school only, and what the row
 * keeps (reader kind, class, document type) is copied from it, as loans copy them, so a month's
 * table counts a use where it was made even after a promotion or a re-cataloguing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "base/xlsxw.h"
#include "circ/circ_more.h"

const char *const circ_kind_keys[4] = { "circ.kind.student", "circ.kind.teacher", "circ.kind.staff",
	                                "circ.kind.unknown" };

static int kind_index(const char *k)
{
	static const char *const kinds[] = { "student", "teacher", "staff" };
	for (int i = 0; i < 3; i++)
		if (k && strcmp(k, kinds[i]) == 0)
			return i;
	return 3;
}

static bool given(const char *s)
{
	return s && *s;
}

int circ_use_record(db_t *db, const actor_t *actor, const circ_use_in_t *in, int64_t *id, err_t *err)
{
	int rc = circ_check_writer(actor, err);
	if (rc < 0)
		return rc;
	bool scan = given(in->patron_code) || given(in->barcode);
	if ((given(in->patron_code) && strlen(in->patron_code) > 64) ||
	    (given(in->barcode) && strlen(in->barcode) > 64))
		return err_set(err, ERR_INVALID, "err.circ.barcode", NULL);
	if (scan ? in->count < 0 || in->count > 1 : in->count < 1 || in->count > CIRC_USE_MAX_COUNT)
		return err_set(err, ERR_INVALID, "err.circ.count", "%d", CIRC_USE_MAX_COUNT);
	if (!scan && kind_index(in->patron_kind) == 3)
		return err_set(err, ERR_INVALID, "err.circ.kind", "%.20s",
		               in->patron_kind ? in->patron_kind : "");
	if (!scan && given(in->doc_type) && strlen(in->doc_type) > 16)
		return err_set(err, ERR_INVALID, "err.circ.doc_type", NULL);
	int own = 0;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	int64_t patron = 0, item = 0, cnt = scan ? 1 : in->count;
	char kind[16] = "", cls[80] = "", type[24] = "";
	db_stmt_t *st;
	if (given(in->patron_code)) {
		if (!(st = db_query(db, err,
		                    "SELECT id, kind, class_name FROM patrons WHERE unit_id = ? AND code = ?",
		                    "is", actor->unit_id, in->patron_code))) {
			rc = err->code;
			goto done;
		}
		if ((rc = db_step(st, err)) == DB_ROW) {
			patron = db_col_int(st, 0);
			snprintf(kind, sizeof kind, "%s", db_col_text(st, 1));
			snprintf(cls, sizeof cls, "%s", db_col_text(st, 2));
		}
		db_done(st);
		if (rc < 0)
			goto done;
		if (!patron) {
			rc = err_set(err, ERR_NOTFOUND, "err.circ.patron", "%.60s", in->patron_code);
			goto done;
		}
	}
	if (given(in->barcode)) {
		if (!(st = db_query(
		          db, err,
		          "SELECT i.id, b.doc_type FROM items i JOIN biblios b ON b.id = i.biblio_id "
		          "WHERE i.unit_id = ? AND i.barcode = ?",
		          "is", actor->unit_id, in->barcode))) {
			rc = err->code;
			goto done;
		}
		if ((rc = db_step(st, err)) == DB_ROW) {
			item = db_col_int(st, 0);
			snprintf(type, sizeof type, "%s", db_col_text(st, 1));
		}
		db_done(st);
		if (rc < 0)
			goto done;
		if (!item) {
			rc = err_set(err, ERR_NOTFOUND, "err.circ.item", "%.60s", in->barcode);
			goto done;
		}
	}
	if (!scan) {
		snprintf(kind, sizeof kind, "%s", in->patron_kind);
		if (given(in->doc_type)) {
			int64_t found = 0;
			rc = db_query_int(db, &found, err, "SELECT COUNT(*) FROM doc_types WHERE code = ?",
			                  "s", in->doc_type);
			if (rc < 0)
				goto done;
			if (!found) {
				rc = err_set(err, ERR_INVALID, "err.circ.doc_type", "%.16s", in->doc_type);
				goto done;
			}
			snprintf(type, sizeof type, "%s", in->doc_type);
		}
	}
	int64_t now = clock_now(), use = 0;
	char day[11];
	clock_day_format(clock_day_of(now), day, sizeof day);
	rc = db_insert_id(
	    db, &use, err,
	    "INSERT INTO library_uses (unit_id, day, at, patron_id, patron_kind, class_name, item_id, "
	    "doc_type, count, created_by) VALUES (?, ?, ?, NULLIF(?, 0), ?, ?, NULLIF(?, 0), ?, ?, ?) "
	    "RETURNING id",
	    "isiissisii", actor->unit_id, day, now, patron, kind, cls, item, type, cnt, actor->account_id);
	if (rc < 0)
		goto done;
	char detail[160];
	snprintf(detail, sizeof detail, "%lld %s %s%s%s", (long long)cnt, *kind ? kind : "-",
	         *type ? type : "-", patron ? " card" : "", item ? " copy" : "");
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "circ.inlibrary", "library_use",
	                 use, detail, NULL, err);
	if (rc == 0 && id)
		*id = use;
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int circ_uses_day(db_t *db, const actor_t *actor, int64_t unit_id, const char *day, arena_t *a,
                  circ_use_day_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = circ_school_for(db, actor, unit_id, a, &out->school, err);
	if (rc < 0)
		return rc;
	int64_t d = clock_today_vn();
	if (given(day) && clock_day_parse(day, &d) < 0)
		return err_set(err, ERR_INVALID, "err.date", "%.20s", day);
	clock_day_format(d, out->day, sizeof out->day);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT u.id, u.at, u.count, u.patron_kind, u.class_name, u.doc_type, p.full_name, "
	             "b.title, i.barcode "
	             "FROM library_uses u LEFT JOIN patrons p ON p.id = u.patron_id LEFT JOIN items i ON "
	             "i.id = u.item_id "
	             "LEFT JOIN biblios b ON b.id = i.biblio_id WHERE u.unit_id = ? AND u.day = ? "
	             "ORDER BY u.at DESC, u.id DESC LIMIT 5000",
	             "is", out->school.id, out->day);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->v = arena_grow(a, out->v, out->n, &cap, 32, sizeof *out->v);
		circ_use_t *u = &out->v[out->n++];
		u->id = db_col_int(st, 0);
		u->at = db_col_int(st, 1);
		u->count = db_col_int(st, 2);
		u->patron_kind = arena_strdup(a, db_col_text(st, 3));
		u->class_name = arena_strdup(a, db_col_text(st, 4));
		u->doc_type = arena_strdup(a, db_col_text(st, 5));
		u->patron_name = arena_strdup(a, db_col_text(st, 6) ? db_col_text(st, 6) : "");
		u->title = arena_strdup(a, db_col_text(st, 7) ? db_col_text(st, 7) : "");
		u->barcode = arena_strdup(a, db_col_text(st, 8) ? db_col_text(st, 8) : "");
		out->total += u->count;
		out->by_kind[kind_index(u->patron_kind)] += u->count;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* "yyyy-mm" of a real month, years 1900..2200: its first day and number of days. */
static int month_parse(const char *s, int64_t *first, int *ndays)
{
	char iso[16];
	if (!s || strlen(s) != 7 || s[4] != '-')
		return -1;
	snprintf(iso, sizeof iso, "%s-01", s);
	if (clock_day_parse(iso, first) < 0)
		return -1;
	int y, m, d;
	clock_civil_from_days(*first, &y, &m, &d);
	int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
	*ndays = (int)(clock_days_from_civil(ny, nm, 1) - *first);
	return 0;
}

static int type_cmp(const void *pa, const void *pb)
{
	const char *x = *(const char *const *)pa, *y = *(const char *const *)pb;
	if (!*x || !*y)
		return (*x == 0) - (*y == 0);
	return strcmp(x, y);
}

int circ_uses_month(db_t *db, const actor_t *actor, int64_t unit_id, const char *month, arena_t *a,
                    circ_use_month_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc = circ_school_for(db, actor, unit_id, a, &out->school, err);
	if (rc < 0)
		return rc;
	int64_t first;
	char mbuf[11];
	if (!given(month)) {
		clock_day_format(clock_today_vn(), mbuf, sizeof mbuf);
		mbuf[7] = 0;
		month = mbuf;
	}
	if (month_parse(month, &first, &out->ndays) < 0)
		return err_set(err, ERR_INVALID, "err.circ.month", "%.20s", month);
	snprintf(out->month, sizeof out->month, "%.7s", month);
	char from[11], to[11];
	clock_day_format(first, from, sizeof from);
	clock_day_format(first + out->ndays - 1, to, sizeof to);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT day, patron_kind, SUM(count) FROM library_uses WHERE unit_id = ? "
	                         "AND day >= ? AND day <= ? GROUP BY day, patron_kind",
	                         "iss", out->school.id, from, to);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t d;
		if (clock_day_parse(db_col_text(st, 0), &d) < 0 || d < first || d >= first + out->ndays)
			continue;
		int k = kind_index(db_col_text(st, 1));
		int64_t c = db_col_int(st, 2);
		out->days[d - first][k] += c;
		out->kind_total[k] += c;
		out->total += c;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	st = db_query(
	    db, err,
	    "SELECT doc_type, SUM(count) FROM library_uses WHERE unit_id = ? AND day >= ? AND day <= ? "
	    "GROUP BY doc_type",
	    "iss", out->school.id, from, to);
	if (!st)
		return err->code;
	size_t cap = 0;
	const char **types = NULL;
	int64_t *counts = NULL;
	while ((rc = db_step(st, err)) == DB_ROW) {
		size_t cap2 = cap;
		types = arena_grow(a, types, out->ntypes, &cap2, 16, sizeof *types);
		counts = arena_grow(a, counts, out->ntypes, &cap, 16, sizeof *counts);
		types[out->ntypes] = arena_strdup(a, db_col_text(st, 0));
		counts[out->ntypes++] = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* Types in code order, unknown last; counts follow their type. */
	for (size_t i = 1; i < out->ntypes; i++)
		for (size_t j = i; j > 0 && type_cmp(&types[j - 1], &types[j]) > 0; j--) {
			const char *t = types[j];
			types[j] = types[j - 1];
			types[j - 1] = t;
			int64_t c = counts[j];
			counts[j] = counts[j - 1];
			counts[j - 1] = c;
		}
	out->types = types;
	out->type_count = counts;
	return 0;
}

int circ_uses_month_xlsx(const circ_use_month_t *m, const char *lang, buf_t *out, err_t *err)
{
	xlsxw_t *w = xlsxw_new(err);
	if (!w)
		return err->code;
	char sub[400], title[200];
	snprintf(title, sizeof title, "%s %s/%.4s", i18n_get(lang, "circ.inlib.month_title"), m->month + 5,
	         m->month);
	snprintf(sub, sizeof sub, "%s", m->school.name);
	int rc = xlsxw_sheet(w, i18n_get(lang, "circ.inlib.by_day"), title, sub, err);
	if (rc < 0) {
		xlsxw_free(w);
		return rc;
	}
	xlsxw_col_t cols[6] = { { i18n_get(lang, "circ.col.day"), 12 } };
	for (int k = 0; k < 4; k++)
		cols[k + 1] = (xlsxw_col_t){ i18n_get(lang, circ_kind_keys[k]), 12 };
	cols[5] = (xlsxw_col_t){ i18n_get(lang, "circ.total"), 10 };
	xlsxw_header(w, cols, 6);
	int64_t first = 0;
	int nd = 0;
	month_parse(m->month, &first, &nd);
	for (int d = 0; d < m->ndays; d++) {
		char iso[11];
		clock_day_format(first + d, iso, sizeof iso);
		xlsxw_row(w);
		xlsxw_day(w, iso);
		int64_t t = 0;
		for (int k = 0; k < 4; k++) {
			xlsxw_int(w, m->days[d][k]);
			t += m->days[d][k];
		}
		xlsxw_int(w, t);
	}
	xlsxw_row_bold(w);
	xlsxw_text(w, i18n_get(lang, "circ.total"));
	for (int k = 0; k < 4; k++)
		xlsxw_int(w, m->kind_total[k]);
	xlsxw_int(w, m->total);
	if ((rc = xlsxw_sheet(w, i18n_get(lang, "circ.inlib.by_type"), title, sub, err)) < 0) {
		xlsxw_free(w);
		return rc;
	}
	const xlsxw_col_t tcols[] = { { i18n_get(lang, "circ.col.doc_type"), 24 },
		                      { i18n_get(lang, "circ.inlib.uses"), 12 } };
	xlsxw_header(w, tcols, 2);
	for (size_t i = 0; i < m->ntypes; i++) {
		xlsxw_row(w);
		xlsxw_text(w, *m->types[i] ? m->types[i] : i18n_get(lang, "circ.kind.unknown"));
		xlsxw_int(w, m->type_count[i]);
	}
	xlsxw_row_bold(w);
	xlsxw_text(w, i18n_get(lang, "circ.total"));
	xlsxw_int(w, m->total);
	return xlsxw_finish(w, out, err);
}
