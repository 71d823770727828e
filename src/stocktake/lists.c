/* lists.c: the copies of one result of a stocktake (missing, found, on loan, misplaced,
 * unknown barcodes), live while the session is open, from its marks and scans after, and the
 * same list as a workbook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "base/xlsxw.h"
#include "stocktake/stocktake_int.h"

/* --- lists ----------------------------------------------------------------------------------- */

static int item_cmp(const void *x, const void *y)
{
	const stocktake_item_t *p = x, *q = y;
	int c = strcmp(p->reg, q->reg);
	if (!c)
		c = strverscmp(p->accession, q->accession);
	if (!c)
		c = strcmp(p->barcode, q->barcode);
	return c;
}

#define ITEM_COLS                                                                                            \
	"i.id, i.barcode, i.accession, i.register, b.title, i.location, b.class_number, b.doc_type, "        \
	"i.status, " STOCKTAKE_PRICE " "

static void item_row(db_stmt_t *st, arena_t *a, stocktake_item_t *o, const char *result)
{
	o->item_id = db_col_int(st, 0);
	o->barcode = stocktake_dup0(a, db_col_text(st, 1));
	o->accession = stocktake_dup0(a, db_col_text(st, 2));
	o->reg = stocktake_dup0(a, db_col_text(st, 3));
	o->title = stocktake_dup0(a, db_col_text(st, 4));
	o->location = stocktake_dup0(a, db_col_text(st, 5));
	o->class_number = stocktake_dup0(a, db_col_text(st, 6));
	o->doc_type = stocktake_dup0(a, db_col_text(st, 7));
	o->status = stocktake_dup0(a, db_col_text(st, 8));
	o->price = db_col_int(st, 9);
	o->result = result;
}

