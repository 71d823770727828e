/* booklist.c: reading a school's CSV book list and importing it (booklist.h).
 *
 * The reader checks the whole file is UTF-8 first (a list saved in a legacy Vietnamese encoding
 * must be refused with a clear message, not imported as mojibake), strips a BOM, picks the
 * separator from the header line and then reads RFC 4180 records one by one: quoted fields may
 * hold separators, doubled quotes and line breaks. Headers are matched folded (text_fold), so
 * "Nhan đề", "NHAN DE" and "nhan de" are one column. Each row is checked on its own: a bad
 * price or year rejects that row with its line, never the file.
 *
 * The preview and the commit are the catalogue's import (batch.h), shared with MARC files. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/text.h"
#include "base/xlsx.h"
#include "catalog/batch.h"
#include "catalog/booklist.h"

enum { COL_TITLE, COL_AUTHORS, COL_PUBLISHER, COL_YEAR, COL_ISBN, COL_PRICE, COL_COPIES, NCOLS };

/* Folded header names of each column. */
static const char *const aliases[NCOLS][6] = {
	[COL_TITLE] = { "title", "nhan de", "ten sach", "nhan de sach", NULL },
	[COL_AUTHORS] = { "author", "authors", "tac gia", NULL },
	[COL_PUBLISHER] = { "publisher", "nha xuat ban", "nxb", NULL },
	[COL_YEAR] = { "year", "nam xuat ban", "nam", "nam xb", NULL },
	[COL_ISBN] = { "isbn", NULL },
	[COL_PRICE] = { "price", "gia", "gia tien", "don gia", NULL },
	[COL_COPIES] = { "copies", "so ban", "sl", "so luong", NULL },
};

/* --- values ------------------------------------------------------------------------------------- */

int booklist_parse_price(const char *s, int64_t *out, err_t *err)
{
	/* The currency, after the number: "đ", "₫", "d", "vnd", "vnđ", "đồng", in any usual case. */
	static const char *const units[] = { "đồng", "VNĐ", "vnđ", "Vnđ", "VND", "vnd",
		                             "đ",    "₫",   "Đ",   "d",   NULL };
	enum { MAXG = 8 };
	const char *g[MAXG]; /* the groups of digits */
	size_t gl[MAXG];     /* their lengths */
	char sepc[MAXG];     /* the separator before each group */
	size_t ng = 0;
	int rc = 0;
	*out = 0;
	char *t = strdup(s ? s : "");
	if (!t)
		return err_set(err, ERR_INTERNAL, "err.internal", "out of memory");
	text_trim(t);
	size_t len = strlen(t);
	for (int i = 0; units[i]; i++) {
		size_t u = strlen(units[i]);
		if (len > u && strcmp(t + len - u, units[i]) == 0) {
			t[len - u] = 0;
			text_trim(t);
			break;
		}
	}
	if (!*t)
		goto done; /* no price */
	/* Groups of digits separated by one '.', ',' or space: D+ ([., ] D+)*. */
	for (const char *p = t; *p;) {
		if (ng == MAXG || !isdigit((unsigned char)*p))
			goto bad;
		sepc[ng] = ng ? p[-1] : 0;
		g[ng] = p;
		while (isdigit((unsigned char)*p))
			p++;
		gl[ng] = (size_t)(p - g[ng]);
		ng++;
		if (*p && (*p == '.' || *p == ',' || *p == ' ') && p[1])
			p++;
		else if (*p)
			goto bad;
	}
	/* A last group of one or two zeros is a decimal part ("25000.00", "25.000,00"); đồng have
	 * no other. */
	if (ng > 1 && gl[ng - 1] <= 2 && strspn(g[ng - 1], "0") >= gl[ng - 1] &&
	    (ng == 2 || sepc[ng - 1] != sepc[1]))
		ng--;
	/* The rest is one number, or thousands grouped by one kind of separator: "25.000.000". */
	if (ng > 1 && (gl[0] > 3 || gl[0] == 0))
		goto bad;
	for (size_t i = 1; i < ng; i++)
		if (gl[i] != 3 || sepc[i] != sepc[1])
			goto bad;
	int64_t v = 0;
	for (size_t i = 0; i < ng; i++) {
		for (size_t j = 0; j < gl[i]; j++) {
			if (v > INT64_C(100000000000))
				goto bad;
			v = v * 10 + (g[i][j] - '0');
		}
	}
	*out = v;
	goto done;
bad:
	rc = err_set(err, ERR_INVALID, "err.booklist.price", "%.60s", s ? s : "");
done:
	free(t);
	return rc;
}

