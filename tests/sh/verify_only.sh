#!/usr/bin/env bash
# xvm-repl --verify-only and --diagnostics=json (issue 15):
#   (a) the stdlib: every unit verifies, alone and all together: exit 0 and
#       no diagnostic;
#   (b) the adversarial suite (tests/adversarial), each case as trusted and
#       as --untrusted: the JSON is valid (python3's json module), one
#       object per diagnostic the case gives when run normally (--codes), in
#       the same order and with the same codes, the first one being the
#       case's "expect:" (code, message prefix, expect-line); accepted twins
#       give none.  Diagnostics only a run can give (a trap, or a stepped
#       run's end) are not expected, since nothing runs;
#   (c) nothing runs: code, :trace, :step, :continue, :time and :load of a
#       file whose code prints print nothing (and do print without the
#       option);
#   (d) exit status: 0 only if everything verified, 1 if anything did not
#       (every failure reported, not only the first), 2 for an unreadable
#       file or --verify-only with -i; the stack limit is checked as before
#       a run, and the simulated stack goes on as the run's would;
#   (e) JSON strings: quotes, backslashes, control characters and UTF-8
#       in a file name are escaped or kept, an invalid byte becomes \ufffd;
#       a span's finish is its last byte.
# The human-readable output is the golden tests/golden/verify-only.
#
# Environment: XVM_BIN (default ./xvm-repl).  Exit 0 pass, 1 fail, 77 skip
# (no python3).
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
XVM_BIN=${XVM_BIN:-$ROOT/xvm-repl}
if [[ ! -x $XVM_BIN ]]; then
    echo "FAIL: XVM_BIN '$XVM_BIN' is not executable"
    exit 1
