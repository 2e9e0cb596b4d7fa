#!/usr/bin/env bash
# The native tier against the threaded one: tests/sh/native/traps.xvm (fuel
# running out in a loop and in a recursion, div by zero, a load out of
# bounds, the call-depth limit with its notes) prints the same transcript
# when every procedure is compiled on its first call (XVM_NATIVE_EAGER=1),
# and the procedures were compiled (XVM_NATIVE_TIME names each).
# Exit status: 0 pass, 1 fail, 77 skip (LLVM 14 not loadable).
here=$(cd "$(dirname "$0")" && pwd)
xvm=$here/../../xvm-repl
src=$here/native/traps.xvm
ls /usr/lib/*/libLLVM-14.so.1 >/dev/null 2>&1 || { echo "SKIP: libLLVM-14.so.1 not installed"; exit 77; }
threaded=$("$xvm" "$src" 2>&1)
native=$(XVM_NATIVE_EAGER=1 "$xvm" "$src" 2>&1)
compiled=$(XVM_NATIVE_EAGER=1 XVM_NATIVE_TIME=1 "$xvm" "$src" 2>&1 >/dev/null | grep -c '^native: ')
[ "$threaded" = "$native" ] || { echo "FAIL: native transcript differs"; diff <(echo "$threaded") <(echo "$native"); exit 1; }
[ "$compiled" -eq 4 ] || { echo "FAIL: $compiled procedures compiled, expected 4"; exit 1; }
b=$here/native/bytes.xvm
[ "$("$xvm" "$b" 2>&1)" = "$(XVM_NATIVE_EAGER=1 "$xvm" "$b" 2>&1)" ] || { echo "FAIL: bytes.xvm: native transcript differs"; exit 1; }
compiled=$(XVM_NATIVE_EAGER=1 XVM_NATIVE_TIME=1 "$xvm" "$b" 2>&1 >/dev/null | grep -c '^native: ')
[ "$compiled" -eq 3 ] || { echo "FAIL: bytes.xvm: $compiled procedures compiled, expected 3"; exit 1; }
echo "native_tiers: ok"
