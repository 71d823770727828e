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
 * week on the hold shelf, 60 days in the queue, overdue readers blocked, no fines). */
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

#endif
