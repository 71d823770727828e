/* serials.h: periodicals (báo, tạp chí) a school takes: the titles, a subscription per school
 * year, the issues each subscription expects (generated from the title's frequency), their
 * receipt (by a click on the calendar or by scanning the ISSN barcode), claims for the missing
 * ones, and bound volumes, which become copies of the title's catalogue record.
 *
 * Tables (migration 0012): periodicals, subscriptions (UNIQUE per title and school year),
 * serial_issues (UNIQUE per subscription and expected day). The register "báo – tạp chí"
 * (src/registers) is read straight from them: one line per title and school year, the issues
 * received with their days and copies.
 *
 * An issue is, on a given day (today in Vietnam, unless a test says otherwise):
 *   received  when received_day is set;
 *   missing   when not received and its expected day is before today (claimable);
 *   upcoming  otherwise.
 * A claim is open while its issue is claimed and not received.
 *
 * Scope: readers are refused (ERR_FORBIDDEN). Every other account reads the schools of its
 * subtree (unit_id names the school; 0: the actor's own unit, ERR_INVALID "err.circ.school"
 * when that is not a school); any id of a school outside it is ERR_NOTFOUND. Writes are the
 * school librarian's (ERR_FORBIDDEN "err.serials.write" for anyone else), always in the
 * librarian's own school, each one transaction with its audit row; bad input changes nothing.
 * Days are "yyyy-mm-dd"; inputs also take "dd/mm/yyyy". Strings returned live in the arena.
 */
#ifndef THUVIEN_SERIALS_SERIALS_H
#define THUVIEN_SERIALS_SERIALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"

/* The most copies of one subscription or one receipt. */
#define SERIALS_MAX_COPIES 1000
/* The largest price of a subscription or a bound volume: ten billion đồng. */
#define SERIALS_MAX_PRICE INT64_C(10000000000)

/* --- pure helpers (no database) --------------------------------------------------------- */

/* Normalise an ISSN as typed ("1234-567X", "1234567x", "ISSN 0317-8471") to "NNNN-NNNC" in out
 * (10 bytes). "" or NULL gives "" (a title without ISSN). ERR_INVALID "err.serials.issn" for
 * the wrong characters, length or check digit (weights 8..2, mod 11, 10 written X). */
int serials_issn_normalize(const char *in, char out[10], err_t *err);

/* The ISSN of a periodical's EAN-13 barcode: 977 + the ISSN's first 7 digits + 2 variant
 * digits + the EAN check digit. 0 with "NNNN-NNNC" (the ISSN check digit recomputed) in out,
 * or -1 when code is not a valid 977 EAN-13. */
int serials_ean_to_issn(const char *code, char out[10]);

/* A day typed as "dd/mm/yyyy", "d/m/yyyy" or "yyyy-mm-dd" as a day number. 0 or -1. */
int serials_parse_day(const char *s, int64_t *day);

/* The frequencies, as stored: daily, weekly, biweekly, monthly, bimonthly, quarterly,
 * irregular. Whether s is one. */
bool serials_frequency_valid(const char *s);

/* The expected days of an issue from first to last (day numbers, first <= last):
 *   daily      every day, Sundays only when sundays is true;
 *   weekly     every 7 days from first (its weekday); biweekly every 14;
 *   monthly    on first's day of the month (the month's last day when it is shorter),
 *   bimonthly  every second month, quarterly every third, the same way;
 *   irregular  none (issues are added as they come).
 * At most max days are written to out; returns how many there are (may exceed max). */
size_t serials_expected_days(const char *frequency, int64_t first, int64_t last, bool sundays, int64_t *out,
                             size_t max);

/* --- titles and subscriptions ----------------------------------------------------------- */

typedef struct serials_title_in {
	const char *title;     /* required, at most 300 characters */
	const char *issn;      /* as typed; "" or NULL: none */
	const char *kind;      /* newspaper (báo, the default) or magazine (tạp chí) */
	const char *frequency; /* required */
	const char *publisher; /* at most 200 characters */
} serials_title_in_t;