fi
command -v python3 >/dev/null || { echo "skip: python3 is needed to check the JSON"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xvm-vo.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
run() { timeout -k 5 30 "$XVM_BIN" "$@"; }

# ---- (a) the stdlib
for f in stdlib/*.xvm; do
    run --verify-only --diagnostics=json -q "$f" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    ((rc == 0)) || fail "$f: exit $rc under --verify-only"
    [[ -s $tmp/err || -s $tmp/out ]] && fail "$f: printed under --verify-only -q: $(head -c 300 "$tmp/err" "$tmp/out")"
done
run --verify-only --diagnostics=json -q stdlib/*.xvm >"$tmp/out" 2>"$tmp/err" || fail "stdlib/*.xvm together: exit $?"
[[ -s $tmp/err ]] && fail "stdlib/*.xvm together: diagnostics: $(head -c 300 "$tmp/err")"

# ---- (b) the adversarial suite, checked by one python3 program
XVM_BIN=$XVM_BIN python3 - tests/adversarial <<'EOF' || failed=1
import json, os, re, subprocess, sys
xvm, case_dir = os.environ["XVM_BIN"], sys.argv[1]
bad = 0

def run(args, path):
    with open(path, "rb") as f:
        return subprocess.run([xvm] + args, stdin=f, capture_output=True, timeout=60)

def header(path, key):
    for line in open(path, encoding="utf-8", errors="replace"):
        if not line.startswith("//"):
            break
        m = re.match(r"//\s*" + re.escape(key) + r":\s?(.*)$", line.rstrip("\n"))
        if m:
            return m.group(1)
    return None

def check_location(loc, where):
    assert isinstance(loc, dict) and set(loc) == {"caret", "finish"}, where
    for k in ("caret", "finish"):
        p = loc[k]
        assert isinstance(p["file"], str) and p["file"], where
        assert all(isinstance(p[n], int) and p[n] >= 1 for n in ("line", "column", "byte-column")), where
    assert (loc["finish"]["line"], loc["finish"]["column"]) >= (loc["caret"]["line"], loc["caret"]["column"]), where

def parse(stderr, where):
    """The JSON objects of stderr, one a line; each checked for GCC's shape."""
    objs = []
    for n, line in enumerate(stderr.decode("utf-8").splitlines(), 1):
        d = json.loads(line)  # raises on anything that is not one JSON value a line
        w = "%s, line %d of stderr" % (where, n)
        assert d["kind"] == "error" and re.fullmatch(r"E_[A-Z]+", d["code"]), w
        assert isinstance(d["message"], str) and d["column-origin"] == 1, w
        for loc in d["locations"]:
            check_location(loc, w)
        for c in d["children"]:
            assert c["kind"] == "note" and isinstance(c["message"], str), w
            for loc in c["locations"]:
                check_location(loc, w)
        assert isinstance(d.get("hint", ""), str), w
        objs.append(d)
    return objs

ERR = re.compile(r"^(?:\S*:(\d+):\d+: )?error: (.*) \[(E_[A-Z]+)\]$")
def runtime_only(code, msg):  # what only running gives
    return code == "E_TRAP" or re.match(r"no stepped run|the run ended|trace stopped", msg)

cases = sorted(f for f in os.listdir(case_dir) if re.match(r"\d+.*\.xvm$", f))
assert len(cases) >= 60, "only %d adversarial cases" % len(cases)
for name in cases:
    path = os.path.join(case_dir, name)
    expect = header(path, "expect")
    for who, args in (("trusted", []), ("untrusted", ["--untrusted"])):
        where = "%s %s" % (name, who)
        exp = header(path, "expect-untrusted") if who == "untrusted" else None
        exp = exp if exp is not None else expect
        want_line = header(path, "expect-line") if exp == expect else None
        normal = [ERR.match(l) for l in run(["--codes"] + args, path).stderr.decode("utf-8", "replace").splitlines()]
        normal = [(m.group(3), m.group(2), m.group(1)) for m in normal if m]
        want = [d for d in normal if not runtime_only(d[0], d[1])]
        p = run(["--verify-only", "--diagnostics=json"] + args, path)
        try:
            got = parse(p.stderr, where)
        except (ValueError, KeyError, AssertionError, UnicodeDecodeError) as e:
            print("FAIL %s: not GCC-shaped JSON lines (%r):\n%s" % (where, e, p.stderr.decode("utf-8", "replace")[:2000]))
            bad += 1
            continue
        why = None
        codes = [d["code"] for d in got]
        if p.returncode != (1 if want else 0):
            why = "exit %d with %d diagnostics" % (p.returncode, len(got))
        elif codes != [w[0] for w in want] or [d["message"] for d in got] != [w[1] for w in want]:
            why = "diagnostics %s, the normal run gives %s" % (codes, [w[0] for w in want])
        elif exp == "ok" and got:
            why = "an accepted twin gave diagnostics: %s" % codes
        elif exp != "ok" and normal and not runtime_only(normal[0][0], normal[0][1]):
            code, _, prefix = exp.partition(" ")
            first = got[0] if got else None
            line = first and first["locations"] and first["locations"][0]["caret"]["line"]
            if not first or first["code"] != code or not first["message"].startswith(prefix):
                why = "expected %s %r first, got %s" % (code, prefix, first and (first["code"], first["message"]))
            elif want_line and str(line) != want_line:
                why = "expected the first diagnostic at line %s, it is at %s" % (want_line, line)
        if why:
            print("FAIL %s: %s" % (where, why))
            bad += 1
print("adversarial under --verify-only --diagnostics=json: %d cases, %d failed" % (len(cases), bad))
sys.exit(1 if bad else 0)
EOF

# ---- (c) nothing runs
mkdir -p "$tmp/d"
cat >"$tmp/d/prints.xvm" <<'EOF'
push int(4101); print;
EOF
cat >"$tmp/runs.xvm" <<'EOF'
.define_procedure shout, (x: int ->), { print; };
push int(4102); call shout;
push int(4103);
print;
:trace push int(4104); print;
:step push int(4105); print;
:continue
:step push int(4106); print;
:step
:abandon
:time push int(4107); print;
:load d/prints.xvm
EOF
(cd "$tmp" && run runs.xvm) >"$tmp/out" 2>&1
for n in 4101 4102 4103 4104 4105 4107; do
    grep -q "$n" "$tmp/out" || fail "without --verify-only, $n is not printed: the test does not test"
done
(cd "$tmp" && run --verify-only runs.xvm) >"$tmp/out" 2>&1
rc=$?
((rc == 0)) || fail "--verify-only runs.xvm: exit $rc: $(head -c 600 "$tmp/out")"
grep -q '41[0-9][0-9]' "$tmp/out" && fail "--verify-only ran code: $(grep '41[0-9][0-9]' "$tmp/out")"
grep -q 'defined procedure shout' "$tmp/out" || fail "--verify-only did not define shout"

# ---- (d) exit status; every failure is reported
printf 'nosuch;\n.define_procedure p, (-> x: int), { push int(1); };\ncall p; call p; add; pop;\nalsonot;\ncall p;\n' >"$tmp/two.xvm"
run --verify-only --diagnostics=json "$tmp/two.xvm" >"$tmp/out" 2>"$tmp/err"
rc=$?
((rc == 1)) || fail "two failing inputs: exit $rc, not 1"
n=$(wc -l <"$tmp/err")
((n == 2)) || fail "two failing inputs gave $n diagnostics: $(cat "$tmp/err")"
# the static stack check before a run is made too, so the simulated stack
# stays within the limit: the same errors as a run, at the same inputs
{
    echo ':set stack 16'
    for _ in 1 2 3 4 5 6 7 8 9 10; do echo 'push int(1);'; done
    echo 'push int(1); push int(1); push int(1); push int(1); push int(1); push int(1); push int(1);'
    echo 'push int(1); pop; pop;'
    echo ':facts'
} >"$tmp/deep.xvm"
run -q "$tmp/deep.xvm" >"$tmp/run.out" 2>&1
run -q --verify-only "$tmp/deep.xvm" >"$tmp/vo.out" 2>&1
grep -q 'stack overflow' "$tmp/vo.out" || fail "--verify-only does not check the stack limit: $(cat "$tmp/vo.out")"
cmp -s "$tmp/run.out" "$tmp/vo.out" || fail "--verify-only and a run differ: $(diff "$tmp/run.out" "$tmp/vo.out")"
run --verify-only "$tmp/missing.xvm" >/dev/null 2>&1
rc=$?
((rc == 2)) || fail "a missing file: exit $rc, not 2"
run --verify-only --diagnostics=json "$tmp/missing.xvm" 2>&1 >/dev/null |
    python3 -c 'import json, sys; d = json.loads(sys.stdin.read()); assert d["code"] == "E_IO" and d["locations"] == []' ||
    fail "a missing file under --diagnostics=json is not one E_IO object"
run --verify-only -i </dev/null >/dev/null 2>&1
rc=$?
((rc == 2)) || fail "--verify-only -i: exit $rc, not 2"
printf 'push int(1);\n' | run --verify-only >/dev/null 2>&1 || fail "--verify-only on standard input: exit $?"

# ---- (e) escaping and spans
weird=$tmp/$'q"b\\s\tt\001\xc3\xa9\xff.xvm'
printf 'push int(1);\n  nosuch;\n' >"$weird"
run --verify-only --diagnostics=json "$weird" >/dev/null 2>"$tmp/err"
python3 - "$tmp/err" "$tmp" <<'EOF' || failed=1
import json, sys
raw = open(sys.argv[1], "rb").read()
ok = True
try:
    raw.decode("utf-8")
    d = json.loads(raw)
except ValueError as e:
    print("FAIL: not one valid UTF-8 JSON object: %r: %r" % (e, raw))
    sys.exit(1)
want_file = sys.argv[2] + "/q\"b\\s\tt\x01\u00e9\ufffd.xvm"
loc = d["locations"][0]
checks = [
    (d["code"] == "E_UNKNOWN", "code %r" % d["code"]),
    (loc["caret"]["file"] == want_file, "file %r, not %r" % (loc["caret"]["file"], want_file)),
    (loc["caret"]["line"] == 2 and loc["caret"]["column"] == 3, "caret %r" % loc["caret"]),
    (loc["finish"]["line"] == 2 and loc["finish"]["column"] == 8, "finish %r" % loc["finish"]),
    (b'\\u0001' in raw and b'\\t' in raw and b'\\"' in raw and b'\\\\' in raw and b'\\ufffd' in raw
     and "\u00e9".encode() in raw, "escapes in %r" % raw),
]
for good, what in checks:
    if not good:
        print("FAIL: escaping: " + what)
        ok = False
sys.exit(0 if ok else 1)
EOF

((failed)) && exit 1
echo "verify-only: all checks passed"
exit 0
