#!/usr/bin/env python3
"""Measure the shape of the C sources (core/, verify/, repl/) against the
rules of issue 10 "One subsystem per file":

  1. no function is over 60 lines (the executor's dispatch loop excepted);
  2. every non-static function and global variable defined in FILE.c is
     named FILE or FILE_... (the Lua rule: its name says its file);
  3. no two source files call each other in a circle, unless the group is
     allow-listed here with the reason (which the docs must also give);
  4. (figure only) the largest files;
  5. every .c/.h/.def file is named in docs/architecture.md.

Usage: tests/tools/code-shape.py [--report | --check] [--top N] [--build DIR]

  --report   print the figures and every violation (the default)
  --check    the same, then what to do about each violation; exit 1 if
             there is any violation of rule 1, 2, 3 or 5
  --top N    how many of the longest functions to list (default 15)
  --build    the build folder holding core/*.o, verify/*.o and repl/*.o
             (default: build under the repository root; run `make` first)

Rules 2 and 3 read the object files with `nm`; without objects, rule 2
falls back to parsing the sources and rule 3 cannot be checked (--check
then exits 2).  Exit status: 0 clean, 1 violations, 2 cannot check.
Works from any checkout: the root is found from this script's location."""

import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC_DIRS = ('core', 'verify', 'repl')
DOC = 'docs/architecture.md'
MAX_LINES = 60

# Functions allowed over MAX_LINES: (file, name) -> why.
EXEMPT_LONG = {
    ('core/vm.c', 'run'):
        # Direct threading jumps from label to label inside one function, and
        # keeps the stack pointer, frame and fuel in registers across all of
        # them; split up, every instruction would pay a call or a reload.
        "the executor's dispatch loop: its computed-goto labels share one frame",
}

# Exported names allowed without their file's prefix: (file, name) -> why.
EXEMPT_PREFIX = {
    ('repl/main.c', 'main'): 'the C entry point has a fixed name',
}

# Groups of files allowed to call each other in a circle: each entry is
# (set of files, why they are one subsystem).  The same reason must be
# written in docs/architecture.md.  A group matches only if it is exactly
# a strongly connected component: a file joining the circle needs a new
# look.
ALLOWED_CYCLES = [
    ({'verify/verify.c', 'verify/call.c'},
     'one recursion in two files: verifying a body verifies its calls (call.c), '
     'and a call of a module operation verifies that operation\'s body (verify.c)'),
    ({'core/vm.c', 'core/native.c'},
     'one executor in two tiers: threaded code calls native code (native_call) and native code '
     'calls threaded code and builds its traps as the threaded executor does (vm_run_entry, vm_trap_at)'),
]

# nm symbol types that define something (upper case = visible outside the
# object file): text, data, bss, read-only, common, small data, weak.
DEFINED = set('TDBRCGSVW')
# The types the prefix rule applies to (the names a user of the file sees).
EXPORTED = set('TDBRC')


def rel(path):
    return os.path.relpath(path, ROOT)


def sources(exts):
    out = []
    for d in SRC_DIRS:
        full = os.path.join(ROOT, d)
        if not os.path.isdir(full):
            continue
        for f in sorted(os.listdir(full)):
            if f.endswith(exts):
                out.append(d + '/' + f)
    return out


def read(relpath):
    with open(os.path.join(ROOT, relpath), encoding='utf-8', errors='replace') as f:
        return f.read()


def stem(relpath):
    return os.path.splitext(os.path.basename(relpath))[0]


# ------------------------------------------------------------ C text helpers

