#!/bin/sh
# The house's format: fails, naming the files, when a tracked C source
# differs from what clang-format makes of it with the tree's .clang-format.
# `./run format` applies it; `./run lint` runs this alone.
set -u
top=${1:?usage: check-format.sh SOURCE_DIR}
cd "$top" || exit 1
command -v clang-format >/dev/null || { echo "clang-format is not installed (Debian: clang-format)"; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        files=$(git ls-files -- '*.c' '*.h' | grep -v -E '\.pb-c\.[ch]$')
else
        files=$(find . -path ./build -prune -o -path ./build-test -prune -o -path ./var -prune -o \
                \( -name '*.c' -o -name '*.h' \) ! -name '*.pb-c.*' -print)
fi
# One clang-format for all: its warnings name each file that differs.
# shellcheck disable=SC2086
out=$(clang-format --dry-run -Werror $files 2>&1) && rc=0 || rc=$?
bad=$(printf '%s\n' "$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
if [ "$rc" -ne 0 ] && [ -z "$bad" ]; then
        printf 'clang-format failed (exit %d):\n%s\n' "$rc" "$out" | head -20
        exit 1
fi
for f in $bad; do
        echo "not formatted: $f"
done
bad=$(echo "$bad" | wc -w)
if [ "$bad" -gt 0 ]; then
        echo "$bad file(s) differ from .clang-format: ./run format fixes them"
        exit 1
fi
echo "$(echo "$files" | wc -w) C files formatted"
