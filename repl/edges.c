/* edges.c - the edges a definition's version has, shared by the kinds. */
#include "edges.h"

#include <string.h>

void edges_add(Vec *out, Def *to, const char *why)
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

Def *edges_named(Workspace *ws, const char *name, DefKind kind)
{
    return name ? workspace_find_kind(ws, name, kind) : NULL;
}

void edges_of_type(TypeId t, Vec *out)
{
    const TypeDef *v = type_version(t);
    if (v)
        edges_add(out, (Def *)v->handle, "uses-type");
}

void edges_of_effect(const Effect *eff, Vec *out)
{
    for (uint32_t i = 0; i < eff->nin; i++)
        edges_of_type(eff->in[i].type, out);
    for (uint32_t i = 0; i < eff->nout; i++)
        edges_of_type(eff->out[i].type, out);
}

/* Key and lattice names a tick statement mentions, at any depth. */
static void tick_names(Workspace *ws, const Node *n, Vec *out)
{
    if (n->kind == N_NAME) {
        Def *d = workspace_find(ws, n->name);
        if (d && (d->kind == DEF_KEY || d->kind == DEF_LATTICE))
            edges_add(out, d, "reads-key");
    }
    for (uint32_t i = 0; i < n->nkids; i++)
        tick_names(ws, n->kids[i], out);
}

void edges_of_body(Workspace *ws, const Body *b, Vec *out)
{
    for (uint32_t i = 0; b && i < b->n; i++) {
        const Insn *in = &b->insns[i];
        if (in->op == P_CALL)
            edges_add(out, in->ref.proc, "calls-procedure");
        else if (in->op == P_TICK)
            tick_names(ws, in->ref.tick, out);
    }
}

/* The modules whose operations a module's body calls through its machine's
 * aliases (calls-operation: it was verified with their bodies, DESIGN §5);
 * never the module itself. */
void edges_of_opcalls(Workspace *ws, const Body *b, const char *self, Vec *out)
{
    for (uint32_t i = 0; b && i < b->n; i++) {
        const Insn *in = &b->insns[i];
        if (in->op == P_OPCALL && strcmp(in->ref.target->op->module->name, self) != 0)
            edges_add(out, edges_named(ws, in->ref.target->op->module->name, DEF_MODULE), "calls-operation");
    }
}
