/* test_indicators.c: the indicators (src/indicators), on the backend $THUVIEN_TEST_DB names.
 *
 * Two schools under one office and a third under another, counter rows inserted with chosen
 * numbers (the triggers that keep them are another module's), enrolment and subscriptions: every
 * indicator's value computed by hand, the office equal to the sum of its schools, ratios from
 * sums, zero denominators, holdings at the end of a past school year, scope. The live lists on a
 * small school built through the domain functions. And docs/INDICATORS.md equal to the text the
 * registry generates. "Today" is the machine's: the fixture's school year 2025-2026 is taken to
 * be past (the test refuses to run before August 2026). */
#include "check.h"
#include "testdb.h"

#include "base/buf.h"
#include "base/clock.h"
#include "catalog/catalog.h"
#include "circ/circ.h"
#include "indicators/indicators.h"
#include "patrons/patrons.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static actor_t lib1, lib3, office, office2, leader1, reader1, sys;
static int64_t sgd, pgd1, pgd2, th1, th2, th3, th4;
static const char *PW = "mat-khau-dai-du";

static actor_t login(const char *user)
{
	return testdb_login(db, user, PW);
}

static int64_t mkunit(int64_t parent, const char *code, const char *kind)
{
	err_t err;
	int64_t id = 0;
	unit_new_t u = { .parent_id = parent,
		         .code = code,
		         .name = code,
		         .kind = kind,
		         .school_level = strcmp(kind, "school") ? NULL : "th" };
	CHECK_INT(units_create(db, NULL, &u, &id, &err), 0);
	return id;
}

static void test_setup(void)
{
	sgd = mkunit(0, "SGD", "department");
	pgd1 = mkunit(sgd, "PGD01", "office");
	pgd2 = mkunit(sgd, "PGD02", "office");
	th1 = mkunit(pgd1, "TH001", "school");
	th2 = mkunit(pgd1, "TH002", "school");
	th3 = mkunit(pgd2, "TH003", "school");
	th4 = mkunit(pgd2, "TH004", "school"); /* the live lists' school */
	testdb_account_t acc[] = {
		{ "thuthu.th001", "librarian", th1 }, { "thuthu.th004", "librarian", th4 },
		{ "phong1.cv", "inspector", pgd1 },   { "phong2.cv", "inspector", pgd2 },
		{ "bgh.th001", "leader", th1 },       { "bandoc.th001", "reader", th1 },
	};
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = login("thuthu.th001");
	lib3 = login("thuthu.th004");
	office = login("phong1.cv");
	office2 = login("phong2.cv");
	leader1 = login("bgh.th001");
	reader1 = login("bandoc.th001");
	CHECK(lib1.account_id && lib3.account_id && office.account_id && office2.account_id && leader1.account_id &&
	      reader1.account_id);
	sys.role = ROLE_SYSADMIN;
	snprintf(sys.unit_path, sizeof sys.unit_path, "/");
}


#define EXEC(...) CHECK(db_exec(db, &err, __VA_ARGS__) >= 0)

