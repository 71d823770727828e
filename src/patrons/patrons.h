/* patrons.h: readers (bạn đọc) of a school: students, teachers and staff, their library card
 * number, their photo, the class lists they are imported from (import.c) and the end-of-year
 * promotion (promote.c).
 *
 * Who: the librarian of a school writes its readers; every other account but a reader's
 * (leaders, inspectors, administrators) reads the readers of its subtree; readers read nothing
 * here (ERR_FORBIDDEN). A reader outside the actor's subtree, or outside its own school for a
 * write, is "not found" (ERR_NOTFOUND), like a missing id. Every write is one transaction with
 * its audit row.
 *
 * Rules: `code` (the card number, số thẻ, printed as a barcode) is unique in the school and
 * defaults to the student code (mã học sinh); `national_id` (mã định danh) is unique in the whole
 * city: a clash is refused with "err.patron.national_id_taken", which names neither the other
 * reader nor the school. Names are NFC and folded into name_fold. A student's grade comes from
 * the leading number of the class name ("6A1" -> 6, "Lớp 7/3" -> 7) when not given; teachers
 * and staff have none. Concurrency is optimistic as in the catalogue: a form carries the row's
 * updated_at (patron_t.version) and a save from a stale form is ERR_CONFLICT "err.patron.stale".
 *
 * Memory: everything returned lives in the caller's arena.
 */
#ifndef THUVIEN_PATRONS_PATRONS_H
#define THUVIEN_PATRONS_PATRONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

#define PATRONS_PHOTO_MAX (2u << 20) /* bytes of a photo */

typedef struct patron {
	int64_t id;
	int64_t unit_id;
	const char *code;         /* số thẻ: the card's barcode, unique in the school */
	const char *student_code; /* mã học sinh, "" when none */
	const char *national_id;  /* mã định danh, NULL when none */
	const char *full_name;
	const char *kind;       /* student, teacher, staff */
	const char *class_name; /* "6A1"; "" */
	int grade;              /* 1..12; 0 for none */
	const char *school_year;
	const char *gender;     /* "", "F", "M" */
	const char *birth_date; /* yyyy-mm-dd, NULL when unknown */
	const char *phone;
	const char *email;
	const char *status;      /* active, graduated, left, blocked */
	const char *status_note; /* why blocked or left */
	const char *note;
	bool hide_history; /* the reader asked that their reading history not be shown publicly */
	int64_t account_id; /* 0: no login */
	int64_t created_at;
	int64_t version; /* updated_at: what an edit form carries */
	/* Filled by patrons_get only. */
	const char *unit_code;
	bool has_photo;
	int64_t open_loans; /* copies on loan now */
} patron_t;

/* May the actor write the readers of its school (its librarian)? 0 or ERR_FORBIDDEN. */
int patrons_check_writer(const actor_t *actor, err_t *err);
/* May the actor read readers at all (anyone but a reader)? 0 or ERR_FORBIDDEN. */
int patrons_check_reader(const actor_t *actor, err_t *err);

/* The grade a class name starts with ("6A1" -> 6, "10A2" -> 10, "Lớp 7/3" -> 7), 0 when none
 * (or outside 1..12). */
int patrons_grade_of_class(const char *class_name);

/* The school year of a day ("2026-11-29" -> "2026-2027"; from August on a year starts). */
void patrons_school_year(int64_t day, char *out, size_t n);
/* The first year of a school year written "2025-2026" (two consecutive years, 1900 to 2199), or
 * -1 when s is not one. */
int patrons_school_year_start(const char *s);

/* Check and normalise one reader's fields (as a form or an import row gives them: strings, NULL
 * for empty) into *out, in a: names NFC and trimmed, gender from Nam/Nữ/M/F, a birth date from
 * dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd, the grade from the class, the kind defaulting to
 * student, the card code to the student code. ERR_INVALID with the field's key on bad input;
 * a code left empty with no student code stays "" (the writer gives one). */
int patrons_prepare(arena_t *a, const patron_t *in, patron_t *out, err_t *err);

/* A new reader of the actor's school (its librarian). in as patrons_prepare takes it; an empty
 * card code with no student code gets the next free "BD000001"-style code. *id gets the id.
 * ERR_CONFLICT "err.patron.code_taken", "err.patron.student_code_taken",
 * "err.patron.national_id_taken". */
int patrons_create(db_t *db, const actor_t *actor, const patron_t *in, arena_t *a, int64_t *id, err_t *err);

/* Save the edit form over reader id, made from version. Every field is taken from in (status
 * and its note are left alone: see patrons_set_status). *changes (may be NULL) receives what
 * changed ("" when nothing: then nothing is written). */
