#!/usr/bin/env bash
# Exit status and Ctrl-D, through a real pseudo-terminal
# (tests/sh/pty_lib.py), as sqlite3 and psql do:
#   * an interactive session exits 0 even after an input failed;
#   * :quit N exits with status N; :quit with a bad N is an error, not an exit;
#   * Ctrl-D inside an open (unfinished) input warns and asks again: the
#     input is kept and can be finished; a second Ctrl-D discards it and
#     leaves (status 0).
# And, with no terminal, a script keeps its rules: status 1 if an input
# failed, N after :quit N.
# Exit status: 0 pass, 1 fail, 77 skip (no python3).
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
XVM_BIN=${XVM_BIN:-$ROOT/xvm-repl}
fail=0
printf 'bogus;\npush int(1);\n' | "$XVM_BIN" >/dev/null 2>&1
rc=$?; if ((rc == 1)); then echo "ok: a script with a failed input exits 1"; else echo "FAIL: script exit $rc (expected 1)"; fail=1; fi
printf 'bogus;\n:quit 5\npush int(1);\n' | "$XVM_BIN" >/dev/null 2>&1
rc=$?; if ((rc == 5)); then echo "ok: a script's :quit 5 exits 5"; else echo "FAIL: script exit $rc after :quit 5"; fail=1; fi
((fail)) && exit 1
exec python3 - "$(cd "$(dirname "$0")" && pwd)" <<'PY'
import os, re, sys
sys.path.insert(0, sys.argv[1])
from pty_lib import Term

# A typo, then Ctrl-D: status 0.
t = Term(['--no-history'])
t.expect('xvm:core> ')
t.send('bogus;\r')
t.expect('error')
t.expect('xvm:core> ')
t.send('\x04')
rc = t.wait_exit()
t.check(rc == 0, 'a session with a failed input exits 0 after Ctrl-D (got %s)' % rc)
t.close()

# :quit 7 after a typo; a bad :quit N is refused.
t = Term(['--no-history'])
t.expect('xvm:core> ')
t.send('bogus;\r')
t.expect('xvm:core> ')
t.send(':quit 300\r')
out = t.expect('xvm:core> ')
t.check('0..255' in out, ':quit 300 is refused and the session goes on')
t.send(':quit 7\r')
rc = t.wait_exit()
t.check(rc == 7, ':quit 7 exits 7 (got %s)' % rc)
t.close()

# Ctrl-D in an open input: a warning, the input kept, then finished.
t = Term(['--no-history'])
t.expect('xvm:core> ')
t.send('.define_procedure three, (-> r: int), {\r')
t.expect('xvm:core| ')
t.send('\x04')
out = t.expect('xvm:core| ')
t.check('an input is still open' in out and 'Ctrl-D again' in out, 'Ctrl-D in an open input warns')
t.send('push int(3); };\r')
t.expect('defined procedure three@v1')
t.check(True, 'the input was kept: finishing it defines three')
t.expect('xvm:core> ')
t.send('call three; print;\r')
t.expect(re.compile(r'^3$', re.M))
t.expect('xvm:core> ')
# Ctrl-D twice in an open input: warned, then discarded and gone.
t.send('push int(4); if {\r')
t.expect('xvm:core| ')
t.send('\x04')
t.expect('an input is still open')
t.expect('xvm:core| ')
t.send('\x04')
rc = t.wait_exit()
t.check(rc == 0, 'a second Ctrl-D discards the input and leaves with status 0 (got %s)' % rc)
t.close()
print('pty_ctrl_d: all checks passed')
PY
