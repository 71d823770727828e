/* test_check.c: `thuvien check`'s rules (src/check), on the backend $THUVIEN_TEST_DB names.
 *
 * A small city is built (two schools; records, copies and intake lines by the catalogue's
 * functions; a withdrawal, stocktakes, part III lines and a periodical by SQL, as their modules
 * will write them) and checks clean. Then each rule is broken with direct SQL, one at a time,
 * inside a transaction that is rolled back, and the check must report exactly that rule, in that
 * school, with those numbers. Rules a UNIQUE constraint holds are broken on PostgreSQL only,
 * where dropping the constraint is part of the rolled-back transaction (SQLite cannot drop a
 * table's own UNIQUE). */
#include "check.h"
#include "testdb.h"

#include "base/clock.h"
#include "catalog/catalog.h"
#include "check/check.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2;
static const char *PW = "mat-khau-dai-du";
static int64_t th1, th2;
static char today[11], year_now[16];
/* th1: record A (STK, class 895.9) 3 copies in the old batch q0; record S (SGK) 2 copies, T (STK)
 * 2 copies, P (BAO) 1 copy in today's batch q1; an empty batch q2 of today. th2: record B. */
static int64_t bA, bS, bT, bP, bB, q0, q1, q2, q0_no, q1_no, q2_no;
static int64_t itA[3], itS[2], itT[2], itP, itB[2];
static int64_t wd1, st_all1, st_all2, st_sgk, st_class, bal1, bal2, per, sub, iss_bound, iss_plain;

static void sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sql(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = arena_vprintf(A, fmt, ap);
	va_end(ap);
	err_t err = { 0 };
	int rc = db_exec(db, &err, s, "");
	if (rc < 0)
		fprintf(stderr, "  sql failed: %s: %s\n", s, err.detail);
	CHECK(rc >= 0);
}

static int64_t sql_id(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int64_t sql_id(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = arena_vprintf(A, fmt, ap);
	va_end(ap);
	err_t err = { 0 };
	int64_t id = 0;
	int rc = db_insert_id(db, &id, &err, s, "");
	if (rc < 0)
		fprintf(stderr, "  sql failed: %s: %s\n", s, err.detail);
	CHECK(rc >= 0);
	return id;
}

static int64_t record(const actor_t *who, const char *title, const char *type, const char *klass, int64_t acq,
                      int copies, int64_t *ids)
{
	biblio_t in = { .title = title, .doc_type = type, .class_number = klass, .price = 20000 };
	int64_t id = 0, dup = 0;
	err_t err = { 0 };
	CHECK_INT(catalog_biblio_create(db, who, &in, false, &id, &dup, &err), 0);
	CHECK_INT(catalog_items_add(db, who, id, acq, copies, -1, ids, &err), 0);
	return id;
}

static int64_t batch(const actor_t *who, const char *received, int64_t *number)
{
	acquisition_t q = { .source = "purchase", .received = received, .doc_number = "HĐ 1" };
	int64_t id = 0;
	err_t err = { 0 };
	CHECK_INT(catalog_acquisition_create(db, who, &q, &id, &err), 0);
	CHECK_INT(db_query_int(db, number, &err, "SELECT number FROM acquisitions WHERE id = ?", "i", id), 0);
	return id;
}

/* A part III line of session st written as the stocktake's close writes it (with watermarks). */
static int64_t balance_line(int64_t st, const char *day, const check_balance_t *b)
{
	int64_t id = sql_id("INSERT INTO stock_balances (unit_id, stocktake_id, school_year, day, in_copies, "
	                    "in_value, out_copies, out_value, on_hand_copies, on_hand_value) VALUES (%lld, %lld, "
	                    "'2025-2026', '%s', %lld, %lld, %lld, %lld, %lld, %lld) RETURNING id",
	                    (long long)th1, (long long)st, day, (long long)b->in_copies, (long long)b->in_value,
	                    (long long)b->out_copies, (long long)b->out_value, (long long)b->on_hand_copies,
	                    (long long)b->on_hand_value);
	sql("UPDATE stocktakes SET last_item_id = %lld, last_withdrawal_no = %lld WHERE id = %lld",
	    (long long)b->last_item_id, (long long)b->last_withdrawal_no, (long long)st);
	return id;
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd, .code = "TH001", .name = "Trường 1", .kind = "school", .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u1, &th1, &err), 0);
	unit_new_t u2 = { .parent_id = sgd, .code = "TH002", .name = "Trường 2", .kind = "school", .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u2, &th2, &err), 0);
	testdb_account_t acc[] = { { "thuthu.th001", "librarian", th1 }, { "thuthu.th002", "librarian", th2 } };
	CHECK_INT(testdb_accounts(db, acc, 2, PW), 0);
	lib1 = testdb_login(db, "thuthu.th001", PW);
	lib2 = testdb_login(db, "thuthu.th002", PW);
	clock_day_format(clock_today_vn(), today, sizeof today);
	int y = atoi(today), m = atoi(today + 5);
	snprintf(year_now, sizeof year_now, "%d-%d", m >= 8 ? y : y - 1, m >= 8 ? y + 1 : y);

	q0 = batch(&lib1, "2025-09-05", &q0_no);
	q1 = batch(&lib1, NULL, &q1_no);
	bA = record(&lib1, "Truyện Kiều", "STK", "895.9", q0, 3, itA);
	bS = record(&lib1, "Toán 6", "SGK", "", q1, 2, itS);
	bT = record(&lib1, "Từ điển", "STK", "", q1, 2, itT);
	bP = record(&lib1, "Báo Nhân Dân (đóng tập)", "BAO", "", q1, 1, &itP);
	q2 = batch(&lib1, NULL, &q2_no); /* empty, but fresh */
	bB = record(&lib2, "Toán 6", "SGK", "", 0, 2, itB);
	int64_t now = clock_now();

	/* Stocktakes: two closed whole-library sessions (part III lines of 01/10/2025 and
	 * 01/11/2025), a closed SGK one and a closed class 800-899 one, each in its own year. */
