/* xlsxw.h: writing simple tables as Excel workbooks (.xlsx), for every report and register a
 * school downloads: one or more sheets, each with a title (and a line under it: the school, the
 * date), a header row (bold, frozen, so it stays on screen while scrolling), typed cells and
 * column widths.
 *
 *     xlsxw_t *w = xlsxw_new(&err);
 *     xlsxw_sheet(w, "Quá hạn", "Danh sách quá hạn", "Trường ... · 29/11/2026");
 *     static const xlsxw_col_t cols[] = { { "Bạn đọc", 28 }, { "Hạn trả", 12 }, { "Số ngày", 8 } };
 *     xlsxw_header(w, cols, 3);
 *     xlsxw_row(w); xlsxw_text(w, "Nguyễn An"); xlsxw_day(w, "2026-11-02"); xlsxw_int(w, 27);
 *     buf_t out = BUF_INIT;
 *     if (xlsxw_finish(w, &out, &err) < 0) ...      (w is freed either way)
 *
 * Cells: text (UTF-8), whole numbers, money in đồng (a number shown with thousands separators
 * and "đ"), days (a real Excel date, so the sheet sorts and filters by it, shown dd/mm/yyyy).
 * Writing is by cursor: xlsxw_row() starts the next row, each cell call fills the next column.
 * A cell call before the first xlsxw_row() of a sheet, or without a sheet, is ignored.
 *
 * The workbook goes through libxlsxwriter to a private temporary file (in $TMPDIR, else /tmp),
 * which xlsxw_finish() reads back into the caller's buffer and deletes; xlsxw_free() abandons a
 * workbook and deletes its file. Not thread-shared: one xlsxw_t per request.
 */
#ifndef THUVIEN_BASE_XLSXW_H
#define THUVIEN_BASE_XLSXW_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct xlsxw xlsxw_t;

typedef struct xlsxw_col {
	const char *name; /* the header cell's text */
	double width;     /* in characters; 0: Excel's default */
} xlsxw_col_t;

/* A new empty workbook, or NULL with err set (ERR_INTERNAL: no temporary file). Release with
 * xlsxw_finish or xlsxw_free. */
xlsxw_t *xlsxw_new(err_t *err);

/* Add a sheet and make it current. name: the tab's name (cut to Excel's 31 characters, the
 * characters Excel refuses in a name replaced by '-'); title: bold text in A1; subtitle (may be
 * NULL): A2. The header row follows on the next row. 0, or ERR_INTERNAL. */
int xlsxw_sheet(xlsxw_t *w, const char *name, const char *title, const char *subtitle, err_t *err);

/* The header row of the current sheet: n bold cells, the column widths, and the panes frozen
 * below it. Call once per sheet, before the first xlsxw_row(). */
void xlsxw_header(xlsxw_t *w, const xlsxw_col_t *cols, size_t n);

/* Start the next row of data (or, before xlsxw_header, of the top lines). */
void xlsxw_row(xlsxw_t *w);
/* Start the next row with its cells in bold (a group's heading, a total). */
void xlsxw_row_bold(xlsxw_t *w);

/* The next cell of the current row. */
void xlsxw_text(xlsxw_t *w, const char *s); /* NULL or "": an empty cell */
void xlsxw_int(xlsxw_t *w, int64_t v);
void xlsxw_money(xlsxw_t *w, int64_t dong);
void xlsxw_day(xlsxw_t *w, const char *iso); /* "yyyy-mm-dd"; anything else is written as text */
void xlsxw_skip(xlsxw_t *w);                 /* leave the cell empty */

/* Write the workbook and append its bytes to out. Frees w, whatever happens. 0, or
 * ERR_INTERNAL (detail: libxlsxwriter's message). */
int xlsxw_finish(xlsxw_t *w, buf_t *out, err_t *err);

/* Abandon a workbook: frees it and deletes its file. NULL is fine. */
void xlsxw_free(xlsxw_t *w);

/* The MIME type of an .xlsx answer. */
#define XLSXW_MIME "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#endif
