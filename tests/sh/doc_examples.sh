#!/usr/bin/env bash
# Every ```xvm block in docs/*.md runs in a fresh xvm-repl; the ```output
# block right after it (if any) is what it must print, stdout and stderr
# together, with "[exit N]" appended when the exit status is not 0.
set -u
: "${XVM_BIN:?XVM_BIN must name the xvm-repl binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 count=0
for doc in docs/*.md; do
    awk -v dir="$tmp" -v base="$(basename "$doc" .md)" '
        /^```xvm$/    { n++; f = sprintf("%s/%s-%03d.xvm", dir, base, n); mode = 1; next }
        /^```output$/ { f = sprintf("%s/%s-%03d.want", dir, base, n); mode = 1; next }
        /^```/        { mode = 0; next }
        mode          { print > f }
    ' "$doc"
done
for x in "$tmp"/*.xvm; do
    [ -e "$x" ] || continue
    count=$((count + 1))
    want=${x%.xvm}.want
    got=${x%.xvm}.got
    "$XVM_BIN" < "$x" > "$got" 2>&1
    status=$?
    [ "$status" -ne 0 ] && echo "[exit $status]" >> "$got"
    if [ -e "$want" ]; then
        if ! diff -u "$want" "$got" > "$got.diff"; then
            echo "doc example $(basename "$x") differs:"; cat "$x"; cat "$got.diff"; fail=1
        fi
    elif [ "$status" -ne 0 ]; then
        echo "doc example $(basename "$x") failed (exit $status):"; cat "$x" "$got"; fail=1
    fi
done
[ "$count" -gt 0 ] || { echo "no doc examples found"; exit 1; }
echo "$count doc examples checked"
exit $fail
