/* weeding.h: weeding (thanh lọc tài liệu, TT 02/2020): withdrawal batches of a school's copies.
 *
 * A batch (đợt thanh lọc) is made by the school's librarian as a draft and filled with copies,
 * each with a reason from the data list withdrawal_reasons (Mất, Rách nát, Lạc hậu, ...) and an
 * optional note: by scan (barcodes or accession numbers), by search (chosen copies) or by rule
 * (superseded textbooks, lost, damaged, periodicals past keeping, not borrowed for N years; the
 * rule sets its reason). The librarian proposes it; the school's leader (ROLE_LEADER) approves it
 * with a decision number and day, or returns it with a reason (the librarian edits and proposes
 * again):
 *
 *     draft --propose--> proposed --approve--> approved (final)
 *                  ^                \--return--> returned --propose--> proposed ...
 *
 * Copies can be added, removed and changed in draft and returned only: a proposed batch is
 * ERR_CONFLICT "err.weeding.locked_proposed", an approved one "err.weeding.locked_approved".
 *
 * Approval is one transaction: the batch takes the next running number of part II of the general
 * register (counter '#XK' in accession_counters, never going back), approved_day is today in
 * Vietnam and publish_until 15 days later; every copy becomes 'withdrawn' with withdrawal_id set
 * (never deleted, so its accession number is never reused); a ready hold on a copy goes back to
 * waiting in its queue. A copy that went on loan (or was withdrawn) since it was added makes the
 * approval fail (ERR_CONFLICT "err.weeding.approve_busy", its barcode in the detail), with
 * nothing written.
 *
 * Who: the school's librarian writes, its leader approves and returns; they and the inspectors
 * and admins of units above read. Readers: ERR_FORBIDDEN. A batch, copy or barcode of another
 * school: ERR_NOTFOUND, as a missing one. Every write is one transaction with its audit row.
 *
 * The approved list is public (weeding_public_get) until publish_until, on the school's OPAC
 * page; a school closed to anonymous visitors shows it only to logged-in accounts.
 *
 * Everything returned lives in the caller's arena.
 */
#ifndef THUVIEN_WEEDING_WEEDING_H
#define THUVIEN_WEEDING_WEEDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

/* Copies in one batch, at most (a rule that would pass it is ERR_TOOBIG). */
#define WEEDING_MAX_ITEMS 20000
/* Days the approved list stays public after approval. */
#define WEEDING_PUBLISH_DAYS 15
/* The general register's counter of part II (xuất kho), beside part I's '#TQ'. */
#define WEEDING_COUNTER "#XK"

typedef struct weeding_reason {
	const char *code, *name; /* name in the language asked for */
} weeding_reason_t;

typedef struct weeding_batch {
	int64_t id, unit_id;
	int64_t number;     /* part II running number, 0 until approved */
	const char *status; /* draft, proposed, approved, returned */
	const char *title, *note;
	int64_t created_at, updated_at, proposed_at, approved_at;
	const char *created_by, *approved_by;                                  /* full names, "" when none */
	const char *decision_no, *decision_day, *approved_day, *publish_until; /* "" until approved */
	const char *return_reason;
	const char *unit_code, *unit_name, *unit_path;
	int64_t copies, value; /* copies in the batch and the sum of their values (đồng): a copy's
	                          price, else its record's, as the general register counts it */
} weeding_batch_t;

typedef struct weeding_item {
	int64_t item_id, biblio_id;
	const char *accession, *barcode, *reg; /* "STK-000123", barcode, register */
	int64_t accession_no;
	const char *title, *authors, *publisher, *doc_type, *doc_type_name;
	int year;           /* 0: unknown */
	int64_t price;      /* đồng: the copy's price, else its record's */
	const char *status; /* the copy's status now */
	const char *reason, *reason_name, *note;
} weeding_item_t;

