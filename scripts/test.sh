#!/bin/bash
# The README's second command (and CI's): install what is missing, build the normal and the
# sanitizer (ASan + UBSan) binaries, and run every test on both backends:
#   unit tests (tests/unit)  x  {build, build/asan}  x  {SQLite, PostgreSQL}
#   HTTP tests (tests/http)  x  {build, build/asan}  x  {SQLite, PostgreSQL}
#   browser test (tests/browser), on the normal build and SQLite
# PostgreSQL is a throwaway server started here (scripts/pg-cluster.sh) and stopped at the end.
# The last line is "N passed, M failed"; the exit status is 1 when anything failed.
#
# Environment: QUICK=1 skips the sanitizer build; BUILDS="build/asan" runs only it (what
# `make test-sanitize` does); SUITES="unit http browser" picks suites; BACKENDS="sqlite
# postgresql" picks backends.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)

scripts/install-deps.sh || exit 1
make -j"$(nproc)" all || exit 1
if [ -z "${BUILDS:-}" ]; then
	BUILDS="build"
	[ "${QUICK:-0}" != 1 ] && BUILDS="build build/asan"
fi
case " $BUILDS " in *" build/asan "*) make -j"$(nproc)" sanitize || exit 1 ;; esac
SUITES=${SUITES:-"unit http browser"}
BACKENDS=${BACKENDS:-"sqlite postgresql"}

OUT="$ROOT/tests/out"
mkdir -p "$OUT"
rm -f "$OUT"/*.status
TMP=$(mktemp -d /tmp/thuvien-test.XXXXXX)
chmod 755 "$TMP"
PGDIR="$TMP/pg"
PG_URL=""
cleanup() {
	[ -n "$PG_URL" ] && scripts/pg-cluster.sh stop "$PGDIR" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"

passed=0
failed=0
failed_names=""
# run NAME CMD...: run a suite, keep its output in tests/out/NAME.log, add its counts to the
# totals from its summary line ("...: N passed, M failed"). No summary line (a crash) is a failure.
run() {
	local name=$1
	shift
	echo "== $name"
	"$@" >"$OUT/$name.log" 2>&1
	tally "$name" $?
}

# tally NAME STATUS: add the counts of the suite whose output is tests/out/NAME.log and that
# exited with STATUS to the totals.
tally() {
	local name=$1 log="$OUT/$1.log" status=$2
	local line
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "   no summary (exit $status); last lines:"
		tail -n 20 "$log" | sed 's/^/   | /'
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		return
	fi
	local p f
	p=$(echo "$line" | sed -E 's/.*[^0-9]([0-9]+) passed.*/\1/; s/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ] || [ "$status" -ne 0 ]; then
		[ "$f" -eq 0 ] && failed=$((failed + 1))
		failed_names="$failed_names $name"
		grep -E '^(not ok|  FAIL)|ERROR: AddressSanitizer|runtime error:' "$log" | head -n 40 | sed 's/^/   | /'
	fi
	echo "   $line"
}

# A fresh, empty database URL for one test program: NAME BACKEND
fresh_db() {
	if [ "$2" = postgresql ]; then
		scripts/pg-cluster.sh createdb "$PGDIR" "$1"
	else
		echo "$TMP/$1.db"
	fi
}

# The unit test programs of build $1 to run on backend $2: programs without a database run once,
# with the first backend.
unit_programs() {
	local t
	for t in "$1"/tests/test_*; do
		[ -x "$t" ] || continue
		if [ "$2" != "${BACKENDS%% *}" ] && ! grep -q 'testdb.h\|db/db.h' "tests/unit/$(basename "$t").c"; then
			continue
		fi
		echo "$t"
	done
}

if echo "$BACKENDS" | grep -q postgresql; then
	PG_URL=$(scripts/pg-cluster.sh start "$PGDIR") || { echo "cannot start PostgreSQL"; exit 1; }
	echo "PostgreSQL test server: $PG_URL"
fi
export THUVIEN_PG_DIR="$PGDIR"

for b in $BUILDS; do
	tag=$( [ "$b" = build ] && echo plain || echo asan )
	# The unit tests of the backends run side by side too (one core each: a PostgreSQL program
	# waits on its server much of the time); their results are tallied afterwards, in order.
	if echo "$SUITES" | grep -q unit; then
		upids=""
		for be in $BACKENDS; do
			(
				k=0
				for t in $(unit_programs "$b" "$be"); do
					k=$((k + 1))
					name="unit-$(basename "$t")-$be-$tag"
					THUVIEN_TEST_DB=$(fresh_db "u${be%%sql*}$tag$k" "$be") "$t" >"$OUT/$name.log" 2>&1
					echo $? >"$OUT/$name.status"
				done
			) &
			upids="$upids $!"
		done
		# shellcheck disable=SC2086
		wait $upids
		for be in $BACKENDS; do
			for t in $(unit_programs "$b" "$be"); do
				name="unit-$(basename "$t")-$be-$tag"
				echo "== $name"
				tally "$name" "$(cat "$OUT/$name.status" 2>/dev/null || echo 1)"
			done
		done
	fi
	# The HTTP suites of the backends run side by side: each spends most of its time waiting on
	# its servers, its database and its sockets, so two of them share two cores well (the suite
	# took 16 minutes one after the other).
	if echo "$SUITES" | grep -q http; then
		hpids=""
		for be in $BACKENDS; do
			echo "== http-$be-$tag (started)"
			THUVIEN_BIN="$b/thuvien" THUVIEN_TEST_BACKEND="$be" THUVIEN_ASAN=$([ "$tag" = asan ] && echo 1 || echo 0) \
				python3 tests/http/run.py >"$OUT/http-$be-$tag.log" 2>&1 &
			hpids="$hpids $!"
		done
		set -- $hpids
		for be in $BACKENDS; do
			wait "$1"
			st=$?
			shift
			echo "== http-$be-$tag"
			tally "http-$be-$tag" $st
		done
	fi
done
if echo "$SUITES" | grep -q browser; then
	for f in tests/browser/*.mjs; do
		[ "$(basename "$f")" = lib.mjs ] && continue
		THUVIEN_BIN=build/thuvien run "browser-$(basename "$f" .mjs)" node "$f"
	done
fi

echo
[ -n "$failed_names" ] && echo "failed suites:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
