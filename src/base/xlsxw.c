/* xlsxw.c: tables as .xlsx workbooks over libxlsxwriter (xlsxw.h).
 *
 * libxlsxwriter writes to a file name only, so the workbook goes to a file made by mkstemp in
 * the temporary directory (its own temporary files go there too) and is read back whole: the
 * sheets a school downloads are small (a few thousand rows). Formats are made once per workbook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "base/clock.h"
#include "base/xlsxw.h"

struct xlsxw {
	lxw_workbook *wb;
	lxw_worksheet *ws; /* the current sheet, or NULL */
	lxw_format *bold, *title, *head, *date, *money, *date_b, *money_b;
	lxw_row_t row;  /* the current row of the current sheet */
	lxw_row_t next; /* the row the next xlsxw_row() or xlsxw_header() starts */
	lxw_col_t col;  /* the next cell's column */
	int bold_row;   /* the current row's cells are bold */
	char path[256]; /* the temporary file */
	char tmpdir[200];
};

xlsxw_t *xlsxw_new(err_t *err)
{
	xlsxw_t *w = calloc(1, sizeof *w);
	if (!w) {
		err_set(err, ERR_INTERNAL, "err.internal", "xlsxw: out of memory");
		return NULL;
	}
	const char *dir = getenv("TMPDIR");
	snprintf(w->tmpdir, sizeof w->tmpdir, "%s", dir && *dir ? dir : "/tmp");
	snprintf(w->path, sizeof w->path, "%s/thuvien-xlsx-XXXXXX", w->tmpdir);
	int fd = mkstemp(w->path);
	if (fd < 0) {
		err_set(err, ERR_INTERNAL, "err.internal", "xlsxw: no temporary file in %s", w->tmpdir);
		free(w);
		return NULL;
	}
	close(fd);
	lxw_workbook_options o = { .constant_memory = LXW_FALSE, .tmpdir = w->tmpdir };
	w->wb = workbook_new_opt(w->path, &o);
	if (!w->wb) {
		err_set(err, ERR_INTERNAL, "err.internal", "xlsxw: cannot create the workbook");
		unlink(w->path);
		free(w);
		return NULL;
	}
	w->bold = workbook_add_format(w->wb);
	format_set_bold(w->bold);
	w->title = workbook_add_format(w->wb);
	format_set_bold(w->title);
	format_set_font_size(w->title, 14);
	w->head = workbook_add_format(w->wb);
	format_set_bold(w->head);
	format_set_bottom(w->head, LXW_BORDER_THIN);
	format_set_text_wrap(w->head);
	format_set_align(w->head, LXW_ALIGN_VERTICAL_TOP);
	w->date = workbook_add_format(w->wb);
	format_set_num_format(w->date, "dd/mm/yyyy");
	w->money = workbook_add_format(w->wb);
	format_set_num_format(w->money, "#,##0 \"đ\"");
	w->date_b = workbook_add_format(w->wb);
	format_set_num_format(w->date_b, "dd/mm/yyyy");
	format_set_bold(w->date_b);
	w->money_b = workbook_add_format(w->wb);
	format_set_num_format(w->money_b, "#,##0 \"đ\"");
	format_set_bold(w->money_b);
	return w;
}

/* A sheet name Excel accepts: at most 31 characters (UTF-8 kept whole), none of []:*?/\ . */
static void sheet_name(const char *in, char *out, size_t n)
{
	size_t k = 0, chars = 0;
	for (const unsigned char *s = (const unsigned char *)(in ? in : ""); *s && chars < 31;) {
		size_t len = *s < 0x80 ? 1 : *s < 0xe0 ? 2 : *s < 0xf0 ? 3 : 4;
		if (k + len + 1 > n)
			break;
		if (len == 1 && strchr("[]:*?/\\'", *s))
			out[k++] = '-';
		else
			for (size_t i = 0; i < len && s[i]; i++)
				out[k++] = (char)s[i];
		s += len;
		chars++;
	}
	out[k] = 0;
	if (!k)
		snprintf(out, n, "Sheet");
}

