#!/usr/bin/env bash
# Colour and progress at a terminal, through a pseudo-terminal (util-linux
# `script`), and their absence everywhere else:
#   * on a terminal errors are coloured: "error:" bold red, "hint:" green,
#     the caret line (^~~~) green; typed at the prompt too
#   * no colour with NO_COLOR=1 (any non-empty value), TERM=dumb, --color=never,
#     or when stderr is a pipe; NO_COLOR= (empty) changes nothing
#   * --color=always colours into a pipe, byte for byte the plain text once
#     the escapes are taken out; --color=bogus is a usage error (status 2)
#   * :trace colours the facts a step adds when stdout is a terminal
#   * progress ("loading units... N", "loading files... N/M", "tracing... N") appears on a terminal's
#     stderr once the work has lasted $XVM_REPL_PROGRESS_MS, is erased, and
#     never reaches a pipe or, for :trace, a terminal that shows the rows
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

TMP=$(mktemp -d "${TMPDIR:-/tmp}/xvm-color.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
export HOME=$TMP/home INPUTRC=/dev/null LC_ALL=C TERM=xterm
unset NO_COLOR XVM_REPL_PROGRESS_MS XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME
mkdir -p "$HOME"
FAILED=0
BIN=$(printf '%q' "$XVM_BIN")

ESC=$'\e'
RED="$ESC[1;31merror:"
HINT="$ESC[1;32mhint:"
CARET="$ESC[1;32m^~~$ESC[0m"
CHANGE="$ESC[33m"

cat >"$TMP/bad.xvm" <<'EOF'
push int(1); foo;
EOF
cat >"$TMP/trace.xvm" <<'EOF'
.load_modules parity-machine;
:use parity-machine
push int(3); pdouble; pop;
:trace push int(5); pdouble; pinc; pop;
EOF
cat >"$TMP/long.xvm" <<'EOF'
:set trace-limit 0
:trace push int(0); while { dup; push int(3000); lt; }, { push int(1); add; }; pop;
EOF

# on_pty FILE COMMAND: run COMMAND (a shell string) with stdin, stdout and
# stderr on a fresh pty; what the terminal shows goes to FILE.
on_pty() {
    SHELL=$BASH timeout -k 2 "$LIMIT" script -qec "$2" /dev/null </dev/null >"$1" 2>&1
}

bad() {
    echo "FAIL: $1"
    [[ -n ${2-} ]] && { echo "---- output (cat -v) ----"; cat -v "$2"; echo "-------------------------"; }
    FAILED=1
}
ok() { echo "ok: $1"; }

has()   { grep -qF -- "$2" "$1"; }
plain() { ! grep -q "$ESC\[[0-9;]*m" "$1"; }

# ---- colour at a terminal --------------------------------------------------
on_pty "$TMP/tty" "$BIN $TMP/bad.xvm"
if has "$TMP/tty" "$RED" && has "$TMP/tty" "$HINT" && has "$TMP/tty" "$CARET"; then
    ok "errors, hints and carets coloured on a terminal"
else
    bad "no colour on a terminal" "$TMP/tty"
fi

# Typed at the prompt: the same colours.
(printf 'push int(1); foo;\r'; sleep 0.5; printf ':quit\r') |
    SHELL=$BASH timeout -k 2 "$LIMIT" script -qec "$BIN --no-history" /dev/null >"$TMP/typed" 2>&1
if has "$TMP/typed" 'xvm:core> ' && has "$TMP/typed" "$RED" && has "$TMP/typed" "$CARET"; then
    ok "an error typed at the prompt is coloured"
else
    bad "an error typed at the prompt is not coloured" "$TMP/typed"
fi

# ---- and not where it must not be --------------------------------------------
for how in "NO_COLOR=1" "NO_COLOR=yes" "TERM=dumb"; do
    on_pty "$TMP/off" "env $how $BIN $TMP/bad.xvm"
    if has "$TMP/off" "error:" && plain "$TMP/off"; then
        ok "no colour with $how"
    else
        bad "colour with $how" "$TMP/off"
    fi
done
on_pty "$TMP/empty" "env NO_COLOR= $BIN $TMP/bad.xvm"
has "$TMP/empty" "$RED" && ok "NO_COLOR= (empty) leaves colour on" || bad "NO_COLOR= (empty) turned colour off" "$TMP/empty"
on_pty "$TMP/never" "$BIN --color=never $TMP/bad.xvm"
if has "$TMP/never" "error:" && plain "$TMP/never"; then
    ok "no colour with --color=never"
else
    bad "colour with --color=never" "$TMP/never"
fi
on_pty "$TMP/pipe" "$BIN $TMP/bad.xvm 2>&1 | cat"
if has "$TMP/pipe" "error:" && plain "$TMP/pipe"; then
    ok "no colour into a pipe"
else
    bad "colour into a pipe" "$TMP/pipe"
fi

# ---- --color=always into a pipe, and nothing else changes -----------------------
"$XVM_BIN" "$TMP/bad.xvm" >"$TMP/plain" 2>&1
"$XVM_BIN" --color=always "$TMP/bad.xvm" >"$TMP/always" 2>&1
if has "$TMP/always" "$RED" && has "$TMP/always" "$CARET" && has "$TMP/always" "$HINT" && plain "$TMP/plain"; then
    ok "--color=always colours into a pipe"
else
    bad "--color=always did not colour a pipe" "$TMP/always"
fi
if sed "s/$ESC\[[0-9;]*m//g" "$TMP/always" | cmp -s - "$TMP/plain"; then
    ok "without its escapes, the coloured text is the plain text"
else
    bad "coloured text differs from the plain text" "$TMP/always"
fi
NO_COLOR=1 "$XVM_BIN" --color=always "$TMP/bad.xvm" 2>&1 | grep -qF "$RED" &&
    ok "--color=always wins over NO_COLOR" || bad "--color=always lost to NO_COLOR"
"$XVM_BIN" --color=bogus "$TMP/bad.xvm" >"$TMP/usage" 2>&1
rc=$?
((rc == 2)) && has "$TMP/usage" "--color=bogus" && ok "--color=bogus is a usage error" ||
    bad "--color=bogus: status $rc" "$TMP/usage"

# ---- trace changes ---------------------------------------------------------------
on_pty "$TMP/trace" "$BIN $TMP/trace.xvm"
if has "$TMP/trace" "| $CHANGE+HAS_PARITY(s1) = EVEN$ESC[0m  tick stack []"; then
    ok ":trace colours the facts it adds on a terminal"
else
    bad ":trace facts not coloured on a terminal" "$TMP/trace"
fi
"$XVM_BIN" "$TMP/trace.xvm" >"$TMP/trace-pipe" 2>&1
if grep -q '| +' "$TMP/trace-pipe" && plain "$TMP/trace-pipe"; then
    ok ":trace into a pipe is plain"
else
    bad ":trace into a pipe is not plain" "$TMP/trace-pipe"
fi

# ---- progress --------------------------------------------------------------------
export XVM_REPL_PROGRESS_MS=0
on_pty "$TMP/load" "$BIN $TMP/trace.xvm"
if grep -q $'\rloading units\.\.\. 1 *\r *\r' "$TMP/load"; then
    ok "loading units shows progress on a terminal, then erases it"
else
    bad "no progress (or not erased) while loading units" "$TMP/load"
fi
printf ':load %s %s\n' "$TMP/bad.xvm" "$TMP/trace.xvm" >"$TMP/files.xvm"
on_pty "$TMP/files" "$BIN $TMP/files.xvm"
if grep -q $'\rloading files\.\.\. 1/2 *\r *\r' "$TMP/files"; then
    ok ":load of several files shows progress on a terminal, then erases it"
else
    bad "no progress (or not erased) for :load of several files" "$TMP/files"
fi
on_pty "$TMP/long" "$BIN $TMP/long.xvm >$TMP/long.out"
if grep -q $'\rtracing\.\.\. [0-9]' "$TMP/long" && grep -q $'\r *\r$' "$TMP/long" &&
   grep -q '^done: ' "$TMP/long.out" && ! grep -q tracing "$TMP/long.out"; then
    ok ":trace into a file shows progress on the terminal, erased at the end"
else
    bad "no progress for :trace into a file" "$TMP/long"
fi
on_pty "$TMP/long-tty" "$BIN $TMP/long.xvm"
! has "$TMP/long-tty" "tracing..." && ok "no trace progress among rows on the terminal" ||
    bad "trace progress among the rows on the terminal" "$TMP/long-tty"
"$XVM_BIN" "$TMP/trace.xvm" >"$TMP/load-pipe" 2>&1
"$XVM_BIN" "$TMP/long.xvm" >>"$TMP/load-pipe" 2>&1
! grep -q 'loading units\.\.\.\|tracing\.\.\.' "$TMP/load-pipe" && ok "no progress into a pipe" ||
    bad "progress into a pipe" "$TMP/load-pipe"
unset XVM_REPL_PROGRESS_MS
on_pty "$TMP/quick" "$BIN $TMP/trace.xvm"
! has "$TMP/quick" "loading units..." && ok "no progress for quick work (under a second)" ||
    bad "progress for quick work" "$TMP/quick"

if ((FAILED)); then
    echo "pty_color: FAILED"
    exit 1
fi
echo "pty_color: all checks passed"
exit 0
