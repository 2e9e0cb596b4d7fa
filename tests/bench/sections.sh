# shellcheck shell=bash
# shellcheck disable=SC2154  # XVM, root, here and work come from run.sh
# tests/bench/sections.sh - the benchmark sections that measure XVM against
# itself rather than against its peers; sourced by tests/bench/run.sh, which
# sets XVM, root, here and work (a temporary folder) before calling them.
#
#   layering  tadd on extended-machine (tests/paper/figure1.xvm: do-as-ternary-module
#             linked to core-wrappers' add port) against the same loop with two adds:
#             median wall-time ratio of alternating runs, and the callgrind
#             instruction-count ratio less start-up (N = 0).  tadd is flattened to
#             two adds when it is compiled, so both should be 1.00.
#   relink    a module M, a machine X instantiating it and K dependants over X
#             (tests/bench/gen-relink.sh); M's operation redefined R times with
#             `:module M` + `.define_operation`; time per redefinition for each K,
#             and how it grows with K (it should grow no faster than K).
#   wasm      tests/bench/fib.wat and loop.wat on XVM (wasm-machine) and on wabt's
#             wasm-interp: median wall time of alternating runs (WASM_INTERP=...).
#   trace     `:trace` of a while loop of TRACE_STEPS steps, with :set trace-limit 0,
#             output to a file: median wall time and lines written.
#   policy    the compile policy (issue 11, repl/policy.c): (1) compile latency per
#             procedure, median and max, of every procedure of tests/bench/*.xvm
#             forced with :compile; (2) under each stdlib policy, a session of
#             POLICY_INPUTS small inputs (each a short call of fib, loop-sum, steps
#             or longest, :time'd) and the longest run time one input sees: the
#             pause the compiler adds; with background no input waits; (3) fib(1)'s
#             first call (compile included where the policy compiles then) and the
#             steady-state time of fib(POLICY_FIB) once warm, per policy.
#
# Each section prints its table and appends "key value" lines to $work/summary,
# which section_summary prints last.  Each returns the number of failed checks.
#
# Knobs (environment):
#   LAY_N=50000000  LAY_RUNS=7  LAY_CG_N=200000  (LAY_CG=0 skips callgrind)
#   RELINK_KS="10 100 1000"  RELINK_RUNS=5  RELINK_KIND=procs|machines|modules|mixed
#   RELINK_R="auto" (redefinitions per run; auto = max(10, 3000 / K))
#   RELINK_CG=1  (0: skip counting instructions per redefinition under callgrind, ~30 s)
#   TRACE_STEPS=10000  TRACE_RUNS=5
#   POLICY_INPUTS=60  POLICY_FIB=27  POLICY_RUNS=3

LAY_N=${LAY_N:-50000000}
LAY_RUNS=${LAY_RUNS:-7}
LAY_CG=${LAY_CG:-1}
LAY_CG_N=${LAY_CG_N:-200000}
RELINK_KS=${RELINK_KS:-"10 100 1000"}
RELINK_RUNS=${RELINK_RUNS:-5}
RELINK_KIND=${RELINK_KIND:-procs}
RELINK_R=${RELINK_R:-auto}
RELINK_CG=${RELINK_CG:-1}
TRACE_STEPS=${TRACE_STEPS:-10000}
TRACE_RUNS=${TRACE_RUNS:-5}
POLICY_INPUTS=${POLICY_INPUTS:-60}
POLICY_FIB=${POLICY_FIB:-27}
POLICY_RUNS=${POLICY_RUNS:-3}

# ---- helpers --------------------------------------------------------------------------

# Run "$@" with standard output to $out_file (default /dev/null), standard error
# to $work/sec.stderr; print the wall seconds.  The exit status is the command's.
out_file=/dev/null
wall() {
    local t0 t1 rc
    t0=$(date +%s%N)
    "$@" >"$out_file" 2>"$work/sec.stderr"
    rc=$?
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", (b - a) / 1e9 }'
    return $rc
}

