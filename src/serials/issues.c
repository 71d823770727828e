/* issues.c: what happens to a periodical's issues: receipt (by a click, or by scanning the ISSN
 * barcode with the issue's date or number), its undoing, claims for the missing ones and their
 * list (data and workbook), and bound volumes, which go into the catalogue through its own
 * functions (catalog.h) in the same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "base/xlsxw.h"
#include "catalog/catalog.h"
#include "print/print.h"
#include "serials/serials_int.h"

/* An issue of the librarian's own school (another school's is ERR_NOTFOUND). */
typedef struct issue_row {
	int64_t id, sub_id, periodical_id, sub_copies;
	char year[16];
	char expected[16];
	bool received, bound, claimed;
} issue_row_t;

static int own_issue(db_t *db, const actor_t *actor, int64_t id, issue_row_t *o, serials_done_t *done,
                     err_t *err)
{
	memset(o, 0, sizeof *o);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT i.unit_id, i.subscription_id, s.periodical_id, s.copies, i.expected, "
	             "i.received_day, i.bound_item_id, i.claimed_day, s.school_year FROM serial_issues i "
	             "JOIN subscriptions s ON s.id = i.subscription_id WHERE i.id = ?",
	             "i", id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW && db_col_int(st, 0) == actor->unit_id) {
		o->id = id;
		o->sub_id = db_col_int(st, 1);
		o->periodical_id = db_col_int(st, 2);
		o->sub_copies = db_col_int(st, 3);
		snprintf(o->expected, sizeof o->expected, "%s", db_col_text(st, 4));
		o->received = !db_col_null(st, 5);
		o->bound = !db_col_null(st, 6);
		o->claimed = !db_col_null(st, 7);
		snprintf(o->year, sizeof o->year, "%s", db_col_text(st, 8));
		if (done) {
			done->issue_id = id;
			done->title_id = o->periodical_id;
			snprintf(done->school_year, sizeof done->school_year, "%s", o->year);
		}
		rc = 0;
	} else if (rc >= 0) {
		rc = err_set(err, ERR_NOTFOUND, "err.serials.issue_notfound", NULL);
	}
	db_done(st);
	return rc;
}

/* Mark issue o received on day with copies (0: the subscription's) and label (NULL: kept). In
 * the caller's transaction, with its audit row. */
static int mark_received(db_t *db, const actor_t *actor, const issue_row_t *o, int64_t copies, int64_t day,
                         const char *label, err_t *err)
{
	if (o->received)
		return err_set(err, ERR_CONFLICT, "err.serials.received", "%s", o->expected);
	if (!copies)
		copies = o->sub_copies;
	char d[16];
	clock_day_format(day, d, sizeof d);
	int rc = db_exec(db, err,
	                 "UPDATE serial_issues SET received_day = ?, copies = ?, received_by = ?, "
	                 "label = COALESCE(?, label) WHERE id = ? AND received_day IS NULL",
	                 "siisi", d, copies, actor->account_id, label, o->id);
	if (rc == 0)
		return err_set(err, ERR_CONFLICT, "err.serials.received", "%s", o->expected);
	if (rc < 0)
		return rc;
	char detail[96];
	snprintf(detail, sizeof detail, "issue %lld of %s, %lld copies on %s", (long long)o->id, o->expected,
	         (long long)copies, d);
	return audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "serials.receive", "periodical",
	                   o->periodical_id, detail, NULL, err);
}

static int check_copies(int64_t copies, err_t *err)
{
	if (copies < 0 || copies > SERIALS_MAX_COPIES)
		return err_set(err, ERR_INVALID, "err.serials.copies", "%d", SERIALS_MAX_COPIES);
	return 0;
}

