#!/usr/bin/env bash
# bench/check.sh: `thuvien check` on a city of 500 schools (issue 7): seconds and peak memory.
#
#   bench/check.sh                      # SQLite, then PostgreSQL
#   RUNS=sqlite bench/check.sh          # one backend
#
# 1. The city: the OPAC bench's SQLite city (CITY, default
#    /tmp/thuvien-opac-city/sqlite-500-3000-40000.db, made by bench/opac_search.sh: 500 schools,
#    1.5 million records, 4.5 million copies) is only read: it is copied once to WORK
#    (/tmp/thuvien-check-city/city.db), migrated, and its stock made to look like a school
#    library's, by set-based SQL: every copy on one intake line of its school (with the general
#    register's counter), record types matching their copies' register, one approved withdrawal per
#    school (every 200th copy, withdrawn, with '#XK'), a closed whole-library stocktake per school
#    with a C or M mark per copy held and its part III line by check.h's definition (the session's
#    watermarks: the school's highest copy id and part II number), and a closed
#    class 800-899 stocktake of the year before with marks on the copies in that range. So every
#    rule reads real rows and the city checks clean (the run fails otherwise). Kept for next time
#    (FRESH=1 rebuilds).
# 2. PostgreSQL: a throwaway cluster (scripts/pg-cluster.sh), a migrated database, and the rows the
#    check reads copied from the prepared SQLite city (units, records' type and class, copies,
#    intake lines, counters, withdrawals, stocktakes, marks, part III lines) with COPY (as
#    replica: the foreign keys' per-row triggers skipped, the rows being consistent), then ANALYZE.
# 3. `thuvien check --timing` twice on each (the first run warms the page cache), under
#    /usr/bin/time: wall seconds, peak RSS, and each rule's seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-sqlite postgresql}
CITY=${CITY:-/tmp/thuvien-opac-city/sqlite-500-3000-40000.db}
WORK=${WORK:-/tmp/thuvien-check-city}
BIN=${THUVIEN_BIN:-build/thuvien}
for v in $(compgen -e | grep '^THUVIEN_' || true); do unset "$v"; done
die() { echo "bench: $*" >&2; exit 1; }
for tool in sqlite3 /usr/bin/time; do command -v "$tool" >/dev/null || die "$tool not found"; done
[ -x "$BIN" ] || make -j2 build/thuvien >/dev/null
[ -f "$CITY" ] || die "no city $CITY: run bench/opac_search.sh (RUNS=sqlite) first, or set CITY"
mkdir -p "$WORK"
DB=$WORK/city.db
PGDIR=
cleanup() { [ -n "$PGDIR" ] && scripts/pg-cluster.sh stop "$PGDIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT

prepare_sqlite() {
	if [ -z "${FRESH:-}" ] && [ -f "$WORK/prepared" ]; then
		return
	fi
	rm -f "$DB" "$DB-wal" "$DB-shm" "$WORK/prepared"
	local t0=$SECONDS
	sqlite3 -readonly "$CITY" ".backup '$DB'"
	"$BIN" --db "$DB" --log-level warn migrate >/dev/null
	sqlite3 "$DB" <<'EOF'
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
-- The generator numbers every copy in STK whatever its record's type.
UPDATE biblios SET doc_type = 'STK' WHERE doc_type <> 'STK';
INSERT INTO acquisitions (unit_id, number, received, source, created_at)
    SELECT id, 1, '2025-09-05', 'purchase', 0 FROM units WHERE kind = 'school';
UPDATE items SET acquisition_id = (SELECT q.id FROM acquisitions q WHERE q.unit_id = items.unit_id AND q.number = 1);
INSERT INTO accession_counters (unit_id, register, last) SELECT id, '#TQ', 1 FROM units WHERE kind = 'school';
INSERT INTO withdrawals (unit_id, number, status, created_at, updated_at, decision_no, decision_day, approved_day)
    SELECT id, 1, 'approved', 0, 0, '1/QĐ', '2025-12-01', '2025-12-01' FROM units WHERE kind = 'school';
INSERT INTO accession_counters (unit_id, register, last) SELECT id, '#XK', 1 FROM units WHERE kind = 'school';
INSERT INTO withdrawal_items (withdrawal_id, item_id, reason)
    SELECT w.id, i.id, 'RACH' FROM items i JOIN withdrawals w ON w.unit_id = i.unit_id WHERE i.accession_no % 200 = 0;
UPDATE items SET status = 'withdrawn', withdrawal_id = (SELECT w.id FROM withdrawals w WHERE w.unit_id = items.unit_id)
    WHERE accession_no % 200 = 0;
INSERT INTO stocktakes (unit_id, school_year, scope, status, opened_at, closed_at, closed_day)
    SELECT id, '2025-2026', 'all', 'closed', 0, 0, '2026-05-20' FROM units WHERE kind = 'school';
INSERT INTO stocktakes (unit_id, school_year, scope, status, opened_at, closed_at, closed_day)
    SELECT id, '2024-2025', 'class:800-899', 'closed', 0, 0, '2025-05-20' FROM units WHERE kind = 'school';
INSERT INTO stocktake_marks (item_id, school_year, unit_id, mark, stocktake_id)
    SELECT i.id, '2025-2026', i.unit_id, CASE WHEN i.accession_no % 97 = 0 THEN 'M' ELSE 'C' END, s.id
    FROM items i JOIN stocktakes s ON s.unit_id = i.unit_id AND s.scope = 'all' WHERE i.status <> 'withdrawn';
INSERT INTO stocktake_marks (item_id, school_year, unit_id, mark, stocktake_id)
    SELECT i.id, '2024-2025', i.unit_id, 'C', s.id
    FROM items i JOIN biblios b ON b.id = i.biblio_id JOIN stocktakes s ON s.unit_id = i.unit_id AND s.scope = 'class:800-899'
    WHERE b.class_number >= '800' AND substr(b.class_number, 1, 3) <= '899';
-- Part III, check.h's definition: the first line counts every copy (all in STK, the general
-- register) and withdrawal 1's; the session keeps its watermarks (watermarks below).
INSERT INTO stock_balances (unit_id, stocktake_id, school_year, day, in_copies, in_value, out_copies, out_value,
                            on_hand_copies, on_hand_value)
    SELECT s.unit_id, s.id, '2025-2026', '2026-05-20',
           (SELECT COUNT(*) FROM items i WHERE i.unit_id = s.unit_id),
           (SELECT COALESCE(SUM(CASE WHEN i.price > 0 THEN i.price ELSE b.price END), 0) FROM items i
            JOIN biblios b ON b.id = i.biblio_id WHERE i.unit_id = s.unit_id),
           (SELECT COUNT(*) FROM items i WHERE i.unit_id = s.unit_id AND i.status = 'withdrawn'),
           (SELECT COALESCE(SUM(CASE WHEN i.price > 0 THEN i.price ELSE b.price END), 0) FROM items i
            JOIN biblios b ON b.id = i.biblio_id WHERE i.unit_id = s.unit_id AND i.status = 'withdrawn'), 0, 0
    FROM stocktakes s WHERE s.scope = 'all';
UPDATE stock_balances SET on_hand_copies = in_copies - out_copies, on_hand_value = in_value - out_value;
COMMIT;
ANALYZE;
EOF
	echo "prepared $DB in $((SECONDS - t0)) s" >&2
	touch "$WORK/prepared"
}

