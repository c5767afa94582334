#!/usr/bin/env bash
# EPCIS export benchmark: 1,000,000 commissioning events through px_epcis_writer vs a bare
# libxml2 xmlTextWriter loop writing the same document, each in its own process so peak RSS
# is attributable. Release build, no sanitizers.
#   bench/epcis.sh [N] [BUILD_DIR]      defaults: 1000000, build-bench-epcis
# Targets: packid >= 0.7 x bare events/s; packid peak RSS < 64 MiB whatever N.
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
n=${1:-1000000}
build=${2:-$root/build-bench-epcis}
bench_writer epcis_bench

best_packid=0 best_bare=0 rss_packid=0 rss_bare=0
for run in 1 2 3; do                      # interleaved, best of 3 (shared 2-core machine)
  p=$("$bin" packid "$n"); b=$("$bin" bare "$n")
  echo "run $run: $p"; echo "run $run: $b"
  pr=$(bench_field events_per_s "$p"); br=$(bench_field events_per_s "$b")
  [ "$pr" -gt "$best_packid" ] && best_packid=$pr
  [ "$br" -gt "$best_bare" ] && best_bare=$br
  rss_packid=$(bench_field maxrss_kib "$p"); rss_bare=$(bench_field maxrss_kib "$b")
done
small=$("$bin" packid $((n / 10)))
h=$("$bin" hash $((n / 10)))
echo "hash: $h"
ratio=$(awk -v a="$best_packid" -v b="$best_bare" 'BEGIN { printf "%.2f", a / b }')
echo
echo "events:           $n commissioning ObjectEvents, $(bench_field bytes "$p") bytes"
echo "px_epcis_writer:  $best_packid events/s, peak RSS $((rss_packid / 1024)) MiB"
echo "bare xmlTextWriter: $best_bare events/s, peak RSS $((rss_bare / 1024)) MiB"
echo "ratio:            $ratio (target >= 0.7)"
echo "RSS at N/10:      $(( $(bench_field maxrss_kib "$small") / 1024 )) MiB (flat = bounded memory)"
echo "event hash IDs:   $(bench_field events_per_s "$h") /s"
awk -v r="$ratio" -v m="$rss_packid" 'BEGIN { exit !(r >= 0.7 && m < 65536) }' \
  && echo "targets: met" || { echo "targets: NOT met"; exit 1; }
