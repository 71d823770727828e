/* index_build.c: building the OPAC index's snapshots (index_int.h) from the builder's store
 * (index.c), under its refresh lock.
 *
 * The text part: the documents (one per work some school holds, numbered in store order), their
 * words cut by the staff search's rule from search_words, the title and the folded authors, a
 * vocabulary sorted by bytes with posting lists of documents (ascending) by counting, lists for
 * the 1- and 2-byte prefixes that start many words, the spelling candidates by length and
 * frequency, facet values, and the title and newest orders. The numbers part: holdings with the
 * snapshot's school numbers, loans, representative records, each school's documents, and the
 * popularity order. Both are linear in the postings and holdings but for the sorts (vocabulary,
 * titles, newest, popularity). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opac/index_int.h"

#define PREFIX_MIN_WORDS 24 /* a 1- or 2-byte prefix over more words gets its own list */

/* A string table: string -> number, for the vocabulary and the facet values. */
typedef struct strtab {
	const char **s;
	uint32_t *slot; /* number + 1 */
	uint32_t n, cap, scap;
} strtab_t;

static uint32_t hash_str(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static uint32_t strtab_id(strtab_t *t, arena_t *a, const char *s, size_t n)
{
	if ((t->n + 1) * 2 > t->cap) {
		uint32_t ocap = t->cap;
		uint32_t *os = t->slot;
		t->cap = ocap ? ocap * 2 : 64;
		t->slot = calloc(t->cap, sizeof *t->slot);
		if (!t->slot)
			abort();
		for (uint32_t i = 0; i < ocap; i++) {
			if (!os[i])
				continue;
			const char *w = t->s[os[i] - 1];
			uint32_t j = hash_str(w, strlen(w)) & (t->cap - 1);
			while (t->slot[j])
				j = (j + 1) & (t->cap - 1);
			t->slot[j] = os[i];
		}
		free(os);
	}
	uint32_t j = hash_str(s, n) & (t->cap - 1);
	for (; t->slot[j]; j = (j + 1) & (t->cap - 1)) {
		const char *w = t->s[t->slot[j] - 1];
		if (strncmp(w, s, n) == 0 && w[n] == 0)
			return t->slot[j] - 1;
	}
	if (t->n == t->scap) {
		t->scap = t->scap ? t->scap * 2 : 64;
		t->s = index_realloc(t->s, t->scap * sizeof *t->s);
	}
	t->s[t->n] = arena_strndup(a, s, n);
	t->slot[j] = t->n + 1;
	return t->n++;
}

static void strtab_free(strtab_t *t)
{
	free(t->s);
	free(t->slot);
}

static bool word_char(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Every word of s into t; their numbers appended to out. */
static void words_of(strtab_t *t, arena_t *a, const char *s, u32v_t *out)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		while (*p && !word_char(*p))
			p++;
		const unsigned char *b = p;
		while (*p && word_char(*p))
			p++;
		if (p > b)
			u32_push(out, strtab_id(t, a, (const char *)b, (size_t)(p - b)));
	}
}

static const char *const *sort_words;
static int cmp_word(const void *x, const void *y)
{
	return strcmp(sort_words[*(const uint32_t *)x], sort_words[*(const uint32_t *)y]);
}

static const index_snap_t *sort_snap;
static const char **sort_title;
static int cmp_title(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	int c = strcmp(sort_title[a], sort_title[b]);
	if (c)
		return c;
	return sort_snap->work_id[a] < sort_snap->work_id[b] ? -1
	                                                     : sort_snap->work_id[a] > sort_snap->work_id[b];
}

static int cmp_newest(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	int32_t ya = sort_snap->year[a], yb = sort_snap->year[b];
	if (ya != yb)
		return ya > yb ? -1 : 1; /* INDEX_NO_YEAR is the smallest: last */
	return sort_snap->work_id[a] > sort_snap->work_id[b] ? -1
	                                                     : sort_snap->work_id[a] < sort_snap->work_id[b];
}

