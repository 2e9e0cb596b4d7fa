/* repl.h - xvm-repl's front end: the loop that reads inputs (readline on a
 * terminal, plain lines otherwise) and prints what they give.  It drives
 * its session only through the embedding API (xvm.h), as any host could;
 * only this layer prints diagnostics.  Its functions are declared by
 * file: input.h, interactive.h, print.h. */
#ifndef XVM_REPL_H
#define XVM_REPL_H

#include "base.h"
#include "syntax.h"
#include "xvm.h"

#include <stdio.h>

typedef struct Repl {
    xvm_State *X;
    FILE *out;        /* where X writes results: flushed before an error is printed */
    bool interactive; /* prompts, readline, history */
    bool echo;        /* --echo: copy each input line to stdout */
    bool codes;       /* --codes: show each error's stable code */
    bool quiet;       /* print no errors (fuzzing) */
    bool quit;        /* :quit or Ctrl-D: leave */
    int quit_status;  /* :quit N: leave with status N; -1: none given */
    int failures;
    int last_status;  /* of the last input submitted: XVM_OK or its failure */
    const char *histfile; /* NULL: no history */
    int histsize;
    Buf pending;          /* an input still waiting for its brackets to close */
    SyntaxScan scan;      /* brackets and comments open in pending so far */
    bool open;            /* an input has begun and is not complete yet */
    bool poisoned;        /* a line of the pending input was refused: drop it */
    int pending_line;     /* line number of its first line */
} Repl;

#endif
