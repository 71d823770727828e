/* stocktake.h: stocktakes (kiểm kê thư viện): a session with a scope, scans from many desks and
 * phones at once, a file of barcodes from a portable scanner, live progress, closing (the year's
 * C/M marks of the ĐKCB and SGK registers, a line of part III of the general register), the
 * reviewed step that turns missing copies into lost ones, the lists and the biên bản kiểm kê.
 *
 * Scope (stocktakes.scope): "all" (the whole library), "register:STK" (one register),
 * "location:<text>" (copies whose location is that text, compared folded) or "class:<from>-<to>"
 * (the record's class number from `from` to `to`, compared as bytes in C; a class number that
 * starts with `to` is inside too, so "class:500-599" takes 599.9). Several sessions may be open
 * at once only when their scopes cannot share a copy: the same kind with different registers or
 * locations, or disjoint class ranges; "all" excludes every other open session. A school's
 * sessions are serialised by a lock row (accession_counters "#KIEMKE"), so two librarians cannot
 * both open overlapping sessions.
 *
 * Expected copies: the school's copies in scope whose status is neither 'withdrawn' nor 'lost' (a
 * lost copy is out of the count, but when scanned it is 'found', a good surprise, and counted in
 * `found`, not in `expected`).
 *
 * A scan (barcode trimmed and upper-cased; a copy whose stored barcode has lower-case letters is
 * found too) is deduplicated per session: the first scan decides the result, later ones only
 * count (`scans`). Results: found (a copy in scope on the shelf), on_loan (in scope with an open
 * loan: present), misplaced (a copy of the school outside the scope, or a withdrawn one), unknown
 * (no copy of the school has it: another school's barcode is unknown too, it reveals nothing).
 *
 * Counts, live while open, frozen at close:
 *     expected  = copies expected (above)
 *     found     = scanned copies in scope without an open loan (lost ones found included)
 *     on_loan   = expected copies with an open loan (scanned or not: a loan is presence)
 *     missing   = expected - found (of expected copies) - on_loan
 *     misplaced, unknown = distinct barcodes with that result; seen = distinct barcodes.
 * While open the row's columns count the scans as they come (found, on_loan, misplaced, unknown
 * of the barcodes seen), so a scan answers with live tallies without reading the whole stock.
 *
 * Who: the school's librarian writes; its leader and the offices above read; readers get
 * ERR_FORBIDDEN; another school's session is ERR_NOTFOUND. Every write is one transaction with
 * its audit row. Strings returned live in the caller's arena.
 */
#ifndef THUVIEN_STOCKTAKE_STOCKTAKE_H
#define THUVIEN_STOCKTAKE_STOCKTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

#define STOCKTAKE_BATCH        500     /* barcodes in one scan request */
#define STOCKTAKE_BARCODE_MAX  48      /* as Code 128 labels print them */
#define STOCKTAKE_UPLOAD_MAX   2000000 /* bytes of an uploaded file of barcodes */
#define STOCKTAKE_UPLOAD_LINES 50000

enum { STOCKTAKE_ALL = 0, STOCKTAKE_REGISTER, STOCKTAKE_LOCATION, STOCKTAKE_CLASS };

/* A parsed scope. value: the register, the folded location; from/to: the class range. */
typedef struct stocktake_scope {
	int kind;
	const char *value, *from, *to;
	const char *text; /* the canonical text stored in stocktakes.scope */
} stocktake_scope_t;

/* Parse s (NULL or "": "all") into *out (strings in a). ERR_INVALID "err.stocktake.scope". */
int stocktake_scope_parse(arena_t *a, const char *s, stocktake_scope_t *out, err_t *err);
/* True when a copy of some school could be inside both scopes. */
bool stocktake_scope_overlap(const stocktake_scope_t *x, const stocktake_scope_t *y);
/* True when a copy with this register, location (as stored) and class number is in scope. */
bool stocktake_scope_has(arena_t *a, const stocktake_scope_t *s, const char *reg, const char *location,
                         const char *class_number);

typedef struct stocktake_counts {
	int64_t expected, found, on_loan, missing, misplaced, unknown, seen;
	int64_t expected_value, present_value, missing_value; /* đồng, of expected copies */
} stocktake_counts_t;

typedef struct stocktake_reg {
	const char *reg;
	int64_t expected, present, missing;
} stocktake_reg_t;

typedef struct stocktake {
	int64_t id, unit_id;
	const char *unit_code, *unit_name;
	const char *school_year, *scope, *note, *status, *members, *conclusion;
	const char *opened_by, *closed_by; /* full names, "" when none */
	int64_t opened_at, closed_at;
	const char *closed_day; /* yyyy-mm-dd or NULL */
	stocktake_counts_t c;
	stocktake_reg_t *regs; /* by register (stocktake_get only) */
	size_t nregs;
	bool can_write; /* the actor is this school's librarian */
} stocktake_t;

