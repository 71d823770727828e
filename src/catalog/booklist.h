/* booklist.h: importing a school's book list (CSV or Excel's XLSX) into its catalogue.
 *
 * The lists schools keep in a spreadsheet: one row per title with columns title, author,
 * publisher, year, ISBN, price, copies, under English or Vietnamese headers ("Nhan đề"/"Tên sách",
 * "Tác giả", "Nhà xuất bản"/"NXB", "Năm xuất bản"/"Năm", "ISBN", "Giá"/"Giá tiền", "Số bản"/"SL";
 * case and marks are ignored; other columns are ignored and listed in `ignored`). Fields are
 * separated by ',' or ';' (whichever the header line has more of) and quoted as RFC 4180 says;
 * the file is UTF-8 with or without a BOM; every value is trimmed and NFC-normalised. Prices are
 * whole đồng written as "25000", "25.000", "25,000 đ" or "25.000 VNĐ".
 *
 * A workbook (.xlsx, told from CSV by its content: a zip archive) is read the same way from its
 * first sheet (base/xlsx.h): the first row with a value is the header, each later row a record,
 * numbers as typed (a price 25000, an ISBN's 13 digits), dates as yyyy-mm-dd; a row's line is
 * its row number in the sheet. A workbook that cannot be read fails with xlsx.h's keys.
 *
 * As with MARC files (marc.h), the import has two steps: booklist_read_buf() reads and checks every
 * row (a bad row is kept aside as a problem with its line and reason and never stops the reading),
 * booklist_preview() marks duplicates, booklist_commit() writes the rest in ONE transaction with
 * one new intake batch: every record and copy, or nothing.
 *
 * Memory: everything a list holds lives in the arena given to the reader.
 */
#ifndef THUVIEN_CATALOG_BOOKLIST_H
#define THUVIEN_CATALOG_BOOKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "catalog/batch.h"
#include "catalog/catalog.h"
#include "db/db.h"

/* A row that could not be read, or (from booklist_commit) not imported. */
typedef struct booklist_problem {
	int64_t line;       /* the line of the file the row starts on (the header is line 1) */
	const char *key;    /* i18n key of the reason, "err.booklist.price" */
	const char *detail; /* the value concerned, may be "" */
} booklist_problem_t;

typedef struct booklist_row {
	int64_t line;   /* as in booklist_problem_t */
	biblio_t bib;   /* title, authors, publisher, year, isbn (13 digits or ""), price; doc_type NULL */
	int copies;     /* 0: the batch default */
	bool duplicate; /* set by booklist_preview / booklist_commit */
	int64_t dup_id; /* the school's record it duplicates; 0 when an earlier row of the list */
} booklist_row_t;

typedef struct booklist {
	const char *format;   /* "csv" or "xlsx" */
	char sep;             /* ',' or ';' (CSV) */
	int64_t nread;        /* data rows found (empty lines are not rows) */
	booklist_row_t *rows; /* the valid ones, in file order */
	size_t nrows;
	booklist_problem_t *problems; /* the rejected ones, in file order */
	size_t nproblems;
	const char **ignored; /* headers of the columns not imported */
	size_t nignored;
	int64_t nduplicates; /* filled by booklist_preview / booklist_commit */
	size_t cap_rows, cap_problems;
} booklist_t;

/* Read and check every row of data[0..len) into *out (zeroed first), all in arena a. Returns 0
 * even when rows are rejected (see out->problems). Fails, with nothing read, with ERR_INVALID and
 * key "err.booklist.empty" (no header line), "err.booklist.utf8" (not UTF-8: detail names the
 * line; a list saved as Windows-1258 or TCVN3 must be saved again as UTF-8), "err.booklist.title"
 * (no title column among the headers) or "err.booklist.quote" (a quote never closed). */
int booklist_read_buf(const char *data, size_t len, arena_t *a, booklist_t *out, err_t *err);

/* A price as written in a list ("25.000", "25,000 đ", "25000", "25.000 VNĐ", "25.000,00") in
 * đồng into *out. 0, or ERR_INVALID "err.booklist.price". An empty string is 0 đồng. */
int booklist_parse_price(const char *s, int64_t *out, err_t *err);

/* Mark the rows that duplicate a record of the actor's school (same ISBN, or same folded title +
 * authors + year: catalog_biblio_create's rule) or an earlier row, and count them in
 * l->nduplicates. Reads only. Librarians of a school (ERR_FORBIDDEN otherwise). */
int booklist_preview(db_t *db, const actor_t *actor, booklist_t *l, err_t *err);

/* The batch's options and the commit's report: the catalogue's import's (batch.h). The default
 * copies go to a row without its own count; failed_pos is the failing row's line. */
typedef catalog_import_opts_t booklist_opts_t;
typedef catalog_import_result_t booklist_result_t;

/* Write the list's non-duplicate rows into the actor's school (librarians) in one transaction with
 * one new intake batch; each row gets its own number of copies, else opts->copies, each at the
 * row's price. Duplicates are skipped and counted. On any other error nothing is written, err says
 * why and res->failed_pos which row (its line). A list with nothing to write writes nothing and returns 0. */
int booklist_commit(db_t *db, const actor_t *actor, booklist_t *l, const booklist_opts_t *opts,
                    booklist_result_t *res, err_t *err);

#endif
