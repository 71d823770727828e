/* test_exchange.c: the sector database's exports read and imported (src/exchange/): CSV with a
 * BOM and ';', XLSX written with xlsxw, JSON; broken files (bad UTF-8, missing columns, a cycle,
 * an unknown parent, duplicate codes, 10 MB of junk); scope; idempotence; moves; enrolment; API
 * tokens. Runs on SQLite, or PostgreSQL with THUVIEN_TEST_DB. */
#include "check.h"
#include "testdb.h"

#include "base/buf.h"
#include "base/xlsxw.h"
#include "exchange/exchange.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static int64_t sgd, pgd1, pgd2, th1;

static int64_t mk(int64_t parent, const char *code, const char *kind, const char *level)
{
	err_t err = { 0 };
	int64_t id = 0;
	unit_new_t in = { .parent_id = parent, .code = code, .name = code, .kind = kind, .school_level = level };
	CHECK_INT(units_create(db, NULL, &in, &id, &err), 0);
	return id;
}

static actor_t actor_at(int64_t unit, role_t role)
{
	actor_t a = { 0 };
	unit_t u;
	err_t err;
	if (units_get(db, NULL, unit, A, &u, &err) == 0)
		snprintf(a.unit_path, sizeof a.unit_path, "%s", u.path);
	a.unit_id = unit;
	a.role = role;
	snprintf(a.username, sizeof a.username, "tester");
	return a;
}

/* Read and import (commit unless dry) data as actor; returns the commit's rc, *res filled. */
static int import(xchg_kind_t k, const actor_t *who, const char *data, size_t len, bool dry, xchg_result_t *res,
                  err_t *err)
{
	xchg_table_t t;
	int map[XCHG_MAX_FIELDS];
	bool rem;
	memset(res, 0, sizeof *res);
	int rc = xchg_table_read(k, data, len, A, &t, err);
	if (rc < 0)
		return rc;
	xchg_mapping_guess(k, &t, map);
	if ((rc = xchg_mapping_load(db, who, k, &t, map, &rem, err)) < 0)
		return rc;
	if (k == XK_UNITS)
		return dry ? xchg_units_check(db, who, &t, map, A, res, err) : xchg_units_commit(db, who, &t, map, A, res, err);
	return dry ? xchg_enrolment_check(db, who, &t, map, A, res, err)
	           : xchg_enrolment_commit(db, who, &t, map, A, res, err);
}

static int import_s(xchg_kind_t k, const actor_t *who, const char *s, xchg_result_t *res, err_t *err)
{
	return import(k, who, s, strlen(s), false, res, err);
}

static const char *path_of(const char *code)
{
	unit_t u;
	err_t err;
	if (units_get_by_code(db, code, A, &u, &err) < 0)
		return "";
	return u.path;
}

static const char *first_error(const xchg_result_t *r)
{
	for (size_t i = 0; i < r->nrows; i++)
		if (r->rows[i].action == XA_ERROR)
			return r->rows[i].key;
	return "";
}

static int64_t count(const char *sql)
{
	int64_t n = -1;
	err_t err;
	db_query_int(db, &n, &err, sql, "");
	return n;
}

static void test_setup(void)
{
	sgd = mk(0, "SGD", "department", NULL);
	pgd1 = mk(sgd, "PGD01", "office", NULL);
	pgd2 = mk(sgd, "PGD02", "office", NULL);
	th1 = mk(pgd1, "TH001", "school", "th");
	CHECK(th1 > 0);
}

static void test_year_parse(void)
{
	char y[16];
	CHECK_INT(xchg_year_parse("2025-2026", y), 0);
	CHECK_STR(y, "2025-2026");
	CHECK_INT(xchg_year_parse("2025 - 2026", y), 0);
	CHECK_STR(y, "2025-2026");
	CHECK_INT(xchg_year_parse("2025", y), 0);
	CHECK_STR(y, "2025-2026");
	CHECK_INT(xchg_year_parse("2025\xE2\x80\x93" "2026", y), 0);
	CHECK_INT(xchg_year_parse("2025-2027", y), -1);
	CHECK_INT(xchg_year_parse("25-26", y), -1);
	CHECK_INT(xchg_year_parse("năm 2025", y), -1);
	CHECK_INT(xchg_year_parse("", y), -1);
}

