/* indicators.h: every figure the reports use, defined once (chỉ số thống kê thư viện).
 *
 * One static registry (indicators_all) holds each indicator: a stable snake_case id (the API's
 * and templates' name for it), its Vietnamese and English names, a one-sentence definition in
 * both languages, its kind (a count, money in đồng, a ratio, a percent), the period it takes and
 * the dimensions it may be broken down by. docs/INDICATORS.md is indicators_markdown()'s output
 * (`thuvien indicators --markdown`); a unit test fails when the two differ.
 *
 * Figures are computed for any unit, a school or an office/Department (the sum over the schools
 * of its subtree, `units.path` range), and a period (a school year, 1 August to 31 July, or the
 * months from-to within it; HK1 = August-December, HK2 = January-July), ONLY from the counter
 * tables of migration 0017, unit_enrolment and the per-school subscriptions: a roll-up never
 * scans the loans, copies or readers of more than one school. A ratio is computed from the summed
 * numerator and denominator of the schools that have a denominator (never an average of the
 * schools' ratios); with no denominator it has no value (not 0).
 *
 * The live lists (top titles, readers who never borrowed, the lists behind a number) read one
 * school's rows directly, through its indexes.
 *
 * Scope: every function takes the acting account; a unit outside its subtree is ERR_NOTFOUND, a
 * reader's account ERR_FORBIDDEN. Results are allocated in the caller's arena.
 */
#ifndef THUVIEN_INDICATORS_INDICATORS_H
#define THUVIEN_INDICATORS_INDICATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "db/db.h"
#include "units/units.h"

typedef enum ind_kind { IND_COUNT, IND_MONEY, IND_RATIO, IND_PERCENT } ind_kind_t;

/* The period an indicator takes. */
typedef enum ind_when {
	IND_NOW,      /* a state, as it is now (titles, registered readers, open loans) */
	IND_AT_END,   /* a state on the period's last day: now, minus the stock flows after it */
	IND_WITHIN,   /* events within the period's months */
	IND_YEAR,     /* the period's school year (enrolment, subscriptions, distinct readers) */
	IND_AS_PARTS, /* a ratio: each part takes its own period */
} ind_when_t;

/* Dimensions, as bits of ind_def_t.dims. */
enum {
	IND_DIM_DOC_TYPE = 1 << 0,
	IND_DIM_CONTENT = 1 << 1, /* content group (content_groups, by the class number's first digit) */
	IND_DIM_LANGUAGE = 1 << 2,
	IND_DIM_SOURCE = 1 << 3,
	IND_DIM_FUNDING = 1 << 4,
	IND_DIM_MONTH = 1 << 5,
	IND_DIM_PATRON_KIND = 1 << 6,
	IND_DIM_CLASS = 1 << 7,
	IND_DIM_GRADE = 1 << 8,
	IND_DIM__COUNT = 9
};

typedef struct ind_def {
	const char *id; /* "copies_held" */
	const char *name_vi, *name_en;
	const char *def_vi, *def_en; /* one sentence each */
	ind_kind_t kind;
	ind_when_t when;
	unsigned dims;           /* IND_DIM_* bits */
	const char *num, *den;   /* a ratio's parts (ids of other indicators), else NULL */
	const char *standard;    /* the standards' criterion it serves ("C1"), or NULL */
} ind_def_t;

/* The registry, in report order; *n receives its length. */
const ind_def_t *indicators_all(size_t *n);
/* One entry by id, or NULL. */
const ind_def_t *indicators_find(const char *id);
/* A dimension's id ("doc_type", "content_group", ...) and its bit; 0 for an unknown name. */
const char *indicators_dim_name(unsigned dim);
unsigned indicators_dim_parse(const char *name);

/* A period: a school year and the months first..last ("yyyy-mm") within it. */
typedef struct ind_period {
	char year[10];  /* "2025-2026" */
	char first[16]; /* "2025-08" */
	char last[16];  /* "2026-07" */
} ind_period_t;

/* Check and fill a period. year: "2025-2026" (NULL or "": the current school year); from/to:
 * "yyyy-mm" months within it (NULL: its first / last month), or "hk1"/"hk2" as from (a term:
 * August-December, January-July; to must then be NULL). ERR_INVALID ("err.indicators.period")
 * for a malformed year or month, a month outside the year, or from after to. */
int indicators_period(const char *year, const char *from, const char *to, ind_period_t *out, err_t *err);

/* A value: a count or đồng in n; a ratio or percent is n / d (percent: 100 n / d), and has no
 * value when d is 0. */
typedef struct ind_value {
	int64_t n, d;
} ind_value_t;
bool indicators_has_value(const ind_def_t *def, ind_value_t v);
/* The value as a number (a ratio as n / d, a percent as 100 n / d); 0 when it has none. */
double indicators_real(const ind_def_t *def, ind_value_t v);
/* Text for a value: "1.234" (count), "1.234.000 đ" (money), "3,25" (ratio), "72,5 %", "–"
 * when it has no value (Vietnamese separators; lang "en" writes 1,234 and 3.25). */
