/* test_registers.c: the registers (src/registers): who may read which school's registers, the
 * period of a school year, and each register's lines read from rows written here by SQL as the
 * catalogue, weeding, stocktakes, periodicals and the desk leave them: the general register's
 * three parts and totals (maps left out of part I), the ĐKCB register in accession order with
 * its stocktake marks and the "đã thanh lọc" note, numbering by title, the textbook register's
 * number ranges, the periodicals' month grid, the loan books' sections, the in-library reading
 * by day and month; the page's window and paging; the PDF read back with pdftotext and the
 * workbook with our own reader, both from the same lines; the numbering setting and its refusals. */
#include "check.h"
#include "testdb.h"

#include <cairo.h>
#include <pango/pangocairo.h>

#include "base/clock.h"
#include "base/xlsx.h"
#include "registers/registers.h"
#include "stock/stock.h"
#include "units/units.h"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, leader1, office, reader1;
static int64_t sgd, pgd, s1, s2, today;
static const char *PW = "mat-khau-dai-du";

static void exec(const char *sql)
{
	err_t err = { 0 };
	if (db_exec(db, &err, sql, "") < 0) {
		fprintf(stderr, "  SQL failed: %s\n  %s\n", err.detail, sql);
		CHECK(0);
	}
}

static void execf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void execf(const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	exec(sql);
}

static int64_t qint(const char *sql)
{
	int64_t v = -1;
	err_t err;
	if (db_query_int(db, &v, &err, sql, "") < 0)
		fprintf(stderr, "  query failed: %s\n", err.detail);
	return v;
}

static int64_t biblio(int64_t unit, const char *type, const char *title, const char *sub, const char *authors,
                      const char *cls, int year, int64_t price)
{
	execf("INSERT INTO biblios (unit_id, doc_type, title, subtitle, authors, publisher, place, year, "
	      "price, "
	      "class_number, title_fold, created_at, updated_at) VALUES (%lld, '%s', '%s', '%s', '%s', 'Giáo "
	      "dục', "
	      "'Hà Nội', %d, %lld, '%s', '%s', 0, 0)",
	      (long long)unit, type, title, sub, authors, year, (long long)price, cls, title);
	return qint("SELECT MAX(id) FROM biblios");
}

static int64_t batch(int64_t unit, int64_t number, const char *day, const char *source, const char *doc)
{
	execf("INSERT INTO acquisitions (unit_id, number, received, source, doc_number, doc_date, "
	      "created_at) VALUES "
	      "(%lld, %lld, '%s', '%s', '%s', '%s', 0)",
	      (long long)unit, (long long)number, day, source, doc, day);
	return qint("SELECT MAX(id) FROM acquisitions");
}

/* Copies from..to of register reg for a record, in a batch, title numbers from tfirst. */
static void copies(int64_t unit, int64_t bib, int64_t acq, const char *reg, int from, int to, int tfirst,
                   int64_t price)
{
	for (int n = from; n <= to; n++)
		execf("INSERT INTO items (unit_id, biblio_id, acquisition_id, register, accession_no, "
		      "accession, barcode, "
		      "price, created_at, title_no) VALUES (%lld, %lld, %lld, '%s', %d, '%s-%06d', '%s%06d', "
		      "%lld, 0, %d)",
		      (long long)unit, (long long)bib, (long long)acq, reg, n, reg, n, reg, n,
		      (long long)price, tfirst + n - from);
}

static int64_t item(int64_t unit, const char *reg, int n)
{
	char sql[200];
	snprintf(sql, sizeof sql,
	         "SELECT id FROM items WHERE unit_id = %lld AND register = '%s' AND accession_no = %d",
	         (long long)unit, reg, n);
	return qint(sql);
}

static int64_t patron(int64_t unit, const char *code, const char *name, const char *kind, const char *cls)
{
	execf("INSERT INTO patrons (unit_id, code, full_name, name_fold, kind, class_name, created_at, "
	      "updated_at) "
	      "VALUES (%lld, '%s', '%s', '%s', '%s', '%s', 0, 0)",
	      (long long)unit, code, name, code, kind, cls);
	return qint("SELECT MAX(id) FROM patrons");
}

static void lend(int64_t unit, int64_t pat, const char *reg, int n, const char *out, const char *due,
                 const char *returned_day)
{
	int64_t it = item(unit, reg, n);
	int64_t ret = 0;
	if (returned_day) {
		int64_t d;
		clock_day_parse(returned_day, &d);
		ret = d * 86400;
	}
	char r[32] = "NULL";
	if (ret)
		snprintf(r, sizeof r, "%lld", (long long)ret);
	execf(
	    "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, patron_kind, class_name, doc_type, "
	    "out_at, "
	    "out_day, due, returned_at, outcome) SELECT i.unit_id, i.id, i.biblio_id, p.id, p.kind, "
	    "p.class_name, "
	    "b.doc_type, 0, '%s', '%s', %s, %s FROM items i JOIN biblios b ON b.id = i.biblio_id, patrons p "
	    "WHERE i.id = %lld AND p.id = %lld",
	    out, due, r, ret ? "'returned'" : "NULL", (long long)it, (long long)pat);
}

