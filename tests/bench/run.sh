#!/usr/bin/env bash
# tests/bench/run.sh - XVM against its peers (DESIGN §6).
#
# Usage:
#   bash tests/bench/run.sh [XVM_BIN]               check, then time (what `make bench` runs)
#   bash tests/bench/run.sh --check [XVM_BIN]       check the XVM programs' output only
#   bash tests/bench/run.sh --callgrind [XVM_BIN]   instruction counts of fib(CG_N) under
#                                                   valgrind --tool=callgrind (XVM, lua5.4, ...)
#   bash tests/bench/run.sh --only LIST [XVM_BIN]   run only the sections in LIST, a comma-
#                                                   separated subset of peers,layering,relink,trace,forth,wasm
#
# `make bench` runs six sections, in this order, then a summary:
#   peers     the five programs below, XVM against its peers
#   layering  tadd on Figure 1's extended-machine against two adds (wall and callgrind)
#   relink    redefining a module's operation with 10, 100, 1000 dependants
#   trace     :trace of 10,000 steps to a file
#   forth     the peers' .fs programs, unmodified, on XVM and on gforth-fast
#   wasm      tests/bench/fib.wat and loop.wat on XVM and on wabt's wasm-interp
# The last four are described, with their knobs, in tests/bench/sections.sh.
#
# XVM_BIN defaults to xvm-repl at the repository root.  The benchmarks are the
# five programs tests/bench/{fib,loop,sieve,collatz,alloc}.xvm; each does the
# same work by the same algorithm as the peer programs in the peers folder
# ($XVM_PEERS, else ../shared/bench/peers beside the repository).
#
# First every XVM program is run once and its output checked against the
# expected line (the first line of the peer's Python file, else of the .xvm
# file); the "defined procedure ..." lines that xvm-repl prints for each
# definition, and the "fuel = 0" of a program that needs more than the
# default fuel, are ignored.  A wrong or failing program is reported and not timed.
# Then XVM and every available peer are timed in the same run: for each
# benchmark, RUNS rounds in which each program runs once, in rotating order
# (A B C, B C A, ...), so that drift of a noisy machine hits all of them alike.
# Times are whole processes, start-up included, measured with hyperfine -N when
# it is installed, else with `date +%s.%N` around the run.  The tables give the
# median seconds and the ratio XVM / peer (below 1: XVM is faster).
#
# Knobs (environment):
#   RUNS=3                                   timed rounds per benchmark
#   BENCHES="fib loop sieve collatz alloc"
#   PEERS="c lua5.4 luajit-joff gforth-fast python3"    (also: luajit, JIT on)
#   CC=gcc CFLAGS=-O2 LUA=lua5.4 LUAJIT=luajit GFORTH=gforth-fast PYTHON=python3
#   TIMER=auto|hyperfine|date               force a timer
#   CG_N=25                                 fib size for --callgrind
#   CG_PEERS="lua5.4 luajit-joff gforth-fast c"   what --callgrind measures besides XVM
# A peer whose tool is missing is skipped ("-" in the tables).  If PYTHON is
# not set and python3 on PATH is a pyenv shim, the real interpreter is used.
#
# Exit status: 0 if every XVM program printed the expected line and every check
# of the other sections passed, else 1 (2 for a usage error).  Not part of `make test`.

set -u
set -f   # command lines are split into words on purpose below; never glob them

mode="time"
SECTIONS="peers layering relink trace forth wasm"
while [ $# -gt 0 ]; do
    case $1 in
        --check) mode=check; shift ;;
        --callgrind) mode=callgrind; shift ;;
        --only)
            [ $# -ge 2 ] || { echo "run.sh: --only needs a list, e.g. --only layering,relink,trace" >&2; exit 2; }
            SECTIONS=$(printf '%s' "$2" | tr ',' ' ')
            for sec in $SECTIONS; do
                case $sec in peers | layering | relink | trace | forth | wasm) ;;
                    *) echo "run.sh: unknown section '$sec' (peers, layering, relink, trace, forth, wasm)" >&2; exit 2 ;;
                esac
            done
            shift 2 ;;
        --only=*) set -- --only "${1#--only=}" "${@:2}" ;;
        -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
        *) break ;;
    esac
