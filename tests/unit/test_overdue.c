/* test_overdue.c: the circulation desk's other work (src/circ/circ_more.h) on the database under
 * test: overdue lists by class (filters, homeroom teachers, natural class order), the list as a
 * workbook and as reminder notices, lost / damaged / found copies and their charges, settling a
 * charge exactly once, in-library use (scans and head counts, the day and the month), and the
 * tenant scope of each; plus the XLSX writer (src/base/xlsxw.c) read back by our reader. */
#include <pthread.h>

#include "check.h"
#include "testdb.h"

#include "accounts/accounts.h"
#include "base/clock.h"
#include "base/text.h"
#include "base/xlsx.h"
#include "base/xlsxw.h"
#include "circ/circ_more.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, leader1, office, reader1;
static int64_t th1, th2;
static const char *PW = "mat-khau-dai-du";
static int64_t TODAY; /* the day the lists are computed for */

/* --- the XLSX writer -------------------------------------------------------------------------- */

static void test_xlsxw_round_trip(void)
{
	err_t err;
	xlsxw_t *w = xlsxw_new(&err);
	CHECK(w != NULL);
	if (!w)
		return;
	CHECK_INT(xlsxw_sheet(w, "Quá hạn: 6A1/6A2 [tháng 11] và một tên rất dài nữa", "Danh sách quá hạn",
	                      "Trường Tiểu học Lê Ngọc Hân · 29/11/2026", &err),
	          0);
	static const xlsxw_col_t cols[] = {
		{ "Bạn đọc", 28 }, { "Số tiền", 12 }, { "Hạn trả", 12 }, { "Ngày", 8 }
	};
	xlsxw_header(w, cols, 4);
	xlsxw_row_bold(w);
	xlsxw_text(w, "Lớp 6A1");
	xlsxw_row(w);
	xlsxw_text(w, "Nguyễn Thị Ánh");
	xlsxw_money(w, 125000);
	xlsxw_day(w, "2026-11-02");
	xlsxw_int(w, 27);
	xlsxw_row(w);
	xlsxw_text(w, "");
	xlsxw_skip(w);
	xlsxw_day(w, "không phải ngày");
	xlsxw_int(w, -3);
	CHECK_INT(xlsxw_sheet(w, "Khác", "Trang hai", NULL, &err), 0);
	xlsxw_row(w);
	xlsxw_text(w, "không đọc");
	buf_t out = BUF_INIT;
	CHECK_INT(xlsxw_finish(w, &out, &err), 0);
	CHECK(xlsx_is_zip(out.data, out.len));
	xlsx_sheet_t s;
	CHECK_INT(xlsx_read(out.data, out.len, A, &s, &err), 0);
	CHECK_INT(s.nrows, 6);
	if (s.nrows == 6) {
		CHECK_INT(text_length(s.name) <= 31, 1);
		CHECK_STR(s.rows[0].cell[0], "Danh sách quá hạn");
		CHECK_STR(s.rows[1].cell[0], "Trường Tiểu học Lê Ngọc Hân · 29/11/2026");
		CHECK_INT(s.rows[2].n, 4);
		CHECK_STR(s.rows[2].cell[0], "Bạn đọc");
		CHECK_STR(s.rows[2].cell[3], "Ngày");
		CHECK_STR(s.rows[3].cell[0], "Lớp 6A1");
		CHECK_STR(s.rows[4].cell[0], "Nguyễn Thị Ánh");
		CHECK_STR(s.rows[4].cell[1], "125000");     /* money is a number, shown with its format */
		CHECK_STR(s.rows[4].cell[2], "2026-11-02"); /* a real date: the reader sees its format */
		CHECK_STR(s.rows[4].cell[3], "27");
		CHECK_INT(s.rows[5].line, 6);
		CHECK_STR(s.rows[5].cell[0], "");
		CHECK_STR(s.rows[5].cell[1], "");
		CHECK_STR(s.rows[5].cell[2], "không phải ngày");
		CHECK_STR(s.rows[5].cell[3], "-3");
	}
	/* The sheet's XML says what Excel needs: the frozen header and the formats. */
	CHECK(memmem(out.data, out.len, "xl/worksheets/sheet2.xml", 24) != NULL);
	buf_release(&out);
	/* An empty workbook is still a workbook; an abandoned one leaves no file. */
	w = xlsxw_new(&err);
	CHECK_INT(xlsxw_finish(w, &out, &err), 0);
	CHECK_INT(xlsx_read(out.data, out.len, A, &s, &err), 0);
	CHECK_INT(s.nrows, 0);
	buf_release(&out);
	xlsxw_free(xlsxw_new(&err));
}

