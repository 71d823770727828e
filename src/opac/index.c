/* index.c: the OPAC's in-memory index (opac.h): what it keeps, how opac_index_refresh loads it,
 * and how readers get at it. The search itself is index_search.c.
 *
 * Two layers. The *store* is the builder's own: one entry per work ever loaded (its words, facet
 * fields, loans and holdings, as the database has them), changed only by the refresh under
 * refresh_mu. A *snapshot* (index_int.h) is built from the store after every refresh that read
 * something, aside, with no lock held that readers take; then published by swapping one pointer
 * under snap_mu, which readers hold only to take a reference. So a search never waits for a
 * build, and a build never waits for searches; the old snapshot is freed by its last reader.
 *
 * Loading. The first refresh reads every work and one ordered scan of the holdings
 * (biblios_work); later ones read the works whose rev is above the last one read, and the
 * holdings of those works only (by chunks of ids), unless there are very many of them, when one
 * scan is cheaper. units.opac_public is re-read each time (a few hundred rows). Works with
 * schools = 0 leave the index.
 *
 * Cost at city size (300,000 works, 1.5 million records): see docs/ARCHITECTURE.md, "The OPAC's
 * index"; a build is linear in the postings but for two sorts (vocabulary, titles). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/text.h"
#include "opac/index_int.h"
#include "opac/opac_int.h"

#define CHUNK            50    /* ids per holdings query (the statement has CHUNK placeholders) */
#define FULL_SCAN_WORKS  20000 /* more changed works than this: scan every holding instead */
#define PREFIX_MIN_WORDS 24    /* a 1- or 2-byte prefix over more words gets its own list */

/* --- the store ----------------------------------------------------------------------------- */

typedef struct sdoc {
	int64_t work_id, biblio_id, loans;
	int32_t year;
	int grade;
	bool alive;
	char *type, *lang, *cls, *title, *authors, *words; /* one malloc block: type */
	index_holding_t *hold;                             /* unit holds a unit id here */
	uint32_t nhold;
} sdoc_t;

static pthread_mutex_t refresh_mu = PTHREAD_MUTEX_INITIALIZER;
static sdoc_t *store;
static uint32_t nstore, capstore;
static int64_t *map_key; /* work id -> store slot + 1, open addressing */
static uint32_t *map_val;
static uint32_t map_cap, map_n;
static int64_t store_rev;
static int64_t *units_id, nunits_prev;
static bool *units_open;
static int64_t synced_at;

static pthread_mutex_t snap_mu = PTHREAD_MUTEX_INITIALIZER;
static index_snap_t *current;

static uint32_t hash64(int64_t k)
{
	uint64_t x = (uint64_t)k * 0x9E3779B97F4A7C15ull;
	return (uint32_t)(x >> 32);
}

static uint32_t map_get(int64_t key)
{
	if (!map_cap)
		return 0;
	for (uint32_t i = hash64(key) & (map_cap - 1);; i = (i + 1) & (map_cap - 1)) {
		if (map_val[i] == 0)
			return 0;
		if (map_key[i] == key)
			return map_val[i];
	}
}

static void map_put(int64_t key, uint32_t val)
{
	if ((map_n + 1) * 2 > map_cap) {
		uint32_t ocap = map_cap;
		int64_t *ok = map_key;
		uint32_t *ov = map_val;
		map_cap = ocap ? ocap * 2 : 1024;
		map_key = calloc(map_cap, sizeof *map_key);
		map_val = calloc(map_cap, sizeof *map_val);
		if (!map_key || !map_val)
			abort();
		map_n = 0;
		for (uint32_t i = 0; i < ocap; i++)
			if (ov[i])
				map_put(ok[i], ov[i]);
		free(ok);
		free(ov);
	}
	for (uint32_t i = hash64(key) & (map_cap - 1);; i = (i + 1) & (map_cap - 1)) {
		if (map_val[i] == 0) {
			map_key[i] = key;
			map_val[i] = val;
			map_n++;
			return;
		}
		if (map_key[i] == key) {
			map_val[i] = val;
			return;
		}
	}
}

static sdoc_t *store_slot(int64_t work_id)
{
	uint32_t v = map_get(work_id);
	if (v)
		return &store[v - 1];
	if (nstore == capstore) {
		capstore = capstore ? capstore * 2 : 1024;
		store = realloc(store, capstore * sizeof *store);
		if (!store)
			abort();
	}
	sdoc_t *d = &store[nstore++];
	memset(d, 0, sizeof *d);
	d->work_id = work_id;
	map_put(work_id, nstore);
	return d;
}

