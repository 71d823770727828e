/* opac_load.c: the load of bench/opac_search.sh, two ways over one query mix.
 *
 *   opac_load index URL NTHREADS SECONDS QUERIES
 *       In process: opens the database, loads the OPAC's index (opac_sync: with every record
 *       already attached, this is the index's first load), then NTHREADS threads call
 *       opac_search for SECONDS seconds. The search itself, without HTTP or the page's queries.
 *   opac_load http HOST PORT NCLIENTS SECONDS QUERIES [COOKIE]
 *       NCLIENTS threads, each with its own keep-alive HTTP/1.1 connection, GET the queries'
 *       URLs asking for JSON (Accept: application/json). An answer other than 200 is an error
 *       (the first few are printed).
 *
 * QUERIES: one URL a line, as the OPAC's pages take them: /opac?q=tieng+viet&sort=newest&page=3,
 * /opac/s/TH0007?q=toan&type=SGK (parameters q, type, class, grade, lang, decade, sort, page, n).
 * Client k starts at line k * 7 and goes round. Prints one line: requests, requests/s, p50/p99/max
 * latency (ms), errors; the index way also its first load (s) and the process's anonymous RSS before and
 * after the load and after the run (MB). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpc.h"

#include "base/arena.h"
#include "base/config.h"
#include "base/i18n.h"
#include "db/db.h"
#include "opac/opac.h"

static const char *host, *cookie;
static int port, nclients, seconds;
static char **queries;
static size_t nqueries;
static opac_query_t *parsed;
static atomic_long errors;
static atomic_int printed;

typedef struct {
	int k;
	double *lat;
	size_t n, cap;
	long hits;
} client_t;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void note(client_t *c, double ms)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 4096;
		c->lat = realloc(c->lat, c->cap * sizeof *c->lat);
		if (!c->lat)
			exit(1);
	}
	c->lat[c->n++] = ms;
}

static int cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static double pct(const double *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1));
	return v[i];
}

/* The process's anonymous resident memory: its heap, without the database file that SQLite maps
 * (PRAGMA mmap_size) and the binary, which VmRSS counts too. */
static double rss_mb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	double mb = 0;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "RssAnon:", 8) == 0)
			mb = atof(line + 8) / 1024;
	if (f)
		fclose(f);
	return mb;
}

static void read_queries(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		exit(2);
	}
	char *line = NULL;
	size_t len = 0, cap = 0;
	while (getline(&line, &len, f) > 0) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (nqueries == cap) {
			cap = cap ? cap * 2 : 64;
			queries = realloc(queries, cap * sizeof *queries);
		}
		queries[nqueries++] = strdup(line);
	}
	free(line);
	fclose(f);
	if (!nqueries) {
		fprintf(stderr, "opac_load: no queries in %s\n", path);
		exit(2);
	}
}

/* --- in process ------------------------------------------------------------------------------ */

static char *unescape(const char *s, size_t n)
{
	char *o = malloc(n + 1), *p = o;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*p++ = ' ';
		} else if (s[i] == '%' && i + 2 < n) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			*p++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*p++ = s[i];
		}
	}
	*p = 0;
	return o;
}