/* --- the city --------------------------------------------------------------------------------- */

static actor_t login(const char *user)
{
	return testdb_login(db, user, PW);
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0, pgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd, .code = "PGD01", .name = "Phòng 1", .kind = "office" };
	CHECK_INT(units_create(db, NULL, &u1, &pgd, &err), 0);
	unit_new_t u2 = { .parent_id = pgd,
		          .code = "TH001",
		          .name = "Trường Một",
		          .kind = "school",
		          .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u2, &th1, &err), 0);
	unit_new_t u3 = { .parent_id = sgd,
		          .code = "TH002",
		          .name = "Trường Hai",
		          .kind = "school",
		          .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u3, &th2, &err), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 }, { "thuthu.th002", "librarian", th2 },
		{ "phong1.cv", "inspector", pgd },    { "bgh.th001", "leader", th1 },
		{ "bandoc.th001", "reader", th1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = login("thuthu.th001");
	lib2 = login("thuthu.th002");
	office = login("phong1.cv");
	leader1 = login("bgh.th001");
	reader1 = login("bandoc.th001");
	CHECK(lib1.account_id && lib2.account_id && office.account_id && leader1.account_id &&
	      reader1.account_id);
}

static int64_t patron(int64_t unit, const char *code, const char *name, const char *kind, const char *cls)
{
	err_t err;
	int64_t id = 0;
	CHECK_INT(
	    db_insert_id(
	        db, &id, &err,
	        "INSERT INTO patrons (unit_id, code, full_name, name_fold, kind, class_name, created_at, "
	        "updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0) RETURNING id",
	        "isssss", unit, code, name, name, kind, cls),
	    0);
	return id;
}

/* A record with one copy (barcode, price); returns the copy's id, the record's in *bib. */
static int64_t copy(int64_t unit, const char *title, const char *type, const char *barcode, int64_t price,
                    int64_t bprice, int64_t *bib)
{
	err_t err;
	int64_t b = 0, id = 0;
	CHECK_INT(
	    db_insert_id(db, &b, &err,
	                 "INSERT INTO biblios (unit_id, doc_type, title, price, created_at, updated_at) "
	                 "VALUES (?, ?, ?, ?, 0, 0) RETURNING id",
	                 "issi", unit, type, title, bprice),
	    0);
	static int64_t no = 0;
	no++;
	CHECK_INT(
	    db_insert_id(
	        db, &id, &err,
	        "INSERT INTO items (unit_id, biblio_id, register, accession_no, accession, barcode, price, "
	        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0) RETURNING id",
	        "iisissi", unit, b, type, no, barcode, barcode, price),
	    0);
	if (bib)
		*bib = b;
	return id;
}

/* A loan of a copy to a reader, lent days_ago days before TODAY and due `due_in` days after it
 * (negative: overdue). */
static int64_t lend(int64_t unit, int64_t item, int64_t pat, int days_ago, int due_in)
{
	err_t err;
	char out[11], due[11];
	clock_day_format(TODAY - days_ago, out, sizeof out);
	clock_day_format(TODAY + due_in, due, sizeof due);
	int64_t id = 0;
	CHECK_INT(db_insert_id(
	              db, &id, &err,
	              "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, patron_kind, class_name, "
	              "doc_type, out_at, out_day, due) SELECT i.unit_id, i.id, i.biblio_id, p.id, p.kind, "
	              "p.class_name, b.doc_type, 0, ?, ? FROM items i JOIN biblios b ON b.id = i.biblio_id, "
	              "patrons p WHERE i.id = ? AND p.id = ? RETURNING id",
	              "ssii", out, due, item, pat),
	          0);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET status = 'on_loan' WHERE id = ?", "i", item), 1);
	(void)unit;
	return id;
}

