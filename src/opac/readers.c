/* readers.c: reader accounts and My library (readers.h). The rules of lending stay in the
 * circulation module: renewals and holds are its functions called for the reader; this file only
 * proves the ids are the reader's own and reads what the reader's page shows. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <zint.h>

#include "accounts/auth.h"
#include "accounts/password.h"
#include "audit/audit.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/text.h"
#include "opac/readers.h"
#include "patrons/patrons.h"

int readers_self(db_t *db, const actor_t *actor, arena_t *a, circ_patron_t *p, err_t *err)
{
	memset(p, 0, sizeof *p);
	if (!actor || actor->role != ROLE_READER || !actor->patron_id)
		return err_set(err, ERR_FORBIDDEN, "err.me.no_patron", NULL);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT id, code, full_name, kind, class_name, status, status_note FROM patrons"
	             " WHERE id = ? AND unit_id = ?",
	             "ii", actor->patron_id, actor->unit_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		p->id = db_col_int(st, 0);
		p->code = arena_strdup(a, db_col_text(st, 1));
		p->name = arena_strdup(a, db_col_text(st, 2));
		p->kind = arena_strdup(a, db_col_text(st, 3));
		p->class_name = arena_strdup(a, db_col_text(st, 4));
		p->status = arena_strdup(a, db_col_text(st, 5));
		p->status_note = arena_strdup(a, db_col_text(st, 6));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : err_set(err, ERR_FORBIDDEN, "err.me.no_patron", NULL);
}

/* --- reader accounts ---------------------------------------------------------------------------- */

/* A first password a child can type from a slip: groups of four from letters and digits that
 * cannot be mistaken for one another (no i, l, o, 0, 1), at least the policy's length. */
static char *new_password(arena_t *a)
{
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	size_t want = (size_t)g_config.password_min_length + 2;
	if (want < 12)
		want = 12;
	char *s = arena_alloc(a, want + want / 4 + 1);
	size_t n = 0;
	for (size_t i = 0; i < want; i++) {
		if (i && i % 4 == 0)
			s[n++] = '-';
		s[n++] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	}
	s[n] = 0;
	return s;
}

/* "th001.hs010001": the school's code and the card number, lower case, other characters as '-'. */
static char *base_username(arena_t *a, const char *unit_code, const char *card)
{
	char *s = arena_printf(a, "%s.%s", unit_code, card);
	for (char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 'A' && c <= 'Z')
			*p = (char)(c | 0x20);
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_'))
			*p = '-';
	}
	if (strlen(s) > 56)
		s[56] = 0;
	return s;
}

typedef struct target {
	int64_t id, account_id;
	const char *code, *name, *class_name, *status, *username;
} target_t;

static int load_target(db_t *db, const actor_t *actor, int64_t patron_id, arena_t *a, target_t *t, err_t *err)
{
	memset(t, 0, sizeof *t);
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT p.id, p.code, p.full_name, p.class_name, p.status, a.id, a.username FROM patrons p"
	    " LEFT JOIN accounts a ON a.patron_id = p.id WHERE p.id = ? AND p.unit_id = ?",
	    "ii", patron_id, actor->unit_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		t->id = db_col_int(st, 0);
		t->code = arena_strdup(a, db_col_text(st, 1));
		t->name = arena_strdup(a, db_col_text(st, 2));
		t->class_name = arena_strdup(a, db_col_text(st, 3));
		t->status = arena_strdup(a, db_col_text(st, 4));
		t->account_id = db_col_int(st, 5);
		t->username = arena_strdup(a, db_col_text(st, 6));
	}
	db_done(st);
	if (rc < 0)
		return rc;
	return rc == DB_ROW ? 0 : err_set(err, ERR_NOTFOUND, "err.patron.notfound", NULL);
}

