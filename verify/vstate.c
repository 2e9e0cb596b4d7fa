/* vstate.c - the verification state as a value: copy, canonicalise, join,
 * compare, print.
 *
 * Identities are canonical at block boundaries: numbered by first
 * appearance from the bottom of the stack, so two states that say the same
 * thing compare equal byte for byte, which is what the work list needs. */
#include "verify.h"

#include <stdlib.h>
#include <string.h>

VState *vstate_new(void) { return gc_alloc(sizeof(VState)); }

VState *vstate_copy(const VState *s)
{
    VState *c = vstate_new();
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

void vstate_push_item(VState *s, VItem it)
{
    VEC_PUSH(s->items, s->depth, s->cap, it);
}

uint32_t vstate_push(VState *s, TypeId t)
{
    uint32_t id = s->next_id++;
    vstate_push_item(s, (VItem){id, t});
    return id;
}

VItem vstate_pop(VState *s) { return s->items[--s->depth]; }

VState *vstate_from_inputs(const Effect *eff)
{
    VState *s = vstate_new();
    for (uint32_t i = 0; i < eff->nin; i++)
        vstate_push(s, eff->in[i].type);
    return s;
}

/* ---- hash maps of identities ------------------------------------------------- */

/* Open addressing from a 64-bit key (an identity, or a pair of them) to a
 * 32-bit value; UINT32_MAX marks an empty slot.  Sized for n keys at most
 * half full, so every operation is expected O(1). */
typedef struct IdMap {
    uint64_t *keys;
    uint32_t *vals;
    uint32_t mask;
} IdMap;

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static void idmap_init(IdMap *m, uint32_t n)
{
    uint64_t cap = 16;
    while (cap < 2 * (uint64_t)n + 2)
        cap *= 2;
    m->keys = gc_alloc_atomic(cap * sizeof(uint64_t));
    m->vals = gc_alloc_atomic(cap * sizeof(uint32_t));
    memset(m->vals, 0xff, cap * sizeof(uint32_t));
    m->mask = (uint32_t)(cap - 1);
}

/* The value of key, or UINT32_MAX.  With put != UINT32_MAX an absent key is
 * added with that value (and UINT32_MAX is still returned). */
static uint32_t idmap_find(IdMap *m, uint64_t key, uint32_t put)
{
    for (uint32_t i = (uint32_t)mix64(key) & m->mask;; i = (i + 1) & m->mask) {
        if (m->vals[i] == UINT32_MAX) {
            if (put != UINT32_MAX) {
                m->keys[i] = key;
                m->vals[i] = put;
            }
            return UINT32_MAX;
        }
        if (m->keys[i] == key)
            return m->vals[i];
    }
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

/* Identities below s->pinned belong to a caller and keep their numbers;
 * the rest are renumbered from there by first appearance, and a fact about
 * an identity no longer on the stack is dropped.  Expected cost: one hash
 * probe per stack slot and per fact argument, plus sorting the facts:
 * O(depth + nfacts log nfacts). */
void vstate_canon(VState *s)
{
    IdMap m;
    idmap_init(&m, s->depth);
    uint32_t next = s->pinned;
    for (uint32_t i = 0; i < s->depth; i++) {
        uint32_t id = s->items[i].id;
        if (id < s->pinned)
            continue;
        uint32_t n = idmap_find(&m, id, next);
        s->items[i].id = n == UINT32_MAX ? next++ : n;
    }
    uint32_t kept = 0;
    for (uint32_t i = 0; i < s->nfacts; i++) {
        VFact f = s->facts[i];
        bool on_stack = f.arity <= KEY_MAX_ARITY;
        for (uint32_t k = 0; on_stack && k < f.arity; k++) {
            if (f.ids[k] < s->pinned)
                continue;
            uint32_t n = idmap_find(&m, f.ids[k], UINT32_MAX);
            if (n == UINT32_MAX)
                on_stack = false;
            else
                f.ids[k] = n;
        }
        if (on_stack)
            s->facts[kept++] = f;
    }
    s->nfacts = kept;
    if (kept > 1)
        qsort(s->facts, kept, sizeof(VFact), fact_cmp);
    s->next_id = next;
}

bool vstate_equal(const VState *a, const VState *b)
{
    if (a->depth != b->depth || a->nfacts != b->nfacts || a->vdepth != b->vdepth || a->taken != b->taken)
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

/* Slot i of the joined stack gets one identity per distinct pair (identity
 * on path a, identity on path b); a pinned identity seen on both paths stays
 * itself.  A joined fact is a pair of facts (fa on a, fb on b) of the same
 * key whose arguments pair up position by position: its arguments are the
 * joined identities of those pairs and its value the lub of both values.
 *
 * The facts are found without trying every pair of facts: for each fact of
 * one side (the cheaper one, see below) the arguments it can pair with are
 * enumerated through the pairs, position by position, and looked up in a
 * hash index of the other side's facts (full argument lists, and prefixes
 * of them so that a dead end is left after one probe).  One argument
 * position costs one probe per pairing candidate. */

/* The pairing candidates of the identities of one side: for identity x,
 * the identities of the other side that share a slot with it, with the
 * joined identity of that pair. */
typedef struct Cands {
    IdMap group;          /* identity -> its group */
    uint32_t *start;      /* group g: entries start[g] .. start[g+1]-1 */
    uint32_t *other, *jid;
    uint32_t pinned;
} Cands;

static void cands_build(Cands *c, const uint32_t *mine, const uint32_t *theirs, uint32_t npairs, uint32_t pinned)
{
    idmap_init(&c->group, npairs);
    uint32_t *gof = gc_alloc_atomic(((size_t)npairs + 1) * sizeof(uint32_t));
    uint32_t *count = gc_alloc_atomic(((size_t)npairs + 2) * sizeof(uint32_t));
    uint32_t ngroups = 0;
    for (uint32_t p = 0; p < npairs; p++) {
        uint32_t g = idmap_find(&c->group, mine[p], ngroups);
        if (g == UINT32_MAX) {
            g = ngroups++;
            count[g] = 0;
        }
        gof[p] = g;
        count[g]++;
    }
    c->start = gc_alloc_atomic(((size_t)ngroups + 2) * sizeof(uint32_t));
    c->start[0] = 0;
    for (uint32_t g = 0; g < ngroups; g++)
        c->start[g + 1] = c->start[g] + count[g];
    uint32_t *fill = count; /* reused as the next free entry of each group */
    for (uint32_t g = 0; g < ngroups; g++)
        fill[g] = c->start[g];
    c->other = gc_alloc_atomic(((size_t)npairs + 1) * sizeof(uint32_t));
    c->jid = gc_alloc_atomic(((size_t)npairs + 1) * sizeof(uint32_t));
    for (uint32_t p = 0; p < npairs; p++) { /* pair order within a group */
        uint32_t at = fill[gof[p]]++;
        c->other[at] = theirs[p];
        c->jid[at] = pinned + p;
    }
    c->pinned = pinned;
}

/* How many identities of the other side identity x can pair with: its
 * pairs, plus itself when it is pinned. */
static uint32_t cands_count(Cands *c, uint32_t x, uint32_t *first)
{
    uint32_t g = idmap_find(&c->group, x, UINT32_MAX);
    uint32_t n = 0;
    *first = 0;
    if (g != UINT32_MAX) {
        *first = c->start[g];
        n = c->start[g + 1] - c->start[g];
    }
    return n + (x < c->pinned);
}

/* A hash index of one side's facts: the full argument lists (exact, to the
 * fact's index) and their prefixes (fingerprints: a collision only costs a
 * useless probe further down). */
typedef struct FactIndex {
    const VFact *facts;
    uint32_t *slot;       /* open addressing: fact index + 1, 0 empty */
    uint32_t mask;
    uint64_t *prefix;     /* fingerprints, 0 empty */
    uint32_t pmask;
} FactIndex;

static uint64_t fact_hash(uint32_t key, uint32_t arity, uint32_t len, const uint32_t *ids)
{
    uint64_t h = mix64(((uint64_t)key << 32) ^ ((uint64_t)arity << 8) ^ len ^ 0x5bd1e995ull);
    for (uint32_t k = 0; k < len; k++)
        h = mix64(h ^ ((uint64_t)ids[k] + 0x9e3779b97f4a7c15ull * (k + 1)));
    return h | 1; /* never 0, the empty mark */
}

static uint32_t pow2_for(uint64_t n)
{
    uint64_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    return (uint32_t)cap;
}

static void prefix_add(FactIndex *x, uint64_t h)
{
    for (uint32_t i = (uint32_t)h & x->pmask;; i = (i + 1) & x->pmask) {
        if (x->prefix[i] == h)
            return;
        if (!x->prefix[i]) {
            x->prefix[i] = h;
            return;
        }
    }
}

static bool prefix_has(const FactIndex *x, uint64_t h)
{
    for (uint32_t i = (uint32_t)h & x->pmask;; i = (i + 1) & x->pmask) {
        if (x->prefix[i] == h)
            return true;
        if (!x->prefix[i])
            return false;
    }
}

static void index_build(FactIndex *x, const VFact *facts, uint32_t n)
{
    x->facts = facts;
    uint32_t cap = pow2_for(n);
    x->slot = gc_alloc_atomic((size_t)cap * sizeof(uint32_t));
    memset(x->slot, 0, (size_t)cap * sizeof(uint32_t));
    x->mask = cap - 1;
    uint32_t pcap = pow2_for((uint64_t)n * KEY_MAX_ARITY);
    x->prefix = gc_alloc_atomic((size_t)pcap * sizeof(uint64_t));
    memset(x->prefix, 0, (size_t)pcap * sizeof(uint64_t));
    x->pmask = pcap - 1;
    for (uint32_t f = 0; f < n; f++) {
        const VFact *v = &facts[f];
        if (v->arity > KEY_MAX_ARITY)
            continue;
        for (uint32_t len = 0; len < v->arity; len++)
            prefix_add(x, fact_hash(v->key, v->arity, len, v->ids));
        for (uint32_t i = (uint32_t)fact_hash(v->key, v->arity, v->arity, v->ids) & x->mask;;
             i = (i + 1) & x->mask)
            if (!x->slot[i]) { /* the first of equal facts wins, as a scan would find it */
                x->slot[i] = f + 1;
                break;
            } else if (fact_cmp(&facts[x->slot[i] - 1], v) == 0) {
                break;
            }
    }
}

static const VFact *index_find(const FactIndex *x, uint32_t key, uint32_t arity, const uint32_t *ids)
{
    VFact want = {.key = key, .arity = arity};
    memcpy(want.ids, ids, arity * sizeof(uint32_t));
    for (uint32_t i = (uint32_t)fact_hash(key, arity, arity, ids) & x->mask;; i = (i + 1) & x->mask) {
        if (!x->slot[i])
            return NULL;
        if (fact_cmp(&x->facts[x->slot[i] - 1], &want) == 0)
            return &x->facts[x->slot[i] - 1];
    }
}

typedef struct JoinCtx {
    Cands *cands;          /* of the enumerating side */
    const FactIndex *other;
    bool from_a;           /* the enumerating side is path a */
    VLubFn lub;
    void *lub_ctx;
    VState *j;
    uint32_t fcap;
    uint64_t work, limit;
    const VFact *f;        /* the fact being paired */
    uint32_t oids[KEY_MAX_ARITY], jids[KEY_MAX_ARITY];
} JoinCtx;

static void join_emit(JoinCtx *c, const VFact *mine, const VFact *theirs)
{
    const VFact *fa = c->from_a ? mine : theirs, *fb = c->from_a ? theirs : mine;
    VFact out = *fa;
    memcpy(out.ids, c->jids, fa->arity * sizeof(uint32_t));
    if (fa->value != fb->value && !(c->lub && c->lub(c->lub_ctx, fa->key, fa->value, fb->value, &out.value)))
        return;
    VState *j = c->j;
    VEC_PUSH(j->facts, j->nfacts, c->fcap, out);
    c->work++;
}

/* Pair argument k of c->f and the ones after it. */
static bool join_from(JoinCtx *c, uint32_t k)
{
    const VFact *f = c->f;
    if (k == f->arity) {
        const VFact *g = index_find(c->other, f->key, f->arity, c->oids);
        if (g)
            join_emit(c, f, g);
        return c->work <= c->limit;
    }
    uint32_t first, n = cands_count(c->cands, f->ids[k], &first);
    bool self = f->ids[k] < c->cands->pinned;
    for (uint32_t i = 0; i < n; i++) {
        if (++c->work > c->limit)
            return false;
        bool is_self = self && i == n - 1;
        c->oids[k] = is_self ? f->ids[k] : c->cands->other[first + i];
        c->jids[k] = is_self ? f->ids[k] : c->cands->jid[first + i];
        if (k + 1 < f->arity && !prefix_has(c->other, fact_hash(f->key, f->arity, k + 1, c->oids)))
            continue;
        if (!join_from(c, k + 1))
            return false;
    }
    return true;
}

/* What enumerating from this side would cost at most: the product of the
 * candidate counts of each fact's arguments (saturating). */
static uint64_t side_cost(Cands *c, const VState *s)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < s->nfacts; i++) {
        uint64_t prod = 1;
        for (uint32_t k = 0; k < s->facts[i].arity && k < KEY_MAX_ARITY; k++) {
            uint32_t first;
            prod *= cands_count(c, s->facts[i].ids[k], &first);
            if (prod > (1ull << 40))
                prod = 1ull << 40;
        }
        total += prod;
    }
    return total;
}

/* Number the join's stack in j: a slot keeps the pinned identity both
 * paths share there, else takes one per distinct pair of identities, the
 * pairs listed in pa and pb.  Returns how many pairs. */
static uint32_t join_stack_ids(const VState *a, const VState *b, VState *j, uint32_t *pa, uint32_t *pb)
{
    uint32_t pinned = a->pinned, n = 0;
    IdMap pairs;
    idmap_init(&pairs, a->depth);
    for (uint32_t i = 0; i < a->depth; i++) {
        uint32_t ida = a->items[i].id, idb = b->items[i].id;
        uint32_t id = ida;
        if (!(ida == idb && ida < pinned)) {
            id = idmap_find(&pairs, ((uint64_t)ida << 32) | idb, pinned + n);
            if (id == UINT32_MAX) {
                pa[n] = ida;
                pb[n] = idb;
                id = pinned + n++;
            }
        }
        j->items[i].id = id;
    }
    return n;
}

/* Pair the facts of a and b into j, enumerating from the cheaper side.
 * *work counts on; false once it passes limit. */
static bool join_facts(const VState *a, const VState *b, const uint32_t *pa, const uint32_t *pb, uint32_t n,
                       VLubFn lub, void *ctx, VState *j, uint64_t limit, uint64_t *work)
{
    Cands ca, cb;
    cands_build(&ca, pa, pb, n, a->pinned);
    cands_build(&cb, pb, pa, n, a->pinned);
    bool from_a = side_cost(&ca, a) <= side_cost(&cb, b);
    const VState *mine = from_a ? a : b, *theirs = from_a ? b : a;
    FactIndex other;
    index_build(&other, theirs->facts, theirs->nfacts);
    JoinCtx c = {.cands = from_a ? &ca : &cb, .other = &other, .from_a = from_a, .lub = lub, .lub_ctx = ctx,
                 .j = j, .work = *work, .limit = limit};
    for (uint32_t i = 0; i < mine->nfacts; i++) {
        c.f = &mine->facts[i];
        if (c.f->arity > KEY_MAX_ARITY)
            continue;
        if (++c.work > limit || !join_from(&c, 0)) {
            *work = c.work;
            return false;
        }
    }
    *work = c.work;
    return true;
}

JoinResult vstate_join_bounded(const VState *a, const VState *b, VLubFn lub, void *ctx, VState **out, uint32_t *slot,
                           uint64_t limit, uint64_t *work)
{
    if (work)
        *work = 0;
    if (a->depth != b->depth)
        return JOIN_DEPTH;
    for (uint32_t i = 0; i < a->depth; i++)
        if (a->items[i].type != b->items[i].type) {
            *slot = i;
            return JOIN_TYPE;
        }
    if (a->taken != b->taken)
        return JOIN_TAKEN;
    VState *j = vstate_copy(a);
    uint32_t *pa = gc_alloc_atomic(((size_t)a->depth + 1) * sizeof(uint32_t));
    uint32_t *pb = gc_alloc_atomic(((size_t)a->depth + 1) * sizeof(uint32_t));
    uint32_t n = join_stack_ids(a, b, j, pa, pb);
    uint64_t spent = a->depth + a->nfacts + b->nfacts;
    /* One fact on a shared identity can become several: slots that shared
     * an identity on one path may not on the other. */
    j->nfacts = 0;
    j->facts = NULL;
    if (a->nfacts && b->nfacts && !join_facts(a, b, pa, pb, n, lub, ctx, j, limit, &spent)) {
        if (work)
            *work = spent;
        return JOIN_BUDGET;
    }
    if (!j->facts)
        j->facts = gc_calloc(1, sizeof(VFact));
    j->next_id = a->pinned + n;
    vstate_canon(j);
    spent += a->depth + j->nfacts;
    if (work)
        *work = spent;
    if (spent > limit)
        return JOIN_BUDGET;
    *out = j;
    return JOIN_OK;
}

JoinResult vstate_join(const VState *a, const VState *b, VLubFn lub, void *ctx, VState **out, uint32_t *slot)
{
    return vstate_join_bounded(a, b, lub, ctx, out, slot, UINT64_MAX, NULL);
}

/* ---- facts ------------------------------------------------------------------------------ */

uint32_t vstate_fact_value(const uint32_t *elems, uint32_t n)
{
    uint32_t v = n << 24;
    for (uint32_t i = 0; i < n && i < FACT_VALUE_MAX; i++)
        v |= (elems[i] & 0xff) << (8 * i);
    return v;
}

const VFact *vstate_fact(const VState *s, uint32_t key, const uint32_t *ids, uint32_t arity)
{
    for (uint32_t i = 0; i < s->nfacts; i++) {
        const VFact *f = &s->facts[i];
        if (f->key == key && f->arity == arity && (!arity || !memcmp(f->ids, ids, arity * sizeof(uint32_t))))
            return f;
    }
    return NULL;
}

void vstate_set_fact(VState *s, VFact f)
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

void vstate_set_names(const Workspace *ws) { g_names = ws; }

void vstate_print_stack(Buf *out, const VState *s)
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

void vstate_print_facts(Buf *out, const VState *s, const Workspace *ws)
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

void vstate_print_vstack(Buf *out, const VState *s, const Workspace *ws)
{
    buf_putc(out, '[');
    for (uint32_t i = 0; i < s->vdepth; i++) {
        buf_puts(out, i ? " " : "");
        vval_print(out, &s->vstack[i], ws);
    }
    buf_putc(out, ']');
}

/* A state as messages show it: canonical (s0, s1, ... from the bottom, as
 * the user sees them everywhere else), with its facts. */
const char *vstate_text(const VState *s)
{
    VState *c = vstate_copy(s);
    vstate_canon(c);
    Buf b = {0};
    vstate_print(&b, c);
    return buf_str(&b);
}

void vstate_print(Buf *out, const VState *s)
{
    vstate_print_stack(out, s);
    if (s->nfacts) {
        buf_puts(out, "  facts: ");
        vstate_print_facts(out, s, g_names);
    }
}
