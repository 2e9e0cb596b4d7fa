#!/usr/bin/env bash
# Redefining a declared type is all or nothing (issue 16):
#   (a) making block linear breaks a procedure that copies one: the
#       redefinition is refused, block stays not linear (:show), the
#       procedure still runs and copies, the interface and module keep
#       their versions;
#   (b) the same redefinition once the procedure is gone is taken, and
#       then the copy is refused;
#   (c) a redefinition that changes the representation gives block a new
#       id: a block made before is block@v1 on the simulated REPL stack,
#       the new operations refuse it, and the stack keeps its value.
# The adversarial cases 286-289 check the first error of each; this test
# checks what is left after it.
# Environment: XVM_BIN (default ./xvm-repl).  Exit 0 pass, 1 fail.
set -u
export LC_ALL=C
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT" || exit 1
sh_tmpdir types-redefine

IFACE='.define_interface pool, { .operation new, (n: int -> b: block); .operation free, (b: block -> ); .operation words, (b: block -> b: block, n: int); };'
LINEAR="$IFACE .define_module pool-module, core-machine, { .define_type block, ref, linear; .exports p, pool; .define_operation port(p), new, { alloc; }; .define_operation port(p), free, { pop; }; .define_operation port(p), words, { dup; size; }; };"
INTREPR="$IFACE .define_module pool-module, core-machine, { .define_type block, int; .exports p, pool; .define_operation port(p), new, { }; .define_operation port(p), free, { pop; }; .define_operation port(p), words, { dup; }; };"

# run NAME: feed $tmp/NAME.xvm, output in $tmp/NAME.out
run() { "$XVM_BIN" --codes <"$tmp/$1.xvm" >"$tmp/$1.out" 2>&1; }
# want NAME TEXT WHY: the output holds TEXT (a fixed string)
want() { grep -qF -- "$2" "$tmp/$1.out" || { fail "$1: $3 (no '$2' in the output)"; indent <"$tmp/$1.out"; }; }
# refuse NAME TEXT WHY: the output does not hold TEXT
refuse() { ! grep -qF -- "$2" "$tmp/$1.out" || { fail "$1: $3 ('$2' in the output)"; indent <"$tmp/$1.out"; }; }

cat >"$tmp/a.xvm" <<EOS
:load tests/adversarial/data/types-pool-plain.xvm
:use pool-machine
.define_procedure keep2, (b: block -> b: block, c: block), { dup; };
$LINEAR
:show block
push int(3); new; call keep2; words; print; free; words; print; free;
:show pool
EOS
run a
want a "redefining 'block' breaks procedure 'keep2'" "the linear redefinition must be refused"
want a ".define_type block, ref;" "block must stay as it was"
refuse a "linear, owned by pool-module" "block must not become linear"
refuse a "redefined" "nothing may be redefined"
want a "// interface pool@v1" "the interface keeps its version"
[[ $(grep -c '^3$' "$tmp/a.out") == 2 ]] || { fail "a: keep2 must still copy the block (two 3s)"; indent <"$tmp/a.out"; }
[[ $(grep -c 'error:' "$tmp/a.out") == 1 ]] || { fail "a: only the redefinition may fail"; indent <"$tmp/a.out"; }

cat >"$tmp/b.xvm" <<EOS
:load tests/adversarial/data/types-pool-plain.xvm
:use pool-machine
$LINEAR
:show block
push int(3); new; dup;
EOS
run b
want b "redefined type block@v2 represented as ref, linear" "with no dependant in the way block becomes linear"
want b "linear value s0:block is copied by 'dup'" "a linear block cannot be copied"

cat >"$tmp/c.xvm" <<EOS
:load tests/adversarial/data/types-pool.xvm
:use pool-machine
push int(3); new;
$INTREPR
:stack
free;
push int(4); new; words; print; free;
:stack
:facts
EOS
run c
want c "redefined type block@v2 represented as int" "the representation changes"
want c "simulated stack: <1> s0:block@v1" "the old block keeps its old id"
want c "found (block@v1)" "the new free refuses the old block"
want c "4" "a new block is an int"
[[ $(grep -c '^<1> <ref 3 words>$' "$tmp/c.out") == 2 ]] || { fail "c: the old block stays on the stack"; indent <"$tmp/c.out"; }

exit $failed
