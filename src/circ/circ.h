/* circ.h: the lending desk (quầy mượn trả): lending, returns, renewals, holds (đặt trước),
 * textbooks for the school year and class sets, and what the desk shows of a reader.
 *
 * Who: the librarian of a school (role librarian, unit kind school) for everything here; a reader
 * (role reader, linked to a patron by patrons.account_id) may place and cancel their own holds.
 * Readers and copies of another school are "not found", with the same message as codes that
 * exist nowhere, so a code reveals nothing of other schools.
 *
 * Every loan, return, renewal and hold change is one transaction (db_begin_own: the write lock
 * first) with its audit row. A copy has at most one open loan, enforced by the database
 * (loans_open_item): a desk that loses a race to lend the same copy gets the "already on loan"
 * refusal, never an error.
 *
 * Answers: every action fills a circ_result_t, on success and on refusal alike: the i18n key of
 * what happened (res->key; also err->key on refusal) and the facts the message names (the reader,
 * the title, the due date, the count against the limit ...). circ_message() turns it into the
 * sentence shown at the desk. Refusals return ERR_NOTFOUND (unknown reader or copy: 404) or
 * ERR_CONFLICT (every other refusal: 409); bad input ERR_INVALID; not a librarian ERR_FORBIDDEN.
 * Nothing is written on a refusal.
 *
 * Holds are expired lazily (waiting past `expires`, ready past `ready_until`), when the desk
 * touches the title (checkout, return, placing a hold) and when the holds page opens.
 *
 * Strings in results live in the caller's arena.
 */
#ifndef THUVIEN_CIRC_CIRC_H
#define THUVIEN_CIRC_CIRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

/* A reader as the desk shows them. */
typedef struct circ_patron {
	int64_t id;
	const char *code; /* the card number */
	const char *name;
	const char *kind;       /* student, teacher, staff */
	const char *class_name; /* "" when none */
	const char *status;     /* active, graduated, left, blocked */
	const char *status_note;
} circ_patron_t;

/* An open (or just closed) loan. */
typedef struct circ_loan {
	int64_t id, item_id, biblio_id, patron_id;
	const char *barcode, *title, *doc_type;
	const char *kind;    /* home, textbook, class_set */
	const char *out_day; /* yyyy-mm-dd */
	const char *due;     /* yyyy-mm-dd */
	int renewals;
	int overdue_days; /* > 0 when past due today */
} circ_loan_t;

/* The levels of a desk message: its colour. */
typedef enum { CIRC_OK = 0, CIRC_NOTICE = 1, CIRC_REFUSED = 2 } circ_level_t;

typedef struct circ_result {
	const char *key; /* i18n key of the message; see circ_message() */
	circ_level_t level;
	circ_patron_t patron; /* the reader concerned (the borrower; for a copy lent to someone else,
	                         that someone: res.holder) */
	circ_loan_t loan;     /* the loan made, closed or renewed; the copy's title and barcode */
	const char
	    *holder; /* "Name (class)" of another reader: who has the copy, or for whom it is set aside */
	const char *type_name; /* limit: the document type's name */
	int n, max;            /* limit: copies of the type on loan / allowed; renewals done / allowed */
	int days;              /* overdue days (return), or days of the queue */
	int64_t fine;          /* return: the fine charged, đồng (0: none) */
	const char *until;     /* return with a hold waiting: last day to fetch it (yyyy-mm-dd) */
	int64_t hold_id;       /* a hold placed, fulfilled or made ready */
	int position;          /* a hold placed: its place in the queue (1 = next) */
	const char *reason;    /* blocked reader: why; item status refusal: the status */
} circ_result_t;

/* The sentence for res in lang ("vi" or "en"): the message of res->key with its {placeholders}
 * filled: {reader} "Name (class)", {code}, {title}, {barcode}, {due} dd/mm/yyyy, {days}, {n},
 * {max}, {type}, {holder}, {until}, {fine}, {reason}, {position}. In the arena. */
const char *circ_message(arena_t *a, const char *lang, const circ_result_t *res);

