#!/usr/bin/env bash
# :help and :help COMMAND (issue 14, item 4).
#  * :help's first line names the machine in use (core-machine, then a
#    machine chosen with :use);
#  * every line of :help and of every page fits 80 columns, and a line is
#    broken only between words: each help line of the list, joined again,
#    is the command's line as the page shows it;
#  * every command listed has a real page: its usage, its line, a paragraph
#    of what it does, "Example:" with at least one line, and "See also:"
#    naming only commands that exist; a prefix finds the same page.
#
# Exit 0 pass, 1 fail.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XVM_BIN=${XVM_BIN:-$ROOT/xvm-repl}
if [[ ! -f $XVM_BIN || ! -x $XVM_BIN ]]; then
    echo "FAIL: XVM_BIN '$XVM_BIN' is not an executable file"
    exit 1
fi
failed=0
fail() { echo "FAIL: $*"; failed=1; }
indent() { sed 's/^/    /'; }
repl() { timeout 30 "$XVM_BIN" --quiet 2>&1; }

# wide TEXT WHAT: no line over 80 columns
wide() {
    local long
    long=$(awk 'length > 80 { print length ": " $0 }' <<<"$1")
    [[ -z $long ]] || { fail "$2: lines over 80 columns:"; indent <<<"$long"; }
}

help=$(repl <<<":help")
wide "$help" ":help"
[[ $(head -n 1 <<<"$help") == *core-machine* ]] || fail ":help's first line does not name core-machine: $(head -n 1 <<<"$help")"
on_parity=$(repl <<<".load_modules parity-machine;
:use parity-machine
:help")
[[ $(head -n 1 <<<"$on_parity") == *"parity-machine"* ]] || fail ":help's first line does not name the machine in use (parity-machine)"
grep -q '^Operations of parity-machine:' <<<"$on_parity" || fail ":help does not list parity-machine's operations"
grep -qw pdouble <<<"$on_parity" || fail ":help on parity-machine does not list pdouble"
wide "$on_parity" ":help on parity-machine"

# The commands, in the list's order: "  :NAME ..." lines.
mapfile -t names < <(sed -n 's/^  :\([a-z]*\).*/\1/p' <<<"$help")
((${#names[@]} >= 20)) || fail ":help lists only ${#names[@]} commands"
# list_line USAGE: the command's line in :help's list, its wrapped lines
# (indented 25 columns) joined by one space; empty if USAGE is not listed.
list_line() {
    awk -v usage="  $1" '
        found && substr($0, 1, 25) ~ /^ +$/ && substr($0, 26, 1) ~ /[^ ]/ {
            sub(/^ +/, ""); text = text (text == "" ? "" : " ") $0; next }
        found { exit }
        index($0, usage) == 1 && (length($0) == length(usage) || substr($0, length(usage) + 1, 1) == " ") {
            found = 1; text = substr($0, length(usage) + 1); sub(/^ +/, "", text) }
        END { print text }
    ' <<<"$help"
}
# the operation names, rejoined, are the machine's operations in one line
ops=$(sed -n '/^Operations of core-machine:/,$p' <<<"$help" | tail -n +2 | sed 's/^  //' | tr '\n' ' ')
for op in push add while print emit; do
    grep -qw -- "$op" <<<"$ops" || fail ":help's operations lack '$op'"
done

for name in "${names[@]}"; do
    page=$(repl <<<":help $name")
    wide "$page" ":help $name"
    usage=$(head -n 1 <<<"$page")
    [[ $usage == ":$name"* ]] || fail ":help $name: first line is not its usage: $usage"
    listed=$(list_line "$usage")
    [[ -n $listed ]] || fail ":help $name: usage '$usage' is not in :help's list"
    # the line under the usage, rejoined, is the one in the list
    line=$(sed -n '2,/^$/p' <<<"$page" | sed '/^$/d; s/^  //' | paste -sd ' ')
    [[ $line == "$listed" ]] || fail ":help $name: its line '$line' differs from the list's '$listed'"
    # a paragraph of what it does: at least one line of more than a few words
    what=$(sed -n '/^$/,/^Example:$/p' <<<"$page" | sed '/^$/d; /^Example:$/d')
    (($(wc -w <<<"$what") >= 8)) || fail ":help $name: no paragraph of what it does"
    example=$(sed -n '/^Example:$/,/^See also:/p' <<<"$page" | sed '1d; $d')
    [[ -n $example ]] || fail ":help $name: no example"
    grep -qv '^  ' <<<"$example" && fail ":help $name: example lines are not indented"
    see=$(sed -n 's/^See also: //p' <<<"$page")
    [[ -n $see ]] || fail ":help $name: no 'See also:'"
    for ref in $(tr -d ',' <<<"$see"); do
        [[ $ref == :* && " ${names[*]} " == *" ${ref#:} "* ]] || fail ":help $name: 'See also' names '$ref', which is no command"
    done
    # with the ':' and by a unique prefix, the same page
    [[ $(repl <<<":help :$name") == "$page" ]] || fail ":help :$name differs from :help $name"
done
[[ $(repl <<<":help gra") == "$(repl <<<":help graph")" ]] || fail ":help gra is not :help graph"
out=$(repl <<<":help no-such-command")
grep -q "unknown command ':no-such-command'" <<<"$out" || fail ":help of an unknown command: unexpected output"

if ((failed)); then
    exit 1
fi
echo "help_pages: ok (${#names[@]} commands)"
exit 0