int patrons_update(db_t *db, const actor_t *actor, int64_t id, int64_t version, const patron_t *in,
                   arena_t *a, const char **changes, err_t *err);

/* One reader visible to the actor (its subtree), with has_photo and open_loans. */
int patrons_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, patron_t *out, err_t *err);

/* The reader of the actor's own school whose card code is code (trimmed; the desk scans it).
 * ERR_NOTFOUND "err.patron.notfound" when none. */
int patrons_get_by_code(db_t *db, const actor_t *actor, const char *code, arena_t *a, patron_t *out,
                        err_t *err);

/* Change a reader's status (librarian): "blocked" (reason required), "active" (unblock, or back
 * from left), "left" (moved away; reason optional). ERR_INVALID "err.patron.status" for another
 * status, "err.patron.reason" for a block without a reason. */
int patrons_set_status(db_t *db, const actor_t *actor, int64_t id, const char *status, const char *reason,
                       arena_t *a, err_t *err);

/* Record the reader's wish that their reading history be hidden from the public pages (or shown
 * again): a librarian of the school records it at the reader's request. Loans are kept either
 * way: registers and reports need them. */
int patrons_set_hide_history(db_t *db, const actor_t *actor, int64_t id, bool hide, arena_t *a, err_t *err);

typedef struct patron_query {
	const char *q; /* words of the name (folded, each a word start), or a code */
	const char *class_name;
	const char *kind;   /* NULL: any */
	const char *status; /* NULL: any */
	int64_t unit_id;    /* 0: the actor's subtree */
	int page;           /* 1-based */
	int per_page;       /* default 50, at most 500 */
} patron_query_t;

/* Readers of the actor's subtree matching q, by class then name; *total counts every match. */
int patrons_list(db_t *db, const actor_t *actor, const patron_query_t *q, arena_t *a, patron_t **out,
                 size_t *n, int64_t *total, err_t *err);

typedef struct patron_class {
	const char *class_name;
	int grade;
	int64_t count; /* active students */
} patron_class_t;

/* The classes of the actor's school (a school account's) with their active students, by grade
 * then name. */
int patrons_classes(db_t *db, const actor_t *actor, arena_t *a, patron_class_t **out, size_t *n, err_t *err);

/* Store a JPEG or PNG photo (told by its magic bytes; at most PATRONS_PHOTO_MAX bytes) for reader
 * id of the actor's school, replacing the old one. ERR_INVALID "err.photo.type", ERR_TOOBIG
 * "err.photo.too_big". */
int patrons_photo_put(db_t *db, const actor_t *actor, int64_t id, const void *bytes, size_t len, err_t *err);

/* The photo of reader patron_id (visible to the actor) decoded into the arena: *mime is
 * "image/jpeg" or "image/png". ERR_NOTFOUND "err.photo.none" when the reader has none. */
int patrons_photo_get(db_t *db, const actor_t *actor, int64_t patron_id, arena_t *a,
                      const unsigned char **bytes, size_t *len, const char **mime, err_t *err);

/* --- class-list import (import.c) --------------------------------------------------------------- */

/* Our fields a column of a class list may map to. */
typedef enum patrons_field {
	PF_FULL_NAME,    /* Họ và tên */
	PF_LAST_NAME,    /* Họ (và tên) đệm: joined before PF_FIRST_NAME */
	PF_FIRST_NAME,   /* Tên */
	PF_BIRTH_DATE,   /* Ngày sinh */
	PF_CLASS,        /* Lớp */
	PF_STUDENT_CODE, /* Mã học sinh */
	PF_GENDER,       /* Giới tính */
	PF_NATIONAL_ID,  /* Mã định danh */
	PF_CODE,         /* Số thẻ */
	PF_KIND,         /* Đối tượng */
	PF_PHONE,
	PF_EMAIL,
	PF__COUNT
} patrons_field_t;

/* The stored name of a field ("full_name", ...), as mappings and forms spell it. */
const char *patrons_field_name(patrons_field_t f);

/* A class list as read: its header row and the data rows below it. */
typedef struct patrons_sheet {
	const char *format;  /* "csv", "xlsx" or "json" (the sector database's export, docs/IMPORT.md) */
	bool teachers;       /* the header has a teacher's code ("Mã giáo viên", "Mã cán bộ"): rows
	                      * without an "Đối tượng" are teachers */
	int64_t header_line; /* the header row's line */
	const char **headers;
	size_t ncols;
	struct patrons_sheet_row {
		int64_t line;
		size_t n;
		const char **cell;
	} * rows;
	size_t nrows;
} patrons_sheet_t;

