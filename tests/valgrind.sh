#!/usr/bin/env bash
# Memcheck over every golden transcript, paper figure and tutorial lesson:
# any invalid read/write or use of an uninitialised value in our own code
# fails (libgc's conservative scanning is suppressed: tests/valgrind.supp).
# Run by CI when valgrind is installed; slow (about a minute per core).
set -u
bin=${1:?usage: tests/valgrind.sh XVM_BIN}
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed: skipped"; exit 0; }
log=/tmp/xvm-valgrind.$$
trap 'rm -f "$log"' EXIT
VG=(valgrind --suppressions=tests/valgrind.supp --error-exitcode=9 -q)

# Valgrind must be able to run at all before a quiet run can mean "clean".
# Without /proc (a bare chroot) it stops at startup ("can't open
# /proc/self/maps") with lines that start with "--", not "==", and exit 1,
# which the loop below would take for a script's own non-zero exit: every
# script would look clean without having been checked.
if ! "${VG[@]}" "$bin" --version > /dev/null 2> "$log" || [ -s "$log" ]; then
    echo "MEMCHECK: valgrind cannot run $bin here:" >&2
    head -20 "$log" >&2
    [ -r /proc/self/maps ] || echo "MEMCHECK: /proc is not mounted (valgrind needs it)" >&2
    exit 1
fi

fail=0 n=0
for f in tests/golden/*.xvm tests/paper/*.xvm tutorial/*.xvm; do
    [ -e "${f%.xvm}.out" ] || continue
    n=$((n + 1))
    if ! timeout 300 "${VG[@]}" "$bin" < "$f" > /dev/null 2> "$log"; then
        if grep -q '^==' "$log"; then
            echo "MEMCHECK: $f"
            grep '^==' "$log" | head -30
            fail=1
        fi
    fi
done
echo "valgrind memcheck: $n scripts, $([ $fail = 0 ] && echo clean || echo ERRORS)"
exit $fail