/* city loans, most first; then title (stable on by_title would do, qsort is not stable) */
static int cmp_popular(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	int64_t la = sort_snap->loans[a], lb = sort_snap->loans[b];
	if (la != lb)
		return la > lb ? -1 : 1;
	return sort_snap->title_rank[a] < sort_snap->title_rank[b]
	           ? -1
	           : sort_snap->title_rank[a] > sort_snap->title_rank[b];
}

static const uint32_t *sort_df;
static int cmp_spell(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	size_t la = strlen(sort_words[a]), lb = strlen(sort_words[b]);
	if (la != lb)
		return la < lb ? -1 : 1;
	if (sort_df[a] != sort_df[b])
		return sort_df[a] > sort_df[b] ? -1 : 1;
	return a < b ? -1 : a > b;
}

/* The slot of a 1- or 2-byte prefix of word w (NUL-terminated): one byte when second is false. */
static size_t prefix_slot(const char *w, bool second)
{
	const unsigned char *p = (const unsigned char *)w;
	return second ? 256 + (size_t)p[0] * 256 + p[1] : p[0];
}

/* The documents of every 1- and 2-byte prefix that starts more than PREFIX_MIN_WORDS words (with
 * where a word of that prefix is at best in each: INDEX_FLAG), each list ascending (so a search walks the
 * per-document arrays in order): counted, then filled, walking the documents in order with their words (dw,
 * numbered as the vocabulary was built; rank maps them to the sorted order). */
static void build_prefixes(index_snap_t *s, const uint32_t *dw, const uint32_t *dw_off, const uint32_t *rank)
{
	arena_t *a = s->text->arena;
	size_t nslots = 256 + 65536;
	s->pre_off = arena_zalloc(a, nslots * sizeof *s->pre_off);
	s->pre_len = arena_zalloc(a, nslots * sizeof *s->pre_len);
	uint32_t *nw = calloc(nslots, sizeof *nw), *last = malloc(nslots * sizeof *last), *fill = NULL;
	for (uint32_t w = 0; w < s->nwords; w++) {
		nw[prefix_slot(s->word[w], false)]++;
		if (s->word[w][1])
			nw[prefix_slot(s->word[w], true)]++;
	}
	for (int pass = 0; pass < 2; pass++) {
		memset(last, 0xff, nslots * sizeof *last);
		for (uint32_t d = 0; d < s->ndocs; d++) {
			for (uint32_t k = dw_off[d]; k < dw_off[d + 1]; k++) {
				const char *w = s->word[rank[INDEX_DOC(dw[k])]];
				uint32_t flag = INDEX_FLAG(dw[k]);
				for (int two = 0; two < 2 && (two == 0 || w[1]); two++) {
					size_t slot = prefix_slot(w, two);
					if (nw[slot] <= PREFIX_MIN_WORDS)
						continue;
					if (last[slot] ==
					    d) { /* the document is listed: where is the prefix at best */
						if (pass == 1 && flag > INDEX_FLAG(s->pre[fill[slot] - 1]))
							s->pre[fill[slot] - 1] = d | flag << INDEX_FLAG_SHIFT;
						continue;
					}
					last[slot] = d;
					if (pass == 0)
						s->pre_len[slot]++;
					else
						s->pre[fill[slot]++] = d | flag << INDEX_FLAG_SHIFT;
				}
			}
		}
		if (pass == 0) {
			uint64_t total = 0;
			for (size_t i = 0; i < nslots; i++) {
				s->pre_off[i] = (uint32_t)total;
				total += s->pre_len[i];
			}
			s->pre = arena_alloc(a, (total + 1) * sizeof *s->pre);
			fill = malloc(nslots * sizeof *fill);
			memcpy(fill, s->pre_off, nslots * sizeof *fill);
		}
	}
	free(fill);
	free(last);
	free(nw);
}