static void test_csv_bom_semicolon(void)
{
	const char *csv = "\xEF\xBB\xBF"
	                  "DANH SÁCH ĐƠN VỊ;;;\r\n"
	                  "Mã đơn vị;Tên đơn vị;Cấp học;Mã đơn vị cấp trên;Loại hình\r\n"
	                  "TH002;Trường Tiểu học Hai;Tiểu học;PGD02;Công lập\r\n"
	                  "THCS02;\"Trường THCS; Ba\";THCS;PGD02;Tư thục\r\n"
	                  "MN002;Trường Mầm non Hoa;mầm non;PGD02;Dân lập\r\n";
	xchg_result_t r;
	err_t err = { 0 };
	CHECK_INT(import_s(XK_UNITS, NULL, csv, &r, &err), 0);
	CHECK_INT(r.created, 3);
	CHECK_INT(r.errors, 0);
	CHECK_INT(r.rows[0].line, 3);
	unit_t u;
	CHECK_INT(units_get_by_code(db, "THCS02", A, &u, &err), 0);
	CHECK_STR(u.name, "Trường THCS; Ba");
	CHECK_STR(u.school_level, "thcs");
	CHECK_INT(count("SELECT COUNT(*) FROM units WHERE code = 'MN002' AND ownership = 'private' AND school_level = 'mn'"),
	          1);
	char want[64];
	snprintf(want, sizeof want, "%s%lld/", path_of("PGD02"), (long long)u.id);
	CHECK_STR(u.path, want);
	/* idempotent */
	CHECK_INT(import_s(XK_UNITS, NULL, csv, &r, &err), 0);
	CHECK_INT(r.created + r.updated, 0);
	CHECK_INT(r.unchanged, 3);
	CHECK(!r.written);
}

static void test_xlsx(void)
{
	err_t err = { 0 };
	xlsxw_t *w = xlsxw_new(&err);
	CHECK(w != NULL);
	xlsxw_sheet(w, "Đơn vị", "Danh sách đơn vị", "CSDL ngành", &err);
	static const xlsxw_col_t cols[] = { { "Mã trường", 10 }, { "Tên trường", 30 }, { "Cấp học", 10 },
		                            { "Đơn vị quản lý", 10 }, { "Loại hình", 10 } };
	xlsxw_header(w, cols, 5);
	xlsxw_row(w);
	xlsxw_text(w, "THPT02");
	xlsxw_text(w, "Trường THPT Hai");
	xlsxw_text(w, "Trung học phổ thông");
	xlsxw_text(w, "SGD");
	xlsxw_text(w, "Công lập");
	buf_t out = BUF_INIT;
	CHECK_INT(xlsxw_finish(w, &out, &err), 0);
	xchg_result_t r;
	CHECK_INT(import(XK_UNITS, NULL, out.data, out.len, false, &r, &err), 0);
	CHECK_INT(r.created, 1);
	CHECK_INT(count("SELECT COUNT(*) FROM units WHERE code = 'THPT02' AND school_level = 'thpt'"), 1);
	buf_release(&out);
}