static int64_t P_an, P_binh, P_cuong, P_dung, P_teacher, P_other;
static int64_t I_1, I_2, I_3, I_4, I_5, I_6, I_7, I_other;

static void test_data(void)
{
	TODAY = clock_today_vn();
	P_an = patron(th1, "HS001", "Nguyễn Văn An", "student", "6A1");
	P_binh = patron(th1, "HS002", "Trần Thị Bình", "student", "6A1");
	P_cuong = patron(th1, "HS003", "Lê Văn Cường", "student", "10A2");
	P_dung = patron(th1, "HS004", "Phạm Dũng", "student", "6A2");
	P_teacher = patron(th1, "GV001", "Cô Hoa", "teacher", "6A1");
	patron(th1, "GV002", "Thầy Minh", "teacher", "6A1");
	P_other = patron(th2, "HS001", "Người Trường Khác", "student", "6A1");
	I_1 = copy(th1, "Dế Mèn phiêu lưu ký", "TN", "TN001", 30000, 0, NULL);
	I_2 = copy(th1, "Toán 6", "SGK", "SGK001", 0, 15000, NULL);
	I_3 = copy(th1, "Truyện Kiều", "STK", "STK001", 0, 0, NULL);
	I_4 = copy(th1, "Tiếng Việt 6", "SGK", "SGK002", 12000, 0, NULL);
	I_5 = copy(th1, "Lịch sử 10", "SGK", "SGK003", 20000, 0, NULL);
	I_6 = copy(th1, "Đất rừng phương Nam", "TN", "TN002", 45000, 0, NULL);
	I_7 = copy(th1, "Tôi thấy hoa vàng", "TN", "TN003", 50000, 0, NULL);
	I_other = copy(th2, "Sách trường khác", "TN", "TN001", 10000, 0, NULL);
	lend(th1, I_1, P_an, 30, -16);    /* 16 days overdue */
	lend(th1, I_2, P_an, 20, -3);     /* 3 days */
	lend(th1, I_3, P_binh, 14, 0);    /* due today: not overdue */
	lend(th1, I_4, P_cuong, 40, -26); /* 26 days */
	lend(th1, I_5, P_dung, 15, -1);   /* 1 day */
	lend(th1, I_6, P_teacher, 40, -10);
	lend(th2, I_other, P_other, 30, -16);
	(void)I_7;
}

static void test_overdue_lists(void)
{
	err_t err;
	circ_overdue_list_t l;
	circ_overdue_filter_t f = { 0 };
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK_INT(l.total, 5);
	CHECK_INT(l.readers, 4);
	CHECK_INT(l.ngroups, 3);
	if (l.ngroups == 3) {
		/* Natural order: 6A1, 6A2, 10A2. */
		CHECK_STR(l.groups[0].class_name, "6A1");
		CHECK_STR(l.groups[0].teacher, "Cô Hoa, Thầy Minh");
		CHECK_INT(l.groups[0].n, 3); /* An's two, the teacher's own */
		CHECK_INT(l.groups[0].readers, 2);
		CHECK_STR(l.groups[1].class_name, "6A2");
		CHECK_STR(l.groups[1].teacher, "");
		CHECK_STR(l.groups[2].class_name, "10A2");
		CHECK_INT(l.groups[2].rows[0].days, 26);
		CHECK_STR(l.groups[2].rows[0].barcode, "SGK002");
		const circ_overdue_row_t *r = &l.groups[0].rows[0];
		CHECK_STR(r->patron_name, "Cô Hoa"); /* "co hoa" < "nguyen van an" */
		r = &l.groups[0].rows[1];
		CHECK_STR(r->patron_name, "Nguyễn Văn An");
		CHECK_INT(r->days, 16); /* earlier due date first */
		CHECK_STR(r->title, "Dế Mèn phiêu lưu ký");
	}
	CHECK_INT(l.nclasses, 3);
	if (l.nclasses == 3)
		CHECK_STR(l.classes[2], "10A2");
	/* Filters. */
	f.class_name = "6A1";
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK_INT(l.total, 3);
	f.patron_kind = "student";
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK_INT(l.total, 2);
	f = (circ_overdue_filter_t){ .min_days = 10 };
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK_INT(l.total, 3); /* 16, 26, 10 */
	f = (circ_overdue_filter_t){ .min_days = 27 };
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK_INT(l.total, 0);
	CHECK_INT(l.ngroups, 0);
	/* Bad filters. */
	f = (circ_overdue_filter_t){ .patron_kind = "alien" };
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), ERR_INVALID);
	f = (circ_overdue_filter_t){ .min_days = -1 };
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), ERR_INVALID);
	f = (circ_overdue_filter_t){ .class_name = "123456789012345678901234567890123" };
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), ERR_INVALID);
	/* A week later, the loan due today is overdue too. */
	f = (circ_overdue_filter_t){ .today = TODAY + 7 };
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK_INT(l.total, 6);
}

