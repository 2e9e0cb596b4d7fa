/* gentext.c - generated XVM text mapped back onto its foreign source (see gentext.h). */
#include "gentext.h"

#include "syntax.h"

#include <ctype.h>
#include <string.h>

void gentext_emit(Gentext *g, Span at, const char *xvm)
{
    if (g->nmap == g->capmap) {
        g->capmap = g->capmap ? 2 * g->capmap : 64;
        GentextMap *m = gc_alloc(g->capmap * sizeof *m);
        if (g->nmap)
            memcpy(m, g->map, g->nmap * sizeof *m);
        g->map = m;
    }
    g->map[g->nmap++] = (GentextMap){.gen = (uint32_t)g->text.len, .span = at};
    buf_puts(&g->text, xvm);
    buf_putc(&g->text, ' ');
}

static Span map_back(const Gentext *g, const Source *src, Span gen)
{
    uint32_t lo = 0, hi = g->nmap;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (g->map[mid].gen <= gen.off)
            lo = mid;
        else
            hi = mid;
    }
    return g->nmap ? g->map[lo].span : (Span){.src = src, .line = 1, .col = 1};
}

static void remap(const Gentext *g, const Source *src, Node *n)
{
    Span last = n->span;
    last.off += last.len ? last.len - 1 : 0;
    /* A block ends at the foreign token its last text came from (a Forth
     * body at its ;, where "f leaves 2 items" points), not where it began. */
    n->span = n->kind == N_BLOCK ? source_span_join(map_back(g, src, n->span), map_back(g, src, last))
                                 : map_back(g, src, n->span);
    n->head_span = map_back(g, src, n->head_span);
    for (uint32_t i = 0; i < n->nkids; i++)
        remap(g, src, n->kids[i]);
}

static void remap_error(const Gentext *g, const Source *src, Error *e, const Source *gen)
{
    for (; e; e = e->next) {
        if (e->span.src == gen)
            e->span = map_back(g, src, e->span);
        for (Note *n = e->notes; n; n = n->next)
            if (n->span.src == gen)
                n->span = map_back(g, src, n->span);
    }
}

static Error *evaluate(Gentext *g, Session *s, const Source *src, Principal as, bool check)
{
    if (!g->text.len)
        return NULL;
    const Source *gen = source_new(src->name, g->text.s, g->text.len, 1);
    Node *unit;
    Error *e = parse_unit(gen, &unit);
    if (!e) {
        remap(g, src, unit);
        e = check ? session_check_unit(s, unit, src, as) : session_eval_unit(s, unit, src, as);
    }
    remap_error(g, src, e, gen);
    g->text = (Buf){0};
    g->nmap = 0;
    return e;
}

Error *gentext_eval(Gentext *g, Session *s, const Source *src, Principal as)
{
    return evaluate(g, s, src, as, false);
}

Error *gentext_check(Gentext *g, Session *s, const Source *src, Principal as)
{
    return evaluate(g, s, src, as, true);
}

const char *gentext_name(const char *name)
{
    bool ok = isalpha((unsigned char)name[0]) || name[0] == '_';
    for (const char *c = name; *c && ok; c++)
        ok = isalnum((unsigned char)*c) || *c == '_' || *c == '-';
    if (ok)
        return name;
    Buf b = {0};
    buf_puts(&b, "w_");
    for (const char *c = name; *c; c++)
        if (isalnum((unsigned char)*c) || *c == '-')
            buf_putc(&b, *c);
        else
            buf_printf(&b, "_%02x", (unsigned char)*c);
    return buf_str(&b);
}