#define STOCKTAKE(year, scope, day)                                                                          \
	sql_id("INSERT INTO stocktakes (unit_id, school_year, scope, status, opened_at, closed_at, closed_day) " \
	       "VALUES (%lld, '%s', '%s', 'closed', %lld, %lld, '%s') RETURNING id",                          \
	       (long long)th1, year, scope, (long long)now, (long long)now, day)
	st_all1 = STOCKTAKE("2025-2026", "all", "2025-10-01");
	st_all2 = STOCKTAKE("2025-2026", "all", "2025-11-01");
	st_sgk = STOCKTAKE("2024-2025", "register:SGK", "2025-05-01");
	st_class = STOCKTAKE("2023-2024", "class:800-899", "2024-05-01");
	for (int k = 0; k < 3; k++) {
		sql("INSERT INTO stocktake_marks (item_id, school_year, unit_id, mark, stocktake_id) VALUES "
		    "(%lld, '2025-2026', %lld, 'C', %lld), (%lld, '2023-2024', %lld, '%s', %lld)",
		    (long long)itA[k], (long long)th1, (long long)st_all2, (long long)itA[k], (long long)th1,
		    k ? "C" : "M", (long long)st_class);
	}
	for (int k = 0; k < 2; k++)
		sql("INSERT INTO stocktake_marks (item_id, school_year, unit_id, mark, stocktake_id) VALUES "
		    "(%lld, '2024-2025', %lld, 'C', %lld)",
		    (long long)itS[k], (long long)th1, (long long)st_sgk);
	sql("INSERT INTO stocktake_scans (stocktake_id, barcode, item_id, result, first_at) "
	    "SELECT %lld, barcode, id, 'found', %lld FROM items WHERE id = %lld",
	    (long long)st_all2, (long long)now, (long long)itA[0]);
	/* Part III: line 1 (st_all1) counts the 8 copies of th1; line 2 (st_all2) nothing new. Each written as the close writes it: check_balance_next, then the line and the
	 * session's watermarks. */
	check_balance_t b1, b2;
	CHECK_INT(check_balance_next(db, th1, &b1, &err), 0);
	CHECK_INT(b1.prev_id, 0);
	CHECK_INT(b1.in_copies, 8);
	CHECK_INT(b1.in_value, 160000);
	CHECK_INT(b1.out_copies, 0);
	CHECK_INT(b1.on_hand_copies, 8);
	CHECK_INT(b1.last_item_id, itP);
	CHECK_INT(b1.last_withdrawal_no, 0);
	bal1 = balance_line(st_all1, "2025-10-01", &b1);
	CHECK_INT(check_balance_next(db, th1, &b2, &err), 0);
	CHECK_INT(b2.prev_id, bal1);
	CHECK_INT(b2.prev_item_id, itP);
	CHECK_INT(b2.in_copies, 0);
	CHECK_INT(b2.out_copies, 0);
	CHECK_INT(b2.on_hand_copies, 8);
	CHECK_INT(b2.on_hand_value, 160000);
	bal2 = balance_line(st_all2, "2025-11-01", &b2);

	/* Part II: copy T2 withdrawn by approved withdrawal number 1, approved today, after both
	 * lines of part III: the next line's out. */
	wd1 = sql_id("INSERT INTO withdrawals (unit_id, number, status, created_at, updated_at, decision_no, "
	             "decision_day, approved_at, approved_day) VALUES (%lld, 1, 'approved', %lld, %lld, '1/QĐ', "
	             "'%s', %lld, '%s') RETURNING id",
	             (long long)th1, (long long)now, (long long)now, today, (long long)now, today);
	sql("INSERT INTO withdrawal_items (withdrawal_id, item_id, reason) VALUES (%lld, %lld, 'RACH')",
	    (long long)wd1, (long long)itT[1]);
	sql("UPDATE items SET status = 'withdrawn', withdrawal_id = %lld WHERE id = %lld", (long long)wd1,
	    (long long)itT[1]);
	sql("INSERT INTO accession_counters (unit_id, register, last) VALUES (%lld, '#XK', 1)", (long long)th1);

	/* A periodical whose bound volume is copy P; two issues, one bound. */
	per = sql_id("INSERT INTO periodicals (unit_id, title, title_fold, frequency, biblio_id, created_at) "
	             "VALUES (%lld, 'Nhân Dân', 'nhan dan', 'daily', %lld, %lld) RETURNING id",
	             (long long)th1, (long long)bP, (long long)now);
	sub = sql_id("INSERT INTO subscriptions (unit_id, periodical_id, school_year, start_day, end_day, created_at) "
	             "VALUES (%lld, %lld, '%s', '2026-08-01', '2027-07-31', %lld) RETURNING id",
	             (long long)th1, (long long)per, year_now, (long long)now);
	iss_bound = sql_id("INSERT INTO serial_issues (unit_id, subscription_id, expected, received_day, copies, "
	                   "bound_item_id) VALUES (%lld, %lld, '2026-09-01', '2026-09-01', 1, %lld) RETURNING id",
	                   (long long)th1, (long long)sub, (long long)itP);
	iss_plain = sql_id("INSERT INTO serial_issues (unit_id, subscription_id, expected) VALUES (%lld, %lld, "
	                   "'2026-09-02') RETURNING id",
	                   (long long)th1, (long long)sub);
}

