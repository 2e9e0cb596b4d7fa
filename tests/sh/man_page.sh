#!/usr/bin/env bash
# The documentation names every command and option the program has (issue
# 14, item 11): each command that :help lists has an entry in the man page
# (docs/xvm-repl.1, a ".TP" item whose tag starts with it) and a row in
# docs/reference.md's command table; each option that --help lists is in
# the man page's OPTIONS and in docs/reference.md's option table.  (The :set
# names are checked against core/config.h by tests/unit/test_config.c.)
#
# Exit 0 pass, 1 fail.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
XVM_BIN=${XVM_BIN:-$ROOT/xvm-repl}
if [[ ! -f $XVM_BIN || ! -x $XVM_BIN ]]; then
    echo "FAIL: XVM_BIN '$XVM_BIN' is not an executable file"
    exit 1
fi
failed=0
fail() { echo "FAIL: $*"; failed=1; }

man=docs/xvm-repl.1
ref=docs/reference.md
[[ -f $man && -f $ref ]] || { echo "FAIL: $man or $ref is missing"; exit 1; }
# The tags of the man page's items: the line after each ".TP", with the
# roff escapes for '-' undone and the font requests dropped.
tags=$(awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' "$man" | sed 's/\\-/-/g; s/\\f[BIRP]//g; s/^\.[BIR]*  *//; s/"//g')
commands=$(sed -n '/^## Commands/,/^## /p' "$ref")
options=$(sed -n '/^## Command line/,$p' "$ref")

mapfile -t names < <(timeout 30 "$XVM_BIN" <<<":help" 2>&1 | sed -n 's/^  :\([a-z]*\).*/\1/p')
((${#names[@]} >= 20)) || fail ":help lists only ${#names[@]} commands"
for name in "${names[@]}"; do
    grep -Eq "(^|[ ,])+:$name( |,|$)" <<<"$tags" || fail "the man page has no entry for :$name"
    grep -q "^| \`:$name[ \`]" <<<"$commands" || fail "$ref's command table has no row for :$name"
done

mapfile -t opts < <(timeout 30 "$XVM_BIN" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u)
((${#opts[@]} >= 8)) || fail "--help lists only ${#opts[@]} options"
for opt in "${opts[@]}"; do
    sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$man" | sed 's/\\-/-/g' | grep -q -- "$opt\b" || fail "the man page's OPTIONS lack $opt"
    grep -Eq -- "\`$opt(=[A-Z]+)?\`" <<<"$options" || fail "$ref's option table lacks $opt"
done

((failed)) && exit 1
echo "man_page: ok (${#names[@]} commands, ${#opts[@]} options)"
exit 0