/* Open a session in the actor's school (librarian). scope as stocktake_scope_parse; note free
 * text (at most 1000 characters). ERR_CONFLICT "err.stocktake.overlap" when an open session's
 * scope overlaps. */
int stocktake_create(db_t *db, const actor_t *actor, const char *scope, const char *note, int64_t *id,
                     err_t *err);

/* The sessions of school unit_id (0: the actor's own school), newest first, with the row's
 * counts (no live computation). */
int stocktake_list(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, stocktake_t **out, size_t *n,
                   err_t *err);

/* One session with its counts: live (computed from the stock and the scans) while open, the
 * frozen ones after; by register in both cases (after close, from the session's marks). */
int stocktake_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, stocktake_t *out, err_t *err);

typedef struct stocktake_scan {
	const char *barcode; /* normalised */
	const char *result;  /* found, on_loan, misplaced, unknown; "invalid": not a barcode, not kept */
	int64_t item_id;     /* 0 for unknown / invalid */
	const char *title, *accession, *reg;
	int64_t scans; /* times this barcode was scanned in the session, this one included */
} stocktake_scan_t;

/* Record n (1..STOCKTAKE_BATCH) barcodes in one transaction; out (room for n) receives each
 * one's result, *live the session's tallies of the scans (found, on_loan, misplaced, unknown,
 * seen). ERR_CONFLICT "err.stocktake.closed" when the session is not open (nothing written). */
int stocktake_scan(db_t *db, const actor_t *actor, int64_t id, const char *const *barcodes, size_t n,
                   arena_t *a, stocktake_scan_t *out, stocktake_counts_t *live, err_t *err);

/* A file of barcodes (one a line, or CSV/TSV whose first column is the barcode; BOM, CRLF, blank
 * lines, quotes tolerated): the good lines go through stocktake_scan in batches; a line that is
 * not a barcode is reported in bad (its line numbers, at most 100 kept), never fatal. */
typedef struct stocktake_upload {
	size_t lines, scanned, nbad;
	size_t bad_line[100];
	const char *bad_text[100];
	int64_t found, on_loan, misplaced, unknown, repeats; /* results of this file's barcodes */
	stocktake_counts_t live;
} stocktake_upload_t;
int stocktake_upload(db_t *db, const actor_t *actor, int64_t id, const char *data, size_t len, arena_t *a,
                     stocktake_upload_t *out, err_t *err);

/* Close an open session: freeze the counts, write the marks for the school year (C: found or on
 * loan, M: missing) of every expected copy in scope (a later session of the same year overwrites
 * a copy's mark), and for scope "all" a line of part III (stock_balances). members and conclusion
 * (free text, may be NULL) are printed by the report. *diff receives the part III check
 * (previous on hand + in - out - on hand, copies; 0 when it holds or for partial scopes). */
int stocktake_close(db_t *db, const actor_t *actor, int64_t id, const char *members, const char *conclusion,
                    int64_t *diff, err_t *err);
/* Cancel an open session: nothing is marked. */
int stocktake_cancel(db_t *db, const actor_t *actor, int64_t id, err_t *err);

/* The reviewed step: the copies ids[0..n) (1..1000), each missing in this closed session (its
 * mark M of the session still stands) and still neither on loan, withdrawn nor lost, become
 * 'lost'. All or nothing: ERR_CONFLICT "err.stocktake.lose" naming the first copy refused. */
int stocktake_lose(db_t *db, const actor_t *actor, int64_t id, const int64_t *ids, size_t n, err_t *err);

typedef struct stocktake_item {
	int64_t item_id;
	const char *barcode, *accession, *reg, *title, *location, *class_number, *doc_type, *status;
	int64_t price, scans;
	const char *result;
} stocktake_item_t;

/* The copies (or barcodes) of one result: missing, found, on_loan, misplaced, unknown, ordered
 * by register and accession number (unknown: by barcode). For a closed session missing and
 * on_loan come from its marks. */
int stocktake_items(db_t *db, const actor_t *actor, int64_t id, const char *result, arena_t *a,
                    stocktake_item_t **out, size_t *n, err_t *err);
/* The same list as a workbook. */
int stocktake_items_xlsx(const stocktake_t *s, const char *result, const stocktake_item_t *v, size_t n,
                         const char *lang, buf_t *out, err_t *err);

/* The biên bản kiểm kê as PDF (print.h), appended to out. */
int stocktake_report_pdf(db_t *db, const actor_t *actor, int64_t id, arena_t *a, buf_t *out, err_t *err);

#endif
