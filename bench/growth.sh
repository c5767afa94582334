#!/usr/bin/env bash
# Growth benchmark (docs/scaling.md "Growth"): the same measurements on an empty pool and
# after a loader has filled it to N packs, with the real server in the same run:
#   - commissioning: COMMISSIONS requests of 10,000 external serials over HTTP, serials/s;
#   - allocation: one 1,000,000-serial job (POST, then GET the job until completed), serials/s;
#   - verification: GET /v1/verify at 64 connections for VERIFY_SECONDS (wrk), p50 / p99,
#     once as fast as the server answers (saturated: on 2 cores the latency is then mostly the
#     queue, 64 connections / req/s) and once at a fixed offered rate of VERIFY_RATE req/s
#     (default 2000: about six times the EU's whole average verification rate, 10 billion
#     packs a year), which is the latency a pharmacy's scan sees;
# then the table and index sizes per million packs. The loader COPYs rows straight into the
# serial table (psql, not the API): N packs over 10 GTINs, 3 in 4 released, the rest
# commissioned, serials that look random (a bijection of the row number).
# Release build, no sanitizers, a private embedded PostgreSQL under the build folder (the
# machine-sized settings of src/store/embedded.c); never PACKID_DATABASE_URL.
#   bench/growth.sh [N] [BUILD_DIR]        defaults: 10000000 build-bench-growth
#   env: COMMISSIONS (5), VERIFY_SECONDS (15), ALLOCATION (1000000), BENCH_PORT (a free one),
#        PAIRS (5): paired commissions, alternating between the N-pack pool and an empty one,
#        GROWTH_REUSE=1: measure again the pool a previous run of this build folder loaded (no
#        phase at 0, no loading: the N-pack phase and the paired commissions only)
# The machine these figures come from is shared and its load swings within minutes, so the
# two phases may see different machines: the paired commissions at the end see the same one.
# 100,000,000 is a parameter like any other: the disk and time it needs are printed first.
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-10000000}
build=${2:-$root/build-bench-growth}
commissions=${COMMISSIONS:-5}
verify_s=${VERIFY_SECONDS:-15}
verify_rate=${VERIFY_RATE:-2000}
allocation=${ALLOCATION:-1000000}
# A free port unless told: several benches may run on one machine.
port=${BENCH_PORT:-$(bench_free_port)}
unset PACKID_DATABASE_URL

# Measured by this bench (docs/scaling.md): bytes on disk per loaded pack (table + indexes;
# about 200 at 100 M) and the loader's rate (97,000 packs/s quiet at 100 M, 32,000 at load
# 20: the lower one is assumed); WAL needs as much again while it is loading.
bytes_per_pack=230
load_rate=32000
need_gb=$(awk -v n="$N" -v b="$bytes_per_pack" 'BEGIN {printf "%.1f", 2 * n * b / 1e9}')
need_min=$(awk -v n="$N" -v r="$load_rate" 'BEGIN {printf "%.0f", n / r / 60 + 3}')
free_gb=$(df -P "$(dirname "$build")" | awk 'NR == 2 {printf "%.0f", $4 / 1048576}')
echo "growth: N = $N packs; needs about $need_gb GB of disk (free: $free_gb GB) and" \
     "$need_min minutes"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo);" \
     "postgres $(psql --version 2>/dev/null | awk '{print $3}')"
command -v wrk >/dev/null || { echo "growth: wrk is missing (scripts/setup.sh)" >&2; exit 1; }

bench_build packid
export PACKID_DATA_DIR=$build/growth-var
server0=
cleanup() {
  [ -n "$server0" ] && kill "$server0" 2>/dev/null && wait "$server0" 2>/dev/null || true
  bench_cleanup
}
trap cleanup EXIT
url=$("$build/packid" db url 2>/dev/null)
reuse=${GROWTH_REUSE:-0}
if [ "$reuse" = 1 ] && psql -X -At "$url" -c "SELECT 1 FROM pg_database WHERE datname = 'packid_bench_growth'" | grep -q 1; then
  echo "(GROWTH_REUSE: the pool of a previous run, no phase at 0 and no loading)"
else
  reuse=0
  psql -q -X "$url" -c "DROP DATABASE IF EXISTS packid_bench_growth" \
                    -c "CREATE DATABASE packid_bench_growth" >/dev/null
