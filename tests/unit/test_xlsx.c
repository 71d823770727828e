/* test_xlsx.c: the XLSX reader (src/base/xlsx.c) and book lists in XLSX (src/catalog/booklist.c)
 * on workbooks written by a real writer, libxlsxwriter: Vietnamese text in NFC and NFD, numbers,
 * dates, formulas with cached values, rich text, shared and inline strings, gaps and blank rows;
 * then broken ones made with libzip: not a zip, cut short, no sheet, a declared size past the
 * limit, a real zip bomb, malformed XML, invalid UTF-8, too many columns and rows.
 *
 *     build/tests/test_xlsx                  run the tests
 *     build/tests/test_xlsx --write FILE     write the book list workbook (for the HTTP test)
 */
#include <xlsxwriter.h>
#include <zip.h>

#include "check.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/xlsx.h"
#include "catalog/booklist.h"

static arena_t *A;
static char dir[256];

/* "Tiếng Việt 2" with its marks decomposed (NFD), as some Mac and web tools write it. */
#define NFD_TITLE "Tie\xCC\x82\xCC\x81ng Vie\xCC\xA3\xCC\x82t 2"

/* A school's book list as Excel writes it: the first sheet is the list, a second one is not. */
static int write_booklist(const char *path)
{
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = workbook_add_worksheet(wb, "Danh mục");
	lxw_worksheet *other = workbook_add_worksheet(wb, "Khác");
	lxw_format *date = workbook_add_format(wb), *money = workbook_add_format(wb),
	           *bold = workbook_add_format(wb);
	format_set_num_format(date, "dd/mm/yyyy");
	format_set_num_format(money, "#,##0 \"đ\"");
	format_set_bold(bold);
	const char *head[] = { "Nhan đề", "Tác giả", "NXB",       "Năm",       "ISBN",
		               "Giá",     "SL",      "Ngày nhập", "Đã kiểm kê" };
	for (int c = 0; c < 9; c++)
		worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], bold);
	/* Row 2: plain values, a date, a price in a money format, a boolean. */
	worksheet_write_string(ws, 1, 0, "Tiếng Việt 1", NULL);
	worksheet_write_string(ws, 1, 1, "Nguyễn Văn A", NULL);
	worksheet_write_string(ws, 1, 2, "Giáo dục Việt Nam", NULL);
	worksheet_write_number(ws, 1, 3, 2020, NULL);
	worksheet_write_string(ws, 1, 4, "978-604-0-00000-2", NULL);
	worksheet_write_number(ws, 1, 5, 25000, money);
	worksheet_write_number(ws, 1, 6, 2, NULL);
	lxw_datetime d = { 2024, 9, 5, 0, 0, 0 };
	worksheet_write_datetime(ws, 1, 7, &d, date);
	worksheet_write_boolean(ws, 1, 8, 1, NULL);
	/* Row 3: NFD text, formulas with cached values, an ISBN typed as a number, no copies. */
	worksheet_write_string(ws, 2, 0, NFD_TITLE, NULL);
	worksheet_write_string(ws, 2, 1, "Nguyễn Văn A", NULL);
	worksheet_write_string(ws, 2, 2, "Giáo dục Việt Nam", NULL); /* shared with row 2 */
	worksheet_write_formula_num(ws, 2, 3, "=2019+1", NULL, 2020);
	worksheet_write_number(ws, 2, 4, 9786040000019.0, NULL);
	worksheet_write_formula_num(ws, 2, 5, "=10000*2", money, 20000);
	worksheet_write_boolean(ws, 2, 8, 0, NULL);
	/* Row 4 blank; row 5 with a gap (no author) and a price written as text; a rich title. */
	lxw_rich_string_tuple r1 = { .format = bold, .string = "Đạo " },
	                      r2 = { .format = NULL, .string = "đức 3" };
	lxw_rich_string_tuple *rich[] = { &r1, &r2, NULL };
	worksheet_write_rich_string(ws, 4, 0, rich, NULL);
	worksheet_write_string(ws, 4, 2, "Kim Đồng", NULL);
	worksheet_write_string(ws, 4, 5, "30.000 đ", NULL);
	worksheet_write_formula_str(ws, 4, 7, "=\"chưa\"", NULL, "chưa");
	/* Row 6: a bad price, rejected on its own line. */
	worksheet_write_string(ws, 5, 0, "Giá sai", NULL);
	worksheet_write_string(ws, 5, 5, "abc", NULL);
	worksheet_write_string(other, 0, 0, "Không phải danh mục", NULL);
	return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return p;
}

