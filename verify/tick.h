/* tick.h - private to verify/: tick statements (tick.c) and calls of
 * machine operations (call.c). */
#ifndef XVM_TICK_H
#define XVM_TICK_H

#include "define.h"
#include "verify.h"

typedef struct TickEnv {
    Workspace *ws;     /* keys and lattices by name */
    const char *owner; /* whose 'define this is */
} TickEnv;

Error *tick_step(const TickEnv *env, VState *vs, const Node *stmt);
const char *const *tick_op_names(uint32_t *n);

/* Calls of machine operations (call.c). */
/* Whose eyes declared types are seen through in the code verified: its owner. */
const char *call_viewer(const VerifyOpts *o);
/* A hint for a type mismatch among the top n items: which are abstract. */
void call_hint_abstract(Error *e, const VState *vs, uint32_t n);
Error *call_check_inputs(const VState *vs, const Insn *in, const Effect *eff, const char *viewer);
Error *call_check_requires(Workspace *ws, const VState *vs, const Insn *in, const OpSig *sig);
Error *call_abstract(const VerifyOpts *o, VState *vs, const Insn *in, const OpSig *sig);
Error *call_concrete(const VerifyOpts *o, VState *vs, const Insn *in, Component *comp, OpDef *op,
                     const OpSig *sig);

/* The lub callback for joins: component-wise in the key's lattice. */
bool tick_fact_lub(void *ws, uint32_t key, uint32_t a, uint32_t b, uint32_t *out);

#endif
