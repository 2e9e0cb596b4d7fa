#!/usr/bin/env bash
# forth_reload: :reload takes a changed Forth file again (docs/forth.md):
#  * a word whose body changed is redefined, and the words that call it,
#    from the file or from XVM code, run the new one;
#  * a CONSTANT whose value changed gives XVM code its new value;
#  * a changed file with an error installs nothing: the words keep the
#    versions they had, and the error points at the Forth line.
# The file changes while one xvm-repl runs: a coprocess, with a marker
# line read back before each change.
#
# Exit 0 pass, 1 fail.
set -u

# shellcheck source=tests/sh/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
sh_tmpdir forth-reload
lib=$tmp/lib.fs
cat >"$lib" <<'EOF'
: sq ( n -- n*n ) dup * ;
: quad ( n -- n^4 ) sq sq ;
10 constant ten
EOF

coproc XVM { "$XVM_BIN" 2>&1; }
xvm_pid=$XVM_PID # bash unsets XVM_PID when the coprocess ends
out=$tmp/out
# say LINE...: send lines, then a marker, and copy what comes back up to it.
n=0
say() {
    n=$((n + 1))
    printf '%s\n' "$@" "push int($((900000 + n))); dot; push int(10); emit;" >&"${XVM[1]}"
    local line
    while IFS= read -r -t 20 line <&"${XVM[0]}"; do
        [[ $line == "$((900000 + n)) " ]] && return 0
        printf '%s\n' "$line" >>"$out"
    done
    fail "no marker $n from xvm-repl"
    return 1
}

say ":load $lib" "push int(3); call quad; call ten; add; dot; push int(10); emit;"
# 3^4 + 10
grep -qx '91 ' "$out" || fail "after :load: no 91"

cat >"$lib" <<'EOF'
: sq ( n -- n+1 ) 1+ ;
: quad ( n -- n^4 ) sq sq ;
20 constant ten
EOF
: >"$out"
say ":reload" "push int(3); call quad; call ten; add; dot; push int(10); emit;"
grep -q "^reloading $lib" "$out" || fail ":reload did not reload the changed file"
grep -q "redefined procedure sq@v2" "$out" || fail ":reload did not redefine sq"
# (3+1+1) + 20
grep -qx '25 ' "$out" || fail "after :reload: quad or ten is not the new one"

cat >"$lib" <<'EOF'
: sq ( n -- n*n*n ) dup dup * * ;
: quad ( n -- n^4 ) sq sq dup ;
30 constant ten
EOF
: >"$out"
say ":reload" "push int(3); call quad; call ten; add; dot; push int(10); emit;"
grep -q "lib.fs:2:31: error: quad leaves 2 items, its stack comment says 1" "$out" ||
    fail ":reload of a broken file: no error at lib.fs:2:31"
grep -q "redefined procedure" "$out" && fail ":reload of a broken file redefined something"
grep -qx '25 ' "$out" || fail "after a failed :reload: the old words are not kept"

printf ':quit\n' >&"${XVM[1]}"
wait "$xvm_pid" 2>/dev/null
if ((failed)); then
    echo "xvm-repl said:"
    indent <"$out"
fi
exit "$failed"
