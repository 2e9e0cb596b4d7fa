/* render.h - an error as people read it (render.c), from the structured
 * values the embedding API hands out (xvm.h), so xvm-repl, xvm_errtext
 * and a front end's own errors are shown alike. */
#ifndef XVM_RENDER_H
#define XVM_RENDER_H

#include "base.h"
#include "xvm.h"

/* Append e and its e->nnotes notes:
 *   file:line:col: error: message
 *     12 | source line
 *        |     ^~~~
 *   file:line:col: note: ...   (each note, with its line and caret)
 *   detail
 *   hint: what to do */
void render_error(Buf *out, const xvm_Error *e, const xvm_Note *notes);

#endif
