"""pty_lib.py - drive xvm-repl through a real pseudo-terminal, for the
tests/sh/pty_*.sh tests (which run a small Python program importing this).

    t = Term()                       # xvm-repl on a fresh pty, HOME in a temp dir
    t.expect('xvm:core> ')           # wait for text (escape sequences removed)
    t.send('push int(2); print;\r')  # keys as typed
    t.paste('a\nb\n')                # a bracketed paste (ESC[200~ ... ESC[201~)
    rc = t.wait_exit()               # exit status

Every wait has a deadline (XVM_PTY_TIMEOUT seconds, default 10); on a
failure the test prints the terminal transcript and exits 1.  The session
is killed (its process group) when the test ends.
"""

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get('XVM_BIN', os.path.join(ROOT, 'xvm-repl'))
LIMIT = float(os.environ.get('XVM_PTY_TIMEOUT', '30'))

_ESC = re.compile(rb'\x1b\[[0-9;?]*[A-Za-z~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\r|\x07')


def clean(raw):
    return _ESC.sub(b'', raw).decode('utf-8', 'replace')


class Term:
    def __init__(self, args=(), env=None, home=None, term='xterm', cols=80, rows=24):
        self.tmp = tempfile.mkdtemp(prefix='xvm-pty.')
        self.home = home or os.path.join(self.tmp, 'home')
        os.makedirs(self.home, exist_ok=True)
        e = {k: v for k, v in os.environ.items() if not k.startswith('XDG_') and k != 'XVM_REPL_HISTFILE'}
        e.update({'HOME': self.home, 'INPUTRC': '/dev/null', 'TERM': term, 'LC_ALL': 'C',
                  'COLUMNS': '80', 'LINES': '24'})
        e.update(env or {})
        self.raw = b''
        self.mark = 0  # expect() looks after this offset of the cleaned text
        self.status = None
        self.pid, self.fd = pty.fork()
        if self.pid != 0:  # the window size the session sees (TIOCGWINSZ)
            fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
        if self.pid == 0:
            try:
                os.execve(BIN, [BIN] + list(args), e)
            finally:
                os._exit(127)
        self.deadline = time.time() + LIMIT

    # ---- output ---------------------------------------------------------------------------
    def _read(self, wait):
        r, _, _ = select.select([self.fd], [], [], wait)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b''
        if not data:
            return None
        self.raw += data
        return True

    def text(self):
        return clean(self.raw)

    def expect(self, what, count=1):
        """Wait until `what` (a string or compiled regex) has appeared `count`
        times after the end of the last match; returns the text from there to
        the end of this match.  (Offsets are in the cleaned text.)"""
        while True:
            tail = self.text()[self.mark:]
            end = self._find(tail, what, count)
            if end is not None:
                self.mark += end
                return tail[:end]
            if time.time() > self.deadline:
                self.fail('no %r within %gs' % (getattr(what, 'pattern', what), LIMIT))
            if self._read(0.1) is None and self._find(self.text()[self.mark:], what, count) is None:
                self.fail('xvm-repl exited before %r appeared' % (getattr(what, 'pattern', what),))

    @staticmethod
    def _find(tail, what, count):
        if hasattr(what, 'finditer'):
            ends = [m.end() for m in what.finditer(tail)]
        else:
            ends, at = [], tail.find(what)
            while at >= 0:
                ends.append(at + len(what))
                at = tail.find(what, at + len(what))
        return ends[count - 1] if len(ends) >= count else None

    def settle(self, quiet=0.3):
        """Read until nothing comes for `quiet` seconds; returns the new text."""
        while time.time() < self.deadline and self._read(quiet):
            pass
        text = self.text()
        new, self.mark = text[self.mark:], len(text)
        return new

    # ---- input ----------------------------------------------------------------------------
    def send(self, keys):
        os.write(self.fd, keys.encode() if isinstance(keys, str) else keys)

    def paste(self, text):
        self.send('\x1b[200~' + text + '\x1b[201~')

    # ---- the end --------------------------------------------------------------------------
    def wait_exit(self):
        while time.time() < self.deadline:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
                while self._read(0.05):
                    pass
                return self.status
            self._read(0.1)
        self.fail('xvm-repl did not exit within %gs' % LIMIT)

    def close(self):
        if self.status is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.status = -9
        try:
            os.close(self.fd)
        except OSError:
            pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def fail(self, msg):
        print('FAIL: ' + msg)
        print('---- terminal transcript (escape sequences removed) ----')
        print(self.text())
        print('--------------------------------------------------------')
        self.close()
        sys.exit(1)

    def check(self, cond, msg):
        if not cond:
            self.fail(msg)
        print('ok: ' + msg)
