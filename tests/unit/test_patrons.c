/* test_patrons.c: readers (src/patrons): the record's checks, create and edit with their
 * conflicts and the tenant scope, photos, class lists read from CSV and XLSX files (written here:
 * plain bytes and libxlsxwriter workbooks) and imported twice, a 2,000-row import timed, and the
 * end-of-year promotion with its undo, refused after a loan. On $THUVIEN_TEST_DB's backend. */
#include <stdio.h>
#include <string.h>

#include <xlsxwriter.h>

#include "accounts/accounts.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/clock.h"
#include "check.h"
#include "patrons/patrons.h"
#include "testdb.h"
#include "units/units.h"

static db_t *db;
static arena_t *A;
static actor_t lib1, lib2, leader, office, office2;
static int64_t th1, th2;
static char dir[256];
static const char *PW = "mat-khau-dai-du";

static void test_setup(void)
{
	err_t err;
	int64_t sgd = 0, pgd = 0, pgd2 = 0;
	unit_new_t u0 = { .code = "SGD", .name = "Sở", .kind = "department" };
	CHECK_INT(units_create(db, NULL, &u0, &sgd, &err), 0);
	unit_new_t u1 = { .parent_id = sgd, .code = "PGD01", .name = "Phòng 1", .kind = "office" };
	CHECK_INT(units_create(db, NULL, &u1, &pgd, &err), 0);
	unit_new_t u1b = { .parent_id = sgd, .code = "PGD02", .name = "Phòng 2", .kind = "office" };
	CHECK_INT(units_create(db, NULL, &u1b, &pgd2, &err), 0);
	unit_new_t u2 = { .parent_id = pgd,
		          .code = "THCS001",
		          .name = "Trường 1",
		          .kind = "school",
		          .school_level = "thcs" };
	CHECK_INT(units_create(db, NULL, &u2, &th1, &err), 0);
	unit_new_t u3 = {
		.parent_id = pgd2, .code = "TH002", .name = "Trường 2", .kind = "school", .school_level = "th"
	};
	CHECK_INT(units_create(db, NULL, &u3, &th2, &err), 0);
	testdb_account_t acc[] = { { "thuthu.1", "librarian", th1 },
		    { "thuthu.2", "librarian", th2 },
		    { "bgh.1", "leader", th1 },
		    { "cv.1", "inspector", pgd },
		    { "cv.2", "inspector", pgd2 } };
	CHECK_INT(testdb_accounts(db, acc, sizeof acc / sizeof acc[0], PW), 0);
	lib1 = testdb_login(db, "thuthu.1", PW);
	lib2 = testdb_login(db, "thuthu.2", PW);
	leader = testdb_login(db, "bgh.1", PW);
	office = testdb_login(db, "cv.1", PW);
	office2 = testdb_login(db, "cv.2", PW);
	CHECK(lib1.account_id && lib2.account_id && leader.account_id && office.account_id &&
	      office2.account_id);
}

