/* reviews.c: readers' reviews and star ratings (social.h): writing one, the librarian's
 * moderation, and the reviews block of a record's page. A review is signed by the reader's class
 * or kind ("Bạn đọc lớp 7A1", "Giáo viên"), never by a name: anonymous visitors read them. */
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "base/log.h"
#include "base/text.h"
#include "opac/readers.h"
#include "opac/social.h"
#include "patrons/patrons.h"

#define REVIEW_MAX_CHARS 2000

/* The signature of a review in lang. */
static const char *signature(arena_t *a, const char *lang, const char *kind, const char *class_name)
{
	if (kind && !strcmp(kind, "teacher"))
		return i18n_get(lang, "review.by_teacher");
	if (kind && !strcmp(kind, "staff"))
		return i18n_get(lang, "review.by_staff");
	if (class_name && *class_name)
		return arena_printf(a, "%s %s", i18n_get(lang, "review.by_class"), class_name);
	return i18n_get(lang, "review.by_reader");
}

int opac_review_save(db_t *db, const actor_t *actor, int64_t biblio_id, int rating, const char *body,
                     bool *created, err_t *err)
{
	arena_t *a = arena_new(1024);
	circ_patron_t p;
	int rc, own = 0;
	if (created)
		*created = false;
	if ((rc = readers_self(db, actor, a, &p, err)) < 0)
		goto out;
	if (rating < 1 || rating > 5) {
		rc = err_set(err, ERR_INVALID, "err.review.rating", NULL);
		goto out;
	}
	if (!body)
		body = "";
	if (!text_valid_utf8(body, strlen(body))) {
		rc = err_set(err, ERR_INVALID, "err.utf8", "body");
		goto out;
	}
	char *text = text_nfc(a, body);
	if (!text) {
		rc = err_set(err, ERR_INVALID, "err.utf8", "body");
		goto out;
	}
	text_trim(text);
	if (text_length(text) > REVIEW_MAX_CHARS) {
		rc = err_set(err, ERR_INVALID, "err.review.long", "%d", REVIEW_MAX_CHARS);
		goto out;
	}
	if ((rc = db_begin_own(db, &own, err)) < 0)
		goto out;
	int64_t found = 0, id = 0, now = clock_now();
	if ((rc = db_query_int(db, &found, err, "SELECT COUNT(*) FROM biblios WHERE id = ? AND unit_id = ?",
	                       "ii", biblio_id, actor->unit_id)) < 0)
		goto done;
	if (!found) {
		rc = err_set(err, ERR_NOTFOUND, "err.biblio.notfound", NULL);
		goto done;
	}
	if ((rc = db_query_int(
	         db, &id, err,
	         "SELECT COALESCE(MAX(id), 0) FROM reviews WHERE biblio_id = ? AND patron_id = ?", "ii",
	         biblio_id, p.id)) < 0)
		goto done;
	if (id) {
		rc = db_exec(db, err,
		             "UPDATE reviews SET rating = ?, body = ?, status = 'pending', created_at = ?,"
		             " decided_by = NULL, decided_at = NULL WHERE id = ?",
		             "isii", (int64_t)rating, text, now, id);
	} else {
		rc = db_insert_id(
		    db, &id, err,
		    "INSERT INTO reviews (unit_id, biblio_id, patron_id, rating, body, created_at)"
		    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		    "iiiisi", actor->unit_id, biblio_id, p.id, (int64_t)rating, text, now);
		if (rc == 0 && created)
			*created = true;
	}
	if (rc >= 0)
		rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path, "review.save", "review",
		                 id, arena_printf(a, "biblio %lld, %d/5", (long long)biblio_id, rating), NULL,
		                 err);
done:
	rc = db_end_own(db, own, rc < 0 ? rc : 0, err);
out:
	arena_free(a);
	return rc;
}

