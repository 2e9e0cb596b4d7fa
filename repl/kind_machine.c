/* kind_machine.c - machines (DESIGN §3.4): components linked over a base
 * machine.  A machine built again is relinked in place: its components
 * keep their state. */
#include "edges.h"
#include "kinds.h"

#include <string.h>

static Error *stage(Txn *t, DefCtx *c, const Node *st)
{
    Machine *m;
    return link_machine(c, st, &m);
}

static void deps(Workspace *ws, const void *version, Vec *out)
{
    const Machine *m = version;
    if (m->base && m->base != lookup_core_machine())
        edges_add(out, edges_named(ws, m->base->name, DEF_MACHINE), "built-over");
    for (uint32_t i = 0; i < m->ncomps; i++)
        edges_add(out, edges_named(ws, m->comps[i]->module->name, DEF_MODULE), "instantiates");
    /* Each link joins two ports of one interface: the machine relies on it
     * (already through the modules, so no rebuild comes of it alone). */
    for (uint32_t i = 0; i < m->ncomps; i++)
        for (uint32_t k = 0; k < m->comps[i]->module->nports; k++)
            if (m->comps[i]->links[k].provider)
                edges_add(out, edges_named(ws, m->comps[i]->module->ports[k]->iface->name, DEF_INTERFACE), "links");
}

static bool same_state_layout(const Module *a, const Module *b)
{
    if (a->nstate != b->nstate)
        return false;
    for (uint32_t i = 0; i < a->nstate; i++)
        if (strcmp(a->state[i].name, b->state[i].name) || a->state[i].type != b->state[i].type)
            return false;
    return true;
}

/* The same slots when the layout is unchanged (so code still running
 * shares them), else a copy of every slot whose name and type survive. */
static void carry(Txn *t, Def *d, void *version)
{
    Machine *neu = version;
    const Machine *old = d->cur;
    for (uint32_t i = 0; old && i < neu->ncomps; i++) {
        Component *c = neu->comps[i];
        const Component *o = lookup_component(old, c->name);
        if (!o || strcmp(o->module->name, c->module->name))
            continue;
        if (same_state_layout(o->module, c->module)) {
            c->state = o->state;
            continue;
        }
        for (uint32_t k = 0; k < c->module->nstate; k++) {
            int j = lookup_state_slot(o->module, c->module->state[k].name);
            if (j >= 0 && o->module->state[j].type == c->module->state[k].type)
                c->state[k] = o->state[j];
        }
    }
}

static void summary(Buf *out, const void *version)
{
    const Machine *m = version;
    buf_printf(out, "over %s, %u component%s", m->base->name, m->ncomps, m->ncomps == 1 ? "" : "s");
    bool first = true;
    for (uint32_t k = 0; k < m->nops; k++)
        if (m->ops[k].kind == MOP_ALIAS && m->ops[k].comp->machine == m) {
            buf_printf(out, "%s%s", first ? ", adds " : ", ", m->ops[k].name);
            first = false;
        }
}

static void show(Buf *out, const void *version) { show_machine(out, version); }

const KindOps kind_machine = {
    .kind = DEF_MACHINE, .stage = stage, .deps = deps, .carry = carry,
    .summary = summary, .show = show, .rebuilt = "relinked in place, component state carried over",
    .redefined = "; relinked in place, component state carried over",
};