static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	if (!*s)
		return (*out = 0), 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	long long v = strtoll(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* --- reading ------------------------------------------------------------------------------------ */

static void add_problem(booklist_t *l, arena_t *a, int64_t line, const char *key, const char *detail)
{
	l->problems = arena_grow(a, l->problems, l->nproblems, &l->cap_problems, 16, sizeof *l->problems);
	l->problems[l->nproblems++] =
	    (booklist_problem_t){ .line = line, .key = key, .detail = arena_strdup(a, detail ? detail : "") };
}

static booklist_row_t *add_row(booklist_t *l, arena_t *a)
{
	l->rows = arena_grow(a, l->rows, l->nrows, &l->cap_rows, 64, sizeof *l->rows);
	booklist_row_t *r = &l->rows[l->nrows++];
	memset(r, 0, sizeof *r);
	return r;
}

/* One data record into a row, or a problem. */
static void read_row(booklist_t *l, csv_t *c, const int *col, int64_t line, arena_t *a)
{
	const char *v[NCOLS];
	for (int k = 0; k < NCOLS; k++) {
		const char *s = col[k] >= 0 && (size_t)col[k] < c->n ? c->f[col[k]] : "";
		char *t = text_trim(text_nfc(a, s));
		v[k] = t;
	}
	if (c->quote_text) /* "abc"def: the row is read, and refused with its line */
		return add_problem(l, a, line, "err.booklist.quote_text", "");
	if (!*v[COL_TITLE])
		return add_problem(l, a, line, "err.booklist.no_title", "");
	static const struct {
		int col;
		size_t max;
	} lim[] = { { COL_TITLE, 500 }, { COL_AUTHORS, 500 }, { COL_PUBLISHER, 200 } };
	for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
		if (text_length(v[lim[i].col]) > lim[i].max)
			return add_problem(l, a, line, "err.booklist.too_long",
			                   arena_printf(a, "%.40s…", v[lim[i].col]));
	int64_t year = 0, copies = 0, price = 0;
	if (parse_int(v[COL_YEAR], 1400, 2200, &year) < 0)
		return add_problem(l, a, line, "err.booklist.year", v[COL_YEAR]);
	if (parse_int(v[COL_COPIES], 1, 1000, &copies) < 0)
		return add_problem(l, a, line, "err.booklist.copies", v[COL_COPIES]);
	err_t e;
	if (booklist_parse_price(v[COL_PRICE], &price, &e) < 0 || price > INT64_C(100000000000))
		return add_problem(l, a, line, "err.booklist.price", v[COL_PRICE]);
	char isbn[14] = "";
	if (*v[COL_ISBN] && isbn_normalize(v[COL_ISBN], isbn, &e) < 0)
		return add_problem(l, a, line, "err.isbn", v[COL_ISBN]);
	booklist_row_t *r = add_row(l, a);
	r->line = line;
	r->bib.title = v[COL_TITLE];
	r->bib.authors = v[COL_AUTHORS];
	r->bib.publisher = v[COL_PUBLISHER];
	r->bib.year = (int)year;
	r->bib.isbn = arena_strdup(a, isbn);
	r->bib.price = price;
	r->copies = (int)copies;
}

/* The header record c: which field holds which column (col[], -1 when none), the other headers
 * kept in out->ignored. ERR_INVALID "err.booklist.title" when no title column. */
static int read_header(booklist_t *out, const csv_t *c, int *col, arena_t *a, err_t *err)
{
	for (int k = 0; k < NCOLS; k++)
		col[k] = -1;
	out->ignored = arena_alloc(a, (c->n ? c->n : 1) * sizeof *out->ignored);
	for (size_t i = 0; i < c->n; i++) {
		char *h = text_fold(a, c->f[i]);
		int found = -1;
		for (int k = 0; k < NCOLS && found < 0; k++)
			for (int j = 0; aliases[k][j] && found < 0; j++)
				if (strcmp(h, aliases[k][j]) == 0)
					found = k;
		if (found >= 0 && col[found] < 0)
			col[found] = (int)i;
		else if (*h)
			out->ignored[out->nignored++] = text_trim(text_nfc(a, c->f[i]));
	}
	if (col[COL_TITLE] < 0)
		return err_set(err, ERR_INVALID, "err.booklist.title", NULL);
	return 0;
}

/* A workbook (.xlsx): its first sheet's rows read as the CSV's records are. */
static int read_xlsx(const char *data, size_t len, arena_t *a, booklist_t *out, err_t *err)
{
	xlsx_sheet_t sh;
	int rc, col[NCOLS];
	if ((rc = xlsx_read(data, len, a, &sh, err)) < 0)
		return rc;
	out->format = "xlsx";
	size_t i = 0;
	csv_t c = { 0 };
	for (; i < sh.nrows; i++) { /* the header: the first row that is not blank */
		c.f = sh.rows[i].cell;
		c.n = sh.rows[i].n;
		if (!csv_blank(c.f, c.n))
			break;
	}
	if (i == sh.nrows)
		return err_set(err, ERR_INVALID, "err.booklist.empty", NULL);
	if ((rc = read_header(out, &c, col, a, err)) < 0)
		return rc;
	for (i++; i < sh.nrows; i++) {
		c.f = sh.rows[i].cell;
		c.n = sh.rows[i].n;
		if (csv_blank(c.f, c.n))
			continue;
		out->nread++;
		read_row(out, &c, col, sh.rows[i].line, a);
	}
	return 0;
}

int booklist_read_buf(const char *data, size_t len, arena_t *a, booklist_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (xlsx_is_zip(data, len)) {
		int rc = read_xlsx(data, len, a, out, err);
		if (rc < 0)
			memset(out, 0, sizeof *out);
		return rc;
	}
	out->format = "csv";
	const char *p = data ? data : "", *end = p + len;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	int64_t badline = csv_bad_line(p, end);
	if (badline)
		return err_set(err, ERR_INVALID, "err.booklist.utf8", "line %lld", (long long)badline);
	csv_t c;
	csv_open(&c, p, end, a);
	out->sep = c.sep;
	int rc, col[NCOLS];
	/* The header: the first record that is not blank. */
	while ((rc = csv_record(&c)) > 0 && csv_blank(c.f, c.n))
		;
	if (rc < 0) {
		rc = err_set(err, ERR_INVALID, "err.booklist.quote", "line %lld", (long long)c.line);
		goto done;
	}
	if (rc == 0) {
		rc = err_set(err, ERR_INVALID, "err.booklist.empty", NULL);
		goto done;
	}
	if ((rc = read_header(out, &c, col, a, err)) < 0)
		goto done;
	for (;;) {
		int64_t line = c.line;
		if ((rc = csv_record(&c)) < 0) {
			rc = err_set(err, ERR_INVALID, "err.booklist.quote", "line %lld", (long long)line);
			goto done;
		}
		if (rc == 0)
			break;
		if (csv_blank(c.f, c.n))
			continue;
		out->nread++;
		read_row(out, &c, col, line, a);
	}
	rc = 0;
done:
	csv_close(&c);
	if (rc < 0) {
		booklist_t empty = { 0 };
		*out = empty;
	}
	return rc;
}

/* --- preview and commit: catalog_import_check / catalog_import_commit ------------------------------ */

static catalog_import_rec_t *import_recs(booklist_t *l, arena_t *a)
{
	catalog_import_rec_t *v = arena_zalloc(a, (l->nrows ? l->nrows : 1) * sizeof *v);
	for (size_t i = 0; i < l->nrows; i++)
		v[i] = (catalog_import_rec_t){ .pos = l->rows[i].line,
			                       .bib = &l->rows[i].bib,
			                       .copies = l->rows[i].copies };
	return v;
}

static void import_back(booklist_t *l, const catalog_import_rec_t *v)
{
	l->nduplicates = 0;
	for (size_t i = 0; i < l->nrows; i++) {
		l->rows[i].duplicate = v[i].duplicate;
		l->rows[i].dup_id = v[i].dup_id;
		l->nduplicates += v[i].duplicate;
	}
}

int booklist_preview(db_t *db, const actor_t *actor, booklist_t *l, err_t *err)
{
	arena_t *a = arena_new(4096);
	catalog_import_result_t res;
	catalog_import_rec_t *v = import_recs(l, a);
	int rc = catalog_import_check(db, actor, v, l->nrows, a, &res, err);
	if (rc == 0)
		import_back(l, v);
	arena_free(a);
	return rc;
}

int booklist_commit(db_t *db, const actor_t *actor, booklist_t *l, const booklist_opts_t *opts,
                    booklist_result_t *res, err_t *err)
{
	arena_t *a = arena_new(4096);
	catalog_import_rec_t *v = import_recs(l, a);
	int rc = catalog_import_commit(db, actor, v, l->nrows, opts, a, res, err);
	if (rc == 0)
		import_back(l, v);
	res->notices = NULL; /* none from a book list; and the arena goes */
	res->nnotices = 0;
	arena_free(a);
	return rc;
}