fi
export PACKID_DATABASE_URL="$url dbname=packid_bench_growth"
db=$PACKID_DATABASE_URL
"$build/packid" migrate >/dev/null 2>&1
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
if [ "$reuse" = 1 ]; then
  mah=$(psql -X -At "$db" -c "SELECT id FROM organization WHERE name = 'Growth MAH'")
  # A database grown before commissions needed a read point: give its MAH the GLN.
  psql -q -X "$db" -c "UPDATE organization SET gln = '4012345000009', gln_prefix_length = 7 WHERE id = '$mah' AND gln IS NULL"
else
  mah=$("$build/packid" org create --kind mah --name "Growth MAH" --gln 4012345000009 --gln-prefix-length 7 --json 2>/dev/null | json '["org_id"]')
fi
key=$("$build/packid" key create --org "$mah" --role mah --json 2>/dev/null | json '["api_key"]')
# `packid serve` on 127.0.0.1:$1, logging to $2, with the environment given after them; waits
# for /healthz. The pid is left in $started (the server is this shell's child).
serve_on() {
  local p=$1 log=$2
  shift 2
  env "$@" PACKID_LISTEN=127.0.0.1:$p PACKID_THREADS=8 PACKID_LOG_LEVEL=warn \
    "$build/packid" serve >"$log" 2>&1 &
  started=$!
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  kill -0 "$started" 2>/dev/null || { echo "growth: the server did not start" >&2; cat "$log" >&2; exit 1; }
}
# wrk is one client on purpose: lift the public routes' per-client limit (docs/resolver.md).
serve_on "$port" "$build/growth-server.log" PACKID_PUBLIC_RATE=1000000 PACKID_PUBLIC_BURST=1000000
server=$started
base=http://127.0.0.1:$port
call() { # method path [body] -> body on stdout; fails on a status >= 400. Body "-": stdin
  # (a 10,000-serial body is longer than one command-line argument may be).
  curl -fsS -X "$1" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    ${3:+--data-binary "$([ "$3" = - ] && echo @- || echo "$3")"} "$base$2"
}
# GTIN-14 under company prefix 4012345 with item reference $1 and its mod-10 check digit.
gtin() {
  local d=0 s=0 w i
  d=$(printf '04012345%05d' "$1")
  for i in $(seq 0 12); do
    w=$(( (12 - i) % 2 == 0 ? 3 : 1 ))
    s=$(( s + ${d:$i:1} * w ))
  done
  echo "$d$(( (10 - s % 10) % 10 ))"
}
gtins=()
for k in $(seq 0 9); do
  g=$(gtin $((900 + k)))
  gtins+=("$g")
  [ "$reuse" = 1 ] ||
    call POST /v1/products "{\"gtin\":\"$g\",\"company_prefix_length\":7,\"name\":\"Growth $k\",\"market\":\"EU\"}" >/dev/null
done
gtin_list=$(IFS=,; echo "${gtins[*]}")
# Allocation on GTIN 0, commissions on GTIN 1: both hold N/10 loaded packs in phase 2.
[ "$reuse" = 1 ] || call PUT "/v1/products/${gtins[0]}/serial-settings" \
  '{"strategy":"RANDOM_ALPHANUMERIC","length":12,"symbols":"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"}' >/dev/null
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {printf "%.0f", n / (b - a)}'; }

# One commission of 10,000 new (external) serials C<p><q*10000+i> into batch G<p>Q<q> of GTIN 1,
# through call (so to $base with $key). p is unique per run (a clock tag in the paired
# commissions and with GROWTH_REUSE).
commission() { # $1 = p, $2 = q
  awk -v p="$1" -v q="$2" -v g="${gtins[1]}" 'BEGIN {
    printf "{\"product_code\":\"%s\",\"product_code_schema\":\"GTIN\",\"batch\":\"G%sQ%d\",", g, p, q
    printf "\"expiry_date\":\"751231\",\"serials\":["
    for (i = 0; i < 10000; i++) printf "%s\"C%s%07d\"", (i ? "," : ""), p, q * 10000 + i
    printf "]}" }' | call POST /v1/commissions - | grep -q '"commissioned":10000' ||
    { echo "growth: commission failed" >&2; exit 1; }
}