static void sdoc_clear(sdoc_t *d)
{
	free(d->type);
	free(d->hold);
	int64_t id = d->work_id;
	memset(d, 0, sizeof *d);
	d->work_id = id;
}

static void store_free(void)
{
	for (uint32_t i = 0; i < nstore; i++)
		sdoc_clear(&store[i]);
	free(store);
	free(map_key);
	free(map_val);
	free(units_id);
	free(units_open);
	store = NULL;
	map_key = NULL;
	map_val = NULL;
	units_id = NULL;
	units_open = NULL;
	nstore = capstore = map_cap = map_n = 0;
	nunits_prev = 0;
	store_rev = 0;
}

/* The main class of a class number: the first digit (DDC, and VN19's classes 0-9), else the
 * leading run of letters ("Z"); "" when there is none. Into out (at least 16 bytes). */
static void class_main(const char *c, char *out)
{
	size_t n = 0;
	while (*c == ' ')
		c++;
	if (*c >= '0' && *c <= '9') {
		out[n++] = *c;
	} else {
		while (n < 15 && ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z')))
			out[n++] = *c++;
	}
	out[n] = 0;
}

static char *cat(char **p, const char *s)
{
	char *r = *p;
	size_t n = strlen(s) + 1;
	memcpy(r, s, n);
	*p += n;
	return r;
}

/* Set d from one works row (columns of load_works). */
static void sdoc_set(sdoc_t *d, db_stmt_t *st)
{
	free(d->type);
	d->type = NULL;
	d->biblio_id = db_col_int(st, 1);
	d->year = db_col_null(st, 2) ? INDEX_NO_YEAR : (int32_t)db_col_int(st, 2);
	d->grade = db_col_null(st, 6) ? 0 : (int)db_col_int(st, 6);
	d->loans = db_col_int(st, 11);
	char cls[16];
	class_main(db_col_text(st, 5) ? db_col_text(st, 5) : "", cls);
	const char *f[6] = { db_col_text(st, 3), db_col_text(st, 4), cls, db_col_text(st, 7), NULL,
		             db_col_text(st, 9) };
	char *af = text_fold_dup(db_col_text(st, 8) ? db_col_text(st, 8) : "");
	f[4] = af;
	size_t len = 0;
	for (int i = 0; i < 6; i++)
		len += (f[i] ? strlen(f[i]) : 0) + 1;
	char *p = malloc(len);
	if (!p)
		abort();
	d->type = cat(&p, f[0] ? f[0] : "");
	d->lang = cat(&p, f[1] ? f[1] : "");
	d->cls = cat(&p, f[2]);
	d->title = cat(&p, f[3] ? f[3] : "");
	d->authors = cat(&p, f[4] ? f[4] : "");
	d->words = cat(&p, f[5] ? f[5] : "");
	free(af);
	d->alive = true;
}

/* Holdings rows (work_id, unit_id, id, loans), ordered by work and unit, into the store: one
 * holding per school (its lowest record id, its loans summed). Rows of works not in the store
 * (attached after our works read) are skipped: their rev brings them next time. */
static int read_holdings(db_stmt_t *st, err_t *err)
{
	int rc;
	int64_t cur = 0;
	sdoc_t *d = NULL;
	uint32_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t w = db_col_int(st, 0), unit = db_col_int(st, 1), id = db_col_int(st, 2),
		        loans = db_col_int(st, 3);
		if (w != cur) {
			cur = w;
			uint32_t v = map_get(w);
			d = v && store[v - 1].alive ? &store[v - 1] : NULL;
			if (d) {
				free(d->hold);
				d->hold = NULL;
				d->nhold = 0;
				cap = 0;
			}
		}
		if (!d)
			continue;
		if (d->nhold && d->hold[d->nhold - 1].unit == (uint32_t)unit) {
			index_holding_t *h = &d->hold[d->nhold - 1];
			h->loans += loans;
			if (id < h->biblio_id)
				h->biblio_id = id;
			continue;
		}
		if (d->nhold == cap) {
			cap = cap ? cap * 2 : 4;
			d->hold = realloc(d->hold, cap * sizeof *d->hold);
			if (!d->hold)
				abort();
		}
		/* unit ids are kept here as they are; the build maps them to the snapshot's units */
		d->hold[d->nhold++] =
		    (index_holding_t){ .unit = (uint32_t)unit, .biblio_id = id, .loans = loans };
	}
	db_done(st);
	return rc == DB_DONE ? 0 : rc;
}

