/* exec_ops.h - private to compile.c and exec.c: the executor's opcodes are
 * the primitives of prims.def followed by a few that only compiled code has. */
#ifndef XVM_EXEC_OPS_H
#define XVM_EXEC_OPS_H

#include "model.h"

/* Superinstructions: the operation with an immediate right operand
 * (push int(1); add;  ->  add_i 1) and compare-and-branch (lt; jump_if L;
 * -> jlt L, also with an immediate).  NAME, C operator on (a, b). */
#define XVM_IMM_OPS(X)                                                             \
    X(ADD, (Value)((uint64_t)a + (uint64_t)b)) X(SUB, (Value)((uint64_t)a - (uint64_t)b)) \
    X(MUL, (Value)((uint64_t)a * (uint64_t)b)) X(DIV, a / b) X(MOD, a % b)            \
    X(AND, a & b) X(OR, a | b) X(XOR, a ^ b)                                        \
    X(SHL, (Value)((uint64_t)a << (b & 63))) X(SHR, a >> (b & 63))                   \
    X(EQ, a == b) X(NE, a != b) X(LT, a < b) X(LE, a <= b) X(GT, a > b) X(GE, a >= b)
#define XVM_CMP_OPS(X) X(EQ, ==) X(NE, !=) X(LT, <) X(LE, <=) X(GT, >) X(GE, >=)

enum {
    OP_PRINT_REF = P__COUNT, /* print, when the verifier saw a ref */
    OP_HALT,                 /* end of REPL code */
    OP_CALLCODE,             /* call a flattened operation's subroutine */
#define X(name, expr) OP_##name##_I,
    XVM_IMM_OPS(X)
#undef X
#define X(name, op) OP_J##name, OP_J##name##_I,
    XVM_CMP_OPS(X)
#undef X
    /* The same jumps for a target that code also falls through into: when
     * taken, they refund that code's count (compile.c, "Fuel"). */
    OP_JUMP_R,
    OP_JUMP_IF_R,
    OP_JUMP_UNLESS_R,
#define X(name, op) OP_J##name##_R, OP_J##name##_I_R,
    XVM_CMP_OPS(X)
#undef X
    OP__COUNT
};

/* Fuel (exec.h): whether a flat body's instruction counts (labels and
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
    case P_PRINT: case P_EMIT: case P_STORE: case P_STORE_REF: case P_STATE_SET: return true;
    default: return false;
    }
}

/* Addresses of the executor's instruction implementations, by opcode. */
const void *const *exec_dispatch_table(void);

#endif
