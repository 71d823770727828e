#!/usr/bin/env bash
# bench/run.sh: thuvien's benchmark, run on demand (not part of `make test`). Everything is
# measured in one run, beside the bare libmicrohttpd server ../shared/bench/hello_mhd.c, because
# wrk and the server share this machine's cores: the ratio to hello_mhd is the figure that
# travels, the requests/s alone do not. bench/README.md says what each figure means.
#
#   bench/run.sh                      (from the repository root or anywhere)
#
# Environment: THUVIEN_BIN (default: build/thuvien, rebuilt with `make -j2` first),
# HELLO_SRC (default ../shared/bench/hello_mhd.c, else /work/shared/bench/hello_mhd.c),
# DURATION (10s), CONNS (64), THREADS (2), LOGIN_CONNS (8), KEEP_TMP=1 to keep the database and
# the server logs, BENCH_RAW=1 to print wrk's own output for every run too.
# Prints to stdout only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
LOGIN_CONNS=${LOGIN_CONNS:-8}
USER_NAME=thuthu.th001

# The caller's THUVIEN_* settings (other than the binary) must not change what is measured.
for v in $(compgen -e | grep '^THUVIEN_' | grep -vx THUVIEN_BIN || true); do unset "$v"; done

die() { echo "bench: $*" >&2; exit 1; }
for tool in wrk curl cc; do command -v "$tool" >/dev/null || die "$tool not found (apt-get install wrk curl gcc)"; done

# --- build -------------------------------------------------------------------------------------
if [ -n "${THUVIEN_BIN:-}" ]; then
	BIN=$(realpath "$THUVIEN_BIN")
else
	make -j2 build/thuvien >/dev/null || die "make failed"
	BIN=$ROOT/build/thuvien
fi
[ -x "$BIN" ] || die "no thuvien binary at $BIN"
HELLO_SRC=${HELLO_SRC:-}
if [ -z "$HELLO_SRC" ]; then
	for f in "$ROOT/../shared/bench/hello_mhd.c" /work/shared/bench/hello_mhd.c; do
		[ -f "$f" ] && { HELLO_SRC=$f; break; }
	done
fi
[ -f "$HELLO_SRC" ] || die "hello_mhd.c not found (set HELLO_SRC)"
mkdir -p build
cc -O2 -o build/hello_mhd "$HELLO_SRC" -lmicrohttpd || die "cannot build hello_mhd"
HELLO=$ROOT/build/hello_mhd

# --- helpers -----------------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/thuvien-bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "${KEEP_TMP:-}" ]; then echo "(kept $TMP)"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

wait_http() { # URL: wait up to 10 s for a 200
	for _ in $(seq 100); do
		curl -sf -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}

