/* index_int.h: the OPAC index's snapshot, between its builder (index.c) and its search
 * (index_search.c).
 *
 * A snapshot is immutable once published: every array lives in the snapshot's own arena, and
 * readers hold a reference (index_acquire / index_release), so the builder can publish a new one
 * at any time with a pointer swap, and the old one is freed by whoever drops its last reference.
 *
 * Documents are dense numbers 0..ndocs-1 (one per work held by at least one school). Words are
 * numbered by their rank in the sorted vocabulary, so the words that start with a prefix are one
 * range [lo, hi) of numbers, and "does this title word start with the query word" is a range
 * test on an integer. */
#ifndef THUVIEN_OPAC_INDEX_INT_H
#define THUVIEN_OPAC_INDEX_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/arena.h"
#include "opac/opac.h"

#define INDEX_MAX_DOCS     (1u << 24) /* ranks are packed in 24 bits of the sort keys */
#define INDEX_NO_YEAR      INT32_MIN
#define INDEX_SPELL_MAXLEN 32

/* A posting (and an entry of a prefix list) is a document number with, in its top two bits, where
 * the word is at best in that document's description: INDEX_IN_TITLE, INDEX_IN_AUTHORS, or 0
 * (elsewhere: subjects, series, publisher, ISBN, class). The ranking reads it from the postings
 * it walks anyway, instead of looking through each hit's title. */
#define INDEX_FLAG_SHIFT 30
#define INDEX_DOC(x)     ((x) & ((1u << INDEX_FLAG_SHIFT) - 1))
#define INDEX_FLAG(x)    ((x) >> INDEX_FLAG_SHIFT)
#define INDEX_IN_AUTHORS 1u
#define INDEX_IN_TITLE   2u

/* One school's holding of a work: its record of the work with the lowest id, and the home loans
 * of all its records of the work. */
typedef struct index_holding {
	uint32_t unit; /* index into snap.unit_id */
	int64_t biblio_id;
	int64_t loans;
} index_holding_t;

/* The part of a snapshot that only a change of the works' words, facet fields or set rebuilds
 * (its own arena, shared by the snapshots built on it; index.c says which fields). */
typedef struct index_text {
	atomic_int refs;
	arena_t *arena;
} index_text_t;

typedef struct index_snap {
	atomic_int refs;
	arena_t *arena; /* the numbers part: holdings, loans, schools, the popularity order */
	index_text_t *text;
	int64_t rev;
	uint32_t *doc_slot; /* the document's entry in the builder's store (text part) */
	uint32_t nlive;     /* documents some school holds */

	/* documents */
	uint32_t ndocs;
	int64_t *work_id;
	int64_t *biblio_id;           /* the work's representative record */
	int64_t *biblio_anon;         /* the same, or the first record of a public school when the
	                               * representative's school is closed (0: no public school holds it) */
	int64_t *loans;               /* of the city */
	int32_t *year;                /* INDEX_NO_YEAR when unknown */
	uint16_t *facet[OPAC_FACETS]; /* value numbers into fval; 0: none */
	uint32_t *hold_off;           /* ndocs + 1 offsets into hold, sorted by unit */
	index_holding_t *hold;
	uint16_t *nopen;     /* public schools holding it */
	uint32_t *title_off; /* ndocs + 1 offsets into title_w: the title's words, in order */
	uint32_t *title_w;
	uint32_t *author_off; /* ndocs + 1 offsets into author_w */
	uint32_t *author_w;
	uint32_t *title_rank;  /* position by (title_fold, work_id) */
	uint32_t *by_title;    /* its inverse */
	uint32_t *newest_rank; /* position by (year desc, unknown last; work_id desc) */
	uint32_t *by_newest;   /* its inverse */
	uint32_t *by_popular;  /* documents by city loans (most first), then title rank */

	/* vocabulary */
	uint32_t nwords;
	const char **word;  /* sorted (bytes) */
	uint32_t *post_off; /* nwords + 1 offsets into post */
	uint32_t *post;     /* documents of each word, ascending, with INDEX_FLAG */
	uint64_t npost;

	/* the documents of every 1- and 2-byte prefix whose range holds many words, deduplicated:
	 * pre_off/pre_len indexed by b0 (one byte) or 256 + b0 * 256 + b1 (two bytes); len 0: none */
	uint32_t *pre_off, *pre_len;
	uint32_t *pre;

	/* spelling candidates: words of 3..INDEX_SPELL_MAXLEN letters a-z, by length
	 * (spell[spell_off[len] .. spell_off[len + 1])), each length's words by frequency */
	uint32_t spell_off[INDEX_SPELL_MAXLEN + 2];
	uint32_t *spell;
	uint32_t *spell_mask; /* the letters of each (bit 0: a), a cheap filter before the distance */

	/* facet values, value 0 unused */
	const char **fval[OPAC_FACETS];
	uint32_t nfval[OPAC_FACETS];

	/* schools, by id */
	uint32_t nunits;
	int64_t *unit_id;
	bool *unit_open;
	uint32_t *unit_doc_off; /* nunits + 1 offsets into unit_doc: the documents each holds */
	uint32_t *unit_doc;

	int64_t nholdings;
} index_snap_t;

