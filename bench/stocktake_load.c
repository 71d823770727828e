/* stocktake_load.c: the load of bench/stocktake.sh. NCLIENTS threads (the scanners), each with
 * its own keep-alive HTTP/1.1 connection and the librarian's session, post barcodes to one open
 * stocktake for SECONDS seconds: POST /stocktakes/ID/scans, BATCH barcodes a request (1: one
 * scan a request, as a desk scanner without a queue; more: the page's queue or a middleware),
 * asking for JSON. Scanner k takes the copies k+1, k+1+NCLIENTS, ... in turn (barcodes
 * B0000001...), wrapping round, so the first pass scans new barcodes and later passes repeats
 * (the server deduplicates); every 50th barcode is one no copy has (unknown). An answer other
 * than 200 counts as an error.
 *
 *   stocktake_load HOST PORT COOKIE CSRF ID NCLIENTS SECONDS NCOPIES BATCH
 *
 * Prints one line: requests, barcodes/s, p50/p99/max of a request (ms), errors; and on a second
 * line the number of distinct barcodes sent (for the script's check of the server's count). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpc.h"

static const char *host, *cookie, *csrf;
static int port, nclients, seconds, batch;
static long ncopies, sid;
static atomic_long errors;
static atomic_int printed;

typedef struct {
	int k;
	long requests, barcodes, max_copy, unknown;
	double *lat;
	size_t n, cap;
} client_t;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int post(int fd, const char *path, const char *body, char *buf, size_t cap)
{
	static __thread char req[65536];
	int n = snprintf(req, sizeof req,
	                 "POST %s HTTP/1.1\r\nHost: %s:%d\r\nCookie: %s\r\nX-CSRF-Token: %s\r\n"
	                 "Accept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	                 "Content-Length: %zu\r\n\r\n%s",
	                 path, host, port, cookie, csrf, strlen(body), body);
	return httpc_exchange(fd, req, n, buf, cap);
}

static void *run(void *arg)
{
	client_t *c = arg;
	int fd = httpc_dial("stocktake_load", host, port);
	static __thread char buf[1 << 20], body[32768];
	char path[64];
	snprintf(path, sizeof path, "/stocktakes/%ld/scans", sid);
	double stop = now_ms() + seconds * 1e3;
	long i = c->k, span = ncopies / nclients * nclients, seq = 0;
	while (now_ms() < stop) {
		size_t len = 0;
		for (int b = 0; b < batch; b++) {
			seq++;
			if (seq % 50 == 0) {
				len += (size_t)snprintf(body + len, sizeof body - len, "%sbarcode=X%02d%07ld",
				                        len ? "&" : "", c->k, seq % 1000);
				c->unknown = seq >= 1000 ? 20 : seq / 50;
			} else {
				long copy = i % span + 1;
				i += nclients;
				if (copy > c->max_copy)
					c->max_copy = copy;
				len += (size_t)snprintf(body + len, sizeof body - len, "%sbarcode=B%07ld",
				                        len ? "&" : "", copy);
			}
		}
		double t0 = now_ms();
		int st = post(fd, path, body, buf, sizeof buf);
		double t1 = now_ms();
		if (st < 0) {
			close(fd);
			fd = httpc_dial("stocktake_load", host, port);
			atomic_fetch_add(&errors, 1);
			continue;
		}
		if (st != 200) {
			atomic_fetch_add(&errors, 1);
			if (atomic_fetch_add(&printed, 1) < 5) {
				const char *bd = strstr(buf, "\r\n\r\n");
				fprintf(stderr, "stocktake_load: %d %.200s\n", st, bd ? bd + 4 : "");
			}
		}
		if (c->n < c->cap)
			c->lat[c->n++] = t1 - t0;
		c->requests++;
		c->barcodes += batch;
	}
	close(fd);
	return NULL;
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
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
	if (argc != 10) {
		fprintf(stderr,
		        "usage: stocktake_load HOST PORT COOKIE CSRF ID NCLIENTS SECONDS NCOPIES BATCH\n");
		return 2;
	}
	host = argv[1];
	port = atoi(argv[2]);
	cookie = argv[3];
	csrf = argv[4];
	sid = atol(argv[5]);
	nclients = atoi(argv[6]);
	seconds = atoi(argv[7]);
	ncopies = atol(argv[8]);
	batch = atoi(argv[9]);
	if (nclients < 1 || nclients > 256 || seconds < 1 || ncopies < nclients || batch < 1 || batch > 500)
		return 2;
	client_t *c = calloc((size_t)nclients, sizeof *c);
	pthread_t *t = calloc((size_t)nclients, sizeof *t);
	double t0 = now_ms();
	for (int k = 0; k < nclients; k++) {
		c[k].k = k;
		c[k].cap = 1 << 20;
		c[k].lat = malloc(c[k].cap * sizeof(double));
		pthread_create(&t[k], NULL, run, &c[k]);
	}
	long requests = 0, barcodes = 0, max_copy = 0, unknown = 0;
	size_t n = 0;
	for (int k = 0; k < nclients; k++) {
		pthread_join(t[k], NULL);
		requests += c[k].requests;
		barcodes += c[k].barcodes;
		n += c[k].n;
		unknown += c[k].unknown;
		/* scanner k covered copies k+1, k+1+NCLIENTS, ... up to its max: count them */
		if (c[k].max_copy)
			max_copy += (c[k].max_copy - (k + 1)) / nclients + 1;
	}
	double elapsed = (now_ms() - t0) / 1e3;
	double *lat = malloc((n + 1) * sizeof(double));
	size_t li = 0;
	for (int k = 0; k < nclients; k++) {
		memcpy(lat + li, c[k].lat, c[k].n * sizeof(double));
		li += c[k].n;
	}
	qsort(lat, n, sizeof(double), cmp);
	printf(
	    "%ld requests of %d in %.1f s = %.0f barcodes/s; request p50 %.2f ms, p99 %.2f ms, max %.1f ms; "
	    "errors %ld\n",
	    requests, batch, elapsed, (double)barcodes / elapsed, pct(lat, n, 0.5), pct(lat, n, 0.99),
	    n ? lat[n - 1] : 0.0, (long)atomic_load(&errors));
	printf("%ld\n", max_copy + unknown);
	return 0;
}
