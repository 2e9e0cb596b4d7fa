/* vm_ops.h - private to compile.c and vm.c: the executor's opcodes are
 * the primitives of prims.def followed by a few that only compiled code has. */
#ifndef XVM_EXEC_OPS_H
#define XVM_EXEC_OPS_H

#include "model.h"

/* Superinstructions: the operation with an immediate right operand
 * (push int(1); add;  ->  add_i 1) and compare-and-branch (lt; jump_if L;
 * -> jlt L, also with an immediate), for the rows of prims.def whose C
 * operator has such forms.  In an X(e, name, imm, in, out, flags, C, expr)
 * of prims.def, XVM_IMM_##C(F, e, expr) is F(e, expr) for a BIN, DIV, DIVU
 * or CMP row, XVM_CMP_##C(F, e, expr) for a CMP row, else nothing. */
#define XVM_IMM_NONE(F, e, expr)
#define XVM_IMM_UN(F, e, expr)
#define XVM_IMM_BIN(F, e, expr) F(e, expr)
#define XVM_IMM_DIV(F, e, expr) F(e, expr)
#define XVM_IMM_DIVU(F, e, expr) F(e, expr)
#define XVM_IMM_CMP(F, e, expr) F(e, expr)
#define XVM_CMP_NONE(F, e, expr)
#define XVM_CMP_UN(F, e, expr)
#define XVM_CMP_BIN(F, e, expr)
#define XVM_CMP_DIV(F, e, expr)
#define XVM_CMP_DIVU(F, e, expr)
#define XVM_CMP_CMP(F, e, expr) F(e, expr)
/* XVM_SLOT_##C(F, e, expr): F(e, expr) for the rows that cannot trap (BIN,
 * CMP), which also have forms with an operand in a stack slot. */
#define XVM_SLOT_NONE(F, e, expr)
#define XVM_SLOT_UN(F, e, expr)
#define XVM_SLOT_BIN(F, e, expr) F(e, expr)
#define XVM_SLOT_DIV(F, e, expr)
#define XVM_SLOT_DIVU(F, e, expr)
#define XVM_SLOT_CMP(F, e, expr) F(e, expr)

enum {
    OP_PRINT_REF = P__COUNT, /* print, when the verifier saw a ref */
    OP_HALT,                 /* end of REPL code */
    OP_CALLCODE,             /* call a flattened operation's subroutine */
#define OPS(e, expr) OP_##e##_I,
#define X(e, name, imm, in, out, flags, c, expr) XVM_IMM_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
#define OPS(e, expr) OP_J##e, OP_J##e##_I,
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    /* The same jumps for a target that code also falls through into: when
     * taken, they refund that code's count (compile.c, "Fuel"). */
    OP_JUMP_R,
    OP_JUMP_IF_R,
    OP_JUMP_UNLESS_R,
#define OPS(e, expr) OP_J##e##_R, OP_J##e##_I_R,
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    /* Shuffles and pushes fused into the operation that uses them (compile.c,
     * "Superinstructions"): add_d (dup; add), add_s N (pick N; add), add_u K
     * (swap; push K; add; swap), add_rot (rot; add; swap). */
#define OPS(e, expr) OP_##e##_D, OP_##e##_S, OP_##e##_U, OP_##e##_ROT,
#define X(e, name, imm, in, out, flags, c, expr) XVM_SLOT_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    /* Compare-and-branch on the top and an immediate or a slot, keeping the
     * top (jklt_i: dup; push K; lt; jump_if) or popping it (jlt_s: pick N;
     * lt; jump_if); each with its refunding variant. */
#define OPS(e, expr) OP_JK##e##_I, OP_JK##e##_I_R, OP_JK##e##_S, OP_JK##e##_S_R, OP_J##e##_S, OP_J##e##_S_R,
#define X(e, name, imm, in, out, flags, c, expr) XVM_CMP_##c(OPS, e, expr)
#include "prims.def"
#undef X
#undef OPS
    OP_JNZ_S, OP_JNZ_S_R,  /* pick N; jump_if (N = 0: dup; jump_if) */
    OP_JZ_S, OP_JZ_S_R,    /* pick N; jump_unless */
    OP_STORE_K,            /* push K; pick A; pick 2; store: block in a slot, index on top */
    OP_LOAD_S,             /* pick A; over; load: block in a slot, index on top */
    OP_LOAD_REF_S,
    OP_LOAD_K,             /* dup; push K; load: block on top, index K */
    OP_LOAD_REF_K,
    OP_STORE_REF_K,        /* over; push K; store_ref: value on top, block under it, index K */
    OP_SHUFFLE1,           /* a run of swap, rot, pop: drop D items, push back 1, 2 or 3 of them */
    OP_SHUFFLE2,
    OP_SHUFFLE3,
    OP_PICK2,              /* pick A; pick B (also over, dup): two copies pushed */
    OP_JNZ_LOAD_S, OP_JNZ_LOAD_S_R, /* pick A; over; load; jump_if: on the word, nothing pushed */
    OP_JZ_LOAD_S, OP_JZ_LOAD_S_R,
    OP_JNZ_SIZE, OP_JNZ_SIZE_R,     /* dup; size; jump_if: on the size of the block on top, kept */
    OP_JZ_SIZE, OP_JZ_SIZE_R,
    OP_ALLOC_K,                     /* push K; alloc */
    OP__COUNT
};

/* Fuel (vm.h): whether a flat body's instruction counts (labels and
 * subroutine calls do not; flat code holds no ticks or operation calls). */
static inline bool exec_fuel_counts(int op) { return op < P__COUNT && op != P_LABEL; }

/* Whether an instruction charges fuel: its cells carry the count of the
 * instructions since the last charge, itself included, charged before it
 * runs.  Control leaves the straight line there, or it has an effect a
 * trap does not undo. */
static inline bool exec_fuel_charges(int op)
{
    switch (op) {
    case P_JUMP: case P_JUMP_IF: case P_JUMP_UNLESS: case P_CALL: case P_CALLCODE: case P_RETURN:
    case P_PRINT: case P_EMIT: case P_STORE: case P_STORE_REF: case P_STORE8: case P_STATE_SET: return true;
    default: return false;
    }
}

/* Addresses of the executor's instruction implementations, by opcode. */
const void *const *vm_dispatch_table(void);

#endif
