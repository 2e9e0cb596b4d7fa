#!/usr/bin/env bash
# Memcheck over every golden transcript, paper figure and tutorial lesson:
# any invalid read/write or use of an uninitialised value in our own code
# fails (libgc's conservative scanning is suppressed: tests/valgrind.supp).
# Run by CI when valgrind is installed; slow (about a minute per core).
set -u
bin=${1:?usage: tests/valgrind.sh XVM_BIN}
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed: skipped"; exit 0; }
fail=0 n=0
for f in tests/golden/*.xvm tests/paper/*.xvm tutorial/*.xvm; do
    [ -e "${f%.xvm}.out" ] || continue
    n=$((n + 1))
    if ! timeout 300 valgrind --suppressions=tests/valgrind.supp --error-exitcode=9 -q "$bin" < "$f" \
        > /dev/null 2> /tmp/xvm-valgrind.$$; then
        if grep -q '^==' /tmp/xvm-valgrind.$$; then
            echo "MEMCHECK: $f"
            grep '^==' /tmp/xvm-valgrind.$$ | head -30
            fail=1
        fi
    fi
done
rm -f /tmp/xvm-valgrind.$$
echo "valgrind memcheck: $n scripts, $([ $fail = 0 ] && echo clean || echo ERRORS)"
exit $fail
