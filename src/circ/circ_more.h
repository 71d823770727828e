/* circ_more.h: the circulation desk's other work: overdue lists and reminder notices
 * (overdue.c), lost and damaged copies and what readers owe for them (loss.c), and in-library
 * use, counted without a loan (inlib.c). The lending itself (checkout, return, renew) is
 * circ.h's.
 *
 * Scope, for every function here: a reader account is refused (ERR_FORBIDDEN); the lists are
 * read by every other account whose subtree holds the school (its librarian and leaders, the
 * offices above), for the school unit_id names, or the actor's own unit when unit_id is 0
 * (ERR_INVALID "err.circ.school" when that is not a school). A school outside the actor's
 * subtree, and any id of another school, is ERR_NOTFOUND. Writes are the school librarian's
 * (ERR_FORBIDDEN "err.circ.write" for anyone else) and always land in the librarian's own
 * school; each is one transaction with its audit row, and bad input changes nothing.
 *
 * Days are "yyyy-mm-dd" text in Vietnam time (clock.h); money is whole đồng. Strings returned
 * live in the caller's arena.
 */
#ifndef THUVIEN_CIRC_CIRC_MORE_H
#define THUVIEN_CIRC_CIRC_MORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

/* The largest charge a librarian may enter: one hundred million đồng. */
#define CIRC_MAX_AMOUNT 100000000
/* The most rows an overdue list holds (a school has a few thousand readers). */
#define CIRC_OVERDUE_MAX 20000
/* The largest head count of one in-library use entry. */
#define CIRC_USE_MAX_COUNT 1000

/* The school a list is about. */
typedef struct circ_school {
	int64_t id;
	const char *code, *name, *path;
} circ_school_t;

/* The school unit_id names (0: the actor's own unit), as the scope rules above say. */
int circ_school_for(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, circ_school_t *out,
                    err_t *err);

/* Whether the actor writes its school's circulation (its librarian): 0 or ERR_FORBIDDEN. */
int circ_check_writer(const actor_t *actor, err_t *err);

/* --- overdue lists (overdue.c) ------------------------------------------------------------ */

typedef struct circ_overdue_filter {
	int64_t unit_id;         /* 0: the actor's school */
	const char *class_name;  /* NULL or "": every class */
	const char *patron_kind; /* NULL or "": every kind; else student, teacher or staff */
	int64_t min_days;        /* at least this many days overdue; 0 or 1: every overdue loan */
	int64_t today;           /* a day number; 0: today in Vietnam (tests pass their own) */
} circ_overdue_filter_t;

typedef struct circ_overdue_row {
	int64_t loan_id, patron_id, item_id;
	const char *patron_code, *patron_name, *patron_kind, *class_name;
	const char *title, *barcode, *accession;
	const char *out_day, *due; /* yyyy-mm-dd */
	int64_t days;              /* days past the due date, >= 1 */
} circ_overdue_row_t;

/* One class: its homeroom teachers (the names of the teacher readers whose class_name is the
 * class, joined by ", "; "" when none), its rows by reader then due date. */
typedef struct circ_overdue_group {
	const char *class_name; /* "" for readers without a class */
	const char *teacher;
	circ_overdue_row_t *rows;
	size_t n;
	size_t readers; /* distinct readers in the group */
} circ_overdue_group_t;

typedef struct circ_overdue_list {
	circ_school_t school;
	char today[11];               /* yyyy-mm-dd */
	circ_overdue_group_t *groups; /* by class, in natural order ("6A2" before "10A1"), "" last */
	size_t ngroups;
	size_t total;         /* loans */
	size_t readers;       /* distinct readers */
	const char **classes; /* every class of the school's readers, for a filter; nclasses */
	size_t nclasses;
} circ_overdue_list_t;

/* The school's open loans past their due date, filtered, grouped by the reader's class.
 * ERR_INVALID for a bad filter ("err.circ.kind", "err.circ.min_days" for a negative or more than
 * 3,650, "err.circ.class" for a class name over 32 characters); ERR_TOOBIG past
 * CIRC_OVERDUE_MAX loans. */