static void test_overdue_scope(void)
{
	err_t err;
	circ_overdue_list_t l;
	circ_overdue_filter_t f = { 0 };
	CHECK_INT(circ_overdue_list(db, &leader1, &f, A, &l, &err), 0);
	CHECK_INT(l.total, 5);
	CHECK_INT(circ_overdue_list(db, &lib2, &f, A, &l, &err), 0);
	CHECK_INT(l.total, 1);
	CHECK_STR(l.groups[0].rows[0].patron_name, "Người Trường Khác");
	/* The office above reads a school it names, not one outside it, and must name one. */
	CHECK_INT(circ_overdue_list(db, &office, &f, A, &l, &err), ERR_INVALID);
	f.unit_id = th1;
	CHECK_INT(circ_overdue_list(db, &office, &f, A, &l, &err), 0);
	CHECK_INT(l.total, 5);
	f.unit_id = th2;
	CHECK_INT(circ_overdue_list(db, &office, &f, A, &l, &err), ERR_NOTFOUND);
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), ERR_NOTFOUND);
	f.unit_id = th1;
	CHECK_INT(circ_overdue_list(db, &lib2, &f, A, &l, &err), ERR_NOTFOUND);
	CHECK_INT(circ_overdue_list(db, &reader1, &f, A, &l, &err), ERR_FORBIDDEN);
	f.unit_id = 0;
	CHECK_INT(circ_overdue_list(db, &reader1, &f, A, &l, &err), ERR_FORBIDDEN);
}

static void test_overdue_outputs(void)
{
	err_t err;
	circ_overdue_list_t l;
	circ_overdue_filter_t f = { 0 };
	CHECK_INT(circ_overdue_list(db, &lib1, &f, A, &l, &err), 0);
	buf_t x = BUF_INIT;
	CHECK_INT(circ_overdue_xlsx(&l, "vi", &x, &err), 0);
	xlsx_sheet_t s;
	CHECK_INT(xlsx_read(x.data, x.len, A, &s, &err), 0);
	/* title, school, header, 3 class headings, 5 rows, the total */
	CHECK_INT(s.nrows, 12);
	if (s.nrows == 12) {
		CHECK(strstr(s.rows[1].cell[0], "Trường Một") != NULL);
		CHECK(strstr(s.rows[3].cell[0], "6A1") && strstr(s.rows[3].cell[0], "Cô Hoa, Thầy Minh"));
		CHECK_STR(s.rows[5].cell[0], "Nguyễn Văn An");
		CHECK_STR(s.rows[5].cell[4], "TN001");
		char due[11];
		clock_day_format(TODAY - 16, due, sizeof due);
		CHECK_STR(s.rows[5].cell[7], due);
		CHECK_STR(s.rows[5].cell[8], "16");
		CHECK_STR(s.rows[10].cell[2], "10A2");
	}
	buf_release(&x);
	CHECK_INT(circ_overdue_notices_pdf(&l, "vi", &x, &err), 0);
	CHECK(x.len > 1000 && memcmp(x.data, "%PDF", 4) == 0);
	/* Four readers, three slips a page: two pages. */
	size_t pages = 0;
	for (const char *p = x.data; (p = memmem(p, x.len - (size_t)(p - x.data), "/Type /Page", 11));
	     p += 11)
		if (p[11] != 's')
			pages++;
	CHECK_INT(pages, 2);
	buf_release(&x);
}

/* --- losses and charges ------------------------------------------------------------------------ */

