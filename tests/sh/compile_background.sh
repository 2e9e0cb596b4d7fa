#!/usr/bin/env bash
# The background compile policy (repl/policy.c, issue 11): a helper thread
# compiles while the threaded code runs on, and calls take the native code
# once it is ready.
#   (a) results are the same; right after the first call the procedure is
#       being compiled in the background or is native code already, never
#       waiting for a question; :compile NAME waits for the helper thread
#       instead of compiling twice, and :compile counts the background work;
#   (b) the session may end while compiles are queued: the helper thread is
#       stopped between compiles and the exit status is the script's;
#   (c) --compile takes the stdlib's four names, and nothing else.
# Skipped (77) where the native tier cannot be loaded (no LLVM).
# Environment: XVM_BIN (default ./xvm-repl).  Exit 0 pass, 1 fail.
set -u
export LC_ALL=C
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT" || exit 1
sh_tmpdir compile-background

probe=$(printf '.define_procedure one, (-> x: int), { push int(1); };\n:compile one\n' | "$XVM_BIN" --quiet 2>&1)
if ! grep -q '^compiled one@v1 to native code$' <<<"$probe"; then
    echo "no native tier here: $(head -n 1 <<<"$probe")"
    exit 77
fi

fib='.define_procedure fib, (n: int -> r: int), {
  dup; push int(2); lt; if { return; };
  dup; push int(1); sub; call fib;
  swap; push int(2); sub; call fib;
  add;
};'

# (a)
printf '%s\npush int(20); call fib; print;\n:show fib\npush int(20); call fib; print;\n:compile fib\n:show fib\npush int(25); call fib; print;\n:compile\n' \
    "$fib" >"$tmp/a.xvm"
"$XVM_BIN" --quiet --compile=background "$tmp/a.xvm" >"$tmp/a.out" 2>&1 || fail "(a) exit status $?"
[[ $(grep -c '^6765$' "$tmp/a.out") == 2 ]] || fail "(a) fib(20) is not 6765 twice"
grep -q '^75025$' "$tmp/a.out" || fail "(a) fib(25) is not 75025"
first=$(grep -m1 '^// fib@v1 ' "$tmp/a.out")
case $first in
    "// fib@v1 runs threaded code; native code is being compiled in the background" | "// fib@v1 runs native code") ;;
    *) fail "(a) after the first call: '$first'" ;;
esac
grep -Eq '^fib@v1 is native code( already| \(compiled in the background\))$' "$tmp/a.out" ||
    fail "(a) :compile fib did not find the background's native code"
[[ $(grep '^// fib@v1 ' "$tmp/a.out" | tail -n 1) == "// fib@v1 runs native code" ]] || fail "(a) fib is not native code at the end"
grep -Eq '^compile policy background: asked 1 time, 1 compiled \(1 of them given to the background\), 0 failed$' "$tmp/a.out" ||
    fail "(a) :compile's report: $(grep '^compile policy' "$tmp/a.out")"
((failed)) && indent <"$tmp/a.out"

# (b)
{
    for i in $(seq 1 30); do
        echo ".define_procedure p$i, (x: int -> y: int), { push int($i); add; push int(2); mul; };"
        echo "push int(1); call p$i; pop;"
    done
    echo ':quit 3'
} >"$tmp/b.xvm"
"$XVM_BIN" --quiet --compile=background "$tmp/b.xvm" >"$tmp/b.out" 2>&1
rc=$?
[[ $rc == 3 ]] || { fail "(b) exit status $rc, not 3"; indent <"$tmp/b.out"; }

# (c)
"$XVM_BIN" --compile=sometimes </dev/null >"$tmp/c.out" 2>&1
rc=$?
[[ $rc == 2 ]] || fail "(c) --compile=sometimes: exit status $rc, not 2"
grep -q "xvm-repl: --compile takes eager, after-n, never or background, not 'sometimes'" "$tmp/c.out" ||
    { fail "(c) the message"; indent <"$tmp/c.out"; }
for p in eager after-n never background; do
    out=$(printf ':set\n' | "$XVM_BIN" --compile=$p 2>&1 | grep '^compile ')
    [[ $out == "compile        $p "* ]] || fail "(c) --compile=$p: :set shows '$out'"
done
exit $failed
