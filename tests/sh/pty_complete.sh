#!/usr/bin/env bash
# Tab completion by context, through a real pseudo-terminal
# (tests/sh/pty_lib.py), over the paper's Figure 1 machine:
#   * after ":link (C, " only the ports of component C of the machine in use;
#   * after ":set " the settings' names (core/config.h's table);
#   * after "'push_val L, " the elements of lattice L;
#   * after ".load_modules " the units on the search path (the stdlib).
# Exit status: 0 pass, 1 fail, 77 skip (no python3).
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
exec python3 - "$(cd "$(dirname "$0")" && pwd)" <<'PY'
import os, re, sys
sys.path.insert(0, sys.argv[1])
from pty_lib import Term, ROOT

t = Term(['--no-history', os.path.join(ROOT, 'tests/paper/figure1.xvm'), '-i'])
t.expect('xvm:core> ')
t.send(':use extended-machine\r')
t.expect('xvm:extended-machine> ')

def tab(keys):
    """Type keys (with Tabs), return what the terminal showed, clear the line."""
    t.send(keys)
    shown = t.settle(0.4)
    t.send('\x15')  # Ctrl-U: kill the line
    t.settle(0.2)
    return shown

shown = tab(':link (ternary-add-instance, \t\t')
t.check('binary-op-port' in shown and 'ternary-op-port' in shown, ':link (C, Tab Tab lists the ports of C')
t.check('binary-mul-port' not in shown and 'core-wrappers-instance' not in shown,
        '... and nothing else (no other component, no port of another component)')
shown = tab(':link (\t\t')
t.check('core-wrappers-instance' in shown and 'binary-op-port' not in shown, ':link ( Tab Tab lists the components')
shown = tab(':set fu\t')
t.check(':set fuel ' in shown, ':set fu Tab completes the setting fuel')
t.send('.define_lattice LEVEL, { LOW < HIGH; };\r')
t.expect('defined lattice LEVEL')
t.expect('xvm:extended-machine> ')
shown = tab("'push_val LEVEL, H\t")
t.check("'push_val LEVEL, HIGH " in shown, "'push_val LEVEL, H Tab completes the element HIGH")
shown = tab(".load_modules do-as\t")
t.check('.load_modules do-as-ternary-module ' in shown, '.load_modules do-as Tab completes the stdlib unit')
t.send('\x04')
t.check(t.wait_exit() == 0, 'Ctrl-D leaves with status 0')
t.close()
print('pty_complete: all checks passed')
PY
