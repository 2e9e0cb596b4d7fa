/* interactive.h - the terminal: readline, history, signals (interactive.c). */
#ifndef XVM_INTERACTIVE_H
#define XVM_INTERACTIVE_H

#include "repl.h"

/* The interactive loop (readline); returns at :quit or Ctrl-D. */
void interactive_run(Repl *r);

/* SIGINT: interrupt the running program (both modes). */
void interactive_install_signals(Repl *r);
bool interactive_take_sigint(void);

#endif
