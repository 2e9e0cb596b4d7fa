#!/usr/bin/env bash
# tests/bench/gen-relink.sh - write an xvm-repl script for the relink benchmark.
#
# Usage: bash tests/bench/gen-relink.sh K R [KIND]
#
# Prints to standard output a script that defines
#   * interface unop: op (x: int -> y: int),
#   * module M exporting port P (unop), whose op adds 1,
#   * machine X over core-machine with one component of M, aliasing P.op as mop,
#   * K dependants of X (and so, through X, of M), of the KIND:
#       procs     K procedures over X, each calling mop   (the default)
#       machines  K machines built over X (each aliasing nothing)
#       modules   K modules implemented over X, each exporting a unop whose op calls mop
#       mixed     K/3 of each kind (the rest as procedures)
# then selects M with `:module M` and redefines M's operation R times, each one
# a real change (the r-th makes the operation add r + 1), so each
# redefinition re-verifies and relinks X and its K dependants.  Last it calls
# every procedure once through a check procedure and prints the sum, so a
# broken relink shows in the output.
#
# run.sh times the script for R = 0 and R > 0 and divides the difference by R.
set -eu
K=${1:?usage: gen-relink.sh K R [KIND]}
R=${2:?usage: gen-relink.sh K R [KIND]}
KIND=${3:-procs}
case $KIND in procs | machines | modules | mixed) ;; *) echo "gen-relink.sh: unknown kind '$KIND'" >&2; exit 2 ;; esac
awk -v K="$K" -v R="$R" -v kind="$KIND" 'BEGIN {
    print "// relink benchmark: K = " K " " kind ", R = " R " redefinitions"
    print ".define_interface unop, { .operation op, (x: int -> y: int); };"
    print ".define_module M, core-machine, {"
    print "  .exports P, unop;"
    print "  .define_operation port(P), op, { push int(1); add; };"
    print "};"
    print ".define_machine X, core-machine, { .instantiate M, m; .alias_operation m, P, op, mop; };"
    print ":use X"
    np = nm = nd = 0
    if (kind == "procs") np = K
    else if (kind == "machines") nm = K
    else if (kind == "modules") nd = K
    else { nm = int(K / 3); nd = int(K / 3); np = K - nm - nd }
    for (i = 1; i <= np; i++)
        printf ".define_procedure p%d, (x: int -> y: int), { mop; push int(%d); add; };\n", i, i
    for (i = 1; i <= nm; i++)
        printf ".define_machine Y%d, X, { };\n", i
    for (i = 1; i <= nd; i++)
        printf ".define_module N%d, X, { .exports Q, unop; .define_operation port(Q), op, { mop; push int(%d); add; }; };\n", i, i
    print ":module M"
    for (r = 1; r <= R; r++)
        printf ".define_operation port(P), op, { push int(%d); add; };\n", r + 1
    # check: sum over the procedures of p_i(0) = sum of (inc + i), inc = M op increment
    # (on one line: a body spread over many lines costs more to read than to verify)
    printf ".define_procedure check, ( -> s: int), { push int(0);"
    for (i = 1; i <= np; i++) printf " push int(0); call p%d; add;", i
    print " };"
    print "call check; print;"
    inc = R + 1
    printf "// expected output (last line): %d\n", np * inc + np * (np + 1) / 2
}'
