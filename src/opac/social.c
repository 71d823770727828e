/* social.c: the discovery blocks of a catalogue's home (social.h): new arrivals, the most
 * borrowed this month by grade, and the reading lists shown to the viewer. Reviews are in
 * reviews.c, reading lists in lists.c.
 *
 * The first two blocks are the same for every visitor, so they are kept in memory: a school's for
 * a minute, the city's (an aggregation over every school's loans of the month) for ten minutes. A
 * small table of slots under one mutex; a reader of the cache gets a deep copy, so nothing is
 * shared with the request that renders it. The viewer's lists are read per request (one indexed
 * statement). */
#include <pthread.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "opac/social.h"

#define CACHE_SLOTS   256
#define TTL_SCHOOL    60
#define TTL_UNION     600
#define NEW_ARRIVALS  10
#define TOP_PER_GRADE 5

typedef struct slot {
	int64_t unit_id;
	int64_t built_at;
	json_t *blocks; /* {"new": [...], "popular": [...]} */
} slot_t;

static slot_t cache[CACHE_SLOTS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

void opac_discover_reset(void)
{
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		json_decref(cache[i].blocks);
		memset(&cache[i], 0, sizeof cache[i]);
	}
	pthread_mutex_unlock(&cache_lock);
}

static json_t *cache_get(int64_t unit_id, int64_t now)
{
	json_t *copy = NULL;
	slot_t *s = &cache[(uint64_t)unit_id % CACHE_SLOTS];
	pthread_mutex_lock(&cache_lock);
	if (s->blocks && s->unit_id == unit_id && now - s->built_at < (unit_id ? TTL_SCHOOL : TTL_UNION))
		copy = json_deep_copy(s->blocks);
	pthread_mutex_unlock(&cache_lock);
	return copy;
}

static void cache_put(int64_t unit_id, int64_t now, json_t *blocks)
{
	slot_t *s = &cache[(uint64_t)unit_id % CACHE_SLOTS];
	json_t *copy = json_deep_copy(blocks);
	pthread_mutex_lock(&cache_lock);
	json_t *old = s->blocks;
	s->unit_id = unit_id;
	s->built_at = now;
	s->blocks = copy;
	pthread_mutex_unlock(&cache_lock);
	json_decref(old);
}

static json_t *record(db_stmt_t *st, int c, const char *kind)
{
	json_int_t id = (json_int_t)db_col_int(st, c);
	json_t *o = json_pack("{s:I, s:s, s:s}", "id", id, "title", db_col_text(st, c + 1), "authors",
	                      db_col_text(st, c + 2) ? db_col_text(st, c + 2) : "");
	int64_t year = db_col_int(st, c + 3);
	json_object_set_new(o, "year", year ? json_integer(year) : json_null());
	char url[64];
	snprintf(url, sizeof url, "/opac/%s/%lld", kind, (long long)id);
	json_object_set_new(o, "url", json_string(url));
	return o;
}

/* The union's blocks are the same for every visitor, anonymous ones included, so they count only
 * the schools whose catalogue is open to anyone (units.opac_public): a school that closed its
 * catalogue shows nothing of itself on the city's home. Works are newest by id: the sync creates
 * a work when the city first catalogues it, so id follows first_seen, and the primary key serves
 * the LIMIT without sorting every work. */

/* UTC seconds of the first day of this month, 00:00 in Vietnam (UTC+7). */
static int64_t month_start(void)
{
	int y, m, d;
	clock_civil_from_days(clock_today_vn(), &y, &m, &d);
	return clock_days_from_civil(y, m, 1) * 86400 - 7 * 3600;
}