static void test_json(void)
{
	err_t err = { 0 };
	xchg_result_t r;
	const char *j = "{\"units\": [{\"code\": \"LC002\", \"name\": \"Trường Liên cấp\", \"school_level\": \"Liên cấp\","
	                " \"parent_code\": \"PGD02\", \"ownership\": \"Ngoài công lập\", \"active\": true}]}";
	CHECK_INT(import_s(XK_UNITS, NULL, j, &r, &err), 0);
	CHECK_INT(r.created, 1);
	CHECK_INT(count("SELECT COUNT(*) FROM units WHERE code = 'LC002' AND school_level = 'lc' AND ownership = 'private'"),
	          1);
	/* a changed name updates; an array of objects works too */
	j = "[{\"code\": \"LC002\", \"name\": \"Trường Liên cấp Mới\"}]";
	CHECK_INT(import_s(XK_UNITS, NULL, j, &r, &err), 0);
	CHECK_INT(r.updated, 1);
	CHECK_INT(count("SELECT COUNT(*) FROM units WHERE code = 'LC002' AND name = 'Trường Liên cấp Mới'"), 1);
	/* shapes refused */
	xchg_table_t t;
	CHECK_INT(xchg_table_read(XK_UNITS, "[1,2]", 5, A, &t, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.xchg.json_shape");
	CHECK_INT(xchg_table_read(XK_UNITS, "{\"x\":[]}", 8, A, &t, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.xchg.json_shape");
	CHECK_INT(xchg_table_read(XK_UNITS, "[{\"code\": {\"a\":1}, \"name\": \"x\"}]", 32, A, &t, &err), ERR_INVALID);
	CHECK_INT(xchg_table_read(XK_UNITS, "[{\"code\": \"A\",", 14, A, &t, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.xchg.json");
}

static void test_broken_files(void)
{
	err_t err = { 0 };
	xchg_table_t t;
	int64_t before = count("SELECT COUNT(*) FROM units");
	CHECK_INT(xchg_table_read(XK_UNITS, "code,name\nA\xff,B\n", 14, A, &t, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.xchg.utf8");
	CHECK_STR(err.detail, "2");
	CHECK_INT(xchg_table_read(XK_UNITS, "foo,bar\n1,2\n", 12, A, &t, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.xchg.header");
	CHECK_INT(xchg_table_read(XK_UNITS, "", 0, A, &t, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.xchg.empty");
	CHECK_INT(xchg_table_read(XK_UNITS, "code,name\n\"TH9,x\n", 17, A, &t, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.xchg.quote");
	/* a required column missing: the name */
	xchg_result_t r;
	CHECK_INT(import_s(XK_UNITS, NULL, "code,parent_code\nTH9,PGD01\n", &r, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.xchg.columns");
	CHECK_STR(err.detail, "name");
	/* 10 MB of junk: refused quickly, nothing written */
	size_t n = 10u << 20;
	char *junk = malloc(n);
	uint32_t x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (char)(x >> 24);
	}
	CHECK(xchg_table_read(XK_UNITS, junk, n, A, &t, &err) < 0);
	for (size_t i = 0; i < n; i++) /* printable junk: no header */
		junk[i] = (char)('a' + (junk[i] & 15)) == 'a' ? ',' : (char)('a' + (junk[i] & 15));
	CHECK(xchg_table_read(XK_UNITS, junk, n, A, &t, &err) < 0);
	/* 10 MB of rows that look right: too many for one file */
	size_t len = 0;
	len += (size_t)snprintf(junk, n, "code,name,school_level,parent_code\n");
	for (int i = 0; len + 64 < n && i < 200000; i++)
		len += (size_t)snprintf(junk + len, n - len, "TX%06d,Trường %d,th,PGD01\n", i, i);
	CHECK_INT(xchg_table_read(XK_UNITS, junk, len, A, &t, &err), ERR_TOOBIG);
	CHECK_STR(err.key, "err.xchg.too_many");
	free(junk);
	CHECK_INT(count("SELECT COUNT(*) FROM units"), before);
}

static void test_row_errors_all_or_nothing(void)
{
	err_t err = { 0 };
	xchg_result_t r;
	int64_t before = count("SELECT COUNT(*) FROM units");
	int64_t audits = count("SELECT COUNT(*) FROM audit");
	struct {
		const char *csv, *key;
	} cases[] = {
		{ "code,name,kind,parent_code\nPGD01,P,office,PGD09\nPGD09,Q,office,PGD01\n", "err.xunits.cycle" },
		{ "code,name,kind,parent_code\nPGD01,P,office,PGD01\n", "err.xunits.cycle" },
		/* SGD under one of its own descendants (not in the file) */
		{ "code,name,kind,parent_code\nPGD02,P,office,PGD01\nPGD01,Q,office,PGD02\n", "err.xunits.cycle" },
		{ "code,name,school_level,parent_code\nTH010,X,th,NOPE\n", "err.xunits.parent_unknown" },
		{ "code,name,school_level,parent_code\nTH011,X,th,PGD01\nTH011,Y,th,PGD01\n", "err.xchg.duplicate" },
		{ "code,name,school_level,parent_code\nTH012,X,th,TH001\n", "err.xunits.parent_school" },
		{ "code,name,school_level,parent_code\nTH013,X,,PGD01\n", "err.xunits.level_missing" },
		{ "code,name,school_level\nTH014,X,th\n", "err.xunits.parent_missing" },
		{ "code,name,school_level,parent_code\nCÓ DẤU,X,th,PGD01\n", "err.unit.code" },
		{ "code,name,kind,parent_code\nSGD,X,department,PGD01\n", "err.xunits.root" },
		{ "code,name,kind,parent_code\nCL01,X,trường tiểu học lớn,PGD01\n", "err.xunits.kind" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = import_s(XK_UNITS, NULL, cases[i].csv, &r, &err);
		CHECK_INT(rc, ERR_INVALID);
		CHECK_STR(err.key, "err.xchg.has_errors");
		if (strcmp(first_error(&r), cases[i].key) && !(r.nrows > 1 && !strcmp(r.rows[1].key ? r.rows[1].key : "", cases[i].key)))
			fprintf(stderr, "  case %zu: %s, want %s\n", i, first_error(&r), cases[i].key);
		CHECK(!strcmp(first_error(&r), cases[i].key) ||
		      (r.nrows > 1 && r.rows[1].key && !strcmp(r.rows[1].key, cases[i].key)));
		CHECK(!r.written);
	}
	/* a good row with a bad one: nothing */
	CHECK_INT(import_s(XK_UNITS, NULL, "code,name,school_level,parent_code\nTH020,Tốt,th,PGD01\nTH021,Xấu,th,NOPE\n",
	                   &r, &err),
	          ERR_INVALID);
	CHECK_INT(r.created, 1);
	CHECK_INT(r.errors, 1);
	CHECK_INT(count("SELECT COUNT(*) FROM units"), before);
	CHECK_INT(count("SELECT COUNT(*) FROM audit"), audits);
}

static void test_move_and_scope(void)
{
	err_t err = { 0 };
	xchg_result_t r;
	/* PGD02's schools under a new cluster below PGD01, created in the same file */
	CHECK_INT(import_s(XK_UNITS, NULL,
	                   "code,name,kind,school_level,parent_code\nTH002,Trường Tiểu học Hai,school,th,CUM01\n"
	                   "CUM01,Cụm trường 1,cluster,,PGD01\n",
	                   &r, &err),
	          0);
	CHECK_INT(r.created, 1);
	CHECK_INT(r.updated, 1);
	char want[128];
	unit_t cum, th2;
	units_get_by_code(db, "CUM01", A, &cum, &err);
	units_get_by_code(db, "TH002", A, &th2, &err);
	snprintf(want, sizeof want, "%s%lld/", path_of("PGD01"), (long long)cum.id);
	CHECK_STR(cum.path, want);
	snprintf(want, sizeof want, "%s%lld/", cum.path, (long long)th2.id);
	CHECK_STR(th2.path, want);
	/* moving an office moves its subtree */
	CHECK_INT(import_s(XK_UNITS, NULL, "code,name,kind,parent_code\nCUM01,Cụm trường 1,cluster,PGD02\n", &r, &err), 0);
	units_get_by_code(db, "CUM01", A, &cum, &err);
	units_get_by_code(db, "TH002", A, &th2, &err);
	snprintf(want, sizeof want, "%s%lld/", path_of("PGD02"), (long long)cum.id);
	CHECK_STR(cum.path, want);
	snprintf(want, sizeof want, "%s%lld/", cum.path, (long long)th2.id);
	CHECK_STR(th2.path, want);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action = 'unit.import.update'") >= 2, 1);

	/* an office's admin: its subtree only */
	actor_t adm = actor_at(pgd1, ROLE_UNIT_ADMIN);
	CHECK_INT(import_s(XK_UNITS, &adm, "code,name,school_level,parent_code\nTH030,X,th,PGD02\n", &r, &err),
	          ERR_INVALID);
	CHECK_STR(first_error(&r), "err.xunits.scope");
	CHECK_INT(import_s(XK_UNITS, &adm, "code,name,school_level,parent_code\nTH002,Đổi tên,th,PGD01\n", &r, &err),
	          ERR_INVALID);
	CHECK_STR(first_error(&r), "err.xunits.scope");
	CHECK_INT(import_s(XK_UNITS, &adm, "code,name,kind,parent_code\nPGD01,Phòng 1,office,PGD02\n", &r, &err),
	          ERR_INVALID);
	CHECK_STR(first_error(&r), "err.xunits.scope");
	CHECK_INT(import_s(XK_UNITS, &adm, "code,name,school_level,parent_code\nTH031,Trường 31,th,PGD01\n", &r, &err), 0);
	CHECK_INT(r.created, 1);
	actor_t lib = actor_at(th1, ROLE_LIBRARIAN);
	CHECK_INT(import_s(XK_UNITS, &lib, "code,name,school_level,parent_code\nTH032,X,th,PGD01\n", &r, &err),
	          ERR_FORBIDDEN);
	/* the admin's mapping is remembered for its unit */
	CHECK_INT(count("SELECT COUNT(*) FROM import_mappings WHERE kind = 'units'"), 1);
}

static void test_enrolment(void)
{
	err_t err = { 0 };
	xchg_result_t r;
	const char *csv = "\xEF\xBB\xBFMã trường;Năm học;Số học sinh;Số giáo viên;Số lớp\n"
	                  "TH001;2025 - 2026;1.234;56;30\nTH002;2025;800;40;\n";
	CHECK_INT(import_s(XK_ENROLMENT, NULL, csv, &r, &err), 0);
	CHECK_INT(r.created, 2);
	CHECK_INT(count("SELECT pupils FROM unit_enrolment e JOIN units u ON u.id = e.unit_id WHERE u.code = 'TH001' "
	                "AND e.school_year = '2025-2026' AND e.source = 'import'"),
	          1234);
	CHECK_INT(import_s(XK_ENROLMENT, NULL, csv, &r, &err), 0);
	CHECK_INT(r.unchanged, 2);
	CHECK(!r.written);
	/* errors */
	CHECK_INT(import_s(XK_ENROLMENT, NULL,
	                   "Mã trường,Năm học,Số học sinh,Số giáo viên\nTH001,2025-2026,-1,2\nTH001,2025-2026,12.5,2\n"
	                   "PGD01,2025-2026,1,1\nZZZ,2025-2026,1,1\nTH001,2025-2027,1,1\n",
	                   &r, &err),
	          ERR_INVALID);
	CHECK_INT(r.errors, 5);
	CHECK_STR(r.rows[0].key, "err.xchg.number");
	CHECK_STR(r.rows[1].key, "err.xchg.number");
	CHECK_STR(r.rows[2].key, "err.xchg.not_school");
	CHECK_STR(r.rows[3].key, "err.xenrol.unknown_unit");
	CHECK_STR(r.rows[4].key, "err.xchg.year");
	/* a librarian: its own school only; another school is not found */
	actor_t lib = actor_at(th1, ROLE_LIBRARIAN);
	CHECK_INT(import_s(XK_ENROLMENT, &lib, "Mã trường,Năm học,Số học sinh,Số giáo viên\nTH002,2025-2026,1,1\n", &r, &err),
	          ERR_INVALID);
	CHECK_STR(first_error(&r), "err.xenrol.unknown_unit");
	/* the form */
	CHECK_INT(xchg_enrolment_set(db, &lib, th1, "2026-2027", "1 300", "60", "", &err), 0);
	CHECK_INT(xchg_enrolment_set(db, &lib, th1, "2026-2027", "-4", "60", "", &err), ERR_INVALID);
	CHECK_STR(err.key, "err.xchg.number");
	CHECK_INT(xchg_enrolment_set(db, &lib, th1, "2026", "1", "x", "", &err), ERR_INVALID);
	CHECK_INT(xchg_enrolment_set(db, &lib, pgd1, "2026", "1", "1", "", &err), ERR_NOTFOUND);
	actor_t reader = actor_at(th1, ROLE_READER);
	CHECK_INT(xchg_enrolment_set(db, &reader, th1, "2026", "1", "1", "", &err), ERR_FORBIDDEN);
	xchg_enrolment_t *v;
	size_t n;
	CHECK_INT(xchg_enrolment_list(db, &lib, th1, A, &v, &n, &err), 0);
	CHECK_INT(n, 2);
	CHECK_STR(v[0].school_year, "2026-2027");
	CHECK_INT(v[0].pupils, 1300);
	CHECK_STR(v[0].source, "form");
}

static void test_tokens(void)
{
	err_t err = { 0 };
	char tok[XCHG_TOKEN_LEN + 1];
	int64_t id;
	actor_t adm = actor_at(pgd1, ROLE_UNIT_ADMIN);
	CHECK_INT(xchg_token_create(db, &adm, pgd2, "X", tok, &id, &err), ERR_NOTFOUND);
	CHECK_INT(xchg_token_create(db, &adm, pgd1, "", tok, &id, &err), ERR_INVALID);
	actor_t lib = actor_at(th1, ROLE_LIBRARIAN);
	CHECK_INT(xchg_token_create(db, &lib, th1, "X", tok, &id, &err), ERR_FORBIDDEN);
	CHECK_INT(xchg_token_create(db, &adm, pgd1, "CSDL ngành", tok, &id, &err), 0);
	CHECK_INT(strlen(tok), XCHG_TOKEN_LEN);
	actor_t api;
	CHECK_INT(xchg_token_auth(db, tok, "127.0.0.1", &api, &err), 0);
	CHECK_INT(api.unit_id, pgd1);
	CHECK_INT(api.role, ROLE_INSPECTOR);
	CHECK_STR(api.username, "api:CSDL ngành");
	xchg_unit_t *u;
	size_t n;
	CHECK_INT(xchg_units_list(db, &api, A, &u, &n, &err), 0);
	CHECK_STR(u[0].code, "PGD01");
	for (size_t i = 0; i < n; i++)
		CHECK(strcmp(u[i].code, "PGD02") && strcmp(u[i].code, "SGD"));
	/* last_used_at: touched at most once a minute */
	int64_t t0 = 0;
	db_query_int(db, &t0, &err, "SELECT last_used_at FROM api_tokens WHERE id = ?", "i", id);
	CHECK(t0 > 0);
	db_exec(db, &err, "UPDATE api_tokens SET last_used_at = last_used_at - 30 WHERE id = ?", "i", id);
	CHECK_INT(xchg_token_auth(db, tok, NULL, &api, &err), 0);
	int64_t t1 = 0;
	db_query_int(db, &t1, &err, "SELECT last_used_at FROM api_tokens WHERE id = ?", "i", id);
	CHECK_INT(t1, t0 - 30);
	db_exec(db, &err, "UPDATE api_tokens SET last_used_at = last_used_at - 60 WHERE id = ?", "i", id);
	CHECK_INT(xchg_token_auth(db, tok, NULL, &api, &err), 0);
	db_query_int(db, &t1, &err, "SELECT last_used_at FROM api_tokens WHERE id = ?", "i", id);
	CHECK(t1 >= t0);
	CHECK_INT(xchg_token_auth(db, "tv_0000", NULL, &api, &err), ERR_AUTH);
	char wrong[XCHG_TOKEN_LEN + 1];
	memcpy(wrong, tok, sizeof wrong);
	wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
	CHECK_INT(xchg_token_auth(db, wrong, NULL, &api, &err), ERR_AUTH);
	actor_t other = actor_at(pgd2, ROLE_UNIT_ADMIN);
	CHECK_INT(xchg_token_revoke(db, &other, id, &err), ERR_NOTFOUND);
	CHECK_INT(xchg_token_auth(db, tok, NULL, &api, &err), 0);
	CHECK_INT(xchg_token_revoke(db, &adm, id, &err), 0);
	CHECK_INT(xchg_token_auth(db, tok, NULL, &api, &err), ERR_AUTH);
	CHECK_INT(xchg_token_revoke(db, &adm, id, &err), 0); /* twice is fine */
	xchg_token_t *tv;
	CHECK_INT(xchg_token_list(db, &other, A, &tv, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(xchg_token_list(db, &adm, A, &tv, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK(tv[0].revoked_at > 0);
	CHECK(tv[0].last_used_at > 0);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action LIKE 'api_token.%'"), 2);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 16);
	RUN(test_setup);
	RUN(test_year_parse);
	RUN(test_csv_bom_semicolon);
	RUN(test_xlsx);
	RUN(test_json);
	RUN(test_broken_files);
	RUN(test_row_errors_all_or_nothing);
	RUN(test_move_and_scope);
	RUN(test_enrolment);
	RUN(test_tokens);
	arena_free(A);
	testdb_close(db);
	return check_summary("exchange");
}
