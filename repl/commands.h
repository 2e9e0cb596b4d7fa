/* commands.h - the colon commands (commands.c). */
#ifndef XVM_COMMANDS_H
#define XVM_COMMANDS_H

#include "repl.h"

/* Run one colon command line; the names of all commands (for completion). */
void commands_run(Repl *r, const char *line, const char *srcname, int lineno);
const char *const *commands_names(void);

#endif
