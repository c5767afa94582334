#!/bin/sh
# GS1 DataMatrix rendering benchmark. Builds Release (no sanitizers) in
# build-bench-carrier/, runs bench_carrier (packid vs the bare libdmtx+libpng loop, same run), then
# times `zint --gs1` (Debian package zint) on the first ZINT_N of the same payloads as a peer.
#   bench/carrier.sh [PACKS] [ROUNDS]      (defaults 100000 2; ZINT_N=2000)
set -eu
cd "$(dirname "$0")/.."
PACKS=${1:-100000}
ROUNDS=${2:-2}
ZINT_N=${ZINT_N:-2000}
BUILD=${BUILD_DIR:-build-bench-carrier}
# PACKID_WERROR=OFF: -O3 warnings of other layers must not stop a measurement (as bench/allocate.sh).
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DPACKID_SANITIZE=OFF -DPACKID_WERROR=OFF \
      -DPACKID_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target bench_carrier >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
"$BUILD/bench/bench_carrier" -n "$PACKS" --rounds "$ROUNDS" --module 5 \
    --zint-input "$tmp/zint.txt" --zint-n "$ZINT_N" || status=$?
if command -v zint >/dev/null 2>&1; then
    # Same symbol: GS1 DataMatrix, square, 5 px/module (zint scale 2.5 = 5 px), 1X quiet zone;
    # PNGs written to stdout (--direct) so no file creation is timed.
    start=$(date +%s.%N)
    zint -b DATAMATRIX --gs1 --square --batch -i "$tmp/zint.txt" --direct --scale=2.5 \
        --quietzones >/dev/null
    end=$(date +%s.%N)
    awk -v n="$ZINT_N" -v s="$start" -v e="$end" \
        'BEGIN { printf "zint --gs1 (peer)   : %8.0f renders/s (%d payloads, one process)\n", n / (e - s), n }'
else
    echo "zint not installed (Debian package zint): peer skipped"
fi

# A carrier batch of BATCH_N items (default 1,000) through the real use case and job runner vs
# the bare renderer on the same payloads, on a private embedded PostgreSQL under the build
# folder (or PACKID_DATABASE_URL when set). The job renders on PACKID_WORKERS threads (default
# 2, at most the CPUs) and the bare side that its ratio counts on as many; ROUNDS rounds, best
# of each side.
BATCH_N=${BATCH_N:-1000}
cmake --build "$BUILD" -j2 --target bench_carrier_batch packid >/dev/null
if [ -z "${PACKID_DATABASE_URL:-}" ]; then
    export PACKID_DATA_DIR="$PWD/$BUILD/bench-var"
    trap '"$BUILD/packid" db stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
    "$BUILD/packid" db url >/dev/null
fi
"$BUILD/bench/bench_carrier_batch" "$BATCH_N" "$ROUNDS" || status=$?
exit $status