def strip_c(text):
    """The text with comments and string/char literals blanked out (their
    newlines kept), so braces and parentheses inside them do not count and
    line numbers stay true."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '/' and text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j]))
            i = j
        elif c == '/' and text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i))
            i = j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c and text[j] != '\n':
                j += 2 if text[j] == '\\' else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r'[^\n]', ' ', text[i + 1:j - 1]) + c)
            i = j
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def drop_attributes(s):
    """s without __attribute__((...)) groups, which would hide the name."""
    while True:
        m = re.search(r'\b__attribute__\s*\(', s)
        if not m:
            return s
        depth, j = 0, m.end() - 1
        while j < len(s):
            depth += {'(': 1, ')': -1}.get(s[j], 0)
            j += 1
            if depth == 0:
                break
        s = s[:m.start()] + ' ' + s[j:]


def function_name(header):
    """The name declared by a function header: the identifier right before
    the first top-level '(' (None for shapes this does not understand)."""
    h = drop_attributes(header)
    m = re.search(r'([A-Za-z_]\w*)\s*\(', h)
    return m.group(1) if m else None


# -------------------------------------------------------- 1. function lengths

def functions(relpath):
    """Every function defined in the K&R-ish house style, as dicts with
    file, name, line (of the header's first line), length (header to
    closing brace, inclusive) and static.  The opening brace stands alone
    at column 0 on the line after the header, the closing one at column 0;
    one-line functions (`T f(void) { ... }`) are never long and skipped."""
    lines = strip_c(read(relpath)).split('\n')
    found = []
    for i, line in enumerate(lines):
        if line.rstrip() != '{' or i == 0:
            continue
        start = i - 1
        while start > 0:
            prev = lines[start - 1]
            p = prev.strip()
            if not p or p.endswith((';', '}', '{')) or p.startswith('#'):
                break
            start -= 1
        header = ' '.join(l.strip() for l in lines[start:i])
        if '(' not in header or header.endswith('='):
            continue  # a struct, enum or initializer body
        end = i + 1
        while end < len(lines) and not lines[end].startswith('}'):
            end += 1
        name = function_name(header)
        if name is None:
            continue
        found.append({'file': relpath, 'name': name, 'line': start + 1,
                      'length': end - start + 1,
                      'static': re.search(r'\bstatic\b', header) is not None})
    return found


# ------------------------------------------------------ 2. names from sources

def top_level_chunks(text):
    """Split stripped C text into top-level declarations and definitions,
    each as (kind, text before any body, body-shaped?) where kind is 'func'
    or 'decl'.  Preprocessor lines are ignored."""
    text = re.sub(r'(?m)^[ \t]*#(?:.*\\\n)*.*$', '', text)
    chunks, cur, depth, had_brace = [], [], 0, False
    for c in text:
        cur.append(c)
        if c in '({[':
            depth += 1
            if c == '{' and depth == 1:
                had_brace = True
        elif c in ')}]':
            depth -= 1
            if c == '}' and depth == 0:
                s = ''.join(cur)
                head = drop_attributes(s[:s.index('{')]).strip()
                if head.endswith(')'):
                    chunks.append(('func', head))
                    cur, had_brace = [], False
        elif c == ';' and depth == 0:
            chunks.append(('decl', ''.join(cur), had_brace))
            cur, had_brace = [], False
    return chunks


def split_top(s, sep):
    parts, cur, depth = [], [], 0
    for c in s:
        if c in '({[':
            depth += 1
        elif c in ')}]':
            depth -= 1
        if c == sep and depth == 0:
            parts.append(''.join(cur))
            cur = []
        else:
            cur.append(c)
    parts.append(''.join(cur))
    return parts


def remove_groups(s, open_, close):
    out, depth = [], 0
    for c in s:
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
        elif depth == 0:
            out.append(c)
    return ''.join(out)


def exported_from_source(relpath):
    """Non-static functions and global variables defined in relpath, found
    by parsing it (used when its object file is missing)."""
    names = []
    for chunk in top_level_chunks(strip_c(read(relpath))):
        words = re.findall(r'[A-Za-z_]\w*', chunk[1])
        if not words or {'static', 'typedef', 'extern', '_Static_assert',
                         'static_assert'} & set(words[:4]):
            continue
        if chunk[0] == 'func':
            name = function_name(chunk[1])
            if name:
                names.append(name)
            continue
        decl = drop_attributes(chunk[1].rstrip(';'))
        if chunk[2] and '=' not in decl[:decl.find('{')] \
                and not re.search(r'\w', decl[decl.rfind('}') + 1:]):
            continue  # struct/union/enum type definition only
        decl = remove_groups(decl, '{', '}')
        for k, d in enumerate(split_top(decl, ',')):
            d = split_top(d, '=')[0]
            m = re.search(r'\(\s*\*+\s*([A-Za-z_]\w*)\s*\)', d)
            if m:
                names.append(m.group(1))  # function pointer variable
            elif '(' in d:
                continue  # a prototype, not a definition
            else:
                ids = re.findall(r'[A-Za-z_]\w*', remove_groups(d, '[', ']'))
                if len(ids) >= 2 or (k > 0 and ids):
                    names.append(ids[-1])
    return names


# --------------------------------------------------------------- object files

def nm_symbols(obj):
    """(defined, undefined, exported) symbol name sets of one object."""
    res = subprocess.run(['nm', '-P', obj], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, universal_newlines=True)
    if res.returncode != 0:
        raise OSError('nm %s: %s' % (obj, res.stderr.strip()))
    defined, undefined, exported = set(), set(), set()
    for line in res.stdout.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        name, t = f[0], f[1]
        if t == 'U':
            undefined.add(name)
        elif t in DEFINED:
            defined.add(name)
            # Reserved (__asan_..., __odr_...) and dotted names are the
            # compiler's, not the file's.
            if t in EXPORTED and not name.startswith('__') and '.' not in name:
                exported.add(name)
    return defined, undefined, exported


def load_objects(build, srcs):
    """{source: (defined, undefined, exported)} for every source whose
    object exists, plus the lists of missing and out-of-date objects."""
    objs, missing, stale = {}, [], []
    for s in srcs:
        o = os.path.join(build, os.path.splitext(s)[0] + '.o')
        if not os.path.exists(o):
            missing.append(s)
            continue
        if os.path.getmtime(o) < os.path.getmtime(os.path.join(ROOT, s)):
            stale.append(s)
        objs[s] = nm_symbols(o)
    return objs, missing, stale


# ------------------------------------------------------------ 3. dependencies

def dependency_graph(objs):
    """{A: {B: [symbols]}}: A uses symbols that B defines."""
    owner = {}
    for s, (defined, _, _) in objs.items():
        for name in defined:
            owner.setdefault(name, s)
    graph = {s: {} for s in objs}
    for s, (_, undefined, _) in objs.items():
        for name in sorted(undefined):
            b = owner.get(name)
            if b and b != s:
                graph[s].setdefault(b, []).append(name)
    return graph


def strongly_connected(graph):
    """Tarjan's algorithm without recursion: the components, each sorted."""
    index, low, on_stack = {}, {}, set()
    stack, comps, counter = [], [], 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(sorted(comp))
    return comps