int opac_reviews_list(db_t *db, const actor_t *actor, const char *lang, arena_t *a, opac_review_t **out,
                      size_t *n, int64_t *pending, err_t *err)
{
	*out = NULL;
	*n = 0;
	*pending = 0;
	int rc;
	if ((rc = patrons_check_writer(actor, err)) < 0)
		return rc;
	db_stmt_t *st = db_query(
	    db, err,
	    "SELECT r.id, r.biblio_id, b.title, r.rating, r.body, r.status, p.kind, p.class_name, "
	    "p.full_name,"
	    " r.created_at FROM reviews r JOIN biblios b ON b.id = r.biblio_id JOIN patrons p ON p.id = "
	    "r.patron_id"
	    " WHERE r.unit_id = ? ORDER BY CASE WHEN r.status = 'pending' THEN 0 ELSE 1 END,"
	    " CASE WHEN r.status = 'pending' THEN r.created_at ELSE -r.created_at END, r.id LIMIT 200",
	    "i", actor->unit_id);
	if (!st)
		return err->code;
	size_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		*out = arena_grow(a, *out, *n, &cap, 16, sizeof **out);
		opac_review_t *r = &(*out)[(*n)++];
		r->id = db_col_int(st, 0);
		r->biblio_id = db_col_int(st, 1);
		r->title = arena_strdup(a, db_col_text(st, 2));
		r->rating = (int)db_col_int(st, 3);
		r->body = arena_strdup(a, db_col_text(st, 4));
		r->status = arena_strdup(a, db_col_text(st, 5));
		r->by = signature(a, lang, db_col_text(st, 6), db_col_text(st, 7));
		r->reader = arena_strdup(a, db_col_text(st, 8));
		r->created_at = db_col_int(st, 9);
		if (!strcmp(r->status, "pending"))
			(*pending)++;
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

int opac_review_decide(db_t *db, const actor_t *actor, int64_t id, bool approve, err_t *err)
{
	int rc, own = 0;
	if ((rc = patrons_check_writer(actor, err)) < 0)
		return rc;
	if ((rc = db_begin_own(db, &own, err)) < 0)
		return rc;
	rc = db_exec(
	    db, err,
	    "UPDATE reviews SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND unit_id = ?",
	    "siiii", approve ? "approved" : "rejected", actor->account_id, clock_now(), id, actor->unit_id);
	if (rc == 0)
		rc = err_set(err, ERR_NOTFOUND, "err.review.notfound", NULL);
	if (rc > 0)
		rc = audit_write(db, actor, NULL, actor->unit_id, actor->unit_path,
		                 approve ? "review.approve" : "review.reject", "review", id, NULL, NULL, err);
	return db_end_own(db, own, rc < 0 ? rc : 0, err);
}

/* --- the block of a record's page ---------------------------------------------------------------- */

static json_t *stars(int rating)
{
	char s[16] = "";
	size_t k = 0;
	for (int i = 1; i <= 5; i++) {
		const char *c = i <= rating ? "\xe2\x98\x85" : "\xe2\x98\x86"; /* ★ ☆ */
		memcpy(s + k, c, 3);
		k += 3;
	}
	s[k] = 0;
	return json_string(s);
}

static int fill_block(db_t *db, const actor_t *actor, int64_t unit_id, int64_t biblio_id, arena_t *a,
                      json_t *o, err_t *err)
{
	const char *lang = actor && actor->lang[0] ? actor->lang : "vi";
	int64_t count = 0, sum = 0;
	db_stmt_t *st = db_query(db, err,
	                         "SELECT COUNT(*), COALESCE(SUM(rating), 0) FROM reviews"
	                         " WHERE biblio_id = ? AND unit_id = ? AND status = 'approved'",
	                         "ii", biblio_id, unit_id);
	if (!st)
		return err->code;
	int rc = db_step(st, err);
	if (rc == DB_ROW) {
		count = db_col_int(st, 0);
		sum = db_col_int(st, 1);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	json_object_set_new(o, "count", json_integer(count));
	json_object_set_new(o, "average",
	                    json_string(count ? arena_printf(a, "%.1f", (double)sum / (double)count) : ""));
	json_object_set_new(o, "average_stars", stars(count ? (int)((sum * 2 + count) / (2 * count)) : 0));
	json_t *list = json_object_get(o, "reviews");
	st = db_query(db, err,
	              "SELECT r.rating, r.body, p.kind, p.class_name, r.created_at FROM reviews r"
	              " JOIN patrons p ON p.id = r.patron_id WHERE r.biblio_id = ? AND r.unit_id = ?"
	              " AND r.status = 'approved' ORDER BY r.created_at DESC, r.id DESC LIMIT 50",
	              "ii", biblio_id, unit_id);
	if (!st)
		return err->code;
	while ((rc = db_step(st, err)) == DB_ROW) {
		char day[32];
		clock_format_vn(db_col_int(st, 4), 0, day, sizeof day);
		int rating = (int)db_col_int(st, 0);
		json_t *r =
		    json_pack("{s:i, s:s, s:s, s:s}", "rating", rating, "body", db_col_text(st, 1), "by",
		              signature(a, lang, db_col_text(st, 2), db_col_text(st, 3)), "date", day);
		json_object_set_new(r, "stars", stars(rating));
		json_array_append_new(list, r);
	}
	db_done(st);
	if (rc < 0)
		return rc;
	/* The viewer: a reader of this school may write; their own review shows with its status. */
	if (!actor || actor->role != ROLE_READER || !actor->patron_id || actor->unit_id != unit_id)
		return 0;
	json_object_set_new(o, "can_review", json_true());
	st = db_query(db, err,
	              "SELECT rating, body, status FROM reviews WHERE biblio_id = ? AND patron_id = ?", "ii",
	              biblio_id, actor->patron_id);
	if (!st)
		return err->code;
	if ((rc = db_step(st, err)) == DB_ROW) {
		const char *status = db_col_text(st, 2);
		json_t *mine = json_pack("{s:i, s:s, s:s, s:s}", "rating", (int)db_col_int(st, 0), "body",
		                         db_col_text(st, 1), "status", status, "status_label",
		                         i18n_get(lang, arena_printf(a, "review.status.%s", status)));
		json_object_set_new(o, "mine", mine);
		json_t *choices = json_object_get(o, "ratings");
		for (size_t i = 0; i < json_array_size(choices); i++) {
			json_t *c = json_array_get(choices, i);
			json_object_set_new(c, "checked",
			                    json_boolean(json_integer_value(json_object_get(c, "value")) ==
			                                 db_col_int(st, 0)));
		}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

json_t *opac_social_record(db_t *db, const actor_t *actor, int64_t unit_id, int64_t biblio_id, arena_t *a)
{
	json_t *o =
	    json_pack("{s:[], s:i, s:s, s:b, s:s, s:I}", "reviews", "count", 0, "average", "", "can_review",
	              0, "action", arena_printf(a, "/opac/records/%lld/review", (long long)biblio_id),
	              "biblio_id", (json_int_t)biblio_id);
	json_t *choices = json_array();
	for (int i = 5; i >= 1; i--)
		json_array_append_new(choices, json_pack("{s:i, s:b}", "value", i, "checked", i == 5));
	json_object_set_new(o, "ratings", choices);
	err_t err;
	if (fill_block(db, actor, unit_id, biblio_id, a, o, &err) < 0) {
		log_warn("reviews of record %lld: %s", (long long)biblio_id, err.detail);
		json_decref(o);
		return json_pack("{s:[], s:i, s:s, s:b}", "reviews", "count", 0, "average", "", "can_review",
		                 0);
	}
	return o;
}
