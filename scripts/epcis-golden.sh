#!/usr/bin/env bash
# Regenerates the golden EPCIS documents epcis/examples/<profile>.xml from the test fixtures
# (tests/unit/epcis/epcis_fixtures.c: fixed clock and ids, so the output is deterministic) and
# validates each with the official EPCIS 1.2 XSD (../shared/tools/epcis-validate).
#   scripts/epcis-golden.sh [BUILD_DIR]     default BUILD_DIR: build-epcis-golden
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build-epcis-golden}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPACKID_WERROR=OFF >/dev/null
cmake --build "$build" -j2 --target epcis_golden_gen
mkdir -p "$root/epcis/examples"
"$build/tests/unit/epcis/epcis_golden_gen" "$root/epcis/examples"
validator=$root/../shared/tools/epcis-validate
if [ -x "$validator" ]; then
  "$validator" "$root"/epcis/examples/*.xml
else
  echo "epcis-golden: $validator not found; documents not validated" >&2
fi