/* Issue for a loaded target; the Argon2id hash is made before the transaction. */
static int issue(db_t *db, const actor_t *actor, const target_t *t, arena_t *a, readers_account_t *out,
                 err_t *err)
{
	memset(out, 0, sizeof *out);
	out->patron_id = t->id;
	out->full_name = t->name;
	out->class_name = t->class_name;
	out->code = t->code;
	if (!strcmp(t->status, "left"))
		return err_set(err, ERR_CONFLICT, "err.raccount.left", NULL);
	char *pw = new_password(a), hash[128];
	int rc, own = 0;
	if ((rc = password_hash(pw, hash, err)) < 0)
		return rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	int64_t now = clock_now(), id = t->account_id;
	const char *username = t->username;
	if (id) {
		rc = db_exec(
		    db, err,
		    "UPDATE accounts SET password_hash = ?, must_change_password = 1, failed_logins = 0,"
		    " locked_until = 0, disabled = 0, updated_at = ? WHERE id = ? AND patron_id = ?",
		    "siii", hash, now, id, t->id);
		if (rc >= 0)
			rc = db_exec(db, err, "DELETE FROM sessions WHERE account_id = ?", "i", id);
		if (rc >= 0)
			rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path,
			                 "reader.account.reset", "account", id,
			                 arena_printf(a, "%s (%s)", username, t->code), NULL, err);
		goto done;
	}
	const char *base = base_username(a, actor->unit_code, t->code);
	for (int k = 1; k <= 50 && !id; k++) {
		username = k == 1 ? base : arena_printf(a, "%s-%d", base, k);
		int64_t taken = 0;
		if ((rc = db_query_int(db, &taken, err, "SELECT COUNT(*) FROM accounts WHERE username = ?",
		                       "s", username)) < 0)
			goto done;
		if (taken)
			continue;
		rc = db_insert_id(
		    db, &id, err,
		    "INSERT INTO accounts (unit_id, username, full_name, full_name_fold, role, password_hash,"
		    " must_change_password, created_at, updated_at, patron_id)"
		    " VALUES (?, ?, ?, ?, 'reader', ?, 1, ?, ?, ?) RETURNING id",
		    "issssiii", actor->unit_id, username, t->name, text_fold(a, t->name), hash, now, now,
		    t->id);
		if (rc < 0)
			goto done;
	}
	if (!id) {
		rc = err_set(err, ERR_CONFLICT, "err.account.taken", "%s", base);
		goto done;
	}
	out->created = true;
	if ((rc = db_exec(db, err, "UPDATE patrons SET account_id = ? WHERE id = ?", "ii", id, t->id)) < 0)
		goto done;
	rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "reader.account.create",
	                 "account", id, arena_printf(a, "%s for reader %s", username, t->code), NULL, err);
done:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
	if (rc == 0) {
		auth_invalidate();
		out->account_id = id;
		out->username = username;
		out->password = pw;
	}
	return rc;
}

int readers_account_issue(db_t *db, const actor_t *actor, int64_t patron_id, arena_t *a,
                          readers_account_t *out, err_t *err)
{
	int rc;
	target_t t;
	memset(out, 0, sizeof *out);
	if ((rc = patrons_check_writer(actor, err)) < 0 ||
	    (rc = load_target(db, actor, patron_id, a, &t, err)) < 0)
		return rc;
	return issue(db, actor, &t, a, out, err);
}

int readers_accounts_for_class(db_t *db, const actor_t *actor, const char *class_name, arena_t *a,
                               readers_account_t **out, size_t *n, err_t *err)
{
	*out = NULL;
	*n = 0;
	int rc;
	if ((rc = patrons_check_writer(actor, err)) < 0)
		return rc;
	if (!class_name || !*class_name || strlen(class_name) > 40)
		return err_set(err, ERR_INVALID, "err.raccount.class", NULL);
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT id FROM patrons WHERE unit_id = ? AND class_name = ? AND kind = 'student'"
	             " AND status IN ('active', 'blocked') ORDER BY name_fold, id LIMIT 200",
	             "is", actor->unit_id, class_name);
	if (!st)
		return err->code;
	int64_t *ids = NULL;
	size_t nids = 0, cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		ids = arena_grow(a, ids, nids, &cap, 32, sizeof *ids);
		ids[nids++] = db_col_int(st, 0);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	if (!nids)
		return err_set(err, ERR_NOTFOUND, "err.raccount.class", NULL);
	readers_account_t *v = arena_zalloc(a, nids * sizeof *v);
	for (size_t i = 0; i < nids; i++) {
		target_t t;
		if ((rc = load_target(db, actor, ids[i], a, &t, err)) < 0)
			return rc;
		if (t.account_id) {
			v[i] = (readers_account_t){ .patron_id = t.id,
				                    .account_id = t.account_id,
				                    .full_name = t.name,
				                    .class_name = t.class_name,
				                    .code = t.code,
				                    .username = t.username };
			continue;
		}
		if ((rc = issue(db, actor, &t, a, &v[i], err)) < 0)
			return rc;
	}
	*out = v;
	*n = nids;
	return 0;
}

