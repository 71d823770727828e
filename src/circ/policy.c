/* policy.c: loan rules, circulation settings, closed days and due dates (policy.h). */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "circ/policy.h"

int circ_rule_get(db_t *db, int64_t unit_id, const char *patron_kind, const char *doc_type, circ_rule_t *out,
                  err_t *err)
{
	memset(out, 0, sizeof *out);
	/* The school's row before the default's (unit_id DESC), the type's before '*'. */
	db_stmt_t *st = db_query(db, err,
	                         "SELECT max_items, loan_days, renewals, holds_allowed, unit_id FROM loan_rules"
	                         " WHERE unit_id IN (?, 0) AND patron_kind = ? AND doc_type IN (?, '*')"
	                         " ORDER BY unit_id DESC, CASE WHEN doc_type = '*' THEN 1 ELSE 0 END LIMIT 1",
	                         "iss", unit_id, patron_kind, doc_type);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
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
		out->fine_per_day = db_col_int(st, 5);
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
