/* serials.c: periodical titles and their subscriptions: the ISSN and its barcode, the days a
 * frequency expects issues on, creating a title and a year's subscription with its issues, the
 * list of a school year, one title with its issues, and the standard's counts. Receipt, claims
 * and bound volumes are issues.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/text.h"
#include "circ/circ_more.h"
#include "patrons/patrons.h"
#include "serials/serials_int.h"

/* --- pure helpers --------------------------------------------------------------------------- */

static char issn_check(const char *d7)
{
	int sum = 0;
	for (int i = 0; i < 7; i++)
		sum += (d7[i] - '0') * (8 - i);
	int c = (11 - sum % 11) % 11;
	return c == 10 ? 'X' : (char)('0' + c);
}

int serials_issn_normalize(const char *in, char out[10], err_t *err)
{
	out[0] = 0;
	if (!in)
		return 0;
	const char *s = in;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return 0;
	if (strncasecmp(s, "issn", 4) == 0) {
		s += 4;
		while (*s == ' ' || *s == ':')
			s++;
	}
	char d[9];
	size_t n = 0;
	for (; *s; s++) {
		if (*s == '-' || *s == ' ' || *s == '\t')
			continue;
		if (n < 8 && ((*s >= '0' && *s <= '9') || (n == 7 && (*s == 'X' || *s == 'x')))) {
			d[n++] = (char)(*s == 'x' ? 'X' : *s);
			continue;
		}
		return err_set(err, ERR_INVALID, "err.serials.issn", "%.40s", in);
	}
	if (n != 8 || issn_check(d) != d[7])
		return err_set(err, ERR_INVALID, "err.serials.issn", "%.40s", in);
	snprintf(out, 10, "%.4s-%.4s", d, d + 4);
	return 0;
}

int serials_ean_to_issn(const char *code, char out[10])
{
	if (!code || strlen(code) != 13 || strncmp(code, "977", 3) != 0)
		return -1;
	int sum = 0;
	for (int i = 0; i < 13; i++) {
		if (code[i] < '0' || code[i] > '9')
			return -1;
		if (i < 12)
			sum += (code[i] - '0') * (i % 2 ? 3 : 1);
	}
	if ((10 - sum % 10) % 10 != code[12] - '0')
		return -1;
	snprintf(out, 10, "%.4s-%.3s%c", code + 3, code + 7, issn_check(code + 3));
	return 0;
}

int serials_parse_day(const char *s, int64_t *day)
{
	if (!s)
		return -1;
	if (clock_day_parse(s, day) == 0)
		return 0;
	int d, m, y, used = 0;
	if (sscanf(s, "%2d/%2d/%4d%n", &d, &m, &y, &used) != 3 || s[used] || y < 1900 || y > 2200)
		return -1;
	char iso[16];
	snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
	return clock_day_parse(iso, day);
}

static const char *const FREQS[] = { "daily",     "weekly",    "biweekly", "monthly",
	                             "bimonthly", "quarterly", "irregular" };

bool serials_frequency_valid(const char *s)
{
	for (size_t i = 0; s && i < sizeof FREQS / sizeof FREQS[0]; i++)
		if (strcmp(s, FREQS[i]) == 0)
			return true;
	return false;
}

/* The day of month dom of the month m months after (y, m0), clamped to the month's length. */
static int64_t month_step(int y, int m0, int dom, int k)
{
	int mm = m0 - 1 + k;
	int yy = y + mm / 12;
	mm = mm % 12 + 1;
	int64_t next = mm == 12 ? clock_days_from_civil(yy + 1, 1, 1) : clock_days_from_civil(yy, mm + 1, 1);
	int len = (int)(next - clock_days_from_civil(yy, mm, 1));
	return clock_days_from_civil(yy, mm, dom < len ? dom : len);
}

