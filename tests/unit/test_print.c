/* test_print.c: the printed-form writer (src/print): the unit block read from the units table
 * (upper-cased Vietnamese, the place from the parent's name), the register's way of writing a
 * day, and a real PDF: a cover, a two-row header table of 500 rows of Vietnamese text, a total
 * line, signatures, read back with pdftotext (text extracted with its marks, "Trang 2" at a
 * foot, the header repeated on later pages, no row split) and pdfinfo (the page count the
 * writer says it wrote). poppler-utils comes from scripts/install-deps.sh. */
#include "check.h"
#include "testdb.h"

#include <cairo.h>
#include <pango/pangocairo.h>

#include "base/clock.h"
#include "print/print.h"
#include "units/units.h"

/* fontconfig's configuration, parsed once per process, is freed only by FcFini(). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static db_t *db;
static arena_t *A;
static int64_t sgd, pgd, school, orphan;
static char tmpdir[256];

static int run(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	if (!f)
		return -1;
	size_t k = fread(out, 1, size - 1, f);
	out[k] = 0;
	/* drain whatever did not fit, so the command does not die of SIGPIPE */
	char sink[4096];
	while (fread(sink, 1, sizeof sink, f) > 0)
		;
	return pclose(f);
}

static int have(const char *tool)
{
	char cmd[128], out[256];
	snprintf(cmd, sizeof cmd, "command -v %s", tool);
	if (run(cmd, out, sizeof out) == 0)
		return 1;
	fprintf(stderr, "  %s is missing: scripts/install-deps.sh installs it (poppler-utils)\n", tool);
	return 0;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void setup(void)
{
	err_t err;
	unit_new_t u0 = { .code = "SGD",
		          .name = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
		          .kind = "department" };
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
	CHECK_INT(units_create(db, NULL, &u2, &school, &err), 0);
	unit_new_t u3 = { .parent_id = sgd,
		          .code = "X1",
		          .name = "Trường Tiểu học Đinh Tiên Hoàng",
		          .kind = "school",
		          .school_level = "th" };
	CHECK_INT(units_create(db, NULL, &u3, &orphan, &err), 0);
}

static void test_unit_of(void)
{
	print_unit_t u;
	err_t err;
	CHECK_INT(print_unit_of(db, school, A, &u, &err), 0);
	CHECK_STR(u.school, "TRƯỜNG THCS NGUYỄN DU");
	CHECK_STR(u.governing, "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN 1");
	CHECK_STR(u.place, "Quận 1");
	CHECK_STR(u.name, "Trường THCS Nguyễn Du");
	CHECK_INT(print_unit_of(db, orphan, A, &u, &err), 0);
	CHECK_STR(u.school, "TRƯỜNG TIỂU HỌC ĐINH TIÊN HOÀNG");
	CHECK_STR(u.governing, "SỞ GIÁO DỤC VÀ ĐÀO TẠO THÀNH PHỐ HỒ CHÍ MINH");
	CHECK_STR(u.place, "Thành phố Hồ Chí Minh");
	CHECK_INT(print_unit_of(db, sgd, A, &u, &err), 0);
	CHECK_STR(u.governing, ""); /* the top of the tree governs itself */
	CHECK_STR(u.place, "");
	CHECK_INT(print_unit_of(db, 999999, A, &u, &err), ERR_NOTFOUND);
}

static void test_day_roman(void)
{
	char s[16];
	print_day_roman("2025-11-26", s, sizeof s);
	CHECK_STR(s, "26.XI.2025");
	print_day_roman("2026-01-05", s, sizeof s);
	CHECK_STR(s, "5.I.2026");
	print_day_roman("2026-08-31", s, sizeof s);
	CHECK_STR(s, "31.VIII.2026");
	print_day_roman("2026-02-30", s, sizeof s);
	CHECK_STR(s, "");
	print_day_roman("hôm qua", s, sizeof s);
	CHECK_STR(s, "");
	print_day_roman(NULL, s, sizeof s);
	CHECK_STR(s, "");
}

static const print_col_t COLS[] = {
	{ "Ngày vào sổ", 20, PRINT_CENTRE, NULL },      { "Số ĐKCB", 22, PRINT_CENTRE, NULL },
	{ "Tên sách / Tác giả", 0, PRINT_LEFT, NULL },  { "Nơi xuất bản", 20, PRINT_LEFT, "Xuất bản" },
	{ "Nhà xuất bản", 26, PRINT_LEFT, "Xuất bản" }, { "Năm", 11, PRINT_CENTRE, "Xuất bản" },
	{ "Giá tiền", 18, PRINT_RIGHT, NULL },          { "Số vào sổ tổng quát", 16, PRINT_CENTRE, NULL },
	{ "Môn loại", 16, PRINT_CENTRE, NULL },         { "2024-2025", 16, PRINT_CENTRE, "Kiểm kê" },
	{ "2025-2026", 16, PRINT_CENTRE, "Kiểm kê" },   { "Ghi chú", 34, PRINT_LEFT, NULL },
};
#define NCOLS (sizeof COLS / sizeof COLS[0])
#define NROWS 500

/* The register of the test: a cover, the table, a total line and the signatures. */
static int write_register(buf_t *out, int *pages, err_t *err)
{
	print_unit_t u;
	if (print_unit_of(db, school, A, &u, err) < 0)
		return -1;
	print_doc_t *d = print_open(
	    out, &(print_opts_t){ .landscape = true, .foot = "Sổ đăng ký cá biệt – STK", .font_pt = 8 }, err);
	if (!d)
		return -1;
	print_cover(d, &u, "SỔ ĐĂNG KÝ CÁ BIỆT", "Sách tham khảo (STK)", "Năm học 2025-2026");
	print_unit_block(d, &u, false);
	print_title(d, "SỔ ĐĂNG KÝ CÁ BIỆT", "Sách tham khảo");
	print_table(d, COLS, NCOLS);
	char day[16], acc[32], title[200];
	int64_t total = 0;
	for (int i = 1; i <= NROWS; i++) {
		print_row(d);
		print_day_roman("2025-11-26", day, sizeof day);
		print_cell(d, day);
		snprintf(acc, sizeof acc, "STK-%06d", i);
		print_cell(d, acc);
		/* every seventh title long enough to wrap onto two or three lines */
		snprintf(title, sizeof title, "Tiếng Việt nâng cao lớp %d%s / Nguyễn Thị Hương", i,
		         i % 7 == 0 ? ": bồi dưỡng học sinh giỏi, luyện thi vào lớp mười chuyên, tập hai"
		                    : "");
		print_cell(d, title);
		print_cell(d, "Hà Nội");
		print_cell(d, "Giáo dục Việt Nam");
		snprintf(day, sizeof day, "%d", 2020 + i % 6);
		print_cell(d, day);
		print_cell_money(d, 45000 + i);
		total += 45000 + i;
		print_cell_int(d, 1 + i / 50);
		print_cell(d, "8(V)");
		print_cell(d, "C");
		print_cell(d, i == 250 ? "M" : "C");
		print_cell(d, i == 77 ? "đã thanh lọc QĐ số 12/QĐ-THCS ngày 03/06/2026" : NULL);
	}
	print_row_bold(d);
	print_cell(d, NULL);
	print_cell(d, NULL);
	print_cell(d, "Cộng");
	print_cell(d, NULL);
	print_cell(d, NULL);
	print_cell(d, NULL);
	print_cell_money(d, total);
	print_table_end(d);
	print_sign_t s[2] = { { "NGƯỜI LẬP", "Lê Thị Thu" }, { "HIỆU TRƯỞNG", "Trần Văn Minh" } };
	print_signatures(d, u.place, "2026-11-29", s, 2);
	*pages = print_pages(d);
	return print_close(d, 0, err);
}

static void test_register_pdf(void)
{
	buf_t pdf = BUF_INIT;
	err_t err = { 0 };
	int pages = 0;
	int64_t t0 = clock_usec();
	CHECK_INT(write_register(&pdf, &pages, &err), 0);
	int64_t ms = (clock_usec() - t0) / 1000;
	printf("  500 rows: %d pages, %zu bytes, %lld ms\n", pages, pdf.len, (long long)ms);
	CHECK(pdf.len > 1000 && memcmp(pdf.data, "%PDF", 4) == 0);
	CHECK(pages > 10 && pages < 60);
	char path[512], cmd[1200];
	snprintf(path, sizeof path, "%s/register.pdf", tmpdir);
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		fwrite(pdf.data, 1, pdf.len, f);
		fclose(f);
	}
	buf_release(&pdf);
	if (!have("pdftotext") || !have("pdfinfo")) {
		CHECK(0);
		return;
	}
	static char out[1 << 20];
	snprintf(cmd, sizeof cmd, "pdfinfo '%s'", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	char want[64];
	const char *pg = strstr(out, "Pages:");
	CHECK(pg != NULL);
	CHECK_INT(pg ? atoi(pg + 6) : 0, pages);
	CHECK(strstr(out, "Creator:         thuvien") != NULL);
	CHECK(strstr(out, "841.89 x 595.276 pts (A4)") != NULL || strstr(out, "842 x 595 pts (A4)") != NULL);

	/* The cover alone: the big title, the unit, no page number. */
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -f 1 -l 1 '%s' -", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	CHECK(strstr(out, "SỔ ĐĂNG KÝ CÁ BIỆT") != NULL);
	CHECK(strstr(out, "TRƯỜNG THCS NGUYỄN DU") != NULL);
	CHECK(strstr(out, "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN 1") != NULL);
	CHECK(strstr(out, "Năm học 2025-2026") != NULL);
	CHECK(strstr(out, "Bắt đầu ngày") != NULL);
	CHECK(strstr(out, "Trang") == NULL);

	/* The whole text: every row once, in order, the foot numbered from the first inside page. */
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -layout '%s' -", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	CHECK(strstr(out, "Trang 1\n") != NULL || strstr(out, "Trang 1 ") != NULL ||
	      strstr(out, "Trang 1") != NULL);
	CHECK(strstr(out, "Trang 2") != NULL);
	snprintf(want, sizeof want, "Trang %d", pages - 1);
	CHECK(strstr(out, want) != NULL);
	snprintf(want, sizeof want, "Trang %d", pages);
	CHECK(strstr(out, want) == NULL); /* the cover is not numbered */
	CHECK(strstr(out, "Sổ đăng ký cá biệt – STK") != NULL);
	CHECK(strstr(out, "STK-000001") != NULL);
	CHECK(strstr(out, "STK-000250") != NULL);
	CHECK(strstr(out, "STK-000500") != NULL);
	CHECK(strstr(out, "26.XI.2025") != NULL);
	CHECK(strstr(out, "Tiếng Việt nâng cao lớp 499") != NULL);
	CHECK(strstr(out, "Nguyễn Thị Hương") != NULL);
	CHECK(strstr(out, "đã thanh lọc QĐ số 12/") != NULL); /* wrapped in its cell */
	CHECK(strstr(out, "45.001") != NULL);                 /* money grouped with dots */
	CHECK(strstr(out, "22.625.250") != NULL);             /* the total: 500 * 45000 + 125250 */
	CHECK(strstr(out, "Quận 1, ngày 29 tháng 11 năm 2026") != NULL);
	CHECK(strstr(out, "HIỆU TRƯỞNG") != NULL);
	CHECK(strstr(out, "(Ký, ghi rõ họ tên)") != NULL);
	CHECK(strstr(out, "Trần Văn Minh") != NULL);
	for (int i = 1; i <= NROWS; i += 37) {
		snprintf(want, sizeof want, "STK-%06d", i);
		CHECK_INT(count(out, want), 1);
	}
	/* The header is on every inside page: its group cells and its columns. */
	CHECK_INT(count(out, "Xuất bản"), (size_t)(pages - 1));
	CHECK_INT(count(out, "Kiểm kê"), (size_t)(pages - 1));
	CHECK_INT(count(out, "Số ĐKCB"), (size_t)(pages - 1));

	/* Page 2 of the inside (the third page): its first row continues where page 1 stopped, so no
	 * row was lost or split: the numbers on pages 2..3 follow on. */
	snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 -f 3 -l 3 '%s' -", path);
	CHECK_INT(run(cmd, out, sizeof out), 0);
	CHECK(strstr(out, "Trang 2") != NULL);
	CHECK(strstr(out, "STK-000001") == NULL);
}