# The median of the numbers on standard input (empty if none).
median() {
    sort -g | awk '{ a[NR] = $1 }
        END { if (NR == 0) exit
              if (NR % 2) printf "%.6f\n", a[(NR + 1) / 2]
              else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# Instructions executed by "$@" under callgrind (whole process); its output goes
# to $work/cg.stdout.
cg_instr() {
    rm -f "$work/cg.out"
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$@" >"$work/cg.stdout" 2>"$work/cg.stderr" ||
        return 1
    awk '/^(summary|totals):/ { print $2; exit }' "$work/cg.out"
}

# Last line of a program's output.
last_line() { tail -n 1 "$1" 2>/dev/null; }

summary() { echo "$*" >>"$work/summary"; }

# ---- layering -------------------------------------------------------------------------

# The loop program: n iterations of "over; push int(3); OP" on the same stack
# shape (n sum -> n sum+n+3), where OP is `tadd` or `add; add;`.
lay_program() { # $1 = tadd | add2, $2 = N
    local op='tadd;'
    [ "$1" = add2 ] && op='add; add;'
    cat <<EOF
// layering benchmark ($1): sum of n + 3 for n = $2 down to 1
:load "$root/tests/paper/figure1.xvm"
:use extended-machine
:set fuel 0
.define_procedure lay, (n: int -> sum: int), {
  push int(0);                                 // n sum
  while { over; push int(0); gt; }, {          // while n > 0
    over; push int(3);                         // n sum n 3
    $op                                        // n sum+n+3
    swap; push int(1); sub; swap;              // n-1 sum'
  };
  swap; pop;                                   // sum
};
push int($2); call lay; print;
EOF
}

lay_expected() { awk -v n="$1" 'BEGIN { printf "%.0f\n", n * (n + 1) / 2 + 3 * n }'; }

section_layering() {
    local bad=0 op r t want got order
    echo
    echo "== layering cost: tadd (extended-machine, Figure 1) vs two adds =="
    for op in tadd add2; do lay_program "$op" "$LAY_N" >"$work/lay-$op.xvm"; done
    want=$(lay_expected "$LAY_N")
    for op in tadd add2; do
        out_file=$work/lay-$op.out
        wall "$XVM" "$work/lay-$op.xvm" >/dev/null
        got=$(last_line "$work/lay-$op.out")
        if [ "$got" != "$want" ]; then
            printf 'WRONG   layering %-5s got [%s] want [%s]\n' "$op" "$got" "$want"
            sed -n '1,8s/^/        | /p' "$work/sec.stderr"
            bad=$((bad + 1))
        fi
    done
    out_file=/dev/null
    [ "$bad" -eq 0 ] || return "$bad"
    : >"$work/lay.times"
    for ((r = 0; r < LAY_RUNS; r++)); do
        order="tadd add2"
        [ $((r % 2)) -eq 1 ] && order="add2 tadd"
        for op in $order; do
            t=$(wall "$XVM" "$work/lay-$op.xvm") && echo "$op $t" >>"$work/lay.times"
        done
    done
    local mt ma wr
    mt=$(awk '$1 == "tadd" { print $2 }' "$work/lay.times" | median)
    ma=$(awk '$1 == "add2" { print $2 }' "$work/lay.times" | median)
    wr=$(awk -v a="$mt" -v b="$ma" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
    echo "loop of N = $LAY_N iterations, $LAY_RUNS alternating runs each (whole process, start-up included)"
    printf '%-10s %12s %12s %14s\n' variant 'median s' 'min s' 'ns/iteration'
    for op in tadd add2; do
        awk -v op="$op" -v n="$LAY_N" '$1 == op { print $2 }' "$work/lay.times" | sort -g | awk -v op="$op" -v n="$LAY_N" '
            { a[NR] = $1 }
            END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
                  printf "%-10s %12.3f %12.3f %14.2f\n", (op == "add2" ? "add; add" : op), m, a[1], m * 1e9 / n }'
    done
    echo "wall ratio tadd / two adds (median over median): $wr"
    summary "layering_wall_ratio $wr"
    summary "layering_wall $mt $ma"

    if [ "$LAY_CG" = 0 ] || ! have valgrind; then
        [ "$LAY_CG" = 0 ] || echo "(valgrind not found: no instruction counts)"
        summary "layering_cg_ratio -"
        return 0
    fi
    local full empty net
    : >"$work/lay.cg"
    for op in tadd add2; do
        lay_program "$op" "$LAY_CG_N" >"$work/lay-cg-$op.xvm"
        lay_program "$op" 0 >"$work/lay-cg0-$op.xvm"
        if ! full=$(cg_instr "$XVM" "$work/lay-cg-$op.xvm") || ! empty=$(cg_instr "$XVM" "$work/lay-cg0-$op.xvm"); then
            echo "callgrind failed for $op: $(tail -n 1 "$work/cg.stderr")"
            bad=$((bad + 1))
            continue
        fi
        echo "$op $full $empty $((full - empty))" >>"$work/lay.cg"
    done
    echo
    echo "callgrind instructions, N = $LAY_CG_N (net = total less the same program with N = 0)"
    printf '%-10s %14s %14s %14s %14s\n' variant total 'N = 0' net 'per iteration'
    while read -r op full empty net; do
        printf '%-10s %14s %14s %14s %14s\n' "$( [ "$op" = add2 ] && echo 'add; add' || echo "$op")" \
            "$full" "$empty" "$net" "$(awk -v x="$net" -v n="$LAY_CG_N" 'BEGIN { printf "%.2f", x / n }')"
    done <"$work/lay.cg"
    local cr
    cr=$(awk '{ v[$1] = $4 } END { if (v["add2"] > 0) printf "%.4f", v["tadd"] / v["add2"] }' "$work/lay.cg")
    echo "instruction ratio tadd / two adds (net): ${cr:--}"
    summary "layering_cg_ratio ${cr:--}"
    return "$bad"
}

# ---- relink ---------------------------------------------------------------------------

relink_r() { # $1 = K: redefinitions per timed run
    if [ "$RELINK_R" != auto ]; then
        echo "$RELINK_R"
    else
        awk -v k="$1" 'BEGIN { r = int(3000 / k); print (r < 10 ? 10 : r) }'
    fi
}

section_relink() {
    local bad=0 k r t want got nrv i
    echo
    echo "== relink: redefine module M's operation with K $RELINK_KIND over machine X =="
    : >"$work/relink.res"
    for k in $RELINK_KS; do
        r=$(relink_r "$k")
        bash "$here/gen-relink.sh" "$k" 0 "$RELINK_KIND" >"$work/relink-$k-0.xvm" || return 1
        bash "$here/gen-relink.sh" "$k" "$r" "$RELINK_KIND" >"$work/relink-$k-$r.xvm" || return 1
        # check once: the right sum, and R reports of K + 1 re-verified dependants (X and the K)
        out_file=$work/relink-$k.out
        wall "$XVM" "$work/relink-$k-$r.xvm" >/dev/null
        out_file=/dev/null
        want=$(sed -n 's|^// expected output (last line): ||p' "$work/relink-$k-$r.xvm")
        got=$(last_line "$work/relink-$k.out")
        nrv=$(grep -c "^re-verified $((k + 1)) dependants:" "$work/relink-$k.out")
        if [ "$got" != "$want" ] || [ "$nrv" -ne "$r" ]; then
            printf 'WRONG   relink K=%s: last line [%s] want [%s]; %s of %s redefinitions reported %s dependants\n' \
                "$k" "$got" "$want" "$nrv" "$r" "$((k + 1))"
            grep -m 3 -E 'error|re-verified' "$work/relink-$k.out" | sed 's/^/        | /'
            bad=$((bad + 1))
            continue
        fi
        : >"$work/relink-$k.times"
        for ((i = 0; i < RELINK_RUNS; i++)); do
            if [ $((i % 2)) -eq 0 ]; then
                echo "0 $(wall "$XVM" "$work/relink-$k-0.xvm")" >>"$work/relink-$k.times"
                echo "r $(wall "$XVM" "$work/relink-$k-$r.xvm")" >>"$work/relink-$k.times"
            else
                echo "r $(wall "$XVM" "$work/relink-$k-$r.xvm")" >>"$work/relink-$k.times"
                echo "0 $(wall "$XVM" "$work/relink-$k-0.xvm")" >>"$work/relink-$k.times"
            fi
        done
        local m0 mr
        m0=$(awk '$1 == "0" { print $2 }' "$work/relink-$k.times" | median)
        mr=$(awk '$1 == "r" { print $2 }' "$work/relink-$k.times" | median)
        echo "$k $r $m0 $mr $nrv" >>"$work/relink.res"
        printf '  K = %-5s done\n' "$k" >&2
    done
    [ -s "$work/relink.res" ] || return "$bad"
    echo "per redefinition = (median time with R redefinitions - median time with none) / R;"
    echo "$RELINK_RUNS alternating runs each; every redefinition re-verified K + 1 dependants (X and the K)"
    printf '%6s %6s %10s %10s %14s %14s %10s %10s %9s\n' K R 'setup ms' 'total ms' 'ms/redefine' 'us/dependant' \
        'x time' 'x K' exponent
    awk -v sumf="$work/summary" '
        { k = $1; r = $2; t = ($4 - $3) / r * 1000; if (t < 0) t = 0
          line = sprintf("%6d %6d %10.1f %10.1f %14.3f %14.2f", k, r, $3 * 1000, $4 * 1000, t, t * 1000 / (k + 1))
          if (NR > 1 && pt > 0 && t > 0) {
              e = log(t / pt) / log(k / pk)
              line = line sprintf(" %10.2f %10.1f %9.2f", t / pt, k / pk, e)
              if (e > emax) emax = e
          } else line = line sprintf(" %10s %10s %9s", "-", "-", "-")
          print line
          printf "relink_ms %d %.3f\n", k, t >>sumf
          if (NR > 1) printf "relink_ratio %d %d %.2f %.2f\n", pk, k, (pt > 0 ? t / pt : 0), k / pk >>sumf
          pk = k; pt = t }
        END { if (NR > 1) {
                  v = (emax <= 1.2 ? "no faster than linear" : "SUPERLINEAR")
                  printf "growth: time ~ K^%.2f at worst between neighbouring K (1.00 = linear): %s\n", emax, v
                  printf "relink_growth %.2f %s\n", emax, v >>sumf } }' "$work/relink.res"

    [ "$RELINK_CG" = 1 ] && have valgrind || return "$bad"
    echo
    echo "callgrind instructions per redefinition ((R = 2) - (R = 0)) / 2, whole process"
    printf '%6s %16s %16s %10s %9s\n' K 'instr/redefine' 'instr/dependant' 'x instr' exponent
    local c0 c2 prevk='' prevc='' per
    for k in $RELINK_KS; do
        bash "$here/gen-relink.sh" "$k" 2 "$RELINK_KIND" >"$work/relink-cg-$k.xvm"
        if ! c0=$(cg_instr "$XVM" "$work/relink-$k-0.xvm") || ! c2=$(cg_instr "$XVM" "$work/relink-cg-$k.xvm"); then
            echo "callgrind failed for K=$k"
            continue
        fi
        per=$(((c2 - c0) / 2))
        awk -v k="$k" -v c="$per" -v pk="$prevk" -v pc="$prevc" 'BEGIN {
            printf "%6d %16d %16.0f", k, c, c / (k + 1)
            if (pk != "" && pc > 0) printf " %10.2f %9.2f\n", c / pc, log(c / pc) / log(k / pk)
            else printf " %10s %9s\n", "-", "-" }'
        summary "relink_instr $k $per"
        prevk=$k prevc=$per
    done
    return "$bad"
}

# ---- trace ----------------------------------------------------------------------------

section_trace() {
    local bad=0 n i lines bytes steps want
    echo
    echo "== :trace of a while loop, trace-limit 0, output to a file =="
    # push; then per iteration label dup push gt jump_unless push sub jump (8 steps);
    # the last test label dup push gt jump_unless, then label pop: 8n + 8 steps
    n=$(((TRACE_STEPS - 8) / 8))
    [ "$n" -ge 0 ] || n=0
    want=$((8 * n + 8))
    printf ':set trace-limit 0\n:trace push int(%d); while { dup; push int(0); gt; }, { push int(1); sub; }; pop;\n' \
        "$n" >"$work/trace.xvm"
    : >"$work/trace.times"
    for ((i = 0; i < TRACE_RUNS; i++)); do
        out_file=$work/trace.out
        wall "$XVM" "$work/trace.xvm" >>"$work/trace.times" || bad=1
    done
    out_file=/dev/null
    lines=$(wc -l <"$work/trace.out")
    bytes=$(wc -c <"$work/trace.out")
    steps=$(sed -n 's/^done: \([0-9]*\) steps.*/\1/p' "$work/trace.out")
    if [ "$bad" -ne 0 ] || [ "$steps" != "$want" ]; then
        printf 'WRONG   trace: exit status or steps [%s] want [%s]\n' "$steps" "$want"
        tail -n 3 "$work/trace.out" | sed 's/^/        | /'
        sed -n '1,5s/^/        | /p' "$work/sec.stderr"
        return 1
    fi
    local m
    m=$(median <"$work/trace.times")
    printf '%8s %10s %10s %10s %10s %12s %10s\n' steps 'median s' 'min s' 'max s' lines bytes 'us/step'
    sort -g "$work/trace.times" | awk -v s="$steps" -v l="$lines" -v b="$bytes" -v m="$m" '
        { a[NR] = $1 } END { printf "%8d %10.3f %10.3f %10.3f %10d %12d %10.1f\n", s, m, a[1], a[NR], l, b, m * 1e6 / s }'
    echo "($TRACE_RUNS run(s); whole process, start-up included)"
    summary "trace $steps $m $lines"
    return 0
}

# ---- forth ----------------------------------------------------------------------------

# The peers' Forth programs, unmodified, on XVM (xvm-repl FILE.fs: forth-machine)
# and on gforth-fast: the same source on two VMs, in alternating rounds.
section_forth() {
    local b r t x g bad=0 tx tg
    echo
    echo "== forth: the peers' .fs programs on XVM and on $GFORTH =="
    if ! command -v "$GFORTH" >/dev/null 2>&1 || [ -z "$PEERS_DIR" ]; then
        echo "(skipped: no $GFORTH or no peers folder)"
        return 0
    fi
    printf '%-10s %10s %10s %8s\n' bench 'xvm s' "$GFORTH s" ratio
    : >"$work/forth.ratios"
    for b in $BENCHES; do
        [ -f "$PEERS_DIR/$b.fs" ] || continue
        x=$("$XVM" "$PEERS_DIR/$b.fs" 2>&1 | tail -n 1)
        g=$("$GFORTH" "$PEERS_DIR/$b.fs" -e bye 2>&1 | tail -n 1)
        if [ "$x" != "$g" ]; then
            printf 'WRONG   %s: xvm printed [%s], %s [%s]\n' "$b" "$x" "$GFORTH" "$g"
            bad=1
            continue
        fi
        : >"$work/forth.x"
        : >"$work/forth.g"
        for ((r = 0; r < RUNS; r++)); do
            if ((r % 2)); then
                wall "$GFORTH" "$PEERS_DIR/$b.fs" -e bye >>"$work/forth.g"
                wall "$XVM" "$PEERS_DIR/$b.fs" >>"$work/forth.x"
            else
                wall "$XVM" "$PEERS_DIR/$b.fs" >>"$work/forth.x"
                wall "$GFORTH" "$PEERS_DIR/$b.fs" -e bye >>"$work/forth.g"
            fi
        done
        tx=$(median <"$work/forth.x")
        tg=$(median <"$work/forth.g")
        t=$(awk -v a="$tx" -v b="$tg" 'BEGIN { printf "%.2f", a / b }')
        printf '%-10s %10.3f %10.3f %8s\n' "$b" "$tx" "$tg" "$t"
        echo "$t" >>"$work/forth.ratios"
    done
    if [ -s "$work/forth.ratios" ]; then
        t=$(awk '{ s += log($1); n++ } END { printf "%.2f", exp(s / n) }' "$work/forth.ratios")
        echo "geomean xvm / $GFORTH: $t (median of $RUNS alternating runs each; start-up included)"
        summary "forth_geomean $t"
    fi
    return $bad
}

# ---- wasm -----------------------------------------------------------------------------

# fib.wat and loop.wat (tests/bench/) on XVM (:load FILE.wat over wasm-machine,
# then "call main") and on wabt's wasm-interp (the same text through wat2wasm):
# both must print the same value; median wall time of alternating runs.
WASM_INTERP=${WASM_INTERP:-wasm-interp}
section_wasm() {
    local b r x w tx tw t bad=0
    echo
    echo "== wasm: tests/bench/*.wat on XVM (wasm-machine) and on $WASM_INTERP =="
    if ! command -v "$WASM_INTERP" >/dev/null 2>&1 || ! command -v wat2wasm >/dev/null 2>&1; then
        echo "(skipped: no $WASM_INTERP or wat2wasm: install Debian's wabt)"
        return 0
    fi
    printf '%-10s %10s %10s %8s\n' bench 'xvm s' "$WASM_INTERP s" ratio
    : >"$work/wasm.ratios"
    for b in fib loop; do
        printf ':set fuel 0\n:load %s\ncall main; i32_int; print;\n' "$here/$b.wat" >"$work/$b.wasm.xvm"
        wat2wasm "$here/$b.wat" -o "$work/$b.wasm" || { bad=1; continue; }
        x=$("$XVM" --quiet "$work/$b.wasm.xvm" 2>&1 | tail -n 1)
        w=$("$WASM_INTERP" "$work/$b.wasm" --run-all-exports 2>&1 | tail -n 1 | sed 's/.*i32://')
        if [ "$x" != "$w" ]; then
            printf 'WRONG   %s: xvm printed [%s], %s [%s]\n' "$b" "$x" "$WASM_INTERP" "$w"
            bad=1
            continue
        fi
        : >"$work/wasm.x"
        : >"$work/wasm.w"
        for ((r = 0; r < RUNS; r++)); do
            if ((r % 2)); then
                wall "$WASM_INTERP" "$work/$b.wasm" --run-all-exports >>"$work/wasm.w"
                wall "$XVM" --quiet "$work/$b.wasm.xvm" >>"$work/wasm.x"
            else
                wall "$XVM" --quiet "$work/$b.wasm.xvm" >>"$work/wasm.x"
                wall "$WASM_INTERP" "$work/$b.wasm" --run-all-exports >>"$work/wasm.w"
            fi
        done
        tx=$(median <"$work/wasm.x")
        tw=$(median <"$work/wasm.w")
        t=$(awk -v a="$tx" -v b="$tw" 'BEGIN { printf "%.2f", a / b }')
        printf '%-10s %10.3f %10.3f %8s\n' "$b" "$tx" "$tw" "$t"
        echo "$t" >>"$work/wasm.ratios"
    done
    if [ -s "$work/wasm.ratios" ]; then
        t=$(awk '{ s += log($1); n++ } END { printf "%.2f", exp(s / n) }' "$work/wasm.ratios")
        echo "geomean xvm / $WASM_INTERP: $t (median of $RUNS alternating runs each; start-up and translation included)"
        summary "wasm_geomean $t"
    fi
    return $bad
}

# ---- summary --------------------------------------------------------------------------

# ---- policy ---------------------------------------------------------------------------

# The procedure definitions of tests/bench/*.xvm (each a .define_procedure up to
# its closing "};" at the start of a line), and their names.
policy_procs() {
    local f
    for f in "$here"/{fib,loop,sieve,collatz,alloc}.xvm; do
        awk '/^\.define_procedure/ { on = 1 } on { print } on && /^};/ { on = 0 }' "$f"
    done
}
policy_names() { policy_procs | sed -n 's/^\.define_procedure \([^,]*\),.*/\1/p'; }

# The small inputs of a session: short calls of four of those procedures.
POLICY_CALLS=("push int(15); call fib; pop;" "push int(2000); call loop-sum; pop;"
    "push int(27); call steps; pop;" "push int(300); call longest; pop; pop;")

# The longest "run Y ms" of the :time lines in $1.
policy_max_run() { sed -n 's/^time: verify [0-9.]* ms, run \([0-9.]*\) ms$/\1/p' "$1" | sort -g | tail -n 1; }
# The i-th (1-based) "run Y ms".
policy_run_n() { sed -n 's/^time: verify [0-9.]* ms, run \([0-9.]*\) ms$/\1/p' "$1" | sed -n "${2}p"; }

section_policy() {
    local bad=0 names n pol i r out med max
    echo
    echo "== policy: when to compile (compile latency, pauses, first call and steady state) =="
    names=$(policy_names)
    { echo ':set fuel 0'; policy_procs; for n in $names; do echo ":compile $n"; done; echo ':compile'; } \
        >"$work/policy-compile.xvm"
    out=$work/policy-compile.out
    "$XVM" --quiet "$work/policy-compile.xvm" >"$out" 2>&1
    if grep -q "error: cannot compile" "$out"; then
        echo "(native compiles that failed:)"
        sed -n 's/^.*error: cannot compile/  cannot compile/p' "$out" | head -n 5
    fi
    med=$(sed -n 's/^compile latency: median \([0-9.]*\) ms, max \([0-9.]*\) ms over \([0-9]*\).*/\1 \2 \3/p' "$out")
    if [ -z "$med" ]; then
        echo "(no native compile succeeded: is LLVM installed? skipping the rest)"
        sed -n '1,5s/^/  | /p' "$out"
        return 0
    fi
    # shellcheck disable=SC2086
    set -- $med
    printf 'compile latency per procedure (%s procedures of tests/bench/*.xvm): median %s ms, max %s ms\n' "$3" "$1" "$2"
    summary "policy_latency $1 $2 $3"

    # A session of small inputs under each policy: every procedure defined,
    # then POLICY_INPUTS inputs calling them in turn, each :time'd.
    printf '\n%-11s %14s %14s %16s %14s\n' policy 'longest pause' 'fib(1) first' "fib($POLICY_FIB) warm" 'vs never'
    printf '%-11s %14s %14s %16s %14s\n' '' 'ms (1 input)' 'call ms' 'ms (median)' ''
    local never_warm=
    for pol in never after-n eager background; do
        : >"$work/policy-$pol.pause" ; : >"$work/policy-$pol.first"; : >"$work/policy-$pol.warm"
        for ((r = 0; r < POLICY_RUNS; r++)); do
            {
                echo ':set fuel 0'
                policy_procs
                for ((i = 0; i < POLICY_INPUTS; i++)); do
                    echo ":time ${POLICY_CALLS[i % ${#POLICY_CALLS[@]}]}"
                done
            } >"$work/policy-session.xvm"
            "$XVM" --quiet --compile="$pol" "$work/policy-session.xvm" >"$work/policy-session.out" 2>&1 || bad=$((bad + 1))
            policy_max_run "$work/policy-session.out" >>"$work/policy-$pol.pause"
            {
                echo ':set fuel 0'
                awk '/^\.define_procedure fib/ { on = 1 } on { print } on && /^};/ { on = 0 }' "$here/fib.xvm"
                echo ':time push int(1); call fib; print;'
                for ((i = 0; i < 4; i++)); do echo ":time push int($POLICY_FIB); call fib; print;"; done
            } >"$work/policy-fib.xvm"
            "$XVM" --quiet --compile="$pol" "$work/policy-fib.xvm" >"$work/policy-fib.out" 2>&1 || bad=$((bad + 1))
            policy_run_n "$work/policy-fib.out" 1 >>"$work/policy-$pol.first"
            for i in 3 4 5; do policy_run_n "$work/policy-fib.out" "$i"; done | median >>"$work/policy-$pol.warm"
        done
        local p f w ratio
        p=$(median <"$work/policy-$pol.pause")
        f=$(median <"$work/policy-$pol.first")
        w=$(median <"$work/policy-$pol.warm")
        [ "$pol" = never ] && never_warm=$w
        ratio=$(awk -v a="$w" -v b="$never_warm" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
        printf '%-11s %14.3f %14.3f %16.3f %14s\n' "$pol" "$p" "$f" "$w" "$ratio"
        summary "policy_row $pol $p $f $w"
    done
    echo "(longest pause: the longest run time of one of $POLICY_INPUTS small inputs, which includes any"
    echo " compile the policy waits for; first call: fib(1) just after its definition; warm: fib($POLICY_FIB)"
    echo " after four calls; medians of $POLICY_RUNS sessions; whole-run milliseconds from :time)"
    return "$bad"
}

section_summary() {
    [ -s "$work/summary" ] || return 0
    echo
    echo "== summary =="
    awk -v kind="$RELINK_KIND" '
        $1 == "layering_wall_ratio" { lw = $2 }
        $1 == "layering_wall" { lt = $2; la = $3 }
        $1 == "layering_cg_ratio" { lc = $2 }
        $1 == "relink_ms" { rk[++nr] = $2; rm[nr] = $3 }
        $1 == "relink_ratio" { rr[++nq] = sprintf("t(%d)/t(%d) = %.2f (K x%.0f)", $3, $2, $4, $5) }
        $1 == "relink_growth" { rg = sprintf("time ~ K^%.2f at worst: ", $2); for (i = 3; i <= NF; i++) rg = rg $i (i < NF ? " " : "") }
        $1 == "relink_instr" { ri = ri sprintf("%sK=%d %.1fM", (ri == "" ? "" : ", "), $2, $3 / 1e6) }
        $1 == "trace" { ts = $2; tm = $3; tl = $4 }
        $1 == "peers_geomean" { pg = pg sprintf("%s%s %s", (pg == "" ? "" : ", "), $2, $3) }
        $1 == "forth_geomean" { fg = $2 }
        $1 == "wasm_geomean" { wg = $2 }
        $1 == "policy_latency" { pl = sprintf("median %s ms, max %s ms over %s procedures", $2, $3, $4) }
        $1 == "policy_row" { pr = pr sprintf("%s%s %.2f/%.2f/%.2f", (pr == "" ? "" : ", "), $2, $3, $4, $5) }
        END {
            if (pg != "") printf "peers     geomean time XVM / peer: %s\n", pg
            if (lw != "") printf "layering  tadd / two adds: wall %s (%.3f s vs %.3f s), instructions %s\n", lw, lt, la, lc
            if (nr) {
                s = ""
                for (i = 1; i <= nr; i++) s = s sprintf("%sK=%d %.2f ms", (i > 1 ? ", " : ""), rk[i], rm[i])
                printf "relink    per redefinition (%s): %s\n", kind, s
                for (i = 1; i <= nq; i++) printf "          %s\n", rr[i]
                if (rg != "") printf "          %s\n", rg
                if (ri != "") printf "          instructions per redefinition: %s\n", ri
            }
            if (ts != "") printf "trace     %d steps: %.3f s median, %d lines written\n", ts, tm, tl
            if (fg != "") printf "forth     geomean time xvm-repl FILE.fs / gforth-fast FILE.fs: %s\n", fg
            if (wg != "") printf "wasm      geomean time xvm-repl (:load FILE.wat) / wasm-interp: %s\n", wg
            if (pl != "") printf "policy    compile latency %s\n", pl
            if (pr != "") printf "          longest pause/first call/warm fib ms: %s\n", pr
        }' "$work/summary"
}
