#!/usr/bin/env bash
# bench/lending.sh: lending throughput at the desk, over HTTP (on demand, not part of `make test`).
#
# A school of NREADERS readers (2000) and NCOPIES copies (30000), built by bench/lending_gen.c;
# bench/lending_load.c runs NCLIENTS (32) clients, each on its own keep-alive connection with the
# librarian's session, lending and returning copies for SECONDS (20) through the scanner API:
# POST /circ/checkout (patron, item) then POST /circ/return (item), JSON. Figures: pairs per
# second, p50/p99 of a request and of a pair. Runs:
#   sqlite       the one school alone in a SQLite file
#   postgresql   the same on PostgreSQL (a throwaway server, scripts/pg-cluster.sh)
#   sqlite-city  the same school inside a city: CITY_SCHOOLS (500) schools in one SQLite file,
#                each other school with 1,000 readers, 4,000 copies and 4,000 loans of history
# and, in the same run, the reference bare server ../shared/bench/hello_mhd.c under wrk with the
# same number of connections: the ratio is the figure that travels (bench/README.md).
#
#   bench/lending.sh                      all runs
#   RUNS="sqlite" bench/lending.sh        some of them
#   NO_COUNTERS=1 bench/lending.sh        without the report counters' triggers (dropped after the
#                                         data is built), the reference for their cost
# Prints to stdout; leaves nothing behind unless KEEP_TMP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NREADERS=${NREADERS:-2000}
NCOPIES=${NCOPIES:-30000}
NCLIENTS=${NCLIENTS:-32}
SECONDS_RUN=${SECONDS_RUN:-20}
CITY_SCHOOLS=${CITY_SCHOOLS:-500}
RUNS=${RUNS:-sqlite postgresql sqlite-city}
for v in $(compgen -e | grep '^THUVIEN_' || true); do unset "$v"; done
die() { echo "bench: $*" >&2; exit 1; }
for tool in cc curl python3 wrk; do command -v "$tool" >/dev/null || die "$tool not found"; done

TMP=$(mktemp -d /tmp/thuvien-lending-bench.XXXXXX)
chmod 755 "$TMP"
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
make -j2 build/thuvien build/bench/lending_gen build/bench/lending_load >/dev/null || die "make failed"
BIN=$ROOT/build/thuvien
cp build/bench/lending_gen build/bench/lending_load "$TMP/"
HELLO_SRC=${HELLO_SRC:-}
for f in "$ROOT/../shared/bench/hello_mhd.c" /work/shared/bench/hello_mhd.c; do
	[ -z "$HELLO_SRC" ] && [ -f "$f" ] && HELLO_SRC=$f
done
[ -f "$HELLO_SRC" ] || die "hello_mhd.c not found (set HELLO_SRC)"
cc -O2 -o "$TMP/hello_mhd" "$HELLO_SRC" -lmicrohttpd || die "cannot build hello_mhd"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "machine:   $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC'), thuvien $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "school:    $NREADERS readers, $NCOPIES copies; $NCLIENTS clients x ${SECONDS_RUN}s of checkout+return pairs (JSON API)"
echo

# The reference: hello_mhd under wrk, same connections, same machine, same run.
port=$(free_port)
"$TMP/hello_mhd" "$port" >/dev/null 2>&1 &
PIDS+=("$!")
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
HELLO_RPS=$(wrk -t2 -c"$NCLIENTS" -d10s "http://127.0.0.1:$port/" 2>/dev/null | awk '/^Requests\/sec:/ { printf "%.0f", $2 }')
kill "${PIDS[-1]}" 2>/dev/null || true
echo "hello_mhd: $HELLO_RPS requests/s (wrk -t2 -c$NCLIENTS -d10s)"

PASSWORD=bench-$RANDOM-$RANDOM-mat-khau

