#!/bin/sh
# Regenerates src/gs1/ai_table_gen.c from the dictionary and compares it with the committed file
#: fails with the diff when a dictionary release or a generator change was not
# regenerated and committed. Usage: check_generated.sh SOURCE_DIR DICTIONARY
set -eu
src=$1
dict=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
python3 "$src/scripts/gen-ai-table.py" "$dict" "$out"
if ! cmp -s "$out" "$src/src/gs1/ai_table_gen.c"; then
    diff -u "$src/src/gs1/ai_table_gen.c" "$out" | head -40 >&2
    echo "src/gs1/ai_table_gen.c is not what scripts/gen-ai-table.py makes from $dict" >&2
    exit 1
fi
echo "ok: src/gs1/ai_table_gen.c equals the generator's output"
