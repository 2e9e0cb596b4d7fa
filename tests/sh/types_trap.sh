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
#       left out all the same (the verifier's bound is by depth).
# Environment: XVM_BIN (default ./xvm-repl).  Exit 0 pass, 1 fail.
set -u
export LC_ALL=C
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT" || exit 1
sh_tmpdir types-trap

setup=':trust trusted
:load tests/adversarial/data/types-counting-pool.xvm
:use cm'

# check NAME BODY EXPECT...: run setup + BODY four ways; each EXPECT is an
# extended regex the output must match
check() {
    local name=$1 body=$2
    shift 2
    printf '%s\n%s\n' "$setup" "$body" >"$tmp/$name.xvm"
    local how
    printf '%s\n:trust untrusted\n%s\n' "$setup" "$body" >"$tmp/$name-u.xvm"
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
    'the stack is put back without the linear value s0:block: the run may have consumed it' \
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
    'abandoned after 6 steps; the stack is as it was before the run; linear value s0:block left out' \
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

exit $failed