static void test_fixture(void)
{
	err_t err;
	/* holdings now: unit, doc_type, kclass, language, source, funding, copies, value */
	const char *hold = "INSERT INTO stat_holdings (unit_id, doc_type, kclass, language, source, funding, copies, "
	                   "value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	EXEC(hold, "isssssii", th1, "STK", "5", "vie", "purchase", "budget", (int64_t)100, (int64_t)2000000);
	EXEC(hold, "isssssii", th1, "SGK", "", "vie", "allocation", "budget", (int64_t)300, (int64_t)3000000);
	EXEC(hold, "isssssii", th1, "BD", "9", "vie", "gift", "other", (int64_t)5, (int64_t)500000);
	EXEC(hold, "isssssii", th1, "SNV", "3", "eng", "purchase", "budget", (int64_t)40, (int64_t)800000);
	EXEC(hold, "isssssii", th2, "STK", "8", "vie", "purchase", "budget", (int64_t)60, (int64_t)1200000);
	EXEC(hold, "isssssii", th2, "TN", "8", "vie", "gift", "other", (int64_t)90, (int64_t)900000);
	EXEC(hold, "isssssii", th3, "STK", "5", "vie", "purchase", "budget", (int64_t)1000, (int64_t)1);
	const char *titles = "INSERT INTO stat_titles (unit_id, doc_type, titles) VALUES (?, ?, ?)";
	EXEC(titles, "isi", th1, "STK", (int64_t)30);
	EXEC(titles, "isi", th1, "SGK", (int64_t)12);
	EXEC(titles, "isi", th2, "STK", (int64_t)20);
	EXEC(titles, "isi", th2, "TN", (int64_t)45);
	EXEC(titles, "isi", th3, "STK", (int64_t)999);
	/* flows: unit, month, event, doc_type, source, funding, copies, value */
	const char *flow = "INSERT INTO stat_stock_flows (unit_id, month, event, doc_type, source, funding, copies, "
	                   "value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	EXEC(flow, "isssssii", th1, "2025-09", "in", "STK", "purchase", "budget", (int64_t)20, (int64_t)400000);
	EXEC(flow, "isssssii", th1, "2026-09", "in", "STK", "purchase", "budget", (int64_t)10, (int64_t)200000);
	EXEC(flow, "isssssii", th1, "2026-10", "withdrawn", "SGK", "allocation", "budget", (int64_t)50,
	     (int64_t)500000);
	EXEC(flow, "isssssii", th1, "2025-11", "lost", "STK", "purchase", "budget", (int64_t)2, (int64_t)40000);
	EXEC(flow, "isssssii", th1, "2026-03", "withdrawn", "BD", "gift", "other", (int64_t)1, (int64_t)100000);
	EXEC(flow, "isssssii", th2, "2025-10", "in", "TN", "gift", "other", (int64_t)30, (int64_t)300000);
	EXEC(flow, "isssssii", th2, "2026-08", "lost", "TN", "gift", "other", (int64_t)3, (int64_t)30000);
	EXEC(flow, "isssssii", th3, "2025-10", "in", "STK", "purchase", "budget", (int64_t)500, (int64_t)1);
	/* periodicals: TH001 two titles (2 and 3 copies) and one of last year, TH002 one (1 copy) */
	const char *per = "INSERT INTO periodicals (unit_id, title, title_fold, frequency, created_at) "
	                  "VALUES (?, ?, ?, 'weekly', 0) RETURNING id";
	const char *sub = "INSERT INTO subscriptions (unit_id, periodical_id, school_year, start_day, end_day, copies, "
	                  "funding, created_at) VALUES (?, ?, ?, '2025-09-01', '2026-05-31', ?, ?, 0)";
	int64_t p1 = 0, p2 = 0, p3 = 0;
	CHECK_INT(db_insert_id(db, &p1, &err, per, "iss", th1, "Báo Nhi đồng", "bao nhi dong"), 0);
	CHECK_INT(db_insert_id(db, &p2, &err, per, "iss", th1, "Toán tuổi thơ", "toan tuoi tho"), 0);
	CHECK_INT(db_insert_id(db, &p3, &err, per, "iss", th2, "Báo Thiếu niên", "bao thieu nien"), 0);
	EXEC(sub, "iisis", th1, p1, "2025-2026", (int64_t)2, "budget");
	EXEC(sub, "iisis", th1, p2, "2025-2026", (int64_t)3, "other");
	EXEC(sub, "iisis", th1, p1, "2024-2025", (int64_t)7, "budget");
	EXEC(sub, "iisis", th2, p3, "2025-2026", (int64_t)1, "budget");
	/* readers */
	const char *rd = "INSERT INTO stat_readers (unit_id, patron_kind, class_name, grade, readers) "
	                 "VALUES (?, ?, ?, ?, ?)";
	EXEC(rd, "issii", th1, "student", "6A1", (int64_t)6, (int64_t)30);
	EXEC(rd, "issii", th1, "student", "7A1", (int64_t)7, (int64_t)25);
	EXEC(rd, "issii", th1, "teacher", "", (int64_t)0, (int64_t)10);
	EXEC(rd, "issii", th2, "student", "6A", (int64_t)6, (int64_t)40);
	EXEC(rd, "issii", th2, "teacher", "", (int64_t)0, (int64_t)5);
	const char *rf = "INSERT INTO stat_reader_flows (unit_id, month, patron_kind, registered) VALUES (?, ?, ?, ?)";
	EXEC(rf, "issi", th1, "2025-09", "student", (int64_t)55);
	EXEC(rf, "issi", th1, "2025-09", "teacher", (int64_t)10);
	EXEC(rf, "issi", th1, "2026-09", "student", (int64_t)5);
	EXEC(rf, "issi", th2, "2025-10", "student", (int64_t)40);
	const char *act = "INSERT INTO stat_active (unit_id, school_year, patron_kind, class_name, readers) "
	                  "VALUES (?, ?, ?, ?, ?)";
	EXEC(act, "isssi", th1, "2025-2026", "student", "6A1", (int64_t)20);
	EXEC(act, "isssi", th1, "2025-2026", "student", "7A1", (int64_t)10);
	EXEC(act, "isssi", th1, "2025-2026", "teacher", "", (int64_t)8);
	EXEC(act, "isssi", th2, "2025-2026", "student", "6A", (int64_t)30);
	EXEC(act, "isssi", th2, "2025-2026", "teacher", "", (int64_t)5);
	EXEC(act, "isssi", th1, "2026-2027", "student", "6A1", (int64_t)3);
	/* loans: unit, month, kind, patron kind, class, grade, doc_type, kclass, loans */
	const char *ln = "INSERT INTO stat_loans (unit_id, month, loan_kind, patron_kind, class_name, grade, doc_type, "
	                 "kclass, loans) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
	EXEC(ln, "issssissi", th1, "2025-09", "home", "student", "6A1", (int64_t)6, "STK", "5", (int64_t)50);
	EXEC(ln, "issssissi", th1, "2025-10", "textbook", "student", "7A1", (int64_t)7, "SGK", "", (int64_t)25);
	EXEC(ln, "issssissi", th1, "2026-02", "home", "teacher", "", (int64_t)0, "SNV", "3", (int64_t)7);
	EXEC(ln, "issssissi", th2, "2025-11", "home", "student", "6A", (int64_t)6, "TN", "8", (int64_t)40);
	EXEC(ln, "issssissi", th2, "2026-03", "class_set", "teacher", "", (int64_t)0, "TN", "8", (int64_t)3);
	EXEC(ln, "issssissi", th1, "2026-09", "home", "student", "6A1", (int64_t)6, "STK", "5", (int64_t)100);
	EXEC(ln, "issssissi", th3, "2025-09", "home", "student", "6A", (int64_t)6, "STK", "5", (int64_t)900);
	const char *us = "INSERT INTO stat_uses (unit_id, month, patron_kind, class_name, doc_type, visits, uses) "
	                 "VALUES (?, ?, ?, ?, ?, ?, ?)";
	EXEC(us, "issssii", th1, "2025-09", "student", "6A1", "STK", (int64_t)12, (int64_t)20);
	EXEC(us, "issssii", th2, "2026-01", "", "", "", (int64_t)4, (int64_t)4);
	const char *ol = "INSERT INTO stat_open_loans (unit_id, due, patron_kind, loans) VALUES (?, ?, ?, ?)";
	EXEC(ol, "issi", th1, "2020-01-10", "student", (int64_t)3);
	EXEC(ol, "issi", th1, "2099-01-01", "student", (int64_t)7);
	EXEC(ol, "issi", th2, "2021-05-05", "teacher", (int64_t)2);
	/* enrolment: TH002 has no teachers entered (0) */
	const char *en = "INSERT INTO unit_enrolment (unit_id, school_year, pupils, teachers, updated_at) "
	                 "VALUES (?, ?, ?, ?, 0)";
	EXEC(en, "isii", th1, "2025-2026", (int64_t)200, (int64_t)16);
	EXEC(en, "isii", th2, "2025-2026", (int64_t)100, (int64_t)0);
	EXEC(en, "isii", th3, "2025-2026", (int64_t)50, (int64_t)5);
}

