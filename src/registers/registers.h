/* registers.h: the library's registers (sổ đăng ký), read from the rows that make them, each
 * written three ways from ONE definition of its columns and lines: a page (a window of at most
 * REGISTERS_PAGE_MAX lines, with paging), a PDF (print.h: a cover, the unit block, ruled tables
 * with their header on every page, signatures) and an XLSX workbook (xlsxw.h: typed cells, one
 * sheet per table).
 *
 *   tongquat   sổ đăng ký tổng quát: part I, the intake batches of the period (copies split by
 *              content group and by document type; registers TB and SDT, pictures, maps, discs
 *              and e-books, are not entered, as the paper register does not take them); part II,
 *              the approved withdrawals (copies split by reason); part III, the stocktake balance
 *              lines. Totals under parts I and II.
 *   dkcb       sổ đăng ký cá biệt of one register series (register=STK): a line per copy in
 *              accession order, withdrawn copies kept with "đã thanh lọc QĐ số ... ngày ...".
 *   sgk        sổ đăng ký sách giáo khoa: a section per title and volume, a line per printing
 *              (one intake batch) with its number ranges.
 *   baochi     sổ đăng ký báo, tạp chí: a line per subscription with the issues received month
 *              by month.
 *   muon       sổ mượn: loans of the period, teachers' (a section per teacher) and students'
 *              (a section per class).
 *   doctaicho  phiếu thống kê lượt đọc tại chỗ: in-library uses by day, by reader group and by
 *              document type, month totals and the period's total.
 *
 * Scope: readers are refused (ERR_FORBIDDEN). Every other account reads a school of its subtree:
 * its own school when filter.school is NULL (an office's account must name one: ERR_INVALID
 * "err.registers.school"), or the school filter.school names by code or id. A school outside the
 * actor's subtree, or a unit that is not a school, is ERR_NOTFOUND. Only the school's librarian
 * writes (the numbering setting).
 *
 * The period: school_year "2025-2026" (1 August to 31 July; default the current one, "all" for
 * the whole register since it was opened), narrowed or replaced by from/to days (yyyy-mm-dd).
 * Strings returned live in the caller's arena.
 */
#ifndef THUVIEN_REGISTERS_REGISTERS_H
#define THUVIEN_REGISTERS_REGISTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

#define REGISTERS_PAGE_MAX 200 /* lines a page shows at most */

typedef enum registers_kind {
	REG_TONGQUAT,
	REG_DKCB,
	REG_SGK,
	REG_BAOCHI,
	REG_MUON,
	REG_DOCTAICHO,
	REG__COUNT
} registers_kind_t;

/* "tongquat", ... and back (-1 for an unknown name). */
const char *registers_kind_name(registers_kind_t k);
int registers_kind_parse(const char *s, registers_kind_t *out);

typedef enum registers_format { REG_PAGE, REG_PDF, REG_XLSX } registers_format_t;

typedef struct registers_filter {
	const char *school;      /* a school's code or id; NULL or "": the actor's own */
	const char *school_year; /* "2025-2026", "all"; NULL or "": the current one */
	const char *from, *to;   /* yyyy-mm-dd, or NULL */
	const char *reg;         /* dkcb: the register series (STK, SNV, TN, SGK, ...); default STK */
	const char *doc_type;    /* a document type code, or NULL */
	const char *group;       /* muon: "teacher" (teachers and staff) or "student"; NULL: both */
	const char *class_name;  /* muon: one class */
	int64_t patron_id;       /* muon: one reader */
	int64_t offset;          /* page: the first line shown */
	const char *lang;        /* "vi" (default) or "en": the words of the headers */
	int64_t today;           /* a day number; 0: today in Vietnam (tests pass their own) */
} registers_filter_t;

/* The school and period a register is read for. */
typedef struct registers_scope {
	int64_t school_id;
	const char *school_code, *school_name, *school_path;
	char school_year[16];  /* "2025-2026", or "all" */
	char from[11], to[11]; /* the period's days; "" when open at that end */
	const char *reg;       /* dkcb: the series read */
	bool by_title;         /* the series is numbered by title (register_settings) */
} registers_scope_t;

/* --- a register as a page ---------------------------------------------------------------- */

typedef struct registers_col {
	const char *head;  /* the header's text, in the filter's language */
	const char *group; /* a header cell over this and the following columns with the same group */
	double mm;         /* width in the PDF; 0: a share of what is left */
	int align;         /* PRINT_LEFT, PRINT_CENTRE, PRINT_RIGHT */
	double chars;      /* width in the workbook, in characters */
} registers_col_t;

typedef struct registers_cell {
	const char *text; /* as shown ("1.234", "26/11/2025") */
	bool number;      /* a number (right-aligned) */
} registers_cell_t;

typedef struct registers_line {
	int kind;                /* 0: a line; 1: a bold line (a total); 2: a section heading */
	const char *heading;     /* kind 2 */
	registers_cell_t *cells; /* ncols, kinds 0 and 1 */
} registers_line_t;

typedef struct registers_table {
	const char *title, *sub;
	registers_col_t *cols;
	size_t ncols;
	registers_line_t *lines; /* the lines of the page's window that fall in this table */
	size_t n;
	size_t total; /* lines of the whole table */
} registers_table_t;

typedef struct registers_page {
	registers_scope_t scope;
	const char *title; /* "Sổ đăng ký cá biệt – STK" */
	registers_table_t *tables;
	size_t ntables;
	int64_t offset; /* the window: lines [offset, offset + REGISTERS_PAGE_MAX) */
	int64_t total;  /* lines of every table */
} registers_page_t;

/* Read register kind as the filter says. REG_PAGE fills *page (out unused); REG_PDF and REG_XLSX
 * append the document to out (page may be NULL). ERR_INVALID with a key for a bad filter
 * (err.registers.year, err.date, err.registers.period, err.registers.register,
 * err.registers.group, err.biblio.doc_type), scope errors as above. */
int registers_read(db_t *db, const actor_t *actor, registers_kind_t kind, const registers_filter_t *f,
                   registers_format_t format, arena_t *a, registers_page_t *page, buf_t *out, err_t *err);

/* The download's file name: "so-dang-ky-ca-biet-STK-2025-2026.pdf" (ASCII), in the arena. */
const char *registers_filename(registers_kind_t kind, const registers_scope_t *s, registers_format_t format,
                               arena_t *a);

/* Resolve the school and period of a filter (what registers_read does first). */
int registers_scope(db_t *db, const actor_t *actor, const registers_filter_t *f, arena_t *a,
                    registers_scope_t *out, err_t *err);

/* --- the hub ----------------------------------------------------------------------------- */

typedef struct registers_series {
	const char *reg;  /* "STK" */
	const char *name; /* "Sách tham khảo" (the first document type that names it) */
	int64_t copies;   /* copies ever entered (withdrawn included) */
	int64_t in_stock; /* copies not withdrawn */
	bool by_title;    /* numbered by title */
} registers_series_t;

typedef struct registers_hub {
	registers_scope_t scope;
	int64_t batches, withdrawals, balances; /* general register lines of the period */
	int64_t sgk_titles, subscriptions, loans, uses;
	registers_series_t *series; /* every register series of the document types, with counts */
	size_t nseries;
	bool can_write; /* the actor is the school's librarian */
} registers_hub_t;

int registers_hub(db_t *db, const actor_t *actor, const registers_filter_t *f, arena_t *a,
                  registers_hub_t *out, err_t *err);

#endif
