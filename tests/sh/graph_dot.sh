#!/usr/bin/env bash
# :graph MACHINE prints Graphviz DOT.  Load Figure 1, graph
# extended-machine and check the text: one cluster per component, a box per
# port, the link core-wrappers-instance.binary-add-port ->
# ternary-add-instance.binary-op-port, the alias tadd, every edge between
# declared nodes, balanced braces.  If Graphviz's `dot` is installed, the
# graph must also render with `dot -Tsvg`; without it, the text checks
# still run (and pass or fail on their own).
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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xvm-graph.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
indent() { sed 's/^/    /'; }

# graph INPUT: run xvm-repl on INPUT; $out is everything it printed, $rc
# its exit status, $dot the lines from "digraph" to the closing "}".
graph() {
    out=$(timeout 30 "$XVM_BIN" <<<"$1" 2>&1)
    rc=$?
    dot=$(sed -n '/^digraph /,/^}$/p' <<<"$out")
}

# check_dot NAME: structural checks of $dot that need no Graphviz.
check_dot() {
    local name=$1 problems
    [[ $(head -n 1 <<<"$dot") == "digraph \"$name\" {" ]] || fail "$name: the DOT does not start with 'digraph \"$name\" {'"
    [[ $(tail -n 1 <<<"$dot") == "}" ]] || fail "$name: the DOT does not end with '}'"
    problems=$(awk '
        { line = $0
          # drop quoted strings so that braces and arrows in labels do not count
          gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
          depth += gsub(/\{/, "{", line) - gsub(/\}/, "}", line)
          if (depth < 0) { print "a } closes nothing at line " NR; depth = 0 } }
        /^ *"[^"]*" *\[/ { match($0, /"[^"]*"/); declared[substr($0, RSTART, RLENGTH)] = 1 }
        line ~ / -> / { n = split($0, parts, / -> /)
                 match(parts[1], /"[^"]*"/); from[NR] = substr(parts[1], RSTART, RLENGTH)
                 match(parts[2], /"[^"]*"/); to[NR] = substr(parts[2], RSTART, RLENGTH) }
        END { if (depth != 0) print "unbalanced braces (depth " depth " at the end)"
              for (l in from) {
                  if (!(from[l] in declared)) print "edge at line " l " starts at undeclared node " from[l]
                  if (!(to[l] in declared)) print "edge at line " l " ends at undeclared node " to[l] } }
    ' <<<"$dot")
    [[ -z $problems ]] || { fail "$name: malformed DOT:"; indent <<<"$problems"; }
}

# has NAME TEXT: the DOT of NAME contains the line TEXT (whitespace trimmed).
has() {
    grep -qxF -- "$2" < <(sed 's/^ *//; s/ *$//' <<<"$dot") || fail "$1: no line '$2' in the DOT"
}

# ---- Figure 1
graph "$(cat tests/paper/figure1.xvm)
:graph extended-machine"
if ((rc != 0)); then
    fail "loading Figure 1 and :graph extended-machine exited $rc"
fi
if [[ -z $dot ]]; then
    fail "no DOT graph in the output of :graph extended-machine"
    indent <<<"$out"
    exit 1
fi
check_dot extended-machine
# the two components, as clusters labelled COMPONENT : MODULE
has extended-machine 'subgraph "cluster_ternary-add-instance" {'
has extended-machine 'label="ternary-add-instance : do-as-ternary-module";'
has extended-machine 'subgraph "cluster_core-wrappers-instance" {'
has extended-machine 'label="core-wrappers-instance : core-wrappers-module";'
# their ports; an import is dashed
grep -q '^ *"ternary-add-instance.ternary-op-port" \[.*shape=box' <<<"$dot" || fail "no box for ternary-add-instance.ternary-op-port"
grep -q '^ *"ternary-add-instance.binary-op-port" \[.*style=dashed' <<<"$dot" || fail "the imported port binary-op-port is not dashed"
grep -q '^ *"core-wrappers-instance.binary-add-port" \[' <<<"$dot" || fail "no node for core-wrappers-instance.binary-add-port"
# the link, provider -> consumer, labelled with its interface
has extended-machine '"core-wrappers-instance.binary-add-port" -> "ternary-add-instance.binary-op-port" [label="binary-int-op"];'
[[ $(grep -c -- ' -> "ternary-add-instance.binary-op-port"' <<<"$dot") == 1 ]] || fail "binary-op-port should have exactly one provider edge"
# the alias tadd points at the port its operation comes from
# labelled with its name and effect
grep -qF '"op:tadd" [label="tadd\n(a: int, b: int, c: int -> r: int)"' <<<"$dot" || fail "no node for the alias tadd, with its effect"
grep -q '^ *"op:tadd" -> "ternary-add-instance.ternary-op-port"' <<<"$dot" || fail "the alias tadd does not point at ternary-op-port"
figure1_dot=$dot

# ---- a machine with no components, and a machine that does not exist
graph ":graph core-machine"
((rc == 0)) || fail ":graph core-machine exited $rc"
check_dot core-machine
graph ":graph no-such-machine"
((rc == 1)) || fail ":graph no-such-machine should exit 1, not $rc"
grep -q "no machine named 'no-such-machine'" <<<"$out" || { fail ":graph of an unknown machine: unexpected message"; indent <<<"$out"; }
[[ -z $dot ]] || fail ":graph of an unknown machine printed a graph"

# ---- render with Graphviz when it is there
if command -v dot >/dev/null 2>&1; then
    if ! dot -Tsvg <<<"$figure1_dot" >"$tmp/fig1.svg" 2>"$tmp/dot.err"; then
        fail "dot -Tsvg rejected the DOT of extended-machine:"
        sed 's/^/    /' "$tmp/dot.err"
    else
        grep -q '<svg' "$tmp/fig1.svg" || fail "dot -Tsvg produced no <svg>"
        # SVG text escapes '-' as &#45; and '>' as &gt;
        sed 's/&#45;/-/g; s/&gt;/>/g' "$tmp/fig1.svg" >"$tmp/fig1.txt"
        for word in "ternary-add-instance : do-as-ternary-module" "core-wrappers-instance : core-wrappers-module" \
                    ">tadd<" "binary-op-port" "binary-add-port" \
                    "core-wrappers-instance.binary-add-port->ternary-add-instance.binary-op-port"; do
            grep -qF -- "$word" "$tmp/fig1.txt" || fail "the SVG does not show '$word'"
        done
    fi
    if [[ -s $tmp/dot.err ]] && ((!failed)); then
        echo "dot -Tsvg warned:"
        sed 's/^/    /' "$tmp/dot.err"
    fi
else
    echo "note: Graphviz dot not installed; checked the DOT text only"
fi

if ((failed)); then
    echo "the DOT of extended-machine was:"
    indent <<<"$figure1_dot"
    exit 1
fi
echo "graph_dot: ok"
exit 0
