/* kind_lattice.c - lattices (DESIGN §4.1): the values facts take. */
#include "kinds.h"

static Error *stage(Txn *t, DefCtx *c, const Node *st) { return define_lattice(c, st); }

static void summary(Buf *out, const void *version)
{
    const Lattice *l = version;
    buf_printf(out, "with %u elements, top %s", l->nelems, l->elems[l->top]);
}

static void show(Buf *out, const void *version)
{
    const Lattice *l = version;
    buf_printf(out, "// lattice %s@v%d, %u elements, top %s, owned by %s\n", l->name, l->version, l->nelems,
               l->elems[l->top], show_owner_words(l->owner));
    node_print(out, l->def, 0);
    buf_putc(out, '\n');
}

const KindOps kind_lattice = {
    .kind = DEF_LATTICE, .stage = stage, .summary = summary, .show = show,
    .owned = true, .rebuilt = "verified again", .redefined = "",
};