static void build_spelling(index_snap_t *s)
{
	u32v_t c = { 0 };
	for (uint32_t w = 0; w < s->nwords; w++) {
		const char *p = s->word[w];
		size_t n = 0;
		while (p[n] >= 'a' && p[n] <= 'z')
			n++;
		if (p[n] == 0 && n >= 3 && n <= INDEX_SPELL_MAXLEN)
			u32_push(&c, w);
	}
	uint32_t *df = malloc((s->nwords + 1) * sizeof *df);
	for (uint32_t w = 0; w < s->nwords; w++)
		df[w] = s->post_off[w + 1] - s->post_off[w];
	sort_words = s->word;
	sort_df = df;
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, cmp_spell);
	s->spell = arena_alloc(s->text->arena, (c.n + 1) * sizeof *s->spell);
	s->spell_mask = arena_alloc(s->text->arena, (c.n + 1) * sizeof *s->spell_mask);
	for (size_t i = 0; i < c.n; i++) {
		s->spell[i] = c.v[i];
		s->spell_mask[i] = index_letters(s->word[c.v[i]], strlen(s->word[c.v[i]]));
	}
	memset(s->spell_off, 0, sizeof s->spell_off);
	for (size_t i = 0; i < c.n; i++)
		s->spell_off[strlen(s->word[c.v[i]]) + 1]++;
	for (int l = 1; l <= INDEX_SPELL_MAXLEN + 1; l++)
		s->spell_off[l] += s->spell_off[l - 1];
	free(df);
	free(c.v);
}

/* The text part of snapshot s from the store: documents, their words and facet values, the
 * vocabulary and the orders that do not move with loans, in a new index_text_t (called under
 * refresh_mu; the sort_* statics are ours). */