static void setup(void)
{
	err_t err;
	unit_new_t u0 = { .code = "SGD", .name = "Sở Giáo dục và Đào tạo", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd,
		          .code = "PGD01",
		          .name = "Phòng Giáo dục và Đào tạo Quận 1",
		          .kind = "office" };
	CHECK_INT(units_create(db, NULL, &u1, &pgd, &err), 0);
	unit_new_t u2 = { .parent_id = pgd,
		          .code = "THCS01",
		          .name = "Trường THCS Nguyễn Du",
		          .kind = "school",
		          .school_level = "thcs" };
	CHECK_INT(units_create(db, NULL, &u2, &s1, &err), 0);
	unit_new_t u3 = { .parent_id = sgd,
		          .code = "THCS02",
		          .name = "Trường THCS Khác",
		          .kind = "school",
		          .school_level = "thcs" };
	CHECK_INT(units_create(db, NULL, &u3, &s2, &err), 0);
	testdb_account_t acc[] = {
		{ "lib1", "librarian", s1 }, { "lib2", "librarian", s2 }, { "bgh1", "leader", s1 },
		{ "cv1", "inspector", pgd }, { "hs1", "reader", s1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = testdb_login(db, "lib1", PW);
	lib2 = testdb_login(db, "lib2", PW);
	leader1 = testdb_login(db, "bgh1", PW);
	office = testdb_login(db, "cv1", PW);
	reader1 = testdb_login(db, "hs1", PW);
	today = clock_days_from_civil(2026, 3, 15); /* school year 2025-2026 */

	int64_t kieu = biblio(s1, "STK", "Truyện Kiều", "", "Nguyễn Du", "895.9221", 2020, 45000);
	int64_t suth = biblio(s1, "STK", "Lược sử thời gian", "", "Stephen Hawking", "523.1", 2019, 80000);
	int64_t vly = biblio(s1, "SGK", "Vật lý 8", "Tập 1", "", "53(075)", 2023, 12000);
	int64_t map = biblio(s1, "BD", "Bản đồ Việt Nam", "", "", "912", 2021, 150000);
	int64_t dm = biblio(s1, "TN", "Dế Mèn phiêu lưu ký", "", "Tô Hoài", "", 2018, 30000);
	int64_t a1 = batch(s1, 1, "2025-09-10", "purchase", "HĐ 15");
	int64_t a2 = batch(s1, 2, "2025-11-26", "gift", "");
	int64_t a3 = batch(s1, 3, "2024-10-01", "allocation", "CV 7");
	copies(s1, kieu, a1, "STK", 1, 3, 1, 0); /* price 0: the record's 45000 */
	copies(s1, suth, a2, "STK", 4, 4, 1, 80000);
	copies(s1, kieu, a3, "STK", 5, 5, 4, 50000);
	copies(s1, vly, a1, "SGK", 1, 10, 1, 12000);
	copies(s1, vly, a2, "SGK", 11, 15, 11, 12000);
	copies(s1, map, a1, "TB", 1, 1, 1, 150000);
	copies(s1, dm, a2, "TN", 1, 1, 1, 30000);
	/* another school's copy, the same accession number */
	int64_t theirs = biblio(s2, "STK", "Sách mật", "", "", "100", 2020, 1);
	int64_t b2 = batch(s2, 1, "2025-09-10", "purchase", "");
	copies(s2, theirs, b2, "STK", 1, 1, 1, 1);

	/* an approved withdrawal: STK 2 worn out, SGK 12 lost */
	execf("INSERT INTO withdrawals (unit_id, number, status, created_at, updated_at, decision_no, "
	      "decision_day, "
	      "approved_day) VALUES (%lld, 1, 'approved', 0, 0, '12/QĐ-THCS', '2026-01-08', '2026-01-10')",
	      (long long)s1);
	int64_t w = qint("SELECT MAX(id) FROM withdrawals");
	execf("INSERT INTO withdrawal_items (withdrawal_id, item_id, reason) VALUES (%lld, %lld, 'RACH'), "
	      "(%lld, %lld, 'MAT')",
	      (long long)w, (long long)item(s1, "STK", 2), (long long)w, (long long)item(s1, "SGK", 12));
	execf("UPDATE items SET status = 'withdrawn', withdrawal_id = %lld WHERE id IN (%lld, %lld)",
	      (long long)w, (long long)item(s1, "STK", 2), (long long)item(s1, "SGK", 12));
	execf("UPDATE items SET status = 'lost' WHERE id = %lld", (long long)item(s1, "STK", 4));
	/* a closed stocktake of 2025-2026: STK 3 and SGK 5 missing */
	execf("INSERT INTO stocktakes (unit_id, school_year, status, opened_at, closed_day) VALUES (%lld, "
	      "'2025-2026', "
	      "'closed', 0, '2026-05-30')",
	      (long long)s1);
	int64_t st = qint("SELECT MAX(id) FROM stocktakes");
	execf("INSERT INTO stocktake_marks (item_id, school_year, unit_id, mark, stocktake_id) SELECT id, "
	      "'2025-2026', "
	      "unit_id, CASE WHEN (register = 'STK' AND accession_no = 3) OR (register = 'SGK' AND "
	      "accession_no = 5) "
	      "THEN 'M' ELSE 'C' END, %lld FROM items WHERE unit_id = %lld AND register IN ('STK', 'SGK') "
	      "AND status <> 'withdrawn'",
	      (long long)st, (long long)s1);
	execf("INSERT INTO stock_balances (unit_id, stocktake_id, school_year, day, in_copies, in_value, "
	      "out_copies, "
	      "out_value, on_hand_copies, on_hand_value) VALUES (%lld, %lld, '2025-2026', '2026-05-30', 23, "
	      "600000, 2, "
	      "57000, 21, 543000)",
	      (long long)s1, (long long)st);
	/* a periodical */
	execf(
	    "INSERT INTO periodicals (unit_id, title, title_fold, issn, frequency, created_at) VALUES (%lld, "
	    "'Báo Nhi Đồng', 'bao nhi dong', '0866-7225', 'weekly', 0)",
	    (long long)s1);
	int64_t per = qint("SELECT MAX(id) FROM periodicals");
	execf("INSERT INTO subscriptions (unit_id, periodical_id, school_year, start_day, end_day, copies, "
	      "supplier, "
	      "price, created_at) VALUES (%lld, %lld, '2025-2026', '2025-09-01', '2026-05-31', 2, 'Bưu điện "
	      "Quận 1', "
	      "500000, 0)",
	      (long long)s1, (long long)per);
	int64_t sub = qint("SELECT MAX(id) FROM subscriptions");
	execf("INSERT INTO serial_issues (unit_id, subscription_id, expected, label, received_day, copies, "
	      "claimed_day) "
	      "VALUES (%lld, %lld, '2025-09-05', 'Số 1', '2025-09-06', 2, NULL), (%lld, %lld, '2025-09-12', "
	      "'', "
	      "'2025-09-12', 2, NULL), (%lld, %lld, '2025-10-03', 'Số 3', NULL, 0, '2025-10-20')",
	      (long long)s1, (long long)sub, (long long)s1, (long long)sub, (long long)s1, (long long)sub);
	/* readers and loans */
	int64_t gv = patron(s1, "GV01", "Phạm Thu Hoa", "teacher", "");
	int64_t an = patron(s1, "HS01", "Nguyễn An", "student", "7A1");
	int64_t binh = patron(s1, "HS02", "Trần Bình", "student", "10A1");
	int64_t cuong = patron(s1, "HS03", "Lê Cường", "student", "7A2");
	lend(s1, gv, "STK", 1, "2025-10-01", "2025-10-15", "2025-10-10");
	lend(s1, binh, "STK", 3, "2025-10-02", "2025-10-16", NULL);
	lend(s1, an, "TN", 1, "2025-10-03", "2025-10-17", "2025-10-05");
	lend(s1, cuong, "SGK", 1, "2025-10-04", "2026-05-31", NULL);
	lend(s1, an, "SGK", 2, "2024-10-04", "2025-05-31", "2025-05-20"); /* last year */
	/* in-library reading */
	execf("INSERT INTO library_uses (unit_id, day, at, patron_kind, class_name, doc_type, count) VALUES "
	      "(%lld, '2025-10-01', 0, 'student', '7A1', 'SGK', 3), (%lld, '2025-10-01', 0, 'teacher', '', "
	      "'STK', 1), "
	      "(%lld, '2025-10-02', 0, 'student', '10A1', 'STK', 2), (%lld, '2025-11-03', 0, '', '', '', 4), "
	      "(%lld, '2024-11-03', 0, 'student', '7A1', 'STK', 9)",
	      (long long)s1, (long long)s1, (long long)s1, (long long)s1, (long long)s1);
}

static registers_filter_t filter(void)
{
	return (registers_filter_t){ .today = today, .lang = "vi" };
}

/* The text of cell c of line i of table t (line indexes count headings too). */
static const char *cell(const registers_page_t *p, size_t t, size_t i, size_t c)
{
	if (t >= p->ntables || i >= p->tables[t].n)
		return "(no line)";
	const registers_line_t *l = &p->tables[t].lines[i];
	if (l->kind == 2)
		return l->heading;
	return c < p->tables[t].ncols && l->cells[c].text ? l->cells[c].text : "(no cell)";
}

/* The index of the column whose header is head (and group, when given), or -1. */
static int col(const registers_page_t *p, size_t t, const char *head, const char *group)
{
	for (size_t c = 0; t < p->ntables && c < p->tables[t].ncols; c++)
		if (!strcmp(p->tables[t].cols[c].head, head) &&
		    (!group || (p->tables[t].cols[c].group && !strcmp(p->tables[t].cols[c].group, group))))
			return (int)c;
	return -1;
}

static int read_page(const actor_t *who, registers_kind_t k, registers_filter_t *f, registers_page_t *p,
                     err_t *err)
{
	int rc = registers_read(db, who, k, f, REG_PAGE, A, p, NULL, err);
	if (rc == ERR_INTERNAL)
		fprintf(stderr, "  internal: %s\n", err->detail);
	return rc;
}

static void test_scope(void)
{
	registers_page_t p;
	err_t err;
	registers_filter_t f = filter();
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), 0);
	CHECK_STR(p.scope.school_code, "THCS01");
	CHECK_STR(p.scope.school_year, "2025-2026");
	CHECK_STR(p.scope.from, "2025-08-01");
	CHECK_STR(p.scope.to, "2026-07-31");
	CHECK_INT(read_page(&leader1, REG_DKCB, &f, &p, &err), 0);
	CHECK_INT(read_page(&reader1, REG_DKCB, &f, &p, &err), ERR_FORBIDDEN);
	/* another school, by code or id: not found, whatever the register */
	f.school = "THCS01";
	for (int k = 0; k < REG__COUNT; k++)
		CHECK_INT(read_page(&lib2, (registers_kind_t)k, &f, &p, &err), ERR_NOTFOUND);
	char id[24];
	snprintf(id, sizeof id, "%lld", (long long)s1);
	f.school = id;
	CHECK_INT(read_page(&lib2, REG_TONGQUAT, &f, &p, &err), ERR_NOTFOUND);
	/* the office reads its school by code or id; THCS02 is outside its subtree; a non-school */
	CHECK_INT(read_page(&office, REG_DKCB, &f, &p, &err), 0);
	CHECK_INT(p.scope.school_id, s1);
	f.school = "THCS02";
	CHECK_INT(read_page(&office, REG_DKCB, &f, &p, &err), ERR_NOTFOUND);
	f.school = "PGD01";
	CHECK_INT(read_page(&office, REG_DKCB, &f, &p, &err), ERR_NOTFOUND);
	f.school = NULL;
	CHECK_INT(read_page(&office, REG_DKCB, &f, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.registers.school");
	/* periods */
	f = filter();
	f.school_year = "2025-2027";
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.registers.year");
	f.school_year = "all";
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), 0);
	CHECK_STR(p.scope.from, "");
	f.from = "2026-02-30";
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.date");
	f.from = "2026-03-01";
	f.to = "2026-01-01";
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.registers.period");
	f = filter();
	f.reg = "XYZ";
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.registers.register");
	f = filter();
	f.doc_type = "NOPE";
	CHECK_INT(read_page(&lib1, REG_TONGQUAT, &f, &p, &err), ERR_INVALID);
	f = filter();
	f.group = "parent";
	CHECK_INT(read_page(&lib1, REG_MUON, &f, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.registers.group");
}

static void test_tongquat(void)
{
	registers_page_t p;
	err_t err;
	registers_filter_t f = filter();
	CHECK_INT(read_page(&lib1, REG_TONGQUAT, &f, &p, &err), 0);
	CHECK_INT(p.ntables, 3);
	/* part I: batches 1 and 2 of 2025-2026 (3 is of last year), then the total line */
	CHECK_INT(p.tables[0].n, 3);
	int copies = col(&p, 0, "Số bản", NULL), value = col(&p, 0, "Giá tiền", NULL);
	int vh = col(&p, 0, "Văn học – nghệ thuật", "Phân theo nội dung");
	int tn_group = col(&p, 0, "Tự nhiên – kỹ thuật", "Phân theo nội dung");
	int khac = col(&p, 0, "Khác", "Phân theo nội dung");
	int sgk = col(&p, 0, "SGK", "Phân theo loại"), stk = col(&p, 0, "STK", "Phân theo loại");
	CHECK(copies > 0 && value > 0 && vh > 0 && tn_group > 0 && khac > 0 && sgk > 0 && stk > 0);
	CHECK_STR(cell(&p, 0, 0, 0), "10/09/2025");
	CHECK_STR(cell(&p, 0, 0, 1), "1");
	CHECK_STR(cell(&p, 0, 0, 2), "HĐ 15");
	CHECK_STR(cell(&p, 0, 0, 4), "Mua");
	/* batch 1: 3 Kiều + 10 Vật lý; the map (register TB) is not entered */
	CHECK_STR(cell(&p, 0, 0, (size_t)copies), "13");
	CHECK_STR(cell(&p, 0, 0, (size_t)value), "255.000"); /* 3 x 45.000 + 10 x 12.000 */
	CHECK_STR(cell(&p, 0, 0, (size_t)vh), "3");
	CHECK_STR(cell(&p, 0, 0, (size_t)tn_group), "10");
	CHECK_STR(cell(&p, 0, 0, (size_t)sgk), "10");
	CHECK_STR(cell(&p, 0, 0, (size_t)stk), "3");
	/* batch 2: Lược sử (5xx), 5 Vật lý, Dế Mèn without a class number (Khác) */
	CHECK_STR(cell(&p, 0, 1, 4), "Biếu tặng");
	CHECK_STR(cell(&p, 0, 1, (size_t)copies), "7");
	CHECK_STR(cell(&p, 0, 1, (size_t)khac), "1");
	CHECK_STR(cell(&p, 0, 1, (size_t)tn_group), "6");
	CHECK_STR(cell(&p, 0, 2, 0), "Cộng");
	if (p.tables[0].n > 2)
		CHECK_INT(p.tables[0].lines[2].kind, 1);
	CHECK_STR(cell(&p, 0, 2, (size_t)copies), "20");
	CHECK_STR(cell(&p, 0, 2, (size_t)value), "425.000");
	/* part II: the approved withdrawal, one copy per reason */
	CHECK_INT(p.tables[1].n, 2);
	CHECK_STR(cell(&p, 1, 0, 0), "10/01/2026");
	CHECK_STR(cell(&p, 1, 0, 2), "12/QĐ-THCS");
	CHECK_STR(cell(&p, 1, 0, 3), "08/01/2026");
	CHECK_STR(cell(&p, 1, 0, 4), "2");
	CHECK_STR(cell(&p, 1, 0, 5), "57.000");
	int rach = col(&p, 1, "Rách nát", "Lý do"), mat = col(&p, 1, "Mất", "Lý do");
	CHECK_STR(cell(&p, 1, 0, (size_t)rach), "1");
	CHECK_STR(cell(&p, 1, 0, (size_t)mat), "1");
	CHECK_STR(cell(&p, 1, 1, 0), "Cộng");
	/* part III */
	CHECK_INT(p.tables[2].n, 1);
	CHECK_STR(cell(&p, 2, 0, 1), "30/05/2026");
	CHECK_STR(cell(&p, 2, 0, 6), "21");
	/* all years: batch 3 too; a doc_type filter */
	f.school_year = "all";
	CHECK_INT(read_page(&lib1, REG_TONGQUAT, &f, &p, &err), 0);
	CHECK_INT(p.tables[0].n, 4);
	CHECK_STR(cell(&p, 0, 2, 1), "3"); /* by running number, not by day */
	CHECK_STR(cell(&p, 0, 2, 0), "01/10/2024");
	f.doc_type = "SGK";
	CHECK_INT(read_page(&lib1, REG_TONGQUAT, &f, &p, &err), 0);
	CHECK_INT(p.tables[0].n, 3);
	CHECK_STR(cell(&p, 0, 2, (size_t)copies), "15");
}

static void test_dkcb(void)
{
	registers_page_t p;
	err_t err;
	registers_filter_t f = filter();
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), 0);
	CHECK_STR(p.scope.reg, "STK");
	CHECK_INT(p.ntables, 1);
	CHECK_INT(p.total, 4); /* STK 1-4; STK 5 was entered last year */
	CHECK_STR(cell(&p, 0, 0, 1), "1");
	CHECK_STR(cell(&p, 0, 0, 2), "Truyện Kiều / Nguyễn Du");
	CHECK_STR(cell(&p, 0, 0, 3), "Hà Nội");
	CHECK_STR(cell(&p, 0, 0, 5), "2020");
	CHECK_STR(cell(&p, 0, 0, 6), "45.000");
	CHECK_STR(cell(&p, 0, 0, 7), "1");
	CHECK_STR(cell(&p, 0, 0, 8), "895.9221");
	int y = col(&p, 0, "2025-2026", "Kiểm kê"), note = col(&p, 0, "Ghi chú", NULL);
	CHECK(y == 9 && note == 10);
	CHECK_STR(cell(&p, 0, 0, (size_t)y), "C");
	CHECK_STR(cell(&p, 0, 1, (size_t)y), ""); /* withdrawn before the stocktake */
	CHECK_STR(cell(&p, 0, 1, (size_t)note), "đã thanh lọc QĐ số 12/QĐ-THCS ngày 08/01/2026");
	CHECK_STR(cell(&p, 0, 2, (size_t)y), "M");
	CHECK_STR(cell(&p, 0, 3, (size_t)note), "mất");
	CHECK_STR(cell(&p, 0, 3, 1), "4");
	f.school_year = "all";
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), 0);
	CHECK_INT(p.total, 5);
	/* by title: the copy's number within its title */
	CHECK_INT(stock_numbering_set(db, &lib1, "STK", "title", &err), 0);
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), 0);
	CHECK(p.scope.by_title);
	CHECK_STR(cell(&p, 0, 4, 1), "4"); /* STK 5 is Kiều's 4th copy */
	CHECK_STR(cell(&p, 0, 3, 1), "1"); /* STK 4 is Lược sử's first */
	CHECK_INT(stock_numbering_set(db, &lib1, "STK", "type", &err), 0);
	/* another register series */
	f.reg = "TN";
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), 0);
	CHECK_INT(p.total, 1);
	CHECK_STR(cell(&p, 0, 0, 2), "Dế Mèn phiêu lưu ký / Tô Hoài");
	CHECK_STR(cell(&p, 0, 0, 8), ""); /* no class mark */
}

