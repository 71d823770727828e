/* policy.h: the rules the lending desk applies: the loan rules matrix (reader kind x document
 * type), the school's circulation settings, and its calendar of closed days, from which due
 * dates are computed.
 *
 * Loan rules: a school's own row wins over the deployment's default (unit_id 0), and a row for
 * the document type over the row '*' (any type). Order: (school, type), (school, '*'),
 * (default, type), (default, '*'). No row at all means "not lent" (max_items 0).
 *
 * Closed days: the national holidays (closed_days rows of unit 0), the school's own breaks
 * (its rows), and the weekdays it closes (circ_settings.closed_weekdays). A due date that falls
 * on a closed day moves to the next open day.
 */
#ifndef THUVIEN_CIRC_POLICY_H
#define THUVIEN_CIRC_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "db/db.h"

typedef struct circ_rule {
	int max_items;  /* copies of this document type on loan at once; 0: not lent */
	int loan_days;  /* days from the loan to the due date (before closed days) */
	int renewals;   /* times a loan may be renewed */
	bool holds_allowed;
	bool found;     /* false: no row applied (max_items 0) */
	bool own;       /* the row is the school's own, not the deployment's default */
} circ_rule_t;

/* The rule for a reader kind ("student", "teacher", "staff") and a document type at a school. */
int circ_rule_get(db_t *db, int64_t unit_id, const char *patron_kind, const char *doc_type, circ_rule_t *out,
                  err_t *err);

typedef struct circ_settings {
	bool closed_wday[7]; /* [0] Sunday .. [6] Saturday */
	int year_end_month;  /* textbooks lent for the year are due on this day of the school year's end */
	int year_end_day;
	int hold_days;        /* days a copy waits on the hold shelf */
	int hold_expiry_days; /* days a hold waits in the queue before it lapses */
	bool block_overdue;   /* a reader holding an overdue copy borrows nothing more */
	int64_t fine_per_day; /* đồng; 0: no fines */
} circ_settings_t;

/* The school's settings, or the defaults when it has none (Sunday closed, year end 31/05, a
 * week on the hold shelf, 60 days in the queue, overdue readers blocked, no fines).
 * fine_per_day is 0 whatever is stored unless the deployment turned fines on (fines_enabled). */
int circ_settings_get(db_t *db, int64_t unit_id, circ_settings_t *out, err_t *err);

/* Whether the library of the school is closed on day (a day number, clock.h). */
int circ_day_closed(db_t *db, int64_t unit_id, const circ_settings_t *s, int64_t day, bool *closed, err_t *err);

/* The first open day on or after day. Gives up (returns day + 366 at most) when the calendar
 * closes a whole year. */
int circ_next_open_day(db_t *db, int64_t unit_id, const circ_settings_t *s, int64_t day, int64_t *out,
                       err_t *err);

/* The due date of a loan made on day `from` for `days` days: from + days, moved to the next open
 * day. */
int circ_due_day(db_t *db, int64_t unit_id, const circ_settings_t *s, int64_t from, int days, int64_t *out,
                 err_t *err);

/* The end of the school year that `day` falls in: the settings' year end (mm-dd) on or after
 * day, moved back to the last open day on or before it (the books come back before the summer
 * break, not after it). Textbooks lent for the year are due then. */
int circ_year_end_day(db_t *db, int64_t unit_id, const circ_settings_t *s, int64_t day, int64_t *out,
                      err_t *err);

/* --- administration ---------------------------------------------------------------------------
 * The pages /circ/rules and /circ/calendar read and change the rows above. The unit 0 rows (loan
 * rules and closed days) are the deployment's: only a sysadmin changes them. A school's rows,
 * its settings and its breaks are changed by its librarian only; its leaders and the offices
 * above it read them. A school outside the actor's subtree is ERR_NOTFOUND; a role that may see
 * but not change is ERR_FORBIDDEN. Every change is one transaction with its audit row
 * (circ.rule.set, circ.rule.reset, circ.settings, circ.closed.add, circ.closed.remove). */

#include "accounts/actor.h"
#include "base/arena.h"

/* The reader kinds of the matrix, in display order. */
extern const char *const circ_patron_kinds[3];

/* The unit whose policy a page shows: requested when it is a school in the actor's subtree
 * (ERR_NOTFOUND otherwise), 0 for the deployment's defaults, or, when requested is negative, the
 * actor's own school (the defaults for an account above the schools). Readers: ERR_FORBIDDEN. */
int circ_policy_unit(db_t *db, const actor_t *actor, int64_t requested, int64_t *unit, err_t *err);

