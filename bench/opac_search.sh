#!/usr/bin/env bash
# bench/opac_search.sh: the public catalogue's search at city size (on demand, not part of
# `make test`).
#
# A city of NSCHOOLS (500) schools, each with NREC (3000) records drawn from POOL (40000)
# distinct titles and 1-5 copies each (about 1.5 million records, 4.5 million copies), built by
# bench/opac_gen.c from the Tiki list and the MARC files' titles. For each backend in RUNS:
#   1. the city is generated: on SQLite once, kept under CITY_DIR (/tmp/thuvien-opac-city) and
#      reused by later runs (FRESH=1 builds it again); on PostgreSQL every run (a throwaway
#      server, scripts/pg-cluster.sh);
#   2. `thuvien serve` attaches every record to its work (the OPAC's sync thread): the time until
#      no record waits is the "attach" figure (measured when the city is new, then remembered);
#   3. bench/opac_load.c in process: the index's first load (time, RSS before and after), then
#      THREADS (64) threads calling opac_search for SECONDS_RUN (20) s over the query mix below:
#      p50/p99, searches/s. No HTTP, no database: the index alone;
#   4. hello_mhd (the yardstick, bench/README.md) under wrk with CONNS (64) connections;
#   5. over HTTP, when the server has the OPAC's pages (GET /opac answers JSON): CONNS keep-alive
#      clients GET the same mix as /opac?...&sort=... URLs for SECONDS_RUN s, with the server's RSS
#      before and after. Until the pages are merged this step says "skipped".
#
#   bench/opac_search.sh                      both backends, city size (generation: several minutes
#                                             the first time, most of it PostgreSQL's)
#   SMALL=1 bench/opac_search.sh              20 schools x 1000 records, 5 s runs: a quick check
#   RUNS=sqlite bench/opac_search.sh          one backend
# Prints to stdout. The city stays in CITY_DIR; everything else is removed unless KEEP_TMP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DATA=$ROOT/../shared/data
[ -d "$DATA" ] || DATA=/work/shared/data
if [ -n "${SMALL:-}" ]; then
	NSCHOOLS=${NSCHOOLS:-20} NREC=${NREC:-1000} POOL=${POOL:-8000} SECONDS_RUN=${SECONDS_RUN:-5}
fi
NSCHOOLS=${NSCHOOLS:-500}
NREC=${NREC:-3000}
POOL=${POOL:-40000}
SECONDS_RUN=${SECONDS_RUN:-20}
THREADS=${THREADS:-64}
CONNS=${CONNS:-64}
RUNS=${RUNS:-sqlite postgresql}
CITY_DIR=${CITY_DIR:-/tmp/thuvien-opac-city}
for v in $(compgen -e | grep '^THUVIEN_' || true); do unset "$v"; done
die() { echo "bench: $*" >&2; exit 1; }
for tool in cc curl python3 wrk yaz-marcdump sqlite3; do command -v "$tool" >/dev/null || die "$tool not found"; done