static void test_values(void)
{
	CHECK_INT(patrons_grade_of_class("6A1"), 6);
	CHECK_INT(patrons_grade_of_class("10A2"), 10);
	CHECK_INT(patrons_grade_of_class("Lớp 7/3"), 7);
	CHECK_INT(patrons_grade_of_class("A1"), 0);
	CHECK_INT(patrons_grade_of_class("13A"), 0);
	char y[16];
	int64_t d;
	clock_day_parse("2026-11-29", &d);
	patrons_school_year(d, y, sizeof y);
	CHECK_STR(y, "2026-2027");
	clock_day_parse("2027-05-31", &d);
	patrons_school_year(d, y, sizeof y);
	CHECK_STR(y, "2026-2027");
	err_t err;
	patron_t in = { .full_name = "  Nguyễn   Văn  An ",
		        .class_name = "6A1",
		        .gender = "Nữ",
		        .birth_date = "5/9/2014",
		        .student_code = "HS001" },
	         p;
	CHECK_INT(patrons_prepare(A, &in, &p, &err), 0);
	CHECK_STR(p.full_name, "Nguyễn Văn An");
	CHECK_STR(p.kind, "student");
	CHECK_INT(p.grade, 6);
	CHECK_STR(p.gender, "F");
	CHECK_STR(p.birth_date, "2014-09-05");
	CHECK_STR(p.code, "HS001"); /* the card code defaults to the student code */
	in.birth_date = "31/02/2014";
	CHECK_INT(patrons_prepare(A, &in, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.patron.birth_date");
	in.birth_date = "2014-09-05";
	in.class_name = "";
	CHECK_INT(patrons_prepare(A, &in, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.patron.class");
	in.kind = "Giáo viên"; /* a teacher needs no class and has no grade */
	CHECK_INT(patrons_prepare(A, &in, &p, &err), 0);
	CHECK_STR(p.kind, "teacher");
	CHECK_INT(p.grade, 0);
	in.kind = "phụ huynh";
	CHECK_INT(patrons_prepare(A, &in, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.patron.kind");
	in.kind = NULL;
	in.class_name = "6A1";
	in.full_name = "   ";
	CHECK_INT(patrons_prepare(A, &in, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.patron.name");
	in.full_name = "An";
	in.national_id = "079-214";
	CHECK_INT(patrons_prepare(A, &in, &p, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.patron.national_id");
}

static int64_t count(const char *sql, int64_t arg)
{
	int64_t n = -1;
	err_t err;
	CHECK_INT(db_query_int(db, &n, &err, sql, "i", arg), 0);
	return n;
}

static void test_create_edit(void)
{
	err_t err;
	int64_t id = 0, id2 = 0, id3 = 0;
	patron_t in = { .full_name = "Trần Thị Bình",
		        .class_name = "7A2",
		        .student_code = "HS100",
		        .national_id = "079214000100",
		        .birth_date = "2013-01-02" };
	CHECK_INT(patrons_create(db, &lib1, &in, A, &id, &err), 0);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action = 'patron.create' AND entity_id = ?", id),
	          1);
	patron_t p;
	CHECK_INT(patrons_get(db, &lib1, id, A, &p, &err), 0);
	CHECK_STR(p.code, "HS100");
	CHECK_INT(p.grade, 7);
	CHECK_STR(p.status, "active");
	CHECK_INT(patrons_get_by_code(db, &lib1, " HS100 ", A, &p, &err), 0);
	CHECK_INT(p.id, id);
	/* Readers of the subtree: the leader and the office read; another office and school do not. */
	CHECK_INT(patrons_get(db, &leader, id, A, &p, &err), 0);
	CHECK_INT(patrons_get(db, &office, id, A, &p, &err), 0);
	CHECK_INT(patrons_get(db, &office2, id, A, &p, &err), ERR_NOTFOUND);
	CHECK_INT(patrons_get(db, &lib2, id, A, &p, &err), ERR_NOTFOUND);
	CHECK_INT(patrons_get_by_code(db, &lib2, "HS100", A, &p, &err), ERR_NOTFOUND);
	/* Only the school's librarian writes. */
	CHECK_INT(patrons_create(db, &leader, &in, A, &id2, &err), ERR_FORBIDDEN);
	CHECK_INT(patrons_set_status(db, &lib2, id, "blocked", "mất sách", A, &err), ERR_NOTFOUND);
	/* The same student code in the school; the same national id anywhere, with no word of where. */
	CHECK_INT(patrons_create(db, &lib1, &in, A, &id2, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.patron.code_taken");
	patron_t other = { .full_name = "Lê Văn C", .class_name = "3A1", .national_id = "079214000100" };
	CHECK_INT(patrons_create(db, &lib2, &other, A, &id2, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.patron.national_id_taken");
	CHECK(!strstr(err.detail, "HS100") && !strstr(err.detail, "THCS001"));
	/* The same student code in another school is fine; a reader without codes gets BD000001. */
	other.national_id = NULL;
	other.student_code = "HS100";
	CHECK_INT(patrons_create(db, &lib2, &other, A, &id2, &err), 0);
	patron_t teacher = { .full_name = "Phạm Văn Dạy", .kind = "teacher" };
	CHECK_INT(patrons_create(db, &lib1, &teacher, A, &id3, &err), 0);
	CHECK_INT(patrons_get(db, &lib1, id3, A, &p, &err), 0);
	CHECK_STR(p.code, "BD000002");
	/* Edit: a stale version writes nothing; the right one writes once with its audit row. */
	CHECK_INT(patrons_get(db, &lib1, id, A, &p, &err), 0);
	patron_t ed = in;
	ed.class_name = "7A3";
	const char *changes = NULL;
	CHECK_INT(patrons_update(db, &lib1, id, p.version - 1, &ed, A, &changes, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.patron.stale");
	CHECK_INT(patrons_update(db, &lib1, id, p.version, &ed, A, &changes, &err), 0);
	CHECK(strstr(changes, "7A3") != NULL);
	CHECK_INT(patrons_update(db, &lib1, id, p.version, &ed, A, &changes, &err), ERR_CONFLICT);
	CHECK_INT(count("SELECT COUNT(*) FROM audit WHERE action = 'patron.edit' AND entity_id = ?", id), 1);
	/* Block needs a reason; unblock; left. */
	CHECK_INT(patrons_set_status(db, &lib1, id, "blocked", "", A, &err), ERR_INVALID);
	CHECK_INT(patrons_set_status(db, &lib1, id, "blocked", "Làm mất sách", A, &err), 0);
	CHECK_INT(patrons_get(db, &lib1, id, A, &p, &err), 0);
	CHECK_STR(p.status, "blocked");
	CHECK_STR(p.status_note, "Làm mất sách");
	CHECK_INT(patrons_set_status(db, &lib1, id, "active", "", A, &err), 0);
	CHECK_INT(patrons_set_status(db, &lib1, id, "graduated", "", A, &err), ERR_INVALID);
	/* Lists: by name words folded, by code, by class; the other school's reader is not listed. */
	patron_t *v;
	size_t n;
	int64_t total;
	patron_query_t q = { .q = "binh tran" };
	CHECK_INT(patrons_list(db, &office, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 1);
	q.q = "HS100";
	CHECK_INT(patrons_list(db, &office, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 1);
	q.q = "100%";
	CHECK_INT(patrons_list(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 0);
	q = (patron_query_t){ .kind = "teacher" };
	CHECK_INT(patrons_list(db, &lib1, &q, A, &v, &n, &total, &err), 0);
	CHECK_INT(total, 1);
	/* Photos: PNG and JPEG by their bytes; anything else, or too big, refused. */
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR rest";
	CHECK_INT(patrons_photo_put(db, &lib1, id, png, sizeof png, &err), 0);
	const unsigned char *bytes;
	size_t len;
	const char *mime;
	CHECK_INT(patrons_photo_get(db, &leader, id, A, &bytes, &len, &mime, &err), 0);
	CHECK_STR(mime, "image/png");
	CHECK(len == sizeof png && !memcmp(bytes, png, len));
	CHECK_INT(patrons_photo_get(db, &lib2, id, A, &bytes, &len, &mime, &err), ERR_NOTFOUND);
	CHECK_INT(patrons_photo_get(db, &lib1, id3, A, &bytes, &len, &mime, &err), ERR_NOTFOUND);
	CHECK_STR(err.key, "err.photo.none");
	CHECK_INT(patrons_photo_put(db, &lib1, id, "GIF89a", 6, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.photo.type");
	static unsigned char big[PATRONS_PHOTO_MAX + 1] = { 0xFF, 0xD8, 0xFF };
	CHECK_INT(patrons_photo_put(db, &lib1, id, big, sizeof big, &err), ERR_TOOBIG);
	CHECK_INT(patrons_photo_put(db, &lib2, id, png, sizeof png, &err), ERR_NOTFOUND);
}

/* --- class lists ------------------------------------------------------------------------------ */

static int read_list(const char *data, size_t len, patrons_sheet_t *s, int map[PF__COUNT], err_t *err)
{
	int rc = patrons_sheet_read(data, len, A, s, err);
	if (rc == 0)
		patrons_mapping_guess(s, map);
	return rc;
}

static void test_csv_reading(void)
{
	patrons_sheet_t s;
	int map[PF__COUNT];
	err_t err;
	/* BOM, ';', two title rows, a quoted field with the separator. */
	const char *csv = "\xEF\xBB\xBF"
	                  "SỞ GIÁO DỤC VÀ ĐÀO TẠO;;;\r\n"
	                  "DANH SÁCH HỌC SINH;;;\r\n"
	                  ";;;\r\n"
	                  "STT;Mã HS;Họ và tên;Ngày sinh;Lớp;Giới tính\r\n"
	                  "1;HS1;\"Nguyễn Văn; An\";05/09/2014;6A1;Nam\r\n"
	                  "2;HS2;Trần Thị Bình;2014-01-02;6A1;Nữ\r\n";
	CHECK_INT(read_list(csv, strlen(csv), &s, map, &err), 0);
	CHECK_STR(s.format, "csv");
	CHECK_INT(s.header_line, 4);
	CHECK_INT(s.nrows, 2);
	CHECK_INT(map[PF_STUDENT_CODE], 1);
	CHECK_INT(map[PF_FULL_NAME], 2);
	CHECK_INT(map[PF_BIRTH_DATE], 3);
	CHECK_INT(map[PF_CLASS], 4);
	CHECK_INT(map[PF_GENDER], 5);
	CHECK_INT(map[PF_NATIONAL_ID], -1);
	CHECK_STR(s.rows[0].cell[2], "Nguyễn Văn; An");
	CHECK_INT(s.rows[1].line, 6);
	/* Tabs; split name columns. */
	const char *tsv = "Mã học sinh\tHọ đệm\tTên\tLớp\nHS3\tLê Thị\tCúc\t7A1\n";
	CHECK_INT(read_list(tsv, strlen(tsv), &s, map, &err), 0);
	CHECK_INT(map[PF_FULL_NAME], -1);
	CHECK_INT(map[PF_LAST_NAME], 1);
	CHECK_INT(map[PF_FIRST_NAME], 2);
	/* Windows-1258 / 1252 bytes: refused, asking for CSV UTF-8. */
	const char *latin = "H\xf4 v\xe0 t\xean,L\xf4p\nAn,6A1\n";
	CHECK_INT(read_list(latin, strlen(latin), &s, map, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.pimport.utf8");
	/* No header among the rows; nothing at all. */
	const char *nohead = "a,b,c\n1,2,3\n";
	CHECK_INT(read_list(nohead, strlen(nohead), &s, map, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.pimport.header");
	CHECK_INT(read_list("\n\n", 2, &s, map, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.pimport.empty");
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *d = malloc((size_t)n + 1);
	*len = fread(d, 1, (size_t)n, f);
	fclose(f);
	return d;
}

/* A class list as SMAS exports it: title rows, merged Lớp cells, split name, dates as dates. */
static char *smas_xlsx(size_t *len)
{
	char path[300];
	snprintf(path, sizeof path, "%s/lop.xlsx", dir);
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "DS");
	lxw_format *date = workbook_add_format(wb);
	format_set_num_format(date, "dd/mm/yyyy");
	worksheet_merge_range(ws, 0, 0, 0, 6, "DANH SÁCH HỌC SINH NĂM HỌC 2026-2027", NULL);
	const char *head[] = { "STT", "Lớp",       "Mã học sinh",          "Họ và tên đệm",
		               "Tên", "Ngày sinh", "Mã định danh Bộ GD&ĐT" };
	for (int c = 0; c < 7; c++)
		worksheet_write_string(ws, 2, (lxw_col_t)c, head[c], NULL);
	worksheet_merge_range(ws, 3, 1, 5, 1, "8A1", NULL);
	const char *last[] = { "Hoàng Văn", "Đỗ Thị", "Vũ" }, *first[] = { "Long", "Mai", "Nam" };
	for (int r = 0; r < 3; r++) {
		worksheet_write_number(ws, (lxw_row_t)(3 + r), 0, r + 1, NULL);
		char code[16], nid[16];
		snprintf(code, sizeof code, "X%d", r + 1);
		snprintf(nid, sizeof nid, "07921200000%d", r + 1);
		worksheet_write_string(ws, (lxw_row_t)(3 + r), 2, code, NULL);
		worksheet_write_string(ws, (lxw_row_t)(3 + r), 3, last[r], NULL);
		worksheet_write_string(ws, (lxw_row_t)(3 + r), 4, first[r], NULL);
		lxw_datetime d = { 2012, 3, 10 + r, 0, 0, 0 };
		worksheet_write_datetime(ws, (lxw_row_t)(3 + r), 5, &d, date);
		worksheet_write_string(ws, (lxw_row_t)(3 + r), 6, nid, NULL);
	}
	workbook_close(wb);
	return slurp(path, len);
}

static void test_xlsx_import(void)
{
	size_t len = 0;
	char *data = smas_xlsx(&len);
	CHECK(data != NULL);
	if (!data)
		return;
	patrons_sheet_t s;
	int map[PF__COUNT];
	err_t err;
	CHECK_INT(read_list(data, len, &s, map, &err), 0);
	CHECK_STR(s.format, "xlsx");
	CHECK_INT(s.header_line, 3);
	CHECK_INT(s.nrows, 3);
	CHECK_INT(map[PF_CLASS], 1);
	CHECK_INT(map[PF_LAST_NAME], 3);
	CHECK_INT(map[PF_FIRST_NAME], 4);
	CHECK_INT(map[PF_NATIONAL_ID], 6);
	patrons_import_t r;
	CHECK_INT(patrons_import_check(db, &lib1, &s, map, A, &r, &err), 0);
	CHECK_INT(r.created, 3);
	CHECK_INT(r.errors, 0);
	CHECK_STR(r.rows[2].p.full_name, "Vũ Nam");
	CHECK_STR(r.rows[2].p.class_name, "8A1"); /* merged cell */
	CHECK_STR(r.rows[1].p.birth_date, "2012-03-11");
	CHECK_INT(r.rows[0].p.grade, 8);
	CHECK_INT(patrons_import_commit(db, &lib1, &s, map, false, A, &r, &err), 0);
	CHECK(r.written);
	/* Again: nothing changes, nothing written. */
	CHECK_INT(patrons_import_commit(db, &lib1, &s, map, false, A, &r, &err), 0);
	CHECK(!r.written);
	CHECK_INT(r.unchanged, 3);
	CHECK_INT(r.created + r.updated, 0);
	/* The mapping is remembered for the next file of the school. */
	bool remembered = false;
	int m2[PF__COUNT];
	patrons_mapping_guess(&s, m2);
	m2[PF_NATIONAL_ID] = -1;
	CHECK_INT(patrons_mapping_load(db, &lib1, &s, m2, &remembered, &err), 0);
	CHECK(remembered);
	CHECK_INT(m2[PF_NATIONAL_ID], 6);
	/* Another school's librarian importing the same national ids: refused row by row. */
	CHECK_INT(patrons_import_check(db, &lib2, &s, map, A, &r, &err), 0);
	CHECK_INT(r.errors, 3);
	CHECK_STR(r.rows[0].key, "err.patron.national_id_taken");
	CHECK_INT(patrons_import_commit(db, &lib2, &s, map, false, A, &r, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.pimport.has_errors");
	free(data);
}

static void test_csv_import(void)
{
	patrons_sheet_t s;
	int map[PF__COUNT];
	err_t err;
	patrons_import_t r;
	const char *v1 = "Mã HS,Họ tên,Ngày sinh,Lớp,Giới tính,Đối tượng\n"
	                 "C1,Ngô Bảo Châu,1/2/2013,7A1,Nam,Học sinh\n"
	                 "C2,Đinh Thu Hà,02/03/2013,7A1,Nữ,\n"
	                 "C3,Bùi Xuân Phái,,,Nam,Giáo viên\n";
	CHECK_INT(read_list(v1, strlen(v1), &s, map, &err), 0);
	CHECK_INT(patrons_import_commit(db, &lib1, &s, map, false, A, &r, &err), 0);
	CHECK_INT(r.created, 3);
	int64_t before =
	    count("SELECT COUNT(*) FROM audit WHERE action = 'patron.import' AND unit_id = ?", th1);
	CHECK_INT(before, 2); /* the XLSX list's and this one */
	/* A changed class updates; an empty cell keeps the value; errors are listed by line. */
	const char *v2 = "Mã HS,Họ tên,Ngày sinh,Lớp,Giới tính,Đối tượng\n"
	                 "C1,Ngô Bảo Châu,1/2/2013,7A2,,Học sinh\n"
	                 "C2,Đinh Thu Hà,02/03/2013,7A1,Nữ,\n"
	                 "C4,,01/01/2013,7A1,,\n"
	                 "C5,Lý Công Uẩn,32/01/2013,7A1,,\n"
	                 "C6,Trần Hưng Đạo,01/01/2013,,,\n"
	                 "C2,Đinh Thu Hà Hai,02/03/2013,7A1,Nữ,\n"
	                 "C7,Mạc Đĩnh Chi,01/01/2013,7A3,,\n";
	CHECK_INT(read_list(v2, strlen(v2), &s, map, &err), 0);
	CHECK_INT(patrons_import_check(db, &lib1, &s, map, A, &r, &err), 0);
	CHECK_INT(r.updated, 1);
	CHECK_INT(r.unchanged, 1);
	CHECK_INT(r.created, 1);
	CHECK_INT(r.errors, 4);
	CHECK_INT(r.rows[0].action, PI_UPDATE);
	CHECK(r.rows[0].changes && strstr(r.rows[0].changes, "7A2"));
	CHECK_STR(r.rows[0].p.gender, "M");
	CHECK_STR(r.rows[2].key, "err.patron.name");
	CHECK_INT(r.rows[2].line, 4);
	CHECK_STR(r.rows[3].key, "err.patron.birth_date");
	CHECK_STR(r.rows[4].key, "err.patron.class");
	CHECK_STR(r.rows[5].key, "err.pimport.dup_student_code");
	/* Refused whole while errors exist; with skip_errors the good rows only. */
	CHECK_INT(patrons_import_commit(db, &lib1, &s, map, false, A, &r, &err), ERR_INVALID);
	CHECK_INT(count("SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND student_code = 'C7'", th1), 0);
	CHECK_INT(patrons_import_commit(db, &lib1, &s, map, true, A, &r, &err), 0);
	CHECK(r.written);
	CHECK_INT(count("SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND student_code = 'C7'", th1), 1);
	CHECK_INT(count("SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND student_code = 'C1' AND "
	                "class_name = '7A2'",
	                th1),
	          1);
	/* A list without any code: card numbers are given (BD...), and the same list again is matched
	 * by name and birth date. */
	const char *nocode =
	    "Họ và tên,Ngày sinh,Lớp\nTô Hiến Thành,03/03/2013,7A4\nTô Ngọc Vân,04/04/2013,7A4\n";
	CHECK_INT(read_list(nocode, strlen(nocode), &s, map, &err), 0);
	CHECK_INT(patrons_import_commit(db, &lib1, &s, map, false, A, &r, &err), 0);
	CHECK_INT(r.created, 2);
	CHECK(r.rows[0].p.code && !strncmp(r.rows[0].p.code, "BD", 2) &&
	      strcmp(r.rows[0].p.code, r.rows[1].p.code));
	CHECK_INT(patrons_import_commit(db, &lib1, &s, map, false, A, &r, &err), 0);
	CHECK_INT(r.unchanged, 2);
	CHECK(!r.written);
	/* Missing name columns: the mapping is refused. */
	const char *noname = "Mã HS,Lớp\nC1,7A1\n";
	CHECK_INT(read_list(noname, strlen(noname), &s, map, &err), 0);
	CHECK_INT(patrons_import_check(db, &lib1, &s, map, A, &r, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.pimport.no_name");
	/* Readers of the school cannot import. */
	CHECK_INT(patrons_import_check(db, &leader, &s, map, A, &r, &err), ERR_FORBIDDEN);
}

static void test_big_import(void)
{
	static const char *const ho[] = { "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng" };
	static const char *const dem[] = { "Văn", "Thị", "Minh", "Ngọc", "Quốc", "Thu" };
	static const char *const ten[] = { "An", "Bình", "Chi",  "Dũng", "Giang",
		                           "Hà", "Khoa", "Linh", "Nam",  "Tú" };
	buf_t b = BUF_INIT;
	buf_puts(&b, "Mã học sinh,Họ và tên,Ngày sinh,Lớp,Mã định danh\n");
	for (int i = 0; i < 2000; i++)
		buf_printf(&b, "B%05d,%s %s %s,%02d/%02d/2015,%dA%d,0792150%05d\n", i, ho[i % 8], dem[i % 6],
		           ten[i % 10], 1 + i % 28, 1 + i % 12, 6 + i % 4, 1 + i % 5, i);
	patrons_sheet_t s;
	int map[PF__COUNT];
	err_t err;
	patrons_import_t r;
	CHECK_INT(read_list(b.data, b.len, &s, map, &err), 0);
	int64_t t0 = clock_usec();
	CHECK_INT(patrons_import_commit(db, &lib2, &s, map, false, A, &r, &err), 0);
	int64_t t1 = clock_usec();
	CHECK_INT(r.created, 2000);
	CHECK_INT(patrons_import_commit(db, &lib2, &s, map, false, A, &r, &err), 0);
	int64_t t2 = clock_usec();
	CHECK_INT(r.unchanged, 2000);
	printf("  2,000 rows: first import %.0f ms, again (unchanged) %.0f ms (%s)\n",
	       (double)(t1 - t0) / 1000, (double)(t2 - t1) / 1000, db_kind_name(db));
	CHECK(t1 - t0 < 3000000);
	buf_release(&b);
}

static void test_promotion(void)
{
	err_t err;
	patrons_promotion_t p;
	/* THCS001: final grade 9. Students of 7A2, 7A1, 8A1, 7A3 and a graduate-to-be in 9A1. */
	patron_t g = { .full_name = "Cao Bá Quát", .class_name = "9A1", .student_code = "G9" };
	int64_t gid = 0;
	CHECK_INT(patrons_create(db, &lib1, &g, A, &gid, &err), 0);
	CHECK_INT(patrons_promote_preview(db, &lib1, A, &p, &err), 0);
	CHECK_INT(p.final_grade, 9);
	CHECK(p.nclasses >= 4);
	bool seen = false;
	for (size_t i = 0; i < p.nclasses; i++)
		if (!strcmp(p.classes[i].from_class, "8A1")) {
			CHECK_STR(p.classes[i].to_class, "9A1");
			seen = true;
		} else if (!strcmp(p.classes[i].from_class, "9A1"))
			CHECK(p.classes[i].graduate);
	CHECK(seen);
	int64_t teachers = count("SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND kind = 'teacher' AND "
	                         "class_name = ''",
	                         th1);
	int64_t id = 0;
	CHECK_INT(patrons_promote_commit(db, &leader, A, &id, &err), ERR_FORBIDDEN);
	CHECK_INT(patrons_promote_commit(db, &lib1, A, &id, &err), 0);
	CHECK_INT(count("SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND student_code = 'X1' AND "
	                "class_name = '9A1' "
	                "AND grade = 9",
	                th1),
	          1);
	CHECK_INT(count("SELECT COUNT(*) FROM patrons WHERE id = ? AND status = 'graduated'", gid), 1);
	CHECK_INT(
	    count("SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND kind = 'teacher' AND class_name = ''",
	          th1),
	    teachers);
	/* The same year twice: refused. */
	int64_t id2 = 0;
	CHECK_INT(patrons_promote_commit(db, &lib1, A, &id2, &err), ERR_CONFLICT);
	/* Undo restores; another school cannot undo it. */
	CHECK_INT(patrons_promote_undo(db, &lib2, id, &err), ERR_NOTFOUND);
	CHECK_INT(patrons_promote_undo(db, &lib1, id, &err), 0);
	CHECK_INT(count("SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND student_code = 'X1' AND "
	                "class_name = '8A1' "
	                "AND grade = 8",
	                th1),
	          1);
	CHECK_INT(count("SELECT COUNT(*) FROM patrons WHERE id = ? AND status = 'active'", gid), 1);
	CHECK_INT(patrons_promote_undo(db, &lib1, id, &err), ERR_CONFLICT);
	/* Promote again, then a loan: undo refused. */
	CHECK_INT(patrons_promote_commit(db, &lib1, A, &id, &err), 0);
	int64_t bib = 0, item = 0;
	CHECK_INT(
	    db_insert_id(
	        db, &bib, &err,
	        "INSERT INTO biblios (unit_id, doc_type, title, created_at, updated_at) VALUES (?, 'STK', "
	        "'Sách', 0, 0) RETURNING id",
	        "i", th1),
	    0);
	CHECK_INT(
	    db_insert_id(db, &item, &err,
	                 "INSERT INTO items (unit_id, biblio_id, register, accession_no, accession, barcode, "
	                 "created_at) VALUES (?, ?, 'STK', 1, 'STK-000001', 'B1', 0) RETURNING id",
	                 "ii", th1, bib),
	    0);
	CHECK_INT(
	    db_exec(
	        db, &err,
	        "INSERT INTO loans (unit_id, item_id, biblio_id, patron_id, patron_kind, doc_type, out_at, "
	        "out_day, due) VALUES (?, ?, ?, ?, 'student', 'STK', ?, '2026-12-01', '2026-12-15')",
	        "iiiii", th1, item, bib, gid, clock_now() + 5),
	    1);
	CHECK_INT(patrons_promote_preview(db, &lib1, A, &p, &err), 0);
	CHECK(!p.last_can_undo);
	CHECK_INT(p.ngraduates_with_loans, 1);
	CHECK_INT(patrons_promote_undo(db, &lib1, id, &err), ERR_CONFLICT);
	CHECK_STR(err.key, "err.promote.undo_loans");
}

int main(void)
{
	db = testdb_open();
	A = arena_new(1 << 20);
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/thuvien-patrons-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return 2;
	RUN(test_setup);
	RUN(test_values);
	RUN(test_create_edit);
	RUN(test_csv_reading);
	RUN(test_xlsx_import);
	RUN(test_csv_import);
	RUN(test_big_import);
	RUN(test_promotion);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
	arena_free(A);
	testdb_close(db);
	return check_summary("patrons");
}