static const ind_value_t *val(const ind_report_t *r, const char *id)
{
	size_t n;
	const ind_def_t *d = indicators_all(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(d[i].id, id))
			return &r->values[i];
	fprintf(stderr, "  no indicator %s\n", id);
	static ind_value_t none;
	return &none;
}

#define N(r, id) (val(&(r), id)->n)
#define D(r, id) (val(&(r), id)->d)

static ind_period_t period(const char *year, const char *from, const char *to)
{
	ind_period_t p;
	err_t err;
	CHECK_INT(indicators_period(year, from, to, &p, &err), 0);
	return p;
}

static void test_period(void)
{
	ind_period_t p;
	err_t err;
	p = period("2025-2026", NULL, NULL);
	CHECK_STR(p.first, "2025-08");
	CHECK_STR(p.last, "2026-07");
	p = period("2025-2026", "hk1", NULL);
	CHECK_STR(p.first, "2025-08");
	CHECK_STR(p.last, "2025-12");
	p = period("2025-2026", "hk2", NULL);
	CHECK_STR(p.first, "2026-01");
	CHECK_STR(p.last, "2026-07");
	p = period("2025-2026", "2025-09", "2025-12");
	CHECK_STR(p.first, "2025-09");
	CHECK_STR(p.last, "2025-12");
	CHECK_INT(indicators_period("2025-2027", NULL, NULL, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.indicators.period");
	CHECK_INT(indicators_period("2025-2026", "2025-07", NULL, &p, &err), ERR_INVALID); /* before the year */
	CHECK_INT(indicators_period("2025-2026", "2026-03", "2025-12", &p, &err), ERR_INVALID);
	CHECK_INT(indicators_period("2025-2026", "2025-13", NULL, &p, &err), ERR_INVALID);
	CHECK_INT(indicators_period("2025-2026", "hk1", "2025-10", &p, &err), ERR_INVALID);
	CHECK_INT(indicators_period("x", NULL, NULL, &p, &err), ERR_INVALID);
	CHECK_INT(indicators_period(NULL, NULL, NULL, &p, &err), 0); /* the current year */
	char want[10];
	patrons_school_year(clock_today_vn(), want, sizeof want);
	CHECK_STR(p.year, want);
}

static void test_school_values(void)
{
	err_t err;
	ind_report_t r;
	ind_period_t p = period("2025-2026", NULL, NULL);
	CHECK_INT(indicators_report(db, &lib1, th1, &p, false, A, &r, &err), 0);
	/* holdings on 31/07/2026: now, less the 10 STK taken in 09/2026, plus the 50 SGK withdrawn 10/2026 */
	CHECK_INT(N(r, "copies_held"), 445 - 10 + 50);
	CHECK_INT(N(r, "value_held"), 6300000 - 200000 + 500000);
	CHECK_INT(N(r, "paper_copies_held"), 90 + 350 + 40);
	CHECK_INT(N(r, "stk_copies_held"), 90);
	CHECK_INT(N(r, "snv_copies_held"), 40);
	CHECK_INT(N(r, "titles_held"), 42);
	CHECK_INT(N(r, "intake_copies"), 20);
	CHECK_INT(N(r, "intake_value"), 400000);
	CHECK_INT(N(r, "withdrawn_copies"), 1);
	CHECK_INT(N(r, "withdrawn_value"), 100000);
	CHECK_INT(N(r, "lost_copies"), 2);
	CHECK_INT(N(r, "lost_value"), 40000);
	CHECK_INT(N(r, "periodical_titles"), 2);
	CHECK_INT(N(r, "periodical_copies"), 5);
	CHECK_INT(N(r, "readers_registered"), 65);
	CHECK_INT(N(r, "readers_new"), 65);
	CHECK_INT(N(r, "readers_active"), 38);
	CHECK_INT(N(r, "readers_active_pupils"), 30);
	CHECK_INT(N(r, "readers_active_teachers"), 8);
	CHECK_INT(N(r, "loans_total"), 82);
	CHECK_INT(N(r, "loans_home"), 57);
	CHECK_INT(N(r, "loans_textbook"), 25);
	CHECK_INT(N(r, "loans_class_set"), 0);
	CHECK_INT(N(r, "uses_in_library"), 20);
	CHECK_INT(N(r, "visits"), 12);
	CHECK_INT(N(r, "loans_open"), 10);
	CHECK_INT(N(r, "loans_overdue"), 3);
	CHECK_INT(N(r, "pupils"), 200);
	CHECK_INT(N(r, "teachers"), 16);
	CHECK_INT(N(r, "copies_per_pupil"), 480);
	CHECK_INT(D(r, "copies_per_pupil"), 200);
	CHECK_INT(N(r, "stk_per_pupil"), 90);
	CHECK_INT(N(r, "sets_per_teacher"), 40);
	CHECK_INT(D(r, "sets_per_teacher"), 16);
	CHECK_INT(N(r, "usage_rate_pupils"), 30);
	CHECK_INT(D(r, "usage_rate_pupils"), 200);
	CHECK_INT(N(r, "usage_rate_teachers"), 8);
	CHECK_INT(N(r, "loans_per_pupil"), 82);
	const ind_def_t *d = indicators_find("usage_rate_pupils");
	char text[64];
	indicators_format(d, *val(&r, "usage_rate_pupils"), "vi", text, sizeof text);
	CHECK_STR(text, "15,00 %");
	indicators_format(indicators_find("copies_per_pupil"), *val(&r, "copies_per_pupil"), "vi", text, sizeof text);
	CHECK_STR(text, "2,40");
	indicators_format(indicators_find("value_held"), *val(&r, "value_held"), "vi", text, sizeof text);
	CHECK_STR(text, "6.600.000 đ");
	indicators_format(indicators_find("value_held"), *val(&r, "value_held"), "en", text, sizeof text);
	CHECK_STR(text, "6,600,000 đ");

	/* the first term only: flows and loans of August-December; holdings on 31/12/2025 */
	p = period("2025-2026", "hk1", NULL);
	CHECK_INT(indicators_report(db, &leader1, th1, &p, false, A, &r, &err), 0);
	CHECK_INT(N(r, "loans_total"), 75);
	CHECK_INT(N(r, "withdrawn_copies"), 0);
	CHECK_INT(N(r, "copies_held"), 445 - 10 + 50 + 1); /* the BD withdrawn in 03/2026 is back */
	CHECK_INT(N(r, "readers_active"), 38);             /* the school year's, whatever the months */

	/* the current school year: holdings now, and no enrolment: ratios have no value */
	p = period(NULL, NULL, NULL);
	CHECK_INT(indicators_report(db, &lib1, th1, &p, false, A, &r, &err), 0);
	CHECK_INT(N(r, "copies_held"), 445);
	CHECK_INT(N(r, "pupils"), 0);
	CHECK_INT(D(r, "copies_per_pupil"), 0);
	CHECK(!indicators_has_value(indicators_find("copies_per_pupil"), *val(&r, "copies_per_pupil")));
	indicators_format(indicators_find("copies_per_pupil"), *val(&r, "copies_per_pupil"), "vi", text, sizeof text);
	CHECK_STR(text, "–");
	CHECK(indicators_real(indicators_find("copies_per_pupil"), *val(&r, "copies_per_pupil")) == 0);
}

static void test_rollup(void)
{
	err_t err;
	ind_report_t o, s1, s2;
	ind_period_t p = period("2025-2026", NULL, NULL);
	CHECK_INT(indicators_report(db, &office, pgd1, &p, true, A, &o, &err), 0);
	CHECK_INT(indicators_report(db, &office, th1, &p, false, A, &s1, &err), 0);
	CHECK_INT(indicators_report(db, &office, th2, &p, false, A, &s2, &err), 0);
	CHECK_INT(o.nchildren, 2);
	CHECK_STR(o.children[0].code, "TH001");
	CHECK_STR(o.children[1].code, "TH002");
	size_t n;
	const ind_def_t *d = indicators_all(&n);
	for (size_t i = 0; i < n; i++) {
		/* every figure, additive or ratio: the parts of the office are the sums of its schools' */
		if (o.values[i].n != s1.values[i].n + s2.values[i].n || o.values[i].d != s1.values[i].d + s2.values[i].d)
			fprintf(stderr, "  %s: office %lld/%lld, schools %lld/%lld + %lld/%lld\n", d[i].id,
			        (long long)o.values[i].n, (long long)o.values[i].d, (long long)s1.values[i].n,
			        (long long)s1.values[i].d, (long long)s2.values[i].n, (long long)s2.values[i].d);
		CHECK_INT(o.values[i].n, s1.values[i].n + s2.values[i].n);
		CHECK_INT(o.values[i].d, s1.values[i].d + s2.values[i].d);
		CHECK_INT(o.child_values[0][i].n, s1.values[i].n);
		CHECK_INT(o.child_values[0][i].d, s1.values[i].d);
		CHECK_INT(o.child_values[1][i].n, s2.values[i].n);
		CHECK_INT(o.child_values[1][i].d, s2.values[i].d);
	}
	/* hand-computed office figures: TH003 (another office) is not in them */
	CHECK_INT(N(o, "copies_held"), 485 + 153);
	CHECK_INT(N(o, "paper_copies_held"), 480 + 153);
	CHECK_INT(N(o, "titles_held"), 107);
	CHECK_INT(N(o, "intake_copies"), 50);
	CHECK_INT(N(o, "intake_value"), 700000);
	CHECK_INT(N(o, "lost_copies"), 2);
	CHECK_INT(N(o, "periodical_titles"), 3);
	CHECK_INT(N(o, "periodical_copies"), 6);
	CHECK_INT(N(o, "readers_registered"), 110);
	CHECK_INT(N(o, "readers_new"), 105);
	CHECK_INT(N(o, "loans_total"), 125);
	CHECK_INT(N(o, "loans_home"), 97);
	CHECK_INT(N(o, "loans_class_set"), 3);
	CHECK_INT(N(o, "visits"), 16);
	CHECK_INT(N(o, "loans_overdue"), 5);
	CHECK_INT(N(o, "loans_open"), 12);
	CHECK_INT(N(o, "pupils"), 300);
	CHECK_INT(N(o, "teachers"), 16);
	/* copies per pupil from sums: 633 / 300 = 2.11, not the mean of 2.40 and 1.53 */
	CHECK_INT(N(o, "copies_per_pupil"), 633);
	CHECK_INT(D(o, "copies_per_pupil"), 300);
	char text[64];
	indicators_format(indicators_find("copies_per_pupil"), *val(&o, "copies_per_pupil"), "vi", text, sizeof text);
	CHECK_STR(text, "2,11");
	/* TH002 entered no teachers: no value for it, and its books are left out of the office's ratio */
	CHECK_INT(o.child_values[1][indicators_find("sets_per_teacher") - d].d, 0);
	CHECK_INT(N(o, "sets_per_teacher"), 40);
	CHECK_INT(D(o, "sets_per_teacher"), 16);
	CHECK_INT(N(o, "usage_rate_pupils"), 60);
	CHECK_INT(N(o, "usage_rate_teachers"), 8);
	CHECK_INT(D(o, "usage_rate_teachers"), 16);
	indicators_format(indicators_find("usage_rate_pupils"), *val(&o, "usage_rate_pupils"), "vi", text, sizeof text);
	CHECK_STR(text, "20,00 %");

	/* the Department: both offices, one row each */
	ind_report_t dep;
	CHECK_INT(indicators_report(db, &sys, sgd, &p, true, A, &dep, &err), 0);
	CHECK_INT(dep.nchildren, 2);
	CHECK_INT(N(dep, "copies_held"), 638 + 1000);
	CHECK_INT(N(dep, "loans_total"), 125 + 900);
	CHECK_INT(N(dep, "pupils"), 350);
	CHECK_INT(dep.child_values[0][0].n, 638);
	CHECK_INT(dep.child_values[1][0].n, 1000);
}

static void test_breakdown(void)
{
	err_t err;
	ind_row_t *rows;
	size_t n;
	ind_period_t p = period("2025-2026", NULL, NULL);
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &p, "copies_held", IND_DIM_DOC_TYPE, "vi", A, &rows, &n, &err),
	          0);
	CHECK_INT(n, 5);
	if (n == 5) {
		CHECK_STR(rows[0].key, "BD");
		CHECK_INT(rows[0].value.n, 5);
		CHECK_STR(rows[1].key, "SGK");
		CHECK_INT(rows[1].value.n, 350);
		CHECK_STR(rows[1].label, "Sách giáo khoa");
		CHECK_STR(rows[2].key, "SNV");
		CHECK_INT(rows[2].value.n, 40);
		CHECK_STR(rows[3].key, "STK");
		CHECK_INT(rows[3].value.n, 150);
		CHECK_STR(rows[4].key, "TN");
		CHECK_INT(rows[4].value.n, 93);
	}
	/* content groups only now: a past year's holdings cannot be split by class number */
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &p, "copies_held", IND_DIM_CONTENT, "vi", A, &rows, &n, &err),
	          ERR_INVALID);
	CHECK_STR(err.key, "err.indicators.dim");
	ind_period_t now = period(NULL, NULL, NULL);
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &now, "copies_held", IND_DIM_CONTENT, "en", A, &rows, &n,
	                               &err),
	          0);
	CHECK_INT(n, 5);
	if (n == 5) {
		const char *keys[] = { "XH", "TN", "VH", "LS", "KHAC" };
		int64_t vals[] = { 40, 100, 150, 5, 300 };
		for (size_t i = 0; i < 5; i++) {
			CHECK_STR(rows[i].key, keys[i]);
			CHECK_INT(rows[i].value.n, vals[i]);
		}
		CHECK_STR(rows[4].label, "Other");
	}
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &p, "loans_total", IND_DIM_MONTH, "vi", A, &rows, &n, &err), 0);
	CHECK_INT(n, 5);
	if (n == 5) {
		CHECK_STR(rows[0].key, "2025-09");
		CHECK_STR(rows[0].label, "09/2025");
		CHECK_INT(rows[0].value.n, 50);
		CHECK_STR(rows[4].key, "2026-03");
		CHECK_INT(rows[4].value.n, 3);
	}
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &p, "loans_total", IND_DIM_GRADE, "vi", A, &rows, &n, &err), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(rows[0].key, "0");
		CHECK_INT(rows[0].value.n, 10);
		CHECK_STR(rows[1].key, "6");
		CHECK_INT(rows[1].value.n, 90);
		CHECK_STR(rows[2].key, "7");
		CHECK_INT(rows[2].value.n, 25);
	}
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &p, "intake_value", IND_DIM_FUNDING, "vi", A, &rows, &n, &err),
	          0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(rows[0].key, "budget");
		CHECK_INT(rows[0].value.n, 400000);
		CHECK_STR(rows[0].label, "Ngân sách");
		CHECK_INT(rows[1].value.n, 300000);
	}
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &p, "readers_active", IND_DIM_PATRON_KIND, "vi", A, &rows, &n,
	                               &err),
	          0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(rows[0].key, "student");
		CHECK_INT(rows[0].value.n, 60);
		CHECK_INT(rows[1].value.n, 13);
	}
	/* a ratio, or a dimension the indicator does not take */
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &p, "copies_per_pupil", IND_DIM_DOC_TYPE, "vi", A, &rows, &n,
	                               &err),
	          ERR_INVALID);
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &p, "pupils", IND_DIM_MONTH, "vi", A, &rows, &n, &err),
	          ERR_INVALID);
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &p, "nope", IND_DIM_MONTH, "vi", A, &rows, &n, &err),
	          ERR_INVALID);
	CHECK_INT(indicators_breakdown(db, &office, pgd1, &p, "loans_total", 0, "vi", A, &rows, &n, &err), ERR_INVALID);
}