static void test_sgk(void)
{
	registers_page_t p;
	err_t err;
	registers_filter_t f = filter();
	CHECK_INT(read_page(&lib1, REG_SGK, &f, &p, &err), 0);
	CHECK_INT(p.tables[0].n, 3); /* the title's heading, two printings */
	if (p.ntables && p.tables[0].n)
		CHECK_INT(p.tables[0].lines[0].kind, 2);
	CHECK_STR(cell(&p, 0, 0, 0), "Vật lý 8 – Tập 1 · 53(075)");
	CHECK_STR(cell(&p, 0, 1, 1), "1–10");
	CHECK_STR(cell(&p, 0, 1, 2), "10");
	CHECK_STR(cell(&p, 0, 1, 3), "Mua, HĐ 15 10/09/2025");
	CHECK_STR(cell(&p, 0, 1, 6), "120.000");
	CHECK_STR(cell(&p, 0, 1, 7), "C: 9; M: 1 (5)");
	CHECK_STR(cell(&p, 0, 2, 1), "11–15");
	CHECK_STR(cell(&p, 0, 2, 7), "C: 4"); /* 12 was withdrawn before the stocktake */
	CHECK_STR(cell(&p, 0, 2, 8), "đã thanh lọc: 1");
	/* a gap splits a range */
	execf("UPDATE items SET accession_no = 99 WHERE id = %lld", (long long)item(s1, "SGK", 13));
	CHECK_INT(read_page(&lib1, REG_SGK, &f, &p, &err), 0);
	CHECK_STR(cell(&p, 0, 2, 1), "11–12, 14–15, 99");
	execf("UPDATE items SET accession_no = 13 WHERE unit_id = %lld AND register = 'SGK' AND accession_no "
	      "= 99",
	      (long long)s1);
}

