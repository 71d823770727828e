/* test_serials.c: periodicals (src/serials): the ISSN and its EAN-13, the issues each frequency
 * expects, titles and subscriptions, receipt and its undoing, scans, claims, bound volumes
 * becoming catalogue copies, the standard's counts and the tenant scope, on the backend
 * $THUVIEN_TEST_DB names. */
#include "check.h"
#include "testdb.h"

#include "base/clock.h"
#include "catalog/catalog.h"
#include "serials/serials.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, office, leader;
static const char *PW = "mat-khau-dai-du";
static int64_t th1;

static int64_t day(const char *iso)
{
	int64_t d = 0;
	clock_day_parse(iso, &d);
	return d;
}

static void test_issn(void)
{
	char out[10];
	err_t err;
	CHECK_INT(serials_issn_normalize("0317-8471", out, &err), 0);
	CHECK_STR(out, "0317-8471");
	CHECK_INT(serials_issn_normalize("ISSN 03178471", out, &err), 0);
	CHECK_STR(out, "0317-8471");
	CHECK_INT(serials_issn_normalize("0000-006x", out, &err), 0);
	CHECK_STR(out, "0000-006X");
	CHECK_INT(serials_issn_normalize("", out, &err), 0);
	CHECK_STR(out, "");
	CHECK_INT(serials_issn_normalize("  ", out, &err), 0);
	CHECK_STR(out, "");
	CHECK_INT(serials_issn_normalize(NULL, out, &err), 0);
	CHECK_INT(serials_issn_normalize("0317-8472", out, &err), ERR_INVALID); /* check digit */
	CHECK_STR(err.key, "err.serials.issn");
	CHECK_INT(serials_issn_normalize("0317-847", out, &err), ERR_INVALID);   /* 7 characters */
	CHECK_INT(serials_issn_normalize("0317-84711", out, &err), ERR_INVALID); /* 9 */
	CHECK_INT(serials_issn_normalize("X317-8471", out, &err), ERR_INVALID);  /* X not last */
	CHECK_INT(serials_issn_normalize("abcd-efgh", out, &err), ERR_INVALID);
	CHECK_INT(serials_issn_normalize("1046-1248", out, &err), 0);

	CHECK_INT(serials_ean_to_issn("9770317847001", out), 0);
	CHECK_STR(out, "0317-8471");
	CHECK_INT(serials_ean_to_issn("9771046124005", out), 0); /* variant 00, ISSN check recomputed */
	CHECK_STR(out, "1046-1248");
	CHECK_INT(serials_ean_to_issn("9770317847002", out), -1); /* EAN check digit */
	CHECK_INT(serials_ean_to_issn("9780306406157", out), -1); /* a book's 978 */
	CHECK_INT(serials_ean_to_issn("977031784700", out), -1);  /* 12 digits */
	CHECK_INT(serials_ean_to_issn(NULL, out), -1);

	int64_t d;
	CHECK_INT(serials_parse_day("05/09/2025", &d), 0);
	CHECK_INT(d, day("2025-09-05"));
	CHECK_INT(serials_parse_day("5/9/2025", &d), 0);
	CHECK_INT(d, day("2025-09-05"));
	CHECK_INT(serials_parse_day("2025-09-05", &d), 0);
	CHECK_INT(serials_parse_day("31/02/2025", &d), -1);
	CHECK_INT(serials_parse_day("05/09/2025x", &d), -1);
	CHECK_INT(serials_parse_day("", &d), -1);
}

