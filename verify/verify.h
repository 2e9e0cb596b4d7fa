/* verify.h - the verifier: verification states and the work-list fixpoint.
 *
 * A verification state (VState) is a value: copied, joined, compared and
 * printed as a unit.  It holds the simulated stack (item identity + type),
 * the verification-time stack and the facts known about items. */
#ifndef XVM_VERIFY_H
#define XVM_VERIFY_H

#include "model.h"

/* ---- verification states ----------------------------------------------------- */

#define VFACT_MAX_ARITY 4

typedef struct VItem {
    uint32_t id;
    TypeId type;
} VItem;

/* A fact: key(ids...) = value.  Keys and values are small integers whose
 * meaning (lattice, element) belongs to the lattice layer. */
typedef struct VFact {
    uint32_t key;
    uint32_t arity;
    uint32_t ids[VFACT_MAX_ARITY];
    uint32_t value;
} VFact;

/* A verification-time value (tick stack). */
typedef struct VVal {
    uint32_t kind, a, b;
} VVal;

typedef struct VState {
    uint32_t depth, cap;
    VItem *items; /* bottom first */
    uint32_t nfacts;
    VFact *facts;
    uint32_t vdepth;
    VVal *vstack;
    uint32_t next_id;
} VState;

/* Least upper bound of two values of the same key.  NULL: equal or dropped. */
typedef bool (*VLubFn)(void *ctx, uint32_t key, uint32_t a, uint32_t b, uint32_t *out);

VState *vs_new(void);
VState *vs_copy(const VState *s);
VState *vs_from_inputs(const Effect *eff); /* a procedure's entry state */
uint32_t vs_push(VState *s, TypeId t);     /* new item; returns its identity */
void vs_push_item(VState *s, VItem it);
VItem vs_pop(VState *s);
void vs_canon(VState *s);                  /* renumber ids by slot; drop stale facts */
bool vs_equal(const VState *a, const VState *b); /* both canonical */

typedef enum { JOIN_OK, JOIN_DEPTH, JOIN_TYPE } JoinResult;
/* Join b into a copy of a; *slot says where types differ (from the bottom). */
JoinResult vs_join(const VState *a, const VState *b, VLubFn lub, void *ctx, VState **out,
                   uint32_t *slot);

/* "<2> s0:int s1:ref" (bottom first, top last), then facts if any. */
void vs_print(Buf *out, const VState *s);
void vs_print_stack(Buf *out, const VState *s);

/* ---- body verification --------------------------------------------------------- */

#define VERIFY_DEFAULT_BUDGET 2000000u

typedef struct VerifyOpts {
    uint64_t budget; /* simulated instructions; 0 = default */
    Buf *log;        /* if set: per-block states are written here */
} VerifyOpts;

/* Verify body starting from entry.  For a procedure, eff is its declared
 * effect and every return must leave exactly its outputs; for REPL code
 * eff is NULL, return is refused and *exit receives the joined end state.
 * Fills body->max_depth and the type annotations the compiler needs. */
Error *verify_body(Body *body, const VState *entry, const Effect *eff, const VerifyOpts *opts,
                   VState **exit);

#endif
