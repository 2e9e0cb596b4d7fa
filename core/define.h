/* define.h - building definitions from their statements: lattices, keys,
 * interfaces, modules (define.c) and machines (link.c).
 *
 * Builders check shapes and names and produce new version structs; they
 * never install anything.  The session stages what they produce through
 * the `stage` callback and commits or drops the whole input at once. */
#ifndef XVM_DEFINE_H
#define XVM_DEFINE_H

#include "defs.h"

typedef struct DefCtx {
    Workspace *ws;
    Principal principal;
    const char *owner; /* who owns keys declared here: "<session>", a module, a machine */
    /* Put a new version of NAME into the open transaction (visible to lookups). */
    Error *(*stage)(void *ctx, DefKind kind, const char *name, void *version, Span at);
    /* Load unit U (a file U.xvm on the search path) into the transaction. */
    Error *(*load_unit)(void *ctx, const char *unit, Span at);
    void *cb;          /* the callbacks' context */
} DefCtx;

Error *define_lattice(DefCtx *c, const Node *stmt);
Error *define_key(DefCtx *c, const Node *stmt);
/* .define_type NAME, REPR [, linear]: owned by c->owner. */
Error *define_type(DefCtx *c, const Node *stmt);
Error *define_interface(DefCtx *c, const Node *stmt);
Error *define_module(DefCtx *c, const Node *stmt, Module **out);
Error *link_machine(DefCtx *c, const Node *stmt, Machine **out);

/* Check that lattice l is a finite partial order with one top and a least
 * upper bound for every pair (used by tests over every stdlib lattice). */
Error *define_check_lattice_laws(const Lattice *l, Span at);

/* Resolve "KEY" to the key a lookup sees now (staged or installed). */
Key *define_find_key(Workspace *ws, const char *name);
Lattice *define_find_lattice(Workspace *ws, const char *name);

/* Pretty-print definitions back in the language, with effects (show.c). */
void show_machine(Buf *out, const Machine *m);
/* "the session", "untrusted input" or the owning module or machine. */
const char *show_owner_words(const char *owner);
/* "// WHAT NAME (effect)" */
void show_effect_line(Buf *out, const char *what, const char *name, const Effect *eff);
void show_machine_op(Buf *out, const Machine *m, const MachineOp *op);
/* A machine's components, ports and links as Graphviz DOT. */
void show_machine_dot(Buf *out, const Machine *m);

#endif