size_t serials_expected_days(const char *frequency, int64_t first, int64_t last, bool sundays, int64_t *out,
                             size_t max)
{
	size_t n = 0;
	if (!frequency || last < first)
		return 0;
#define PUT(d)                                                                                               \
	do {                                                                                                 \
		if (n < max)                                                                                 \
			out[n] = (d);                                                                        \
		n++;                                                                                         \
	} while (0)
	if (strcmp(frequency, "daily") == 0) {
		for (int64_t d = first; d <= last; d++)
			if (sundays || clock_weekday(d) != 0)
				PUT(d);
	} else if (strcmp(frequency, "weekly") == 0 || strcmp(frequency, "biweekly") == 0) {
		int step = frequency[0] == 'w' ? 7 : 14;
		for (int64_t d = first; d <= last; d += step)
			PUT(d);
	} else if (strcmp(frequency, "monthly") == 0 || strcmp(frequency, "bimonthly") == 0 ||
	           strcmp(frequency, "quarterly") == 0) {
		int step = frequency[0] == 'm' ? 1 : frequency[0] == 'b' ? 2 : 3;
		int y, m, dom;
		clock_civil_from_days(first, &y, &m, &dom);
		for (int k = 0;; k += step) {
			int64_t d = month_step(y, m, dom, k);
			if (d > last)
				break;
			PUT(d);
		}
	}
#undef PUT
	return n;
}

/* --- shared steps ----------------------------------------------------------------------------- */

int serials_check_writer(const actor_t *actor, err_t *err)
{
	if (!actor || actor->role != ROLE_LIBRARIAN || strcmp(actor->unit_kind, "school") != 0)
		return err_set(err, ERR_FORBIDDEN, "err.serials.write", NULL);
	return 0;
}

char *serials_clean(arena_t *a, const char *s, size_t max, const char *field, err_t *err)
{
	char *t = text_nfc(a, s ? s : "");
	if (!t) {
		err_set(err, ERR_INVALID, "err.utf8", "%s", field);
		return NULL;
	}
	text_trim(t);
	if (text_length(t) > max) {
		err_set(err, ERR_INVALID, "err.field.long", "%s", field);
		return NULL;
	}
	return t;
}

int serials_day_or_today(const char *s, bool not_future, int64_t *day, err_t *err)
{
	int64_t today = clock_today_vn();
	if (!s || !*s) {
		*day = today;
		return 0;
	}
	if (serials_parse_day(s, day) < 0)
		return err_set(err, ERR_INVALID, "err.serials.day", "%.40s", s);
	if (not_future && *day > today)
		return err_set(err, ERR_INVALID, "err.serials.future", "%.40s", s);
	return 0;
}

int serials_school(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a, serials_school_t *out,
                   err_t *err)
{
	circ_school_t s;
	int rc = circ_school_for(db, actor, unit_id, a, &s, err);
	if (rc < 0)
		return rc;
	out->id = s.id;
	out->code = s.code;
	out->name = s.name;
	return 0;
}

/* A school year "2025-2026" (NULL or "": today's) into out (16 bytes) and its first year. */
static int school_year(const char *in, char out[16], int *y1, err_t *err)
{
	if (!in || !*in) {
		patrons_school_year(clock_today_vn(), out, 16);
		*y1 = atoi(out);
		return 0;
	}
	int a = patrons_school_year_start(in);
	if (a < 0)
		return err_set(err, ERR_INVALID, "err.serials.year", "%.40s", in);
	snprintf(out, 16, "%.9s", in);
	*y1 = a;
	return 0;
}

/* --- titles and subscriptions ------------------------------------------------------------------ */

typedef struct sub_ok {
	char year[16];
	int64_t first, last;
	char start[16], end[16];
	int64_t copies, price;
	const char *supplier, *funding, *note;
	bool sundays;
} sub_ok_t;