/* Print what a result holds, for a failing check. */
static void dump(const check_result_t *r)
{
	for (size_t i = 0; i < r->n; i++)
		fprintf(stderr, "    %s %s\n", check_rule_name(r->v[i].rule), check_violation_text(&r->v[i], "en", A));
}

static void test_clean(void)
{
	check_result_t r;
	err_t err;
	CHECK_INT(check_run(db, 0, 0, A, &r, &err), 0);
	CHECK_INT(r.n, 0);
	CHECK_INT(r.schools, 2);
	CHECK_INT(r.rules, CHECK_RULE_COUNT - 1);
	if (r.n)
		dump(&r);
	CHECK_INT(check_run(db, th2, 0, A, &r, &err), 0);
	CHECK_INT(r.n, 0);
	CHECK_INT(r.schools, 1);
	CHECK_INT(check_run(db, 0, CHECK_FULL, A, &r, &err), 0); /* the rows of the index-held rules too */
	CHECK_INT(r.n, 0);
}

static void begin(void);

/* The balance definition by itself: the watermarks, the general register, value, and what the
 * check does not call a broken line (a price corrected after the line counted the copy). */
static void test_balance(void)
{
	check_balance_t b;
	check_result_t r;
	err_t err;
	int64_t it[2], tb[1], now = clock_now();
	begin();
	int64_t q = batch(&lib1, "2020-01-01", &(int64_t){ 0 }); /* hồi cố, dated long ago */
	record(&lib1, "Sách mới", "STK", "", q, 2, it);
	record(&lib1, "Bản đồ Việt Nam", "BD", "", q, 1, tb); /* register TB: not in the general register */
	int64_t wd2 = sql_id("INSERT INTO withdrawals (unit_id, number, status, created_at, updated_at, approved_day) "
	                     "VALUES (%lld, 2, 'approved', %lld, %lld, '%s') RETURNING id",
	                     (long long)th1, (long long)now, (long long)now, today);
	sql("UPDATE accession_counters SET last = 2 WHERE unit_id = %lld AND register = '#XK'", (long long)th1);
	sql("INSERT INTO withdrawal_items (withdrawal_id, item_id, reason) VALUES (%lld, %lld, 'MAT'), "
	    "(%lld, %lld, 'MAT')",
	    (long long)wd2, (long long)itA[0], (long long)wd2, (long long)tb[0]);
	sql("UPDATE items SET status = 'withdrawn', withdrawal_id = %lld WHERE id IN (%lld, %lld)", (long long)wd2,
	    (long long)itA[0], (long long)tb[0]);
	sql("UPDATE items SET price = 5000 WHERE id = %lld", (long long)it[1]);
	CHECK_INT(check_balance_next(db, th1, &b, &err), 0);
	CHECK_INT(b.prev_id, bal2);
	CHECK_INT(b.in_copies, 2);                /* the old-dated intake is the next line's; TB is not */
	CHECK_INT(b.in_value, 20000 + 5000);      /* a copy's own price, else its record's */
	CHECK_INT(b.out_copies, 2);               /* itT[1], itA[0]; the TB copy is not part II's */
	CHECK_INT(b.out_value, 40000);
	CHECK_INT(b.on_hand_copies, 8 + 2 - 2);
	CHECK_INT(b.on_hand_value, 160000 + 25000 - 40000);
	CHECK_INT(b.last_item_id, tb[0]);
	CHECK_INT(b.last_withdrawal_no, 2);
	/* Those rows break no line: they come after line 2's watermarks. */
	CHECK_INT(check_run(db, th1, 0, A, &r, &err), 0);
	CHECK_INT(r.n, 0);
	if (r.n)
		dump(&r);
	/* A third line written from it checks clean; a price corrected afterwards too (values are
	 * checked through the chain only, check.h). */
	int64_t st3 = sql_id("INSERT INTO stocktakes (unit_id, school_year, scope, status, opened_at, closed_at, "
	                     "closed_day) VALUES (%lld, '2025-2026', 'all', 'closed', %lld, %lld, '%s') RETURNING id",
	                     (long long)th1, (long long)now, (long long)now, today);
	balance_line(st3, today, &b);
	sql("UPDATE items SET price = 7000 WHERE id = %lld", (long long)it[0]);
	CHECK_INT(check_run(db, 0, 0, A, &r, &err), 0);
	CHECK_INT(r.n, 0);
	if (r.n)
		dump(&r);
	CHECK_INT(check_balance_next(db, th1, &b, &err), 0);
	CHECK_INT(b.in_copies, 0);
	CHECK_INT(b.out_copies, 0);
	CHECK_INT(b.on_hand_copies, 8);
	db_rollback(db);
}

