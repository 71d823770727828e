#!/bin/sh
# bench/registers.sh: how long the ĐKCB register of a school with 30,000 copies takes to write as a
# PDF and as a workbook through `thuvien export register`, and the peak memory of the process
# (/usr/bin/time -v). The school is the demo's TH001 (SQLite), given N copies of register STK over
# N/5 records in N/500 intake batches, with Vietnamese titles and authors, one copy in fifty
# weeded by an approved decision (the "đã thanh lọc" note) and a closed stocktake's mark on every
# copy (a Kiểm kê column), all written by SQL here. Prints to stdout; leaves nothing behind.
#
#   bench/registers.sh            # 30,000 copies
#   N=5000 bench/registers.sh
set -eu
cd "$(dirname "$0")/.."
N=${N:-30000}
make -j2 all >/dev/null
TMP=$(mktemp -d /tmp/thuvien-bench-registers.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$TMP"' EXIT INT TERM
DB="$TMP/bench.db"
THUVIEN_ARGON2_OPS=1 THUVIEN_ARGON2_MEM_KIB=1024 build/thuvien demo --db "$DB" >/dev/null
T=$(sqlite3 "$DB" "SELECT id FROM units WHERE code = 'TH001'")
Y=$(sqlite3 "$DB" "SELECT CASE WHEN CAST(strftime('%m', 'now', '+7 hours') AS INT) >= 8
                   THEN strftime('%Y', 'now', '+7 hours') ELSE strftime('%Y', 'now', '+7 hours') - 1 END")
sqlite3 "$DB" <<SQL
BEGIN;
DELETE FROM items WHERE unit_id = $T AND register = 'STK';
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < $N / 500)
INSERT INTO acquisitions (unit_id, number, received, source, doc_number, doc_date, created_at)
SELECT $T, 1000 + k, date('$Y-08-01', '+' || (k * 3) || ' days'), 'purchase', 'HĐ ' || k,
       date('$Y-08-01', '+' || (k * 3) || ' days'), 0 FROM n;
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < $N / 5)
INSERT INTO biblios (unit_id, doc_type, title, authors, publisher, place, year, price, class_number, title_fold,
                     created_at, updated_at)
SELECT $T, 'STK',
       CASE k % 4 WHEN 0 THEN 'Tuyển tập truyện ngắn Việt Nam hiện đại, tập ' || k
                  WHEN 1 THEN 'Bồi dưỡng học sinh giỏi Ngữ văn ' || (6 + k % 4) || ': quyển ' || k
                  WHEN 2 THEN 'Lịch sử Việt Nam qua những câu chuyện kể ' || k
                  ELSE 'Khám phá khoa học: vũ trụ, Trái Đất và sự sống ' || k END,
       CASE k % 3 WHEN 0 THEN 'Nguyễn Thị Hương' WHEN 1 THEN 'Trần Đăng Khoa' ELSE 'Lê Minh Quốc' END,
       CASE k % 2 WHEN 0 THEN 'Giáo dục Việt Nam' ELSE 'Kim Đồng' END, 'Hà Nội', 2015 + k % 10,
       20000 + (k % 50) * 1000, substr('0123456789', 1 + k % 10, 1) || '9' || (k % 10) || '.' || (k % 100),
       'bench ' || k, 0, 0 FROM n;
WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < $N)
INSERT INTO items (unit_id, biblio_id, acquisition_id, register, accession_no, accession, barcode, price,
                   created_at, title_no)
SELECT $T, (SELECT MIN(id) FROM biblios WHERE unit_id = $T AND title_fold LIKE 'bench %') + (k - 1) / 5,
       (SELECT MIN(id) FROM acquisitions WHERE unit_id = $T AND number >= 1000) + (k - 1) / 500,
       'STK', k, printf('STK-%06d', k), printf('BSTK%06d', k), 0, 0, 1 + (k - 1) % 5 FROM n;
INSERT INTO withdrawals (unit_id, number, status, created_at, updated_at, decision_no, decision_day, approved_day)
VALUES ($T, 1, 'approved', 0, 0, '12/QĐ-TH', '$Y-12-20', '$Y-12-20');
INSERT INTO withdrawal_items (withdrawal_id, item_id, reason)
SELECT (SELECT MAX(id) FROM withdrawals), id, 'RACH' FROM items WHERE unit_id = $T AND register = 'STK'
AND accession_no % 50 = 0;
UPDATE items SET status = 'withdrawn', withdrawal_id = (SELECT MAX(id) FROM withdrawals)
WHERE unit_id = $T AND register = 'STK' AND accession_no % 50 = 0;
INSERT INTO stocktakes (unit_id, school_year, status, opened_at, closed_day) VALUES ($T, '$Y-$((Y + 1))', 'closed', 0,
                        '$((Y + 1))-05-30');
INSERT INTO stocktake_marks (item_id, school_year, unit_id, mark, stocktake_id)
SELECT id, '$Y-$((Y + 1))', $T, CASE WHEN accession_no % 97 = 0 THEN 'M' ELSE 'C' END, (SELECT MAX(id) FROM stocktakes)
FROM items WHERE unit_id = $T AND register = 'STK' AND status <> 'withdrawn';
COMMIT;
SQL
echo "bench/registers.sh: $(sqlite3 "$DB" "SELECT COUNT(*) FROM items WHERE unit_id = $T AND register = 'STK'") STK copies of TH001 ($(nproc) cores)"
for fmt in pdf xlsx; do
	/usr/bin/time -v build/thuvien export register dkcb --db "$DB" --school TH001 --year all --register STK \
	    --format $fmt --out "$TMP/dkcb.$fmt" 2>"$TMP/time.txt" || { cat "$TMP/time.txt"; exit 1; }
	grep '^wrote' "$TMP/time.txt"
	printf '  %s: wall %s, CPU %s s user, max RSS %s kB' "$fmt" \
	    "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$TMP/time.txt")" \
	    "$(sed -n 's/.*User time (seconds): //p' "$TMP/time.txt")" \
	    "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time.txt")"
	if [ $fmt = pdf ]; then
		printf ', %s pages' "$(pdfinfo "$TMP/dkcb.pdf" | sed -n 's/^Pages: *//p')"
	fi
	echo
done