/* Re-read units.opac_public; *changed when it differs from what the index has. */
static int load_units(db_t *db, bool *changed, err_t *err)
{
	int64_t n = 0;
	int rc = db_query_int(db, &n, err, "SELECT count(*) FROM units", "");
	if (rc < 0)
		return rc;
	int64_t *ids = calloc((size_t)n + 1, sizeof *ids);
	bool *open = calloc((size_t)n + 1, sizeof *open);
	if (!ids || !open)
		abort();
	int64_t k = 0;
	db_stmt_t *st = db_query(db, err, "SELECT id, opac_public FROM units ORDER BY id", "");
	if (!st) {
		free(ids);
		free(open);
		return -1;
	}
	while ((rc = db_step(st, err)) == DB_ROW && k < n) {
		ids[k] = db_col_int(st, 0);
		open[k++] = db_col_int(st, 1) != 0;
	}
	db_done(st);
	if (rc < 0) {
		free(ids);
		free(open);
		return rc;
	}
	*changed = k != nunits_prev || !units_id || memcmp(ids, units_id, (size_t)k * sizeof *ids) != 0 ||
	           memcmp(open, units_open, (size_t)k * sizeof *open) != 0;
	free(units_id);
	free(units_open);
	units_id = ids;
	units_open = open;
	nunits_prev = k;
	return 0;
}

/* --- building a snapshot -------------------------------------------------------------------- */

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
		t->s = realloc(t->s, t->scap * sizeof *t->s);
		if (!t->s)
			abort();
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

/* A growing uint32 array (malloc). */
typedef struct u32v {
	uint32_t *v;
	size_t n, cap;
} u32v_t;

static void u32_push(u32v_t *a, uint32_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 1024;
		a->v = realloc(a->v, a->cap * sizeof *a->v);
		if (!a->v)
			abort();
	}
	a->v[a->n++] = x;
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

static uint32_t unit_index(const index_snap_t *s, int64_t id)
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

/* The slot of a 1- or 2-byte prefix of word w (NUL-terminated): one byte when second is false. */
static size_t prefix_slot(const char *w, bool second)
{
	const unsigned char *p = (const unsigned char *)w;
	return second ? 256 + (size_t)p[0] * 256 + p[1] : p[0];
}

/* The documents of every 1- and 2-byte prefix that starts more than PREFIX_MIN_WORDS words, each
 * list ascending (so a search walks the per-document arrays in order): counted, then filled,
 * walking the documents in order with their words (dw, numbered as the vocabulary was built;
 * rank maps them to the sorted order). */
