/* stock.h: how a school's registers number their copies, and its existing stock (khai báo kho
 * ban đầu, hồi cố): the copies of the paper registers entered with the numbers they already carry.
 *
 * Numbering. Every copy has its register's number (items.accession_no: the ĐKCB number, its
 * identity and default barcode) and its number within its title (items.title_no: 1..n per
 * record, given by every writer of copies, see catalog_int.h). A register is numbered 'type' (one
 * series per register: the default) or 'title' (a series per title and volume, as textbooks are
 * numbered: "Vật lý 8, tập 1: 1-40"), a setting of the school (table register_settings). A
 * register numbered by title prints title_no where it would print accession_no: STOCK_NUMBER_SQL.
 *
 * Existing stock. The school enters its copies with their existing numbers, dates ("ngày vào
 * sổ"), general-register numbers (số vào sổ tổng quát) and descriptions, by a form (one title and
 * a list of numbers or ranges, "120-135, 140") or by a CSV/XLSX file in the register's own columns
 * (stock_opening_read). The rules:
 *   - copies of one title (same folded title, authors and year, in the same register) are ONE
 *     record: rows of the file join each other, and join the school's record when it has one;
 *   - each distinct general-register number is ONE intake line (acquisitions, legacy = 1, number =
 *     that number, received = the earliest date of its copies, source 'other' unless a column says),
 *     or joins the school's line with that number; copies without one share one new line numbered
 *     after the highest; a copy's own date differing from its line's goes to items.entered;
 *   - in a register numbered by type the number is the accession number: one already used in the
 *     school's register, or twice in the entry, is refused; in a register numbered by title it is
 *     the title number (refused when the record has it already, or twice) and the accession number
 *     is the register's next;
 *   - the counters continue the paper registers: after the entry each register's counter is
 *     MAX(its last, the highest number entered) and the general register's ('#TQ') likewise, so the
 *     next new copy follows the highest number; gaps stay gaps;
 *   - a date in the future, or on or before the school's latest yearly stocktake line (part III:
 *     the paper register before the first electronic stocktake is what is entered here), a price
 *     that is not a number, a missing title or number, an unknown register: refused, with the row.
 * The commit is all or nothing, in ONE transaction with ONE audit row (stock.opening) listing the
 * counts and the ranges; a row with a problem writes nothing at all.
 *
 * Scope: the school's librarian writes; its leader, and inspectors and admins of its parent
 * units, read the summary (stock_registers). Another school's data is never read or written.
 * Memory: everything returned lives in the arena given.
 */
#ifndef THUVIEN_STOCK_STOCK_H
#define THUVIEN_STOCK_STOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

/* --- numbering ------------------------------------------------------------------------------- */

/* The number a register prints for copy `i` (an alias of items): its title number when the
 * school numbers that register by title, else its accession number. One correlated lookup on
 * register_settings' primary key per copy; a register that reads many copies of one register may
 * instead read the setting once (stock_numbering_get) and use stock_number_of. */
#define STOCK_NUMBER_SQL(i)                                                                                  \
	"(CASE WHEN (SELECT rs.numbering FROM register_settings rs WHERE rs.unit_id = " i ".unit_id "      \
	"AND rs.register = " i ".register) = 'title' THEN COALESCE(" i ".title_no, " i ".accession_no) "    \
	"ELSE " i ".accession_no END)"

/* The same in C: numbering is "type" or "title" (as stock_numbering_get gives it). */
int64_t stock_number_of(const char *numbering, int64_t accession_no, int64_t title_no);

/* Whether reg is a register some active document type numbers its copies in (doc_types.register). */
int stock_register_known(db_t *db, const char *reg, bool *known, err_t *err);

/* The numbering of register reg of school unit_id ("type" when never set) in *out (static
 * string). No scope check: for code that has checked it (the registers). */
int stock_numbering_get(db_t *db, int64_t unit_id, const char *reg, const char **out, err_t *err);

/* Set the numbering of register reg ("type" or "title") of the actor's school. The school's
 * librarian only (ERR_FORBIDDEN err.catalog.write); ERR_INVALID err.stock.register for an
 * unknown register, err.stock.numbering for another value. One transaction, one audit row
 * (stock.numbering) when it changes. */
int stock_numbering_set(db_t *db, const actor_t *actor, const char *reg, const char *numbering, err_t *err);

/* One register of a school, as the existing-stock page shows it. */
typedef struct stock_register {
	const char *reg;       /* "STK" */
	const char *name;      /* the name of its first document type, in the language asked */
	const char *numbering; /* "type" or "title" */
	int64_t copies;        /* copies numbered in it (withdrawn ones too: they keep their line) */
	int64_t last;          /* the counter: the highest number given */
	int64_t next;          /* the next new copy's accession number */
} stock_register_t;

/* Every register of school unit_id (0: the actor's unit), in document type order, with the
 * general register ('#TQ', name "") last. The actor must see the school (ERR_NOTFOUND otherwise)
 * and not be a reader (ERR_FORBIDDEN). */
int stock_registers(db_t *db, const actor_t *actor, int64_t unit_id, const char *lang, arena_t *a,
                    stock_register_t **out, size_t *n, err_t *err);

/* --- existing stock ---------------------------------------------------------------------------- */