done
want_section() { case " $SECTIONS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 2
root=$(cd "$here/../.." && pwd) || exit 2
XVM=${1:-$root/xvm-repl}
case $XVM in /*) ;; *) XVM=$PWD/$XVM ;; esac
if [ ! -x "$XVM" ]; then
    echo "run.sh: no executable xvm-repl at '$XVM' (run make first)" >&2
    exit 2
fi
PEERS_DIR=${XVM_PEERS:-$root/../shared/bench/peers}
if [ -d "$PEERS_DIR" ]; then
    PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
else
    echo "run.sh: note: no peers folder at '$PEERS_DIR' (set XVM_PEERS): timing XVM alone" >&2
    PEERS_DIR=
fi

RUNS=${RUNS:-3}
BENCHES=${BENCHES:-"fib loop sieve collatz alloc"}
PEERS=${PEERS:-"xvm-native c lua5.4 luajit-joff luajit gforth-fast python3"}
CC=${CC:-gcc}
CFLAGS=${CFLAGS:--O2}
LUA=${LUA:-lua5.4}
LUAJIT=${LUAJIT:-luajit}
GFORTH=${GFORTH:-gforth-fast}
TIMER=${TIMER:-auto}
CG_N=${CG_N:-25}
CG_PEERS=${CG_PEERS:-"lua5.4 luajit-joff gforth-fast c"}

have() { command -v "$1" >/dev/null 2>&1; }

# The real python3: a pyenv shim is a bash script that costs tens of ms per start.
if [ -z "${PYTHON:-}" ]; then
    PYTHON=python3
    p=$(command -v python3 2>/dev/null)
    if [ -n "$p" ] && head -c 2 "$p" 2>/dev/null | grep -q '^#!'; then
        if have pyenv && real=$(pyenv which python3 2>/dev/null) && [ -x "$real" ]; then
            PYTHON=$real
        elif [ -x /usr/bin/python3 ]; then
            PYTHON=/usr/bin/python3
        fi
    fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/xvm-bench.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'rm -rf "$work"; exit 130' INT TERM

# ---- programs -------------------------------------------------------------------------

# The executable a peer needs.
peer_tool() {
    case $1 in
        c) echo "$CC" ;;
        xvm-native) echo "$XVM" ;;
        lua5.4) echo "$LUA" ;;
        luajit-joff | luajit) echo "$LUAJIT" ;;
        gforth-fast) echo "$GFORTH" ;;
        python3) echo "$PYTHON" ;;
        *) echo "unknown-peer-$1" ;;
    esac
}

# The command line that runs benchmark $2 under $1 (xvm or a peer).
cmd_of() {
    case $1 in
        xvm) echo "$XVM $here/$2.xvm" ;;
        c) echo "$work/$2" ;;
        xvm-native) echo "env XVM_NATIVE_EAGER=1 $XVM $here/$2.xvm" ;;   # every procedure native on its first call, compile time included
        lua5.4) echo "$LUA $PEERS_DIR/$2.lua" ;;
        luajit-joff) echo "$LUAJIT -joff $PEERS_DIR/$2.lua" ;;
        luajit) echo "$LUAJIT $PEERS_DIR/$2.lua" ;;
        gforth-fast) echo "$GFORTH $PEERS_DIR/$2.fs" ;;
        python3) echo "$PYTHON $PEERS_DIR/$2.py" ;;
    esac
}

# The source file whose first line names the expected output.
src_of() {
    case $1 in
        xvm | xvm-native) echo "$here/$2.xvm" ;;
        c) echo "$PEERS_DIR/$2.c" ;;
        lua5.4 | luajit-joff | luajit) echo "$PEERS_DIR/$2.lua" ;;
        gforth-fast) echo "$PEERS_DIR/$2.fs" ;;
        python3) echo "$PEERS_DIR/$2.py" ;;
    esac
}

expected() { # $1 = bench
    local f=$here/$1.xvm
    [ -n "$PEERS_DIR" ] && [ -f "$PEERS_DIR/$1.py" ] && f=$PEERS_DIR/$1.py
    sed -n '1s/^.*expected output: //p' "$f"
}

# Run "$1" (a command line) and print its output; xvm-repl's lines that report a
# definition are dropped.  The exit status is the command's.
run_filtered() {
    local out rc
    # shellcheck disable=SC2086
    out=$($1 2>"$work/stderr")
    rc=$?
    printf '%s\n' "$out" | grep -Ev '^(re)?defined procedure |^fuel = 0$' || true
    return $rc
}

# Peers whose tools exist (and, for C, that build).
active_peers() { # $1 = list
    local p list=
    for p in $1; do
        if [ -z "$PEERS_DIR" ]; then
            continue
        elif ! have "$(peer_tool "$p")"; then
            echo "run.sh: skipping $p: $(peer_tool "$p") not found" >&2
        else
            list="$list $p"
        fi
    done
    echo "$list"
}

build_c() { # $1 = benches
    local b
    for b in $1; do
        # shellcheck disable=SC2086
        $CC $CFLAGS -o "$work/$b" "$PEERS_DIR/$b.c" || return 1
    done
}

# ---- check ----------------------------------------------------------------------------

# Check XVM on every benchmark (and the peers, once, so a broken tool is not timed).
# Writes "bench impl" for every good cell to $work/good.  Returns the number of
# wrong XVM programs.
check_all() { # $1 = peers
    local b p want got bad=0 rc
    : >"$work/good"
    for b in $BENCHES; do
        want=$(expected "$b")
        for p in xvm $1; do
            if [ ! -f "$(src_of "$p" "$b")" ]; then
                printf 'MISSING %-8s %-12s %s\n' "$b" "$p" "$(src_of "$p" "$b")"
                [ "$p" = xvm ] && bad=$((bad + 1))
                continue
            fi
            got=$(run_filtered "$(cmd_of "$p" "$b")")
            rc=$?
            if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
                [ "$p" = xvm ] && printf 'ok      %-8s %-12s %s\n' "$b" "$p" "$got"
                echo "$b $p" >>"$work/good"
            else
                printf 'WRONG   %-8s %-12s exit %s, got [%s] want [%s]\n' "$b" "$p" "$rc" \
                    "$(printf '%s' "$got" | tr '\n' '|')" "$want"
                sed -n '1,8s/^/        | /p' "$work/stderr"
                [ "$p" = xvm ] && bad=$((bad + 1))
            fi
        done
    done
    return "$bad"
}

# ---- timing ---------------------------------------------------------------------------

timer=
if [ "$TIMER" != date ] && have hyperfine &&
    hyperfine -N --runs 1 --style none true >/dev/null 2>&1; then
    timer=hyperfine
elif [ "$TIMER" = hyperfine ]; then
    echo "run.sh: TIMER=hyperfine but hyperfine (1.13 or later) is not usable" >&2
    exit 2
else
    timer="date"
fi

# Time one run of each command line in the array cmds; append "impl secs" lines to
# $work/times.$bench in the order given.
time_round() { # $1 = bench; $2.. = impls
    local b=$1 p i t0 t1
    shift
    if [ "$timer" = hyperfine ]; then
        local args=()
        for p in "$@"; do args+=(-n "$p" "$(cmd_of "$p" "$b")"); done
        rm -f "$work/h.csv"
        if hyperfine -N -i --runs 1 --style none --export-csv "$work/h.csv" "${args[@]}" >/dev/null 2>&1; then
            i=0
            for p in "$@"; do
                i=$((i + 1))
                echo "$p $(awk -F, -v n=$((i + 1)) 'NR == n { print $2 }' "$work/h.csv")"
            done >>"$work/times.$b"
            return
        fi
        # hyperfine failed as a whole: fall back to the clock for this round
    fi
    local cmd
    for p in "$@"; do
        cmd=$(cmd_of "$p" "$b")
        t0=$(date +%s.%N)
        $cmd >/dev/null 2>&1
        t1=$(date +%s.%N)
        echo "$p $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')" >>"$work/times.$b"
    done
}

median_of() { # $1 = bench, $2 = impl: median seconds, or empty
    [ -f "$work/times.$1" ] || return 0
    awk -v p="$2" '$1 == p { print $2 }' "$work/times.$1" | sort -g | awk '
        { a[NR] = $1 }
        END { if (NR == 0) exit
              if (NR % 2) printf "%.3f\n", a[(NR + 1) / 2]
              else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

print_tables() { # $1 = peers
    local b p v x
    echo
    echo "median wall seconds ($RUNS rounds, alternating; start-up included; timer: $timer)"
    printf '%-8s %12s' bench xvm
    for p in $1; do printf ' %12s' "$p"; done
    echo
    for b in $BENCHES; do
        printf '%-8s' "$b"
        for p in xvm $1; do
            v=$(median_of "$b" "$p")
            if [ -z "$v" ]; then
                grep -qx "$b $p" "$work/good" 2>/dev/null || v=wrong
            fi
            printf ' %12s' "${v:--}"
        done
        echo
    done
    [ -n "$1" ] || return 0

    echo
    echo "ratio XVM / peer (median over median; below 1.00: XVM faster)"
    printf '%-8s' bench
    for p in $1; do printf ' %12s' "$p"; done
    echo
    : >"$work/ratios"
    for b in $BENCHES; do
        printf '%-8s' "$b"
        x=$(median_of "$b" xvm)
        for p in $1; do
            v=$(median_of "$b" "$p")
            if [ -n "$x" ] && [ -n "$v" ]; then
                v=$(awk -v x="$x" -v v="$v" 'BEGIN { if (v > 0 && x > 0) printf "%.2f", x / v }')
                [ -n "$v" ] && echo "$p $v" >>"$work/ratios"
            else
                v=
            fi
            printf ' %12s' "${v:--}"
        done
        echo
    done
    printf '%-8s' geomean
    for p in $1; do
        v=$(awk -v p="$p" '$1 == p { s += log($2); n++ } END { if (n) printf "%.2f", exp(s / n) }' \
            "$work/ratios")
        printf ' %12s' "${v:--}"
    done
    echo
}

# ---- callgrind ------------------------------------------------------------------------

# Instructions executed by the command line "$1" under callgrind (its output
# goes to $work/cg.stdout).
cg_count() {
    rm -f "$work/cg.out"
    # shellcheck disable=SC2086
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" $1 >"$work/cg.stdout" 2>"$work/cg.stderr" ||
        return 1
    awk '/^(summary|totals):/ { print $2; exit }' "$work/cg.out"
}

callgrind_mode() {
    have valgrind || { echo "run.sh: --callgrind needs valgrind" >&2; exit 2; }
    local want p fibcmd emptycmd full empty net out bad=0
    want=$(awk -v n="$CG_N" 'BEGIN { a = 0; b = 1; for (i = 0; i < n; i++) { t = a + b; a = b; b = t }; print a }')
    # fib(CG_N) versions of the programs, and empty programs for the start-up cost
    sed "s/push int(37); call fib;/push int($CG_N); call fib;/" "$here/fib.xvm" >"$work/fib.xvm"
    : >"$work/empty.xvm"
    : >"$work/empty.lua"
    if [ -n "$PEERS_DIR" ]; then
        sed "s/fib(37)/fib($CG_N)/" "$PEERS_DIR/fib.lua" >"$work/fib.lua"
        sed "s/^37 fib/$CG_N fib/" "$PEERS_DIR/fib.fs" >"$work/fib.fs"
        sed "s/fib(37)/fib($CG_N)/" "$PEERS_DIR/fib.c" >"$work/fib.c"
        printf 'bye\n' >"$work/empty.fs"
        printf 'int main(void) { return 0; }\n' >"$work/empty.c"
    fi
    echo "callgrind: instructions for fib($CG_N) = $want (whole process; 'net' less an empty program's start-up)"
    printf '%-12s %15s %15s %15s %10s\n' impl total empty net 'xvm/impl'
    : >"$work/cg.results"
    for p in xvm $(active_peers "$CG_PEERS"); do
        case $p in
            xvm) fibcmd="$XVM $work/fib.xvm" emptycmd="$XVM $work/empty.xvm" ;;
            lua5.4) fibcmd="$LUA $work/fib.lua" emptycmd="$LUA $work/empty.lua" ;;
            luajit-joff) fibcmd="$LUAJIT -joff $work/fib.lua" emptycmd="$LUAJIT -joff $work/empty.lua" ;;
            luajit) fibcmd="$LUAJIT $work/fib.lua" emptycmd="$LUAJIT $work/empty.lua" ;;
            gforth-fast) fibcmd="$GFORTH $work/fib.fs" emptycmd="$GFORTH $work/empty.fs" ;;
            python3) continue ;;  # CPython fib(25) under callgrind is slow and adds little
            c)
                # shellcheck disable=SC2086
                if ! $CC $CFLAGS -o "$work/fibc" "$work/fib.c" || ! $CC $CFLAGS -o "$work/emptyc" "$work/empty.c"; then
                    continue
                fi
                fibcmd="$work/fibc" emptycmd="$work/emptyc" ;;
            *) continue ;;
        esac
        if ! full=$(cg_count "$fibcmd"); then
            printf '%-12s %15s   (valgrind failed: %s)\n' "$p" - "$(tail -n 1 "$work/cg.stderr")"
            [ "$p" = xvm ] && bad=1
            continue
        fi
        out=$(grep -Ev '^(re)?defined procedure |^fuel = 0$' "$work/cg.stdout")
        if [ "$out" != "$want" ]; then
            printf '%-12s WRONG: got [%s] want [%s]\n' "$p" "$(printf '%s' "$out" | tr '\n' '|')" "$want"
            [ "$p" = xvm ] && bad=1
            continue
        fi
        if ! empty=$(cg_count "$emptycmd"); then
            printf '%-12s (the empty program failed under valgrind: start-up not subtracted)\n' "$p"
            empty=0
        fi
        net=$((full - empty))
        echo "$p $full $empty $net" >>"$work/cg.results"
    done
    local xnet
    xnet=$(awk '$1 == "xvm" { print $4 }' "$work/cg.results")
    while read -r p full empty net; do
        printf '%-12s %15s %15s %15s %10s\n' "$p" "$full" "$empty" "$net" \
            "$(awk -v x="${xnet:-0}" -v n="$net" 'BEGIN { if (x > 0 && n > 0) printf "%.2f", x / n; else print "-" }')"
    done <"$work/cg.results"
    if [ -n "$xnet" ]; then
        awk -v x="$xnet" -v n="$CG_N" 'BEGIN {
            a = 0; b = 1; calls = 0
            # calls of fib(n) = 2 * fib(n + 1) - 1
            for (i = 0; i < n + 1; i++) { t = a + b; a = b; b = t }
            calls = 2 * a - 1
            printf "xvm: %.1f instructions per fib call (%d calls)\n", x / calls, calls }'
    fi
    return "$bad"
}

# ---- main -----------------------------------------------------------------------------

cd "$root" || exit 2

if [ "$mode" = callgrind ]; then
    callgrind_mode
    exit $?
fi

if [ "$mode" = check ]; then
    check_all ""
    exit $(($? > 0))
fi

# shellcheck source=tests/bench/sections.sh
. "$here/sections.sh"
echo "xvm: $XVM"
bad=0
if ! want_section peers; then
    for sec in layering relink trace forth wasm; do
        want_section "$sec" || continue
        "section_$sec"
        bad=$((bad + $?))
    done
    section_summary
    [ "$bad" -eq 0 ] || echo "run.sh: $bad check(s) failed" >&2
    exit $((bad > 0))
fi

peers=$(active_peers "$PEERS")

case " $peers " in
*" c "*)
    if ! build_c "$BENCHES"; then
        echo "run.sh: cannot build the C peers with $CC $CFLAGS: skipping c" >&2
        peers=" $peers "
        peers=${peers/ c / }
    fi
    ;;
esac

[ -n "$PEERS_DIR" ] && echo "peers: $PEERS_DIR (${peers# })"
check_all "$peers"
bad=$?

echo
echo "timing: $RUNS rounds per benchmark with $timer"
for b in $BENCHES; do
    impls=()
    for p in xvm $peers; do
        grep -qx "$b $p" "$work/good" && impls+=("$p")
    done
    [ ${#impls[@]} -gt 0 ] || continue
    n=${#impls[@]}
    for ((r = 0; r < RUNS; r++)); do
        order=()
        for ((i = 0; i < n; i++)); do order+=("${impls[$(((i + r) % n))]}"); done
        time_round "$b" "${order[@]}"
    done
    printf '  %-8s done\n' "$b" >&2
done

print_tables "$peers"
[ "$bad" -eq 0 ] || echo "run.sh: $bad XVM benchmark(s) printed the wrong output (not timed)" >&2

others=0
for sec in layering relink trace forth wasm; do
    want_section "$sec" || continue
    "section_$sec"
    others=$((others + $?))
done
if [ -s "$work/ratios" ]; then
    for p in $peers; do
        v=$(awk -v p="$p" '$1 == p { s += log($2); n++ } END { if (n) printf "%.2f", exp(s / n) }' "$work/ratios")
        [ -n "$v" ] && summary "peers_geomean $p $v"
    done
fi
section_summary
[ "$others" -eq 0 ] || echo "run.sh: $others check(s) of the layering/relink/trace sections failed" >&2
exit $(((bad + others) > 0))
