/* test_stocktake.c: stocktakes (src/stocktake/) on the database under test: scopes (parsing,
 * overlap, membership), scan results and their deduplication, live counts, closing (the year's
 * marks; a partial session never marks outside its scope; a later session overwrites the marks
 * of its scope), the arithmetic of part III across two whole-library lines (intake, approved
 * withdrawals, a copy withdrawn by hand reported as a difference), the reviewed step to lost,
 * uploads with junk lines, and the tenant scope of each. */
#include "check.h"
#include "testdb.h"

#include "base/clock.h"
#include "stocktake/stocktake.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, leader1, reader1;
static int64_t th1, th2;
static const char *PW = "mat-khau-dai-du";

static void test_scopes(void)
{
	err_t err;
	stocktake_scope_t a, b;
	CHECK_INT(stocktake_scope_parse(A, NULL, &a, &err), 0);
	CHECK_INT(a.kind, STOCKTAKE_ALL);
	CHECK_INT(stocktake_scope_parse(A, " register:stk ", &a, &err), 0);
	CHECK_STR(a.text, "register:STK");
	CHECK_INT(stocktake_scope_parse(A, "location: Kho Một ", &a, &err), 0);
	CHECK_STR(a.text, "location:Kho Một");
	CHECK(stocktake_scope_has(A, &a, "STK", "kho một", ""));
	CHECK(!stocktake_scope_has(A, &a, "STK", "Kho 2", ""));
	CHECK_INT(stocktake_scope_parse(A, "class:500-599", &a, &err), 0);
	CHECK(stocktake_scope_has(A, &a, "X", "", "500"));
	CHECK(stocktake_scope_has(A, &a, "X", "", "599.9"));
	CHECK(stocktake_scope_has(A, &a, "X", "", "510.7"));
	CHECK(!stocktake_scope_has(A, &a, "X", "", "600"));
	CHECK(!stocktake_scope_has(A, &a, "X", "", "499"));
	CHECK(!stocktake_scope_has(A, &a, "X", "", ""));
	CHECK_INT(stocktake_scope_parse(A, "class:600-699", &b, &err), 0);
	CHECK(!stocktake_scope_overlap(&a, &b));
	CHECK_INT(stocktake_scope_parse(A, "class:599-650", &b, &err), 0);
	CHECK(stocktake_scope_overlap(&a, &b));
	CHECK_INT(stocktake_scope_parse(A, "class:5-50", &b, &err), 0);
	CHECK(stocktake_scope_overlap(&a, &b)); /* "500" starts with "50" */
	CHECK_INT(stocktake_scope_parse(A, "register:TN", &b, &err), 0);
	CHECK(stocktake_scope_overlap(&a, &b)); /* different kinds may share copies */
	stocktake_scope_t c;
	CHECK_INT(stocktake_scope_parse(A, "register:STK", &c, &err), 0);
	CHECK(!stocktake_scope_overlap(&b, &c));
	CHECK(stocktake_scope_overlap(&c, &c));
	static const char *const bad[] = { "register:", "register:A B", "class:600-500", "class:500",
		                           "class:-5",  "location:",    "ke:1",          "all2" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_INT(stocktake_scope_parse(A, bad[i], &a, &err), ERR_INVALID);
		CHECK_STR(err.key, "err.stocktake.scope");
	}
}

static void test_setup(void)
{
	CHECK_INT(testdb_two_schools(db, "TH001", "TH002", "th", &th1, &th2), 0);
	testdb_account_t acc[] = { { "thuthu.th001", "librarian", th1 },
		                   { "thuthu.th002", "librarian", th2 },
		                   { "bgh.th001", "leader", th1 },
		                   { "bandoc.th001", "reader", th1 } };
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = testdb_login(db, "thuthu.th001", PW);
	lib2 = testdb_login(db, "thuthu.th002", PW);
	leader1 = testdb_login(db, "bgh.th001", PW);
	reader1 = testdb_login(db, "bandoc.th001", PW);
	CHECK(lib1.account_id && lib2.account_id && leader1.account_id && reader1.account_id);
}

