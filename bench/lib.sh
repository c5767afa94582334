# What the benches share, sourced first by the scripts of bench/: strict mode (set -euo pipefail)
# and $root, the repository; callers set build (and port) before calling the functions.
#   bench_build TARGET…       Release build (no sanitizers; PACKID_WERROR=OFF, so an -O3 warning of
#                             another layer cannot stop a measurement; no tests) of the targets
#                             into $build; on failure the last lines of its log, and exit.
#   bench_machine             the machine's cores and memory, and the PostgreSQL version.
#   bench_field NAME LINE     the value of NAME=value in LINE.
#   bench_free_port           a TCP port free on 127.0.0.1 now (several benches may share a machine).
#   bench_same_output BIN     BIN packid and BIN bare write the same bytes for 10,000 events
#                             (their FNV-1a digests); exits the script when they do not.
#   bench_writer TARGET       bench_build TARGET, sets $bin to it and checks bench_same_output.
#   bench_ticks PID…          the CPU clock ticks (user + system) spent so far by the given
#                             processes and by the private cluster (its postmaster and every
#                             child of it): sampled before and after a run, the run's CPU.
# The frame of the HTTP benches:
#   bench_setup NAME TARGET…  bench_build TARGET… packid, a private embedded PostgreSQL under
#                             $build, a fresh database packid_bench_NAME, migrated; the cluster
#                             and the servers ($server, and $bare when set) are stopped on exit.
#                             Sets $port, packid's: BENCH_PORT, else a free one.
#   bench_mah [GLN]           a MAH (with that GLN, prefix length 7, when given) and its key:
#                             sets $mah, $key.
#   bench_serve [VAR=value…]  `packid serve` on 127.0.0.1:$port (extra environment first), waits
#                             for /healthz; sets $server.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

bench_build() {
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPACKID_SANITIZE=OFF \
        -DPACKID_WERROR=OFF -DPACKID_TESTS=OFF >/dev/null
  cmake --build "$build" -j2 --target "$@" >"$build/build.log" 2>&1 ||
    { tail -30 "$build/build.log"; exit 1; }
}

bench_machine() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "postgres: $(psql --version 2>/dev/null | awk '{print $3}')"
}

bench_field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }

bench_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

bench_same_output() {
  local d1 d2
  d1=$("$1" packid 10000 --digest | sed 's/.*fnv1a=//')
  d2=$("$1" bare 10000 --digest | sed 's/.*fnv1a=//')
  [ "$d1" = "$d2" ] && echo "identical output (10000 events): yes ($d1)" \
                    || { echo "identical output: NO ($d1 vs $d2)"; exit 1; }
}

bench_writer() {
  bench_build "$1"
  bin=$build/bench/$1
  # Same bytes? (10,000 events, FNV-1a of the whole document in both modes)
  bench_same_output "$bin"
}

bench_ticks() {
  local t=0 p pm
  pm=$(head -1 "$PACKID_DATA_DIR/pg/postmaster.pid")
  for p in "$@" "$pm" $(pgrep -P "$pm"); do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}

server=
bare=
bench_cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  [ -n "$bare" ] && kill "$bare" 2>/dev/null && wait "$bare" 2>/dev/null || true
  # Unset the URL for this call: `db stop` manages only the embedded cluster.
  PACKID_DATABASE_URL= "$build/packid" db stop >/dev/null 2>&1 || true
}

bench_setup() {
  local name=$1 url
  shift
  port=${BENCH_PORT:-$(bench_free_port)}
  unset PACKID_DATABASE_URL
  bench_build "$@" packid
  export PACKID_DATA_DIR=$build/bench-$name-var
  trap bench_cleanup EXIT
  url=$("$build/packid" db url 2>/dev/null)      # creates and starts the private cluster
  psql -q -X "$url" -c "DROP DATABASE IF EXISTS packid_bench_$name" \
                    -c "CREATE DATABASE packid_bench_$name" >/dev/null
  export PACKID_DATABASE_URL="$url dbname=packid_bench_$name"
  "$build/packid" migrate >/dev/null 2>&1
}

bench_mah() {
  local gln=()
  [ $# -gt 0 ] && gln=(--gln "$1" --gln-prefix-length 7)
  mah=$("$build/packid" org create --kind mah --name "Bench MAH" "${gln[@]}" --json 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["org_id"])')
  key=$("$build/packid" key create --org "$mah" --role mah --json 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')
}

bench_serve() {
  env "$@" PACKID_LISTEN=127.0.0.1:$port "$build/packid" serve >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: packid serve did not answer on port $port" >&2
  return 1
}