static void build_text(index_snap_t *s)
{
	arena_t *a = arena_new(1 << 20);
	index_text_t *text = arena_zalloc(a, sizeof *text);
	text->arena = a;
	atomic_init(&text->refs, 1);
	s->text = text;

	uint32_t n = 0;
	for (uint32_t i = 0; i < index_nstore; i++)
		n += index_store[i].alive && index_store[i].nhold > 0;
	if (n > INDEX_MAX_DOCS)
		n = INDEX_MAX_DOCS;
	s->ndocs = n;
	s->work_id = arena_alloc(a, (n + 1) * sizeof *s->work_id);
	s->doc_slot = arena_alloc(a, (n + 1) * sizeof *s->doc_slot);
	s->year = arena_alloc(a, (n + 1) * sizeof *s->year);
	s->title_off = arena_alloc(a, (n + 1) * sizeof *s->title_off);
	s->author_off = arena_alloc(a, (n + 1) * sizeof *s->author_off);
	for (int f = 0; f < OPAC_FACETS; f++)
		s->facet[f] = arena_alloc(a, (n + 1) * sizeof *s->facet[f]);
	const char **titles = malloc((n + 1) * sizeof *titles);

	strtab_t voc = { 0 }, fv[OPAC_FACETS] = { 0 };
	for (int f = 0; f < OPAC_FACETS; f++)
		strtab_id(&fv[f], a, "", 0); /* value 0: none */
	u32v_t dw = { 0 }, tw = { 0 }, aw = { 0 }, tmp = { 0 };
	u32v_t dw_off = { 0 };
	u32_push(&dw_off, 0);
	uint32_t *last = NULL, *pos = NULL;
	size_t last_cap = 0;
	uint32_t d = 0;
	for (uint32_t i = 0; i < index_nstore && d < n; i++) {
		const index_sdoc_t *x = &index_store[i];
		if (!x->alive || !x->nhold)
			continue;
		s->work_id[d] = x->work_id;
		s->doc_slot[d] = i;
		s->year[d] = x->year;
		titles[d] = x->title;
		char g[16] = "", dec[16] = "";
		if (x->grade > 0)
			snprintf(g, sizeof g, "%d", x->grade);
		if (x->year != INDEX_NO_YEAR && x->year > 0)
			snprintf(dec, sizeof dec, "%d", x->year / 10 * 10);
		const char *vals[OPAC_FACETS] = { x->type, x->cls, g, x->lang, dec };
		for (int f = 0; f < OPAC_FACETS; f++) {
			uint32_t v = strtab_id(&fv[f], a, vals[f], strlen(vals[f]));
			s->facet[f][d] = v > UINT16_MAX ? 0 : (uint16_t)v;
		}
		/* words: the document's distinct words, then the title's and authors' in order */
		s->title_off[d] = (uint32_t)tw.n;
		s->author_off[d] = (uint32_t)aw.n;
		tmp.n = 0;
		words_of(&voc, a, x->words, &tmp);
		size_t t0 = tmp.n;
		words_of(&voc, a, x->title, &tmp);
		for (size_t k = t0; k < tmp.n; k++)
			u32_push(&tw, tmp.v[k]);
		size_t a0 = tmp.n;
		words_of(&voc, a, x->authors, &tmp);
		for (size_t k = a0; k < tmp.n; k++)
			u32_push(&aw, tmp.v[k]);
		if (voc.n > last_cap) {
			size_t oc = last_cap;
			last_cap = voc.cap;
			last = index_realloc(last, last_cap * sizeof *last);
			pos = index_realloc(pos, last_cap * sizeof *pos);
			memset(last + oc, 0, (last_cap - oc) * sizeof *last);
		}
		/* each distinct word once, with where it is at best: title, authors, elsewhere */
		for (size_t k = 0; k < tmp.n; k++) {
			uint32_t w = tmp.v[k], flag = k >= a0   ? INDEX_IN_AUTHORS
			                              : k >= t0 ? INDEX_IN_TITLE
			                                        : 0;
			if (last[w] != d + 1) {
				last[w] = d + 1;
				pos[w] = (uint32_t)dw.n;
				u32_push(&dw, w | flag << INDEX_FLAG_SHIFT);
			} else if (flag > INDEX_FLAG(dw.v[pos[w]])) {
				dw.v[pos[w]] = w | flag << INDEX_FLAG_SHIFT;
			}
		}
		u32_push(&dw_off, (uint32_t)dw.n);
		d++;
	}
	s->title_off[n] = (uint32_t)tw.n;
	s->author_off[n] = (uint32_t)aw.n;
	free(last);
	free(pos);

	/* vocabulary: sort, renumber by rank, postings by counting */
	uint32_t nw = voc.n;
	s->nwords = nw;
	uint32_t *order = malloc((nw + 1) * sizeof *order);
	uint32_t *rank = malloc((nw + 1) * sizeof *rank);
	for (uint32_t w = 0; w < nw; w++)
		order[w] = w;
	sort_words = voc.s;
	if (nw)
		qsort(order, nw, sizeof *order, cmp_word);
	s->word = arena_alloc(a, (nw + 1) * sizeof *s->word);
	for (uint32_t r = 0; r < nw; r++) {
		rank[order[r]] = r;
		s->word[r] = voc.s[order[r]];
	}
	s->post_off = arena_zalloc(a, (nw + 1) * sizeof *s->post_off);
	for (size_t k = 0; k < dw.n; k++)
		s->post_off[rank[INDEX_DOC(dw.v[k])] + 1]++;
	for (uint32_t r = 0; r < nw; r++)
		s->post_off[r + 1] += s->post_off[r];
	s->npost = dw.n;
	s->post = arena_alloc(a, (dw.n + 1) * sizeof *s->post);
	uint32_t *fill = malloc((nw + 1) * sizeof *fill);
	memcpy(fill, s->post_off, (nw + 1) * sizeof *fill);
	for (uint32_t x = 0; x < n; x++)
		for (uint32_t k = dw_off.v[x]; k < dw_off.v[x + 1]; k++)
			s->post[fill[rank[INDEX_DOC(dw.v[k])]]++] = x | INDEX_FLAG(dw.v[k])
			                                                    << INDEX_FLAG_SHIFT;
	free(fill);
	s->title_w = arena_alloc(a, (tw.n + 1) * sizeof *s->title_w);
	for (size_t k = 0; k < tw.n; k++)
		s->title_w[k] = rank[tw.v[k]];
	s->author_w = arena_alloc(a, (aw.n + 1) * sizeof *s->author_w);
	for (size_t k = 0; k < aw.n; k++)
		s->author_w[k] = rank[aw.v[k]];
	build_prefixes(s, dw.v, dw_off.v, rank);
	free(order);
	free(rank);
	free(dw.v);
	free(dw_off.v);
	free(tw.v);
	free(aw.v);
	free(tmp.v);
	strtab_free(&voc);

	for (int f = 0; f < OPAC_FACETS; f++) {
		s->nfval[f] = fv[f].n > UINT16_MAX ? UINT16_MAX : fv[f].n;
		s->fval[f] = arena_alloc(a, (fv[f].n + 1) * sizeof *s->fval[f]);
		memcpy(s->fval[f], fv[f].s, fv[f].n * sizeof *fv[f].s);
		strtab_free(&fv[f]);
	}

	/* sort orders */
	s->title_rank = arena_alloc(a, (n + 1) * sizeof *s->title_rank);
	s->by_title = arena_alloc(a, (n + 1) * sizeof *s->by_title);
	s->newest_rank = arena_alloc(a, (n + 1) * sizeof *s->newest_rank);
	uint32_t *ord = malloc((n + 1) * sizeof *ord);
	for (uint32_t x = 0; x < n; x++)
		ord[x] = x;
	sort_snap = s;
	sort_title = titles;
	if (n)
		qsort(ord, n, sizeof *ord, cmp_title);
	for (uint32_t r = 0; r < n; r++) {
		s->by_title[r] = ord[r];
		s->title_rank[ord[r]] = r;
	}
	s->by_newest = arena_alloc(a, (n + 1) * sizeof *s->by_newest);
	for (uint32_t x = 0; x < n; x++)
		s->by_newest[x] = x;
	if (n)
		qsort(s->by_newest, n, sizeof *s->by_newest, cmp_newest);
	for (uint32_t r = 0; r < n; r++)
		s->newest_rank[s->by_newest[r]] = r;
	free(ord);
	free(titles);

	build_spelling(s);
}

