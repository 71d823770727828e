/* index.c: the OPAC's in-memory index (opac.h): what it keeps, how opac_index_refresh loads it,
 * and how readers get at it. Building a snapshot is index_build.c; the search index_search.c.
 *
 * Two layers. The *store* is the builder's own: one entry per work ever loaded (its words, facet
 * fields, loans and holdings, as the database has them), changed only by the refresh under
 * refresh_mu. A *snapshot* (index_int.h) is built from the store after every refresh that read
 * something, aside, with no lock held that readers take; then published by swapping one pointer
 * under snap_mu, which readers hold only to take a reference. So a search never waits for a
 * build, and a build never waits for searches; the old snapshot is freed by its last reader.
 * A round that changed no words rebuilds only the snapshot's numbers part (index_int.h), and a
 * slow text build is throttled (opac_index_throttle).
 *
 * Loading. The first refresh reads every work and one ordered scan of the holdings
 * (biblios_work); later ones read the works whose rev is above the last one read, and the
 * holdings of those works only (by chunks of ids), unless there are very many of them, when one
 * scan is cheaper. units.opac_public is re-read each time (a few hundred rows). Works with
 * schools = 0 leave the index.
 *
 * Costs at city size: docs/ARCHITECTURE.md, "The OPAC's search index", and bench/README.md. */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/text.h"
#include "opac/index_int.h"
#include "opac/opac_int.h"

#define CHUNK           50    /* ids per holdings query (the statement has CHUNK placeholders) */
#define FULL_SCAN_WORKS 20000 /* more changed works than this: scan every holding instead */

/* --- the store ----------------------------------------------------------------------------- */

static pthread_mutex_t refresh_mu = PTHREAD_MUTEX_INITIALIZER;
index_sdoc_t *index_store;
uint32_t index_nstore;
static uint32_t capstore;
static int64_t *map_key; /* work id -> store slot + 1, open addressing */
static uint32_t *map_val;
static uint32_t map_cap, map_n;
int64_t index_store_rev;
int64_t *index_units_id, index_nunits;
bool *index_units_open;
static int64_t synced_at;

/* Text builds: whether one waits, what the last took and when it began; throttle (see
 * opac_index_throttle) */
static bool text_pending, force_text;
static double text_ms, throttle = 10;
static struct timespec text_at;

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

static index_sdoc_t *store_slot(int64_t work_id)
{
	uint32_t v = map_get(work_id);
	if (v)
		return &index_store[v - 1];
	if (index_nstore == capstore) {
		capstore = capstore ? capstore * 2 : 1024;
		index_store = index_realloc(index_store, capstore * sizeof *index_store);
	}
	index_sdoc_t *d = &index_store[index_nstore++];
	memset(d, 0, sizeof *d);
	d->work_id = work_id;
	map_put(work_id, index_nstore);
	return d;
}

static void sdoc_clear(index_sdoc_t *d)
{
	free(d->type);
	free(d->hold);
	int64_t id = d->work_id;
	memset(d, 0, sizeof *d);
	d->work_id = id;
}

