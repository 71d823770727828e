/* xlsx.h: reading the first sheet of an Excel workbook (.xlsx, Office Open XML SpreadsheetML) as
 * rows of text cells: the book lists schools keep, later their class lists of readers.
 *
 * The workbook is read from memory (libzip) and its parts with libxml2: the first sheet is the
 * first <sheet> of xl/workbook.xml (found through _rels/.rels), its part through the workbook's
 * relationships; shared strings (rich text runs joined, phonetic runs left out), inline strings,
 * numbers, booleans ("TRUE"/"FALSE"), errors ("#N/A") and formulas' cached values become text.
 * A number in a date format (built-in or custom) becomes yyyy-mm-dd (1900 or 1904 date system);
 * other numbers are written plainly ("25000", "12.5", an ISBN stored as a number as its 13
 * digits). Cells are placed by their reference, so A1, C1 gives "", B1 empty. A merged range
 * (<mergeCell>) gives its top-left value to each of its cells, in the rows that have a cell: the
 * class lists schools export merge their "Lớp" column.
 *
 * Anything else is refused with an i18n key: not a zip ("err.xlsx.zip"), an archive or part too
 * large once uncompressed or with too many entries, a zip bomb ("err.xlsx.too_big"), a missing
 * part ("err.xlsx.part", detail: its name), malformed XML ("err.xlsx.xml", detail: the part and
 * line), too many rows, columns or cells ("err.xlsx.too_many"), text that is not UTF-8
 * ("err.xlsx.utf8"). Nothing is read from the network or the file system.
 *
 * Memory: everything returned lives in the arena given.
 */
#ifndef THUVIEN_BASE_XLSX_H
#define THUVIEN_BASE_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

#define XLSX_MAX_ENTRIES 2000        /* entries in the archive */
#define XLSX_MAX_PART    (48u << 20) /* bytes of one part, uncompressed */
#define XLSX_MAX_TOTAL   (96u << 20) /* bytes of all parts read, uncompressed */
#define XLSX_MAX_ROWS    100000      /* rows with a cell */
#define XLSX_MAX_COLS    1024        /* columns: A .. AMJ */
#define XLSX_MAX_CELLS   2000000     /* cells kept, the empty ones of gaps included */

typedef struct xlsx_row {
	int64_t line;      /* the row's number in the sheet, 1-based */
	size_t n;          /* cells, up to the last one the row has */
	const char **cell; /* n values, UTF-8 NFC not guaranteed; "" when empty */
} xlsx_row_t;

typedef struct xlsx_sheet {
	const char *name; /* the sheet's name in the workbook */
	xlsx_row_t *rows; /* the rows that have a cell, in order */
	size_t nrows;
} xlsx_sheet_t;

/* Whether data begins as a zip archive does ("PK\3\4"): how a book list tells XLSX from CSV. */
bool xlsx_is_zip(const void *data, size_t len);

/* Read the first sheet of the workbook data[0..len) into *out (zeroed first). 0, or ERR_INVALID
 * (ERR_TOOBIG for "err.xlsx.too_big") with nothing read. */
int xlsx_read(const void *data, size_t len, arena_t *a, xlsx_sheet_t *out, err_t *err);

#endif