# The whole-library sessions' watermarks (migration 0014: where their part III line ended), so
# the city checks clean by check.h's definition; also on a city prepared before there were any.
watermarks() {
	"$BIN" --db "$DB" --log-level warn migrate >/dev/null
	sqlite3 "$DB" <<'EOF'
UPDATE stocktakes SET
    last_item_id = (SELECT COALESCE(MAX(i.id), 0) FROM items i WHERE i.unit_id = stocktakes.unit_id),
    last_withdrawal_no = (SELECT COALESCE(MAX(w.number), 0) FROM withdrawals w
                          WHERE w.unit_id = stocktakes.unit_id AND w.status = 'approved')
    WHERE scope = 'all' AND status = 'closed' AND last_item_id IS NULL;
EOF
}

count() { sqlite3 -readonly "$DB" "$1"; }

# The rows the check reads, from the SQLite city into PostgreSQL database $1.
load_pg() {
	local url=$1 t0=$SECONDS
	"$BIN" --db "$url" --log-level warn migrate >/dev/null
	copy() { # table, columns, the SELECT on SQLite giving them
		# replica: no per-row foreign key triggers (the rows come from a consistent database)
		sqlite3 -readonly -csv "$DB" "$3" | psql -XAtq -v ON_ERROR_STOP=1 -d "$url" \
			-c "SET session_replication_role = replica" -c "\\copy $1 ($2) FROM STDIN WITH (FORMAT csv)"
	}
	copy units "id, parent_id, code, name, name_fold, kind, school_level, path, created_at" \
		"SELECT id, parent_id, code, name, name_fold, kind, school_level, path, created_at FROM units ORDER BY id"
	copy biblios "id, unit_id, doc_type, title, class_number, created_at, updated_at" \
		"SELECT id, unit_id, doc_type, '', class_number, 0, 0 FROM biblios"
	copy acquisitions "id, unit_id, number, received, source, created_at" \
		"SELECT id, unit_id, number, received, source, created_at FROM acquisitions"
	copy items "id, unit_id, biblio_id, acquisition_id, register, accession_no, accession, barcode, price, status, created_at, title_no, withdrawal_id" \
		"SELECT id, unit_id, biblio_id, acquisition_id, register, accession_no, accession, barcode, price, status, created_at, title_no, withdrawal_id FROM items"
	copy accession_counters "unit_id, register, last" "SELECT unit_id, register, last FROM accession_counters"
	copy withdrawals "id, unit_id, number, status, created_at, updated_at, decision_no, decision_day, approved_day" \
		"SELECT id, unit_id, number, status, created_at, updated_at, decision_no, decision_day, approved_day FROM withdrawals"
	copy withdrawal_items "withdrawal_id, item_id, reason" "SELECT withdrawal_id, item_id, reason FROM withdrawal_items"
	copy stocktakes "id, unit_id, school_year, scope, status, opened_at, closed_at, closed_day, last_item_id, last_withdrawal_no" \
		"SELECT id, unit_id, school_year, scope, status, opened_at, closed_at, closed_day, last_item_id, last_withdrawal_no FROM stocktakes"
	copy stocktake_marks "item_id, school_year, unit_id, mark, stocktake_id" \
		"SELECT item_id, school_year, unit_id, mark, stocktake_id FROM stocktake_marks"
	copy stock_balances "id, unit_id, stocktake_id, school_year, day, in_copies, in_value, out_copies, out_value, on_hand_copies, on_hand_value" \
		"SELECT id, unit_id, stocktake_id, school_year, day, in_copies, in_value, out_copies, out_value, on_hand_copies, on_hand_value FROM stock_balances"
	psql -XAtq -d "$url" -c "ANALYZE" >/dev/null
	echo "loaded into PostgreSQL in $((SECONDS - t0)) s" >&2
}