/* Run the check inside the open transaction; exactly one violation, as described. */
static void expect(check_rule_t rule, const char *school, int64_t count, int64_t first, int64_t last,
                   int64_t limit, const char *what, const char *text_has)
{
	check_result_t r;
	err_t err = { 0 };
	int rc = check_run(db, 0, 0, A, &r, &err);
	CHECK_INT(rc, 0);
	if (rc < 0)
		fprintf(stderr, "    check_run: %s\n", err.detail);
	int ok = r.n == 1 && r.v[0].rule == rule && !strcmp(r.v[0].school, school) && r.v[0].count == count &&
	         r.v[0].first == first && r.v[0].last == last && r.v[0].limit == limit &&
	         (!what || !strcmp(r.v[0].what, what));
	if (!ok) {
		fprintf(stderr, "  FAIL %s: want one %s in %s (%lld, %lld-%lld, %lld), got %zu:\n", check_current,
		        check_rule_name(rule), school, (long long)count, (long long)first, (long long)last,
		        (long long)limit, r.n);
		dump(&r);
		check_current_failed++;
	}
	if (ok && text_has) {
		const char *t = check_violation_text(&r.v[0], "vi", A);
		if (!strstr(t, text_has)) {
			fprintf(stderr, "  FAIL %s: \"%s\" lacks \"%s\"\n", check_current, t, text_has);
			check_current_failed++;
		}
	}
	/* The same rule seen from the school alone, and nothing from the other one. */
	int64_t unit = !strcmp(school, "TH001") ? th1 : th2, other = unit == th1 ? th2 : th1;
	CHECK_INT(check_run(db, unit, 0, A, &r, &err), 0);
	CHECK_INT(r.n, 1);
	CHECK_INT(check_run(db, other, 0, A, &r, &err), 0);
	CHECK_INT(r.n, 0);
	db_rollback(db);
}

