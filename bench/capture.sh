#!/usr/bin/env bash
# EPCIS 2.0 capture benchmark: one JSON-LD document of EVENTS commissioning events POSTed to
# /epcis/capture by a client process to a `packid serve` process (all applied, checked in the
# job), events/s, beside the bare parse of the same document (px_epcis_read_buffer) in the same
# run, and the ratio. Release build, no sanitizers, a private embedded PostgreSQL under the
# build folder. Run it once (the machine is shared).
#   bench/capture.sh [EVENTS] [BUILD_DIR]      defaults: 10000 (the capture limit), build-bench-capture
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
events=${1:-10000}
build=${2:-$root/build-bench-capture}
port=${BENCH_PORT:-18463}
unset PACKID_DATABASE_URL
# PACKID_WERROR=OFF: -O3 warnings of other layers must not stop a measurement (CI builds -Werror).
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPACKID_SANITIZE=OFF -DPACKID_WERROR=OFF \
      -DPACKID_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target bench_capture packid >/dev/null
export PACKID_DATA_DIR=$build/bench-capture-var
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  PACKID_DATABASE_URL= "$build/packid" db stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
url=$("$build/packid" db url 2>/dev/null)
psql -q -X "$url" -c "DROP DATABASE IF EXISTS packid_bench_capture" \
                  -c "CREATE DATABASE packid_bench_capture" >/dev/null
export PACKID_DATABASE_URL="$url dbname=packid_bench_capture"
"$build/packid" migrate >/dev/null 2>&1
mah=$("$build/packid" org create --kind mah --name "Bench MAH" --gln 4012345000009 \
        --gln-prefix-length 7 --json 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["org_id"])')
key=$("$build/packid" key create --org "$mah" --role mah --json 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
PACKID_LISTEN=127.0.0.1:$port "$build/packid" serve >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
gtin=09506000134369
curl -fsS -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d "{\"gtin\":\"$gtin\",\"company_prefix_length\":7,\"name\":\"Bench product\",\"market\":\"DE\"}" \
  "http://127.0.0.1:$port/v1/products"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
"$build/bench/bench_capture" "http://127.0.0.1:$port" "$key" "$gtin" "$events"
