#!/usr/bin/env bash
# Editor support for .xvm files (editors/):
#   * editors/textmate/xvm.tmLanguage.json is valid JSON, scope source.xvm
#     for *.xvm, every regex compiles, every include resolves, and a small
#     TextMate tokenizer gives the expected scope to each kind of token:
#     directives, operations, tick operations, both comments, strings and
#     escapes, decimal and hex integers, types, contracts, commands — and
#     none to `port.op`, `extended-machine` or `x-2`
#   * every stdlib unit tokenizes without an unterminated string or comment
#   * Vim (if installed) detects the file type from ftdetect/xvm.vim, loads
#     syntax/xvm.vim without an error, and gives each token its group
# Needs python3; the Vim part is skipped (with a message) without vim.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/xvm-editors.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
FAILED=0

cat >"$TMP/sample.xvm" <<'EOF'
// a line comment TODO
/* a block
   comment */
.define_procedure twice, (x: int -> y: int), requires HAS_PARITY(x) <= EVEN, ensures ok, {
  dup; add; 'push_key HAS_PARITY; 'define;
};
push int(0x1F); push int(-42); print; emit "hi\n";
:trace push int(7); c.op; extended-machine; x-2; pop; push ref(3);
EOF

# ---- the TextMate grammar ------------------------------------------------------
if ! command -v python3 >/dev/null 2>&1; then
    echo "FAIL: python3 not found"
    exit 1
fi
python3 - "$ROOT/editors/textmate/xvm.tmLanguage.json" "$TMP/sample.xvm" "$ROOT"/stdlib/*.xvm <<'EOF' || FAILED=1
import json, re, sys

path, sample, units = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    g = json.load(open(path))
except ValueError as e:
    sys.exit("FAIL: %s is not valid JSON: %s" % (path, e))
assert g.get("scopeName") == "source.xvm", "scopeName is not source.xvm"
assert "xvm" in g.get("fileTypes", []), "fileTypes lacks xvm"
repo = g.get("repository", {})

def flatten(pats):
    out = []
    for p in pats:
        if "include" in p:
            name = p["include"]
            assert name.startswith("#") and name[1:] in repo, "include %s does not resolve" % name
            out += flatten(repo[name[1:]]["patterns"])
        else:
            out.append(p)
    return out

def compile_all(pats):
    for p in pats:
        for k in ("match", "begin", "end"):
            if k in p:
                p["_" + k] = re.compile(p[k])
        compile_all(flatten(p.get("patterns", [])))

top = flatten(g["patterns"])
compile_all(top)
scopes = set()
def collect(pats):
    for p in pats:
        if "name" in p:
            scopes.add(p["name"])
        collect(flatten(p.get("patterns", [])))
collect(top)
want = {"comment.line.double-slash.xvm", "comment.block.xvm", "string.quoted.double.xvm",
        "constant.character.escape.xvm", "keyword.other.directive.xvm", "keyword.other.tick.xvm",
        "support.function.operation.xvm", "keyword.control.xvm", "constant.numeric.decimal.xvm",
        "constant.numeric.hex.xvm", "storage.type.xvm", "keyword.other.contract.xvm"}
missing = want - scopes
assert not missing, "scopes missing: %s" % sorted(missing)

# A TextMate tokenizer: at each point the earliest match wins, the first
# pattern of equal ones; inside a begin/end rule its end wins a tie.
def tokenize(text):
    toks, stack = [], []           # stack: open begin/end rules
    for lineno, line in enumerate(text.split("\n"), 1):
        pos = 0
        while pos < len(line):
            pats = flatten(stack[-1].get("patterns", [])) if stack else top
            best = None
            if stack:
                m = stack[-1]["_end"].search(line, pos)
                if m:
                    best = (m.start(), -1, m, None)
            for i, p in enumerate(pats):
                m = p.get("_match", p.get("_begin")).search(line, pos)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), i, m, p)
            if best is None:
                break
            start, _, m, p = best
            if p is None:          # the open rule ends
                toks.append((lineno, m.start(), m.group(0), [r["name"] for r in stack]))
                stack.pop()
            elif "_match" in p:
                toks.append((lineno, m.start(), m.group(0), [r["name"] for r in stack] + [p["name"]]))
            else:
                stack.append(p)
                toks.append((lineno, m.start(), m.group(0), [r["name"] for r in stack]))
            pos = m.end() if m.end() > pos else pos + 1
    return toks, stack

toks, open_rules = tokenize(open(sample).read())
def scope_of(text, nth=0):
    hits = [t for t in toks if t[2] == text]
    return hits[nth][3] if len(hits) > nth else None

checks = [
    ("// a line comment TODO", "comment.line.double-slash.xvm"),
    (".define_procedure", "keyword.other.directive.xvm"),
    ("int", "storage.type.xvm"),
    ("ref", "storage.type.xvm"),
    ("requires", "keyword.other.contract.xvm"),
    ("ensures", "keyword.other.contract.xvm"),
    ("dup", "support.function.operation.xvm"),
    ("add", "support.function.operation.xvm"),
    ("'push_key", "keyword.other.tick.xvm"),
    ("'define", "keyword.other.tick.xvm"),
    ("0x1F", "constant.numeric.hex.xvm"),
    ("-42", "constant.numeric.decimal.xvm"),
    ("7", "constant.numeric.decimal.xvm"),
    ("\\n", "constant.character.escape.xvm"),
    (":trace", "keyword.other.command.xvm"),
    ("EVEN", "constant.other.xvm"),
]
bad = 0
for text, scope in checks:
    got = scope_of(text)
    if not got or got[-1] != scope:
        print("FAIL: %r has scope %s, expected %s" % (text, got, scope)); bad += 1
for t in toks:                     # the block comment is one comment
    if t[0] in (2, 3) and not any(s.startswith("comment.block") for s in t[3]):
        print("FAIL: line %d %r is outside the block comment" % (t[0], t[2])); bad += 1
    if t[2] in (".op", "2", "-2", "machine") or (t[0] == 8 and t[2] in ("extended", "x")):
        print("FAIL: %r in a name got scope %s" % (t[2], t[3])); bad += 1
if not any(t[2] == '"' and t[3] == ["string.quoted.double.xvm"] for t in toks):
    print("FAIL: no string"); bad += 1
if open_rules:
    print("FAIL: the sample ends inside %s" % open_rules[-1]["name"]); bad += 1
for u in units:
    _, left = tokenize(open(u).read())
    if left:
        print("FAIL: %s ends inside %s" % (u, left[-1]["name"])); bad += 1
if bad:
    sys.exit(1)
print("ok: the TextMate grammar is valid JSON, scopes %d kinds of token as expected, %d units tokenize"
      % (len(checks), len(units)))
EOF

# ---- Vim -------------------------------------------------------------------------
if ! command -v vim >/dev/null 2>&1; then
    echo "SKIP: vim not found; the Vim syntax file was not loaded"
else
    cat >"$TMP/check.vim" <<'EOF'
let s:out = ['ft=' . &filetype, 'syntax=' . get(b:, 'current_syntax', '')]
for [s:pat, s:grp] in [['// a', 'xvmLineComment'], ['/\* a', 'xvmBlockComment'], ['comment \*/', 'xvmBlockComment'],
      \ ['\.define_procedure', 'xvmDirective'], ['\<int ->', 'xvmType'], ['\<ref(', 'xvmType'],
      \ ['requires', 'xvmContract'], ['ensures', 'xvmContract'], ['HAS_PARITY(x)', 'xvmConstant'],
      \ ['dup;', 'xvmOperation'], ["'push_key", 'xvmTick'], ["'define", 'xvmTick'],
      \ ['0x1F', 'xvmNumber'], ['-42', 'xvmNumber'], ['7)', 'xvmNumber'], ['"hi', 'xvmString'],
      \ ['\\n"', 'xvmEscape'], [':trace', 'xvmCommand'],
      \ ['\.op', 'none'], ['extended-machine', 'none'], ['-2;', 'none']]
  call cursor(1, 1)
  let [s:l, s:c] = searchpos(s:pat, 'cW')
  let s:got = s:l ? synIDattr(synID(s:l, s:c, 1), 'name') : 'NOTFOUND'
  call add(s:out, s:grp . ' ' . (s:got == '' ? 'none' : s:got) . ' ' . s:pat)
