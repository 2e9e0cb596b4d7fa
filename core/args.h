/* args.h - the one check of how many arguments a statement has, so a
 * directive, an operation and a tick operation say it the same way. */
#ifndef XVM_ARGS_H
#define XVM_ARGS_H

#include "syntax.h"

/* NULL if st has lo..hi arguments (hi UINT32_MAX: no upper limit), else
 * "SHOWN takes N arguments, found M" with the hint "write: USAGE".  `shown`
 * is a format naming the statement, given `name`: "'.%s'" for a directive,
 * "'%s'" for an operation, "'%s" for a tick operation (its quote is its
 * sigil). */
Error *args_check(const Node *st, const char *shown, const char *name, uint32_t lo, uint32_t hi, const char *usage);

#endif
