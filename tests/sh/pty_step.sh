#!/usr/bin/env bash
# Stepping state is visible, through a real pseudo-terminal
# (tests/sh/pty_lib.py): while a :step run is suspended the prompt says so
# (xvm:core[step]>), and :stack and :facts show the stepped run's state, not
# the stack from before the run; after :continue the prompt and :stack are
# the session's again.
# Exit status: 0 pass, 1 fail, 77 skip (no python3).
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
exec python3 - "$(cd "$(dirname "$0")" && pwd)" <<'PY'
import os, re, sys
sys.path.insert(0, sys.argv[1])
from pty_lib import Term

t = Term(['--no-history'])
t.expect('xvm:core> ')
t.send('push int(1);\r')
t.expect('xvm:core> ')
t.send(':step push int(2); push int(3); add;\r')
t.expect('xvm:core[step]> ')
t.check(True, 'the prompt is marked while the run is suspended (xvm:core[step]> )')
t.send(':stack\r')
out = t.expect('xvm:core[step]> ')
t.check(re.search(r'^<2> 1 2$', out, re.M) is not None, ':stack shows the stepped run after one step (<2> 1 2)')
t.check('the stepped run after 1 step' in out, ':stack says it is the stepped run')
t.send(':step\r')
t.expect('xvm:core[step]> ')
t.send(':facts\r')
out = t.expect('xvm:core[step]> ')
t.check('simulated stack: <3> s0:int s1:int s2:int' in out, ':facts shows the run\'s simulated stack')
t.send(':continue\r')
out = t.expect('xvm:core> ')
t.check('done: 3 steps' in out, ':continue finishes the run; the prompt is plain again')
t.send(':stack\r')
out = t.expect('xvm:core> ')
t.check(re.search(r'^<2> 1 5$', out, re.M) is not None and 'stepped run' not in out, ':stack shows the session again (<2> 1 5)')
t.send('\x04')
t.check(t.wait_exit() == 0, 'Ctrl-D leaves with status 0')
t.close()
print('pty_step: all checks passed')
PY