# ------------------------------------------------------ 5. architecture.md

NAME_RE = re.compile(r'(?<![\w/.*-])((?:[\w-]+/)*)([\w*]+)\.(\[ch\]|c|h|def)(?![\w\[]|\.\w)')


def doc_names(text):
    """The source file names a text mentions: (folder or '', file) pairs,
    with `x.[ch]` read as x.c and x.h."""
    out = []
    for m in NAME_RE.finditer(text):
        folder = m.group(1).rstrip('/')
        exts = ('c', 'h') if m.group(3) == '[ch]' else (m.group(3),)
        for e in exts:
            out.append((folder, m.group(2) + '.' + e))
    return out


def glob_match(pattern, name):
    return re.fullmatch(re.escape(pattern).replace(r'\*', r'\w*'), name) is not None


def check_doc(files):
    """(files not named, files listed in the layer table only under another
    folder, named files that do not exist)."""
    path = os.path.join(ROOT, DOC)
    if not os.path.exists(path):
        return list(files), [], []
    text = read(DOC)
    named = doc_names(text)
    table, folder = [], ''
    for line in text.split('\n'):
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if not line.startswith('|') or len(cells) < 2:
            continue
        if cells[0]:
            m = re.match(r'`?(\w+)/`?$', cells[0])
            if not m:
                continue
            folder = m.group(1)
        for f, name in doc_names(cells[1]):
            table.append((f or folder, name))

    def mentions(f, pairs):
        d, b = f.split('/')
        # A glob needs a real prefix: `kind_*.c` names files, `*.c` does not.
        return [p for p in pairs
                if (p[1] == b or ('*' in p[1] and len(p[1].split('*')[0]) >= 2
                                  and glob_match(p[1], b)))
                and p[0] in ('', d)]

    missing = [f for f in files if not mentions(f, named)]
    misplaced = []
    for f in files:
        d, b = f.split('/')
        if not mentions(f, table):
            elsewhere = sorted({p[0] for p in table if p[1] == b})
            if elsewhere:
                misplaced.append((f, elsewhere))
    existing = {os.path.basename(f) for f in files}
    ghosts = sorted({(p[0] + '/' if p[0] else '') + p[1] for p in named
                     if '*' not in p[1] and p[0] in ('',) + SRC_DIRS
                     and p[1] not in existing})
    return missing, misplaced, ghosts


