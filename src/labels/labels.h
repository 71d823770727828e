/* labels.h: printable labels for a school's copies: barcode labels (school, Code 128 barcode,
 * the barcode text, the accession number) and spine labels (the call number, large), laid out
 * on an A4 sheet of self-adhesive labels and rendered to PDF in memory.
 *
 * Two steps, so the layout can be tested without a database and the gathering without cairo:
 *
 *     label_t *v; size_t n;
 *     labels_source_t src = { .biblio_id = 12 };
 *     if (labels_collect(db, actor, &src, arena, &v, &n, &err) < 0) ...
 *     labels_grid_t g;
 *     labels_grid_default(&g);
 *     buf_t pdf = BUF_INIT;
 *     if (labels_render_pdf(v, n, LABELS_BARCODE, &g, &pdf, &err) < 0) ...
 *
 * Scope: every account but a reader may print the labels of copies in its subtree; copies of
 * other schools are "not found", exactly as catalog.h reads them.
 */
#ifndef THUVIEN_LABELS_LABELS_H
#define THUVIEN_LABELS_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

/* The most labels one request may print (five thousand: 209 sheets of 24). */
#define LABELS_MAX 5000

/* The A4 sheet (mm). */
#define LABELS_PAGE_W 210.0
#define LABELS_PAGE_H 297.0

/* --- the sheet ------------------------------------------------------------------------------- */

/* A grid of equal labels on an A4 sheet, all lengths in millimetres. The label size follows from
 * the page, the margins and the gaps: width = (210 - left - right - (cols-1)*gap_h) / cols. */
typedef struct labels_grid {
	int rows, cols;
	double margin_top, margin_left, margin_right, margin_bottom;
	double gap_h; /* between columns */
	double gap_v; /* between rows */
} labels_grid_t;

/* The common A4 sheet of 24 labels of 70 x 37 mm: 8 rows x 3 columns, no gaps, 0.5 mm above
 * and below, none at the sides. */
void labels_grid_default(labels_grid_t *g);

/* Check a grid: 1..20 rows, 1..10 columns, margins 0..60 mm, gaps 0..20 mm, and labels of at
 * least 20 x 10 mm. Returns 0 or ERR_INVALID (key err.labels.grid, detail: what is wrong). */
int labels_grid_check(const labels_grid_t *g, err_t *err);

/* The size of one label (mm) of a valid grid. */
void labels_grid_cell(const labels_grid_t *g, double *w, double *h);

/* Labels on one sheet, and the sheets n labels take (0 for none). */
int labels_per_page(const labels_grid_t *g);
size_t labels_pages(const labels_grid_t *g, size_t n);

/* --- what is printed ------------------------------------------------------------------------- */

typedef enum labels_kind { LABELS_BARCODE = 0, LABELS_SPINE = 1 } labels_kind_t;

/* Parse "barcode" / "spine" (NULL or "" gives barcode). 0, or ERR_INVALID (err.labels.kind). */
int labels_kind_parse(const char *s, labels_kind_t *out, err_t *err);

/* One label. Strings are UTF-8 (NFC); none is NULL. */
typedef struct label {
	const char *school;      /* the school's name, printed small on barcode labels */
	const char *accession;   /* "STK-000123" */
	const char *barcode;     /* "STK000123", encoded as Code 128 */
	const char *call_number; /* what the spine label shows; see labels_call_number */
} label_t;

/* The text of a spine label: the record's call number when it has one; else the one
 * classify_call_number (catalog/classify.h) makes of its class number and first author (or
 * title), by the deployment's author-mark rule but without the year ("895.922 NGU"); else the
 * accession number. Result in the arena. */
const char *labels_call_number(arena_t *a, const char *call_number, const char *class_number,
                               const char *authors, const char *title, const char *accession);

/* Which copies: exactly one of biblio_id (the copies of one record), batch_id (the copies of one
 * intake batch) or reg (a register, "STK", with accession numbers from..to, 1 <= from <= to).
 * A register range is read in the school unit_id, or the actor's own unit when unit_id is 0.
 * Copies withdrawn or lost are left out unless include_gone: a label is for a book on the shelf. */
typedef struct labels_source {
	int64_t biblio_id;
	int64_t batch_id;
	const char *reg;
	int64_t from, to;
	int64_t unit_id;
	bool include_gone;
} labels_source_t;

/* Gather the labels of the copies src names, in register and accession order, into *out (n of
 * them, in the arena). Errors: ERR_FORBIDDEN for a reader or no actor; ERR_INVALID
 * (err.labels.source) when src does not name exactly one source or the range is bad;
 * ERR_NOTFOUND when the record, batch or school is not in the actor's subtree (or does not
 * exist); ERR_TOOBIG (err.labels.toobig) for more than LABELS_MAX copies. No copies is not an
 * error: *n is 0. */
int labels_collect(db_t *db, const actor_t *actor, const labels_source_t *src, arena_t *a, label_t **out,
                   size_t *n, err_t *err);

/* Render n labels of one kind on the sheets of grid g as a PDF (A4 portrait), appended to out.
 * Pages break as needed; n == 0 gives one blank sheet. Errors: ERR_INVALID for a bad grid or a
 * barcode zint cannot encode (err.labels.barcode, detail: the barcode), ERR_TOOBIG for
 * n > LABELS_MAX, ERR_INTERNAL when cairo fails. On error out may hold a partial document. */
int labels_render_pdf(const label_t *v, size_t n, labels_kind_t kind, const labels_grid_t *g, buf_t *out,
                      err_t *err);

/* Release the font caches the renderer built (pango's font map of the calling thread and cairo's
 * static data), so LeakSanitizer sees a clean exit. Call once at the end of a
 * program, when no thread renders any more; optional otherwise. */
void labels_shutdown(void);

/* The lines of a spine label's text: split on spaces, at most max lines (the rest joins the
 * last). Returns the count; lines live in the arena. */
size_t labels_spine_lines(arena_t *a, const char *text, const char **lines, size_t max);

#endif