typedef struct serials_sub_in {
	const char *school_year; /* "2025-2026"; NULL or "": the school year of today */
	const char *start;       /* NULL or "": 1 September of the school year (1 January of its
	                            second year when calendar_year) */
	const char *end;         /* NULL or "": 31 May (31 December when calendar_year) */
	bool calendar_year;
	bool sundays;   /* a daily title also comes out on Sundays */
	int64_t copies; /* 1..SERIALS_MAX_COPIES */
	const char *supplier;
	int64_t price;       /* đồng, the whole subscription; 0..SERIALS_MAX_PRICE */
	const char *funding; /* budget (the default) or other */
	const char *note;
} serials_sub_in_t;

/* Create a title in the librarian's school and, when sub is non-NULL, its first subscription
 * with its expected issues, in one transaction. *id: the title. ERR_CONFLICT
 * "err.serials.duplicate" when the school has a title of the same folded title. Subscription
 * errors: "err.serials.year", "err.serials.day" (a day that is not one), "err.serials.range"
 * (end before start, or longer than 366 days), "err.serials.copies", "err.price",
 * "err.serials.funding". */
int serials_create(db_t *db, const actor_t *actor, const serials_title_in_t *t, const serials_sub_in_t *sub,
                   int64_t *id, err_t *err);

/* A subscription of title id for another school year, with its expected issues. ERR_CONFLICT
 * "err.serials.subscribed" when the title has one for that year. *sub_id may be NULL. */
int serials_subscribe(db_t *db, const actor_t *actor, int64_t id, const serials_sub_in_t *sub,
                      int64_t *sub_id, err_t *err);

typedef struct serials_school {
	int64_t id;
	const char *code, *name;
} serials_school_t;

/* A title, with its subscription of one school year (sub_id 0: none) and its issues' counts. */
typedef struct serials_row {
	int64_t id;
	const char *title, *issn, *kind, *frequency, *publisher;
	int64_t biblio_id; /* 0: no bound volume yet */
	int64_t sub_id;
	const char *start, *end, *supplier, *funding, *note;
	int64_t copies, price;
	int64_t expected; /* issues of the subscription */
	int64_t received, missing, claimed, upcoming;
	int64_t received_copies;
} serials_row_t;

typedef struct serials_list {
	serials_school_t school;
	const char *school_year;
	serials_row_t *v;
	size_t n;
} serials_list_t;

/* The titles of a school (active ones, by folded title) with their subscription of school_year
 * (NULL or "": today's); q (NULL or "": all) keeps the titles whose folded title or ISSN holds
 * it folded. today: a day number, 0 for today in Vietnam (tests pass their own). */
int serials_list(db_t *db, const actor_t *actor, int64_t unit_id, const char *school_year, const char *q,
                 int64_t today, arena_t *a, serials_list_t *out, err_t *err);

typedef struct serials_issue {
	int64_t id, sub_id;
	const char *expected; /* yyyy-mm-dd */
	const char *label;
	const char *received_day; /* NULL: not received */
	int64_t copies;
	const char *claimed_day; /* NULL: no claim */
	const char *claim_note;
	int64_t bound_item_id; /* 0: not bound */
	const char *state;     /* "received", "missing", "upcoming" */
} serials_issue_t;

typedef struct serials_title {
	serials_school_t school;
	serials_row_t t;         /* the title, with the chosen year's subscription and counts */
	const char *school_year; /* the year shown */
	const char **years;      /* the years it has subscriptions for, newest first */
	size_t nyears;
	serials_issue_t *issues; /* of the shown subscription, by expected day */
	size_t nissues;
	struct serials_bound {
		int64_t item_id;
		const char *accession, *barcode, *first, *last; /* the copy; its issues' days */
		int64_t issues;
	} * bound; /* the title's bound volumes, oldest first */
	size_t nbound;
} serials_title_t;

/* Title id with the subscription of school_year (NULL or "": this school year's when there is
 * one, else the newest) and its
 * issues. today as serials_list. */
int serials_get(db_t *db, const actor_t *actor, int64_t id, const char *school_year, int64_t today,
                arena_t *a, serials_title_t *out, err_t *err);

/* --- receipt and claims ------------------------------------------------------------------ */

/* What a write on an issue touched, for the page to go back to (filled as soon as the issue is
 * found, so a refused write still names its title). */
typedef struct serials_done {
	int64_t issue_id, title_id;
	char school_year[16];
} serials_done_t;

