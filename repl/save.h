/* save.h - private to repl/: :save, the session's definitions written as a
 * script that rebuilds them (save.c). */
#ifndef XVM_SAVE_H
#define XVM_SAVE_H

#include "session.h"

typedef struct SaveReport {
    uint32_t ndefs;  /* definitions written as text */
    uint32_t nunits; /* stdlib units written as .load_modules/.load_interfaces lines */
    Vec left_out;    /* const char*: what the script cannot carry, a line each */
} SaveReport;

/* The script: run as typed (xvm-repl FILE), it defines the latest version
 * of every definition, each as its principal, in dependency order, then
 * puts back the principal, the machine in use and the :module selection.
 * Stdlib units are loaded by name; every other definition is its text. */
void save_script(Session *s, Buf *out, SaveReport *rep);
/* :save FILE: the script written to path (at: where its name is). */
Error *save_session(Session *s, const char *path, Span at, SaveReport *rep);

#endif