static int64_t count(const char *sql, int64_t id)
{
	err_t err;
	int64_t n = -1;
	CHECK_INT(db_query_int(db, &n, &err, sql, "i", id), 0);
	return n;
}

static const char *item_status(int64_t id)
{
	static char s[4][16];
	static int k;
	k = (k + 1) % 4;
	err_t err;
	db_stmt_t *st = db_query(db, &err, "SELECT status FROM items WHERE id = ?", "i", id);
	s[k][0] = 0;
	if (st && db_step(st, &err) == DB_ROW)
		snprintf(s[k], sizeof s[k], "%s", db_col_text(st, 0));
	db_done(st);
	return s[k];
}

static void test_losses(void)
{
	err_t err;
	circ_loss_result_t r;
	int64_t audits = count("SELECT COUNT(*) FROM audit WHERE id > ?", 0);
	/* Lost on loan: the loan closes 'lost', the reader is charged the copy's price. */
	CHECK_INT(circ_item_lost(db, &lib1, "TN001", CIRC_AMOUNT_DEFAULT, "Em báo mất", &r, &err), 0);
	CHECK(r.loan_id > 0 && r.charge_id > 0 && r.patron_id == P_an);
	CHECK_INT(r.amount, 30000);
	CHECK_STR(item_status(I_1), "lost");
	CHECK_INT(
	    count("SELECT COUNT(*) FROM loans WHERE id = ? AND outcome = 'lost' AND returned_at IS NOT NULL",
	          r.loan_id),
	    1);
	CHECK_INT(count("SELECT amount FROM charges WHERE id = ? AND kind = 'lost'", r.charge_id), 30000);
	/* The record's price when the copy has none; an amount entered wins. */
	CHECK_INT(circ_item_lost(db, &lib1, "SGK001", CIRC_AMOUNT_DEFAULT, NULL, &r, &err), 0);
	CHECK_INT(r.amount, 15000);
	CHECK_INT(circ_item_lost(db, &lib1, "SGK-ACC-NONE", 1000, NULL, &r, &err), ERR_NOTFOUND);
	/* By accession number too (the test's accession is the barcode; not on loan: no charge). */
	CHECK_INT(circ_item_lost(db, &lib1, "TN003", 99000, NULL, &r, &err), 0);
	CHECK_INT(r.loan_id, 0);
	CHECK_INT(r.charge_id, 0);
	CHECK_STR(item_status(I_7), "lost");
	/* Refusals change nothing. */
	CHECK_INT(circ_item_lost(db, &lib1, "TN001", 1000, NULL, &r, &err), ERR_CONFLICT); /* already lost */
	CHECK_INT(circ_item_lost(db, &lib1, "STK001", -5, NULL, &r, &err), ERR_INVALID);
	CHECK_INT(circ_item_lost(db, &lib1, "STK001", CIRC_MAX_AMOUNT + 1, NULL, &r, &err), ERR_INVALID);
	CHECK_INT(circ_item_lost(db, &lib1, "", 1000, NULL, &r, &err), ERR_INVALID);
	CHECK_INT(circ_item_lost(db, &lib2, "STK001", 1000, NULL, &r, &err),
	          ERR_NOTFOUND); /* another school */
	CHECK_INT(circ_item_lost(db, &leader1, "STK001", 1000, NULL, &r, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_item_lost(db, &office, "STK001", 1000, NULL, &r, &err), ERR_FORBIDDEN);
	CHECK_STR(item_status(I_3), "on_loan");
	/* Damaged on return: needs an amount; closes 'damaged', charges it. */
	CHECK_INT(circ_item_damaged(db, &lib1, "STK001", CIRC_AMOUNT_DEFAULT, NULL, &r, &err), ERR_INVALID);
	CHECK_INT(circ_item_damaged(db, &lib1, "STK001", 8000, "Rách bìa", &r, &err), 0);
	CHECK(r.loan_id > 0 && r.charge_id > 0 && r.patron_id == P_binh && r.amount == 8000);
	CHECK_STR(item_status(I_3), "damaged");
	CHECK_INT(circ_item_damaged(db, &lib1, "STK001", 8000, NULL, &r, &err), ERR_CONFLICT);
	/* Damaged with amount 0: the loan closes, no charge. */
	CHECK_INT(circ_item_damaged(db, &lib1, "SGK003", 0, NULL, &r, &err), 0);
	CHECK(r.loan_id > 0 && r.charge_id == 0);
	/* Found again. */
	CHECK_INT(circ_item_found(db, &lib1, "TN003", &r, &err), 0);
	CHECK_STR(item_status(I_7), "available");
	CHECK_INT(circ_item_found(db, &lib1, "TN003", &r, &err), ERR_CONFLICT);
	CHECK_INT(circ_item_found(db, &lib1, "SGK002", &r, &err), ERR_CONFLICT); /* on loan */
	CHECK_INT(circ_item_found(db, &lib2, "TN001", &r, &err), ERR_CONFLICT);  /* theirs is on loan */
	CHECK_INT(circ_item_found(db, &lib2, "STK001", &r, &err), ERR_NOTFOUND);
	/* One audit row per change: 3 lost, 2 damaged, 1 found. */
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE id > ?", audits), 6);
	/* The other school's copy of the same barcode was not touched. */
	CHECK_STR(item_status(I_other), "on_loan");
}

static void test_charges(void)
{
	err_t err;
	circ_charge_list_t l;
	circ_charge_filter_t f = { 0 };
	CHECK_INT(circ_charges_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK_INT(l.n, 3);
	CHECK_INT(l.open_total, 30000 + 15000 + 8000);
	f.patron_code = "HS001";
	CHECK_INT(circ_charges_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.patron_name, "Nguyễn Văn An");
	int64_t first = l.n ? l.v[1].id : 0, second = l.n ? l.v[0].id : 0;
	f.patron_code = "KHONGCO";
	CHECK_INT(circ_charges_list(db, &lib1, &f, A, &l, &err), ERR_NOTFOUND);
	/* Settle once. */
	CHECK_INT(circ_charge_settle(db, &lib1, first, "stolen", NULL, &err), ERR_INVALID);
	CHECK_INT(circ_charge_settle(db, &leader1, first, "paid", NULL, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_charge_settle(db, &lib2, first, "paid", NULL, &err), ERR_NOTFOUND);
	CHECK_INT(circ_charge_settle(db, &office, first, "paid", NULL, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_charge_settle(db, &lib1, 999999, "paid", NULL, &err), ERR_NOTFOUND);
	CHECK_INT(circ_charge_settle(db, &lib1, first, "paid", "Đã nộp tiền", &err), 0);
	CHECK_INT(circ_charge_settle(db, &lib1, first, "waived", NULL, &err), ERR_CONFLICT);
	CHECK_INT(count("SELECT COUNT(*) FROM charges WHERE id = ? AND settled = 'paid' AND note = 'Em báo "
	                "mất · Đã nộp tiền'",
	                first),
	          1);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action = 'circ.settle' AND entity_id = ?", first),
	          1);
	/* Unsettled first. */
	f = (circ_charge_filter_t){ .patron_code = "HS001" };
	CHECK_INT(circ_charges_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK(l.n == 2 && l.v[0].id == second && l.v[1].settled && !strcmp(l.v[1].settled, "paid"));
	CHECK_INT(l.open_total, 15000);
	f.open_only = true;
	CHECK_INT(circ_charges_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK_INT(l.n, 1);
	/* Fines (made by the return when a deployment turns them on) list like the others. */
	CHECK(db_exec(db, &err,
	              "INSERT INTO charges (unit_id, patron_id, kind, amount, created_at) VALUES (?, ?, "
	              "'fine', 2000, 1)",
	              "ii", th1, P_dung) == 1);
	f = (circ_charge_filter_t){ .patron_code = "HS004" };
	CHECK_INT(circ_charges_list(db, &lib1, &f, A, &l, &err), 0);
	CHECK(l.n == 1 && !strcmp(l.v[0].kind, "fine") && !strcmp(l.v[0].title, ""));
	/* Other schools see none of it. */
	f = (circ_charge_filter_t){ 0 };
	CHECK_INT(circ_charges_list(db, &lib2, &f, A, &l, &err), 0);
	CHECK_INT(l.n, 0);
	f.unit_id = th1;
	CHECK_INT(circ_charges_list(db, &lib2, &f, A, &l, &err), ERR_NOTFOUND);
	CHECK_INT(circ_charges_list(db, &office, &f, A, &l, &err), 0);
	CHECK_INT(l.n, 4);
	CHECK_INT(circ_charges_list(db, &reader1, &f, A, &l, &err), ERR_FORBIDDEN);
}

/* --- in-library use -------------------------------------------------------------------------- */

static void test_inlibrary(void)
{
	err_t err;
	int64_t id = 0;
	circ_use_in_t in = { .patron_code = "HS001" };
	CHECK_INT(circ_use_record(db, &lib1, &in, &id, &err), 0);
	CHECK(id > 0);
	in =
	    (circ_use_in_t){ .barcode = "TN002", .patron_code = "GV001", .patron_kind = "staff", .count = 1 };
	CHECK_INT(circ_use_record(db, &lib1, &in, &id, &err), 0);
	in = (circ_use_in_t){ .barcode = "SGK002" };
	CHECK_INT(circ_use_record(db, &lib1, &in, &id, &err), 0);
	in = (circ_use_in_t){ .patron_kind = "student", .doc_type = "BAO", .count = 25 };
	CHECK_INT(circ_use_record(db, &lib1, &in, &id, &err), 0);
	in = (circ_use_in_t){ .patron_kind = "staff", .count = 2 };
	CHECK_INT(circ_use_record(db, &lib1, &in, &id, &err), 0);
	/* Refusals. */
	circ_use_in_t bad[] = {
		{ .patron_code = "KHONGCO" },             /* unknown card */
		{ .barcode = "KHONGCO" },                 /* unknown copy */
		{ .patron_code = "HS001", .count = 3 },   /* a scan counts one */
		{ .patron_kind = "student", .count = 0 }, /* no count */
		{ .patron_kind = "student", .count = CIRC_USE_MAX_COUNT + 1 },
		{ .patron_kind = "alien", .count = 1 },
		{ .count = 1 },
		{ .patron_kind = "student", .doc_type = "XYZ", .count = 1 },
	};
	int want[] = { ERR_NOTFOUND, ERR_NOTFOUND, ERR_INVALID, ERR_INVALID,
		       ERR_INVALID,  ERR_INVALID,  ERR_INVALID, ERR_INVALID };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_INT(circ_use_record(db, &lib1, &bad[i], &id, &err), want[i]);
	in = (circ_use_in_t){ .patron_code = "HS001" };
	CHECK_INT(circ_use_record(db, &leader1, &in, &id, &err), ERR_FORBIDDEN);
	CHECK_INT(circ_use_record(db, &lib2, &in, &id, &err), 0); /* their own HS001 */
	/* The day. */
	circ_use_day_t d;
	CHECK_INT(circ_uses_day(db, &lib1, 0, NULL, A, &d, &err), 0);
	CHECK_INT(d.n, 5);
	CHECK_INT(d.total, 1 + 1 + 1 + 25 + 2);
	CHECK_INT(d.by_kind[0], 26);
	CHECK_INT(d.by_kind[1], 1); /* the teacher's card wins over the form's "staff" */
	CHECK_INT(d.by_kind[2], 2);
	CHECK_INT(d.by_kind[3], 1); /* a copy alone */
	CHECK_INT(circ_uses_day(db, &lib1, 0, "2026-02-30", A, &d, &err), ERR_INVALID);
	CHECK_INT(circ_uses_day(db, &lib1, 0, "2020-01-01", A, &d, &err), 0);
	CHECK_INT(d.n, 0);
	CHECK_INT(circ_uses_day(db, &lib2, th1, NULL, A, &d, &err), ERR_NOTFOUND);
	/* The month. */
	circ_use_month_t m;
	CHECK_INT(circ_uses_month(db, &leader1, 0, NULL, A, &m, &err), 0);
	CHECK_INT(m.total, 30);
	int y, mo, dd;
	clock_civil_from_days(TODAY, &y, &mo, &dd);
	CHECK_INT(m.days[dd - 1][0], 26);
	CHECK_INT(m.kind_total[2], 2);
	CHECK_INT(m.ntypes, 4); /* BAO, SGK, TN, unknown */
	if (m.ntypes == 4) {
		CHECK_STR(m.types[0], "BAO");
		CHECK_INT(m.type_count[0], 25);
		CHECK_STR(m.types[3], "");
		CHECK_INT(m.type_count[3], 3);
	}
	CHECK_INT(circ_uses_month(db, &lib1, 0, "2026-13", A, &m, &err), ERR_INVALID);
	CHECK_INT(circ_uses_month(db, &lib1, 0, "2026-1", A, &m, &err), ERR_INVALID);
	CHECK_INT(circ_uses_month(db, &lib1, 0, "2026-02", A, &m, &err), 0);
	CHECK_INT(m.ndays, 28);
	CHECK_INT(circ_uses_month(db, &office, th2, NULL, A, &m, &err), ERR_NOTFOUND);
	CHECK_INT(circ_uses_month(db, &office, th1, NULL, A, &m, &err), 0);
	buf_t x = BUF_INIT;
	CHECK_INT(circ_uses_month_xlsx(&m, "vi", &x, &err), 0);
	xlsx_sheet_t s;
	CHECK_INT(xlsx_read(x.data, x.len, A, &s, &err), 0);
	CHECK_INT(s.nrows, (size_t)(3 + m.ndays + 1));
	if (s.nrows > (size_t)(3 + dd)) {
		CHECK_STR(s.rows[2 + dd].cell[1], "26");
		CHECK_STR(s.rows[3 + m.ndays].cell[5], "30");
	}
	buf_release(&x);
}

/* --- two desks at once ------------------------------------------------------------------------ */

struct worker {
	int what; /* 0: settle charge `id`; 1: report the copy `barcode` lost */
	int64_t id;
	const char *barcode;
	int rc;
};

static void *race(void *p)
{
	struct worker *w = p;
	db_t *c = NULL;
	err_t err = { 0 };
	w->rc = db_open(testdb_current, &c, &err);
	int tries = 0;
	circ_loss_result_t res;
	if (w->rc == 0)
		do
			w->rc = w->what == 0 ? circ_charge_settle(c, &lib1, w->id, "paid", NULL, &err)
			                     : circ_item_lost(c, &lib1, w->barcode, CIRC_AMOUNT_DEFAULT, NULL,
			                                      &res, &err);
		while (w->rc == ERR_BUSY && ++tries < 50);
	db_close(c);
	return NULL;
}

/* Eight threads, one connection each, do the same thing: exactly one succeeds, the others are
 * told it was done (ERR_CONFLICT), and the database holds one change. */
static void run_race(int what, int64_t id, const char *barcode)
{
	pthread_t t[8];
	struct worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .what = what, .id = id, .barcode = barcode };
		pthread_create(&t[i], NULL, race, &w[i]);
	}
	int ok = 0, conflict = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ok += w[i].rc == 0;
		conflict += w[i].rc == ERR_CONFLICT;
	}
	CHECK_INT(ok, 1);
	CHECK_INT(conflict, 7);
}

static void test_concurrent_desks(void)
{
	int64_t item = copy(th1, "Hai số phận", "STK", "STK-RACE", 70000, 0, NULL);
	lend(th1, item, P_dung, 20, -5);
	int64_t audits = count("SELECT COUNT(*) FROM audit WHERE id > ?", 0);
	run_race(1, 0, "STK-RACE");
	CHECK_INT(count("SELECT COUNT(*) FROM charges WHERE item_id = ?", item), 1);
	CHECK_INT(count("SELECT COUNT(*) FROM loans WHERE item_id = ? AND outcome = 'lost'", item), 1);
	int64_t charge = count("SELECT id FROM charges WHERE item_id = ?", item);
	run_race(0, charge, NULL);
	CHECK_INT(count("SELECT COUNT(*) FROM charges WHERE id = ? AND settled = 'paid'", charge), 1);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE id > ?", audits), 2); /* one lost, one settle */
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 16);
	RUN(test_xlsxw_round_trip);
	RUN(test_setup);
	RUN(test_data);
	RUN(test_overdue_lists);
	RUN(test_overdue_scope);
	RUN(test_overdue_outputs);
	RUN(test_losses);
	RUN(test_charges);
	RUN(test_inlibrary);
	RUN(test_concurrent_desks);
	arena_free(A);
	testdb_close(db);
	return check_summary("overdue");
}
