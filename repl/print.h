/* print.h - printing diagnostics (print.c). */
#ifndef XVM_PRINT_H
#define XVM_PRINT_H

#include "repl.h"

/* Print an error (stderr, after flushing results). */
void print_error(Repl *r, const Error *e);

#endif