static void test_baochi(void)
{
	registers_page_t p;
	err_t err;
	registers_filter_t f = filter();
	CHECK_INT(read_page(&lib1, REG_BAOCHI, &f, &p, &err), 0);
	CHECK_INT(p.total, 1);
	CHECK_STR(cell(&p, 0, 0, 0), "Báo Nhi Đồng");
	CHECK_STR(cell(&p, 0, 0, 1), "0866-7225");
	CHECK_STR(cell(&p, 0, 0, 2), "Hằng tuần");
	CHECK_STR(cell(&p, 0, 0, 3), "2");
	CHECK_STR(cell(&p, 0, 0, 6), "");         /* August */
	CHECK_STR(cell(&p, 0, 0, 7), "Số 1, 12"); /* September: a label, a day */
	CHECK_STR(cell(&p, 0, 0, 8), "");         /* October: claimed, not received */
	CHECK_STR(cell(&p, 0, 0, 18), "số chưa nhận: 1; số đã khiếu nại: 1");
	f.school_year = "2024-2025";
	CHECK_INT(read_page(&lib1, REG_BAOCHI, &f, &p, &err), 0);
	CHECK_INT(p.total, 0);
}

static void test_muon(void)
{
	registers_page_t p;
	err_t err;
	registers_filter_t f = filter();
	CHECK_INT(read_page(&lib1, REG_MUON, &f, &p, &err), 0);
	/* the teacher's section, then classes in natural order: 7A1, 7A2, 10A1 */
	CHECK_INT(p.tables[0].n, 8);
	CHECK_STR(cell(&p, 0, 0, 0), "Phạm Thu Hoa (GV01) – Giáo viên");
	CHECK_STR(cell(&p, 0, 1, 2), "01/10/2025");
	CHECK_STR(cell(&p, 0, 1, 5), "10/10/2025");
	CHECK_STR(cell(&p, 0, 2, 0), "Lớp 7A1");
	CHECK_STR(cell(&p, 0, 3, 0), "Nguyễn An (HS01)");
	CHECK_STR(cell(&p, 0, 3, 3), "Dế Mèn phiêu lưu ký / TN-000001");
	CHECK_STR(cell(&p, 0, 4, 0), "Lớp 7A2");
	CHECK_STR(cell(&p, 0, 6, 0), "Lớp 10A1");
	CHECK_STR(cell(&p, 0, 7, 5), "");
	CHECK_STR(cell(&p, 0, 7, 6), "quá hạn");
	f.group = "teacher";
	CHECK_INT(read_page(&lib1, REG_MUON, &f, &p, &err), 0);
	CHECK_INT(p.total, 2);
	f.group = "student";
	f.class_name = "7A1";
	CHECK_INT(read_page(&lib1, REG_MUON, &f, &p, &err), 0);
	CHECK_INT(p.total, 2);
}

