#!/usr/bin/env bash
# Every requirement tag in src/ (REQ-<AREA>-<n>, tests/README.md) must be named by a test
# under tests/, so `git grep REQ-X-n` leads from the rule to its code and to its test.
# Usage: check-req-tags.sh [dir...]  (default: src). Exits 1 and lists the untested tags.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(src)
tags=$(grep -rhoE 'REQ-[A-Z0-9]+-[0-9]+' "${dirs[@]}" | sort -u)
tested=$(grep -rhoE 'REQ-[A-Z0-9]+-[0-9]+' tests | sort -u)
missing=$(comm -23 <(printf '%s\n' "$tags") <(printf '%s\n' "$tested"))
if [ -n "$missing" ]; then
  echo "requirement tags in ${dirs[*]} that no test under tests/ names:"
  for t in $missing; do
    printf '  %s  (%s)\n' "$t" "$(grep -rlE "$t([^0-9]|\$)" "${dirs[@]}" | tr '\n' ' ' | sed 's/ $//')"
  done
  exit 1
fi
echo "every requirement tag in ${dirs[*]} ($(printf '%s\n' "$tags" | grep -c .)) is named by a test"
