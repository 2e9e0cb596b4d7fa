/* args.h - the one check of a statement's arguments: how many (so a
 * directive, an operation and a tick operation say it the same way) and,
 * for directives, what kind each is. */
#ifndef XVM_ARGS_H
#define XVM_ARGS_H

#include "node.h"

/* NULL if st has lo..hi arguments (hi UINT32_MAX: no upper limit), else
 * "SHOWN takes N arguments, found M" with the hint "write: USAGE".  `shown`
 * is a format naming the statement, given `name`: "'.%s'" for a directive,
 * "'%s'" for an operation, "'%s" for a tick operation (its quote is its
 * sigil). */
Error *args_check(const Node *st, const char *shown, const char *name, uint32_t lo, uint32_t hi, const char *usage);

/* A directive's argument: what kind of node it must be, and what it is
 * called in the message ("the name", "the lattice"). */
typedef struct ArgSpec {
    NodeKind kind;
    const char *what;
} ArgSpec;

/* Argument i of the directive st is of that kind: else "WHAT of '.NAME'
 * must be A KIND, found ..." with the hint "write: USAGE". */
Error *args_kind(const Node *st, uint32_t i, NodeKind kind, const char *what, const char *usage);
/* The directive st has lo..hi arguments and each of the first nspec that
 * is present is of spec[i].kind (args_kind). */
Error *args_shape(const Node *st, const ArgSpec *spec, uint32_t nspec, uint32_t lo, uint32_t hi, const char *usage);
#define ARGS_SHAPE(st, spec, lo, hi, usage) args_shape(st, spec, countof(spec), lo, hi, usage)

#endif