static void test_doctaicho(void)
{
	registers_page_t p;
	err_t err;
	registers_filter_t f = filter();
	CHECK_INT(read_page(&lib1, REG_DOCTAICHO, &f, &p, &err), 0);
	/* October: heading, 2 days, total; November: heading, 1 day, total; the period's total */
	CHECK_INT(p.tables[0].n, 8);
	CHECK_STR(cell(&p, 0, 0, 0), "Tháng 10/2025");
	int gv = col(&p, 0, "Giáo viên", "Bạn đọc"), k7 = col(&p, 0, "Khối 7", "Bạn đọc");
	int k10 = col(&p, 0, "Khối 10", "Bạn đọc"), unk = col(&p, 0, "Không rõ", "Bạn đọc");
	int sgk = col(&p, 0, "SGK", "Loại tài liệu"), other = col(&p, 0, "Khác", "Loại tài liệu");
	int total = col(&p, 0, "Tổng", NULL);
	CHECK(gv > 0 && k7 > 0 && k10 > 0 && unk > 0 && sgk > 0 && other > 0 && total > 0);
	CHECK_STR(cell(&p, 0, 1, 0), "01/10/2025");
	CHECK_STR(cell(&p, 0, 1, (size_t)gv), "1");
	CHECK_STR(cell(&p, 0, 1, (size_t)k7), "3");
	CHECK_STR(cell(&p, 0, 1, (size_t)sgk), "3");
	CHECK_STR(cell(&p, 0, 1, (size_t)total), "4");
	CHECK_STR(cell(&p, 0, 3, 0), "Cộng tháng 10/2025");
	CHECK_STR(cell(&p, 0, 3, (size_t)total), "6");
	CHECK_STR(cell(&p, 0, 5, (size_t)unk), "4");
	CHECK_STR(cell(&p, 0, 7, 0), "Tổng cộng cả kỳ");
	CHECK_STR(cell(&p, 0, 7, (size_t)total), "10");
}

