#!/usr/bin/env python3
"""Fill every ```output block that follows an ```xvm block with the actual
output of xvm-repl (stdout+stderr, plus [exit N]).  Prints a diff summary."""
import os, subprocess, sys, re
path, binary = sys.argv[1], sys.argv[2]
# Examples run from the root of the checkout holding this script (they
# :load stdlib/... and the like); a binary given as a path is the caller's.
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if os.sep in binary:
    binary = os.path.abspath(binary)
lines = open(path).read().split('\n')
out = []
i = 0
changed = 0
while i < len(lines):
    if lines[i] == '```xvm':
        j = i + 1
        while not lines[j].startswith('```'): j += 1
        code = '\n'.join(lines[i+1:j]) + '\n'
        out.extend(lines[i:j+1])
        i = j + 1
        if i < len(lines) and lines[i] == '```output':
            k = i + 1
            while not lines[k].startswith('```'): k += 1
            p = subprocess.run([binary], input=code.encode(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=root)
            got = p.stdout.decode()
            if p.returncode: got += '[exit %d]\n' % p.returncode
            new = got.rstrip('\n').split('\n') if got else []
            old = lines[i+1:k]
            if new != old:
                changed += 1
                print('--- block at line %d changed' % (i+1), file=sys.stderr)
            out.append('```output'); out.extend(new); out.append('```')
            i = k + 1
        continue
    out.append(lines[i]); i += 1
open(path, 'w').write('\n'.join(out))
print('%d output blocks changed' % changed, file=sys.stderr)
