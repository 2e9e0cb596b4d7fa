/* vstate.c - the verification state as a value: copy, canonicalise, join,
 * compare, print.
 *
 * Identities are canonical at block boundaries: numbered by first
 * appearance from the bottom of the stack, so two states that say the same
 * thing compare equal byte for byte, which is what the work list needs. */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

VState *vs_new(void) { return gc_alloc(sizeof(VState)); }

VState *vs_copy(const VState *s)
{
    VState *c = vs_new();
    *c = *s;
    c->cap = s->depth;
    c->items = gc_calloc(s->depth + 1, sizeof(VItem));
    if (s->depth)
        memcpy(c->items, s->items, s->depth * sizeof(VItem));
    c->facts = gc_calloc(s->nfacts + 1, sizeof(VFact));
    if (s->nfacts)
        memcpy(c->facts, s->facts, s->nfacts * sizeof(VFact));
    c->vcap = s->vdepth;
    c->vstack = gc_calloc(s->vdepth + 1, sizeof(VVal));
    if (s->vdepth)
        memcpy(c->vstack, s->vstack, s->vdepth * sizeof(VVal));
    return c;
}

void vs_push_item(VState *s, VItem it)
{
    if (s->depth == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        VItem *grown = gc_calloc(cap, sizeof(VItem));
        if (s->depth)
            memcpy(grown, s->items, s->depth * sizeof(VItem));
        s->items = grown;
        s->cap = cap;
    }
    s->items[s->depth++] = it;
}

uint32_t vs_push(VState *s, TypeId t)
{
    uint32_t id = s->next_id++;
    vs_push_item(s, (VItem){id, t});
    return id;
}

VItem vs_pop(VState *s) { return s->items[--s->depth]; }

VState *vs_from_inputs(const Effect *eff)
{
    VState *s = vs_new();
    for (uint32_t i = 0; i < eff->nin; i++)
        vs_push(s, eff->in[i].type);
    return s;
}

/* ---- canonical form ----------------------------------------------------------- */

static int fact_cmp(const void *pa, const void *pb)
{
    const VFact *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->arity != b->arity)
        return a->arity < b->arity ? -1 : 1;
    for (uint32_t i = 0; i < a->arity; i++)
        if (a->ids[i] != b->ids[i])
            return a->ids[i] < b->ids[i] ? -1 : 1;
    return 0;
}

/* New id of old identity `id`, or UINT32_MAX if it is not on the stack. */
static uint32_t remap(const uint32_t *old, const uint32_t *neu, uint32_t n, uint32_t id)
{
    for (uint32_t i = 0; i < n; i++)
        if (old[i] == id)
            return neu[i];
    return UINT32_MAX;
}

static bool remap_fact(VFact *f, const uint32_t *old, const uint32_t *neu, uint32_t n, uint32_t pinned)
{
    for (uint32_t k = 0; k < f->arity; k++) {
        if (f->ids[k] < pinned)
            continue;
        uint32_t id = remap(old, neu, n, f->ids[k]);
        if (id == UINT32_MAX)
            return false;
        f->ids[k] = id;
    }
    return true;
}

/* Identities below s->pinned belong to a caller and keep their numbers;
 * the rest are renumbered from there by first appearance. */
void vs_canon(VState *s)
{
    uint32_t *old = gc_calloc(s->depth + 1, sizeof(uint32_t));
    uint32_t *neu = gc_calloc(s->depth + 1, sizeof(uint32_t));
    uint32_t n = 0, next = s->pinned;
    for (uint32_t i = 0; i < s->depth; i++) {
        uint32_t id = s->items[i].id;
        if (id < s->pinned)
            continue;
        uint32_t m = remap(old, neu, n, id);
        if (m == UINT32_MAX) {
            old[n] = id;
            m = neu[n] = next++;
            n++;
        }
        s->items[i].id = m;
    }
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->nfacts; i++) {
        VFact f = s->facts[i];
        if (remap_fact(&f, old, neu, n, s->pinned))
            s->facts[kept++] = f;
    }
    s->nfacts = kept;
    if (kept > 1)
        qsort(s->facts, kept, sizeof(VFact), fact_cmp);
    s->next_id = next;
}

