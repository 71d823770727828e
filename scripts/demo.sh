#!/bin/sh
# The README's first command: install what is missing, build, create the demo city in a SQLite
# file (demo.db) and serve it on http://localhost:8080 (Ctrl-C stops it cleanly).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -j"$(nproc)"
DB="${THUVIEN_DB:-demo.db}"
build/thuvien --db "$DB" demo ${DEMO_PASSWORD:+--password "$DEMO_PASSWORD"}
# Books for the catalogue and the OPAC: overlapping slices of the public Vietnamese book list
# beside the project (../shared/data/vn), so the union catalogue shows titles held by several
# schools. Skipped when the list is not there; duplicates are skipped on a second run.
BOOKS=../shared/data/vn/tiki-book_data.csv
if [ -r "$BOOKS" ]; then
	TMP=$(mktemp -d)
	for slice in TH001:2:700 THCS001:400:1100 LC001:800:1500 THPT001:1200:1752; do
		code=${slice%%:*}; range=${slice#*:}; from=${range%:*}; to=${range#*:}
		awk -v f="$from" -v t="$to" 'NR == 1 || (NR >= f && NR <= t)' "$BOOKS" > "$TMP/$code.csv"
		build/thuvien --db "$DB" import books --school "$code" --copies 2 "$TMP/$code.csv" | tail -n 1
	done
	rm -rf "$TMP"
fi
echo
echo "Open http://localhost:8080 and log in with one of the accounts above (Ctrl-C stops the server)."
exec build/thuvien --db "$DB" serve --listen "${THUVIEN_LISTEN:-0.0.0.0:8080}"
