#!/usr/bin/env bash
# Adversarial verifier suite (tests/adversarial/NN-name.xvm).
#
# Every case is a script fed to xvm-repl on standard input, twice: once as
# the trusted principal and once with --untrusted.  Its header says what
# must happen:
#
#   // category: forged-facts
#   // what: one line describing the attack (or the accepted twin)
#   // expect: E_CODE message-prefix      the FIRST error printed (--codes)
#   //                                    has this code and its message
#   //                                    (the text after "error: ") starts
#   //                                    with the prefix (may be empty)
#   // expect: ok                         exit status 0, no error at all
#   // expect-untrusted: ...              the same, for the --untrusted run
#   //                                    (default: as expect)
#   // expect-line: N                     optional: the first error is
#   //                                    reported at line N of the script
#
# A crash (signal), a timeout or an exit status other than 0/1 always fails.
# Prints "ok NAME PRINCIPAL" or "FAIL NAME PRINCIPAL: why" (with the output)
# per run, then counts per category.  Exit 1 on any failure, or when there
# are fewer than MIN_REJECT reject cases.
#
# Environment: XVM_BIN (default ./xvm-repl), run from the repository root.
# Arguments: optional substrings; only cases whose name contains one run
# (the MIN_REJECT check is skipped then).
set -u
export LC_ALL=C

XVM_BIN=${XVM_BIN:-./xvm-repl}
CASE_DIR=${XVM_ADV_DIR:-tests/adversarial}
TIMEOUT=${XVM_ADV_TIMEOUT:-30}
MIN_REJECT=30

if [[ ! -x $XVM_BIN ]]; then
    echo "adversarial: XVM_BIN '$XVM_BIN' is not executable" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xvm-adv.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

declare -A cat_cases cat_pass cat_fail
cats=()
ncases=0 nreject=0 nruns=0 nfail=0 nbad=0
failed_cases=()

