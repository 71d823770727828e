/* lending_load.c: the load of bench/lending.sh. NCLIENTS threads, each with its own keep-alive
 * HTTP/1.1 connection and the librarian's session, lend and return copies for SECONDS seconds:
 * one pair is POST /circ/checkout (patron, item) then POST /circ/return (item), both asking for
 * JSON, as a scanner's middleware would. Client k lends to reader R(k+1) the copies k+1,
 * k+1+NCLIENTS, k+1+2*NCLIENTS, ... in turn (barcodes B0000001...), so clients never want the
 * same copy and a reader never has more than one on loan. An answer other than 200 counts as an
 * error (the first few are printed).
 *
 *   lending_load HOST PORT COOKIE CSRF NCLIENTS SECONDS NCOPIES
 *
 * Prints one line: pairs, pairs/s, p50/p99/max of a request and of a pair (ms), errors. */
#include <arpa/inet.h>
#include <errno.h>
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

static const char *host, *cookie, *csrf;
static int port, nclients, seconds;
static long ncopies;
static atomic_long errors;
static atomic_int printed;

typedef struct {
	int k;
	long pairs;
	double *req, *pair; /* latencies in ms */
	size_t nreq, npair, cap;
} client_t;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dial(void)
{
	return httpc_dial("lending_load", host, port);
}

/* Send one POST and read the whole answer (Content-Length or chunked). The status, or -1 when the
 * connection failed. */
static int post(int fd, const char *path, const char *body, char *buf, size_t cap)
{
	char req[1024];
	int n = snprintf(req, sizeof req,
	                 "POST %s HTTP/1.1\r\nHost: %s:%d\r\nCookie: %s\r\nX-CSRF-Token: %s\r\n"
	                 "Accept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\n"
	                 "Content-Length: %zu\r\n\r\n%s",
	                 path, host, port, cookie, csrf, strlen(body), body);
	return httpc_exchange(fd, req, n, buf, cap);
}

static void note(client_t *c, double **v, size_t *n, double ms)
{
	if (*n == c->cap)
		return;
	(*v)[(*n)++] = ms;
}

static void check(int status, const char *what, const char *buf)
{
	if (status == 200)
		return;
	atomic_fetch_add(&errors, 1);
	if (atomic_fetch_add(&printed, 1) < 5) {
		const char *body = strstr(buf, "\r\n\r\n");
		fprintf(stderr, "lending_load: %s -> %d %.200s\n", what, status, body ? body + 4 : "");
	}
}

static void *run(void *arg)
{
	client_t *c = arg;
	int fd = dial();
	char buf[65536], body[128];
	double stop = now_ms() + seconds * 1e3;
	long copy = c->k; /* 0-based copy index */
	long span = ncopies / nclients * nclients; /* a multiple of nclients: the series never meet */
	while (now_ms() < stop) {
		long item = copy % span + 1;
		copy += nclients;
		double t0 = now_ms();
		snprintf(body, sizeof body, "patron=R%06d&item=B%07ld", c->k + 1, item);
		int st = post(fd, "/circ/checkout", body, buf, sizeof buf);
		if (st < 0) {
			close(fd);
			fd = dial();
			atomic_fetch_add(&errors, 1);
			continue;
		}
		double t1 = now_ms();
		check(st, "checkout", buf);
		snprintf(body, sizeof body, "item=B%07ld", item);
		int st2 = post(fd, "/circ/return", body, buf, sizeof buf);
		if (st2 < 0) {
			close(fd);
			fd = dial();
			atomic_fetch_add(&errors, 1);
			continue;
		}
		double t2 = now_ms();
		check(st2, "return", buf);
		note(c, &c->req, &c->nreq, t1 - t0);
		note(c, &c->req, &c->nreq, t2 - t1);
		note(c, &c->pair, &c->npair, t2 - t0);
		c->pairs++;
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
	if (argc != 8) {
		fprintf(stderr, "usage: lending_load HOST PORT COOKIE CSRF NCLIENTS SECONDS NCOPIES\n");
		return 2;
	}
	host = argv[1];
	port = atoi(argv[2]);
	cookie = argv[3];
	csrf = argv[4];
	nclients = atoi(argv[5]);
	seconds = atoi(argv[6]);
	ncopies = atol(argv[7]);
	if (nclients < 1 || nclients > 1024 || seconds < 1 || ncopies < nclients)
		return 2;
	client_t *c = calloc((size_t)nclients, sizeof *c);
	pthread_t *t = calloc((size_t)nclients, sizeof *t);
	size_t cap = 1 << 20;
	double t0 = now_ms();
	for (int k = 0; k < nclients; k++) {
		c[k].k = k;
		c[k].cap = cap;
		c[k].req = malloc(cap * sizeof(double));
		c[k].pair = malloc(cap * sizeof(double));
		pthread_create(&t[k], NULL, run, &c[k]);
	}
	long pairs = 0;
	size_t nreq = 0, npair = 0;
	for (int k = 0; k < nclients; k++) {
		pthread_join(t[k], NULL);
		pairs += c[k].pairs;
		nreq += c[k].nreq;
		npair += c[k].npair;
	}
	double elapsed = (now_ms() - t0) / 1e3;
	double *req = malloc((nreq + 1) * sizeof(double)), *pair = malloc((npair + 1) * sizeof(double));
	size_t ri = 0, pi = 0;
	for (int k = 0; k < nclients; k++) {
		memcpy(req + ri, c[k].req, c[k].nreq * sizeof(double));
		ri += c[k].nreq;
		memcpy(pair + pi, c[k].pair, c[k].npair * sizeof(double));
		pi += c[k].npair;
	}
	qsort(req, nreq, sizeof(double), cmp);
	qsort(pair, npair, sizeof(double), cmp);
	printf("%ld pairs in %.1f s = %.0f pairs/s; request p50 %.2f ms, p99 %.2f ms, max %.1f ms;"
	       " pair p50 %.2f ms, p99 %.2f ms; errors %ld\n",
	       pairs, elapsed, (double)pairs / elapsed, pct(req, nreq, 0.5), pct(req, nreq, 0.99),
	       nreq ? req[nreq - 1] : 0.0, pct(pair, npair, 0.5), pct(pair, npair, 0.99), (long)atomic_load(&errors));
	return 0;
}
