/* input.h - the input protocol shared by scripts and the terminal (input.c). */
#ifndef XVM_INPUT_H
#define XVM_INPUT_H

#include "repl.h"

/* "xvm:core> " or "xvm:MACHINE> "; "|" instead of ">" on continuation lines;
 * "xvm:core[step]> " while a :step run is suspended. */
const char *input_prompt(Repl *r, bool cont);

/* Print the errors the last call on r->X left (print.h). */
void input_print_errors(Repl *r);

/* A setting's value (xvm_getlimit), e.g. "line-bytes". */
uint64_t input_limit(Repl *r, const char *name);

/* Evaluate one complete input (xvm_input): a colon command or definitions
 * and code; print its errors and count a failure if it fails.
 * srcname/first_line locate it for error messages. */
void input_submit(Repl *r, const char *text, const char *srcname, int first_line);

/* Feed one line; submits when the brackets balance.  Returns true while a
 * continuation line is wanted. */
bool input_feed_line(Repl *r, const char *line, const char *srcname, int lineno);
/* Submit whatever is pending (end of input). */
void input_flush(Repl *r, const char *srcname);
/* The pending input is complete (its brackets closed): submit it, or drop
 * it if a line of it was refused.  Returns false. */
bool input_end(Repl *r, const char *srcname);
/* Forget the pending input (Ctrl-C). */
void input_drop(Repl *r);
/* A line that cannot be read (too long, a NUL byte): print the error
 * (code "E_LIMIT", ...; hint may be NULL) at that line, count a failure,
 * and drop the input the line belongs to when it completes. */
void input_refuse_line(Repl *r, const char *code, const char *srcname, int line, const char *msg, const char *hint);
/* The same for a line of n bytes, over :set line-bytes. */
void input_refuse_long_line(Repl *r, const char *srcname, int line, size_t n);

/* Run a script: lines from f, as if typed. */
void input_run_stream(Repl *r, FILE *f, const char *srcname);

#endif
