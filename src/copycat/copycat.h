/* copycat.h: copy cataloguing (biên mục sao chép): find a book's record in another library's
 * catalogue over Z39.50 or SRU, and take it into the school's catalogue instead of typing it;
 * and the union search of the city's school catalogues (which schools hold a title).
 *
 * Targets are named in the setting copycat_targets, a comma-separated list of
 *     name=host:port/database             a Z39.50 server (records asked for in USMARC)
 *     sru:name=http://host:port/path      an SRU server (SRU GET, CQL, MARCXML records)
 * Every target of a search is asked at the same time (ZOOM's asynchronous mode); each has its own
 * timeout, so a dead or silent target costs at most that long and is reported as that target's
 * error while the others' hits are kept. Host names are resolved before the timeout applies:
 * configure addresses, or names the resolver answers at once.
 *
 * A retrieved record goes through src/marc's reader, as a file import would: converted to UTF-8
 * NFC, checked, mapped to biblio_t, kept whole as MARCXML. Importing one writes it to the
 * librarian's own school with N copies in a new intake batch (marc_commit).
 *
 * Memory: every result lives in the caller's arena.
 */
#ifndef THUVIEN_COPYCAT_COPYCAT_H
#define THUVIEN_COPYCAT_COPYCAT_H

#include <stddef.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "catalog/catalog.h"
#include "db/db.h"

#define COPYCAT_MAX_TARGETS 16
#define COPYCAT_MAX_QUERY   200 /* bytes of a query */
#define COPYCAT_MAX_HITS    50  /* records fetched per target at most */
#define COPYCAT_MAX_TIMEOUT 5   /* seconds per target at most */

typedef struct copycat_target {
	const char *name;    /* [A-Za-z0-9_.-], 1..40 characters, unique in the list */
	const char *address; /* "host:port/database" (Z39.50) or "http://host:port/path" (SRU) */
	int sru;             /* 1: SRU */
} copycat_target_t;

/* Parse a copycat_targets setting (see above) into *out (arena a). An empty or NULL spec gives
 * no target. ERR_INVALID "err.copycat.config" with the bad entry in detail for a malformed entry,
 * a duplicate name or more than COPYCAT_MAX_TARGETS entries. */
int copycat_targets_parse(const char *spec, arena_t *a, copycat_target_t **out, size_t *n, err_t *err);

typedef enum copycat_by {
	COPYCAT_BY_AUTO = 0,
	COPYCAT_BY_TITLE,
	COPYCAT_BY_AUTHOR,
	COPYCAT_BY_ISBN
} copycat_by_t;

/* "title", "author", "isbn"; "" or NULL or "auto" give COPYCAT_BY_AUTO (an ISBN when the query
 * is a valid ISBN, else the title). -1 for anything else. */
int copycat_by_parse(const char *s);

typedef struct copycat_hit {
	const char *target; /* the target's name */
	int position;       /* 1-based position in that target's result set */
	biblio_t bib;       /* the mapped short fields (title, authors, year, isbn, publisher...) */
	const char *raw;    /* the record as the target sent it (ISO 2709 or MARCXML) */
	size_t raw_len;
	const char *marcxml; /* as src/marc keeps it */
} copycat_hit_t;

typedef struct copycat_result {
	const char *target;
	int64_t total;     /* hits the target reported (-1 on error) */
	const char *error; /* NULL, or what went wrong with this target, in English (shown as is) */
	int timed_out;     /* 1: the error is the timeout */
	int rejected;      /* records returned that src/marc refused (not in hits) */
} copycat_result_t;

typedef struct copycat_search_out {
	copycat_hit_t *hits; /* target by target, in each target's order */
	size_t nhits;
	copycat_result_t *targets; /* one per target asked, in the order given */
	size_t ntargets;
} copycat_search_out_t;

/* Search targets[0..ntargets) for query (1..COPYCAT_MAX_QUERY bytes of UTF-8 after trimming), by
 * title, author or ISBN, fetching at most max_hits (1..COPYCAT_MAX_HITS) records per target and
 * waiting at most timeout seconds (1..COPYCAT_MAX_TIMEOUT) for each. Returns 0 whenever the query
 * was valid, even when every target failed (see out->targets[i].error); ERR_INVALID
 * ("err.copycat.query", "err.copycat.no_targets") for a bad query or an empty target list. */
int copycat_search(const copycat_target_t *targets, size_t ntargets, const char *query, copycat_by_t by,
                   int max_hits, int timeout, arena_t *a, copycat_search_out_t *out, err_t *err);

/* Write hit (its record read again from raw by src/marc) into the actor's school with copies
 * copies (1..1000) in a new intake batch (source "other", the target named in its note), keeping
 * the MARCXML. Remote holdings (852/952) do not count: the school gets copies copies. *id receives
 * the new record. Librarians of a school only (ERR_FORBIDDEN); ERR_CONFLICT "err.copycat.duplicate"
 * with *dup_id set when the school has the record already (same ISBN, or same title + authors +
 * year); ERR_INVALID "err.copycat.record" when the record does not read. */
int copycat_import(db_t *db, const actor_t *actor, const copycat_hit_t *hit, int copies, int64_t *id,
                   int64_t *dup_id, err_t *err);

/* --- the union catalogue of the city (read only) -------------------------------------------------- */

typedef struct copycat_holding {
	int64_t unit_id;
	const char *unit_code;
	const char *unit_name;
	int64_t copies; /* copies not withdrawn; no copy's details are given */
} copycat_holding_t;

typedef struct copycat_title {
	const char *title, *subtitle, *authors, *publisher, *isbn;
	int year;
	int64_t biblio_id;           /* a record of the actor's own school with this title, else 0 */
	copycat_holding_t *holdings; /* the schools that hold it, by code */
	size_t nholdings;
} copycat_title_t;

/* The titles of every school of the actor's city (the root of its unit path) matching query (the
 * staff search's rule: every folded word in the folded search text, or the ISBN), grouped by ISBN
 * (else by folded title + authors + year), by title, at most limit (1..100) titles: public
 * bibliographic fields and per-school copy counts only. Everyone but readers (ERR_FORBIDDEN).
 * ERR_INVALID "err.copycat.query" for an empty or too long query. */
int copycat_union_search(db_t *db, const actor_t *actor, const char *query, int limit, arena_t *a,
                         copycat_title_t **out, size_t *n, err_t *err);

#endif
