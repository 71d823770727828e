/* index_search.c: opac_search (opac.h) over a snapshot of the index (index_int.h).
 *
 * Matching, as the staff search (src/catalog/search.c): the query is folded and cut into words;
 * a work matches when every query word is a prefix of one of its words. Each query word is a
 * range of the sorted vocabulary; its documents are the postings of that range (or, for a word
 * of one or two bytes, the precomputed list of its prefix, so "t" is one list, not thousands).
 * Words are taken cheapest first; a byte per document counts how many words it has passed, so
 * the work of a query is the postings of its words, never the whole catalogue.
 *
 * Ranking. Per query word, the best place it hits in a work: a title word whole (30) or as a
 * prefix (20), an author's word whole (12) or prefix (8), another word (2); a title that starts
 * with the query adds 40, one that equals it 100. Ties: loans, then title. Every order is a 64-bit
 * key per hit whose low 24 bits are the work's title rank (so the key names its work); the page
 * is cut after a heap selection of the first offset + limit keys, or a radix sort of all of them
 * for deep pages: both linear in the hits, so page 1000 costs what page 1 costs.
 *
 * Facets are counted over every hit with the other facets' filters applied: a hit failing one
 * filter still counts in that filter's facet. No lock is held while searching: the snapshot is
 * immutable and referenced.
 *
 * Typos. A query word that starts no vocabulary word is replaced, for the suggestion, by two
 * words it glues ("tiengviet"), else by the most frequent word at Damerau-Levenshtein distance
 * 1 (4-7 letters) or 2 (8 and more). With two or more words and no work having them all, the
 * works having all but one are returned, flagged relaxed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "opac/index_int.h"

#define MAX_WORDS 8
#define MAX_QUERY 500
#define SCORE_MAX 4095
#define LOANS_MAX ((1ull << 28) - 1)
#define FACET_MAX 20

typedef struct qword {
	const char *w;
	size_t n;
	uint32_t lo, hi;     /* the vocabulary's words starting with w */
	uint32_t exact;      /* the word w itself, or UINT32_MAX */
	const uint32_t *src; /* its documents (with repeats when several words of the range hold one),
	                      * with INDEX_FLAG */
	size_t nsrc;
	bool list; /* src is its prefix's list (one entry a document), not the postings */
} qword_t;

