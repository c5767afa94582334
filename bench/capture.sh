#!/usr/bin/env bash
# EPCIS 2.0 capture benchmark: one JSON-LD document of EVENTS commissioning events POSTed to
# /epcis/capture by a client process to a `packid serve` process (202 once the job is done;
# all applied, checked in the job and the table), events/s, beside a raw COPY of the same
# serial rows into the serial table in the same run, and the ratio (target >= 0.3). Release
# build, no sanitizers, a private embedded PostgreSQL under the build folder; the bench
# TRUNCATEs serial, so it never runs against PACKID_DATABASE_URL. Run it once (the machine is
# shared); it prints the load average beside the figures, the CPU time per event of both
# sides (the server and PostgreSQL, from /proc), and the ratio on its last line.
#   bench/capture.sh [EVENTS] [ROUNDS] [BUILD_DIR]   defaults: 100000 (the capture limit), 3,
#                                                    build-bench-capture
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
events=${1:-100000}
rounds=${2:-3}
build=${3:-$root/build-bench-capture}
bench_setup capture bench_capture
bench_mah 4012345000009
# A 100,000-event document is about 39 MB: above the default 16 MiB body cap.
bench_serve PACKID_MAX_BODY=67108864 PACKID_BODY_BUDGET=268435456
gtin=09506000134369
curl -fsS -o /dev/null -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d "{\"gtin\":\"$gtin\",\"company_prefix_length\":7,\"name\":\"Bench product\",\"market\":\"DE\"}" \
  "http://127.0.0.1:$port/v1/products"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo "load before: $(uptime)"
# The server's and the cluster's pids: the bench reads their CPU time from /proc.
BENCH_SERVER_PID=$server BENCH_POSTMASTER_PID=$(head -1 "$PACKID_DATA_DIR/pg/postmaster.pid") \
  "$build/bench/bench_capture" "http://127.0.0.1:$port" "$key" "$gtin" "$PACKID_DATABASE_URL" \
  "$events" "$rounds"
# The last line is the ratio, with the load average at the end of the run.
