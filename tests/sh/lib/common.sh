# common.sh - sourced by the tests in tests/sh/ (not a test itself: run.sh
# runs only tests/sh/*.sh): ROOT, XVM_BIN (checked), fail and indent, and
# sh_tmpdir for a scratch folder removed at exit.
ROOT=$(cd "$(dirname "${BASH_SOURCE[1]}")/../.." && pwd)
XVM_BIN=${XVM_BIN:-$ROOT/xvm-repl}
if [[ ! -f $XVM_BIN || ! -x $XVM_BIN ]]; then
    echo "FAIL: XVM_BIN '$XVM_BIN' is not an executable file"
    exit 1
fi
failed=0
fail() { echo "FAIL: $*"; failed=1; }
indent() { sed 's/^/    /'; }
# sh_tmpdir NAME: $tmp, a fresh folder removed when the test exits.
sh_tmpdir() {
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/xvm-$1.XXXXXX") || exit 1
    trap 'rm -rf "$tmp"' EXIT
}
