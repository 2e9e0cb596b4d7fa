#!/usr/bin/env bash
# `make install` into a temporary PREFIX, then run the INSTALLED xvm-repl
# from another directory:
#   * PREFIX/bin/xvm-repl, PREFIX/share/xvm/stdlib/*.xvm (the same files as
#     stdlib/) and PREFIX/share/man/man1/xvm-repl.1 are installed;
#   * the installed binary finds its stdlib under PREFIX/share/xvm/stdlib:
#     Figure 1 loads and `push int(2); push int(3); push int(4); tadd; print;`
#     prints 9;
#   * a missing unit is reported with every path searched, in order:
#     ., then $XVM_PATH, then PREFIX/share/xvm/stdlib;
#   * the editor files are installed: PREFIX/share/xvm/editors/{vim/syntax,
#     vim/ftdetect}/xvm.vim and textmate/xvm.tmLanguage.json, and for Vim
#     PREFIX/share/vim/vimfiles/{syntax,ftdetect}/xvm.vim, each the same as
#     in editors/; Vim (if installed) finds them through that runtime path;
#   * DESTDIR stages the same layout under DESTDIR/PREFIX.
#
# The stdlib path is compiled into repl/main.o from PREFIX, so the test
# builds its own copy (BUILD=$tmp/build) with the PREFIX it installs to; the
# repository's build/ is not touched.  A second install of that build to a
# different PREFIX is also tried: that one does not find its stdlib today
# (the binary keeps the first PREFIX), which is reported as a note, not a
# failure; set XVM_INSTALL_STRICT=1 to make it fail.
#
# Exit 0 pass, 1 fail, 77 skipped (no make or no C compiler).
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1

if ! command -v make >/dev/null 2>&1 || ! command -v "${CC:-cc}" >/dev/null 2>&1; then
    echo "SKIP: make or a C compiler is missing"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xvm-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failed=0
fail() { echo "FAIL: $*"; failed=1; }
indent() { sed 's/^/    /'; }

# A clean sub-make: when this runs under `make test` or `make asan`, the
# parent's MAKEFLAGS (and its command-line BUILD=, CFLAGS=, ...) must not leak.
submake() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES make -s "$@"
}

jobs=$(nproc 2>/dev/null || echo 2)
if ! submake -j"$jobs" BUILD="$tmp/build" PREFIX="$prefix" DESTDIR= install >"$tmp/make.log" 2>&1; then
    echo "FAIL: make BUILD=\$tmp/build PREFIX=\$tmp/prefix install failed:"
    sed 's/^/    /' "$tmp/make.log"
    exit 1
fi