/* A copy of a new record: register, barcode, location, class number, price. */
static int64_t copy(int64_t unit, const char *reg, const char *barcode, const char *loc, const char *cls,
                    int64_t price)
{
	err_t err;
	int64_t b = 0, id = 0;
	static int64_t no = 0;
	no++;
	CHECK_INT(db_insert_id(
	              db, &b, &err,
	              "INSERT INTO biblios (unit_id, doc_type, title, class_number, created_at, updated_at) "
	              "VALUES (?, ?, ?, ?, 0, 0) RETURNING id",
	              "isss", unit, reg, barcode, cls),
	          0);
	CHECK_INT(
	    db_insert_id(
	        db, &id, &err,
	        "INSERT INTO items (unit_id, biblio_id, register, accession_no, accession, barcode, price, "
	        "location, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0) RETURNING id",
	        "iisissis", unit, b, reg, no, barcode, barcode, price, loc),
	    0);
	return id;
}

static int64_t C[10], OTHER;

static void test_data(void)
{
	err_t err;
	/* STK 0-4 in "Kho 1", class 510; TN 5-8 in "Kho 2", class 895; SGK 9 in Kho 1, no class. */
	for (int i = 0; i < 10; i++) {
		char bc[16];
		snprintf(bc, sizeof bc, "BC%02d", i);
		const char *reg = i < 5 ? "STK" : i < 9 ? "TN" : "SGK";
		C[i] = copy(th1, reg, bc, i < 5 || i == 9 ? "Kho 1" : "Kho 2",
		            i < 5   ? "510"
		            : i < 9 ? "895.9"
		                    : "",
		            1000 * (i + 1));
	}
	OTHER = copy(th2, "STK", "KHAC01", "Kho 1", "510", 5000);
	/* C[4] is on loan; C[8] lost already; a barcode stored in lower case. */
	int64_t p = 0;
	CHECK_INT(
	    db_insert_id(
	        db, &p, &err,
	        "INSERT INTO patrons (unit_id, code, full_name, name_fold, kind, created_at, updated_at) "
	        "VALUES (?, 'HS1', 'An', 'an', 'student', 0, 0) RETURNING id",
	        "i", th1),
	    0);
	CHECK_INT(
	    db_exec(
	        db, &err,
	        "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, patron_kind, doc_type, out_at, "
	        "out_day, due) SELECT unit_id, id, biblio_id, ?, 'student', 'STK', 0, '2026-01-01', "
	        "'2026-01-10' FROM items WHERE id = ?",
	        "ii", p, C[4]),
	    1);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET status = 'on_loan' WHERE id = ?", "i", C[4]), 1);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET status = 'lost' WHERE id = ?", "i", C[8]), 1);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET barcode = 'bc07x' WHERE id = ?", "i", C[7]), 1);
}

static int64_t S_all;

static const char *scan1(int64_t sid, const char *bc, int64_t *scans)
{
	err_t err;
	stocktake_scan_t o;
	stocktake_counts_t live;
	const char *v[] = { bc };
	int rc = stocktake_scan(db, &lib1, sid, v, 1, A, &o, &live, &err);
	if (rc < 0)
		return err.key;
	if (scans)
		*scans = o.scans;
	return o.result;
}

