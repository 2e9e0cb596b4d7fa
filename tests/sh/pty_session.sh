#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions are called indirectly (traps, wait_for)
#
# Drive xvm-repl through a pseudo-terminal (util-linux `script`) the way a
# user would, and check the interactive contract:
#   * on a terminal the prompt is "xvm:core> "
#   * "push int(2); push int(3); add; print;" prints 5
#   * ":quit" exits with status 0
#   * Ctrl-D on an empty line exits with status 0
# Each session is killed after $XVM_PTY_TIMEOUT (10) seconds: no hangs.
# Skipped (exit 0 with a message) only if `script` is not installed.
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

TMP=$(mktemp -d "${TMPDIR:-/tmp}/xvm-pty.XXXXXX") || exit 1
OUT=$TMP/out            # what the terminal shows
FIFO=$TMP/keys          # what the user types (written through fd 3)
REPL_PID_FILE=$TMP/repl.pid
PID=                    # our `timeout ... script` process
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

has_prompt()   { clean | grep -qF 'xvm:core> '; }
prompts()      { clean | grep -oF 'xvm:core> ' | wc -l; }
more_prompts() { (($(prompts) > $1)); }
# 5 printed on a line of its own (the typed line contains no 5).
has_five()     { clean | grep -Eq '^[[:space:]]*5[[:space:]]*$'; }

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

session_quit() {
    echo "session 1: prompt, push/add/print, :quit"
    start
    wait_for "prompt 'xvm:core> '" has_prompt || return
    echo "ok: prompt 'xvm:core> ' appeared"
    local n
    n=$(prompts)
    type_keys 'push int(2); push int(3); add; print;\r'
    wait_for "output line '5'" has_five || return
    echo "ok: 5 printed"
    # Let the next prompt appear so that :quit is read at a fresh prompt.
    wait_for "prompt after the command" more_prompts "$n" || return
    type_keys ':quit\r'
    finish ":quit"
}

session_eof() {
    echo "session 2: Ctrl-D on an empty line"
    start
    wait_for "prompt 'xvm:core> '" has_prompt || return
    type_keys '\004'
    finish "Ctrl-D"
}

session_quit
session_eof

if ((FAILED)); then
    echo "pty_session: FAILED"
    exit 1
fi
echo "pty_session: all checks passed"
exit 0
