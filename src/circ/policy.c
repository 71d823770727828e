/* policy.c: loan rules, circulation settings, closed days and due dates (policy.h). */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/text.h"
#include "circ/policy.h"

int circ_rule_get(db_t *db, int64_t unit_id, const char *patron_kind, const char *doc_type, circ_rule_t *out,
                  err_t *err)
{
	memset(out, 0, sizeof *out);
	/* At most four rows: (school, type), (school, '*'), (default, type), (default, '*'); the best
	 * is chosen here rather than by an ORDER BY, which would sort on every loan. */
	db_stmt_t *st = db_query(db, err,
	                         "SELECT max_items, loan_days, renewals, holds_allowed, unit_id, doc_type FROM loan_rules"
	                         " WHERE unit_id IN (?, 0) AND patron_kind = ? AND doc_type IN (?, '*')",
	                         "iss", unit_id, patron_kind, doc_type);
	if (!st)
		return err->code;
	int rc, best = 4;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int rank = (db_col_int(st, 4) != 0 ? 0 : 2) + (strcmp(db_col_text(st, 5), "*") == 0 ? 1 : 0);
		if (rank >= best)
			continue;
		best = rank;
		out->max_items = (int)db_col_int(st, 0);
		out->loan_days = (int)db_col_int(st, 1);
		out->renewals = (int)db_col_int(st, 2);
		out->holds_allowed = db_col_int(st, 3) != 0;
		out->own = db_col_int(st, 4) != 0;
		out->found = true;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

static void settings_default(circ_settings_t *s)
{
	memset(s, 0, sizeof *s);
	s->closed_wday[0] = true;
	s->year_end_month = 5;
	s->year_end_day = 31;
	s->hold_days = 7;
	s->hold_expiry_days = 60;
	s->block_overdue = true;
}

int circ_settings_get(db_t *db, int64_t unit_id, circ_settings_t *out, err_t *err)
{
	settings_default(out);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT closed_weekdays, year_end, hold_days, hold_expiry_days, block_overdue,"
	                         " fine_per_day FROM circ_settings WHERE unit_id = ?",
	                         "i", unit_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		const char *wd = db_col_text(st, 0), *ye = db_col_text(st, 1);
		memset(out->closed_wday, 0, sizeof out->closed_wday);
		for (; wd && *wd; wd++)
			if (*wd >= '0' && *wd <= '6')
				out->closed_wday[*wd - '0'] = true;
		int m, d;
		if (ye && sscanf(ye, "%2d-%2d", &m, &d) == 2 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
			out->year_end_month = m;
			out->year_end_day = d;
		}
		out->hold_days = (int)db_col_int(st, 2);
		out->hold_expiry_days = (int)db_col_int(st, 3);
		out->block_overdue = db_col_int(st, 4) != 0;
		out->fine_per_day = g_config.fines_enabled ? db_col_int(st, 5) : 0;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The last day of the closed range (national or the school's) that contains day, or -1. */
static int closed_range_end(db_t *db, int64_t unit_id, int64_t day, int64_t *end, err_t *err)
{
	char d[16];
	clock_day_format(day, d, sizeof d);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT MAX(last_day) FROM closed_days"
	                         " WHERE unit_id IN (0, ?) AND first_day <= ? AND last_day >= ?",
	                         "iss", unit_id, d, d);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	*end = -1;
	if (rc == DB_ROW && !db_col_null(st, 0) && clock_day_parse(db_col_text(st, 0), end) != 0)
		*end = -1;
	db_done(st);
	return rc < 0 ? rc : 0;
}

int circ_day_closed(db_t *db, int64_t unit_id, const circ_settings_t *s, int64_t day, bool *closed, err_t *err)
{
	if (s->closed_wday[clock_weekday(day)]) {
		*closed = true;
		return 0;
	}
	int64_t end;
	int rc = closed_range_end(db, unit_id, day, &end, err);
	*closed = rc == 0 && end >= day;
	return rc;
}

int circ_next_open_day(db_t *db, int64_t unit_id, const circ_settings_t *s, int64_t day, int64_t *out,
                       err_t *err)
{
	int64_t limit = day + 366;
	while (day < limit) {
		if (s->closed_wday[clock_weekday(day)]) {
			day++;
			continue;
		}
		int64_t end;
		int rc = closed_range_end(db, unit_id, day, &end, err);
		if (rc < 0)
			return rc;
		if (end < day)
			break;
		day = end + 1; /* skip the whole range at once */
	}
	*out = day;
	return 0;
}

int circ_due_day(db_t *db, int64_t unit_id, const circ_settings_t *s, int64_t from, int days, int64_t *out,
                 err_t *err)
{
	return circ_next_open_day(db, unit_id, s, from + (days > 0 ? days : 0), out, err);
}

int circ_year_end_day(db_t *db, int64_t unit_id, const circ_settings_t *s, int64_t day, int64_t *out,
                      err_t *err)
{
	int y, m, d;
	clock_civil_from_days(day, &y, &m, &d);
	int em = s->year_end_month, ed = s->year_end_day;
	if (m > em || (m == em && d > ed))
		y++;
	/* 31/05 exists every year; a deployment's 29/02 falls back to the 28th. */
	char iso[40];
	int64_t end;
	snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, em, ed);
	while (clock_day_parse(iso, &end) != 0 && ed > 28)
		snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, em, --ed);
	if (clock_day_parse(iso, &end) != 0)
		end = clock_days_from_civil(y, 5, 31);
	for (int i = 0; i < 366; i++, end--) { /* back to the last open day */
		bool closed;
		int rc = circ_day_closed(db, unit_id, s, end, &closed, err);
		if (rc < 0)
			return rc;
		if (!closed || end <= day)
			break;
	}
	*out = end;
	return 0;
}

