/* print.h - printing diagnostics (print.c): errors, their colours, and
 * progress on stderr. */
#ifndef XVM_PRINT_H
#define XVM_PRINT_H

#include "repl.h"

/* The option --color=WHEN (auto, always, never): true if arg is one.
 * Colour goes to each of stderr and stdout that is a terminal (auto:
 * unless $NO_COLOR is non-empty or $TERM is unset or "dumb"), to both
 * (always) or to neither (never); progress to stderr if it is a terminal.
 * The terminal is looked at once, when something is first printed. */
bool print_color_option(const char *arg);

/* The option --diagnostics=FORMAT (text, json): true if arg is one.  Under
 * json, print_errors writes each error as a line of JSON (diag.h). */
bool print_diagnostics_option(const char *arg);
/* Was --diagnostics=json given? */
bool print_diagnostics_json(void);

/* Print n errors (the API's values: errs[i] with its errs[i].nnotes notes
 * notes[i]) on stderr, after flushing the results so far.  Nothing here
 * asks the state for them: the library's own files print progress here,
 * so calls go one way. */
void print_errors(const Repl *r, int n, const xvm_Error *errs, xvm_Note *const *notes);
/* One error of the front end's own, alike. */
void print_problem(const Repl *r, const xvm_Error *e, xvm_Note *notes);

/* The facts a :trace row adds, coloured if stdout takes colour. */
const char *print_changes(const char *facts);

/* Progress of work under way: "WHAT... DONE" or "WHAT... DONE/TOTAL"
 * (total 0: unknown), on stderr if it is a terminal, once the work has
 * lasted $XVM_REPL_PROGRESS_MS (default 1000) milliseconds, redrawn at
 * most ten times a second.  The first call after print_progress_end
 * starts the clock. */
void print_progress(const char *what, uint64_t done, uint64_t total);
/* The same, only if stdout is not a terminal (its rows are the progress). */
void print_progress_beside(const char *what, uint64_t done, uint64_t total);
/* The work is done: erase the progress line, if any. */
void print_progress_end(void);

#endif