/* Receive issue id: copies (0: the subscription's), on day (NULL or "": today; not after
 * today), with label (NULL: keep the issue's). ERR_CONFLICT "err.serials.received" when it was
 * received already. Receiving a claimed issue closes its claim. */
int serials_receive(db_t *db, const actor_t *actor, int64_t id, int64_t copies, const char *day,
                    const char *label, serials_done_t *done, err_t *err);

/* Receive by scan: code is the issue's EAN-13 (977...) or an ISSN as typed; the school's title
 * with that ISSN; the subscription whose days hold day (NULL or "": today). With a label that an
 * issue of the subscription has, that issue; else the expected issue nearest day (within the
 * frequency's period) not yet received; for an irregular title a new issue of that day. done:
 * the issue received. ERR_NOTFOUND "err.serials.scan" when nothing matches. */
int serials_receive_scan(db_t *db, const actor_t *actor, const char *code, const char *day, const char *label,
                         int64_t copies, serials_done_t *done, err_t *err);

/* Undo the receipt of issue id (a mistaken click). ERR_CONFLICT "err.serials.not_received",
 * or "err.serials.bound" when the issue is in a bound volume. */
int serials_unreceive(db_t *db, const actor_t *actor, int64_t id, serials_done_t *done, err_t *err);

/* Claim missing issue id (khiếu nại: the supplier did not deliver it): on day (NULL or "":
 * today) with note (at most 500 characters). A claim again replaces the day and note.
 * ERR_CONFLICT "err.serials.not_missing" when it was received or is not yet due. */
int serials_claim(db_t *db, const actor_t *actor, int64_t id, const char *day, const char *note,
                  serials_done_t *done, err_t *err);

typedef struct serials_claim_row {
	int64_t issue_id, periodical_id;
	const char *supplier, *title, *issn, *expected, *label, *claimed_day, *note;
} serials_claim_row_t;

typedef struct serials_claims {
	serials_school_t school;
	serials_claim_row_t *v; /* by supplier, title, expected day */
	size_t n;
} serials_claims_t;

/* The school's open claims. */
int serials_claims(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, serials_claims_t *out,
                   err_t *err);

/* The claims as a workbook (one sheet: supplier, title, ISSN, issue, claimed, note). */
int serials_claims_xlsx(const serials_claims_t *c, const char *lang, buf_t *out, err_t *err);

/* The claims as an A4 PDF to send (print.h): the school's block and the motto, a table per
 * supplier, the date line and the signatures (the librarian, the principal). */
int serials_claims_pdf(db_t *db, const serials_claims_t *c, const char *lang, buf_t *out, err_t *err);

/* --- bound volumes ----------------------------------------------------------------------- */

/* Bind the received issues of title id expected from..to (days as typed) into one copy of the
 * title's catalogue record (made once: document type BAO, the title, its publisher, the ISSN
 * in the summary; stored in periodicals.biblio_id), added through catalog_items_add to a new
 * intake batch (source "other", the subscription's supplier) at price đồng (0..MAX), so its
 * accession number, barcode and batch are the catalogue's own. The issues get bound_item_id.
 * ERR_CONFLICT "err.serials.bound" when an issue of the range is bound already; ERR_INVALID
 * "err.serials.bind_empty" when the range holds no received issue. *item_id may be NULL. */
int serials_bind(db_t *db, const actor_t *actor, int64_t id, const char *from, const char *to, int64_t price,
                 int64_t *item_id, err_t *err);

/* --- counts for the library standard ------------------------------------------------------ */

typedef struct serials_counts {
	int64_t titles;     /* periodical titles subscribed in the school year */
	int64_t copies;     /* the copies of those subscriptions, summed */
	int64_t newspapers; /* titles of kind newspaper */
	int64_t magazines;  /* titles of kind magazine */
	struct {
		int64_t id;
		const char *title;
		int64_t copies;
	} * per_title; /* by folded title */
	size_t n;
} serials_counts_t;

/* For a school (unit_id as the scope rules say) and school year: the titles subscribed and the
 * copies per title and in total (the standard counts "số đầu báo, tạp chí" and copies). */
int serials_counts(db_t *db, const actor_t *actor, int64_t unit_id, const char *school_year, arena_t *a,
                   serials_counts_t *out, err_t *err);

#endif
