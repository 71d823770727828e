/* patrons.c: the reader record (patrons.h): checks and normalisation shared with the class-list
 * import, create, edit, get, list, classes, status changes and photos.
 *
 * Every read joins the reader's unit and tests its path against the actor's subtree, so another
 * school's reader is "not found"; every write is the librarian's of the reader's own school. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "accounts/auth.h"
#include "audit/audit.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/text.h"
#include "patrons/patrons.h"
#include "patrons/patrons_int.h"

int patrons_check_writer(const actor_t *actor, err_t *err)
{
	if (!actor || actor->role != ROLE_LIBRARIAN || strcmp(actor->unit_kind, "school") != 0)
		return err_set(err, ERR_FORBIDDEN, "err.patron.write", NULL);
	return 0;
}

int patrons_check_reader(const actor_t *actor, err_t *err)
{
	if (!actor || actor->role == ROLE_READER)
		return err_set(err, ERR_FORBIDDEN, "err.forbidden", NULL);
	return 0;
}

int patrons_grade_of_class(const char *s)
{
	if (!s)
		return 0;
	/* The number the name starts with, or the one after a leading word ("Lớp 7/3"). */
	const char *p = s;
	if (!isdigit((unsigned char)*p)) {
		const char *sp = strchr(s, ' ');
		if (!sp || sp - s > 12)
			return 0;
		p = sp + 1;
		while (*p == ' ')
			p++;
	}
	if (!isdigit((unsigned char)*p))
		return 0;
	int g = 0;
	while (isdigit((unsigned char)*p) && g < 100)
		g = g * 10 + (*p++ - '0');
	return g >= 1 && g <= 12 ? g : 0;
}

void patrons_school_year(int64_t day, char *out, size_t n)
{
	int y, m, d;
	clock_civil_from_days(day, &y, &m, &d);
	if (m < 8)
		y--;
	snprintf(out, n, "%d-%d", y, y + 1);
}

int patrons_school_year_start(const char *s)
{
	if (!s || strlen(s) != 9 || s[4] != '-')
		return -1;
	for (int i = 0; i < 9; i++)
		if (i != 4 && !isdigit((unsigned char)s[i]))
			return -1;
	int y1 = atoi(s), y2 = atoi(s + 5);
	return y1 >= 1900 && y1 < 2200 && y2 == y1 + 1 ? y1 : -1;
}

/* --- checking one reader ------------------------------------------------------------------------- */

/* 1 to max printable ASCII characters without spaces (a code printed as a barcode). */
static bool code_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n < 1 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* s trimmed and NFC (NULL: ""); NULL when not UTF-8. */
static char *clean(arena_t *a, const char *s)
{
	char *t = text_nfc(a, s ? s : "");
	return t ? text_trim(t) : NULL;
}

int patrons_parse_date(arena_t *a, const char *s, const char **out)
{
	*out = NULL;
	if (!s || !*s)
		return 0;
	int64_t days;
	if (clock_day_parse(s, &days) == 0) {
		*out = arena_strdup(a, s);
		return 0;
	}
	/* An Excel serial date left as a number (a cell without a date format). */
	if (strspn(s, "0123456789") == strlen(s) && strlen(s) == 5) {
		long v = strtol(s, NULL, 10);
		days = clock_days_from_civil(1899, 12, 30) + v;
	} else {
		int d, m, y;
		char s1, s2, extra;
		if (sscanf(s, "%2d%c%2d%c%4d%c", &d, &s1, &m, &s2, &y, &extra) != 5 || s1 != s2 ||
		    (s1 != '/' && s1 != '-' && s1 != '.') || y < 1900)
			return -1;
		char iso[32];
		snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
		if (clock_day_parse(iso, &days) < 0)
			return -1;
	}
	char iso[32];
	clock_day_format(days, iso, sizeof iso);
	if (clock_day_parse(iso, NULL) < 0)
		return -1;
	*out = arena_strdup(a, iso);
	return 0;
}

