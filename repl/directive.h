/* directive.h - private to repl/: the top-level directives, one table
 * dispatched like the command table (commands.c). */
#ifndef XVM_DIRECTIVE_H
#define XVM_DIRECTIVE_H

#include "txn.h"

/* Stage what one top-level directive statement defines or loads. */
Error *directive_stage(Txn *t, DefCtx *c, const Node *st);

#endif