static void build_prefixes(index_snap_t *s, const uint32_t *dw, const uint32_t *dw_off, const uint32_t *rank)
{
	arena_t *a = s->arena;
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
				const char *w = s->word[rank[dw[k]]];
				for (int two = 0; two < 2 && (two == 0 || w[1]); two++) {
					size_t slot = prefix_slot(w, two);
					if (nw[slot] <= PREFIX_MIN_WORDS || last[slot] == d)
						continue;
					last[slot] = d;
					if (pass == 0)
						s->pre_len[slot]++;
					else
						s->pre[fill[slot]++] = d;
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
	s->spell = arena_alloc(s->arena, (c.n + 1) * sizeof *s->spell);
	s->spell_mask = arena_alloc(s->arena, (c.n + 1) * sizeof *s->spell_mask);
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

/* A snapshot of the store (called under refresh_mu; the sort_* statics are ours). */
static index_snap_t *build(void)
{
	arena_t *a = arena_new(1 << 20);
	index_snap_t *s = arena_zalloc(a, sizeof *s);
	s->arena = a;
	atomic_init(&s->refs, 1);
	s->rev = store_rev;

	/* schools */
	s->nunits = (uint32_t)nunits_prev;
	s->unit_id = arena_alloc(a, (s->nunits + 1) * sizeof *s->unit_id);
	s->unit_open = arena_alloc(a, (s->nunits + 1) * sizeof *s->unit_open);
	if (s->nunits) {
		memcpy(s->unit_id, units_id, s->nunits * sizeof *s->unit_id);
		memcpy(s->unit_open, units_open, s->nunits * sizeof *s->unit_open);
	}

	uint32_t n = 0;
	for (uint32_t i = 0; i < nstore; i++)
		n += store[i].alive && store[i].nhold > 0;
	if (n > INDEX_MAX_DOCS)
		n = INDEX_MAX_DOCS;
	s->ndocs = n;
	s->work_id = arena_alloc(a, (n + 1) * sizeof *s->work_id);
	s->biblio_id = arena_alloc(a, (n + 1) * sizeof *s->biblio_id);
	s->biblio_anon = arena_alloc(a, (n + 1) * sizeof *s->biblio_anon);
	s->loans = arena_alloc(a, (n + 1) * sizeof *s->loans);
	s->year = arena_alloc(a, (n + 1) * sizeof *s->year);
	s->nopen = arena_alloc(a, (n + 1) * sizeof *s->nopen);
	s->hold_off = arena_alloc(a, (n + 1) * sizeof *s->hold_off);
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
	uint32_t *last = NULL;
	size_t last_cap = 0;
	int64_t nhold = 0;
	uint32_t d = 0;
	for (uint32_t i = 0; i < nstore && d < n; i++) {
		const sdoc_t *x = &store[i];
		if (!x->alive || !x->nhold)
			continue;
		s->work_id[d] = x->work_id;
		s->biblio_id[d] = x->biblio_id;
		s->loans[d] = x->loans;
		s->year[d] = x->year;
		titles[d] = x->title;
		nhold += x->nhold;
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
			last = realloc(last, last_cap * sizeof *last);
			if (!last)
				abort();
			memset(last + oc, 0, (last_cap - oc) * sizeof *last);
		}
		for (size_t k = 0; k < tmp.n; k++) {
			if (last[tmp.v[k]] != d + 1) {
				last[tmp.v[k]] = d + 1;
				u32_push(&dw, tmp.v[k]);
			}
		}
		u32_push(&dw_off, (uint32_t)dw.n);
		d++;
	}
	s->title_off[n] = (uint32_t)tw.n;
	s->author_off[n] = (uint32_t)aw.n;
	s->nholdings = nhold;
	free(last);

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
		s->post_off[rank[dw.v[k]] + 1]++;
	for (uint32_t r = 0; r < nw; r++)
		s->post_off[r + 1] += s->post_off[r];
	s->npost = dw.n;
	s->post = arena_alloc(a, (dw.n + 1) * sizeof *s->post);
	uint32_t *fill = malloc((nw + 1) * sizeof *fill);
	memcpy(fill, s->post_off, (nw + 1) * sizeof *fill);
	for (uint32_t x = 0; x < n; x++)
		for (uint32_t k = dw_off.v[x]; k < dw_off.v[x + 1]; k++)
			s->post[fill[rank[dw.v[k]]]++] = x;
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

	/* holdings, with unit numbers of the snapshot; per school document lists */
	s->hold = arena_alloc(a, ((size_t)nhold + 1) * sizeof *s->hold);
	uint32_t *ucount = calloc(s->nunits + 1, sizeof *ucount);
	size_t h = 0;
	d = 0;
	for (uint32_t i = 0; i < nstore && d < n; i++) {
		const sdoc_t *x = &store[i];
		if (!x->alive || !x->nhold)
			continue;
		s->hold_off[d] = (uint32_t)h;
		uint16_t open = 0;
		int64_t anon = 0;
		bool rep_open = false;
		for (uint32_t k = 0; k < x->nhold; k++) {
			uint32_t u = unit_index(s, (int64_t)x->hold[k].unit);
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
		d++;
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
	s->by_popular = arena_alloc(a, (n + 1) * sizeof *s->by_popular);
	memcpy(s->by_popular, s->by_title, n * sizeof *s->by_popular);
	if (n)
		qsort(s->by_popular, n, sizeof *s->by_popular, cmp_popular);
	free(ord);
	free(titles);

	build_spelling(s);
	return s;
}

/* --- publishing and reading ----------------------------------------------------------------- */

index_snap_t *index_acquire(void)
{
	pthread_mutex_lock(&snap_mu);
	index_snap_t *s = current;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&snap_mu);
	return s;
}

void index_release(index_snap_t *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		arena_free(s->arena);
}

static void publish(index_snap_t *s)
{
	pthread_mutex_lock(&snap_mu);
	index_snap_t *old = current;
	current = s;
	pthread_mutex_unlock(&snap_mu);
	index_release(old);
}

uint32_t index_letters(const char *w, size_t n)
{
	uint32_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (w[i] >= 'a' && w[i] <= 'z')
			m |= 1u << (w[i] - 'a');
	return m;
}

void index_prefix_range(const index_snap_t *s, const char *p, size_t n, uint32_t *lo, uint32_t *hi)
{
	uint32_t l = 0, h = s->nwords;
	while (l < h) { /* first word >= p (as an n-byte prefix) */
		uint32_t m = (l + h) / 2;
		if (strncmp(s->word[m], p, n) < 0)
			l = m + 1;
		else
			h = m;
	}
	*lo = l;
	h = s->nwords;
	while (l < h) { /* first word whose first n bytes are above p */
		uint32_t m = (l + h) / 2;
		if (strncmp(s->word[m], p, n) <= 0)
			l = m + 1;
		else
			h = m;
	}
	*hi = l;
}

/* --- the refresh ---------------------------------------------------------------------------- */

static int load_works(db_t *db, int64_t *max_rev, u32v_t *changed, int64_t *nread, err_t *err)
{
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT id, biblio_id, year, doc_type, language, class_number, grade, title_fold,"
	             " authors, search_words, schools, loans, rev FROM works WHERE rev > ? ORDER BY id",
	             "i", store_rev);
	if (!st)
		return -1;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		sdoc_t *d = store_slot(db_col_int(st, 0));
		int64_t rev = db_col_int(st, 12);
		if (rev > *max_rev)
			*max_rev = rev;
		(*nread)++;
		if (db_col_int(st, 10) <= 0) {
			sdoc_clear(d);
			continue;
		}
		sdoc_set(d, st);
		u32_push(changed, (uint32_t)(d - store));
	}
	db_done(st);
	return rc == DB_DONE ? 0 : rc;
}

