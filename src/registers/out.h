/* out.h: internal to src/registers/: the one writer every register goes through. A register
 * reader declares its tables' columns once and emits its lines cell by cell; the writer turns
 * them into the page's window of lines, the PDF (print.h) or the workbook (xlsxw.h), so the
 * three outputs of a register cannot disagree.
 *
 *     reg_out_t o;  reg_out_open(&o, ...);
 *     reg_table(&o, "PHẦN I. NHẬP KHO", sub, "Phần I", cols, n);
 *     reg_row(&o, false); reg_day(&o, "2025-11-26"); reg_int(&o, 12); ...
 *     reg_heading(&o, "Vật lý 8 – Tập 1    53(075)");
 *     rc = reg_out_close(&o, rc, err);
 */
#ifndef THUVIEN_REGISTERS_OUT_H
#define THUVIEN_REGISTERS_OUT_H

#include "base/xlsxw.h"
#include "print/print.h"
#include "registers/registers.h"

typedef struct reg_out {
	registers_format_t format;
	db_t *db;
	arena_t *a;
	const char *lang;
	registers_scope_t *scope;
	registers_page_t *page; /* REG_PAGE */
	buf_t *buf;             /* REG_PDF, REG_XLSX */
	print_doc_t *pdf;
	xlsxw_t *x;
	print_unit_t unit;
	bool roman; /* PDF days of the general register: "26.XI.2025" */
	/* the current table */
	registers_col_t *cols;
	size_t ncols, ci;
	registers_table_t *t;   /* REG_PAGE */
	registers_line_t *line; /* REG_PAGE: the line being filled, NULL outside the window */
	size_t tcap, lcap;
} reg_out_t;

/* What the document says about itself: its title ("SỔ ĐĂNG KÝ CÁ BIỆT"), the register's name under
 * it on the cover ("Sách tham khảo (STK)") or NULL, the foot of its pages, whether it is printed
 * landscape, its body size (0: 9 pt), whether it has a cover. */
typedef struct reg_doc {
	const char *title, *line1, *foot;
	bool landscape, cover;
	double font_pt;
} reg_doc_t;

/* Start the document (registers_read has filled format, db, a, lang, scope, page and buf). */
int reg_out_open(reg_out_t *o, const reg_doc_t *doc, err_t *err);
/* Finish: the PDF's signatures and trailer, the workbook's bytes; abandons them when rc < 0. */
int reg_out_close(reg_out_t *o, int rc, err_t *err);

/* The word of key in the register's language. */
const char *reg_t(const reg_out_t *o, const char *key);
/* A column appended to an arena array (cap grown as needed). */
void reg_col(arena_t *a, registers_col_t **v, size_t *n, size_t *cap, const char *head, const char *group,
             double mm, int align, double chars);

/* Start a table (sheet: the workbook's tab name). cols must outlive the table. */
void reg_table(reg_out_t *o, const char *title, const char *sub, const char *sheet, registers_col_t *cols,
               size_t n);
void reg_row(reg_out_t *o, bool bold);
void reg_heading(reg_out_t *o, const char *text);
void reg_text(reg_out_t *o, const char *s);
void reg_int(reg_out_t *o, int64_t v);
void reg_int_or_blank(reg_out_t *o, int64_t v); /* 0 as an empty cell */
void reg_money(reg_out_t *o, int64_t dong);
void reg_day(reg_out_t *o, const char *iso);
/* A paragraph under the tables (PDF and page: not in the workbook). */
void reg_note(reg_out_t *o, const char *text);

/* Whether the writer wants lines at all (a page past its window still counts them). */
static inline bool reg_counting_only(const reg_out_t *o)
{
	return o->format == REG_PAGE && !o->line;
}

/* The readers (reg_books.c, reg_use.c). */
int reg_tongquat(reg_out_t *o, const registers_filter_t *f, err_t *err);
int reg_dkcb(reg_out_t *o, const registers_filter_t *f, err_t *err);
int reg_sgk(reg_out_t *o, const registers_filter_t *f, err_t *err);
int reg_baochi(reg_out_t *o, const registers_filter_t *f, err_t *err);
int reg_muon(reg_out_t *o, const registers_filter_t *f, err_t *err);
int reg_doctaicho(reg_out_t *o, const registers_filter_t *f, err_t *err);

/* The period as "Năm học 2025-2026" or "Từ ngày 01/09/2025 đến ngày 30/11/2025". */
const char *reg_period_text(const reg_out_t *o);
/* The period's bounds for SQL: from or "0000-00-00", to or "9999-12-31". */
const char *reg_from(const reg_out_t *o);
const char *reg_to(const reg_out_t *o);

#endif