static void test_scope(void)
{
	err_t err;
	ind_report_t r;
	ind_row_t *rows;
	size_t n;
	ind_period_t p = period("2025-2026", NULL, NULL);
	/* another office's inspector: the office and its schools are not found */
	CHECK_INT(indicators_report(db, &office2, pgd1, &p, true, A, &r, &err), ERR_NOTFOUND);
	CHECK_INT(indicators_report(db, &office2, th1, &p, false, A, &r, &err), ERR_NOTFOUND);
	CHECK_INT(indicators_breakdown(db, &office2, th1, &p, "loans_total", IND_DIM_MONTH, "vi", A, &rows, &n, &err),
	          ERR_NOTFOUND);
	/* a school's librarian: not its office, not another school; a reader: nothing */
	CHECK_INT(indicators_report(db, &lib1, pgd1, &p, false, A, &r, &err), ERR_NOTFOUND);
	CHECK_INT(indicators_report(db, &lib1, th2, &p, false, A, &r, &err), ERR_NOTFOUND);
	CHECK_INT(indicators_report(db, &reader1, th1, &p, false, A, &r, &err), ERR_FORBIDDEN);
	CHECK_INT(indicators_report(db, &office2, th3, &p, false, A, &r, &err), 0);
	CHECK_INT(N(r, "copies_held"), 1000);
	ind_title_t *t;
	CHECK_INT(indicators_top_titles(db, &office2, th1, &p, 10, A, &t, &n, &err), ERR_NOTFOUND);
	CHECK_INT(indicators_top_titles(db, &office, pgd1, &p, 10, A, &t, &n, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.indicators.school");
}

/* --- live lists on a school built through the domain functions ------------------------------ */

static int64_t P_an, P_binh, P_cuong, P_gv;

static int64_t mkpatron(const char *code, const char *name, const char *kind, const char *cls)
{
	err_t err;
	int64_t id = 0;
	patron_t in = { .full_name = name, .student_code = code, .kind = kind, .class_name = cls };
	CHECK_INT(patrons_create(db, &lib3, &in, A, &id, &err), 0);
	return id;
}

/* A record with copies copies; their barcodes in bc[0..copies). */
static void mkbook(const char *title, const char *type, int copies, char bc[][32])
{
	err_t err;
	int64_t id = 0, dup = 0;
	biblio_t in = { .title = title, .authors = "Tác giả", .doc_type = type, .year = 2024, .price = 30000 };
	CHECK_INT(catalog_biblio_create_with_copies(db, &lib3, &in, true, 0, copies, &id, &dup, &err), 0);
	db_stmt_t *st = db_query(db, &err, "SELECT barcode FROM items WHERE biblio_id = ? ORDER BY id", "i", id);
	for (int i = 0; st && i < copies && db_step(st, &err) == DB_ROW; i++)
		snprintf(bc[i], 32, "%s", db_col_text(st, 0));
	db_done(st);
}

static void lend(int64_t patron, const char *barcode)
{
	err_t err;
	circ_result_t res;
	int rc = circ_checkout(db, &lib3, NULL, patron, barcode, NULL, A, &res, &err);
	if (rc != 0 || res.level == CIRC_REFUSED)
		fprintf(stderr, "  checkout %s: %d %s\n", barcode, rc, res.key ? res.key : "");
	CHECK_INT(rc, 0);
}

static void test_lists(void)
{
	err_t err;
	P_an = mkpatron("HS001", "Nguyễn Văn An", "student", "6A1");
	P_binh = mkpatron("HS002", "Trần Thị Bình", "student", "6A1");
	P_cuong = mkpatron("HS003", "Lê Văn Cường", "student", "7A2");
	P_gv = mkpatron("GV001", "Phạm Thu Giang", "teacher", "");
	char a[3][32], b[2][32], c[1][32];
	mkbook("Dế Mèn phiêu lưu ký", "TN", 3, a);
	mkbook("Toán nâng cao 6", "STK", 2, b);
	mkbook("Từ điển Anh Việt", "STK", 1, c);
	lend(P_an, a[0]);
	lend(P_binh, a[1]);
	lend(P_gv, a[2]);
	lend(P_an, b[0]);
	ind_period_t p = period(NULL, NULL, NULL); /* the loans were made today */

	ind_title_t *t;
	size_t n;
	CHECK_INT(indicators_top_titles(db, &lib3, th4, &p, 10, A, &t, &n, &err), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(t[0].title, "Dế Mèn phiêu lưu ký");
		CHECK_INT(t[0].loans, 3);
		CHECK_STR(t[1].title, "Toán nâng cao 6");
		CHECK_INT(t[1].loans, 1);
	}
	CHECK_INT(indicators_top_titles(db, &lib3, th4, &p, 1, A, &t, &n, &err), 0);
	CHECK_INT(n, 1);
	/* last school year: no loans */
	ind_period_t last = period("2025-2026", NULL, NULL);
	CHECK_INT(indicators_top_titles(db, &lib3, th4, &last, 10, A, &t, &n, &err), 0);
	CHECK_INT(n, 0);

	ind_reader_t *r;
	int64_t total = 0;
	CHECK_INT(indicators_never_borrowed(db, &lib3, th4, &p, NULL, 0, 50, A, &r, &n, &total, &err), 0);
	CHECK_INT(total, 1);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_STR(r[0].full_name, "Lê Văn Cường");
	CHECK_INT(indicators_never_borrowed(db, &lib3, th4, &p, "6A1", 0, 50, A, &r, &n, &total, &err), 0);
	CHECK_INT(total, 0);
	CHECK_INT(indicators_never_borrowed(db, &lib3, th4, &last, NULL, 0, 2, A, &r, &n, &total, &err), 0);
	CHECK_INT(total, 4);
	CHECK_INT(n, 2); /* a page of two */
	if (n == 2) {
		CHECK_STR(r[0].class_name, ""); /* the teacher, then 6A1 */
		CHECK_STR(r[1].class_name, "6A1");
	}
	CHECK_INT(indicators_never_borrowed(db, &lib3, th4, &last, NULL, 0, 0, A, &r, &n, &total, &err), ERR_INVALID);
	CHECK_INT(indicators_never_borrowed(db, &lib3, th4, &last, NULL, -1, 5, A, &r, &n, &total, &err), ERR_INVALID);

	ind_loan_t *l;
	CHECK_INT(indicators_list_loans(db, &lib3, th4, &p, NULL, NULL, NULL, 0, 50, A, &l, &n, &total, &err), 0);
	CHECK_INT(total, 4);
	CHECK_INT(n, 4);
	CHECK_INT(indicators_list_loans(db, &lib3, th4, &p, NULL, "6A1", "TN", 0, 50, A, &l, &n, &total, &err), 0);
	CHECK_INT(total, 2);
	if (n == 2) {
		CHECK_STR(l[0].patron_name, "Nguyễn Văn An");
		CHECK_STR(l[0].kind, "home");
		CHECK(!l[0].returned);
	}
	char month[8];
	int y, m, d;
	clock_civil_from_days(clock_today_vn(), &y, &m, &d);
	snprintf(month, sizeof month, "%04d-%02d", y, m);
	CHECK_INT(indicators_list_loans(db, &lib3, th4, &p, month, NULL, "STK", 0, 50, A, &l, &n, &total, &err), 0);
	CHECK_INT(total, 1);
	CHECK_INT(indicators_list_loans(db, &lib3, th4, &p, "2019-01", NULL, NULL, 0, 50, A, &l, &n, &total, &err),
	          ERR_INVALID);

	ind_copy_t *cp;
	CHECK_INT(indicators_list_copies(db, &lib3, th4, "STK", 0, 50, A, &cp, &n, &total, &err), 0);
	CHECK_INT(total, 3);
	CHECK_INT(n, 3);
	if (n == 3)
		CHECK_INT(cp[0].value, 30000);
	CHECK_INT(indicators_list_copies(db, &lib3, th4, NULL, 1, 50, A, &cp, &n, &total, &err), 0);
	CHECK_INT(total, 6);
	CHECK_INT(n, 5);
	CHECK_INT(db_exec(db, &err, "UPDATE items SET status = 'lost' WHERE barcode = ?", "s", c[0]), 1);
	CHECK_INT(indicators_list_copies(db, &lib3, th4, "STK", 0, 50, A, &cp, &n, &total, &err), 0);
	CHECK_INT(total, 2);
	/* another school's lists: not found; the office reads them */
	CHECK_INT(indicators_list_copies(db, &lib1, th4, NULL, 0, 50, A, &cp, &n, &total, &err), ERR_NOTFOUND);
	CHECK_INT(indicators_list_loans(db, &office, th4, &p, NULL, NULL, NULL, 0, 50, A, &l, &n, &total, &err),
	          ERR_NOTFOUND);
	CHECK_INT(indicators_list_loans(db, &office2, th4, &p, NULL, NULL, NULL, 0, 50, A, &l, &n, &total, &err), 0);
	CHECK_INT(total, 4);
	CHECK_INT(indicators_never_borrowed(db, &reader1, th4, &p, NULL, 0, 5, A, &r, &n, &total, &err), ERR_FORBIDDEN);
}

/* docs/INDICATORS.md is the generated reference, byte for byte. */
static void test_docs(void)
{
	buf_t b = { 0 };
	indicators_markdown(&b);
	FILE *f = fopen("docs/INDICATORS.md", "rb");
	CHECK(f != NULL);
	buf_t file = { 0 };
	if (f) {
		char chunk[4096];
		size_t k;
		while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_append(&file, chunk, k);
		fclose(f);
	}
	int same = !strcmp(buf_str(&b), buf_str(&file));
	if (!same)
		fprintf(stderr, "  docs/INDICATORS.md differs from `thuvien indicators --markdown`: regenerate it\n");
	CHECK(same);
	/* every indicator is in it, and every ratio's parts are indicators */
	size_t n;
	const ind_def_t *d = indicators_all(&n);
	for (size_t i = 0; i < n; i++) {
		char want[80];
		snprintf(want, sizeof want, "### `%s`", d[i].id);
		CHECK(strstr(buf_str(&b), want) != NULL);
		CHECK(d[i].name_vi && d[i].name_en && d[i].def_vi && d[i].def_en);
		if (d[i].kind == IND_RATIO || d[i].kind == IND_PERCENT)
			CHECK(indicators_find(d[i].num) && indicators_find(d[i].den));
	}
	buf_release(&b);
	buf_release(&file);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 16);
	char year[10];
	patrons_school_year(clock_today_vn(), year, sizeof year);
	if (strcmp(year, "2025-2026") <= 0) {
		fprintf(stderr, "test_indicators: the fixture's year 2025-2026 must be past\n");
		return 1;
	}
	RUN(test_docs);
	RUN(test_setup);
	RUN(test_fixture);
	RUN(test_period);
	RUN(test_school_values);
	RUN(test_rollup);
	RUN(test_breakdown);
	RUN(test_scope);
	RUN(test_lists);
	arena_free(A);
	testdb_close(db);
	return check_summary("indicators");
}
