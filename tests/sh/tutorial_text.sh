#!/usr/bin/env bash
# The tutorial's shape: every lesson tutorial/NN-*.xvm is a golden test (has
# its .out), states at least two exercises ("Exercise N.K:") whose solutions
# tutorial/exercises/NN-K.xvm are golden tests too, and reads at 80 columns.
#
# The 80-column rule, for lessons, solutions and tutorial/README.md: no line
# is longer than 80 columns, except a code line that cannot be broken.  XVM
# reads a line outside any block as one input, so a line of statements at
# the top level that opens no block (a command such as :link, or a row of
# tick operations) must stay whole.  A comment line, a line inside a block
# or a line that opens a block can always be broken, so it must fit.
set -u
cd "$(dirname "$0")/../.." || exit 2
fail=0
bad() { echo "FAIL: $*"; fail=1; }

lessons=(tutorial/[0-9][0-9]-*.xvm)
((${#lessons[@]})) || { echo "FAIL: no lessons in tutorial/"; exit 1; }
for l in "${lessons[@]}"; do
    [[ -f ${l%.xvm}.out ]] || bad "$l has no .out transcript (not a golden test)"
    nn=${l#tutorial/}; nn=${nn%%-*}; n=$((10#$nn))
    count=0
    for e in tutorial/exercises/"$nn"-*.xvm; do
        [[ -f $e ]] || continue
        k=${e##*-}; k=${k%.xvm}
        count=$((count + 1))
        [[ -f ${e%.xvm}.out ]] || bad "$e has no .out transcript"
        grep -q "^// Exercise $n\\.$k:" "$l" ||
            bad "$l does not state exercise $n.$k (// Exercise $n.$k: ...)"
    done
    ((count >= 2)) || bad "$l has $count exercise solution(s) in tutorial/exercises/, needs 2"
done

# width FILE: report lines over 80 columns that the rule above does not allow.
width() {
    awk -v file="$1" -v md="$2" '
    function depth_change(s,   t) {
        t = s
        gsub(/"([^"\\]|\\.)*"/, "", t)       # string literals
        sub(/\/\/.*/, "", t)                # trailing comment
        return gsub(/[{(\[]/, "", t) - gsub(/[})\]]/, "", t)
    }
    {
        line = $0
        if (length(line) > 80) {
            code_ok = !md && depth == 0 && line !~ /^[ \t]*\/\// &&
                      line !~ /[{]/ && line !~ /\/\//
            if (!code_ok)
                printf "FAIL: %s:%d is %d columns (at most 80)\n", file, NR, length(line)
        }
        if (!md && line !~ /^[ \t]*\/\//) depth += depth_change(line)
        if (depth < 0) depth = 0
    }' "$1"
}
for f in tutorial/*.xvm tutorial/exercises/*.xvm tutorial/data/*.xvm; do
    out=$(width "$f" 0)
    [[ -z $out ]] || { echo "$out"; fail=1; }
done
out=$(width tutorial/README.md 1)
[[ -z $out ]] || { echo "$out"; fail=1; }

((fail == 0)) && echo "tutorial: ${#lessons[@]} lessons, each with exercises, all at 80 columns"
exit "$fail"
