#!/usr/bin/env bash
# bench/patrons_import.sh: importing a class list of NROWS (2000) students, as a school exports it
# from its school-management software (CSV UTF-8, Vietnamese headers, a title row above them), with
# `thuvien import patrons` into the demo school TH001 (on demand, not part of `make test`).
# Three runs per backend: the first import (every row new), the same file again (nothing
# changes: the import is idempotent by student code), and the file with every student moved to
# another class (every row updated). Prints wall seconds and peak memory of each run.
#
#   bench/patrons_import.sh                     SQLite and PostgreSQL
#   BACKENDS=sqlite NROWS=5000 bench/patrons_import.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NROWS=${NROWS:-2000}
BACKENDS=${BACKENDS:-sqlite postgresql}
for v in $(compgen -e | grep '^THUVIEN_' || true); do unset "$v"; done
die() { echo "bench: $*" >&2; exit 1; }
make -j2 build/thuvien >/dev/null || die "make failed"
BIN=$ROOT/build/thuvien
TMP=$(mktemp -d /tmp/thuvien-patrons-bench.XXXXXX)
chmod 755 "$TMP"
PGDIR=
cleanup() {
	[ -n "$PGDIR" ] && scripts/pg-cluster.sh stop "$PGDIR" >/dev/null 2>&1 || true
	[ -n "${KEEP_TMP:-}" ] && echo "kept $TMP" || rm -rf "$TMP"
}
trap cleanup EXIT

# The class lists: NROWS students of grades 1-5 (TH001 is a primary school), 40 to a class.
python3 - "$NROWS" "$TMP/list.csv" "$TMP/moved.csv" <<'PY'
import sys
n, out, moved = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ho = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
dem = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Gia", "Bảo", "Hoàng", "Khánh", "Anh", "Đức", "Thùy"]
ten = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khoa", "Lan", "Linh", "Long",
       "Mai", "Minh", "Nam", "Ngân", "Phúc", "Quân", "Tâm", "Thảo", "Trang", "Tú", "Vy", "Yến"]
def write(path, shift):
    with open(path, "w", encoding="utf-8") as f:
        f.write("DANH SÁCH HỌC SINH NĂM HỌC 2026-2027\n")
        f.write("STT,Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp,Mã định danh\n")
        for i in range(n):
            grade = 1 + (i // 40) % 5
            cls = "%dA%d" % (grade, 1 + ((i // 200) + shift) % 9)
            name = "%s %s %s" % (ho[i % len(ho)], dem[(i // 7) % len(dem)], ten[(i * 13) % len(ten)])
            f.write("%d,HS%06d,%s,%02d/%02d/%d,%s,%s,0792%08d\n" % (
                i + 1, i + 1, name, 1 + i % 28, 1 + i % 12, 2020 - grade, "Nữ" if i % 2 else "Nam", cls, 50000000 + i))
write(out, 0)
write(moved, 1)
PY

echo "machine:   $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC'), thuvien $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "file:      $NROWS students, CSV UTF-8 ($(wc -c <"$TMP/list.csv") bytes), into the demo school TH001"
echo

run() { # NAME URL
	local name=$1 url=$2
	"$BIN" --db "$url" demo --password bench-mat-khau-123 >/dev/null 2>&1 || die "demo ($name) failed"
	local what file
	for what in first again moved; do
		file=$TMP/list.csv
		[ "$what" = moved ] && file=$TMP/moved.csv
		/usr/bin/time -f "%e %M" -o "$TMP/time" "$BIN" --db "$url" import patrons --school TH001 "$file" >"$TMP/out" 2>&1 ||
			{ cat "$TMP/out" >&2; die "import ($name, $what) failed"; }
		read -r secs kb <"$TMP/time"
		printf '%-11s %-6s %6.2f s, peak %5.1f MB; %s\n' "$name:" "$what" "$secs" "$(echo "$kb / 1024" | bc -l)" \
			"$(grep -m1 -iE 'created|tạo' "$TMP/out" | tr -s ' ' | cut -c1-100)"
	done
}

for b in $BACKENDS; do
	case $b in
	sqlite) run sqlite "$TMP/bench.db" ;;
	postgresql)
		PGDIR=$TMP/pg
		scripts/pg-cluster.sh start "$PGDIR" >/dev/null
		run postgresql "$(scripts/pg-cluster.sh createdb "$PGDIR" patrons)"
		;;
	*) die "unknown backend $b" ;;
	esac
done
