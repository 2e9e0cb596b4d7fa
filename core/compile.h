/* compile.h - threaded code (compile.c).
 *
 * Verified bodies compile to direct-threaded code (GCC labels as values):
 * an array of cells, each the address of an instruction's implementation
 * or an immediate. */
#ifndef XVM_COMPILE_H
#define XVM_COMPILE_H

#include "model.h"

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
    uint32_t *head_at;  /* cell index -> the jump target (insn index + 1) that lands there, or 0 */
    Body *body;
    uint32_t nin;      /* inputs taken from the caller's stack */
    uint32_t max_depth;
    int version;
    bool subroutine;   /* a large operation's body: its frame is no procedure call */
    /* The native tier (native.c) and the policy that asks for it: */
    void *native;      /* entry of the native code, or NULL: the threaded cells run */
    uint64_t compile_ns; /* how long the native compile took */
    const uint32_t *native_depth; /* the stack depth at each instruction (native_resume) */
    uint64_t calls, loops; /* times entered, backward jumps taken (counted by the threaded executor) */
    uint64_t ask_at;   /* when calls+loops reaches this, the executor calls vm->hot (which sets a new ask_at) */
} Code;

/* Compile a verified, flat body.  Procedures end with an implicit return. */
Code *compile_body(Body *b, bool is_proc, uint32_t nin, int version);

#endif
