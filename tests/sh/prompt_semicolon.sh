#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions are called indirectly (traps, wait_for)
#
# At a real prompt (a pseudo-terminal, as tests/sh/pty_session.sh drives it):
#   * the last statement of a line may leave its ';' out (issue 14, item
#     10): "push int(2); push int(40); add; print" prints 42;
#   * a block left open is still an open input: after "push int(1); if {"
#     the prompt is the continuation prompt, and nothing runs until "}";
#   * :help's first line names the machine in use, and :help fits 80
#     columns (item 4).
# Skipped (exit 0 with a message) only if `script` is not installed.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
XVM_BIN=${XVM_BIN:-$ROOT/xvm-repl}
LIMIT=${XVM_PTY_TIMEOUT:-10}

if ! command -v script >/dev/null 2>&1; then
    echo "SKIP: script(1) (util-linux) not found; pty test not run"
    exit 0
fi
if [[ ! -f $XVM_BIN || ! -x $XVM_BIN ]]; then
    echo "FAIL: XVM_BIN '$XVM_BIN' is not an executable file"
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/xvm-pty-semi.XXXXXX") || exit 1
OUT=$TMP/out
FIFO=$TMP/keys
REPL_PID_FILE=$TMP/repl.pid
PID=
DEADLINE=0
FAILED=0
# stop: make sure neither script nor xvm-repl survives (the REPL runs in its
# own session on the pty, so signalling `script` alone is not enough).
stop() {
    local rp='' i
    [[ -s $REPL_PID_FILE ]] && rp=$(<"$REPL_PID_FILE")
    # The REPL leads its own session on the pty, so its pid is also its
    # process group id: TERM the group, then KILL it.  `script` exits by
    # itself once the REPL is gone (signalling script makes it linger).
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
        # Still there: `timeout` leads a process group holding `script`.
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

# Keep the REPL away from the user's history file and readline config.
export HOME=$TMP/home INPUTRC=/dev/null TERM=dumb LC_ALL=C
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME
mkdir -p "$HOME"

# The transcript without escape sequences and carriage returns.
clean() {
    sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' \
        -e 's/\x1b[=>]//g' -e 's/\r//g' "$OUT"
}

# bad MESSAGE: report a failure with the transcript, end the session.
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

# start: launch xvm-repl on a fresh pty; its keyboard is fd 3.
start() {
    rm -f "$FIFO" "$OUT" "$REPL_PID_FILE"
    mkfifo "$FIFO" || exit 1
    : >"$OUT"
    exec 3<>"$FIFO"                  # read-write open: does not block
    # script runs its -c argument with $SHELL -c; the wrapper records the
    # REPL's pid (exec keeps it) so that stop can always kill it.
    SHELL=$BASH timeout -k 2 "$((LIMIT + 5))" \
        script -qfec "echo \$\$ > $(printf '%q' "$REPL_PID_FILE"); exec $(printf '%q' "$XVM_BIN")" \
        /dev/null <"$FIFO" >"$OUT" 2>&1 3>&- &
    PID=$!
    DEADLINE=$((SECONDS + LIMIT))
}

# wait_for DESCRIPTION COMMAND...: poll until COMMAND succeeds; fail when
# the session's time is up or the REPL has gone away.
wait_for() {
    local what=$1
    shift
    while ! "$@"; do
        if ! kill -0 "$PID" 2>/dev/null; then
            "$@" && return 0         # one last look after it exited
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


type_keys() { printf '%b' "$1" >&3; }
# finish WHAT: wait for xvm-repl to exit after WHAT, expect status 0.
finish() {
    local what=$1 rc
    while kill -0 "$PID" 2>/dev/null; do
        if ((SECONDS >= DEADLINE)); then
            bad "xvm-repl did not exit within ${LIMIT}s after $what (killed)"
            return 1
        fi
        sleep 0.1
    done
    wait "$PID"
    rc=$?
    PID=
    exec 3>&-
    if ((rc != 0)); then
        bad "exit status $rc after $what (expected 0)"
        return 1
    fi
    echo "ok: clean exit (status 0) after $what"
}

has_prompt()  { clean | grep -qF 'xvm:core> '; }
prompts()     { clean | grep -oF 'xvm:core> ' | wc -l; }
more_prompts() { (($(prompts) > $1)); }
has_line()    { clean | grep -Eq "^[[:space:]]*$1[[:space:]]*\$"; }
cont_after()  { clean | tail -n 1 | grep -qF 'xvm:core| '; }
prompt_last() { clean | tail -n 1 | grep -qF 'xvm:core> '; }
help_done()   { clean | grep -q '^  load store'; }

echo "session: a missing final ';', an open block, :help"
start
wait_for "prompt 'xvm:core> '" has_prompt || exit 1
type_keys 'push int(2); push int(40); add; print\r'
wait_for "output line '42'" has_line 42 || exit 1
echo "ok: 'push int(2); push int(40); add; print' (no final ';') printed 42"
clean | grep -q "error" && bad "an error for a missing final ';'"

n=$(prompts)
type_keys 'push int(1); if {\r'
wait_for "continuation prompt 'xvm:core| '" cont_after || exit 1
type_keys '  push int(7); print;\r'
wait_for "continuation prompt after the block's line" cont_after || exit 1
sleep 0.3
has_line 7 && bad "the open block ran before it was closed"
type_keys '}\r'
wait_for "output line '7'" has_line 7 || exit 1
echo "ok: a block left open continued at 'xvm:core| ' and ran when closed"
wait_for "prompt after the block" more_prompts "$n" || exit 1

type_keys ':help\r'
wait_for ":help's list of operations" help_done || exit 1
first=$(clean | grep -m1 '^Machine in use:')
[[ $first == "Machine in use: core-machine"* ]] || bad ":help's first line does not name core-machine: '$first'"
long=$(clean | sed -n '/^Machine in use:/,/^  load store/p' | awk 'length > 80')
[[ -z $long ]] || bad ":help at the terminal has lines over 80 columns: $long"
echo "ok: :help names core-machine and fits 80 columns"
wait_for "prompt after :help" prompt_last || exit 1
type_keys ':quit\r'
finish ":quit" || exit 1

if ((FAILED)); then
    echo "prompt_semicolon: FAILED"
    exit 1
fi
echo "prompt_semicolon: all checks passed"
exit 0
