#!/usr/bin/env bash
# Refuses functions that are unsafe or hide errors (curl's checksrc idea): unbounded copies,
# conversions that cannot report failure, non-cryptographic randomness, non-reentrant time
# functions, and shelling out. Run by ctest (test_banned_functions).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pattern='\b(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|atof|rand|srand|random|gmtime|localtime|strtok|tmpnam|system|asctime|ctime)[[:space:]]*\('
hits=$(grep -rnE "$pattern" src/ | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*|//)' || true)
if [ -n "$hits" ]; then
  echo "banned functions in src/ (use the bounded or checked alternative):"
  echo "$hits"
  exit 1
fi
echo "no banned functions in src/"
