/* session.h - the live session: workspace, the REPL's stack and its
 * verification state, and the transaction that takes one input from text
 * to a verified, compiled, running result.  Knows nothing of readline. */
#ifndef XVM_SESSION_H
#define XVM_SESSION_H

#include "exec.h"
#include "model.h"
#include "verify.h"

#include <stdio.h>

typedef struct Session {
    Workspace *ws;
    Vm *vm;
    VState *vs;         /* simulated REPL stack, in step with vm's stack */
    FILE *out;          /* results and program output */
    uint64_t verify_budget;
    int failures;       /* inputs that failed (batch mode exit status) */
    double last_verify_ms, last_run_ms;
} Session;

Session *session_new(FILE *out);

/* Evaluate one input (definitions and code): parse, stage definitions,
 * verify everything against the current state, then commit and run.  If
 * anything fails nothing changes: not the definitions, not the stack. */
Error *session_eval(Session *s, const Source *src);

/* Print the REPL stack: "<2> 3 <ref 2 words>". */
void session_print_stack(Session *s, Buf *out);

/* :verify NAME - per-block verification states of a procedure. */
Error *session_verify_log(Session *s, const char *name, Span at, Buf *out);

/* :show NAME - the definition printed back in the language. */
Error *session_show(Session *s, const char *name, Span at, Buf *out);

double now_ms(void);

#endif