/* Whether the actor may change the policy of unit (0: the defaults). No database access: a
 * librarian's own school, or a sysadmin for unit 0. For pages deciding which forms to show. */
bool circ_policy_can_write(const actor_t *actor, int64_t unit);

/* Where a cell's rule comes from. */
typedef enum circ_rule_source {
	CIRC_RULE_NONE = 0,    /* no row: not lent */
	CIRC_RULE_OWN,         /* the unit's own row for this type */
	CIRC_RULE_OWN_ANY,     /* the unit's own '*' row */
	CIRC_RULE_DEFAULT,     /* the deployment's row for this type */
	CIRC_RULE_DEFAULT_ANY, /* the deployment's '*' row */
} circ_rule_source_t;

typedef struct circ_rule_cell {
	const char *patron_kind;   /* "student", "teacher", "staff" */
	const char *doc_type;      /* a doc_types code, or "*" */
	const char *doc_type_name; /* in the language asked for; "" for "*" */
	circ_rule_t rule;          /* the rule in force (as circ_rule_get) */
	circ_rule_source_t source; /* for unit 0, only NONE, OWN and OWN_ANY */
} circ_rule_cell_t;

/* The matrix of unit (0: the defaults): for each reader kind, each active document type (by its
 * sort order) and then '*'. lang "vi" or "en" names the types. Readers: ERR_FORBIDDEN; a unit
 * other than 0 must be visible to the actor (ERR_NOTFOUND). Cells in the arena. */
int circ_rules_matrix(db_t *db, const actor_t *actor, int64_t unit, const char *lang, arena_t *a,
                      circ_rule_cell_t **out, size_t *n, err_t *err);

/* Set the unit's own rule for (kind, doc_type): max_items 0..100, loan_days 1..365, renewals
 * 0..10 (ERR_INVALID, keys err.circ.max_items, err.circ.loan_days, err.circ.renewals); kind one of
 * circ_patron_kinds (err.circ.kind), doc_type an existing type or "*" (err.circ.doc_type). */
int circ_rule_set(db_t *db, const actor_t *actor, int64_t unit, const char *kind, const char *doc_type,
                  const circ_rule_t *r, err_t *err);

/* Delete the unit's own row for (kind, doc_type): the cell falls back to the next row in order.
 * Nothing to delete is no error (and writes nothing). The deployment's '*' rows cannot be removed
 * (ERR_INVALID, err.circ.reset_any): some rule must stay. */
int circ_rule_reset(db_t *db, const actor_t *actor, int64_t unit, const char *kind, const char *doc_type,
                    err_t *err);

/* Store a school's settings (unit 0 has none: ERR_INVALID). Checked: some weekday open
 * (err.circ.closed_all), the year end a real day (err.circ.year_end), hold_days 1..60
 * (err.circ.hold_days), hold_expiry_days 1..365 (err.circ.hold_expiry), fine_per_day
 * 0..1,000,000 đồng (err.circ.fine) and 0 unless the deployment turned fines on
 * (err.circ.fines_off). */
int circ_settings_set(db_t *db, const actor_t *actor, int64_t unit, const circ_settings_t *s, err_t *err);

/* A closed range of days. */
typedef struct circ_closed {
	int64_t id;
	int64_t unit_id;   /* 0: a national holiday */
	const char *first; /* "yyyy-mm-dd" */
	const char *last;
	const char *name;
} circ_closed_t;

/* The school year a day falls in, by the year it starts (it runs from 1 August to 31 July). */
int circ_school_year_of(int64_t day);

/* The closed days of unit (and the national ones; for unit 0 only those) that touch the school
 * year starting in August of `year`, by first day. Same scope as circ_rules_matrix. */
int circ_closed_list(db_t *db, const actor_t *actor, int64_t unit, int year, arena_t *a, circ_closed_t **out,
                     size_t *n, err_t *err);

/* Add a closed range first..last (day numbers; at most 366 days, first <= last, else
 * ERR_INVALID err.circ.range) named name (1..200 characters, err.circ.closed_name). *id: the new
 * row's id. */
int circ_closed_add(db_t *db, const actor_t *actor, int64_t unit, int64_t first, int64_t last,
                    const char *name, int64_t *id, err_t *err);

/* Remove a closed range by id: a national one by a sysadmin, a school's by its librarian.
 * Another school's id is ERR_NOTFOUND (err.circ.closed_notfound). *unit (may be NULL) receives
 * the row's unit. */
int circ_closed_remove(db_t *db, const actor_t *actor, int64_t id, int64_t *unit, err_t *err);

#endif
