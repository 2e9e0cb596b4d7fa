/* flatten.h - layered operations inlined down to core operations (flatten.c). */
#ifndef XVM_FLATTEN_H
#define XVM_FLATTEN_H

#include "compile.h"

/* Flatten layered operations (in the context of comp, or NULL for code over
 * a machine) down to core operations (flatten.c); flatten_compile then
 * compiles the result: the one way a verified body becomes code. */
struct Component;
Body *flatten_body(const Body *b, const struct Component *comp, Error **err);
Code *flatten_compile(const Body *b, const struct Component *comp, bool is_proc, uint32_t nin, int version,
                      Error **err);
/* Every state slot (a Value* into a component's state) that code, or a
 * procedure or subroutine it calls, reads with state_get: where a run that
 * stopped early may have taken a linear value (repl/session.c). */
void flatten_slots_taken(const Code *code, Vec *slots);

#endif