static char *booklist_file(size_t *len)
{
	char path[300];
	snprintf(path, sizeof path, "%s/list.xlsx", dir);
	if (write_booklist(path) < 0)
		return NULL;
	return slurp(path, len);
}

/* --- a zip made part by part ------------------------------------------------------------------------ */

typedef struct part {
	const char *name;
	const char *data;
	size_t len; /* 0: strlen(data) */
} part_t;

static char *mkzip(const part_t *p, size_t n, size_t *len)
{
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_source_keep(src);
	zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	for (size_t i = 0; i < n; i++) {
		size_t l = p[i].len ? p[i].len : strlen(p[i].data);
		zip_file_add(z, p[i].name, zip_source_buffer(z, p[i].data, l, 0), ZIP_FL_ENC_UTF_8);
	}
	zip_close(z);
	zip_source_open(src);
	zip_source_seek(src, 0, SEEK_END);
	zip_int64_t size = zip_source_tell(src);
	zip_source_seek(src, 0, SEEK_SET);
	char *out = malloc((size_t)size);
	zip_source_read(src, out, (zip_uint64_t)size);
	zip_source_close(src);
	zip_source_free(src);
	zip_error_fini(&ze);
	*len = (size_t)size;
	return out;
}

#define RELS                                                                                                 \
	"<?xml version=\"1.0\"?><Relationships "                                                             \
	"xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "  \
	"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "       \
	"Target=\"xl/workbook.xml\"/></Relationships>"
#define BOOK                                                                                                 \
	"<?xml version=\"1.0\"?><workbook "                                                                  \
	"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "                               \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet "    \
	"name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define BOOK_RELS                                                                                            \
	"<?xml version=\"1.0\"?><Relationships "                                                             \
	"xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "  \
	"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "            \
	"Target=\"worksheets/sheet1.xml\"/></Relationships>"
#define SHEET(rows)                                                                                          \
	"<?xml version=\"1.0\"?><worksheet "                                                                 \
	"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>" rows               \
	"</sheetData></worksheet>"

/* A workbook of one sheet whose part is sheet[0..len) (len 0: a C string). */
static char *one_sheet(const char *sheet, size_t slen, size_t *len)
{
	part_t p[] = { { "_rels/.rels", RELS, 0 },
		       { "xl/workbook.xml", BOOK, 0 },
		       { "xl/_rels/workbook.xml.rels", BOOK_RELS, 0 },
		       { "xl/worksheets/sheet1.xml", sheet, slen } };
	return mkzip(p, 4, len);
}

/* Read data as a workbook: the error key, or "ok". */
static const char *refusal(const char *data, size_t len)
{
	xlsx_sheet_t sh;
	err_t err = { 0 };
	int rc = xlsx_read(data, len, A, &sh, &err);
	return rc == 0 ? "ok" : err.key;
}

/* --- tests ---------------------------------------------------------------------------------------------- */

static const char *cell(const xlsx_sheet_t *sh, size_t row, size_t col)
{
	if (row >= sh->nrows || col >= sh->rows[row].n)
		return "(none)";
	return sh->rows[row].cell[col];
}