# ---- the installed files
bin=$prefix/bin/xvm-repl
[[ -f $bin && -x $bin ]] || fail "$bin is not an executable file"
[[ -f $prefix/share/xvm/stdlib/binary-int-op.xvm ]] || fail "stdlib/binary-int-op.xvm is not installed"
for f in stdlib/*.xvm; do
    cmp -s "$f" "$prefix/share/xvm/$f" || fail "installed $f differs from the source (or is missing)"
done
editors=(share/xvm/editors/vim/syntax/xvm.vim:vim/syntax/xvm.vim
         share/xvm/editors/vim/ftdetect/xvm.vim:vim/ftdetect/xvm.vim
         share/xvm/editors/textmate/xvm.tmLanguage.json:textmate/xvm.tmLanguage.json
         share/vim/vimfiles/syntax/xvm.vim:vim/syntax/xvm.vim
         share/vim/vimfiles/ftdetect/xvm.vim:vim/ftdetect/xvm.vim)
for pair in "${editors[@]}"; do
    cmp -s "editors/${pair#*:}" "$prefix/${pair%%:*}" ||
        fail "PREFIX/${pair%%:*} is not installed (or differs from editors/${pair#*:})"
done
if command -v vim >/dev/null 2>&1; then
    printf 'push int(1);\n' >"$tmp/probe.xvm"
    HOME=$tmp timeout 20 vim -N -u NONE -i NONE -n -es --cmd "set rtp^=$prefix/share/vim/vimfiles" \
        -c 'filetype on' -c 'syntax on' -c "edit $tmp/probe.xvm" \
        -c "call writefile([&filetype, get(b:, 'current_syntax', ''), v:errmsg], '$tmp/vim.out')" -c 'qa!' \
        </dev/null >/dev/null 2>&1
    [[ $(cat "$tmp/vim.out" 2>/dev/null) == $'xvm\nxvm' ]] ||
        fail "Vim with the installed vimfiles does not highlight .xvm files: $(cat "$tmp/vim.out" 2>/dev/null)"
fi
man=$prefix/share/man/man1/xvm-repl.1
if [[ ! -s $man ]]; then
    fail "the man page $man is not installed"
elif command -v man >/dev/null 2>&1; then
    rendered=$(MANWIDTH=80 man -l "$man" 2>"$tmp/man.err")
    for section in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS FILES ENVIRONMENT "EXIT STATUS" EXAMPLES; do
        grep -q "^$section" <<<"$rendered" || fail "the installed man page has no $section section"
    done
    if [[ -s $tmp/man.err ]]; then
        fail "man -l reports problems with the installed man page:"
        sed 's/^/    /' "$tmp/man.err"
    fi
fi
((failed)) && exit 1

# ---- the installed binary, run from a directory with no stdlib/ in sight
work=$tmp/work
mkdir -p "$work"
cat >"$work/figure1.xvm" <<'EOF'
// Figure 1 of the paper, loaded from the installed stdlib.
.define_machine extended-machine, core-machine, {
  .load_interfaces binary-int-op, ternary-int-op;
  .load_modules do-as-ternary-module, core-wrappers;
  .instantiate do-as-ternary-module, ternary-add-instance;
  .instantiate core-wrappers-module, core-wrappers-instance;
  .link (core-wrappers-instance, binary-add-port),
        (ternary-add-instance, binary-op-port);
  .alias_operation ternary-add-instance, ternary-op-port, op, tadd;
}
:use extended-machine
push int(2); push int(3); push int(4); tadd; print;
EOF

# run DIR INPUT [ENV...]: the installed binary in DIR, INPUT on stdin,
# stdout+stderr in $out, exit status in $rc.
run() {
    local dir=$1 input=$2
    shift 2
    out=$(cd "$dir" && env -u XVM_PATH "$@" timeout 30 "$bin" <<<"$input" 2>&1)
    rc=$?
}

run "$work" "$(cat "$work/figure1.xvm")"
if ((rc != 0)); then
    fail "Figure 1 with the installed binary exited $rc:"
    indent <<<"$out"
else
    [[ $(tail -n 1 <<<"$out") == 9 ]] || { fail "tadd of 2, 3, 4 did not print 9:"; indent <<<"$out"; }
    grep -qx "loaded unit binary-int-op from stdlib/binary-int-op.xvm" <<<"$out" ||
        fail "the stdlib unit was not reported as stdlib/binary-int-op.xvm"
fi

# The same script given as a FILE argument, from another directory still.
out=$(cd / && env -u XVM_PATH timeout 30 "$bin" "$work/figure1.xvm" 2>&1)
rc=$?
if ((rc != 0)) || [[ $(tail -n 1 <<<"$out") != 9 ]]; then
    fail "xvm-repl FILE from / (exit $rc):"; indent <<<"$out"
fi

# ---- a missing unit lists every path searched, in order
extra=$tmp/extra
mkdir -p "$extra"
run "$work" ".load_modules no-such-unit;" XVM_PATH="$extra"
want="  looked for:
  ./no-such-unit.xvm
  $extra/no-such-unit.xvm
  $prefix/share/xvm/stdlib/no-such-unit.xvm"
if ((rc != 1)); then
    fail "a missing unit should exit 1, not $rc"
fi
grep -q "cannot find unit 'no-such-unit'" <<<"$out" || fail "no 'cannot find unit' message"
if [[ $out != *"$want"* ]]; then
    fail "the searched paths are not listed as expected; want:"
    indent <<<"$want"
    echo "  got:"
    indent <<<"$out"
fi

# ---- XVM_PATH units are found, and . comes before XVM_PATH
printf '.define_procedure inc, (x: int -> y: int), { push int(1); add; };\n' >"$extra/my-unit.xvm"
run "$work" ".load_modules my-unit;
push int(41); call inc; print;" XVM_PATH="$extra"
if ((rc != 0)) || [[ $(tail -n 1 <<<"$out") != 42 ]]; then
    fail "a unit on XVM_PATH was not loaded (exit $rc):"; indent <<<"$out"
fi
printf '.define_procedure inc, (x: int -> y: int), { push int(2); add; };\n' >"$work/my-unit.xvm"
run "$work" ".load_modules my-unit;
push int(41); call inc; print;" XVM_PATH="$extra"
if ((rc != 0)) || [[ $(tail -n 1 <<<"$out") != 43 ]]; then
    fail "./my-unit.xvm should win over XVM_PATH (exit $rc):"; indent <<<"$out"
fi

# ---- DESTDIR stages PREFIX under it (no rebuild: only the layout is checked)
stage=$tmp/stage
if submake BUILD="$tmp/build" PREFIX=/usr/local DESTDIR="$stage" install >"$tmp/make2.log" 2>&1; then
    for f in bin/xvm-repl share/xvm/stdlib/binary-int-op.xvm share/man/man1/xvm-repl.1 \
             share/xvm/editors/textmate/xvm.tmLanguage.json share/vim/vimfiles/syntax/xvm.vim; do
        [[ -f $stage/usr/local/$f ]] || fail "DESTDIR install is missing \$DESTDIR/usr/local/$f"
    done
else
    fail "make DESTDIR=... install failed:"
    sed 's/^/    /' "$tmp/make2.log"
fi

# ---- known issue: installing a build to a PREFIX other than the one it was
# built with.  repl/main.o has -DXVM_STDLIB_DIR from the PREFIX of its build
# and make does not rebuild it when PREFIX changes, so the binary installed
# here still looks in $tmp/prefix.  (The staged one above looks in
# /usr/local the same way.)
other=$tmp/other
if submake BUILD="$tmp/build" PREFIX="$other" install >"$tmp/make3.log" 2>&1; then
    rm -rf "$prefix"   # so the stale compiled-in path finds nothing
    out=$(cd "$work" && env -u XVM_PATH timeout 30 "$other/bin/xvm-repl" <<<".load_interfaces binary-int-op;" 2>&1)
    rc=$?
    if ((rc != 0)); then
        msg="installing an existing build with a different PREFIX gives a binary that cannot find PREFIX/share/xvm/stdlib"
        if [[ ${XVM_INSTALL_STRICT:-0} == 1 ]]; then
            fail "$msg:"
        else
            echo "NOTE (known issue, not a failure): $msg:"
        fi
        indent <<<"$out"
    fi
else
    fail "make PREFIX=\$tmp/other install failed:"
    sed 's/^/    /' "$tmp/make3.log"
fi

if ((failed)); then
    exit 1
fi
echo "install: ok"
exit 0
