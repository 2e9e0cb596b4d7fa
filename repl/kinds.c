/* kinds.c - the table of definition kinds: one row per kind, in DefKind order. */
#include "kinds.h"
#include "edges.h"

#include <string.h>

static const KindOps *const kinds[DEF__COUNT] = {
    [DEF_PROC] = &kind_proc,       [DEF_INTERFACE] = &kind_interface, [DEF_MODULE] = &kind_module,
    [DEF_MACHINE] = &kind_machine, [DEF_LATTICE] = &kind_lattice,     [DEF_KEY] = &kind_key,
    [DEF_TYPE] = &kind_type,
};

const KindOps *kinds_of(DefKind k) { return kinds[k]; }

void kinds_show(Buf *out, const Def *d) { kinds[d->kind]->show(out, d->cur ? d->cur : d->pending); }

void kinds_deps(Workspace *ws, const Def *d, const void *v, Vec *out)
{
    if (kinds[d->kind]->deps)
        kinds[d->kind]->deps(ws, v, out);
    for (uint32_t i = 0; i < out->len; i++) /* no self edges (a recursive procedure) */
        if (((DepEdge *)out->items[i])->to == d) {
            memmove(&out->items[i], &out->items[i + 1], (out->len - i - 1) * sizeof(void *));
            out->len--;
            break;
        }
}
