#!/bin/sh
# marc_import.sh: how fast `thuvien import marc` loads the largest bulk file (2,000 MARC-8
# records) into a fresh SQLite demo database, beside yaz-marcdump converting the same file
# MARC-8 -> UTF-8 MARCXML in the same run. The ratio (our records/s over yaz-marcdump's) is the
# figure to watch: it says what the checks, the mapping and the database cost over YAZ alone.
#
#   bench/marc_import.sh [FILE]      (from the repository root; builds nothing: run `make` first)
set -eu
FILE=${1:-../shared/data/marc-extra/bulk/solrmarc-uva_001_2000.mrc}
BIN=${THUVIEN:-build/thuvien}
[ -r "$FILE" ] || { echo "marc_import: $FILE not found" >&2; exit 1; }
[ -x "$BIN" ] || { echo "marc_import: $BIN not built (make)" >&2; exit 1; }
command -v yaz-marcdump >/dev/null || { echo "marc_import: yaz-marcdump not installed" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
now() { date +%s.%N; }

"$BIN" demo --db "$TMP/bench.db" >/dev/null 2>&1

t0=$(now)
yaz-marcdump -f MARC-8 -t UTF-8 -o marcxml "$FILE" >/dev/null
t1=$(now)
"$BIN" import marc --db "$TMP/bench.db" --school TH001 "$FILE" >"$TMP/out.txt" 2>&1
t2=$(now)

n=$(sed -n 's/.*, \([0-9]*\) record(s) read.*/\1/p' "$TMP/out.txt")
imported=$(sed -n 's/^imported \([0-9]*\) record.*/\1/p' "$TMP/out.txt")
cat "$TMP/out.txt" | grep -v '^  rejected' | sed 's/^/  /'
awk -v n="$n" -v imp="$imported" -v t0="$t0" -v t1="$t1" -v t2="$t2" 'BEGIN {
	y = t1 - t0; i = t2 - t1;
	printf "yaz-marcdump MARC-8 -> MARCXML : %5d records in %.3f s = %8.0f records/s\n", n, y, n / y;
	printf "thuvien import marc (SQLite)   : %5d records in %.3f s = %8.0f records/s (%d imported)\n", n, i, n / i, imp;
	printf "ratio thuvien / yaz-marcdump   : %.2f\n", (n / i) / (n / y);
}'
