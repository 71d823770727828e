/* social.h: what readers add to the catalogue and what it shows them back: reviews and star
 * ratings (shown once a librarian approves them), teachers' reading lists, and the discovery
 * blocks of a school's catalogue home (new arrivals, most borrowed this month by grade).
 *
 * The catalogue's pages (pages_opac.c) ask for these as JSON values and render them with the
 * partials of the same name (templates/opac_social_record.html, opac_discover.html), so the page
 * and the blocks are written apart: the page puts the value under "social" (or "discover") in its
 * data and includes {{>opac_social_record}} (or {{>opac_discover}}). No value here ever carries a reader's name: a review is
 * signed "bạn đọc lớp 7A1" (or "giáo viên"), whoever looks. */
#ifndef THUVIEN_OPAC_SOCIAL_H
#define THUVIEN_OPAC_SOCIAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "db/db.h"

/* The reviews block of a school's record page: {"reviews": [{"rating", "stars", "body", "by",
 * "date"}...] (approved ones, newest first, at most 50), "count", "average" (one decimal, as
 * text), "average_stars", "can_review" (the viewer is a reader of this school), "mine" (the
 * viewer's own review: rating, body, status, status_label), "ratings" (the form's 5..1 choices,
 * the viewer's checked), "action" (where the form posts)}. Signatures are in the viewer's
 * language (Vietnamese for anonymous visitors). actor is NULL for an anonymous visitor. Never
 * NULL (an empty block on error, logged). */
json_t *opac_social_record(db_t *db, const actor_t *actor, int64_t unit_id, int64_t biblio_id, arena_t *a);

/* The discovery blocks of a school's catalogue home: {"new": [...records], "popular": [{"grade",
 * "records": [...]}...] (home loans of this calendar month by the borrower's grade, top 5 each),
 * "lists": [{"id", "title", "class_name", "url"}...] (the reading lists shown to the viewer),
 * "has_popular", "has_lists", "union"}; records are {"id", "title", "authors", "year", "url"}
 * ("/opac/records/ID", or "/opac/works/ID" in the union; popular ones also "loans"). unit_id 0:
 * the union catalogue's (new works and most borrowed of the city, counting only the schools
 * open to anonymous visitors; no lists). New arrivals and the most borrowed are cached, a minute
 * for a school and ten for the city: a home page costs one query (the lists) most of the time. */
json_t *opac_discover(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a);

/* --- reviews (reviews.c) ------------------------------------------------------------------------
 * One review per reader and record (rating 1..5, text up to 2,000 characters): a reader of the
 * record's school writes it; writing again edits it and sends it back to pending. The school's
 * librarian approves or rejects; only approved reviews are shown, never with a name. */

#include "base/err.h"

/* Save the actor's review of biblio_id (a record of the reader's school; another school's is
 * ERR_NOTFOUND). ERR_INVALID "err.review.rating" (not 1..5), "err.review.long" (over 2,000
 * characters), "err.utf8". *created (may be NULL): a new review, not an edit. */
int opac_review_save(db_t *db, const actor_t *actor, int64_t biblio_id, int rating, const char *body,
                     bool *created, err_t *err);

typedef struct opac_review {
	int64_t id, biblio_id;
	const char *title; /* the record's */
	int rating;
	const char *body;
	const char *status; /* pending, approved, rejected */
	const char *by;     /* "Bạn đọc lớp 7A1", "Giáo viên": never a name */
	const char *reader; /* the reader's name: the moderation page only (the school's staff) */
	int64_t created_at;
} opac_review_t;

/* The reviews of the actor's school for its librarian: pending first (oldest first), then the
 * decided ones (newest first), at most 200. lang names the signatures. ERR_FORBIDDEN for others. */
int opac_reviews_list(db_t *db, const actor_t *actor, const char *lang, arena_t *a, opac_review_t **out,
                      size_t *n, int64_t *pending, err_t *err);

/* Approve or reject review id of the actor's school (its librarian; another school's:
 * ERR_NOTFOUND), with the audit row review.approve / review.reject. */
int opac_review_decide(db_t *db, const actor_t *actor, int64_t id, bool approve, err_t *err);

/* --- reading lists (lists.c) --------------------------------------------------------------------
 * A list belongs to a school and is made by a teacher (a reader account whose reader is of kind
 * teacher) or a librarian of the school, for one class (class_name) or the whole school (""). Who
 * sees a list: its owner, the school's staff (accounts of the school other than readers), and the
 * school's readers of that class (every reader when class_name is ""); anyone else gets
 * ERR_NOTFOUND. Its owner and the school's librarian change it. */

typedef struct opac_list_item {
	int64_t biblio_id;
	const char *title, *authors;
	int year;
	int position;
	const char *note;
} opac_list_item_t;

typedef struct opac_list {
	int64_t id, unit_id, owner_id;
	const char *title, *note, *class_name, *owner_name;
	int64_t updated_at;
	bool can_edit;
	opac_list_item_t *items; /* opac_list_get only: by position */
	size_t nitems;
} opac_list_t;

/* May the actor make reading lists (a teacher's reader account, or a school's librarian)? */
int opac_list_check_maker(db_t *db, const actor_t *actor, err_t *err);

/* Create (id 0; *out_id receives it) or change list id. title 1..200 characters, note up to
 * 2,000, class_name up to 40 ("" whole school). ERR_INVALID "err.list.title", "err.list.note",
 * "err.list.class". */
int opac_list_save(db_t *db, const actor_t *actor, int64_t id, const char *title, const char *note,
                   const char *class_name, int64_t *out_id, err_t *err);

/* Delete list id and its items. */
int opac_list_delete(db_t *db, const actor_t *actor, int64_t id, err_t *err);

/* Add a record of the list's school to list id: ref is a record id, an ISBN or a copy's
 * barcode. ERR_NOTFOUND "err.list.ref" when it names no record of the school; ERR_CONFLICT
 * "err.list.dup" when the record is already in the list. The record goes last. */
int opac_list_add(db_t *db, const actor_t *actor, int64_t id, const char *ref, const char *note, err_t *err);

/* Remove a record from list id; move it up (delta -1) or down (+1). */
int opac_list_remove(db_t *db, const actor_t *actor, int64_t id, int64_t biblio_id, err_t *err);
int opac_list_move(db_t *db, const actor_t *actor, int64_t id, int64_t biblio_id, int delta, err_t *err);

/* One list the actor may see, with its items. */
int opac_list_get(db_t *db, const actor_t *actor, int64_t id, arena_t *a, opac_list_t *out, err_t *err);

/* The lists the actor sees (its own first, then the others of its school it may see), newest
 * first, at most 200, without items. */
int opac_lists_visible(db_t *db, const actor_t *actor, arena_t *a, opac_list_t **out, size_t *n, err_t *err);

typedef struct opac_list_hit {
	int64_t id;
	const char *title, *authors;
	int year;
} opac_list_hit_t;

/* Records of the actor's school whose words start with each word of q (up to 4 words, at most
 * 20 hits): what a list maker searches to add. */
int opac_list_search(db_t *db, const actor_t *actor, const char *q, arena_t *a, opac_list_hit_t **out,
                     size_t *n, err_t *err);

/* Forget the discovery blocks cached in memory (tests). */
void opac_discover_reset(void);

#endif
