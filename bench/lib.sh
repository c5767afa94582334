# The frame the HTTP benches share (sourced by bench/aggregate.sh and bench/capture.sh):
#   bench_setup NAME TARGET   Release build (no sanitizers; PACKID_WERROR=OFF, so an -O3 warning of
#                             another layer cannot stop a measurement) of packid and TARGET into
#                             $build, a private embedded PostgreSQL under it, a fresh database
#                             packid_bench_NAME, migrated; the cluster and the server are stopped
#                             on exit.
#   bench_mah GLN             a MAH with that GLN (prefix length 7) and its key: sets $mah, $key.
#   bench_serve [VAR=value…]  `packid serve` on 127.0.0.1:$port (extra environment first), waits
#                             for /healthz; sets $server.
# Callers set root, build and port before bench_setup.
server=
bench_cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  PACKID_DATABASE_URL= "$build/packid" db stop >/dev/null 2>&1 || true
}

bench_setup() {
  unset PACKID_DATABASE_URL
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPACKID_SANITIZE=OFF \
        -DPACKID_WERROR=OFF -DPACKID_TESTS=OFF >/dev/null
  cmake --build "$build" -j2 --target "$2" packid >/dev/null
  export PACKID_DATA_DIR=$build/bench-$1-var
  trap bench_cleanup EXIT
  local url
  url=$("$build/packid" db url 2>/dev/null)
  psql -q -X "$url" -c "DROP DATABASE IF EXISTS packid_bench_$1" \
                    -c "CREATE DATABASE packid_bench_$1" >/dev/null
  export PACKID_DATABASE_URL="$url dbname=packid_bench_$1"
  "$build/packid" migrate >/dev/null 2>&1
}

bench_mah() {
  mah=$("$build/packid" org create --kind mah --name "Bench MAH" --gln "$1" \
          --gln-prefix-length 7 --json 2>/dev/null |
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