static void test_frequencies(void)
{
	int64_t v[400];
	/* 1 Sep 2025 is a Monday; to 30 Sep: 30 days, 4 Sundays. */
	int64_t f = day("2025-09-01"), l = day("2025-09-30");
	CHECK_INT(serials_expected_days("daily", f, l, false, v, 400), 26);
	CHECK_INT(v[5], day("2025-09-06"));
	CHECK_INT(v[6], day("2025-09-08")); /* Sunday 7 skipped */
	CHECK_INT(serials_expected_days("daily", f, l, true, v, 400), 30);
	CHECK_INT(serials_expected_days("weekly", day("2025-09-03"), l, false, v, 400), 4);
	CHECK_INT(v[3], day("2025-09-24"));
	CHECK_INT(serials_expected_days("biweekly", f, day("2026-05-31"), false, v, 400), 20);
	CHECK_INT(v[1], day("2025-09-15"));
	/* Monthly on the 31st: the last day of shorter months. */
	size_t n = serials_expected_days("monthly", day("2025-08-31"), day("2026-05-31"), false, v, 400);
	CHECK_INT(n, 10);
	CHECK_INT(v[1], day("2025-09-30"));
	CHECK_INT(v[6], day("2026-02-28"));
	CHECK_INT(v[7], day("2026-03-31"));
	CHECK_INT(serials_expected_days("monthly", f, day("2026-05-31"), false, v, 400), 9);
	CHECK_INT(serials_expected_days("bimonthly", f, day("2026-05-31"), false, v, 400), 5);
	CHECK_INT(v[4], day("2026-05-01"));
	CHECK_INT(serials_expected_days("quarterly", day("2025-01-15"), day("2025-12-31"), false, v, 400), 4);
	CHECK_INT(v[3], day("2025-10-15"));
	CHECK_INT(serials_expected_days("irregular", f, l, false, v, 400), 0);
	CHECK_INT(serials_expected_days("daily", l, f, false, v, 400), 0);
	CHECK_INT(serials_expected_days("daily", f, l, false, v, 3), 26); /* counts past max */
	CHECK(serials_frequency_valid("quarterly"));
	CHECK(!serials_frequency_valid("yearly"));
	CHECK(!serials_frequency_valid(NULL));
}

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0, pgd = 0, th2 = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd, .code = "PGD01", .name = "Phòng 1", .kind = "office" };
	CHECK_INT(units_create(db, NULL, &u1, &pgd, &err), 0);
	unit_new_t u2 = {
		.parent_id = pgd, .code = "TH001", .name = "Trường 1", .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u2, &th1, &err), 0);
	unit_new_t u3 = {
		.parent_id = sgd, .code = "TH002", .name = "Trường 2", .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u3, &th2, &err), 0);
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 },
		{ "thuthu.th002", "librarian", th2 },
		{ "phong1.cv", "inspector", pgd },
		{ "bgh.th001", "leader", th1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = testdb_login(db, "thuthu.th001", PW);
	lib2 = testdb_login(db, "thuthu.th002", PW);
	office = testdb_login(db, "phong1.cv", PW);
	leader = testdb_login(db, "bgh.th001", PW);
	CHECK(lib1.account_id && lib2.account_id && office.account_id && leader.account_id);
}

static int64_t count(const char *sql, int64_t id)
{
	int64_t n = -1;
	err_t err;
	if (db_query_int(db, &n, &err, sql, "i", id) < 0)
		return -1;
	return n;
}

/* The school year holding today, with the days around today the tests lean on. */
static char year[16], today[16];
static int64_t tday;
static int64_t daily_id, weekly_id, irr_id;