static void test_scans_and_counts(void)
{
	err_t err;
	int64_t id = 0;
	CHECK_INT(stocktake_create(db, &reader1, "all", NULL, &id, &err), ERR_FORBIDDEN);
	CHECK_INT(stocktake_create(db, &leader1, "all", NULL, &id, &err), ERR_FORBIDDEN);
	CHECK_INT(stocktake_create(db, &lib1, "all", "cuối năm", &S_all, &err), 0);
	CHECK_INT(stocktake_create(db, &lib1, "register:STK", NULL, &id, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.stocktake.overlap");
	/* The other school may open its own. */
	int64_t s2 = 0;
	CHECK_INT(stocktake_create(db, &lib2, "all", NULL, &s2, &err), 0);
	stocktake_t s;
	CHECK_INT(stocktake_get(db, &lib1, S_all, A, &s, &err), 0);
	CHECK_INT(s.c.expected, 9); /* ten but the lost one */
	CHECK_INT(s.c.on_loan, 1);
	CHECK_INT(s.c.missing, 8);
	int64_t n = 0;
	CHECK_STR(scan1(S_all, "bc00", &n), "found");
	CHECK_INT(n, 1);
	CHECK_STR(scan1(S_all, " BC00\r", &n), "found");
	CHECK_INT(n, 2);
	CHECK_STR(scan1(S_all, "BC04", NULL), "on_loan");
	CHECK_STR(scan1(S_all, "BC07X", NULL), "found"); /* stored lower case */
	CHECK_STR(scan1(S_all, "BC08", NULL), "found");  /* lost, and found */
	CHECK_STR(scan1(S_all, "KHAC01", NULL), "unknown");
	CHECK_STR(scan1(S_all, "NOWHERE", NULL), "unknown");
	CHECK_STR(scan1(S_all, "có dấu", NULL), "err.stocktake.barcode");
	/* Another school's session: not found; the leader: forbidden. */
	stocktake_scan_t o;
	stocktake_counts_t live;
	const char *v[] = { "BC01" };
	CHECK_INT(stocktake_scan(db, &lib2, S_all, v, 1, A, &o, &live, &err), ERR_NOTFOUND);
	CHECK_INT(stocktake_scan(db, &leader1, S_all, v, 1, A, &o, &live, &err), ERR_FORBIDDEN);
	CHECK_INT(stocktake_get(db, &lib2, S_all, A, &s, &err), ERR_NOTFOUND);
	CHECK_INT(stocktake_get(db, &reader1, S_all, A, &s, &err), ERR_FORBIDDEN);
	CHECK_INT(stocktake_get(db, &leader1, S_all, A, &s, &err), 0);
	CHECK_INT(s.c.expected, 9);
	CHECK_INT(s.c.found, 3); /* BC00, BC07X, and the lost BC08 */
	CHECK_INT(s.c.on_loan, 1);
	CHECK_INT(s.c.missing, 6);
	CHECK_INT(s.c.unknown, 2);
	CHECK_INT(s.c.seen, 6);
	CHECK_INT(s.nregs, 3);
	if (s.nregs == 3) {
		CHECK_STR(s.regs[1].reg, "STK");
		CHECK_INT(s.regs[1].expected, 5);
		CHECK_INT(s.regs[1].present, 2);
		CHECK_INT(s.regs[1].missing, 3);
	}
	/* A batch with junk and repeats: one transaction, the live tallies. */
	const char *batch[] = { "BC01", "", "bc01", "BC02", "BC09" };
	stocktake_scan_t out[5];
	CHECK_INT(stocktake_scan(db, &lib1, S_all, batch, 5, A, out, &live, &err), 0);
	CHECK_STR(out[1].result, "invalid");
	CHECK_INT(out[2].scans, 2);
	CHECK_INT(live.found, 6);
	CHECK_INT(live.on_loan, 1);
	CHECK_INT(live.unknown, 2);
	CHECK_INT(live.seen, 9);
	/* Upload: header, BOM, CRLF, blanks, a CSV field, junk. */
	const char *file =
	    "\xEF\xBB\xBFMã vạch;ghi chú\r\nBC03;x\r\n\r\n\"BC05\",y\r\nBC03\r\nkhông hợp lệ\nBC06";
	stocktake_upload_t u;
	CHECK_INT(stocktake_upload(db, &lib1, S_all, file, strlen(file), A, &u, &err), 0);
	CHECK_INT(u.lines, 6);
	CHECK_INT(u.scanned, 4);
	CHECK_INT(u.nbad, 2);
	CHECK_INT(u.bad_line[0], 1);
	CHECK_INT(u.bad_line[1], 6);
	CHECK_INT(u.repeats, 1);
	CHECK_INT(u.found, 4);
	CHECK_INT(stocktake_upload(db, &lib2, S_all, file, strlen(file), A, &u, &err), ERR_NOTFOUND);
	CHECK_INT(stocktake_cancel(db, &lib2, s2, &err), 0);
}

static int count(const char *sql, int64_t a)
{
	int64_t v = -1;
	err_t err;
	CHECK_INT(db_query_int(db, &v, &err, sql, "i", a), 0);
	return (int)v;
}

static void test_close_and_marks(void)
{
	err_t err;
	int64_t diff = 99;
	stocktake_t s;
	CHECK_INT(stocktake_close(db, &lib2, S_all, NULL, NULL, &diff, &err), ERR_NOTFOUND);
	CHECK_INT(stocktake_close(db, &leader1, S_all, NULL, NULL, &diff, &err), ERR_FORBIDDEN);
	CHECK_INT(stocktake_close(db, &lib1, S_all, "Cô Lan", NULL, &diff, &err), 0);
	CHECK_INT(diff, 0);
	CHECK_INT(stocktake_get(db, &lib1, S_all, A, &s, &err), 0);
	CHECK_STR(s.status, "closed");
	/* missing: none of BC00-07 and BC09 but ... all of them were scanned except none: check. */
	CHECK_INT(s.c.expected, 9);
	CHECK_INT(s.c.missing, 0);
	CHECK_INT(s.c.found, 9); /* eight on the shelf and the lost BC08 */
	CHECK_INT(s.c.on_loan, 1);
	CHECK_INT(count("SELECT COUNT(*) FROM stocktake_marks WHERE stocktake_id = ?", S_all), 9);
	CHECK_INT(count("SELECT COUNT(*) FROM stocktake_marks WHERE stocktake_id = ? AND mark = 'M'", S_all),
	          0);
	CHECK_INT(count("SELECT COUNT(*) FROM stock_balances WHERE stocktake_id = ?", S_all), 1);
	CHECK_INT(count("SELECT on_hand_copies FROM stock_balances WHERE stocktake_id = ?", S_all), 10);
	CHECK_INT(count("SELECT in_copies FROM stock_balances WHERE stocktake_id = ?", S_all), 10);
	CHECK_STR(scan1(S_all, "BC01", NULL), "err.stocktake.closed");
	CHECK_INT(stocktake_cancel(db, &lib1, S_all, &err), ERR_CONFLICT);

	/* A partial session of Kho 2: marks only its copies, M for the unscanned ones. */
	int64_t sp = 0;
	CHECK_INT(stocktake_create(db, &lib1, "location:kho 2", NULL, &sp, &err), 0);
	CHECK_STR(scan1(sp, "BC05", NULL), "found");
	CHECK_STR(scan1(sp, "BC00", NULL), "misplaced");
	CHECK_INT(stocktake_close(db, &lib1, sp, NULL, NULL, &diff, &err), 0);
	CHECK_INT(stocktake_get(db, &lib1, sp, A, &s, &err), 0);
	CHECK_INT(s.c.expected, 3); /* BC05-07 (BC08 is lost) */
	CHECK_INT(s.c.found, 1);
	CHECK_INT(s.c.missing, 2);
	CHECK_INT(s.c.misplaced, 1);
	CHECK_INT(count("SELECT COUNT(*) FROM stocktake_marks WHERE stocktake_id = ?", sp), 3);
	CHECK_INT(count("SELECT COUNT(*) FROM stocktake_marks WHERE stocktake_id = ?", S_all), 6);
	CHECK_INT(count("SELECT COUNT(*) FROM stock_balances WHERE stocktake_id = ?", sp), 0);
	stocktake_item_t *v;
	size_t n;
	CHECK_INT(stocktake_items(db, &leader1, sp, "missing", A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(v[0].barcode, "BC06");
		CHECK_STR(v[1].barcode, "bc07x");
	}
	CHECK_INT(stocktake_items(db, &leader1, sp, "misplaced", A, &v, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK_INT(stocktake_items(db, &leader1, sp, "nonsense", A, &v, &n, &err), ERR_INVALID);

	/* The reviewed step. */
	int64_t ids[2] = { C[6], C[0] };
	CHECK_INT(stocktake_lose(db, &lib1, sp, ids, 2, &err), ERR_CONFLICT); /* C[0] was not missing */
	CHECK_INT(count("SELECT COUNT(*) FROM items WHERE status = 'lost' AND id = ?", C[6]), 0);
	CHECK_INT(stocktake_lose(db, &lib2, sp, ids, 1, &err), ERR_NOTFOUND);
	CHECK_INT(stocktake_lose(db, &lib1, S_all, ids, 1, &err), ERR_CONFLICT); /* not missing in that one */
	CHECK_INT(stocktake_lose(db, &lib1, sp, ids, 1, &err), 0);
	CHECK_INT(count("SELECT COUNT(*) FROM items WHERE status = 'lost' AND id = ?", C[6]), 1);
	CHECK_INT(stocktake_lose(db, &lib1, sp, ids, 1, &err), ERR_CONFLICT); /* already lost */
}

static void test_part_three_arithmetic(void)
{
	err_t err;
	/* After the first line: a new copy, an approved withdrawal of two copies. */
	int64_t nc = copy(th1, "STK", "BC10", "Kho 1", "510", 7000), w = 0;
	CHECK_INT(
	    db_insert_id(
	        db, &w, &err,
	        "INSERT INTO withdrawals (unit_id, number, status, created_at, updated_at, approved_at) "
	        "VALUES (?, 1, 'approved', 0, 0, 1) RETURNING id",
	        "i", th1),
	    0);
	CHECK_INT(db_exec(db, &err,
	                  "UPDATE items SET status = 'withdrawn', withdrawal_id = ? WHERE id IN (?, ?)",
	                  "iii", w, C[1], C[2]),
	          2);
	CHECK_INT(db_exec(db, &err,
	                  "INSERT INTO withdrawal_items (withdrawal_id, item_id, reason) VALUES (?, ?, 'RACH'), "
	                  "(?, ?, 'RACH')",
	                  "iiii", w, C[1], w, C[2]),
	          2);
	/* A copy without its own price is worth its record's (as parts I and II count it). */
	CHECK_INT(
	    db_exec(db, &err,
	            "UPDATE biblios SET price = 4000 WHERE id = (SELECT biblio_id FROM items WHERE id = ?)",
	            "i", C[3]),
	    1);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET price = 0 WHERE id = ?", "i", C[3]), 1);
	int64_t sid = 0, diff = 9;
	CHECK_INT(stocktake_create(db, &lib1, "all", NULL, &sid, &err), 0);
	CHECK_INT(stocktake_close(db, &lib1, sid, NULL, NULL, &diff, &err), 0);
	CHECK_INT(diff, 0);
	CHECK_INT(count("SELECT in_copies FROM stock_balances WHERE stocktake_id = ?", sid), 1);
	CHECK_INT(count("SELECT in_value FROM stock_balances WHERE stocktake_id = ?", sid), 7000);
	CHECK_INT(count("SELECT out_copies FROM stock_balances WHERE stocktake_id = ?", sid), 2);
	CHECK_INT(count("SELECT out_value FROM stock_balances WHERE stocktake_id = ?", sid), 2000 + 3000);
	CHECK_INT(count("SELECT on_hand_copies FROM stock_balances WHERE stocktake_id = ?", sid), 10 + 1 - 2);
	CHECK_INT(count("SELECT on_hand_value FROM stock_balances WHERE stocktake_id = ?", sid),
	          55000 - 5000 + 7000);
	/* The new session's marks: every expected copy missing (nothing scanned), the year's marks
	 * of the whole library overwritten. */
	CHECK_INT(count("SELECT COUNT(*) FROM stocktake_marks WHERE stocktake_id = ? AND mark = 'M'", sid),
	          6);
	CHECK_INT(count("SELECT COUNT(*) FROM stocktake_marks WHERE stocktake_id = ? AND mark = 'C'", sid),
	          1);
	/* A copy withdrawn by hand (no approved withdrawal): the next line reports the difference. */
	CHECK_INT(db_exec(db, &err, "UPDATE items SET status = 'withdrawn' WHERE id = ?", "i", nc), 1);
	CHECK_INT(stocktake_create(db, &lib1, "all", NULL, &sid, &err), 0);
	CHECK_INT(stocktake_close(db, &lib1, sid, NULL, NULL, &diff, &err), 0);
	CHECK_INT(diff, 1);
	/* The line is the chain (check.h); the difference is audited with the close. */
	CHECK_INT(count("SELECT on_hand_copies FROM stock_balances WHERE stocktake_id = ?", sid), 9);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action = 'stocktake.close' AND entity_id = ? "
	                "AND detail LIKE '%part III difference 1 copies%'",
	                sid),
	          1);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 16);
	RUN(test_scopes);
	RUN(test_setup);
	RUN(test_data);
	RUN(test_scans_and_counts);
	RUN(test_close_and_marks);
	RUN(test_part_three_arithmetic);
	arena_free(A);
	testdb_close(db);
	return check_summary("stocktake");
}