# The verification reads of phase $1 under wrk (64 connections, $verify_s s) over $3 packs in
# mode $2, with any further VAR=value given to the script (growth_verify.lua): the median and
# 99th percentile latency and the req/s into $w50 $w99 $wrps. Exits the script when an answer
# was an error.
verify_reads() {
  local p=$1 mode=$2 vn=$3 out
  shift 3
  out=$(env "$@" GROWTH_N="$vn" GROWTH_MODE="$mode" GROWTH_PHASE="$p" GROWTH_CGTIN="${gtins[1]}" \
        GROWTH_GTINS="$gtin_list" wrk -t2 -c64 -d"${verify_s}s" --latency \
        -s "$root/bench/growth_verify.lua" "$base")
  if echo "$out" | grep -q "Non-2xx"; then
    echo "growth: verification answered errors" >&2; echo "$out" >&2; exit 1
  fi
  w50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  w99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  wrps=$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
}

tag=$(date +%s | tail -c 6)
phase() { # $1 = phase number, $2 = packs present (label), [$3 = serial prefix, default $1]
  local p=$1 t0 t1 job st
  # Commissioning: 10,000 new (external) serials per request, one after the other.
  t0=$(now)
  for q in $(seq 0 $((commissions - 1))); do
    commission "${3:-$p}" "$q"
  done
  t1=$(now)
  local c_rate; c_rate=$(rate $((commissions * 10000)) "$t0" "$t1")
  # Allocation: one job, timed from the request to the job's completion.
  t0=$(now)
  job=$(call POST "/v1/products/${gtins[0]}/allocations" "{\"count\":$allocation}" | json '["job_id"]')
  while :; do
    st=$(call GET "/v1/jobs/$job" | json '["status"]')
    [ "$st" = completed ] && break
    [ "$st" = failed ] && { echo "growth: allocation failed" >&2; exit 1; }
    sleep 0.2
  done
  t1=$(now)
  local a_rate; a_rate=$(rate "$allocation" "$t0" "$t1")
  # Verification at 64 connections: loaded packs when there are any, else this phase's.
  local mode=commissioned vn=$((commissions * 10000))
  if [ "$2" -gt 0 ]; then mode=loaded; vn=$2; fi
  verify_reads "$p" "$mode" "$vn"
  local p50=$w50 p99=$w99 rps=$wrps
  # The same reads at a fixed offered rate: each of the 64 connections waits 64/rate s.
  verify_reads "$p" "$mode" "$vn" \
    GROWTH_DELAY_MS="$(awk -v r="$verify_rate" 'BEGIN {printf "%.3f", 64000 / r}')"
  local r50=$w50 r99=$w99 rrps=$wrps
  printf '%-14s %16s %14s %10s %10s %10s %10s %10s %10s\n' "$2" "$c_rate" "$a_rate" "$p50" \
         "$p99" "$rps" "$r50" "$r99" "$rrps"
  echo "$c_rate $a_rate" >"$build/growth-phase$p"
}

echo
printf '%-14s %16s %14s %10s %10s %10s %10s %10s %10s\n' "packs present" "commission /s" \
       "allocate /s" "verify p50" "verify p99" "verify /s" "p50 @rate" "p99 @rate" "/s @rate"
if [ "$reuse" = 0 ]; then
  phase 0 0

  # The loader: COPY in chunks of 1,000,000 rows (progress, and bounded WAL per statement).
  t0=$(now)
  chunk=1000000
  for start in $(seq 0 $chunk $((N - 1))); do
    end=$(( start + chunk < N ? start + chunk : N ))
    awk -v a="$start" -v b="$end" -v gl="$gtin_list" 'BEGIN {
      split(gl, g, ",")
      A = 48271; M = 999999999989
      for (i = a; i < b; i++) {
        s = (i % 4 == 3) ? "commissioned" : "released"
        printf "%s\tL%012.0f\t%s\tgenerated\tB%d\t751231\n", g[(i % 10) + 1], (i * A) % M, s,
               int(i / 100000)
      }
    }' | psql -q -X "$db" -c "COPY serial (gtin, serial, state, origin, batch, expiry) FROM STDIN"
  done
  psql -q -X "$db" -c "VACUUM ANALYZE serial" >/dev/null
  # The load's dirty pages are written out before the second phase measures: a pool that grew
  # over months has long written them (the figures in docs/scaling.md predate this line).
  psql -q -X "$db" -c "CHECKPOINT" >/dev/null
  t1=$(now)
  echo "(loaded $N packs in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", b - a}') s:" \
       "$(rate "$N" "$t0" "$t1") packs/s, COPY + VACUUM ANALYZE)"
