#!/usr/bin/env bash
# Verification on a hot standby (docs/scaling.md "Reads from standbys"): the same packid serve,
# the same PACKS released packs and a real streaming standby of its cluster
# (tests/support/standby.sh), measured twice with wrk at 64 connections on GET /v1/verify:
# PACKID_VERIFY_ON_STANDBY=0 (the primary reads) and =1 (the pack read on the standby, fenced
# at the primary's WAL position; the scan still written on the primary). Prints req/s, p50 and
# p99 of each, the ratio of the two, and how many reads the standby answered.
# Release build, no sanitizers, a private embedded PostgreSQL under the build folder.
#   bench/standby_verify.sh [PACKS] [DURATION_S] [BUILD_DIR]
#   defaults: 1000000 15 build-bench-standby
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
packs=${1:-1000000}
secs=${2:-15}
build=${3:-$root/build-bench-standby}
standby_port=$(bench_free_port)
gtin=00355154944954
command -v wrk >/dev/null || { echo "standby_verify: wrk is missing (scripts/setup.sh)" >&2; exit 1; }
bench_setup standby bench_verify_load
standby_dir=$build/standby
stop_all() {
  bash "$root/tests/support/standby.sh" stop "$standby_dir" >/dev/null 2>&1 || true
  bench_cleanup
}
trap stop_all EXIT
bench_mah 0355154000001
curl_key() { curl -fsS -H "Authorization: Bearer $key" "$@"; }
bench_serve
curl_key -X POST "http://127.0.0.1:$port/v1/products" \
  -d "{\"gtin\":\"$gtin\",\"company_prefix_length\":7,\"name\":\"Bench\",\"market\":\"US\"}" >/dev/null
kill "$server" && wait "$server" 2>/dev/null || true
server=
"$build/bench/bench_verify_load" "$PACKID_DATABASE_URL" "$gtin" "$packs" >/dev/null
psql -q -X "$PACKID_DATABASE_URL" -c "VACUUM ANALYZE serial" -c "CHECKPOINT" >/dev/null
socket=$(echo "$PACKID_DATABASE_URL" | sed -E 's/.*host=([^ ]+).*/\1/')
rm -rf "$standby_dir"
bash "$root/tests/support/standby.sh" start "$standby_dir" "$standby_port" "$socket"
standby="host=$standby_dir/run port=$standby_port dbname=packid_bench_standby user=postgres"

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); packs: $packs;" \
     "wrk: 64 connections, ${secs}s per run"
metric() { curl -fsS "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
run() { # $1 = PACKID_VERIFY_ON_STANDBY
  bench_serve PACKID_PUBLIC_RATE=1000000 PACKID_PUBLIC_BURST=1000000 \
    PACKID_READ_DATABASE_URL="$standby" PACKID_VERIFY_ON_STANDBY="$1"
  BENCH_N=$packs BENCH_PATH="/v1/verify/$gtin/%s" wrk -t2 -c64 -d3s \
    -s "$root/bench/verify.lua" "http://127.0.0.1:$port" >/dev/null
  local before out
  before=$(metric packid_db_standby_reads_total)
  out=$(BENCH_N=$packs BENCH_PATH="/v1/verify/$gtin/%s" wrk -t2 -c64 -d"${secs}s" \
        -s "$root/bench/verify.lua" "http://127.0.0.1:$port" | awk '/^RESULT/ {print $2, $3, $4, $5}')
  echo "$1 $out $(( $(metric packid_db_standby_reads_total) - before ))"
  kill "$server" && wait "$server" 2>/dev/null || true
  server=
}
results=$(run 0; run 1)
python3 - "$results" <<'PY'
import sys
rows = {}
for line in sys.argv[1].splitlines():
    on, rps, p50, p99, non2xx, standby = line.split()
    rows[on] = (float(rps), float(p50), float(p99), int(non2xx), int(standby))
print(f"{'reads on':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'standby reads':>14}")
for on, name in (("0", "primary"), ("1", "standby")):
    r = rows[on]
    print(f"{name:<10} {r[0]:>8.0f} {r[1]:>8.2f} {r[2]:>8.2f} {r[3]:>8} {r[4]:>14}")
p, s = rows["0"], rows["1"]
print(f"standby / primary: req/s {s[0] / p[0]:.2f}, p50 {s[1] / p[1]:.2f}x, p99 {s[2] / p[2]:.2f}x")
PY
