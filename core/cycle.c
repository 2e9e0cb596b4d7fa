/* cycle.c - one iterative depth-first search for cycles (see cycle.h). */
#include "cycle.h"

#include "base.h"

enum { NEW, ON_PATH, DONE };

typedef struct Frame {
    uint32_t node, k, n; /* the next edge to follow, of n */
} Frame;

typedef struct Search {
    const CycleGraph *gr;
    uint8_t *mark;  /* by node */
    uint32_t *pos;  /* by node: where on the path, while on it */
    uint32_t nmark;
    Frame *stack;
    uint32_t sp, cap;
    CyclePath *out;
    uint32_t ocap;  /* room in out->order */
} Search;

/* Marks for nodes up to id: ids are dense, so they grow with the graph. */
static void reach(Search *s, uint32_t id)
{
    if (id < s->nmark)
        return;
    uint32_t cap = vec_room(s->nmark, (uint64_t)id + 1, UINT32_MAX);
    s->mark = vec_moved(s->mark, s->nmark, cap, sizeof(uint8_t), true); /* zeroed: NEW */
    s->pos = vec_moved(s->pos, s->nmark, cap, sizeof(uint32_t), true);
    s->nmark = cap;
}

static void enter(Search *s, uint32_t node)
{
    reach(s, node);
    s->mark[node] = ON_PATH;
    s->pos[node] = s->sp;
    VEC_PUSH_ATOMIC(s->stack, s->sp, s->cap, (Frame){node, 0, s->gr->nsucc(s->gr->g, node)});
}

/* The path from stack position from to the top, then extra (if not CYCLE_NONE). */
static CycleResult give_path(Search *s, CycleResult r, uint32_t from, uint32_t extra)
{
    CyclePath *o = s->out;
    o->len = s->sp - from + (extra != CYCLE_NONE);
    o->path = gc_alloc_atomic((size_t)o->len * sizeof(uint32_t));
    for (uint32_t i = from; i < s->sp; i++)
        o->path[i - from] = s->stack[i].node;
    if (extra != CYCLE_NONE)
        o->path[o->len - 1] = extra;
    return r;
}

static CycleResult search_from(Search *s, uint32_t root)
{
    const CycleGraph *gr = s->gr;
    CyclePath *o = s->out;
    enter(s, root);
    while (s->sp) {
        Frame *f = &s->stack[s->sp - 1];
        if (f->k == f->n) {
            s->mark[f->node] = DONE;
            VEC_PUSH_ATOMIC(o->order, o->norder, s->ocap, f->node);
            s->sp--;
            continue;
        }
        uint32_t to = gr->succ(gr->g, f->node, f->k++);
        if (to == CYCLE_NONE)
            continue;
        reach(s, to);
        if (s->mark[to] == DONE || (s->mark[to] == ON_PATH && gr->through_start && to != root))
            continue;
        if (s->mark[to] == ON_PATH)
            return give_path(s, CYCLE_FOUND, s->pos[to], CYCLE_NONE);
        if (gr->max_depth && s->sp >= gr->max_depth)
            return give_path(s, CYCLE_TOO_DEEP, 0, to);
        enter(s, to);
    }
    return CYCLE_NO;
}

CycleResult cycle_find(const CycleGraph *gr, uint32_t first, uint32_t nroots, CyclePath *out)
{
    *out = (CyclePath){0};
    Search s = {.gr = gr, .out = out};
    if (nroots)
        reach(&s, first + nroots - 1);
    for (uint32_t r = first; r - first < nroots; r++) {
        reach(&s, r);
        if (s.mark[r] != NEW)
            continue;
        CycleResult res = search_from(&s, r);
        if (res != CYCLE_NO)
            return res;
    }
    return CYCLE_NO;
}
