/* kind_module.c - modules (DESIGN §3.4): operations over a machine, with
 * ports and state; and what a top-level .define_operation means. */
#include "edges.h"
#include "kinds.h"
#include "node.h"
#include "trust.h"

static Error *stage(Txn *t, DefCtx *c, const Node *st)
{
    Module *m;
    Error *e = define_module(c, st, &m);
    for (uint32_t i = 0; !e && i < m->nops; i++)
        e = trust_check_calls(t->s->ws, m->principal, m->ops[i]->body);
    return e ? e : module_verify(t->s->ws, m, t->s->verify_budget);
}

static void deps(Workspace *ws, const void *version, Vec *out)
{
    const Module *m = version;
    if (m->impl != lookup_core_machine())
        edges_add(out, edges_named(ws, m->impl->name, DEF_MACHINE), "implemented-over");
    for (uint32_t i = 0; i < m->nports; i++)
        edges_add(out, edges_named(ws, m->ports[i]->iface->name, DEF_INTERFACE), "uses-interface");
    for (uint32_t i = 0; i < m->nops; i++)
        edges_of_opcalls(ws, m->ops[i]->body, m->name, out);
    for (uint32_t i = 0; i < m->nops; i++)
        edges_of_body(ws, m->ops[i]->body, out);
    for (uint32_t i = 0; i < m->nops; i++)
        edges_of_effect(&m->ops[i]->eff, out);
    for (uint32_t i = 0; i < m->nstate; i++)
        edges_of_type(m->state[i].type, out);
}

static void summary(Buf *out, const void *version)
{
    const Module *m = version;
    buf_printf(out, "over %s", m->impl->name);
    for (int exported = 1; exported >= 0; exported--) {
        bool first = true;
        for (uint32_t k = 0; k < m->nports; k++)
            if (m->ports[k]->exported == exported) {
                buf_printf(out, "%s%s", first ? (exported ? "; exports " : "; imports ") : ", ", m->ports[k]->name);
                first = false;
            }
    }
}

static void show(Buf *out, const void *version)
{
    const Module *m = version;
    buf_printf(out, "// module %s@v%d over %s, %s\n", m->name, m->version, m->impl->name,
               principal_name(m->principal));
    for (uint32_t i = 0; i < m->nops; i++)
        show_effect_line(out, "operation", m->ops[i]->body->name, &m->ops[i]->eff);
    node_print(out, m->def, 0);
    buf_putc(out, '\n');
}

const KindOps kind_module = {
    .kind = DEF_MODULE, .stage = stage, .deps = deps, .summary = summary,
    .show = show, .rebuilt = "verified again", .redefined = "",
};

/* ---- .define_operation at top level ------------------------------------------------------------- */

/* port(P), OP  or  NAME: what a .define_operation statement defines. */
static bool same_operation(const Node *a, const Node *b)
{
    if (!node_is_directive(a, "define_operation") || a->nkids < 2 || b->nkids < 2)
        return false;
    const Node *pa = a->kids[0], *pb = b->kids[0];
    if (pa->kind == N_APPLY && pb->kind == N_APPLY)
        return pa->nkids == 1 && pb->nkids == 1 && node_same_name(pa->kids[0], pb->kids[0]) &&
               node_same_name(a->kids[1], b->kids[1]);
    return node_same_name(pa, pb);
}

Node *kind_module_with_op(Session *s, const Node *stmt, Error **err)
{
    Def *d = s->module_sel ? workspace_find_kind(s->ws, s->module_sel, DEF_MODULE) : NULL;
    if (!d) {
        *err = err_hint(err_new(E_DEFINE, stmt->head_span, "'.define_operation' at top level needs a module selected with :module"),
                        "select one with :module NAME, or define operations inside .define_module");
        return NULL;
    }
    const Module *m = def_current(d);
    const Node *body = m->def->kids[2];
    Vec stmts = {0};
    bool replaced = false;
    for (uint32_t i = 0; i < body->nkids; i++) {
        if (same_operation(body->kids[i], stmt)) {
            vec_push(&stmts, (void *)stmt);
            replaced = true;
        } else {
            vec_push(&stmts, body->kids[i]);
        }
    }
    if (!replaced)
        vec_push(&stmts, (void *)stmt);
    *err = NULL;
    return node_with_block(m->def, 2, &stmts);
}
