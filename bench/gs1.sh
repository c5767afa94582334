#!/usr/bin/env bash
# GS1 parsing micro-benchmark: ns per gs1_parse for scan data, HRI, Digital Link and
# a wide element string, against a bare pass over the same bytes. Release build, no sanitizers.
#   bench/gs1.sh [N] [BUILD_DIR]      defaults: 200000, build-bench-gs1
# Bar: every input parses in microseconds (parse_ns well under 10000).
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${1:-200000}
build=${2:-$root/build-bench-gs1}
bench_build bench_gs1
"$build/bench/bench_gs1" "$n"
