/* xvm_internal.h - beneath the embedding API, for in-tree tools only (the
 * fuzz targets): not installed, not part of xvm.h's promise. */
#ifndef XVM_INTERNAL_H
#define XVM_INTERNAL_H

#include "xvm.h"

/* The session a state drives (repl/session.h), or NULL for no state. */
struct Session;
struct Session *xvm_session(xvm_State *X);
/* The errors the last call on X left, as the session made them (NULL: none). */
struct Error;
const struct Error *xvm_errors(xvm_State *X);

#endif