static void begin(void)
{
	err_t err;
	CHECK_INT(db_begin(db, &err), 0);
}

static int pg(void)
{
	return db_kind(db) == DB_POSTGRES;
}

static void test_numbers(void)
{
	begin();
	sql("UPDATE accession_counters SET last = 1 WHERE unit_id = %lld AND register = 'STK'", (long long)th1);
	expect(CHECK_ACCESSION_COUNTER, "TH001", 4, 2, 5, 1, "STK", "TH001: sổ STK: 4 bản có số đăng ký cá biệt lớn hơn bộ đếm 1 (2–5)");
	begin();
	sql("DELETE FROM accession_counters WHERE unit_id = %lld AND register = 'BAO'", (long long)th1);
	expect(CHECK_ACCESSION_COUNTER, "TH001", 1, 1, 1, 0, "BAO", "(1)");
	begin();
	sql("UPDATE accession_counters SET last = %lld WHERE unit_id = %lld AND register = '#TQ'", (long long)q0_no,
	    (long long)th1);
	expect(CHECK_INTAKE_COUNTER, "TH001", 2, q1_no, q2_no, q0_no, "", NULL);
	begin();
	sql("UPDATE accession_counters SET last = 0 WHERE unit_id = %lld AND register = '#XK'", (long long)th1);
	expect(CHECK_WITHDRAWAL_COUNTER, "TH001", 1, 1, 1, 0, "", "bộ đếm 0 (1)");
	begin();
	sql("UPDATE withdrawals SET number = NULL WHERE id = %lld", (long long)wd1);
	expect(CHECK_WITHDRAWAL_COUNTER, "TH001", 1, 0, 0, 1, "", NULL);
	begin();
	sql("DROP INDEX items_title_no");
	sql("UPDATE items SET title_no = 7 WHERE biblio_id = %lld", (long long)bA);
	expect(CHECK_TITLE_NO_DUP, "TH001", 1, bA, bA, 0, "", NULL);
	if (pg()) {
		begin();
		sql("ALTER TABLE items DROP CONSTRAINT items_unit_id_register_accession_no_key");
		sql("UPDATE items SET accession_no = 1, accession = 'STK-000001' WHERE id = %lld", (long long)itT[0]);
		expect(CHECK_ACCESSION_DUP, "TH001", 1, 1, 1, 0, "STK", "1 số đăng ký cá biệt được cấp cho nhiều bản (1)");
		begin();
		sql("ALTER TABLE items DROP CONSTRAINT items_unit_id_barcode_key");
		sql("UPDATE items SET barcode = 'STK000001' WHERE id = %lld", (long long)itT[0]);
		expect(CHECK_BARCODE_DUP, "TH001", 1, 0, 0, 0, "STK000001", "ví dụ STK000001");
		begin();
		sql("ALTER TABLE acquisitions DROP CONSTRAINT acquisitions_unit_id_number_key");
		sql("UPDATE acquisitions SET number = %lld WHERE id = %lld", (long long)q1_no, (long long)q2);
		expect(CHECK_INTAKE_NUMBER_DUP, "TH001", 1, q1_no, q1_no, 0, "", NULL);
	}
}

