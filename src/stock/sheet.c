/* sheet.c: reading a paper register typed into a spreadsheet (stock.h: stock_opening_read), and
 * the values such registers hold: lists of numbers and ranges, dates as librarians write them.
 *
 * A CSV file is checked to be UTF-8 first (a register saved as Windows-1258 or TCVN3 must be
 * refused, not imported as mojibake), its BOM dropped, its separator (',' or ';') taken from its
 * first line, its records read as RFC 4180 says (quoted fields may hold separators, doubled
 * quotes and line breaks). A workbook's first sheet is read by base/xlsx.c. In both the header
 * is the first of the first ten rows that names at least two known columns: the template (and
 * most printed forms typed into Excel) has a title above it. Headers are matched folded, with
 * punctuation as spaces, so "Tên sách – tác giả", "TEN SACH - TAC GIA" are one column. Values
 * are only read here; stock.c judges them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/clock.h"
#include "base/text.h"
#include "base/xlsx.h"
#include "base/xlsxw.h"
#include "stock/stock.h"

enum {
	C_ENTERED,
	C_NUMBER,
	C_TITLE_AUTHOR,
	C_TITLE,
	C_AUTHORS,
	C_PLACE,
	C_PUBLISHER,
	C_YEAR,
	C_PRICE,
	C_GENERAL,
	C_CLASS,
	C_NOTE,
	C_KIND,
	C_BARCODE,
	C_SOURCE,
	NCOLS
};

/* Header names, folded and with punctuation as single spaces. */
static const char *const aliases[NCOLS][10] = {
	[C_ENTERED] = { "ngay vao so", "ngay", "ngay nhap", "ngay vao", "date", "date entered", "entered", NULL },
	[C_NUMBER] = { "so dkcb", "dkcb", "so dang ky ca biet", "so ca biet", "ma dkcb", "so dksgk",
	               "so dang ky", "accession", "accession no", "number" },
	[C_TITLE_AUTHOR] = { "ten sach tac gia", "nhan de tac gia", "ten tai lieu tac gia", "title author", NULL },
	[C_TITLE] = { "ten sach", "nhan de", "ten tai lieu", "title", NULL },
	[C_AUTHORS] = { "tac gia", "author", "authors", NULL },
	[C_PLACE] = { "noi xb", "noi xuat ban", "place", NULL },
	[C_PUBLISHER] = { "nha xb", "nha xuat ban", "nxb", "publisher", NULL },
	[C_YEAR] = { "nam xb", "nam xuat ban", "nam", "year", NULL },
	[C_PRICE] = { "gia tien", "gia", "don gia", "price", NULL },
	[C_GENERAL] = { "so vao so tong quat", "so vao so tq", "so tong quat", "so tq", "so vstq",
	                "general register", "general", NULL },
	[C_CLASS] = { "mon loai", "mon loai ky hieu phan loai", "ky hieu phan loai", "phan loai", "class",
	              "class number", NULL },
	[C_NOTE] = { "ghi chu", "note", "notes", NULL },
	[C_KIND] = { "loai", "loai sach", "loai tai lieu", "register", "doc type", NULL },
	[C_BARCODE] = { "ma vach", "barcode", NULL },
	[C_SOURCE] = { "nguon", "nguon cung cap", "source", NULL },
};

/* --- numbers and dates ---------------------------------------------------------------------------- */

static int parse_num(const char **p, int64_t *v)
{
	if (!isdigit((unsigned char)**p))
		return -1;
	int64_t x = 0;
	while (isdigit((unsigned char)**p)) {
		x = x * 10 + (**p - '0');
		if (x > 1000000000)
			return -1;
		(*p)++;
	}
	*v = x;
	return x >= 1 ? 0 : -1;
}