static void test_cells(void)
{
	size_t len;
	char *data = booklist_file(&len);
	CHECK(data != NULL);
	if (!data)
		return;
	CHECK(xlsx_is_zip(data, len));
	xlsx_sheet_t sh;
	err_t err;
	CHECK_INT(xlsx_read(data, len, A, &sh, &err), 0);
	CHECK_STR(sh.name, "Danh mục"); /* the first sheet, not "Khác" */
	CHECK_INT(sh.nrows, 5);         /* row 4 is blank: not kept */
	CHECK_INT(sh.rows[0].line, 1);
	CHECK_STR(cell(&sh, 0, 0), "Nhan đề");
	CHECK_STR(cell(&sh, 1, 0), "Tiếng Việt 1");
	CHECK_STR(cell(&sh, 1, 3), "2020");
	CHECK_STR(cell(&sh, 1, 5), "25000"); /* a number in a money format stays a number */
	CHECK_STR(cell(&sh, 1, 7), "2024-09-05");
	CHECK_STR(cell(&sh, 1, 8), "TRUE");
	CHECK_STR(cell(&sh, 2, 0), NFD_TITLE); /* the reader keeps the text as written */
	CHECK_STR(cell(&sh, 2, 2), "Giáo dục Việt Nam");
	CHECK_STR(cell(&sh, 2, 3), "2020"); /* a formula's cached value */
	CHECK_STR(cell(&sh, 2, 4), "9786040000019");
	CHECK_STR(cell(&sh, 2, 5), "20000");
	CHECK_STR(cell(&sh, 2, 6), ""); /* a gap before a later cell */
	CHECK_STR(cell(&sh, 2, 8), "FALSE");
	CHECK_INT(sh.rows[3].line, 5);
	CHECK_STR(cell(&sh, 3, 0), "Đạo đức 3"); /* rich text runs joined */
	CHECK_STR(cell(&sh, 3, 1), "");
	CHECK_STR(cell(&sh, 3, 2), "Kim Đồng");
	CHECK_STR(cell(&sh, 3, 7), "chưa"); /* a formula's text */
	CHECK_INT(sh.rows[3].n, 8);
	free(data);
}

static void test_booklist(void)
{
	size_t len;
	char *data = booklist_file(&len);
	if (!data)
		return;
	booklist_t l;
	err_t err;
	CHECK_INT(booklist_read_buf(data, len, A, &l, &err), 0);
	CHECK_STR(l.format, "xlsx");
	CHECK_INT(l.nread, 4);
	CHECK_INT(l.nrows, 3);
	CHECK_INT(l.nproblems, 1);
	CHECK_INT(l.problems[0].line, 6);
	CHECK_STR(l.problems[0].key, "err.booklist.price");
	CHECK_INT(l.nignored, 2); /* Ngày nhập, Đã kiểm kê */
	const biblio_t *b = &l.rows[0].bib;
	CHECK_STR(b->title, "Tiếng Việt 1");
	CHECK_STR(b->authors, "Nguyễn Văn A");
	CHECK_STR(b->publisher, "Giáo dục Việt Nam");
	CHECK_INT(b->year, 2020);
	CHECK_STR(b->isbn, "9786040000002");
	CHECK_INT(b->price, 25000);
	CHECK_INT(l.rows[0].copies, 2);
	CHECK_INT(l.rows[0].line, 2);
	b = &l.rows[1].bib;
	CHECK_STR(b->title, "Tiếng Việt 2"); /* NFD made NFC */
	CHECK_INT(b->year, 2020);
	CHECK_STR(b->isbn, "9786040000019");
	CHECK_INT(b->price, 20000);
	CHECK_INT(l.rows[1].copies, 0);
	b = &l.rows[2].bib;
	CHECK_STR(b->title, "Đạo đức 3");
	CHECK_STR(b->authors, "");
	CHECK_INT(b->price, 30000);
	CHECK_INT(l.rows[2].line, 5);
	free(data);
}

/* libxlsxwriter's constant-memory mode writes inline strings rather than shared ones. */
static void test_inline_strings(void)
{
	char path[300];
	snprintf(path, sizeof path, "%s/inline.xlsx", dir);
	lxw_workbook_options o = { .constant_memory = LXW_TRUE, .tmpdir = dir };
	lxw_workbook *wb = workbook_new_opt(path, &o);
	lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
	worksheet_write_string(ws, 0, 0, "Tên sách", NULL);
	worksheet_write_string(ws, 0, 2, "Giá", NULL);
	worksheet_write_string(ws, 1, 0, "Truyện Kiều", NULL);
	worksheet_write_number(ws, 1, 2, 12.5, NULL);
	CHECK_INT(workbook_close(wb), LXW_NO_ERROR);
	size_t len;
	char *data = slurp(path, &len);
	CHECK(data && memmem(data, len, "PK", 2) == data);
	xlsx_sheet_t sh;
	err_t err;
	CHECK_INT(xlsx_read(data, len, A, &sh, &err), 0);
	CHECK_INT(sh.nrows, 2);
	CHECK_STR(cell(&sh, 0, 0), "Tên sách");
	CHECK_STR(cell(&sh, 0, 1), "");
	CHECK_STR(cell(&sh, 1, 0), "Truyện Kiều");
	CHECK_STR(cell(&sh, 1, 2), "12.5");
	free(data);
}

