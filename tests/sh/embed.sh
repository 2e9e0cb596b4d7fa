#!/usr/bin/env bash
# The embedding API (repl/xvm.h, docs/embedding.md), through the INSTALLED
# library: `make install` into a temporary PREFIX, then
#   * PREFIX/include/xvm.h, PREFIX/lib/libxvm.{so,so.0,a} and
#     PREFIX/lib/pkgconfig/xvm.pc are installed, and the .so exports only
#     xvm_ functions;
#   * docs' example program (tests/embed/example.c) builds with
#     `cc example.c $(pkg-config --cflags --libs xvm)` (PKG_CONFIG_PATH at
#     the install), runs with LD_LIBRARY_PATH from another directory, and
#     prints exactly tests/embed/example.out: it loads parity-machine from
#     the installed stdlib, verifies and runs code, reads the result off the
#     stack and prints a rejected input's errors field by field;
#   * the same program linked with the static libxvm.a prints the same;
#   * tests/embed/api.c, the API's edges (every status, stack indices, refs,
#     settings, the principal, a file), prints exactly tests/embed/api.out;
#   * tests/embed/front.c, the API as a front end drives it (xvm_input with
#     commands, :history, :quit, flags, completion, error places) and its
#     edges (NULL states, calls from inside a call, big inputs, verify-only
#     stacks), prints exactly tests/embed/front.out;
#   * docs/embedding.md shows that program and its output verbatim;
#   * DESTDIR stages the library files under DESTDIR/PREFIX.
# Like install.sh, it builds its own copy (BUILD=$tmp/build), since the
# stdlib's place is compiled in from PREFIX.
#
# Exit 0 pass, 1 fail, 77 skipped (no make or no C compiler).
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
CC=${CC:-cc}
if ! command -v make >/dev/null 2>&1 || ! command -v "$CC" >/dev/null 2>&1; then
    echo "SKIP: make or a C compiler is missing"
    exit 77
fi
command -v pkg-config >/dev/null 2>&1 || { echo "FAIL: pkg-config is missing (bash .ci/install-deps)"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xvm-embed.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failed=0
fail() { echo "FAIL: $*"; failed=1; }
indent() { sed 's/^/    /'; }
# Not the caller's flags: under `make asan` CFLAGS and LDFLAGS are sanitizer
# flags in the environment, and the example links without the sanitizers.
submake() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u CFLAGS -u LDFLAGS -u OPT make -s "$@"; }

jobs=$(nproc 2>/dev/null || echo 2)
if ! submake -j"$jobs" BUILD="$tmp/build" PREFIX="$prefix" DESTDIR= install >"$tmp/make.log" 2>&1; then
    echo "FAIL: make BUILD=\$tmp/build PREFIX=\$tmp/prefix install failed:"
    indent <"$tmp/make.log"
    exit 1
fi

# ---- the installed files
for f in include/xvm.h lib/libxvm.a lib/libxvm.so.0 lib/libxvm.so lib/pkgconfig/xvm.pc; do
    [[ -e $prefix/$f ]] || fail "PREFIX/$f is not installed"
done
cmp -s repl/xvm.h "$prefix/include/xvm.h" || fail "the installed xvm.h differs from repl/xvm.h"
[[ $(readlink "$prefix/lib/libxvm.so") == libxvm.so.0 ]] || fail "PREFIX/lib/libxvm.so is not a link to libxvm.so.0"
others=$(nm -D --defined-only "$prefix/lib/libxvm.so.0" | awk '$2 ~ /^[TDBRW]$/ && $3 !~ /^xvm_/ && $3 !~ /^_/ {print $3}')
[[ -z $others ]] || fail "libxvm.so exports more than xvm_ functions: $(head -5 <<<"$others" | tr '\n' ' ')"
((failed)) && exit 1

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
flags=$(pkg-config --cflags --libs xvm) || { echo "FAIL: pkg-config does not find xvm"; exit 1; }
[[ $flags == *"-lxvm"* && $flags == *"-I$prefix/include"* ]] || fail "pkg-config --cflags --libs xvm gives '$flags'"

# build NAME SRC [CC ARGS...]: build SRC into $tmp/NAME, or report why not.
build() {
    local name=$1 src=$2
    shift 2
    "$CC" -std=c11 -Wall -Wextra -Werror -o "$tmp/$name" "$src" "$@" >"$tmp/$name.log" 2>&1 ||
        { fail "cannot build $src against the installed library:"; indent <"$tmp/$name.log"; return 1; }
}

# check NAME WANT [ARGS...]: run $tmp/NAME in an empty directory, with no
# stdlib but the installed one, and compare its output with WANT.
check() {
    local name=$1 want=$2
    shift 2
    mkdir -p "$tmp/run"
    (cd "$tmp/run" && env -u XVM_STDLIB -u XVM_PATH LD_LIBRARY_PATH="$prefix/lib" timeout 30 "$tmp/$name" "$@") \
        >"$tmp/$name.out" 2>&1
    local rc=$?
    sed -i '1s/^xvm [0-9][0-9.]*$/xvm VERSION/' "$tmp/$name.out"
    ((rc == 0)) || fail "$name exited $rc"
    if ! diff -u "$want" "$tmp/$name.out" >"$tmp/$name.diff"; then
        fail "$name's output differs from $want:"
        indent <"$tmp/$name.diff"
    fi
}

# shellcheck disable=SC2086 # the flags are words
build example tests/embed/example.c $flags && check example tests/embed/example.out
build example-static tests/embed/example.c $(pkg-config --cflags xvm) "$prefix/lib/libxvm.a" -lgc -ltre &&
    check example-static tests/embed/example.out
printf 'push int(2); push int(3); add; print;\n' >"$tmp/five.xvm"
# shellcheck disable=SC2086
build api tests/embed/api.c $flags && check api tests/embed/api.out "$tmp/five.xvm"
# shellcheck disable=SC2086
build front tests/embed/front.c $flags && check front tests/embed/front.out
if [[ ${XVM_EMBED_UPDATE:-0} == 1 ]]; then # regenerate the expected outputs
    cp "$tmp/example.out" tests/embed/example.out
    cp "$tmp/api.out" tests/embed/api.out
    cp "$tmp/front.out" tests/embed/front.out
fi

# ---- docs/embedding.md shows exactly this program and what it prints
block() { awk -v want="$1" '$0 == "```" && on { exit } on { print } $0 == "```" want { on = 1 }' docs/embedding.md; }
diff -u tests/embed/example.c <(block c) >"$tmp/doc.diff" ||
    { fail "docs/embedding.md's example is not tests/embed/example.c:"; indent <"$tmp/doc.diff"; }
diff -u "$tmp/example.out" <(block text | sed '1s/^xvm [0-9][0-9.]*$/xvm VERSION/') >"$tmp/doc.diff" ||
    { fail "docs/embedding.md's example output is not what it prints:"; indent <"$tmp/doc.diff"; }

# ---- DESTDIR stages the library under DESTDIR/PREFIX
stage=$tmp/stage
if submake BUILD="$tmp/build" PREFIX="$prefix" DESTDIR="$stage" install >"$tmp/make2.log" 2>&1; then
    for f in include/xvm.h lib/libxvm.a lib/libxvm.so.0 lib/libxvm.so lib/pkgconfig/xvm.pc; do
        [[ -e $stage$prefix/$f ]] || fail "DESTDIR install is missing \$DESTDIR/PREFIX/$f"
    done
else
    fail "make DESTDIR=... install failed:"
    indent <"$tmp/make2.log"
fi

((failed)) && exit 1
echo "embed: ok"
exit 0
