/* repl.h - xvm-repl's front end: the loop that reads inputs (readline on a
 * terminal, plain lines otherwise), the colon commands, and printing.
 * Only this layer prints diagnostics.  Its functions are declared by file:
 * input.h, interactive.h, commands.h, print.h. */
#ifndef XVM_REPL_H
#define XVM_REPL_H

#include "session.h"

typedef struct Repl {
    Session *s;
    bool interactive; /* prompts, readline, history */
    bool echo;        /* --echo: copy each input line to stdout */
    bool codes;       /* --codes: show each error's stable code */
    bool quiet;       /* print no errors (fuzzing) */
    bool quit;
    bool quit_status_given; /* :quit N: leave with status quit_status */
    int quit_status;
    int failures;
    const Error *last_error; /* of the last input, NULL if it succeeded */
    const char *histfile; /* NULL: no history */
    int histsize;
    Buf pending;          /* an input still waiting for its brackets to close */
    SyntaxScan scan;      /* brackets and comments open in pending so far */
    bool open;            /* an input has begun and is not complete yet */
    bool poisoned;        /* a line of the pending input was refused: drop it */
    int pending_line;     /* line number of its first line */
    bool forth;           /* :forth, --forth: each input is Forth until :xvm (forth.c) */
} Repl;


#endif
