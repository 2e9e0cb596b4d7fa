#!/usr/bin/env python3
"""make docs: a browsable HTML version of the tutorial and the docs.

Usage: tutorial/tools/make-docs.py [OUTDIR]     (default: build/docs)

Writes, with pandoc (one call per page):

  OUTDIR/index.html                    every lesson, the reference, the notes
  OUTDIR/reference.html                docs/reference.md
  OUTDIR/architecture.html             docs/architecture.md
  OUTDIR/tutorial/index.html           tutorial/README.md
  OUTDIR/tutorial/NN-topic.html        a lesson, made from its transcript
  OUTDIR/tutorial/exercises/NN-K.html  a solution, made from its transcript
  OUTDIR/tutorial/data/NAME.html       a file the lessons load
  OUTDIR/tutorial/{exercises,data}/index.html, OUTDIR/docs.css

A lesson page is its .out transcript: a whole-line comment typed at the
top-level prompt becomes prose (the first one the title, "--- X ---" a
section), everything else (inputs, continuation lines, answers) stays a
session block.  The runner's final "[exit N]" line is left out: XVM does
not print it.  tutorial/tools/links.lua turns links to .xvm and .md files
and folders into links to their pages."""

import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, 'tutorial', 'tools')
FENCE = '~~~~'

TOP_PROMPT = re.compile(r'^xvm:\S*> (.*)$')
EXERCISE = re.compile(r'^Exercise (\d+)\.(\d+):(.*)$')


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def escape(text):
    """Prose from a comment is plain text: keep Markdown from reading it."""
    bullet = re.match(r'^(\s*\* )(.*)$', text)
    lead, rest = (bullet.group(1), bullet.group(2)) if bullet else ('', text)
    rest = re.sub(r'([\\`*_<>\[\]#|~])', r'\\\1', rest)
    if not bullet:
        rest = re.sub(r'^(\s*)(\d+)([.)])(\s)', r'\1\2\\\3\4', rest)
        rest = re.sub(r'^(\s*)([-+=])(\s)', r'\1\\\2\3', rest)
    return lead + rest


class Transcript:
    """Markdown for one transcript, built line by line."""

    def __init__(self, solution_dir):
        self.out = []
        self.code = False
        self.title = None
        self.solution_dir = solution_dir
        self.pending = None  # exercise whose statement paragraph is open

    def end_paragraph(self):
        if self.pending:
            self.out[-1] += ' [Solution](%s/%02d-%d.html)' % ((self.solution_dir,) + self.pending)
            self.pending = None

    def to_prose(self):
        if self.code:
            self.out.append(FENCE)
            self.code = False

    def blank(self):
        self.to_prose()
        self.end_paragraph()
        self.out.append('')

    def comment(self, text):
        self.to_prose()
        if self.title is None:
            self.title = text.strip()
            self.out += ['# ' + escape(self.title), '']
            return
        section = re.match(r'^--- (.*?) -+$', text)
        if re.match(r'^=+$', text.strip()):
            return
        if section:
            self.blank()
            self.out += ['## ' + escape(section.group(1)), '']
            return
        if not text.strip():
            self.blank()
            return
        ex = EXERCISE.match(text)
        if ex:
            self.blank()
            self.pending = (int(ex.group(1)), int(ex.group(2)))
            self.out.append('**Exercise %s.%s:**%s' % (ex.group(1), ex.group(2), escape(ex.group(3))))
            return
        self.out.append(escape(text))

    def session(self, line):
        if not self.code:
            self.end_paragraph()
            self.out += ['', FENCE]
            self.code = True
        self.out.append(line)

    def feed(self, line):
        m = TOP_PROMPT.match(line)
        if m and m.group(1).startswith('//'):
            body = m.group(1)[2:]
            self.comment(body[1:] if body.startswith(' ') else body)
        elif m and not m.group(1).strip():
            self.blank()
        else:
            self.session(line)

    def markdown(self, lines):
        if lines and re.match(r'^\[exit \d+\]$', lines[-1]):
            lines = lines[:-1]
        for line in lines:
            self.feed(line)
        self.to_prose()
        self.end_paragraph()
        return '\n'.join(self.out) + '\n'


def transcript(path, solution_dir='exercises'):
    t = Transcript(solution_dir)
    md = t.markdown(read(path).rstrip('\n').split('\n'))
    return md, t.title


def nav(links):
    return '\n<nav>\n\n' + ' · '.join('[%s](%s)' % l for l in links if l) + '\n\n</nav>\n\n'


def pandoc(md, out, title, css):
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cmd = ['pandoc', '-f', 'gfm', '-t', 'html5', '-s', '--metadata', 'pagetitle=' + title,
           '-c', css, '--lua-filter', os.path.join(TOOLS, 'links.lua'), '-o', out]
    subprocess.run(cmd, input=md.encode('utf-8'), check=True)


