#!/usr/bin/env bash
# Verification benchmark: wrk at 64 connections against `packid serve`'s public
# GET /v1/verify/{gtin}/{serial} and the DSCSA responder's GET /vrs/verify/gtin/…/lot/…/ser/…
# (a verifier key; one log INSERT per answer), beside a bare libmicrohttpd + libpq point-lookup
# server (bench/verify_bare.c) on the same rows in the same run. Each request asks for a random
# pack among PACKS released packs COPYed into serial. Prints req/s, p50 and p99 of each and the
# ratios to the bare server (the targets: >= 0.8 of its req/s, p99 within 2x of its p99).
# Each run also prints the CPU time its server and the cluster's PostgreSQL processes spent per
# request (from /proc, µs): on a machine other work loads, req/s moves with that work, the CPU
# a request costs much less; its ratio (bare / packid) is what the req/s ratio would be on a
# quiet machine where the CPU is the limit.
# Release build, no sanitizers, a private embedded PostgreSQL under the build folder.
#   bench/verify.sh [PACKS] [DURATION_S] [BUILD_DIR]    defaults: 10000000 20 build-bench-verify
# wrk is the Debian package wrk (scripts/setup.sh installs it).
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
packs=${1:-10000000}
secs=${2:-20}
build=${3:-$root/build-bench-verify}
bare_port=${BENCH_BARE_PORT:-18472}
threads=${PACKID_THREADS:-4}
conns=64
gtin=00355154944954
command -v wrk >/dev/null || { echo "verify.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }
bench_setup verify bench_verify_bare bench_verify_load
# The scan partitions of a deployment older than the clone rules' window (30 days): the month
# before this one exists too (a fresh database has the months from this one on, and the rows
# of earlier ones go to the default partition). The verification's history read names the
# months when they cover the window (docs/resolver.md "Speed").
psql -q -X "$PACKID_DATABASE_URL" \
  -c "SELECT partition_add_month('scan', (now() - interval '31 days')::date)" >/dev/null
json() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
bench_mah 0355154000001
mah_key=$key
ver=$("$build/packid" org create --kind verifier --name "Bench wholesaler" --gln 0614141000005 --json 2>/dev/null | json org_id)
ver_key=$("$build/packid" key create --org "$ver" --role verifier --json 2>/dev/null | json api_key)

# wrk is one client hammering on purpose: lift the per-client limit of the public routes
# (default 10/s, docs/resolver.md), or most answers would be 429.
bench_serve PACKID_PUBLIC_RATE=1000000 PACKID_PUBLIC_BURST=1000000
curl -fsS -X POST "http://127.0.0.1:$port/v1/products" -H "Authorization: Bearer $mah_key" \
  -d "{\"gtin\":\"$gtin\",\"company_prefix_length\":7,\"name\":\"Bench\",\"market\":\"US\"}" >/dev/null
t0=$(date +%s.%N)
"$build/bench/bench_verify_load" "$PACKID_DATABASE_URL" "$gtin" "$packs" >/dev/null
psql -q -X "$PACKID_DATABASE_URL" -c "VACUUM ANALYZE serial" >/dev/null
t1=$(date +%s.%N)
bare_bin=$build/bench/bench_verify_bare
"$bare_bin" "$bare_port" "$PACKID_DATABASE_URL" "$threads" &
bare=$!
sleep 0.5

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "postgres: $(psql --version 2>/dev/null | awk '{print $3}'), wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
echo "packs: $packs (COPY + VACUUM ANALYZE $(python3 -c "print(f'{$t1 - $t0:.1f}')") s); server threads: $threads; wrk: $conns connections, 2 threads, ${secs}s each"

q="exp=751231&linkType=verificationService&context=dscsaSaleableReturn&reqGLN=0614141000005&corrUUID=21ec2020-3aea-4069-a2dd-08002b30309d"
run() {  # name url-with-%s key port server-pid
  local t0 t1 out
  # Each run starts from the same database: the scans the runs before recorded (each
  # verification and resolver hit records one; at 1,000,000 packs a run's 400,000 scans make
  # the next run's history reads and index writes dearer: PostgreSQL's CPU a request went
  # 45 -> 56 µs over four runs in a row) are removed once the server has written its buffer
  # (every worker pass: PACKID_WORKER_POLL_MS, 100 ms by default), and a checkpoint writes the WAL and dirty pages the run
  # before left (the scans, the responder's durable log) before this one.
  sleep 1
  psql -q -X "$PACKID_DATABASE_URL" -c "TRUNCATE scan" -c CHECKPOINT >/dev/null
  t0=$(bench_ticks "$5")
  out=$(BENCH_N=$packs BENCH_PATH=$2 BENCH_KEY=$3 \
    wrk -t2 -c$conns -d"${secs}s" -s "$root/bench/verify.lua" "http://127.0.0.1:$4" |
    awk '/^RESULT/ {print $2, $3, $4, $5, $6}')
  t1=$(bench_ticks "$5")
  echo "$1 $out $((t1 - t0))"
}
# A short warm-up of each server and route held to the bare server (caches, connections),
# then the measured runs.
for p in "$bare_port /verify/$gtin/%s" "$port /v1/verify/$gtin/%s" "$port /01/$gtin/21/%s"; do
  set -- $p
  BENCH_ACCEPT=application/json BENCH_N=$packs BENCH_PATH=$2 wrk -t2 -c$conns -d3s \
    -s "$root/bench/verify.lua" "http://127.0.0.1:$1" >/dev/null
done
results=$(
  run bare "/verify/$gtin/%s" "" "$bare_port" "$bare"
  run v1_verify "/v1/verify/$gtin/%s" "" "$port" "$server"
  BENCH_ACCEPT=application/json run resolver "/01/$gtin/21/%s" "" "$port" "$server"
  run vrs_verify "/vrs/verify/gtin/$gtin/lot/LOT1/ser/%s?$q" "$ver_key" "$port" "$server"
)
logged=$(psql -X -At "$PACKID_DATABASE_URL" -c "SELECT count(*) FROM vrs_request")
python3 - "$results" "$logged" "$secs" "$(getconf CLK_TCK)" <<'PY'
import sys
rows = {}
secs, hz = float(sys.argv[3]), float(sys.argv[4])
for line in sys.argv[1].splitlines():
    name, rps, p50, p99, non2xx, sockerr, ticks = line.split()
    cpu_us = float(ticks) / hz * 1e6 / max(float(rps) * secs, 1.0)
    rows[name] = (float(rps), float(p50), float(p99), int(non2xx), int(sockerr), cpu_us)
print(f"{'server':<12} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'sock err':>8} {'req/s ratio':>11} {'p99 ratio':>9} {'cpu us/req':>10} {'cpu ratio':>9}")
b = rows["bare"]
for name in ("bare", "v1_verify", "vrs_verify", "resolver"):
    r = rows[name]
    print(f"{name:<12} {r[0]:>10.0f} {r[1]:>8.2f} {r[2]:>8.2f} {r[3]:>8} {r[4]:>8} {r[0] / b[0]:>11.2f} {r[2] / b[2]:>9.2f} {r[5]:>10.0f} {b[5] / r[5]:>9.2f}")
print(f"vrs_request rows logged: {sys.argv[2]}")
PY
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
