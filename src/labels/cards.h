/* cards.h: library cards (thẻ thư viện) of a school's readers, printed on A4 sheets as a PDF.
 *
 * A card (ID-1 size by default, 85.6 x 54 mm) shows the governing body and the school, "THẺ THƯ
 * VIỆN", the reader's name, class (or "Giáo viên" / "Nhân viên"), school year and date of birth,
 * the photo when one is stored (else an empty photo frame), the card number as a Code 128 barcode
 * with the number under it, and as a QR code. The card is a Vietnamese document: its words are
 * Vietnamese whatever the language of the page that printed it.
 *
 * Two steps, as for labels (labels.h): gather within the actor's scope, then draw:
 *
 *     cards_set_t set;
 *     cards_select_t sel = { .class_name = "6A1" };
 *     if (cards_collect(db, actor, &sel, arena, &set, &err) < 0) ...
 *     cards_grid_t g;
 *     cards_grid_default(&g);
 *     if (cards_render_pdf(&set, &g, &opts, &pdf, &err) < 0) ...
 *
 * Scope: the staff of a school (its librarian and its leaders) print the cards of their own
 * school's readers; every other role gets ERR_FORBIDDEN; a reader id of another school is
 * ERR_NOTFOUND, as a missing one. Readers are read from `patrons` directly.
 */
#ifndef THUVIEN_LABELS_CARDS_H
#define THUVIEN_LABELS_CARDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

/* The most cards one request prints (two hundred sheets of ten). */
#define CARDS_MAX 2000

/* --- the sheet ------------------------------------------------------------------------------- */

/* cols x rows cards of card_w x card_h mm on an A4 portrait sheet, the first one margin_left mm
 * from the left edge and margin_top mm from the top, gap_h mm between columns and gap_v between
 * rows. */
typedef struct cards_grid {
	int rows, cols;
	double card_w, card_h;
	double margin_top, margin_left;
	double gap_h, gap_v;
	bool cut_marks; /* short lines outside the grid where the cutter goes */
} cards_grid_t;

/* 2 columns x 5 rows of ID-1 cards (85.6 x 54 mm), 4 mm apart, centred on the page, with cut
 * marks. */
void cards_grid_default(cards_grid_t *g);

/* Check a grid: 1..10 columns, 1..10 rows, cards of 40..200 x 25..280 mm, margins and gaps
 * 0..100 mm, and the whole grid within the page. ERR_INVALID with key err.cards.grid (detail: the
 * value out of range) or err.cards.nofit (detail: "width 215.2 > 210 mm" or "height ..."). */
int cards_grid_check(const cards_grid_t *g, err_t *err);

int cards_per_page(const cards_grid_t *g);
size_t cards_pages(const cards_grid_t *g, size_t n); /* 0 for none */

/* --- what is printed ------------------------------------------------------------------------- */

/* One reader's card. Strings are UTF-8, never NULL ("" when unknown). */
typedef struct card {
	int64_t id;
	const char *code; /* the card number, patrons.code */
	const char *full_name;
	const char *kind;        /* student, teacher, staff */
	const char *class_name;  /* "6A1" or "" */
	const char *school_year; /* "2025-2026" */
	const char *birth_date;  /* "dd/mm/yyyy" or "" */
	const char *photo_mime;  /* "image/jpeg", "image/png", or NULL: no photo */
	const char *photo;       /* base64, as stored */
} card_t;

/* The cards of one school, with what its cards say at the top. */
typedef struct cards_set {
	const char *governing; /* "PHÒNG GD&ĐT QUẬN 1": the school's parent unit, in capitals */
	const char *school;    /* "TRƯỜNG TIỂU HỌC LÊ NGỌC HÂN" */
	card_t *cards;
	size_t n;
} cards_set_t;

/* Which readers: exactly one of a class of the school (active readers of class_name, by name),
 * explicit reader ids (in the order given, whatever their status), or all the school's active
 * readers (by class, then name). */
typedef struct cards_select {
	const char *class_name;
	const int64_t *ids;
	size_t nids;
	bool all;
} cards_select_t;

/* Gather the cards sel names into *out (in the arena). Errors: ERR_FORBIDDEN unless the actor is
 * the librarian or a leader of a school; ERR_INVALID (err.cards.select) when sel does not name
 * exactly one selection; ERR_NOTFOUND (err.patron.notfound, detail: the id) for an id that is
 * not a reader of the actor's school; ERR_TOOBIG (err.cards.toobig) past CARDS_MAX. A class
 * without readers is no error: out->n is 0. */
int cards_collect(db_t *db, const actor_t *actor, const cards_select_t *sel, arena_t *a, cards_set_t *out,
                  err_t *err);

/* A class of the school and its number of active readers, for the form's select. */
typedef struct cards_class {
	const char *name;
	int64_t readers;
} cards_class_t;

/* The classes of the actor's school in natural order ("6A1" < "6A2" < "10A1"). Same scope as
 * cards_collect. */
int cards_classes(db_t *db, const actor_t *actor, arena_t *a, cards_class_t **out, size_t *n, err_t *err);

/* Optional parts of the card. */
typedef struct cards_fields {
	bool photo; /* the photo or its empty frame */
	bool birth; /* the date of birth */
	bool qr;    /* the QR code */
} cards_fields_t;

/* Draw the cards on the sheets of grid g as a PDF appended to out. A photo that is neither a
 * readable JPEG nor a readable PNG is drawn as the empty frame, never an error. n == 0 gives
 * one blank sheet. Errors: ERR_INVALID for a bad grid or a card number Code 128 cannot carry
 * (err.labels.barcode), ERR_TOOBIG past CARDS_MAX, ERR_INTERNAL when cairo fails. */
int cards_render_pdf(const cards_set_t *set, const cards_grid_t *g, const cards_fields_t *f, buf_t *out,
                     err_t *err);

/* "Phòng Giáo dục và Đào tạo Quận 1" -> "PHÒNG GD&ĐT QUẬN 1": capitals, and the long name of the
 * education offices shortened as on official papers. Result in the arena. */
const char *cards_heading(arena_t *a, const char *unit_name);

#endif