int stocktake_items(db_t *db, const actor_t *actor, int64_t id, const char *result, arena_t *a,
                    stocktake_item_t **out, size_t *n, err_t *err)
{
	int rc;
	*out = NULL;
	*n = 0;
	static const char *const R[] = { "missing", "found", "on_loan", "misplaced", "unknown" };
	const char *res = NULL;
	for (size_t i = 0; i < 5; i++)
		if (result && !strcmp(result, R[i]))
			res = R[i];
	stocktake_t s;
	if ((rc = stocktake_load(db, actor, id, false, a, &s, err)) < 0)
		return rc;
	if (!res)
		return err_set(err, ERR_INVALID, "err.stocktake.result", "%.20s", result ? result : "");
	size_t cap = 0;
	db_stmt_t *st = NULL;
	bool open = strcmp(s.status, "open") == 0;
	if (!strcmp(res, "unknown")) {
		st = db_query(db, err,
		              "SELECT barcode, scans FROM stocktake_scans WHERE stocktake_id = ? AND result "
		              "= 'unknown'",
		              "i", id);
		if (!st)
			return err->code;
		while ((rc = db_step(st, err)) == DB_ROW) {
			*out = arena_grow(a, *out, *n, &cap, 64, sizeof **out);
			stocktake_item_t *o = &(*out)[(*n)++];
			memset(o, 0, sizeof *o);
			o->barcode = stocktake_dup0(a, db_col_text(st, 0));
			o->scans = db_col_int(st, 1);
			o->accession = o->reg = o->title = o->location = o->class_number = o->doc_type =
			    o->status = "";
			o->result = res;
		}
	} else if (!strcmp(res, "found") || !strcmp(res, "misplaced") || (!open && !strcmp(res, "on_loan"))) {
		/* Scanned copies; after close, the on-loan list is the session's C marks without a
		 * found scan. */
		if (!strcmp(res, "on_loan"))
			st = db_query(
			    db, err,
			    "SELECT " ITEM_COLS ", 0 FROM stocktake_marks m JOIN items i ON i.id = m.item_id "
			    "JOIN biblios b ON b.id = i.biblio_id WHERE m.stocktake_id = ? AND m.mark = 'C' "
			    "AND NOT EXISTS (SELECT 1 FROM stocktake_scans x WHERE x.stocktake_id = "
			    "m.stocktake_id "
			    "AND x.item_id = m.item_id AND x.result = 'found')",
			    "i", id);
		else
			st = db_query(
			    db, err,
			    "SELECT " ITEM_COLS
			    ", x.scans FROM stocktake_scans x JOIN items i ON i.id = x.item_id "
			    "JOIN biblios b ON b.id = i.biblio_id WHERE x.stocktake_id = ? AND x.result = ?",
			    "is", id, res);
		if (!st)
			return err->code;
		while ((rc = db_step(st, err)) == DB_ROW) {
			*out = arena_grow(a, *out, *n, &cap, 64, sizeof **out);
			stocktake_item_t *o = &(*out)[(*n)++];
			item_row(st, a, o, res);
			o->scans = db_col_int(st, 10);
		}
	} else if (!open) { /* missing, closed: the session's M marks */
		st =
		    db_query(db, err,
		             "SELECT " ITEM_COLS " FROM stocktake_marks m JOIN items i ON i.id = m.item_id "
		             "JOIN biblios b ON b.id = i.biblio_id WHERE m.stocktake_id = ? AND m.mark = 'M'",
		             "i", id);
		if (!st)
			return err->code;
		while ((rc = db_step(st, err)) == DB_ROW) {
			*out = arena_grow(a, *out, *n, &cap, 64, sizeof **out);
			item_row(st, a, &(*out)[(*n)++], res);
		}
	} else { /* missing or on loan, live: walk the stock, then read those copies */
		stocktake_wrow_t *v;
		size_t nv;
		stocktake_counts_t c = { 0 };
		if ((rc = stocktake_walk(db, &s, a, &v, &nv, &c, err)) < 0)
			return rc;
		char want = !strcmp(res, "missing") ? 'M' : 'L';
		for (size_t i = 0; i < nv; i++) {
			if (v[i].state != want)
				continue;
			st = db_query(db, err,
			              "SELECT " ITEM_COLS
			              " FROM items i JOIN biblios b ON b.id = i.biblio_id WHERE i.id = ?",
			              "i", v[i].id);
			if (!st)
				return err->code;
			if ((rc = db_step(st, err)) == DB_ROW) {
				*out = arena_grow(a, *out, *n, &cap, 64, sizeof **out);
				item_row(st, a, &(*out)[(*n)++], res);
			}
			db_done(st);
			if (rc < 0)
				return rc;
		}
		st = NULL;
		rc = DB_DONE;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (*n > 1)
		qsort(*out, *n, sizeof **out, item_cmp);
	return 0;
}

int stocktake_items_xlsx(const stocktake_t *s, const char *result, const stocktake_item_t *v, size_t n,
                         const char *lang, buf_t *out, err_t *err)
{
	bool en = lang && !strcmp(lang, "en");
	xlsxw_t *w = xlsxw_new(err);
	if (!w)
		return err->code;
	char title[200], sub[300];
	snprintf(title, sizeof title, "%s (%s)", en ? "Stocktake" : "Kiểm kê", result);
	snprintf(sub, sizeof sub, "%s · %s · %s", s->unit_name, s->school_year, s->scope);
	if (xlsxw_sheet(w, result, title, sub, err) < 0) {
		xlsxw_free(w);
		return err->code;
	}
	const xlsxw_col_t cols[] = {
		{ en ? "No." : "STT", 6 },
		{ en ? "Register" : "Sổ", 8 },
		{ en ? "Accession" : "Số ĐKCB", 14 },
		{ en ? "Barcode" : "Mã vạch", 16 },
		{ en ? "Title" : "Nhan đề", 40 },
		{ en ? "Class" : "Phân loại", 10 },
		{ en ? "Location" : "Vị trí", 14 },
		{ en ? "Price" : "Giá (đồng)", 12 },
		{ en ? "Scans" : "Lần quét", 8 },
	};
	xlsxw_header(w, cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < n; i++) {
		xlsxw_row(w);
		xlsxw_int(w, (int64_t)i + 1);
		xlsxw_text(w, v[i].reg);
		xlsxw_text(w, v[i].accession);
		xlsxw_text(w, v[i].barcode);
		xlsxw_text(w, v[i].title);
		xlsxw_text(w, v[i].class_number);
		xlsxw_text(w, v[i].location);
		if (v[i].item_id)
			xlsxw_money(w, v[i].price);
		else
			xlsxw_skip(w);
		xlsxw_int(w, v[i].scans);
	}
	return xlsxw_finish(w, out, err);
}
