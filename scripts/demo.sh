#!/bin/sh
# The README's first command: install what is missing, build, create the demo city in a SQLite
# file (demo.db) and serve it on http://localhost:8080 (Ctrl-C stops it cleanly).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -j"$(nproc)"
DB="${THUVIEN_DB:-demo.db}"
build/thuvien --db "$DB" demo ${DEMO_PASSWORD:+--password "$DEMO_PASSWORD"}
echo
echo "Open http://localhost:8080 and log in with one of the accounts above (Ctrl-C stops the server)."
exec build/thuvien --db "$DB" serve --listen "${THUVIEN_LISTEN:-0.0.0.0:8080}"