/* --- administration ---------------------------------------------------------------------------- */

const char *const circ_patron_kinds[3] = { "student", "teacher", "staff" };

static bool kind_valid(const char *k)
{
	for (size_t i = 0; i < 3; i++)
		if (k && strcmp(k, circ_patron_kinds[i]) == 0)
			return true;
	return false;
}

/* The path and kind of a unit the actor sees; ERR_NOTFOUND when it is missing, hidden, or not a
 * school. */
static int school_path(db_t *db, const actor_t *actor, int64_t unit, char *path, size_t size, err_t *err)
{
	db_stmt_t *st = db_query(db, err, "SELECT path, kind FROM units WHERE id = ?", "i", unit);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	bool ok = rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 0)) &&
	          strcmp(db_col_text(st, 1), "school") == 0;
	if (ok)
		snprintf(path, size, "%s", db_col_text(st, 0));
	db_done(st);
	if (rc < 0)
		return rc;
	return ok ? 0 : err_set(err, ERR_NOTFOUND, "err.unit.notfound", NULL);
}

int circ_policy_unit(db_t *db, const actor_t *actor, int64_t requested, int64_t *unit, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	if (requested < 0)
		requested = strcmp(actor->unit_kind, "school") == 0 ? actor->unit_id : 0;
	if (requested > 0) {
		char path[256];
		int rc = school_path(db, actor, requested, path, sizeof path, err);
		if (rc < 0)
			return rc;
	}
	*unit = requested;
	return 0;
}

bool circ_policy_can_write(const actor_t *actor, int64_t unit)
{
	if (!actor)
		return false;
	if (unit == 0)
		return actor->role == ROLE_SYSADMIN;
	return actor->role == ROLE_LIBRARIAN && actor->unit_id == unit;
}

/* The write check: the unit must be visible (ERR_NOTFOUND) and the actor its writer
 * (ERR_FORBIDDEN). path receives the unit's path for the audit row (the actor's for unit 0). */
static int writer_check(db_t *db, const actor_t *actor, int64_t unit, char *path, size_t size, err_t *err)
{
	if (!actor || actor->role == ROLE_READER || unit < 0)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	if (unit == 0)
		snprintf(path, size, "%s", actor->unit_path);
	else {
		int rc = school_path(db, actor, unit, path, size, err);
		if (rc < 0)
			return rc;
	}
	return circ_policy_can_write(actor, unit) ? 0 : err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
}

