#!/usr/bin/env bash
# docs/architecture.md "Where each file lives" names every source file of src/ under its folder's
# heading (### `src/<folder>/`), so a newcomer finds any rule's file from the map; and it names
# no file that is gone. Counted: every .c and .def, and every .h without a .c of its name (a
# header with one is read beside it). Usage: check-file-map.sh. Exits 1 and lists what is off.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
doc=docs/architecture.md
problems=0

# The lines of one folder's section: from its heading to the next heading.
section() {
  awk -v h="### \`src/$1/\`" '$0 == h { on = 1; next } on && /^#/ { exit } on' "$doc"
}

for dir in src/*/; do
  folder=$(basename "$dir")
  text=$(section "$folder")
  if [ -z "$text" ]; then
    echo "$doc: no section ### \`src/$folder/\`"
    problems=$((problems + 1))
    continue
  fi
  for path in "$dir"*.c "$dir"*.def "$dir"*.h; do
    [ -e "$path" ] || continue
    f=$(basename "$path")
    case "$f" in *.h) [ -e "$dir${f%.h}.c" ] && continue ;; esac
    if ! grep -qF "\`$f\`" <<<"$text"; then
      echo "$doc: src/$folder/$f is not in its folder's section"
      problems=$((problems + 1))
    fi
  done
  for f in $(grep -oE '`[A-Za-z0-9_]+\.(c|h|def)`' <<<"$text" | tr -d '`' | sort -u); do
    if [ ! -e "$dir$f" ]; then
      echo "$doc: section src/$folder/ names $f, which is not in src/$folder/"
      problems=$((problems + 1))
    fi
  done
done
grep -qF "### \`src/main.c\`" "$doc" || {
  echo "$doc: no section ### \`src/main.c\`"
  problems=$((problems + 1))
}
if [ "$problems" -gt 0 ]; then
  echo "$problems problem(s): docs/architecture.md's file map and src/ disagree"
  exit 1
fi
echo "every source file of src/ is in docs/architecture.md's file map, and it names no other"