/* Read a CSV (UTF-8 with or without BOM; separator ',', ';' or tab, whichever the header line
 * has most of), JSON (an array of objects, exchange.h's xchg_json_rows) or XLSX class list and find its header: the first row, among the first 15, with
 * at least two known headers. ERR_INVALID "err.pimport.utf8" (save it again as CSV UTF-8),
 * "err.pimport.empty", "err.pimport.header" (no header row found), or xlsx.h's keys. */
int patrons_sheet_read(const void *data, size_t len, arena_t *a, patrons_sheet_t *out, err_t *err);

/* The mapping: for each field the column index, or -1. Guessed from the headers (matched
 * folded); patrons_mapping_load then applies the school's remembered mapping where its headers
 * are all in this file. */
void patrons_mapping_guess(const patrons_sheet_t *s, int map[PF__COUNT]);
int patrons_mapping_load(db_t *db, const actor_t *actor, const patrons_sheet_t *s, int map[PF__COUNT],
                         bool *remembered, err_t *err);

typedef enum { PI_CREATE, PI_UPDATE, PI_SAME, PI_ERROR } patrons_import_action_t;

typedef struct patrons_import_row {
	int64_t line;
	patrons_import_action_t action;
	patron_t p;          /* the row's values, prepared */
	int64_t id;          /* the reader updated or unchanged */
	const char *changes; /* PI_UPDATE: what changes */
	const char *key;     /* PI_ERROR: the reason's i18n key */
	const char *detail;  /* PI_ERROR: the value concerned */
} patrons_import_row_t;

typedef struct patrons_import {
	patrons_import_row_t *rows; /* one per data row, in file order */
	size_t nrows;
	int64_t created, updated, unchanged, errors;
	bool written; /* the commit wrote */
} patrons_import_t;

/* Classify every row against the actor's school (its librarian): created, updated (matched by
 * student code; without one by national id; else by card code; else by folded name and birth
 * date), unchanged, or an error (missing name, bad date, class missing for a student, a student
 * code twice in the file, a national id used by another reader...). Reads only. */
int patrons_import_check(db_t *db, const actor_t *actor, const patrons_sheet_t *s, const int map[PF__COUNT],
                         arena_t *a, patrons_import_t *out, err_t *err);

/* Check again and write, in ONE transaction with one audit row, and remember the mapping. While
 * rows have errors nothing is written and ERR_INVALID "err.pimport.has_errors" is returned,
 * unless skip_errors: then the good rows are written and the error rows listed as skipped.
 * Re-importing the same file writes nothing (out->written false). */
int patrons_import_commit(db_t *db, const actor_t *actor, const patrons_sheet_t *s, const int map[PF__COUNT],
                          bool skip_errors, arena_t *a, patrons_import_t *out, err_t *err);

/* --- end of the school year (promote.c) --------------------------------------------------------- */

typedef struct patrons_promo_class {
	const char *from_class, *to_class; /* to_class "" for graduates */
	int from_grade;
	int64_t count;
	bool graduate;
} patrons_promo_class_t;

typedef struct patrons_promo_graduate {
	int64_t id;
	const char *code, *full_name, *class_name;
	int64_t open_loans;
} patrons_promo_graduate_t;

typedef struct patrons_promotion {
	const char *from_year, *to_year;
	int final_grade;
	patrons_promo_class_t *classes;
	size_t nclasses;
	patrons_promo_graduate_t *graduates_with_loans;
	size_t ngraduates_with_loans;
	int64_t promoted, graduated;
	/* The last promotion of the school, 0 when none; whether it may still be undone. */
	int64_t last_id;
	int64_t last_done_at;
	const char *last_from_year, *last_to_year;
	bool last_undone, last_can_undo;
} patrons_promotion_t;

/* What the promotion of the actor's school (its librarian) would do: every class of active or
 * blocked students with a grade moves up one ("6A1" -> "7A1"), the final grade (5 tiểu học, 9
 * THCS, 12 THPT and liên cấp) graduates; teachers and staff are untouched. */
int patrons_promote_preview(db_t *db, const actor_t *actor, arena_t *a, patrons_promotion_t *out, err_t *err);

/* Do it: one operation (promotions + promotion_rows with the old values), one audit row.
 * ERR_CONFLICT "err.promote.done" when this year was already promoted; ERR_INVALID
 * "err.promote.nothing" when there is no student to promote. *id gets the promotion. */
int patrons_promote_commit(db_t *db, const actor_t *actor, arena_t *a, int64_t *id, err_t *err);

/* Undo promotion id of the actor's school: every reader gets its old class, grade, year and
 * status back. Refused with ERR_CONFLICT "err.promote.undo_loans" once the school lent a copy
 * after it, "err.promote.undone" when already undone. */
int patrons_promote_undo(db_t *db, const actor_t *actor, int64_t id, err_t *err);

#endif
