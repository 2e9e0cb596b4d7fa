/* stepper.h - the checked executor: one instruction at a time, over the
 * lowered (not flattened) code, with a type tag on every stack slot and
 * every check on.
 *
 * It is the second implementation of the core machine's semantics: :trace
 * and :step run on it, and the fuzzers compare it with the fast executor.
 * A check that verification should have made impossible (a stack slot of
 * the wrong type, an underflow) is a *violation*: a verifier bug. */
#ifndef XVM_STEPPER_H
#define XVM_STEPPER_H

#include "defs.h"
#include "flatten.h"
#include "vm.h"

typedef struct TVal {
    Value v;
    TypeId t;
} TVal;

typedef struct SFrame {
    const Body *body;
    uint32_t pc;
    const Component *comp; /* ports and state resolve through it */
    const char *name;      /* shown position: "<input>", "fib", "tadd" */
    int version;
    const Module *module;  /* whose operation this is (NULL: session code) */
    bool proc;             /* a procedure's frame: what the call depth limits */
} SFrame;

typedef enum { STEP_OK, STEP_DONE, STEP_TRAP, STEP_VIOLATION } StepStatus;

typedef struct StepInfo {
    const Insn *insn; /* what ran */
    SFrame at;        /* where, as it was before the step */
    uint32_t depth;   /* frames below it: nesting of composite operations */
    bool entered;     /* a call: a new frame is now on top */
} StepInfo;

typedef struct Stepper {
    TVal *stack;
    uint32_t depth, cap;       /* cap: the vm's stack limit */
    SFrame *frames;
    uint32_t nframes, max_frames; /* max_frames: operations' frames included */
    uint32_t call_depth, calls;   /* the limit, and procedure frames now */
    uint32_t stack_room, frame_room; /* allocated so far (grown up to the limits) */
    uint64_t safepoints, fuel; /* instructions run, and the limit (vm.h, "Fuel") */
    int64_t max_block_words;
    uint64_t heap_bytes;
    FILE *out;
    Error *error;              /* set on STEP_TRAP and STEP_VIOLATION */
} Stepper;

/* Start a run of code on a copy of vm's stack, whose item types are given
 * (the REPL's simulated stack knows them). */
Stepper *stepper_new(const Vm *vm, const TypeId *types, const Body *code);
StepStatus stepper_step(Stepper *st, StepInfo *info);
/* Give the stepper's stack back to the vm (after STEP_DONE).  An E_LIMIT
 * error, and the vm untouched, if the vm's stack was made too small for it
 * while the run was suspended. */
Error *stepper_finish(Stepper *st, Vm *vm);

#endif
