#!/usr/bin/env bash
# A run that stops early puts the REPL stack back as it was, but not a
# linear value the run may have consumed (issue 16): otherwise untrusted
# code could free a block, trap (or :abandon, or run out of steps) and get
# the block back to free again.  Each case runs on the fast executor and on
# the checked one, with trusted and with untrusted input at the prompt:
#   (a) free; then a division by zero: the block is not put back, a second
#       free finds nothing, and the pool counted one free;
#   (b) the same with :step and :abandon, and with a :trace cut short by
#       the trace limit;
#   (c) a trap in code that pops only what is above the block (the code's
#       shallowest stack is above it) leaves the block, and the ints, where
#       they were;
#   (d) ints the run popped are put back; a block the run only moved is
#       left out all the same (the verifier's bound is by depth);
#   (e) a linear state slot the run may have taken from (a trap, or
#       :abandon, between state_get and state_set) starts again from empty
#       rather than handing out what was freed.
# Environment: XVM_BIN (default ./xvm-repl).  Exit 0 pass, 1 fail.
set -u
export LC_ALL=C
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT" || exit 1
sh_tmpdir types-trap

setup=':trust trusted
:load tests/adversarial/data/types-counting-pool.xvm
:use cm'

# check NAME BODY EXPECT...: run setup, $extra (trusted too) and BODY four
# ways; each EXPECT is an extended regex the output must match
check() {
    local name=$1 body=$2
    shift 2
    printf '%s\n%s%s\n' "$setup" "${extra:-}" "$body" >"$tmp/$name.xvm"
    local how
    printf '%s\n%s:trust untrusted\n%s\n' "$setup" "${extra:-}" "$body" >"$tmp/$name-u.xvm"
    for how in "" "--checked" "-u" "-u --checked"; do
        local in=$tmp/$name.xvm
        [[ $how == -u* ]] && in=$tmp/$name-u.xvm
        # shellcheck disable=SC2086  # the options split on purpose
        "$XVM_BIN" --codes ${how#-u} <"$in" >"$tmp/$name.out" 2>&1
        local want
        for want in "$@"; do
            grep -qE -- "$want" "$tmp/$name.out" || {
                fail "$name ($how): no /$want/ in the output"
                indent <"$tmp/$name.out" | tail -12
            }
        done
    done
}

check trap 'push int(2); new;
free; push int(1); push int(0); div;
:stack
free;
frees; print;' \
    'the stack is put back without the linear value s0:block: the run may have consumed it before it stopped' \
    '^<0>$' "error: stack underflow: 'free' needs 1 item \(block\), the stack has 0" '^1$'

check abandon 'push int(2); new;
:step free; push int(1); print;
:step
:step
:step
:step
:step
:abandon
:stack
free;
frees; print;' \
    'abandoned after 6 steps; the stack is as it was before the run; but the stack is put back without the linear value s0:block' \
    '^<0>$' "error: stack underflow: 'free' needs 1 item" '^1$'

check trace_limit 'push int(2); new;
:set trace-limit 6
:trace free; push int(1); print;
:stack
free;
frees; print;' \
    'trace stopped after [0-9]+ steps' 'the stack is put back without the linear value s0:block' \
    '^<0>$' "error: stack underflow: 'free' needs 1 item" '^1$'

check above 'push int(2); new; push int(5); push int(6);
pop; push int(1); push int(0); div;
:stack
pop; pop; free;
frees; print;' \
    'trap: division by zero' '^<3> <ref 2 words> 5 6$' '^1$'
! grep -q 'put back without' "$tmp/above.out" || fail "above: the block under the run's reach was left out"

check moved 'push int(2); new; push int(5);
swap; swap; push int(1); push int(0); div;
:stack
print;' \
    'the stack is put back without the linear value s0:block' '^<1> 5$' '^5$'

# (e) a module's linear slot: put frees the block it holds and stores the
#     one it is given, unless it traps between the two; the trap must not
#     leave the freed block in the slot for take to hand out again
holder='.define_interface holder, { .operation put, (b: block, d: int -> ); .operation take, ( -> b: block); };
.define_module hold, cm, { .exports h, holder; .state slot, block; .define_operation port(h), put, { state_get slot; free; push int(1); swap; div; pop; state_set slot; }; .define_operation port(h), take, { push int(1); new; state_get slot; swap; state_set slot; }; };
.define_machine hm, cm, { .instantiate hold, c; .alias_operation c, h, put, put; .alias_operation c, h, take, take; .access untrusted; };
:use hm
'
extra=$holder check slot '
push int(3); new; push int(1); put;
push int(5); new; push int(0); put;
take; words; print; free;' \
    "linear state slot 'slot' of c starts again from empty: the run may have consumed it before it stopped" \
    '^0$'
! grep -qE '^3$' "$tmp/slot.out" || fail "slot: take handed out the block put had freed"

extra=$holder check slot_step '
push int(3); new; push int(1); put;
:step push int(5); new; push int(1); put;
:step
:step
:step
:step
:step
:step
:abandon
take; words; print; free;' \
    "linear state slot 'slot' of c starts again from empty" '^0$'
! grep -qE '^3$' "$tmp/slot_step.out" || fail "slot_step: take handed out the block put had freed"

exit $failed
