#!/usr/bin/env bash
# EPCIS 2.0 JSON-LD export benchmark: 1,000,000 commissioning events through px_epcis_writer
# (PX_EPCIS_FORMAT_JSONLD_2_0) vs a bare jansson loop writing the same bytes, each in its own
# process so peak RSS is attributable; one run of each (the machine is shared: run it once).
# Release build, no sanitizers.
#   bench/epcis2.sh [N] [BUILD_DIR]      defaults: 1000000, build-bench-epcis
# Targets: packid >= 0.7 x bare events/s; peak RSS flat (the same at N and N/10).
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${1:-1000000}
build=${2:-$root/build-bench-epcis}
bench_writer epcis2_bench

p=$("$bin" packid "$n"); b=$("$bin" bare "$n"); small=$("$bin" packid $((n / 10)))
echo "$p"; echo "$b"
pr=$(bench_field events_per_s "$p"); br=$(bench_field events_per_s "$b")
ratio=$(awk -v a="$pr" -v b="$br" 'BEGIN { printf "%.2f", a / b }')
rss=$(bench_field maxrss_kib "$p"); rss_small=$(bench_field maxrss_kib "$small")
echo
echo "events:             $n commissioning ObjectEvents as JSON-LD, $(bench_field bytes "$p") bytes"
echo "px_epcis_writer:    $pr events/s, peak RSS $((rss / 1024)) MiB"
echo "bare jansson loop:  $br events/s, peak RSS $(( $(bench_field maxrss_kib "$b") / 1024 )) MiB"
echo "ratio:              $ratio (target >= 0.7)"
echo "RSS at N/10:        $((rss_small / 1024)) MiB (flat = bounded memory)"
awk -v r="$ratio" -v m="$rss" -v s="$rss_small" 'BEGIN { exit !(r >= 0.7 && m < s + 4096) }' \
  && echo "targets: met" || { echo "targets: NOT met"; exit 1; }