void indicators_format(const ind_def_t *def, ind_value_t v, const char *lang, char *out, size_t n);

/* Every indicator of a unit for a period: values[i] is indicators_all()[i]'s. With children,
 * also one row per child unit (the roll-up table: an office sees one row per school or sub-unit,
 * siblings by code), each summed over the child's subtree. */
typedef struct ind_report {
	unit_t unit;
	ind_period_t period;
	ind_value_t *values;
	size_t nchildren;
	unit_t *children;
	ind_value_t **child_values; /* [child][indicator] */
} ind_report_t;
int indicators_report(db_t *db, const actor_t *actor, int64_t unit_id, const ind_period_t *p, bool children,
                      arena_t *a, ind_report_t *out, err_t *err);

/* One indicator broken down by one dimension over the unit's subtree: rows sorted by key (months
 * in order, content groups in their order). ERR_INVALID ("err.indicators.dim") when the indicator
 * does not take that dimension (a ratio takes none; holdings at a past date only by document
 * type, source and funding, since the stock flows carry no class or language). */
typedef struct ind_row {
	const char *key;   /* the stored key: "STK", "2025-09", "6A1", "VH"; "" for none */
	const char *label; /* for people: the type's or group's name, "09/2025", the key otherwise */
	ind_value_t value;
} ind_row_t;
int indicators_breakdown(db_t *db, const actor_t *actor, int64_t unit_id, const ind_period_t *p, const char *id,
                         unsigned dim, const char *lang, arena_t *a, ind_row_t **rows, size_t *n, err_t *err);

/* --- live lists, one school --------------------------------------------------------------------
 * The school must be a school (ERR_INVALID "err.indicators.school" for an office) in the actor's
 * subtree. Paging: offset, limit (1..500); *total receives the full count where given. */
typedef struct ind_title {
	int64_t biblio_id;
	const char *title, *authors, *doc_type;
	int64_t loans;
} ind_title_t;
/* The titles most lent in the period (all loan kinds), most first, then by title. */
int indicators_top_titles(db_t *db, const actor_t *actor, int64_t school_id, const ind_period_t *p, int limit,
                          arena_t *a, ind_title_t **rows, size_t *n, err_t *err);

typedef struct ind_reader {
	int64_t patron_id;
	const char *code, *full_name, *kind, *class_name;
} ind_reader_t;
/* Active readers with no loan in the period, by class then name; class_name NULL for all. */
int indicators_never_borrowed(db_t *db, const actor_t *actor, int64_t school_id, const ind_period_t *p,
                              const char *class_name, int offset, int limit, arena_t *a, ind_reader_t **rows,
                              size_t *n, int64_t *total, err_t *err);

typedef struct ind_loan {
	int64_t loan_id;
	const char *out_day, *due, *kind, *title, *accession, *patron_code, *patron_name, *class_name, *doc_type;
	bool returned;
} ind_loan_t;
/* The loans behind a number: those made in the period, narrowed by month ("yyyy-mm"), class and
 * document type (each NULL for any), by day then id. */
int indicators_list_loans(db_t *db, const actor_t *actor, int64_t school_id, const ind_period_t *p,
                          const char *month, const char *class_name, const char *doc_type, int offset, int limit,
                          arena_t *a, ind_loan_t **rows, size_t *n, int64_t *total, err_t *err);

typedef struct ind_copy {
	int64_t item_id;
	const char *accession, *barcode, *title, *doc_type, *status;
	int64_t value;
} ind_copy_t;
/* The copies held now (status not withdrawn or lost), of a document type (NULL for all), in
 * accession order. */
int indicators_list_copies(db_t *db, const actor_t *actor, int64_t school_id, const char *doc_type, int offset,
                           int limit, arena_t *a, ind_copy_t **rows, size_t *n, int64_t *total, err_t *err);

/* A report as data for other systems (`thuvien indicators --format json|csv`, GET /api/v1/stats):
 * JSON {unit, name, kind, year, from, to, values: {id: number|null}, children: [{unit, name, kind,
 * values}]} (counts and đồng as integers, ratios and percents as numbers, null without a value);
 * CSV: a header "unit,name,<ids>" and one line for the unit, then one per child (no value: an
 * empty cell). */
struct json_t;
struct json_t *indicators_report_json(const ind_report_t *r);
/* One value as JSON the same way: an integer, a number, or null without a value. */
struct json_t *indicators_value_json(const ind_def_t *def, ind_value_t v);
void indicators_report_csv(const ind_report_t *r, buf_t *out);

/* The reference (docs/INDICATORS.md): every indicator, its names, definition, kind, period and
 * dimensions, and how periods, roll-ups and ratios work. Appended to b. */
void indicators_markdown(buf_t *b);

#endif
