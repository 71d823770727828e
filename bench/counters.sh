#!/usr/bin/env bash
# bench/counters.sh: what the report counters' triggers (migration 0018) cost the desk, in one
# process (bench/counters_cost.c): lending_gen's school twice, with and without the triggers,
# lent from alternately, in both orders (the first database of a round runs a few % slower).
# About 20 s. For the figure over HTTP: bench/lending.sh and NO_COUNTERS=1 bench/lending.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
for v in $(compgen -e | grep '^THUVIEN_' || true); do unset "$v"; done
TMP=$(mktemp -d /tmp/thuvien-counters-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
make -j2 build/thuvien build/bench/lending_gen build/bench/counters_cost >/dev/null
cp build/bench/lending_gen build/bench/counters_cost "$TMP/"
PW=bench-$RANDOM-$RANDOM-mat-khau
"$TMP/lending_gen" "$TMP/on.db" "$PW" 1 2000 30000 1000 4000 4000 2>/dev/null
cp "$TMP/on.db" "$TMP/off.db"
sqlite3 "$TMP/off.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stat%'" |
	sqlite3 "$TMP/off.db"
cd "$TMP"
./counters_cost on.db off.db "$PW" 8 500
./counters_cost off.db on.db "$PW" 8 500
"$ROOT/build/thuvien" --db "$TMP/on.db" stats verify | tail -1
