#!/usr/bin/env bash
# The native tier against the threaded one: each file of tests/sh/native
# prints the same transcript under --compile=eager (every procedure native
# on its first call) as under --compile=never, and under eager every
# procedure was compiled (:compile's report).
#   traps.xvm  fuel running out in a loop and in a recursion, div by zero, a
#              load out of bounds, the call-depth limit with its notes;
#   deep.xvm   recursion deeper than the C stack holds (900,000 calls): the
#              calls past it run threaded, so it ends as in the threaded tier;
#   bytes.xvm  load8 and store8: values, neighbours, and their traps;
#   resume.xvm under after-n against never: a call compiled while it loops
#              goes on in native code from its loop head, fuel exact.
# And a procedure over the native tier's size limit is refused with its
# reason by :compile, runs threaded, and a smaller one still compiles.
# Exit status: 0 pass, 1 fail, 77 skip (LLVM 14 not loadable).
here=$(cd "$(dirname "$0")" && pwd)
xvm=$here/../../xvm-repl
ls /usr/lib/*/libLLVM-14.so.1 >/dev/null 2>&1 || { echo "SKIP: libLLVM-14.so.1 not installed"; exit 77; }
check() { # check FILE PROCEDURES
    local src=$here/native/$1 threaded native report
    threaded=$("$xvm" --compile=never "$src" 2>&1; echo "[exit $?]")
    native=$("$xvm" --compile=eager "$src" 2>&1; echo "[exit $?]")
    [ "$threaded" = "$native" ] || { echo "FAIL: $1: native transcript differs"; diff <(echo "$threaded") <(echo "$native"); exit 1; }
    report=$( (cat "$src"; echo ":compile") | "$xvm" --compile=eager 2>&1 | grep '^compile policy')
    grep -q " $2 compiled " <<<"$report" || { echo "FAIL: $1: expected $2 compiled: $report"; exit 1; }
}
check traps.xvm 4
check deep.xvm 1
check bytes.xvm 3
# resume.xvm: calls that become native in the middle of their loops (after-n)
tier_free() { grep -v '^// [^ ]*@v[0-9]* runs '; }
r_never=$("$xvm" --compile=never "$here/native/resume.xvm" 2>&1 | tier_free)
r_after=$("$xvm" --compile=after-n "$here/native/resume.xvm" 2>&1 | tier_free)
[ "$r_never" = "$r_after" ] || { echo "FAIL: resume.xvm: native transcript differs"; diff <(echo "$r_never") <(echo "$r_after"); exit 1; }
grep -q '^500500$' <<<"$r_after" || { echo "FAIL: resume.xvm: $r_after"; exit 1; }
"$xvm" "$here/native/resume.xvm" 2>&1 | grep -q '^// tri@v1 runs native code' || { echo "FAIL: resume.xvm: tri was not compiled in its first call"; exit 1; }
big_body() { local i; for ((i = 0; i < $1; i++)); do printf 'push int(1); add; '; done; }
too_big=$(printf '.define_procedure big, (n: int -> r: int), { %s};\n.define_procedure small, (n: int -> r: int), { %s};\n:compile big\n:compile small\npush int(0); call big; print;\n' \
    "$(big_body 2001)" "$(big_body 1999)" | "$xvm" 2>&1)
grep -q "native: 'big' has 4002 instructions, the native tier takes at most 4000" <<<"$too_big" ||
    { echo "FAIL: a body over the size limit: $too_big"; exit 1; }
grep -q "^2001$" <<<"$too_big" || { echo "FAIL: the large procedure did not run threaded: $too_big"; exit 1; }
grep -q "small.*compiled\|compiled.*small" <<<"$too_big" || { echo "FAIL: the smaller procedure was not compiled: $too_big"; exit 1; }
echo "native_tiers: ok"
