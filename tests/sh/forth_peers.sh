#!/usr/bin/env bash
# forth_peers: xvm-repl FILE.fs runs each of the five peer Forth programs in
# ../shared/bench/peers/ unmodified and prints exactly the line the peer
# expects (the "expected output:" of its first line; gforth's output too,
# when gforth is installed).
set -u
peers=$(cd "$(dirname "$0")/../.." && pwd)/../shared/bench/peers
if [[ ! -d $peers ]]; then
    echo "SKIP: no $peers"
    exit 77
fi
fail=0
for p in fib loop collatz sieve alloc; do
    fs=$peers/$p.fs
    [[ -f $fs ]] || { echo "SKIP: no $fs"; continue; }
    expected=$(head -1 "$fs" | sed -n 's/.*expected output: //p')
    actual=$("$XVM_BIN" "$fs" 2>&1)
    if [[ $actual != "$expected" ]]; then
        echo "FAIL $p: expected '$expected', got '$actual'"
        fail=1
    elif command -v gforth >/dev/null && [[ $actual != "$(gforth "$fs" 2>&1)" ]]; then
        echo "FAIL $p: output differs from gforth's byte for byte"
        fail=1
    else
        echo "ok $p: $actual"
    fi
done
exit $fail
