/* graph.h - private to repl/: the dependency graph of the workspace, read
 * off the definitions themselves (each kind's deps in kinds.c): what must
 * be verified again when something changes, in what order, whether a
 * change would build a definition over itself, and which change to blame. */
#ifndef XVM_GRAPH_H
#define XVM_GRAPH_H

#include "edges.h"

/* Direct dependencies of one version of d: DepEdge* onto out. */
void graph_deps(Workspace *ws, const Def *d, const void *version, Vec *out);
bool graph_depends_on(Workspace *ws, const Def *d, const Def *on);
/* The installed definitions that use, directly or not, one of the staged
 * definitions in a way that matters to them, in dependency order. */
Vec graph_dependants(Workspace *ws, const Vec *staged);
/* A staged redefinition that would build definitions over themselves. */
Error *graph_check_cycles(Workspace *ws, const Vec *staged);
/* Which staged definition d depends on, directly or through others: the
 * user's change to blame when d breaks. */
const Def *graph_cause(Workspace *ws, const Vec *staged, const Def *d);
/* Where a definition's name is written. */
Span graph_def_span(const Def *d);

#endif
