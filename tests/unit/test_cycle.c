/* test_cycle.c - unit tests for the one cycle search (core/cycle.c): what
 * it finds, the path it gives, and that it is linear and iterative. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <gc.h>

#include "base.h"
#include "cycle.h"

/* ---- a graph of edge lists, counting what the search asks -------------- */

#define SKIP (UINT32_MAX - 1) /* an edge the graph tells the search to skip */

typedef struct Graph {
    uint32_t n;
    Vec *out;          /* by node: targets, as (void *)(uintptr_t) */
    uint64_t nsuccs, succs;
} Graph;

static Graph *graph(uint32_t n)
{
    Graph *g = gc_alloc(sizeof *g);
    g->n = n;
    g->out = gc_calloc(n, sizeof(Vec));
    return g;
}

static void edge(Graph *g, uint32_t from, uint32_t to) { vec_push(&g->out[from], (void *)(uintptr_t)to); }

static uint32_t g_nsucc(void *gp, uint32_t node)
{
    Graph *g = gp;
    g->nsuccs++;
    return node < g->n ? g->out[node].len : 0;
}

static uint32_t g_succ(void *gp, uint32_t node, uint32_t k)
{
    Graph *g = gp;
    g->succs++;
    uint32_t to = (uint32_t)(uintptr_t)g->out[node].items[k];
    return to == SKIP ? CYCLE_NONE : to;
}

static CycleResult find(Graph *g, uint32_t first, uint32_t nroots, bool through, uint32_t max_depth, CyclePath *p)
{
    CycleGraph gr = {.g = g, .nsucc = g_nsucc, .succ = g_succ, .max_depth = max_depth, .through_start = through};
    return cycle_find(&gr, first, nroots, p);
}

static void assert_path(const CyclePath *p, uint32_t len, const uint32_t *want)
{
    assert_int_equal(p->len, len);
    for (uint32_t i = 0; i < len; i++)
        assert_int_equal(p->path[i], want[i]);
}

/* ---- tests -------------------------------------------------------------- */

static void test_self_loop(void **state)
{
    Graph *g = graph(1);
    edge(g, 0, 0);
    CyclePath p;
    assert_int_equal(find(g, 0, 1, false, 0, &p), CYCLE_FOUND);
    assert_path(&p, 1, (uint32_t[]){0});
    assert_int_equal(find(g, 0, 1, true, 0, &p), CYCLE_FOUND);
    assert_path(&p, 1, (uint32_t[]){0});
}

static void test_two_cycle(void **state)
{
    Graph *g = graph(3);
    edge(g, 2, 0);
    edge(g, 0, 1);
    edge(g, 1, 0);
    CyclePath p;
    assert_int_equal(find(g, 0, 3, false, 0, &p), CYCLE_FOUND);
    assert_path(&p, 2, (uint32_t[]){0, 1});
    /* From 2, the path leads in but the cycle does not pass through 2. */
    assert_int_equal(find(g, 2, 1, false, 0, &p), CYCLE_FOUND);
    assert_path(&p, 2, (uint32_t[]){0, 1});
    assert_int_equal(find(g, 2, 1, true, 0, &p), CYCLE_NO);
}

static void test_dag_and_order(void **state)
{
    /* 0 -> 1, 0 -> 2, 2 -> 1, 1 -> 3: 1 is finished when 2 reaches it. */
    Graph *g = graph(4);
    edge(g, 0, 1);
    edge(g, 0, 2);
    edge(g, 2, 1);
    edge(g, 1, 3);
    CyclePath p;
    assert_int_equal(find(g, 0, 4, false, 0, &p), CYCLE_NO);
    assert_int_equal(p.norder, 4);
    const uint32_t want[] = {3, 1, 2, 0};
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(p.order[i], want[i]);
    assert_int_equal(g->nsuccs, 4); /* each node entered once, roots 1..3 too */
    assert_int_equal(g->succs, 4);
}

static void test_skipped_edges(void **state)
{
    Graph *g = graph(2);
    edge(g, 0, 1);
    edge(g, 1, SKIP); /* what would close 0 -> 1 -> 0 */
    CyclePath p;
    assert_int_equal(find(g, 0, 2, false, 0, &p), CYCLE_NO);
    edge(g, 1, 0);
    assert_int_equal(find(g, 0, 2, false, 0, &p), CYCLE_FOUND);
    assert_path(&p, 2, (uint32_t[]){0, 1});
}

static void test_through_start(void **state)
{
    /* 0 -> 1 -> 2 -> 1 and 2 -> 0: only the cycle through the root counts. */
    Graph *g = graph(3);
    edge(g, 0, 1);
    edge(g, 1, 2);
    edge(g, 2, 1);
    edge(g, 2, 0);
    CyclePath p;
    assert_int_equal(find(g, 0, 1, false, 0, &p), CYCLE_FOUND);
    assert_path(&p, 2, (uint32_t[]){1, 2});
    assert_int_equal(find(g, 0, 1, true, 0, &p), CYCLE_FOUND);
    assert_path(&p, 3, (uint32_t[]){0, 1, 2});
}

