/* exec_ops.h - private to compile.c and exec.c: the executor's opcodes are
 * the primitives of prims.def followed by a few that only compiled code has. */
#ifndef XVM_EXEC_OPS_H
#define XVM_EXEC_OPS_H

#include "model.h"

enum {
    OP_PRINT_REF = P__COUNT, /* print, when the verifier saw a ref */
    OP_HALT,                 /* end of REPL code */
    OP_CALLCODE,             /* call a flattened operation's subroutine */
    OP__COUNT
};

/* Addresses of the executor's instruction implementations, by opcode. */
const void *const *exec_dispatch_table(void);

#endif
