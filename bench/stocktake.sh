#!/usr/bin/env bash
# bench/stocktake.sh: stocktake scanning over HTTP (on demand, not part of `make test`).
#
# A school of NCOPIES copies (30000; barcodes B0000001..., built by bench/lending_gen.c), one
# open whole-library stocktake; bench/stocktake_load.c runs NCLIENTS (4) scanners, each on its
# own keep-alive connection with the librarian's session, posting barcodes for SECONDS_RUN (10)
# seconds: first one barcode a request (a desk scanner: the figure is p99 per scan, aim under
# 10 ms), then BATCH (100) a request (the page's queue draining, a middleware). After each run
# the session's count of distinct barcodes (GET /stocktakes/ID, `seen`) must equal what the
# scanners sent: nothing lost, nothing counted twice. Then GET /stocktakes/ID (the live count
# over the whole stock) is timed, and the session is closed (marks for 30,000 copies, part III),
# timed. Runs: sqlite, postgresql (a throwaway server, scripts/pg-cluster.sh). In the same run,
# the reference bare server ../shared/bench/hello_mhd.c under wrk with the same connections
# (bench/README.md: the ratio is the figure that travels).
#
#   bench/stocktake.sh                     both backends
#   RUNS=sqlite bench/stocktake.sh         one
# Prints to stdout; leaves nothing behind unless KEEP_TMP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NCOPIES=${NCOPIES:-30000}
NCLIENTS=${NCLIENTS:-4}
SECONDS_RUN=${SECONDS_RUN:-10}
BATCH=${BATCH:-100}
RUNS=${RUNS:-sqlite postgresql}
for v in $(compgen -e | grep '^THUVIEN_' || true); do unset "$v"; done
die() { echo "bench: $*" >&2; exit 1; }
for tool in cc curl python3 wrk; do command -v "$tool" >/dev/null || die "$tool not found"; done

TMP=$(mktemp -d /tmp/thuvien-stocktake-bench.XXXXXX)
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
make -j2 build/thuvien build/bench/lending_gen build/bench/stocktake_load >/dev/null || die "make failed"
BIN=$ROOT/build/thuvien
cp build/bench/lending_gen build/bench/stocktake_load "$TMP/"
HELLO_SRC=${HELLO_SRC:-}
for f in "$ROOT/../shared/bench/hello_mhd.c" /work/shared/bench/hello_mhd.c; do
	[ -z "$HELLO_SRC" ] && [ -f "$f" ] && HELLO_SRC=$f
done
[ -f "$HELLO_SRC" ] || die "hello_mhd.c not found (set HELLO_SRC)"
cc -O2 -o "$TMP/hello_mhd" "$HELLO_SRC" -lmicrohttpd || die "cannot build hello_mhd"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ms() { python3 -c "import sys; print('%.0f' % ((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$2"; }

echo "machine:   $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC'), thuvien $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "school:    $NCOPIES copies; $NCLIENTS scanners x ${SECONDS_RUN}s, 1 then $BATCH barcodes a request (JSON API)"
echo

port=$(free_port)
"$TMP/hello_mhd" "$port" >/dev/null 2>&1 &
PIDS+=("$!")
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
HELLO=$(wrk -t2 -c"$NCLIENTS" -d5s --latency "http://127.0.0.1:$port/" 2>/dev/null)
kill "${PIDS[-1]}" 2>/dev/null || true
echo "hello_mhd: $(echo "$HELLO" | awk '/^Requests\/sec:/ { printf "%.0f requests/s", $2 }')," \
	"p99 $(echo "$HELLO" | awk '$1 == "99%" { print $2 }') (wrk -t2 -c$NCLIENTS -d5s)"

PASSWORD=bench-$RANDOM-$RANDOM-mat-khau

run() { # NAME URL
	local name=$1 url=$2
	"$TMP/lending_gen" "$url" "$PASSWORD" 1 10 "$NCOPIES" 0 0 0 2>"$TMP/gen-$name.log" ||
		{ cat "$TMP/gen-$name.log" >&2; die "lending_gen ($name) failed"; }
	local port pid base
	port=$(free_port)
	base=http://127.0.0.1:$port
	(cd "$TMP" && exec "$BIN" --db "$url" --log-level warn serve --listen "127.0.0.1:$port") >"$TMP/serve-$name.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for _ in $(seq 100); do curl -sf -o /dev/null "$base/healthz" && break; sleep 0.1; done
	local cookie csrf
	cookie=$(curl -s -o /dev/null -D - --data-urlencode "username=thuthu.th0001" --data-urlencode "password=$PASSWORD" \
		"$base/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(tv_session=[^;]*\).*/\1/p' | head -1)
	[ -n "$cookie" ] || die "login ($name) failed"
	csrf=$(curl -s -H "Cookie: $cookie" "$base/stocktakes" | sed -n 's/.*name="csrf-token" content="\([^"]*\)".*/\1/p' | head -1)
	[ -n "$csrf" ] || die "no CSRF token on /stocktakes ($name)"
	local b sid out sent seen
	for b in 1 "$BATCH"; do
		sid=$(curl -s -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" -H "Accept: application/json" \
			--data "scope=all" "$base/stocktakes" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
		out=$("$TMP/stocktake_load" 127.0.0.1 "$port" "$cookie" "$csrf" "$sid" "$NCLIENTS" "$SECONDS_RUN" "$NCOPIES" "$b")
		sent=$(echo "$out" | tail -1)
		local live
		live=$(curl -s -o "$TMP/live.json" -w '%{time_total}' -H "Cookie: $cookie" -H "Accept: application/json" \
			"$base/stocktakes/$sid")
		seen=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["seen"])' "$TMP/live.json")
		printf '%-11s %s\n' "$name:" "$(echo "$out" | head -1)"
		printf '%-11s %s distinct barcodes sent, %s counted by the server%s; live count over the stock %s ms\n' "" \
			"$sent" "$seen" "$([ "$sent" = "$seen" ] && echo " (exact)" || echo " (MISMATCH)")" "$(ms 0 "$live")"
		live=$(curl -sf -o /dev/null -w '%{time_total}' -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" \
			-H "Accept: application/json" --data "members=bench" "$base/stocktakes/$sid/close") || die "close ($name) failed"
		printf '%-11s close (marks for every copy, part III): %s ms\n' "" "$(ms 0 "$live")"
	done
	printf '%-11s server peak RSS %s\n' "" "$(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$pid/status")"
	kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

for r in $RUNS; do
	case $r in
	sqlite) run sqlite "$TMP/school.db" ;;
	postgresql)
		PGDIR=$TMP/pg
		scripts/pg-cluster.sh start "$PGDIR" >/dev/null
		run postgresql "$(scripts/pg-cluster.sh createdb "$PGDIR" stocktake)"
		;;
	*) die "unknown run $r" ;;
	esac
done
