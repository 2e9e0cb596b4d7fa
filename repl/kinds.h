/* kinds.h - private to repl/: the table of definition kinds.  What the
 * session does with a definition that depends on its kind is a row here;
 * code that works on any definition reads the version's DefHead and calls
 * through its row, never switches on the kind.  Adding a kind is adding
 * one file kind_NAME.c, which defines the row, a line in kinds.c and a
 * row in directive.c's table. */
#ifndef XVM_KINDS_H
#define XVM_KINDS_H

#include "txn.h"

typedef struct KindOps {
    DefKind kind;
    /* Build a version from its statement, verify it and stage it in t:
     * what an input runs, and what rebuilding a dependant runs again. */
    Error *(*stage)(Txn *t, DefCtx *c, const Node *st);
    /* What the version uses: DepEdge* (edges.h) onto out. */
    void (*deps)(Workspace *ws, const void *v, Vec *out);
    /* What a user of the version relies on changed from old to neu: what
     * (for messages), or NULL when nothing they rely on did.  NULL slot:
     * any change matters to its users. */
    const char *(*change)(const void *old, const void *neu);
    /* Carry live state (a key's id, a machine's component state) from d's
     * installed version into neu, which is being staged.  NULL: none. */
    void (*carry)(Txn *t, Def *d, void *neu);
    /* Compile a staged version to code.  NULL: nothing runs. */
    Error *(*compile)(void *v);
    /* The one-line summary the commit report prints after the name. */
    void (*summary)(Buf *out, const void *v);
    /* The definition printed back in the language, with a comment line. */
    void (*show)(Buf *out, const void *v);
    /* Declared by an owner (a module, a machine, a session): only the owner
     * may declare it again, and the same declaration again is no change. */
    bool owned;
    /* An owned kind that another owner may take over from the one who has
     * it (old): NULL when that declaration is allowed, else the hint that
     * says why not.  The hook NULL: never. */
    const char *(*takeover_refused)(const void *old, const void *neu);
    /* Given again word for word by its owner: is it built on the same
     * versions too (then nothing changes)?  NULL: yes. */
    bool (*same)(const void *old, const void *neu);
    const char *rebuilt;   /* what rebuilding a dependant did: "recompiled" */
    const char *redefined; /* added to "(was vN...)" when redefined, or "" */
} KindOps;

extern const KindOps kind_proc, kind_interface, kind_module, kind_machine, kind_lattice, kind_key, kind_type;

/* Defined in the kinds' files beside their rows: */
/* Stage a unit's types (top level, and those its modules declare) before
 * anything else in it, so its interfaces may name them (kind_type.c). */
Error *kind_type_declare_all(DefCtx *c, const Node *unit);
/* Stage the procedures of a unit before any body is built (kind_proc.c). */
Error *kind_proc_declare_all(DefCtx *c, const Node *unit);
/* The module chosen with :module with stmt's operation added or replaced:
 * what a top-level .define_operation means (kind_module.c). */
Node *kind_module_with_op(Session *s, const Node *stmt, Error **err);

const KindOps *kinds_of(DefKind k);
/* Any version, through its kind's row. */
void kinds_show(Buf *out, const Def *d);
void kinds_deps(Workspace *ws, const Def *d, const void *v, Vec *out);

#endif