rss_mb() { awk -v k="$2:" '$1 == k { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

sql() { # DB QUERY: one value
	if command -v sqlite3 >/dev/null; then
		sqlite3 "$1" "$2"
	else
		python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2"
	fi
}

# Does a second request travel over the first one's connection? (MHD answers "Connection:
# close" to every request when the response is queued on the first call of the handler.)
keepalive() { # URL [curl args...]
	local url=$1; shift
	if curl -sv -o /dev/null -o /dev/null "$@" "$url" "$url" 2>&1 | grep -q 'Re-using existing connection'; then
		echo yes
	else
		echo NO
	fi
}

# wrk one target; store its output in $TMP/NAME.wrk and a table row in $TMP/rows.
RESULTS=()
measure() { # NAME URL [wrk args...]
	local name=$1 url=$2; shift 2
	local out=$TMP/$(echo "$name" | tr -c 'A-Za-z0-9\n' _).wrk
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url" >"$out" 2>&1 || true
	if [ -n "${BENCH_RAW:-}" ]; then
		echo "--- wrk: $name ($url)"
		cat "$out"
	fi
	RESULTS+=("$name|$out")
}

rps_of() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
pct_of() { awk -v p="$2%" '$1 == p { print $2; exit }' "$1"; }
non2xx_of() { awk '/Non-2xx or 3xx responses:/ { n = $NF } END { print n + 0 }' "$1"; }
sockerr_of() { # "0" or "connect A, read B, write C, timeout D" when any is non-zero
	local line; line=$(grep 'Socket errors:' "$1" || true)
	if [ -z "$line" ]; then echo 0; else echo "${line#*Socket errors: }"; fi
}
total_of() { awk '/requests in/ { print $1; exit }' "$1"; }

# CPU seconds: busy and total of the whole machine (/proc/stat), and used by this script's
# children (bash's `times`: wrk, the servers, curl, ...); the difference is what other programs
# took during the run, which makes every figure here less reliable.
cpu_stat() { awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; printf "%.2f %.2f\n", busy / 100, (busy + $5 + $6) / 100 }' /proc/stat; }
children_cpu() { # must run in the script's own shell (not in $(...)): sets CHILD_CPU
	times >"$TMP/times"
	CHILD_CPU=$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.2f", s }' "$TMP/times")
}

# --- the machine -------------------------------------------------------------------------------
echo "thuvien benchmark"
echo "date:      $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:   $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.0f GiB", $2/1048576 }' /proc/meminfo), Linux $(uname -r)"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, before the run)"
echo "tools:     $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), libmicrohttpd $(pkg-config --modversion libmicrohttpd 2>/dev/null || echo '?'), $(cc --version | head -1)"
echo "thuvien:   $BIN ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit yet')$(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo ', work tree has changes'))"
echo "hello:     $HELLO_SRC"
echo "wrk:       -t$THREADS -c$CONNS -d$DURATION --latency, on 127.0.0.1 (wrk and the server share the cores)"
echo

read -r CPU_BUSY0 CPU_TOTAL0 < <(cpu_stat)
children_cpu
CHILD0=$CHILD_CPU

# --- the demo database -------------------------------------------------------------------------
DB=$TMP/bench.db
PASSWORD=bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
(cd "$TMP" && "$BIN" --db "$DB" demo --password "$PASSWORD" >"$TMP/demo.txt" 2>"$TMP/demo.err") || { cat "$TMP/demo.err" >&2; die "thuvien demo failed"; }
USERS=$(awk 'f && NF >= 3 { print $1 } /^ *username +role/ { f = 1 }' "$TMP/demo.txt" | tr '\n' ' ')
[ -n "$USERS" ] || die "no demo accounts listed by thuvien demo"

start_server() { # NAME LOGLEVEL: sets SRV_PID, SRV_URL
	local port; port=$(free_port)
	local args=(--db "$DB")
	[ "$2" = default ] || args+=(--log-level "$2")
	(cd "$TMP" && exec "$BIN" "${args[@]}" serve --listen "127.0.0.1:$port") >"$TMP/serve-$1.log" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	SRV_URL=http://127.0.0.1:$port
	wait_http "$SRV_URL/healthz" || { cat "$TMP/serve-$1.log" >&2; die "thuvien serve ($1) did not start"; }
}

