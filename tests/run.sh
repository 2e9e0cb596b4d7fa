#!/usr/bin/env bash
# XVM test runner -- the single entry point behind `make test`.
#
#   tests/run.sh [--update] [PATTERN]
#
# Environment:
#   XVM_BIN       xvm-repl binary to test        (default: ./xvm-repl)
#   XVM_UNIT_DIR  directory of cmocka test_* binaries (default: build/tests)
#   XVM_COMPILE   a compile policy (eager, ...): run only the transcripts, each
#                 with --compile=$XVM_COMPILE; each must still match its .out
#                 but for the lines that say which tier code runs in (see
#                 tier_free below), as one semantics in every tier demands
#
# Runs, from the repository root:
#   unit/NAME      every executable $XVM_UNIT_DIR/test_* (cmocka); passes and
#                  failures are counted per test case from cmocka's summary.
#                  A crash, timeout, missing summary or a non-zero exit that
#                  the summary does not explain counts as one extra failure.
#   golden/NAME    every X.xvm with a sibling X.out under tests/golden (any
#   paper/NAME     depth), tests/paper, tutorial and tutorial/exercises (the
#   tutorial/NAME  lessons' solutions): the output of
#                  "$XVM_BIN" [words of X.args] --echo < X.xvm
#                  (stdout+stderr) plus a final line "[exit N]" must equal X.out.
#   sh/NAME        every tests/sh/*.sh, run with bash; exit 0 = pass,
#                  77 = skipped, anything else = fail.
#
# --update   rewrite each golden .out from the actual output (shows the diff);
#            to add a transcript, create an empty X.out, then run --update
# PATTERN    run only tests whose name (e.g. "golden/foo") contains PATTERN
#
# Prints one line per test and ends with "N passed, N failed" (plus
# ", N skipped" if anything was skipped).  Exit status 1 if anything failed.

set -u
shopt -s nullglob globstar

export LC_ALL=C TZ=UTC

CALLER_PWD=$PWD
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

UPDATE=0
PATTERN=
usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
while (($#)); do
    case $1 in
        --update|-u) UPDATE=1 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; PATTERN=${1-}; break ;;
        -*) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
        *)
            if [[ -n $PATTERN ]]; then
                echo "run.sh: only one PATTERN allowed" >&2; exit 2
            fi
            PATTERN=$1 ;;
    esac
    shift
done