/* CIRC_OK, ... as "ok", "notice", "refused" (the CSS class of the desk's message). */
const char *circ_level_name(circ_level_t level);

/* May the actor work the desk? 0, or ERR_FORBIDDEN "err.circ.forbidden". */
int circ_check_desk(const actor_t *actor, err_t *err);

typedef struct circ_opts {
	const char *kind; /* "home" (NULL: home), "textbook" or "class_set" */
	const char *due;  /* yyyy-mm-dd overriding the computed due date (today or later); NULL: computed */
} circ_opts_t;

/* Lend the copy with barcode `item` to the reader whose card code is `patron` (or, when patron
 * is NULL or "", the reader patron_id), both of the actor's school. The due date: home loans by
 * the rule (reader kind x document type) from today, skipping closed days; textbooks and class
 * sets at the school year's end (circ_year_end_day); opts->due when given. Home loans count
 * against the rule's max_items and are refused to a reader holding an overdue copy (when the
 * school blocks them); textbook and class-set loans are not limited; a class set goes to a
 * teacher only. A reader's waiting or ready hold on the title is fulfilled by the loan. */
int circ_checkout(db_t *db, const actor_t *actor, const char *patron, int64_t patron_id, const char *item,
                  const circ_opts_t *opts, arena_t *a, circ_result_t *res, err_t *err);

/* Take back the copy `item`: the open loan is closed (outcome returned), the copy is available
 * again. res: who had it (patron), whether it was late (days; and the fine charged when the
 * school's fine_per_day > 0), and when a reader waits for the title, the oldest waiting hold is
 * made ready with this copy (key "circ.ok.return_hold", holder, until). */
int circ_return(db_t *db, const actor_t *actor, const char *item, arena_t *a, circ_result_t *res, err_t *err);

/* Renew the open loan of copy `item`: allowed while its renewals are fewer than the rule's and
 * no other reader waits for the title. The new due date is the rule's loan days from today,
 * never earlier than the current one. Textbook and class-set loans are not renewed. */
int circ_renew(db_t *db, const actor_t *actor, const char *item, arena_t *a, circ_result_t *res, err_t *err);

/* The same for a reader renewing their own loan (My library, src/opac/readers.c): the actor is a
 * reader account (actor->patron_id), and a copy lent to anyone else is ERR_NOTFOUND
 * "err.circ.item_notfound", checked inside the transaction. */
int circ_renew_self(db_t *db, const actor_t *actor, const char *item, arena_t *a, circ_result_t *res,
                    err_t *err);

/* Renew every open home loan of reader patron_id, each in its own transaction: *out receives one
 * result per loan (renewed or refused, with its reason), *n their count. Returns 0 (even when
 * some were refused), or an error for the reader itself. */
int circ_renew_all(db_t *db, const actor_t *actor, int64_t patron_id, arena_t *a, circ_result_t **out,
                   size_t *n, err_t *err);

/* --- the reader at the desk -------------------------------------------------------------------- */

typedef struct circ_hold {
	int64_t id, biblio_id, patron_id, item_id;
	const char *title;
	const char *patron_name, *patron_code, *class_name;
	const char *status;      /* waiting, ready (open holds only are listed) */
	const char *expires;     /* yyyy-mm-dd */
	const char *ready_until; /* yyyy-mm-dd or NULL */
	const char *barcode;     /* the copy set aside, or NULL */
	int position;            /* waiting: place in the title's queue (1 = next); ready: 0 */
	int64_t placed_at;
} circ_hold_t;

typedef struct circ_charge {
	int64_t id, amount;
	const char *kind; /* lost, damaged, fine */
	const char *note;
	const char *title; /* of the loan's copy, or "" */
	int64_t created_at;
} circ_charge_t;

typedef struct circ_summary {
	circ_patron_t patron;
	circ_loan_t *loans; /* open loans, due first */
	size_t nloans;
	circ_hold_t *holds; /* open holds */
	size_t nholds;
	circ_charge_t *charges; /* unsettled */
	size_t ncharges;
	int64_t owed; /* sum of the unsettled charges */
} circ_summary_t;