bool vs_equal(const VState *a, const VState *b)
{
    if (a->depth != b->depth || a->nfacts != b->nfacts || a->vdepth != b->vdepth)
        return false;
    for (uint32_t i = 0; i < a->depth; i++)
        if (a->items[i].id != b->items[i].id || a->items[i].type != b->items[i].type)
            return false;
    for (uint32_t i = 0; i < a->nfacts; i++)
        if (fact_cmp(&a->facts[i], &b->facts[i]) != 0 || a->facts[i].value != b->facts[i].value)
            return false;
    for (uint32_t i = 0; i < a->vdepth; i++)
        if (memcmp(&a->vstack[i], &b->vstack[i], sizeof(VVal)) != 0)
            return false;
    return true;
}

/* ---- join -------------------------------------------------------------------------- */

/* The joined identity of the pair (ida on path a, idb on path b): a pinned
 * identity seen on both paths stays itself. */
static uint32_t pair_id(const uint32_t *pa, const uint32_t *pb, uint32_t n, uint32_t ida, uint32_t idb,
                        uint32_t pinned)
{
    if (ida == idb && ida < pinned)
        return ida;
    for (uint32_t i = 0; i < n; i++)
        if (pa[i] == ida && pb[i] == idb)
            return pinned + i;
    return UINT32_MAX;
}

static bool join_fact(const VFact *fa, const VFact *fb, const uint32_t *pa, const uint32_t *pb,
                      uint32_t npairs, uint32_t pinned, VLubFn lub, void *ctx, VFact *out)
{
    if (fa->key != fb->key || fa->arity != fb->arity)
        return false;
    *out = *fa;
    for (uint32_t k = 0; k < fa->arity; k++) {
        uint32_t id = pair_id(pa, pb, npairs, fa->ids[k], fb->ids[k], pinned);
        if (id == UINT32_MAX)
            return false;
        out->ids[k] = id;
    }
    if (fa->value == fb->value)
        return true;
    return lub && lub(ctx, fa->key, fa->value, fb->value, &out->value);
}

JoinResult vs_join(const VState *a, const VState *b, VLubFn lub, void *ctx, VState **out,
                   uint32_t *slot)
{
    if (a->depth != b->depth)
        return JOIN_DEPTH;
    for (uint32_t i = 0; i < a->depth; i++)
        if (a->items[i].type != b->items[i].type) {
            *slot = i;
            return JOIN_TYPE;
        }
    VState *j = vs_copy(a);
    uint32_t *pa = gc_calloc(a->depth + 1, sizeof(uint32_t));
    uint32_t *pb = gc_calloc(a->depth + 1, sizeof(uint32_t));
    uint32_t n = 0, pinned = a->pinned;
    for (uint32_t i = 0; i < a->depth; i++) {
        uint32_t id = pair_id(pa, pb, n, a->items[i].id, b->items[i].id, pinned);
        if (id == UINT32_MAX) {
            pa[n] = a->items[i].id;
            pb[n] = b->items[i].id;
            id = pinned + n++;
        }
        j->items[i].id = id;
    }
    /* One fact on a shared identity can become several: slots that shared
     * an identity on one path may not on the other. */
    j->nfacts = 0;
    j->facts = gc_calloc((size_t)a->nfacts * b->nfacts + 1, sizeof(VFact));
    for (uint32_t x = 0; x < a->nfacts; x++)
        for (uint32_t y = 0; y < b->nfacts; y++) {
            VFact f;
            if (join_fact(&a->facts[x], &b->facts[y], pa, pb, n, pinned, lub, ctx, &f))
                j->facts[j->nfacts++] = f;
        }
    j->next_id = pinned + n;
    vs_canon(j);
    *out = j;
    return JOIN_OK;
}

/* ---- facts ------------------------------------------------------------------------------ */

uint32_t fact_value_make(const uint32_t *elems, uint32_t n)
{
    uint32_t v = n << 24;
    for (uint32_t i = 0; i < n && i < FACT_VALUE_MAX; i++)
        v |= (elems[i] & 0xff) << (8 * i);
    return v;
}

const VFact *vs_fact(const VState *s, uint32_t key, const uint32_t *ids, uint32_t arity)
{
    for (uint32_t i = 0; i < s->nfacts; i++) {
        const VFact *f = &s->facts[i];
        if (f->key == key && f->arity == arity && (!arity || !memcmp(f->ids, ids, arity * sizeof(uint32_t))))
            return f;
    }
    return NULL;
}

