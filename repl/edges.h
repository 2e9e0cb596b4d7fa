/* edges.h - private to repl/: one definition's direct dependencies, the
 * edges of the dependency graph (graph.c), as each kind reads them off
 * its own version (kind_*.c). */
#ifndef XVM_EDGES_H
#define XVM_EDGES_H

#include "session.h"

typedef struct DepEdge {
    Def *to;
    const char *why; /* "implemented-over", "uses-interface", ... */
} DepEdge;

/* Add an edge to `to` (NULL: none; an edge already there: kept once). */
void edges_add(Vec *out, Def *to, const char *why);
/* The definition of a kind with that name (NULL name or none: NULL). */
Def *edges_named(Workspace *ws, const char *name, DefKind kind);
/* The declared types an effect names (uses-type). */
void edges_of_effect(const Effect *eff, Vec *out);
void edges_of_type(TypeId t, Vec *out);
/* What code uses: the procedures it calls, the keys and lattices its tick
 * statements name. */
void edges_of_body(Workspace *ws, const Body *b, Vec *out);
/* The modules (other than self) that code calls operations of, through
 * aliases: what a module's concrete verification read. */
void edges_of_opcalls(Workspace *ws, const Body *b, const char *self, Vec *out);

#endif