def first_heading(md, default):
    m = re.search(r'^# (.*)$', md, re.M)
    return m.group(1).strip() if m else default


def lesson_pages(out):
    """The lessons, with a navigation bar; returns [(file stem, title)]."""
    outs = sorted(glob.glob(os.path.join(ROOT, 'tutorial', '[0-9][0-9]-*.out')))
    lessons = []
    for path in outs:
        md, title = transcript(path)
        lessons.append((os.path.basename(path)[:-4], title, md))
    for i, (stem, title, md) in enumerate(lessons):
        prev = ('← ' + lessons[i - 1][1], lessons[i - 1][0] + '.html') if i > 0 else None
        nxt = (lessons[i + 1][1] + ' →', lessons[i + 1][0] + '.html') if i + 1 < len(lessons) else None
        bar = nav([('Tutorial', 'index.html'), prev, nxt])
        page = bar + md + bar
        pandoc(page, os.path.join(out, 'tutorial', stem + '.html'), title, '../docs.css')
    return [(stem, title) for stem, title, _ in lessons]


def exercise_pages(out, lessons):
    by_number = {stem[:2]: (stem, title) for stem, title in lessons}
    listing = ['# Exercises and their solutions', '']
    for path in sorted(glob.glob(os.path.join(ROOT, 'tutorial', 'exercises', '*.out'))):
        stem = os.path.basename(path)[:-4]
        md, title = transcript(path)
        lesson = by_number.get(stem[:2])
        bar = nav([('Exercises', 'index.html'),
                   (lesson[1], '../%s.html' % lesson[0]) if lesson else None])
        name = title.split(':')[0] if title else stem
        pandoc(bar + md, os.path.join(out, 'tutorial', 'exercises', stem + '.html'), name, '../../docs.css')
        listing.append('* [%s](%s.html)' % (escape(title or stem), stem))
    bar = nav([('Tutorial', '../index.html')])
    pandoc(bar + '\n'.join(listing) + '\n', os.path.join(out, 'tutorial', 'exercises', 'index.html'),
           'Exercises', '../../docs.css')


def data_pages(out):
    listing = ['# Files the lessons load', '']
    for path in sorted(glob.glob(os.path.join(ROOT, 'tutorial', 'data', '*.xvm'))):
        name = os.path.basename(path)
        md = '# %s\n\n%s\n%s\n%s\n' % (escape(name), FENCE, read(path).rstrip('\n'), FENCE)
        pandoc(nav([('Files', 'index.html'), ('Tutorial', '../index.html')]) + md,
               os.path.join(out, 'tutorial', 'data', name[:-4] + '.html'), name, '../../docs.css')
        listing.append('* [%s](%s)' % (escape(name), name))
    pandoc(nav([('Tutorial', '../index.html')]) + '\n'.join(listing) + '\n',
           os.path.join(out, 'tutorial', 'data', 'index.html'), 'Files the lessons load', '../../docs.css')


def markdown_page(src, out, css, links):
    md = read(src)
    pandoc(nav(links) + md, out, first_heading(md, os.path.basename(src)), css)


def main(argv):
    out = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(ROOT, 'build', 'docs'))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'docs.css'), 'w', encoding='utf-8') as f:
        f.write(read(os.path.join(TOOLS, 'docs.css')))
    lessons = lesson_pages(out)
    exercise_pages(out, lessons)
    data_pages(out)
    top = [('All documentation', '../index.html')]
    markdown_page(os.path.join(ROOT, 'tutorial', 'README.md'), os.path.join(out, 'tutorial', 'index.html'),
                  '../docs.css', top)
    home = [('All documentation', 'index.html')]
    for name in ('reference', 'architecture'):
        markdown_page(os.path.join(ROOT, 'docs', name + '.md'), os.path.join(out, name + '.html'),
                      'docs.css', home)
    index = ['# XVM documentation', '',
             '* [The tutorial](tutorial/index.html): start here', '']
    index += ['  %d. [%s](tutorial/%s.html)' % (i + 1, escape(t), s) for i, (s, t) in enumerate(lessons)]
    index += ['', '* [Exercises and their solutions](tutorial/exercises/index.html)',
              '* [The language and xvm-repl reference](reference.html)',
              '* [Architecture: how XVM is built](architecture.html)', '']
    pandoc('\n'.join(index), os.path.join(out, 'index.html'), 'XVM documentation', 'docs.css')
    print('make docs: wrote %d lessons and the docs to %s' % (len(lessons), os.path.relpath(out)))
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv))
    except FileNotFoundError as e:
        if e.filename == 'pandoc':
            sys.exit('make docs: pandoc not found; install the Debian package pandoc '
                     '(bash .ci/install-deps does)')
        raise
    except subprocess.CalledProcessError as e:
        sys.exit('make docs: pandoc failed (exit %d)' % e.returncode)
