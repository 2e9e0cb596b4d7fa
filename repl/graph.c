/* graph.c - the dependency graph of the workspace: dependants in order,
 * cycles, and blame. */
#include "graph.h"
#include "cycle.h"
#include "kinds.h"

#include <string.h>

void graph_deps(Workspace *ws, const Def *d, const void *version, Vec *out) { kinds_deps(ws, d, version, out); }

bool graph_depends_on(Workspace *ws, const Def *d, const Def *on)
{
    Vec deps = {0};
    graph_deps(ws, d, d->cur, &deps);
    for (uint32_t i = 0; i < deps.len; i++)
        if (((DepEdge *)deps.items[i])->to == on)
            return true;
    return false;
}

Span graph_def_span(const Def *d)
{
    const Node *n = ((const DefHead *)def_current(d))->def;
    return n && n->nkids ? n->kids[0]->span : (Span){0};
}

/* The dependency graph of the installed definitions, built once per
 * transaction: for each definition, what it uses and what uses it (as
 * indices into ws->defs), so finding and ordering dependants is linear. */
typedef struct Graph {
    uint32_t n;
    uint32_t **uses, **users;
    uint32_t *nuses, *nusers;
} Graph;

static void graph_add(uint32_t ***lists, uint32_t **lens, uint32_t i, uint32_t value, uint32_t *caps)
{
    if ((*lens)[i] == caps[i]) {
        caps[i] = caps[i] ? caps[i] * 2 : 4;
        uint32_t *grown = gc_alloc_atomic(caps[i] * sizeof(uint32_t));
        if ((*lens)[i])
            memcpy(grown, (*lists)[i], (*lens)[i] * sizeof(uint32_t));
        (*lists)[i] = grown;
    }
    (*lists)[i][(*lens)[i]++] = value;
}

static Graph graph_build(Workspace *ws)
{
    Graph g = {.n = ws->defs.len};
    g.uses = gc_calloc(g.n + 1, sizeof(uint32_t *));
    g.users = gc_calloc(g.n + 1, sizeof(uint32_t *));
    g.nuses = gc_calloc(g.n + 1, sizeof(uint32_t));
    g.nusers = gc_calloc(g.n + 1, sizeof(uint32_t));
    uint32_t *cap_uses = gc_calloc(g.n + 1, sizeof(uint32_t)), *cap_users = gc_calloc(g.n + 1, sizeof(uint32_t));
    for (uint32_t i = 0; i < g.n; i++)
        ((Def *)ws->defs.items[i])->index = i;
    for (uint32_t i = 0; i < g.n; i++) {
        Def *d = ws->defs.items[i];
        if (!d->cur)
            continue;
        Vec deps = {0};
        graph_deps(ws, d, d->cur, &deps);
        for (uint32_t k = 0; k < deps.len; k++) {
            uint32_t j = ((DepEdge *)deps.items[k])->to->index;
            graph_add(&g.uses, &g.nuses, i, j, cap_uses);
            graph_add(&g.users, &g.nusers, j, i, cap_users);
        }
    }
    return g;
}

/* A change its users must see: a kind may say that nothing they rely on
 * changed (a procedure whose effect, principal and machine stay), and then
 * its users need no second look. */
static bool change_matters(const Def *d)
{
    const KindOps *k = kinds_of(d->kind);
    return d->cur && (!k->change || k->change(d->cur, d->pending));
}

/* The installed definitions that use, directly or not, something this
 * transaction redefined, in dependency order (Kahn's algorithm over the
 * graph restricted to them). */