static int build(db_t *db, int64_t unit_id, json_t *o, err_t *err)
{
	const char *kind = unit_id ? "records" : "works";
	json_t *fresh = json_object_get(o, "new"), *popular = json_object_get(o, "popular");
	db_stmt_t *st =
	    unit_id
	        ? db_query(db, err,
	                   "SELECT id, title, authors, COALESCE(year, 0) FROM biblios WHERE unit_id = ?"
	                   " ORDER BY id DESC LIMIT 10",
	                   "i", unit_id)
	        : db_query(
	              db, err,
	              "SELECT w.id, w.title, w.authors, COALESCE(w.year, 0) FROM works w WHERE w.schools > 0"
	              " AND EXISTS (SELECT 1 FROM biblios b JOIN units u ON u.id = b.unit_id"
	              " WHERE b.work_id = w.id AND u.opac_public = 1)"
	              " ORDER BY w.id DESC LIMIT 10",
	              "");
	if (!st)
		return err->code;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW)
		json_array_append_new(fresh, record(st, 0, kind));
	db_done(st);
	if (rc < 0)
		return rc;
	/* Home loans of this calendar month by the borrower's grade; the top few of each grade are
	 * kept here (the statement sorts, C cuts). */
	int64_t since = month_start();
	st =
	    unit_id
	        ? db_query(
	              db, err,
	              "SELECT p.grade, b.id, b.title, b.authors, COALESCE(b.year, 0), COUNT(*) AS n"
	              " FROM loans l JOIN patrons p ON p.id = l.patron_id JOIN biblios b ON b.id = "
	              "l.biblio_id"
	              " WHERE l.unit_id = ? AND l.out_at >= ? AND l.kind = 'home' AND p.grade IS NOT NULL"
	              " GROUP BY p.grade, b.id, b.title, b.authors, b.year ORDER BY p.grade, n DESC, b.id",
	              "ii", unit_id, since)
	        : db_query(
	              db, err,
	              "SELECT p.grade, w.id, w.title, w.authors, COALESCE(w.year, 0), COUNT(*) AS n"
	              " FROM loans l JOIN patrons p ON p.id = l.patron_id JOIN biblios b ON b.id = "
	              "l.biblio_id"
	              " JOIN works w ON w.id = b.work_id JOIN units u ON u.id = l.unit_id"
	              " WHERE l.out_at >= ? AND l.kind = 'home' AND p.grade IS NOT NULL AND u.opac_public = 1"
	              " GROUP BY p.grade, w.id, w.title, w.authors, w.year ORDER BY p.grade, n DESC, w.id",
	              "i", since);
	if (!st)
		return err->code;
	int64_t grade = -1;
	json_t *records = NULL;
	while ((rc = db_step(st, err)) == DB_ROW) {
		if (db_col_int(st, 0) != grade) {
			grade = db_col_int(st, 0);
			records = json_array();
			json_array_append_new(
			    popular, json_pack("{s:I, s:o}", "grade", (json_int_t)grade, "records", records));
		}
		if (json_array_size(records) < TOP_PER_GRADE) {
			json_t *r = record(st, 1, kind);
			json_object_set_new(r, "loans", json_integer(db_col_int(st, 5)));
			json_array_append_new(records, r);
		}
	}
	db_done(st);
	return rc < 0 ? rc : 0;
}

/* The lists of the school shown to the viewer (a reader: their class's and the whole school's). */
static json_t *viewer_lists(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a)
{
	json_t *v = json_array();
	opac_list_t *l;
	size_t n;
	err_t err;
	if (!actor || !unit_id || actor->unit_id != unit_id)
		return v;
	if (opac_lists_visible(db, actor, a, &l, &n, &err) < 0) {
		log_warn("discover lists: %s", err.detail);
		return v;
	}
	for (size_t i = 0; i < n && i < 10; i++) {
		char url[48];
		snprintf(url, sizeof url, "/lists/%lld", (long long)l[i].id);
		json_array_append_new(v, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)l[i].id, "title",
		                                   l[i].title, "class_name", l[i].class_name, "url", url));
	}
	return v;
}

json_t *opac_discover(db_t *db, const actor_t *actor, int64_t unit_id, arena_t *a)
{
	int64_t now = clock_now();
	json_t *o = cache_get(unit_id, now);
	if (!o) {
		err_t err;
		o = json_pack("{s:[], s:[]}", "new", "popular");
		if (build(db, unit_id, o, &err) < 0) {
			log_warn("discover %lld: %s", (long long)unit_id, err.detail);
			json_decref(o);
			o = json_pack("{s:[], s:[]}", "new", "popular");
		} else {
			cache_put(unit_id, now, o);
		}
	}
	json_t *lists = viewer_lists(db, actor, unit_id, a);
	json_object_set_new(o, "has_lists", json_boolean(json_array_size(lists) > 0));
	json_object_set_new(o, "lists", lists);
	json_object_set_new(o, "union", json_boolean(unit_id == 0));
	json_object_set_new(o, "has_popular",
	                    json_boolean(json_array_size(json_object_get(o, "popular")) > 0));
	return o;
}