/* A URL of the mix as the page would make its query (page size 20 unless n=). */
static int parse(db_t *db, const char *url, opac_query_t *q)
{
	memset(q, 0, sizeof *q);
	q->limit = 20;
	q->sort = OPAC_SORT_RELEVANCE;
	const char *qs = strchr(url, '?');
	if (strncmp(url, "/opac/s/", 8) == 0) {
		size_t n = qs ? (size_t)(qs - url - 8) : strlen(url + 8);
		char *code = unescape(url + 8, n);
		err_t err;
		int rc =
		    db_query_int(db, &q->unit_id, &err, "SELECT id FROM units WHERE code = ?", "s", code);
		free(code);
		if (rc < 0)
			return -1;
	}
	bool sorted = false;
	int64_t page = 1;
	for (const char *p = qs ? qs + 1 : ""; *p;) {
		const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p),
		           *eq = memchr(p, '=', (size_t)(end - p));
		if (eq) {
			char *k = unescape(p, (size_t)(eq - p)),
			     *v = unescape(eq + 1, (size_t)(end - eq - 1));
			if (!strcmp(k, "q"))
				q->q = v;
			else if (!strcmp(k, "type"))
				q->doc_type = v;
			else if (!strcmp(k, "class"))
				q->class_main = v;
			else if (!strcmp(k, "lang"))
				q->language = v;
			else if (!strcmp(k, "grade"))
				q->grade = atoi(v);
			else if (!strcmp(k, "decade"))
				q->decade = atoi(v);
			else if (!strcmp(k, "page"))
				page = atol(v);
			else if (!strcmp(k, "n"))
				q->limit = atoi(v);
			else if (!strcmp(k, "anonymous"))
				q->anonymous = atoi(v) != 0;
			else if (!strcmp(k, "sort")) {
				sorted = true;
				q->sort = !strcmp(v, "newest")    ? OPAC_SORT_NEWEST
				          : !strcmp(v, "popular") ? OPAC_SORT_POPULAR
				          : !strcmp(v, "title")   ? OPAC_SORT_TITLE
				                                  : OPAC_SORT_RELEVANCE;
			}
			free(k);
		}
		p = amp ? amp + 1 : end;
	}
	if (!sorted && !q->q)
		q->sort = OPAC_SORT_TITLE; /* the page's browse order */
	q->offset = (page - 1) * q->limit;
	return 0;
}

static void *run_index(void *arg)
{
	client_t *c = arg;
	arena_t *a = arena_new(1 << 16);
	double stop = now_ms() + seconds * 1e3;
	for (size_t i = (size_t)c->k * 7; now_ms() < stop; i++) {
		const opac_query_t *q = &parsed[i % nqueries];
		opac_result_t r;
		err_t err;
		double t0 = now_ms();
		if (opac_search(q, a, &r, &err) < 0) {
			atomic_fetch_add(&errors, 1);
			if (atomic_fetch_add(&printed, 1) < 3)
				fprintf(stderr, "opac_load: %s: %s\n", queries[i % nqueries],
				        err.key ? err.key : "");
		}
		note(c, now_ms() - t0);
		c->hits += r.total;
		arena_reset(a);
	}
	arena_free(a);
	return NULL;
}

/* --- over HTTP ------------------------------------------------------------------------------- */

static int dial(void)
{
	return httpc_dial("opac_load", host, port);
}

/* Send one GET and read the whole answer (Content-Length or chunked). The status, or -1 when the
 * connection failed. */
static int get(int fd, const char *path, char *buf, size_t cap)
{
	char req[2048];
	int n = snprintf(req, sizeof req,
	                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s%s%sAccept: application/json\r\n\r\n", path,
	                 host, port, cookie ? "Cookie: " : "", cookie ? cookie : "", cookie ? "\r\n" : "");
	return httpc_exchange(fd, req, n, buf, cap);
}

static void *run_http(void *arg)
{
	client_t *c = arg;
	size_t cap = 4 << 20;
	char *buf = malloc(cap);
	int fd = dial();
	double stop = now_ms() + seconds * 1e3;
	for (size_t i = (size_t)c->k * 7; now_ms() < stop; i++) {
		double t0 = now_ms();
		int status = get(fd, queries[i % nqueries], buf, cap);
		note(c, now_ms() - t0);
		if (status != 200) {
			atomic_fetch_add(&errors, 1);
			if (atomic_fetch_add(&printed, 1) < 3)
				fprintf(stderr, "opac_load: %s: status %d\n", queries[i % nqueries], status);
			if (status < 0) {
				close(fd);
				fd = dial();
			}
		}
	}
	close(fd);
	free(buf);
	return NULL;
}