Vec graph_dependants(Workspace *ws, const Vec *staged)
{
    Graph g = graph_build(ws);
    bool *in = gc_alloc_atomic(g.n + 1);
    uint32_t *queue = gc_alloc_atomic((g.n + 1) * sizeof(uint32_t)), head = 0, tail = 0;
    Vec set = {0};
    for (uint32_t i = 0; i < staged->len; i++)
        if (change_matters(staged->items[i]))
            queue[tail++] = ((Def *)staged->items[i])->index;
    while (head < tail) { /* breadth first along "used by" */
        uint32_t i = queue[head++];
        for (uint32_t k = 0; k < g.nusers[i]; k++) {
            uint32_t u = g.users[i][k];
            Def *d = ws->defs.items[u];
            if (in[u] || !d->cur || d->pending)
                continue;
            in[u] = true;
            vec_push(&set, d);
            queue[tail++] = u;
        }
    }
    uint32_t *waiting = gc_alloc_atomic((g.n + 1) * sizeof(uint32_t));
    head = tail = 0;
    for (uint32_t k = 0; k < set.len; k++) {
        uint32_t i = ((Def *)set.items[k])->index;
        waiting[i] = 0;
        for (uint32_t j = 0; j < g.nuses[i]; j++)
            waiting[i] += in[g.uses[i][j]];
        if (!waiting[i])
            queue[tail++] = i;
    }
    Vec out = {0};
    while (head < tail) {
        uint32_t i = queue[head++];
        vec_push(&out, ws->defs.items[i]);
        for (uint32_t k = 0; k < g.nusers[i]; k++) {
            uint32_t u = g.users[i][k];
            if (in[u] && --waiting[u] == 0)
                queue[tail++] = u;
        }
    }
    for (uint32_t k = 0; k < set.len && out.len < set.len; k++) /* a cycle cannot be; keep everything anyway */
        if (vec_index(&out, set.items[k]) < 0)
            vec_push(&out, set.items[k]);
    return out;
}

/* The definitions as a graph for cycle_find: a node per definition (its
 * index in ws->defs), its edges read off its version when the search
 * enters it.  Procedures may call each other: those edges do not count. */
typedef struct DefGraph {
    Workspace *ws;
    Vec *edges; /* per node, DepEdge*: filled when the search enters it */
} DefGraph;

static uint32_t def_nsucc(void *g, uint32_t i)
{
    DefGraph *dg = g;
    Def *d = dg->ws->defs.items[i];
    graph_deps(dg->ws, d, def_current(d), &dg->edges[i]);
    return dg->edges[i].len;
}

static uint32_t def_succ(void *g, uint32_t i, uint32_t k)
{
    const DepEdge *e = ((DefGraph *)g)->edges[i].items[k];
    return strcmp(e->why, "calls-procedure") ? e->to->index : CYCLE_NONE;
}

/* Definitions may not be built over themselves (a machine over a machine
 * over it; a module over the machine that instantiates it). */
static Error *cycle_from(Workspace *ws, Def *start)
{
    for (uint32_t i = 0; i < ws->defs.len; i++)
        ((Def *)ws->defs.items[i])->index = i;
    DefGraph dg = {ws, gc_calloc(ws->defs.len + 1, sizeof(Vec))};
    CycleGraph gr = {.g = &dg, .nsucc = def_nsucc, .succ = def_succ, .through_start = true};
    CyclePath p;
    if (cycle_find(&gr, start->index, 1, &p) != CYCLE_FOUND)
        return NULL;
    Buf cyc = {0};
    for (uint32_t k = 0; k < p.len; k++)
        buf_printf(&cyc, "%s -> ", ((Def *)ws->defs.items[p.path[k]])->name);
    buf_puts(&cyc, start->name);
    return err_hint(err_new(E_DEFINE, graph_def_span(start), "definitions would be built over themselves: %s",
                            buf_str(&cyc)),
                    "a machine or module can only build on what exists without it");
}

/* Only a redefinition can close a cycle: a new definition can use only
 * what exists already, and nothing existing uses it yet. */
Error *graph_check_cycles(Workspace *ws, const Vec *staged)
{
    for (uint32_t i = 0; i < staged->len; i++) {
        Def *d = staged->items[i];
        if (d->kind != DEF_PROC && d->cur) {
            Error *e = cycle_from(ws, d);
            if (e)
                return e;
        }
    }
    return NULL;
}

/* For the message: the user's change, not a consequence. */
const Def *graph_cause(Workspace *ws, const Vec *staged, const Def *d)
{
    Vec seen = {0}, todo = {0};
    vec_push(&todo, (void *)d);
    while (todo.len) {
        const Def *x = todo.items[--todo.len];
        if (vec_index(&seen, x) >= 0)
            continue;
        vec_push(&seen, (void *)x);
        for (uint32_t i = 0; i < staged->len; i++)
            if (graph_depends_on(ws, x, staged->items[i]))
                return staged->items[i];
        Vec deps = {0};
        graph_deps(ws, x, x->cur, &deps);
        for (uint32_t i = 0; i < deps.len; i++)
            vec_push(&todo, ((DepEdge *)deps.items[i])->to);
    }
    return staged->len ? staged->items[0] : d;
}