/* A line of the minutes' totals: copies and value by reason and document type. */
typedef struct weeding_total {
	const char *reason, *reason_name, *doc_type, *doc_type_name;
	int64_t copies, value;
} weeding_total_t;

/* The active reasons, in their order, named in lang ("vi" or "en"). */
int weeding_reasons(db_t *db, const char *lang, arena_t *a, weeding_reason_t **out, size_t *n, err_t *err);

/* The batches of school unit_id (0: the actor's own), newest first, with their counts. */
int weeding_list(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, weeding_batch_t **out,
                 size_t *n, err_t *err);

/* A new draft batch of the librarian's school. title: up to 200 characters ("" allowed: the
 * page names it by its id), note up to 2000. */
int weeding_create(db_t *db, const actor_t *actor, const char *title, const char *note, int64_t *id,
                   err_t *err);

/* One batch; items (may be NULL) receives its copies in register and number order, reasons
 * named in lang. */
int weeding_get(db_t *db, const actor_t *actor, int64_t id, const char *lang, arena_t *a,
                weeding_batch_t *out, weeding_item_t **items, size_t *nitems, err_t *err);

/* The totals by reason and document type of items[0..n) (as weeding_get gives them), in reason
 * then type order, and the grand total in *copies / *value. */
void weeding_totals(const weeding_item_t *items, size_t n, arena_t *a, weeding_total_t **out, size_t *nout);

/* What an add did: copies added, and copies already in this batch (left as they were). */
typedef struct weeding_added {
	size_t added, already;
} weeding_added_t;

/* Add the copies of codes[0..n) (barcodes or accession numbers, "STK000123" / "STK-000123") with
 * reason (a code of withdrawal_reasons; NULL or "": KHAC) and note. All or nothing: an unknown
 * code (or another school's) is ERR_NOTFOUND "err.weeding.item_notfound", a copy on loan
 * "err.weeding.item_on_loan", withdrawn "err.weeding.item_withdrawn", in another open batch
 * "err.weeding.item_in_batch" (ERR_CONFLICT), the code in err->detail. */
int weeding_add_codes(db_t *db, const actor_t *actor, int64_t id, const char *const *codes, size_t n,
                      const char *reason, const char *note, weeding_added_t *res, err_t *err);
/* The same by copy ids (copies chosen from a search). */
int weeding_add_items(db_t *db, const actor_t *actor, int64_t id, const int64_t *item_ids, size_t n,
                      const char *reason, const char *note, weeding_added_t *res, err_t *err);

/* A rule that picks copies. Only copies that can be added are picked: the school's, not on loan,
 * not withdrawn, in no other open batch. */
typedef struct weeding_rule {
	const char *kind;       /* "superseded": textbooks (SGK) published before before_year (of grade
	                           grade when > 0), or the chosen records biblios, reason CTCU;
	                           "lost": copies recorded lost, reason MAT;
	                           "damaged": copies recorded damaged, reason RACH;
	                           "periodicals": periodicals (BAO) entered more than years years ago
	                           (default 2), reason BAOCU;
	                           "unused": copies entered and not lent for years years, reason LACHAU */
	int before_year;        /* superseded: 1900..this year + 1 */
	int grade;              /* superseded: 0 (any) or 1..12 */
	int years;              /* periodicals (0: 2), unused (required): 1..50 */
	int64_t today;          /* the day the rule counts from (day number); 0: today in Vietnam */
	const int64_t *biblios; /* superseded: the chosen textbook records (nbiblios, at most 1000)
	                           instead of before_year and grade */
	size_t nbiblios;
} weeding_rule_t;

/* How many copies the rule would add now (the preview), and, with add, add them with the rule's
 * reason. ERR_INVALID "err.weeding.rule" / "err.weeding.rule_param" for a bad rule. */
int weeding_rule_apply(db_t *db, const actor_t *actor, int64_t id, const weeding_rule_t *rule, bool add,
                       size_t *count, err_t *err);

/* The school's textbook records (SGK) with copies in stock, for choosing superseded titles: at
 * most 500, by grade and title. */