measure() { # backend, url
	local i
	for i in 1 2; do
		/usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" --db "$2" --log-level warn check --timing \
			>"$WORK/out" 2>"$WORK/timing" || { cat "$WORK/out" "$WORK/timing" >&2; die "$1: the city does not check clean"; }
	done
	read -r secs kb <"$WORK/time"
	printf '%-10s %s schools, %s copies, %s marks: %s s, peak RSS %s MB  (%s)\n' "$1:" \
		"$(count "SELECT COUNT(*) FROM units WHERE kind = 'school'")" \
		"$(count "SELECT COUNT(*) FROM items")" "$(count "SELECT COUNT(*) FROM stocktake_marks")" \
		"$secs" "$((kb / 1024))" "$(tail -1 "$WORK/out")"
	# the slowest rules
	grep -v '^total' "$WORK/timing" | sort -k2 -rn | head -6 | sed 's/^/    /'
}

prepare_sqlite
watermarks
for run in $RUNS; do
	case $run in
	sqlite) measure sqlite "$DB" ;;
	postgresql)
		command -v psql >/dev/null || die "psql not found"
		PGDIR=$(mktemp -d /tmp/thuvien-check-pg.XXXXXX)
		rmdir "$PGDIR"
		scripts/pg-cluster.sh start "$PGDIR" >/dev/null
		url=$(scripts/pg-cluster.sh createdb "$PGDIR" city)
		load_pg "$url"
		measure postgresql "$url"
		scripts/pg-cluster.sh stop "$PGDIR" >/dev/null
		PGDIR=
		;;
	*) die "unknown run $run" ;;
	esac
done
