#!/usr/bin/env bash
# Commissioning benchmark: commissions of 10,000 serials per request (half
# allocated to the CMO beforehand, half external) POSTed over HTTP by a client process to a
# `packid serve` process, serials/s end-to-end, beside a raw COPY of the same rows into the
# serial table in the same run, and the ratio (target >= 0.5). BENCH_LABELLED=1: the allocated
# half printed first by print jobs with each request's batch (every candidate's label is read).
# Release build, no sanitizers, a private embedded PostgreSQL under the build folder; the bench
# TRUNCATEs serial, so it never runs against PACKID_DATABASE_URL.
#   bench/commission.sh [REQUESTS] [ROUNDS] [BUILD_DIR]     defaults: 10 3 build-bench-commission
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
requests=${1:-10}
rounds=${2:-3}
build=${3:-$root/build-bench-commission}
bench_setup commission bench_commission
bench_mah
bench_serve
bench_machine
"$build/bench/bench_commission" "http://127.0.0.1:$port" "$PACKID_DATABASE_URL" "$key" \
  "$requests" "$rounds" ${BENCH_LABELLED:+labelled}