/* --- My library ---------------------------------------------------------------------------------- */

static void read_loan(db_stmt_t *st, arena_t *a, readers_loan_t *l)
{
	memset(l, 0, sizeof *l);
	l->id = db_col_int(st, 0);
	l->biblio_id = db_col_int(st, 1);
	l->title = arena_strdup(a, db_col_text(st, 2));
	l->authors = arena_strdup(a, db_col_text(st, 3));
	l->barcode = arena_strdup(a, db_col_text(st, 4));
	l->out_day = arena_strdup(a, db_col_text(st, 5));
	l->due = arena_strdup(a, db_col_text(st, 6));
	l->renewals = (int)db_col_int(st, 7);
	if (!db_col_null(st, 8)) {
		char day[16];
		clock_day_format(clock_day_of(db_col_int(st, 8)), day, sizeof day);
		l->returned_day = arena_strdup(a, day);
	}
}

#define LOAN_COLS                                                                                            \
	"SELECT l.id, l.biblio_id, b.title, b.authors, i.barcode, l.out_day, l.due, l.renewals, "            \
	"l.returned_at"                                                                                      \
	" FROM loans l JOIN biblios b ON b.id = l.biblio_id JOIN items i ON i.id = l.item_id"

int readers_me(db_t *db, const actor_t *actor, arena_t *a, readers_me_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	int rc;
	if ((rc = readers_self(db, actor, a, &out->patron, err)) < 0)
		return rc;
	out->school_name = arena_strdup(a, actor->unit_name);
	int64_t hide = 0;
	if ((rc = db_query_int(db, &hide, err, "SELECT hide_history FROM patrons WHERE id = ?", "i",
	                       out->patron.id)) < 0)
		return rc;
	out->hide_history = hide != 0;
	char today[16];
	clock_day_format(clock_today_vn(), today, sizeof today);
	db_stmt_t *st = db_query(
	    db, err, LOAN_COLS " WHERE l.patron_id = ? AND l.returned_at IS NULL ORDER BY l.due, l.id", "i",
	    out->patron.id);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->loans = arena_grow(a, out->loans, out->nloans, &cap, 8, sizeof *out->loans);
		readers_loan_t *l = &out->loans[out->nloans++];
		read_loan(st, a, l);
		int64_t due = 0, now = clock_today_vn();
		if (clock_day_parse(l->due, &due) == 0 && due < now)
			l->overdue_days = (int)(now - due);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	int expired = 0;
	if ((rc = circ_holds_list(db, actor, 0, 0, a, &out->holds, &out->nholds, &expired, err)) < 0)
		return rc;
	if (out->hide_history)
		return 0;
	st = db_query(db, err,
	              LOAN_COLS
	              " WHERE l.patron_id = ? AND l.returned_at IS NOT NULL ORDER BY l.returned_at DESC,"
	              " l.id DESC LIMIT 200",
	              "i", out->patron.id);
	if (!st)
		return err->code;
	cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		out->history = arena_grow(a, out->history, out->nhistory, &cap, 16, sizeof *out->history);
		read_loan(st, a, &out->history[out->nhistory++]);
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int readers_renew(db_t *db, const actor_t *actor, int64_t loan_id, arena_t *a, circ_result_t *res, err_t *err)
{
	memset(res, 0, sizeof *res);
	circ_patron_t p;
	int rc;
	if ((rc = readers_self(db, actor, a, &p, err)) < 0)
		return rc;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT i.barcode FROM loans l JOIN items i ON i.id = l.item_id"
	                         " WHERE l.id = ? AND l.patron_id = ? AND l.returned_at IS NULL",
	                         "ii", loan_id, p.id);
	if (!st)
		return err->code;
	const char *barcode = NULL;
	if ((rc = db_step(st, err)) == DB_ROW)
		barcode = arena_strdup(a, db_col_text(st, 0));
	db_done(st);
	if (rc < 0)
		return rc;
	if (!barcode)
		return err_set(err, ERR_NOTFOUND, "err.me.loan_notfound", NULL);
	/* circ_renew_self checks again, inside its transaction, that the copy's open loan is this reader's.
	 */
	return circ_renew_self(db, actor, barcode, a, res, err);
}

