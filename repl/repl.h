/* repl.h - xvm-repl's front end: the loop that reads inputs (readline on a
 * terminal, plain lines otherwise), the colon commands, and printing.
 * Only this layer prints diagnostics. */
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
    int failures;
    const Error *last_error; /* of the last input, NULL if it succeeded */
    const char *histfile; /* NULL: no history */
    int histsize;
    Buf pending;          /* an input still waiting for its brackets to close */
    SyntaxScan scan;      /* brackets and comments open in pending so far */
    bool open;            /* an input has begun and is not complete yet */
    bool poisoned;        /* a line of the pending input was refused: drop it */
    int pending_line;     /* line number of its first line */
} Repl;


/* "xvm:core> " or "xvm:MACHINE> "; "|" instead of ">" on continuation lines. */
const char *repl_prompt(const Repl *r, bool cont);

/* Evaluate one complete input: a colon command or definitions and code.
 * srcname/first_line locate it for error messages. */
void repl_submit(Repl *r, const char *text, const char *srcname, int first_line);

/* Feed one line; submits when the brackets balance.  Returns true while a
 * continuation line is wanted. */
bool repl_feed_line(Repl *r, const char *line, const char *srcname, int lineno);
/* Submit whatever is pending (end of input). */
void repl_flush(Repl *r, const char *srcname);
/* The pending input is complete (its brackets closed): submit it, or drop
 * it if a line of it was refused.  Returns false. */
bool repl_end_input(Repl *r, const char *srcname);
/* Forget the pending input (Ctrl-C). */
void repl_drop_input(Repl *r);
/* A line that cannot be read (too long, a NUL byte): print e, count a
 * failure, and drop the input the line belongs to when it completes. */
void repl_refuse_line(Repl *r, Error *e);

/* Run a script: lines from f, as if typed. */
void repl_run_stream(Repl *r, FILE *f, const char *srcname);

/* The interactive loop (readline); returns at :quit or Ctrl-D. */
void repl_interactive(Repl *r);

/* SIGINT: interrupt the running program (both modes). */
void repl_install_signals(Repl *r);
bool repl_take_sigint(void);

/* Print an error (stderr, after flushing results). */
void repl_print_error(Repl *r, const Error *e);

/* Commands (commands.c). */
void repl_command(Repl *r, const char *line, const char *srcname, int lineno);
const char *const *repl_command_names(void);

#endif