static int check_sub(arena_t *a, const serials_sub_in_t *in, sub_ok_t *o, err_t *err)
{
	int y1 = 0, rc;
	memset(o, 0, sizeof *o);
	if ((rc = school_year(in->school_year, o->year, &y1, err)) < 0)
		return rc;
	if (in->start && *in->start) {
		if (serials_parse_day(in->start, &o->first) < 0)
			return err_set(err, ERR_INVALID, "err.serials.day", "%.40s", in->start);
	} else {
		o->first =
		    in->calendar_year ? clock_days_from_civil(y1 + 1, 1, 1) : clock_days_from_civil(y1, 9, 1);
	}
	if (in->end && *in->end) {
		if (serials_parse_day(in->end, &o->last) < 0)
			return err_set(err, ERR_INVALID, "err.serials.day", "%.40s", in->end);
	} else {
		o->last = in->calendar_year ? clock_days_from_civil(y1 + 1, 12, 31)
		                            : clock_days_from_civil(y1 + 1, 5, 31);
	}
	if (o->last < o->first || o->last - o->first > 365)
		return err_set(err, ERR_INVALID, "err.serials.range", NULL);
	clock_day_format(o->first, o->start, sizeof o->start);
	clock_day_format(o->last, o->end, sizeof o->end);
	o->copies = in->copies;
	if (o->copies < 1 || o->copies > SERIALS_MAX_COPIES)
		return err_set(err, ERR_INVALID, "err.serials.copies", "%d", SERIALS_MAX_COPIES);
	if (in->price < 0 || in->price > SERIALS_MAX_PRICE)
		return err_set(err, ERR_INVALID, "err.price", NULL);
	o->price = in->price;
	o->funding = in->funding && *in->funding ? in->funding : "budget";
	if (strcmp(o->funding, "budget") && strcmp(o->funding, "other"))
		return err_set(err, ERR_INVALID, "err.serials.funding", NULL);
	o->supplier = serials_clean(a, in->supplier, 200, "supplier", err);
	o->note = serials_clean(a, in->note, 1000, "note", err);
	if (!o->supplier || !o->note)
		return err->code;
	o->sundays = in->sundays;
	return 0;
}

/* Insert the checked subscription of periodical pid with its expected issues. In the caller's
 * transaction. */
static int insert_sub(db_t *db, const actor_t *actor, int64_t pid, const char *frequency, const sub_ok_t *s,
                      int64_t *sub_id, err_t *err)
{
	int64_t sid = 0;
	int rc = db_insert_id(
	    db, &sid, err,
	    "INSERT INTO subscriptions (unit_id, periodical_id, school_year, start_day, end_day, "
	    "copies, supplier, price, funding, note, created_by, created_at) VALUES (?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    "iisssisissii", actor->unit_id, pid, s->year, s->start, s->end, s->copies, s->supplier, s->price,
	    s->funding, s->note, actor->account_id, clock_now());
	if (rc == ERR_CONFLICT)
		return err_set(err, ERR_CONFLICT, "err.serials.subscribed", "%s", s->year);
	if (rc < 0)
		return rc;
	int64_t days[400];
	size_t n = serials_expected_days(frequency, s->first, s->last, s->sundays, days, 400);
	for (size_t i = 0; i < n && i < 400; i++) {
		char d[16];
		clock_day_format(days[i], d, sizeof d);
		if ((rc = db_exec(
		         db, err,
		         "INSERT INTO serial_issues (unit_id, subscription_id, expected) VALUES (?, ?, ?)",
		         "iis", actor->unit_id, sid, d)) < 0)
			return rc;
	}
	if (sub_id)
		*sub_id = sid;
	char detail[160];
	snprintf(detail, sizeof detail, "%s %s..%s x%lld, %zu issues", s->year, s->start, s->end,
	         (long long)s->copies, n);
	return audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "serials.subscribe",
	                   "periodical", pid, detail, NULL, err);
}