static void test_copies(void)
{
	check_result_t r;
	err_t err;
	begin();
	sql("UPDATE items SET acquisition_id = NULL WHERE id = %lld", (long long)itS[1]);
	expect(CHECK_ITEM_NO_INTAKE, "TH001", 1, 2, 2, 0, "SGK", "TH001: sổ SGK: 1 bản không thuộc lần nhập nào");
	begin();
	sql("UPDATE items SET acquisition_id = (SELECT acquisition_id FROM items WHERE id = %lld) WHERE id = %lld",
	    (long long)itB[0], (long long)itS[0]);
	expect(CHECK_ITEM_NO_INTAKE, "TH001", 1, 1, 1, 0, "SGK", NULL);
	begin();
	sql("UPDATE biblios SET unit_id = %lld WHERE id = %lld", (long long)th2, (long long)bS);
	expect(CHECK_ITEM_SCHOOL, "TH001", 2, 1, 2, 0, "SGK", "(1–2)");
	begin(); /* a record's type changed: its copies keep their register and numbers (catalog edit) */
	sql("UPDATE biblios SET doc_type = 'STK' WHERE id = %lld", (long long)bS);
	CHECK_INT(check_run(db, 0, 0, A, &r, &err), 0);
	CHECK_INT(r.n, 0);
	db_rollback(db);
	begin();
	sql("UPDATE items SET register = 'XYZ' WHERE id = %lld", (long long)itT[0]);
	sql("INSERT INTO accession_counters (unit_id, register, last) VALUES (%lld, 'XYZ', 4)", (long long)th1);
	expect(CHECK_ITEM_REGISTER, "TH001", 1, 4, 4, 0, "XYZ", "TH001: sổ XYZ: 1 bản thuộc một sổ không ứng với loại tài liệu nào (4).");
}