/* A table that grows past many pages costs no more memory than one page (the rows stream):
 * not measured here (bench/registers.sh does), but the writer must survive 20,000 rows and an
 * abandoned document, and portrait with a one-row header. */
static void test_big_and_abandoned(void)
{
	static const print_col_t cols[] = {
		{ "STT", 12, PRINT_RIGHT, NULL },
		{ "Nội dung", 0, PRINT_LEFT, NULL },
	};
	buf_t pdf = BUF_INIT;
	err_t err = { 0 };
	print_doc_t *d = print_open(&pdf, &(print_opts_t){ 0 }, &err);
	CHECK(d != NULL);
	if (!d)
		return;
	print_table(d, cols, 2);
	for (int i = 0; i < 20000; i++) {
		print_row(d);
		print_cell_int(d, i + 1);
		print_cell(d, "Dòng");
		if (i % 5000 == 0)
			print_row_span(d, "Lớp 7A1 – Nguyễn Văn An", true);
	}
	print_table_end(d);
	int pages = print_pages(d);
	CHECK(pages > 300);
	CHECK_INT(print_close(d, 0, &err), 0);
	CHECK(pdf.len > 10000);
	buf_release(&pdf);

	d = print_open(&pdf, &(print_opts_t){ 0 }, &err);
	CHECK(d != NULL);
	print_title(d, "BIÊN BẢN", NULL);
	print_table(d, cols, 2);
	print_row(d);
	print_cell(d, "1");
	CHECK_INT(print_close(d, ERR_INVALID, &err), ERR_INVALID);
	buf_release(&pdf);

	/* No rows, no table: still one valid page. */
	d = print_open(&pdf, &(print_opts_t){ 0 }, &err);
	CHECK_INT(print_close(d, 0, &err), 0);
	CHECK(pdf.len > 100 && memcmp(pdf.data, "%PDF", 4) == 0);
	buf_release(&pdf);
}

int main(void)
{
	db = testdb_open();
	A = arena_new(0);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/thuvien-print-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(setup);
	RUN(test_unit_of);
	RUN(test_day_roman);
	RUN(test_register_pdf);
	RUN(test_big_and_abandoned);
	char cmd[600], out[64];
	if (getenv("THUVIEN_KEEP_PDF")) /* to look at it */
		printf("  kept %s\n", tmpdir);
	else {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		run(cmd, out, sizeof out);
	}
	arena_free(A);
	testdb_close(db);
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	return check_summary("print");
}