int readers_hold_cancel(db_t *db, const actor_t *actor, int64_t hold_id, err_t *err)
{
	arena_t *a = arena_new(512);
	circ_patron_t p;
	int rc = readers_self(db, actor, a, &p, err);
	arena_free(a);
	if (rc < 0)
		return rc;
	return circ_hold_cancel(db, actor, hold_id, err);
}

int readers_hold_place(db_t *db, const actor_t *actor, int64_t biblio_id, arena_t *a, circ_result_t *res,
                       err_t *err)
{
	memset(res, 0, sizeof *res);
	circ_patron_t p;
	int rc;
	if ((rc = readers_self(db, actor, a, &p, err)) < 0)
		return rc;
	return circ_hold_place(db, actor, biblio_id, p.id, a, res, err);
}

int readers_set_privacy(db_t *db, const actor_t *actor, bool hide, err_t *err)
{
	arena_t *a = arena_new(512);
	circ_patron_t p;
	int rc, own = 0;
	if ((rc = readers_self(db, actor, a, &p, err)) < 0 || (rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	rc = db_exec(db, err, "UPDATE patrons SET hide_history = ?, updated_at = ? WHERE id = ?", "bii",
	             hide ? 1 : 0, clock_now(), p.id);
	if (rc >= 0)
		rc = audit_write(
		    db, actor, NULL, actor->unit_id, actor->unit_path, "patron.privacy", "patron", p.id,
		    hide ? "hide_history by the reader" : "show_history by the reader", NULL, err);
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
out:
	arena_free(a);
	return rc;
}

/* --- the card's barcode ------------------------------------------------------------------------- */

#define SVG_MODULE 3  /* px per module: a phone's screen shows it about 0.5 mm wide or more */
#define SVG_QUIET  10 /* modules of white on each side */
#define SVG_BARS   96 /* px */

int readers_card_svg(db_t *db, const actor_t *actor, buf_t *out, err_t *err)
{
	arena_t *a = arena_new(1024);
	circ_patron_t p;
	int rc = readers_self(db, actor, a, &p, err);
	if (rc < 0)
		goto done;
	struct zint_symbol *sym = ZBarcode_Create();
	if (!sym) {
		rc = err_set(err, ERR_INTERNAL, "err.internal", "zint");
		goto done;
	}
	sym->symbology = BARCODE_CODE128;
	sym->show_hrt = 0;
	sym->input_mode = UNICODE_MODE;
	int zr = ZBarcode_Encode(sym, (const unsigned char *)p.code, (int)strlen(p.code));
	if (zr >= ZINT_ERROR || ZBarcode_Buffer_Vector(sym, 0) >= ZINT_ERROR || !sym->vector ||
	    sym->width <= 0) {
		ZBarcode_Delete(sym);
		rc = err_set(err, ERR_INVALID, "err.labels.barcode", "%.60s", p.code);
		goto done;
	}
	struct zint_vector *vec = sym->vector;
	double unit = vec->width / sym->width; /* zint's vector units per module */
	int w = (sym->width + 2 * SVG_QUIET) * SVG_MODULE, h = SVG_BARS + 40;
	buf_printf(
	    out,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
	    " role=\"img\" aria-label=\"",
	    w, h, w, h);
	buf_put_html(out, p.code, strlen(p.code));
	buf_printf(out, "\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><g fill=\"#000\">", w, h);
	for (struct zint_vector_rect *r = vec->rectangles; r; r = r->next) {
		double x = SVG_QUIET * SVG_MODULE + r->x / unit * SVG_MODULE;
		double rw = r->width / unit * SVG_MODULE;
		buf_printf(out, "<rect x=\"%.2f\" y=\"8\" width=\"%.2f\" height=\"%d\"/>", x, rw, SVG_BARS);
	}
	ZBarcode_Delete(sym);
	buf_printf(
	    out,
	    "</g><text x=\"%d\" y=\"%d\" font-family=\"monospace\" font-size=\"22\" text-anchor=\"middle\">",
	    w / 2, SVG_BARS + 34);
	buf_put_html(out, p.code, strlen(p.code));
	buf_puts(out, "</text></svg>\n");
done:
	arena_free(a);
	return rc;
}