int xlsxw_sheet(xlsxw_t *w, const char *name, const char *title, const char *subtitle, err_t *err)
{
	char nm[160];
	sheet_name(name, nm, sizeof nm);
	w->ws = workbook_add_worksheet(w->wb, nm);
	if (!w->ws) /* a duplicate name: let the library number it */
		w->ws = workbook_add_worksheet(w->wb, NULL);
	if (!w->ws)
		return err_set(err, ERR_INTERNAL, "err.internal", "xlsxw: cannot add sheet %.60s", nm);
	worksheet_set_paper(w->ws, 9); /* A4 */
	worksheet_fit_to_pages(w->ws, 1, 0);
	w->row = w->next = 0;
	w->col = 0;
	if (title && *title) {
		worksheet_write_string(w->ws, w->next, 0, title, w->title);
		worksheet_set_row(w->ws, w->next, 20, NULL);
		w->next++;
	}
	if (subtitle && *subtitle)
		worksheet_write_string(w->ws, w->next++, 0, subtitle, NULL);
	return 0;
}

void xlsxw_header(xlsxw_t *w, const xlsxw_col_t *cols, size_t n)
{
	if (!w || !w->ws)
		return;
	w->row = w->next++;
	for (size_t i = 0; i < n; i++) {
		worksheet_write_string(w->ws, w->row, (lxw_col_t)i, cols[i].name ? cols[i].name : "",
		                       w->head);
		if (cols[i].width > 0)
			worksheet_set_column(w->ws, (lxw_col_t)i, (lxw_col_t)i, cols[i].width, NULL);
	}
	worksheet_freeze_panes(w->ws, w->row + 1, 0);
	worksheet_repeat_rows(w->ws, w->row, w->row);
	w->col = (lxw_col_t)n;
}

static void next_row(xlsxw_t *w, int bold)
{
	if (!w || !w->ws)
		return;
	w->row = w->next++;
	w->col = 0;
	w->bold_row = bold;
}

void xlsxw_row(xlsxw_t *w)
{
	next_row(w, 0);
}

void xlsxw_row_bold(xlsxw_t *w)
{
	next_row(w, 1);
}

void xlsxw_text(xlsxw_t *w, const char *s)
{
	if (!w || !w->ws)
		return;
	if (s && *s)
		worksheet_write_string(w->ws, w->row, w->col, s, w->bold_row ? w->bold : NULL);
	w->col++;
}

void xlsxw_int(xlsxw_t *w, int64_t v)
{
	if (!w || !w->ws)
		return;
	worksheet_write_number(w->ws, w->row, w->col++, (double)v, w->bold_row ? w->bold : NULL);
}

void xlsxw_money(xlsxw_t *w, int64_t dong)
{
	if (!w || !w->ws)
		return;
	worksheet_write_number(w->ws, w->row, w->col++, (double)dong, w->bold_row ? w->money_b : w->money);
}

void xlsxw_day(xlsxw_t *w, const char *iso)
{
	if (!w || !w->ws)
		return;
	int64_t d;
	if (!iso || clock_day_parse(iso, &d) < 0) {
		xlsxw_text(w, iso);
		return;
	}
	int y, m, dd;
	clock_civil_from_days(d, &y, &m, &dd);
	lxw_datetime dt = { y, (uint8_t)m, (uint8_t)dd, 0, 0, 0 };
	worksheet_write_datetime(w->ws, w->row, w->col++, &dt, w->bold_row ? w->date_b : w->date);
}

void xlsxw_skip(xlsxw_t *w)
{
	if (w && w->ws)
		w->col++;
}

void xlsxw_free(xlsxw_t *w)
{
	if (!w)
		return;
	if (w->wb) {
		/* No way to drop a workbook unwritten: write it and delete the file. */
		workbook_close(w->wb);
	}
	unlink(w->path);
	free(w);
}

int xlsxw_finish(xlsxw_t *w, buf_t *out, err_t *err)
{
	int rc = 0;
	if (!w->ws && !workbook_add_worksheet(w->wb, NULL)) /* a workbook needs a sheet */
		rc = err_set(err, ERR_INTERNAL, "err.internal", "xlsxw: no sheet");
	lxw_error e = workbook_close(w->wb);
	w->wb = NULL;
	if (rc == 0 && e != LXW_NO_ERROR)
		rc = err_set(err, ERR_INTERNAL, "err.internal", "xlsxw: %s", lxw_strerror(e));
	FILE *f = rc == 0 ? fopen(w->path, "rb") : NULL;
	if (rc == 0 && !f)
		rc = err_set(err, ERR_INTERNAL, "err.internal", "xlsxw: cannot read back %s", w->path);
	if (f) {
		char chunk[16384];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_append(out, chunk, n);
		if (ferror(f))
			rc = err_set(err, ERR_INTERNAL, "err.internal", "xlsxw: read error");
		fclose(f);
	}
	xlsxw_free(w);
	return rc;
}