/* The index of unit id in s->unit_id (sorted), or UINT32_MAX when the snapshot has no such unit. */
static inline uint32_t index_unit_find(const index_snap_t *s, int64_t id)
{
	uint32_t lo = 0, hi = s->nunits;
	while (lo < hi) {
		uint32_t m = (lo + hi) / 2;
		if (s->unit_id[m] < id)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < s->nunits && s->unit_id[lo] == id ? lo : UINT32_MAX;
}

/* The current snapshot with a reference taken, or NULL before the first load. */
index_snap_t *index_acquire(void);
void index_release(index_snap_t *s);

/* The set of letters a-z in w[0..n), as bits (a: bit 0). Each edit adds or removes at most one
 * letter of a word's set, so two words at distance d differ by at most d letters each way. */
uint32_t index_letters(const char *w, size_t n);

/* The words [lo, hi) that start with the n bytes of p. */
void index_prefix_range(const index_snap_t *s, const char *p, size_t n, uint32_t *lo, uint32_t *hi);

/* --- the builder's store (index.c), read by index_build.c; both under index.c's refresh lock --- */

/* One work as the builder read it: its description's folded fields, and one holding per school
 * (unit is the school's id here, the snapshot's school number in a snapshot). */
typedef struct index_sdoc {
	int64_t work_id, biblio_id, loans;
	int32_t year;
	int grade;
	bool alive;
	char *type, *lang, *cls, *title, *authors, *words; /* one malloc block: type */
	index_holding_t *hold;                             /* unit holds a unit id here */
	uint32_t nhold;
} index_sdoc_t;
extern index_sdoc_t *index_store; /* by slot; a slot keeps its work for the store's life */
extern uint32_t index_nstore;
extern int64_t index_store_rev;               /* the highest works.rev read */
extern int64_t *index_units_id, index_nunits; /* every unit, by id, with units.opac_public */
extern bool *index_units_open;

/* A whole new snapshot of the store; one sharing old's text part (a reference taken) with new
 * numbers. The caller publishes it. */
index_snap_t *index_build_all(void);
index_snap_t *index_build_from(const index_snap_t *old);

/* realloc, aborting when memory is out (as arena.h does: no search or build can go on without). */
static inline void *index_realloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q)
		abort();
	return q;
}

/* A growing uint32 array (malloc'ed; free v). */
typedef struct u32v {
	uint32_t *v;
	size_t n, cap;
} u32v_t;

static inline void u32_push(u32v_t *a, uint32_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 1024;
		a->v = index_realloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = x;
}

#endif