/* A folded word among a NULL-terminated list. */
static bool among(const char *f, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(f, *list))
			return true;
	return false;
}

int patrons_parse_gender(arena_t *a, const char *s, const char **out)
{
	static const char *const m[] = { "nam", "m", "male", "trai", NULL };
	static const char *const f[] = { "nu", "f", "female", "gai", NULL };
	const char *x = text_fold(a, s ? s : "");
	if (!x)
		return -1;
	*out = !*x ? "" : among(x, m) ? "M" : among(x, f) ? "F" : NULL;
	return *out ? 0 : -1;
}

int patrons_parse_kind(arena_t *a, const char *s, const char **out)
{
	static const char *const st[] = { "student", "hoc sinh", "hs", "hoc vien", NULL };
	static const char *const te[] = { "teacher", "giao vien", "gv", NULL };
	static const char *const sf[] = { "staff", "nhan vien", "nv", "can bo", "can bo nhan vien", NULL };
	const char *x = text_fold(a, s ? s : "");
	if (!x)
		return -1;
	*out = !*x || among(x, st) ? "student" : among(x, te) ? "teacher" : among(x, sf) ? "staff" : NULL;
	return *out ? 0 : -1;
}

int patrons_prepare(arena_t *a, const patron_t *in, patron_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	out->id = in->id;
	out->unit_id = in->unit_id;
	char *name = clean(a, in->full_name), *code = clean(a, in->code), *sc = clean(a, in->student_code),
	     *nid = clean(a, in->national_id), *cls = clean(a, in->class_name),
	     *year = clean(a, in->school_year), *phone = clean(a, in->phone), *email = clean(a, in->email),
	     *note = clean(a, in->note), *birth = clean(a, in->birth_date);
	if (!name || !code || !sc || !nid || !cls || !year || !phone || !email || !note || !birth)
		return err_set(err, ERR_INVALID, "err.utf8", NULL);
	/* Runs of spaces inside a name are one (lists pasted from Word have two). */
	char *w = name;
	for (const char *r = name; *r; r++)
		if (!(*r == ' ' && (w == name || w[-1] == ' ')))
			*w++ = *r == '\t' ? ' ' : *r;
	*w = 0;
	if (!*name)
		return err_set(err, ERR_INVALID, "err.patron.name", NULL);
	if (text_length(name) > 120)
		return err_set(err, ERR_INVALID, "err.field.long", "full_name");
	if (patrons_parse_kind(a, in->kind, &out->kind) < 0)
		return err_set(err, ERR_INVALID, "err.patron.kind", "%s", text_cut(a, in->kind, 40));
	if (*sc && !code_ok(sc, 40))
		return err_set(err, ERR_INVALID, "err.patron.student_code", "%s", text_cut(a, sc, 40));
	if (!*code)
		code = sc;
	if (*code && !code_ok(code, 32))
		return err_set(err, ERR_INVALID, "err.patron.code", "%s", text_cut(a, code, 40));
	if (*nid && (!code_ok(nid, 20) || strspn(nid, "0123456789") != strlen(nid)))
		return err_set(err, ERR_INVALID, "err.patron.national_id", "%s", text_cut(a, nid, 40));
	if (text_length(cls) > 20)
		return err_set(err, ERR_INVALID, "err.field.long", "class_name");
	bool student = !strcmp(out->kind, "student");
	if (student && !*cls)
		return err_set(err, ERR_INVALID, "err.patron.class", NULL);
	int grade = in->grade;
	if (student && !grade)
		grade = patrons_grade_of_class(cls);
	if (!student)
		grade = 0;
	if (grade < 0 || grade > 12 || (student && !grade))
		return err_set(err, ERR_INVALID, "err.patron.grade", "%s", cls);
	if (*year) {
		int y1, y2;
		char extra;
		if (sscanf(year, "%4d-%4d%c", &y1, &y2, &extra) != 2 || y1 < 1990 || y2 != y1 + 1)
			return err_set(err, ERR_INVALID, "err.patron.school_year", "%s",
			               text_cut(a, year, 20));
	} else if (student) {
		char buf[16];
		patrons_school_year(clock_today_vn(), buf, sizeof buf);
		year = arena_strdup(a, buf);
	}
	if (patrons_parse_gender(a, in->gender, &out->gender) < 0)
		return err_set(err, ERR_INVALID, "err.patron.gender", "%s", text_cut(a, in->gender, 20));
	if (patrons_parse_date(a, birth, &out->birth_date) < 0)
		return err_set(err, ERR_INVALID, "err.patron.birth_date", "%s", text_cut(a, birth, 20));
	int64_t born = 0;
	if (out->birth_date && (clock_day_parse(out->birth_date, &born) < 0 ||
	                        strcmp(out->birth_date, "1920-01-01") < 0 || born > clock_today_vn()))
		return err_set(err, ERR_INVALID, "err.patron.birth_date", "%s", text_cut(a, birth, 20));
	if (text_length(phone) > 20 || strspn(phone, "0123456789 +.-()") != strlen(phone))
		return err_set(err, ERR_INVALID, "err.patron.phone", "%s", text_cut(a, phone, 30));
	if (strlen(email) > 100 || (*email && (!strchr(email, '@') || strchr(email, ' '))))
		return err_set(err, ERR_INVALID, "err.patron.email", "%s", text_cut(a, email, 100));
	if (text_length(note) > 1000)
		return err_set(err, ERR_INVALID, "err.field.long", "note");
	out->full_name = name;
	out->code = code;
	out->student_code = sc;
	out->national_id = *nid ? nid : NULL;
	out->class_name = cls;
	out->grade = grade;
	out->school_year = year;
	out->phone = phone;
	out->email = email;
	out->note = note;
	out->status = in->status ? in->status : "active";
	out->status_note = in->status_note ? in->status_note : "";
	return 0;
}

