#!/usr/bin/env bash
# wasm_spec: xvm-repl FILE.wast runs every WebAssembly 1.0 spec script in
# ../shared/conformance/wasm-1.0/ (read there, never copied in).  Checks:
#   * each run ends with the normative line "wast FILE: N passed, N failed,
#     N skipped", and its exit status is 0 exactly when N failed is 0;
#   * in the files issue 13 targets, no assert_return, assert_trap or
#     assert_exhaustion fails but the ones listed in $known (with why);
#   * the per-file totals are those of tests/sh/wasm_spec.expected, with how
#     the assert_invalid modules were refused (verifier / translator), so a
#     type rule that moves from the verifier to the front end shows too (a
#     change either way shows here: update the file when conformance improves).
# The totals are written to build/wasm-spec-totals.txt.
source "$(dirname "$0")/lib/common.sh"
spec=$ROOT/../shared/conformance/wasm-1.0
if [[ ! -d $spec ]]; then
    echo "SKIP: no $spec (the spec's test files are not checked out beside the repository)"
    exit 77
fi
targets="i32 i64 block loop if br br_if br_table return call call_indirect local_get local_set local_tee
         select nop unreachable unwind traps address load store memory memory_trap"
# Assertions allowed to fail, each with why (none now).
known=""
sh_tmpdir wasm-spec
mkdir -p "$ROOT/build"
totals=$ROOT/build/wasm-spec-totals.txt
: >"$totals"
for f in "$spec"/*.wast; do
    name=$(basename "$f")
    "$XVM_BIN" "$f" >"$tmp/out" 2>&1
    status=$?
    last=$(tail -1 "$tmp/out")
    if [[ ! $last =~ ^wast\ .*$name:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
        fail "$name: the last line is not 'wast FILE: N passed, N failed, N skipped': $last"
        continue
    fi
    nfailed=${BASH_REMATCH[2]}
    if { [[ $nfailed == 0 ]] && [[ $status != 0 ]]; } || { [[ $nfailed != 0 ]] && [[ $status == 0 ]]; }; then
        fail "$name: exit status $status with $nfailed failed"
    fi
    reasons=$(grep '^skipped:' "$tmp/out" | sed 's/^skipped: //')
    invalid=$(grep '^invalid modules refused:' "$tmp/out" | sed 's/^invalid modules refused: /; invalid refused: /')
    echo "$name: ${BASH_REMATCH[1]} passed, $nfailed failed, ${BASH_REMATCH[3]} skipped${reasons:+ ($reasons)}$invalid" >>"$totals"
    if [[ " $targets " == *" ${name%.wast} "* ]]; then
        grep -E '^[^ ]*:[0-9]+: assert_(return|trap|exhaustion):' "$tmp/out" | while IFS= read -r line; do
            at=$(basename "${line%%: assert_*}")
            [[ " $known " == *" $at "* ]] || echo "$line"
        done >"$tmp/bad"
        if [[ -s $tmp/bad ]]; then
            fail "$name: integer assertions failed:"
            indent <"$tmp/bad"
        fi
    fi
done
if ! diff -u "$ROOT/tests/sh/wasm_spec.expected" "$totals" >"$tmp/diff"; then
    fail "the per-file totals changed (update tests/sh/wasm_spec.expected if that is progress):"
    indent <"$tmp/diff"
fi
cat "$totals"
exit $failed