/* A window of lines: 250 copies of a register give two pages. */
static void test_paging(void)
{
	int64_t b = biblio(s1, "SNV", "Nghiệp vụ thư viện", "", "", "020", 2024, 1000);
	int64_t a = batch(s1, 4, "2026-02-01", "purchase", "");
	exec("BEGIN");
	copies(s1, b, a, "SNV", 1, 250, 1, 1000);
	exec("COMMIT");
	registers_page_t p;
	err_t err;
	registers_filter_t f = filter();
	f.reg = "SNV";
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), 0);
	CHECK_INT(p.total, 250);
	CHECK_INT(p.tables[0].n, REGISTERS_PAGE_MAX);
	CHECK_STR(cell(&p, 0, 199, 1), "200");
	f.offset = 200;
	CHECK_INT(read_page(&lib1, REG_DKCB, &f, &p, &err), 0);
	CHECK_INT(p.tables[0].n, 50);
	CHECK_STR(cell(&p, 0, 0, 1), "201");
	CHECK_STR(cell(&p, 0, 49, 1), "250");
}

static int run(const char *cmd, char *out, size_t size)
{
	FILE *fp = popen(cmd, "r");
	if (!fp)
		return -1;
	size_t k = fread(out, 1, size - 1, fp);
	out[k] = 0;
	char sink[4096];
	while (fread(sink, 1, sizeof sink, fp) > 0)
		;
	return pclose(fp);
}

