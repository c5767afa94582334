#!/usr/bin/env bash
# Packing-hierarchy benchmark (docs/aggregation.md): PACKS commissioned packs packed into cases
# of 100 and the cases onto pallets of 100 over HTTP (containers/s, children/s), beside a raw
# COPY of the same parent links in the same run (target >= 0.5 of raw); then the pallets
# released over HTTP by "ssccs" (packs moved/s) beside a raw UPDATE … FROM of the same rows.
# Release build, no sanitizers, a private embedded PostgreSQL under the build folder; it never
# runs against PACKID_DATABASE_URL.
#   bench/aggregate.sh [PACKS] [BUILD_DIR]     defaults: 1000000 build-bench-aggregate
#   (PACKS a multiple of 10,000; 100000 runs in about a minute on 2 cores)
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
packs=${1:-1000000}
build=${2:-$root/build-bench-aggregate}
bench_setup aggregate bench_aggregate
bench_mah 9506003000005
# The DE endpoint never answers (port 9): releases are reportable, the reports stay queued.
bench_serve PACKID_OUTBOUND_ALLOW=127.0.0.1:9
api() {
  curl -fsS -X POST "http://127.0.0.1:$port$1" -H "Authorization: Bearer $key" \
       -H 'Content-Type: application/json' -d "$2" >/dev/null
}
api /v1/products '{"gtin":"09506003000012","company_prefix_length":7,"name":"Bench 10 mg",
  "market":"DE","master_data":{"regulated_product_name":"Bench 10 mg","dosage_form":"TABLET",
  "strength":"10 mg","pack_size":"30 TABLET in 1 BOTTLE","manufacturer":"Bench MAH",
  "ndc":"12345-6789-01"}}'
api /v1/regulator-endpoints '{"market":"DE","url":"http://127.0.0.1:9/epcis"}'
bench_machine
"$build/bench/bench_aggregate" "http://127.0.0.1:$port" "$PACKID_DATABASE_URL" "$key" "$packs"