endfor
call add(s:out, 'errmsg=' . v:errmsg)
call writefile(s:out, $XVM_VIM_OUT)
qa!
EOF
    XVM_VIM_OUT=$TMP/vim.out HOME=$TMP timeout 20 vim -N -u NONE -i NONE -n -es \
        --cmd "set rtp^=$ROOT/editors/vim" -c 'filetype on' -c 'syntax on' \
        -c "edit $TMP/sample.xvm" -c "source $TMP/check.vim" </dev/null >/dev/null 2>&1
    if [[ ! -s $TMP/vim.out ]]; then
        echo "FAIL: vim did not run the check"
        FAILED=1
    else
        vbad=0
        grep -qx 'ft=xvm' "$TMP/vim.out" || { echo "FAIL: vim did not detect the xvm file type"; vbad=1; }
        grep -qx 'syntax=xvm' "$TMP/vim.out" || { echo "FAIL: vim did not load syntax/xvm.vim"; vbad=1; }
        grep -qx 'errmsg=' "$TMP/vim.out" || { echo "FAIL: vim: $(grep '^errmsg=' "$TMP/vim.out")"; vbad=1; }
        while read -r want got pat; do
            [[ $want == ft=* || $want == syntax=* || $want == errmsg=* ]] && continue
            [[ $want == "$got" ]] || { echo "FAIL: vim: '$pat' is in $got, expected $want"; vbad=1; }
        done <"$TMP/vim.out"
        if ((vbad)); then
            FAILED=1
            cat "$TMP/vim.out"
        else
            echo "ok: vim detects .xvm, loads the syntax without errors, $(($(wc -l <"$TMP/vim.out") - 3)) tokens in their groups"
        fi
    fi
fi

if ((FAILED)); then
    echo "editors: FAILED"
    exit 1
fi
echo "editors: all checks passed"
exit 0