forget_pid() { # PID: no longer ours to stop at exit
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

stop_server() { # PID
	kill -TERM "$1"
	local rc=0
	wait "$1" || rc=$?
	forget_pid "$1"
	[ "$rc" -eq 0 ] || echo "note: thuvien serve exited with status $rc after SIGTERM"
}

# --- the bare server ---------------------------------------------------------------------------
HPORT=$(free_port)
"$HELLO" "$HPORT" &
HELLO_PID=$!
PIDS+=("$HELLO_PID")
HURL=http://127.0.0.1:$HPORT/
wait_http "$HURL" || die "hello_mhd did not start"
KA_HELLO=$(keepalive "$HURL")
wrk -t"$THREADS" -c"$CONNS" -d2s "$HURL" >/dev/null 2>&1 || true # warm-up, not reported
measure "hello_mhd (first)" "$HURL"

# --- thuvien, access log off (--log-level warn) ------------------------------------------------
start_server warn warn
WARN_PID=$SRV_PID
BASE=$SRV_URL
RSS_START=$(rss_mb "$WARN_PID" VmRSS)

# Log in once for the authenticated pages (the session is in the database: it is valid for the
# second server too).
COOKIE=$(curl -s -o /dev/null -D - --data-urlencode "username=$USER_NAME" --data-urlencode "password=$PASSWORD" \
	"$BASE/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(tv_session=[^;]*\).*/\1/p' | head -1)
[ -n "$COOKIE" ] && [ "$COOKIE" != "tv_session=" ] || die "login as $USER_NAME failed"

# Each target: NAME PATH AUTH(0/1). Check its status (and keep-alive) before measuring: wrk counts
# 3xx as success, so a lost session would otherwise measure the redirect to /login.
TARGETS=("GET /healthz|/healthz|0" "GET / (logged in)|/|1" "GET /units (logged in)|/units|1" "GET /static/app.css|/static/app.css|0")
declare -A STATUS SIZE KA
check_targets() { # BASE
	local t name path auth args
	for t in "${TARGETS[@]}"; do
		IFS='|' read -r name path auth <<<"$t"
		args=()
		[ "$auth" = 1 ] && args=(-H "Cookie: $COOKIE")
		read -r STATUS["$name"] SIZE["$name"] < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' "${args[@]}" "$1$path")
		KA["$name"]=$(keepalive "$1$path" "${args[@]}")
		[ "${STATUS[$name]}" = 200 ] || echo "WARNING: $name answered ${STATUS[$name]}, not 200"
	done
}
run_targets() { # BASE SUFFIX
	local t name path auth args
	for t in "${TARGETS[@]}"; do
		IFS='|' read -r name path auth <<<"$t"
		args=()
		[ "$auth" = 1 ] && args=(-H "Cookie: $COOKIE")
		measure "$name$2" "$1$path" "${args[@]}"
	done
}

check_targets "$BASE"
for i in 1 2 3 4 5; do
	for path in / /units /static/app.css; do curl -s -o /dev/null -H "Cookie: $COOKIE" "$BASE$path"; done
done
RSS_IDLE=$(rss_mb "$WARN_PID" VmRSS)
wrk -t"$THREADS" -c"$CONNS" -d2s -H "Cookie: $COOKIE" "$BASE/" >/dev/null 2>&1 || true # warm-up
run_targets "$BASE" ""
RSS_PAGES=$(rss_mb "$WARN_PID" VmRSS)
HWM_PAGES=$(rss_mb "$WARN_PID" VmHWM)
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE/")" = 200 ] ||
	echo "WARNING: GET / with the cookie no longer answers 200 after the runs"

# --- login throughput (Argon2id), same server --------------------------------------------------
SESSIONS_BEFORE=$(sql "$DB" "SELECT count(*) FROM sessions")
LOGIN_OUT=$TMP/login.wrk
TV_USERS=$USERS TV_PASSWORD=$PASSWORD wrk -t"$THREADS" -c"$LOGIN_CONNS" -d"$DURATION" --latency --timeout 30s \
	-s "$ROOT/bench/login.lua" "$BASE/login" >"$LOGIN_OUT" 2>&1 || true
[ -n "${BENCH_RAW:-}" ] && { echo "--- wrk: logins"; cat "$LOGIN_OUT"; }
SESSIONS_AFTER=$(sql "$DB" "SELECT count(*) FROM sessions")
RSS_LOGIN=$(rss_mb "$WARN_PID" VmRSS)
sleep 2 # the logins wrk left in flight finish; their Argon2id blocks go back to the system
RSS_IDLE2=$(rss_mb "$WARN_PID" VmRSS)
HWM_LOGIN=$(rss_mb "$WARN_PID" VmHWM)
HASH=$(sql "$DB" "SELECT password_hash FROM accounts WHERE username = '$USER_NAME'")
WARN_ERRORS=$(grep -c -E ' (ERROR|WARN) ' "$TMP/serve-warn.log" || true)
stop_server "$WARN_PID"

measure "hello_mhd (middle)" "$HURL"

# --- thuvien, access log on (default level: info) ----------------------------------------------
start_server info default
INFO_PID=$SRV_PID
LOG_LINES_BEFORE=$(wc -l <"$TMP/serve-info.log")
check_targets "$SRV_URL"
wrk -t"$THREADS" -c"$CONNS" -d2s -H "Cookie: $COOKIE" "$SRV_URL/" >/dev/null 2>&1 || true # warm-up
run_targets "$SRV_URL" " [access log]"
LOG_LINES=$(($(wc -l <"$TMP/serve-info.log") - LOG_LINES_BEFORE))
LOG_BYTES=$(wc -c <"$TMP/serve-info.log")
INFO_ERRORS=$(grep -c -E ' (ERROR|WARN) ' "$TMP/serve-info.log" || true)
stop_server "$INFO_PID"

measure "hello_mhd (last)" "$HURL"
kill "$HELLO_PID"; wait "$HELLO_PID" 2>/dev/null || true; forget_pid "$HELLO_PID"

# --- report ------------------------------------------------------------------------------------
read -r CPU_BUSY1 CPU_TOTAL1 < <(cpu_stat)
children_cpu
CHILD1=$CHILD_CPU
H1=$(rps_of "$TMP/hello_mhd__first_.wrk")
H2=$(rps_of "$TMP/hello_mhd__middle_.wrk")
H3=$(rps_of "$TMP/hello_mhd__last_.wrk")
HREF=$(awk -v a="$H1" -v b="$H2" -v c="$H3" 'BEGIN { printf "%.0f", (a + b + c) / 3 }')
HSPREAD=$(awk -v a="$H1" -v b="$H2" -v c="$H3" 'BEGIN { lo = a; hi = a; if (b < lo) lo = b; if (c < lo) lo = c;
	if (b > hi) hi = b; if (c > hi) hi = c; printf "%.0f%%", 100 * (hi - lo) / ((a + b + c) / 3) }')
HSPREAD_N=${HSPREAD%\%}

echo "Pages: wrk -t$THREADS -c$CONNS -d$DURATION; ratio = requests/s / hello_mhd's mean over its three runs ($HREF/s; spread $HSPREAD)"
printf '%-36s %6s %7s %11s %9s %9s %7s %8s %8s %s\n' target status bytes requests/s p50 p99 ratio requests non-2xx "socket errors"
for r in "${RESULTS[@]}"; do
	name=${r%%|*}; out=${r#*|}
	base=${name% \[access log\]}
	st=${STATUS[$base]:--}; sz=${SIZE[$base]:--}
	case $name in hello_mhd*) st=200; sz=13 ;; esac
	rps=$(rps_of "$out")
	if [ -z "$rps" ]; then
		printf '%-36s wrk failed: %s\n' "$name" "$(tr '\n' ' ' <"$out" | cut -c1-100)"
		continue
	fi
	ratio=$(awk -v a="$rps" -v b="$HREF" 'BEGIN { printf "%.2f", a / b }')
	printf '%-36s %6s %7s %11.0f %9s %9s %7s %8s %8s %s\n' "$name" "$st" "$sz" "$rps" "$(pct_of "$out" 50)" \
		"$(pct_of "$out" 99)" "$ratio" "$(total_of "$out")" "$(non2xx_of "$out")" "$(sockerr_of "$out")"
done
[ "$HSPREAD_N" -le 10 ] || echo "WARNING: hello_mhd's three runs differ by $HSPREAD: the machine's load changed during the run; ratios are approximate"
echo "(status, bytes: one curl request before the run; non-2xx: wrk's 'Non-2xx or 3xx responses'; socket errors: wrk's 'Socket errors' line)"
echo "keep-alive (second request over the first one's connection, curl): hello_mhd $KA_HELLO;" \
	"$(for t in "${TARGETS[@]}"; do n=${t%%|*}; printf '%s %s; ' "$n" "${KA[$n]}"; done | sed 's/; $//')"
echo "access log run: $LOG_LINES lines, $LOG_BYTES bytes written to a file during it "
echo

echo "Logins (POST /login, Argon2id): wrk -t$THREADS -c$LOGIN_CONNS -d$DURATION, usernames rotating over $(echo "$USERS" | wc -w) demo accounts"
LRPS=$(rps_of "$LOGIN_OUT")
echo "  logins/s:      ${LRPS:-wrk failed}   (p50 $(pct_of "$LOGIN_OUT" 50), p99 $(pct_of "$LOGIN_OUT" 99), $(total_of "$LOGIN_OUT") requests)"
echo "  $(grep '^login.lua:' "$LOGIN_OUT" || echo 'login.lua: no summary')"
echo "  sessions created in the database: $((SESSIONS_AFTER - SESSIONS_BEFORE)); non-2xx/3xx: $(non2xx_of "$LOGIN_OUT"); socket errors: $(sockerr_of "$LOGIN_OUT")"
PARAMS=$(echo "$HASH" | sed -n 's/^\$\(argon2[a-z]*\)\$v=\([0-9]*\)\$m=\([0-9]*\),t=\([0-9]*\),p=\([0-9]*\)\$.*/\1 v=\2 m=\3 t=\4 p=\5/p')
read -r ALG V M T P <<<"$PARAMS"
echo "  hash: $ALG $V, ${M} (= $(awk -v m="${M#m=}" 'BEGIN { printf "%.1f MiB", m / 1024 }') memory), ${T} (passes), ${P} (lanes)   [stored: ${HASH:0:31}...]"
echo

echo "Memory of thuvien serve (VmRSS from /proc/PID/status; the warn server):"
echo "  after start:                      $RSS_START MB"
echo "  idle, after a login and 15 pages: $RSS_IDLE MB"
echo "  after the page runs:              $RSS_PAGES MB (peak VmHWM $HWM_PAGES MB, which includes the curl login's Argon2id hash)"
echo "  right after the login run:        $RSS_LOGIN MB (peak VmHWM $HWM_LOGIN MB; Argon2id hashes in flight)"
echo "  idle again, 2 s later:            $RSS_IDLE2 MB"
echo
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, after the run)"
awk -v b0="$CPU_BUSY0" -v b1="$CPU_BUSY1" -v t0="$CPU_TOTAL0" -v t1="$CPU_TOTAL1" -v c0="$CHILD0" -v c1="$CHILD1" 'BEGIN {
	busy = b1 - b0; total = t1 - t0; ours = c1 - c0; other = busy - ours; if (other < 0) other = 0
	share = (total > 0) ? 100 * other / total : 0
	printf "CPU:       %.0f of %.0f CPU-seconds busy during the run; this benchmark %.0f, other programs %.0f (%.0f%% of the machine)\n",
		busy, total, ours, other, share
	if (share > 5)
		print "WARNING:   other programs were busy during the run: the figures are less reliable; run it again on a quiet machine"
}'
echo "Server logs: warn run $WARN_ERRORS WARN/ERROR line(s), access-log run $INFO_ERRORS WARN/ERROR line(s)"
if [ "$WARN_ERRORS" != 0 ] || [ "$INFO_ERRORS" != 0 ]; then
	grep -h -E ' (ERROR|WARN) ' "$TMP/serve-warn.log" "$TMP/serve-info.log" | sort | uniq -c | sort -rn | head -10 | sed 's/^/  /'
fi