/* The reader with card code `code` (or, code NULL or "", the reader id) of the actor's school,
 * with their open loans, open holds and unsettled charges. ERR_NOTFOUND "err.circ.patron_notfound". */
int circ_patron_summary(db_t *db, const actor_t *actor, const char *code, int64_t id, arena_t *a,
                        circ_summary_t *out, err_t *err);

/* Readers of the actor's school whose folded name has a word starting with each word of q (up
 * to 4 words: "binh tr" finds Trần Thị Bình; at most 20, by name). ERR_INVALID for an empty or over-long
 * query. */
int circ_patron_search(db_t *db, const actor_t *actor, const char *q, arena_t *a, circ_patron_t **out,
                       size_t *n, err_t *err);

/* What a scanned code is in the actor's school: 1 a reader's card, 2 a copy's barcode, 0
 * neither (a code of another school included). */
int circ_identify(db_t *db, const actor_t *actor, const char *code, int *what, err_t *err);

/* --- holds (holds.c) ----------------------------------------------------------------------------- */

/* Place a hold on record biblio_id for reader patron_id. A librarian places it for a reader of
 * the school; a reader for themself (patron_id 0 or their own). Refused (ERR_CONFLICT) when the
 * rule for the reader and the record's type allows no holds, when the reader already holds or
 * has the title, when the reader is not active, or when a copy is on the shelf ("sách đang có
 * trên giá"). res: hold_id, position, patron, loan.title. */
int circ_hold_place(db_t *db, const actor_t *actor, int64_t biblio_id, int64_t patron_id, arena_t *a,
                    circ_result_t *res, err_t *err);

/* Cancel an open hold (librarian of the school, or the reader who holds it). A ready hold's copy
 * passes to the next reader in the queue. */
int circ_hold_cancel(db_t *db, const actor_t *actor, int64_t hold_id, err_t *err);

/* Open holds of the actor's school, of one record (biblio_id) or one reader (patron_id) or all
 * (both 0), queue order, after expiring the lapsed ones (*expired: how many, may be NULL). */
int circ_holds_list(db_t *db, const actor_t *actor, int64_t biblio_id, int64_t patron_id, arena_t *a,
                    circ_hold_t **out, size_t *n, int *expired, err_t *err);

/* Expire the lapsed holds of unit_id: of record biblio_id, else of reader patron_id, else (both 0)
 * of the whole school; the copies of lapsed ready holds pass on to the next reader. Reads first
 * and takes the write lock only when something lapsed. Joins the caller's transaction or runs in
 * its own. *count (may be NULL) receives how many lapsed. */
int circ_holds_expire(db_t *db, int64_t unit_id, int64_t biblio_id, int64_t patron_id, int *count,
                      err_t *err);

/* --- textbooks for the year and class sets (textbooks.c) ---------------------------------------- */

/* The classes of the actor's school that have active students, in order. */
int circ_classes(db_t *db, const actor_t *actor, arena_t *a, const char ***out, size_t *n, err_t *err);

/* Lend the textbook copy `item` for the school year to the first active student of class_name
 * (in class-list order: by given name, the last word, then the whole name) who has no open
 * textbook loan of its title. ERR_CONFLICT
 * "err.circ.class_complete" when every student has it. */
int circ_textbook_lend(db_t *db, const actor_t *actor, const char *class_name, const char *item, arena_t *a,
                       circ_result_t *res, err_t *err);

typedef struct circ_grid {
	circ_patron_t *students; /* the class's active students, in class-list order */
	size_t nstudents;
	int64_t *biblio_ids; /* titles lent to the class as textbooks (open loans), by title */
	const char **titles;
	size_t ntitles;
	const char **cells; /* [student * ntitles + title]: the copy's barcode, or NULL: still lacks it */
	int *missing;       /* per title: students still lacking it */
} circ_grid_t;

/* The class x titles grid of open textbook loans of class_name. */
int circ_textbook_grid(db_t *db, const actor_t *actor, const char *class_name, arena_t *a, circ_grid_t *out,
                       err_t *err);

#endif