typedef struct rule_row {
	int64_t unit;
	char kind[16];
	char type[32];
	circ_rule_t r;
} rule_row_t;

/* The row of (unit, kind, type) among rows, or NULL. */
static const rule_row_t *find_rule(const rule_row_t *rows, size_t n, int64_t unit, const char *kind,
                                   const char *type)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].unit == unit && strcmp(rows[i].kind, kind) == 0 &&
		    strcmp(rows[i].type, type) == 0)
			return &rows[i];
	return NULL;
}

int circ_rules_matrix(db_t *db, const actor_t *actor, int64_t unit, const char *lang, arena_t *a,
                      circ_rule_cell_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int64_t u;
	int rc = circ_policy_unit(db, actor, unit, &u, err);
	if (rc < 0)
		return rc;
	unit = u;
	/* Every row that may apply, read once (a few dozen), resolved in C in circ_rule_get's order. */
	size_t nrows = 0, caprows = 64;
	rule_row_t *rows = arena_zalloc(a, caprows * sizeof *rows);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT unit_id, patron_kind, doc_type, max_items, loan_days, renewals,"
	                         " holds_allowed FROM loan_rules WHERE unit_id IN (?, 0)",
	                         "i", unit);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (nrows == caprows) {
			rule_row_t *w = arena_zalloc(a, 2 * caprows * sizeof *w);
			memcpy(w, rows, nrows * sizeof *w);
			rows = w;
			caprows *= 2;
		}
		rule_row_t *x = &rows[nrows++];
		x->unit = db_col_int(st, 0);
		snprintf(x->kind, sizeof x->kind, "%s", db_col_text(st, 1));
		snprintf(x->type, sizeof x->type, "%s", db_col_text(st, 2));
		x->r.max_items = (int)db_col_int(st, 3);
		x->r.loan_days = (int)db_col_int(st, 4);
		x->r.renewals = (int)db_col_int(st, 5);
		x->r.holds_allowed = db_col_int(st, 6) != 0;
		x->r.found = true;
		x->r.own = x->unit != 0;
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* The document types, then '*'. */
	bool en = lang && strcmp(lang, "en") == 0;
	st = db_query(
	    db, err, "SELECT code, name_vi, name_en FROM doc_types WHERE active = 1 ORDER BY sort, code", "");
	if (!st)
		return err->code;
	size_t ntypes = 0, captypes = 16;
	const char **codes = arena_zalloc(a, captypes * sizeof *codes);
	const char **names = arena_zalloc(a, captypes * sizeof *names);
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (ntypes + 1 == captypes) {
			const char **c2 = arena_zalloc(a, 2 * captypes * sizeof *c2);
			const char **n2 = arena_zalloc(a, 2 * captypes * sizeof *n2);
			memcpy(c2, codes, ntypes * sizeof *c2);
			memcpy(n2, names, ntypes * sizeof *n2);
			codes = c2;
			names = n2;
			captypes *= 2;
		}
		codes[ntypes] = arena_strdup(a, db_col_text(st, 0));
		names[ntypes++] = arena_strdup(a, db_col_text(st, en ? 2 : 1));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	codes[ntypes] = "*";
	names[ntypes++] = "";
	circ_rule_cell_t *v = arena_zalloc(a, 3 * ntypes * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < 3; i++)
		for (size_t t = 0; t < ntypes; t++) {
			circ_rule_cell_t *c = &v[k++];
			c->patron_kind = circ_patron_kinds[i];
			c->doc_type = codes[t];
			c->doc_type_name = names[t];
			const rule_row_t *hit;
			if (unit && (hit = find_rule(rows, nrows, unit, c->patron_kind, codes[t])))
				c->source = CIRC_RULE_OWN;
			else if (unit && (hit = find_rule(rows, nrows, unit, c->patron_kind, "*")))
				c->source = CIRC_RULE_OWN_ANY;
			else if ((hit = find_rule(rows, nrows, 0, c->patron_kind, codes[t])))
				c->source = unit ? CIRC_RULE_DEFAULT : CIRC_RULE_OWN;
			else if ((hit = find_rule(rows, nrows, 0, c->patron_kind, "*")))
				c->source = unit ? CIRC_RULE_DEFAULT_ANY : CIRC_RULE_OWN_ANY;
			if (hit)
				c->rule = hit->r;
		}
	*out = v;
	*n = k;
	return 0;
}