int serials_create(db_t *db, const actor_t *actor, const serials_title_in_t *t, const serials_sub_in_t *sub,
                   int64_t *id, err_t *err)
{
	int rc, own = 0;
	arena_t *a = arena_new(2048);
	sub_ok_t s;
	char issn[10];
	if ((rc = serials_check_writer(actor, err)) < 0)
		goto done;
	char *title = serials_clean(a, t->title, 300, "title", err);
	char *publisher = title ? serials_clean(a, t->publisher, 200, "publisher", err) : NULL;
	if (!title || !publisher) {
		rc = err->code;
		goto done;
	}
	if (!*title) {
		rc = err_set(err, ERR_INVALID, "err.serials.title", NULL);
		goto done;
	}
	if ((rc = serials_issn_normalize(t->issn, issn, err)) < 0)
		goto done;
	const char *kind = t->kind && *t->kind ? t->kind : "newspaper";
	if (strcmp(kind, "newspaper") && strcmp(kind, "magazine")) {
		rc = err_set(err, ERR_INVALID, "err.serials.kind", NULL);
		goto done;
	}
	if (!serials_frequency_valid(t->frequency)) {
		rc = err_set(err, ERR_INVALID, "err.serials.frequency", NULL);
		goto done;
	}
	if (sub && (rc = check_sub(a, sub, &s, err)) < 0)
		goto done;
	const char *fold = text_fold(a, title);
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	int64_t other = 0;
	rc = db_query_int(db, &other, err, "SELECT id FROM periodicals WHERE unit_id = ? AND title_fold = ?",
	                  "is", actor->unit_id, fold);
	if (rc == 0) {
		rc = err_set(err, ERR_CONFLICT, "err.serials.duplicate", "%lld", (long long)other);
		goto fail;
	}
	if (rc == ERR_NOTFOUND && *issn)
		rc =
		    db_query_int(db, &other, err, "SELECT id FROM periodicals WHERE unit_id = ? AND issn = ?",
		                 "is", actor->unit_id, issn);
	if (rc == 0) {
		rc = err_set(err, ERR_CONFLICT, "err.serials.issn_taken", "%s", issn);
		goto fail;
	}
	if (rc != ERR_NOTFOUND)
		goto fail;
	int64_t pid = 0;
	rc = db_insert_id(
	    db, &pid, err,
	    "INSERT INTO periodicals (unit_id, title, title_fold, issn, kind, frequency, publisher, "
	    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    "issssssi", actor->unit_id, title, fold, issn, kind, t->frequency, publisher, clock_now());
	if (rc == ERR_CONFLICT)
		rc = err_set(err, ERR_CONFLICT, "err.serials.duplicate", NULL);
	if (rc < 0)
		goto fail;
	if ((rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "serials.create",
	                      "periodical", pid, text_cut(a, title, 200), NULL, err)) < 0)
		goto fail;
	if (sub)
		rc = insert_sub(db, actor, pid, t->frequency, &s, NULL, err);
	if (rc == 0 && id)
		*id = pid;
fail:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

/* The title id of the librarian's own school: its frequency into freq (16 bytes). Another
 * school's id, or none, is ERR_NOTFOUND. */
static int own_title(db_t *db, const actor_t *actor, int64_t id, char freq[16], err_t *err)
{
	db_stmt_t *st = db_query(db, err, "SELECT unit_id, frequency FROM periodicals WHERE id = ?", "i", id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW && db_col_int(st, 0) == actor->unit_id) {
		snprintf(freq, 16, "%s", db_col_text(st, 1));
		rc = 0;
	} else if (rc >= 0) {
		rc = err_set(err, ERR_NOTFOUND, "err.serials.notfound", NULL);
	}
	db_done(st);
	return rc;
}

int serials_subscribe(db_t *db, const actor_t *actor, int64_t id, const serials_sub_in_t *sub,
                      int64_t *sub_id, err_t *err)
{
	int rc, own = 0;
	arena_t *a = arena_new(1024);
	sub_ok_t s;
	char freq[16];
	if ((rc = serials_check_writer(actor, err)) < 0 || (rc = own_title(db, actor, id, freq, err)) < 0 ||
	    (rc = check_sub(a, sub, &s, err)) < 0)
		goto done;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto done;
	rc = insert_sub(db, actor, id, freq, &s, sub_id, err);
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
done:
	arena_free(a);
	return rc;
}

/* --- reading ------------------------------------------------------------------------------------ */

/* The columns of a title and its year's subscription with the counts of its issues; binds: the
 * school year, today (missing), the unit and the school year (the counted subscriptions, read
 * through their index), then the WHERE's. */
#define ROW_SQL                                                                                              \
	"SELECT p.id, p.title, p.issn, p.kind, p.frequency, p.publisher, COALESCE(p.biblio_id, 0), "         \
	"COALESCE(s.id, 0), s.start_day, s.end_day, s.supplier, s.funding, s.note, COALESCE(s.copies, 0), "  \
	"COALESCE(s.price, 0), COALESCE(k.n, 0), COALESCE(k.r, 0), COALESCE(k.m, 0), COALESCE(k.c, 0), "     \
	"COALESCE(k.rc, 0), p.unit_id FROM periodicals p "                                                   \
	"LEFT JOIN subscriptions s ON s.periodical_id = p.id AND s.school_year = ? "                         \
	"LEFT JOIN (SELECT subscription_id, COUNT(*) AS n, "                                                 \
	"SUM(CASE WHEN received_day IS NOT NULL THEN 1 ELSE 0 END) AS r, "                                   \
	"SUM(CASE WHEN received_day IS NULL AND expected < ? THEN 1 ELSE 0 END) AS m, "                      \
	"SUM(CASE WHEN received_day IS NULL AND claimed_day IS NOT NULL THEN 1 ELSE 0 END) AS c, "           \
	"SUM(copies) AS rc FROM serial_issues WHERE subscription_id IN (SELECT id FROM subscriptions "       \
	"WHERE unit_id = ? AND school_year = ?) GROUP BY subscription_id) k "                                \
	"ON k.subscription_id = s.id "

