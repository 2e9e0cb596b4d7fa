/* kind_key.c - keys (DESIGN §4.1): what facts are about.  Facts store a
 * key's id, so a key given again keeps its id where that keeps them true. */
#include "edges.h"
#include "kinds.h"

#include <string.h>

static Error *stage(Txn *t, DefCtx *c, const Node *st) { return define_key(c, st); }

static void deps(Workspace *ws, const void *version, Vec *out)
{
    edges_add(out, edges_named(ws, ((const Key *)version)->lat->name, DEF_LATTICE), "uses-lattice");
}

/* Facts store element numbers: only an identical lattice keeps them meaningful. */
static bool same_lattice(const Lattice *a, const Lattice *b)
{
    if (a == b)
        return true;
    if (a->nelems != b->nelems || memcmp(a->leq, b->leq, (size_t)a->nelems * a->nelems))
        return false;
    for (uint32_t i = 0; i < a->nelems; i++)
        if (strcmp(a->elems[i], b->elems[i]))
            return false;
    return true;
}

/* A key given again with the same lattice, arity and owner keeps its id,
 * so facts already on the REPL stack keep their meaning. */
static void carry(Txn *t, Def *d, void *version)
{
    Workspace *ws = t->s->ws;
    Key *k = version;
    const Key *old = d->cur;
    if (old && old->arity == k->arity && same_lattice(old->lat, k->lat) && !strcmp(old->owner, k->owner) &&
        old->principal == k->principal) {
        KeySlot *slot = gc_alloc(sizeof *slot);
        *slot = (KeySlot){old->id, ws->keys.items[old->id]};
        vec_push(&t->key_slots, slot);
        k->id = old->id;
        ws->keys.items[k->id] = k;
        return;
    }
    k->id = ws->keys.len;
    vec_push(&ws->keys, k);
}

/* Declared again word for word, it is the same key only over the same
 * version of its lattice. */
static bool same(const void *old, const void *neu) { return ((const Key *)old)->lat == ((const Key *)neu)->lat; }

static void summary(Buf *out, const void *version)
{
    const Key *k = version;
    buf_printf(out, "over %s, about %u item%s, owned by %s", k->lat->name, k->arity, k->arity == 1 ? "" : "s",
               show_owner_words(k->owner));
}

static void show(Buf *out, const void *version)
{
    const Key *k = version;
    buf_printf(out, "// key %s@v%d over %s, about %u item%s, owned by %s\n", k->name, k->version, k->lat->name,
               k->arity, k->arity == 1 ? "" : "s", show_owner_words(k->owner));
    node_print(out, k->def, 0);
    buf_putc(out, '\n');
}

const KindOps kind_key = {
    .kind = DEF_KEY, .stage = stage, .deps = deps, .carry = carry, .same = same, .summary = summary,
    .show = show, .owned = true, .rebuilt = "verified again", .redefined = "",
};
