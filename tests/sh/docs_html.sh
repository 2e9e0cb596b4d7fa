#!/usr/bin/env bash
# make docs, checked in a real browser: build the HTML tutorial and docs
# (tutorial/tools/make-docs.py, with pandoc) into a scratch folder, then
# load every page in headless Chromium and check that
#   * each page renders, with a <title> and an <h1> (a lesson's h1 is
#     "Lesson N: ..."), and every lesson, solution and doc has its page;
#   * the index links every lesson, the reference and the architecture;
#   * every relative link (a, link) resolves to an existing file, and a
#     link with a #fragment to an element with that id on the target page.
# One browser run loads all pages (as iframes of a checker page, with
# --allow-file-access-from-files), so the test takes a few seconds.
# Skipped (exit 77) when pandoc or chromium is missing; .ci/install-deps
# installs both.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2

for tool in pandoc chromium python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool not found (bash .ci/install-deps installs it)"
        exit 77
    fi
done

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/xvm-docs.XXXXXX") || exit 2
trap 'rm -rf "$TMPD"' EXIT
OUT=$TMPD/docs

if ! make -s --no-print-directory docs DOCS_DIR="$OUT" >"$TMPD/make.log" 2>&1; then
    echo "FAIL: make docs failed:"; cat "$TMPD/make.log"; exit 1
fi

# The checker page: every page in an iframe; when all have loaded, one line
# per fact into <pre id="out"> (PAGE url title h1 / IDS url ids / LINK url href).
python3 - "$OUT" "$TMPD/check.html" <<'EOF' || exit 2
import glob, json, os, sys
out, check = sys.argv[1], sys.argv[2]
pages = ['file://' + p for p in sorted(glob.glob(os.path.join(out, '**', '*.html'), recursive=True))]
script = r'''
const pages = PAGES;
const lines = []; let left = pages.length;
const text = s => s.replace(/\s+/g, ' ').trim();
function done() { if (--left === 0) document.getElementById('out').textContent = lines.join('\n') + '\nEND'; }
for (const p of pages) {
  const f = document.createElement('iframe');
  f.onload = () => {
    try {
      const d = f.contentDocument, h1 = d.querySelector('h1');
      lines.push(['PAGE', p, text(d.title), h1 ? text(h1.textContent) : ''].join('\t'));
      lines.push(['IDS', p, [...d.querySelectorAll('[id]')].map(e => e.id).join(' ')].join('\t'));
      for (const a of d.querySelectorAll('a[href], link[href]'))
        lines.push(['LINK', p, a.href].join('\t'));
    } catch (e) { lines.push(['ERROR', p, String(e)].join('\t')); }
    done();
  };
  f.src = p;
  document.body.appendChild(f);
}
'''.replace('PAGES', json.dumps(pages))
with open(check, 'w') as f:
    f.write('<!DOCTYPE html><html><head><title>check</title></head><body>'
            '<pre id="out">not finished</pre><script>' + script + '</script></body></html>')
EOF

sandbox=()
[[ $(id -u) -eq 0 ]] && sandbox=(--no-sandbox)   # Chromium refuses root otherwise
timeout 60 chromium --headless "${sandbox[@]}" --disable-gpu --no-first-run \
    --user-data-dir="$TMPD/profile" --allow-file-access-from-files \
    --virtual-time-budget=20000 --dump-dom "file://$TMPD/check.html" \
    >"$TMPD/dom.html" 2>"$TMPD/chromium.log"
rc=$?
if ((rc != 0)); then
    echo "FAIL: chromium exited with status $rc:"; tail -n 20 "$TMPD/chromium.log"; exit 1
fi

python3 - "$ROOT" "$OUT" "$TMPD/dom.html" <<'EOF'
import glob, html, os, re, sys
from urllib.parse import unquote, urlsplit
root, out, dom = sys.argv[1:]
m = re.search(r'<pre id="out">(.*?)</pre>', open(dom, encoding='utf-8').read(), re.S)
lines = html.unescape(m.group(1)).split('\n') if m else []
fails = []
if not lines or lines[-1] != 'END':
    sys.exit('FAIL: the browser did not load every page (checker output: %r)' % lines[-3:])
rel = lambda url: os.path.relpath(unquote(urlsplit(url).path), out)
pages, ids, links = {}, {}, []
for line in lines[:-1]:
    f = line.split('\t')
    if f[0] == 'PAGE':
        pages[rel(f[1])] = (f[2], f[3])
    elif f[0] == 'IDS':
        ids[rel(f[1])] = set(f[2].split())
    elif f[0] == 'LINK':
        links.append((rel(f[1]), f[2]))
    else:
        fails.append('%s: %s' % (rel(f[1]), f[2]))

expected = ['index.html', 'reference.html', 'architecture.html', 'tutorial/index.html']
lessons = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(root, 'tutorial', '[0-9][0-9]-*.xvm')))
expected += ['tutorial/%s.html' % l for l in lessons]
expected += ['tutorial/exercises/%s.html' % os.path.basename(p)[:-4]
             for p in glob.glob(os.path.join(root, 'tutorial', 'exercises', '*.xvm'))]
for page in expected:
    if page not in pages:
        fails.append('%s: no such page' % page)
for page, (title, h1) in sorted(pages.items()):
    if not title or not h1:
        fails.append('%s: renders without a title or an h1 (title %r, h1 %r)' % (page, title, h1))
for l in lessons:
    h1 = pages.get('tutorial/%s.html' % l, ('', ''))[1]
    if not h1.startswith('Lesson %d' % int(l[:2])):
        fails.append('tutorial/%s.html: h1 is %r, not "Lesson %d: ..."' % (l, h1, int(l[:2])))

index_links = {rel(href) for page, href in links if page == 'index.html' and href.startswith('file:')}
for want in ['reference.html', 'architecture.html'] + ['tutorial/%s.html' % l for l in lessons]:
    if want not in index_links:
        fails.append('index.html does not link %s' % want)

checked = 0
for page, href in links:
    if not href.startswith('file:'):
        continue                       # http(s) links are not ours to check
    checked += 1
    target = unquote(urlsplit(href).path)
    frag = unquote(urlsplit(href).fragment)
    if not os.path.exists(target):
        fails.append('%s: link to %s: no such file' % (page, href))
    elif frag and rel(href) in ids and frag not in ids[rel(href)]:
        fails.append('%s: link to %s: no element with id %r' % (page, rel(href), frag))

for f in fails:
    print('FAIL: ' + f)
if fails:
    sys.exit(1)
print('ok: %d pages render with a title and an h1; %d relative links resolve' % (len(pages), checked))
EOF