/* The PDF and the workbook carry the page's lines. */
static void test_pdf_and_xlsx(void)
{
	registers_filter_t f = filter();
	buf_t pdf = BUF_INIT, xl = BUF_INIT;
	err_t err;
	registers_page_t p;
	CHECK_INT(registers_read(db, &lib1, REG_DKCB, &f, REG_PDF, A, &p, &pdf, &err), 0);
	CHECK(pdf.len > 1000 && !memcmp(pdf.data, "%PDF", 4));
	CHECK_STR(registers_filename(REG_DKCB, &p.scope, REG_PDF, A), "so-dang-ky-ca-biet-STK-2025-2026.pdf");
	char path[] = "/tmp/thuvien-reg-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_INT(write(fd, pdf.data, pdf.len), (long long)pdf.len);
		close(fd);
	}
	static char out[1 << 18];
	char cmd[256];
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -layout '%s' - 2>&1", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	CHECK(strstr(out, "SỔ ĐĂNG KÝ CÁ BIỆT") != NULL);
	CHECK(strstr(out, "TRƯỜNG THCS NGUYỄN DU") != NULL);
	CHECK(strstr(out, "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN 1") != NULL);
	CHECK(strstr(out, "Truyện Kiều / Nguyễn Du") != NULL);
	CHECK(strstr(out, "đã thanh lọc QĐ số") != NULL);
	CHECK(strstr(out, "Trang 1") != NULL);
	CHECK(strstr(out, "HIỆU TRƯỞNG") != NULL);
	unlink(path);
	buf_release(&pdf);

	/* the general register's PDF writes its days the register's way */
	CHECK_INT(registers_read(db, &lib1, REG_TONGQUAT, &f, REG_PDF, A, NULL, &pdf, &err), 0);
	fd = mkstemp(strcpy(path, "/tmp/thuvien-reg-XXXXXX"));
	if (fd >= 0) {
		CHECK_INT(write(fd, pdf.data, pdf.len), (long long)pdf.len);
		close(fd);
	}
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -layout '%s' - 2>&1", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	CHECK(strstr(out, "10.IX.2025") != NULL);
	CHECK(strstr(out, "PHẦN II. XUẤT KHO") != NULL);
	CHECK(strstr(out, "12/QĐ-THCS") != NULL);
	unlink(path);
	buf_release(&pdf);

	CHECK_INT(registers_read(db, &lib1, REG_DKCB, &f, REG_XLSX, A, NULL, &xl, &err), 0);
	xlsx_sheet_t sh;
	CHECK_INT(xlsx_read(xl.data, xl.len, A, &sh, &err), 0);
	/* title, subtitle, header, then the four copies */
	CHECK_INT(sh.nrows, 7);
	if (sh.nrows == 7) {
		CHECK_STR(sh.rows[2].cell[1], "Số ĐKCB");
		CHECK_STR(sh.rows[2].cell[9], "Kiểm kê: 2025-2026");
		CHECK_STR(sh.rows[3].cell[1], "1");
		CHECK_STR(sh.rows[3].cell[2], "Truyện Kiều / Nguyễn Du");
		CHECK_STR(sh.rows[3].cell[6], "45000");
		CHECK_STR(sh.rows[4].cell[10], "đã thanh lọc QĐ số 12/QĐ-THCS ngày 08/01/2026");
	}
	buf_release(&xl);
	/* every register writes both, for the office too */
	f.school = "THCS01";
	for (int k = 0; k < REG__COUNT; k++) {
		CHECK_INT(registers_read(db, &office, (registers_kind_t)k, &f, REG_PDF, A, NULL, &pdf, &err),
		          0);
		CHECK(pdf.len > 1000);
		CHECK_INT(registers_read(db, &office, (registers_kind_t)k, &f, REG_XLSX, A, NULL, &xl, &err),
		          0);
		CHECK(xl.len > 1000);
		buf_release(&pdf);
		buf_release(&xl);
	}
}

