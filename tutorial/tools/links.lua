-- pandoc filter for make docs (tutorial/tools/make-docs.sh): a relative link
-- in the Markdown sources names a file of the repository (a lesson's .xvm,
-- a .md, a folder); in build/docs/ it must name the page made from it.
local function rewrite(t)
  if t:match('^%a[%w+.-]*:') or t:match('^#') or t == '' then
    return t                                  -- http:, mailto:, #anchor
  end
  local path, frag = t:match('^([^#]*)(.*)$')
  if path:match('/$') then
    path = path .. 'index.html'               -- a folder: its index page
  else
    path = path:gsub('README%.md$', 'index.html')
    path = path:gsub('docs/([%w_-]+)%.md$', '%1.md')   -- docs/X.md is X.html
    path = path:gsub('%.md$', '.html')
    path = path:gsub('%.xvm$', '.html')
  end
  return path .. frag
end

function Link(el)
  el.target = rewrite(el.target)
  return el
end