static void test_parts(void)
{
	begin();
	sql("UPDATE acquisitions SET created_at = created_at - 90000 WHERE id = %lld", (long long)q2);
	expect(CHECK_INTAKE_EMPTY, "TH001", 1, q2_no, q2_no, 0, "", NULL);
	begin();
	sql("UPDATE items SET status = 'available', withdrawal_id = NULL WHERE id = %lld", (long long)itT[1]);
	expect(CHECK_WITHDRAWAL_ITEM, "TH001", 1, 5, 5, 1, "STK", "(số 1)");
	begin();
	sql("UPDATE withdrawals SET status = 'proposed' WHERE id = %lld", (long long)wd1);
	sql("UPDATE accession_counters SET last = 0 WHERE unit_id = %lld AND register = '#XK'", (long long)th1);
	expect(CHECK_WITHDRAWN_UNLISTED, "TH001", 1, 5, 5, 0, "STK", NULL);
	begin();
	sql("UPDATE items SET status = 'withdrawn' WHERE id = %lld", (long long)itT[0]);
	expect(CHECK_WITHDRAWN_UNLISTED, "TH001", 1, 4, 4, 0, "STK", NULL);
	begin();
	sql("DELETE FROM withdrawal_items WHERE item_id = %lld", (long long)itT[1]);
	expect(CHECK_WITHDRAWN_UNLISTED, "TH001", 1, 5, 5, 0, "STK", NULL);
	begin();
	int64_t now = clock_now();
	int64_t wd2 = sql_id("INSERT INTO withdrawals (unit_id, number, status, created_at, updated_at, approved_day) "
	                     "VALUES (%lld, 2, 'approved', %lld, %lld, '%s') RETURNING id",
	                     (long long)th1, (long long)now, (long long)now, today);
	sql("UPDATE accession_counters SET last = 2 WHERE unit_id = %lld AND register = '#XK'", (long long)th1);
	sql("INSERT INTO withdrawal_items (withdrawal_id, item_id, reason) VALUES (%lld, %lld, 'MAT')", (long long)wd2,
	    (long long)itT[1]);
	expect(CHECK_WITHDRAWN_TWICE, "TH001", 1, 5, 5, 0, "STK", NULL);
	/* Part III: the chain (line 2's on hand; line 1's value), then the flow: line 1's in written
	 * 9 (its on hand and line 2's kept on the chain), and line 2's session counting withdrawal 1. */
	begin();
	sql("UPDATE stock_balances SET on_hand_copies = 4 WHERE id = %lld", (long long)bal2);
	expect(CHECK_BALANCE_CHAIN, "TH001", 1, 4, 8, 0, "2025-11-01", "dòng ngày 01/11/2025: hiện còn ghi 4, tính được 8");
	begin();
	sql("UPDATE stock_balances SET on_hand_value = 1 WHERE id = %lld", (long long)bal1);
	sql("UPDATE stock_balances SET on_hand_value = 1 WHERE id = %lld", (long long)bal2);
	expect(CHECK_BALANCE_CHAIN, "TH001", 1, 1, 160000, 0, "2025-10-01", NULL);
	begin();
	sql("UPDATE stock_balances SET in_copies = 9, on_hand_copies = 9 WHERE id = %lld", (long long)bal1);
	sql("UPDATE stock_balances SET on_hand_copies = 9 WHERE id = %lld", (long long)bal2);
	expect(CHECK_BALANCE_FLOW, "TH001", 1, 9, 8, 0, "2025-10-01", "nhập ghi 9 bản, đúng là 8 bản");
	begin();
	sql("UPDATE stocktakes SET last_withdrawal_no = 1 WHERE id = %lld", (long long)st_all2);
	expect(CHECK_BALANCE_FLOW, "TH001", 1, 0, 0, 1, "2025-11-01", NULL);
}

static void test_stocktakes(void)
{
	begin();
	sql("UPDATE stocktakes SET status = 'open' WHERE id = %lld", (long long)st_sgk);
	expect(CHECK_MARK_SESSION, "TH001", 2, st_sgk, st_sgk, 0, "", NULL);
	begin();
	sql("UPDATE stocktake_marks SET school_year = '2022-2023' WHERE stocktake_id = %lld AND item_id = %lld",
	    (long long)st_class, (long long)itA[0]);
	expect(CHECK_MARK_SESSION, "TH001", 1, st_class, st_class, 0, "", NULL);
	begin();
	sql("UPDATE stocktakes SET unit_id = %lld WHERE id = %lld", (long long)th2, (long long)st_sgk);
	expect(CHECK_MARK_SESSION, "TH001", 2, st_sgk, st_sgk, 0, "", NULL);
	begin();
	sql("UPDATE stocktakes SET scope = 'register:TN' WHERE id = %lld", (long long)st_sgk);
	expect(CHECK_MARK_SCOPE, "TH001", 2, st_sgk, st_sgk, 0, "", "2 dấu kiểm kê trên bản ngoài phạm vi");
	begin();
	sql("UPDATE stocktakes SET scope = 'class:900-999' WHERE id = %lld", (long long)st_class);
	expect(CHECK_MARK_SCOPE, "TH001", 3, st_class, st_class, 0, "", NULL);
	begin();
	sql("UPDATE stocktakes SET scope = 'class:896-899' WHERE id = %lld", (long long)st_class);
	expect(CHECK_MARK_SCOPE, "TH001", 3, st_class, st_class, 0, "", NULL);
	begin(); /* 895.9 is within 800-895: the upper bound holds its subdivisions */
	sql("UPDATE stocktakes SET scope = 'class:800-895' WHERE id = %lld", (long long)st_class);
	sql("UPDATE stocktakes SET scope = 'location:Kho 2' WHERE id = %lld", (long long)st_sgk);
	expect(CHECK_MARK_SCOPE, "TH001", 2, st_sgk, st_sgk, 0, "", NULL);
	begin();
	sql("UPDATE stocktake_scans SET item_id = %lld WHERE stocktake_id = %lld", (long long)itB[0],
	    (long long)st_all2);
	expect(CHECK_SCAN_SCHOOL, "TH001", 1, st_all2, st_all2, 0, "", NULL);
}

