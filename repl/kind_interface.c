/* kind_interface.c - interfaces (DESIGN §3.4): operation signatures with
 * their contracts. */
#include "edges.h"
#include "kinds.h"

static Error *stage(Txn *t, DefCtx *c, const Node *st) { return define_interface(c, st); }

/* Contracts read keys.  The types its effects name are no edge: an
 * interface holds their ids, which a type's new version keeps unless its
 * representation or owner changes, and then the interface is given again
 * (decision 49); what linearity changes is checked in the code that
 * implements and calls it. */
static void deps(Workspace *ws, const void *version, Vec *out)
{
    const Interface *itf = version;
    for (uint32_t i = 0; i < itf->nops; i++)
        for (uint32_t k = 0; k < itf->ops[i].ncontracts; k++)
            edges_add(out, edges_named(ws, itf->ops[i].contracts[k].key_name, DEF_KEY), "reads-key");
}

static void summary(Buf *out, const void *version)
{
    const Interface *i = version;
    for (uint32_t k = 0; k < i->nops; k++) {
        buf_printf(out, "%s%s ", k ? ", " : "", i->ops[k].name);
        effect_print(out, &i->ops[k].eff);
    }
}

static void show(Buf *out, const void *version)
{
    const Interface *i = version;
    buf_printf(out, "// interface %s@v%d, %s\n", i->name, i->version, principal_name(i->principal));
    node_print(out, i->def, 0);
    buf_putc(out, '\n');
}

const KindOps kind_interface = {
    .kind = DEF_INTERFACE, .stage = stage, .deps = deps, .summary = summary,
    .show = show, .rebuilt = "verified again", .redefined = "",
};