static const char *col_str(db_stmt_t *st, int c, arena_t *a)
{
	const char *s = db_col_text(st, c);
	return arena_strdup(a, s ? s : "");
}

static void read_row(db_stmt_t *st, arena_t *a, serials_row_t *o)
{
	memset(o, 0, sizeof *o);
	o->id = db_col_int(st, 0);
	o->title = col_str(st, 1, a);
	o->issn = col_str(st, 2, a);
	o->kind = col_str(st, 3, a);
	o->frequency = col_str(st, 4, a);
	o->publisher = col_str(st, 5, a);
	o->biblio_id = db_col_int(st, 6);
	o->sub_id = db_col_int(st, 7);
	o->start = col_str(st, 8, a);
	o->end = col_str(st, 9, a);
	o->supplier = col_str(st, 10, a);
	o->funding = col_str(st, 11, a);
	o->note = col_str(st, 12, a);
	o->copies = db_col_int(st, 13);
	o->price = db_col_int(st, 14);
	o->expected = db_col_int(st, 15);
	o->received = db_col_int(st, 16);
	o->missing = db_col_int(st, 17);
	o->claimed = db_col_int(st, 18);
	o->received_copies = db_col_int(st, 19);
	o->upcoming = o->expected - o->received - o->missing;
}

int serials_list(db_t *db, const actor_t *actor, int64_t unit_id, const char *year, const char *q,
                 int64_t today, arena_t *a, serials_list_t *out, err_t *err)
{
	int rc, y1;
	char yr[16], td[16];
	memset(out, 0, sizeof *out);
	if ((rc = serials_school(db, actor, unit_id, a, &out->school, err)) < 0 ||
	    (rc = school_year(year, yr, &y1, err)) < 0)
		return rc;
	out->school_year = arena_strdup(a, yr);
	clock_day_format(today ? today : clock_today_vn(), td, sizeof td);
	const char *qf = NULL;
	if (q && *q) {
		if (strlen(q) > 200)
			return err_set(err, ERR_INVALID, "err.field.long", "q");
		qf = text_fold(a, q);
		if (qf && !*qf)
			qf = NULL;
	}
	db_stmt_t *st =
	    db_query(db, err,
	             ROW_SQL "WHERE p.unit_id = ? AND p.active = 1 AND (CAST(? AS TEXT) IS NULL OR "
	                     "p.title_fold LIKE '%' || ? || '%' OR p.issn LIKE '%' || ? || '%') "
	                     "ORDER BY p.title_fold, p.id",
	             "ssisisss", yr, td, out->school.id, yr, out->school.id, qf, qf, qf);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->v = arena_grow(a, out->v, out->n, &cap, 16, sizeof *out->v);
		read_row(st, a, &out->v[out->n++]);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int serials_get(db_t *db, const actor_t *actor, int64_t id, const char *year, int64_t today, arena_t *a,
                serials_title_t *out, err_t *err)
{
	int rc, y1;
	char yr[16], td[16];
	memset(out, 0, sizeof *out);
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	int64_t unit = 0;
	{
		db_stmt_t *st =
		    db_query(db, err,
		             "SELECT p.unit_id, u.path FROM periodicals p JOIN units u ON u.id = p.unit_id "
		             "WHERE p.id = ?",
		             "i", id);
		if (!st)
			return err->code;
		rc = db_step(st, err);
		if (rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 1)))
			unit = db_col_int(st, 0);
		db_done(st);
		if (rc < 0)
			return rc;
		if (!unit)
			return err_set(err, ERR_NOTFOUND, "err.serials.notfound", NULL);
	}
	if ((rc = serials_school(db, actor, unit, a, &out->school, err)) < 0)
		return rc;
	/* The years subscribed, newest first ("2026-2027" sorts after "2025-2026" as text). */
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT school_year FROM subscriptions WHERE periodical_id = ? ORDER BY school_year "
	             "DESC",
	             "i", id);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->years = arena_grow(a, out->years, out->nyears, &cap, 8, sizeof *out->years);
		out->years[out->nyears++] = col_str(st, 0, a);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (year && *year) {
		if ((rc = school_year(year, yr, &y1, err)) < 0)
			return rc;
	} else {
		/* This school year when subscribed, else the newest subscription. */
		school_year(NULL, yr, &y1, err);
		bool found = false;
		for (size_t i = 0; i < out->nyears && !found; i++)
			found = strcmp(out->years[i], yr) == 0;
		if (!found && out->nyears)
			snprintf(yr, sizeof yr, "%s", out->years[0]);
	}
	out->school_year = arena_strdup(a, yr);
	clock_day_format(today ? today : clock_today_vn(), td, sizeof td);
	st = db_query(db, err, ROW_SQL "WHERE p.id = ?", "ssisi", yr, td, unit, yr, id);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	if (rc == DB_ROW)
		read_row(st, a, &out->t);
	db_done(st);
	if (rc < 0)
		return rc;
	st = db_query(
	    db, err,
	    "SELECT it.id, it.accession, it.barcode, MIN(i.expected), MAX(i.expected), COUNT(*) FROM "
	    "serial_issues i JOIN subscriptions s ON s.id = i.subscription_id JOIN items it ON it.id = "
	    "i.bound_item_id WHERE s.periodical_id = ? GROUP BY it.id, it.accession, it.barcode "
	    "ORDER BY MIN(i.expected), it.id",
	    "i", id);
	if (!st)
		return err->code;
	cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->bound = arena_grow(a, out->bound, out->nbound, &cap, 8, sizeof *out->bound);
		struct serials_bound *b = &out->bound[out->nbound++];
		b->item_id = db_col_int(st, 0);
		b->accession = col_str(st, 1, a);
		b->barcode = col_str(st, 2, a);
		b->first = col_str(st, 3, a);
		b->last = col_str(st, 4, a);
		b->issues = db_col_int(st, 5);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (!out->t.sub_id)
		return 0;
	st = db_query(
	    db, err,
	    "SELECT id, subscription_id, expected, label, received_day, copies, claimed_day, claim_note, "
	    "COALESCE(bound_item_id, 0) FROM serial_issues WHERE subscription_id = ? ORDER BY expected, id",
	    "i", out->t.sub_id);
	if (!st)
		return err->code;
	cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->issues = arena_grow(a, out->issues, out->nissues, &cap, 64, sizeof *out->issues);
		serials_issue_t *i = &out->issues[out->nissues++];
		i->id = db_col_int(st, 0);
		i->sub_id = db_col_int(st, 1);
		i->expected = col_str(st, 2, a);
		i->label = col_str(st, 3, a);
		i->received_day = arena_strdup(a, db_col_text(st, 4));
		i->copies = db_col_int(st, 5);
		i->claimed_day = arena_strdup(a, db_col_text(st, 6));
		i->claim_note = col_str(st, 7, a);
		i->bound_item_id = db_col_int(st, 8);
		i->state = i->received_day               ? "received"
		           : strcmp(i->expected, td) < 0 ? "missing"
		                                         : "upcoming";
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int serials_counts(db_t *db, const actor_t *actor, int64_t unit_id, const char *year, arena_t *a,
                   serials_counts_t *out, err_t *err)
{
	int rc, y1;
	char yr[16];
	serials_school_t school;
	memset(out, 0, sizeof *out);
	if ((rc = serials_school(db, actor, unit_id, a, &school, err)) < 0 ||
	    (rc = school_year(year, yr, &y1, err)) < 0)
		return rc;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT p.id, p.title, p.kind, s.copies FROM subscriptions s JOIN periodicals p ON "
	             "p.id = s.periodical_id WHERE s.unit_id = ? AND s.school_year = ? "
	             "ORDER BY p.title_fold, p.id",
	             "is", school.id, yr);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->per_title = arena_grow(a, out->per_title, out->n, &cap, 16, sizeof *out->per_title);
		out->per_title[out->n].id = db_col_int(st, 0);
		out->per_title[out->n].title = col_str(st, 1, a);
		out->per_title[out->n].copies = db_col_int(st, 3);
		out->copies += db_col_int(st, 3);
		if (strcmp(db_col_text(st, 2), "magazine") == 0)
			out->magazines++;
		else
			out->newspapers++;
		out->n++;
	}
	db_done(st);
	out->titles = (int64_t)out->n;
	return rc < 0 ? rc : 0;
}
