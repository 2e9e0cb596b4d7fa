/* vm.h - the direct-threaded executor (vm.c).
 *
 * The run-time stack holds untagged 64-bit values: the verifier has proved
 * every type, so only the heap keeps tags (core heap access is checked,
 * DESIGN §3.5). */
#ifndef XVM_VM_H
#define XVM_VM_H

#include "compile.h"
#include "heap.h"

#include <signal.h>
#include <stdio.h>

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
    uint64_t stack_room;   /* slots allocated (grows up to limits.stack_slots) */
    Frame *frames;
    uint64_t frame_room;   /* frames allocated (grows up to vm_frame_cap) */
    VmLimits limits;
    FILE *out;
    volatile sig_atomic_t interrupt; /* set from a signal handler */
    uint64_t steps;        /* instructions the last run executed (as fuel counts) */
    /* Asked when a code's calls+loops reach its ask_at (the compile policy); NULL: never asked. */
    void (*hot)(struct Vm *vm, Code *code, void *ctx);
    void *hot_ctx;
} Vm;

Vm *vm_new(VmLimits limits, FILE *out);
/* Run code on the VM's stack.  On a trap or interrupt the stack is put back
 * as it was before the run and an E_TRAP error names the place. */
Error *vm_run(Vm *vm, Code *code);
void vm_request_interrupt(Vm *vm);
/* Before a run: the verified depth of code must fit the stack. */
Error *vm_check_stack(const Vm *vm, const Code *code);
/* Room for `slots` items on the stack (it grows on demand; it may move):
 * false when that passes the limit. */
bool vm_stack_reserve(Vm *vm, uint64_t slots);
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
/* Trap t at `at`, its message formatted from the table with the arguments. */
Error *vm_trap(Trap t, Span at, ...);

/* Where a run is when one tier calls code of the other (native.c): the
 * frames, procedure calls and fuel of the run so far, and the stack. */
typedef struct VmEntry {
    Frame *fp;        /* the next free frame: the caller's is below it */
    uint32_t calls;   /* procedure frames in use */
    uint64_t charged; /* fuel charged so far (as vm->steps counts) */
    Value *sp;        /* in: the callee's first input; out: the top item after the call */
} VmEntry;
/* Run a procedure's or subroutine's threaded code for a call from native
 * code; on return en says where the run is now. */
Error *vm_run_entry(Vm *vm, Code *code, VmEntry *en);
/* A trap at instruction insn of code, called from the frames below fp, as
 * the threaded executor reports it (native code's traps). */
Error *vm_trap_at(Vm *vm, const Code *code, uint32_t insn, Frame *fp, Trap t, const char *msg);
/* Out of fuel: the k-th counted instruction back from insn is the first
 * past the limit. */
Error *vm_out_of_fuel_at(Vm *vm, const Code *code, uint32_t insn, uint64_t k, Frame *fp);
/* One more frame (vm->frames may move); NULL at the cap (op-nesting). */
Frame *vm_more_frames(Vm *vm, Frame *fp);

/* "42" or "<ref 3 words>": the value as print writes it. */
void vm_print_value(Buf *out, Value v, TypeId t);

#endif