XVM_BIN=${XVM_BIN:-$ROOT/xvm-repl}
XVM_UNIT_DIR=${XVM_UNIT_DIR:-$ROOT/build/tests}
# Relative paths are taken relative to the caller's directory; a bare name
# is looked up in PATH.  Everything below runs from the repository root.
if [[ $XVM_BIN != */* ]]; then
    XVM_BIN=$(command -v "$XVM_BIN" || echo "$XVM_BIN")
elif [[ $XVM_BIN != /* ]]; then
    XVM_BIN=$CALLER_PWD/$XVM_BIN
fi
[[ $XVM_UNIT_DIR != /* ]] && XVM_UNIT_DIR=$CALLER_PWD/$XVM_UNIT_DIR
export XVM_BIN XVM_UNIT_DIR

UNIT_TIMEOUT=${XVM_UNIT_TIMEOUT:-120}
GOLDEN_TIMEOUT=${XVM_GOLDEN_TIMEOUT:-60}
SH_TIMEOUT=${XVM_SH_TIMEOUT:-120}

# Scratch space and a private HOME so tests never touch the user's files
# (readline history, ~/.inputrc, config ...).
TMP=$(mktemp -d "${TMPDIR:-/tmp}/xvm-tests.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
export HOME=$TMP/home
mkdir -p "$HOME"
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_STATE_HOME XDG_CACHE_HOME
export INPUTRC=/dev/null
export CMOCKA_MESSAGE_OUTPUT=stdout
unset CMOCKA_XML_FILE

PASSED=0
FAILED=0
SKIPPED=0
UPDATED=0

XVM_COMPILE=${XVM_COMPILE-}
if [[ -n $XVM_COMPILE ]] && ((UPDATE)); then
    echo "run.sh: --update rewrites transcripts from the default policy's run: unset XVM_COMPILE" >&2
    exit 2
fi

selected() { [[ -z $PATTERN || $1 == *"$PATTERN"* ]]; }
# Under XVM_COMPILE only the transcripts run.
selected_kind() { [[ -z $XVM_COMPILE || $1 == golden ]]; }

# tier_free FILE: FILE without what legitimately changes with the compile
# policy: :show's lines per version ("// fib@v1 runs native code"), the
# compile row of the :set listing and :compile's report.
tier_free() {
    sed -E -e '/^\/\/ [^ ]+@v[0-9]+ (runs|was native code|as built before) /d' -e 's/^compile +[^ ]+ +(when procedures become native code)/compile POLICY \1/' \
        -e '/^compile policy [^ ]+.*: asked /d' -e '/^compile latency: /d' "$1"
}

ok()   { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s%s\n' "$1" "${2:+ ($2)}"; }
skip() { SKIPPED=$((SKIPPED + 1)); printf 'skip %s%s\n' "$1" "${2:+ ($2)}"; }

# show FILE [MAXLINES]: indented excerpt of a test's output.
show() {
    local max=${2:-200} n
    n=$(wc -l <"$1")
    sed -n "1,${max}s/^/    | /p" "$1"
    if ((n > max)); then
        echo "    | ... ($((n - max)) more lines)"
    elif [[ -n $(tail -c 1 "$1") ]]; then
        echo   # last line had no newline
    fi
    return 0
}

# limited SECONDS INPUT OUTPUT COMMAND...: run COMMAND with a time limit,
# stdin from INPUT, stdout+stderr to OUTPUT.  Sets RC, and TIMED_OUT=1 if
# it hit the limit (TERM, or KILL 5s later if TERM was ignored).
limited() {
    local t=$1 in=$2 out=$3 t0=$SECONDS
    shift 3
    # The braces keep bash's "Killed" job notices out of the report.
    { timeout -k 5 "$t" "$@" <"$in" >"$out" 2>&1; } 2>/dev/null
    RC=$?
    TIMED_OUT=0
    if ((RC == 124 || (RC == 137 && SECONDS - t0 >= t))); then
        TIMED_OUT=1
    fi
}

# describe_status LIMIT: human-readable reason for the last RC.
describe_status() {
    local sig
    if ((TIMED_OUT)); then
        echo "timed out after ${1}s"
    elif ((RC > 128)); then
        sig=$(kill -l "$((RC - 128))" 2>/dev/null)
        echo "killed by signal $((RC - 128))${sig:+ (SIG$sig)}"
    else
        echo "exit status $RC"
    fi
}

# ---------------------------------------------------------------- unit tests
run_unit() {
    local bin=$1 name out rc line np nf ns summaries reason
    name=unit/$(basename "$bin")
    out=$TMP/unit.out
    limited "$UNIT_TIMEOUT" /dev/null "$out" "$bin"
    rc=$RC
    np=0 nf=0 ns=0 summaries=0
    while IFS= read -r line || [[ -n $line ]]; do
        line=${line%$'\r'}
        if [[ $line =~ ^\[\ \ PASSED\ \ \]\ ([0-9]+)\ test\(s\)\. ]]; then
            np=$((np + BASH_REMATCH[1])); summaries=$((summaries + 1))
        elif [[ $line =~ ^\[\ \ FAILED\ \ \]\ ([0-9]+)\ test\(s\), ]]; then
            nf=$((nf + BASH_REMATCH[1]))
        elif [[ $line =~ ^\[\ \ SKIPPED\ \]\ ([0-9]+)\ test\(s\), ]]; then
            ns=$((ns + BASH_REMATCH[1]))
        fi
    done <"$out"

    reason=
    if ((summaries == 0)); then
        reason="no cmocka summary, $(describe_status "$UNIT_TIMEOUT")"
        nf=$((nf + 1))
    elif ((rc > 128 || TIMED_OUT)); then
        reason="$(describe_status "$UNIT_TIMEOUT")"
        nf=$((nf + 1))
    elif ((rc != 0 && nf == 0)); then
        # e.g. a sanitizer report after the last group finished
        reason="$(describe_status "$UNIT_TIMEOUT") but no failed test case"
        nf=$((nf + 1))
    fi

    PASSED=$((PASSED + np))
    FAILED=$((FAILED + nf))
    SKIPPED=$((SKIPPED + ns))
    local counts="$np passed"
    ((nf)) && counts+=", $nf failed"
    ((ns)) && counts+=", $ns skipped"
    if ((nf)); then
        printf 'FAIL %s (%s%s)\n' "$name" "$counts" "${reason:+; $reason}"
        show "$out"
    else
        printf 'ok   %s (%s)\n' "$name" "$counts"
    fi
}

if [[ -d $XVM_UNIT_DIR ]] && selected_kind unit; then
    for bin in "$XVM_UNIT_DIR"/test_*; do
        b=${bin##*/}
        [[ -f $bin && -x $bin && $b != *.* ]] || continue   # skip .d/.o files
        selected "unit/$b" || continue
        run_unit "$bin"
    done
fi

# ------------------------------------------------------- golden transcripts
bin_ok=1
if [[ ! -x $XVM_BIN || -d $XVM_BIN ]]; then
    bin_ok=0
fi

run_golden() {
    local xvm=$1 base name expected actual rc args=() argline=
    base=${xvm%.xvm}
    expected=$base.out
    name=${base#tests/}
    actual=$TMP/golden.out

    if ((!bin_ok)); then
        fail "$name" "XVM_BIN '$XVM_BIN' is not an executable file"
        return
    fi
    if [[ -f $base.args ]]; then
        IFS= read -r argline <"$base.args" || true
        read -r -a args <<<"$argline"
    fi

    [[ -n $XVM_COMPILE ]] && args+=("--compile=$XVM_COMPILE")
    limited "$GOLDEN_TIMEOUT" "$xvm" "$actual" "$XVM_BIN" "${args[@]}" --echo
    rc=$RC
    # "[exit N]" always starts a line of its own.
    if [[ -n $(tail -c 1 "$actual") ]]; then
        echo >>"$actual"
    fi
    printf '[exit %d]\n' "$rc" >>"$actual"

    if ((TIMED_OUT)); then
        fail "$name" "timed out after ${GOLDEN_TIMEOUT}s"
        show "$actual" 40
        return
    fi

    if [[ -n $XVM_COMPILE ]]; then
        if cmp -s <(tier_free "$expected") <(tier_free "$actual"); then
            ok "$name (--compile=$XVM_COMPILE)"
        else
            fail "$name (--compile=$XVM_COMPILE)"
            diff -u --label "$expected" --label "actual output, --compile=$XVM_COMPILE" <(tier_free "$expected") \
                <(tier_free "$actual") | head -n 40 | sed 's/^/    /'
        fi
    elif cmp -s "$expected" "$actual"; then
        ok "$name"
    elif ((UPDATE)); then
        diff -u --label "$expected" --label "$expected (new)" "$expected" "$actual" | head -n 40 | sed 's/^/    /'
        cp "$actual" "$expected"
        UPDATED=$((UPDATED + 1))
        PASSED=$((PASSED + 1))
        printf 'upd  %s (rewrote %s)\n' "$name" "$expected"
    else
        fail "$name"
        diff -u --label "$expected" --label "actual output" "$expected" "$actual" | head -n 40 | sed 's/^/    /'
    fi
}

golden_files=()
for f in tests/golden/**/*.xvm tests/paper/*.xvm tutorial/*.xvm tutorial/exercises/*.xvm; do
    [[ -f $f && -f ${f%.xvm}.out ]] || continue
    n=${f%.xvm}
    selected "${n#tests/}" && golden_files+=("$f")
done
if ((${#golden_files[@]})) && ((!bin_ok)); then
    echo "run.sh: warning: XVM_BIN '$XVM_BIN' is not executable; golden tests will fail" >&2
fi
for f in "${golden_files[@]}"; do
    run_golden "$f"
done

# --------------------------------------------------------------- shell tests
for f in tests/sh/*.sh; do
    [[ -f $f ]] && selected_kind sh || continue
    name=sh/$(basename "$f" .sh)
    selected "$name" || continue
    out=$TMP/sh.out
    limited "$SH_TIMEOUT" /dev/null "$out" bash "$f"
    rc=$RC
    if ((rc == 0)); then
        ok "$name"
    elif ((rc == 77)); then
        skip "$name" "$(tail -n 1 "$out")"
    else
        fail "$name" "$(describe_status "$SH_TIMEOUT")"
        show "$out"
    fi
done

# ------------------------------------------------------------------ summary
if ((PASSED + FAILED + SKIPPED == 0)); then
    # shellcheck disable=SC2016  # it does expand inside ${..:+..}
    echo "run.sh: note: no tests${PATTERN:+ matching '$PATTERN'} found" >&2
fi
if ((UPDATE)); then
    echo "updated $UPDATED golden file(s)"
fi
summary="$PASSED passed, $FAILED failed"
((SKIPPED)) && summary+=", $SKIPPED skipped"
echo "$summary"
((FAILED == 0))