static void test_max_depth(void **state)
{
    Graph *g = graph(10);
    for (uint32_t i = 0; i + 1 < 10; i++)
        edge(g, i, i + 1);
    CyclePath p;
    assert_int_equal(find(g, 0, 1, false, 10, &p), CYCLE_NO);
    assert_int_equal(find(g, 0, 1, false, 5, &p), CYCLE_TOO_DEEP);
    assert_path(&p, 6, (uint32_t[]){0, 1, 2, 3, 4, 5});
}

/* Deeper than any C stack would take recursively, each edge asked once. */
static void test_long_chain(void **state)
{
    enum { N = 1000000 };
    Graph *g = graph(N);
    for (uint32_t i = 0; i + 1 < N; i++)
        edge(g, i, i + 1);
    CyclePath p;
    assert_int_equal(find(g, 0, N, false, 0, &p), CYCLE_NO);
    assert_int_equal(g->nsuccs, N);
    assert_int_equal(g->succs, N - 1);
    assert_int_equal(p.norder, N);
    assert_int_equal(p.order[0], N - 1);
    assert_int_equal(p.order[N - 1], 0);
    edge(g, N - 1, 0);
    assert_int_equal(find(g, 0, 1, true, 0, &p), CYCLE_FOUND);
    assert_int_equal(p.len, N);
    assert_int_equal(p.path[N - 1], N - 1);
}

/* D diamonds in a row (2^D paths), then a cycle beyond the last shared
 * node: found, and each node and edge is looked at once. */
static void test_diamonds(void **state)
{
    enum { D = 30000, N = 3 * D + 3 };
    Graph *g = graph(N);
    for (uint32_t d = 0; d < D; d++) {
        uint32_t top = 3 * d;
        edge(g, top, top + 1);
        edge(g, top, top + 2);
        edge(g, top + 1, top + 3);
        edge(g, top + 2, top + 3);
    }
    CyclePath p;
    assert_int_equal(find(g, 0, 1, false, 0, &p), CYCLE_NO);
    assert_int_equal(g->nsuccs, 3 * D + 1);
    assert_int_equal(g->succs, 4 * D);
    edge(g, 3 * D, 3 * D + 1);
    edge(g, 3 * D + 1, 3 * D + 2);
    edge(g, 3 * D + 2, 3 * D + 1);
    g->nsuccs = g->succs = 0;
    assert_int_equal(find(g, 0, 1, false, 0, &p), CYCLE_FOUND);
    assert_path(&p, 2, (uint32_t[]){3 * D + 1, 3 * D + 2});
    assert_true(g->nsuccs <= N && g->succs <= 4 * D + 3);
    /* Not through the root: the whole graph once, nothing found. */
    g->nsuccs = g->succs = 0;
    assert_int_equal(find(g, 0, 1, true, 0, &p), CYCLE_NO);
    assert_int_equal(g->nsuccs, N);
    assert_int_equal(g->succs, 4 * D + 3);
}

/* A cycle only reachable through a node two paths share: 0 -> 1, 0 -> 2,
 * 1 -> 3, 2 -> 3, 3 -> 4, 4 -> 2.  Found from 3, reached through 1; 2 is
 * entered from 4 before 0 gets to it. */
static void test_cycle_through_shared_node(void **state)
{
    Graph *g = graph(5);
    edge(g, 0, 1);
    edge(g, 0, 2);
    edge(g, 1, 3);
    edge(g, 2, 3);
    edge(g, 3, 4);
    edge(g, 4, 2);
    CyclePath p;
    assert_int_equal(find(g, 0, 5, false, 0, &p), CYCLE_FOUND);
    assert_path(&p, 3, (uint32_t[]){3, 4, 2});
}

/* Roots after the first that an earlier root reached are not searched again;
 * ids past the roots (found lazily) are fine. */
static void test_roots_and_lazy_ids(void **state)
{
    Graph *g = graph(6);
    edge(g, 0, 5);
    edge(g, 5, 1);
    edge(g, 2, 4);
    CyclePath p;
    assert_int_equal(find(g, 0, 3, false, 0, &p), CYCLE_NO);
    assert_int_equal(g->nsuccs, 5); /* 0, 5, 1, 2, 4 */
    assert_int_equal(p.norder, 5);
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_self_loop),
        cmocka_unit_test(test_two_cycle),
        cmocka_unit_test(test_dag_and_order),
        cmocka_unit_test(test_skipped_edges),
        cmocka_unit_test(test_through_start),
        cmocka_unit_test(test_max_depth),
        cmocka_unit_test(test_long_chain),
        cmocka_unit_test(test_diamonds),
        cmocka_unit_test(test_cycle_through_shared_node),
        cmocka_unit_test(test_roots_and_lazy_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
