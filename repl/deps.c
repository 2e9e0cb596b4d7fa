/* deps.c - the dependency graph of the workspace, read off the definitions
 * themselves: what each version uses, by kind of edge.  Redefinition walks
 * it backwards to find what must be verified again; :deps prints it. */
#include "txn.h"

#include <string.h>
#include <tre/tre.h>

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
            edge(out, in->ref.proc, "calls-procedure");
        else if (in->op == P_TICK)
            tick_names(ws, in->ref.tick, out);
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
    if (!d && !strcmp(name, "core-machine")) {
        buf_puts(out, "core-machine (built in)\n  depends on:\n    nothing\n  used by: every machine built over it, "
                      "every module implemented over it\n");
        return NULL;
    }
    const MachineOp *op = d ? NULL : machine_op(s->machine, name);
    if (op && op->kind == MOP_ALIAS) {
        buf_printf(out, "%s is an operation of %s: %s.%s of module %s@v%d (:deps %s for more)\n", name,
                   s->machine->name, op->comp->name, op->op->body->name, op->op->module->name,
                   op->op->module->version, op->op->module->name);
        return NULL;
    }
    if (!d) {
        uint32_t n;
        const char **names = workspace_names(s->ws, DEF__COUNT, &n);
        const char *near = suggest_name(name, names, n);
        Error *e = err_new(E_UNKNOWN, at, "nothing named '%s' is defined", name);
        return near ? err_hint(e, "did you mean '%s'?", near)
                    : err_hint(e, ":machines, :modules, :interfaces and :procedures list what exists");
    }
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

/* ---- :apropos ---------------------------------------------------------------------------------- */

/* Names and definition texts that match a TRE regular expression: one line
 * per definition, with the first matching line of its text. */
Error *session_apropos(Session *s, const char *pattern, Span at, Buf *out)
{
    regex_t re;
    int rc = tre_regcomp(&re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB | REG_NEWLINE);
    if (rc) {
        char msg[200];
        tre_regerror(rc, &re, msg, sizeof msg);
        return err_hint(err_new(E_USAGE, at, "bad regular expression '%s': %s", pattern, msg),
                        "apropos takes a POSIX extended regular expression, e.g. :apropos ^binary");
    }
    uint32_t hits = 0;
    for (uint32_t i = 0; i < s->ws->defs.len; i++) {
        Def *d = s->ws->defs.items[i];
        if (!d->cur)
            continue;
        Buf text = {0};
        def_show(&text, d);
        const char *line = NULL;
        for (char *p = text.s, *nl; p && *p; p = nl ? nl + 1 : NULL) {
            nl = strchr(p, '\n');
            char *l = gc_strndup(p, nl ? (size_t)(nl - p) : strlen(p));
            if (tre_regexec(&re, l, 0, NULL, 0) == 0 && l[0] != '/') {
                line = l;
                break;
            }
        }
        bool name_hit = tre_regexec(&re, d->name, 0, NULL, 0) == 0;
        if (!name_hit && !line)
            continue;
        const DefHead *h = d->cur;
        buf_printf(out, "%s@v%d (%s)", d->name, h->version, def_kind_name(d->kind));
        if (line) {
            while (*line == ' ')
                line++;
            buf_printf(out, ": %s", line);
        }
        buf_putc(out, '\n');
        hits++;
    }
    for (uint32_t i = 0; i < s->machine->nops; i++)
        if (s->machine->ops[i].kind == MOP_ALIAS && tre_regexec(&re, s->machine->ops[i].name, 0, NULL, 0) == 0) {
            buf_printf(out, "%s (operation of %s)\n", s->machine->ops[i].name, s->machine->name);
            hits++;
        }
    tre_regfree(&re);
    if (!hits)
        buf_printf(out, "nothing matches '%s'\n", pattern);
    return NULL;
}
