#!/usr/bin/env bash
# Differential test: every golden transcript, paper figure and tutorial
# lesson must give the same output on the checked executor (--checked, a
# plain switch interpreter with a type tag per slot) as on the fast
# threaded one.  Any difference is a bug in one of them or in the verifier.
set -u
: "${XVM_BIN:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for f in tests/golden/*.xvm tests/paper/*.xvm tutorial/*.xvm; do
    [ -e "${f%.xvm}.out" ] || continue
    n=$((n + 1))
    "$XVM_BIN" --echo < "$f" > "$tmp/fast" 2>&1; a=$?
    "$XVM_BIN" --echo --checked < "$f" > "$tmp/checked" 2>&1; b=$?
    # The fast executor names the calls a trap happened under; the checked
    # one runs operations unflattened, so its frames differ: compare the
    # rest (a "called from" note and its two source lines).  The checked
    # executor never compiles to native code: :show's tier lines differ.
    for v in fast checked; do
        awk '/^\/\/ [^ ]*@v[0-9]+ (runs|was native code|as built before) / { next } /note: called from/ { skip = 2; next } /note: \.\.\. [0-9]+ more calls/ { next } skip > 0 { skip--; next } { print }' \
            "$tmp/$v" > "$tmp/$v.cmp"
    done
    if [ "$a" != "$b" ] || ! cmp -s "$tmp/fast.cmp" "$tmp/checked.cmp"; then
        echo "DIFFERENT: $f (exit $a fast, $b checked)"
        diff "$tmp/fast.cmp" "$tmp/checked.cmp" | head -20
        fail=1
    fi
done
echo "$n scripts compared, fast vs checked"
[ "$n" -gt 10 ] || { echo "too few scripts"; exit 1; }
exit $fail
