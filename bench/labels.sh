#!/bin/sh
# bench/labels.sh: how long a PDF of 1,000 barcode labels (42 A4 sheets of 24) takes to render,
# and the peak memory of the process that renders it. Builds the objects with `make -j2` first,
# then compiles a small driver (written here, into a temporary directory) against src/labels and
# the rest of the library objects, and runs it under /usr/bin/time -v. No database: the labels
# are made up, as labels_collect would return them; only the rendering (zint + cairo + pango)
# is measured. Prints to stdout; leaves nothing behind.
#
#   bench/labels.sh              # 1,000 barcode labels, 5 runs in one process
#   N=5000 KIND=spine bench/labels.sh
set -eu
cd "$(dirname "$0")/.."
N=${N:-1000}
KIND=${KIND:-barcode}
RUNS=${RUNS:-5}
make -j2 all >/dev/null
TMP=$(mktemp -d /tmp/thuvien-bench-labels.XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM

cat >"$TMP/bench_labels.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "labels/labels.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n = (size_t)atol(argv[1]);
	int runs = atoi(argv[3]);
	labels_kind_t kind;
	err_t err;
	if (labels_kind_parse(argv[2], &kind, &err) < 0)
		return 2;
	arena_t *a = arena_new(1 << 16);
	label_t *v = arena_zalloc(a, n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = (label_t){ "Trường Tiểu học Lê Ngọc Hân", arena_printf(a, "STK-%06zu", i + 1),
			          arena_printf(a, "STK%06zu", i + 1), "895.922 Ngu" };
	labels_grid_t g;
	labels_grid_default(&g);
	double best = 1e9, total = 0;
	size_t bytes = 0;
	for (int r = 0; r < runs; r++) {
		buf_t pdf = BUF_INIT;
		double t0 = now();
		if (labels_render_pdf(v, n, kind, &g, &pdf, &err) < 0) {
			fprintf(stderr, "render: %s %s\n", err.key, err.detail);
			return 1;
		}
		double dt = now() - t0;
		printf("run %d: %.3f s\n", r + 1, dt);
		total += dt;
		best = dt < best ? dt : best;
		bytes = pdf.len;
		buf_release(&pdf);
	}
	printf("%zu %s labels, %zu pages, PDF %zu bytes (%.1f KiB)\n", n, argv[2], labels_pages(&g, n), bytes,
	       (double)bytes / 1024);
	printf("seconds: best %.3f, mean %.3f over %d runs (%.0f labels/s)\n", best, total / runs, runs, n / best);
	labels_shutdown();
	arena_free(a);
	return 0;
}
C

LIBS=$(make -s print-pkgs)
OBJS=$(find build/src -name '*.o' ! -path 'build/src/cli/main.o' | sort)
# shellcheck disable=SC2046,SC2086
cc -std=c17 -D_GNU_SOURCE -O2 -Isrc $(pkg-config --cflags $LIBS) -o "$TMP/bench_labels" "$TMP/bench_labels.c" \
	$OBJS build/gen/assets.o $(pkg-config --libs $LIBS) -lzint -pthread -lm

echo "== $N $KIND labels, default A4 grid 8 x 3 (70 x 37 mm), $RUNS renders in one process"
/usr/bin/time -v "$TMP/bench_labels" "$N" "$KIND" "$RUNS" 2>"$TMP/time.txt"
grep -E 'Elapsed \(wall|Maximum resident' "$TMP/time.txt" | sed 's/^[[:space:]]*//'
echo "== the same process rendering 1 label (fonts, fontconfig and code loaded: the baseline)"
/usr/bin/time -v "$TMP/bench_labels" 1 "$KIND" 1 2>"$TMP/time1.txt" | tail -1
grep -E 'Maximum resident' "$TMP/time1.txt" | sed 's/^[[:space:]]*//'
