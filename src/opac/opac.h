/* opac.h: the public catalogue (OPAC): the union catalogue's works, their search index, and
 * the search of one school or of the whole city.
 *
 * Works (0010_opac.sql). A school's record (biblio) belongs to one work: the records of every
 * school with the same work key (the ISBN-13, else the folded title and authors) are one work of
 * the union catalogue, "held by" the schools that have such a record. opac_sync() attaches new
 * and edited records to their works and counts new loans into the records' and works'
 * popularity; it is an incremental job the server runs every second, restartable at any point
 * (its state is in the database: biblios.work_sync, opac_state), so a record reaches the OPAC a
 * second or two after it is saved, and the librarian's transaction pays nothing for it.
 *
 * The index. Searching is done in the server's memory, not in SQL: every query must count its
 * facets over all its hits and rank them, and doing that in the database costs milliseconds per
 * query at city size (hundreds of thousands of works, millions of copies). The index holds, per
 * work, its folded words, facet values, sort keys and the schools holding it (with each school's
 * record id and loans), in an inverted index of folded words. opac_sync() loads the works whose
 * rev is above what the index has read and swaps them in; readers never wait for a rebuild.
 * Display data (titles, authors, copies on the shelf) is not in the index: pages read it from the
 * database for the records of the page only (opac_describe and friends, record.c).
 *
 * Words are cut and folded exactly as the staff search does (text_fold; runs of a-z, 0-9 and
 * non-ASCII bytes), so "tieng viet" finds "Tiếng Việt" and "dai" finds "Đại".
 */
#ifndef THUVIEN_OPAC_OPAC_H
#define THUVIEN_OPAC_OPAC_H

#include <stdbool.h>
#include <stdint.h>

#include "accounts/actor.h"
#include "base/arena.h"
#include "base/err.h"
#include "db/db.h"

/* --- the sync (sync.c) ------------------------------------------------------------------------ */

/* One round of the job: attach every record with work_sync = 1 to its work (creating the work,
 * or moving an edited record to another work and refreshing or emptying the old one), count the
 * home loans made since the last round into biblios.loans and works.loans, then load every work
 * changed since the index's revision into the in-memory index. Work is done in transactions of
 * at most a few thousand records, so a first round on a big city returns after several
 * transactions, never one huge one. Safe to call from several processes on one database (a work
 * key is unique; attaching is idempotent). Returns the number of works the index loaded (>= 0),
 * or -1. */
int opac_sync(db_t *db, err_t *err);

/* Forget the in-memory index (tests, shutdown). The next opac_sync loads it whole. */
void opac_reset(void);

/* --- search (index.c) ------------------------------------------------------------------------- */

typedef enum opac_sort {
	OPAC_SORT_RELEVANCE = 0,
	OPAC_SORT_NEWEST,  /* publication year, newest first; then the latest catalogued */
	OPAC_SORT_POPULAR, /* most home loans (of the school, or of the city), then relevance */
	OPAC_SORT_TITLE,   /* folded title, A to Z */
} opac_sort_t;

/* The facets, in the order of opac_result_t.facets. */
enum {
	OPAC_FACET_TYPE = 0, /* document type code: "STK", "SGK", ... */
	OPAC_FACET_CLASS,    /* main class: the first digit of a DDC number ("8"), or the class mark's
	                      * first token in the 19-class scheme; "" when unclassified (not listed) */
	OPAC_FACET_GRADE,    /* "1".."12" (textbooks and grade-marked books) */
	OPAC_FACET_LANG,     /* "vie", "eng", ... */
	OPAC_FACET_DECADE,   /* "2020" for 2020-2029 */
	OPAC_FACETS
};

typedef struct opac_query {
	const char *q;          /* as typed; NULL or blank: every work (browse), by the sort */
	int64_t unit_id;        /* one school's catalogue; 0: the union catalogue */
	bool anonymous;         /* not logged in: schools with units.opac_public = 0 are left out */
	const char *doc_type;   /* filters, NULL or "" for none; the values of the facets */
	const char *class_main;
	int grade;              /* 0: none */
	const char *language;
	int decade;             /* 0: none; else 2020 for 2020-2029 */
	opac_sort_t sort;
	int64_t offset;         /* paging: any depth, same cost */
	int limit;              /* 1..100 */
} opac_query_t;

typedef struct opac_facet_value {
	const char *value;
	int64_t count;
} opac_facet_value_t;

typedef struct opac_facet {
	opac_facet_value_t *v; /* by count, largest first (decades: newest first), at most 20 */
	size_t n;
} opac_facet_t;

typedef struct opac_hit {
	int64_t work_id;
	int64_t biblio_id; /* school search: the school's record; union: the work's record */
	int schools;       /* schools holding it (union; 1 in a school search) */
	int64_t loans;     /* of the school (school search) or of the city */
	double score;
} opac_hit_t;

typedef struct opac_result {
	int64_t total;                  /* every hit, exact */
	opac_hit_t *hits;               /* the page */
	size_t n;
	opac_facet_t facets[OPAC_FACETS]; /* counted over every hit, with the filters applied
	                                   * except the facet's own, so each value's count is what
	                                   * choosing it would give, and a facet's counts add up to
	                                   * the total when it has no filter */
	const char *suggestion;         /* "did you mean": the query with its unknown or misspelt
	                                 * words replaced by the catalogue's closest words; NULL */
	bool relaxed;                   /* no work had every word: the hits are the works that have
	                                 * all words but one (a missing or extra syllable) */
	int64_t rev;                    /* the index's revision */
} opac_result_t;

/* Search. Needs no database: reads the index only (an empty result before the first sync).
 * ERR_INVALID for a limit out of range or a query over 500 bytes. */
int opac_search(const opac_query_t *q, arena_t *a, opac_result_t *out, err_t *err);

/* Index figures for /healthz and the bench: works and holdings loaded, its revision, and the
 * unix time of the last sync that succeeded. */
typedef struct opac_stats {
	int64_t works, holdings, words, rev, synced_at;
} opac_stats_t;
void opac_stats(opac_stats_t *out);

#endif
