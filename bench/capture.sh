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
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
bench_setup capture bench_capture
bench_mah 4012345000009
bench_serve
gtin=09506000134369
curl -fsS -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d "{\"gtin\":\"$gtin\",\"company_prefix_length\":7,\"name\":\"Bench product\",\"market\":\"DE\"}" \
  "http://127.0.0.1:$port/v1/products"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
"$build/bench/bench_capture" "http://127.0.0.1:$port" "$key" "$gtin" "$events"