int serials_receive(db_t *db, const actor_t *actor, int64_t id, int64_t copies, const char *day,
                    const char *label, serials_done_t *done, err_t *err)
{
	int rc, own = 0;
	arena_t *a = arena_new(512);
	issue_row_t o;
	int64_t d = 0;
	const char *lab = NULL;
	if ((rc = serials_check_writer(actor, err)) < 0 || (rc = check_copies(copies, err)) < 0 ||
	    (rc = serials_day_or_today(day, true, &d, err)) < 0)
		goto done;
	if (label && !(lab = serials_clean(a, label, 100, "label", err))) {
		rc = err->code;
		goto done;
	}
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	if ((rc = own_issue(db, actor, id, &o, done, err)) == 0)
		rc = mark_received(db, actor, &o, copies, d, lab && *lab ? lab : NULL, err);
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

/* How far from the scanned day an issue of a frequency may be and still be that issue. */
static int64_t window_of(const char *freq)
{
	static const struct {
		const char *f;
		int64_t days;
	} w[] = { { "daily", 3 },    { "weekly", 6 },     { "biweekly", 13 },
		  { "monthly", 31 }, { "bimonthly", 62 }, { "quarterly", 92 } };
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
		if (strcmp(freq, w[i].f) == 0)
			return w[i].days;
	return 0;
}

/* The ISSN a scanned or typed code names, into issn (10 bytes). */
static int code_issn(const char *code, char issn[10], err_t *err)
{
	char digits[32];
	size_t n = 0;
	for (const char *s = code ? code : ""; *s && n < sizeof digits - 1; s++)
		if (*s != ' ' && *s != '-')
			digits[n++] = *s;
	digits[n] = 0;
	if (n == 13 && strncmp(digits, "977", 3) == 0) {
		if (serials_ean_to_issn(digits, issn) < 0)
			return err_set(err, ERR_INVALID, "err.serials.ean", "%.40s", code);
		return 0;
	}
	if (!code || !*code)
		return err_set(err, ERR_INVALID, "err.serials.code", NULL);
	int rc = serials_issn_normalize(code, issn, err);
	if (rc == 0 && !*issn)
		rc = err_set(err, ERR_INVALID, "err.serials.code", NULL);
	return rc;
}

/* The issue a scan names, in the caller's transaction: into *iid (0: none), or a new one for
 * an irregular title. */
static int scan_find(db_t *db, const actor_t *actor, int64_t sid, const char *freq, int64_t day,
                     const char *label, int64_t *iid, err_t *err)
{
	int rc;
	char d[16];
	clock_day_format(day, d, sizeof d);
	*iid = 0;
	if (label && *label) {
		rc = db_query_int(db, iid, err,
		                  "SELECT id FROM serial_issues WHERE subscription_id = ? AND label = ?",
		                  "is", sid, label);
		if (rc == 0 || rc != ERR_NOTFOUND)
			return rc;
		*iid = 0;
	}
	if (strcmp(freq, "irregular") == 0) {
		rc = db_query_int(db, iid, err,
		                  "SELECT id FROM serial_issues WHERE subscription_id = ? AND expected = ?",
		                  "is", sid, d);
		if (rc == ERR_NOTFOUND)
			rc = db_insert_id(
			    db, iid, err,
			    "INSERT INTO serial_issues (unit_id, subscription_id, expected) VALUES (?, ?, ?) "
			    "RETURNING id",
			    "iis", actor->unit_id, sid, d);
		return rc;
	}
	int64_t w = window_of(freq), best = -1;
	char lo[16], hi[16];
	clock_day_format(day - w, lo, sizeof lo);
	clock_day_format(day + w, hi, sizeof hi);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT id, expected FROM serial_issues WHERE subscription_id = ? AND received_day IS "
	             "NULL AND expected >= ? AND expected <= ? ORDER BY expected",
	             "iss", sid, lo, hi);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t e = 0;
		clock_day_parse(db_col_text(st, 1), &e);
		int64_t dist = e > day ? e - day : day - e;
		if (best < 0 || dist < best) {
			best = dist;
			*iid = db_col_int(st, 0);
		}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int serials_receive_scan(db_t *db, const actor_t *actor, const char *code, const char *day, const char *label,
                         int64_t copies, serials_done_t *done, err_t *err)
{
	int rc, own = 0;
	arena_t *a = arena_new(512);
	char issn[10], d[16], freq[16] = "";
	int64_t dn = 0, sid = 0, iid = 0;
	const char *lab = NULL;
	if ((rc = serials_check_writer(actor, err)) < 0 || (rc = check_copies(copies, err)) < 0 ||
	    (rc = code_issn(code, issn, err)) < 0 || (rc = serials_day_or_today(day, false, &dn, err)) < 0)
		goto done;
	if (!(lab = serials_clean(a, label, 100, "label", err))) {
		rc = err->code;
		goto done;
	}
	clock_day_format(dn, d, sizeof d);
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	{
		db_stmt_t *st =
		    db_query(db, err,
		             "SELECT p.frequency, s.id FROM periodicals p JOIN subscriptions s ON "
		             "s.periodical_id = p.id WHERE p.unit_id = ? AND p.issn = ? AND p.active = 1 "
		             "AND s.start_day <= ? AND s.end_day >= ? ORDER BY s.start_day DESC",
		             "isss", actor->unit_id, issn, d, d);
		if (!st) {
			rc = err->code;
			goto fail;
		}
		rc = db_step(st, err);
		if (rc == DB_ROW) {
			snprintf(freq, sizeof freq, "%s", db_col_text(st, 0));
			sid = db_col_int(st, 1);
		}
		db_done(st);
		if (rc < 0)
			goto fail;
	}
	if (!sid) {
		rc = err_set(err, ERR_NOTFOUND, "err.serials.scan", "%s %s", issn, d);
		goto fail;
	}
	if ((rc = scan_find(db, actor, sid, freq, dn, lab, &iid, err)) < 0)
		goto fail;
	if (!iid) {
		rc = err_set(err, ERR_NOTFOUND, "err.serials.scan", "%s %s", issn, d);
		goto fail;
	}
	issue_row_t o;
	if ((rc = own_issue(db, actor, iid, &o, done, err)) < 0)
		goto fail;
	rc = mark_received(db, actor, &o, copies, clock_today_vn(), *lab ? lab : NULL, err);
fail:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

int serials_unreceive(db_t *db, const actor_t *actor, int64_t id, serials_done_t *done, err_t *err)
{
	int rc, own = 0;
	issue_row_t o;
	if ((rc = serials_check_writer(actor, err)) < 0 || (rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	if ((rc = own_issue(db, actor, id, &o, done, err)) < 0)
		goto fail;
	if (!o.received) {
		rc = err_set(err, ERR_CONFLICT, "err.serials.not_received", "%s", o.expected);
		goto fail;
	}
	if (o.bound) {
		rc = err_set(err, ERR_CONFLICT, "err.serials.bound", "%s", o.expected);
		goto fail;
	}
	rc = db_exec(
	    db, err,
	    "UPDATE serial_issues SET received_day = NULL, copies = 0, received_by = NULL WHERE id = ? AND "
	    "bound_item_id IS NULL",
	    "i", id);
	if (rc >= 0) {
		char detail[64];
		snprintf(detail, sizeof detail, "issue %lld of %s", (long long)id, o.expected);
		rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "serials.unreceive",
		                 "periodical", o.periodical_id, detail, NULL, err);
	}
fail:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int serials_claim(db_t *db, const actor_t *actor, int64_t id, const char *day, const char *note,
                  serials_done_t *done, err_t *err)
{
	int rc, own = 0;
	arena_t *a = arena_new(1024);
	issue_row_t o;
	int64_t d = 0;
	char ds[16], today[16];
	const char *nt = NULL;
	if ((rc = serials_check_writer(actor, err)) < 0 ||
	    (rc = serials_day_or_today(day, true, &d, err)) < 0)
		goto done;
	if (!(nt = serials_clean(a, note, 500, "note", err))) {
		rc = err->code;
		goto done;
	}
	clock_day_format(d, ds, sizeof ds);
	clock_day_format(clock_today_vn(), today, sizeof today);
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	if ((rc = own_issue(db, actor, id, &o, done, err)) < 0)
		goto fail;
	if (o.received || strcmp(o.expected, today) >= 0) {
		rc = err_set(err, ERR_CONFLICT, "err.serials.not_missing", "%s", o.expected);
		goto fail;
	}
	rc = db_exec(db, err, "UPDATE serial_issues SET claimed_day = ?, claim_note = ? WHERE id = ?", "ssi",
	             ds, nt, id);
	if (rc >= 0)
		rc = audit_write(
		    db, actor, NULL, actor->unit_id, actor->unit_path, "serials.claim", "periodical",
		    o.periodical_id,
		    arena_printf(a, "issue %lld of %s: %s", (long long)id, o.expected, text_cut(a, nt, 120)),
		    NULL, err);
fail:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

/* --- the claim list ------------------------------------------------------------------------------ */

typedef struct claim_sort {
	serials_claim_row_t r;
	const char *k1, *k2;
} claim_sort_t;

static int claim_cmp(const void *pa, const void *pb)
{
	const claim_sort_t *x = pa, *y = pb;
	int c = strcmp(x->k1, y->k1);
	if (!c)
		c = strcmp(x->k2, y->k2);
	if (!c)
		c = strcmp(x->r.expected, y->r.expected);
	return c;
}

int serials_claims(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, serials_claims_t *out,
                   err_t *err)
{
	int rc;
	memset(out, 0, sizeof *out);
	if ((rc = serials_school(db, actor, unit_id, a, &out->school, err)) < 0)
		return rc;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT i.id, p.id, s.supplier, p.title, p.issn, i.expected, i.label, i.claimed_day, "
	             "i.claim_note, p.title_fold FROM serial_issues i JOIN subscriptions s ON s.id = "
	             "i.subscription_id JOIN periodicals p ON p.id = s.periodical_id WHERE i.unit_id = ? "
	             "AND i.claimed_day IS NOT NULL AND i.received_day IS NULL",
	             "i", out->school.id);
	if (!st)
		return err->code;
	claim_sort_t *v = NULL;
	size_t n = 0, cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		v = arena_grow(a, v, n, &cap, 16, sizeof *v);
		claim_sort_t *c = &v[n++];
		c->r.issue_id = db_col_int(st, 0);
		c->r.periodical_id = db_col_int(st, 1);
		c->r.supplier = arena_strdup(a, db_col_text(st, 2));
		c->r.title = arena_strdup(a, db_col_text(st, 3));
		c->r.issn = arena_strdup(a, db_col_text(st, 4));
		c->r.expected = arena_strdup(a, db_col_text(st, 5));
		c->r.label = arena_strdup(a, db_col_text(st, 6));
		c->r.claimed_day = arena_strdup(a, db_col_text(st, 7));
		c->r.note = arena_strdup(a, db_col_text(st, 8));
		c->k1 = text_fold(a, c->r.supplier);
		c->k2 = arena_strdup(a, db_col_text(st, 9));
		if (!c->k1)
			c->k1 = "";
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* By supplier in C: the backends' collations order Vietnamese text differently. */
	if (n)
		qsort(v, n, sizeof *v, claim_cmp);
	out->v = arena_alloc(a, (n ? n : 1) * sizeof *out->v);
	for (size_t i = 0; i < n; i++)
		out->v[i] = v[i].r;
	out->n = n;
	return 0;
}

int serials_claims_xlsx(const serials_claims_t *c, const char *lang, buf_t *out, err_t *err)
{
	int en = lang && strcmp(lang, "en") == 0;
	xlsxw_t *w = xlsxw_new(err);
	if (!w)
		return err->code;
	char today[16], vn[16], sub[300];
	clock_day_format(clock_today_vn(), today, sizeof today);
	clock_day_vn(today, vn, sizeof vn);
	snprintf(sub, sizeof sub, "%s · %s", c->school.name, vn);
	if (xlsxw_sheet(w, en ? "Claims" : "Khiếu nại",
	                en ? "Claims for missing periodical issues"
	                   : "Danh sách khiếu nại báo, tạp chí thiếu số",
	                sub, err) < 0) {
		xlsxw_free(w);
		return err->code;
	}
	const xlsxw_col_t cols[] = {
		{ en ? "Supplier" : "Nơi cung cấp", 28 },
		{ en ? "Title" : "Tên báo, tạp chí", 36 },
		{ "ISSN", 11 },
		{ en ? "Issue of" : "Số ngày", 12 },
		{ en ? "Number" : "Số báo", 10 },
		{ en ? "Claimed" : "Ngày khiếu nại", 14 },
		{ en ? "Note" : "Ghi chú", 36 },
	};
	xlsxw_header(w, cols, sizeof cols / sizeof cols[0]);
	for (size_t i = 0; i < c->n; i++) {
		const serials_claim_row_t *r = &c->v[i];
		xlsxw_row(w);
		xlsxw_text(w, r->supplier);
		xlsxw_text(w, r->title);
		xlsxw_text(w, r->issn);
		xlsxw_day(w, r->expected);
		xlsxw_text(w, r->label);
		xlsxw_day(w, r->claimed_day);
		xlsxw_text(w, r->note);
	}
	return xlsxw_finish(w, out, err);
}

int serials_claims_pdf(db_t *db, const serials_claims_t *c, const char *lang, buf_t *out, err_t *err)
{
	int en = lang && strcmp(lang, "en") == 0;
	arena_t *a = arena_new(4096);
	print_unit_t u;
	int rc = print_unit_of(db, c->school.id, a, &u, err);
	if (rc < 0) {
		arena_free(a);
		return rc;
	}
	print_doc_t *d = print_open(
	    out,
	    &(print_opts_t){ .foot = en ? "Claims for missing issues" : "Danh sách khiếu nại báo, tạp chí" },
	    err);
	if (!d) {
		arena_free(a);
		return err->code;
	}
	char today[16], vn[16];
	clock_day_format(clock_today_vn(), today, sizeof today);
	clock_day_vn(today, vn, sizeof vn);
	print_unit_block(d, &u, true);
	print_title(d,
	            en ? "CLAIMS FOR MISSING PERIODICAL ISSUES" : "DANH SÁCH KHIẾU NẠI BÁO, TẠP CHÍ THIẾU SỐ",
	            arena_printf(a, en ? "As of %s" : "Tính đến ngày %s", vn));
	static const print_col_t cols_vi[] = {
		{ "STT", 10, PRINT_CENTRE, NULL },   { "Tên báo, tạp chí", 0, PRINT_LEFT, NULL },
		{ "ISSN", 20, PRINT_CENTRE, NULL },  { "Số ngày", 21, PRINT_CENTRE, NULL },
		{ "Số báo", 18, PRINT_LEFT, NULL },  { "Ngày khiếu nại", 21, PRINT_CENTRE, NULL },
		{ "Ghi chú", 40, PRINT_LEFT, NULL },
	};
	static const print_col_t cols_en[] = {
		{ "No.", 10, PRINT_CENTRE, NULL },  { "Title", 0, PRINT_LEFT, NULL },
		{ "ISSN", 20, PRINT_CENTRE, NULL }, { "Issue of", 21, PRINT_CENTRE, NULL },
		{ "Number", 18, PRINT_LEFT, NULL }, { "Claimed", 21, PRINT_CENTRE, NULL },
		{ "Note", 40, PRINT_LEFT, NULL },
	};
	if (!c->n)
		print_text(d, en ? "No open claims." : "Không có khiếu nại nào đang chờ.", false);
	const char *cur = NULL;
	int64_t no = 0;
	for (size_t i = 0; i < c->n; i++) {
		const serials_claim_row_t *r = &c->v[i];
		if (!cur || strcmp(cur, r->supplier) != 0) {
			if (cur)
				print_table_end(d);
			print_space(d, 3);
			print_text(d,
			           arena_printf(a, "%s: %s", en ? "Supplier" : "Nơi cung cấp",
			                        *r->supplier ? r->supplier : "—"),
			           true);
			print_table(d, en ? cols_en : cols_vi, 7);
			cur = r->supplier;
			no = 0;
		}
		print_row(d);
		print_cell_int(d, ++no);
		print_cell(d, r->title);
		print_cell(d, r->issn);
		print_cell_day(d, r->expected);
		print_cell(d, r->label);
		print_cell_day(d, r->claimed_day);
		print_cell(d, r->note);
	}
	if (cur)
		print_table_end(d);
	print_space(d, 6);
	const print_sign_t signs[] = { { en ? "LIBRARIAN" : "NGƯỜI LẬP", NULL },
		                       { en ? "PRINCIPAL" : "HIỆU TRƯỞNG", NULL } };
	print_signatures(d, u.place, today, signs, 2);
	rc = print_close(d, 0, err);
	arena_free(a);
	return rc;
}

/* --- bound volumes -------------------------------------------------------------------------------- */

/* The title's catalogue record, made once (document type BAO), in *bid. In the transaction. */
static int title_record(db_t *db, const actor_t *actor, int64_t pid, int year, arena_t *a, int64_t *bid,
                        const char **title, const char **supplier, err_t *err)
{
	char *issn = NULL, *publisher = NULL;
	*bid = 0;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT p.unit_id, COALESCE(p.biblio_id, 0), p.title, p.issn, p.publisher, "
	             "(SELECT s.supplier FROM subscriptions s WHERE s.periodical_id = p.id ORDER BY "
	             "s.school_year DESC LIMIT 1) FROM periodicals p WHERE p.id = ?",
	             "i", pid);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	bool mine = rc == DB_ROW && db_col_int(st, 0) == actor->unit_id;
	if (mine) {
		*bid = db_col_int(st, 1);
		*title = arena_strdup(a, db_col_text(st, 2));
		issn = arena_strdup(a, db_col_text(st, 3));
		publisher = arena_strdup(a, db_col_text(st, 4));
		*supplier = arena_strdup(a, db_col_text(st, 5) ? db_col_text(st, 5) : "");
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (!mine)
		return err_set(err, ERR_NOTFOUND, "err.serials.notfound", NULL);
	if (*bid)
		return 0;
	biblio_t in = { .title = *title,
		        .doc_type = "BAO",
		        .publisher = publisher,
		        .year = year,
		        .summary = *issn ? arena_printf(a, "ISSN %s", issn) : "" };
	if ((rc = catalog_biblio_create(db, actor, &in, true, bid, NULL, err)) < 0)
		return rc;
	return db_exec(db, err, "UPDATE periodicals SET biblio_id = ? WHERE id = ?", "ii", *bid, pid) < 0
	           ? err->code
	           : 0;
}

int serials_bind(db_t *db, const actor_t *actor, int64_t id, const char *from, const char *to, int64_t price,
                 int64_t *item_id, err_t *err)
{
	int rc, own = 0;
	arena_t *a = arena_new(2048);
	int64_t f = 0, t = 0, bound = 0, count = 0, bid = 0, iid = 0, acq = 0;
	char fs[16], ts[16], fv[16], tv[16];
	const char *title = "", *supplier = "";
	if ((rc = serials_check_writer(actor, err)) < 0)
		goto done;
	if (serials_parse_day(from, &f) < 0 || serials_parse_day(to, &t) < 0) {
		rc = err_set(err, ERR_INVALID, "err.serials.day", "%.40s",
		             serials_parse_day(from, &f) < 0 ? from : to);
		goto done;
	}
	if (t < f) {
		rc = err_set(err, ERR_INVALID, "err.serials.range", NULL);
		goto done;
	}
	if (price < 0 || price > SERIALS_MAX_PRICE) {
		rc = err_set(err, ERR_INVALID, "err.price", NULL);
		goto done;
	}
	clock_day_format(f, fs, sizeof fs);
	clock_day_format(t, ts, sizeof ts);
	clock_day_vn(fs, fv, sizeof fv);
	clock_day_vn(ts, tv, sizeof tv);
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	int year = atoi(fs);
	if ((rc = title_record(db, actor, id, year, a, &bid, &title, &supplier, err)) < 0)
		goto fail;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT SUM(CASE WHEN i.bound_item_id IS NOT NULL THEN 1 ELSE 0 END), "
	             "SUM(CASE WHEN i.bound_item_id IS NULL THEN 1 ELSE 0 END) FROM serial_issues i JOIN "
	             "subscriptions s ON s.id = i.subscription_id WHERE s.periodical_id = ? AND "
	             "i.received_day IS NOT NULL AND i.expected >= ? AND i.expected <= ?",
	             "iss", id, fs, ts);
	if (!st) {
		rc = err->code;
		goto fail;
	}
	if ((rc = db_step(st, err)) == DB_ROW) {
		bound = db_col_int(st, 0);
		count = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		goto fail;
	if (bound) {
		rc = err_set(err, ERR_CONFLICT, "err.serials.bound", "%lld", (long long)bound);
		goto fail;
	}
	if (!count) {
		rc = err_set(err, ERR_INVALID, "err.serials.bind_empty", NULL);
		goto fail;
	}
	acquisition_t q = { .source = "other",
		            .supplier = supplier,
		            .note = arena_printf(a, "Đóng tập: %s, %s–%s", text_cut(a, title, 200), fv, tv) };
	if ((rc = catalog_acquisition_create(db, actor, &q, &acq, err)) < 0 ||
	    (rc = catalog_items_add(db, actor, bid, acq, 1, price, &iid, err)) < 0)
		goto fail;
	const char *note = arena_printf(a, "Đóng tập %s–%s (%lld số)", fv, tv, (long long)count);
	if ((rc = db_exec(db, err, "UPDATE items SET note = ? WHERE id = ?", "si", note, iid)) < 0)
		goto fail;
	rc = db_exec(
	    db, err,
	    "UPDATE serial_issues SET bound_item_id = ? WHERE received_day IS NOT NULL AND bound_item_id IS "
	    "NULL AND expected >= ? AND expected <= ? AND subscription_id IN (SELECT id FROM subscriptions "
	    "WHERE periodical_id = ?)",
	    "issi", iid, fs, ts, id);
	if (rc < 0)
		goto fail;
	if (rc != count) {
		rc = err_set(err, ERR_CONFLICT, "err.serials.bound", NULL);
		goto fail;
	}
	rc = audit_write(
	    db, actor, NULL, actor->unit_id, actor->unit_path, "serials.bind", "periodical", id,
	    arena_printf(a, "%s..%s: %lld issues -> item %lld", fs, ts, (long long)count, (long long)iid),
	    NULL, err);
	if (rc == 0 && item_id)
		*item_id = iid;
fail:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}