void vs_set_fact(VState *s, VFact f)
{
    for (uint32_t i = 0; i < s->nfacts; i++) {
        VFact *g = &s->facts[i];
        if (g->key == f.key && g->arity == f.arity && !memcmp(g->ids, f.ids, f.arity * sizeof(uint32_t))) {
            g->value = f.value;
            return;
        }
    }
    VFact *grown = gc_calloc(s->nfacts + 2, sizeof(VFact));
    if (s->nfacts)
        memcpy(grown, s->facts, s->nfacts * sizeof(VFact));
    grown[s->nfacts++] = f;
    s->facts = grown;
}

/* ---- printing -------------------------------------------------------------------------- */

static const Workspace *g_names; /* key names for printing, set by the session */

void vs_set_names(const Workspace *ws) { g_names = ws; }

void vs_print_stack(Buf *out, const VState *s)
{
    buf_printf(out, "<%u>", s->depth);
    for (uint32_t i = 0; i < s->depth; i++)
        buf_printf(out, " s%u:%s", s->items[i].id, type_name(s->items[i].type));
}

static void fact_print(Buf *out, const VFact *f, const Workspace *ws)
{
    const Key *k = ws && f->key < ws->keys.len ? ws->keys.items[f->key] : NULL;
    if (k)
        buf_puts(out, k->name);
    else
        buf_printf(out, "key%u", f->key);
    buf_putc(out, '(');
    for (uint32_t i = 0; i < f->arity; i++)
        buf_printf(out, "%ss%u", i ? ", " : "", f->ids[i]);
    buf_puts(out, ") = ");
    uint32_t n = fact_value_len(f->value);
    if (n == 0) { /* not a packed value: show the raw number */
        buf_printf(out, "%u", f->value);
        return;
    }
    if (n != 1)
        buf_putc(out, '(');
    for (uint32_t i = 0; i < n; i++) {
        uint32_t e = fact_value_elem(f->value, i);
        if (i)
            buf_puts(out, ", ");
        if (k && e < k->lat->nelems)
            buf_puts(out, k->lat->elems[e]);
        else
            buf_printf(out, "%u", e);
    }
    if (n != 1)
        buf_putc(out, ')');
}

void vs_print_facts(Buf *out, const VState *s, const Workspace *ws)
{
    for (uint32_t i = 0; i < s->nfacts; i++) {
        buf_puts(out, i ? ", " : "");
        fact_print(out, &s->facts[i], ws);
    }
}

static void vval_print(Buf *out, const VVal *v, const Workspace *ws)
{
    const Key *k = ws && (v->kind == VV_KEYCTOR || v->kind == VV_KEY) && v->key < ws->keys.len ? ws->keys.items[v->key]
                                                                                                : NULL;
    switch (v->kind) {
    case VV_KEYCTOR: buf_printf(out, "%s", k ? k->name : "key"); return;
    case VV_ID: buf_printf(out, "s%u", v->x[0]); return;
    case VV_KEY:
        buf_printf(out, "%s(", k ? k->name : "key");
        for (uint32_t i = 0; i < v->n; i++)
            buf_printf(out, "%ss%u", i ? ", " : "", v->x[i]);
        buf_putc(out, ')');
        return;
    case VV_ELEM: buf_puts(out, v->lat->elems[v->x[0]]); return;
    case VV_VALUE:
        buf_putc(out, '(');
        for (uint32_t i = 0; i < v->n; i++)
            buf_printf(out, "%s%s", i ? ", " : "", v->lat->elems[v->x[i]]);
        buf_putc(out, ')');
        return;
    default: buf_puts(out, "?");
    }
}

void vs_print_vstack(Buf *out, const VState *s, const Workspace *ws)
{
    buf_putc(out, '[');
    for (uint32_t i = 0; i < s->vdepth; i++) {
        buf_puts(out, i ? " " : "");
        vval_print(out, &s->vstack[i], ws);
    }
    buf_putc(out, ']');
}

void vs_print(Buf *out, const VState *s)
{
    vs_print_stack(out, s);
    if (s->nfacts) {
        buf_puts(out, "  facts: ");
        vs_print_facts(out, s, g_names);
    }
}