static void store_free(void)
{
	for (uint32_t i = 0; i < index_nstore; i++)
		sdoc_clear(&index_store[i]);
	free(index_store);
	free(map_key);
	free(map_val);
	free(index_units_id);
	free(index_units_open);
	index_store = NULL;
	map_key = NULL;
	map_val = NULL;
	index_units_id = NULL;
	index_units_open = NULL;
	index_nstore = capstore = map_cap = map_n = 0;
	index_nunits = 0;
	index_store_rev = 0;
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

/* Set d from one works row (columns of load_works). Returns whether what the text part of a
 * snapshot holds changed: the work is new (or back), or its words or facet fields differ. */
static bool sdoc_set(index_sdoc_t *d, db_stmt_t *st)
{
	int32_t year = db_col_null(st, 2) ? INDEX_NO_YEAR : (int32_t)db_col_int(st, 2);
	int grade = db_col_null(st, 6) ? 0 : (int)db_col_int(st, 6);
	char cls[16];
	class_main(db_col_text(st, 5) ? db_col_text(st, 5) : "", cls);
	char *af = text_fold_dup(db_col_text(st, 8) ? db_col_text(st, 8) : "");
	const char *f[6] = { db_col_text(st, 3), db_col_text(st, 4), cls, db_col_text(st, 7), af,
		             db_col_text(st, 9) };
	size_t len = 0;
	for (int i = 0; i < 6; i++)
		len += (f[i] ? strlen(f[i]) : 0) + 1;
	char *p = malloc(len), *block = p;
	if (!p)
		abort();
	char *v[6];
	for (int i = 0; i < 6; i++)
		v[i] = cat(&p, f[i] ? f[i] : "");
	free(af);
	bool changed = !d->alive || d->year != year || d->grade != grade;
	const char *old[6] = { d->type, d->lang, d->cls, d->title, d->authors, d->words };
	for (int i = 0; i < 6 && !changed; i++)
		changed = strcmp(old[i], v[i]) != 0;
	free(d->type);
	d->type = block;
	d->lang = v[1];
	d->cls = v[2];
	d->title = v[3];
	d->authors = v[4];
	d->words = v[5];
	d->year = year;
	d->grade = grade;
	d->biblio_id = db_col_int(st, 1);
	d->loans = db_col_int(st, 11);
	d->alive = true;
	return changed;
}

/* Holdings rows (work_id, unit_id, id, loans), ordered by work and unit, into the store: one
 * holding per school (its lowest record id, its loans summed). Rows of works not in the store
 * (attached after our works read) are skipped: their rev brings them next time. */
static int read_holdings(db_stmt_t *st, err_t *err)
{
	int rc;
	int64_t cur = 0;
	index_sdoc_t *d = NULL;
	uint32_t cap = 0;
	while ((rc = db_step(st, err)) == DB_ROW) {
		int64_t w = db_col_int(st, 0), unit = db_col_int(st, 1), id = db_col_int(st, 2),
		        loans = db_col_int(st, 3);
		if (w != cur) {
			cur = w;
			uint32_t v = map_get(w);
			d = v && index_store[v - 1].alive ? &index_store[v - 1] : NULL;
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
			d->hold = index_realloc(d->hold, cap * sizeof *d->hold);
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
	*changed = k != index_nunits || !index_units_id ||
	           memcmp(ids, index_units_id, (size_t)k * sizeof *ids) != 0 ||
	           memcmp(open, index_units_open, (size_t)k * sizeof *open) != 0;
	free(index_units_id);
	free(index_units_open);
	index_units_id = ids;
	index_units_open = open;
	index_nunits = k;
	return 0;
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
	if (s && atomic_fetch_sub(&s->refs, 1) == 1) {
		index_text_t *t = s->text;
		arena_free(s->arena);
		if (t && atomic_fetch_sub(&t->refs, 1) == 1)
			arena_free(t->arena);
	}
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

static int load_works(db_t *db, int64_t *max_rev, u32v_t *changed, int64_t *nread, bool *text, err_t *err)
{
	db_stmt_t *st =
	    db_query(db, err,
	             "SELECT id, biblio_id, year, doc_type, language, class_number, grade, title_fold,"
	             " authors, search_words, schools, loans, rev FROM works WHERE rev > ? ORDER BY id",
	             "i", index_store_rev);
	if (!st)
		return -1;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		index_sdoc_t *d = store_slot(db_col_int(st, 0));
		int64_t rev = db_col_int(st, 12);
		if (rev > *max_rev)
			*max_rev = rev;
		(*nread)++;
		if (db_col_int(st, 10) <= 0) {
			sdoc_clear(d);
			continue;
		}
		if (sdoc_set(d, st))
			*text = true;
		u32_push(changed, (uint32_t)(d - index_store));
	}
	db_done(st);
	return rc == DB_DONE ? 0 : rc;
}

static int cmp_holding(const void *x, const void *y)
{
	const index_holding_t *a = x, *b = y;
	if (a->unit != b->unit)
		return a->unit < b->unit ? -1 : 1;
	return a->biblio_id < b->biblio_id ? -1 : a->biblio_id > b->biblio_id;
}

/* Every holding of every work, read in the table's own order (one sequential scan: in the order
 * of the works index each row would be a random lookup for its loans, ten times slower on a
 * city), appended to its work's entry, then each work's sorted by school and merged as
 * read_holdings does. */
static int scan_holdings(db_t *db, err_t *err)
{
	for (uint32_t i = 0; i < index_nstore; i++) {
		free(index_store[i].hold);
		index_store[i].hold = NULL;
		index_store[i].nhold = 0;
	}
	db_stmt_t *st = db_query(db, err, "SELECT work_id, unit_id, id, loans FROM biblios", "");
	if (!st)
		return -1;
	int rc;
	while ((rc = db_step(st, err)) == DB_ROW) {
		uint32_t v = db_col_null(st, 0) ? 0 : map_get(db_col_int(st, 0));
		if (!v || !index_store[v - 1].alive)
			continue;
		index_sdoc_t *d = &index_store[v - 1];
		/* room: 4, then doubled each time the count reaches a power of two */
		if (d->nhold == 0 || (d->nhold >= 4 && (d->nhold & (d->nhold - 1)) == 0)) {
			d->hold = index_realloc(d->hold, (d->nhold ? d->nhold * 2 : 4) * sizeof *d->hold);
		}
		d->hold[d->nhold++] = (index_holding_t){ .unit = (uint32_t)db_col_int(st, 1),
			                                 .biblio_id = db_col_int(st, 2),
			                                 .loans = db_col_int(st, 3) };
	}
	db_done(st);
	if (rc != DB_DONE)
		return rc;
	for (uint32_t i = 0; i < index_nstore; i++) {
		index_sdoc_t *d = &index_store[i];
		if (d->nhold < 2)
			continue;
		qsort(d->hold, d->nhold, sizeof *d->hold, cmp_holding);
		uint32_t n = 1;
		for (uint32_t k = 1; k < d->nhold; k++) {
			if (d->hold[k].unit == d->hold[n - 1].unit)
				d->hold[n - 1].loans += d->hold[k].loans; /* the first has the lowest id */
			else
				d->hold[n++] = d->hold[k];
		}
		d->nhold = n;
	}
	return 0;
}

static int load_holdings(db_t *db, const u32v_t *changed, bool full, err_t *err)
{
	for (size_t i = 0; i < changed->n; i++) { /* a work whose records all left has no row */
		index_sdoc_t *d = &index_store[changed->v[i]];
		free(d->hold);
		d->hold = NULL;
		d->nhold = 0;
	}
	if (full)
		return scan_holdings(db, err);
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
				db_bind_int(st, (int)k + 1, index_store[changed->v[i + k]].work_id);
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

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

void opac_index_throttle(double ratio)
{
	pthread_mutex_lock(&refresh_mu);
	throttle = ratio;
	pthread_mutex_unlock(&refresh_mu);
}

/* May the text part be built again now? Always when builds are quick; else when the time since
 * the last one is at least `throttle` times what it took. */
static bool text_build_due(void)
{
	if (throttle <= 0 || text_ms < 100)
		return true;
	return ms_since(&text_at) >= throttle * text_ms;
}

int opac_index_refresh(db_t *db, err_t *err)
{
	pthread_mutex_lock(&refresh_mu);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	bool first = current == NULL || index_store_rev == 0;
	bool units_changed = false, text = false;
	int64_t max_rev = index_store_rev, nread = 0;
	u32v_t changed = { 0 };
	int rc = load_units(db, &units_changed, err);
	if (rc >= 0)
		rc = load_works(db, &max_rev, &changed, &nread, &text, err);
	if (rc >= 0)
		rc = load_holdings(db, &changed, first || changed.n > FULL_SCAN_WORKS, err);
	free(changed.v);
	if (rc < 0) {
		/* the store may be half updated: read everything again next time, and build anew (the
		 * current snapshot's doc_slot points into the store) */
		store_free();
		force_text = true;
		pthread_mutex_unlock(&refresh_mu);
		return rc;
	}
	index_store_rev = max_rev;
	text_pending = text_pending || text;
	const char *what = NULL;
	if (!current || force_text || (text_pending && text_build_due())) {
		struct timespec b0;
		clock_gettime(CLOCK_MONOTONIC, &b0);
		publish(index_build_all());
		text_ms = ms_since(&b0);
		text_at = b0;
		text_pending = force_text = false;
		what = "whole";
	} else if (nread > 0 || units_changed) {
		publish(index_build_from(current));
		what = "numbers";
	}
	if (what)
		malloc_trim(0); /* the snapshot just replaced is usually freed by now */
	synced_at = time(NULL);
	if (nread > 1000 || (what && ms_since(&t0) > 500))
		log_info("opac index: %lld works read, %s rebuilt, in %.0f ms", (long long)nread,
		         what ? what : "nothing", ms_since(&t0));
	pthread_mutex_unlock(&refresh_mu);
	return nread > INT32_MAX ? INT32_MAX : (int)nread;
}

void opac_reset(void)
{
	pthread_mutex_lock(&refresh_mu);
	store_free();
	synced_at = 0;
	text_pending = force_text = false;
	publish(NULL);
	pthread_mutex_unlock(&refresh_mu);
}

void opac_stats(opac_stats_t *out)
{
	memset(out, 0, sizeof *out);
	index_snap_t *s = index_acquire();
	if (s) {
		out->works = s->nlive;
		out->holdings = s->nholdings;
		out->words = s->nwords;
		out->rev = s->rev;
		index_release(s);
	}
	pthread_mutex_lock(&refresh_mu);
	out->synced_at = synced_at;
	pthread_mutex_unlock(&refresh_mu);
}
