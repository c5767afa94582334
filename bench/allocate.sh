#!/usr/bin/env bash
# Serial allocation benchmark: one N-serial allocation job through the real
# use case and job runner vs a plain COPY of N rows of the same shape into the same table
# (serial, same indexes), in the same run; each from an empty table, order alternating.
# Release build, no sanitizers, a private embedded PostgreSQL under the build folder
# (or PACKID_DATABASE_URL when set: the bench TRUNCATEs serial, so never a real database).
#   bench/allocate.sh [N] [ROUNDS] [BUILD_DIR]     defaults: 1000000 3 build-bench-pool
# Target: job serials/s >= 0.7 x raw COPY rows/s.
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${1:-1000000}
rounds=${2:-3}
build=${3:-$root/build-bench-pool}
# PACKID_WERROR=OFF: -O3 warnings of other layers must not stop a measurement (CI builds -Werror).
bench_build bench_allocate packid
if [ -z "${PACKID_DATABASE_URL:-}" ]; then
  export PACKID_DATA_DIR=$build/bench-var
  trap '"$build/packid" db stop >/dev/null 2>&1 || true' EXIT
  "$build/packid" db url >/dev/null      # creates and starts the private cluster
fi
bench_machine
"$build/bench/bench_allocate" "$n" "$rounds"