int circ_overdue_list(db_t *db, const actor_t *actor, const circ_overdue_filter_t *f, arena_t *a,
                      circ_overdue_list_t *out, err_t *err);

/* The list as a workbook (one sheet: title, school and date, the header, a bold heading per class
 * with its homeroom teacher, the rows), words in lang ("vi" or "en"), appended to out. */
int circ_overdue_xlsx(const circ_overdue_list_t *l, const char *lang, buf_t *out, err_t *err);

/* Reminder notices (phiếu nhắc trả sách): one slip per reader of the list, three slips per A4
 * page with dashed cut lines between them: the school, the reader and class, a polite text, the
 * overdue books with their due dates (the first CIRC_NOTICE_BOOKS, then how many more), the
 * date. A PDF appended to out; an empty list gives one page that says so. */
#define CIRC_NOTICE_BOOKS 8
int circ_overdue_notices_pdf(const circ_overdue_list_t *l, const char *lang, buf_t *out, err_t *err);

/* --- lost and damaged copies, charges (loss.c) ------------------------------------------ */

typedef struct circ_loss_result {
	int64_t item_id;
	int64_t loan_id;   /* the loan closed, or 0 when the copy was not on loan */
	int64_t charge_id; /* the charge made, or 0 */
	int64_t patron_id;
	int64_t amount;
	const char *status; /* the copy's new status */
} circ_loss_result_t;

/* Amounts: CIRC_AMOUNT_DEFAULT asks for the replacement value (the copy's price, else its
 * record's price). */
#define CIRC_AMOUNT_DEFAULT (-1)

/* A copy lost, by its barcode (or accession number) in the librarian's school. When it is on
 * loan, the loan is closed with outcome 'lost' and the reader is charged (kind 'lost') amount,
 * or the replacement value (an amount of 0, or a replacement value of 0, charges nothing); the
 * copy's status becomes 'lost'. Errors: ERR_NOTFOUND
 * ("err.circ.item") for an unknown barcode; ERR_INVALID for an amount outside 0..CIRC_MAX_AMOUNT
 * ("err.circ.amount") or a note over 500 characters; ERR_CONFLICT ("err.circ.item_state") for a
 * copy already lost or withdrawn. */
int circ_item_lost(db_t *db, const actor_t *actor, const char *barcode, int64_t amount, const char *note,
                   circ_loss_result_t *out, err_t *err);

/* A copy damaged (returned damaged, or found damaged on the shelf). On loan: the loan is closed
 * with outcome 'damaged' and, when amount > 0, the reader is charged (kind 'damaged'). The copy's
 * status becomes 'damaged'. amount must be given (0..CIRC_MAX_AMOUNT; CIRC_AMOUNT_DEFAULT is
 * ERR_INVALID "err.circ.amount"). ERR_CONFLICT for a copy lost, withdrawn or already damaged. */
int circ_item_damaged(db_t *db, const actor_t *actor, const char *barcode, int64_t amount, const char *note,
                      circ_loss_result_t *out, err_t *err);

/* A lost copy found again: 'lost' -> 'available', when no loan of it is open. ERR_CONFLICT
 * ("err.circ.not_lost") when the copy is not lost or is on loan. Charges already made stay
 * (the librarian settles them). */
int circ_item_found(db_t *db, const actor_t *actor, const char *barcode, circ_loss_result_t *out, err_t *err);

typedef struct circ_charge {
	int64_t id, patron_id, loan_id, item_id, amount, created_at, settled_at;
	const char *kind;    /* lost, damaged, fine */
	const char *settled; /* NULL while unsettled; paid, replaced, waived */
	const char *note;
	const char *patron_code, *patron_name, *class_name;
	const char *title, *barcode; /* "" when the charge names no copy */
} circ_charge_t;

typedef struct circ_charge_filter {
	int64_t unit_id;         /* 0: the actor's school */
	const char *patron_code; /* NULL or "": every reader; else the reader's card number */
	bool open_only;          /* only the unsettled ones */
} circ_charge_filter_t;

