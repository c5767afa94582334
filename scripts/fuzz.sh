#!/bin/sh
# Builds the gs1 libFuzzer harnesses with clang in build-fuzz/ and runs each one for a bounded
# time (default 20 s). Exits non-zero when a harness crashes or breaks parse(format(x)) == x.
#   scripts/fuzz.sh [seconds-per-harness]
# Crash inputs are left in build-fuzz/artifacts/; the grown corpus in build-fuzz/corpus/.
set -eu
secs=${1:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
jobs=${PACKID_JOBS:-2}

CC=clang cmake -S "$root" -B "$build" -DPACKID_FUZZ=ON -DPACKID_TESTS=OFF -DPACKID_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
if ! cmake --build "$build" -j"$jobs" \
        --target fuzz_gs1_element fuzz_gs1_hri fuzz_gs1_dl fuzz_gs1_epc >"$build/build.log" 2>&1; then
    tail -30 "$build/build.log" >&2
    exit 1
fi

status=0
mkdir -p "$build/artifacts"
for h in element hri dl epc; do
    corpus=$build/corpus/$h
    mkdir -p "$corpus"
    echo "fuzz_gs1_$h: ${secs}s"
    if ! "$build/tests/fuzz/fuzz_gs1_$h" -max_total_time="$secs" -max_len=1000 -timeout=10 \
            -artifact_prefix="$build/artifacts/$h-" -print_final_stats=0 \
            "$corpus" "$root/tests/fuzz/corpus/$h" >"$build/fuzz_gs1_$h.log" 2>&1; then
        echo "fuzz_gs1_$h FAILED, see $build/fuzz_gs1_$h.log" >&2
        tail -30 "$build/fuzz_gs1_$h.log" >&2
        status=1
    else
        grep -E '^#[0-9]+.*(DONE|pulse)' "$build/fuzz_gs1_$h.log" | tail -1 || true
    fi
done
exit $status
