#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions are called indirectly (traps, wait_for)
#
# :trace at a real terminal fits its table to the terminal's width: run
# xvm-repl on a pseudo-terminal (util-linux `script`) set to 80 columns,
# then to 132, trace code with a long component frame and tick
# operations, and check that every table line fits the width, that the
# separators of every line stand in the same columns, and that the wider
# terminal gets a wider table.  Skipped only if `script` is not installed.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XVM_BIN=${XVM_BIN:-$ROOT/xvm-repl}
LIMIT=${XVM_PTY_TIMEOUT:-10}          # seconds per session

if ! command -v script >/dev/null 2>&1; then
    echo "SKIP: script(1) (util-linux) not found; pty test not run"
    exit 0
fi
if [[ ! -f $XVM_BIN || ! -x $XVM_BIN ]]; then
    echo "FAIL: XVM_BIN '$XVM_BIN' is not an executable file"
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/xvm-trace-width.XXXXXX") || exit 1
OUT=$TMP/out
FIFO=$TMP/keys
REPL_PID_FILE=$TMP/repl.pid
PID=
FAILED=0

stop() {
    local rp='' i
    [[ -s $REPL_PID_FILE ]] && rp=$(<"$REPL_PID_FILE")
    if [[ -n $rp ]]; then
        { kill -TERM -- "-$rp" || kill -TERM "$rp"; } 2>/dev/null
        for ((i = 0; i < 10; i++)); do
            kill -0 "$rp" 2>/dev/null || break
            sleep 0.1
        done
        { kill -KILL -- "-$rp" || kill -KILL "$rp"; } 2>/dev/null
    fi
    if [[ -n $PID ]]; then
        for ((i = 0; i < 30; i++)); do
            kill -0 "$PID" 2>/dev/null || break
            sleep 0.1
        done
        { kill -KILL -- "-$PID" || kill -KILL "$PID"; } 2>/dev/null
        { wait "$PID"; } 2>/dev/null
    fi
    PID=
    exec 3>&-
}
cleanup() {
    stop
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# COLUMNS says 200: the terminal's own size (TIOCGWINSZ) must win.
export HOME=$TMP/home INPUTRC=/dev/null TERM=dumb LC_ALL=C COLUMNS=200
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME
mkdir -p "$HOME"

clean() {
    sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' \
        -e 's/\x1b[=>]//g' -e 's/\r//g' "$OUT"
}

bad() {
    echo "FAIL: $*"
    echo "---- terminal transcript (cat -v) ----"
    cat -v "$OUT"
    echo
    echo "--------------------------------------"
    FAILED=1
    stop
    return 1
}

# start COLS: xvm-repl on a fresh pty of COLS columns; its keyboard is fd 3.
start() {
    rm -f "$FIFO" "$OUT" "$REPL_PID_FILE"
    mkfifo "$FIFO" || exit 1
    : >"$OUT"
    exec 3<>"$FIFO"
    SHELL=$BASH timeout -k 2 "$((LIMIT + 5))" \
        script -qfec "echo \$\$ > $(printf '%q' "$REPL_PID_FILE"); stty cols $1 rows 40; cd $(printf '%q' "$ROOT"); exec $(printf '%q' "$XVM_BIN")" \
        /dev/null <"$FIFO" >"$OUT" 2>&1 3>&- &
    PID=$!
    DEADLINE=$((SECONDS + LIMIT))
}

wait_for() {
    local what=$1
    shift
    while ! "$@"; do
        if ! kill -0 "$PID" 2>/dev/null; then
            "$@" && return 0
            bad "xvm-repl exited before $what appeared"
            return 1
        fi
        if ((SECONDS >= DEADLINE)); then
            bad "no $what within ${LIMIT}s"
            return 1
        fi
        sleep 0.1
    done
}

prompts()    { clean | grep -cF 'xvm:' ; }
more_prompts() { (($(prompts) > $1)); }
traces_done() { (($(clean | grep -c '^done: ') >= $1)); }
type_keys() { printf '%b' "$1" >&3; }

# The table's lines: the header and the rows, each with its separators.
table_lines() { clean | grep -E '^ *(STEP|[0-9]+ |  ) .* \| .* \| .* \| ' ; }

# check COLS: the table fits COLS columns and its separators line up.
check() {
    local cols=$1 widest seps
    if ! table_lines | grep -q '^ STEP AT'; then
        bad "no trace table at $cols columns"
        return 1
    fi
    widest=$(table_lines | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
    if ((widest > cols)); then
        bad "a table line is $widest columns wide on a $cols-column terminal"
        return 1
    fi
    # The columns of the first three '|' of every line: one set for all.
    seps=$(table_lines | awk '{ s = ""; n = 0
        for (i = 1; i <= length($0) && n < 3; i++) if (substr($0, i, 1) == "|") { s = s " " i; n++ }
        print s }' | sort -u | wc -l)
    if ((seps != 1)); then
        bad "the separators are not aligned at $cols columns ($seps different layouts)"
        return 1
    fi
    echo "ok: $cols columns: table $widest columns wide, separators aligned"
    WIDEST=$widest
}

session() {
    local cols=$1 n
    echo "session: a $cols-column terminal"
    start "$cols"
    wait_for "prompt" more_prompts 0 || return
    n=$(prompts)
    type_keys ':load tests/paper/figure1.xvm\r'
    wait_for "prompt after :load" more_prompts "$n" || return
    n=$(prompts)
    type_keys ':use extended-machine\r'
    wait_for "prompt after :use" more_prompts "$n" || return
    type_keys ':trace push int(2); push int(3); push int(4); tadd; print;\r'
    wait_for "the end of the first trace" traces_done 1 || return
    type_keys '.load_modules parity-machine;\r:use parity-machine\r:trace push int(5); pinc; print;\r'
    wait_for "the end of the second trace" traces_done 2 || return
    check "$cols" || return
    type_keys ':quit\r'
    stop
}

WIDEST=0
session 80
narrow=$WIDEST
session 132
if ((!FAILED && WIDEST <= narrow)); then
    echo "FAIL: the table is no wider at 132 columns ($WIDEST) than at 80 ($narrow)"
    FAILED=1
fi

if ((FAILED)); then
    echo "trace_width: FAILED"
    exit 1
fi
echo "trace_width: all checks passed"
exit 0
