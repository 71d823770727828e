/* catalog.h: a school's catalogue: bibliographic records (biblio), their copies (items) with
 * accession numbers (số đăng ký cá biệt), intake batches (lần nhập: the general register's part
 * I) and the staff search.
 *
 * Scope: everyone but readers may read the catalogues of the schools in their subtree; only the
 * librarian of a school writes its catalogue. Records of other schools are "not found". Every
 * write is one transaction with its audit row. All results live in the caller's arena.
 */
#ifndef THUVIEN_CATALOG_CATALOG_H
#define THUVIEN_CATALOG_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

/* --- ISBN (isbn.c) --------------------------------------------------------------------------- */

/* Normalise an ISBN-10 or ISBN-13 as typed ("978-604-2-12345-6", "0 306 40615 2", with or
 * without an "ISBN" prefix) to its 13 digits in out (14 bytes). Returns 0, or ERR_INVALID when
 * the characters, the length or the check digit are wrong (err key err.isbn). */
int isbn_normalize(const char *in, char out[14], err_t *err);

/* Whether s is 13 digits with a valid ISBN-13 check digit. */
bool isbn13_valid(const char *s);

/* --- document types --------------------------------------------------------------------------- */

typedef struct doc_type {
	const char *code; /* "STK" */
	const char *name; /* in the language asked for */
	const char *reg;  /* the accession register its copies are numbered in */
	int loanable;
} doc_type_t;

/* The active document types, in display order, names in lang ("vi" or "en"). */
int catalog_doc_types(db_t *db, const char *lang, arena_t *a, doc_type_t **out, size_t *n, err_t *err);

/* --- acquisition batches ------------------------------------------------------------------------ */

typedef struct acquisition {
	int64_t id;
	int64_t unit_id;
	int64_t number;       /* số vào sổ tổng quát: the school's running number */
	const char *received; /* yyyy-mm-dd */
	const char *source;   /* purchase, gift, allocation, other */
	const char *doc_number;
	const char *doc_date; /* yyyy-mm-dd or NULL */
	const char *supplier;
	const char *note;
	const char *funding; /* budget (ngân sách) or other (kinh phí khác); NULL or "": budget for a
	                        purchase or an allocation, other for a gift or anything else */
	int64_t copies; /* filled by reads: copies in the batch */
	int64_t value;  /* filled by reads: their total price, đồng */
} acquisition_t;

/* Open a batch in the actor's school (librarians). in->received defaults to today (Vietnam).
 * *id receives the new id; the batch gets the next running number of the school. */
int catalog_acquisition_create(db_t *db, const actor_t *actor, const acquisition_t *in, int64_t *id,
                               err_t *err);
int catalog_acquisition_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, acquisition_t *out,
                            err_t *err);
/* The batches of the actor's subtree, newest first (at most limit). */
int catalog_acquisition_list(db_t *db, const actor_t *actor, int limit, arena_t *a, acquisition_t **out,
                             size_t *n, err_t *err);

/* --- records and copies ------------------------------------------------------------------------- */

typedef struct item {
	int64_t id;
	int64_t biblio_id;
	int64_t acquisition_id;
	const char *reg;
	int64_t accession_no;
	const char *accession; /* printed form, "STK-000123" */
	const char *barcode;
	int64_t price;
	const char *location;
	const char *status;
	const char *note; /* filled by catalog_item_get (edit.h) only */
} item_t;

typedef struct biblio {
	int64_t id;
	int64_t unit_id;
	const char *unit_code;
	const char *doc_type;
	const char *title;
	const char *subtitle;
	const char *authors;
	const char *publisher;
	const char *place;
	int year; /* 0 when unknown */
	const char *edition;
	const char *isbn; /* 13 digits or "" */
	const char *language;
	const char *pages;
	const char *size;
	int64_t price; /* đồng */
	const char *series;
	const char *subjects;
	const char *summary;
	const char *class_number;
	const char *call_number;
	int grade;        /* 0 when none */
	int64_t version;  /* filled by reads: changes with every edit (optimistic concurrency) */
	const char *marc; /* the whole MARC21 record as MARCXML, or NULL; only read by
	                     catalog_biblio_create (imports), not filled by reads */
	item_t *items;    /* filled by catalog_biblio_get and the search */
	size_t nitems;
} biblio_t;

/* The rule of who writes a catalogue: the librarian of a school, for that school.
 * 0 or ERR_FORBIDDEN (err.catalog.write). */
int catalog_check_writer(const actor_t *actor, err_t *err);

/* The duplicate rule: two records are the same title when they share an ISBN, or the same folded
 * title, authors and year. Imports build a key per record (folded into the arena) to compare
 * records of one file with each other and with the school's. */
typedef struct catalog_dupkey {
	const char *isbn;    /* 13 digits or "" */
	const char *title;   /* folded */
	const char *authors; /* folded */
	int year;
} catalog_dupkey_t;

void catalog_dupkey_make(arena_t *a, const biblio_t *b, catalog_dupkey_t *k);
bool catalog_dupkey_same(const catalog_dupkey_t *x, const catalog_dupkey_t *y);

/* The oldest record of the school that k duplicates, in *id; ERR_NOTFOUND when none. Two lookups,
 * each on its own index. */
int catalog_find_duplicate(db_t *db, int64_t unit_id, const catalog_dupkey_t *k, int64_t *id, err_t *err);

/* The same, ignoring record except (0: none), for a record being edited: by the ISBN when k has
 * one, and by title + authors + year when by_title. */
