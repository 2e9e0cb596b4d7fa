#!/usr/bin/env bash
# :save FILE then replay in a fresh process (issue 15, session save):
#  * a session with figure 1 (:load), figure 2 (:module + :load, replacing a
#    stdlib module's operation), redefinitions (a module redefined after the
#    machine that instantiates it, to use an interface defined after both),
#    a :link, procedures over machines, procedures that call each other,
#    top-level lattices and keys, declared types (a module's in one file,
#    a session's, and one a module takes over from the session), and
#    definitions written by untrusted input
#    is saved; `xvm-repl FILE` replays it without an error;
#  * `:show NAME` of every name in :machines, :modules, :interfaces,
#    :procedures and of the lattices and keys is the same in both sessions
#    (versions aside: the replay builds each definition once), and so are
#    :deps of the procedures, the principal and the machine in use, and the
#    lists as sets (stdlib units are loaded first, so the order may differ);
#  * principals come back: the replayed untrusted procedure may be replaced
#    by untrusted input, the trusted one may not;
#  * untrusted input cannot :save (refused, no file written), under
#    :trust untrusted and --untrusted alike; trusted input can.
#
# Exit 0 pass, 1 fail.
set -u

# shellcheck source=tests/sh/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
sh_tmpdir save
cd "$tmp" || exit 1
norm() { sed -E 's/@v[0-9]+/@vN/g'; }

cat >session.xvm <<EOF
:load $ROOT/tests/paper/figure1.xvm
.load_modules parity-machine;
:module parity-module
:load $ROOT/tests/paper/figure2.xvm
.define_operation port(parity_ops), pdouble, { dup; add; };
:module
:use extended-machine
:link (core-wrappers-instance, binary-mul-port), (ternary-add-instance, binary-op-port)
.define_procedure t3, (a: int, b: int, c: int -> r: int), { tadd; };
:use core
.define_lattice SIGN, { NEG < ANY; ZERO < ANY; POS < ANY; };
.define_key IS_SIGN, SIGN, 1;
:load $ROOT/tutorial/data/13-pool.xvm
.define_type meters, int;
.define_procedure to-m, (n: int -> m: meters), { };
.define_type tok, int, linear;
.define_interface tokens, { .operation mint, ( -> t: tok); .operation burn, (t: tok -> ); };
.define_module tok-module, core-machine, { .define_type tok, int, linear; .exports p, tokens; .define_operation port(p), mint, { push int(1); }; .define_operation port(p), burn, { pop; }; };
.define_interface inc-op, { .operation inc, (x: int -> y: int); };
.define_module inc-module, core-machine, { .exports p, inc-op; .define_operation port(p), inc, { push int(1); add; }; };
.define_machine inc-machine, core-machine, { .instantiate inc-module, m; .alias_operation m, p, inc, inc; };
.define_interface dec-op, { .operation dec, (x: int -> y: int); };
.define_module inc-module, core-machine, { .exports p, inc-op; .exports q, dec-op; .define_operation port(p), inc, { push int(2); add; }; .define_operation port(q), dec, { push int(1); sub; }; };
:use inc-machine
.define_procedure i2, (x: int -> y: int), { inc; inc; };
:use core
.define_procedure ev, (x: int -> y: int), { push int(1); sub; call od; }; .define_procedure od, (x: int -> y: int), { push int(2); sub; call ev; };
.define_procedure sq, (x: int -> y: int), { dup; mul; };
.define_procedure sq, (x: int -> y: int), { dup; add; };
.define_machine open, core-machine, { .access untrusted; };
:trust untrusted
:use open
.define_interface uop, { .operation twice, (x: int -> y: int); };
.define_module umod, open, { .exports p, uop; .define_operation port(p), twice, { dup; add; }; };
.define_machine umach, open, { .instantiate umod, u; .alias_operation u, p, twice, twice; };
.define_procedure u1, (x: int -> y: int), { push int(7); add; };
.define_lattice ULAT, { LO < HI; };
.define_key U_KEY, ULAT, 1;
:trust trusted
:use parity-machine
EOF

