/* cycle.h - finding a cycle in a directed graph: operations calling each
 * other, components' operations calling through links, definitions built
 * over each other.
 *
 * The graph is abstract: nodes are dense ids from 0, and a node's edges
 * are asked for only when the search reaches it, so callers compute them
 * lazily and may skip some.  One depth-first search with an explicit
 * stack (no C recursion, however deep the input) looks at each node and
 * each edge once, however many paths share them. */
#ifndef XVM_CYCLE_H
#define XVM_CYCLE_H

#include <stdbool.h>
#include <stdint.h>

#define CYCLE_NONE UINT32_MAX

typedef struct CycleGraph {
    void *g;
    /* How many edges node has: asked once, when the search enters it. */
    uint32_t (*nsucc)(void *g, uint32_t node);
    /* Where edge k of node goes, or CYCLE_NONE to skip it: asked for
     * k = 0, 1, ... in order, while node is the deepest on the path. */
    uint32_t (*succ)(void *g, uint32_t node, uint32_t k);
    uint32_t max_depth;  /* 0, or the most nodes a path may hold */
    bool through_start;  /* only a cycle back to the root searched from counts */
} CycleGraph;

typedef enum { CYCLE_NO, CYCLE_FOUND, CYCLE_TOO_DEEP } CycleResult;

typedef struct CyclePath {
    /* FOUND: the cycle, from the node it closes on (path[0]) to the last
     * before it returns there.  TOO_DEEP: the path from the root, then the
     * node it could not go on to. */
    uint32_t *path;
    uint32_t len;
    /* The nodes finished, each after every node it reaches: with no cycle,
     * a reverse topological order of everything reached. */
    uint32_t *order;
    uint32_t norder;
} CyclePath;

/* Search from the roots first, first + 1, ... first + nroots - 1 in turn
 * (a root already reached is not searched again), stopping at the first
 * cycle found. */
CycleResult cycle_find(const CycleGraph *gr, uint32_t first, uint32_t nroots, CyclePath *out);

#endif