/* Class lists merge their "Lớp" column: each cell of a merged range reads the range's value;
 * a merged title row across columns gives its text to each column. */
static void test_merged_cells(void)
{
	char path[300];
	snprintf(path, sizeof path, "%s/merged.xlsx", dir);
	lxw_workbook *wb = workbook_new(path);
	lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
	worksheet_merge_range(ws, 0, 0, 0, 2, "DANH SÁCH LỚP", NULL);
	worksheet_write_string(ws, 1, 0, "Lớp", NULL);
	worksheet_write_string(ws, 1, 1, "Họ và tên", NULL);
	worksheet_merge_range(ws, 2, 0, 4, 0, "6A1", NULL);
	worksheet_write_string(ws, 2, 1, "Nguyễn Văn An", NULL);
	worksheet_write_string(ws, 3, 1, "Trần Thị Bình", NULL);
	worksheet_write_string(ws, 4, 1, "Lê Văn Cường", NULL);
	worksheet_write_string(ws, 5, 0, "6A2", NULL);
	worksheet_write_string(ws, 5, 1, "Phạm Dũng", NULL);
	CHECK_INT(workbook_close(wb), LXW_NO_ERROR);
	size_t len;
	char *data = slurp(path, &len);
	xlsx_sheet_t sh;
	err_t err;
	CHECK_INT(xlsx_read(data, len, A, &sh, &err), 0);
	CHECK_INT(sh.nrows, 6);
	CHECK_STR(cell(&sh, 0, 0), "DANH SÁCH LỚP");
	CHECK_STR(cell(&sh, 0, 2), "DANH SÁCH LỚP");
	CHECK_STR(cell(&sh, 2, 0), "6A1");
	CHECK_STR(cell(&sh, 3, 0), "6A1");
	CHECK_STR(cell(&sh, 4, 0), "6A1");
	CHECK_STR(cell(&sh, 4, 1), "Lê Văn Cường");
	CHECK_STR(cell(&sh, 5, 0), "6A2");
	free(data);
}

