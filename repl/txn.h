/* txn.h - private to repl/: the transaction that stages one input's
 * definitions, re-verifies their dependants, and commits or drops it all
 * (stage.c); unit loading (units.c); dependency edges (deps.c). */
#ifndef XVM_TXN_H
#define XVM_TXN_H

#include "session.h"

typedef struct KeySlot {
    uint32_t id;
    void *old; /* what ws->keys held there before this transaction */
} KeySlot;

typedef struct Txn {
    Session *s;
    Principal principal;
    Vec staged;        /* Def* whose pending version this input made, in order */
    Vec created;       /* Def* that did not exist before this input */
    Vec rebuilt;       /* Def* re-verified because something they use changed */
    Vec rebuilt_notes; /* one line per rebuilt Def, same order */
    uint32_t keys_before;
    Vec key_slots;     /* KeySlot*: reused key ids, restored on abort */
    Vec units;         /* unit names loaded by this input */
    Vec notes;         /* "loaded unit ..." lines */
    int unit_depth;
    bool rebuilding;   /* staging a dependant again: it keeps its version */
    Vec declared;      /* ProcVersion*: procedures declared ahead of their bodies */
} Txn;

Txn txn_begin(Session *s, Principal p);
Error *txn_stage_definition(Txn *t, const Node *st);
Error *txn_declare_procedures(Txn *t, const Node *unit);
Error *txn_stage_unit_text(Txn *t, const Source *src, Principal p, bool defs_only);
/* Re-verify every installed definition that depends on what this input
 * changed, in dependency order; all failures are returned together. */
Error *txn_rebuild_dependants(Txn *t);
Error *txn_compile(Txn *t);
void txn_commit(Txn *t);
void txn_abort(Txn *t);
/* What a commit would report, for --dry-run. */
void txn_plan(Txn *t, Buf *out);

Error *txn_load_unit(void *txn, const char *unit, Span at);
Error *read_text(const char *path, Span at, char **text, size_t *len);
/* e, a failed :load of path, with a hint if path looks like a unit's name. */
Error *units_suggest(const Session *s, const char *path, Error *e);

/* Direct dependencies of one version of d: Def* and what kind of edge. */
typedef struct DepEdge {
    Def *to;
    const char *why; /* "implemented-over", "uses-interface", ... */
} DepEdge;
void def_deps(Workspace *ws, const Def *d, const void *version, Vec *out /* DepEdge* */);
bool def_depends_on(Workspace *ws, const Def *d, const Def *on);

Span block_end_span(const Node *block);
/* Code lowered over the machine in use and held to p's trust rules: the
 * one way code gets ready to run (inputs, files, :trace, :step, :time). */
Error *session_lower_code(Session *s, Principal p, Node *const *stmts, uint32_t n, Body *code);
/* Drop a suspended stepped run because a change made it unsafe to go on. */
void trace_drop(Session *s, const char *why);
/* Untrusted code may call only procedures over machines open to it. */
Error *untrusted_calls(Workspace *ws, Principal p, const Body *b);
VerifyOpts session_verify_opts(const Session *s, Buf *log);
const char *session_owner(Principal p);

#endif
