/* verify.h - the verifier: verification states and the work-list fixpoint.
 *
 * A verification state (VState) is a value: copied, joined, compared and
 * printed as a unit.  It holds the simulated stack (item identity + type),
 * the verification-time stack and the facts known about items. */
#ifndef XVM_VERIFY_H
#define XVM_VERIFY_H

#include "defs.h"

#include <signal.h>

/* ---- verification states ----------------------------------------------------- */

typedef struct VItem {
    uint32_t id;
    TypeId type;
} VItem;

/* A fact: key(ids...) = value.  The key is an index into the workspace's
 * key table; the value packs up to 3 elements of the key's lattice (see
 * fact_value_*), so a fact is a plain comparable struct. */
typedef struct VFact {
    uint32_t key;
    uint32_t arity;
    uint32_t ids[KEY_MAX_ARITY];
    uint32_t value;
} VFact;

static inline uint32_t fact_value_len(uint32_t v) { return v >> 24; }
static inline uint32_t fact_value_elem(uint32_t v, uint32_t i) { return (v >> (8 * i)) & 0xff; }
uint32_t vstate_fact_value(const uint32_t *elems, uint32_t n);

/* A verification-time value (tick stack). */
typedef enum { VV_KEYCTOR, VV_ID, VV_KEY, VV_ELEM, VV_VALUE } VValKind;
typedef struct VVal {
    uint8_t kind;            /* VValKind */
    uint8_t n;               /* VV_KEY: ids; VV_VALUE: elements */
    uint32_t key;            /* VV_KEYCTOR, VV_KEY: key id */
    const Lattice *lat;      /* VV_ELEM, VV_VALUE */
    uint32_t x[4];           /* VV_ID: x[0]; VV_KEY: ids; VV_ELEM: x[0]; VV_VALUE: elements */
} VVal;

typedef struct VState {
    uint32_t depth, cap;
    VItem *items; /* bottom first */
    uint32_t nfacts;
    VFact *facts;
    uint32_t vdepth, vcap;
    VVal *vstack;
    uint32_t next_id;
    uint32_t pinned; /* ids below this name a caller's items: canon keeps them */
    uint64_t taken;  /* linear state slots whose value state_get took (bit = slot) */
} VState;

enum { VSTATE_MAX_LINEAR_SLOTS = 64 };

/* Least upper bound of two values of the same key.  NULL: equal or dropped. */
typedef bool (*VLubFn)(void *ctx, uint32_t key, uint32_t a, uint32_t b, uint32_t *out);

VState *vstate_new(void);
VState *vstate_copy(const VState *s);
VState *vstate_from_inputs(const Effect *eff); /* a procedure's entry state */
uint32_t vstate_push(VState *s, TypeId t);     /* new item; returns its identity */
void vstate_push_item(VState *s, VItem it);
VItem vstate_pop(VState *s);
void vstate_canon(VState *s);                  /* renumber ids by slot; drop stale facts */
const VFact *vstate_fact(const VState *s, uint32_t key, const uint32_t *ids, uint32_t arity);
void vstate_set_fact(VState *s, VFact f);      /* add or replace */
bool vstate_equal(const VState *a, const VState *b); /* both canonical */

typedef enum { JOIN_OK, JOIN_DEPTH, JOIN_TYPE, JOIN_TAKEN, JOIN_BUDGET } JoinResult;
/* Join b into a copy of a; *slot says where types differ (from the bottom).
 * vstate_canon costs O(depth + nfacts log nfacts). */
JoinResult vstate_join(const VState *a, const VState *b, VLubFn lub, void *ctx, VState **out,
                   uint32_t *slot);
/* The same, counting its work in *work (NULL: not reported): depth, both
 * fact counts, one per pairing candidate tried, the joined facts, and their
 * canonical form.  Usually 2 depth + na + nb + (arity + 1) max(na, nb) + 2
 * joined facts (+ sorting them); the candidates tried grow only where one
 * identity pairs with several.  JOIN_BUDGET (and no *out) once the work
 * would pass limit. */
JoinResult vstate_join_bounded(const VState *a, const VState *b, VLubFn lub, void *ctx, VState **out,
                           uint32_t *slot, uint64_t limit, uint64_t *work);

/* "<2> s0:int s1:ref" (bottom first, top last), then facts if any (named
 * through ws's key table when ws is given). */
void vstate_print(Buf *out, const VState *s);
const char *vstate_text(const VState *s); /* canonical copy, printed */
void vstate_print_facts(Buf *out, const VState *s, const Workspace *ws);
void vstate_print_vstack(Buf *out, const VState *s, const Workspace *ws); /* [HAS_PARITY(s1) EVEN] */
void vstate_set_names(const Workspace *ws); /* key names for vstate_print */
void vstate_print_stack(Buf *out, const VState *s);

/* ---- body verification --------------------------------------------------------- */

/* A flag a signal handler sets (Ctrl-C): verification then stops with an
 * error, so nothing is installed. */
void verify_set_interrupt(volatile sig_atomic_t *flag);

typedef struct VerifyMemo VerifyMemo; /* derived effects, per top-level verification */
VerifyMemo *call_memo_new(void);

typedef struct VerifyOpts {
    uint64_t budget;       /* simulated instructions; 0 = default */
    Buf *log;              /* if set: per-block states are written here */
    Workspace *ws;         /* keys and lattices for tick code (may be NULL) */
    Component *comp;       /* ports and state resolve through this component;
                            * NULL: a module verified on its own (ports abstract) */
    const Module *module;  /* whose operation this is (key ownership) */
    const char *owner;     /* who owns keys defined here ("<session>" at top level) */
    uint64_t *steps;       /* shared step counter across nested verifications */
    uint32_t nest;         /* depth of nested operation verifications */
    VerifyMemo *memo;      /* NULL: made afresh by verify_body */
    Body **verified;       /* if set: receives this verification's annotated copy
                            * of the body (print's operand types, max_depth), the
                            * one thing to compile; the body itself is never written */
} VerifyOpts;

/* The verification-time effect of one instruction on vs, as the verifier
 * applies it (calls of operations: their concrete effect).  :trace steps
 * the simulated stack with it beside the real one. */
Error *verify_step(const VerifyOpts *o, VState *vs, Insn *in);

/* A module verified on its own: every operation against its effect, with
 * ports abstract, requires assumed and ensures checked. */
Error *module_verify(Workspace *ws, Module *m, uint64_t budget);
/* The entry state of an operation verified on its own: its inputs, what
 * requires assumes, inputs pinned where an ensures names them. */
Error *module_op_entry(Workspace *ws, const OpDef *op, VState **out);
/* The entry state of an implementation: inputs plus what requires assumes. */
Error *call_assume_requires(Workspace *ws, VState *entry, const OpSig *sig);
Error *call_check_ensures(Workspace *ws, const VState *vs, const OpSig *sig, const uint32_t *in_ids, Span at,
                            const char *who);

/* Verify body starting from entry.  For a procedure, eff is its declared
 * effect and every return must leave exactly its outputs; for REPL code
 * eff is NULL, return is refused and *exit receives the joined end state.
 * body is only read: max_depth and the type annotations the compiler needs
 * go to a copy, returned through opts->verified. */
Error *verify_body(const Body *body, const VState *entry, const Effect *eff, const VerifyOpts *opts,
                   VState **exit);

#endif