/* --- reading ------------------------------------------------------------------------------------- */

void patrons_read_row(db_stmt_t *st, arena_t *a, patron_t *p)
{
	memset(p, 0, sizeof *p);
	p->id = db_col_int(st, 0);
	p->unit_id = db_col_int(st, 1);
	p->code = arena_strdup(a, db_col_text(st, 2));
	p->student_code = arena_strdup(a, db_col_text(st, 3));
	p->national_id = db_col_null(st, 4) ? NULL : arena_strdup(a, db_col_text(st, 4));
	p->full_name = arena_strdup(a, db_col_text(st, 5));
	p->kind = arena_strdup(a, db_col_text(st, 6));
	p->class_name = arena_strdup(a, db_col_text(st, 7));
	p->grade = (int)db_col_int(st, 8);
	p->school_year = arena_strdup(a, db_col_text(st, 9));
	p->gender = arena_strdup(a, db_col_text(st, 10));
	p->birth_date = db_col_null(st, 11) ? NULL : arena_strdup(a, db_col_text(st, 11));
	p->phone = arena_strdup(a, db_col_text(st, 12));
	p->email = arena_strdup(a, db_col_text(st, 13));
	p->status = arena_strdup(a, db_col_text(st, 14));
	p->status_note = arena_strdup(a, db_col_text(st, 15));
	p->note = arena_strdup(a, db_col_text(st, 16));
	p->account_id = db_col_int(st, 17);
	p->created_at = db_col_int(st, 18);
	p->version = db_col_int(st, 19);
	p->unit_code = arena_strdup(a, db_col_text(st, 20));
	p->hide_history = db_col_int(st, 21) != 0;
}

