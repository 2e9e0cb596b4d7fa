#!/usr/bin/env bash
# :trace at a real terminal fits its table to the terminal's width: run
# xvm-repl on a pseudo-terminal (tests/sh/pty_lib.py) set to 80 columns,
# then to 132 (with COLUMNS=200, so the window size has to win), trace
# code with a long component frame and tick operations, and check that
# every table line fits the width, that the separators of every line stand
# in the same columns, and that the wider terminal gets a wider table.
# Exit status: 0 pass, 1 fail, 77 skip (no python3).
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
exec python3 - "$(cd "$(dirname "$0")" && pwd)" <<'PY'
import re, sys
sys.path.insert(0, sys.argv[1])
from pty_lib import Term

ROW = re.compile(r'^ *(STEP|[0-9]+ |  ) .* \| .* \| .* \| ')


def session(cols):
    t = Term(['--no-history'], env={'COLUMNS': '200'}, cols=cols)
    t.expect('xvm:core> ')
    t.send(':load tests/paper/figure1.xvm\r')
    t.expect('xvm:core> ')
    t.send(':use extended-machine\r')
    t.expect('xvm:extended-machine> ')
    t.send(':trace push int(2); push int(3); push int(4); tadd; print;\r')
    out = t.expect(re.compile(r'^done: .*$', re.M))
    t.send('.load_modules parity-machine;\r:use parity-machine\r:trace push int(5); pinc; print;\r')
    out += t.expect(re.compile(r'^done: .*$', re.M))
    lines = [l for l in out.splitlines() if ROW.match(l)]
    t.check(any(l.startswith(' STEP AT') for l in lines), 'a trace table at %d columns' % cols)
    widest = max(len(l) for l in lines)
    t.check(widest <= cols, '%d columns: the widest table line is %d columns' % (cols, widest))
    seps = {tuple(i for i, ch in enumerate(l) if ch == '|')[:3] for l in lines}
    t.check(len(seps) == 1, '%d columns: the separators of every line are aligned' % cols)
    t.send(':quit\r')
    t.wait_exit()
    t.close()
    return widest


narrow = session(80)
wide = session(132)
if wide <= narrow:
    print('FAIL: the table is no wider at 132 columns (%d) than at 80 (%d)' % (wide, narrow))
    sys.exit(1)
print('trace_width: all checks passed')
PY
