#!/usr/bin/env bash
# A misspelt unit in .load_modules / .load_interfaces (top level or in a
# machine body) gets "did you mean 'UNIT'?" naming the nearest unit in any
# folder of the search path (the current folder, XVM_PATH, the stdlib),
# and still lists the places looked in.  Not a golden transcript: that
# list holds absolute paths.  Runs in a scratch folder with a private
# XVM_PATH, so the result does not depend on the checkout's location.
#
# Exit 0 pass, 1 fail.
set -u

# shellcheck source=tests/sh/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
sh_tmpdir suggest
mkdir -p "$tmp/cwd" "$tmp/path"
printf '.define_lattice MINE, { A < B; };\n' >"$tmp/path/my-lattice.xvm"
cd "$tmp/cwd" || exit 1

# expect INPUT TEXT...: every TEXT is a line of what INPUT prints.
expect() {
    local input=$1 out line
    shift
    out=$(XVM_PATH=$tmp/path XVM_STDLIB=$ROOT/stdlib timeout 30 "$XVM_BIN" <<<"$input" 2>&1)
    for line in "$@"; do
        grep -qxF -- "$line" <<<"$out" || { fail "'$input' does not print '$line'; it printed:"; sed 's/^/    /' <<<"$out"; }
    done
}

expect '.load_modules parity-modul;' \
    "<stdin>:1:15: error: cannot find unit 'parity-modul'" "  looked for:" "  ./parity-modul.xvm" \
    "  $tmp/path/parity-modul.xvm" "  $ROOT/stdlib/parity-modul.xvm" "hint: did you mean 'parity-module'?"
expect '.load_interfaces my-latice;' "hint: did you mean 'my-lattice'?"
expect '.define_machine m, core-machine, { .load_interfaces parity-int-o; };' "hint: did you mean 'parity-int-op'?"
expect '.load_modules no-such-unit;' \
    "hint: put no-such-unit.xvm in the current folder, a folder on XVM_PATH, or the stdlib"

exit $failed