static void test_broken(void)
{
	size_t len, n;
	char *good = booklist_file(&len);
	if (!good)
		return;
	CHECK_STR(refusal(good, len), "ok");
	/* Not a zip at all; a zip signature and then nothing; cut short. */
	const char *csv = "Nhan đề,Tác giả\n", *sig = "PK\x03\x04garbage that is not an archive";
	CHECK_STR(refusal(csv, strlen(csv)), "err.xlsx.zip");
	CHECK_STR(refusal(sig, strlen(sig)), "err.xlsx.zip");
	CHECK_STR(refusal(good, len / 2), "err.xlsx.zip");
	CHECK_STR(refusal(good, len - 10), "err.xlsx.zip");
	/* A book list that is not a workbook reads as a CSV list; a broken workbook fails the list. */
	booklist_t l;
	err_t err;
	CHECK_INT(booklist_read_buf(good, len / 2, A, &l, &err), ERR_INVALID);
	CHECK_STR(err.key, "err.xlsx.zip");
	free(good);

	/* No sheet: a workbook without <sheet>, one whose sheet part is missing, no workbook. */
	part_t nosheet[] = {
		{ "_rels/.rels", RELS, 0 },
		{ "xl/workbook.xml",
		  "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
		  "<sheets/></workbook>",
		  0 }
	};
	char *z = mkzip(nosheet, 2, &n);
	CHECK_STR(refusal(z, n), "err.xlsx.part");
	free(z);
	part_t missing[] = { { "_rels/.rels", RELS, 0 },
		             { "xl/workbook.xml", BOOK, 0 },
		             { "xl/_rels/workbook.xml.rels", BOOK_RELS, 0 } };
	z = mkzip(missing, 3, &n);
	CHECK_STR(refusal(z, n), "err.xlsx.part");
	free(z);
	part_t nobook[] = { { "hello.txt", "xin chào", 0 } };
	z = mkzip(nobook, 1, &n);
	CHECK_STR(refusal(z, n), "err.xlsx.part");
	free(z);

	/* A small sheet read fine, then the same with its declared size raised past the limit in
	 * both headers (local and central): refused before a byte is inflated. */
	z = one_sheet(SHEET("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>ok</t></is></c></row>"), 0, &n);
	CHECK_STR(refusal(z, n), "ok");
	int patched = 0;
	for (size_t i = 0; i + 46 + 24 < n; i++) {
		if (!memcmp(z + i, "PK\x03\x04", 4) && !memcmp(z + i + 30, "xl/worksheets/sheet1.xml", 24))
			memcpy(z + i + 22, "\x00\x00\x00\xF0", 4), patched++;
		if (!memcmp(z + i, "PK\x01\x02", 4) && !memcmp(z + i + 46, "xl/worksheets/sheet1.xml", 24))
			memcpy(z + i + 24, "\x00\x00\x00\xF0", 4), patched++;
	}
	CHECK_INT(patched, 2);
	CHECK_STR(refusal(z, n), "err.xlsx.too_big");
	free(z);

	/* A real bomb: 60 MB of spaces in the sheet, a few hundred kilobytes zipped. */
	size_t big = 60u << 20;
	char *spaces = malloc(big);
	memset(spaces, ' ', big);
	memcpy(spaces, "<worksheet>", 11);
	z = one_sheet(spaces, big, &n);
	CHECK(n < (2u << 20));
	CHECK_STR(refusal(z, n), "err.xlsx.too_big");
	free(z);
	free(spaces);

	/* Malformed XML; text that is not UTF-8; a reference to a shared string that is not there. */
	z = one_sheet(SHEET("<row r=\"1\"><c r=\"A1\"><v>1</v></row>"), 0, &n);
	CHECK_STR(refusal(z, n), "err.xlsx.xml");
	free(z);
	z = one_sheet(
	    SHEET("<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>Ti\xC3\x28ng</t></is></c></row>"), 0, &n);
	CHECK_STR(refusal(z, n), "err.xlsx.utf8");
	free(z);
	z = one_sheet(SHEET("<row r=\"1\"><c r=\"A1\" t=\"s\"><v>7</v></c></row>"), 0, &n);
	CHECK_STR(refusal(z, n), "err.xlsx.xml");
	free(z);
	/* Too many columns (AMK is column 1025), too many rows. */
	z = one_sheet(SHEET("<row r=\"1\"><c r=\"AMK1\"><v>1</v></c></row>"), 0, &n);
	CHECK_STR(refusal(z, n), "err.xlsx.too_many");
	free(z);
	z = one_sheet(SHEET("<row r=\"1\"><c r=\"AMJ1\"><v>1</v></c></row>"), 0, &n);
	CHECK_STR(refusal(z, n), "ok");
	free(z);
	buf_t rows = BUF_INIT;
	buf_puts(&rows, "<worksheet><sheetData>");
	for (int i = 1; i <= XLSX_MAX_ROWS + 1; i++)
		buf_printf(&rows, "<row r=\"%d\"><c><v>%d</v></c></row>", i, i);
	buf_puts(&rows, "</sheetData></worksheet>");
	z = one_sheet(rows.data, rows.len, &n);
	CHECK_STR(refusal(z, n), "err.xlsx.too_many");
	free(z);
	buf_release(&rows);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--write"))
		return write_booklist(argv[2]) < 0;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/thuvien-xlsx-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	A = arena_new(1 << 20);
	RUN(test_cells);
	RUN(test_booklist);
	RUN(test_inline_strings);
	RUN(test_merged_cells);
	RUN(test_broken);
	arena_free(A);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
	return check_summary("xlsx");
}
