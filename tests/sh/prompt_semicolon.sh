#!/usr/bin/env bash
# At a real prompt (a pseudo-terminal, tests/sh/pty_lib.py):
#   * the last statement of a line may leave its ';' out (issue 14, item
#     10): "push int(2); push int(40); add; print" prints 42;
#   * a block left open is still an open input: after "push int(1); if {"
#     the prompt is the continuation prompt, and nothing runs until "}";
#   * :help's first line names the machine in use, and :help fits 80
#     columns (item 4).
# Exit status: 0 pass, 1 fail, 77 skip (no python3).
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
exec python3 - "$(cd "$(dirname "$0")" && pwd)" <<'PY'
import re, sys, time
sys.path.insert(0, sys.argv[1])
from pty_lib import Term

t = Term(['--no-history'])
t.expect('xvm:core> ')
t.send('push int(2); push int(40); add; print\r')
out = t.expect('xvm:core> ')
t.check(re.search(r'^42$', out, re.M) is not None and 'error' not in out,
        "'push int(2); push int(40); add; print' (no final ';') printed 42")
t.send('push int(1); if {\r')
t.expect('xvm:core| ')
t.send('  push int(7); print;\r')
out = t.expect('xvm:core| ')
t.check(re.search(r'^7$', out, re.M) is None, 'the open block did not run before it was closed')
t.send('}\r')
out = t.expect('xvm:core> ')
t.check(re.search(r'^7$', out, re.M) is not None, "a block left open continued at 'xvm:core| ' and ran when closed")
t.send(':help\r')
out = t.expect(re.compile(r'^  load store.*$', re.M))
first = [l for l in out.splitlines() if l.startswith('Machine in use:')]
t.check(bool(first) and first[0].startswith('Machine in use: core-machine'), ":help's first line names core-machine")
help_text = out[out.index('Machine in use:'):] if first else out
long = [l for l in help_text.splitlines() if len(l) > 80]
t.check(not long, ':help at the terminal fits 80 columns %r' % long[:1])
t.expect('xvm:core> ')
t.send(':quit\r')
t.check(t.wait_exit() == 0, 'clean exit (status 0) after :quit')
t.close()
print('prompt_semicolon: all checks passed')
PY