run() { # NAME URL NSCHOOLS
	local name=$1 url=$2 nschools=$3 t0 t1
	t0=$(date +%s.%N)
	"$TMP/lending_gen" "$url" "$PASSWORD" "$nschools" "$NREADERS" "$NCOPIES" 1000 4000 4000 2>"$TMP/gen-$name.log" ||
		{ cat "$TMP/gen-$name.log" >&2; die "lending_gen ($name) failed"; }
	t1=$(date +%s.%N)
	if [ "${NO_COUNTERS:-0}" = 1 ]; then # the reference without the report counters' triggers (0018)
		if [ "${url#postgres}" = "$url" ]; then
			sqlite3 "$url" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stat%'" | sqlite3 "$url"
		else
			psql -qtA "$url" -c "SELECT 'DROP TRIGGER ' || tgname || ' ON ' || tgrelid::regclass || ';' FROM pg_trigger WHERE tgname LIKE 'stat%'" | psql -q "$url"
		fi
	fi
	local port pid
	port=$(free_port)
	(cd "$TMP" && exec "$BIN" --db "$url" --log-level warn serve --listen "127.0.0.1:$port") >"$TMP/serve-$name.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
	local cookie csrf
	cookie=$(curl -s -o /dev/null -D - --data-urlencode "username=thuthu.th0001" --data-urlencode "password=$PASSWORD" \
		"http://127.0.0.1:$port/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(tv_session=[^;]*\).*/\1/p' | head -1)
	[ -n "$cookie" ] || die "login ($name) failed"
	csrf=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$port/circ" | sed -n 's/.*name="csrf-token" content="\([^"]*\)".*/\1/p' | head -1)
	[ -n "$csrf" ] || die "no CSRF token on /circ ($name)"
	local rss0 line rss1 loans open
	rss0=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
	line=$("$TMP/lending_load" 127.0.0.1 "$port" "$cookie" "$csrf" "$NCLIENTS" "$SECONDS_RUN" "$NCOPIES")
	rss1=$(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$pid/status")
	printf '%-12s %s\n' "$name:" "$line"
	printf '%-12s data built in %.1f s; server peak RSS %s\n' "" "$(echo "$t1 - $t0" | bc)" "$rss1"
	kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
	# Every loan the load made is returned: the books balance.
	if [ "${url#postgres}" = "$url" ]; then
		open=$(sqlite3 "$url" "SELECT COUNT(*) FROM loans l JOIN units u ON u.id = l.unit_id WHERE u.code = 'TH0001' AND returned_at IS NULL")
		loans=$(sqlite3 "$url" "SELECT COUNT(*) FROM loans l JOIN units u ON u.id = l.unit_id WHERE u.code = 'TH0001'")
	else
		open=$(psql -qtA "$url" -c "SELECT COUNT(*) FROM loans l JOIN units u ON u.id = l.unit_id WHERE u.code = 'TH0001' AND returned_at IS NULL")
		loans=$(psql -qtA "$url" -c "SELECT COUNT(*) FROM loans l JOIN units u ON u.id = l.unit_id WHERE u.code = 'TH0001'")
	fi
	printf '%-12s %s loans written, %s still open (0 expected: every pair returns what it lent)\n' "" "$loans" "$open"
	if [ "${NO_COUNTERS:-0}" != 1 ]; then
		printf '%-12s report counters: %s\n' "" "$(THUVIEN_LANG=en "$BIN" --db "$url" stats verify 2>&1 | tail -1)"
	fi
}

for r in $RUNS; do
	case $r in
	sqlite) run sqlite "$TMP/school.db" 1 ;;
	sqlite-city) run sqlite-city "$TMP/city.db" "$CITY_SCHOOLS" ;;
	postgresql)
		PGDIR=$TMP/pg
		scripts/pg-cluster.sh start "$PGDIR" >/dev/null
		run postgresql "$(scripts/pg-cluster.sh createdb "$PGDIR" lending)" 1
		;;
	*) die "unknown run $r" ;;
	esac
done
