#!/usr/bin/env bash
# A bracketed paste of several lines (readline hands them over as one buffer
# with newlines inside) behaves exactly as if the lines were typed one by
# one, through a real pseudo-terminal (tests/sh/pty_lib.py):
#   * a command line among code lines runs as a command;
#   * a line that fails does not stop the lines before or after it;
#   * lesson 1's multi-line `fact` procedure is defined and runs;
#   * a // comment ends at the end of its line.
# Exit status: 0 pass, 1 fail, 77 skip (no python3).
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
exec python3 - "$(cd "$(dirname "$0")" && pwd)" <<'PY'
import os, re, sys
sys.path.insert(0, sys.argv[1])
from pty_lib import Term

t = Term(['--no-history'])
t.expect('xvm:core> ')
t.paste('push int(7); print;\npush int(1);\n:stack\npop; pop;\npush int(8); // eight\nprint;\n')
t.send('\r')
out = t.expect(re.compile(r'^8$', re.M))
t.check(re.search(r'^7$', out, re.M) is not None, 'the first pasted line ran (7)')
t.check('<1> 1' in out, 'a pasted :stack ran as a command (<1> 1)')
t.check('error' in out and out.index('error') < out.index('\n8'), 'a failing pasted line reported its error and the rest went on')
t.check('expected a statement' not in out, 'no syntax error from joining the lines')

fact = ('.define_procedure fact, (n: int -> r: int), {\n'
        '  dup; push int(1); le;\n'
        '  if { pop; push int(1); }, { dup; push int(1); sub; call fact; mul; };\n'
        '};\n'
        'push int(10); call fact; print;')
t.expect('xvm:core> ')
t.paste(fact)
t.send('\r')
out = t.expect('3628800')
t.check('defined procedure fact@v1' in out, "lesson 1's pasted fact procedure is defined and runs (3628800)")
t.expect('xvm:core> ')
t.send('\x04')
rc = t.wait_exit()
t.check(rc == 0, 'Ctrl-D leaves with status 0 (got %s)' % rc)
t.close()
print('pty_paste: all checks passed')
PY