/* The numbers part of snapshot s, whose text part is built: per document its holdings (with the
 * snapshot's school numbers), representative records, loans, the popularity order, and per
 * school its documents, read from the store through doc_slot. A document whose work left the
 * store (no school holds it any more) keeps its number with no holding: every search skips it
 * until the next text build. Cheap (no words, no sort but one): what a round that only counted
 * loans or moved records between schools rebuilds. */
static void build_numbers(index_snap_t *s)
{
	arena_t *a = s->arena;
	uint32_t n = s->ndocs;
	s->rev = index_store_rev;
	s->nunits = (uint32_t)index_nunits;
	s->unit_id = arena_alloc(a, (s->nunits + 1) * sizeof *s->unit_id);
	s->unit_open = arena_alloc(a, (s->nunits + 1) * sizeof *s->unit_open);
	if (s->nunits) {
		memcpy(s->unit_id, index_units_id, s->nunits * sizeof *s->unit_id);
		memcpy(s->unit_open, index_units_open, s->nunits * sizeof *s->unit_open);
	}
	s->biblio_id = arena_alloc(a, (n + 1) * sizeof *s->biblio_id);
	s->biblio_anon = arena_alloc(a, (n + 1) * sizeof *s->biblio_anon);
	s->loans = arena_alloc(a, (n + 1) * sizeof *s->loans);
	s->nopen = arena_alloc(a, (n + 1) * sizeof *s->nopen);
	s->hold_off = arena_alloc(a, (n + 1) * sizeof *s->hold_off);
	int64_t nhold = 0;
	s->nlive = 0;
	for (uint32_t d = 0; d < n; d++) {
		const index_sdoc_t *x = &index_store[s->doc_slot[d]];
		if (x->alive && x->nhold) {
			nhold += x->nhold;
			s->nlive++;
		}
	}
	s->nholdings = nhold;
	/* holdings, with unit numbers of the snapshot; per school document lists */
	s->hold = arena_alloc(a, ((size_t)nhold + 1) * sizeof *s->hold);
	uint32_t *ucount = calloc(s->nunits + 1, sizeof *ucount);
	size_t h = 0;
	for (uint32_t d = 0; d < n; d++) {
		const index_sdoc_t *x = &index_store[s->doc_slot[d]];
		s->hold_off[d] = (uint32_t)h;
		s->biblio_id[d] = x->biblio_id;
		s->loans[d] = x->alive ? x->loans : 0;
		if (!x->alive) {
			s->nopen[d] = 0;
			s->biblio_anon[d] = 0;
			continue;
		}
		uint16_t open = 0;
		int64_t anon = 0;
		bool rep_open = false;
		for (uint32_t k = 0; k < x->nhold; k++) {
			uint32_t u = index_unit_find(s, (int64_t)x->hold[k].unit);
			if (u == UINT32_MAX)
				continue;
			s->hold[h] = x->hold[k];
			s->hold[h].unit = u;
			h++;
			ucount[u]++;
			if (s->unit_open[u]) {
				open++;
				if (!anon)
					anon = x->hold[k].biblio_id;
				if (x->hold[k].biblio_id == x->biblio_id)
					rep_open = true;
			}
		}
		s->nopen[d] = open;
		s->biblio_anon[d] = rep_open ? x->biblio_id : anon;
	}
	s->hold_off[n] = (uint32_t)h;
	s->unit_doc_off = arena_alloc(a, (s->nunits + 1) * sizeof *s->unit_doc_off);
	s->unit_doc_off[0] = 0;
	for (uint32_t u = 0; u < s->nunits; u++)
		s->unit_doc_off[u + 1] = s->unit_doc_off[u] + ucount[u];
	s->unit_doc = arena_alloc(a, (h + 1) * sizeof *s->unit_doc);
	memcpy(ucount, s->unit_doc_off, s->nunits * sizeof *ucount);
	for (uint32_t x = 0; x < n; x++)
		for (uint32_t k = s->hold_off[x]; k < s->hold_off[x + 1]; k++)
			s->unit_doc[ucount[s->hold[k].unit]++] = x;
	free(ucount);

	s->by_popular = arena_alloc(a, (n + 1) * sizeof *s->by_popular);
	memcpy(s->by_popular, s->by_title, n * sizeof *s->by_popular);
	sort_snap = s;
	if (n)
		qsort(s->by_popular, n, sizeof *s->by_popular, cmp_popular);
}

static index_snap_t *snap_new(void)
{
	arena_t *a = arena_new(1 << 16);
	index_snap_t *s = arena_zalloc(a, sizeof *s);
	s->arena = a;
	atomic_init(&s->refs, 1);
	return s;
}

/* A whole new snapshot. */
index_snap_t *index_build_all(void)
{
	index_snap_t *s = snap_new();
	build_text(s);
	build_numbers(s);
	return s;
}

/* A snapshot sharing the text part of old (a reference taken), with new numbers. */
index_snap_t *index_build_from(const index_snap_t *old)
{
	index_snap_t *s = snap_new();
	arena_t *a = s->arena;
	*s = *old;
	s->arena = a;
	atomic_init(&s->refs, 1);
	atomic_fetch_add(&s->text->refs, 1);
	build_numbers(s);
	return s;
}
