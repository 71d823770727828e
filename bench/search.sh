#!/usr/bin/env bash
# bench/search.sh: the staff catalogue search on a city-sized school catalogue, on SQLite and on
# PostgreSQL (on demand, not part of `make test`).
#
# Builds a catalogue of NREC records (300000) with NCOPIES copies (1000000) in one school with
# bench/search_gen.c (linked with the product's objects: records go through
# catalog_biblio_create, so the folded columns and the search index are the product's). Titles,
# authors and publishers come from ../shared/data/vn/tiki-book_data.csv and from the MARC records
# of ../shared/data/marc-extra/bulk/*.mrc (yaz-marcdump -o line), combined into distinct records.
# Then starts `thuvien serve`, logs in as the school's librarian and sends each of 20 queries
# REPS times (50) to GET /catalog?q=... (Accept: application/json) on one keep-alive connection,
# and prints p50/p99 per query and overall, and the hits' total ("1000+": past the search's cap,
# where it stops counting; see docs/ARCHITECTURE.md).
#
#   bench/search.sh                        both backends
#   BACKENDS=sqlite bench/search.sh        one (sqlite or postgresql)
#   NREC=50000 NCOPIES=150000 bench/search.sh
#
# Needs: cc, curl, python3, yaz-marcdump, and for PostgreSQL scripts/pg-cluster.sh's server.
# Prints to stdout; leaves nothing behind unless KEEP_TMP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NREC=${NREC:-300000}
NCOPIES=${NCOPIES:-1000000}
REPS=${REPS:-50}
BACKENDS=${BACKENDS:-sqlite postgresql}
DATA=${DATA:-$ROOT/../shared/data}
[ -d "$DATA" ] || DATA=/work/shared/data
for v in $(compgen -e | grep '^THUVIEN_' || true); do unset "$v"; done
die() { echo "bench: $*" >&2; exit 1; }
for tool in cc curl python3 yaz-marcdump; do command -v "$tool" >/dev/null || die "$tool not found"; done

TMP=$(mktemp -d /tmp/thuvien-search-bench.XXXXXX)
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
make -j2 build/thuvien build/bench/search_gen >/dev/null || die "make failed"
BIN=$ROOT/build/thuvien
cp build/bench/search_gen "$TMP/"

# --- the real records: title, authors, publisher -------------------------------------------------
bench/sources.sh "$DATA" 190 >"$TMP/sources.tsv"
NSRC=$(wc -l <"$TMP/sources.tsv")

echo "machine:   $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "sqlite:    $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo '?'), postgresql: $(/usr/lib/postgresql/15/bin/postgres --version | awk '{ print $3 }')"
echo "data:      $NREC records, $NCOPIES copies, one school; from $NSRC real records (tiki + MARC)"
echo "queries:   20, each $REPS times over one keep-alive connection, GET /catalog?q=... JSON"
echo

PASSWORD=bench-$RANDOM-$RANDOM-mat-khau

run_backend() { # NAME URL
	local name=$1 url=$2 t0 t1
	t0=$(date +%s.%N)
	"$TMP/search_gen" "$url" "$TMP/sources.tsv" "$NREC" "$NCOPIES" "$PASSWORD" 2>"$TMP/gen-$name.log" ||
		{ cat "$TMP/gen-$name.log" >&2; die "search_gen ($name) failed"; }
	t1=$(date +%s.%N)
	local port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	(cd "$TMP" && exec "$BIN" --db "$url" --log-level warn serve --listen "127.0.0.1:$port") >"$TMP/serve-$name.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
	local cookie
	cookie=$(curl -s -o /dev/null -D - --data-urlencode "username=thuthu.th001" --data-urlencode "password=$PASSWORD" \
		"http://127.0.0.1:$port/login" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(tv_session=[^;]*\).*/\1/p' | head -1)
	[ -n "$cookie" ] || die "login ($name) failed"
	local size
	if [ "$name" = sqlite ]; then
		size=$(du -sh "$url"* | awk '{ s = s $1 " " } END { print s }')
	else
		size=$(psql -At "$url" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
	fi
	printf '== %s: built in %.0f s, database %s\n' "$name" "$(echo "$t1 - $t0" | bc)" "$size"
	python3 - "$port" "$cookie" "$REPS" <<'EOF'
import http.client, json, sys, time, urllib.parse
port, cookie, reps = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
def get(q):
    c.request("GET", "/catalog?" + urllib.parse.urlencode({"q": q}),
              headers={"Cookie": cookie, "Accept": "application/json"})
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("GET %r: %d %s" % (q, r.status, body[:200]))
    return json.loads(body)
# An ISBN and a barcode that exist: record 10's ISBN (search_gen), the first copy's barcode.
isbn = "978" + "%09d" % 10
isbn += str((10 - sum(int(d) * (3 if k % 2 else 1) for k, d in enumerate(isbn)) % 10) % 10)
queries = [
    ("vi, marks", "Tiếng Việt"), ("vi, no marks", "tieng viet"), ("vi, prefix", "tieng vi"),
    ("vi, 3 words", "lịch sử việt"), ("vi, đ", "dai"), ("vi, common", "cua"),
    ("vi, rare", "ngoc"), ("vi, author", "nguyen nhat anh"), ("vi, title", "cay cam ngot"),
    ("vi, 1 letter", "t"), ("en, 1 word", "history"), ("en, 2 words", "united states"),
    ("en, 3 words", "the art of"), ("en, rare", "murchison"), ("en, prefix", "philos"),
    ("en, author", "shakespeare"), ("isbn", isbn), ("barcode", "STK000001"),
    ("accession", "TN-000100"), ("none", "khong co sach nao"),
]
allt = []
print("%-16s %-22s %9s %8s %8s" % ("query", "q", "total", "p50 ms", "p99 ms"))
for name, q in queries:
    j = get(q)  # warm-up, and the total
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        get(q)
        ts.append((time.perf_counter() - t) * 1000)
    ts.sort()
    allt += ts
    p = lambda v, f: v[min(len(v) - 1, int(f * len(v)))]
    total = "%d%s" % (j["total"], "+" if j.get("more") else "")
    print("%-16s %-22s %9s %8.2f %8.2f" % (name, q[:22], total, p(ts, 0.5), p(ts, 0.99)))
allt.sort()
p = lambda v, f: v[min(len(v) - 1, int(f * len(v)))]
print("%-16s %-22s %9s %8.2f %8.2f" % ("overall", "", "", p(allt, 0.5), p(allt, 0.99)))
EOF
	kill -TERM "$pid"
	wait "$pid" || true
	echo
}

for b in $BACKENDS; do
	case $b in
	sqlite) run_backend sqlite "$TMP/bench.db" ;;
	postgresql)
		PGDIR=$TMP/pg
		scripts/pg-cluster.sh start "$PGDIR" >/dev/null
		run_backend postgresql "$(scripts/pg-cluster.sh createdb "$PGDIR" bench)"
		;;
	*) die "unknown backend $b" ;;
	esac
done
