/* deps.c - the dependency graph of the workspace, read off the definitions
 * themselves: what each version uses, by kind of edge.  Redefinition walks
 * it backwards to find what must be verified again; :deps prints it. */
#include "txn.h"

#include <string.h>

static void edge(Vec *out, Def *to, const char *why)
{
    if (!to)
        return;
    for (uint32_t i = 0; i < out->len; i++) {
        DepEdge *e = out->items[i];
        if (e->to == to)
            return;
    }
    DepEdge *e = gc_alloc(sizeof *e);
    *e = (DepEdge){to, why};
    vec_push(out, e);
}

static Def *named(Workspace *ws, const char *name, DefKind kind)
{
    return name ? workspace_find_kind(ws, name, kind) : NULL;
}

/* Key and lattice names a tick statement mentions, at any depth. */
static void tick_names(Workspace *ws, const Node *n, Vec *out)
{
    if (n->kind == N_NAME) {
        Def *d = workspace_find(ws, n->name);
        if (d && (d->kind == DEF_KEY || d->kind == DEF_LATTICE))
            edge(out, d, "reads-key");
    }
    for (uint32_t i = 0; i < n->nkids; i++)
        tick_names(ws, n->kids[i], out);
}

static void body_deps(Workspace *ws, const Body *b, Vec *out)
{
    for (uint32_t i = 0; b && i < b->n; i++) {
        const Insn *in = &b->insns[i];
        if (in->op == P_CALL)
            edge(out, (Def *)in->ref, "calls-procedure");
        else if (in->op == P_TICK)
            tick_names(ws, in->ref, out);
    }
}

static void contract_deps(Workspace *ws, const Interface *itf, Vec *out)
{
    for (uint32_t i = 0; i < itf->nops; i++)
        for (uint32_t k = 0; k < itf->ops[i].ncontracts; k++)
            edge(out, named(ws, itf->ops[i].contracts[k].key_name, DEF_KEY), "reads-key");
}

static void module_deps(Workspace *ws, const Module *m, Vec *out)
{
    if (m->impl != core_machine())
        edge(out, named(ws, m->impl->name, DEF_MACHINE), "implemented-over");
    for (uint32_t i = 0; i < m->nports; i++)
        edge(out, named(ws, m->ports[i]->iface->name, DEF_INTERFACE), "uses-interface");
    for (uint32_t i = 0; i < m->nops; i++)
        body_deps(ws, m->ops[i]->body, out);
}

static void machine_deps(Workspace *ws, const Machine *m, Vec *out)
{
    if (m->base && m->base != core_machine())
        edge(out, named(ws, m->base->name, DEF_MACHINE), "built-over");
    for (uint32_t i = 0; i < m->ncomps; i++)
        edge(out, named(ws, m->comps[i]->module->name, DEF_MODULE), "instantiates");
}

void def_deps(Workspace *ws, const Def *d, const void *v, Vec *out)
{
    switch (d->kind) {
    case DEF_PROC: {
        const ProcVersion *p = v;
        edge(out, named(ws, p->over, DEF_MACHINE), "calls-operation");
        body_deps(ws, p->body, out);
        break;
    }
    case DEF_INTERFACE: contract_deps(ws, v, out); break;
    case DEF_MODULE: module_deps(ws, v, out); break;
    case DEF_MACHINE: machine_deps(ws, v, out); break;
    case DEF_KEY: edge(out, named(ws, ((const Key *)v)->lat->name, DEF_LATTICE), "uses-lattice"); break;
    default: break;
    }
    for (uint32_t i = 0; i < out->len; i++) /* no self edges (a recursive procedure) */
        if (((DepEdge *)out->items[i])->to == d) {
            memmove(&out->items[i], &out->items[i + 1], (out->len - i - 1) * sizeof(void *));
            out->len--;
            break;
        }
}

bool def_depends_on(Workspace *ws, const Def *d, const Def *on)
{
    Vec deps = {0};
    def_deps(ws, d, d->cur, &deps);
    for (uint32_t i = 0; i < deps.len; i++)
        if (((DepEdge *)deps.items[i])->to == on)
            return true;
    return false;
}

static void dep_line(Buf *out, const Def *d, const char *why)
{
    const DefHead *h = def_current(d);
    buf_printf(out, "    %s@v%d (%s) %s\n", d->name, h->version, def_kind_name(d->kind), why);
}

Error *session_deps(Session *s, const char *name, Span at, Buf *out)
{
    Def *d = workspace_find(s->ws, name);
    if (!d)
        return err_hint(err_new(E_UNKNOWN, at, "nothing named '%s' is defined", name),
                        ":machines, :modules, :interfaces and :procedures list what exists");
    const DefHead *h = d->cur;
    buf_printf(out, "%s@v%d (%s)\n  depends on:\n", d->name, h->version, def_kind_name(d->kind));
    Vec deps = {0};
    def_deps(s->ws, d, d->cur, &deps);
    for (uint32_t i = 0; i < deps.len; i++)
        dep_line(out, ((DepEdge *)deps.items[i])->to, ((DepEdge *)deps.items[i])->why);
    if (!deps.len)
        buf_puts(out, "    nothing\n");
    buf_puts(out, "  used by:\n");
    uint32_t users = 0;
    for (uint32_t i = 0; i < s->ws->defs.len; i++) {
        Def *u = s->ws->defs.items[i];
        if (u == d || !u->cur)
            continue;
        Vec ud = {0};
        def_deps(s->ws, u, u->cur, &ud);
        for (uint32_t k = 0; k < ud.len; k++)
            if (((DepEdge *)ud.items[k])->to == d) {
                dep_line(out, u, ((DepEdge *)ud.items[k])->why);
                users++;
            }
    }
    if (!users)
        buf_puts(out, "    nothing\n");
    return NULL;
}