TMP=$(mktemp -d /tmp/thuvien-opac-bench.XXXXXX)
chmod 755 "$TMP"
mkdir -p "$CITY_DIR"
chmod 755 "$CITY_DIR"
PIDS=()
PGDIR=
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -n "$PGDIR" ] && scripts/pg-cluster.sh stop "$PGDIR" >/dev/null 2>&1 || true
	[ -n "${KEEP_TMP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT

# --- build -------------------------------------------------------------------------------------
make -j2 build/thuvien build/bench/opac_gen build/bench/opac_load >/dev/null || die "make failed"
BIN=$ROOT/build/thuvien
cp build/bench/opac_gen build/bench/opac_load "$TMP/"
HELLO_SRC=${HELLO_SRC:-}
for f in "$ROOT/../shared/bench/hello_mhd.c" /work/shared/bench/hello_mhd.c; do
	[ -z "$HELLO_SRC" ] && [ -f "$f" ] && HELLO_SRC=$f
done
[ -f "$HELLO_SRC" ] || die "hello_mhd.c not found (set HELLO_SRC)"
cc -O2 -o "$TMP/hello_mhd" "$HELLO_SRC" -lmicrohttpd || die "cannot build hello_mhd"

# --- the real records: title, authors, publisher -------------------------------------------------
bench/sources.sh "$DATA" 150 >"$TMP/sources.tsv"
NSRC=$(wc -l <"$TMP/sources.tsv")

# --- the query mix: common and rare words, two words, typos, schools, facets, deep pages ------
cat >"$TMP/queries.txt" <<'EOF'
/opac?q=t
/opac?q=nh
/opac?q=tam+ly
/opac?q=t%C3%A2m+l%C3%BD+h%E1%BB%8Dc
/opac?q=nha+gia+kim
/opac?q=dac+nhan+tam
/opac?q=truyen
/opac?q=cuoc+song
/opac?q=history
/opac?q=the+art
/opac?q=harry+potter
/opac?q=conan
/opac?q=kinh+te
/opac?q=tap+3
/opac?q=nguyen
/opac?q=ky+nang
/opac?q=hoc
/opac?q=american
/opac?q=dac+nhan+tamm
/opac?q=tiengviet
/opac?q=kahnemann
/opac?q=muon+kiep+nhan+sinhh
/opac?q=qwxzy
/opac?q=ngu+van&type=SGK
/opac?q=tam&type=STK&decade=2010
/opac?q=s&lang=eng
/opac?q=t&class=8
/opac?q=t&grade=5
/opac?q=hoc&sort=newest
/opac?q=tap&sort=popular
/opac?sort=newest
/opac?sort=popular
/opac?sort=title&page=300
/opac?q=t&page=200
/opac?q=tam&sort=title&page=5
/opac?page=300
/opac?q=history&anonymous=1
/opac/s/TH0001?q=tam
/opac/s/TH0002
/opac/s/TH0003?q=t&sort=newest
/opac/s/TH0004?q=nha+gia+kim
/opac/s/TH0005?sort=popular&page=20
EOF

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
hello() {
	local port rps
	port=$(free_port)
	"$TMP/hello_mhd" "$port" >/dev/null 2>&1 &
	PIDS+=("$!")
	for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
	rps=$(wrk -t2 -c"$CONNS" -d10s --latency "http://127.0.0.1:$port/" 2>/dev/null |
		awk '/^Requests\/sec:/ { r = $2 } / 50%/ { p50 = $2 } / 99%/ { p99 = $2 } END { printf "%.0f requests/s, p50 %s, p99 %s", r, p50, p99 }')
	kill "${PIDS[-1]}" 2>/dev/null || true
	echo "$rps"
}
count() { # URL SQL
	if [ "${1#postgres}" = "$1" ]; then sqlite3 "$1" "$2"; else psql -qtA "$1" -c "$2"; fi
}

echo "machine:   $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC'), thuvien $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "city:      $NSCHOOLS schools x $NREC records from $POOL titles ($NSRC real records), 1-5 copies each"
echo "load:      $(grep -vc '^#' "$TMP/queries.txt") queries in turn; $THREADS threads in process, $CONNS connections over HTTP, ${SECONDS_RUN}s"
echo

run() { # NAME URL
	local name=$1 url=$2 stamp="$CITY_DIR/$1-$NSCHOOLS-$NREC-$POOL"
	if [ -n "${FRESH:-}" ] || [ ! -f "$stamp.attached" ]; then
		local t0 t1 t2
		[ "${url#postgres}" = "$url" ] && rm -f "$url" "$url-wal" "$url-shm"
		t0=$(date +%s.%N)
		"$TMP/opac_gen" "$url" "$TMP/sources.tsv" "$NSCHOOLS" "$NREC" "$POOL" 2>"$TMP/gen-$name.log" ||
			{ cat "$TMP/gen-$name.log" >&2; die "opac_gen ($name) failed"; }
		t1=$(date +%s.%N)
		local port pid left
		port=$(free_port)
		(cd "$TMP" && exec "$BIN" --db "$url" --log-level info serve --listen "127.0.0.1:$port") >"$TMP/attach-$name.log" 2>&1 &
		pid=$!
		PIDS+=("$pid")
		while :; do
			sleep 2
			left=$(count "$url" "SELECT count(*) FROM biblios WHERE work_sync = 1")
			[ "$left" = 0 ] && break
			kill -0 "$pid" 2>/dev/null || die "server died while attaching ($name): $(tail -3 "$TMP/attach-$name.log")"
		done
		t2=$(date +%s.%N)
		local rss
		sleep 3 # the index's load after the last round
		rss=$(awk '/RssAnon/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status")
		kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
		printf 'generated in %.0f s; attached %s records to %s works in %.0f s (%.0f records/s); server anonymous RSS %s\n' \
			"$(echo "$t1 - $t0" | bc)" "$(count "$url" "SELECT count(*) FROM biblios")" \
			"$(count "$url" "SELECT count(*) FROM works WHERE schools > 0")" "$(echo "$t2 - $t1" | bc)" \
			"$(echo "$(count "$url" "SELECT count(*) FROM biblios") / ($t2 - $t1)" | bc)" "$rss" >"$stamp.attached"
	fi
	printf '%-11s %s\n' "$name:" "$(cat "$stamp.attached")"
	printf '%-11s in process: %s\n' "" "$("$TMP/opac_load" index "$url" "$THREADS" "$SECONDS_RUN" "$TMP/queries.txt")"
	printf '%-11s hello_mhd:  %s\n' "" "$(hello)"
	local port pid status
	port=$(free_port)
	(cd "$TMP" && exec "$BIN" --db "$url" --log-level warn serve --listen "127.0.0.1:$port") >"$TMP/serve-$name.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	status=000
	for _ in $(seq 600); do
		status=$(curl -s -o "$TMP/probe.json" -w '%{http_code}' -H 'Accept: application/json' "http://127.0.0.1:$port/opac?q=t" || true)
		[ "$status" = 200 ] && grep -q '"total": *[1-9]' "$TMP/probe.json" && break
		[ "$status" = 404 ] && break
		sleep 0.5
	done
	if [ "$status" = 200 ]; then
		local rss0 line
		rss0=$(awk '/RssAnon/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status")
		line=$("$TMP/opac_load" http 127.0.0.1 "$port" "$CONNS" "$SECONDS_RUN" "$TMP/queries.txt")
		printf '%-11s HTTP:       %s; server anonymous RSS %s before, %s after\n' "" "$line" "$rss0" \
			"$(awk '/RssAnon/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status")"
	else
		printf '%-11s HTTP:       skipped: GET /opac answered %s (the pages are not in this build)\n' "" "$status"
	fi
	printf '%-11s hello_mhd:  %s\n' "" "$(hello)"
	kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

for r in $RUNS; do
	case $r in
	sqlite) run sqlite "$CITY_DIR/sqlite-$NSCHOOLS-$NREC-$POOL.db" ;;
	postgresql)
		# scripts/pg-cluster.sh removes its directory when it stops: this city is built every run
		PGDIR=$TMP/pg
		scripts/pg-cluster.sh start "$PGDIR" >/dev/null
		rm -f "$CITY_DIR/postgresql-$NSCHOOLS-$NREC-$POOL.attached"
		run postgresql "$(scripts/pg-cluster.sh createdb "$PGDIR" city)"
		;;
	*) die "unknown run $r" ;;
	esac
done