static bool word_char(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Document d's holding by school u, or NULL. */
static const index_holding_t *holding(const index_snap_t *s, uint32_t d, uint32_t u)
{
	uint32_t lo = s->hold_off[d], hi = s->hold_off[d + 1];
	while (lo < hi) {
		uint32_t m = (lo + hi) / 2;
		if (s->hold[m].unit < u)
			lo = m + 1;
		else
			hi = m;
	}
	return lo < s->hold_off[d + 1] && s->hold[lo].unit == u ? &s->hold[lo] : NULL;
}

static void word_source(const index_snap_t *s, qword_t *w)
{
	index_prefix_range(s, w->w, w->n, &w->lo, &w->hi);
	w->exact = w->lo < w->hi && strlen(s->word[w->lo]) == w->n ? w->lo : UINT32_MAX;
	if (w->n <= 2) {
		const unsigned char *p = (const unsigned char *)w->w;
		size_t slot = w->n == 1 ? p[0] : 256 + (size_t)p[0] * 256 + p[1];
		if (s->pre_len[slot]) {
			w->src = s->pre + s->pre_off[slot];
			w->nsrc = s->pre_len[slot];
			w->list = true;
			return;
		}
	}
	w->src = s->post + s->post_off[w->lo];
	w->nsrc = s->post_off[w->hi] - s->post_off[w->lo];
}

/* --- ranking -------------------------------------------------------------------------------- */

static bool in_range(uint32_t x, const qword_t *w)
{
	return x >= w->lo && x < w->hi;
}

/* What a title starting with the query (+40) or equal to it (+140) adds. */
static unsigned title_bonus(const index_snap_t *s, uint32_t d, const qword_t *w, int nw)
{
	const uint32_t *t = s->title_w + s->title_off[d];
	uint32_t nt = s->title_off[d + 1] - s->title_off[d];
	unsigned score = 0;
	if (nw > 0 && nt >= (uint32_t)nw) {
		bool starts = true;
		for (int i = 0; i < nw - 1 && starts; i++)
			starts = t[i] == w[i].exact;
		if (starts && in_range(t[nw - 1], &w[nw - 1])) {
			score += 40;
			if (nt == (uint32_t)nw && t[nw - 1] == w[nw - 1].exact)
				score += 100;
		}
	}
	return score;
}

/* The points of one query word's best place in a document, from its posting's flag. */
static unsigned word_points(uint32_t flag, bool exact)
{
	return flag == INDEX_IN_TITLE ? (exact ? 30 : 20) : flag == INDEX_IN_AUTHORS ? (exact ? 12 : 8) : 2;
}

/* The whole score, looking through the document's title and authors (the relaxed search, whose
 * words did not all match; the strict one adds word_points while it matches). */
static unsigned score_of(const index_snap_t *s, uint32_t d, const qword_t *w, int nw, bool relaxed)
{
	unsigned score = 0;
	const uint32_t *t = s->title_w + s->title_off[d];
	uint32_t nt = s->title_off[d + 1] - s->title_off[d];
	const uint32_t *au = s->author_w + s->author_off[d];
	uint32_t na = s->author_off[d + 1] - s->author_off[d];
	for (int i = 0; i < nw; i++) {
		unsigned best = 0;
		if (w[i].lo == w[i].hi)
			continue;
		for (uint32_t k = 0; k < nt && best < 30; k++)
			if (t[k] == w[i].exact)
				best = 30;
			else if (in_range(t[k], &w[i]) && best < 20)
				best = 20;
		for (uint32_t k = 0; k < na && best < 12; k++)
			if (au[k] == w[i].exact)
				best = 12;
			else if (in_range(au[k], &w[i]) && best < 8)
				best = 8;
		score += best ? best : relaxed ? 1 : 2;
	}
	score += title_bonus(s, d, w, nw);
	return score > SCORE_MAX ? SCORE_MAX : score;
}

/* A hit's score: its word points from the strict match plus the title's bonus, or the relaxed
 * search's whole score; 0 for a browse. */
static unsigned hit_score(const index_snap_t *s, uint32_t d, const qword_t *w, int nw, bool relaxed,
                          const uint16_t *points)
{
	if (!nw)
		return 0;
	if (relaxed || !points)
		return score_of(s, d, w, nw, relaxed);
	unsigned score = points[d] + title_bonus(s, d, w, nw);
	score = score > SCORE_MAX ? SCORE_MAX : score;
#ifdef INDEX_CHECK_SCORES
	if (score != score_of(s, d, w, nw, false)) {
		fprintf(stderr, "score %u, looked up %u: work %lld\n", score, score_of(s, d, w, nw, false),
		        (long long)s->work_id[d]);
		abort();
	}
#endif
	return score;
}

static uint64_t key_of(const index_snap_t *s, uint32_t d, opac_sort_t sort, unsigned score, int64_t loans)
{
	uint64_t l = loans < 0 ? 0 : (uint64_t)loans > LOANS_MAX ? LOANS_MAX : (uint64_t)loans;
	uint64_t tr = s->title_rank[d];
	switch (sort) {
	case OPAC_SORT_NEWEST:
		return (uint64_t)s->newest_rank[d] << 24 | tr;
	case OPAC_SORT_POPULAR:
		return (LOANS_MAX - l) << 36 | (uint64_t)(SCORE_MAX - score) << 24 | tr;
	case OPAC_SORT_TITLE:
		return tr;
	case OPAC_SORT_RELEVANCE:
	default:
		return (uint64_t)(SCORE_MAX - score) << 52 | (LOANS_MAX - l) << 24 | tr;
	}
}

/* --- selecting the page --------------------------------------------------------------------- */

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

static void sift_down(uint64_t *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && h[l] > h[m])
			m = l;
		if (r < n && h[r] > h[m])
			m = r;
		if (m == i)
			return;
		uint64_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* The k smallest of v[0..n) into v[0..k), in order (v is reordered). k <= n. */
static void select_first(arena_t *a, uint64_t *v, size_t n, size_t k)
{
	if (k == 0)
		return;
	if (n <= 64 || k * 64 < n) {
		/* a max-heap of the k smallest seen */
		for (size_t i = k / 2; i-- > 0;)
			sift_down(v, k, i);
		for (size_t i = k; i < n; i++) {
			if (v[i] < v[0]) {
				v[0] = v[i];
				sift_down(v, k, 0);
			}
		}
		qsort(v, k, sizeof *v, cmp_u64);
		return;
	}
	/* LSD radix sort, one byte a pass, every byte's counts taken in one read; the bytes every
	 * key shares are skipped */
	uint64_t *tmp = arena_alloc(a, n * sizeof *tmp);
	size_t(*count)[257] = arena_zalloc(a, 8 * sizeof *count);
	for (size_t i = 0; i < n; i++)
		for (int b = 0; b < 8; b++)
			count[b][((v[i] >> (8 * b)) & 0xff) + 1]++;
	uint64_t *src = v, *dst = tmp;
	for (int b = 0; b < 8; b++) {
		int shift = 8 * b;
		if (count[b][((src[0] >> shift) & 0xff) + 1] == n)
			continue;
		for (int x = 0; x < 256; x++)
			count[b][x + 1] += count[b][x];
		for (size_t i = 0; i < n; i++)
			dst[count[b][(src[i] >> shift) & 0xff]++] = src[i];
		uint64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof *v);
}

/* --- facets --------------------------------------------------------------------------------- */

static int cmp_fv_count(const void *x, const void *y)
{
	const opac_facet_value_t *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->value, b->value);
}