fi
if [ "$reuse" = 1 ]; then phase 1 "$N" "${tag}R"; else phase 1 "$N"; fi

# Paired commissions: a second server on an empty pool (a fresh database in the same cluster,
# the same products), and PAIRS commissions into each, alternating, timed one by one.
pairs=${PAIRS:-5}
db0="$url dbname=packid_bench_growth_empty"
psql -q -X "$url" -c "DROP DATABASE IF EXISTS packid_bench_growth_empty" \
                  -c "CREATE DATABASE packid_bench_growth_empty" >/dev/null
PACKID_DATABASE_URL=$db0 "$build/packid" migrate >/dev/null 2>&1
mah0=$(PACKID_DATABASE_URL=$db0 "$build/packid" org create --kind mah --name "Growth MAH" --gln 4012345000009 --gln-prefix-length 7 --json 2>/dev/null | json '["org_id"]')
key0=$(PACKID_DATABASE_URL=$db0 "$build/packid" key create --org "$mah0" --role mah --json 2>/dev/null | json '["api_key"]')
port0=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
serve_on "$port0" "$build/growth-server0.log" PACKID_DATABASE_URL="$db0"
server0=$started
base0=http://127.0.0.1:$port0
key=$key0 base=$base0 call POST /v1/products \
  "{\"gtin\":\"${gtins[1]}\",\"company_prefix_length\":7,\"name\":\"Growth 1\",\"market\":\"EU\"}" >/dev/null
# A first, untimed request warms the new server (connections, plans, caches) as the other is.
key=$key0 base=$base0 commission "${tag}W" 0
t_full=0 t_empty=0
for q in $(seq 0 $((pairs - 1))); do
  t0=$(now); commission "${tag}P" "$q"; t1=$(now)
  t_full=$(awk -v s="$t_full" -v a="$t0" -v b="$t1" 'BEGIN {print s + b - a}')
  t0=$(now); key=$key0 base=$base0 commission "${tag}P" "$q"; t1=$(now)
  t_empty=$(awk -v s="$t_empty" -v a="$t0" -v b="$t1" 'BEGIN {print s + b - a}')
done
echo
echo "paired commissions ($pairs x 10,000 serials each, alternating):" \
     "$(rate $((pairs * 10000)) 0 "$t_empty") serials/s into an empty pool," \
     "$(rate $((pairs * 10000)) 0 "$t_full") into $N packs:" \
     "ratio $(awk -v a="$t_empty" -v b="$t_full" 'BEGIN {printf "%.2f", a / b}') (target >= 0.8);" \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$reuse" = 0 ]; then
  read -r c0 a0 <"$build/growth-phase0"
  read -r c1 a1 <"$build/growth-phase1"
  echo
  echo "ratios at $N vs 0: commissioning $(awk -v a="$c1" -v b="$c0" 'BEGIN {printf "%.2f", a / b}')," \
       "allocation $(awk -v a="$a1" -v b="$a0" 'BEGIN {printf "%.2f", a / b}') (target >= 0.8)"
fi
echo
present=$(psql -X -At "$db" -c "SELECT count(*) FROM serial")
echo "sizes with $present packs (per million packs):"
psql -X -At -F' ' "$db" -c "
  SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind = 'r' AND pg_total_relation_size(c.oid) > 1048576
  ORDER BY pg_total_relation_size(c.oid) DESC" |
awk -v n="$present" '{
  printf "  %-18s table %8.1f MB  indexes %8.1f MB  (per million: %6.1f + %6.1f MB)\n",
    $1, $2 / 1e6, $3 / 1e6, $2 / 1e6 / (n / 1e6), $3 / 1e6 / (n / 1e6) }'
psql -X -At "$db" -c "SELECT '  ' || indexrelname || ' ' || pg_size_pretty(pg_relation_size(indexrelid))
  FROM pg_stat_user_indexes WHERE relname = 'serial' AND schemaname = 'public' ORDER BY 1"
echo "database: $(psql -X -At "$db" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
