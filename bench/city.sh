#!/usr/bin/env bash
# bench/city.sh: the generated city of the reports (on demand, not part of `make test`).
#
# bench/city_gen.c builds NSCHOOLS (2500) schools under offices, each with about COPIES (4000)
# copies of records drawn from the real records (bench/sources.sh: the Tiki list and the MARC
# files' titles), READERS (600) readers and LOANS (12000) loans over school year 2025-2026 and
# 2026-2027 so far: at the defaults 10 million copies, 1.5 million readers, 30 million loans. For
# each backend in RUNS it reports the generation time and the database's size, then the time of
# `thuvien stats rebuild` (the report counters recomputed from the rows) when the binary has it.
# The SQLite city stays in CITY_DIR (/tmp/thuvien-city) for the roll-up benches; PostgreSQL's
# server is thrown away unless KEEP_PG=1.
#
#   bench/city.sh                          both backends, the issue's city (an hour or more)
#   NSCHOOLS=100 RUNS=sqlite bench/city.sh a quick look
# Prints to stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DATA=$ROOT/../shared/data
[ -d "$DATA" ] || DATA=/work/shared/data
NSCHOOLS=${NSCHOOLS:-2500}
COPIES=${COPIES:-4000}
READERS=${READERS:-600}
LOANS=${LOANS:-12000}
RUNS=${RUNS:-sqlite postgresql}
CITY_DIR=${CITY_DIR:-/tmp/thuvien-city}
for v in $(compgen -e | grep '^THUVIEN_' || true); do unset "$v"; done
die() { echo "bench: $*" >&2; exit 1; }
for tool in cc python3 yaz-marcdump sqlite3; do command -v "$tool" >/dev/null || die "$tool not found"; done

TMP=$(mktemp -d /tmp/thuvien-city-bench.XXXXXX)
mkdir -p "$CITY_DIR"
PGDIR=
cleanup() {
	if [ -n "$PGDIR" ] && [ -z "${KEEP_PG:-}" ]; then scripts/pg-cluster.sh stop "$PGDIR" >/dev/null 2>&1 || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

make -j2 build/thuvien build/bench/city_gen >/dev/null || die "make failed"
BIN=$ROOT/build/thuvien
cp build/bench/city_gen "$TMP/"
bench/sources.sh "$DATA" 150 >"$TMP/sources.tsv"

echo "machine:   $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC'), thuvien $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "city:      $NSCHOOLS schools, about $COPIES copies, $READERS readers, $LOANS loans each;" \
	"$(wc -l <"$TMP/sources.tsv") real records to draw from"
echo

run() { # NAME URL SIZE-COMMAND
	local name=$1 url=$2 t0 t1 line
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M' -o "$TMP/rss" "$TMP/city_gen" "$url" "$TMP/sources.tsv" "$NSCHOOLS" "$COPIES" "$READERS" "$LOANS" \
		>"$TMP/gen.out" 2>"$TMP/gen-$name.log" || { tail -5 "$TMP/gen-$name.log" >&2; die "city_gen ($name) failed"; }
	t1=$(date +%s.%N)
	line=$(cat "$TMP/gen.out")
	printf '%-11s %s\n' "$name:" "$line"
	printf '%-11s generation %.0f s (peak RSS %d MB), database %s\n' "" "$(echo "$t1 - $t0" | bc)" \
		$(($(cat "$TMP/rss") / 1024)) "$(eval "$3")"
	if "$BIN" stats --help >/dev/null 2>&1; then
		t0=$(date +%s.%N)
		"$BIN" --db "$url" stats rebuild >/dev/null || die "stats rebuild ($name) failed"
		t1=$(date +%s.%N)
		printf '%-11s report counters rebuilt in %.1f s\n' "" "$(echo "$t1 - $t0" | bc)"
	fi
}

for r in $RUNS; do
	case $r in
	sqlite)
		db="$CITY_DIR/city-$NSCHOOLS.db"
		rm -f "$db" "$db-wal" "$db-shm"
		run sqlite "$db" "du -h '$db' | cut -f1"
		echo "            kept: $db"
		;;
	postgresql)
		PGDIR=$TMP/pg
		scripts/pg-cluster.sh start "$PGDIR" >/dev/null || die "cannot start PostgreSQL"
		url=$(scripts/pg-cluster.sh createdb "$PGDIR" city)
		run postgresql "$url" "psql -qtA '$url' -c \"SELECT pg_size_pretty(pg_database_size(current_database()))\""
		;;
	*) die "unknown run $r" ;;
	esac
done
