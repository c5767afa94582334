#!/usr/bin/env bash
# Commissioning benchmark: commissions of 10,000 serials per request (half
# allocated to the CMO beforehand, half external) POSTed over HTTP by a client process to a
# `packid serve` process, serials/s end-to-end, beside a raw COPY of the same rows into the
# serial table in the same run, and the ratio (target >= 0.5).
# Release build, no sanitizers, a private embedded PostgreSQL under the build folder; the bench
# TRUNCATEs serial, so it never runs against PACKID_DATABASE_URL.
#   bench/commission.sh [REQUESTS] [ROUNDS] [BUILD_DIR]     defaults: 10 3 build-bench-commission
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
requests=${1:-10}
rounds=${2:-3}
build=${3:-$root/build-bench-commission}
port=${BENCH_PORT:-18461}
unset PACKID_DATABASE_URL
# PACKID_WERROR=OFF: -O3 warnings of other layers must not stop a measurement (CI builds -Werror).
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPACKID_SANITIZE=OFF -DPACKID_WERROR=OFF \
      -DPACKID_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target bench_commission packid >/dev/null
export PACKID_DATA_DIR=$build/bench-commission-var
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  # Unset the URL for this call: `db stop` manages only the embedded cluster.
  PACKID_DATABASE_URL= "$build/packid" db stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
url=$("$build/packid" db url 2>/dev/null)      # creates and starts the private cluster
psql -q -X "$url" -c "DROP DATABASE IF EXISTS packid_bench_commission" \
                  -c "CREATE DATABASE packid_bench_commission" >/dev/null
export PACKID_DATABASE_URL="$url dbname=packid_bench_commission"
"$build/packid" migrate >/dev/null 2>&1
mah=$("$build/packid" org create --kind mah --name "Bench MAH" --json 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["org_id"])')
key=$("$build/packid" key create --org "$mah" --role mah --json 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
PACKID_LISTEN=127.0.0.1:$port "$build/packid" serve >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo "postgres: $(psql --version 2>/dev/null | awk '{print $3}')"
"$build/bench/bench_commission" "http://127.0.0.1:$port" "$PACKID_DATABASE_URL" "$key" \
  "$requests" "$rounds"