static void skip_spaces(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* A dash between the two ends of a range: '-', or the en or em dash. */
static int skip_dash(const char **p)
{
	if (**p == '-') {
		(*p)++;
		return 1;
	}
	if (!strncmp(*p, "\xe2\x80\x93", 3) || !strncmp(*p, "\xe2\x80\x94", 3)) {
		*p += 3;
		return 1;
	}
	return 0;
}

int stock_parse_numbers(const char *s, arena_t *a, size_t max, int64_t **out, size_t *n)
{
	size_t cap = 0, k = 0;
	int64_t *v = NULL;
	const char *p = s ? s : "";
	*n = 0;
	skip_spaces(&p);
	if (!*p)
		return -1;
	while (*p) {
		int64_t lo, hi;
		if (parse_num(&p, &lo) < 0)
			return -1;
		hi = lo;
		skip_spaces(&p);
		if (skip_dash(&p)) {
			skip_spaces(&p);
			if (parse_num(&p, &hi) < 0 || hi < lo)
				return -1;
		}
		if ((uint64_t)(hi - lo) + 1 > max - k)
			return -1;
		for (int64_t x = lo; x <= hi; x++) {
			v = arena_grow(a, v, k, &cap, 16, sizeof *v);
			v[k++] = x;
		}
		skip_spaces(&p);
		if (*p == ',' || *p == ';') {
			p++;
			skip_spaces(&p);
			if (!*p)
				return -1;
		} else if (*p && !isdigit((unsigned char)*p)) {
			return -1;
		}
	}
	*out = v;
	*n = k;
	return 0;
}

static int roman_month(const char *s, size_t len)
{
	static const char *const r[] = { "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII" };
	for (int i = 0; i < 12; i++)
		if (strlen(r[i]) == len && !strncasecmp(s, r[i], len))
			return i + 1;
	return 0;
}

int stock_parse_date(const char *s, char out[11])
{
	char tmp[64];
	int y, m, d;
	if (!s)
		return -1;
	snprintf(tmp, sizeof tmp, "%s", s);
	text_trim(tmp);
	if (strlen(tmp) == 10 && clock_day_parse(tmp, NULL) == 0) {
		memcpy(out, tmp, 11);
		return 0;
	}
	/* d SEP m SEP yyyy with SEP one of / - . (the same twice); m may be a Roman numeral. */
	char *p = tmp, *e;
	long dd = strtol(p, &e, 10);
	if (e == p || e - p > 2 || (*e != '/' && *e != '-' && *e != '.'))
		return -1;
	char sep = *e;
	p = e + 1;
	char *q = strchr(p, sep);
	if (!q)
		return -1;
	if (isdigit((unsigned char)*p)) {
		long mm = strtol(p, &e, 10);
		if (e != q || e - p > 2)
			return -1;
		m = (int)mm;
	} else {
		m = roman_month(p, (size_t)(q - p));
	}
	p = q + 1;
	long yy = strtol(p, &e, 10);
	if (e - p != 4 || *e)
		return -1;
	y = (int)yy;
	d = (int)dd;
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	char iso[32];
	snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
	if (strlen(iso) != 10 || clock_day_parse(iso, NULL) != 0)
		return -1;
	memcpy(out, iso, 11);
	return 0;
}

/* --- the table ---------------------------------------------------------------------------------------- */

/* The rows of either kind of file as text cells. */
typedef struct table {
	xlsx_row_t *rows;
	size_t n, cap;
} table_t;

static int read_csv(const char *data, size_t len, arena_t *a, table_t *t, err_t *err)
{
	const char *p = data, *end = data + len;
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	int64_t bad = csv_bad_line(p, end);
	if (bad)
		return err_set(err, ERR_INVALID, "err.booklist.utf8", "%lld", (long long)bad);
	if (csv_rows(p, end, a, &t->rows, &t->n, NULL) < 0)
		return err_set(err, ERR_INVALID, "err.booklist.quote", NULL);
	return 0;
}

/* A header folded, punctuation as one space, trimmed. */
static char *header_key(arena_t *a, const char *s)
{
	char *f = text_fold(a, s ? s : "");
	char *o = f, *w = f;
	int space = 1;
	for (; *o; o++) {
		unsigned char ch = (unsigned char)*o;
		if (ch >= 0x80 || isalnum(ch)) {
			*w++ = (char)ch;
			space = 0;
		} else if (!space) {
			*w++ = ' ';
			space = 1;
		}
	}
	if (w > f && w[-1] == ' ')
		w--;
	*w = 0;
	return f;
}

static int column_of(const char *key)
{
	for (int k = 0; k < NCOLS; k++)
		for (int j = 0; j < 10 && aliases[k][j]; j++)
			if (!strcmp(key, aliases[k][j]))
				return k;
	return -1;
}

static bool blank_row(const xlsx_row_t *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (const char *s = r->cell[i]; *s; s++)
			if (*s != ' ' && *s != '\t')
				return false;
	return true;
}

/* Split "Tên sách / Tác giả" or "Tên sách – Tác giả" at its last separator. */
static void split_title_author(arena_t *a, const char *s, const char **title, const char **authors)
{
	static const char *const seps[] = { " / ", " \xe2\x80\x93 ", " - ", NULL };
	for (int i = 0; seps[i]; i++) {
		const char *last = NULL;
		for (const char *p = strstr(s, seps[i]); p; p = strstr(p + 1, seps[i]))
			last = p;
		if (last && last > s) {
			*title = text_trim(arena_strndup(a, s, (size_t)(last - s)));
			*authors = text_trim(arena_strdup(a, last + strlen(seps[i])));
			return;
		}
	}
	*title = s;
	*authors = "";
}

int stock_opening_read(const char *data, size_t len, arena_t *a, stock_sheet_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	table_t t = { 0 };
	int rc;
	if (xlsx_is_zip(data, len)) {
		xlsx_sheet_t sh;
		if ((rc = xlsx_read(data, len, a, &sh, err)) < 0)
			return rc;
		t.rows = sh.rows;
		t.n = sh.nrows;
		out->format = "xlsx";
	} else {
		if ((rc = read_csv(data, len, a, &t, err)) < 0)
			return rc;
		out->format = "csv";
	}
	/* The header: the first of the first ten non-blank rows naming two known columns. */
	int col[NCOLS];
	size_t h = t.n, seen = 0;
	for (size_t i = 0; i < t.n && seen < 10 && h == t.n; i++) {
		if (blank_row(&t.rows[i]))
			continue;
		seen++;
		int known = 0;
		for (size_t j = 0; j < t.rows[i].n; j++)
			known += column_of(header_key(a, t.rows[i].cell[j])) >= 0;
		if (known >= 2)
			h = i;
	}
	if (seen == 0)
		return err_set(err, ERR_INVALID, "err.booklist.empty", NULL);
	if (h == t.n)
		return err_set(err, ERR_INVALID, "err.stock.columns", "Số ĐKCB, Tên sách");
	for (int k = 0; k < NCOLS; k++)
		col[k] = -1;
	const xlsx_row_t *hr = &t.rows[h];
	out->ignored = arena_alloc(a, (hr->n ? hr->n : 1) * sizeof *out->ignored);
	for (size_t j = 0; j < hr->n; j++) {
		const char *key = header_key(a, hr->cell[j]);
		int k = column_of(key);
		if (k >= 0 && col[k] < 0)
			col[k] = (int)j;
		else if (*key)
			out->ignored[out->nignored++] = text_trim(text_nfc(a, hr->cell[j]));
	}
	if (col[C_NUMBER] < 0 || (col[C_TITLE] < 0 && col[C_TITLE_AUTHOR] < 0))
		return err_set(err, ERR_INVALID, "err.stock.columns", "%s",
		               col[C_NUMBER] < 0 ? "Số ĐKCB" : "Tên sách");
	size_t cap = 0;
	for (size_t i = h + 1; i < t.n; i++) {
		const xlsx_row_t *r = &t.rows[i];
		if (blank_row(r))
			continue;
		const char *v[NCOLS];
		for (int k = 0; k < NCOLS; k++) {
			const char *s = col[k] >= 0 && (size_t)col[k] < r->n ? r->cell[col[k]] : "";
			char *n = text_nfc(a, s);
			v[k] = n ? text_trim(n) : "";
		}
		out->rows = arena_grow(a, out->rows, out->nrows, &cap, 64, sizeof *out->rows);
		stock_row_t *o = &out->rows[out->nrows++];
		memset(o, 0, sizeof *o);
		o->line = r->line;
		o->kind = v[C_KIND];
		o->numbers = v[C_NUMBER];
		o->entered = v[C_ENTERED];
		if (col[C_TITLE] >= 0) {
			o->title = v[C_TITLE];
			o->authors = v[C_AUTHORS];
		} else if (col[C_AUTHORS] >= 0) {
			o->title = v[C_TITLE_AUTHOR];
			o->authors = v[C_AUTHORS];
		} else {
			split_title_author(a, v[C_TITLE_AUTHOR], &o->title, &o->authors);
		}
		o->place = v[C_PLACE];
		o->publisher = v[C_PUBLISHER];
		o->year = v[C_YEAR];
		o->price = v[C_PRICE];
		o->general = v[C_GENERAL];
		o->class_number = v[C_CLASS];
		o->note = v[C_NOTE];
		o->barcode = v[C_BARCODE];
		o->source = v[C_SOURCE];
	}
	return 0;
}

/* --- the template --------------------------------------------------------------------------------------- */

int stock_opening_template(buf_t *out, err_t *err)
{
	static const xlsxw_col_t cols[] = {
		{ "Ngày vào sổ", 12 }, { "Số ĐKCB", 12 },   { "Tên sách", 36 },       { "Tác giả", 22 },
		{ "Nơi XB", 10 },      { "Nhà XB", 18 },    { "Năm XB", 8 },          { "Giá tiền", 12 },
		{ "Số vào sổ tổng quát", 12 },              { "Môn loại", 10 },       { "Ghi chú", 20 },
		{ "Loại sách", 10 },   { "Mã vạch", 14 },   { "Nguồn", 12 },
	};
	xlsxw_t *w = xlsxw_new(err);
	if (!w)
		return err->code;
	if (xlsxw_sheet(w, "Kho ban đầu", "Sổ đăng ký cá biệt – khai báo kho ban đầu",
	                "Mỗi dòng một bản hoặc một dãy số (120-135, 140) của một tên sách. Ngày: dd/mm/yyyy. "
	                "Loại sách: STK, SNV, TN, SGK... (để trống: loại chọn trên trang). Nguồn: mua, biếu tặng, "
	                "cấp phát, khác.",
	                err) < 0) {
		xlsxw_free(w);
		return err->code;
	}
	xlsxw_header(w, cols, sizeof cols / sizeof cols[0]);
	return xlsxw_finish(w, out, err);
}