# ----------------------------------------------------------------- reporting

def owner_hint(name, stems):
    """The file whose name the symbol's prefix says, if there is one."""
    best = None
    for s in stems:
        if (name == s or name.startswith(s + '_')) and (best is None or len(s) > len(best)):
            best = s
    return best


def prefix_ok(relpath, name):
    s = stem(relpath)
    return name == s or name.startswith(s + '_') or (relpath, name) in EXEMPT_PREFIX


def show_path(path):
    return rel(path) if path.startswith(ROOT + os.sep) else path


def report_sizes(csrc):
    """4. The largest files: a figure, not a rule."""
    sizes = sorted(((read(s).count('\n'), s) for s in csrc), reverse=True)
    print('== Largest files')
    for n, s in sizes[:5]:
        print('  %5d  %s' % (n, s))
    return sizes[0]


def report_lengths(csrc, top):
    """1. Function lengths: (longest non-exempt function, those over the
    limit, what to do or None)."""
    funcs = [f for s in csrc for f in functions(s)]
    funcs.sort(key=lambda f: (-f['length'], f['file'], f['line']))
    print('\n== Longest functions (top %d)' % top)
    for f in funcs[:top]:
        why = EXEMPT_LONG.get((f['file'], f['name']))
        print('  %5d  %s:%d %s%s' % (f['length'], f['file'], f['line'], f['name'],
                                     '  (exempt: %s)' % why if why else ''))
    long_ = [f for f in funcs if f['length'] > MAX_LINES
             and (f['file'], f['name']) not in EXEMPT_LONG]
    print('\n== Functions over %d lines: %d' % (MAX_LINES, len(long_)))
    for f in long_:
        print('  %s:%d %s (%d lines)' % (f['file'], f['line'], f['name'], f['length']))
    have = {(f['file'], f['name']) for f in funcs}
    for key in sorted(EXEMPT_LONG):
        if key not in have:
            print('  note: EXEMPT_LONG names %s %s, which is not there' % key)
    longest = next((f for f in funcs if (f['file'], f['name']) not in EXEMPT_LONG), None)
    fix = long_ and ('%d function(s) over %d lines: split each into helpers of one job '
                     '(or add it to EXEMPT_LONG in %s with the reason)'
                     % (len(long_), MAX_LINES, rel(os.path.abspath(__file__))))
    return longest, long_, fix


def report_prefix(csrc, objs, missing_obj, build):
    """2. The prefix rule: (violations, what to do or None)."""
    stems = {stem(s) for s in csrc}
    bad = []
    for s in csrc:
        names = objs[s][2] if s in objs else set(exported_from_source(s))
        bad += [(s, n) for n in sorted(names) if not prefix_ok(s, n)]
    print("\n== Prefix rule (exported names start with their file's name): %d violations"
          % len(bad))
    for s, n in bad:
        home = owner_hint(n, stems - {stem(s)})
        print('  %s: %s%s' % (s, n, '  (prefix says %s)' % ', '.join(
            f for f in csrc if stem(f) == home) if home else ''))
    if missing_obj:
        print('  note: no object file for %d source(s) under %s; parsed their sources instead'
              % (len(missing_obj), show_path(build)))
    fix = bad and ('%d name(s) break the prefix rule: rename each to FILE_... (or make it '
                   'static), or move it to the file its prefix names' % len(bad))
    return bad, fix


