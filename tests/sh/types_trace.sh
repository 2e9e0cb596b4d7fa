#!/usr/bin/env bash
# :trace of code that moves declared types across operations (issue 16):
# the executor tags values by representation and the simulation sees each
# frame through its owner's eyes, so a tok kept by a module that does not
# own it (its state slot), computed on inside tm's operations and handed
# back, and a linear block through pool-module's operations and a holder,
# trace with the stacks agreeing at every step (before the fix the first
# gave "DIVERGENCE ... int in fact but tok in the simulation", and an
# owner's arithmetic on a tok "the simulation rejects step").
# And a deep REPL stack of toks runs checked and traced.
# Environment: XVM_BIN (default ./xvm-repl).  Exit 0 pass, 1 fail.
set -u
export LC_ALL=C
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT" || exit 1
sh_tmpdir types-trace

cat >"$tmp/t.xvm" <<'EOS'
:load tests/adversarial/data/types-tok.xvm
:load tests/adversarial/data/types-pool.xvm
.define_interface holdi, { .operation put, (t: tok -> ); .operation get, ( -> t: tok); };
.define_module holder, tmach, { .exports h, holdi; .state s, tok; .define_operation port(h), put, { state_set s; }; .define_operation port(h), get, { state_get s; }; };
.define_machine hmach, tmach, { .instantiate holder, hc; .alias_operation hc, h, put, put; .alias_operation hc, h, get, get; };
:use hmach
:trace push int(5); mk; put; get; val; print;
:trace push int(6); mk; dup; val; swap; put; print;
.define_interface bholder, { .operation bput, (b: block -> ); .operation btake, ( -> b: block); };
.define_module bhold, pool-machine, { .exports h, bholder; .state s, block; .define_operation port(h), bput, { state_get s; free; state_set s; }; .define_operation port(h), btake, { state_get s; push int(2); new; state_set s; }; };
.define_machine bm, pool-machine, { .instantiate bhold, c; .alias_operation c, h, bput, bput; .alias_operation c, h, btake, btake; };
:use bm
:trace push int(3); new; bput; btake; words; swap; free; print;
EOS
"$XVM_BIN" --checked <"$tmp/t.xvm" >"$tmp/t.out" 2>&1
agreed=$(grep -c 'the real and simulated stacks agreed at every step' "$tmp/t.out")
[[ $agreed == 3 ]] || fail "three traces must end with the stacks agreeing, $agreed did"
! grep -qE 'DIVERGENCE|simulation rejects|error:' "$tmp/t.out" || fail "a trace diverged or failed"
for want in 'output: 5' 'output: 6' 'output: 3'; do
    grep -qF "$want" "$tmp/t.out" || fail "no '$want' in the output"
done
# inside tm's operations the tok is the int it is represented by; outside, a tok
grep -qE '^[0-9]+ mk@v1:1 +add \| .*VT <1> s[0-9]+:int' "$tmp/t.out" || fail "mk's add must see ints"
grep -qE '^[0-9]+ get@v1:0 +state_get s \| .*VT <1> s[0-9]+:tok' "$tmp/t.out" || fail "the holder must see a tok"
((failed)) && indent <"$tmp/t.out"

# A deep REPL stack of toks, run on the checked executor and traced: the
# executor is given each item's type id, 16 bits since issue 16 (the
# buffer was sized in bytes, one per item, and overran).
{
    echo ':load tests/adversarial/data/types-tok.xvm'
    echo ':use tmach'
    for ((i = 0; i < 300; i++)); do printf 'push int(%d); mk; ' "$i"; done
    echo
    echo 'push int(7); mk; val; print;'
    echo ':trace push int(8); mk; val; print;'
    for ((i = 0; i < 300; i++)); do printf 'val; pop; '; done
    echo
    echo ':stack'
} >"$tmp/deep.xvm"
"$XVM_BIN" --checked <"$tmp/deep.xvm" >"$tmp/deep.out" 2>&1 || fail "the deep stack run failed"
grep -q '^7$' "$tmp/deep.out" || fail "deep stack: no 7 from the checked run"
grep -q 'output: 8' "$tmp/deep.out" || fail "deep stack: no 8 from the trace"
grep -q '^<0>$' "$tmp/deep.out" || fail "deep stack: the 300 toks were not all read back"
! grep -qE 'DIVERGENCE|simulation rejects|error:' "$tmp/deep.out" || fail "deep stack: an error"
((failed)) && indent <"$tmp/deep.out" | tail -20
exit $failed
