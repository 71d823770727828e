/* csv.h: CSV text as records, for every import that takes a spreadsheet saved as CSV (book lists,
 * class lists, the paper registers' existing stock). RFC 4180: a quoted field may hold separators,
 * doubled quotes and line breaks; records end at LF, CRLF or a lone CR. The separator is chosen
 * from the first line: ',', ';' (Excel in a Vietnamese or European locale) or a tab, whichever
 * that line has most of outside quotes (',' on a tie).
 *
 * The caller checks the text first (UTF-8, no NUL: each import has its own message) and skips a
 * BOM. Fields are NUL-terminated copies in the caller's arena; each record gets a fresh array,
 * so a caller may keep them.
 *
 *     csv_t c;
 *     csv_open(&c, p, end, arena);
 *     while ((rc = csv_record(&c)) > 0) { ... c.f[0..c.n) ... c.line_start ... }
 *     csv_close(&c);                       // rc < 0: a quote never closed
 */
#ifndef THUVIEN_BASE_CSV_H
#define THUVIEN_BASE_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/xlsx.h"

typedef struct csv {
	char sep;              /* ',', ';' or '\t' */
	int64_t line;          /* the line the next record starts on, 1-based */
	int64_t line_start;    /* the line the current record started on */
	const char **f;        /* the current record's fields */
	size_t n;
	bool quote_text;       /* the record has text after a closing quote ("abc"def), kept as read */
	/* private */
	const char *p, *end;
	size_t cap;
	buf_t cell;
	arena_t *a;
} csv_t;

/* Start reading [p, end). */
void csv_open(csv_t *c, const char *p, const char *end, arena_t *a);
/* Read the next record: 1 when one was read, 0 at the end of the text, -1 when a quoted field is
 * never closed (the rest of the text would be one field: the caller refuses the file). */
int csv_record(csv_t *c);
/* Release what csv_open took (not the arena's fields). */
void csv_close(csv_t *c);

/* The first line of [p, end) that is not UTF-8 or holds a NUL, 1-based; 0 when every line is
 * good. The imports refuse such a file with the line (a list saved in a legacy Vietnamese
 * encoding must not be imported as mojibake). */
int64_t csv_bad_line(const char *p, const char *end);

/* Whether every one of the n fields is empty or spaces and tabs. */
bool csv_blank(const char *const *f, size_t n);

/* Every record of [p, end) as rows of the shape the XLSX reader gives (line, n, cells), in the
 * arena; *sep gets the separator when not NULL. 0, or -1 for a quote never closed. */
int csv_rows(const char *p, const char *end, arena_t *a, xlsx_row_t **rows, size_t *nrows, char *sep);

#endif
