#!/usr/bin/env bash
# Quick start, command 2: installs what is missing, builds with ASan + UBSan and -Werror, starts
# a private PostgreSQL cluster for the tests, migrates a template database, and runs every
# test (unit and integration) with ctest. Exits non-zero on any failure or sanitizer report.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
bash scripts/setup.sh

build=${PACKID_BUILD_DIR:-build-asan}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DPACKID_SANITIZE=ON -DPACKID_WERROR=ON \
      >/dev/null
if ! cmake --build "$build" -j"$(nproc)" >"$build/build.log" 2>&1; then
  grep -E 'error|warning' "$build/build.log" | head -50 || tail -50 "$build/build.log"
  echo "build failed (full log: $build/build.log)" >&2
  exit 1
fi

# The parsers of outside input under libFuzzer for a bounded time (PACKID_FUZZ_SECONDS per
# harness, default 10; 0 skips). Before ctest, so ctest's summary closes the output.
fuzz_secs=${PACKID_FUZZ_SECONDS:-10}
if [ "$fuzz_secs" -gt 0 ]; then
  bash scripts/fuzz.sh "$fuzz_secs"
fi

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0

# The tests' own PostgreSQL: the embedded cluster, in a fresh data folder under the build.
export PACKID_DATA_DIR=$root/$build/test-var
"$build/packid" db stop >/dev/null 2>&1 || true
rm -rf "$PACKID_DATA_DIR"
url=$("$build/packid" db url 2>/dev/null)
trap '"$root/$build/packid" db stop >/dev/null 2>&1 || true' EXIT
psql -q -X "$url" -c "DROP DATABASE IF EXISTS packid_template" \
                  -c "CREATE DATABASE packid_template" >/dev/null
PACKID_DATABASE_URL="$url dbname=packid_template" "$build/packid" migrate 2>/dev/null
export PACKID_TEST_DATABASE_URL=$url
unset PACKID_DATABASE_URL

ctest --test-dir "$build" --output-on-failure -j2 "$@"