# header FILE KEY: the value of "// KEY: value" in the leading comment block.
header() {
    local line
    while IFS= read -r line; do
        [[ $line == //* ]] || break
        if [[ $line =~ ^//[[:space:]]*$2:[[:space:]]?(.*)$ ]]; then
            printf '%s' "${BASH_REMATCH[1]}"
            return 0
        fi
    done <"$1"
    return 1
}

# first_error FILE: "CODE<TAB>LINE<TAB>message" of the first error line
# (CODE is "no-code" when the line does not end with one, LINE is "?" when
# it has no location).
first_error() {
    local line loc msg code
    while IFS= read -r line; do
        # <stdin>:12:5: error: message [E_CODE]    (the location may be absent)
        [[ $line =~ ^(([^[:space:]]*):([0-9]+):([0-9]+):[[:space:]])?error:[[:space:]](.*)$ ]] || continue
        loc=${BASH_REMATCH[3]:-?}
        msg=${BASH_REMATCH[5]}
        code=no-code
        if [[ $msg =~ ^(.*)[[:space:]]\[(E_[A-Z_]+)\]$ ]]; then
            msg=${BASH_REMATCH[1]}
            code=${BASH_REMATCH[2]}
        fi
        printf '%s\t%s\t%s' "$code" "$loc" "$msg"
        return 0
    done <"$1"
    return 1
}

show_output() {
    sed -n '1,60s/^/    | /p' "$1"
    local n
    n=$(wc -l <"$1")
    ((n > 60)) && echo "    | ... ($((n - 60)) more lines)"
    return 0
}

# check NAME PRINCIPAL EXPECT EXPECT_LINE FILE: run one case as one principal.
check() {
    local name=$1 who=$2 expect=$3 want_line=$4 file=$5
    local out=$tmp/out rc why='' code='' line='' msg='' fe want_code want_prefix
    local args=(--codes)
    [[ $who == untrusted ]] && args+=(--untrusted)
    { timeout -k 5 "$TIMEOUT" "$XVM_BIN" "${args[@]}" <"$file" >"$out" 2>&1; } 2>/dev/null
    rc=$?
    nruns=$((nruns + 1))
    if fe=$(first_error "$out"); then
        IFS=$'\t' read -r code line msg <<<"$fe"
    fi
    if grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:|AddressSanitizer' "$out"; then
        why="sanitizer report (exit $rc)"
    elif ((rc == 124 || rc == 137)); then
        why="timed out after ${TIMEOUT}s"
    elif ((rc > 128)); then
        why="killed by signal $((rc - 128))"
    elif ((rc != 0 && rc != 1)); then
        why="exit status $rc"
    elif [[ $expect == ok ]]; then
        if ((rc != 0)); then
            why="expected acceptance (exit 0), got exit $rc${code:+; first error: $code $msg}"
        elif [[ -n $code ]]; then
            why="expected acceptance, but an error was printed: $code $msg"
        fi
    else
        want_code=${expect%% *}
        want_prefix=
        [[ $expect == *" "* ]] && want_prefix=${expect#* }
        if [[ -z $code ]]; then
            # shellcheck disable=SC2016  # the quotes are literal, the prefix expands
            why="expected $want_code${want_prefix:+ '$want_prefix...'}, but no error was printed (exit $rc): ACCEPTED"
        elif [[ $code != "$want_code" || $msg != "$want_prefix"* ]]; then
            why="expected $want_code '$want_prefix...', first error was $code '$msg' (line $line)"
        elif [[ -n $want_line && $line != "$want_line" ]]; then
            why="expected the first error at line $want_line, it is at line $line"
        elif ((rc != 1)); then
            why="the error was printed but the exit status is $rc"
        fi
    fi
    if [[ -z $why ]]; then
        printf 'ok   %s %s\n' "$name" "$who"
        return 0
    fi
    printf 'FAIL %s %s: %s\n' "$name" "$who" "$why"
    show_output "$out"
    return 1
}

shopt -s nullglob
files=("$CASE_DIR"/[0-9]*.xvm)
if ((${#files[@]} == 0)); then
    echo "adversarial: no cases in $CASE_DIR" >&2
    exit 1
fi

for f in "${files[@]}"; do
    name=$(basename "$f" .xvm)
    if (($#)); then
        sel=0
        for p in "$@"; do [[ $name == *"$p"* ]] && sel=1; done
        ((sel)) || continue
    fi
    category=$(header "$f" category) || category=
    expect=$(header "$f" expect) || expect=
    expect_u=$(header "$f" expect-untrusted) || expect_u=$expect
    want_line=$(header "$f" expect-line) || want_line=
    if [[ -z $category || -z $expect ]]; then
        printf 'FAIL %s: header needs "// category:" and "// expect:"\n' "$name"
        nbad=$((nbad + 1))
        nfail=$((nfail + 1))
        continue
    fi
    if [[ -z ${cat_cases[$category]+x} ]]; then
        cats+=("$category")
        cat_cases[$category]=0 cat_pass[$category]=0 cat_fail[$category]=0
    fi
    ncases=$((ncases + 1))
    cat_cases[$category]=$((cat_cases[$category] + 1))
    [[ $expect != ok ]] && nreject=$((nreject + 1))
    case_ok=1
    check "$name" trusted "$expect" "$want_line" "$f" || case_ok=0
    # expect-line speaks of the trusted run unless the untrusted one expects the same
    ul=$want_line
    [[ $expect_u != "$expect" ]] && ul=
    check "$name" untrusted "$expect_u" "$ul" "$f" || case_ok=0
    if ((case_ok)); then
        cat_pass[$category]=$((cat_pass[$category] + 1))
    else
        cat_fail[$category]=$((cat_fail[$category] + 1))
        nfail=$((nfail + 1))
        failed_cases+=("$name")
    fi
done

echo
echo "adversarial suite: $ncases cases ($nreject reject, $((ncases - nreject)) accepted twins), $nruns runs"
printf '  %-22s %5s %5s %5s\n' category cases pass fail
for c in "${cats[@]}"; do
    printf '  %-22s %5d %5d %5d\n' "$c" "${cat_cases[$c]}" "${cat_pass[$c]}" "${cat_fail[$c]}"
done
status=0
if ((nfail)); then
    echo "$nfail case(s) failed: ${failed_cases[*]}"
    status=1
else
    echo "all cases passed"
fi
if (($# == 0 && nreject < MIN_REJECT)); then
    echo "adversarial: only $nreject reject cases; at least $MIN_REJECT are required"
    status=1
fi
exit $status
