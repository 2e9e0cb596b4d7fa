#!/usr/bin/env bash
# The README's first session is a transcript that stays true (issue 14,
# item 11).  The block under "## A first session" is taken apart: each line
# that starts with a prompt (xvm:MACHINE> ) is an input, and everything is
# what `xvm-repl --echo` must print for those inputs, stdout and stderr
# together, from the repository root.  In the README, a line "..." stands
# for any lines (none or more) and "..." inside a line for any text.
# The README's sentence about :facts and Figure 2 is checked the same way.
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
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xvm-readme.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# The first ``` block after the heading.
awk '/^## A first session/ { h = 1; next }
     h && /^```/ { if (in_block) exit; in_block = 1; next }
     in_block { print }' README.md >"$tmp/want"
if [[ ! -s $tmp/want ]]; then
    echo "FAIL: no block under '## A first session' in README.md"
    exit 1
fi
sed -n 's/^xvm:[^ >|]*[>|] //p' "$tmp/want" >"$tmp/input"
(($(wc -l <"$tmp/input") >= 5)) || fail "the README's first session has fewer than 5 inputs"
timeout 60 "$XVM_BIN" --echo <"$tmp/input" >"$tmp/got" 2>&1

python3 - "$tmp/want" "$tmp/got" <<'PY' || failed=1
import re, sys
want = open(sys.argv[1]).read().splitlines()
got = open(sys.argv[2]).read().splitlines()
# "..." alone: any lines; "..." in a line: any text; everything else literal.
parts = []
for line in want:
    if line == "...":
        parts.append(r"(?:[^\n]*\n)*?")
    else:
        parts.append(".*?".join(re.escape(p) for p in line.split("...")) + r"\n")
if not re.fullmatch("".join(parts), "".join(l + "\n" for l in got)):
    # Show where they part: the first wanted line that does not match.
    print("FAIL: the README's first session is not what xvm-repl prints")
    print("  README (... = anything):")
    print("".join("    | " + l + "\n" for l in want), end="")
    print("  xvm-repl --echo:")
    print("".join("    | " + l + "\n" for l in got), end="")
    sys.exit(1)
PY

# "right after loading it :facts shows none ... HAS_PARITY(s0) = EVEN ... ODD"
out=$(timeout 30 "$XVM_BIN" --quiet 2>&1 <<'XVM'
.load_modules parity-machine;
:use parity-machine
:facts
push int(5); pdouble;
:facts
pinc;
:facts
XVM
)
readme=$(tr '\n' ' ' <README.md)
want_facts='simulated stack: <0>
facts: none
simulated stack: <1> s0:int
facts:
  HAS_PARITY(s0) = EVEN
simulated stack: <1> s0:int
facts:
  HAS_PARITY(s0) = ODD'
[[ $out == "$want_facts" ]] || { fail ":facts on Figure 2 is not what the README says:"; sed 's/^/    | /' <<<"$out"; }
for claim in '`:facts` shows none' 'shows `HAS_PARITY(s0) = EVEN`' 'shows `HAS_PARITY(s0) = ODD`'; do
    [[ $readme == *"$claim"* ]] || fail "the README no longer says '$claim' (update this test with it)"
done

((failed)) && exit 1
echo "readme_session: ok"
exit 0
