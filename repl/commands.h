/* commands.h - the colon commands (commands.c). */
#ifndef XVM_COMMANDS_H
#define XVM_COMMANDS_H

#include "session.h"

/* Run one colon command line (its output on s->out); its errors, or NULL.
 * The names of all commands (for completion). */
Error *commands_run(Session *s, const char *line, const char *srcname, int lineno);
const char *const *commands_names(void);

#endif