static void test_create(void)
{
	err_t err;
	tday = clock_today_vn();
	clock_day_format(tday, today, sizeof today);
	int y, m, d;
	clock_civil_from_days(tday, &y, &m, &d);
	snprintf(year, sizeof year, "%d-%d", m < 8 ? y - 1 : y, m < 8 ? y : y + 1);
	char start[16], end[16];
	clock_day_format(tday - 20, start, sizeof start);
	clock_day_format(tday + 20, end, sizeof end);

	serials_title_in_t t = { .title = "Báo Thiếu niên Tiền phong",
		                 .issn = "0317-8471",
		                 .frequency = "daily",
		                 .publisher = "Trung ương Đoàn" };
	serials_sub_in_t s = { .school_year = year,
		               .start = start,
		               .end = end,
		               .copies = 2,
		               .sundays = true,
		               .supplier = "Bưu điện Quận 1",
		               .price = 1200000 };
	CHECK_INT(serials_create(db, &lib1, &t, &s, &daily_id, &err), 0);
	CHECK_INT(
	    count("SELECT COUNT(*) FROM serial_issues i JOIN subscriptions s ON s.id = i.subscription_id "
	          "WHERE s.periodical_id = ?",
	          daily_id),
	    41);
	/* Same folded title, or the same ISSN: refused. */
	serials_title_in_t dup = { .title = "bao thieu nien tien phong", .frequency = "weekly" };
	CHECK_INT(serials_create(db, &lib1, &dup, NULL, NULL, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.serials.duplicate");
	serials_title_in_t dup2 = { .title = "Khác", .issn = "03178471", .frequency = "weekly" };
	CHECK_INT(serials_create(db, &lib1, &dup2, NULL, NULL, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.serials.issn_taken");
	/* Another school may take the same title. */
	int64_t other = 0;
	CHECK_INT(serials_create(db, &lib2, &t, &s, &other, &err), 0);

	/* Bad input, nothing written. */
	int64_t before = count("SELECT COUNT(*) FROM periodicals WHERE id > ?", 0);
	serials_title_in_t bad = { .title = "Tạp chí Toán tuổi thơ",
		                   .issn = "0317-8472",
		                   .frequency = "monthly",
		                   .kind = "magazine" };
	CHECK_INT(serials_create(db, &lib1, &bad, &s, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.issn");
	bad.issn = "";
	bad.frequency = "yearly";
	CHECK_INT(serials_create(db, &lib1, &bad, &s, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.frequency");
	bad.frequency = "monthly";
	serials_sub_in_t bs = s;
	bs.start = end;
	bs.end = start;
	CHECK_INT(serials_create(db, &lib1, &bad, &bs, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.range");
	bs = s;
	bs.copies = 1000000000;
	CHECK_INT(serials_create(db, &lib1, &bad, &bs, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.copies");
	bs.copies = 0;
	CHECK_INT(serials_create(db, &lib1, &bad, &bs, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.copies");
	bs = s;
	bs.school_year = "2025-2027";
	CHECK_INT(serials_create(db, &lib1, &bad, &bs, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.year");
	bs = s;
	bs.start = "31/02/2026";
	CHECK_INT(serials_create(db, &lib1, &bad, &bs, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.day");
	bs = s;
	bs.funding = "gift";
	CHECK_INT(serials_create(db, &lib1, &bad, &bs, NULL, &err), ERR_INVALID);
	bad.title = "   ";
	CHECK_INT(serials_create(db, &lib1, &bad, &s, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.title");
	CHECK_INT(serials_create(db, &leader, &t, &s, NULL, &err), ERR_FORBIDDEN);
	CHECK_INT(serials_create(db, &office, &t, &s, NULL, &err), ERR_FORBIDDEN);
	CHECK_INT(count("SELECT COUNT(*) FROM periodicals WHERE id > ?", 0), before);

	/* A weekly magazine with the default school-year days; a second subscription for next year. */
	serials_title_in_t w = { .title = "Tạp chí Toán tuổi thơ",
		                 .kind = "magazine",
		                 .frequency = "weekly",
		                 .issn = "1046-1248" };
	serials_sub_in_t ws = { .school_year = "2025-2026", .copies = 1 };
	CHECK_INT(serials_create(db, &lib1, &w, &ws, &weekly_id, &err), 0);
	CHECK_INT(
	    count("SELECT COUNT(*) FROM serial_issues i JOIN subscriptions s ON s.id = i.subscription_id "
	          "WHERE s.periodical_id = ?",
	          weekly_id),
	    39); /* 1 Sep 2025 .. 31 May 2026, Mondays */
	serials_sub_in_t ws2 = { .school_year = "2026-2027", .calendar_year = true, .copies = 3 };
	int64_t sid = 0;
	CHECK_INT(serials_subscribe(db, &lib1, weekly_id, &ws2, &sid, &err), 0);
	CHECK_INT(count("SELECT COUNT(*) FROM serial_issues WHERE subscription_id = ?", sid), 53); /* 2027 */
	CHECK_INT(serials_subscribe(db, &lib1, weekly_id, &ws2, &sid, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.serials.subscribed");
	CHECK_INT(serials_subscribe(db, &lib2, weekly_id, &ws, &sid, &err), ERR_NOTFOUND);

	serials_title_in_t ir = { .title = "Tạp chí Văn học và Tuổi trẻ",
		                  .kind = "magazine",
		                  .frequency = "irregular",
		                  .issn = "0000-006X" };
	serials_sub_in_t is = {
		.school_year = year, .start = start, .end = end, .supplier = "Công ty Sách ABC", .copies = 1
	};
	CHECK_INT(serials_create(db, &lib1, &ir, &is, &irr_id, &err), 0);
}

static int64_t issue_on(int64_t pid, int64_t d)
{
	char iso[16];
	clock_day_format(d, iso, sizeof iso);
	int64_t id = 0;
	err_t err;
	if (db_query_int(db, &id, &err,
	                 "SELECT i.id FROM serial_issues i JOIN subscriptions s ON s.id = i.subscription_id "
	                 "WHERE s.periodical_id = ? AND i.expected = ?",
	                 "is", pid, iso) < 0)
		return 0;
	return id;
}

static void test_receive(void)
{
	err_t err;
	int64_t i1 = issue_on(daily_id, tday - 10), i2 = issue_on(daily_id, tday - 9);
	CHECK(i1 && i2);
	CHECK_INT(serials_receive(db, &lib1, i1, 0, NULL, NULL, NULL, &err), 0);
	CHECK_INT(count("SELECT copies FROM serial_issues WHERE id = ?", i1), 2); /* the subscription's */
	CHECK_INT(serials_receive(db, &lib1, i1, 0, NULL, NULL, NULL, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.serials.received");
	CHECK_INT(serials_receive(db, &lib1, i2, 1, NULL, "Số 45", NULL, &err), 0);
	CHECK_INT(count("SELECT copies FROM serial_issues WHERE id = ?", i2), 1);
	/* Bad copies, a day to come, another school's issue, a leader: refused. */
	int64_t i3 = issue_on(daily_id, tday - 8);
	CHECK_INT(serials_receive(db, &lib1, i3, 1000000000, NULL, NULL, NULL, &err), ERR_INVALID);
	CHECK_INT(serials_receive(db, &lib1, i3, -1, NULL, NULL, NULL, &err), ERR_INVALID);
	char tomorrow[16];
	clock_day_format(tday + 1, tomorrow, sizeof tomorrow);
	CHECK_INT(serials_receive(db, &lib1, i3, 0, tomorrow, NULL, NULL, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.future");
	CHECK_INT(serials_receive(db, &lib2, i3, 0, NULL, NULL, NULL, &err), ERR_NOTFOUND);
	CHECK_INT(serials_receive(db, &leader, i3, 0, NULL, NULL, NULL, &err), ERR_FORBIDDEN);
	CHECK_INT(count("SELECT COUNT(*) FROM serial_issues WHERE id = ? AND received_day IS NULL", i3), 1);
	/* Undo. */
	CHECK_INT(serials_unreceive(db, &lib1, i2, NULL, &err), 0);
	CHECK_INT(
	    count("SELECT COUNT(*) FROM serial_issues WHERE id = ? AND received_day IS NULL AND copies = 0",
	          i2),
	    1);
	CHECK_INT(serials_unreceive(db, &lib1, i2, NULL, &err), ERR_CONFLICT);
	CHECK_INT(serials_unreceive(db, &lib2, i1, NULL, &err), ERR_NOTFOUND);

	/* Scans: the EAN of the ISSN with a day picks the nearest unreceived issue. */
	char dd[16], vn[16];
	clock_day_format(tday - 10, dd, sizeof dd);
	clock_day_vn(dd, vn, sizeof vn);
	serials_done_t got = { 0 };
	CHECK_INT(serials_receive_scan(db, &lib1, "9770317847001", vn, NULL, 0, &got, &err), 0);
	CHECK_INT(got.issue_id,
	          issue_on(daily_id, tday - 11)); /* tday-10 is received: the nearest, earlier first */
	CHECK_INT(serials_receive_scan(db, &lib1, "0317-8471", dd, "", 0, &got, &err), 0);
	CHECK_INT(got.issue_id, issue_on(daily_id, tday - 9));
	CHECK_INT(serials_receive_scan(db, &lib1, "9770317847002", dd, "", 0, &got, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.ean");
	CHECK_INT(serials_receive_scan(db, &lib1, "9770378595002", dd, "", 0, &got, &err), ERR_NOTFOUND);
	CHECK_STR(err.key, "err.serials.scan");
	CHECK_INT(serials_receive_scan(db, &lib2, "9770317847001", "01/01/2000", "", 0, &got, &err),
	          ERR_NOTFOUND);
	/* An irregular title: a new issue, then that day's again is a conflict. */
	CHECK_INT(serials_receive_scan(db, &lib1, "0000006X", dd, "Số 3/2026", 0, &got, &err), 0);
	CHECK_INT(got.issue_id, issue_on(irr_id, tday - 10));
	CHECK_INT(serials_receive_scan(db, &lib1, "0000006X", dd, "", 0, &got, &err), ERR_CONFLICT);
	/* By label. */
	CHECK_INT(
	    count("SELECT COUNT(*) FROM serial_issues WHERE label = 'Số 3/2026' AND id = ?", got.issue_id),
	    1);
	CHECK_INT(got.title_id, irr_id);
	CHECK_STR(got.school_year, year);

	serials_title_t t;
	CHECK_INT(serials_get(db, &lib1, daily_id, NULL, 0, A, &t, &err), 0);
	CHECK_INT(t.nissues, 41);
	CHECK_INT(t.t.received, 3);
	CHECK_INT(t.t.missing, 20 - 3);
	CHECK_INT(t.t.upcoming, 21);
	CHECK_STR(t.issues[10].state, "received");
	CHECK_STR(t.issues[0].state, "missing");
	CHECK_STR(t.issues[20].state, "upcoming");
	CHECK_INT(serials_get(db, &lib2, daily_id, NULL, 0, A, &t, &err), ERR_NOTFOUND);
	CHECK_INT(serials_get(db, &office, daily_id, NULL, 0, A, &t, &err), 0);
	CHECK_INT(serials_get(db, &leader, daily_id, NULL, 0, A, &t, &err), 0);
}

static void test_claims(void)
{
	err_t err;
	int64_t m1 = issue_on(daily_id, tday - 15), m2 = issue_on(daily_id, tday - 14),
	        up = issue_on(daily_id, tday + 2);
	CHECK_INT(serials_claim(db, &lib1, m1, NULL, "Chưa nhận được", NULL, &err), 0);
	CHECK_INT(serials_claim(db, &lib1, m2, NULL, "", NULL, &err), 0);
	CHECK_INT(serials_claim(db, &lib1, up, NULL, "", NULL, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.serials.not_missing");
	CHECK_INT(serials_claim(db, &lib1, issue_on(daily_id, tday - 10), NULL, "", NULL, &err),
	          ERR_CONFLICT);
	CHECK_INT(serials_claim(db, &lib2, m1, NULL, "", NULL, &err), ERR_NOTFOUND);
	serials_claims_t c;
	CHECK_INT(serials_claims(db, &lib1, 0, A, &c, &err), 0);
	CHECK_INT(c.n, 2);
	CHECK_STR(c.v[0].supplier, "Bưu điện Quận 1");
	CHECK_STR(c.v[0].note, "Chưa nhận được");
	CHECK_INT(serials_claims(db, &office, th1, A, &c, &err), 0);
	CHECK_INT(c.n, 2);
	CHECK_INT(serials_claims(db, &lib2, th1, A, &c, &err), ERR_NOTFOUND);
	/* Receiving a claimed issue closes its claim. */
	CHECK_INT(serials_receive(db, &lib1, m2, 0, NULL, NULL, NULL, &err), 0);
	CHECK_INT(serials_claims(db, &lib1, 0, A, &c, &err), 0);
	CHECK_INT(c.n, 1);
	buf_t x = BUF_INIT;
	CHECK_INT(serials_claims_xlsx(&c, "vi", &x, &err), 0);
	CHECK(x.len > 1000 && memcmp(x.data, "PK", 2) == 0);
	buf_release(&x);
}

static void test_bind(void)
{
	err_t err;
	char f[16], t[16];
	clock_day_format(tday - 20, f, sizeof f);
	clock_day_format(tday - 5, t, sizeof t);
	int64_t item = 0;
	int64_t received =
	    count("SELECT COUNT(*) FROM serial_issues i JOIN subscriptions s ON s.id = i.subscription_id "
	          "WHERE s.periodical_id = ? AND i.received_day IS NOT NULL",
	          daily_id);
	CHECK_INT(received, 4);
	CHECK_INT(serials_bind(db, &lib2, daily_id, f, t, 0, &item, &err), ERR_NOTFOUND);
	CHECK_INT(serials_bind(db, &lib1, daily_id, t, f, 0, &item, &err), ERR_INVALID);
	CHECK_INT(serials_bind(db, &lib1, daily_id, f, t, -5, &item, &err), ERR_INVALID);
	CHECK_INT(serials_bind(db, &lib1, daily_id, "01/01/2001", "31/01/2001", 0, &item, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.serials.bind_empty");
	CHECK_INT(count("SELECT COUNT(*) FROM items WHERE id > ?", 0), 0);
	CHECK_INT(serials_bind(db, &lib1, daily_id, f, t, 50000, &item, &err), 0);
	CHECK(item > 0);
	CHECK_INT(count("SELECT COUNT(*) FROM serial_issues WHERE bound_item_id = ?", item), 4);
	/* The copy: a BAO record made once, its register's first number, a batch of source other. */
	CHECK_INT(count("SELECT accession_no FROM items WHERE id = ?", item), 1);
	CHECK_INT(count("SELECT price FROM items WHERE id = ?", item), 50000);
	CHECK_INT(
	    count(
	        "SELECT COUNT(*) FROM items i JOIN acquisitions q ON q.id = i.acquisition_id WHERE i.id = ? "
	        "AND q.source = 'other'",
	        item),
	    1);
	int64_t bib = count("SELECT biblio_id FROM periodicals WHERE id = ?", daily_id);
	CHECK_INT(count("SELECT COUNT(*) FROM biblios WHERE id = ? AND doc_type = 'BAO'", bib), 1);
	CHECK_INT(count("SELECT biblio_id FROM items WHERE id = ?", item), bib);
	/* Bound once, never again; a bound issue's receipt stays. */
	CHECK_INT(serials_bind(db, &lib1, daily_id, f, t, 0, &item, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.serials.bound");
	CHECK_INT(serials_unreceive(db, &lib1, issue_on(daily_id, tday - 10), NULL, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.serials.bound");
	/* A later range: a second copy of the same record. */
	int64_t i4 = issue_on(daily_id, tday - 3);
	CHECK_INT(serials_receive(db, &lib1, i4, 0, NULL, NULL, NULL, &err), 0);
	clock_day_format(tday - 4, f, sizeof f);
	clock_day_format(tday, t, sizeof t);
	int64_t item2 = 0;
	CHECK_INT(serials_bind(db, &lib1, daily_id, f, t, 0, &item2, &err), 0);
	CHECK_INT(count("SELECT accession_no FROM items WHERE id = ?", item2), 2);
	CHECK_INT(count("SELECT title_no FROM items WHERE id = ?", item), 1); /* the copy's number in its title */
	CHECK_INT(count("SELECT title_no FROM items WHERE id = ?", item2), 2);
	CHECK_INT(count("SELECT biblio_id FROM items WHERE id = ?", item2), bib);
	serials_title_t st;
	CHECK_INT(serials_get(db, &lib1, daily_id, NULL, 0, A, &st, &err), 0);
	CHECK_INT(st.nbound, 2);
	CHECK_INT(st.bound[0].item_id, item);
	CHECK_INT(st.bound[0].issues, 4);
	CHECK_STR(st.bound[1].accession, "BAO-000002");
	CHECK_INT(count("SELECT COUNT(*) FROM biblios WHERE doc_type = 'BAO' AND id > ?", 0), 1);
}

static void test_counts(void)
{
	err_t err;
	serials_counts_t c;
	CHECK_INT(serials_counts(db, &lib1, 0, year, A, &c, &err), 0);
	/* This year: the daily (2 copies) and the irregular one (1); the weekly's years may differ. */
	int64_t weekly_this_year = strcmp(year, "2025-2026") == 0 || strcmp(year, "2026-2027") == 0;
	CHECK_INT(c.titles, 2 + weekly_this_year);
	CHECK_INT(c.newspapers, 1);
	CHECK_INT(c.copies, 3 + (strcmp(year, "2025-2026") == 0   ? 1
	                         : strcmp(year, "2026-2027") == 0 ? 3
	                                                          : 0));
	CHECK_INT(serials_counts(db, &office, th1, year, A, &c, &err), 0);
	CHECK_INT(serials_counts(db, &lib2, th1, year, A, &c, &err), ERR_NOTFOUND);
	CHECK_INT(serials_counts(db, &lib1, 0, "2025", A, &c, &err), ERR_INVALID);
	serials_list_t l;
	CHECK_INT(serials_list(db, &lib1, 0, year, NULL, 0, A, &l, &err), 0);
	CHECK_INT(l.n, 3);
	CHECK_INT(serials_list(db, &lib1, 0, year, "tien PHONG", 0, A, &l, &err), 0);
	CHECK_INT(l.n, 1);
	CHECK_STR(l.v[0].title, "Báo Thiếu niên Tiền phong");
	CHECK_INT(serials_list(db, &lib1, 0, year, "1046-12", 0, A, &l, &err), 0);
	CHECK_INT(l.n, 1);
	CHECK_INT(serials_list(db, &lib2, th1, year, NULL, 0, A, &l, &err), ERR_NOTFOUND);
	CHECK_INT(serials_list(db, &office, 0, year, NULL, 0, A, &l, &err),
	          ERR_INVALID); /* an office names a school */
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 16);
	RUN(test_issn);
	RUN(test_frequencies);
	RUN(test_setup);
	RUN(test_create);
	RUN(test_receive);
	RUN(test_claims);
	RUN(test_bind);
	RUN(test_counts);
	arena_free(A);
	testdb_close(db);
	return check_summary("serials");
}