def report_cycles(objs, stale):
    """3. Circular dependencies: (groups not allowed, what to do or None)."""
    graph = dependency_graph(objs)
    comps = [c for c in strongly_connected(graph) if len(c) > 1]
    allowed = {frozenset(files): why for files, why in ALLOWED_CYCLES}
    groups = [c for c in comps if frozenset(c) not in allowed]
    print('\n== Circular dependencies between files: %d group(s)' % len(groups))
    for c in sorted(comps):
        why = allowed.get(frozenset(c))
        print('  %s%s' % (' '.join(c), '  (allowed: %s)' % why if why else ''))
        for a in ([] if why else c):
            for b in sorted(b for b in graph[a] if b in c):
                syms = graph[a][b]
                print('      %s -> %s: %s%s' % (a, b, ', '.join(syms[:4]),
                                                 ' ...' if len(syms) > 4 else ''))
    for files, _ in ALLOWED_CYCLES:
        if sorted(files) not in comps:
            print('  note: ALLOWED_CYCLES names %s, which is no longer a circle as such'
                  % ' '.join(sorted(files)))
    if stale:
        print('  note: %d object(s) older than their source (e.g. %s): run `make` for true figures'
              % (len(stale), stale[0]))
    fix = groups and ('%d circular group(s): break each circle (move the shared part into '
                      'one file, or pass a callback), or, if the group is one subsystem, '
                      'add it to ALLOWED_CYCLES with the reason and say why in %s'
                      % (len(groups), DOC))
    return groups, fix


def report_doc():
    """5. architecture.md: (files not named, what to do or None)."""
    undoc, misplaced, ghosts = check_doc(sources(('.c', '.h', '.def')))
    print('\n== Files not named in %s: %d' % (DOC, len(undoc)))
    for f in undoc:
        print('  %s' % f)
    for f, where in misplaced:
        print('  note: %s is listed under %s/ in the layer table' % (f, '/, '.join(where)))
    for g in ghosts:
        print('  note: %s names %s, which does not exist' % (DOC, g))
    fix = undoc and '%d file(s) missing from %s: add each with its one job' % (len(undoc), DOC)
    return undoc, fix


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument('--report', action='store_true', help='print the figures (default)')
    mode.add_argument('--check', action='store_true', help='also exit 1 on any violation')
    ap.add_argument('--top', type=int, default=15, metavar='N')
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'), metavar='DIR')
    args = ap.parse_args()
    build = os.path.abspath(args.build)

    csrc = sources(('.c',))
    if not csrc:
        print('code-shape: no C sources under %s' % ', '.join(SRC_DIRS), file=sys.stderr)
        return 2
    have_nm = shutil.which('nm') is not None
    if have_nm:
        objs, missing_obj, stale = load_objects(build, csrc)
    else:
        objs, missing_obj, stale = {}, list(csrc), []

    largest = report_sizes(csrc)
    longest, long_, fix_long = report_lengths(csrc, args.top)
    bad, fix_prefix = report_prefix(csrc, objs, missing_obj, build)
    if missing_obj:
        print('\n== Circular dependencies: not checked (%s)'
              % ('nm not found: install binutils' if not have_nm else
                 'no %s.o: run `make` first'
                 % os.path.join(show_path(build), os.path.splitext(missing_obj[0])[0])))
        groups, fix_cycles = None, None
    else:
        groups, fix_cycles = report_cycles(objs, stale)
    undoc, fix_doc = report_doc()

    print('\nlargest file %s (%d lines); longest function %s (%d lines); functions over %d: %d; '
          'prefix violations: %d; circular groups: %s; files not in architecture.md: %d'
          % (largest[1], largest[0],
             '%s:%s' % (longest['file'], longest['name']) if longest else '-',
             longest['length'] if longest else 0, MAX_LINES, len(long_), len(bad),
             'not checked' if groups is None else len(groups), len(undoc)))
    if not args.check:
        return 0
    fixes = [f for f in (fix_long, fix_prefix, fix_cycles, fix_doc) if f]
    if fixes:
        print()
        for fix in fixes:
            print('FAIL: ' + fix)
    if groups is None:
        print('code-shape: circular dependencies not checked: run `make` first')
        return 2
    return 1 if fixes else 0


if __name__ == '__main__':
    sys.exit(main())