/* The reader id if the actor sees it (and, for a write, it is of the actor's own school). */
static int load(db_t *db, const actor_t *actor, int64_t id, bool write, arena_t *a, patron_t *out, err_t *err)
{
	int rc = write ? patrons_check_writer(actor, err) : patrons_check_reader(actor, err);
	if (rc < 0)
		return rc;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT " PATRON_COLS " , u.path FROM patrons p "
	                         "JOIN units u ON u.id = p.unit_id WHERE p.id = ?",
	                         "i", id);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	bool ok = rc == DB_ROW && actor_sees_path(actor, db_col_text(st, 22));
	if (ok)
		patrons_read_row(st, a, out);
	db_done(st);
	if (rc < 0)
		return rc;
	if (!ok || (write && out->unit_id != actor->unit_id))
		return err_set(err, ERR_NOTFOUND, "err.patron.notfound", NULL);
	return 0;
}

int patrons_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, patron_t *out, err_t *err)
{
	int rc = load(db, actor, id, false, a, out, err);
	if (rc < 0)
		return rc;
	int64_t n = 0;
	if ((rc = db_query_int(db, &n, err, "SELECT COUNT(*) FROM patron_photos WHERE patron_id = ?", "i",
	                       id)) < 0)
		return rc;
	out->has_photo = n > 0;
	if ((rc = db_query_int(db, &out->open_loans, err,
	                       "SELECT COUNT(*) FROM loans WHERE patron_id = ? AND returned_at IS NULL", "i",
	                       id)) < 0)
		return rc;
	return 0;
}

int patrons_get_by_code(db_t *db, const actor_t *actor, const char *code, arena_t *a, patron_t *out,
                        err_t *err)
{
	int rc = patrons_check_reader(actor, err);
	if (rc < 0)
		return rc;
	char *c = text_trim(arena_strdup(a, code ? code : ""));
	int64_t id = 0;
	rc = db_query_int(db, &id, err, "SELECT id FROM patrons WHERE unit_id = ? AND code = ?", "is",
	                  actor->unit_id, c);
	if (rc == ERR_NOTFOUND)
		return err_set(err, ERR_NOTFOUND, "err.patron.notfound", NULL);
	if (rc < 0)
		return rc;
	return patrons_get(db, actor, id, a, out, err);
}

/* --- writing ------------------------------------------------------------------------------------- */

/* Is one of the reader's unique keys taken by another reader (other than self)? */
static int check_unique(db_t *db, int64_t unit, const patron_t *p, int64_t self, err_t *err)
{
	int64_t n = 0;
	int rc;
	if ((rc = db_query_int(db, &n, err,
	                       "SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND code = ? AND id <> ?",
	                       "isi", unit, p->code, self)) < 0)
		return rc;
	if (n)
		return err_set(err, ERR_CONFLICT, "err.patron.code_taken", "%s", p->code);
	if (*p->student_code) {
		if ((rc = db_query_int(
		         db, &n, err,
		         "SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND student_code = ? AND id <> ?",
		         "isi", unit, p->student_code, self)) < 0)
			return rc;
		if (n)
			return err_set(err, ERR_CONFLICT, "err.patron.student_code_taken", "%s",
			               p->student_code);
	}
	if (p->national_id) {
		if ((rc = db_query_int(db, &n, err,
		                       "SELECT COUNT(*) FROM patrons WHERE national_id = ? AND id <> ?", "si",
		                       p->national_id, self)) < 0)
			return rc;
		if (n) /* anywhere in the city: say nothing of where */
			return err_set(err, ERR_CONFLICT, "err.patron.national_id_taken", NULL);
	}
	return 0;
}

int patrons_next_code(db_t *db, int64_t unit, arena_t *a, const char **out, err_t *err)
{
	int64_t n = 0;
	int rc = db_query_int(db, &n, err, "SELECT COUNT(*) FROM patrons WHERE unit_id = ?", "i", unit);
	for (int tries = 0; rc == 0 && tries < 1000; tries++) {
		const char *c = arena_printf(a, "BD%06lld", (long long)(n + 1 + tries));
		int64_t taken = 0;
		if ((rc = db_query_int(db, &taken, err,
		                       "SELECT COUNT(*) FROM patrons WHERE unit_id = ? AND code = ?", "is",
		                       unit, c)) < 0)
			return rc;
		if (!taken) {
			*out = c;
			return 0;
		}
	}
	return rc < 0 ? rc : err_set(err, ERR_INTERNAL, "err.internal", "no free code");
}