typedef struct weeding_textbook {
	int64_t biblio_id;
	const char *title;
	int year, grade; /* 0: unknown */
	int64_t copies;  /* copies not on loan and not withdrawn */
} weeding_textbook_t;
int weeding_textbooks(db_t *db, const actor_t *actor, int64_t id, arena_t *a, weeding_textbook_t **out,
                      size_t *n, err_t *err);

/* Search the school's copies for the search form: title, author or ISBN words (folded), or an
 * exact barcode/accession; at most limit (1..200) copies, each with whether it can be added
 * (*why NULL) or the i18n key of why not. */
typedef struct weeding_found {
	weeding_item_t item;
	const char *why;  /* NULL: can be added; else "err.weeding.item_on_loan", ... */
	int64_t in_batch; /* the open batch holding it, 0 for none */
} weeding_found_t;
int weeding_search(db_t *db, const actor_t *actor, int64_t id, const char *q, int limit, arena_t *a,
                   weeding_found_t **out, size_t *n, err_t *err);

/* Take copies item_ids[0..n) out of the batch (ids not in it are ignored); *removed the count. */
int weeding_remove(db_t *db, const actor_t *actor, int64_t id, const int64_t *item_ids, size_t n,
                   size_t *removed, err_t *err);

/* Change one copy's reason and note (note NULL: keep). ERR_NOTFOUND when it is not in the batch. */
int weeding_set_reason(db_t *db, const actor_t *actor, int64_t id, int64_t item_id, const char *reason,
                       const char *note, err_t *err);

/* draft/returned -> proposed, by the librarian; an empty batch is ERR_INVALID
 * "err.weeding.empty". */
int weeding_propose(db_t *db, const actor_t *actor, int64_t id, err_t *err);

/* proposed -> approved, by the school's leader: decision_no (1..60 characters) and decision_day
 * ("yyyy-mm-dd" or "dd/mm/yyyy", not after today) required. today: day number, 0 for today in
 * Vietnam. *number (may be NULL) receives the part II number. */
int weeding_approve(db_t *db, const actor_t *actor, int64_t id, const char *decision_no,
                    const char *decision_day, int64_t today, int64_t *number, err_t *err);

/* proposed -> returned, by the school's leader, with a reason (1..1000 characters). */
int weeding_return(db_t *db, const actor_t *actor, int64_t id, const char *reason, err_t *err);

/* --- the public list --------------------------------------------------------------------------- */

/* The approved batches of school unit_id whose list is public on day today (0: today in
 * Vietnam): publish_until not passed. No scope check: the caller decides the school may be read
 * (the OPAC's rule). */
int weeding_published(db_t *db, int64_t unit_id, int64_t today, arena_t *a, weeding_batch_t **out, size_t *n,
                      err_t *err);

/* The public list of batch id of school unit_id: ERR_NOTFOUND unless it is approved and public
 * on today. Its items carry no barcode, price or status (left ""/0): accession, title, author,
 * year and reason. */
int weeding_public_get(db_t *db, int64_t unit_id, int64_t id, int64_t today, const char *lang, arena_t *a,
                       weeding_batch_t *out, weeding_item_t **items, size_t *nitems, err_t *err);

/* --- prints (weeding_print.c) ------------------------------------------------------------------- */

/* The list as a workbook (one row per copy: STT, accession, title, author, year, price, reason,
 * note; typed cells), for a batch as weeding_get gives it. */
int weeding_xlsx(const weeding_batch_t *b, const weeding_item_t *items, size_t n, const char *lang,
                 buf_t *out, err_t *err);

/* The minutes (biên bản thanh lọc tài liệu) with the list, as A4 PDF through print.h. */
int weeding_minutes_pdf(db_t *db, const weeding_batch_t *b, const weeding_item_t *items, size_t n,
                        const char *lang, arena_t *a, buf_t *out, err_t *err);

#endif