typedef struct circ_charge_list {
	circ_school_t school;
	circ_charge_t *v; /* unsettled first, then newest first */
	size_t n;
	int64_t open_total; /* đồng still owed, of the rows listed */
	int64_t patron_id;  /* the reader's, when the filter named one */
	const char *patron_name;
} circ_charge_list_t;

/* Charges of the school (or of one reader of it: ERR_NOTFOUND "err.circ.patron" for an unknown
 * card number), at most 2,000. */
int circ_charges_list(db_t *db, const actor_t *actor, const circ_charge_filter_t *f, arena_t *a,
                      circ_charge_list_t *out, err_t *err);

/* Settle a charge once: how is paid, replaced (a copy given instead) or waived. ERR_NOTFOUND
 * ("err.circ.charge") for an id outside the actor's subtree; ERR_FORBIDDEN for anyone but the
 * school's librarian; ERR_INVALID ("err.circ.settle") for another how; ERR_CONFLICT
 * ("err.circ.settled") when it was settled already (by anyone, even at the same moment). */
int circ_charge_settle(db_t *db, const actor_t *actor, int64_t charge_id, const char *how, const char *note,
                       err_t *err);

/* --- in-library use (inlib.c) ------------------------------------------------------------- */

typedef struct circ_use_in {
	const char *patron_code; /* a scanned card, or NULL/"" */
	const char *barcode;     /* a scanned copy, or NULL/"" */
	const char *patron_kind; /* a head count's reader group: student, teacher, staff */
	const char *doc_type;    /* a head count's document type, or ""; must exist */
	int64_t count;           /* a head count: 1..CIRC_USE_MAX_COUNT; with a scan: 0 or 1 */
} circ_use_in_t;

/* Count a use at the librarian's school today. With a card and/or a copy scanned, the reader's
 * kind and class and the copy's document type are taken from them (the form's are ignored) and
 * the count is 1. Without either, a head count of patron_kind and doc_type. Errors (nothing
 * written): ERR_NOTFOUND "err.circ.patron" / "err.circ.item" for an unknown code,
 * ERR_INVALID "err.circ.kind", "err.circ.doc_type", "err.circ.count". *id may be NULL. */
int circ_use_record(db_t *db, const actor_t *actor, const circ_use_in_t *in, int64_t *id, err_t *err);

typedef struct circ_use {
	int64_t id, at, count;
	const char *patron_kind, *class_name, *doc_type;
	const char *patron_name; /* "" for a head count */
	const char *title, *barcode;
} circ_use_t;

typedef struct circ_use_day {
	circ_school_t school;
	char day[11];
	circ_use_t *v; /* newest first */
	size_t n;
	int64_t total;
	int64_t by_kind[4]; /* student, teacher, staff, unknown */
} circ_use_day_t;

/* The uses of one day (iso "yyyy-mm-dd"; NULL or "": today) at the school unit_id names.
 * ERR_INVALID "err.date" for a bad day. */
int circ_uses_day(db_t *db, const actor_t *actor, int64_t unit_id, const char *day, arena_t *a,
                  circ_use_day_t *out, err_t *err);

typedef struct circ_use_month {
	circ_school_t school;
	char month[8]; /* yyyy-mm */
	int ndays;
	int64_t days[31][4]; /* [day-1][student, teacher, staff, unknown] */
	int64_t kind_total[4];
	const char **types; /* document types counted (codes; "" for unknown), ntypes */
	int64_t *type_count;
	size_t ntypes;
	int64_t total;
} circ_use_month_t;

/* The month table (month "yyyy-mm"; NULL or "": this month): uses per day and reader group, and
 * per document type. ERR_INVALID "err.circ.month" for a bad month. */
int circ_uses_month(db_t *db, const actor_t *actor, int64_t unit_id, const char *month, arena_t *a,
                    circ_use_month_t *out, err_t *err);

/* The month table as a workbook: a sheet by day and reader group, a sheet by document type. */
int circ_uses_month_xlsx(const circ_use_month_t *m, const char *lang, buf_t *out, err_t *err);

/* The reader groups' keys in the order of the arrays above, for labels ("circ.kind.student",
 * ...; index 3 "circ.kind.unknown"). */
extern const char *const circ_kind_keys[4];

#endif
