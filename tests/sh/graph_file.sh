#!/usr/bin/env bash
# :graph MACHINE FILE and --quiet (issue 14, item 5).
#  * --quiet leaves the informational messages out, so a script's output
#    piped or redirected is only the DOT (and -q is the same);
#  * FILE.dot / FILE.gv get the DOT text, the same as :graph MACHINE prints;
#  * FILE.svg / .png / .pdf are drawn by Graphviz's dot when it is installed,
#    and without dot on PATH the error says so and no file appears;
#  * a file name that says nothing of its kind, or two files, is an error;
#  * untrusted input cannot write files: refused, nothing written, while the
#    same command as trusted input writes (both principals, and --untrusted);
#    :graph MACHINE alone is still open to untrusted input.
#
# Exit 0 pass, 1 fail.
set -u

# shellcheck source=tests/sh/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
sh_tmpdir graph-file
cd "$tmp" || exit 1

# run [OPTION]... <<< SCRIPT: $out is stdout, $err stderr, $rc the status;
# $XVM_PATH_FOR_RUN, if set, is xvm-repl's PATH.
run() {
    timeout 30 env ${XVM_PATH_FOR_RUN:+PATH="$XVM_PATH_FOR_RUN"} "$XVM_BIN" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}

load=".load_modules parity-machine;
:use parity-machine
:trust trusted
:set fuel 1000000
push int(5); pdouble; print"

# ---- --quiet: only results, program output and DOT on standard output
for opt in --quiet -q; do
    run "$opt" <<<"$load
:graph parity-machine"
    ((rc == 0)) || fail "$opt: exit $rc"
    [[ -z $err ]] || { fail "$opt: unexpected stderr"; indent <<<"$err"; }
    want=$'10\n'$(sed -n '/^digraph/,$p' <<<"$out")
    [[ $out == "$want" ]] || { fail "$opt: stdout is more than the program's output and the DOT:"; indent <<<"$out"; }
    [[ $(sed -n 2p <<<"$out") == 'digraph "parity-machine" {' ]] || fail "$opt: no DOT after the output"
done
run <<<"$load"
grep -q '^loaded unit parity-machine' <<<"$out" || fail "without --quiet the load messages are gone"
grep -q '^using parity-machine' <<<"$out" || fail "without --quiet 'using ...' is gone"
# --quiet keeps errors (on stderr)
run --quiet <<<":graph no-such-machine"
((rc == 1)) || fail "--quiet: an error should still exit 1, not $rc"
grep -q "no machine named 'no-such-machine'" <<<"$err" || fail "--quiet hid an error"
# a DOT made with --quiet is one Graphviz reads
if command -v dot >/dev/null 2>&1; then
    run --quiet <<<".load_modules parity-machine;
:graph parity-machine"
    dot -Tsvg <<<"$out" >/dev/null 2>&1 || fail "dot rejects the output of xvm-repl --quiet"
fi

# ---- FILE.dot, FILE.gv: the DOT text, as :graph prints it
run --quiet <<<".load_modules parity-machine;
:graph parity-machine"
printed=$out
run <<<".load_modules parity-machine;
:graph parity-machine p.dot
:graph parity-machine \"with space.gv\""
((rc == 0)) || { fail ":graph MACHINE FILE.dot exited $rc"; indent <<<"$err"; }
grep -qx "wrote the graph of parity-machine to p.dot" <<<"$out" || fail "no 'wrote ...' message for p.dot"
[[ -f p.dot && $(cat p.dot) == "$printed" ]] || fail "p.dot is not the DOT that :graph prints"
[[ -f "with space.gv" && $(cat "with space.gv") == "$printed" ]] || fail "a quoted file name with a space was not written"
run --quiet <<<".load_modules parity-machine;
:graph parity-machine q.dot"
[[ -z $out ]] || { fail "--quiet: :graph MACHINE FILE printed something"; indent <<<"$out"; }
[[ -f q.dot ]] || fail "--quiet: q.dot not written"

# ---- FILE.svg / .png: drawn by dot; without dot, a clear error
if command -v dot >/dev/null 2>&1; then
    run <<<".load_modules parity-machine;
:graph parity-machine p.svg
:graph parity-machine p.png"
    ((rc == 0)) || { fail ":graph MACHINE FILE.svg exited $rc"; indent <<<"$err"; }
    grep -q '<svg' p.svg 2>/dev/null || fail "p.svg is not an SVG"
    [[ $(head -c 4 p.png 2>/dev/null | tail -c 3) == PNG ]] || fail "p.png is not a PNG"
    run <<<":graph core-machine $tmp/no-such-dir/x.svg"
    ((rc == 1)) || fail "dot failing to write should exit 1, not $rc"
    grep -q "Graphviz's dot could not draw" <<<"$err" || { fail "dot's failure: unexpected message"; indent <<<"$err"; }
    grep -q "^hint: dot said: " <<<"$err" || fail "dot's failure: what dot said is not shown"
else
    echo "note: Graphviz dot not installed; .svg/.png drawing not checked"
fi
mkdir -p "$tmp/empty-path"
XVM_PATH_FOR_RUN=$tmp/empty-path run <<<":graph core-machine none.svg"
((rc == 1)) || fail "without dot, :graph ... FILE.svg should exit 1, not $rc"
grep -q "Graphviz's dot is not installed" <<<"$err" || { fail "without dot: unexpected message"; indent <<<"$err"; }
[[ ! -e none.svg ]] || fail "without dot, none.svg was created"

# ---- wrong arguments
run <<<":graph core-machine notes.txt"
((rc == 1)) && grep -q "cannot tell what to write to 'notes.txt'" <<<"$err" || fail ":graph M notes.txt: no error"
[[ ! -e notes.txt ]] || fail "notes.txt was written"
run <<<":graph core-machine a.dot b.dot"
((rc == 1)) && grep -q "at most one file" <<<"$err" || fail ":graph M a.dot b.dot: no error"
[[ ! -e a.dot && ! -e b.dot ]] || fail ":graph with two files wrote one"
run <<<":graph no-such-machine x.dot"
((rc == 1)) && [[ ! -e x.dot ]] || fail ":graph of an unknown machine into a file: no error, or a file"

# ---- the principals: untrusted input cannot write files
run <<<":trust untrusted
:graph core-machine u.dot
:graph core-machine u.svg
:graph core-machine
:trust trusted
:graph core-machine t.dot"
((rc == 1)) || fail "untrusted :graph M FILE should make the script exit 1, not $rc"
[[ $(grep -c "untrusted input cannot write files" <<<"$err") == 2 ]] || { fail "untrusted :graph M FILE not refused twice"; indent <<<"$err"; }
[[ ! -e u.dot && ! -e u.svg ]] || fail "untrusted input wrote a file"
grep -q '^digraph "core-machine"' <<<"$out" || fail "untrusted :graph M (no file) was refused"
[[ -f t.dot ]] || fail "trusted input could not write t.dot after :trust trusted"
run --untrusted <<<":graph core-machine v.dot"
((rc == 1)) && [[ ! -e v.dot ]] || fail "--untrusted: :graph M FILE was not refused"

if ((failed)); then
    exit 1
fi
echo "graph_file: ok"
exit 0