timeout 60 "$XVM_BIN" -q session.xvm - >list.out 2>list.err <<'EOF'
:save saved.xvm
:machines
:modules
:interfaces
:procedures
EOF
rc=$?
[[ $rc == 0 && ! -s list.err ]] || { fail "the session failed (exit $rc)"; indent <list.err; }
[[ -s saved.xvm ]] || { fail ":save wrote no file"; exit 1; }
grep -q '^:trust untrusted$' saved.xvm || fail "the saved script does not switch to untrusted input"
grep -q '^\.load_modules parity-machine;$' saved.xvm || fail "the stdlib unit is not loaded by name"

# Every name the lists give, and the lattices and keys.
names=$(sed -n 's/^[* ] *//; /^core-machine/d; s/@v[0-9]*$//p' list.out | sed '/ /d')
names="$names SIGN IS_SIGN ULAT U_KEY PARITY HAS_PARITY block meters tok"
for want in extended-machine parity-machine inc-machine umach parity-module inc-module umod inc-op dec-op uop \
            t3 i2 ev od sq u1 pool pool-module tokens tok-module to-m; do
    grep -qx -- "$want" <<<"${names// /$'\n'}" || fail "'$want' is missing from the lists"
done
queries=$(for n in $names; do echo ":show $n"; done
          for n in t3 i2 ev od sq u1; do echo ":deps $n"; done
          echo ":trust")
lists=$':machines\n:modules\n:interfaces\n:procedures'
timeout 60 "$XVM_BIN" -q session.xvm - <<<"$queries" >before.out 2>before.err
timeout 60 "$XVM_BIN" -q saved.xvm - <<<"$queries" >after.out 2>after.err
rc=$?
[[ $rc == 0 && ! -s after.err ]] || { fail "the replay failed (exit $rc)"; indent <after.err; }
timeout 60 "$XVM_BIN" -q session.xvm - <<<"$lists" | norm | sort >before.lists
timeout 60 "$XVM_BIN" -q saved.xvm - <<<"$lists" | norm | sort >after.lists
diff before.lists after.lists >diff.out || { fail "the lists differ after the replay"; indent <diff.out; }
grep -qx '\* parity-machine@vN' after.lists || fail "the machine in use did not come back"
if ! diff <(norm <before.out) <(norm <after.out) >diff.out; then
    fail ":show differs after the replay"
    indent <diff.out
fi
[[ -s before.out ]] && grep -q 'define_module parity-module' before.out || fail "no :show output to compare"
grep -q 'dup;$' <(sed -n '/define_operation port(parity_ops), pdouble/,/};/p' after.out) ||
    fail "the replay lost the pdouble that replaced the stdlib's"

# Principals: untrusted input may replace the untrusted procedure, not sq.
timeout 60 "$XVM_BIN" saved.xvm - >p.out 2>p.err <<'EOF'
:trust untrusted
:use open
.define_procedure u1, (x: int -> y: int), { push int(8); add; };
.define_procedure sq, (x: int -> y: int), { dup; };
EOF
grep -q 'redefined procedure u1@v2' p.out || { fail "untrusted input cannot replace the replayed untrusted u1"; indent <p.err; }
grep -q "sq" p.err || fail "untrusted input replaced the replayed trusted sq"

# Untrusted input cannot :save; trusted input can.
for how in "--untrusted" ""; do
    rm -f u.xvm
    if [[ $how ]]; then script=':save u.xvm'; else script=$':trust untrusted\n:save u.xvm'; fi
    timeout 30 "$XVM_BIN" $how <<<"$script" >u.out 2>u.err
    grep -q "untrusted input cannot write files: :save would write 'u.xvm'" u.err ||
        { fail "untrusted :save ($how) not refused"; indent <u.err; }
    [[ -e u.xvm ]] && fail "untrusted :save ($how) wrote the file"
done
timeout 30 "$XVM_BIN" --untrusted <<<$':trust trusted\n:save "t t.xvm"' >t.out 2>t.err
[[ -s "t t.xvm" && ! -s t.err ]] || { fail "trusted :save to a quoted name wrote nothing"; indent <t.err; }

exit $failed
