#!/usr/bin/env bash
# Packing-hierarchy benchmark (docs/aggregation.md): PACKS commissioned packs packed into cases
# of 100 and the cases onto pallets of 100 over HTTP (containers/s, children/s), beside a raw
# COPY of the same parent links in the same run (target >= 0.5 of raw); then the pallets
# released over HTTP by "ssccs" (packs moved/s) beside a raw UPDATE … FROM of the same rows.
# Release build, no sanitizers, a private embedded PostgreSQL under the build folder; it never
# runs against PACKID_DATABASE_URL.
#   bench/aggregate.sh [PACKS] [BUILD_DIR]     defaults: 1000000 build-bench-aggregate
#   (PACKS a multiple of 10,000; 100000 runs in about a minute on 2 cores)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
packs=${1:-1000000}
build=${2:-$root/build-bench-aggregate}
port=${BENCH_PORT:-18471}
unset PACKID_DATABASE_URL
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPACKID_SANITIZE=OFF -DPACKID_WERROR=OFF \
      -DPACKID_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target bench_aggregate packid >/dev/null
export PACKID_DATA_DIR=$build/bench-aggregate-var
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  PACKID_DATABASE_URL= "$build/packid" db stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
url=$("$build/packid" db url 2>/dev/null)
psql -q -X "$url" -c "DROP DATABASE IF EXISTS packid_bench_aggregate" \
                  -c "CREATE DATABASE packid_bench_aggregate" >/dev/null
export PACKID_DATABASE_URL="$url dbname=packid_bench_aggregate"
"$build/packid" migrate >/dev/null 2>&1
mah=$("$build/packid" org create --kind mah --name "Bench MAH" --gln 9506003000005 \
        --gln-prefix-length 7 --json 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["org_id"])')
key=$("$build/packid" key create --org "$mah" --role mah --json 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
# The DE endpoint never answers (port 9): releases are reportable, the reports stay queued.
PACKID_OUTBOUND_ALLOW=127.0.0.1:9 PACKID_LISTEN=127.0.0.1:$port "$build/packid" serve \
  >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
api() {
  curl -fsS -X POST "http://127.0.0.1:$port$1" -H "Authorization: Bearer $key" \
       -H 'Content-Type: application/json' -d "$2" >/dev/null
}
api /v1/products '{"gtin":"09506003000012","company_prefix_length":7,"name":"Bench 10 mg",
  "market":"DE","master_data":{"regulated_product_name":"Bench 10 mg","dosage_form":"TABLET",
  "strength":"10 mg","pack_size":"30 TABLET in 1 BOTTLE","manufacturer":"Bench MAH",
  "ndc":"12345-6789-01"}}'
api /v1/regulator-endpoints '{"market":"DE","url":"http://127.0.0.1:9/epcis"}'
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo "postgres: $(psql --version 2>/dev/null | awk '{print $3}')"
"$build/bench/bench_aggregate" "http://127.0.0.1:$port" "$PACKID_DATABASE_URL" "$key" "$packs"