static void test_numbering_and_hub(void)
{
	err_t err;
	int64_t audits = qint("SELECT COUNT(*) FROM audit WHERE action = 'stock.numbering'");
	CHECK_INT(stock_numbering_set(db, &leader1, "SGK", "title", &err), ERR_FORBIDDEN);
	CHECK_INT(stock_numbering_set(db, &office, "SGK", "title", &err), ERR_FORBIDDEN);
	CHECK_INT(stock_numbering_set(db, &lib1, "XYZ", "title", &err), ERR_INVALID);
	CHECK_INT(stock_numbering_set(db, &lib1, "SGK", "sometimes", &err), ERR_INVALID);
	CHECK_INT(qint("SELECT COUNT(*) FROM audit WHERE action = 'stock.numbering'"), audits);
	CHECK_INT(stock_numbering_set(db, &lib1, "SGK", "title", &err), 0);
	CHECK_INT(qint("SELECT COUNT(*) FROM audit WHERE action = 'stock.numbering'"), audits + 1);
	registers_hub_t h;
	registers_filter_t f = filter();
	CHECK_INT(registers_hub(db, &lib1, &f, A, &h, &err), 0);
	CHECK(h.can_write);
	CHECK_INT(h.batches, 3);
	CHECK_INT(h.withdrawals, 1);
	CHECK_INT(h.loans, 4);
	CHECK_INT(h.uses, 10);
	CHECK_INT(h.subscriptions, 1);
	bool sgk_by_title = false;
	for (size_t i = 0; i < h.nseries; i++)
		if (!strcmp(h.series[i].reg, "SGK")) {
			sgk_by_title = h.series[i].by_title;
			CHECK_INT(h.series[i].copies, 15);
			CHECK_INT(h.series[i].in_stock, 14);
		}
	CHECK(sgk_by_title);
	CHECK_INT(registers_hub(db, &leader1, &f, A, &h, &err), 0);
	CHECK(!h.can_write);
	/* textbooks numbered by title print the title numbers */
	registers_page_t p;
	CHECK_INT(read_page(&lib1, REG_SGK, &f, &p, &err), 0);
	CHECK_STR(cell(&p, 0, 2, 1), "11–15");
}

int main(void)
{
	db = testdb_open();
	A = arena_new(0);
	RUN(setup);
	RUN(test_scope);
	RUN(test_tongquat);
	RUN(test_dkcb);
	RUN(test_sgk);
	RUN(test_baochi);
	RUN(test_muon);
	RUN(test_doctaicho);
	RUN(test_paging);
	RUN(test_pdf_and_xlsx);
	RUN(test_numbering_and_hub);
	arena_free(A);
	testdb_close(db);
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	return check_summary("registers");
}