static int load_holdings(db_t *db, const u32v_t *changed, bool full, err_t *err)
{
	for (size_t i = 0; i < changed->n; i++) { /* a work whose records all left has no row */
		sdoc_t *d = &store[changed->v[i]];
		free(d->hold);
		d->hold = NULL;
		d->nhold = 0;
	}
	if (full) {
		db_stmt_t *st =
		    db_query(db, err,
		             "SELECT work_id, unit_id, id, loans FROM biblios WHERE work_id IS NOT NULL"
		             " ORDER BY work_id, unit_id, id",
		             "");
		return st ? read_holdings(st, err) : -1;
	}
	for (size_t i = 0; i < changed->n; i += CHUNK) {
		db_stmt_t *st = db_prepare(db,
		                           "SELECT work_id, unit_id, id, loans FROM biblios WHERE work_id IN"
		                           " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		                           "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
		                           " ORDER BY work_id, unit_id, id",
		                           err);
		if (!st)
			return -1;
		for (size_t k = 0; k < CHUNK; k++) {
			if (i + k < changed->n) {
				db_bind_int(st, (int)k + 1, store[changed->v[i + k]].work_id);
			} else {
				db_bind_int(st, (int)k + 1, 0);
			}
		}
		int rc = read_holdings(st, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int opac_index_refresh(db_t *db, err_t *err)
{
	pthread_mutex_lock(&refresh_mu);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool first = current == NULL || store_rev == 0;
	bool units_changed = false;
	int64_t max_rev = store_rev, nread = 0;
	u32v_t changed = { 0 };
	int rc = load_units(db, &units_changed, err);
	if (rc >= 0)
		rc = load_works(db, &max_rev, &changed, &nread, err);
	if (rc >= 0)
		rc = load_holdings(db, &changed, first || changed.n > FULL_SCAN_WORKS, err);
	free(changed.v);
	if (rc < 0) {
		/* the store may be half updated: read everything again next time */
		store_free();
		pthread_mutex_unlock(&refresh_mu);
		return rc;
	}
	store_rev = max_rev;
	if (nread > 0 || units_changed || !current)
		publish(build());
	synced_at = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (nread > 1000)
		log_info("opac index: %lld works read, built in %.0f ms", (long long)nread,
		         (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	pthread_mutex_unlock(&refresh_mu);
	return nread > INT32_MAX ? INT32_MAX : (int)nread;
}

void opac_reset(void)
{
	pthread_mutex_lock(&refresh_mu);
	store_free();
	synced_at = 0;
	publish(NULL);
	pthread_mutex_unlock(&refresh_mu);
}

void opac_stats(opac_stats_t *out)
{
	memset(out, 0, sizeof *out);
	index_snap_t *s = index_acquire();
	if (s) {
		out->works = s->ndocs;
		out->holdings = s->nholdings;
		out->words = s->nwords;
		out->rev = s->rev;
		index_release(s);
	}
	pthread_mutex_lock(&refresh_mu);
	out->synced_at = synced_at;
	pthread_mutex_unlock(&refresh_mu);
}