int catalog_find_duplicate_other(db_t *db, int64_t unit_id, const catalog_dupkey_t *k, int64_t except,
                                 bool by_title, int64_t *id, err_t *err);

/* The short fields as the catalogue stores them, for every writer of records (create, edit,
 * MARC): *out is *in with each text trimmed, NFC and within its length, the ISBN validated and
 * normalised to 13 digits (or ""), the year, price, grade, document type and language (default
 * "vie") checked. Strings in a. ERR_INVALID with the field's key. db may be NULL: the document
 * type is then not checked (an import checks it once for its whole batch). */
int catalog_biblio_prepare(db_t *db, arena_t *a, const biblio_t *in, biblio_t *out, err_t *err);

/* The folded columns of a prepared record: what the search and the duplicate rule compare. */
typedef struct catalog_fold {
	const char *title;   /* title_fold */
	const char *authors; /* authors_fold */
	const char *search;  /* search_fold: title, subtitle, authors, subjects, series, publisher,
	                        ISBN, class number, folded */
	const char *words;   /* search_words: its words, " w1 w2 " (search.c) */
} catalog_fold_t;

void catalog_biblio_fold(arena_t *a, const biblio_t *b, catalog_fold_t *out);

/* Create a record in the actor's school from the short form (title and doc_type required; the
 * ISBN is validated and normalised). Unless allow_duplicate, a record of the same school with the
 * same ISBN, or the same folded title + authors + year, makes it fail with ERR_CONFLICT and
 * *dup_id set to that record, so the page can offer to add copies to it instead. */
int catalog_biblio_create(db_t *db, const actor_t *actor, const biblio_t *in, bool allow_duplicate,
                          int64_t *id, int64_t *dup_id, err_t *err);

/* One record with its copies, when its school is in the actor's subtree. */
int catalog_biblio_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, biblio_t *out, err_t *err);

/* Records ids[0..n) (distinct, n <= CATALOG_GET_MANY) with their copies into out[0..n), in the
 * order of ids: two statements whatever n (a page of search hits). ERR_NOTFOUND when one of them
 * is not in the actor's subtree or does not exist. */
#define CATALOG_GET_MANY 100
int catalog_biblio_get_many(db_t *db, const actor_t *actor, const int64_t *ids, size_t n, arena_t *a,
                            biblio_t *out, err_t *err);

/* Add count copies (1..1000) of record biblio_id to batch acquisition_id (of the same school;
 * 0: a new batch received today, opened in the same transaction),
 * at price đồng each (-1: the record's price). Accession numbers come from the register of the
 * record's document type, in order, never reused; barcodes are the register and number. The
 * new copies' ids are stored in ids (when non-NULL, room for count). */
int catalog_items_add(db_t *db, const actor_t *actor, int64_t biblio_id, int64_t acquisition_id, int count,
                      int64_t price, int64_t *ids, err_t *err);

/* The short form's one step: create the record and add copies copies of it (0: none) to batch
 * acquisition_id, or to a new batch received today when acquisition_id is 0, all in one
 * transaction. Errors and *dup_id as catalog_biblio_create. */
int catalog_biblio_create_with_copies(db_t *db, const actor_t *actor, const biblio_t *in,
                                      bool allow_duplicate, int64_t acquisition_id, int copies, int64_t *id,
                                      int64_t *dup_id, err_t *err);

/* --- search ------------------------------------------------------------------------------------- */

/* Past this many hits a search stops counting: the total is "more than SEARCH_CAP" and pages end
 * there (a librarian refines the query instead). */
#define SEARCH_CAP 1000

typedef struct catalog_query {
	const char *q;            /* words; matched folded against title, authors, subjects, series,
	                             publisher, ISBN, class number; an ISBN, accession number or barcode
	                             finds its record */
	const char *doc_type;     /* NULL: all */
	const char *class_prefix; /* class numbers starting with this (case ignored); NULL: all */
	int year_from, year_to;   /* 0: no bound */
	const char *status;       /* records with a copy in this status ("available"); NULL: all */
	int limit;                /* default 20, at most 100 */
	int64_t offset;
	int64_t cap; /* hits counted at most (0: SEARCH_CAP); tests make it small */
	bool *more;  /* out, may be NULL: set when there are more than cap hits */
} catalog_query_t;

/* Records of the actor's subtree matching the query: titles starting with the query first (the
 * exact title first), then the others, each by folded title and id; each with its copies.
 * *total receives the number of hits, or cap when there are more (then *q->more is set and the
 * pages stop at cap). */
int catalog_search(db_t *db, const actor_t *actor, const catalog_query_t *q, arena_t *a, biblio_t **out,
                   size_t *n, int64_t *total, err_t *err);

/* SQL shared by every module that counts the general register (sổ đăng ký tổng quát): the
 * registers (parts I and II), weeding, the stocktake (part III and the biên bản) and the check.
 * CATALOG_COPY_VALUE_SQL: a copy's value in đồng, its own price, else its record's, over items i
 * joined to biblios b. CATALOG_GENERAL_REGISTER_SQL: copy i is in the general register: the
 * registers TB (teachers' books) and SDT (the thematic shelf) are kept apart from it. */
#define CATALOG_COPY_VALUE_SQL "CASE WHEN i.price > 0 THEN i.price ELSE b.price END"
#define CATALOG_GENERAL_REGISTER_SQL "i.register NOT IN ('TB', 'SDT')"

#endif