/* One row of the paper register: one copy, or a range of copies of one title. */
typedef struct stock_row {
	int64_t line;         /* its line or row in the file (the header is 1); 0 for the form */
	const char *kind;     /* the register or document type as written ("STK", "Sách tham khảo");
	                         NULL or "": the entry's default */
	const char *numbers;  /* "120", "120-135, 140" */
	const char *entered;  /* ngày vào sổ as written: dd/mm/yyyy, d.m.yyyy, yyyy-mm-dd, 26.XI.2007 */
	const char *title, *authors, *place, *publisher;
	const char *year;     /* as written; "" for none */
	const char *price;    /* as written ("25.000 đ"); "" for 0 */
	const char *general;  /* số vào sổ tổng quát; "" for none */
	const char *class_number;
	const char *note;
	const char *barcode;  /* the copy's own barcode (one copy only); "" for the default */
	const char *source;   /* the intake line's source as written ("mua", "biếu tặng", "purchase") */
} stock_row_t;

/* A row refused, with why. */
typedef struct stock_problem {
	int64_t line;       /* the row's line (0: the form) */
	const char *key;    /* i18n key, "err.stock.number_used" */
	const char *detail; /* the value concerned, may be "" */
} stock_problem_t;

/* What an entry holds or wrote, per register. */
typedef struct stock_range {
	const char *reg;
	int64_t copies;
	int64_t lowest, highest; /* of the numbers entered */
	const char *ranges;      /* "1-120, 125, 130-140" */
} stock_range_t;

typedef struct stock_result {
	int64_t rows, copies;       /* rows read, copies they hold */
	int64_t records_new;        /* records created */
	int64_t records_joined;     /* the school's records joined */
	int64_t lines_new;          /* intake lines created */
	int64_t lines_joined;       /* the school's intake lines joined */
	int64_t value;              /* đồng */
	stock_range_t *ranges;      /* per register, in the order met */
	size_t nranges;
	stock_problem_t *problems;  /* in row order */
	size_t nproblems;
} stock_result_t;

/* Everything a file held: its rows (every row read, checked or not) and the problems found
 * reading it (a row that cannot be read at all, e.g. a quote never closed). */
typedef struct stock_sheet {
	const char *format; /* "csv" or "xlsx" */
	stock_row_t *rows;
	size_t nrows;
	stock_problem_t *problems;
	size_t nproblems;
	const char **ignored; /* headers not understood */
	size_t nignored;
} stock_sheet_t;

/* At most this many copies in one entry. */
#define STOCK_MAX_COPIES 50000

/* Read a CSV (UTF-8, ',' or ';') or XLSX file in the register's columns: Ngày vào sổ | Số ĐKCB |
 * Tên sách – tác giả (or Tên sách, Tác giả) | Nơi XB | Nhà XB | Năm XB | Giá tiền | Số vào sổ
 * tổng quát | Môn loại | Ghi chú, optionally Sổ/Loại (register or document type), Mã vạch,
 * Nguồn; headers matched folded, in any order. Values are only read here (stock_opening_check
 * judges them). ERR_INVALID with nothing read: "err.booklist.empty", "err.booklist.utf8",
 * "err.booklist.quote", the xlsx.h keys, "err.stock.columns" (no number or no title column:
 * detail names what is missing). */
int stock_opening_read(const char *data, size_t len, arena_t *a, stock_sheet_t *out, err_t *err);

/* Check rows[0..n) for the actor's school, kind_default naming the register or document type of
 * rows without one: every problem is listed in res->problems, the counts in res. Reads only.
 * The school's librarian (ERR_FORBIDDEN otherwise). Returns 0 even when rows have problems. */
int stock_opening_check(db_t *db, const actor_t *actor, const stock_row_t *rows, size_t n,
                        const char *kind_default, arena_t *a, stock_result_t *res, err_t *err);

/* Check again and write, in one transaction: everything or, when any row has a problem, nothing
 * (ERR_INVALID "err.stock.rows", res->problems listing them). 0 when written. */
int stock_opening_commit(db_t *db, const actor_t *actor, const stock_row_t *rows, size_t n,
                         const char *kind_default, arena_t *a, stock_result_t *res, err_t *err);

/* The template of the import (GET /stock/opening/template.xlsx): one sheet with a title line, a
 * line of help and the register's columns as headers, in the order stock_opening_read reads
 * them best. Appended to out. 0, or ERR_INTERNAL. */
struct buf;
int stock_opening_template(struct buf *out, err_t *err);

/* Parse a list of numbers and ranges ("120-135, 140"; separators ',' ';' or spaces, dashes '-'
 * '–') into *out (ascending as written, in a), at most max numbers. 0, or -1 when malformed, a
 * range runs backwards or past max, or a number is 0 or above 10^9. */
int stock_parse_numbers(const char *s, arena_t *a, size_t max, int64_t **out, size_t *n);

/* A date as paper registers write it (dd/mm/yyyy, d-m-yyyy, dd.mm.yyyy, yyyy-mm-dd, day.ROMAN
 * month.year as "26.XI.2007") into out "yyyy-mm-dd" (11 bytes). 0, or -1. */
int stock_parse_date(const char *s, char out[11]);

#endif