static int cmp_fv_decade(const void *x, const void *y)
{
	const opac_facet_value_t *a = x, *b = y;
	long da = atol(a->value), db = atol(b->value);
	return da > db ? -1 : da < db;
}

static void facet_out(const index_snap_t *s, int f, const int64_t *count, arena_t *a, opac_facet_t *out)
{
	size_t n = 0;
	for (uint32_t v = 1; v < s->nfval[f]; v++)
		n += count[v] > 0;
	out->v = arena_alloc(a, (n + 1) * sizeof *out->v);
	out->n = 0;
	for (uint32_t v = 1; v < s->nfval[f]; v++)
		if (count[v] > 0)
			out->v[out->n++] = (opac_facet_value_t){ .value = arena_strdup(a, s->fval[f][v]),
				                                 .count = count[v] };
	qsort(out->v, out->n, sizeof *out->v, f == OPAC_FACET_DECADE ? cmp_fv_decade : cmp_fv_count);
	if (out->n > FACET_MAX)
		out->n = FACET_MAX;
}

/* The value number of a filter: 0 for none, UINT32_MAX for a value no work has. */
static uint32_t filter_value(const index_snap_t *s, int f, const char *v)
{
	if (!v || !*v)
		return 0;
	for (uint32_t i = 1; i < s->nfval[f]; i++)
		if (strcmp(s->fval[f][i], v) == 0)
			return i;
	return UINT32_MAX;
}

/* --- suggestions ---------------------------------------------------------------------------- */

/* Optimal string alignment distance of a and b when it is at most max, else max + 1. */
static int distance(const char *a, size_t na, const char *b, size_t nb, int max)
{
	int d[INDEX_SPELL_MAXLEN + 1][INDEX_SPELL_MAXLEN + 1];
	if (na > INDEX_SPELL_MAXLEN || nb > INDEX_SPELL_MAXLEN)
		return max + 1;
	for (size_t j = 0; j <= nb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= na; i++) {
		d[i][0] = (int)i;
		int row_min = d[i][0];
		for (size_t j = 1; j <= nb; j++) {
			int c = a[i - 1] == b[j - 1] ? 0 : 1;
			int v = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
			if (v < row_min)
				row_min = v;
		}
		if (row_min > max)
			return max + 1;
	}
	return d[na][nb];
}

static uint32_t df(const index_snap_t *s, uint32_t w)
{
	return s->post_off[w + 1] - s->post_off[w];
}