int patrons_insert(db_t *db, int64_t unit, const patron_t *p, arena_t *a, int64_t now, int64_t *id,
                   err_t *err)
{
	const char *fold = text_fold(a, p->full_name);
	return db_insert_id(
	    db, id, err,
	    "INSERT INTO patrons (unit_id, code, student_code, national_id, full_name, name_fold, kind, "
	    "class_name, grade, school_year, gender, birth_date, phone, email, status, status_note, "
	    "note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, "
	    "?, 'active', '', ?, ?, ?) RETURNING id",
	    "isssssssissssssii", unit, p->code, p->student_code, p->national_id, p->full_name, fold, p->kind,
	    p->class_name, (int64_t)p->grade, p->school_year, p->gender, p->birth_date, p->phone, p->email,
	    p->note ? p->note : "", now, now);
}

int patrons_create(db_t *db, const actor_t *actor, const patron_t *in, arena_t *a, int64_t *id, err_t *err)
{
	patron_t p;
	int rc, own = 0;
	if ((rc = patrons_check_writer(actor, err)) < 0 || (rc = patrons_prepare(a, in, &p, err)) < 0)
		return rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	if (!*p.code && (rc = patrons_next_code(db, actor->unit_id, a, &p.code, err)) < 0)
		goto done;
	if ((rc = check_unique(db, actor->unit_id, &p, 0, err)) < 0)
		goto done;
	if ((rc = patrons_insert(db, actor->unit_id, &p, a, clock_now(), id, err)) < 0)
		goto done;
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "patron.create", "patron", *id,
	                 arena_printf(a, "code=%s; kind=%s; class=%s", p.code, p.kind, p.class_name), NULL,
	                 err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

void patrons_diff(arena_t *a, buf_t *b, const patron_t *o, const patron_t *n, bool all)
{
	audit_change(a, b, "full_name", o->full_name, n->full_name);
	audit_change(a, b, "class_name", o->class_name, n->class_name);
	if (o->grade != n->grade)
		buf_printf(b, "%sgrade: %d -> %d", b->len ? "; " : "", o->grade, n->grade);
	audit_change(a, b, "kind", o->kind, n->kind);
	audit_change(a, b, "birth_date", o->birth_date, n->birth_date);
	audit_change(a, b, "gender", o->gender, n->gender);
	audit_change(a, b, "student_code", o->student_code, n->student_code);
	audit_change(a, b, "national_id", o->national_id, n->national_id);
	audit_change(a, b, "code", o->code, n->code);
	audit_change(a, b, "phone", o->phone, n->phone);
	audit_change(a, b, "email", o->email, n->email);
	if (all) {
		audit_change(a, b, "school_year", o->school_year, n->school_year);
		audit_change(a, b, "note", o->note, n->note);
	}
}

int patrons_write(db_t *db, const patron_t *p, int64_t id, int64_t version, int64_t now, arena_t *a,
                  err_t *err)
{
	return db_exec(
	    db, err,
	    "UPDATE patrons SET code = ?, student_code = ?, national_id = ?, full_name = ?, name_fold = ?, "
	    "kind = ?, class_name = ?, grade = NULLIF(?, 0), school_year = ?, gender = ?, birth_date = ?, "
	    "phone = ?, email = ?, note = ?, updated_at = ? WHERE id = ? AND updated_at = ?",
	    "sssssssissssssiii", p->code, p->student_code, p->national_id, p->full_name,
	    text_fold(a, p->full_name), p->kind, p->class_name, (int64_t)p->grade, p->school_year, p->gender,
	    p->birth_date, p->phone, p->email, p->note ? p->note : "", now, id, version);
}

int patrons_update(db_t *db, const actor_t *actor, int64_t id, int64_t version, const patron_t *in,
                   arena_t *a, const char **changes, err_t *err)
{
	patron_t old, p;
	int rc, own = 0;
	if (changes)
		*changes = "";
	if ((rc = load(db, actor, id, true, a, &old, err)) < 0)
		return rc;
	if (version != old.version)
		return err_set(err, ERR_CONFLICT, "err.patron.stale", NULL);
	if ((rc = patrons_prepare(a, in, &p, err)) < 0)
		return rc;
	if (!*p.code)
		p.code = old.code; /* a card keeps its number when the student code is cleared */
	buf_t ch = BUF_INIT;
	patrons_diff(a, &ch, &old, &p, true);
	const char *what = arena_strdup(a, buf_str(&ch));
	buf_release(&ch);
	if (changes)
		*changes = what;
	if (!*what)
		return 0;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	if ((rc = check_unique(db, old.unit_id, &p, id, err)) < 0)
		goto done;
	int64_t now = clock_now(), v = now > old.version ? now : old.version + 1;
	rc = patrons_write(db, &p, id, old.version, v, a, err);
	if (rc == 0) {
		rc = err_set(err, ERR_CONFLICT, "err.patron.stale", NULL);
		goto done;
	}
	if (rc < 0)
		goto done;
	rc = audit_write(db, actor, NULL, old.unit_id, actor->unit_path, "patron.edit", "patron", id,
	                 text_cut(a, what, 2000), NULL, err);
done:
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

int patrons_set_status(db_t *db, const actor_t *actor, int64_t id, const char *status, const char *reason,
                       arena_t *a, err_t *err)
{
	patron_t old;
	int rc, own = 0;
	if ((rc = load(db, actor, id, true, a, &old, err)) < 0)
		return rc;
	status = status ? status : "";
	if (strcmp(status, "blocked") && strcmp(status, "active") && strcmp(status, "left"))
		return err_set(err, ERR_INVALID, "err.patron.status", "%s", text_cut(a, status, 20));
	char *why = clean(a, reason);
	if (!why)
		return err_set(err, ERR_INVALID, "err.utf8", NULL);
	if (!strcmp(status, "blocked") && !*why)
		return err_set(err, ERR_INVALID, "err.patron.reason", NULL);
	if (text_length(why) > 500)
		return err_set(err, ERR_INVALID, "err.field.long", "reason");
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	int64_t now = clock_now(), v = now > old.version ? now : old.version + 1;
	rc = db_exec(db, err, "UPDATE patrons SET status = ?, status_note = ?, updated_at = ? WHERE id = ?",
	             "ssii", status, why, v, id);
	if (rc < 0)
		goto done;
	rc = audit_write(db, actor, NULL, old.unit_id, actor->unit_path, "patron.status", "patron", id,
	                 arena_printf(a, "%s -> %s; %s", old.status, status, text_cut(a, why, 500)), NULL,
	                 err);
done:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	/* A reader who left cannot log in (auth.c reads the status with the session): forget the
	 * cached sessions so that takes effect at once. */
	if (rc == 0 && (!strcmp(status, "left") || !strcmp(old.status, "left")))
		auth_invalidate();
	return rc;
}

int patrons_set_hide_history(db_t *db, const actor_t *actor, int64_t id, bool hide, arena_t *a, err_t *err)
{
	patron_t old;
	int rc, own = 0;
	if ((rc = load(db, actor, id, true, a, &old, err)) < 0)
		return rc;
	if (old.hide_history == hide)
		return 0;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	int64_t now = clock_now(), v = now > old.version ? now : old.version + 1;
	rc = db_exec(db, err, "UPDATE patrons SET hide_history = ?, updated_at = ? WHERE id = ?", "bii", hide, v,
	             id);
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, old.unit_id, actor->unit_path, "patron.privacy", "patron", id,
		                 hide ? "reading history hidden" : "reading history shown", NULL, err);
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

/* --- lists --------------------------------------------------------------------------------------- */

/* The filters of the list, shared by the count and the page. */
#define LIST_WHERE                                                                                           \
	"FROM patrons p JOIN units u ON u.id = p.unit_id WHERE u.path >= ? AND u.path < ? "                  \
	"AND (? = 0 OR p.unit_id = ?) "                                                                      \
	"AND (CAST(? AS TEXT) IS NULL OR p.class_name = ?) AND (CAST(? AS TEXT) IS NULL OR p.kind = ?) "     \
	"AND (CAST(? AS TEXT) IS NULL OR p.status = ?) "                                                     \
	"AND ((' ' || p.name_fold LIKE ? AND ' ' || p.name_fold LIKE ? AND ' ' || p.name_fold LIKE ?) "      \
	"OR p.code = ? OR p.student_code = ?) "

int patrons_list(db_t *db, const actor_t *actor, const patron_query_t *q, arena_t *a, patron_t **out,
                 size_t *n, int64_t *total, err_t *err)
{
	*out = NULL;
	*n = 0;
	*total = 0;
	int rc = patrons_check_reader(actor, err);
	if (rc < 0)
		return rc;
	/* Up to three words of the folded query, each the start of a word of the name; the query is
	 * cut at every character other than a-z and 0-9, so no LIKE wildcard reaches the pattern. */
	const char *w[3] = { "%", "%", "%" };
	const char *raw = q->q && *q->q ? text_trim(arena_strdup(a, q->q)) : "";
	const char *code = *raw ? raw : NULL;
	if (*raw) {
		char *f = text_fold(a, raw);
		if (!f)
			return err_set(err, ERR_INVALID, "err.utf8", NULL);
		int k = 0;
		for (char *p = f; *p && k < 3;) {
			while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
				p++;
			char *s = p;
			while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
				p++;
			if (p > s)
				w[k++] = arena_printf(a, "%% %.*s%%", (int)(p - s), s);
		}
		if (!k)
			w[0] = "\x01"; /* nothing to match by name: only a code can */
	}
	const char *cls = q->class_name && *q->class_name ? q->class_name : NULL;
	const char *kind = q->kind && *q->kind ? q->kind : NULL,
	           *status = q->status && *q->status ? q->status : NULL;
	const char *end = actor_path_end(a, actor->unit_path);
	int64_t unit = q->unit_id;
	int per = q->per_page > 0 && q->per_page <= 500 ? q->per_page : 50, page = q->page > 0 ? q->page : 1;
	if (page > 100000)
		page = 100000;
	db_stmt_t *st = db_query(db, err, "SELECT COUNT(*) " LIST_WHERE, "ssiisssssssssss", actor->unit_path,
	                         end, unit, unit, cls, cls, kind, kind, status, status, w[0], w[1], w[2],
	                         code ? code : "\x01", code ? code : "\x01");
	if (!st)
		return err->code;
	if ((rc = db_step(st, err)) == DB_ROW)
		*total = db_col_int(st, 0);
	db_done(st);
	if (rc < 0)
		return rc;
	st = db_query(
	    db, err,
	    "SELECT " PATRON_COLS " " LIST_WHERE
	    "ORDER BY u.code, COALESCE(p.grade, 0), p.class_name, p.name_fold, p.id LIMIT ? OFFSET ?",
	    "ssiisssssssssssii", actor->unit_path, end, unit, unit, cls, cls, kind, kind, status, status,
	    w[0], w[1], w[2], code ? code : "\x01", code ? code : "\x01", (int64_t)per,
	    (int64_t)(page - 1) * per);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 16, sizeof **out);
		patrons_read_row(st, a, &(*out)[(*n)++]);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int patrons_classes(db_t *db, const actor_t *actor, arena_t *a, patron_class_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int rc = patrons_check_reader(actor, err);
	if (rc < 0)
		return rc;
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT class_name, COALESCE(MAX(grade), 0), COUNT(*) FROM patrons WHERE unit_id = ? "
	             "AND kind = 'student' AND status IN ('active', 'blocked') AND class_name <> '' "
	             "GROUP BY class_name ORDER BY COALESCE(MAX(grade), 0), class_name",
	             "i", actor->unit_id);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 16, sizeof **out);
		(*out)[(*n)++] = (patron_class_t){ .class_name = arena_strdup(a, db_col_text(st, 0)),
			                           .grade = (int)db_col_int(st, 1),
			                           .count = db_col_int(st, 2) };
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* --- photos -------------------------------------------------------------------------------------- */

static const char *photo_mime(const unsigned char *b, size_t n)
{
	if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	return NULL;
}

int patrons_photo_put(db_t *db, const actor_t *actor, int64_t id, const void *bytes, size_t len, err_t *err)
{
	arena_t *a = arena_new(4096);
	patron_t old;
	int rc, own = 0;
	char *b64 = NULL;
	if ((rc = load(db, actor, id, true, a, &old, err)) < 0)
		goto out;
	if (!len) {
		rc = err_set(err, ERR_INVALID, "err.photo.none_given", NULL);
		goto out;
	}
	if (len > PATRONS_PHOTO_MAX) {
		rc = err_set(err, ERR_TOOBIG, "err.photo.too_big", NULL);
		goto out;
	}
	const char *mime = photo_mime(bytes, len);
	if (!mime) {
		rc = err_set(err, ERR_INVALID, "err.photo.type", NULL);
		goto out;
	}
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	if (!(b64 = malloc(n))) {
		rc = err_set(err, ERR_INTERNAL, "err.internal", "out of memory");
		goto out;
	}
	sodium_bin2base64(b64, n, bytes, len, sodium_base64_VARIANT_ORIGINAL);
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	int64_t now = clock_now();
	if ((rc = db_exec(db, err, "DELETE FROM patron_photos WHERE patron_id = ?", "i", id)) < 0 ||
	    (rc = db_exec(db, err,
	                  "INSERT INTO patron_photos (patron_id, mime, data, updated_at) VALUES (?, ?, ?, ?)",
	                  "issi", id, mime, b64, now)) < 0)
		goto done;
	rc = audit_write(db, actor, NULL, old.unit_id, actor->unit_path, "patron.photo", "patron", id,
	                 arena_printf(a, "%s, %zu bytes", mime, len), NULL, err);
done:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
out:
	free(b64);
	arena_free(a);
	return rc;
}

int patrons_photo_get(db_t *db, const actor_t *actor, int64_t patron_id, arena_t *a,
                      const unsigned char **bytes, size_t *len, const char **mime, err_t *err)
{
	patron_t p;
	int rc = load(db, actor, patron_id, false, a, &p, err);
	if (rc < 0)
		return rc;
	db_stmt_t *st =
	    db_query(db, err, "SELECT mime, data FROM patron_photos WHERE patron_id = ?", "i", patron_id);
	if (!st)
		return err->code;
	rc = db_step(st, err);
	if (rc == DB_ROW) {
		const char *m = db_col_text(st, 0), *d = db_col_text(st, 1);
		size_t dl = strlen(d), cap = dl / 4 * 3 + 3, got = 0;
		unsigned char *out = arena_alloc(a, cap);
		if (sodium_base642bin(out, cap, d, dl, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) <
		    0) {
			rc = err_set(err, ERR_INTERNAL, "err.internal", "photo %lld: bad base64",
			             (long long)patron_id);
		} else {
			*bytes = out;
			*len = got;
			*mime = arena_strdup(a, m);
			rc = 0;
		}
	} else if (rc == DB_DONE) {
		rc = err_set(err, ERR_NOTFOUND, "err.photo.none", NULL);
	}
	db_done(st);
	return rc;
}
