#!/usr/bin/env bash
# docs/architecture.md "Where each file lives" names every source file of src/ in the first
# column of its folder's table (under ### `src/<folder>/`), exactly once, so a newcomer finds
# any rule's file from the map; and it names no file that is gone. Counted: every .c and .def,
# and every .h without a .c of its name (a header with one is read beside it); a file directly
# in src/ has a heading of its own (### `src/main.c`). Usage: check-file-map.sh. Exits 1 and
# lists what is off.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
doc=docs/architecture.md
problems=0
problem() {
  echo "$doc: $*"
  problems=$((problems + 1))
}

# The file names in the first column of the table rows of one folder's section: from its
# heading to the next heading of level 1 to 3 (a "#" inside a fenced block is no heading).
mapped() {
  awk -v h="### \`src/$1/\`" '
    /^```/ { fence = !fence }
    !fence && $0 == h { on = 1; next }
    !fence && on && /^##?#? / { exit }
    on && /^\| `/ { split($0, cell, "|"); print cell[2] }' "$doc" |
    grep -oE '`[A-Za-z0-9_]+\.(c|h|def)`' | tr -d '`'
}

# One folder deep: each folder of src/ is a library of its own *.c (cmake/PackidLayer.cmake),
# so a file in a folder below would be neither built nor mapped.
for d in $(find src -mindepth 2 -type d | sort); do
  echo "$d/: a folder below a folder of src/"
  problems=$((problems + 1))
done

for dir in src/*/; do
  folder=$(basename "$dir")
  if ! grep -qxF "### \`src/$folder/\`" "$doc"; then
    problem "no section ### \`src/$folder/\`"
    continue
  fi
  names=$(mapped "$folder")
  for path in "$dir"*.c "$dir"*.def "$dir"*.h; do
    [ -e "$path" ] || continue
    f=$(basename "$path")
    case "$f" in *.h) [ -e "$dir${f%.h}.c" ] && continue ;; esac
    n=$(grep -cxF "$f" <<<"$names")
    [ "$n" -eq 1 ] || problem "src/$folder/$f is in the first column of its folder's table $n times (once, please)"
  done
  for f in $(sort -u <<<"$names"); do
    [ -e "$dir$f" ] || problem "section src/$folder/ names $f, which is not in src/$folder/"
  done
done
for path in src/*.c; do
  [ -e "$path" ] || continue
  grep -qxF "### \`$path\`" "$doc" || problem "no section ### \`$path\`"
done
for h in $(grep -oE '^### `src/[A-Za-z0-9_]+\.c`$' "$doc" | tr -d '`' | cut -c5-); do
  [ -e "$h" ] || problem "section $h names a file that is not there"
done
if [ "$problems" -gt 0 ]; then
  echo "$problems problem(s): docs/architecture.md's file map and src/ disagree"
  exit 1
fi
echo "every source file of src/ is in docs/architecture.md's file map once, and it names no other"