static void report(client_t *c, double secs)
{
	size_t n = 0;
	for (int k = 0; k < nclients; k++)
		n += c[k].n;
	double *all = malloc((n + 1) * sizeof *all);
	size_t m = 0;
	for (int k = 0; k < nclients; k++) {
		memcpy(all + m, c[k].lat, c[k].n * sizeof *all);
		m += c[k].n;
		free(c[k].lat);
	}
	qsort(all, n, sizeof *all, cmp);
	printf("%zu requests, %.0f requests/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms, %ld errors", n,
	       (double)n / secs, pct(all, n, 0.5), pct(all, n, 0.99), n ? all[n - 1] : 0.0,
	       atomic_load(&errors));
	free(all);
}

int main(int argc, char **argv)
{
	bool index = argc == 6 && !strcmp(argv[1], "index");
	bool http = (argc == 7 || argc == 8) && !strcmp(argv[1], "http");
	if (!index && !http) {
		fprintf(stderr, "usage: opac_load index URL NTHREADS SECONDS QUERIES\n"
		                "       opac_load http HOST PORT NCLIENTS SECONDS QUERIES [COOKIE]\n");
		return 2;
	}
	double load_s = 0, rss0 = 0, rss1 = 0;
	db_t *db = NULL;
	if (index) {
		nclients = atoi(argv[3]);
		seconds = atoi(argv[4]);
		read_queries(argv[5]);
		config_defaults();
		i18n_init();
		err_t err = { 0 };
		if (db_open(argv[2], &db, &err) < 0) {
			fprintf(stderr, "opac_load: %s\n", err.detail);
			return 1;
		}
		rss0 = rss_mb();
		double t0 = now_ms();
		if (opac_sync(db, &err) < 0) {
			fprintf(stderr, "opac_load: opac_sync: %s\n", err.detail);
			return 1;
		}
		load_s = (now_ms() - t0) / 1e3;
		rss1 = rss_mb();
		parsed = calloc(nqueries, sizeof *parsed);
		for (size_t i = 0; i < nqueries; i++)
			if (parse(db, queries[i], &parsed[i]) < 0) {
				fprintf(stderr, "opac_load: bad query line %s\n", queries[i]);
				return 2;
			}
	} else {
		host = argv[2];
		port = atoi(argv[3]);
		nclients = atoi(argv[4]);
		seconds = atoi(argv[5]);
		read_queries(argv[6]);
		cookie = argc == 8 && argv[7][0] ? argv[7] : NULL;
	}
	if (index && getenv("OPAC_LOAD_EACH")) { /* the cost of each query alone, one thread */
		arena_t *a = arena_new(1 << 16);
		for (size_t i = 0; i < nqueries; i++) {
			opac_result_t r;
			err_t err;
			double t0 = now_ms();
			int reps = 0;
			while (now_ms() - t0 < 200 || reps < 3) {
				opac_search(&parsed[i], a, &r, &err);
				arena_reset(a);
				reps++;
			}
			opac_search(&parsed[i], a, &r, &err);
			printf("%8.3f ms  %8lld hits%s%s  %s\n", (now_ms() - t0) / reps, (long long)r.total,
			       r.relaxed ? " relaxed" : "", r.suggestion ? " suggestion" : "", queries[i]);
			arena_reset(a);
		}
		arena_free(a);
	}
	client_t *c = calloc((size_t)nclients, sizeof *c);
	pthread_t *t = calloc((size_t)nclients, sizeof *t);
	double t0 = now_ms();
	for (int k = 0; k < nclients; k++) {
		c[k].k = k;
		pthread_create(&t[k], NULL, index ? run_index : run_http, &c[k]);
	}
	for (int k = 0; k < nclients; k++)
		pthread_join(t[k], NULL);
	double secs = (now_ms() - t0) / 1e3;
	report(c, secs);
	if (index) {
		opac_stats_t st;
		opac_stats(&st);
		printf("; index: %lld works, %lld holdings, %lld words, first load %.2f s, anonymous RSS "
		       "%.0f MB "
		       "before, %.0f MB"
		       " loaded, %.0f MB after the run",
		       (long long)st.works, (long long)st.holdings, (long long)st.words, load_s, rss0, rss1,
		       rss_mb());
		opac_reset();
		db_close(db);
	}
	printf("\n");
	free(c);
	free(t);
	return 0;
}
