#!/usr/bin/env bash
# History keeps a multi-line input as one entry, through a real
# pseudo-terminal (tests/sh/pty_lib.py):
#   * the history file keeps the input's newlines (one "#TIME" line starts
#     each entry), so a // comment on its first line swallows nothing;
#   * in a new session, Up recalls the whole input and Enter runs it again,
#     with no continuation prompt left over;
#   * a history file of the old form (one entry a line) is still read, each
#     line one entry, and written again in the new form.
# Exit status: 0 pass, 1 fail, 77 skip (no python3).
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
exec python3 - "$(cd "$(dirname "$0")" && pwd)" <<'PY'
import os, re, sys, tempfile
sys.path.insert(0, sys.argv[1])
from pty_lib import Term

tmp = tempfile.mkdtemp(prefix='xvm-hist.')
hist = os.path.join(tmp, 'state', 'history')
env = {'XVM_REPL_HISTFILE': hist}
UP = '\x1b[A'

# Session 1: type a multi-line input whose first line ends in a comment.
t = Term(env=env)
t.expect('xvm:core> ')
t.send('.define_procedure two, (-> r: int), { // the factor\r')
t.expect('xvm:core| ')
t.send('  push int(2);\r')
t.expect('xvm:core| ')
t.send('};\r')
t.expect('defined procedure two@v1')
t.expect('xvm:core> ')
t.send('\x04')
t.check(t.wait_exit() == 0, 'session 1 left with status 0 (Ctrl-D)')
t.close()
saved = open(hist).read()
t.check('{ // the factor\n  push int(2);\n};\n' in saved, 'the history file keeps the input on its own lines')
t.check(re.match(r'#\d+\n', saved) is not None, 'each entry starts with a #TIME line')

# Session 2: Up recalls it whole; Enter defines it again.
t = Term(env=env)
t.expect('xvm:core> ')
t.send(UP)
t.settle(0.3)
t.send('\r')
out = t.expect('defined procedure two@v1')
t.check('xvm:core| ' not in out, 'the recalled input is complete: no continuation prompt')
t.expect('xvm:core> ')
t.send('call two; print;\r')
t.expect(re.compile(r'^2$', re.M))
t.check(True, 'the recalled definition runs (2)')
t.expect('xvm:core> ')  # Ctrl-D typed ahead of readline's raw mode can be lost
t.send('\x04')
t.check(t.wait_exit() == 0, 'session 2 left with status 0')
t.close()
t.check(open(hist).read().count('{ // the factor') == 1, 'the same input recalled is not saved twice')

# An old history file: one entry a line.
with open(hist, 'w') as f:
    f.write('push int(41); print;\npush int(5); print;\n')
t = Term(env=env)
t.expect('xvm:core> ')
t.send(UP + UP)
t.settle(0.3)
t.send('\r')
t.expect(re.compile(r'^41$', re.M))
t.check(True, 'an old one-line-an-entry file is read one entry a line (Up Up: 41)')
t.expect('xvm:core> ')
t.send('\x04')
t.wait_exit()
t.close()
t.check(re.match(r'#\d+\npush int\(41\); print;\n#\d+\npush int\(5\); print;\n', open(hist).read()) is not None,
        'and written again in the new form')
print('pty_history: all checks passed')
PY