static void test_periodicals(void)
{
	begin();
	sql("UPDATE serial_issues SET unit_id = %lld WHERE id = %lld", (long long)th2, (long long)iss_plain);
	expect(CHECK_ISSUE_SCHOOL, "TH002", 1, iss_plain, iss_plain, 0, "", NULL);
	begin();
	sql("UPDATE periodicals SET unit_id = %lld WHERE id = %lld", (long long)th2, (long long)per);
	expect(CHECK_ISSUE_SCHOOL, "TH001", 1, sub, sub, 0, "", NULL);
	begin();
	sql("UPDATE serial_issues SET bound_item_id = %lld WHERE id = %lld", (long long)itA[0], (long long)iss_bound);
	expect(CHECK_BOUND_ITEM, "TH001", 1, itA[0], itA[0], 0, "", NULL);
	begin();
	sql("UPDATE periodicals SET biblio_id = NULL WHERE id = %lld", (long long)per);
	expect(CHECK_BOUND_ITEM, "TH001", 1, itP, itP, 0, "", NULL);
}

/* After every break was rolled back, the city checks clean again; and several broken rules in
 * two schools come back sorted by rule, then school. */
static void test_many(void)
{
	check_result_t r;
	err_t err;
	CHECK_INT(check_run(db, 0, 0, A, &r, &err), 0);
	CHECK_INT(r.n, 0);
	begin();
	sql("UPDATE items SET acquisition_id = NULL WHERE id IN (%lld, %lld, %lld)", (long long)itB[0],
	    (long long)itB[1], (long long)itA[2]);
	sql("UPDATE accession_counters SET last = 0 WHERE unit_id = %lld AND register = '#XK'", (long long)th1);
	CHECK_INT(check_run(db, 0, 0, A, &r, &err), 0);
	db_rollback(db);
	CHECK_INT(r.n, 3); /* withdrawal-counter, then item-no-intake TH001 and TH002 (part III does not
	                      rest on intake lines: the copies' ids) */
	if (r.n == 3) {
		CHECK_INT(r.v[0].rule, CHECK_WITHDRAWAL_COUNTER);
		CHECK_INT(r.v[1].rule, CHECK_ITEM_NO_INTAKE);
		CHECK_STR(r.v[1].school, "TH001");
		CHECK_INT(r.v[2].rule, CHECK_ITEM_NO_INTAKE);
		CHECK_STR(r.v[2].school, "TH002");
		CHECK_INT(r.v[2].count, 2);
		CHECK_STR(check_violation_text(&r.v[2], "en", A),
		          "TH002: register SGK: 2 copy(ies) on no intake line of the school (1–2).");
	} else {
		dump(&r);
	}
}

int main(void)
{
	db = testdb_open();
	A = arena_new(8192);
	RUN(test_setup);
	RUN(test_clean);
	RUN(test_balance);
	RUN(test_numbers);
	RUN(test_copies);
	RUN(test_parts);
	RUN(test_stocktakes);
	RUN(test_periodicals);
	RUN(test_many);
	arena_free(A);
	testdb_close(db);
	return check_summary("check");
}
