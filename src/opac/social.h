/* social.h: what readers add to the catalogue and what it shows them back: reviews and star
 * ratings (shown once a librarian approves them), teachers' reading lists, and the discovery
 * blocks of a school's catalogue home (new arrivals, most borrowed this month by grade).
 *
 * The catalogue's pages (pages_opac.c) ask for these as JSON values and render them with the
 * partials of the same name (templates/opac_social_record.html, opac_discover.html), so the page
 * and the blocks are written apart. No value here ever carries a reader's name: a review is
 * signed "bạn đọc lớp 7A1" (or "giáo viên"), whoever looks. */
#ifndef THUVIEN_OPAC_SOCIAL_H
#define THUVIEN_OPAC_SOCIAL_H

#include <jansson.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "db/db.h"

/* The reviews block of a school's record page: {"reviews": [{"rating", "stars", "body", "by",
 * "date"}...], "count", "average" (one decimal, as text), "can_review" (the viewer is a reader of
 * this school), "mine" (the viewer's own review and its status, when any), "action"}. actor is
 * NULL for an anonymous visitor. Never NULL (an empty block on error, logged). */
json_t *opac_social_record(db_t *db, const actor_t *actor, int64_t unit_id, int64_t biblio_id,
                           arena_t *a);

/* The discovery blocks of a school's catalogue home: {"new": [...records], "popular": [{"grade",
 * "records": [...]}...], "lists": [...reading lists shown to the viewer]}; records are {"id",
 * "title", "authors", "year"}. unit_id 0: the union catalogue's (new works and most borrowed of
 * the city; no lists). Cached a minute: a home page costs no query most of the time. */
json_t *opac_discover(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a);

#endif