static uint32_t exact_word(const index_snap_t *s, const char *p, size_t n)
{
	uint32_t lo, hi;
	index_prefix_range(s, p, n, &lo, &hi);
	return lo < hi && strlen(s->word[lo]) == n ? lo : UINT32_MAX;
}

/* The replacement of an unknown word w[0..n), or NULL. */
static const char *correct(const index_snap_t *s, arena_t *a, const char *w, size_t n)
{
	/* two glued words, both known: the split whose rarer half is most frequent */
	uint32_t best = 0;
	size_t cut = 0;
	for (size_t i = 2; i + 2 <= n; i++) {
		uint32_t l = exact_word(s, w, i), r = exact_word(s, w + i, n - i);
		if (l == UINT32_MAX || r == UINT32_MAX)
			continue;
		uint32_t f = df(s, l) < df(s, r) ? df(s, l) : df(s, r);
		if (f > best) {
			best = f;
			cut = i;
		}
	}
	if (cut)
		return arena_printf(a, "%.*s %.*s", (int)cut, w, (int)(n - cut), w + cut);
	for (size_t i = 0; i < n; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return NULL;
	int max = n >= 8 ? 2 : n >= 4 ? 1 : 0;
	if (!max)
		return NULL;
	uint32_t found = UINT32_MAX, letters = index_letters(w, n);
	int found_d = max + 1;
	for (size_t len = n - (size_t)max; len <= n + (size_t)max; len++) {
		if (len < 3 || len > INDEX_SPELL_MAXLEN)
			continue;
		for (uint32_t k = s->spell_off[len]; k < s->spell_off[len + 1]; k++) {
			uint32_t m = s->spell_mask[k];
			if (__builtin_popcount(letters & ~m) > max || __builtin_popcount(m & ~letters) > max)
				continue;
			uint32_t c = s->spell[k];
			int dist = distance(w, n, s->word[c], len, found_d < max + 1 ? found_d : max);
			if (dist > max)
				continue;
			if (dist < found_d || (dist == found_d && df(s, c) > df(s, found))) {
				found = c;
				found_d = dist;
			}
		}
	}
	return found == UINT32_MAX ? NULL : arena_strdup(a, s->word[found]);
}

static const char *suggest(const index_snap_t *s, arena_t *a, const qword_t *w, int nw)
{
	const char *fix[MAX_WORDS] = { 0 };
	bool any = false;
	for (int i = 0; i < nw; i++) {
		if (w[i].lo == w[i].hi && (fix[i] = correct(s, a, w[i].w, w[i].n)))
			any = true;
	}
	if (!any)
		return NULL;
	char *out = arena_alloc(a, MAX_QUERY * 2 + 16), *p = out;
	for (int i = 0; i < nw; i++) {
		int len = fix[i] ? (int)strlen(fix[i]) : (int)w[i].n;
		p += sprintf(p, "%s%.*s", i ? " " : "", len, fix[i] ? fix[i] : w[i].w);
	}
	return out;
}

/* --- the search ----------------------------------------------------------------------------- */

typedef struct ctx {
	const index_snap_t *s;
	const opac_query_t *q;
	uint32_t unit;   /* UINT32_MAX: the union catalogue */
	uint8_t *member; /* a school's search: 1 for the documents it holds */
} ctx_t;

static bool in_scope(const ctx_t *c, uint32_t d)
{
	if (c->unit != UINT32_MAX)
		return c->member[d];
	return c->q->anonymous ? c->s->nopen[d] > 0 : c->s->hold_off[d + 1] > c->s->hold_off[d];
}

static int cmp_cost(const void *x, const void *y)
{
	const qword_t *a = x, *b = y;
	return a->nsrc < b->nsrc ? -1 : a->nsrc > b->nsrc;
}

/* The documents having every word (or, relaxed, all but one), in scope, into *hits. */
/* The strict pass of word i over its documents: a document that had the i words before gets
 * this one's points (its best place among the range's words). cnt, best and points are per
 * document. Returns how many documents passed. */
static size_t pass_word(const index_snap_t *s, const qword_t *w, int i, uint8_t *cnt, uint8_t *best,
                        uint16_t *points)
{
	size_t moved = 0;
#define VISIT(x, exact)                                                                                      \
	do {                                                                                                 \
		uint32_t d_ = INDEX_DOC(x);                                                                  \
		unsigned p_ = word_points(INDEX_FLAG(x), exact);                                             \
		if (cnt[d_] == i) {                                                                          \
			cnt[d_] = (uint8_t)(i + 1);                                                          \
			best[d_] = (uint8_t)p_;                                                              \
			points[d_] = (uint16_t)(points[d_] + p_);                                            \
			moved++;                                                                             \
		} else if (cnt[d_] == i + 1 && p_ > best[d_]) {                                              \
			points[d_] = (uint16_t)(points[d_] + p_ - best[d_]);                                 \
			best[d_] = (uint8_t)p_;                                                              \
		}                                                                                            \
	} while (0)
	if (w->list) {
		for (size_t k = 0; k < w->nsrc; k++)
			VISIT(w->src[k], false);
		/* the word itself, whole: more points where it is whole */
		if (w->exact != UINT32_MAX)
			for (uint32_t k = s->post_off[w->exact]; k < s->post_off[w->exact + 1]; k++)
				VISIT(s->post[k], true);
	} else {
		for (uint32_t r = w->lo; r < w->hi; r++)
			for (uint32_t k = s->post_off[r]; k < s->post_off[r + 1]; k++)
				VISIT(s->post[k], r == w->exact);
	}
#undef VISIT
	return moved;
}

/* The documents having every word (or, relaxed, all but one), in scope, into *hits; for the
 * strict search *points gets each hit's word points (title_bonus aside). */
static size_t match(const ctx_t *c, arena_t *a, const qword_t *words, int nw, bool relaxed, uint32_t **hits,
                    uint16_t **points)
{
	const index_snap_t *s = c->s;
	qword_t w[MAX_WORDS];
	memcpy(w, words, (size_t)nw * sizeof *w);
	qsort(w, (size_t)nw, sizeof *w, cmp_cost);
	uint8_t *cnt = arena_zalloc(a, s->ndocs + 1);
	size_t n = 0, cap = 0;
	uint32_t *v = NULL;
	if (!relaxed) {
		uint8_t *best = arena_alloc(a, s->ndocs + 1);
		*points = arena_zalloc(a, (s->ndocs + 1) * sizeof **points);
		for (int i = 0; i < nw; i++)
			if (!pass_word(s, &w[i], i, cnt, best, *points))
				return 0;
		if (w[0].nsrc > s->ndocs / 16) {
			/* many: in document order, so what follows reads the per-document arrays in order */
			v = arena_alloc(a, (w[0].nsrc + 1) * sizeof *v);
			for (uint32_t d = 0; d < s->ndocs; d++)
				if (cnt[d] == nw && in_scope(c, d))
					v[n++] = d;
		} else {
			for (size_t k = 0; k < w[0].nsrc; k++) {
				uint32_t d = INDEX_DOC(w[0].src[k]);
				if (cnt[d] == nw) {
					cnt[d] = (uint8_t)(nw + 1);
					if (in_scope(c, d)) {
						v = arena_grow(a, v, n, &cap, 256, sizeof *v);
						v[n++] = d;
					}
				}
			}
		}
		*hits = v;
		return n;
	}
	uint8_t *seen = arena_zalloc(a, s->ndocs + 1);
	for (int i = 0; i < nw; i++) {
		for (size_t k = 0; k < w[i].nsrc; k++) {
			uint32_t d = INDEX_DOC(w[i].src[k]);
			if (seen[d] != i + 1) {
				seen[d] = (uint8_t)(i + 1);
				cnt[d]++;
			}
		}
	}
	/* a document missing one word at most has the first or the second */
	for (int i = 0; i < 2; i++) {
		for (size_t k = 0; k < w[i].nsrc; k++) {
			uint32_t d = INDEX_DOC(w[i].src[k]);
			if (cnt[d] >= nw - 1 && cnt[d] != 255) {
				cnt[d] = 255;
				if (in_scope(c, d)) {
					v = arena_grow(a, v, n, &cap, 256, sizeof *v);
					v[n++] = d;
				}
			}
		}
	}
	*hits = v;
	return n;
}

/* Every document in scope (a blank query). */
static size_t browse(const ctx_t *c, arena_t *a, uint32_t **hits)
{
	const index_snap_t *s = c->s;
	if (c->unit != UINT32_MAX) {
		*hits = s->unit_doc + s->unit_doc_off[c->unit];
		return s->unit_doc_off[c->unit + 1] - s->unit_doc_off[c->unit];
	}
	uint32_t *v = arena_alloc(a, (s->ndocs + 1) * sizeof *v);
	size_t n = 0;
	for (uint32_t d = 0; d < s->ndocs; d++)
		if (in_scope(c, d))
			v[n++] = d;
	*hits = v;
	return n;
}

static int cut_words(arena_t *a, const char *folded, qword_t *w)
{
	int n = 0;
	const unsigned char *p = (const unsigned char *)folded;
	while (*p && n < MAX_WORDS) {
		while (*p && !word_char(*p))
			p++;
		const unsigned char *b = p;
		while (*p && word_char(*p))
			p++;
		if (p > b) {
			memset(&w[n], 0, sizeof w[n]);
			w[n].w = arena_strndup(a, (const char *)b, (size_t)(p - b));
			w[n].n = (size_t)(p - b);
			n++;
		}
	}
	return n;
}

int opac_search(const opac_query_t *q, arena_t *a, opac_result_t *out, err_t *err)
{
	memset(out, 0, sizeof *out);
	if (!q || q->limit < 1 || q->limit > 100 || q->offset < 0)
		return err_set(err, ERR_INVALID, "err.invalid", "limit");
	const char *text = q->q ? q->q : "";
	if (strlen(text) > MAX_QUERY)
		return err_set(err, ERR_INVALID, "err.field.long", "q");
	char *folded = text_fold(a, text);
	if (!folded)
		return err_set(err, ERR_INVALID, "err.utf8", "q");
	for (int f = 0; f < OPAC_FACETS; f++)
		out->facets[f].v = NULL;
	index_snap_t *s = index_acquire();
	if (!s)
		return 0;
	out->rev = s->rev;
	ctx_t c = { .s = s, .q = q, .unit = UINT32_MAX };
	qword_t w[MAX_WORDS];
	int nw = cut_words(a, folded, w);
	uint32_t *cand = NULL;
	uint16_t *points = NULL;
	size_t ncand = 0;
	bool relaxed = false;
	if (q->unit_id) {
		c.unit = index_unit_find(s, q->unit_id);
		if (c.unit == UINT32_MAX || (q->anonymous && !s->unit_open[c.unit]))
			goto done;
		/* a table rather than a look through each hit's holdings (tens of schools hold a
		 * popular book) */
		c.member = arena_zalloc(a, s->ndocs + 1);
		for (uint32_t k = s->unit_doc_off[c.unit]; k < s->unit_doc_off[c.unit + 1]; k++)
			c.member[s->unit_doc[k]] = 1;
	}
	if (nw == 0 && *folded) /* characters but no word ("%"): nothing, as the staff search */
		goto done;
	for (int i = 0; i < nw; i++)
		word_source(s, &w[i]);
	if (nw == 0) {
		ncand = browse(&c, a, &cand);
	} else {
		ncand = match(&c, a, w, nw, false, &cand, &points);
		if (ncand == 0 && nw >= 2) {
			ncand = match(&c, a, w, nw, true, &cand, &points);
			relaxed = ncand > 0;
		}
		out->suggestion = suggest(s, a, w, nw);
	}
	out->relaxed = relaxed;

	/* filters and facets */
	char gbuf[16], dbuf[16];
	snprintf(gbuf, sizeof gbuf, "%d", q->grade);
	snprintf(dbuf, sizeof dbuf, "%d", q->decade);
	uint32_t want[OPAC_FACETS] = { filter_value(s, OPAC_FACET_TYPE, q->doc_type),
		                       filter_value(s, OPAC_FACET_CLASS, q->class_main),
		                       q->grade ? filter_value(s, OPAC_FACET_GRADE, gbuf) : 0,
		                       filter_value(s, OPAC_FACET_LANG, q->language),
		                       q->decade ? filter_value(s, OPAC_FACET_DECADE, dbuf) : 0 };
	int64_t *count[OPAC_FACETS];
	for (int f = 0; f < OPAC_FACETS; f++)
		count[f] = arena_zalloc(a, (s->nfval[f] + 1) * sizeof *count[f]);
	/* Many hits in an order the snapshot has ready (the union's browse, or a title or newest
	 * sort): mark them and walk that order to the page, instead of sorting them. */
	const uint32_t *order = NULL;
	if (ncand > s->ndocs / 16 &&
	    (q->sort == OPAC_SORT_TITLE || q->sort == OPAC_SORT_NEWEST || (nw == 0 && c.unit == UINT32_MAX)))
		order = q->sort == OPAC_SORT_TITLE    ? s->by_title
		        : q->sort == OPAC_SORT_NEWEST ? s->by_newest
		                                      : s->by_popular;
	uint8_t *mark = order ? arena_zalloc(a, s->ndocs + 1) : NULL;
	uint64_t *keys = order ? NULL : arena_alloc(a, (ncand + 1) * sizeof *keys);
	size_t n = 0;
	for (size_t i = 0; i < ncand; i++) {
		uint32_t d = cand[i];
		int nfail = 0, failed = 0;
		for (int f = 0; f < OPAC_FACETS; f++) {
			if (want[f] && s->facet[f][d] != want[f]) {
				nfail++;
				failed = f;
			}
		}
		if (nfail == 1) {
			count[failed][s->facet[failed][d]]++;
			continue;
		}
		if (nfail > 1)
			continue;
		for (int f = 0; f < OPAC_FACETS; f++)
			count[f][s->facet[f][d]]++;
		if (order) {
			mark[d] = 1;
			n++;
			continue;
		}
		unsigned score = hit_score(s, d, w, nw, relaxed, points);
		int64_t loans = s->loans[d];
		if (c.unit != UINT32_MAX)
			loans = holding(s, d, c.unit)->loans;
		keys[n++] = key_of(s, d, q->sort, score, loans);
	}
	for (int f = 0; f < OPAC_FACETS; f++)
		facet_out(s, f, count[f], a, &out->facets[f]);
	out->total = (int64_t)n;

	/* the page */
	if ((uint64_t)q->offset < n) {
		size_t end = (size_t)q->offset + (size_t)q->limit;
		if (end > n)
			end = n;
		uint32_t *page = arena_alloc(a, (end - (size_t)q->offset) * sizeof *page);
		if (order) {
			size_t pos = 0, k = 0;
			for (uint32_t r = 0; r < s->ndocs && pos < end; r++) {
				if (mark[order[r]] && pos++ >= (size_t)q->offset)
					page[k++] = order[r];
			}
		} else {
			select_first(a, keys, n, end);
			for (size_t i = (size_t)q->offset; i < end; i++)
				page[i - (size_t)q->offset] = s->by_title[keys[i] & 0xffffff];
		}
		out->hits = arena_alloc(a, (end - (size_t)q->offset) * sizeof *out->hits);
		for (size_t i = (size_t)q->offset; i < end; i++) {
			uint32_t d = page[i - (size_t)q->offset];
			opac_hit_t *h = &out->hits[out->n++];
			h->work_id = s->work_id[d];
			h->score = hit_score(s, d, w, nw, relaxed, points);
			if (c.unit != UINT32_MAX) {
				const index_holding_t *x = holding(s, d, c.unit);
				h->biblio_id = x->biblio_id;
				h->loans = x->loans;
				h->schools = 1;
			} else {
				h->biblio_id = q->anonymous ? s->biblio_anon[d] : s->biblio_id[d];
				h->loans = s->loans[d];
				h->schools =
				    (int)(q->anonymous ? s->nopen[d] : s->hold_off[d + 1] - s->hold_off[d]);
			}
		}
	}
done:
	for (int f = 0; f < OPAC_FACETS; f++)
		if (!out->facets[f].v)
			out->facets[f].v = arena_zalloc(a, sizeof *out->facets[f].v);
	index_release(s);
	return 0;
}
