#!/usr/bin/env bash
# What an idle `packid serve` costs (docs/architecture.md "Background work"): the CPU its
# process and the cluster's PostgreSQL processes spend per second while nobody calls it, beside
# the same cluster with no packid running (the raw floor: PostgreSQL's own background
# processes), in the same run. The workers (PACKID_WORKERS, default 2) poll every runner,
# live and sandbox, every PACKID_WORKER_POLL_MS (default 100 ms).
# Release build, no sanitizers, a private embedded PostgreSQL under the build folder.
#   bench/idle.sh [SECONDS] [BUILD_DIR]      defaults: 20 build-bench-idle
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
secs=${1:-20}
build=${2:-$root/build-bench-idle}
bench_setup idle
bench_machine
hz=$(getconf CLK_TCK)
# ms of CPU per second over secs seconds, of the pids given and the cluster.
per_second() {
  local t0 t1
  t0=$(bench_ticks "$@")
  sleep "$secs"
  t1=$(bench_ticks "$@")
  awk -v d="$((t1 - t0))" -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.1f", d * 1000 / hz / s }'
}
raw=$(per_second)
bench_serve
sleep 2 # the first passes prepare their statements
idle=$(per_second "$server")
echo "cluster alone (raw floor): $raw ms CPU per second; packid serve idle (packid + cluster):" \
     "$idle ms CPU per second over ${secs}s; workers ${PACKID_WORKERS:-2}, poll" \
     "${PACKID_WORKER_POLL_MS:-100} ms"
