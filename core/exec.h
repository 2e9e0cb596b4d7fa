/* exec.h - values, the checked heap, threaded code and the executor.
 *
 * Verified bodies compile to direct-threaded code (GCC labels as values):
 * an array of cells, each the address of an instruction's implementation
 * or an immediate.  The run-time stack holds untagged 64-bit values: the
 * verifier has proved every type, so only the heap keeps tags (core heap
 * access is checked, DESIGN §3.5). */
#ifndef XVM_EXEC_H
#define XVM_EXEC_H

#include "model.h"

#include <signal.h>
#include <stdio.h>

/* A heap block: n words, each tagged int or ref. */
typedef struct HeapBlock {
    int64_t size;
    uint8_t *tags; /* size bytes, TY_INT or TY_REF */
    Value words[];
} HeapBlock;

/* The checked heap, shared by the fast executor and the stepper (heap.c). */
/* n zeroed int words; NULL when out of heap or when live heap data would
 * pass limit_bytes (0 = no limit of our own). */
HeapBlock *heap_alloc(int64_t n, uint64_t limit_bytes);
/* The fast path of every heap access: one compare for the bounds (a
 * negative index wraps to a huge one), one for the tag. */
static inline bool heap_word_ok(const HeapBlock *b, int64_t i, TypeId want)
{
    return (uint64_t)i < (uint64_t)b->size && b->tags[i] == want;
}
/* The slow path: what exactly is wrong, for the trap message. */
const char *heap_problem(const HeapBlock *b, int64_t i, TypeId want, bool reading);

typedef union Cell {
    const void *op;     /* address of an instruction's implementation */
    int64_t i;
    union Cell *target; /* resolved jump */
    Proc *proc;
    struct Code *code;  /* a subroutine (flattened operation) */
    Value *slot;        /* a component's state slot */
} Cell;

typedef struct Code {
    Cell *cells;
    uint32_t ncells;
    uint32_t *insn_of; /* cell index -> insn index, for trap locations (a fuel
                        * weight's cell: the last instruction it pays for) */
    uint32_t *uncharged; /* cell index -> at an instruction's first cell: the
                          * instructions of its segment not yet charged when it
                          * runs, itself included (0 where a charge is) */
    Body *body;
    uint32_t nin;      /* inputs taken from the caller's stack */
    uint32_t max_depth;
    int version;
    bool subroutine;   /* a large operation's body: its frame is no procedure call */
} Code;

/* Compile a verified, flat body.  Procedures end with an implicit return. */
Code *compile_body(Body *b, bool is_proc, uint32_t nin, int version);
/* Flatten layered operations (in the context of comp, or NULL for code over
 * a machine) down to core operations (flatten.c); flatten_compile then
 * compiles the result: the one way a verified body becomes code. */
struct Component;
Body *flatten_body(const Body *b, const struct Component *comp, Error **err);
Code *flatten_compile(const Body *b, const struct Component *comp, bool is_proc, uint32_t nin, int version,
                      Error **err);

/* Fuel is the number of core instructions one run may execute, and both
 * executors count it alike:
 *
 *   counted (1 each): every instruction that exists in flattened code: each
 *     primitive, each procedure `call`, each `return` written in a body (a
 *     `return` inside a machine operation becomes a jump when the operation
 *     is inlined: that jump counts 1, like the return it replaces), each
 *     jump, taken or not (a conditional jump executes either way);
 *   not counted: labels, tick operations, calls of machine operations
 *     (P_OPCALL, P_OWNCALL, P_PORTCALL vanish when flattened; the callee's
 *     instructions count), P_CALLCODE (it replaces such a call), the
 *     implicit return at the end of a body, the end of REPL code.
 *
 * A superinstruction counts the instructions it fuses, so fusion changes
 * nothing.  A run whose count would exceed the fuel traps "out of fuel after
 * N instructions" (N = the limit); a run that needs exactly the fuel runs.
 *
 * The stepper counts each instruction before it runs.  The fast executor
 * counts at compile time: the instructions of a straight-line segment are
 * charged together, one subtraction from a register (fuel comes in slices
 * of 65,536, so only the end of a slice reads memory), at its end: a jump
 * taken, a call, a return, the end of the code, and every instruction with
 * an effect a trap leaves behind (print, emit, store, store_ref,
 * state_set), before that instruction runs (compile.c, "Fuel").  A trap of
 * any other kind charges what its segment ran so far.  So both count the
 * same total, both trap "out of fuel" exactly when the total passes the
 * limit, both name the same instruction (the first one past the limit),
 * and both leave the same output, heap and state behind.  The fast
 * executor may have done the stack-only work of less than one segment past
 * that instruction, which the trap undoes with the rest of the run's stack. */
/* The run-time settings: fuel (0 = unlimited), stack_slots, call_depth,
 * max_block_words (the largest single alloc) and heap_bytes (live heap data
 * programs may reach; 0 = no limit).  Rows and defaults: config.h.  vm_new
 * fills in the stack, call depth, block and heap limits when they are 0
 * with their defaults; fuel 0 stays unlimited. */
typedef struct VmLimits {
    CONFIG_SETTINGS(CONFIG_MEMBER_VM)
} VmLimits;

/* Call depth counts procedure calls only, in every executor: operations
 * are inlined or (when large) called as subroutines, and neither counts.
 * Operation frames are bounded by verification (op-nesting per procedure
 * frame), so the frame stack grows on demand up to that bound. */
static inline uint64_t vm_frame_cap(uint32_t call_depth, uint32_t op_nesting)
{
    return ((uint64_t)call_depth + 1) * ((uint64_t)op_nesting + 1);
}

typedef struct Frame {
    Cell *ip;   /* where to continue in code */
    Code *code; /* the version that is running there */
} Frame;

typedef struct Vm {
    Value *stack;          /* stack[-1] is a guard slot */
    uint32_t depth;        /* items on the stack between runs */
    Frame *frames;
    uint64_t frame_room;   /* frames allocated (grows up to vm_frame_cap) */
    VmLimits limits;
    FILE *out;
    volatile sig_atomic_t interrupt; /* set from a signal handler */
    uint64_t steps;        /* instructions the last run executed (as fuel counts) */
} Vm;

Vm *vm_new(VmLimits limits, FILE *out);
/* Run code on the VM's stack.  On a trap or interrupt the stack is put back
 * as it was before the run and an E_TRAP error names the place. */
Error *vm_run(Vm *vm, Code *code);
void vm_request_interrupt(Vm *vm);
/* Before a run: the verified depth of code must fit the stack. */
Error *vm_check_stack(const Vm *vm, const Code *code);
/* Change the operand stack's or the call stack's size (between runs). */
Error *vm_set_stack_slots(Vm *vm, uint64_t slots);
Error *vm_set_call_depth(Vm *vm, uint64_t depth);
/* Run-time traps (traps.def): both executors raise them by code, so the
 * message and the hint are written once. */
typedef enum {
#define X(code, message, hint) TRAP_##code,
#include "traps.def"
#undef X
    TRAP__COUNT
} Trap;
/* The trap's message: its format filled in from the arguments. */
const char *vm_trap_vmessage(Trap t, va_list ap);
/* The trap as an error at a place: "trap: MESSAGE", with the trap's hint. */
Error *vm_trap_error(Trap t, Span at, const char *message);

/* "42" or "<ref 3 words>": the value as print writes it. */
void vm_print_value(Buf *out, Value v, TypeId t);

#endif