static int check_cell(db_t *db, const char *kind, const char *doc_type, err_t *err)
{
	if (!kind_valid(kind))
		return err_set(err, ERR_INVALID, "err.circ.kind", "%.20s", kind ? kind : "");
	if (!doc_type || !*doc_type)
		return err_set(err, ERR_INVALID, "err.circ.doc_type", NULL);
	if (strcmp(doc_type, "*") == 0)
		return 0;
	int64_t found = 0;
	int rc =
	    db_query_int(db, &found, err, "SELECT COUNT(*) FROM doc_types WHERE code = ?", "s", doc_type);
	if (rc < 0)
		return rc;
	return found ? 0 : err_set(err, ERR_INVALID, "err.circ.doc_type", "%.32s", doc_type);
}

int circ_rule_set(db_t *db, const actor_t *actor, int64_t unit, const char *kind, const char *doc_type,
                  const circ_rule_t *r, err_t *err)
{
	char path[256];
	int rc = writer_check(db, actor, unit, path, sizeof path, err);
	if (rc < 0 || (rc = check_cell(db, kind, doc_type, err)) < 0)
		return rc;
	if (r->max_items < 0 || r->max_items > 100)
		return err_set(err, ERR_INVALID, "err.circ.max_items", "%d", r->max_items);
	if (r->loan_days < 1 || r->loan_days > 365)
		return err_set(err, ERR_INVALID, "err.circ.loan_days", "%d", r->loan_days);
	if (r->renewals < 0 || r->renewals > 10)
		return err_set(err, ERR_INVALID, "err.circ.renewals", "%d", r->renewals);
	int own;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	/* One statement: two librarians saving the same cell at once both succeed, the last wins. */
	rc = db_exec(
	    db, err,
	    "INSERT INTO loan_rules (unit_id, patron_kind, doc_type, max_items, loan_days, renewals,"
	    " holds_allowed) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, patron_kind, doc_type)"
	    " DO UPDATE SET max_items = excluded.max_items, loan_days = excluded.loan_days,"
	    " renewals = excluded.renewals, holds_allowed = excluded.holds_allowed",
	    "issiiib", unit, kind, doc_type, (int64_t)r->max_items, (int64_t)r->loan_days,
	    (int64_t)r->renewals, (int)r->holds_allowed);
	if (rc >= 0) {
		char detail[160];
		snprintf(detail, sizeof detail, "%s %s: max %d, %d days, %d renewals, holds %s", kind,
		         doc_type, r->max_items, r->loan_days, r->renewals, r->holds_allowed ? "yes" : "no");
		rc = audit_write(db, actor, NULL, unit, path, "circ.rule.set", "loan_rule", unit, detail,
		                 NULL, err);
	}
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int circ_rule_reset(db_t *db, const actor_t *actor, int64_t unit, const char *kind, const char *doc_type,
                    err_t *err)
{
	char path[256];
	int rc = writer_check(db, actor, unit, path, sizeof path, err);
	if (rc < 0 || (rc = check_cell(db, kind, doc_type, err)) < 0)
		return rc;
	if (unit == 0 && strcmp(doc_type, "*") == 0)
		return err_set(err, ERR_INVALID, "err.circ.reset_any", NULL);
	int own;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	rc = db_exec(db, err, "DELETE FROM loan_rules WHERE unit_id = ? AND patron_kind = ? AND doc_type = ?",
	             "iss", unit, kind, doc_type);
	if (rc > 0) {
		char detail[80];
		snprintf(detail, sizeof detail, "%s %s", kind, doc_type);
		rc = audit_write(db, actor, NULL, unit, path, "circ.rule.reset", "loan_rule", unit, detail,
		                 NULL, err);
	}
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int circ_settings_set(db_t *db, const actor_t *actor, int64_t unit, const circ_settings_t *s, err_t *err)
{
	char path[256];
	int rc = writer_check(db, actor, unit, path, sizeof path, err);
	if (rc < 0)
		return rc;
	if (unit == 0)
		return err_set(err, ERR_INVALID, "err.circ.settings_school", NULL);
	char wd[8];
	size_t k = 0;
	for (int i = 0; i < 7; i++)
		if (s->closed_wday[i])
			wd[k++] = (char)('0' + i);
	wd[k] = 0;
	if (k == 7)
		return err_set(err, ERR_INVALID, "err.circ.closed_all", NULL);
	/* A year end that exists in a common year (29/02 would vanish three years in four). */
	char ye[16];
	int64_t probe;
	snprintf(ye, sizeof ye, "2027-%02d-%02d", s->year_end_month, s->year_end_day);
	if (s->year_end_month < 1 || s->year_end_month > 12 || s->year_end_day < 1 || s->year_end_day > 31 ||
	    clock_day_parse(ye, &probe) != 0)
		return err_set(err, ERR_INVALID, "err.circ.year_end", NULL);
	if (s->hold_days < 1 || s->hold_days > 60)
		return err_set(err, ERR_INVALID, "err.circ.hold_days", "%d", s->hold_days);
	if (s->hold_expiry_days < 1 || s->hold_expiry_days > 365)
		return err_set(err, ERR_INVALID, "err.circ.hold_expiry", "%d", s->hold_expiry_days);
	if (s->fine_per_day < 0 || s->fine_per_day > 1000000)
		return err_set(err, ERR_INVALID, "err.circ.fine", "%lld", (long long)s->fine_per_day);
	if (s->fine_per_day && !g_config.fines_enabled)
		return err_set(err, ERR_INVALID, "err.circ.fines_off", NULL);
	snprintf(ye, sizeof ye, "%02d-%02d", s->year_end_month, s->year_end_day);
	int own;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	int64_t now = clock_now();
	rc = db_exec(
	    db, err,
	    "INSERT INTO circ_settings (unit_id, closed_weekdays, year_end, hold_days, hold_expiry_days,"
	    " block_overdue, fine_per_day, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id)"
	    " DO UPDATE SET closed_weekdays = excluded.closed_weekdays, year_end = excluded.year_end,"
	    " hold_days = excluded.hold_days, hold_expiry_days = excluded.hold_expiry_days,"
	    " block_overdue = excluded.block_overdue, fine_per_day = excluded.fine_per_day,"
	    " updated_at = excluded.updated_at",
	    "issiibii", unit, wd, ye, (int64_t)s->hold_days, (int64_t)s->hold_expiry_days,
	    (int)s->block_overdue, s->fine_per_day, now);
	if (rc >= 0) {
		char detail[160];
		snprintf(detail, sizeof detail,
		         "closed %s, year end %s, hold %d/%d days, block %d, fine %lld", wd, ye, s->hold_days,
		         s->hold_expiry_days, (int)s->block_overdue, (long long)s->fine_per_day);
		rc = audit_write(db, actor, NULL, unit, path, "circ.settings", "unit", unit, detail, NULL,
		                 err);
	}
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int circ_school_year_of(int64_t day)
{
	int y, m, d;
	clock_civil_from_days(day, &y, &m, &d);
	return m >= 8 ? y : y - 1;
}

int circ_closed_list(db_t *db, const actor_t *actor, int64_t unit, int year, arena_t *a, circ_closed_t **out,
                     size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int64_t u;
	int rc = circ_policy_unit(db, actor, unit, &u, err);
	if (rc < 0)
		return rc;
	unit = u;
	if (year < 1900 || year > 2199)
		return err_set(err, ERR_INVALID, "err.circ.year", "%d", year);
	char from[16], to[16];
	snprintf(from, sizeof from, "%04d-08-01", year);
	snprintf(to, sizeof to, "%04d-07-31", year + 1);
	db_stmt_t *st = db_query(db, err,
	                         "SELECT id, unit_id, first_day, last_day, name FROM closed_days"
	                         " WHERE unit_id IN (0, ?) AND first_day <= ? AND last_day >= ?"
	                         " ORDER BY first_day, id",
	                         "iss", unit, to, from);
	if (!st)
		return err->code;
	size_t cap = 0;
	circ_closed_t *v = NULL;
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 32;
			circ_closed_t *w = arena_zalloc(a, cap * sizeof *w);
			if (*n)
				memcpy(w, v, *n * sizeof *w);
			v = w;
		}
		circ_closed_t *c = &v[(*n)++];
		c->id = db_col_int(st, 0);
		c->unit_id = db_col_int(st, 1);
		c->first = arena_strdup(a, db_col_text(st, 2));
		c->last = arena_strdup(a, db_col_text(st, 3));
		c->name = arena_strdup(a, db_col_text(st, 4));
	}
	db_done(st);
	*out = v;
	return rc < 0 ? rc : 0;
}

int circ_closed_add(db_t *db, const actor_t *actor, int64_t unit, int64_t first, int64_t last,
                    const char *name, int64_t *id, err_t *err)
{
	char path[256];
	int rc = writer_check(db, actor, unit, path, sizeof path, err);
	if (rc < 0)
		return rc;
	if (last < first || last - first > 365)
		return err_set(err, ERR_INVALID, "err.circ.range", NULL);
	arena_t *a = arena_new(1024);
	char *nm = text_nfc(a, name ? name : "");
	if (nm)
		text_trim(nm);
	size_t len = nm ? text_length(nm) : 0;
	if (len < 1 || len > 200) {
		arena_free(a);
		return err_set(err, ERR_INVALID, "err.circ.closed_name", NULL);
	}
	char f[16], l[16];
	clock_day_format(first, f, sizeof f);
	clock_day_format(last, l, sizeof l);
	int own;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	rc = db_insert_id(
	    db, id, err,
	    "INSERT INTO closed_days (unit_id, first_day, last_day, name) VALUES (?, ?, ?, ?) RETURNING id",
	    "isss", unit, f, l, nm);
	if (rc >= 0) {
		char detail[300];
		snprintf(detail, sizeof detail, "%s..%s %s", f, l, nm);
		rc = audit_write(db, actor, NULL, unit, path, "circ.closed.add", "closed_day", *id, detail,
		                 NULL, err);
	}
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

int circ_closed_remove(db_t *db, const actor_t *actor, int64_t id, int64_t *unit, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	db_stmt_t *st = db_query(
	    db, err, "SELECT unit_id, first_day, last_day, name FROM closed_days WHERE id = ?", "i", id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	int64_t u = -1;
	char detail[300] = "";
	if (rc == DB_ROW) {
		u = db_col_int(st, 0);
		snprintf(detail, sizeof detail, "%s..%s %s", db_col_text(st, 1), db_col_text(st, 2),
		         db_col_text(st, 3));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (u < 0)
		return err_set(err, ERR_NOTFOUND, "err.circ.closed_notfound", NULL);
	char path[256];
	if ((rc = writer_check(db, actor, u, path, sizeof path, err)) < 0) {
		if (rc == ERR_NOTFOUND)
			err_set(err, ERR_NOTFOUND, "err.circ.closed_notfound", NULL);
		return rc;
	}
	int own;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	rc = db_exec(db, err, "DELETE FROM closed_days WHERE id = ?", "i", id);
	if (rc == 0)
		rc = err_set(err, ERR_NOTFOUND, "err.circ.closed_notfound", NULL);
	if (rc > 0)
		rc = audit_write(db, actor, NULL, u, path, "circ.closed.remove", "closed_day", id, detail,
		                 NULL, err);
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	if (rc == 0 && unit)
		*unit = u;
	return rc;
}
