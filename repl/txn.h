/* txn.h - private to repl/: the transaction that stages one input's
 * definitions, re-verifies their dependants, and commits or drops it all. */
#ifndef XVM_TXN_H
#define XVM_TXN_H

#include "define.h"
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
    Error *(*load_unit)(void *txn, const char *unit, Span at);
} Txn;

/* load_unit: how the transaction loads a unit a definition names (units.c). */
Txn txn_begin(Session *s, Principal p, Error *(*load_unit)(void *txn, const char *unit, Span at));
/* The builders' context for definitions written by p, staging into t. */
DefCtx txn_ctx(Txn *t, Principal p);
/* The staging callback (DefCtx.stage): make version the pending version of name. */
Error *txn_stage(void *txn, DefKind kind, const char *name, void *version, Span at);
Error *txn_stage_definition(Txn *t, const Node *st);
Error *txn_stage_unit_text(Txn *t, const Source *src, Principal p, bool defs_only);
/* Re-verify every installed definition that depends on what this input
 * changed, in dependency order; all failures are returned together. */
Error *txn_rebuild_dependants(Txn *t);
Error *txn_compile(Txn *t);
void txn_commit(Txn *t);
void txn_abort(Txn *t);
/* What a commit would report, for --dry-run. */
void txn_plan(Txn *t, Buf *out);

#endif
